// `error =` names a `fn(&SlotError) -> impl IntoFragment`; `timeout_ms` is a positive number.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a, b, c))]
async fn dashboard(a: Fragment, b: Fragment, c: Fragment) -> Html<String> {
    Html(format!("{a}{b}{c}"))
}

fn wrong_signature(message: String) -> String {
    message
}

#[slot(dashboard, a, error = wrong_signature)]
async fn a() -> &'static str {
    "a"
}

#[slot(dashboard, b, timeout_ms = 0)]
async fn b() -> &'static str {
    "b"
}

#[slot(dashboard, c, timeout_ms = "800", error = "fallback")]
async fn c() -> &'static str {
    "c"
}

fn main() {}
