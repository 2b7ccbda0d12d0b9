// A slot with an upper-case name (and one named like a generated item) compiles without a
// warning the user could not silence: the generated per-slot modules allow any case.
#![deny(warnings)]
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/upper", slots(Level, handler))]
#[allow(non_snake_case)]
async fn upper(Level: Fragment, handler: Fragment) -> Html<String> {
    Html(format!("{Level}{handler}"))
}

#[slot(upper, Level)]
async fn level() -> &'static str {
    "level"
}

#[slot(upper, handler)]
async fn handler_slot() -> &'static str {
    "handler"
}

fn main() {
    let _app: axum::Router = upper::router();
}
