//! A review of issue 12, navigation with htmx (README "Navigation with htmx"): guards on a
//! partial, what a slot is kept for (unknown extractors, aliases, `Route` and `Path` across
//! routes, query strings), `HX-*` header variants and hostile `HX-Current-URL`s, interrupts,
//! failures, loading slots and concurrency in a partial, nested layouts (a static sibling of a
//! nested layout's path, `fragments = false`, three levels), targets and their escaping,
//! `Vary` everywhere, `Server-Timing`, and a redirect in Chromium with the real htmx.
//!
//! Found, and fixed (their tests below): an unknown extractor or an alias of `Route` kept
//! across routes (an unknown extractor now reads everything); parameters compared without
//! their names; a layout reading a changed parameter kept (its level is now rendered whole);
//! a static sibling taken for a nested layout (every level now finds the current URL's route
//! by the pattern the outermost layout matched); a redirect's other headers dropped; a
//! redirect within the tree blanking the page in htmx 2 (`HX-Location` now says
//! `"swap":"none"`); htmx 4's `HX-Request-Type: full` answered with a partial. The other
//! tests held: regression tests.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::header::{LOCATION, SET_COOKIE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::send;

/// What ran, in order: `layout:ra`, `here`, ….
static RAN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn ran(what: impl Into<String>) {
    RAN.lock().unwrap().push(what.into());
}

type Answer = (StatusCode, HeaderMap, String, Vec<String>);

/// Runs `request` alone (the tests share `RAN`) and returns the response and what ran.
async fn run(app: Router, request: Request<Body>) -> Answer {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = ONE_AT_A_TIME.lock().await;
    RAN.lock().unwrap().clear();
    let (status, headers, body) = send(app, request).await;
    let ran = std::mem::take(&mut *RAN.lock().unwrap());
    (status, headers, body, ran)
}

/// `GET path` as htmx sends it from `current` (made absolute, as htmx writes it).
fn htmx(path: &str, current: &str) -> Request<Body> {
    raw(path, format!("http://127.0.0.1:3000{current}").as_bytes())
}

/// `GET path` with `HX-Request: true` and `HX-Current-URL` exactly `current`.
fn raw(path: &str, current: &[u8]) -> Request<Body> {
    Request::get(path)
        .header("HX-Request", "true")
        .header("HX-Current-URL", HeaderValue::from_bytes(current).unwrap())
        .body(Body::empty())
        .unwrap()
}

/// `request` with header `name` set to `value`.
fn with(mut request: Request<Body>, name: &'static str, value: &str) -> Request<Body> {
    request.headers_mut().insert(name, value.parse().unwrap());
    request
}

/// Every `Vary` value of a response.
fn vary(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(VARY)
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect()
}

fn assert_vary(headers: &HeaderMap, what: &str) {
    assert!(
        vary(headers).contains(&"HX-Request, HX-Current-URL"),
        "{what}: {headers:?}"
    );
}

/// The out-of-band swaps of a partial response: each target and its content, in order.
fn swaps(body: &str) -> Vec<(String, String)> {
    const OPEN: &str = r#"<div hx-swap-oob="innerHTML:"#;
    let mut swaps = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(OPEN) {
        let after = &rest[at + OPEN.len()..];
        let (target, after) = after.split_once(r#"">"#).unwrap();
        let end = after.find(OPEN).unwrap_or(after.len());
        let content = after[..end].strip_suffix("</div>").unwrap();
        swaps.push((target.to_owned(), content.to_owned()));
        rest = &after[end..];
    }
    swaps
}

fn targets(body: &str) -> Vec<String> {
    swaps(body).into_iter().map(|(target, _)| target).collect()
}

/// A slot or page that returns `$text`.
macro_rules! text {
    ($(#[$attr:meta])+ fn $name:ident = $text:literal) => {
        $(#[$attr])+
        async fn $name() -> &'static str {
            $text
        }
    };
}

// --- What a slot is kept for: `/ra` ---------------------------------------------------------

/// A custom extractor that reads the request's path (as a breadcrumb or an "active tab"
/// helper would): the macro does not know it.
struct CurrentPath(String);

impl<S: Send + Sync> FromRequestParts<S> for CurrentPath {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CurrentPath(parts.uri.path().to_owned()))
    }
}

/// `ra::Route` under another name.
type Here = ra::Route;

#[layout("/ra", slots(here, alias, hdr, q), routes("/week"))]
async fn ra(here: Fragment, alias: Fragment, hdr: Fragment, q: Fragment) -> Html<String> {
    ran("layout:ra");
    Html(format!(
        r#"<main><p id="here">{here}</p><p id="alias">{alias}</p><p id="hdr">{hdr}</p><p id="q">{q}</p></main>"#
    ))
}

#[slot(ra, here, default)]
async fn ra_here(CurrentPath(path): CurrentPath) -> String {
    ran("here");
    path
}

