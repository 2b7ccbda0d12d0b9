// On a nested layout's path, each slot of each ancestor renders its handler for that route or
// its `default`, never its index handler: a slot with neither is an error naming the layout,
// the slot and the route.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/", slots(sidebar, crumbs), routes("/shop/{category}"))]
async fn root(sidebar: Fragment, crumbs: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{sidebar}{crumbs}{children}"))
}

#[slot(root, sidebar)]
async fn sidebar() -> &'static str {
    "sidebar"
}

#[slot(root, crumbs, default)]
async fn crumbs() -> &'static str {
    "crumbs"
}

#[page(root)]
async fn home() -> &'static str {
    "home"
}

#[layout("/shop/{category}", slots(filters), parent = root)]
async fn shop(filters: Fragment) -> Html<String> {
    Html(format!("{filters}"))
}

#[slot(shop, filters)]
async fn filters() -> &'static str {
    "filters"
}

fn main() {}
