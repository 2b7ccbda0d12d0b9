//! The nesting example's app, in the library so that the tests serve the very same app: a tea
//! shop three layouts deep, as Next.js would lay it out —
//!
//! ```text
//! app/layout.tsx                                   store: sidebar + breadcrumbs around children
//!   @sidebar/page.tsx                              on /
//!   @sidebar/shop/[category]/page.tsx              on /shop/{category}
//!   @sidebar/default.tsx                           everywhere else (a product's page)
//!   @crumbs/default.tsx                            everywhere, reading where it is
//!   page.tsx                                       /
//!   shop/[category]/layout.tsx                     shop: filters + deals around children
//!     @filters/page.tsx, @filters/default.tsx
//!     @deals/default.tsx + loading.tsx             streamed behind a skeleton
//!     page.tsx                                     /shop/{category}: the products
//!     [product]/layout.tsx                         product: reviews around children
//!       @reviews/page.tsx, page.tsx                /shop/{category}/{product}
//! ```
//!
//! Every level follows the URL: on a product's page the store's sidebar renders its `default`
//! and the shop's filters theirs, never their index handlers. The breadcrumbs are the store's
//! `default`, built from `store::Route`, and every link is a `Route` value, never a string.

use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::response::Html;
use parallel_routes::prelude::*;

use crate::document;

/// A category of the shop: its slug (the path parameter), its name, and its products' slugs
/// and names.
struct Category {
    slug: &'static str,
    name: &'static str,
    products: &'static [(&'static str, &'static str, u32)],
}

const CATEGORIES: &[Category] = &[
    Category {
        slug: "green",
        name: "Green tea",
        products: &[
            ("sencha", "Sencha", 1200),
            ("gyokuro", "Gyokuro", 3400),
            ("matcha", "Matcha", 2800),
        ],
    },
    Category {
        slug: "black",
        name: "Black tea",
        products: &[("assam", "Assam", 900), ("darjeeling", "Darjeeling", 1600)],
    },
    Category {
        slug: "oolong",
        name: "Oolong",
        products: &[("tieguanyin", "Tieguanyin", 2100)],
    },
];

fn find_category(slug: &str) -> Result<&'static Category, Interrupt> {
    CATEGORIES
        .iter()
        .find(|category| category.slug == slug)
        .ok_or_else(Interrupt::not_found)
}

fn find_product(
    category_slug: &str,
    slug: &str,
) -> Result<(&'static Category, &'static str, u32), Interrupt> {
    let category = find_category(category_slug)?;
    let (_, name, cents) = category
        .products
        .iter()
        .find(|(product, ..)| *product == slug)
        .ok_or_else(Interrupt::not_found)?;
    Ok((category, name, *cents))
}

fn price(cents: u32) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

/// A link to a category's page, as a route value.
fn shop_route(category: &Category) -> store::Route {
    store::Route::Shop {
        category: category.slug.to_owned(),
    }
}

/// The root: a sidebar of categories and breadcrumbs around the page. It lists the paths of
/// the layouts nested in it, where its slots render their handler for that route or their
/// `default`.
#[layout(
    "/",
    slots(sidebar, crumbs),
    routes("/shop/{category}", "/shop/{category}/{product}" as Product),
    targets(children = "#page")
)]
pub async fn store(sidebar: Fragment, crumbs: Fragment, children: Fragment) -> Html<String> {
    Html(document(
        "Tea shop",
        &format!(
            r#"<header><h1><a href="{home}">Tea shop</a></h1><p>Three nested layouts; every level follows the URL</p></header>
<main class="store">
<nav class="crumbs" id="crumbs" aria-label="Breadcrumbs">{crumbs}</nav>
<div class="columns">
<aside class="sidebar" id="sidebar">{sidebar}</aside>
<div class="page" id="page">{children}</div>
</div>
</main>"#,
            home = store::Route::Index,
        ),
    ))
}

/// The categories, the current one (if any) marked.
fn categories(current: Option<&str>) -> Html<String> {
    let items: String = CATEGORIES
        .iter()
        .map(|category| {
            let current = if current == Some(category.slug) {
                r#" aria-current="page""#
            } else {
                ""
            };
            format!(
                r#"<li><a href="{}"{current}>{}</a></li>"#,
                shop_route(category),
                category.name
            )
        })
        .collect();
    Html(format!("<h2>Categories</h2><ul>{items}</ul>"))
}

/// `@sidebar/page.tsx`: on the home page, no category is current.
#[slot(store, sidebar)]
async fn sidebar_home() -> Html<String> {
    categories(None)
}

/// `@sidebar/shop/[category]/page.tsx`: the store's sidebar on the shop's path, with that
/// route's `Path`.
#[slot(store, sidebar, route = "/shop/{category}")]
async fn sidebar_shop(Path(category): Path<String>) -> Html<String> {
    categories(Some(&category))
}

/// `@sidebar/default.tsx`: on a product's page, the store's sidebar knows where it is from its
/// `Route`.
#[slot(store, sidebar, default)]
async fn sidebar_default(at: store::Route) -> Html<String> {
    match at {
        store::Route::Product { category, .. } => categories(Some(&category)),
        _ => categories(None),
    }
}

