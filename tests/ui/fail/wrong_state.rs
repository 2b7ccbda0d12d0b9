// A slot's state must be the state the router is given.
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use parallel_routes::prelude::*;

#[derive(Clone)]
struct Db;

#[derive(Clone)]
struct Other;

#[layout(slots(latest))]
async fn dashboard(latest: Fragment) -> Html<String> {
    Html(format!("{latest}"))
}

#[slot(dashboard, latest)]
async fn latest(State(_db): State<Db>) -> &'static str {
    "latest"
}

fn main() {
    let _app: Router = Router::new().merge(dashboard::router()).with_state(Other);
}
