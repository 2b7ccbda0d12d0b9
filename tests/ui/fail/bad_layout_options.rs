// `fragments =` is `true` or `false`; `timeout_ms =` a number of milliseconds above 0; each once.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a), fragments = "no")]
async fn quoted(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

#[layout("/zero", slots(b), timeout_ms = 0, fragments = false, fragments = true)]
async fn zero(b: Fragment) -> Html<String> {
    Html(format!("{b}"))
}

#[layout("/twice", slots(c), timeout_ms = 10, timeout_ms = 20)]
async fn twice(c: Fragment) -> Html<String> {
    Html(format!("{c}"))
}

#[slot(quoted, a)]
async fn a() -> &'static str {
    "a"
}

#[slot(zero, b)]
async fn b() -> &'static str {
    "b"
}

#[slot(twice, c)]
async fn c() -> &'static str {
    "c"
}

fn main() {}
