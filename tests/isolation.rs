//! One bad slot never breaks the page: errors, panics and timeouts render the slot's fallback;
//! interrupts decide the whole response; a dropped request drops its slots.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes::{SlotError, SlotErrorKind};
use parallel_routes_tests::{get, logged};
use tower::ServiceExt;

#[derive(Debug)]
struct DatabaseError;

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused: password=hunter2")
    }
}

// --- A page with one slot of each failure kind ---------------------------------------------

#[layout("/faults", slots(healthy, failing, panicking, slow, custom))]
async fn faults(
    healthy: Fragment,
    failing: Fragment,
    panicking: Fragment,
    slow: Fragment,
    custom: Fragment,
    children: Fragment,
) -> Html<String> {
    Html(format!(
        "<h1>Faults</h1>{healthy}\n{failing}\n{panicking}\n{slow}\n{custom}\n{children}"
    ))
}

#[slot(faults, healthy)]
async fn healthy() -> &'static str {
    "healthy content"
}

#[slot(faults, failing)]
async fn failing() -> Result<Html<String>, DatabaseError> {
    Err(DatabaseError)
}

#[slot(faults, panicking)]
async fn panicking() -> Html<&'static str> {
    panic!("secret panic text")
}

#[slot(faults, slow, timeout_ms = 50)]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "too late"
}

#[slot(faults, custom, error = custom_fallback, timeout_ms = 50)]
async fn custom() -> Result<&'static str, String> {
    Err("custom failure detail".to_owned())
}

fn custom_fallback(error: &SlotError) -> Html<String> {
    let kind = match &error.kind {
        SlotErrorKind::Failed(_) => "failed",
        SlotErrorKind::Panicked(_) => "panicked",
        SlotErrorKind::TimedOut(_) => "timed out",
        _ => "other",
    };
    Html(format!(
        "<p class=\"oops\">{} of {} {kind}</p>",
        error.slot, error.layout
    ))
}

#[page(faults)]
async fn faults_page() -> Result<String, DatabaseError> {
    Err(DatabaseError)
}

fn builtin(slot: &str) -> String {
    format!(r#"<div role="alert" data-slot-error="{slot}">This section could not be loaded.</div>"#)
}

#[tokio::test]
async fn each_failure_renders_its_fallback_and_the_rest_of_the_page() {
    let started = Instant::now();
    let reply = get(faults::router(), "/faults").await;
    let elapsed = started.elapsed();
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        format!(
            "<h1>Faults</h1>healthy content\n{}\n{}\n{}\n<p class=\"oops\">custom of faults failed</p>\n{}",
            builtin("failing"),
            builtin("panicking"),
            builtin("slow"),
            builtin("children"),
        )
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "the timed-out slot must not hold the page: {elapsed:?}"
    );
}

#[tokio::test]
async fn nothing_private_reaches_the_client() {
    let reply = get(faults::router(), "/faults").await;
    for secret in [
        "hunter2",
        "connection refused",
        "secret panic text",
        "custom failure detail",
    ] {
        assert!(
            !reply.body.contains(secret),
            "{secret:?} leaked into the page"
        );
    }
}

#[tokio::test]
async fn the_slot_endpoint_uses_the_same_fallbacks() {
    let app = faults::router();
    let reply = get(app.clone(), "/faults/@failing").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, builtin("failing"));
    let reply = get(app.clone(), "/faults/@panicking").await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, builtin("panicking"))
    );
    let reply = get(app, "/faults/@custom").await;
    assert_eq!(reply.body, "<p class=\"oops\">custom of faults failed</p>");
}

#[tokio::test]
async fn server_timing_has_one_entry_per_slot() {
    // Opt-in (tests/security.rs checks that it is off by default).
    let app = faults::router().layer(axum::Extension(parallel_routes::ServerTiming));
    let reply = get(app, "/faults").await;
    let timing = reply.headers["server-timing"].to_str().unwrap();
    let names: Vec<&str> = timing
        .split(", ")
        .map(|entry| entry.split(";dur=").next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "healthy",
            "failing",
            "panicking",
            "slow",
            "custom",
            "children"
        ]
    );
    let slow: f64 = timing
        .split(", ")
        .find_map(|entry| entry.strip_prefix("slow;dur="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (45.0..2000.0).contains(&slow),
        "slow took its timeout: {slow} ms"
    );
}

