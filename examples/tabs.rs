//! The htmx example's page, in the library so that the tests serve the very same app: a
//! dashboard whose tabs re-render only the slots that change — the server-rendered
//! counterpart of Next.js soft navigation between `@latest/page.tsx` and
//! `@latest/week/page.tsx`.
//!
//! The tabs are plain links (`href`), so without JavaScript they navigate to the full page of
//! that route. With htmx on the page (loaded from [`HTMX_URL`]), each tab is also
//! `hx-get="<its page>" hx-push-url="true" hx-swap="none"`: htmx asks for the page with
//! `HX-Request` and `HX-Current-URL`, and the page answers with only the slots that change —
//! the tab bar (it reads the route) and `latest` (a handler per route) — as out-of-band swaps
//! into `#tabs` and `#latest`. The layout, `archive` (a `default` without arguments) and the
//! page do not run. No JavaScript of ours.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::response::Html;
use parallel_routes::prelude::*;

use crate::document;

/// Where the page loads htmx from (the npm package `htmx.org`, as the tests install it).
pub const HTMX_URL: &str = "https://unpkg.com/htmx.org@2.0.11/dist/htmx.min.js";

/// How many times each part of the page ran, so that you (and the tests) can see that a tab
/// runs only what changes: the layout, then each slot's handlers.
pub static RUNS: Runs = Runs::new();

/// Run counts; see [`RUNS`].
pub struct Runs([AtomicUsize; 7]);

/// The names of [`Runs`]' counts, in order.
pub const RUN_NAMES: [&str; 7] = [
    "layout", "tabs", "today", "week", "month", "archive", "page",
];

impl Runs {
    const fn new() -> Self {
        Runs([const { AtomicUsize::new(0) }; 7])
    }

    fn count(&self, name: &str) {
        if let Some(at) = RUN_NAMES.iter().position(|known| *known == name) {
            self.0[at].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Each part's count, by name.
    pub fn snapshot(&self) -> Vec<(&'static str, usize)> {
        RUN_NAMES
            .iter()
            .zip(&self.0)
            .map(|(name, count)| (*name, count.load(Ordering::Relaxed)))
            .collect()
    }
}

/// The routes the tabs switch between, with their labels.
const TABS: [(dashboard::Route, &str); 3] = [
    (dashboard::Route::Index, "Today"),
    (dashboard::Route::Week, "This week"),
    (dashboard::Route::Month, "This month"),
];

/// The dashboard at `/dashboard`, `/dashboard/week` and `/dashboard/month`.
#[layout(slots(tabs, latest, archive), routes("/week", "/month"))]
pub async fn dashboard(
    tabs: Fragment,
    latest: Fragment,
    archive: Fragment,
    children: Fragment,
) -> Html<String> {
    RUNS.count("layout");
    Html(document(
        "Dashboard",
        &format!(
            r#"<header><h1>Dashboard</h1><p>The tabs re-render only the slots that change; the rest of the page stays</p></header>
<main>
<nav class="tabs" id="tabs">{tabs}</nav>
<div class="slots">
<section id="latest">{latest}</section>
<section id="archive">{archive}</section>
</div>
<div class="children" id="children">{children}</div>
</main>
<script src="{HTMX_URL}"></script>"#
        ),
    ))
}

/// The tab bar: a slot, not part of the layout, so that a navigation (which keeps the layout)
/// re-renders it. It knows the route as a value (`dashboard::Route`) and builds its links
/// from it: no string comparison, no path written twice.
#[slot(dashboard, tabs, default)]
async fn tabs(at: dashboard::Route) -> Html<String> {
    RUNS.count("tabs");
    let links: String = TABS
        .iter()
        .map(|(route, label)| {
            let class = if *route == at { "tab active" } else { "tab" };
            format!(
                r#"<a class="{class}" href="{route}" hx-get="{route}" hx-push-url="true" hx-swap="none">{label}</a>"#
            )
        })
        .collect();
    Html(links)
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
    RUNS.count("today");
    posts("today", &["Streaming lands", "htmx tabs"])
}

/// `@latest/week/page.tsx`
#[slot(dashboard, latest, route = "/week")]
async fn latest_week() -> Html<String> {
    RUNS.count("week");
    posts("this week", &["Sub-routes", "Defaults", "Nested layouts"])
}

/// `@latest/month/page.tsx`
#[slot(dashboard, latest, route = "/month")]
async fn latest_month() -> Html<String> {
    RUNS.count("month");
    posts(
        "this month",
        &["Error boundaries", "Streaming", "Navigation", "Benchmarks"],
    )
}

/// `@archive/default.tsx`: the same archive on every route.
#[slot(dashboard, archive, default)]
async fn archive() -> Html<&'static str> {
    RUNS.count("archive");
    Html("<h2>Archive</h2><ul><li>October 2026</li><li>September 2026</li></ul>")
}

/// `page.tsx` and its `default.tsx`.
#[page(dashboard, default)]
async fn overview() -> Html<&'static str> {
    RUNS.count("page");
    Html(
        "<h2>Overview</h2><p>Switch tabs: only the tab bar and the Latest box are rendered and replaced.</p>",
    )
}

/// The dashboard's router.
pub fn app() -> Router {
    dashboard::router()
}
