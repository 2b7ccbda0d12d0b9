// A declared slot with no handler anywhere in the crate, in a crate that never calls router().
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest, archive))]
async fn dashboard(latest: Fragment, archive: Fragment) -> Html<String> {
    Html(format!("{latest}{archive}"))
}

#[slot(dashboard, latest)]
async fn latest() -> &'static str {
    "latest"
}

fn main() {}
