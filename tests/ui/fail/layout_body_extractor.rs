// A layout cannot read the request body either: it shares the one request with its slots.
use axum::Json;
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest))]
async fn dashboard(Json(body): Json<Vec<u32>>, latest: Fragment) -> Html<String> {
    Html(format!("{latest}{}", body.len()))
}

#[slot(dashboard, latest)]
async fn latest() -> &'static str {
    "latest"
}

fn main() {}
