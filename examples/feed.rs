//! The streaming example's page, in the library so that the browser test serves the very same
//! app: a feed with a fast header and two slow slots that stream in behind skeletons.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use parallel_routes::CspNonce;
use parallel_routes::prelude::*;
use tokio::time::sleep;

use crate::document;

/// The feed's layout: called at once with the skeletons in the slow slots.
#[layout("/feed", slots(header, posts, suggestions))]
pub async fn feed(header: Fragment, posts: Fragment, suggestions: Fragment) -> Html<String> {
    Html(document(
        "Feed",
        &format!(
            r#"<header>{header}</header>
<main><div class="slots">
<section id="posts"><h2>Posts</h2>{posts}</section>
<section id="suggestions"><h2>Who to follow</h2>{suggestions}</section>
</div></main>"#
        ),
    ))
}

/// Fast (20 ms): part of the shell.
#[slot(feed, header)]
async fn header() -> Html<&'static str> {
    sleep(Duration::from_millis(20)).await;
    Html("<h1>Your feed</h1><p>The header is in the shell; posts and suggestions stream in</p>")
}

/// Slow (800 ms): streams in behind its skeleton.
#[slot(feed, posts, loading = posts_skeleton)]
async fn posts() -> Html<String> {
    sleep(Duration::from_millis(800)).await;
    let posts = [
        ("ada", "Shipped streaming slots today."),
        (
            "grace",
            "Out-of-order swaps need no framework on the client.",
        ),
        ("linus", "<template> keeps it inert until it is swapped."),
    ];
    let items: String = posts
        .iter()
        .map(|(who, text)| {
            format!(
                r#"<li class="post"><b>@{who}</b> {}</li>"#,
                Fragment::text(text)
            )
        })
        .collect();
    Html(format!("<ul>{items}</ul>"))
}

fn posts_skeleton() -> Html<&'static str> {
    Html(
        r#"<ul aria-busy="true"><li class="skeleton"></li><li class="skeleton"></li><li class="skeleton"></li></ul>"#,
    )
}

/// Slower (1.5 s): arrives last, on its own.
#[slot(feed, suggestions, loading = suggestions_skeleton)]
async fn suggestions() -> Html<&'static str> {
    sleep(Duration::from_millis(1500)).await;
    Html(r#"<ul><li class="suggestion">@tokio</li><li class="suggestion">@serde</li></ul>"#)
}

fn suggestions_skeleton() -> Html<&'static str> {
    Html(r#"<p class="skeleton" aria-busy="true"></p>"#)
}

/// The feed's router.
pub fn app() -> Router {
    Router::new().merge(feed::router())
}

/// The feed behind a strict `Content-Security-Policy: script-src 'nonce-…'`: each response gets
/// a fresh random nonce, in the header and as a [`CspNonce`] request extension, so that the
/// page's streaming scripts run and any other inline script would not.
pub fn app_with_csp() -> Router {
    app().layer(middleware::from_fn(strict_csp))
}

async fn strict_csp(mut request: Request, next: Next) -> Response {
    let mut bytes = [0u8; 16];
    let nonce = match getrandom::fill(&mut bytes) {
        Ok(()) => bytes
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>(),
        // No randomness, no nonce: the page's scripts are refused, as any would be.
        Err(_) => String::new(),
    };
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let policy = format!("script-src 'nonce-{nonce}'; object-src 'none'; base-uri 'none'");
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert("content-security-policy", policy);
    }
    response
}
