//! One bad slot never breaks the page: a status board whose slots fail in every way a slot
//! can — an `Err`, a panic, a timeout — next to healthy ones, plus a custom `error =` fallback
//! and an `Interrupt` that turns the whole page into a 404.
//!
//! ```sh
//! cargo run --example errors           # then open http://127.0.0.1:3000/status
//! curl -i http://127.0.0.1:3000/status/@payments     # the @slot endpoint: same fallback, 200
//! curl -i http://127.0.0.1:3000/services/unknown     # an Interrupt: 404
//! ```
//!
//! This example is a development tool, so it opts in to `Server-Timing` (off by default: it
//! tells every client your slot names and timings): `curl -i` shows which slot the page
//! waited for, and so do the browser's devtools.
//!
//! The server's log shows each failure with its layout, slot and detail (run with the default
//! `tracing` subscriber installed below); the page shows none of it.
use std::fmt;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::response::{Html, Redirect};
use axum::routing::get;
use parallel_routes::prelude::*;
use parallel_routes::{ServerTiming, SlotErrorKind};
use parallel_routes_examples::{document, serve};
use tokio::time::sleep;

/// The status board's layout.
#[layout("/status", slots(api, payments, search, recommendations, billing))]
async fn status(
    api: Fragment,
    payments: Fragment,
    search: Fragment,
    recommendations: Fragment,
    billing: Fragment,
) -> Html<String> {
    Html(document(
        "Status",
        &format!(
            r#"<header><h1>Service status</h1><p>Five slots; four of them fail, the page does not</p></header>
<main><div class="slots">
<section><h2>API</h2>{api}</section>
<section><h2>Payments</h2>{payments}</section>
<section><h2>Search</h2>{search}</section>
<section><h2>Recommendations</h2>{recommendations}</section>
<section><h2>Billing</h2>{billing}</section>
</div></main>"#
        ),
    ))
}

/// Healthy.
#[slot(status, api)]
async fn api() -> Html<&'static str> {
    sleep(Duration::from_millis(50)).await;
    Html(r#"<p class="ok">Operational</p>"#)
}

/// A handler error: `Err(e)` renders the built-in fallback; `e` goes to the log only.
#[slot(status, payments)]
async fn payments() -> Result<Html<&'static str>, UpstreamError> {
    sleep(Duration::from_millis(80)).await;
    Err(UpstreamError(
        "payments-db: connection refused (10.0.3.7:5432)",
    ))
}

/// A panic: caught around this slot's future alone.
#[slot(status, search)]
async fn search() -> Html<&'static str> {
    sleep(Duration::from_millis(30)).await;
    let shards: Vec<u32> = Vec::new();
    Html(if shards[0] > 0 { "up" } else { "down" }) // index out of bounds
}

/// A timeout: after 300 ms the slot is dropped and its fallback rendered.
#[slot(status, recommendations, timeout_ms = 300)]
async fn recommendations() -> Html<&'static str> {
    sleep(Duration::from_secs(30)).await;
    Html("<p>never</p>")
}

/// A custom fallback, told what went wrong (without the private details on the page).
#[slot(status, billing, error = billing_unavailable, timeout_ms = 300)]
async fn billing() -> Result<Html<&'static str>, UpstreamError> {
    Err(UpstreamError("billing: invoice service returned 503"))
}

fn billing_unavailable(error: &SlotError) -> Html<String> {
    let why = match error.kind {
        SlotErrorKind::TimedOut(limit) => format!("did not answer within {limit:?}"),
        SlotErrorKind::Panicked(_) => "crashed".to_owned(),
        _ => "is unavailable".to_owned(),
    };
    Html(format!(
        r#"<p class="meta">Billing {why}. <a href="/status">Retry</a></p>"#
    ))
}

/// An error type with private details in its `Display`.
#[derive(Debug)]
struct UpstreamError(&'static str);

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A page whose slot can end the whole response: `notFound()` in Next.js.
#[layout("/services/{name}", slots(overview))]
async fn service(overview: Fragment) -> Html<String> {
    Html(document(
        "Service",
        &format!("<main><section>{overview}</section></main>"),
    ))
}

#[slot(service, overview)]
async fn service_overview(Path(name): Path<String>) -> Result<String, Interrupt> {
    match name.as_str() {
        "api" | "payments" => Ok(format!("{name} is a known service")),
        "status" => Err(Interrupt::redirect("/status")),
        _ => Err(Interrupt::not_found()),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_target(false).init();
    let app = Router::new()
        .merge(status::router())
        .merge(service::router())
        .route("/", get(|| async { Redirect::to(status::PATH) }))
        // Development only: a production app adds it for trusted clients, if at all.
        .layer(axum::Extension(ServerTiming));
    serve(app, status::PATH).await
}
