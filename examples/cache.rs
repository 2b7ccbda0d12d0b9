//! Cached and conditional slots: a sales report that takes half a second to render, cached for
//! 30 s and then served stale for 5 minutes while it refreshes in the background — in
//! process, or shared by every replica through Redis — beside an admin panel and a user panel
//! of which only the one the visitor may see runs.
//!
//! ```sh
//! cargo run --example cache            # then open http://127.0.0.1:3000/reports
//! curl -s -w ' %{time_total}s\n' -o /dev/null http://127.0.0.1:3000/reports  # ~0.5 s, then ~0 s
//! curl -s -H 'Cookie: role=admin' http://127.0.0.1:3000/reports  # the admin panel (the user panel never ran)
//! curl -si http://127.0.0.1:3000/reports/@report         # Cache-Control and ETag
//! curl -si -X POST http://127.0.0.1:3000/reports/refresh # drop the report (its tag)
//!
//! # Two replicas sharing one Redis: the report renders once for both.
//! REDIS_URL=redis://127.0.0.1/ PORT=3000 cargo run --example cache &
//! REDIS_URL=redis://127.0.0.1/ PORT=3001 cargo run --example cache &
//! ```
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Extension, Path};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::post;
use parallel_routes::prelude::*;
use parallel_routes_examples::{document, serve};

/// How many times this process rendered the report.
static RENDERS: AtomicUsize = AtomicUsize::new(0);

/// The reports page: the cached report, and one of two panels.
#[layout(slots(report, admin, user))]
async fn reports(
    report: Fragment,
    admin: Fragment,
    user: Fragment,
    children: Fragment,
) -> Html<String> {
    // Only one of the two ran; the other is empty.
    let panel = if admin.is_empty() { user } else { admin };
    Html(document(
        "Reports",
        &format!(
            r#"<header><h1>Reports</h1><p>A cached slot beside a conditional one</p></header>
<main><div class="slots"><section id="report">{report}</section><section id="panel">{panel}</section></div>
<div class="children">{children}</div></main>"#
        ),
    ))
}

/// The expensive part: the same for everyone (it reads nothing of the request), so cached
/// under the page's path; `tags("reports")` lets the refresh button drop it.
#[slot(
    reports,
    report,
    cache(max_age = 30, stale_while_revalidate = 300, tags("reports"))
)]
async fn report() -> Html<String> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let render = RENDERS.fetch_add(1, Ordering::SeqCst) + 1;
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    Html(format!(
        r#"<h2>Sales report</h2><ul><li>Revenue <span class="meta">€12,480</span></li><li>Orders <span class="meta">311</span></li></ul><p class="meta">rendered at {at} (unix time), render {render} of this process</p>"#
    ))
}

/// Who is looking: a `role=admin` cookie here (`/reports/as/admin` sets it), a session in a
/// real app. Not in the report's key: the report is the same for everyone.
async fn is_admin(headers: HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .any(|cookie| cookie.trim() == "role=admin")
}

async fn is_user(headers: HeaderMap) -> bool {
    !is_admin(headers).await
}

/// Runs only for admins.
#[slot(reports, admin, when = is_admin)]
async fn admin() -> Html<&'static str> {
    Html(
        r#"<h2>Admin</h2><form method="post" action="/reports/refresh"><button>Render the report again</button></form><p><a href="/reports/as/user">See it as a user</a></p>"#,
    )
}

/// Runs only for everyone else.
#[slot(reports, user, when = is_user)]
async fn user() -> Html<&'static str> {
    Html(
        r#"<h2>Your panel</h2><p>Figures refresh every 30 seconds.</p><p><a href="/reports/as/admin">See it as an admin</a></p>"#,
    )
}

#[page(reports)]
async fn overview() -> &'static str {
    "Reload: the report comes from the cache, its time unchanged, until it is 30 s old."
}

/// `POST /reports/refresh`: drops every entry tagged `reports` (on every replica with Redis).
async fn refresh(Extension(cache): Extension<Cache>) -> Redirect {
    cache.invalidate_tag("reports").await;
    Redirect::to("/reports")
}

/// `GET /reports/as/{role}`: sets the role cookie, for trying both panels in a browser.
async fn sign_in_as(Path(role): Path<String>) -> impl IntoResponse {
    let role = if role == "admin" { "admin" } else { "user" };
    (
        [(
            header::SET_COOKIE,
            format!("role={role}; Path=/; SameSite=Lax"),
        )],
        Redirect::to("/reports"),
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let cache = match std::env::var("REDIS_URL") {
        Ok(url) => Cache::redis(&url)
            .await
            .map_err(|error| std::io::Error::other(format!("REDIS_URL={url}: {error}")))?,
        Err(_) => Cache::default(),
    };
    let app = reports::router()
        .route("/reports/refresh", post(refresh))
        .route("/reports/as/{role}", axum::routing::get(sign_in_as))
        .route(
            "/",
            axum::routing::get(|| async { Redirect::to(reports::PATH) }),
        )
        .layer(Extension(cache.clone()));
    serve(app, reports::PATH).await?;
    // Let a background refresh finish rather than cut it off.
    cache.close().await;
    Ok(())
}
