//! Adversarial tests of the poll-based slot boundary (`Boundary`), the layout's response
//! (`Respond`) and the generated page: panics on a later poll, timeouts (a slot's own and the
//! layout's), `Server-Timing` with every outcome, per-request `tracing` subscribers, layout
//! panics (buffered and streamed), panicking error fallbacks, many slots, and dropped futures.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Html;
use http_body_util::BodyExt;
use parallel_routes::prelude::*;
use parallel_routes::{SlotError, SlotErrorKind};
use parallel_routes_tests::{
    DropGuard, dur, get, logged, names, request, send, timed, timing_entries,
};
use tower::ServiceExt;

#[derive(Debug)]
struct DbError;

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("db down: password=hunter2")
    }
}

fn builtin(slot: &str) -> String {
    format!(r#"<div role="alert" data-slot-error="{slot}">This section could not be loaded.</div>"#)
}

/// What a timed-out slot's custom fallback says.
fn describe(error: &SlotError) -> String {
    match &error.kind {
        SlotErrorKind::TimedOut(limit) => {
            format!("{} timed out after {}ms", error.slot, limit.as_millis())
        }
        SlotErrorKind::Failed(_) => format!("{} failed", error.slot),
        SlotErrorKind::Panicked(_) => format!("{} panicked", error.slot),
        _ => format!("{} other", error.slot),
    }
}

fn described(error: &SlotError) -> Html<String> {
    Html(format!("<p>{}</p>", describe(error)))
}

// --- A slot that panics on its second poll ----------------------------------------------------

#[layout("/b/second-poll", slots(twice, fine))]
async fn second_poll(twice: Fragment, fine: Fragment) -> Html<String> {
    Html(format!("[{twice}][{fine}]"))
}

#[slot(second_poll, twice)]
async fn second_poll_twice() -> &'static str {
    tokio::task::yield_now().await;
    panic!("second poll secret")
}

#[slot(second_poll, fine)]
async fn second_poll_fine() -> &'static str {
    tokio::task::yield_now().await;
    "fine"
}

#[tokio::test]
async fn a_slot_that_panics_on_its_second_poll_renders_its_fallback_on_every_path() {
    let expected = format!("[{}][fine]", builtin("twice"));
    // The fast path (no span, no timer, no clock).
    let reply = get(second_poll::router(), "/b/second-poll").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, expected.as_str())
    );
    // The boxed path (the clock for Server-Timing).
    let reply = get(timed(second_poll::router()), "/b/second-poll").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, expected.as_str())
    );
    assert_eq!(names(&timing_entries(&reply.headers)), ["twice", "fine"]);
    // The @slot endpoint.
    let reply = get(second_poll::router(), "/b/second-poll/@twice").await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, builtin("twice"))
    );
}

#[test]
fn a_slot_that_panics_on_its_second_poll_inside_its_span() {
    let (reply, log) = logged(
        tracing::Level::INFO,
        true,
        get(second_poll::router(), "/b/second-poll"),
    );
    assert_eq!(reply.body, format!("[{}][fine]", builtin("twice")));
    assert!(
        log.lines().any(|line| line.contains("slot=\"twice\"")
            && line.contains("outcome=\"panicked\"")
            && line.contains(": close time.busy=")),
        "{log}"
    );
    assert!(!reply.body.contains("secret"));
}

// --- Timeouts: the slot's own, the layout's, with every other outcome beside them ----------------

#[layout(
    "/b/timeouts",
    slots(own, inherited, quick, failing, panicking, late_panic),
    timeout_ms = 80
)]
async fn timeouts(
    own: Fragment,
    inherited: Fragment,
    quick: Fragment,
    failing: Fragment,
    panicking: Fragment,
    late_panic: Fragment,
    children: Fragment,
) -> Html<String> {
    Html(format!(
        "{own}|{inherited}|{quick}|{failing}|{panicking}|{late_panic}|{children}"
    ))
}

#[slot(timeouts, own, timeout_ms = 30, error = described)]
async fn timeouts_own() -> &'static str {
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never"
}

#[slot(timeouts, inherited, error = described)]
async fn timeouts_inherited() -> &'static str {
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never"
}

