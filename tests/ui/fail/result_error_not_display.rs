// `Result<T, E>` renders the error fallback on `Err` when `E: Display`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a))]
async fn dashboard(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

struct Opaque;

#[slot(dashboard, a)]
async fn a() -> Result<&'static str, Opaque> {
    Err(Opaque)
}

fn main() {}
