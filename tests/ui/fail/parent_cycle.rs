// Layouts cannot nest in a cycle.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a), parent = second)]
async fn first(a: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{a}{children}"))
}

#[layout(slots(b), parent = first)]
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

#[page(first)]
async fn first_page() -> &'static str {
    "first"
}

#[page(second)]
async fn second_page() -> &'static str {
    "second"
}

fn main() {}
