// A path parameter in camelCase (`/users/{userId}`, common in URLs) is a field of the
// generated `Route`: it compiles without a warning the user could not silence at the route.
#![deny(warnings)]
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/users", slots(s), routes("/{userId}"))]
async fn users(at: users::Route, s: Fragment) -> Html<String> {
    Html(format!("{at}{s}"))
}

#[slot(users, s, default)]
async fn users_s() -> &'static str {
    "s"
}

fn main() {
    let _app: axum::Router = users::router();
}
