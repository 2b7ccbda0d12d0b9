//! `/shop`: the explainer's categories and products — a sidebar of categories (`@categories`)
//! beside a product grid (`children`: a page per category, with a `Query` filter), and
//! breadcrumbs (`@crumbs`), nested under the root layout.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use parallel_routes::TemplateError;
use parallel_routes::prelude::*;
use serde::Deserialize;

use super::{AppState, site};

#[derive(Template)]
#[template(path = "app/catalog.html")]
struct Page {
    crumbs: Fragment,
    categories: Fragment,
    children: Fragment,
}

/// The shop: breadcrumbs, then the categories beside the products.
#[layout(
    "/shop",
    slots(crumbs, categories),
    parent = site,
    routes("/{category}"),
    targets(children = "#products")
)]
pub async fn catalog(
    crumbs: Fragment,
    categories: Fragment,
    children: Fragment,
) -> Result<Html<String>, TemplateError> {
    Ok(Html(
        Page {
            crumbs,
            categories,
            children,
        }
        .render()?,
    ))
}

/// The category at `slug`: its id and name, or a 404.
async fn category(state: &AppState, slug: &str) -> Result<(i64, String), Failure> {
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM categories WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&state.db)
            .await?;
    found.ok_or_else(|| Interrupt::not_found().into())
}

/// `@crumbs/default.tsx`: Home › Shop › the category, from the route.
#[slot(catalog, crumbs, default)]
async fn crumbs(
    State(state): State<AppState>,
    at: catalog::Route,
) -> Result<Html<String>, Failure> {
    let home = format!(r#"<a href="{}">Home</a>"#, site::Route::Index);
    Ok(Html(match at {
        catalog::Route::Index => format!(r#"{home} › <span aria-current="page">Shop</span>"#),
        catalog::Route::Category { category: slug } => {
            let (_, name) = category(&state, &slug).await?;
            format!(
                r#"{home} › <a href="{}">Shop</a> › <span aria-current="page">{}</span>"#,
                catalog::Route::Index,
                Fragment::text(name)
            )
        }
    }))
}

#[derive(Template)]
#[template(path = "app/categories.html")]
struct Categories {
    items: Vec<(catalog::Route, String, i64, bool)>,
}

/// `@categories/default.tsx`: each category with its number of products, the current one
/// marked.
#[slot(catalog, categories, default)]
async fn categories(
    State(state): State<AppState>,
    at: catalog::Route,
) -> Result<Fragment, Failure> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT categories.slug, categories.name, COUNT(products.id)
         FROM categories LEFT JOIN products ON products.category_id = categories.id
         GROUP BY categories.id ORDER BY categories.name",
    )
    .fetch_all(&state.db)
    .await?;
    let items = rows
        .into_iter()
        .map(|(slug, name, count)| {
            let route = catalog::Route::Category { category: slug };
            let current = route == at;
            (route, name, count, current)
        })
        .collect();
    Ok(Fragment::template(&Categories { items })?)
}

/// `page.tsx`: no category picked.
#[page(catalog)]
async fn all() -> (Head, Html<&'static str>) {
    let html = Html("<h2>Shop</h2><p>Pick a category.</p>");
    (crate::acme::title("Shop"), html)
}

/// The products' filter, from the query string: a price ceiling in euros and an order. A
/// value that does not parse (`?max=cheap`) is axum's 400.
#[derive(Deserialize)]
pub struct Filter {
    // The form sends `max=` when the field is left empty: no ceiling.
    #[serde(default, deserialize_with = "empty_as_none")]
    max: Option<u32>,
    #[serde(default)]
    cheapest_first: bool,
}

/// `""` (an empty form field) as `None`; anything else must be a number.
fn empty_as_none<'de, D>(deserializer: D) -> Result<Option<u32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value: Option<String> = Option::deserialize(deserializer)?;
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(number) => number.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

#[derive(Template)]
#[template(path = "app/products.html")]
struct Products {
    name: String,
    products: Vec<(String, String)>,
    max: String,
    cheapest_first: bool,
}

/// `[category]/page.tsx`: the category's products, filtered; an unknown category is a 404.
#[page(catalog, route = "/{category}")]
async fn products(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<(Head, Fragment), Failure> {
    let (id, name) = category(&state, &slug).await?;
    let ceiling = filter.max.map_or(i64::MAX, |euros| i64::from(euros) * 100);
    let order = if filter.cheapest_first {
        "price_cents, name"
    } else {
        "name"
    };
    let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT name, price_cents FROM products WHERE category_id = ? AND price_cents <= ? ORDER BY {order}"
    )))
    .bind(id)
    .bind(ceiling)
    .fetch_all(&state.db)
    .await?;
    let products = rows
        .into_iter()
        .map(|(product, cents)| (product, super::dashboard::money(cents)))
        .collect();
    let head = crate::acme::title(&name);
    let html = Fragment::template(&Products {
        name,
        products,
        max: filter.max.map(|max| max.to_string()).unwrap_or_default(),
        cheapest_first: filter.cheapest_first,
    })?;
    Ok((head, html))
}
