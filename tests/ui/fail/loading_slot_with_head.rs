// A slot with `loading` streams after the shell, which holds `<head>`: it cannot contribute
// to the head. Neither directly nor inside a `Result`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(feed, side))]
async fn page(head: Head, feed: Fragment, side: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<head>{head}</head>{feed}{side}{children}"))
}

fn skeleton() -> &'static str {
    "loading"
}

#[slot(page, feed, loading = skeleton)]
async fn feed() -> (Head, &'static str) {
    (Head::title("Feed"), "feed")
}

#[slot(page, side, loading = skeleton)]
async fn side() -> Result<(Head, String), Failure> {
    Ok((Head::title("Side"), "side".to_owned()))
}

#[page(page)]
async fn index() -> (Head, &'static str) {
    (Head::title("Fine: the page has no loading"), "index")
}

fn main() {}
