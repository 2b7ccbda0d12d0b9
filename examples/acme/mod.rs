//! The app example (`cargo run --example app`): one application on SQLite through sqlx, as a
//! Rust web developer would write it, built from the real-world uses in the Next.js explainer
//! the project started from. This part: the shared root layout and the dashboard, whose two
//! widgets are real queries (joins, sums), one streamed behind a skeleton, one with an error
//! boundary; the split-screen chat, with a form that posts a message; categories and
//! products, with a `Query` filter; and a blog post with related and popular posts.
//!
//! The database is created, migrated (`sqlx::migrate!`) and seeded on first start; its URL is
//! `DATABASE_URL`, else `sqlite:app.sqlite` in the current directory.

pub mod blog;
pub mod catalog;
pub mod chat;
pub mod dashboard;
mod db;

use askama::Template;
use axum::Router;
use axum::response::Html;
use parallel_routes::TemplateError;
use parallel_routes::prelude::*;
use sqlx::SqlitePool;

pub use db::database;

/// What every handler of the app reads: the database.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: SqlitePool,
}

/// The app's router, on `db`.
pub fn app(db: SqlitePool) -> Router {
    Router::new()
        .merge(site::router())
        .merge(dashboard::dashboard::router())
        .merge(chat::chat::router())
        .merge(catalog::catalog::router())
        .merge(blog::post::router())
        .route(
            "/chat/{id}/messages",
            axum::routing::post(chat::post_message),
        )
        .with_state(AppState { db })
}

#[derive(Template)]
#[template(path = "app/base.html")]
struct Base<'a> {
    head: Head,
    htmx: &'a str,
    style: &'a str,
    nav: Fragment,
    children: Fragment,
}

/// The root layout: the navigation around every page. It lists the paths of the sections
/// nested in it.
#[layout(
    "/",
    slots(nav),
    targets(children = "#page"),
    routes(
        "/dashboard",
        "/chat",
        "/chat/{id}" as Conversation,
        "/shop",
        "/shop/{category}" as Category,
        "/blog/{slug}" as Post
    )
)]
pub async fn site(
    head: Head,
    nav: Fragment,
    children: Fragment,
) -> Result<Html<String>, TemplateError> {
    let page = Base {
        head,
        htmx: crate::tabs::HTMX_URL,
        style: crate::STYLE,
        nav,
        children,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "app/nav.html")]
struct Nav {
    links: Vec<(site::Route, &'static str, bool)>,
}

/// The title of a page of the app: `Dashboard · Acme`.
pub(crate) fn title(page: &str) -> Head {
    Head::title(format!("{page} · Acme"))
}

/// The navigation, on every page, marking the current section from the route; the site's
/// head, which each page's title goes over.
#[slot(site, nav, default)]
async fn nav(at: site::Route) -> askama::Result<(Head, Fragment)> {
    // A conversation is in the chat section.
    let section = match &at {
        site::Route::Conversation { .. } => site::Route::Chat,
        site::Route::Category { .. } => site::Route::Shop,
        other => other.clone(),
    };
    let links = [
        (site::Route::Index, "Home"),
        (site::Route::Dashboard, "Dashboard"),
        (site::Route::Chat, "Chat"),
        (site::Route::Shop, "Shop"),
    ]
    .into_iter()
    .map(|(route, label)| {
        let current = route == section;
        (route, label, current)
    })
    .collect();
    let head = Head::title("Acme")
        .meta("description", "An example app of parallel-routes on SQLite")
        .link("icon", "data:,");
    Ok((head, Fragment::template(&Nav { links })?))
}

/// `/`: what the app has.
#[page(site)]
async fn home() -> Html<&'static str> {
    Html(
        r#"<section><h2>Welcome</h2><p>The <a href="/dashboard">dashboard</a> shows the latest news and the recent transactions, from SQLite; the <a href="/chat">chat</a> keeps its conversations there too, the <a href="/shop">shop</a> its products, and the blog its <a href="/blog/parallel-routes">posts</a>.</p></section>"#,
    )
}
