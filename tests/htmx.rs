//! Navigation with htmx (README "Navigation with htmx"): a page request from htmx with the
//! page the browser is on (`HX-Current-URL`) in the same layout tree answers with only the
//! slots that change, as out-of-band swaps; everything else gets the full page; every page
//! response says `Vary: HX-Request, HX-Current-URL`. Run counts prove what ran.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{Request, StatusCode};
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::send;

/// What ran, in order: `layout`, `latest:week`, ….
static RAN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn ran(what: impl Into<String>) {
    RAN.lock().unwrap().push(what.into());
}

/// Runs `request` alone (the tests of this file share `RAN`, so each takes the lock) and
/// returns the response and what ran.
async fn run(
    app: Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String, Vec<String>) {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = ONE_AT_A_TIME.lock().await;
    RAN.lock().unwrap().clear();
    let (status, headers, body) = send(app, request).await;
    let ran = std::mem::take(&mut *RAN.lock().unwrap());
    (status, headers, body, ran)
}

/// `GET path` as htmx sends it from `current` (an absolute URL, as htmx writes it).
fn htmx(path: &str, current: &str) -> Request<Body> {
    Request::get(path)
        .header("HX-Request", "true")
        .header("HX-Current-URL", format!("http://127.0.0.1:3000{current}"))
        .body(Body::empty())
        .unwrap()
}

#[layout(
    "/n",
    slots(latest, archive, side),
    routes("/week", "/day/{d}"),
    targets(side = "#aside")
)]
async fn n(
    latest: Fragment,
    archive: Fragment,
    side: Fragment,
    children: Fragment,
) -> Html<String> {
    ran("layout");
    Html(format!(
        r#"<main><section id="latest">{latest}</section><section id="archive">{archive}</section><aside id="aside">{side}</aside><div id="children">{children}</div></main>"#
    ))
}

#[slot(n, latest)]
async fn latest_today() -> &'static str {
    ran("latest:today");
    "today"
}

#[slot(n, latest, route = "/week")]
async fn latest_week() -> &'static str {
    ran("latest:week");
    "week"
}

#[slot(n, latest, route = "/day/{d}")]
async fn latest_day(Path(d): Path<u32>) -> Result<String, Interrupt> {
    ran(format!("latest:day {d}"));
    match d {
        0 => Err(Interrupt::redirect("/n")),
        404 => Err(Interrupt::not_found()),
        d => Ok(format!("day {d}")),
    }
}

#[slot(n, archive, default)]
async fn archive() -> &'static str {
    ran("archive");
    "archive"
}

#[slot(n, side, default)]
async fn side(Query(query): Query<HashMap<String, String>>) -> String {
    ran("side");
    format!("side {}", query.get("q").map_or("-", String::as_str))
}

#[page(n, default)]
async fn n_page() -> &'static str {
    ran("page");
    "page"
}

#[tokio::test]
async fn a_navigation_runs_only_the_slots_that_change_and_sends_them_out_of_band() {
    let (status, headers, body, ran) = run(n::router(), htmx("/n/week", "/n")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["vary"], "HX-Request, HX-Current-URL");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(body, r##"<div hx-swap-oob="innerHTML:#latest">week</div>"##);
    // The layout, the archive (`default`, no arguments), the side (same query) and the page
    // (`default`, no arguments) did not run.
    assert_eq!(ran, ["latest:week"]);
}

#[tokio::test]
async fn a_handler_with_arguments_runs_again_when_its_parameters_or_query_change() {
    let (_, _, body, ran) = run(n::router(), htmx("/n/day/2", "/n/day/1")).await;
    assert_eq!(
        body,
        r##"<div hx-swap-oob="innerHTML:#latest">day 2</div>"##
    );
    assert_eq!(ran, ["latest:day 2"]);
    // The same route and parameters, another query: the slot reading the query runs, into
    // its own target.
    let (_, _, body, ran) = run(n::router(), htmx("/n/day/2?q=x", "/n/day/2")).await;
    assert_eq!(
        body,
        r##"<div hx-swap-oob="innerHTML:#aside">side x</div>"##
    );
    assert_eq!(ran, ["side"]);
    // Nothing changes: nothing runs.
    let (status, _, body, ran) = run(n::router(), htmx("/n/week", "/n/week")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    assert!(ran.is_empty(), "{ran:?}");
}

#[tokio::test]
async fn everything_else_gets_the_full_page_and_every_page_says_vary() {
    let full =
        |body: &str| body.starts_with("<main>") && body.contains("<div id=\"children\">page</div>");
    let plain = Request::get("/n/week").body(Body::empty()).unwrap();
    let boosted = {
        let mut request = htmx("/n/week", "/n");
        request
            .headers_mut()
            .insert("HX-Boosted", "true".parse().unwrap());
        request
    };
    let restore = {
        let mut request = htmx("/n/week", "/n");
        request
            .headers_mut()
            .insert("HX-History-Restore-Request", "true".parse().unwrap());
        request
    };
    let elsewhere = htmx("/n/week", "/other/page");
    let no_current = Request::get("/n/week")
        .header("HX-Request", "true")
        .body(Body::empty())
        .unwrap();
    for (what, request) in [
        ("no HX-Request", plain),
        ("boosted", boosted),
        ("history restore", restore),
        ("a current URL outside the tree", elsewhere),
        ("no HX-Current-URL", no_current),
    ] {
        let (status, headers, body, ran) = run(n::router(), request).await;
        assert_eq!(status, StatusCode::OK, "{what}");
        assert!(full(&body), "{what}: {body}");
        assert_eq!(headers["vary"], "HX-Request, HX-Current-URL", "{what}");
        assert!(ran.contains(&"layout".to_owned()), "{what}: {ran:?}");
    }
}

#[tokio::test]
async fn an_interrupt_in_a_partial_is_answered_the_htmx_way() {
    // A redirect: 200 with HX-Location (htmx reads no header of a 3xx).
    let (status, headers, body, _) = run(n::router(), htmx("/n/day/0", "/n")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["hx-location"], "/n");
    assert_eq!(body, "");
    assert_eq!(headers["vary"], "HX-Request, HX-Current-URL");
    // Another interrupt: its status, and htmx swaps nothing.
    let (status, headers, _, _) = run(n::router(), htmx("/n/day/404", "/n")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["hx-reswap"], "none");
    // A bad parameter is axum's 400, as for the page.
    let (status, _, _, ran) = run(n::router(), htmx("/n/day/x", "/n")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(ran.is_empty(), "{ran:?}");
}
