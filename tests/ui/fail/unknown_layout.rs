// A handler for a layout that does not exist.
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

#[slot(dashbord, latest)]
async fn other() -> &'static str {
    "other"
}

fn main() {}