#[slot(timeouts, quick)]
async fn timeouts_quick() -> &'static str {
    tokio::time::sleep(Duration::from_millis(40)).await;
    "quick"
}

#[slot(timeouts, failing, error = described)]
async fn timeouts_failing() -> Result<&'static str, DbError> {
    tokio::task::yield_now().await;
    Err(DbError)
}

#[slot(timeouts, panicking)]
async fn timeouts_panicking() -> &'static str {
    panic!("first poll secret")
}

#[slot(timeouts, late_panic, error = described)]
async fn timeouts_late_panic() -> &'static str {
    tokio::time::sleep(Duration::from_millis(5)).await;
    panic!("late secret")
}

#[page(timeouts)]
async fn timeouts_page() -> &'static str {
    "page"
}

const TIMEOUTS_BODY: &str = "<p>own timed out after 30ms</p>|<p>inherited timed out after 80ms</p>|quick|<p>failing failed</p>|PANICKING|<p>late_panic panicked</p>|page";

fn timeouts_body() -> String {
    TIMEOUTS_BODY.replace("PANICKING", &builtin("panicking"))
}

#[tokio::test]
async fn pending_slots_time_out_at_their_own_or_the_layouts_deadline() {
    let started = Instant::now();
    let reply = get(timeouts::router(), "/b/timeouts").await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, timeouts_body())
    );
    assert!(reply.headers.get("server-timing").is_none());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(80) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn server_timing_names_every_slot_whatever_its_outcome() {
    let reply = get(timed(timeouts::router()), "/b/timeouts").await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (StatusCode::OK, timeouts_body())
    );
    let entries = timing_entries(&reply.headers);
    assert_eq!(
        names(&entries),
        [
            "own",
            "inherited",
            "quick",
            "failing",
            "panicking",
            "late_panic",
            "children"
        ]
    );
    assert!(
        (29.0..2000.0).contains(&dur(&entries, "own")),
        "{entries:?}"
    );
    assert!(
        (79.0..2000.0).contains(&dur(&entries, "inherited")),
        "{entries:?}"
    );
    assert!(
        (39.0..2000.0).contains(&dur(&entries, "quick")),
        "{entries:?}"
    );
    assert!(
        dur(&entries, "own") < dur(&entries, "inherited"),
        "{entries:?}"
    );
    assert!(
        dur(&entries, "panicking") < dur(&entries, "quick"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn the_slot_endpoint_of_a_slot_that_times_out() {
    for (uri, slot, limit) in [
        ("/b/timeouts/@own", "own", 30.0),
        ("/b/timeouts/@inherited", "inherited", 80.0),
    ] {
        let started = Instant::now();
        let reply = get(timed(timeouts::router()), uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.content_type(), "text/html; charset=utf-8", "{uri}");
        assert_eq!(
            reply.body,
            format!("<p>{slot} timed out after {limit}ms</p>"),
            "{uri}"
        );
        let entries = timing_entries(&reply.headers);
        assert_eq!(names(&entries), [slot], "{uri}");
        assert!(
            (limit - 1.0..2000.0).contains(&dur(&entries, slot)),
            "{uri}: {entries:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));

        let reply = get(timeouts::router(), uri).await;
        assert!(reply.headers.get("server-timing").is_none(), "{uri}");
    }
}

// --- A subscriber for some requests only --------------------------------------------------------

fn span_field(log: &str, slot: &str, field: &str) -> Option<String> {
    let line = log.lines().find(|line| {
        line.contains("slot{layout=\"timeouts\"")
            && line.contains(&format!("slot=\"{slot}\""))
            && line.contains(": close time.busy=")
    })?;
    let at = line.find(&format!("{field}="))? + field.len() + 1;
    let rest = &line[at..];
    let end = rest.find([' ', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim_matches('"').to_owned())
}

#[test]
fn spans_follow_a_subscriber_set_for_some_requests_only() {
    for round in 0..3 {
        let (reply, log) = logged(
            tracing::Level::INFO,
            true,
            get(timeouts::router(), "/b/timeouts"),
        );
        assert_eq!(reply.body, timeouts_body(), "round {round}");
        for (slot, outcome, at_least) in [
            ("own", "timed_out", 29.0),
            ("inherited", "timed_out", 79.0),
            ("quick", "rendered", 39.0),
            ("failing", "failed", 0.0),
            ("panicking", "panicked", 0.0),
            ("late_panic", "panicked", 4.0),
            ("children", "rendered", 0.0),
        ] {
            assert_eq!(
                span_field(&log, slot, "outcome").as_deref(),
                Some(outcome),
                "round {round}, {slot}:\n{log}"
            );
            let elapsed: f64 = span_field(&log, slot, "elapsed_ms")
                .unwrap_or_else(|| panic!("round {round}, {slot}: no elapsed_ms\n{log}"))
                .parse()
                .unwrap();
            assert!(
                (at_least..3000.0).contains(&elapsed),
                "round {round}, {slot}: {elapsed}\n{log}"
            );
        }
        assert_eq!(
            log.matches(": close time.busy=").count(),
            7,
            "one span per slot, round {round}:\n{log}"
        );
        assert!(!log.contains("hunter2") || log.contains("ERROR"), "{log}");

        // Then a request with no subscriber, on its own runtime: nothing breaks.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let reply = runtime.block_on(get(timeouts::router(), "/b/timeouts"));
        assert_eq!(reply.body, timeouts_body(), "round {round}");
    }
}

#[test]
fn an_error_level_subscriber_gets_the_errors_and_no_span() {
    let (reply, log) = logged(
        tracing::Level::ERROR,
        true,
        get(timeouts::router(), "/b/timeouts"),
    );
    assert_eq!(reply.body, timeouts_body());
    assert!(!log.contains(": close time.busy="), "{log}");
    for slot in ["own", "inherited", "failing", "panicking", "late_panic"] {
        assert!(
            log.lines()
                .any(|line| line.contains(" ERROR") && line.contains(&format!("slot=\"{slot}\""))),
            "{slot}:\n{log}"
        );
    }
}

// --- Layout panics -----------------------------------------------------------------------------

#[layout("/b/layout-panic/{when}", slots(one))]
async fn layout_panic(one: Fragment, Path(when): Path<String>) -> Html<String> {
    if when == "before" {
        panic!("layout secret before");
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    if when == "after" {
        panic!("layout secret after");
    }
    Html(format!("ok {one}"))
}

#[slot(layout_panic, one)]
async fn layout_panic_one() -> &'static str {
    tokio::task::yield_now().await;
    "one"
}

async fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn a_layout_that_panics_after_an_await_answers_500_and_the_server_keeps_serving() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, layout_panic::router()).await.unwrap();
    });
    for _ in 0..2 {
        for when in ["after", "before"] {
            let reply = raw_get(addr, &format!("/b/layout-panic/{when}")).await;
            assert!(reply.starts_with("HTTP/1.1 500"), "{when}: {reply}");
            assert!(reply.ends_with("Internal Server Error"), "{when}: {reply}");
            assert!(!reply.contains("secret"), "{reply}");
        }
        let reply = raw_get(addr, "/b/layout-panic/never").await;
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.ends_with("ok one"), "{reply}");
    }
    // With Server-Timing asked for, a panic still answers 500 (with or without the header).
    let reply = get(timed(layout_panic::router()), "/b/layout-panic/after").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    server.abort();
}

