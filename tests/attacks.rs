//! Attacks on guards and streamed pages, from an adversarial review of issue 8's fixes: a
//! guard on a grandparent, three levels deep, sub-routes, HEAD; redirects after the shell to
//! `javascript:` URLs; error responses of streaming layouts; interrupts in odd polls.
//!
//! The tests whose doc says "Found in review" failed on the reviewed commit (4c8e6d1) and
//! pass since the fix; the others are attacks that held, kept as regression tests.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Router};
use parallel_routes::prelude::*;
use parallel_routes::{CspNonce, ServerTiming};
use parallel_routes_tests::{request, send};

async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

fn spinner() -> Html<&'static str> {
    Html("<i>…</i>")
}

// ================================================================================================
// Guards: a guard on the grandparent, three levels, sub-routes, @slot and @children endpoints,
// HEAD, a slow guard, the order and the number of times each guard runs.
// ================================================================================================

/// What ran, in order, for one request (each request carries its own).
#[derive(Clone, Default)]
struct Trace(Arc<Mutex<Vec<&'static str>>>);

impl Trace {
    fn push(&self, what: &'static str) {
        self.0.lock().unwrap().push(what);
    }
    fn get(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().clone()
    }
}

fn trace_of(parts: &Parts, what: &'static str) {
    if let Some(trace) = parts.extensions.get::<Trace>() {
        trace.push(what);
    }
}

/// The root's guard: slow (20 ms), records itself, wants `x-top: yes`.
struct TopGuard;

impl<S: Send + Sync> FromRequestParts<S> for TopGuard {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        trace_of(parts, "top");
        sleep_ms(20).await;
        match parts.headers.get("x-top") {
            Some(value) if value == "yes" => Ok(TopGuard),
            _ => Err((StatusCode::UNAUTHORIZED, "top says no").into_response()),
        }
    }
}

/// The middle layout's guard: wants `x-mid: yes`.
struct MidGuard;

impl<S: Send + Sync> FromRequestParts<S> for MidGuard {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        trace_of(parts, "mid");
        match parts.headers.get("x-mid") {
            Some(value) if value == "yes" => Ok(MidGuard),
            _ => Err((StatusCode::FORBIDDEN, "mid says no").into_response()),
        }
    }
}

/// The leaf layout's own extractor: always accepts, records itself.
struct LeafArg;

impl<S: Send + Sync> FromRequestParts<S> for LeafArg {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        trace_of(parts, "leaf");
        Ok(LeafArg)
    }
}

/// A slot's extractor: records that slot extraction started.
struct SlotProbe;

impl<S: Send + Sync> FromRequestParts<S> for SlotProbe {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        trace_of(parts, "slot-extract");
        // A slot's own validation (a `Query` it needs, say): `x-bad-slot` makes it reject.
        if parts.headers.contains_key("x-bad-slot") {
            return Err((StatusCode::BAD_REQUEST, "slot says bad request").into_response());
        }
        Ok(SlotProbe)
    }
}

/// Records that a slot body ran, in the request's own trace.
fn body_ran(trace: &Trace, what: &'static str) {
    trace.push(what);
}

#[layout(
    "/top",
    slots(tnav),
    routes(
        "/mid/leaf/{n}",
        "/mid/leaf/{n}/deep",
        "/mid/leaf/{n}/stuck",
        "/mid",
        "/week"
    ),
    timeout_ms = 150
)]
async fn top(_: TopGuard, tnav: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><nav>{tnav}</nav><main>{children}</main></body></html>"
    ))
}

#[slot(top, tnav, default)]
async fn top_nav(_: SlotProbe, Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:tnav");
    "TNAV"
}

#[page(top, default)]
async fn top_page(_: SlotProbe, Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:top-page");
    "TOP PAGE"
}

#[layout("/top/mid", slots(mnav), parent = top, routes("/leaf/{n}", "/leaf/{n}/deep", "/leaf/{n}/stuck"))]
async fn mid(_: MidGuard, mnav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<section>{mnav}|{children}</section>"))
}

#[slot(mid, mnav, default)]
async fn mid_nav(_: SlotProbe, Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:mnav");
    "MNAV"
}

#[page(mid)]
async fn mid_page(_: SlotProbe, Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:mid-page");
    "MID PAGE"
}

#[layout("/top/mid/leaf/{n}", slots(lnav), parent = mid, routes("/deep", "/stuck"))]
async fn leaf(_: LeafArg, Path(n): Path<u32>, lnav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<article>leaf {n}: {lnav}|{children}</article>"))
}

