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
    // A redirect: 200 with HX-Location (htmx reads no header of a 3xx), whose follow-up
    // request gets a partial too, swapped out of band with nothing into the body.
    let (status, headers, body, _) = run(n::router(), htmx("/n/day/0", "/n")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["hx-location"], r#"{"path":"/n","swap":"none"}"#);
    assert!(!headers.contains_key("location"));
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

// --- Through nesting: the shop example (`examples/shop.rs`) ------------------------------

/// The out-of-band swaps of a partial response: each target and its content, in order.
fn swaps(body: &str) -> Vec<(String, String)> {
    let mut swaps = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(r#"<div hx-swap-oob="innerHTML:"#) {
        let after = &rest[at + r#"<div hx-swap-oob="innerHTML:"#.len()..];
        let (target, after) = after.split_once(r#"">"#).unwrap();
        // The content runs to the next swap (a swap's content holds no other swap).
        let end = after.find(r#"<div hx-swap-oob="#).unwrap_or(after.len());
        let content = after[..end].strip_suffix("</div>").unwrap();
        swaps.push((target.to_owned(), content.to_owned()));
        rest = &after[end..];
    }
    swaps
}

fn targets(body: &str) -> Vec<String> {
    swaps(body).into_iter().map(|(target, _)| target).collect()
}

#[tokio::test]
async fn a_navigation_inside_a_section_keeps_the_layouts_and_swaps_each_levels_changed_slots() {
    let app = parallel_routes_examples::shop::app;
    // Another category: every slot reads the category (or the route), so each runs; no layout
    // does (no `<header>`, no `class="section"`), and the section's page goes to its own
    // container.
    let (status, headers, body, _) = run(app(), htmx("/shop/black", "/shop/green")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["vary"], "HX-Request, HX-Current-URL");
    assert!(
        !body.contains("<header>") && !body.contains("class=\"section\""),
        "{body}"
    );
    assert_eq!(
        targets(&body),
        ["#sidebar", "#crumbs", "#filters", "#deals", "#section"],
        "{body}"
    );
    let swaps = swaps(&body);
    assert!(
        swaps[0]
            .1
            .contains(r#"<a href="/shop/black" aria-current="page">Black tea</a>"#)
    );
    assert!(
        swaps[1]
            .1
            .ends_with(r#"<span aria-current="page">Black tea</span>"#)
    );
    // The deals (a loading slot) are awaited: their content, not their skeleton.
    assert!(swaps[3].1.contains("Assam: €8.10"), "{}", swaps[3].1);
    assert!(swaps[4].1.contains("<h2>Black tea</h2>"));
}

#[tokio::test]
async fn a_navigation_into_a_nested_layout_renders_it_whole_into_its_parents_children() {
    let app = parallel_routes_examples::shop::app;
    let (status, _, body, _) = run(app(), htmx("/shop/green/sencha", "/shop/green")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        targets(&body),
        ["#sidebar", "#crumbs", "#filters", "#deals", "#section"],
        "{body}"
    );
    let product = &swaps(&body)[4].1;
    assert!(
        product.starts_with(r#"<article class="product"><div id="item"><h2>Sencha</h2>"#),
        "{product}"
    );
    assert!(product.contains(r#"<section class="reviews" id="reviews"><h2>Reviews</h2>"#));
    // Back to the category: the product's layout is gone, the section's page comes back.
    let (_, _, body, _) = run(app(), htmx("/shop/green", "/shop/green/sencha")).await;
    assert_eq!(
        targets(&body),
        ["#sidebar", "#crumbs", "#filters", "#deals", "#section"],
        "{body}"
    );
    assert!(swaps(&body)[4].1.starts_with("<h2>Green tea</h2>"));
    // Between two products of one category: the root's sidebar (`default`, reading the
    // route's category) runs again, the section's filters (`default`, reading the route) too;
    // inside the product, its reviews and page.
    let (_, _, body, _) = run(app(), htmx("/shop/green/gyokuro", "/shop/green/sencha")).await;
    assert_eq!(
        targets(&body),
        [
            "#sidebar", "#crumbs", "#filters", "#deals", "#reviews", "#item"
        ],
        "{body}"
    );
}

#[tokio::test]
async fn a_navigation_across_sections_renders_the_new_section_whole() {
    let app = parallel_routes_examples::shop::app;
    let (status, _, body, _) = run(app(), htmx("/shop/green", "/")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(targets(&body), ["#sidebar", "#crumbs", "#page"], "{body}");
    let section = &swaps(&body)[2].1;
    assert!(section.starts_with(r#"<div class="section">"#), "{section}");
    assert!(
        section.contains("Sencha: €10.80"),
        "the deals awaited: {section}"
    );
    let (_, _, body, _) = run(app(), htmx("/", "/shop/green/sencha")).await;
    assert_eq!(targets(&body), ["#sidebar", "#crumbs", "#page"], "{body}");
    assert!(swaps(&body)[2].1.starts_with("<section><h2>Welcome</h2>"));
    // An unknown category: the section's page interrupts, answered the htmx way.
    let (status, headers, _, _) = run(app(), htmx("/shop/coffee", "/shop/green")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["hx-reswap"], "none");
}

// --- A navigation inside a nested layout keeps the root's slots ---------------------------

#[layout("/nr", slots(menu), routes("/s/{x}"), targets(children = "#root-main"))]
async fn nr(menu: Fragment, children: Fragment) -> Html<String> {
    ran("nr:layout");
    Html(format!(
        r#"<nav id="menu">{menu}</nav><main id="root-main">{children}</main>"#
    ))
}

#[slot(nr, menu, default)]
async fn nr_menu() -> &'static str {
    ran("nr:menu");
    "menu"
}

#[page(nr)]
async fn nr_page() -> &'static str {
    ran("nr:page");
    "home"
}

#[layout("/nr/s/{x}", slots(detail), parent = nr, targets(children = "#s-main"))]
async fn ns(detail: Fragment, children: Fragment) -> Html<String> {
    ran("ns:layout");
    Html(format!(
        r#"<aside id="detail">{detail}</aside><div id="s-main">{children}</div>"#
    ))
}

#[slot(ns, detail)]
async fn ns_detail(Path(x): Path<u32>) -> String {
    ran(format!("ns:detail {x}"));
    format!("detail {x}")
}

#[page(ns)]
async fn ns_page() -> &'static str {
    ran("ns:page");
    "section"
}

fn nested_app() -> Router {
    nr::router().merge(ns::router())
}

#[tokio::test]
async fn a_navigation_inside_a_nested_layout_keeps_both_layouts_and_the_roots_slots() {
    let (status, headers, body, ran) = run(nested_app(), htmx("/nr/s/2", "/nr/s/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["vary"], "HX-Request, HX-Current-URL");
    assert_eq!(
        body,
        r##"<div hx-swap-oob="innerHTML:#detail">detail 2</div>"##
    );
    assert_eq!(ran, ["ns:detail 2"]);
    // Into the section from the root's own page: the section is rendered whole into the
    // root's `children` target; the root's menu stays.
    let (_, _, body, ran) = run(nested_app(), htmx("/nr/s/1", "/nr")).await;
    assert_eq!(
        body,
        r##"<div hx-swap-oob="innerHTML:#root-main"><aside id="detail">detail 1</aside><div id="s-main">section</div></div>"##
    );
    assert!(
        !ran.contains(&"nr:menu".to_owned()) && !ran.contains(&"nr:layout".to_owned()),
        "{ran:?}"
    );
    assert!(ran.contains(&"ns:layout".to_owned()), "{ran:?}");
    // And back: the root's page into its `children` target.
    let (_, _, body, ran) = run(nested_app(), htmx("/nr", "/nr/s/1")).await;
    assert_eq!(
        body,
        r##"<div hx-swap-oob="innerHTML:#root-main">home</div>"##
    );
    assert_eq!(ran, ["nr:page"]);
}
