// A handler for a slot the layout does not declare.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest, archive))]
async fn dashboard(latest: Fragment, archive: Fragment) -> Html<String> {
    Html(format!("{latest}{archive}"))
}

#[slot(dashboard, latest)]
async fn latest() -> &'static str {
    "latest"
}

#[slot(dashboard, archive)]
async fn archive() -> &'static str {
    "archive"
}

#[slot(dashboard, lates)]
async fn typo() -> &'static str {
    "typo"
}

fn main() {
    // The misplaced handler's function is still there.
    let _ = typo;
}
