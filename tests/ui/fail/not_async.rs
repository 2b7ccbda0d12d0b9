// Layouts and handlers must be async fns.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest))]
fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest)]
fn latest() -> &'static str {
    "latest"
}

#[layout(slots(a))]
struct NotAFunction;

fn main() {}
