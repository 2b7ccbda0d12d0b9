// The layout takes `children`, so it needs a `#[page]`.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest))]
async fn dashboard(latest: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{latest}{children}"))
}

#[slot(dashboard, latest)]
async fn latest() -> &'static str {
    "latest"
}

fn main() {}
