// What a parent lists must be the nested layout's path as written: a parameter named
// differently is named in the error; and a parent whose path ends in `/` lists its nested
// layouts' paths relative to it like any other.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/c/", slots(s), routes("/x/{cat}"))]
async fn c(s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{s}{children}"))
}

#[slot(c, s, default)]
async fn s() -> &'static str {
    "s"
}

#[page(c, default)]
async fn c_page() -> &'static str {
    "page"
}

#[layout("/c/x/{category}", slots(t), parent = c)]
async fn x(t: Fragment) -> Html<String> {
    Html(format!("{t}"))
}

#[slot(x, t)]
async fn t() -> &'static str {
    "t"
}

#[layout("/c/y", slots(u), parent = c)]
async fn y(u: Fragment) -> Html<String> {
    Html(format!("{u}"))
}

#[slot(y, u)]
async fn u() -> &'static str {
    "u"
}

fn main() {}
