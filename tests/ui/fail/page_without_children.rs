// `#[page]` for a layout that takes no `children`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest))]
async fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest)]
async fn latest() -> &'static str {
    "latest"
}

#[page(dashboard)]
async fn overview() -> &'static str {
    "overview"
}

fn main() {}
