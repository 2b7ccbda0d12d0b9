//! Security and streaming correctness (issue 8): guards hold on every endpoint a layout serves,
//! an interrupt after a streamed shell ends the page, stream ids cannot collide with the app's,
//! a slot printed twice is filled twice, a slot's `</body>` is not the layout's, a streaming
//! layout's error response is sent whole, `Server-Timing` is opt-in, redirects refuse control
//! characters, and a layout-wide deadline bounds every slot.
//!
//! What only a browser can show (swaps inside tables, app ids untouched in the DOM, both copies
//! of a repeated slot after the swap) is in `differential.rs`, in headless Chromium.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Router};
use parallel_routes::prelude::*;
use parallel_routes::{CspNonce, ServerTiming};
use parallel_routes_tests::{request, send};

fn admin_request(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("x-role", "admin")
        .body(Body::empty())
        .unwrap()
}

async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

// --- 1. Guards hold on every endpoint ---------------------------------------------------------

/// Counts every slot body that runs, so that a test can show none did.
static SLOT_RUNS: AtomicUsize = AtomicUsize::new(0);

/// An auth extractor: `x-role: admin`, else 401.
struct RequireAdmin;

impl<S: Send + Sync> FromRequestParts<S> for RequireAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        match parts.headers.get("x-role") {
            Some(role) if role == "admin" => Ok(RequireAdmin),
            _ => Err((StatusCode::UNAUTHORIZED, "login required").into_response()),
        }
    }
}

#[layout(slots(users))]
async fn admin(_: RequireAdmin, users: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<h1>Admin</h1>{users}{children}"))
}

#[slot(admin, users)]
async fn admin_users() -> &'static str {
    SLOT_RUNS.fetch_add(1, Ordering::SeqCst);
    "SECRET user list"
}

#[page(admin)]
async fn admin_page() -> &'static str {
    SLOT_RUNS.fetch_add(1, Ordering::SeqCst);
    "SECRET admin page"
}

// The guard on the root, a nested layout below it with its own `Path` and slots.
#[layout("/vault", slots(menu), routes("/items/{id}"))]
async fn vault(_: RequireAdmin, menu: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<nav>{menu}</nav><main>{children}</main>"))
}

#[slot(vault, menu, default)]
async fn vault_menu() -> &'static str {
    SLOT_RUNS.fetch_add(1, Ordering::SeqCst);
    "SECRET menu"
}

#[page(vault)]
async fn vault_page() -> &'static str {
    SLOT_RUNS.fetch_add(1, Ordering::SeqCst);
    "SECRET vault"
}

#[layout("/vault/items/{id}", slots(secrets), parent = vault)]
async fn item(Path(id): Path<u32>, secrets: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<h2>item {id}</h2>{secrets}{children}"))
}

#[slot(item, secrets)]
async fn item_secrets() -> &'static str {
    SLOT_RUNS.fetch_add(1, Ordering::SeqCst);
    "SECRET item"
}

#[page(item)]
async fn item_page() -> &'static str {
    SLOT_RUNS.fetch_add(1, Ordering::SeqCst);
    "SECRET item page"
}

fn guarded_app() -> Router {
    Router::new()
        .merge(admin::router())
        .merge(vault::router())
        .merge(item::router())
}

