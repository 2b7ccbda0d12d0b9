// `loading =` names a `fn() -> impl IntoFragment`; `stream =` is `in_order` or `out_of_order`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a, b))]
async fn dashboard(a: Fragment, b: Fragment) -> Html<String> {
    Html(format!("{a}{b}"))
}

#[layout("/sideways", slots(c), stream = sideways)]
async fn sideways(c: Fragment) -> Html<String> {
    Html(format!("{c}"))
}

fn needs_an_argument(size: usize) -> String {
    "·".repeat(size)
}

#[slot(dashboard, a, loading = needs_an_argument)]
async fn a() -> &'static str {
    "a"
}

#[slot(dashboard, b, loading = "skeleton")]
async fn b() -> &'static str {
    "b"
}

fn main() {}
