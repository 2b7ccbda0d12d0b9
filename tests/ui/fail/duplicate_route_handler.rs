// Two handlers for one slot and route, and two defaults for one slot.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest), routes("/week"))]
async fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest, route = "/week")]
async fn latest_week() -> &'static str {
    "latest"
}

#[slot(dashboard, latest, route = "/week")]
async fn latest_week_again() -> &'static str {
    "latest, again"
}

#[slot(dashboard, latest, default)]
async fn latest_default() -> &'static str {
    "latest"
}

#[slot(dashboard, latest, default)]
async fn latest_default_again() -> &'static str {
    "latest, again"
}

fn main() {}
