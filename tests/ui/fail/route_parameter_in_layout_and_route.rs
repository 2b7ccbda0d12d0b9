// A route that repeats a parameter of the layout's path (`/t/{n}` and `/day/{n}`), or a layout
// path with one parameter twice, is refused at the path, with one message that says so (axum's
// `Path` and `Route::Day` could not tell the two apart).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/t/{n}", slots(x), routes("/day/{n}"))]
async fn t(x: Fragment) -> Html<String> {
    Html(format!("{x}"))
}

#[slot(t, x, default)]
async fn x() -> &'static str {
    "x"
}

#[layout("/u/{id}/p/{id}", slots(y))]
async fn u(y: Fragment) -> Html<String> {
    Html(format!("{y}"))
}

#[slot(u, y)]
async fn y() -> &'static str {
    "y"
}

fn main() {}
