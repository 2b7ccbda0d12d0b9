// A cached slot whose output may differ per user (a header, a cookie, an extension, a custom
// extractor) must name its key: otherwise one user's fragment is served to the next.
use axum::http::HeaderMap;
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(greeting, other))]
async fn page(greeting: Fragment, other: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{greeting}{other}{children}"))
}

#[slot(page, greeting, cache(max_age = 60))]
async fn greeting(
    axum::extract::Path(id): axum::extract::Path<u32>,
    headers: HeaderMap,
    at: page::Route,
) -> String {
    format!("{id} {headers:?} {at}")
}

// A name starting with `_` can still be read: only `_` itself is a guard the cache may skip.
#[slot(page, other, cache(max_age = 60))]
async fn other(_headers: HeaderMap, _: HeaderMap) -> String {
    format!("{_headers:?}")
}

#[page(page)]
async fn index() -> &'static str {
    "index"
}

fn main() {}