// --- Interrupts -----------------------------------------------------------------------------

static SIBLING_DROPPED: AtomicBool = AtomicBool::new(false);
static SIBLING_FINISHED: AtomicBool = AtomicBool::new(false);

/// Sets a flag when dropped: shows that a slot's future was dropped, not left running.
struct DropFlag(&'static AtomicBool);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[layout("/people/{id}", slots(profile, feed))]
async fn person(profile: Fragment, feed: Fragment) -> Html<String> {
    Html(format!("{profile}{feed}"))
}

#[slot(person, profile)]
async fn person_profile(Path(id): Path<u32>) -> Result<String, Interrupt> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    match id {
        1 => Ok("Ada".to_owned()),
        2 => Err(Interrupt::redirect("/people/1")),
        3 => Err(Interrupt::forbidden()),
        4 => Err(Interrupt::unauthorized()),
        5 => Err(Interrupt::response((StatusCode::IM_A_TEAPOT, "teapot"))),
        _ => Err(Interrupt::not_found()),
    }
}

#[slot(person, feed)]
async fn person_feed(Path(id): Path<u32>) -> &'static str {
    let _flag = (id == 9).then(|| DropFlag(&SIBLING_DROPPED));
    tokio::time::sleep(Duration::from_secs(5)).await;
    if id == 9 {
        SIBLING_FINISHED.store(true, Ordering::SeqCst);
    }
    "feed"
}

#[tokio::test]
async fn an_interrupt_decides_the_response_and_drops_the_other_slots() {
    let started = Instant::now();
    let reply = get(person::router(), "/people/9").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the page did not wait for the 5 s sibling"
    );
    assert!(
        SIBLING_DROPPED.load(Ordering::SeqCst),
        "the sibling slot was dropped"
    );
    assert!(!SIBLING_FINISHED.load(Ordering::SeqCst));
}

#[tokio::test]
async fn interrupt_constructors_answer_as_next_js_does() {
    let app = person::router();
    let reply = get(app.clone(), "/people/2").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers["location"], "/people/1");
    assert_eq!(
        get(app.clone(), "/people/3").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(app.clone(), "/people/4").await.status,
        StatusCode::UNAUTHORIZED
    );
    let reply = get(app.clone(), "/people/5").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::IM_A_TEAPOT, "teapot")
    );
    // The @slot endpoint answers the same way.
    assert_eq!(
        get(app, "/people/7/@profile").await.status,
        StatusCode::NOT_FOUND
    );
}

// --- The layout itself --------------------------------------------------------------------

#[layout("/fragile/{mode}", slots(part))]
async fn fragile(part: Fragment, Path(mode): Path<String>) -> Html<String> {
    if mode == "panic" {
        panic!("layout secret");
    }
    Html(format!("ok {part}"))
}

#[slot(fragile, part)]
async fn fragile_part() -> &'static str {
    "part"
}

#[tokio::test]
async fn a_panicking_layout_answers_500_and_the_router_keeps_serving() {
    let app = fragile::router();
    let reply = get(app.clone(), "/fragile/panic").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!reply.body.contains("layout secret"));
    let reply = get(app, "/fragile/fine").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "ok part")
    );
}

// --- Cancellation -------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Flags {
    dropped: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
}

#[layout("/hanging", slots(hang))]
async fn hanging(hang: Fragment) -> Html<String> {
    Html(hang.to_string())
}

#[slot(hanging, hang)]
async fn hang(State(flags): State<Flags>) -> &'static str {
    struct Guard(Arc<AtomicBool>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let _guard = Guard(flags.dropped.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    flags.finished.store(true, Ordering::SeqCst);
    "done"
}

#[tokio::test]
async fn dropping_the_request_drops_the_slots_and_nothing_keeps_running() {
    let flags = Flags::default();
    let app: Router = hanging::router().with_state(flags.clone());
    let request = Request::get("/hanging").body(Body::empty()).unwrap();
    let in_flight = tokio::time::timeout(Duration::from_millis(50), app.oneshot(request)).await;
    assert!(
        in_flight.is_err(),
        "the request was still in flight when dropped"
    );
    assert!(
        flags.dropped.load(Ordering::SeqCst),
        "the slot future was dropped with the request"
    );
    // Had the slot been detached, it would finish within its 500 ms.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !flags.finished.load(Ordering::SeqCst),
        "the slot kept running detached"
    );
}

