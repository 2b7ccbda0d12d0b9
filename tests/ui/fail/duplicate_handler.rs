// Two handlers for one slot.
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

#[slot(dashboard, latest)]
async fn latest_again() -> &'static str {
    "latest, again"
}

fn main() {}