static STREAM_PANIC_DROPS: AtomicUsize = AtomicUsize::new(0);

#[layout("/b/stream-panic/{when}", slots(ready, slow))]
async fn stream_panic(ready: Fragment, slow: Fragment, Path(when): Path<String>) -> Html<String> {
    if when == "before" {
        panic!("streamed layout secret");
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    if when == "after" {
        panic!("streamed layout secret after");
    }
    Html(format!("<html><body>{ready}{slow}</body></html>"))
}

#[slot(stream_panic, ready)]
async fn stream_panic_ready() -> &'static str {
    "ready"
}

fn spinner() -> &'static str {
    "spinner"
}

#[slot(stream_panic, slow, loading = spinner)]
async fn stream_panic_slow() -> &'static str {
    let _guard = DropGuard(&STREAM_PANIC_DROPS);
    tokio::time::sleep(Duration::from_secs(10)).await;
    "slow"
}

#[tokio::test]
async fn a_layout_that_panics_on_a_streamed_page_answers_500_and_drops_its_slots() {
    for (round, when) in ["before", "after"].into_iter().enumerate() {
        let started = Instant::now();
        let reply = get(stream_panic::router(), &format!("/b/stream-panic/{when}")).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{when}");
        assert_eq!(reply.body, "Internal Server Error", "{when}");
        assert!(reply.headers.get("x-accel-buffering").is_none(), "{when}");
        assert!(started.elapsed() < Duration::from_secs(3), "{when}");
        assert_eq!(
            STREAM_PANIC_DROPS.load(Ordering::SeqCst),
            round + 1,
            "{when}: the pending slot was dropped"
        );
    }
}