// One test for all the guard cases: they share the run counter.
#[tokio::test]
async fn every_endpoint_runs_the_guards_of_its_layout_and_its_parents_first() {
    let before = SLOT_RUNS.load(Ordering::SeqCst);
    for uri in [
        "/admin",
        "/admin/@users",
        "/admin/@children",
        "/vault",
        "/vault/@menu",
        "/vault/@children",
        "/vault/items/7",
        "/vault/items/7/@secrets",
        "/vault/items/7/@children",
        // The root's guard answers before the nested layout's `Path` is even parsed.
        "/vault/items/not-a-number",
        "/vault/items/not-a-number/@secrets",
    ] {
        let (status, _, body) = send(guarded_app(), request(uri)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}: {body}");
        assert_eq!(body, "login required", "{uri}");
    }
    assert_eq!(
        SLOT_RUNS.load(Ordering::SeqCst),
        before,
        "no slot ran for a rejected request"
    );

    // With the header, everything is served (the guards do not break the happy path).
    for (uri, secret) in [
        ("/admin", "SECRET admin page"),
        ("/admin/@users", "SECRET user list"),
        ("/vault/@menu", "SECRET menu"),
        ("/vault/items/7", "SECRET item page"),
        ("/vault/items/7/@secrets", "SECRET item"),
    ] {
        let (status, _, body) = send(guarded_app(), admin_request(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert!(body.contains(secret), "{uri}: {body}");
    }
    // An admin with a bad path gets the nested layout's own rejection.
    let (status, _, _) = send(
        guarded_app(),
        admin_request("/vault/items/not-a-number/@secrets"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[layout("/private", slots(notes), fragments = false)]
async fn private(notes: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<aside>{notes}</aside>{children}"))
}

#[slot(private, notes)]
async fn private_notes() -> &'static str {
    "notes"
}

#[page(private)]
async fn private_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn fragments_false_serves_the_page_and_no_slot_endpoint() {
    let (status, _, body) = send(private::router(), request("/private")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "<aside>notes</aside>page")
    );
    for uri in ["/private/@notes", "/private/@children"] {
        let (status, _, _) = send(private::router(), request(uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
}

// --- 2. An interrupt after the shell ends the page ---------------------------------------------

/// What became of one request's `secret` slot: given to it as a request extension, so that
/// no other request (`/report/ok`, a test running beside) can set it.
#[derive(Clone, Default)]
struct SecretProbe {
    /// The slot's future was dropped (before or after it finished).
    dropped: Arc<AtomicBool>,
    /// The slot ran to its end.
    finished: Arc<AtomicBool>,
}

impl SecretProbe {
    fn request(uri: &str) -> (Request<Body>, SecretProbe) {
        let probe = SecretProbe::default();
        let mut request = request(uri);
        request.extensions_mut().insert(probe.clone());
        (request, probe)
    }
}

#[layout("/report/{mode}", slots(check, secret))]
async fn report(check: Fragment, secret: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><h1>Report</h1><div>{check}</div><div>{secret}</div></body></html>"
    ))
}

fn checking() -> &'static str {
    "checking access"
}

fn loading_secret() -> &'static str {
    "loading the document"
}

#[slot(report, check, loading = checking)]
async fn report_check(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    sleep_ms(50).await;
    match mode.as_str() {
        "forbidden" => Err(Interrupt::forbidden()),
        "redirect" => Err(Interrupt::redirect("/login?next=/report\"<x>")),
        _ => Ok("access granted"),
    }
}

#[slot(report, secret, loading = loading_secret)]
async fn report_secret(probe: Option<Extension<SecretProbe>>) -> &'static str {
    struct Dropped(Option<Arc<AtomicBool>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            if let Some(flag) = &self.0 {
                flag.store(true, Ordering::SeqCst);
            }
        }
    }
    let probe = probe.map(|Extension(probe)| probe);
    let _dropped = Dropped(probe.as_ref().map(|probe| probe.dropped.clone()));
    sleep_ms(150).await;
    if let Some(probe) = &probe {
        probe.finished.store(true, Ordering::SeqCst);
    }
    "TOP SECRET document"
}

#[tokio::test]
async fn an_interrupt_after_the_shell_drops_every_pending_slot_and_ends_the_page() {
    let (forbidden, probe) = SecretProbe::request("/report/forbidden");
    let started = Instant::now();
    let (status, _, body) = send(report::router(), forbidden).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "the shell had gone out");
    assert!(!body.contains("TOP SECRET"), "{body}");
    assert!(
        !probe.finished.load(Ordering::SeqCst),
        "the sibling was dropped, not awaited"
    );
    assert!(
        probe.dropped.load(Ordering::SeqCst),
        "the sibling's future was dropped by the time the page ended, not left running"
    );
    // Well past the sibling's 150 ms: had it been detached rather than dropped, it would have
    // finished by now.
    sleep_ms(250).await;
    assert!(
        !probe.finished.load(Ordering::SeqCst),
        "the sibling kept running after the page ended"
    );
    // Both pending slots show their error fallback, swapped in place of their placeholder.
    for slot in ["check", "secret"] {
        assert!(
            body.contains(&format!("data-slot-error=\"{slot}\"")),
            "{slot}: {body}"
        );
    }
    assert!(body.ends_with("</body></html>"), "{body}");
    assert!(took < Duration::from_millis(140), "ended at once: {took:?}");

    // The sibling still works when the check passes.
    let (ok, probe) = SecretProbe::request("/report/ok");
    let (_, _, body) = send(report::router(), ok).await;
    assert!(body.contains("TOP SECRET document"), "{body}");
    assert!(probe.finished.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_redirect_after_the_shell_is_followed_by_the_browser_with_the_nonce() {
    let mut redirect = request("/report/redirect");
    redirect
        .extensions_mut()
        .insert(CspNonce("n0nce".to_owned()));
    let (status, _, body) = send(report::router(), redirect).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("TOP SECRET"), "{body}");
    // The Location is escaped for each place it goes: a JS string, and a refresh URL in an
    // attribute (where quotes are percent-encoded, as the URL parser would).
    assert!(
        body.contains(
            r#"<script nonce="n0nce">location.replace("/login?next=/report\"\u003cx\u003e")</script>"#
        ),
        "{body}"
    );
    assert!(
        body.contains(
            r#"<meta http-equiv="refresh" content="0;url=/login?next=/report%22&lt;x&gt;">"#
        ),
        "{body}"
    );
}

