// Layouts and handlers cannot be generic: the router calls them with concrete types.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest))]
async fn dashboard<T>(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest)]
async fn latest(value: impl std::fmt::Display) -> String {
    value.to_string()
}

fn main() {}
