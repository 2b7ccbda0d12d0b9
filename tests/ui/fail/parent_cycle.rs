// Layouts cannot nest in a cycle (each is the other's page at their common path).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/loop", slots(a), parent = second)]
async fn first(a: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{a}{children}"))
}

#[layout("/loop", slots(b), parent = first)]
async fn second(b: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{b}{children}"))
}

#[slot(first, a)]
async fn a() -> &'static str {
    "a"
}

#[slot(second, b)]
async fn b() -> &'static str {
    "b"
}

fn main() {}
