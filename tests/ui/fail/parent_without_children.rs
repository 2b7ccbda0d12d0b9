// A parent layout must take `children`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/", slots(nav))]
async fn root(nav: Fragment) -> Html<String> {
    Html(format!("{nav}"))
}

#[slot(root, nav)]
async fn nav() -> &'static str {
    "nav"
}

#[layout(slots(filters), parent = root)]
async fn shop(filters: Fragment) -> Html<String> {
    Html(format!("{filters}"))
}

#[slot(shop, filters)]
async fn filters() -> &'static str {
    "filters"
}

fn main() {}
