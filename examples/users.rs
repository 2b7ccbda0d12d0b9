//! A user page at `/users/{id}` whose `profile` and `activity` slots read the app's state and
//! the path, the way any axum handler does.
//!
//! ```sh
//! cargo run --example users            # then open http://127.0.0.1:3000/users/1
//! curl http://127.0.0.1:3000/users/2/@activity?limit=2
//! curl -i http://127.0.0.1:3000/users/abc   # 400: the `Path` rejection, as axum sends it
//! curl -i http://127.0.0.1:3000/users/9     # 404: the layout decides
//! ```
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Redirect};
use axum::routing::get;
use parallel_routes::prelude::*;
use parallel_routes_examples::{document, serve};
use serde::Deserialize;
use tokio::time::sleep;

/// The app's state: a stand-in for a database pool.
#[derive(Clone)]
struct Db {
    users: Arc<HashMap<u32, User>>,
}

struct User {
    name: &'static str,
    bio: &'static str,
    events: Vec<&'static str>,
}

/// The layout reads the state and the path too: an unknown user is a 404.
#[layout("/users/{id}", slots(profile, activity))]
async fn user(
    profile: Fragment,
    activity: Fragment,
    State(db): State<Db>,
    Path(id): Path<u32>,
) -> Result<Html<String>, (StatusCode, Html<String>)> {
    let Some(user) = db.users.get(&id) else {
        let body = document(
            "No such user",
            "<main><h1>404</h1><p>No such user.</p></main>",
        );
        return Err((StatusCode::NOT_FOUND, Html(body)));
    };
    Ok(Html(document(
        user.name,
        &format!(
            r#"<header><h1>{}</h1><p>User #{id}</p></header>
<main><div class="slots"><section>{profile}</section><section>{activity}</section></div></main>"#,
            Fragment::text(user.name)
        ),
    )))
}

/// Loads the profile (a simulated 150 ms query).
#[slot(user, profile)]
async fn profile(State(db): State<Db>, Path(id): Path<u32>) -> Html<String> {
    sleep(Duration::from_millis(150)).await;
    let Some(user) = db.users.get(&id) else {
        return Html(String::new());
    };
    Html(format!(
        "<h2>Profile</h2><p>{}</p>",
        // User-written text: escaped.
        Fragment::text(user.bio)
    ))
}

/// `?limit=N` picks how many events to show.
#[derive(Deserialize)]
struct Limit {
    limit: Option<usize>,
}

/// Loads recent activity (a simulated 250 ms query), reading the path and the query string.
#[slot(user, activity)]
async fn activity(
    State(db): State<Db>,
    Path(id): Path<u32>,
    Query(Limit { limit }): Query<Limit>,
) -> Html<String> {
    sleep(Duration::from_millis(250)).await;
    let events = db
        .users
        .get(&id)
        .map(|user| user.events.as_slice())
        .unwrap_or_default();
    let items: String = events
        .iter()
        .take(limit.unwrap_or(10))
        .map(|event| format!("<li>{}</li>", Fragment::text(event)))
        .collect();
    Html(format!("<h2>Activity</h2><ul>{items}</ul>"))
}

fn db() -> Db {
    let users = HashMap::from([
        (
            1,
            User {
                name: "Ada",
                bio: "Writes <em>analytical</em> engines & notes.",
                events: vec!["Opened PR #42", "Reviewed \"slots\" RFC", "Closed issue #7"],
            },
        ),
        (
            2,
            User {
                name: "Grace",
                bio: "Compilers, mostly.",
                events: vec!["Released v1.0", "Fixed a bug (a real moth)"],
            },
        ),
    ]);
    Db {
        users: Arc::new(users),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = Router::new()
        .merge(user::router())
        .route("/", get(|| async { Redirect::to("/users/1") }))
        .with_state(db());
    serve(app, "/users/1").await
}
