//! The htmx example's page, in the library so that the tests serve the very same app: a
//! dashboard whose tabs swap the `latest` slot in place — the server-rendered counterpart of
//! Next.js soft navigation between `@latest/page.tsx` and `@latest/week/page.tsx`.
//!
//! The tabs are plain links (`href`), so without JavaScript they navigate to the full page of
//! that route. With htmx on the page, `hx-get` fetches just the slot's fragment from
//! `GET /dashboard/week/@latest` and swaps it into `hx-target`. To run offline and without
//! third-party code in the repository, the page loads [`SWAP_JS`], a dozen lines that do the
//! part of htmx this page uses (`hx-get`, `hx-target`, `hx-push-url`, `hx-trigger="load"`);
//! replace it with `<script src="https://unpkg.com/htmx.org@2">` and the markup works as is.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use parallel_routes::prelude::*;

use crate::document;

/// The routes the tabs switch between, with their labels.
const TABS: [(dashboard::Route, &str); 3] = [
    (dashboard::Route::Index, "Today"),
    (dashboard::Route::Week, "This week"),
    (dashboard::Route::Month, "This month"),
];

/// The dashboard at `/dashboard`, `/dashboard/week` and `/dashboard/month`.
#[layout(slots(latest, archive), routes("/week", "/month"))]
pub async fn dashboard(
    latest: Fragment,
    archive: Fragment,
    children: Fragment,
    at: dashboard::Route,
) -> Html<String> {
    let tabs: String = TABS
        .iter()
        .map(|(route, label)| {
            // The layout knows its route as a value (`dashboard::Route`), and builds its links
            // from it: no string comparison, no path written twice.
            let class = if *route == at { "tab active" } else { "tab" };
            format!(
                r##"<a class="{class}" href="{route}" hx-get="{route}/@latest" hx-target="#latest" hx-push-url="{route}">{label}</a>"##
            )
        })
        .collect();
    Html(document(
        "Dashboard",
        &format!(
            r#"<header><h1>Dashboard</h1><p>The tabs swap one slot; the rest of the page stays</p></header>
<main>
<nav class="tabs">{tabs}</nav>
<div class="slots">
<section id="latest">{latest}</section>
<section id="archive">{archive}</section>
</div>
<div class="children">{children}</div>
</main>
<script src="/assets/swap.js"></script>"#
        ),
    ))
}

fn posts(period: &str, titles: &[&str]) -> Html<String> {
    let items: String = titles
        .iter()
        .map(|title| format!("<li>{}</li>", Fragment::text(title)))
        .collect();
    Html(format!(
        r#"<h2>Latest: {period}</h2><ul data-period="{period}">{items}</ul>"#
    ))
}

/// `@latest/page.tsx`
#[slot(dashboard, latest)]
async fn latest_today() -> Html<String> {
    posts("today", &["Streaming lands", "htmx tabs"])
}

/// `@latest/week/page.tsx`
#[slot(dashboard, latest, route = "/week")]
async fn latest_week() -> Html<String> {
    posts("this week", &["Sub-routes", "Defaults", "Nested layouts"])
}

/// `@latest/month/page.tsx`
#[slot(dashboard, latest, route = "/month")]
async fn latest_month() -> Html<String> {
    posts(
        "this month",
        &["Error boundaries", "Streaming", "Navigation", "Benchmarks"],
    )
}

/// `@archive/default.tsx`: the same archive on every route.
#[slot(dashboard, archive, default)]
async fn archive() -> Html<&'static str> {
    Html("<h2>Archive</h2><ul><li>October 2026</li><li>September 2026</li></ul>")
}

/// `page.tsx` and its `default.tsx`.
#[page(dashboard, default)]
async fn overview() -> Html<&'static str> {
    Html("<h2>Overview</h2><p>Switch tabs: only the Latest box is fetched and replaced.</p>")
}

/// The part of htmx this page uses, in a dozen lines of plain JavaScript.
pub const SWAP_JS: &str = r#"// hx-get + hx-target (+ hx-push-url, hx-trigger="load"): fetch a fragment, swap it in.
async function swap(el) {
  const target = document.querySelector(el.getAttribute("hx-target"));
  const response = await fetch(el.getAttribute("hx-get"), { headers: { "HX-Request": "true" } });
  if (!response.ok || !target) return;
  target.innerHTML = await response.text();
  const url = el.getAttribute("hx-push-url");
  if (url) history.pushState(null, "", url);
  document.querySelectorAll(".tab").forEach((tab) => tab.classList.toggle("active", tab === el));
}
document.addEventListener("click", (event) => {
  const el = event.target.closest("[hx-get]");
  if (el) { event.preventDefault(); swap(el); }
});
document.querySelectorAll('[hx-trigger="load"]').forEach(swap);
"#;

/// The dashboard's router, with the swap script.
pub fn app() -> Router {
    Router::new().merge(dashboard::router()).route(
        "/assets/swap.js",
        get(|| async {
            (
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                SWAP_JS,
            )
                .into_response()
        }),
    )
}