#[slot(leaf, lnav, default)]
async fn leaf_nav(_: SlotProbe, Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:lnav");
    "LNAV"
}

#[page(leaf, default)]
async fn leaf_page(_: SlotProbe, Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:leaf-page");
    "LEAF PAGE"
}

/// No `timeout_ms` here, nor on `leaf` or `mid`: the root's 150 ms applies.
#[page(leaf, route = "/stuck")]
async fn leaf_stuck(Extension(trace): Extension<Trace>) -> &'static str {
    body_ran(&trace, "body:leaf-stuck");
    sleep_ms(10_000).await;
    "never"
}

fn chain_app() -> Router {
    Router::new()
        .merge(top::router())
        .merge(mid::router())
        .merge(leaf::router())
}

fn chain_request(method: Method, uri: &str, top: bool, mid: bool) -> (Request<Body>, Trace) {
    let trace = Trace::default();
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .extension(trace.clone());
    if top {
        builder = builder.header("x-top", "yes");
    }
    if mid {
        builder = builder.header("x-mid", "yes");
    }
    (builder.body(Body::empty()).unwrap(), trace)
}

const TOP_URIS: &[&str] = &[
    "/top",
    "/top/@tnav",
    "/top/@children",
    "/top/week",
    "/top/week/@tnav",
];

const BELOW_MID_URIS: &[&str] = &[
    "/top/mid",
    "/top/mid/@mnav",
    "/top/mid/@children",
    "/top/mid/leaf/1",
    "/top/mid/leaf/1/@lnav",
    "/top/mid/leaf/1/@children",
    "/top/mid/leaf/1/deep",
    "/top/mid/leaf/1/deep/@lnav",
    "/top/mid/leaf/1/deep/@children",
    // The root's (and the middle's) guards answer before the leaf's `Path` is parsed.
    "/top/mid/leaf/not-a-number/deep/@lnav",
];

/// a guard on the grandparent protects, root first, every endpoint of three
/// levels, sub-routes and their `@slot`/`@children` endpoints included, for GET and HEAD; a
/// rejection stops the chain there (later guards and slot extractors do not even run).
#[tokio::test]
async fn a_grandparent_guard_on_every_endpoint_of_three_levels_and_sub_routes() {
    for method in [Method::GET, Method::HEAD] {
        for uri in TOP_URIS.iter().chain(BELOW_MID_URIS) {
            let (req, trace) = chain_request(method.clone(), uri, false, true);
            let (status, _, body) = send(chain_app(), req).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}: {body}");
            if method == Method::GET {
                assert_eq!(body, "top says no", "{uri}");
            }
            assert_eq!(
                trace.get(),
                ["top"],
                "{method} {uri}: only the root's guard ran"
            );
        }
        // Past the root, stopped by the middle layout: the root's own endpoints are served.
        for uri in BELOW_MID_URIS {
            let (req, trace) = chain_request(method.clone(), uri, true, false);
            let (status, _, _) = send(chain_app(), req).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}");
            assert_eq!(trace.get(), ["top", "mid"], "{method} {uri}: no slot ran");
        }
    }

    for uri in TOP_URIS {
        let (req, _) = chain_request(Method::GET, uri, true, false);
        let (status, _, body) = send(chain_app(), req).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    }
}

/// The guards (layout extractors) in a trace, without the slots' extractors.
fn guards(trace: &Trace) -> Vec<&'static str> {
    trace
        .get()
        .into_iter()
        .filter(|t| *t != "slot-extract")
        .collect()
}

