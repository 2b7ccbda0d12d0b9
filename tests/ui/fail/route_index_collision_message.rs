// A route named like the layout's own path (`Index`) is refused at the route, and the
// message names the layout's own path as the twin (not the route itself).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/a", slots(x), routes("/week", "/index"))]
async fn a(x: Fragment) -> Html<String> {
    Html(format!("{x}"))
}

#[slot(a, x, default)]
async fn x() -> &'static str {
    "x"
}

#[layout("/b", slots(y), routes("/{index}"))]
async fn b(y: Fragment) -> Html<String> {
    Html(format!("{y}"))
}

#[slot(b, y, default)]
async fn y() -> &'static str {
    "y"
}

fn main() {}
