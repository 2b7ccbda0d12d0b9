//! Every level follows the URL: on a nested layout's path, each slot of each ancestor renders
//! its handler for that route or its `default` (never its index handler), at three levels;
//! each layout's `Route` is the nested route's variant there, in pages and in `@slot`
//! endpoints; and a parent's router leaves the nested routes to the nested layouts'.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::get;

// --- Three levels: site → shop → item --------------------------------------------------------

#[layout(
    "/",
    slots(sidebar, crumbs),
    routes("/shop/{category}", "/shop/{category}/sale", "/shop/{category}/{item}" as Item)
)]
async fn site(
    at: site::Route,
    sidebar: Fragment,
    crumbs: Fragment,
    children: Fragment,
) -> Html<String> {
    Html(format!(
        "[site {at:?}|sidebar={sidebar}|crumbs={crumbs}|{children}]"
    ))
}

static SITE_SIDEBAR_INDEX: AtomicUsize = AtomicUsize::new(0);

#[slot(site, sidebar)]
async fn site_sidebar() -> &'static str {
    SITE_SIDEBAR_INDEX.fetch_add(1, Ordering::SeqCst);
    "site-index"
}

#[slot(site, sidebar, route = "/shop/{category}")]
async fn site_sidebar_shop(Path(category): Path<String>) -> String {
    format!("site-shop({category})")
}

#[slot(site, sidebar, default)]
async fn site_sidebar_default() -> &'static str {
    "site-default"
}

/// The breadcrumbs: the root's `default`, reading where the request is.
#[slot(site, crumbs, default)]
async fn site_crumbs(at: site::Route) -> String {
    let trail = match &at {
        site::Route::Index => vec![("Home".to_owned(), at.to_string())],
        site::Route::Shop { category } | site::Route::ShopSale { category } => vec![
            ("Home".to_owned(), site::Route::Index.to_string()),
            (
                category.clone(),
                site::Route::Shop {
                    category: category.clone(),
                }
                .to_string(),
            ),
        ],
        site::Route::Item { category, item } => vec![
            ("Home".to_owned(), site::Route::Index.to_string()),
            (
                category.clone(),
                site::Route::Shop {
                    category: category.clone(),
                }
                .to_string(),
            ),
            (item.clone(), at.to_string()),
        ],
    };
    let trail: Vec<String> = trail
        .into_iter()
        .map(|(name, href)| format!("{name}({href})"))
        .collect();
    trail.join(" / ")
}

#[page(site)]
async fn home() -> &'static str {
    "home"
}

#[layout("/shop/{category}", slots(filters), parent = site, routes("/sale", "/{item}" as Item))]
async fn shop(at: shop::Route, filters: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[shop {at:?}|filters={filters}|{children}]"))
}

#[slot(shop, filters)]
async fn shop_filters(Path(category): Path<String>) -> String {
    format!("shop-index({category})")
}

#[slot(shop, filters, route = "/{item}")]
async fn shop_filters_item(Path((category, item)): Path<(String, String)>) -> String {
    format!("shop-item({category},{item})")
}

#[slot(shop, filters, default)]
async fn shop_filters_default() -> &'static str {
    "shop-default"
}

#[page(shop)]
async fn shop_page(Path(category): Path<String>) -> String {
    format!("products({category})")
}

#[page(shop, route = "/sale")]
async fn shop_sale() -> &'static str {
    "sale"
}

#[layout("/shop/{category}/{item}", slots(reviews), parent = shop)]
async fn item(at: item::Route, reviews: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[item {at:?}|reviews={reviews}|{children}]"))
}

#[slot(item, reviews)]
async fn item_reviews(at: site::Route) -> String {
    format!("reviews@{at}")
}

#[page(item)]
async fn item_page(Path((category, item)): Path<(String, String)>) -> String {
    format!("item({category},{item})")
}

fn app() -> Router {
    Router::new()
        .merge(site::router())
        .merge(shop::router())
        .merge(item::router())
}

