// `slots(...)` names each slot once, and never `children`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest, latest, children))]
async fn dashboard(latest: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{latest}{children}"))
}

#[layout("/twice", slots(a), slots(b))]
async fn twice(a: Fragment) -> Html<String> {
    Html(format!("{a}"))
}

// `r#children` is `children`, written raw.
#[layout("/raw", slots(r#children))]
async fn raw(r#children: Fragment) -> Html<String> {
    Html(format!("{children}"))
}

fn main() {}