// --- 3. Stream ids are the response's own ------------------------------------------------------

#[layout("/ids", slots(list))]
async fn ids(list: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><ul><li id=\"pr-1\">app</li><li id=\"prc-1\">app</li><li id=\"pr-0\">app</li></ul>{list}</body></html>"
    ))
}

fn loading_list() -> Html<&'static str> {
    Html("<p>loading</p>")
}

#[slot(ids, list, loading = loading_list)]
async fn ids_list() -> Html<&'static str> {
    sleep_ms(30).await;
    Html("<p>list</p>")
}

/// Every `id="…"` in `body` that is not one of the app's.
fn stream_ids(body: &str) -> Vec<String> {
    body.split("id=")
        .skip(1)
        .map(|rest| {
            rest.trim_start_matches('"')
                .split(['"', '>', ' '])
                .next()
                .unwrap()
                .to_owned()
        })
        .filter(|id| !["pr-1", "prc-1", "pr-0"].contains(&id.as_str()))
        .collect()
}

/// The response's stream id (`R` in `pr-R-0` and `prc-R-0`), as the integer it is written from.
fn stream_id(body: &str) -> u64 {
    let ids = stream_ids(body);
    assert_eq!(ids.len(), 2, "a placeholder and a content: {body}");
    let hex = ids[0]
        .strip_prefix("pr-")
        .unwrap()
        .strip_suffix("-0")
        .unwrap();
    assert_eq!(ids[1], format!("prc-{hex}-0"), "{body}");
    assert_eq!(hex.len(), 16, "16 hex digits: {hex}");
    u64::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("not hex: {hex}"))
}

#[tokio::test]
async fn stream_ids_cannot_collide_with_the_apps_and_differ_per_response() {
    let (_, _, first) = send(ids::router(), request("/ids")).await;
    assert!(
        first.matches("id=\"pr-1\"").count() == 1 && first.contains("<p>list</p>"),
        "{first}"
    );
    let mut ids = vec![stream_id(&first)];
    for _ in 1..16 {
        let (_, _, body) = send(ids::router(), request("/ids")).await;
        ids.push(stream_id(&body));
    }
    // Drawn at random for each response, not counted: no two are equal, near each other (a
    // counter gives consecutive ids, or close ones when other responses are served between),
    // or alike in most of their bits. Two random 64-bit ids differ in 32 bits on average; in
    // fewer than 12 with a probability of 5e-8 (6e-6 for the 120 pairs here). A counter's ids
    // below 2^k differ in at most k bits.
    for (i, &a) in ids.iter().enumerate() {
        for &b in &ids[i + 1..] {
            assert_ne!(a, b, "ids differ per response: {ids:016x?}");
            let distance = a.wrapping_sub(b).min(b.wrapping_sub(a));
            assert!(
                distance > 1 << 32,
                "{a:016x} and {b:016x} are {distance} apart: counted, not random: {ids:016x?}"
            );
            let differing = (a ^ b).count_ones();
            assert!(
                differing >= 12,
                "{a:016x} and {b:016x} differ in {differing} bits only: {ids:016x?}"
            );
        }
    }
}

// --- 5. A slot printed twice is filled twice -----------------------------------------------------

#[layout("/twice/{delay}", slots(nav, body))]
async fn twice(nav: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><nav class=\"mobile\">{nav}</nav><main>{body}</main><nav class=\"desktop\">{nav}</nav></body></html>"
    ))
}

fn loading_nav() -> Html<&'static str> {
    Html("<a>…</a>")
}

#[slot(twice, nav, loading = loading_nav)]
async fn twice_nav(Path(delay): Path<u64>) -> Html<&'static str> {
    sleep_ms(delay).await;
    Html("<a href=\"/\">Home</a>")
}

fn loading_body() -> &'static str {
    "loading body"
}

#[slot(twice, body, loading = loading_body)]
async fn twice_body() -> &'static str {
    sleep_ms(40).await;
    "body"
}

#[layout("/twice-in-order/{delay}", slots(nav, body), stream = in_order)]
async fn twice_in_order(nav: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><nav class=\"mobile\">{nav}</nav><main>{body}</main><nav class=\"desktop\">{nav}</nav></body></html>"
    ))
}

