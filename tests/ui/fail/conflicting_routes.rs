// Routes that axum could not tell apart are refused when the crate compiles, not at startup.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest), routes("/{day}", "/{week}"))]
async fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest, default)]
async fn latest() -> &'static str {
    "latest"
}

fn main() {}
