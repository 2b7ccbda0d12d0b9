// Each route of a layout names a variant of its `Route` enum (static segments in
// UpperCamelCase): two routes with one name, or a route named like the layout's own path
// (`Index`), are refused at the route; so is a parameter that is not a Rust identifier.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/a", slots(x), routes("/week", "/week/{n}", "/index", "/day/{n-th}"))]
async fn a(x: Fragment) -> Html<String> {
    Html(format!("{x}"))
}

#[slot(a, x, default)]
async fn x() -> &'static str {
    "x"
}

fn main() {}
