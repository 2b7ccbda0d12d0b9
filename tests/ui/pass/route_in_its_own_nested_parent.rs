// A layout that takes its own `Route` can be the parent of a nested layout (on the nested
// path it is the nested route's variant).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/p", slots(s), routes("/n/{token}"))]
async fn p(at: p::Route, s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{at:?}{s}{children}"))
}

#[slot(p, s, default)]
async fn p_s() -> &'static str {
    "s"
}

#[page(p)]
async fn p_page() -> &'static str {
    "page"
}

#[layout("/p/n/{token}", slots(t), parent = p)]
async fn n(t: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{t}{children}"))
}

#[slot(n, t)]
async fn n_t() -> &'static str {
    "t"
}

#[page(n)]
async fn n_page() -> &'static str {
    "child"
}

fn main() {
    let _app: axum::Router = p::router().merge(n::router());
}