#[slot(ra, alias, default)]
async fn ra_alias(at: Here) -> String {
    ran("alias");
    at.to_string()
}

#[slot(ra, hdr, default)]
async fn ra_hdr(headers: HeaderMap) -> String {
    ran("hdr");
    let user = headers.get("x-user").map(|v| v.to_str().unwrap_or("?"));
    format!("user {}", user.unwrap_or("-"))
}

#[slot(ra, q, default)]
async fn ra_q(Query(pairs): Query<Vec<(String, String)>>) -> String {
    ran("q");
    format!("{pairs:?}")
}

/// Attacks the rule for extractors the macro does not know: they are taken to read the
/// parameters and the query, not the route. A `default` slot whose custom extractor reads the
/// path, or that takes `ra::Route` through a type alias, is kept from `/ra` to `/ra/week`
/// (no parameters, no query on either), so the page keeps showing `/ra`.
#[tokio::test]
async fn an_unknown_extractor_or_an_aliased_route_is_not_kept_across_routes() {
    let (status, headers, body, ran) = run(ra::router(), htmx("/ra/week", "/ra")).await;
    assert_eq!(status, StatusCode::OK);
    assert_vary(&headers, "partial");
    let swaps = swaps(&body);
    assert!(
        swaps.contains(&("#here".into(), "/ra/week".into())),
        "{body}"
    );
    assert!(
        swaps.contains(&("#alias".into(), "/ra/week".into())),
        "{body}"
    );
    assert!(ran.contains(&"here".into()) && ran.contains(&"alias".into()));
}

/// Attacks the query comparison: it is the raw string, so a reordered or differently encoded
/// query runs the slots that read it (conservative), while an empty `?` is no query at all;
/// a slot reading a header is run whenever the query differs (an unknown extractor) and kept
/// when nothing of the URL differs.
#[tokio::test]
async fn query_strings_are_compared_as_written_and_an_empty_query_is_none() {
    let (_, _, body, ran) = run(ra::router(), htmx("/ra?a=1&b=2", "/ra?b=2&a=1")).await;
    assert!(ran.contains(&"q".into()) && ran.contains(&"hdr".into()));
    assert!(!ran.contains(&"layout:ra".into()), "{ran:?}");
    assert!(
        swaps(&body).contains(&(
            "#q".into(),
            r#"[(&quot;a&quot;, &quot;1&quot;), (&quot;b&quot;, &quot;2&quot;)]"#.into()
        )),
        "{body}"
    );
    let (_, _, body, ran) = run(ra::router(), htmx("/ra?a=+", "/ra?a=%20")).await;
    assert!(ran.contains(&"q".into()), "{ran:?} {body}");
    for (path, current) in [("/ra?", "/ra"), ("/ra", "/ra?"), ("/ra/week?", "/ra/week")] {
        let request = with(htmx(path, current), "x-user", "eve");
        let (status, headers, body, ran) = run(ra::router(), request).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "{path}");
        assert!(ran.is_empty(), "{path}: {ran:?}");
        assert_vary(&headers, path);
    }
}

/// Attacks the request headers: only `HX-Request: true` exactly, not boosted (`HX-Boosted:
/// false` is not boosted), not a history restore, with a readable `HX-Current-URL` that is a
/// page of the tree, makes a partial; anything else is the full page, with `Vary`. The current
/// URL may be relative, carry a fragment, another host, or an encoded path.
#[tokio::test]
async fn header_variants_and_hostile_current_urls() {
    let full = |ran: &[String]| ran.iter().any(|r| r == "layout:ra");
    let week = |name, value| with(htmx("/ra/week", "/ra"), name, value);
    let fulls: Vec<(&str, Request<Body>)> = vec![
        ("HX-Request: TRUE", week("HX-Request", "TRUE")),
        ("HX-Request: false", week("HX-Request", "false")),
        ("restore", week("HX-History-Restore-Request", "true")),
        ("no scheme", raw("/ra/week", b"ra")),
        ("a host only", raw("/ra/week", b"http://127.0.0.1:3000")),
        ("a query after the host", raw("/ra/week", b"http://h?x=1")),
        ("javascript:", raw("/ra/week", b"javascript:alert(1)")),
        ("not UTF-8", raw("/ra/week", b"http://h/ra\xff")),
        ("an @slot endpoint", htmx("/ra/week", "/ra/@here")),
        ("a trailing slash", htmx("/ra/week", "/ra/")),
        ("an encoded static segment", htmx("/ra/week", "/r%61")),
        ("another tree", htmx("/ra/week", "/shop/green/sencha")),
        ("empty", raw("/ra/week", b"")),
    ];
    for (what, request) in fulls {
        let (status, headers, body, ran) = run(ra::router(), request).await;
        assert_eq!(status, StatusCode::OK, "{what}");
        assert!(full(&ran) && body.starts_with("<main>"), "{what}: {body}");
        assert_vary(&headers, what);
    }
    // The same page, however the current URL is written: nothing runs.
    let same: Vec<(&str, Request<Body>)> = vec![
        (
            "not boosted",
            with(htmx("/ra", "/ra"), "HX-Boosted", "false"),
        ),
        ("relative", raw("/ra", b"/ra")),
        ("a fragment", raw("/ra", b"http://h/ra#top?x=1")),
        ("another host", raw("/ra", b"https://other.example:8443/ra")),
        ("an empty query and fragment", raw("/ra", b"http://h/ra?#")),
    ];
    for (what, request) in same {
        let (status, headers, body, ran) = run(ra::router(), request).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "{what}");
        assert!(ran.is_empty(), "{what}: {ran:?}");
        assert_vary(&headers, what);
    }
}