// --- A panicking error fallback ------------------------------------------------------------------

#[layout("/b/bad-fallback", slots(failing, late))]
async fn bad_fallback(failing: Fragment, late: Fragment) -> Html<String> {
    Html(format!("<html><body>[{failing}][{late}]</body></html>"))
}

fn panicking_fallback(error: &SlotError) -> Html<String> {
    panic!("fallback secret for {}", error.slot)
}

#[slot(bad_fallback, failing, error = panicking_fallback)]
async fn bad_fallback_failing() -> Result<&'static str, DbError> {
    tokio::task::yield_now().await;
    Err(DbError)
}

#[slot(bad_fallback, late, loading = spinner, error = panicking_fallback, timeout_ms = 30)]
async fn bad_fallback_late() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never"
}

#[tokio::test]
async fn a_panicking_error_fallback_renders_the_builtin_one() {
    let reply = get(bad_fallback::router(), "/b/bad-fallback").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .body
            .starts_with(&format!("<html><body>[{}][", builtin("failing"))),
        "{}",
        reply.body
    );
    // The streamed slot's content, when it times out, is the built-in fallback too.
    assert!(reply.body.contains(&builtin("late")), "{}", reply.body);
    assert!(!reply.body.contains("secret"), "{}", reply.body);

    for slot in ["failing", "late"] {
        let reply = get(bad_fallback::router(), &format!("/b/bad-fallback/@{slot}")).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, builtin(slot)));
    }
}

// --- Dropping the response future mid-way ---------------------------------------------------------

static HANG_DROPS: AtomicUsize = AtomicUsize::new(0);
static HANG_LAYOUT_DROPS: AtomicUsize = AtomicUsize::new(0);

#[layout("/b/hang/{what}", slots(left, right))]
async fn hang(left: Fragment, right: Fragment, Path(what): Path<String>) -> Html<String> {
    let _guard = DropGuard(&HANG_LAYOUT_DROPS);
    if what == "layout" {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    Html(format!("{left}{right}"))
}

#[slot(hang, left)]
async fn hang_left(Path(what): Path<String>) -> &'static str {
    let _guard = DropGuard(&HANG_DROPS);
    if what == "slots" {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    "left"
}

#[slot(hang, right, timeout_ms = 5000)]
async fn hang_right(Path(what): Path<String>) -> &'static str {
    let _guard = DropGuard(&HANG_DROPS);
    if what == "slots" {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    "right"
}

/// Both phases in one test, so the counters are not shared between concurrent tests.
#[tokio::test]
async fn dropping_the_response_future_mid_way_drops_the_slots_and_the_layout() {
    // While the slots run (one on the fast path, one with a timer), with Server-Timing.
    let future = timed(hang::router()).oneshot(request("/b/hang/slots"));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), future)
            .await
            .is_err()
    );
    assert_eq!(HANG_DROPS.load(Ordering::SeqCst), 2);
    assert_eq!(HANG_LAYOUT_DROPS.load(Ordering::SeqCst), 0);

    // While the layout runs (inside `Respond`).
    let future = hang::router().oneshot(request("/b/hang/layout"));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), future)
            .await
            .is_err()
    );
    assert_eq!(HANG_DROPS.load(Ordering::SeqCst), 4);
    assert_eq!(HANG_LAYOUT_DROPS.load(Ordering::SeqCst), 1);

    // And the router still answers.
    let reply = get(hang::router(), "/b/hang/none").await;
    assert_eq!(reply.body, "leftright");
}

