// A slot handler returns something that renders into HTML.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(count))]
async fn dashboard(count: Fragment) -> Html<String> {
    Html(format!("{count}"))
}

#[slot(dashboard, count)]
async fn count() -> u32 {
    42
}

fn main() {}