// --- Parameters and routes across routes: `/rp` ----------------------------------------------

#[layout("/rp", slots(named, at, val), routes("/x/{a}", "/y/{a}", "/z/{b}"))]
async fn rp(named: Fragment, at: Fragment, val: Fragment) -> Html<String> {
    ran("layout:rp");
    Html(format!(
        r#"<p id="named">{named}</p><p id="at">{at}</p><p id="val">{val}</p>"#
    ))
}

text!(#[slot(rp, named)] fn rp_named_index = "none");

#[slot(rp, named, default)]
async fn rp_named(Path(params): Path<HashMap<String, String>>) -> String {
    ran("named");
    let mut params: Vec<_> = params.into_iter().collect();
    params.sort();
    format!("{params:?}")
}

text!(#[slot(rp, at)] fn rp_at_index = "index");

#[slot(rp, at, default)]
async fn rp_at(at: rp::Route) -> String {
    ran("at");
    at.to_string()
}

text!(#[slot(rp, val)] fn rp_val_index = "-");

#[slot(rp, val, default)]
async fn rp_val(Path(value): Path<String>) -> String {
    ran("val");
    value
}

/// Attacks `Route` and `Path` across two routes with equal parameters: the slot reading the
/// route runs again; a `default` reading the parameter's value (`/x/{a}` → `/y/{a}`, same
/// value) is kept, and so is one reading it by the same name; a percent-encoded current URL
/// is decoded as axum decodes the request's. The same with `Server-Timing` asked for (the
/// partial carries none; SPEC promises it on buffered pages and `@slot` endpoints only).
#[tokio::test]
async fn a_route_reader_runs_again_across_routes_with_equal_parameters() {
    let (status, _, body, ran) = run(rp::router(), htmx("/rp/y/1", "/rp/x/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r##"<div hx-swap-oob="innerHTML:#at">/rp/y/1</div>"##);
    assert_eq!(ran, ["at"]);
    let timed = parallel_routes_tests::timed(rp::router());
    let (status, _, timed_body, ran) = run(timed, htmx("/rp/y/1", "/rp/x/1")).await;
    assert_eq!(
        (status, timed_body, ran),
        (StatusCode::OK, body, vec!["at".to_owned()])
    );
    let (_, _, body, ran) = run(rp::router(), htmx("/rp/x/1", "/rp/x/%31")).await;
    assert_eq!((body.as_str(), ran.len()), ("", 0));
    let (_, _, body, ran) = run(rp::router(), htmx("/rp/x/a%2Fb", "/rp/x/a")).await;
    assert_eq!(targets(&body), ["#named", "#at", "#val"], "{body}");
    assert!(body.contains(">a/b</div>"), "{body}");
    assert_eq!(ran.len(), 3);
}

/// Attacks the parameter comparison, which compares values and not names: a `default` that
/// reads its parameters by name (`Path<HashMap>`) on `/x/{a}` and `/z/{b}` with the same
/// value is kept, so the page still shows `a = 1` on `/rp/z/1`.
#[tokio::test]
async fn a_handler_reading_parameters_by_name_runs_again_when_the_names_differ() {
    let (_, _, body, ran) = run(rp::router(), htmx("/rp/z/1", "/rp/x/1")).await;
    assert!(
        swaps(&body).contains(&(
            "#named".into(),
            r#"[(&quot;b&quot;, &quot;1&quot;)]"#.into()
        )),
        "{body}"
    );
    assert!(ran.contains(&"named".into()), "{ran:?}");
}

// --- Guards, a nested layout reading its Path, a panicking nested layout: `/gd` ---------------

/// Level `N`'s guard: records itself; rejects with 401 when `x-deny` names its level.
struct Gate<const N: u8>;

impl<S: Send + Sync, const N: u8> FromRequestParts<S> for Gate<N> {
    type Rejection = (StatusCode, String);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        ran(format!("guard{N}"));
        match parts.headers.get("x-deny") {
            Some(level) if level.as_bytes() == N.to_string().as_bytes() => {
                Err((StatusCode::UNAUTHORIZED, format!("denied by {N}")))
            }
            _ => Ok(Gate),
        }
    }
}

#[layout("/gd", slots(s), routes("/n/{n}"))]
async fn gd(_: Gate<1>, s: Fragment, children: Fragment) -> Html<String> {
    ran("layout:gd");
    Html(format!(
        r#"<p id="s">{s}</p><div id="children">{children}</div>"#
    ))
}

#[slot(gd, s, default)]
async fn gd_s(at: gd::Route) -> String {
    ran("s");
    at.to_string()
}

text!(#[page(gd)] fn gd_page = "gd page");

#[layout("/gd/n/{n}", slots(t), parent = gd)]
async fn gn(_: Gate<2>, Path(n): Path<u32>, t: Fragment, children: Fragment) -> Html<String> {
    ran("layout:gn");
    assert_ne!(n, 13, "unlucky");
    Html(format!(
        r#"<section class="gn"><h2>n {n}</h2><p id="t">{t}</p><div id="children">{children}</div></section>"#
    ))
}

#[slot(gn, t)]
async fn gn_t(Path(n): Path<u32>) -> String {
    ran("t");
    format!("t {n}")
}

text!(#[page(gn)] fn gn_page = "gn page");

fn gd_app() -> Router {
    Router::new().merge(gd::router()).merge(gn::router())
}

/// Attacks the guards on a partial: the layout's guard and a nested layout's each answer
/// (their status and body, with `Vary`) and no slot, page or layout runs — also on a partial
/// where nothing changes, and into and within the nested layout.
#[tokio::test]
async fn a_guard_rejection_answers_a_partial_and_runs_no_slot() {
    for (path, current, deny, guards) in [
        ("/gd/n/1", "/gd", "1", &["guard1"][..]),
        ("/gd/n/1", "/gd", "2", &["guard1", "guard2"][..]),
        ("/gd/n/2", "/gd/n/1", "2", &["guard1", "guard2"][..]),
        ("/gd", "/gd/n/1", "1", &["guard1"][..]),
        ("/gd", "/gd", "1", &["guard1"][..]),
    ] {
        let request = with(htmx(path, current), "x-deny", deny);
        let (status, headers, body, ran) = run(gd_app(), request).await;
        let what = format!("{current} → {path}, deny {deny}");
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(body, format!("denied by {deny}"), "{what}");
        assert_vary(&headers, &what);
        assert_eq!(ran, guards, "{what}");
    }
    // Allowed: both guards, then only what changed — the nested layout prints its `n`, so it
    // is rendered whole into the root's `children`; the root's layout does not run.
    let (status, _, body, ran) = run(gd_app(), htmx("/gd/n/2", "/gd/n/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(targets(&body), ["#s", "#children"], "{body}");
    assert_eq!(&ran[..2], ["guard1", "guard2"]);
    assert!(!ran.iter().any(|r| r == "layout:gd"), "{ran:?}");
}

/// Attacks keeping a layout that reads the URL: a layout is kept whatever its own extractors
/// read, so a nested layout at `/gd/n/{n}` that prints its `n` (as Next.js' `[id]/layout.tsx`
/// would, which Next.js re-renders when `id` changes) keeps showing `n 1` on `/gd/n/2`; the
/// same for an outermost layout at `/lu/{id}` (SPEC's `user` example reads `Path`).
#[tokio::test]
async fn a_layout_reading_a_changed_parameter_is_rendered_again() {
    let (_, _, body, _) = run(gd_app(), htmx("/gd/n/2", "/gd/n/1")).await;
    assert!(body.contains("<h2>n 2</h2>"), "nested: {body}");
    let (_, _, body, ran) = run(lu::router(), htmx("/lu/2", "/lu/1")).await;
    assert!(
        body.contains("<h1>user 2</h1>"),
        "outermost: {body} {ran:?}"
    );
}

#[layout("/lu/{id}", slots(profile))]
async fn lu(Path(id): Path<u32>, profile: Fragment) -> Html<String> {
    ran("layout:lu");
    Html(format!(
        r#"<h1>user {id}</h1><div id="profile">{profile}</div>"#
    ))
}

#[slot(lu, profile)]
async fn lu_profile(Path(id): Path<u32>) -> String {
    ran("profile");
    format!("profile {id}")
}

/// Attacks a nested layout that panics while rendered whole into a partial: `500` with a
/// generic body, `HX-Reswap: none` and `Vary`; the panic message is not sent.
#[tokio::test]
async fn a_panicking_nested_layout_in_a_partial_answers_500_the_htmx_way() {
    let (status, headers, body, _) = run(gd_app(), htmx("/gd/n/13", "/gd")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["hx-reswap"], "none");
    assert_vary(&headers, "panic");
    assert!(!body.contains("unlucky"), "{body}");
    let (status, headers, _, _) = run(gd_app(), parallel_routes_tests::request("/gd/n/13")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_vary(&headers, "a full page's panic");
    // Entering the nested layout otherwise renders it whole into the parent's children.
    let (_, _, body, ran) = run(gd_app(), htmx("/gd/n/3", "/gd")).await;
    assert_eq!(targets(&body), ["#s", "#children"], "{body}");
    assert!(
        swaps(&body)[1]
            .1
            .starts_with(r#"<section class="gn"><h2>n 3</h2>"#)
    );
    assert!(ran.contains(&"layout:gn".into()) && !ran.contains(&"layout:gd".into()));
}

// --- A static sibling of a nested layout's path: `/sb` ---------------------------------------

#[layout("/sb", slots(side), routes("/s/{c}", "/s/sale"))]
async fn sb(side: Fragment, children: Fragment) -> Html<String> {
    ran("layout:sb");
    Html(format!(
        r#"<p id="side">{side}</p><div id="children">{children}</div>"#
    ))
}

text!(#[slot(sb, side, default)] fn sb_side = "side");

text!(#[page(sb)] fn sb_home = "home");

text!(#[page(sb, route = "/s/sale")] fn sb_sale = "sale page");

#[layout("/sb/s/{c}", slots(f), parent = sb)]
async fn sbc(f: Fragment) -> Html<String> {
    ran("layout:sbc");
    Html(format!(r#"<div class="sbc"><p id="f">{f}</p></div>"#))
}

#[slot(sbc, f)]
async fn sbc_f(Path(c): Path<String>) -> String {
    ran("f");
    c
}

fn sb_app() -> Router {
    Router::new().merge(sb::router()).merge(sbc::router())
}

/// Attacks "a nested layout rendered by both URLs": whether the browser's page renders the
/// nested layout is decided by matching its path against the nested layout's routes alone,
/// so `/sb/s/sale` (the root's own page, which axum prefers) counts as `sbc` with
/// `c = "sale"`. Going from the sale page to `/sb/s/tea` then sends only `#f`, into a page
/// that has no `sbc` and no `#f`: the sale page stays.
#[tokio::test]
async fn entering_a_nested_layout_from_a_static_sibling_renders_it_whole() {
    let (status, _, body, ran) = run(sb_app(), htmx("/sb/s/tea", "/sb/s/sale")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(targets(&body), ["#children"], "{body}");
    assert_eq!(
        swaps(&body)[0].1,
        r#"<div class="sbc"><p id="f">tea</p></div>"#
    );
    assert!(ran.contains(&"layout:sbc".into()), "{ran:?}");
}

/// Navigating between a route whose `children` is a nested layout and routes whose
/// `children` is the parent's own page, both ways: the new page goes whole into `#children`,
/// the kept `side` does not run, nor does the parent layout.
#[tokio::test]
async fn between_a_nested_layout_and_the_parents_own_pages_both_ways() {
    for (path, current, content) in [
        ("/sb/s/sale", "/sb/s/tea", "sale page"),
        ("/sb", "/sb/s/tea", "home"),
        (
            "/sb/s/tea",
            "/sb",
            r#"<div class="sbc"><p id="f">tea</p></div>"#,
        ),
        ("/sb/s/sale", "/sb", "sale page"),
    ] {
        let (status, headers, body, ran) = run(sb_app(), htmx(path, current)).await;
        assert_eq!(status, StatusCode::OK, "{current} → {path}");
        assert_vary(&headers, path);
        assert_eq!(
            swaps(&body),
            [("#children".to_owned(), content.to_owned())],
            "{current} → {path}"
        );
        assert!(!ran.contains(&"layout:sb".into()), "{ran:?}");
    }
    // Within the nested layout: only its changed slot, the layout kept.
    let (_, _, body, ran) = run(sb_app(), htmx("/sb/s/oolong", "/sb/s/tea")).await;
    assert_eq!(body, r##"<div hx-swap-oob="innerHTML:#f">oolong</div>"##);
    assert_eq!(ran, ["f"]);
}

// --- Interrupts: `/it` ------------------------------------------------------------------------

#[layout("/it", slots(s), routes("/logout", "/shown", "/ctl"))]
async fn it(s: Fragment) -> Html<String> {
    ran("layout:it");
    Html(format!(r#"<p id="s">{s}</p>"#))
}

text!(#[slot(it, s)] fn it_s = "s");

#[slot(it, s, route = "/logout")]
async fn it_logout() -> Result<&'static str, Interrupt> {
    Err(Interrupt::response((
        StatusCode::SEE_OTHER,
        [(LOCATION, "/login"), (SET_COOKIE, "session=; Max-Age=0")],
    )))
}

#[slot(it, s, route = "/shown")]
async fn it_shown() -> Result<&'static str, Interrupt> {
    Err(Interrupt::response((
        StatusCode::UNPROCESSABLE_ENTITY,
        [("hx-reswap", "innerHTML"), ("hx-retarget", "#s")],
        "try again",
    )))
}

#[slot(it, s, route = "/ctl")]
async fn it_ctl() -> Result<&'static str, Interrupt> {
    Err(Interrupt::redirect("/a\r\nSet-Cookie: x=1"))
}

/// Attacks interrupts in a partial: an interrupt's own `HX-Reswap` (and other headers) stay,
/// with its status and body; a redirect refused for its control characters is a `500` with
/// `HX-Reswap: none`, no `HX-Location`; each with `Vary`.
#[tokio::test]
async fn interrupts_keep_their_own_htmx_headers_and_refused_redirects_stay_refused() {
    let (status, headers, body, _) = run(it::router(), htmx("/it/shown", "/it")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body, "try again");
    assert_eq!(headers["hx-reswap"], "innerHTML");
    assert_eq!(headers["hx-retarget"], "#s");
    assert_vary(&headers, "shown");
    let (status, headers, _, _) = run(it::router(), htmx("/it/ctl", "/it")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["hx-reswap"], "none");
    assert!(headers.get("hx-location").is_none() && headers.get(SET_COOKIE).is_none());
    assert_vary(&headers, "ctl");
}

/// Attacks a redirect in a partial: it becomes `200` with `HX-Location`, built as a fresh
/// response that copies only `Location`, so the interrupt's other headers are lost — a
/// logout that clears its cookie with `Set-Cookie` clears it on the full page, not on an htmx
/// navigation.
#[tokio::test]
async fn a_redirect_in_a_partial_keeps_its_other_headers() {
    let (status, headers, _, _) =
        run(it::router(), parallel_routes_tests::request("/it/logout")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[SET_COOKIE], "session=; Max-Age=0");
    let (status, headers, _, _) = run(it::router(), htmx("/it/logout", "/it")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["hx-location"], r#"{"path":"/login","swap":"none"}"#);
    assert_vary(&headers, "logout");
    assert_eq!(
        headers.get(SET_COOKIE).map(|v| v.to_str().unwrap()),
        Some("session=; Max-Age=0")
    );
}

// --- Failures, loading slots and concurrency in a partial: `/fp` ------------------------------

#[layout("/fp", slots(boom, slow, late, nap), routes("/x"))]
async fn fp(boom: Fragment, slow: Fragment, late: Fragment, nap: Fragment) -> Html<String> {
    ran("layout:fp");
    Html(format!(
        r#"<p id="boom">{boom}</p><p id="slow">{slow}</p><p id="late">{late}</p><p id="nap">{nap}</p>"#
    ))
}

text!(#[slot(fp, boom)] fn fp_boom0 = "boom0");

#[slot(fp, boom, route = "/x")]
async fn fp_boom() -> &'static str {
    ran("boom");
    panic!("secret panic text")
}

text!(#[slot(fp, slow)] fn fp_slow0 = "slow0");

#[slot(fp, slow, route = "/x", timeout_ms = 400)]
async fn fp_slow() -> &'static str {
    ran("slow");
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never"
}

fn late_skeleton() -> &'static str {
    "skeleton"
}

#[slot(fp, late, default, loading = late_skeleton)]
async fn fp_late(Query(q): Query<HashMap<String, String>>) -> String {
    ran("late");
    tokio::time::sleep(Duration::from_millis(400)).await;
    format!("late {}", q.get("v").map_or("-", String::as_str))
}

#[slot(fp, nap, default)]
async fn fp_nap(Query(q): Query<HashMap<String, String>>) -> String {
    ran("nap");
    tokio::time::sleep(Duration::from_millis(400)).await;
    format!("nap {}", q.get("v").map_or("-", String::as_str))
}

/// Attacks failures and timing in a partial: a changed slot that panics and one that times
/// out render their fallbacks (status 200, no panic text), a loading slot is awaited (its
/// content, not its skeleton), and the four changed slots (400 ms each) run concurrently.
#[tokio::test]
async fn failures_fall_back_loading_slots_are_awaited_and_changed_slots_run_at_once() {
    let started = Instant::now();
    let (status, headers, body, ran) = run(fp::router(), htmx("/fp/x?v=1", "/fp")).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert_vary(&headers, "partial");
    assert_eq!(
        targets(&body),
        ["#boom", "#slow", "#late", "#nap"],
        "{body}"
    );
    let swaps = swaps(&body);
    assert!(swaps[0].1.contains(r#"data-slot-error="boom""#), "{body}");
    assert!(swaps[1].1.contains(r#"data-slot-error="slow""#), "{body}");
    assert_eq!(swaps[2].1, "late 1");
    assert_eq!(swaps[3].1, "nap 1");
    assert!(
        !body.contains("secret") && !body.contains("skeleton"),
        "{body}"
    );
    assert!(!ran.contains(&"layout:fp".into()));
    assert!(took < Duration::from_millis(1100), "sequential? {took:?}");
}

// --- Targets: `/tg` ---------------------------------------------------------------------------

#[layout(
    "/tg",
    slots(r#type, side),
    routes("/x"),
    targets(side = "[data-x=\"a&b\"]")
)]
async fn tg(
    r#type: Fragment,
    side: Fragment,
) -> ([(axum::http::HeaderName, &'static str); 1], Html<String>) {
    ran("layout:tg");
    (
        [(VARY, "Accept-Language")],
        Html(format!(r#"<p id="type">{type}</p><p data-x="a&amp;b">{side}</p>"#, type = r#type)),
    )
}

text!(#[slot(tg, r#type)] fn tg_type0 = "t0");

text!(#[slot(tg, r#type, route = "/x")] fn tg_type = "t1");

text!(#[slot(tg, side)] fn tg_side0 = "s0");

#[slot(tg, side, route = "/x")]
async fn tg_side() -> Html<&'static str> {
    Html(r#"<b class="q">"</b>"#)
}

/// Attacks the containers: a raw identifier's target is its name without `r#`, a `targets`
/// selector with quotes and `&` is attribute-escaped (htmx reads it unescaped); the layout's
/// own `Vary` is kept beside the library's, on the page and the partial alike.
#[tokio::test]
async fn targets_are_escaped_raw_names_unraw_and_an_apps_vary_is_kept() {
    let (status, headers, body, _) = run(tg::router(), htmx("/tg/x", "/tg")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        r##"<div hx-swap-oob="innerHTML:#type">t1</div><div hx-swap-oob="innerHTML:[data-x=&quot;a&amp;b&quot;]"><b class="q">"</b></div>"##
    );
    assert_vary(&headers, "partial");
    let (_, headers, body, _) = run(tg::router(), parallel_routes_tests::request("/tg")).await;
    assert!(body.starts_with(r#"<p id="type">t0</p>"#), "{body}");
    let vary = vary(&headers);
    assert!(
        vary.contains(&"Accept-Language") && vary.contains(&"HX-Request, HX-Current-URL"),
        "{vary:?}"
    );
}

// --- `fragments = false` on a nested layout: `/fr` --------------------------------------------

#[layout("/fr", slots(s), routes("/in"))]
async fn fr(s: Fragment, children: Fragment) -> Html<String> {
    ran("layout:fr");
    Html(format!(
        r#"<p id="s">{s}</p><div id="children">{children}</div>"#
    ))
}

text!(#[slot(fr, s, default)] fn fr_s = "s");

text!(#[page(fr)] fn fr_page = "fr page");

#[layout("/fr/in", slots(k), parent = fr, fragments = false)]
async fn fri(k: Fragment) -> Html<String> {
    ran("layout:fri");
    Html(format!(r#"<div class="fri"><p id="k">{k}</p></div>"#))
}

#[slot(fri, k)]
async fn fri_k(Query(q): Query<HashMap<String, String>>) -> String {
    ran("k");
    format!("k {}", q.get("z").map_or("-", String::as_str))
}

/// A nested layout with `fragments = false` navigates like any other: entered whole, then
/// only its changed slot; its `@k` endpoint is still not served, htmx headers or not.
#[tokio::test]
async fn a_nested_layout_without_fragment_endpoints_navigates_too() {
    let app = || Router::new().merge(fr::router()).merge(fri::router());
    let (_, _, body, _) = run(app(), htmx("/fr/in", "/fr")).await;
    assert_eq!(
        swaps(&body),
        [(
            "#children".to_owned(),
            r#"<div class="fri"><p id="k">k -</p></div>"#.to_owned()
        )]
    );
    let (_, _, body, ran) = run(app(), htmx("/fr/in?z=1", "/fr/in")).await;
    assert_eq!(body, r##"<div hx-swap-oob="innerHTML:#k">k 1</div>"##);
    assert_eq!(ran, ["k"]);
    let (status, _, _, ran) = run(app(), htmx("/fr/in/@k", "/fr/in")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ran.is_empty(), "{ran:?}");
}

// --- Endpoints, streaming, three levels, Server-Timing ----------------------------------------

/// An `@slot` endpoint asked for by htmx (with `HX-Current-URL`, as every htmx request has)
/// answers its bare fragment, not an out-of-band swap, and the layout does not run.
#[tokio::test]
async fn an_slot_endpoint_from_htmx_is_its_bare_fragment() {
    let (status, headers, body, ran) = run(ra::router(), htmx("/ra/week/@q?a=1", "/ra")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(body, "[(&quot;a&quot;, &quot;1&quot;)]");
    assert_eq!(ran, ["q"]);
}

/// `Vary` on a streamed page (the shop's deals stream), nested, without htmx, and on a
/// boosted request; the same page from htmx is the partial, awaited, not streamed.
#[tokio::test]
async fn a_streamed_nested_page_says_vary_too() {
    let app = parallel_routes_examples::shop::app;
    let chunks =
        parallel_routes_tests::chunks(app(), parallel_routes_tests::request("/shop/green")).await;
    assert_eq!(chunks.status, StatusCode::OK);
    assert!(chunks.chunks.len() > 1, "streamed");
    assert_vary(&chunks.headers, "streamed");
    let boosted = with(htmx("/shop/green", "/shop/black"), "HX-Boosted", "true");
    let (_, headers, body, _) = run(app(), boosted).await;
    assert!(body.contains("<header>"), "boosted: the full page");
    assert_vary(&headers, "boosted");
}

/// Three levels deep, from one category's product to another's: every level's changed slots
/// and none of the three layouts.
#[tokio::test]
async fn three_levels_across_categories_swap_every_levels_changed_slots() {
    let app = parallel_routes_examples::shop::app;
    let (status, headers, body, _) =
        run(app(), htmx("/shop/black/assam", "/shop/green/sencha")).await;
    assert_eq!(status, StatusCode::OK);
    assert_vary(&headers, "three levels");
    assert_eq!(
        targets(&body),
        [
            "#sidebar", "#crumbs", "#filters", "#deals", "#reviews", "#item"
        ],
        "{body}"
    );
    assert!(
        !body.contains("<header>")
            && !body.contains(r#"class="section""#)
            && !body.contains(r#"class="product""#),
        "{body}"
    );
    assert!(
        body.contains("<h2>Assam</h2>") && body.contains("Assam: €8.10"),
        "{body}"
    );
}

/// Attacks htmx 4's `HX-Request-Type: full`, which htmx sends when the response goes into the
/// body (`hx-target="body"`, `hx-boost`) or is picked from with `hx-select`: the client wants
/// the page, but gets the out-of-band swaps (and the body, or the selected part, emptied).
#[tokio::test]
async fn a_request_for_the_full_page_gets_it() {
    let request = with(htmx("/ra/week?a=1", "/ra"), "HX-Request-Type", "full");
    let (status, headers, body, ran) = run(ra::router(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with("<main>"), "{body}");
    assert!(ran.contains(&"layout:ra".into()), "{ran:?}");
    assert_vary(&headers, "full");
}

// --- A redirect in a partial, in Chromium with the real htmx: `/hl` ---------------------------

#[layout("/hl", slots(s, t), routes("/go", "/to"))]
async fn hl(s: Fragment, t: Fragment) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html><head><script src="/htmx.js"></script>
<script data-app>document.addEventListener('htmx:afterRequest', (e) => {{
  if (e.detail.pathInfo.requestPath === '/hl/to')
    setTimeout(() => document.documentElement.setAttribute('data-done', ''), 500);
}});</script></head>
<body><p id="kept">kept</p><p id="s">{s}</p><p id="t">{t}</p></body></html>"#
    ))
}

text!(#[slot(hl, s, default)] fn hl_s = "start");

#[slot(hl, s, route = "/go")]
async fn hl_go() -> Result<&'static str, Interrupt> {
    Err(Interrupt::redirect("/hl/to"))
}

#[slot(hl, s, route = "/to")]
async fn hl_to() -> Html<&'static str> {
    Html(r#"<b id="arrived">arrived</b>"#)
}

/// On the index only: fetch `/hl/go` once the page has loaded, as a click on an htmx link.
#[slot(hl, t)]
async fn hl_trigger() -> Html<&'static str> {
    Html(r#"<span hx-get="/hl/go" hx-trigger="load" hx-swap="none"></span>"#)
}

text!(#[slot(hl, t, default)] fn hl_t = "");

/// Attacks the redirect of a partial in a real browser (htmx 2.0.11, the tested version):
/// `HX-Location: /hl/to` makes htmx GET `/hl/to` with `HX-Request` and the current URL,
/// targeting the body (`innerHTML`) — a navigation within the tree, so the answer is the
/// out-of-band swaps alone, and what remains (nothing) replaces the body: a blank page.
/// Sending `HX-Location` as `{"path": "/hl/to", "swap": "none"}` (or `HX-Redirect`) would
/// land on the new page. Needs Chromium (as `tests/browser.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_in_a_partial_lands_on_the_new_page_in_chromium() {
    use parallel_routes_tests::chromium::{self, Job};
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let htmx = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/browser/node_modules/htmx.org/dist/htmx.min.js"
    );
    let htmx = std::fs::read_to_string(htmx).expect("npm ci --prefix tests/browser");
    let app = hl::router()
        .route(
            "/htmx.js",
            axum::routing::get(move || async move {
                ([("content-type", "text/javascript")], htmx.clone())
            }),
        )
        .route(
            "/favicon.ico",
            axum::routing::get(|| async { StatusCode::NO_CONTENT }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let job = Job::dom(format!("{base}/hl")).wait_for("#arrived, html[data-done]");
    let answer = &browser.run_async(vec![job], 1).await[0];
    let dom = answer.dom.as_deref().expect("a DOM");
    assert!(answer.errors.is_empty(), "{:?}", answer.errors);
    assert!(
        dom.contains(r#"<b id="arrived">arrived</b>"#) && dom.contains(r#"<p id="kept">kept</p>"#),
        "{dom}"
    );
}