/// each guard runs exactly once per request, root first, and every
/// extractor before any slot's body; the `@slot` endpoint of the leaf runs the three guards,
/// then only its own slot.
#[tokio::test]
async fn guards_run_once_each_root_first_before_any_slot_body() {
    let (req, trace) = chain_request(Method::GET, "/top/mid/leaf/7/deep", true, true);
    let (status, _, body) = send(chain_app(), req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        "<html><body><nav>TNAV</nav><main><section>MNAV|<article>leaf 7: LNAV|LEAF PAGE</article></section></main></body></html>"
    );
    assert_eq!(guards(&trace)[..3], ["top", "mid", "leaf"]);
    let trace = trace.get();
    for guard in ["top", "mid", "leaf"] {
        assert_eq!(
            trace.iter().filter(|t| **t == guard).count(),
            1,
            "{trace:?}"
        );
    }
    assert_eq!(
        trace.iter().filter(|t| **t == "slot-extract").count(),
        4,
        "{trace:?}"
    );
    let first_body = trace.iter().position(|t| t.starts_with("body:")).unwrap();
    let last_extract = trace.iter().rposition(|t| *t == "slot-extract").unwrap();
    assert!(
        last_extract < first_body,
        "every extractor before any body: {trace:?}"
    );

    let (req, trace) = chain_request(Method::GET, "/top/mid/leaf/7/deep/@lnav", true, true);
    let (status, headers, body) = send(chain_app(), req).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "LNAV"));
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        trace.get(),
        ["top", "mid", "leaf", "slot-extract", "body:lnav"]
    );

    // An authorised request with a bad leaf path gets the leaf's own rejection.
    let (req, _) = chain_request(Method::GET, "/top/mid/leaf/x/@lnav", true, true);
    let (status, _, _) = send(chain_app(), req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Found in review: on a nested page, a parent's own slots' extractors run *before* the guard of the
/// nested layout (render.rs emits `K::start`, the `children`, after the parent's declared
/// slots, since `all_slots()` lists `children` last). SPEC: "first runs the extractors of
/// that layout and of all its parents, in order from the root; a rejection answers"; the
/// generated code's own comment says the levels below start before the parent's slots are
/// extracted. Consequences: a request that the nested layout's guard refuses still runs the
/// parent's slot extractors (a DB-loading extractor, a rate limiter, an audit log), and a
/// parent slot's rejection (a `400` for a missing query) answers instead of the guard's `403`.
#[tokio::test]
async fn a_nested_layouts_guard_runs_before_its_parents_slot_extractors() {
    // Refused by `mid`'s guard: no slot's extractor may have run.
    let (req, trace) = chain_request(Method::GET, "/top/mid/leaf/1", true, false);
    let (status, _, _) = send(chain_app(), req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        trace.get(),
        ["top", "mid"],
        "a slot extractor ran before mid's guard"
    );

    // A request the nested guard refuses gets the guard's answer, not a slot's.
    let (mut req, _) = chain_request(Method::GET, "/top/mid", true, false);
    req.headers_mut().insert("x-bad-slot", "1".parse().unwrap());
    let (status, _, body) = send(chain_app(), req).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::FORBIDDEN, "mid says no"),
        "the guard of the nested layout answers first"
    );

    // In full: every layout's extractors (root first), then the slots'.
    let (req, trace) = chain_request(Method::GET, "/top/mid/leaf/7", true, true);
    send(chain_app(), req).await;
    let trace = trace.get();
    assert_eq!(trace[..3], ["top", "mid", "leaf"], "{trace:?}");
}

/// the root's `timeout_ms` reaches the page of a layout nested two levels
/// below it (neither `mid` nor `leaf` sets one).
#[tokio::test]
async fn the_roots_deadline_reaches_a_page_two_levels_down() {
    let started = Instant::now();
    let (req, trace) = chain_request(Method::GET, "/top/mid/leaf/3/stuck", true, true);
    let (status, _, body) = send(chain_app(), req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("data-slot-error=\"children\""), "{body}");
    assert!(body.contains("LNAV") && body.contains("MNAV"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(trace.get().contains(&"body:leaf-stuck"));
}

/// `Server-Timing` only with the extension; never on a guard's rejection;
/// on a three-level nested page and an `@slot` endpoint when asked for.
#[tokio::test]
async fn server_timing_is_opt_in_and_absent_on_rejections() {
    let timed = || chain_app().layer(Extension(ServerTiming));
    for uri in ["/top/mid/leaf/1", "/top/mid/leaf/1/@lnav"] {
        let (req, _) = chain_request(Method::GET, uri, false, false);
        let (status, headers, _) = send(timed(), req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(headers.get("server-timing").is_none(), "{uri}: {headers:?}");

        let (req, _) = chain_request(Method::GET, uri, true, true);
        let (_, headers, _) = send(chain_app(), req).await;
        assert!(headers.get("server-timing").is_none(), "{uri}: {headers:?}");

        let (req, _) = chain_request(Method::GET, uri, true, true);
        let (_, headers, _) = send(timed(), req).await;
        assert!(headers.get("server-timing").is_some(), "{uri}: {headers:?}");
    }
}

// ================================================================================================
// Redirects that arrive after the shell
// ================================================================================================

#[layout("/jsredir/{how}", slots(gate, other))]
async fn jsredir(gate: Fragment, other: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><div>{gate}</div><div>{other}</div></body></html>"
    ))
}

fn redirect_target(how: &str) -> &'static str {
    match how {
        "plain" => "javascript:alert(document.cookie)",
        "mixed" => "JaVaScRiPt:alert(document.cookie)",
        "space" => " javascript:alert(document.cookie)",
        "ls" => "/next\u{2028}x",
        _ => "/ok",
    }
}