// --- What is logged -----------------------------------------------------------------------

#[test]
fn errors_are_logged_with_layout_slot_and_detail_at_error_level() {
    let (_, log) = logged(
        tracing::Level::ERROR,
        false,
        get(faults::router(), "/faults"),
    );
    let line = |slot: &str| {
        log.lines()
            .find(|line| line.contains(&format!("slot=\"{slot}\"")) && line.contains("ERROR"))
            .unwrap_or_else(|| panic!("no error line for {slot} in:\n{log}"))
            .to_owned()
    };
    assert!(line("failing").contains("password=hunter2"));
    assert!(line("failing").contains("layout=\"faults\""));
    assert!(line("panicking").contains("secret panic text"));
    assert!(line("slow").contains("timed out after 50ms"));
    assert!(line("custom").contains("custom failure detail"));
    assert!(
        !log.contains("slot=\"healthy\""),
        "a healthy slot logs no error"
    );
}

// --- Found in review ---------------------------------------------------------------------------

#[layout("/named-fallback", slots(broken))]
async fn named_fallback(broken: Fragment) -> Html<String> {
    Html(broken.to_string())
}

/// Named `fallback`, like the function the generated code wraps it in.
fn fallback(_: &SlotError) -> &'static str {
    "custom fallback"
}

#[slot(named_fallback, broken, error = fallback)]
async fn named_fallback_broken() -> Result<&'static str, String> {
    Err("no".to_owned())
}

#[tokio::test]
async fn a_fallback_named_fallback_is_called_not_shadowed() {
    let reply = get(named_fallback::router(), "/named-fallback").await;
    assert_eq!(reply.body, "custom fallback");
}

// --- The custom fallback is told each kind of failure --------------------------------------------

#[layout("/kinds/{kind}", slots(part))]
async fn kinds(part: Fragment) -> Html<String> {
    Html(part.to_string())
}

#[slot(kinds, part, error = custom_fallback, timeout_ms = 50)]
async fn kinds_part(Path(kind): Path<String>) -> Result<&'static str, String> {
    match kind.as_str() {
        "failed" => Err("detail".to_owned()),
        "panicked" => panic!("detail"),
        "timed-out" => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok("too late")
        }
        _ => Ok("fine"),
    }
}

#[tokio::test]
async fn a_custom_fallback_is_told_whether_the_slot_failed_panicked_or_timed_out() {
    for kind in ["failed", "panicked", "timed out"] {
        let reply = get(
            kinds::router(),
            &format!("/kinds/{}", kind.replace(' ', "-")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.body,
            format!("<p class=\"oops\">part of kinds {kind}</p>"),
            "{kind}"
        );
    }
    assert_eq!(get(kinds::router(), "/kinds/fine").await.body, "fine");
}

// --- The slot's span ---------------------------------------------------------------------------

#[test]
fn each_slot_runs_in_an_info_span_with_its_layout_slot_time_and_outcome() {
    let (_, log) = logged(tracing::Level::INFO, true, get(faults::router(), "/faults"));
    // The span closes with its fields, recorded as the slot ended.
    let closed = |slot: &str, outcome: &str| {
        log.lines().any(|line| {
            line.contains(" INFO slot{layout=\"faults\"")
                && line.contains(&format!("slot=\"{slot}\""))
                && line.contains("elapsed_ms=")
                && line.contains(&format!("outcome=\"{outcome}\""))
                && line.contains(": close time.busy=")
        })
    };
    for (slot, outcome) in [
        ("healthy", "rendered"),
        ("failing", "failed"),
        ("panicking", "panicked"),
        ("slow", "timed_out"),
        ("custom", "failed"),
        ("children", "failed"),
    ] {
        assert!(
            closed(slot, outcome),
            "no closed span for {slot} ({outcome}) in:\n{log}"
        );
    }
}
