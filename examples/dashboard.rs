//! The dashboard from the Next.js parallel-routes explainer: a layout with `latest` and
//! `archive` slots plus the page's own content, each region taking 100–300 ms.
//!
//! ```sh
//! cargo run --example dashboard        # then open http://127.0.0.1:3000/dashboard
//! curl -w '%{time_total}s\n' http://127.0.0.1:3000/dashboard
//! curl http://127.0.0.1:3000/dashboard/@latest
//! ```
//!
//! The slots run concurrently, so the page answers in about the slowest region's time
//! (300 ms), not the sum (600 ms).
use std::time::Duration;

use axum::Router;
use axum::response::{Html, Redirect};
use axum::routing::get;
use parallel_routes::prelude::*;
use parallel_routes_examples::{document, serve};
use tokio::time::sleep;

/// `dashboard/layout.tsx`: receives every slot's HTML and stitches the page.
#[layout(slots(latest, archive))]
async fn dashboard(latest: Fragment, archive: Fragment, children: Fragment) -> Html<String> {
    Html(document(
        "Dashboard",
        &format!(
            r#"<header><h1>Dashboard</h1><p>Three regions, rendered concurrently</p></header>
<main>
<div class="slots">
<section>{latest}</section>
<section>{archive}</section>
</div>
<div class="children">{children}</div>
</main>"#
        ),
    ))
}

/// `dashboard/@latest/page.tsx`: the newest posts, from a (simulated) 200 ms query.
#[slot(dashboard, latest)]
async fn latest() -> Html<String> {
    sleep(Duration::from_millis(200)).await;
    let posts = [
        ("Parallel routes land in Rust", "2 hours ago"),
        ("Streaming <template> swaps & you", "yesterday"),
        ("Why slots can't read the body", "3 days ago"),
    ];
    let items: String = posts
        .iter()
        .map(|(title, when)| {
            // Titles are data: `Fragment::text` escapes them.
            format!(
                r#"<li>{} <span class="meta">{when}</span></li>"#,
                Fragment::text(title)
            )
        })
        .collect();
    Html(format!("<h2>Latest</h2><ul>{items}</ul>"))
}

/// `dashboard/@archive/page.tsx`: posts by month, from a (simulated) 300 ms query.
#[slot(dashboard, archive)]
async fn archive() -> Html<String> {
    sleep(Duration::from_millis(300)).await;
    let months = [
        ("November 2026", 12),
        ("October 2026", 9),
        ("September 2026", 14),
    ];
    let items: String = months
        .iter()
        .map(|(month, posts)| {
            format!(r#"<li>{month} <span class="meta">{posts} posts</span></li>"#)
        })
        .collect();
    Html(format!("<h2>Archive</h2><ul>{items}</ul>"))
}

/// `dashboard/page.tsx`: the main content, the layout's `children`.
#[page(dashboard)]
async fn overview() -> Html<&'static str> {
    sleep(Duration::from_millis(100)).await;
    Html(
        r#"<h2>Overview</h2>
<div class="stats">
<div class="stat"><b>35</b><span class="meta">posts this quarter</span></div>
<div class="stat"><b>1,204</b><span class="meta">readers this week</span></div>
<div class="stat"><b>300 ms</b><span class="meta">page time: the slowest slot, not the sum</span></div>
</div>"#,
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = Router::new()
        .merge(dashboard::router())
        .route("/", get(|| async { Redirect::to(dashboard::PATH) }));
    serve(app, dashboard::PATH).await
}