#[tokio::test]
async fn every_ancestor_slot_renders_its_handler_for_the_nested_route_or_its_default() {
    let cases = [
        ("/", "[site Index|sidebar=site-index|crumbs=Home(/)|home]"),
        (
            "/shop/tea",
            "[site Shop { category: \"tea\" }|sidebar=site-shop(tea)|crumbs=Home(/) / tea(/shop/tea)|[shop Index { category: \"tea\" }|filters=shop-index(tea)|products(tea)]]",
        ),
        (
            "/shop/tea/sale",
            "[site ShopSale { category: \"tea\" }|sidebar=site-default|crumbs=Home(/) / tea(/shop/tea)|[shop Sale { category: \"tea\" }|filters=shop-default|sale]]",
        ),
        (
            "/shop/tea/green",
            "[site Item { category: \"tea\", item: \"green\" }|sidebar=site-default|crumbs=Home(/) / tea(/shop/tea) / green(/shop/tea/green)|[shop Item { category: \"tea\", item: \"green\" }|filters=shop-item(tea,green)|[item Index { category: \"tea\", item: \"green\" }|reviews=reviews@/shop/tea/green|item(tea,green)]]]",
        ),
    ];
    let before = SITE_SIDEBAR_INDEX.load(Ordering::SeqCst);
    for (path, expected) in cases {
        let reply = get(app(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
    }
    // The root's index handler ran for `/` only, never on a nested path.
    assert_eq!(SITE_SIDEBAR_INDEX.load(Ordering::SeqCst) - before, 1);
}

#[tokio::test]
async fn a_parent_router_leaves_its_nested_routes_to_the_nested_layouts() {
    // Alone, the root serves its own page and not the paths its nested layouts serve (merging
    // the routers would otherwise panic on a route registered twice).
    assert_eq!(get(site::router(), "/").await.status, StatusCode::OK);
    for path in ["/shop/tea", "/shop/tea/sale", "/shop/tea/green"] {
        assert_eq!(
            get(site::router(), path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The middle layout serves its own routes, not its nested layout's.
    assert_eq!(
        get(shop::router(), "/shop/tea/sale").await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(shop::router(), "/shop/tea/green").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(item::router(), "/shop/tea/green").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_route_built_with_route_is_served_and_extracted_back_as_the_same_variant() {
    // Parameters that need encoding, one that reads as a static segment, one like an endpoint.
    for (category, item) in [
        ("té a/b", "x?y#z"),
        ("sale", "sale"),
        ("@filters", "@reviews"),
    ] {
        let route = site::Route::Item {
            category: category.into(),
            item: item.into(),
        };
        let link = route.to_string();
        let reply = get(app(), &link).await;
        assert_eq!(reply.status, StatusCode::OK, "{link}");
        assert!(
            reply.body.starts_with(&format!("[site {route:?}|")),
            "{link}: {}",
            reply.body
        );
        assert!(
            reply.body.contains(&format!(
                "[item Index {{ category: {category:?}, item: {item:?} }}"
            )),
            "{link}: {}",
            reply.body
        );
        assert!(
            reply.body.contains(&format!("reviews@{link}|")),
            "{}",
            reply.body
        );
    }
}

#[tokio::test]
async fn an_ancestor_route_is_the_page_route_in_a_nested_slot_endpoint() {
    // The item's `@reviews` reads the root's `Route`, and every guard of the chain extracts its
    // layout's `Route` (`at`) before it: all see the page's route, not the endpoint's path.
    let reply = get(app(), "/shop/tea/green/@reviews").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "reviews@/shop/tea/green")
    );
    let reply = get(app(), "/shop/tea/@filters").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "shop-index(tea)")
    );
    // A parameter that looks like an endpoint is a page, not a fragment.
    let reply = get(app(), "/shop/tea/%40filters").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("item(tea,@filters)"), "{}", reply.body);
}

// --- The nesting example (`cargo run --example nesting`) -----------------------------------

/// The text between `start` and the next `end` in `body`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {body}"))
        + start.len();
    let len = body[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} after {start}"));
    &body[from..from + len]
}

#[tokio::test]
async fn the_shop_example_follows_the_url_at_every_level() {
    let app = parallel_routes_examples::shop::app;
    let crumbs = |body: &str| {
        between(body, "id=\"crumbs\" aria-label=\"Breadcrumbs\">", "</nav>").to_owned()
    };
    let sidebar = |body: &str| {
        between(body, "<aside class=\"sidebar\" id=\"sidebar\">", "</aside>").to_owned()
    };
    let filters = |body: &str| {
        between(
            body,
            "<section class=\"filters\" id=\"filters\">",
            "</section>",
        )
        .to_owned()
    };

    let home = get(app(), "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(
        crumbs(&home.body),
        r#"<span aria-current="page">Home</span>"#
    );
    // The store's index handler: no category is current.
    assert!(
        !sidebar(&home.body).contains("aria-current"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains(r#"<a href="/shop/green">Green tea</a> — 3 teas"#)
    );

    let category = get(app(), "/shop/green").await;
    assert_eq!(category.status, StatusCode::OK);
    assert_eq!(
        crumbs(&category.body),
        r#"<a href="/">Home</a> › <span aria-current="page">Green tea</span>"#
    );
    // The store's sidebar for `/shop/{category}`, with that route's `Path`.
    assert!(
        sidebar(&category.body)
            .contains(r#"<a href="/shop/green" aria-current="page">Green tea</a>"#),
        "{}",
        category.body
    );
    assert_eq!(
        filters(&category.body),
        "<h2>Filter</h2><p>3 teas in Green tea; sort by price or name.</p>"
    );
    assert!(
        category
            .body
            .contains(r#"<a href="/shop/green/gyokuro">Gyokuro</a>"#)
    );

    let product = get(app(), "/shop/green/sencha").await;
    assert_eq!(product.status, StatusCode::OK);
    assert_eq!(
        crumbs(&product.body),
        r#"<a href="/">Home</a> › <a href="/shop/green">Green tea</a> › <span aria-current="page">Sencha</span>"#
    );
    // The store's `default` and the shop's `default`, never their index handlers.
    assert!(
        sidebar(&product.body)
            .contains(r#"<a href="/shop/green" aria-current="page">Green tea</a>"#),
        "{}",
        product.body
    );
    assert_eq!(
        filters(&product.body),
        r#"<h2>Filter</h2><p><a href="/shop/green">All teas of this category</a></p>"#
    );
    assert!(product.body.contains("<h2>Sencha</h2>"));
    assert!(product.body.contains("<h2>Reviews</h2>"));
    assert!(
        product.body.contains("Sencha: €10.80 (−10 %)"),
        "{}",
        product.body
    );

    for missing in [
        "/shop/coffee",
        "/shop/green/espresso",
        "/shop/coffee/sencha",
    ] {
        let reply = get(app(), missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(reply.body, "", "{missing}");
    }
}

#[tokio::test]
async fn the_shop_example_streams_the_sections_deals_behind_a_skeleton_on_both_levels() {
    for path in ["/shop/green", "/shop/green/sencha"] {
        let reply = parallel_routes_tests::chunks(
            parallel_routes_examples::shop::app(),
            parallel_routes_tests::request(path),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        let (first_at, shell) = &reply.chunks[0];
        // The shell is the whole chain with the deals' skeleton, before the deals are done.
        assert!(shell.contains("class=\"skeleton\""), "{path}: {shell}");
        assert!(
            shell.contains("<aside class=\"sidebar\" id=\"sidebar\">"),
            "{path}"
        );
        assert!(!shell.contains("(−10 %)"), "{path}: {shell}");
        let (last_at, last) = reply.chunks.last().unwrap();
        assert!(last.contains("Sencha: €10.80 (−10 %)"), "{path}: {last}");
        assert!(
            last_at.saturating_sub(*first_at) >= std::time::Duration::from_millis(200),
            "{path}: the deals (400 ms) came {:?} after the shell",
            last_at.saturating_sub(*first_at)
        );
    }
}

/// A page three layouts deep, with a loading slot, on a thread with an eighth of the 2 MiB that
/// tokio's workers get: each level hands its page up boxed, so no frame holds the levels below
/// by value (a debug build keeps a copy of a moved future in every frame it passes through:
/// this page needed 384–512 KiB before, and a streamed page three levels deep with six
/// loading slots in `tests/review_nested_streaming.rs` about 2 MiB, which overflowed).
#[test]
fn a_page_three_levels_deep_needs_little_stack() {
    let run = |stack: usize| {
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let reply =
                        get(parallel_routes_examples::shop::app(), "/shop/green/sencha").await;
                    assert_eq!(reply.status, StatusCode::OK);
                    assert!(reply.body.contains("Sencha: €10.80"), "{}", reply.body);
                });
            })
            .unwrap()
            .join()
    };
    // Measured in a debug build: about 96 KiB; 512 KiB before the levels were boxed.
    assert!(run(256 * 1024).is_ok());
}
