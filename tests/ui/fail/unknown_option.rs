// Unknown options are listed with the known ones.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest), slot(archive), cache = true)]
async fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest, timeout = 5)]
async fn latest() -> &'static str {
    "latest"
}

#[slot]
async fn nothing() -> &'static str {
    "nothing"
}

fn main() {}