static STREAM_DROPS: AtomicUsize = AtomicUsize::new(0);

#[layout("/b/stream-drop", slots(now, later), timeout_ms = 5000)]
async fn stream_drop(now: Fragment, later: Fragment) -> Html<String> {
    Html(format!("<html><body>{now}{later}</body></html>"))
}

#[slot(stream_drop, now)]
async fn stream_drop_now() -> &'static str {
    "now"
}

#[slot(stream_drop, later, loading = spinner)]
async fn stream_drop_later() -> &'static str {
    let _guard = DropGuard(&STREAM_DROPS);
    tokio::time::sleep(Duration::from_secs(10)).await;
    "later"
}

#[tokio::test]
async fn dropping_a_streamed_body_after_the_shell_drops_the_pending_slot() {
    let response = timed(stream_drop::router())
        .oneshot(request("/b/stream-drop"))
        .await
        .unwrap();
    assert!(response.headers().get("server-timing").is_none());
    let mut body = response.into_body();
    let shell = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&shell).contains("spinner"));
    assert_eq!(STREAM_DROPS.load(Ordering::SeqCst), 0);
    drop(body);
    assert_eq!(STREAM_DROPS.load(Ordering::SeqCst), 1);
}

// --- Server-Timing on streamed and nested pages ----------------------------------------------------

#[layout("/b/streamed/{ms}", slots(head, body), timeout_ms = 60)]
async fn streamed(head: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body>{head}<main>{body}</main></body></html>"
    ))
}

#[slot(streamed, head)]
async fn streamed_head() -> &'static str {
    "head"
}

#[slot(streamed, body, loading = spinner)]
async fn streamed_body(Path(ms): Path<u64>) -> &'static str {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    "content"
}

#[tokio::test]
async fn streamed_pages_never_carry_server_timing() {
    // Content after the shell; a timeout after the shell; ready at the shell (one write).
    for (ms, content) in [
        (20, "content"),
        (5000, "This section could not"),
        (0, "content"),
    ] {
        let (status, headers, body) = send(
            timed(streamed::router()),
            request(&format!("/b/streamed/{ms}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{ms}");
        assert!(headers.get("server-timing").is_none(), "{ms}: {headers:?}");
        assert!(body.contains(content), "{ms}: {body}");
    }
    // Its @slot endpoints are buffered, and do carry it.
    let reply = get(timed(streamed::router()), "/b/streamed/20/@body").await;
    assert_eq!(names(&timing_entries(&reply.headers)), ["body"]);
}

#[layout("/b/nest", slots(rnav), routes("/child"))]
async fn nest_root(rnav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<nav>{rnav}</nav><main>{children}</main>"))
}

#[slot(nest_root, rnav, default)]
async fn nest_root_nav() -> &'static str {
    "rnav"
}

#[page(nest_root)]
async fn nest_root_page() -> &'static str {
    "root page"
}

#[layout("/b/nest/child", slots(cslot, cfail), parent = nest_root)]
async fn nest_child(cslot: Fragment, cfail: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{cslot}|{cfail}|{children}"))
}

#[slot(nest_child, cslot, timeout_ms = 40)]
async fn nest_child_slot() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never"
}

#[slot(nest_child, cfail)]
async fn nest_child_fail() -> &'static str {
    tokio::task::yield_now().await;
    panic!("nested secret")
}

#[page(nest_child)]
async fn nest_child_page() -> &'static str {
    "child page"
}

fn nest_app() -> Router {
    nest_root::router().merge(nest_child::router())
}

#[tokio::test]
async fn server_timing_on_a_nested_page_names_the_roots_slots_and_children() {
    let reply = get(timed(nest_app()), "/b/nest/child").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        format!(
            "<nav>rnav</nav><main>{}|{}|child page</main>",
            builtin("cslot"),
            builtin("cfail")
        )
    );
    let entries = timing_entries(&reply.headers);
    assert_eq!(names(&entries)[..2], ["rnav", "children"], "{entries:?}");
    // `children` waited for the nested slot's 40 ms timeout.
    assert!(
        (39.0..2000.0).contains(&dur(&entries, "children")),
        "{entries:?}"
    );

    let reply = get(nest_app(), "/b/nest/child").await;
    assert!(reply.headers.get("server-timing").is_none());
}

