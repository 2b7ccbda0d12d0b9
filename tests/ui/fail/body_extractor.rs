// Slots only get the request head: body extractors are refused at the argument.
use axum::Json;
use axum::body::Bytes;
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a, b, c))]
async fn dashboard(a: Fragment, b: Fragment, c: Fragment) -> Html<String> {
    Html(format!("{a}{b}{c}"))
}

#[slot(dashboard, a)]
async fn json(Json(body): Json<Vec<u32>>) -> String {
    format!("{body:?}")
}

#[slot(dashboard, b)]
async fn string(body: String) -> String {
    body
}

#[slot(dashboard, c)]
async fn bytes(body: Bytes) -> String {
    format!("{body:?}")
}

fn main() {}