#[slot(jsredir, gate, loading = spinner)]
async fn jsredir_gate(Path(how): Path<String>) -> Result<&'static str, Interrupt> {
    sleep_ms(30).await;
    Err(Interrupt::redirect(redirect_target(&how)))
}

#[slot(jsredir, other, loading = spinner)]
async fn jsredir_other() -> &'static str {
    sleep_ms(300).await;
    "OTHER CONTENT"
}

/// Found in review: a redirect to a `javascript:` URL that arrives after the shell is turned into
/// `<script>location.replace("javascript:…")</script>`, which runs the attacker's script in the
/// page's origin. The same `Interrupt::redirect` before the shell is a `303` whose `Location:
/// javascript:…` no browser follows. An app with an open redirect (`?next=`) thus gets an XSS.
#[tokio::test]
async fn a_streamed_redirect_never_runs_a_javascript_url() {
    for how in ["plain", "mixed", "space"] {
        let (status, _, body) = send(jsredir::router(), request(&format!("/jsredir/{how}"))).await;
        assert_eq!(status, StatusCode::OK, "{how}: the shell had gone out");
        assert!(
            !body.to_ascii_lowercase().contains("javascript:"),
            "{how}: a javascript: URL is followed by script: {body}"
        );
    }
}

/// an ordinary redirect is followed, with the nonce (quotes escaped), and a
/// U+2028 in the URL cannot break the script's string.
#[tokio::test]
async fn a_streamed_redirect_is_followed_with_an_escaped_nonce_and_string() {
    let mut req = request("/jsredir/ok");
    req.extensions_mut().insert(CspNonce("a\"b".to_owned()));
    let (_, _, body) = send(jsredir::router(), req).await;
    assert!(
        body.contains(r#"<script nonce="a&quot;b">location.replace("/ok")</script>"#),
        "{body}"
    );
    assert!(body.contains(r#"content="0;url=/ok""#), "{body}");
    assert!(!body.contains("OTHER CONTENT"), "{body}");
    assert!(body.ends_with("</body></html>"), "{body}");

    let (_, _, body) = send(jsredir::router(), request("/jsredir/ls")).await;
    assert!(
        body.contains(r#"location.replace("/next\u2028x")"#),
        "{body}"
    );
}

/// Found in review (beyond the letter of SPEC.md, which names control characters only): the doc of
/// `Interrupt::redirect` says it refuses `/\t/evil.example` because an app's "starts with one
/// `/`" check lets it through and a browser reads it as `//evil.example`. The very same check
/// lets `/\evil.example` through, which every browser also reads as `//evil.example` (a `\` is
/// a `/` in http(s) URLs), and ` //evil.example` (a leading space is stripped by the HTTP
/// parser and the URL parser). `redirect` sends both as they are.
#[tokio::test]
async fn a_redirect_that_a_browser_reads_as_another_host_is_refused() {
    // The spaces a browser strips around a Location, leading or trailing, are refused as
    // surely as the `\` it reads as `/`: a 500, never a 303 that a browser reads otherwise.
    for uri in [
        "/\\evil.example",
        "/\\/evil.example",
        " //evil.example",
        " /next",
        "/next ",
    ] {
        let response = Interrupt::redirect(uri).into_response();
        let location = response.headers().get(header::LOCATION);
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{uri:?}, with Location {location:?}"
        );
        assert!(location.is_none(), "{uri:?}: Location {location:?}");
    }
    // The same targets, written as meant, are redirects.
    for uri in ["/next", "/evil.example", "/search?q=a\\b"] {
        let response = Interrupt::redirect(uri).into_response();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{uri:?}");
        assert_eq!(response.headers()[header::LOCATION], uri);
    }
}

// ================================================================================================
// A streaming layout that answers something other than a 2xx HTML page
// ================================================================================================

static FEED_FINISHED: AtomicBool = AtomicBool::new(false);

#[layout("/gatekeep/{who}", slots(feed))]
async fn gatekeep(Path(who): Path<String>, feed: Fragment) -> Result<Response, Interrupt> {
    match who.as_str() {
        "anon" => Err(Interrupt::redirect("/login")),
        "cached" => Ok(StatusCode::NOT_MODIFIED.into_response()),
        _ => Ok(Html(format!("<html><body>{feed}</body></html>")).into_response()),
    }
}

#[slot(gatekeep, feed, loading = spinner)]
async fn gatekeep_feed() -> &'static str {
    sleep_ms(1_500).await;
    FEED_FINISHED.store(true, Ordering::SeqCst);
    "the feed"
}

/// Found in review: a streaming layout that answers a redirect (`Result<_, Interrupt>`) or a `304` —
/// a response whose body holds none of the slots — is held back until every loading slot has
/// finished (1.5 s here; forever for a stuck slot without a `timeout_ms`), and those slots run
/// to completion, side effects included, for a response that never shows them. Since the layout
/// body prints no slot marker, nothing needs to be awaited.
#[tokio::test]
async fn a_streaming_layouts_redirect_or_304_is_not_held_for_its_slots() {
    for (who, status) in [
        ("anon", StatusCode::SEE_OTHER),
        ("cached", StatusCode::NOT_MODIFIED),
    ] {
        let started = Instant::now();
        let (got, headers, body) =
            send(gatekeep::router(), request(&format!("/gatekeep/{who}"))).await;
        let took = started.elapsed();
        assert_eq!(got, status, "{who}");
        if who == "anon" {
            assert_eq!(headers["location"], "/login");
        }
        assert!(!body.contains("the feed"), "{who}: {body}");
        assert!(
            took < Duration::from_millis(700),
            "{who}: the {status} waited {took:?} for a slot it does not print"
        );
    }
    assert!(
        !FEED_FINISHED.load(Ordering::SeqCst),
        "the loading slot ran to completion for a redirect"
    );
}

#[layout("/ctype/{kind}", slots(late))]
async fn ctype(Path(kind): Path<String>, late: Fragment) -> Response {
    let content_type = match kind.as_str() {
        "xhtml" => "application/xhtml+xml",
        _ => "TEXT/HTML; charset=utf-8",
    };
    (
        [(header::CONTENT_TYPE, content_type)],
        format!("<html><body><p>{late}</p></body></html>"),
    )
        .into_response()
}

#[slot(ctype, late, loading = spinner)]
async fn ctype_late() -> &'static str {
    sleep_ms(30).await;
    "late"
}

/// XHTML (where an unquoted `<template id=pr-…>` would not be well-formed)
/// is sent whole; `TEXT/HTML` in capitals streams.
#[tokio::test]
async fn xhtml_is_sent_whole_and_uppercase_text_html_streams() {
    let (_, _, body) = send(ctype::router(), request("/ctype/xhtml")).await;
    assert_eq!(body, "<html><body><p>late</p></body></html>");
    let (_, headers, body) = send(ctype::router(), request("/ctype/upper")).await;
    assert!(body.contains("function $PR"), "{body}");
    assert!(body.contains(">late</template>"), "{body}");
    assert_eq!(headers["x-accel-buffering"], "no");
}

// ================================================================================================
// Interrupts in in-order mode, and in the same poll as a sibling's content
// ================================================================================================

#[layout("/io-stop", slots(first, second), stream = in_order)]
async fn io_stop(first: Fragment, second: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><ol>{first}</ol><ul>{second}</ul></body></html>"
    ))
}

