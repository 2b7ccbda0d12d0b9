// A route that repeats a parameter of the layout's path (`/t/{n}` and `/day/{n}`) would give
// `Route::Day` two fields `n`: refused at the route, with a message that says so.
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

fn main() {}