#[slot(twice_in_order, nav, loading = loading_nav)]
async fn twice_in_order_nav(Path(delay): Path<u64>) -> Html<&'static str> {
    sleep_ms(delay).await;
    Html("<a href=\"/\">Home</a>")
}

#[slot(twice_in_order, body, loading = loading_body)]
async fn twice_in_order_body() -> &'static str {
    sleep_ms(40).await;
    "body"
}

#[tokio::test]
async fn a_slot_printed_twice_is_filled_twice_in_both_modes_whatever_its_timing() {
    let full = "<html><body><nav class=\"mobile\"><a href=\"/\">Home</a></nav><main>body</main><nav class=\"desktop\"><a href=\"/\">Home</a></nav></body></html>";
    // In order: the body is the buffered page, byte for byte.
    for delay in [0, 10, 80] {
        let (_, _, body) = send(
            twice_in_order::router(),
            request(&format!("/twice-in-order/{delay}")),
        )
        .await;
        assert_eq!(body, full, "in order, nav after {delay} ms");
    }
    // Out of order, ready before the shell: both copies inlined.
    let (_, _, body) = send(twice::router(), request("/twice/0")).await;
    let shell_end = body.find("<script").expect("body still streams");
    assert_eq!(
        body[..shell_end].matches("<a href=\"/\">Home</a>").count(),
        2,
        "{body}"
    );
    // Out of order, after the shell: one content template, and a swap that fills every copy
    // (checked in Chromium by `differential.rs`); the two placeholders share the id.
    let (_, _, body) = send(twice::router(), request("/twice/80")).await;
    assert_eq!(body.matches("<a>…</a>").count(), 2, "{body}");
    let at = body.find("<template id=pr-").expect("a placeholder") + "<template id=pr-".len();
    let id = &body[at..at + 16];
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{body}");
    // `nav` is slot 0: two placeholders with the response's id, each with its end marker
    // around the loading content; one content template and one swap for both.
    let placeholder = format!("<template id=pr-{id}-0></template><a>…</a><!--/pr-{id}-0-->");
    assert_eq!(body.matches(&placeholder).count(), 2, "{body}");
    assert_eq!(
        body.matches(&format!("<template id=pr-{id}-0>")).count(),
        2,
        "{body}"
    );
    assert_eq!(
        body.matches("<template id=pr-").count(),
        3,
        "nav's two placeholders and body's one, all with the one id: {body}"
    );
    assert_eq!(
        body.matches(&format!("<template id=prc-{id}-0>")).count(),
        1,
        "{body}"
    );
    assert_eq!(
        body.matches(&format!(
            "<template id=prc-{id}-0><a href=\"/\">Home</a></template>"
        ))
        .count(),
        1,
        "{body}"
    );
    assert_eq!(
        body.matches(&format!("$PR(\"{id}\",0)")).count(),
        1,
        "one swap fills both copies: {body}"
    );
    assert_eq!(body.matches("<template id=prc-").count(), 2, "{body}");
}

// --- 6. A slot's `</body>` is not the layout's ----------------------------------------------------

#[layout("/json-data", slots(data, late))]
async fn json_data(data: Fragment, late: Fragment) -> Html<String> {
    // No `</body>` of its own: the document ends after the slots.
    Html(format!("<main>{data}<div>{late}</div></main>"))
}

#[slot(json_data, data)]
async fn json_data_data() -> Html<&'static str> {
    Html(r#"<script type="application/json" id="state">{"html":"</body>"}</script>"#)
}

#[slot(json_data, late, loading = loading_nav)]
async fn json_data_late() -> &'static str {
    sleep_ms(30).await;
    "late"
}

#[tokio::test]
async fn the_swap_script_never_goes_inside_a_slots_content() {
    let (_, _, body) = send(json_data::router(), request("/json-data")).await;
    assert!(
        body.contains(r#"<script type="application/json" id="state">{"html":"</body>"}</script>"#),
        "the JSON is untouched: {body}"
    );
    let script = body.find("function $PR").expect("the swap function");
    assert!(
        script > body.find("</main>").unwrap(),
        "after the layout's markup: {body}"
    );
}

// --- 7. A streaming layout's error response is sent whole ------------------------------------------

#[layout("/maybe/{what}", slots(late))]
async fn maybe(Path(what): Path<String>, late: Fragment) -> Response {
    match what.as_str() {
        "missing" => (
            StatusCode::NOT_FOUND,
            Html(format!("<html><body><h1>Not here</h1>{late}</body></html>")),
        )
            .into_response(),
        "text" => format!("plain text with {late}").into_response(),
        _ => Html(format!("<html><body>{late}</body></html>")).into_response(),
    }
}

#[slot(maybe, late, loading = loading_nav)]
async fn maybe_late() -> Html<&'static str> {
    sleep_ms(30).await;
    Html("<p>late content</p>")
}

