// A child of a layout with an error reports only that error: the broken layout still declares
// what its children name (its `Level`, its depth and deadline, its slots' macro).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/", slots(nav), no_such_option = 1)]
async fn root(nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{nav}{children}"))
}

#[slot(root, nav)]
async fn nav() -> &'static str {
    "nav"
}

#[page(root)]
async fn home() -> &'static str {
    "home"
}

#[layout("/shop", slots(filters), parent = root)]
async fn shop(filters: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{filters}{children}"))
}

#[slot(shop, filters)]
async fn filters() -> &'static str {
    "filters"
}

#[page(shop)]
async fn shop_page() -> &'static str {
    "shop"
}

fn main() {
    let _app: axum::Router = root::router().merge(shop::router());
}

// Code that names the broken layout's `Route` reports nothing of its own either.
async fn _where(at: root::Route) -> String {
    at.to_string()
}
