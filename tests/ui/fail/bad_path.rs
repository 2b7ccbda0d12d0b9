// Layout paths are validated as axum will, when the crate compiles.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("dashboard", slots(a))]
async fn no_slash(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

#[layout("/users/:id", slots(a))]
async fn old_syntax(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

#[layout("/users/{id", slots(a))]
async fn unclosed(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

#[layout("/files/{*rest}", slots(a))]
async fn catch_all(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

fn main() {}
