// `route = "..."` must be one of the layout's `routes(...)`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest), routes("/week", "/month"))]
async fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest, default)]
async fn latest() -> &'static str {
    "latest"
}

#[slot(dashboard, latest, route = "/year")]
async fn latest_year() -> &'static str {
    "latest this year"
}

fn main() {}
