// A parameter of the layout's own path that cannot name a field of `Route` is refused at the
// layout's path, like one of a route.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/t/{n-th}", slots(x))]
async fn t(x: Fragment) -> Html<String> {
    Html(format!("{x}"))
}

#[slot(t, x, default)]
async fn x() -> &'static str {
    "x"
}

fn main() {}
