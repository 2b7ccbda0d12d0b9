// A nested layout's loading slots stream in its outermost layout's stream, in that layout's
// mode: a mode of its own is refused.
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

#[layout("/shop", slots(filters), parent = root, stream = in_order)]
async fn shop(filters: Fragment) -> Html<String> {
    Html(format!("{filters}"))
}

#[slot(shop, filters)]
async fn filters() -> &'static str {
    "filters"
}

fn main() {}
