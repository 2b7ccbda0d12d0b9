// A layout with an error of its own (a declared slot it does not take) reports that error
// only: code that names its `Route` variants reports nothing more.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout("/b", slots(x, y), routes("/week", "/day/{n}"))]
async fn b(at: b::Route, x: Fragment) -> Html<String> {
    let week = b::Route::Week;
    let day = b::Route::Day { n: "1".into() };
    Html(format!("{at}{week}{day}{x}"))
}

#[slot(b, x, default)]
async fn x() -> &'static str {
    "x"
}

fn main() {}
