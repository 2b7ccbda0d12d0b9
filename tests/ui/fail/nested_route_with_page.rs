// Where a nested layout serves a route, it is the parent's `children` there: a `#[page]` of
// the parent for that route too is an error at the page's route.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/", slots(nav), routes("/shop"))]
async fn root(nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{nav}{children}"))
}

#[slot(root, nav, default)]
async fn nav() -> &'static str {
    "nav"
}

#[page(root)]
async fn home() -> &'static str {
    "home"
}

#[page(root, route = "/shop")]
async fn shop_page_in_root() -> &'static str {
    "shop, from the root"
}

#[layout("/shop", slots(filters), parent = root)]
async fn shop(filters: Fragment) -> Html<String> {
    Html(format!("{filters}"))
}

#[slot(shop, filters)]
async fn filters() -> &'static str {
    "filters"
}

fn main() {}