/// `@crumbs/default.tsx`: one handler for every route, reading where the request is.
#[slot(store, crumbs, default)]
async fn breadcrumbs(at: store::Route) -> Html<String> {
    let mut trail = vec![(store::Route::Index, "Home".to_owned())];
    match &at {
        store::Route::Index => {}
        store::Route::Shop { category: slug } | store::Route::Product { category: slug, .. } => {
            // An unknown category: the page answers 404; the crumb shows the slug, escaped.
            let name = find_category(slug).map_or_else(
                |_| Fragment::text(slug).to_string(),
                |category| category.name.to_owned(),
            );
            trail.push((
                store::Route::Shop {
                    category: slug.clone(),
                },
                name,
            ));
        }
    }
    if let store::Route::Product { category, product } = &at {
        let name = find_product(category, product).map_or_else(
            |_| Fragment::text(product).to_string(),
            |(_, name, _)| name.to_owned(),
        );
        trail.push((at.clone(), name));
    }
    let last = trail.len() - 1;
    let crumbs: Vec<String> = trail
        .into_iter()
        .enumerate()
        .map(|(i, (route, name))| {
            if i == last {
                format!(r#"<span aria-current="page">{name}</span>"#)
            } else {
                format!(r#"<a href="{route}">{name}</a>"#)
            }
        })
        .collect();
    Html(crumbs.join(" › "))
}

/// `page.tsx`
#[page(store)]
async fn home() -> Html<String> {
    let picks: String = CATEGORIES
        .iter()
        .map(|category| {
            format!(
                r#"<li><a href="{}">{}</a> — {} teas</li>"#,
                shop_route(category),
                category.name,
                category.products.len()
            )
        })
        .collect();
    Html(format!(
        "<section><h2>Welcome</h2><p>Pick a category.</p><ul>{picks}</ul></section>"
    ))
}

/// A section of the store: a category's filters and deals around its products, or around a
/// product's layout below it.
#[layout(
    "/shop/{category}",
    slots(filters, deals),
    parent = store,
    routes("/{product}" as Product),
    targets(children = "#section")
)]
pub async fn shop(filters: Fragment, deals: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        r#"<div class="section"><div class="slots"><section class="filters" id="filters">{filters}</section><section class="deals" id="deals">{deals}</section></div><div class="children" id="section">{children}</div></div>"#
    ))
}

/// `@filters/page.tsx`: on the category's own page.
#[slot(shop, filters)]
async fn filters(Path(slug): Path<String>) -> Result<Html<String>, Interrupt> {
    let category = find_category(&slug)?;
    Ok(Html(format!(
        "<h2>Filter</h2><p>{} teas in {}; sort by price or name.</p>",
        category.products.len(),
        category.name
    )))
}

/// `@filters/default.tsx`: below a product, a link back to its category.
#[slot(shop, filters, default)]
async fn filters_default(at: shop::Route) -> Html<String> {
    let category = match at {
        shop::Route::Index { category } | shop::Route::Product { category, .. } => category,
    };
    let back = shop::Route::Index { category };
    Html(format!(
        r#"<h2>Filter</h2><p><a href="{back}">All teas of this category</a></p>"#
    ))
}

/// `@deals/loading.tsx`
fn deals_skeleton() -> Html<&'static str> {
    Html(r#"<h2>Deals</h2><ul><li class="skeleton"></li><li class="skeleton"></li></ul>"#)
}

/// `@deals/default.tsx`: slow (a pricing service), so streamed behind its skeleton on every
/// page of the section.
#[slot(shop, deals, default, loading = deals_skeleton)]
async fn deals(at: shop::Route) -> Html<String> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let slug = match &at {
        shop::Route::Index { category } | shop::Route::Product { category, .. } => category,
    };
    let deal = find_category(slug)
        .ok()
        .and_then(|category| category.products.iter().min_by_key(|(.., cents)| *cents))
        .map_or_else(
            || "No deals today.".to_owned(),
            |(_, name, cents)| format!("{name}: {} (−10 %)", price(cents * 9 / 10)),
        );
    Html(format!(r#"<h2>Deals</h2><p class="deal">{deal}</p>"#))
}

/// `shop/[category]/page.tsx`: the category's products.
#[page(shop)]
async fn products(Path(slug): Path<String>) -> Result<Html<String>, Interrupt> {
    let category = find_category(&slug)?;
    let items: String = category
        .products
        .iter()
        .map(|(product, name, cents)| {
            let route = store::Route::Product {
                category: category.slug.to_owned(),
                product: (*product).to_owned(),
            };
            format!(
                r#"<li><a href="{route}">{name}</a> <span class="meta">{}</span></li>"#,
                price(*cents)
            )
        })
        .collect();
    Ok(Html(format!(
        "<h2>{}</h2><ul class=\"products\">{items}</ul>",
        category.name
    )))
}

/// A product: its reviews around its page.
#[layout("/shop/{category}/{product}", slots(reviews), parent = shop, targets(children = "#item"))]
pub async fn product(reviews: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        r#"<article class="product"><div id="item">{children}</div><section class="reviews" id="reviews">{reviews}</section></article>"#
    ))
}

/// `[product]/@reviews/page.tsx`
#[slot(product, reviews)]
async fn reviews(Path((_, product)): Path<(String, String)>) -> Html<String> {
    let stars = 3 + product.len() % 3;
    Html(format!(
        "<h2>Reviews</h2><p>{} out of 5 ({} reviews)</p>",
        "★".repeat(stars),
        product.len() * 7
    ))
}

/// `[product]/page.tsx`
#[page(product)]
async fn product_page(
    Path((category_slug, slug)): Path<(String, String)>,
) -> Result<Html<String>, Interrupt> {
    let (category, name, cents) = find_product(&category_slug, &slug)?;
    Ok(Html(format!(
        "<h2>{name}</h2><p>A {} from our {} shelf.</p><p class=\"price\">{}</p>",
        category.name.to_lowercase(),
        category.name,
        price(cents)
    )))
}

/// The three layouts' routers, merged.
pub fn app() -> Router {
    Router::new()
        .merge(store::router())
        .merge(shop::router())
        .merge(product::router())
}
