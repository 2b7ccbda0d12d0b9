// `/users/self` is an ordinary route; its variant cannot be `Route::Self`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/me", slots(s), routes("/self", "/super", "/crate"))]
async fn me(at: me::Route, s: Fragment) -> Html<String> {
    Html(format!("{at}{s}"))
}

#[slot(me, s, default)]
async fn me_s() -> &'static str {
    "s"
}

fn main() {
    let _app: axum::Router = me::router();
}