#[slot(io_stop, first, loading = spinner)]
async fn io_stop_first() -> Result<&'static str, Interrupt> {
    sleep_ms(80).await;
    Err(Interrupt::not_found())
}

#[slot(io_stop, second, loading = spinner)]
async fn io_stop_second() -> Html<&'static str> {
    sleep_ms(10).await;
    Html("<li>SECOND CONTENT</li>")
}

/// in order, a later slot that already arrived (but waits behind the
/// interrupting one) is never sent; both places show their fallback; the document is closed.
#[tokio::test]
async fn in_order_an_interrupt_drops_a_later_slot_that_already_arrived() {
    let (status, _, body) = send(io_stop::router(), request("/io-stop")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("SECOND CONTENT"), "{body}");
    assert!(
        body.contains("<ol><div role=\"alert\" data-slot-error=\"first\">"),
        "{body}"
    );
    assert!(
        body.contains("<ul><div role=\"alert\" data-slot-error=\"second\">"),
        "{body}"
    );
    assert!(
        !body.contains("<!--pr-") && !body.contains("<script"),
        "{body}"
    );
    assert!(body.ends_with("</ul></body></html>"), "{body}");
}

static GATE: LazyLock<tokio::sync::Notify> = LazyLock::new(tokio::sync::Notify::new);

