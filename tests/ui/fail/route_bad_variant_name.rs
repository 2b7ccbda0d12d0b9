// `routes("/x" as Name)` names a route's `Route` variant: `as` without a name is an error at
// the token that is not one, and an explicit name that another route has is an error at it.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a), routes("/week" as 7))]
async fn numbered(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

#[layout(slots(a), routes("/week", "/week/{n}" as Week))]
async fn twice(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

#[slot(twice, a, default)]
async fn a() -> &'static str {
    "a"
}

fn main() {}