#[tokio::test]
#[ignore = "not built yet (README Status): a nested layout's slots appear in Server-Timing as one `children` entry"]
async fn server_timing_on_a_nested_page_names_every_levels_slots() {
    let reply = get(timed(nest_app()), "/b/nest/child").await;
    let entries = timing_entries(&reply.headers);
    for slot in ["rnav", "children", "cslot", "cfail"] {
        assert!(
            entries.iter().any(|(name, _)| name == slot),
            "{slot}: {entries:?}"
        );
    }
}

// --- Many slots, mixed outcomes ------------------------------------------------------------------

#[tokio::test]
async fn forty_slots_with_mixed_outcomes() {
    for app in [many::router(), timed(many::router())] {
        let started = Instant::now();
        let reply = get(app, "/b/many").await;
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(reply.status, StatusCode::OK);
        let parts: Vec<&str> = reply.body.split('|').collect();
        assert_eq!(parts.len(), 40, "{}", reply.body);
        for (i, part) in parts.iter().enumerate() {
            let expected = match i % 5 {
                0 => format!("ok{i}"),
                1 => format!("late{i}"),
                _ => builtin(&format!("m{i}")),
            };
            assert_eq!(*part, expected, "slot {i}");
        }
        if reply.headers.get("server-timing").is_some() {
            let entries = timing_entries(&reply.headers);
            let expected: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
            assert_eq!(names(&entries), expected);
            for i in (4..40).step_by(5) {
                assert!(dur(&entries, &format!("m{i}")) >= 39.0, "{entries:?}");
            }
        }
    }
    let reply = get(timed(many::router()), "/b/many").await;
    assert!(reply.headers.get("server-timing").is_some());
    let reply = get(timed(many::router()), "/b/many/@m4").await;
    assert_eq!(reply.body, builtin("m4"));
    assert_eq!(names(&timing_entries(&reply.headers)), ["m4"]);
}

// Generated: 40 slots, by index modulo 5: ready, pending then ready, `Err`, pending then panic,
// past the layout's 40 ms.
#[layout(
    "/b/many",
    slots(
        m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15, m16, m17, m18, m19,
        m20, m21, m22, m23, m24, m25, m26, m27, m28, m29, m30, m31, m32, m33, m34, m35, m36, m37,
        m38, m39
    ),
    timeout_ms = 40
)]
#[allow(clippy::too_many_arguments)]
async fn many(
    m0: Fragment,
    m1: Fragment,
    m2: Fragment,
    m3: Fragment,
    m4: Fragment,
    m5: Fragment,
    m6: Fragment,
    m7: Fragment,
    m8: Fragment,
    m9: Fragment,
    m10: Fragment,
    m11: Fragment,
    m12: Fragment,
    m13: Fragment,
    m14: Fragment,
    m15: Fragment,
    m16: Fragment,
    m17: Fragment,
    m18: Fragment,
    m19: Fragment,
    m20: Fragment,
    m21: Fragment,
    m22: Fragment,
    m23: Fragment,
    m24: Fragment,
    m25: Fragment,
    m26: Fragment,
    m27: Fragment,
    m28: Fragment,
    m29: Fragment,
    m30: Fragment,
    m31: Fragment,
    m32: Fragment,
    m33: Fragment,
    m34: Fragment,
    m35: Fragment,
    m36: Fragment,
    m37: Fragment,
    m38: Fragment,
    m39: Fragment,
) -> Html<String> {
    let parts: Vec<String> = vec![
        m0.to_string(),
        m1.to_string(),
        m2.to_string(),
        m3.to_string(),
        m4.to_string(),
        m5.to_string(),
        m6.to_string(),
        m7.to_string(),
        m8.to_string(),
        m9.to_string(),
        m10.to_string(),
        m11.to_string(),
        m12.to_string(),
        m13.to_string(),
        m14.to_string(),
        m15.to_string(),
        m16.to_string(),
        m17.to_string(),
        m18.to_string(),
        m19.to_string(),
        m20.to_string(),
        m21.to_string(),
        m22.to_string(),
        m23.to_string(),
        m24.to_string(),
        m25.to_string(),
        m26.to_string(),
        m27.to_string(),
        m28.to_string(),
        m29.to_string(),
        m30.to_string(),
        m31.to_string(),
        m32.to_string(),
        m33.to_string(),
        m34.to_string(),
        m35.to_string(),
        m36.to_string(),
        m37.to_string(),
        m38.to_string(),
        m39.to_string(),
    ];
    Html(parts.join("|"))
}

