// A layout receives the merged head once.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots())]
async fn page(head: Head, again: Head, children: Fragment) -> Html<String> {
    Html(format!("{head}{again}{children}"))
}

#[page(page)]
async fn index() -> &'static str {
    "index"
}

fn main() {}
