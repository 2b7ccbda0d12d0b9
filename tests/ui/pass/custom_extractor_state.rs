// A custom extractor implemented only for the app's state: `state = T` names that state.
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Html;
use parallel_routes::prelude::*;

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

struct Greeting(&'static str);

impl FromRequestParts<AppState> for Greeting {
    type Rejection = StatusCode;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, StatusCode> {
        Ok(Greeting(state.greeting))
    }
}

#[layout(slots(hello), state = AppState)]
async fn home(hello: Fragment, Greeting(greeting): Greeting) -> Html<String> {
    Html(format!("<h1>{greeting}</h1>{hello}"))
}

#[slot(home, hello, state = AppState)]
async fn hello(Greeting(greeting): Greeting) -> String {
    greeting.to_owned()
}

fn main() {
    let _app: Router = Router::new()
        .merge(home::router())
        .with_state(AppState { greeting: "hi" });
}
