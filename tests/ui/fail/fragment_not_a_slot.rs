// A `Fragment` parameter must be a declared slot; a declared slot must be a parameter.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest, archive))]
async fn dashboard(latest: Fragment, sidebar: Fragment) -> Html<String> {
    Html(format!("{latest}{sidebar}"))
}

#[layout("/typed", slots(latest))]
async fn typed(latest: String) -> Html<String> {
    Html(latest)
}

fn main() {}
