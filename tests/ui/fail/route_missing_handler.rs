// Every route needs a handler for every slot (and the page), or a default.
use axum::response::Html;
use parallel_routes::prelude::*;

#[layout(slots(latest, archive), routes("/week", "/day/{id}"))]
async fn dashboard(latest: Fragment, archive: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{latest}{archive}{children}"))
}

#[slot(dashboard, latest)]
async fn latest() -> &'static str {
    "latest"
}

#[slot(dashboard, latest, route = "/week")]
async fn latest_week() -> &'static str {
    "latest this week"
}

#[slot(dashboard, archive, default)]
async fn archive() -> &'static str {
    "archive"
}

#[page(dashboard)]
async fn overview() -> &'static str {
    "overview"
}

fn main() {}
