// `cache(...)` and `when =` are checked where they are written.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(a, b, c, d))]
async fn page(a: Fragment, b: Fragment, c: Fragment, d: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{a}{b}{c}{d}{children}"))
}

#[slot(page, a, cache(stale_while_revalidate = 10))]
async fn a() -> &'static str {
    "no max_age"
}

#[slot(page, b, cache(max_age = 0, ttl = 5))]
async fn b() -> &'static str {
    "zero and unknown"
}

#[slot(page, c, cache(max_age = 60, tags(posts)))]
async fn c() -> &'static str {
    "tags are strings"
}

async fn not_a_guard(_: u32) -> bool {
    true
}

#[slot(page, d, when = not_a_guard)]
async fn d() -> &'static str {
    "a guard of extractors"
}

#[page(page)]
async fn index() -> &'static str {
    "index"
}

fn main() {}