#[slot(many, m0)]
async fn many_m0() -> &'static str {
    "ok0"
}

#[slot(many, m1)]
async fn many_m1() -> &'static str {
    tokio::task::yield_now().await;
    "late1"
}

#[slot(many, m2)]
async fn many_m2() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m3)]
async fn many_m3() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 3 secret")
}

#[slot(many, m4)]
async fn many_m4() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never4"
}

#[slot(many, m5)]
async fn many_m5() -> &'static str {
    "ok5"
}

#[slot(many, m6)]
async fn many_m6() -> &'static str {
    tokio::task::yield_now().await;
    "late6"
}

#[slot(many, m7)]
async fn many_m7() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m8)]
async fn many_m8() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 8 secret")
}

#[slot(many, m9)]
async fn many_m9() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never9"
}

#[slot(many, m10)]
async fn many_m10() -> &'static str {
    "ok10"
}

#[slot(many, m11)]
async fn many_m11() -> &'static str {
    tokio::task::yield_now().await;
    "late11"
}

#[slot(many, m12)]
async fn many_m12() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m13)]
async fn many_m13() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 13 secret")
}

#[slot(many, m14)]
async fn many_m14() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never14"
}

#[slot(many, m15)]
async fn many_m15() -> &'static str {
    "ok15"
}

#[slot(many, m16)]
async fn many_m16() -> &'static str {
    tokio::task::yield_now().await;
    "late16"
}

#[slot(many, m17)]
async fn many_m17() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m18)]
async fn many_m18() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 18 secret")
}

#[slot(many, m19)]
async fn many_m19() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never19"
}

#[slot(many, m20)]
async fn many_m20() -> &'static str {
    "ok20"
}

#[slot(many, m21)]
async fn many_m21() -> &'static str {
    tokio::task::yield_now().await;
    "late21"
}

#[slot(many, m22)]
async fn many_m22() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m23)]
async fn many_m23() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 23 secret")
}

#[slot(many, m24)]
async fn many_m24() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never24"
}

#[slot(many, m25)]
async fn many_m25() -> &'static str {
    "ok25"
}

#[slot(many, m26)]
async fn many_m26() -> &'static str {
    tokio::task::yield_now().await;
    "late26"
}

#[slot(many, m27)]
async fn many_m27() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m28)]
async fn many_m28() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 28 secret")
}

#[slot(many, m29)]
async fn many_m29() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never29"
}

#[slot(many, m30)]
async fn many_m30() -> &'static str {
    "ok30"
}

#[slot(many, m31)]
async fn many_m31() -> &'static str {
    tokio::task::yield_now().await;
    "late31"
}

#[slot(many, m32)]
async fn many_m32() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m33)]
async fn many_m33() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 33 secret")
}

#[slot(many, m34)]
async fn many_m34() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never34"
}

#[slot(many, m35)]
async fn many_m35() -> &'static str {
    "ok35"
}

#[slot(many, m36)]
async fn many_m36() -> &'static str {
    tokio::task::yield_now().await;
    "late36"
}

#[slot(many, m37)]
async fn many_m37() -> Result<&'static str, DbError> {
    Err(DbError)
}

#[slot(many, m38)]
async fn many_m38() -> &'static str {
    tokio::task::yield_now().await;
    panic!("many 38 secret")
}

#[slot(many, m39)]
async fn many_m39() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "never39"
}