#[tokio::test]
async fn a_streaming_layout_answering_an_error_or_not_html_sends_it_whole() {
    for (uri, status) in [
        ("/maybe/missing", StatusCode::NOT_FOUND),
        ("/maybe/text", StatusCode::OK),
    ] {
        let (got, headers, body) = send(maybe::router(), request(uri)).await;
        assert_eq!(got, status, "{uri}");
        assert!(body.contains("<p>late content</p>"), "{uri}: {body}");
        for marker in ["<template", "<!--", "<script", "pr-", "…"] {
            assert!(!body.contains(marker), "{uri}: {marker:?} in {body}");
        }
        assert!(headers.get("x-accel-buffering").is_none(), "{uri}");
    }
}

// --- 8. Server-Timing is opt-in -----------------------------------------------------------------

#[tokio::test]
async fn server_timing_is_sent_only_to_requests_that_carry_the_extension() {
    let (_, headers, _) = send(admin::router(), admin_request("/admin")).await;
    assert!(headers.get("server-timing").is_none(), "{headers:?}");
    let (_, headers, _) = send(admin::router(), admin_request("/admin/@users")).await;
    assert!(headers.get("server-timing").is_none(), "{headers:?}");

    let app = admin::router().layer(axum::Extension(ServerTiming));
    let (_, headers, _) = send(app.clone(), admin_request("/admin")).await;
    let timing = headers["server-timing"].to_str().unwrap();
    assert!(
        timing.starts_with("users;dur=") && timing.contains(", children;dur="),
        "{timing}"
    );
    let (_, headers, _) = send(app, admin_request("/admin/@users")).await;
    assert!(
        headers["server-timing"]
            .to_str()
            .unwrap()
            .starts_with("users;dur="),
        "{headers:?}"
    );
}

// --- 9. Redirects refuse control characters ----------------------------------------------------

#[tokio::test]
async fn a_redirect_with_control_characters_is_a_500_not_a_location() {
    // Spaces around the URI are no control characters, but a browser strips them as it
    // strips TAB, CR and LF: refused the same way.
    for uri in [
        "/\t/evil.example",
        "/\u{7f}x",
        "/next\r\n",
        "/\u{85}x",
        "/next ",
        " /next",
    ] {
        let response = Interrupt::redirect(uri).into_response();
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{uri:?}"
        );
        assert!(response.headers().get("location").is_none(), "{uri:?}");
    }
    let response = Interrupt::redirect("/café?q=a b").into_response();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

// --- 10. A layout-wide deadline ---------------------------------------------------------------------

#[layout(
    "/bounded/{mode}",
    slots(stuck, own),
    timeout_ms = 60,
    routes("/nested")
)]
async fn bounded(stuck: Fragment, own: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body>{stuck}|{own}|{children}</body></html>"
    ))
}

#[slot(bounded, stuck, default, loading = loading_nav)]
async fn bounded_stuck() -> &'static str {
    sleep_ms(10_000).await;
    "never"
}

/// Its own limit wins over the layout's.
#[slot(bounded, own, default, timeout_ms = 5_000)]
async fn bounded_own(Path(mode): Path<String>) -> &'static str {
    if mode == "slow-own" {
        sleep_ms(150).await;
    }
    "own done"
}

#[page(bounded)]
async fn bounded_page() -> &'static str {
    sleep_ms(10_000).await;
    "never"
}

#[layout("/bounded/{mode}/nested", slots(inner), parent = bounded)]
async fn bounded_nested(inner: Fragment) -> Html<String> {
    Html(format!("<section>{inner}</section>"))
}

#[slot(bounded_nested, inner)]
async fn bounded_inner() -> &'static str {
    sleep_ms(10_000).await;
    "never"
}

#[tokio::test]
async fn a_layout_deadline_bounds_every_slot_without_its_own_and_its_nested_pages() {
    let started = Instant::now();
    let (status, _, body) = send(bounded::router(), request("/bounded/slow-own")).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("own done"), "its own 5 s limit: {body}");
    assert_eq!(
        body.matches("data-slot-error").count(),
        2,
        "stuck and the page timed out: {body}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");

    let started = Instant::now();
    let (_, _, body) = send(bounded_nested::router(), request("/bounded/fast/nested")).await;
    assert!(
        body.contains("data-slot-error=\"inner\""),
        "the nested slot has the root's deadline: {body}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
