// A path parameter may have any identifier for a name, including those the generated
// `Display` and extractor use for their own locals (`f`, `params`, `parts`).
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/g/{f}", slots(s), routes("/a/{params}", "/b/{parts}"))]
async fn g(at: g::Route, s: Fragment) -> Html<String> {
    Html(format!("{at}{s}"))
}

#[slot(g, s, default)]
async fn g_s() -> &'static str {
    "s"
}

fn main() {
    let _app: axum::Router = g::router();
    let route = g::Route::A {
        f: "x".into(),
        params: "y".into(),
    };
    assert_eq!(route.to_string(), "/g/x/a/y");
}