#[layout("/same-poll", slots(sibling, stopper))]
async fn same_poll(sibling: Fragment, stopper: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><div>{sibling}</div><div>{stopper}</div></body></html>"
    ))
}

#[slot(same_poll, sibling, loading = spinner)]
async fn same_poll_sibling() -> Html<&'static str> {
    GATE.notified().await;
    Html("<b>SIBLING CONTENT</b>")
}

#[slot(same_poll, stopper, loading = spinner)]
async fn same_poll_stopper() -> Result<&'static str, Interrupt> {
    GATE.notified().await;
    Err(Interrupt::redirect("/elsewhere"))
}

/// an interrupt released in the same poll as a sibling's content: the
/// sibling's content is not sent, both show their fallback, the redirect is followed once, and
/// the layout's closing tags end the body.
#[tokio::test]
async fn an_interrupt_in_the_same_poll_as_a_siblings_content() {
    let opener = tokio::spawn(async {
        sleep_ms(60).await;
        GATE.notify_waiters();
    });
    let (status, _, body) = send(same_poll::router(), request("/same-poll")).await;
    opener.await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("SIBLING CONTENT"), "{body}");
    for slot in ["sibling", "stopper"] {
        assert!(
            body.contains(&format!("data-slot-error=\"{slot}\"")),
            "{body}"
        );
    }
    assert_eq!(
        body.matches("location.replace(\"/elsewhere\")").count(),
        1,
        "{body}"
    );
    assert!(body.ends_with("</body></html>"), "{body}");
    let follow = body.find("location.replace").unwrap();
    assert!(follow > body.find("function $PR").unwrap(), "{body}");
}

// ================================================================================================
// Empty content, HEAD
// ================================================================================================

#[layout("/io-empty", slots(a, b), stream = in_order)]
async fn io_empty(a: Fragment, b: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><p>[{a}]</p><p>[{b}]</p></body></html>"
    ))
}

#[slot(io_empty, a, loading = spinner)]
async fn io_empty_a() -> Html<&'static str> {
    sleep_ms(20).await;
    Html("")
}

#[slot(io_empty, b, loading = spinner)]
async fn io_empty_b() -> &'static str {
    sleep_ms(40).await;
    "B"
}

/// an empty slot in order neither ends nor stalls the stream; HEAD answers
/// with no body.
#[tokio::test]
async fn an_empty_slot_in_order_and_head_of_a_streamed_page() {
    let (_, _, body) = send(io_empty::router(), request("/io-empty")).await;
    assert_eq!(body, "<html><body><p>[]</p><p>[B]</p></body></html>");
    let head = Request::head("/io-empty").body(Body::empty()).unwrap();
    let (status, _, body) = send(io_empty::router(), head).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
}

// ================================================================================================
// A slow layout: loading slots that finish (or interrupt) while the layout still renders
// ================================================================================================

#[layout("/slow-layout/{mode}", slots(menu, body))]
async fn slow_layout(menu: Fragment, body: Fragment) -> Html<String> {
    sleep_ms(120).await;
    Html(format!(
        "<html><body><nav class=m>{menu}</nav><main>{body}</main><nav class=d>{menu}</nav></body></html>"
    ))
}

#[slot(slow_layout, menu, loading = spinner)]
async fn slow_layout_menu(Path(mode): Path<String>) -> Result<Html<&'static str>, Interrupt> {
    sleep_ms(20).await;
    if mode == "stop" {
        return Err(Interrupt::not_found());
    }
    Ok(Html("<a>MENU</a>"))
}

#[slot(slow_layout, body, loading = spinner)]
async fn slow_layout_body() -> &'static str {
    sleep_ms(40).await;
    "BODY"
}

/// slots that finish while the layout renders are inlined in every copy,
/// in one write with no script; one that interrupts then still decides the status.
#[tokio::test]
async fn slots_finishing_during_the_layout_render() {
    let (status, _, body) = send(slow_layout::router(), request("/slow-layout/ok")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "<html><body><nav class=m><a>MENU</a></nav><main>BODY</main><nav class=d><a>MENU</a></nav></body></html>"
    );
    let (status, _, body) = send(slow_layout::router(), request("/slow-layout/stop")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.contains("BODY") && !body.contains("MENU"), "{body}");
}
