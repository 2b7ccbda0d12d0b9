//! A reviewer's attacks on the staged page future of 04d29ee: the runtime join (`Join`, one
//! `Cell` per slot), `Render`/`Run`/`Respond`, slot boundaries set up at construction, and
//! `core::future::ready` extraction for slots without arguments.
//!
//! Interrupts while siblings are pending (at every place in the list, nested too), the first
//! interrupt in time winning, Server-Timing order and content when slots finish in reverse
//! order (flat and nested), layouts without slots, forty slots finishing in reverse with an
//! interrupt, guards and extractor rejections at each level of a nesting, dropping the page
//! mid-join and mid-layout with nested levels, wakers (self-waking slots, slots woken from
//! another thread, sleeping slots), a nested layout that panics after an await, inherited
//! timeouts with tracing on and off, and a layout whose `IntoResponse` panics; and slots that
//! keep tokio's cooperative budget spent (the four tests at the end, which failed on 04d29ee:
//! its join always polled its first slot first, so a busy slot starved the slots after it,
//! and a slot's timer, polled with the budget spent, never fired while the slot was busy).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use parallel_routes::Interrupt;
use parallel_routes::prelude::*;
use parallel_routes_tests::{
    DropGuard, dur, get, logged, names, request, send, timed, timing_entries,
};
use tower::ServiceExt;

fn builtin(slot: &str) -> String {
    format!(r#"<div role="alert" data-slot-error="{slot}">This section could not be loaded.</div>"#)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

// --- An interrupt while the other slots are pending ------------------------------------------

static INT_DROPS: AtomicUsize = AtomicUsize::new(0);
static INT_FINISHED: AtomicUsize = AtomicUsize::new(0);

/// `where` says which slot interrupts (`first`, `middle`, `last`), `when` whether at once
/// (`now`) or after an await (`late`).
#[layout("/rj/int/{where_}/{when}", slots(first, middle, last))]
async fn int(
    first: Fragment,
    middle: Fragment,
    last: Fragment,
    children: Fragment,
) -> Html<String> {
    Html(format!("[{first}][{middle}][{last}][{children}]"))
}

async fn int_slot(me: &str, where_: &str, when: &str) -> Result<&'static str, Interrupt> {
    if me == where_ {
        if when == "late" {
            sleep_ms(20).await;
        }
        return Err(Interrupt::not_found());
    }
    let _guard = DropGuard(&INT_DROPS);
    sleep_ms(10_000).await;
    INT_FINISHED.fetch_add(1, Ordering::SeqCst);
    Ok("sibling content")
}

/// On the fast path (no timer).
#[slot(int, first)]
async fn int_first(
    Path((where_, when)): Path<(String, String)>,
) -> Result<&'static str, Interrupt> {
    int_slot("first", &where_, &when).await
}

/// On the guarded path (a timer).
#[slot(int, middle, timeout_ms = 9000)]
async fn int_middle(
    Path((where_, when)): Path<(String, String)>,
) -> Result<&'static str, Interrupt> {
    int_slot("middle", &where_, &when).await
}

#[slot(int, last)]
async fn int_last(Path((where_, when)): Path<(String, String)>) -> Result<&'static str, Interrupt> {
    int_slot("last", &where_, &when).await
}

/// Finished at once: its cell holds its fragment while the others run.
#[page(int)]
async fn int_page() -> &'static str {
    "page content"
}

/// Every place in the list, at once and after an await, with and without Server-Timing: the
/// interrupt is the response, it does not wait for the 10 s siblings, and both pending
/// siblings are dropped by the time the response is back; none of their content is sent.
/// One test with the logged request below, so that the drop counter is not shared (and the
/// log callsites are not raced by a concurrent test without a subscriber).
#[test]
fn an_interrupt_drops_every_pending_sibling_before_the_response() {
    runtime().block_on(interrupt_without_spans());
    interrupt_with_spans();
}

async fn interrupt_without_spans() {
    let mut expected_drops = 0;
    for app in [int::router(), timed(int::router())] {
        for where_ in ["first", "middle", "last"] {
            for when in ["now", "late"] {
                let started = Instant::now();
                let reply = get(app.clone(), &format!("/rj/int/{where_}/{when}")).await;
                let took = started.elapsed();
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{where_}/{when}");
                assert!(took < Duration::from_secs(2), "{where_}/{when}: {took:?}");
                assert!(!reply.body.contains("content"), "{}", reply.body);
                // The siblings that got to their guard (all of them when the interrupt comes
                // after an await; with `now`, those polled before the interrupting one).
                let dropped = INT_DROPS.load(Ordering::SeqCst) - expected_drops;
                let polled_before = match (where_, when) {
                    (_, "late") => 2,
                    ("first", _) => 0,
                    ("middle", _) => 1,
                    _ => 2,
                };
                assert_eq!(dropped, polled_before, "{where_}/{when}");
                expected_drops += dropped;
            }
        }
    }
    assert_eq!(INT_FINISHED.load(Ordering::SeqCst), 0);
}

/// With spans on: the siblings are dropped and their spans close.
fn interrupt_with_spans() {
    let before = INT_DROPS.load(Ordering::SeqCst);
    let (reply, log) = logged(
        tracing::Level::INFO,
        true,
        get(timed(int::router()), "/rj/int/middle/late"),
    );
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(INT_DROPS.load(Ordering::SeqCst) >= before + 2);
    // The interrupting slot's span says so; the dropped ones close too.
    assert!(
        log.lines().any(|line| line.contains("slot=\"middle\"")
            && line.contains("outcome=\"interrupted\"")
            && line.contains(": close")),
        "{log}"
    );
    for slot in ["first", "last", "children"] {
        assert!(
            log.lines()
                .any(|line| line.contains(&format!("slot=\"{slot}\"")) && line.contains(": close")),
            "{slot}: {log}"
        );
    }
}

// --- The first interrupt in time wins --------------------------------------------------------

#[layout("/rj/race", slots(slow_no, quick_no))]
async fn race(slow_no: Fragment, quick_no: Fragment) -> Html<String> {
    Html(format!("{slow_no}{quick_no}"))
}

#[slot(race, slow_no)]
async fn race_slow() -> Result<&'static str, Interrupt> {
    sleep_ms(80).await;
    Err(Interrupt::forbidden())
}

#[slot(race, quick_no)]
async fn race_quick() -> Result<&'static str, Interrupt> {
    sleep_ms(5).await;
    Err(Interrupt::redirect("/rj/elsewhere"))
}

#[tokio::test]
async fn the_first_interrupt_in_time_decides_even_from_a_later_slot() {
    for app in [race::router(), timed(race::router())] {
        let started = Instant::now();
        let reply = get(app, "/rj/race").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.headers["location"], "/rj/elsewhere");
        assert!(
            started.elapsed() < Duration::from_millis(70),
            "waited for the slower slot"
        );
    }
}

// --- Server-Timing when slots finish in reverse order ----------------------------------------

#[layout("/rj/reverse", slots(s1, s2, s3))]
async fn reverse(s1: Fragment, s3: Fragment, children: Fragment, s2: Fragment) -> Html<String> {
    // Parameters in another order than `slots(...)`: fragments go by name.
    Html(format!("{s1},{s2},{s3},{children}"))
}

#[slot(reverse, s1)]
async fn reverse_s1() -> &'static str {
    sleep_ms(90).await;
    "one"
}

#[slot(reverse, s2)]
async fn reverse_s2() -> &'static str {
    sleep_ms(60).await;
    "two"
}

#[slot(reverse, s3, timeout_ms = 5000)]
async fn reverse_s3() -> &'static str {
    sleep_ms(30).await;
    "three"
}

#[page(reverse)]
async fn reverse_page() -> &'static str {
    "kids"
}

#[tokio::test]
async fn server_timing_is_in_declared_order_with_each_slots_own_time_when_they_finish_in_reverse() {
    let reply = get(timed(reverse::router()), "/rj/reverse").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "one,two,three,kids");
    let entries = timing_entries(&reply.headers);
    assert_eq!(
        names(&entries),
        ["s1", "s2", "s3", "children"],
        "{entries:?}"
    );
    let (s1, s2, s3, kids) = (
        dur(&entries, "s1"),
        dur(&entries, "s2"),
        dur(&entries, "s3"),
        dur(&entries, "children"),
    );
    assert!((89.0..1500.0).contains(&s1), "{entries:?}");
    assert!((59.0..1500.0).contains(&s2), "{entries:?}");
    assert!((29.0..1500.0).contains(&s3), "{entries:?}");
    // Each slot's own end, not when the join finished: in the order they end, and the first
    // (30 ms) well before the last (90 ms); no closer margins, which a busy machine breaks.
    assert!(s3 <= s2 && s2 <= s1 && s3 + 15.0 < s1, "{entries:?}");
    assert!(kids < 20.0, "{entries:?}");
    // One header, and none without the extension.
    assert_eq!(reply.headers.get_all("server-timing").iter().count(), 1);
    let reply = get(reverse::router(), "/rj/reverse").await;
    assert!(reply.headers.get("server-timing").is_none());
}

// Nested: the root's slots finish in reverse, the nested page in between.

#[layout("/rj/nrev", slots(r1, r2), routes("/in"))]
async fn nrev(r1: Fragment, r2: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<{r1}|{r2}|{children}>"))
}

#[slot(nrev, r1, default)]
async fn nrev_r1() -> &'static str {
    sleep_ms(90).await;
    "r1"
}

#[slot(nrev, r2, default)]
async fn nrev_r2() -> &'static str {
    sleep_ms(10).await;
    "r2"
}

#[page(nrev)]
async fn nrev_page() -> &'static str {
    "root page"
}

#[layout("/rj/nrev/in", slots(n1), parent = nrev)]
async fn nrev_in(n1: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{n1}+{children}"))
}

#[slot(nrev_in, n1)]
async fn nrev_in_n1() -> &'static str {
    sleep_ms(50).await;
    "n1"
}

#[page(nrev_in)]
async fn nrev_in_page() -> &'static str {
    sleep_ms(20).await;
    "inner page"
}

#[tokio::test]
async fn server_timing_on_a_nested_page_when_slots_finish_in_reverse() {
    let app = timed(nrev::router().merge(nrev_in::router()));
    let reply = get(app, "/rj/nrev/in").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "<r1|r2|n1+inner page>");
    let entries = timing_entries(&reply.headers);
    // (Known gap, not reported: the nested slots are one `children` entry.)
    assert_eq!(
        names(&entries)[..3],
        ["r1", "r2", "children"],
        "{entries:?}"
    );
    let (r1, r2, kids) = (
        dur(&entries, "r1"),
        dur(&entries, "r2"),
        dur(&entries, "children"),
    );
    assert!((89.0..1500.0).contains(&r1), "{entries:?}");
    assert!((9.0..1500.0).contains(&r2), "{entries:?}");
    assert!((49.0..1500.0).contains(&kids), "{entries:?}");
    assert!(r2 < kids && kids < r1, "{entries:?}");
}

// --- A layout without slots --------------------------------------------------------------------

#[layout("/rj/empty/{n}")]
async fn empty(Path(n): Path<u32>) -> Html<String> {
    Html(format!("empty {n}"))
}

#[layout("/rj/bare")]
async fn bare() -> &'static str {
    "bare <text>"
}

#[tokio::test]
async fn a_layout_without_slots_answers_and_rejects_like_a_handler() {
    for app in [empty::router(), timed(empty::router())] {
        let reply = get(app.clone(), "/rj/empty/5").await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, "empty 5")
        );
        // No slot: no header (an empty one before).
        assert!(reply.headers.get("server-timing").is_none());
        let reply = get(app, "/rj/empty/x").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    let reply = get(bare::router(), "/rj/bare").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "bare <text>");
    assert!(reply.content_type().starts_with("text/plain"));
}

// --- Forty slots finishing in reverse, one of them interrupting ---------------------------------

static FORTY_DROPS: AtomicUsize = AtomicUsize::new(0);

/// Slot `i` sleeps `(40 - i) * 2` ms, so they finish in reverse order; `/rj/forty/stop/k`
/// makes slot `k` interrupt with 418 when it finishes.
async fn forty_slot(i: u32, mode: &str, k: u32) -> Result<String, Interrupt> {
    let _guard = DropGuard(&FORTY_DROPS);
    sleep_ms(u64::from(40 - i) * 2).await;
    if mode == "stop" && i == k {
        return Err(Interrupt::response(StatusCode::IM_A_TEAPOT));
    }
    Ok(format!("v{i}"))
}

macro_rules! forty_slots {
    ($( $slot:ident $func:ident $i:literal ),* $(,)?) => {
        $(
            #[slot(forty, $slot)]
            async fn $func(Path((mode, k)): Path<(String, u32)>) -> Result<String, Interrupt> {
                forty_slot($i, &mode, k).await
            }
        )*
    };
}

forty_slots!(
    f0 forty_f0 0, f1 forty_f1 1, f2 forty_f2 2, f3 forty_f3 3, f4 forty_f4 4,
    f5 forty_f5 5, f6 forty_f6 6, f7 forty_f7 7, f8 forty_f8 8, f9 forty_f9 9,
    f10 forty_f10 10, f11 forty_f11 11, f12 forty_f12 12, f13 forty_f13 13, f14 forty_f14 14,
    f15 forty_f15 15, f16 forty_f16 16, f17 forty_f17 17, f18 forty_f18 18, f19 forty_f19 19,
    f20 forty_f20 20, f21 forty_f21 21, f22 forty_f22 22, f23 forty_f23 23, f24 forty_f24 24,
    f25 forty_f25 25, f26 forty_f26 26, f27 forty_f27 27, f28 forty_f28 28, f29 forty_f29 29,
    f30 forty_f30 30, f31 forty_f31 31, f32 forty_f32 32, f33 forty_f33 33, f34 forty_f34 34,
    f35 forty_f35 35, f36 forty_f36 36, f37 forty_f37 37, f38 forty_f38 38, f39 forty_f39 39,
);

#[layout(
    "/rj/forty/{mode}/{k}",
    slots(
        f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19,
        f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35, f36, f37,
        f38, f39
    )
)]
#[allow(clippy::too_many_arguments)]
async fn forty(
    f0: Fragment,
    f1: Fragment,
    f2: Fragment,
    f3: Fragment,
    f4: Fragment,
    f5: Fragment,
    f6: Fragment,
    f7: Fragment,
    f8: Fragment,
    f9: Fragment,
    f10: Fragment,
    f11: Fragment,
    f12: Fragment,
    f13: Fragment,
    f14: Fragment,
    f15: Fragment,
    f16: Fragment,
    f17: Fragment,
    f18: Fragment,
    f19: Fragment,
    f20: Fragment,
    f21: Fragment,
    f22: Fragment,
    f23: Fragment,
    f24: Fragment,
    f25: Fragment,
    f26: Fragment,
    f27: Fragment,
    f28: Fragment,
    f29: Fragment,
    f30: Fragment,
    f31: Fragment,
    f32: Fragment,
    f33: Fragment,
    f34: Fragment,
    f35: Fragment,
    f36: Fragment,
    f37: Fragment,
    f38: Fragment,
    f39: Fragment,
) -> Html<String> {
    let all = [
        f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19,
        f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35, f36, f37,
        f38, f39,
    ];
    Html(
        all.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("|"),
    )
}

/// One test, so that the drop counter is not shared.
#[tokio::test]
async fn forty_slots_finishing_in_reverse_with_and_without_an_interrupt() {
    // All render, in place, whatever their completion order; timings in declared order.
    let reply = get(timed(forty::router()), "/rj/forty/go/0").await;
    assert_eq!(reply.status, StatusCode::OK);
    let expected: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
    assert_eq!(reply.body, expected.join("|"));
    let entries = timing_entries(&reply.headers);
    let expected: Vec<String> = (0..40).map(|i| format!("f{i}")).collect();
    assert_eq!(names(&entries), expected);
    assert!(dur(&entries, "f0") >= 79.0, "{entries:?}");
    assert!(
        dur(&entries, "f39") + 30.0 < dur(&entries, "f0"),
        "{entries:?}"
    );
    assert_eq!(FORTY_DROPS.load(Ordering::SeqCst), 40);

    // Slot 30 interrupts after 20 ms: the 30 slots before it in the list (still pending) and
    // the 9 after it (finished) all go; the response does not wait for slot 0's 80 ms.
    for app in [forty::router(), timed(forty::router())] {
        let before = FORTY_DROPS.load(Ordering::SeqCst);
        let started = Instant::now();
        let reply = get(app, "/rj/forty/stop/30").await;
        assert_eq!(reply.status, StatusCode::IM_A_TEAPOT);
        assert!(!reply.body.contains('v'), "{}", reply.body);
        assert!(
            started.elapsed() < Duration::from_millis(75),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(FORTY_DROPS.load(Ordering::SeqCst) - before, 40);
    }
}

// --- Guards and extractor rejections at each level of a nesting ---------------------------------

static GUARDED_RAN: AtomicUsize = AtomicUsize::new(0);

/// Rejects with `status` when the request's `x-deny` header names `level`.
struct Deny<const LEVEL: u8>;

impl<S: Send + Sync, const LEVEL: u8> FromRequestParts<S> for Deny<LEVEL> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        tokio::task::yield_now().await;
        let denied = parts
            .headers
            .get_all("x-deny")
            .iter()
            .any(|value| value.as_bytes() == [b'0' + LEVEL]);
        if denied {
            let status = [
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::GONE,
            ][usize::from(LEVEL)];
            Err((status, format!("level {LEVEL} says no")).into_response())
        } else {
            Ok(Deny)
        }
    }
}

#[derive(serde::Deserialize)]
struct Num {
    n: Option<u32>,
}

#[layout("/rj/g", slots(a0), routes("/1/2", "/1"))]
async fn g0(_: Deny<0>, a0: Fragment, children: Fragment) -> Html<String> {
    Html(format!("0[{a0}]({children})"))
}

#[slot(g0, a0, default)]
async fn g0_slot(Query(num): Query<Num>) -> String {
    GUARDED_RAN.fetch_add(1, Ordering::SeqCst);
    sleep_ms(5).await;
    format!("a0:{:?}", num.n)
}

#[page(g0)]
async fn g0_page() -> &'static str {
    GUARDED_RAN.fetch_add(1, Ordering::SeqCst);
    "p0"
}

#[layout("/rj/g/1", slots(a1), parent = g0, routes("/2"))]
async fn g1(a1: Fragment, _: Deny<1>, children: Fragment) -> Html<String> {
    Html(format!("1[{a1}]({children})"))
}

#[slot(g1, a1, default)]
async fn g1_slot(Query(num): Query<Num>) -> String {
    GUARDED_RAN.fetch_add(1, Ordering::SeqCst);
    format!("a1:{:?}", num.n)
}

#[page(g1)]
async fn g1_page() -> &'static str {
    GUARDED_RAN.fetch_add(1, Ordering::SeqCst);
    "p1"
}

#[layout("/rj/g/1/2", slots(a2), parent = g1)]
async fn g2(_: Deny<2>, a2: Fragment, children: Fragment) -> Html<String> {
    Html(format!("2[{a2}]({children})"))
}

#[slot(g2, a2, timeout_ms = 1000)]
async fn g2_slot(Query(num): Query<Num>) -> String {
    GUARDED_RAN.fetch_add(1, Ordering::SeqCst);
    sleep_ms(5).await;
    format!("a2:{:?}", num.n)
}

#[page(g2)]
async fn g2_page() -> &'static str {
    GUARDED_RAN.fetch_add(1, Ordering::SeqCst);
    "p2"
}

fn guarded_app() -> Router {
    Router::new()
        .merge(g0::router())
        .merge(g1::router())
        .merge(g2::router())
}

fn denied(uri: &str, deny: &[&str]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for level in deny {
        builder = builder.header("x-deny", *level);
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn guards_and_slot_extractors_reject_at_every_level_and_no_slot_runs() {
    for app in [guarded_app(), timed(guarded_app())] {
        // Each level's guard, and the outermost one first when several would reject.
        for (deny, status) in [
            (&["0"][..], StatusCode::UNAUTHORIZED),
            (&["1"][..], StatusCode::FORBIDDEN),
            (&["2"][..], StatusCode::GONE),
            (&["2", "1"][..], StatusCode::FORBIDDEN),
            (&["2", "0"][..], StatusCode::UNAUTHORIZED),
        ] {
            let before = GUARDED_RAN.load(Ordering::SeqCst);
            let (got, headers, _) = send(app.clone(), denied("/rj/g/1/2?n=3", deny)).await;
            assert_eq!(got, status, "{deny:?}");
            assert!(headers.get("server-timing").is_none(), "{deny:?}");
            assert_eq!(
                GUARDED_RAN.load(Ordering::SeqCst),
                before,
                "{deny:?}: a slot ran"
            );
            // The @slot endpoints of the deepest level are guarded by the whole chain.
            for slot in ["a2", "children"] {
                let uri = format!("/rj/g/1/2/@{slot}?n=3");
                let (got, _, _) = send(app.clone(), denied(&uri, deny)).await;
                assert_eq!(got, status, "{uri} {deny:?}");
            }
            assert_eq!(
                GUARDED_RAN.load(Ordering::SeqCst),
                before,
                "{deny:?}: a slot ran"
            );
        }
        // A slot extractor's rejection (every level's slots take `Query<Num>`): 400.
        let before = GUARDED_RAN.load(Ordering::SeqCst);
        for uri in ["/rj/g/1/2?n=x", "/rj/g/1?n=x", "/rj/g?n=-1"] {
            let reply = get(app.clone(), uri).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(reply.headers.get("server-timing").is_none(), "{uri}");
        }
        assert_eq!(GUARDED_RAN.load(Ordering::SeqCst), before, "a slot ran");
        // And the whole chain renders.
        let reply = get(app.clone(), "/rj/g/1/2?n=3").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.body,
            "0[a0:Some(3)](1[a1:Some(3)](2[a2:Some(3)](p2)))"
        );
    }
}

// --- Dropping the page mid-join and mid-layout, nested --------------------------------------------

static NDROP_SLOTS: AtomicUsize = AtomicUsize::new(0);
static NDROP_LAYOUTS: AtomicUsize = AtomicUsize::new(0);

/// Pending for 10 s when the request's path asks for `what`.
async fn hang_if(uri: &Uri, what: &str) {
    if uri.path().ends_with(what) {
        sleep_ms(10_000).await;
    }
}

#[layout("/rj/ndrop", slots(outer), routes("/nest/{what}"))]
async fn ndrop(outer: Fragment, children: Fragment, uri: Uri) -> Html<String> {
    let _guard = DropGuard(&NDROP_LAYOUTS);
    hang_if(&uri, "/root-layout").await;
    Html(format!("{outer}/{children}"))
}

#[slot(ndrop, outer, default)]
async fn ndrop_outer(uri: Uri) -> &'static str {
    let _guard = DropGuard(&NDROP_SLOTS);
    hang_if(&uri, "/slots").await;
    "outer"
}

#[page(ndrop)]
async fn ndrop_page() -> &'static str {
    "root page"
}

#[layout("/rj/ndrop/nest/{what}", slots(inner_fast, inner_timed), parent = ndrop)]
async fn ndrop_in(
    inner_fast: Fragment,
    inner_timed: Fragment,
    children: Fragment,
    uri: Uri,
) -> Html<String> {
    let _guard = DropGuard(&NDROP_LAYOUTS);
    hang_if(&uri, "/layout").await;
    Html(format!("{inner_fast}{inner_timed}{children}"))
}

#[slot(ndrop_in, inner_fast)]
async fn ndrop_in_fast(uri: Uri) -> &'static str {
    let _guard = DropGuard(&NDROP_SLOTS);
    hang_if(&uri, "/slots").await;
    "fast"
}

#[slot(ndrop_in, inner_timed, timeout_ms = 9000)]
async fn ndrop_in_timed(uri: Uri) -> &'static str {
    let _guard = DropGuard(&NDROP_SLOTS);
    hang_if(&uri, "/slots").await;
    "timed"
}

#[page(ndrop_in)]
async fn ndrop_in_page(uri: Uri) -> &'static str {
    let _guard = DropGuard(&NDROP_SLOTS);
    hang_if(&uri, "/slots").await;
    "page"
}

/// Drops the response future after `after`; it must not have finished.
async fn drop_after(app: Router, uri: &str, after: Duration) {
    let future = app.oneshot(request(uri));
    assert!(
        tokio::time::timeout(after, future).await.is_err(),
        "{uri} answered"
    );
}

/// One test, so that the counters are not shared.
#[tokio::test]
async fn dropping_a_nested_page_mid_join_or_mid_layout_drops_every_level() {
    let app = || ndrop::router().merge(ndrop_in::router());
    // Mid-join at both levels: the root's slot, the nested slots (fast path and timer) and
    // the nested page, all pending: all four dropped, no layout started.
    for (round, app) in [app(), timed(app())].into_iter().enumerate() {
        drop_after(app, "/rj/ndrop/nest/slots", Duration::from_millis(40)).await;
        assert_eq!(NDROP_SLOTS.load(Ordering::SeqCst), 4 * (round + 1));
        assert_eq!(NDROP_LAYOUTS.load(Ordering::SeqCst), 0);
    }
    // Mid-layout of the nested level (every slot finished): the nested layout's future goes.
    drop_after(app(), "/rj/ndrop/nest/layout", Duration::from_millis(40)).await;
    assert_eq!(NDROP_SLOTS.load(Ordering::SeqCst), 12);
    assert_eq!(NDROP_LAYOUTS.load(Ordering::SeqCst), 1);
    // Mid-layout of the root (inside `Respond`), with Server-Timing.
    drop_after(
        timed(app()),
        "/rj/ndrop/nest/root-layout",
        Duration::from_millis(40),
    )
    .await;
    assert_eq!(NDROP_SLOTS.load(Ordering::SeqCst), 16);
    assert_eq!(NDROP_LAYOUTS.load(Ordering::SeqCst), 3);
    // And it still answers.
    let reply = get(app(), "/rj/ndrop/nest/none").await;
    assert_eq!(reply.body, "outer/fasttimedpage");
}

// --- Wakers --------------------------------------------------------------------------------------

/// Pending `n` times, waking itself each time.
struct SelfWake(u32);

impl Future for SelfWake {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Pending until another thread, started at the first poll with that poll's waker, wakes it
/// once after `ms`.
struct ThreadWake {
    ms: u64,
    done: Option<Arc<AtomicBool>>,
}

impl Future for ThreadWake {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(done) = &self.done {
            return if done.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            };
        }
        let done = Arc::new(AtomicBool::new(false));
        let (flag, waker, ms) = (done.clone(), cx.waker().clone(), self.ms);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            flag.store(true, Ordering::SeqCst);
            waker.wake();
        });
        self.done = Some(done);
        Poll::Pending
    }
}

#[layout("/rj/wake", slots(instant, selfish, threaded, sleepy, threaded_late))]
async fn wake(
    instant: Fragment,
    selfish: Fragment,
    threaded: Fragment,
    sleepy: Fragment,
    threaded_late: Fragment,
) -> Html<String> {
    Html(format!(
        "{instant},{selfish},{threaded},{sleepy},{threaded_late}"
    ))
}

#[slot(wake, instant)]
async fn wake_instant() -> &'static str {
    "instant"
}

#[slot(wake, selfish)]
async fn wake_selfish() -> &'static str {
    SelfWake(200).await;
    "selfish"
}

#[slot(wake, threaded)]
async fn wake_threaded() -> &'static str {
    ThreadWake { ms: 20, done: None }.await;
    "threaded"
}

#[slot(wake, sleepy, timeout_ms = 3000)]
async fn wake_sleepy() -> &'static str {
    for _ in 0..5 {
        sleep_ms(7).await;
    }
    "sleepy"
}

/// Woken once, from another thread, only after every sibling has finished.
#[slot(wake, threaded_late)]
async fn wake_threaded_late() -> &'static str {
    ThreadWake { ms: 90, done: None }.await;
    "late"
}

const WAKE_BODY: &str = "instant,selfish,threaded,sleepy,late";

#[tokio::test]
async fn slots_woken_by_themselves_by_timers_or_by_other_threads_all_make_progress() {
    for app in [wake::router(), timed(wake::router())] {
        let reply = tokio::time::timeout(Duration::from_secs(3), get(app, "/rj/wake"))
            .await
            .expect("the page finished");
        assert_eq!(reply.body, WAKE_BODY);
    }
}

#[test]
fn slots_make_progress_on_a_multi_thread_runtime_and_with_spans() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let reply = runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(3),
            get(timed(wake::router()), "/rj/wake"),
        )
        .await
        .expect("the page finished")
    });
    assert_eq!(reply.body, WAKE_BODY);
    let entries = timing_entries(&reply.headers);
    assert!(dur(&entries, "threaded_late") >= 89.0, "{entries:?}");
    assert!(dur(&entries, "instant") < 20.0, "{entries:?}");

    let (reply, log) = logged(tracing::Level::INFO, true, get(wake::router(), "/rj/wake"));
    assert_eq!(reply.body, WAKE_BODY);
    assert_eq!(log.matches("outcome=\"rendered\"").count(), 5, "{log}");
}

// --- A nested layout that panics after an await ----------------------------------------------------

static NPANIC_DROPS: AtomicUsize = AtomicUsize::new(0);

#[layout("/rj/npanic", slots(waiting), routes("/in/{when}"))]
async fn npanic(waiting: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{waiting}{children}"))
}

#[slot(npanic, waiting, default)]
async fn npanic_waiting() -> &'static str {
    let _guard = DropGuard(&NPANIC_DROPS);
    sleep_ms(10_000).await;
    "waiting"
}

#[page(npanic)]
async fn npanic_page() -> &'static str {
    "root"
}

#[layout("/rj/npanic/in/{when}", slots(quick), parent = npanic)]
async fn npanic_in(quick: Fragment, children: Fragment, Path(when): Path<String>) -> Html<String> {
    if when == "before" {
        panic!("nested layout secret before");
    }
    sleep_ms(15).await;
    if when == "after" {
        panic!("nested layout secret after");
    }
    Html(format!("{quick}{children}"))
}

#[slot(npanic_in, quick)]
async fn npanic_in_quick() -> &'static str {
    "quick"
}

#[page(npanic_in)]
async fn npanic_in_page() -> &'static str {
    tokio::task::yield_now().await;
    "inner"
}

/// One test with the logged request below (see the interrupt test).
#[test]
fn a_nested_layout_that_panics_answers_500_at_once_and_drops_the_roots_slots() {
    runtime().block_on(nested_panics());
    nested_panic_logged();
}

async fn nested_panics() {
    let app = || npanic::router().merge(npanic_in::router());
    for (round, (app, when)) in [(app(), "after"), (timed(app()), "after"), (app(), "before")]
        .into_iter()
        .enumerate()
    {
        let started = Instant::now();
        let reply = get(app, &format!("/rj/npanic/in/{when}")).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{when}");
        assert_eq!(reply.body, "Internal Server Error");
        assert!(started.elapsed() < Duration::from_secs(2), "{when}");
        assert_eq!(NPANIC_DROPS.load(Ordering::SeqCst), round + 1, "{when}");
    }
}

/// Logged, without reaching the client; the root's pending slot dropped.
fn nested_panic_logged() {
    let before = NPANIC_DROPS.load(Ordering::SeqCst);
    let (reply, log) = logged(
        tracing::Level::INFO,
        false,
        get(
            npanic::router().merge(npanic_in::router()),
            "/rj/npanic/in/after",
        ),
    );
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!reply.body.contains("secret"));
    assert!(
        log.lines().any(|line| line.contains("ERROR")
            && line.contains("npanic_in")
            && line.contains("nested layout secret after")),
        "{log}"
    );
    assert_eq!(NPANIC_DROPS.load(Ordering::SeqCst), before + 1);
}

// --- A timeout inherited from the root by a nested layout's slots, tracing on and off -------------

#[layout("/rj/tmo", slots(rq), timeout_ms = 50, routes("/in"))]
async fn tmo(rq: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{rq}|{children}"))
}

#[slot(tmo, rq, default)]
async fn tmo_rq() -> &'static str {
    "rq"
}

#[page(tmo)]
async fn tmo_page() -> &'static str {
    "root page"
}

#[layout("/rj/tmo/in", slots(stuck, fine), parent = tmo)]
async fn tmo_in(stuck: Fragment, fine: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{stuck}+{fine}+{children}"))
}

#[slot(tmo_in, stuck)]
async fn tmo_in_stuck() -> &'static str {
    sleep_ms(10_000).await;
    "never"
}

#[slot(tmo_in, fine)]
async fn tmo_in_fine() -> &'static str {
    sleep_ms(10).await;
    "fine"
}

#[page(tmo_in)]
async fn tmo_in_page() -> &'static str {
    "inner"
}

fn tmo_app() -> Router {
    tmo::router().merge(tmo_in::router())
}

fn tmo_body() -> String {
    format!("rq|{}+fine+inner", builtin("stuck"))
}

/// One test with the logged requests below (see the interrupt test).
#[test]
fn a_nested_slot_times_out_at_the_roots_deadline_with_and_without_tracing() {
    runtime().block_on(nested_timeout_untraced());
    nested_timeout_traced();
}

async fn nested_timeout_untraced() {
    for app in [tmo_app(), timed(tmo_app())] {
        let started = Instant::now();
        let reply = get(app, "/rj/tmo/in").await;
        let took = started.elapsed();
        assert_eq!((reply.status, reply.body), (StatusCode::OK, tmo_body()));
        assert!(
            took >= Duration::from_millis(49) && took < Duration::from_secs(2),
            "{took:?}"
        );
        if reply.headers.get("server-timing").is_some() {
            let entries = timing_entries(&reply.headers);
            assert!(dur(&entries, "children") >= 49.0, "{entries:?}");
        }
    }
    // The @slot endpoint of the nested slot: the same deadline.
    let reply = get(tmo_app(), "/rj/tmo/in/@stuck").await;
    assert_eq!(reply.body, builtin("stuck"));
}

fn nested_timeout_traced() {
    for spans in [true, false] {
        let started = Instant::now();
        let (reply, log) = logged(
            tracing::Level::INFO,
            spans,
            get(timed(tmo_app()), "/rj/tmo/in"),
        );
        let took = started.elapsed();
        assert_eq!((reply.status, reply.body), (StatusCode::OK, tmo_body()));
        assert!(
            took >= Duration::from_millis(49) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert!(
            log.lines().any(|line| line.contains("ERROR")
                && line.contains("slot=\"stuck\"")
                && line.contains("50ms")),
            "{log}"
        );
        if spans {
            assert!(
                log.lines().any(|line| line.contains("slot=\"stuck\"")
                    && line.contains("outcome=\"timed_out\"")
                    && line.contains(": close")),
                "{log}"
            );
        }
    }
}

// --- A layout whose response conversion panics ------------------------------------------------------

struct Explosive;

impl IntoResponse for Explosive {
    fn into_response(self) -> Response {
        panic!("into_response secret")
    }
}

#[layout("/rj/explosive", slots(calm))]
async fn explosive(calm: Fragment) -> Explosive {
    let _ = calm;
    sleep_ms(5).await;
    Explosive
}

#[slot(explosive, calm)]
async fn explosive_calm() -> &'static str {
    "calm"
}

#[tokio::test]
async fn a_layout_output_whose_into_response_panics_answers_500() {
    for app in [explosive::router(), timed(explosive::router())] {
        let reply = get(app, "/rj/explosive").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!reply.body.contains("secret"));
    }
}

// --- A slot that panics on a later poll while a sibling interrupts --------------------------------

#[layout("/rj/mixed", slots(panicky, stopper, plain))]
async fn mixed(panicky: Fragment, stopper: Fragment, plain: Fragment) -> Html<String> {
    Html(format!("{panicky}{stopper}{plain}"))
}

#[slot(mixed, panicky)]
async fn mixed_panicky() -> &'static str {
    tokio::task::yield_now().await;
    panic!("second poll secret")
}

#[slot(mixed, stopper)]
async fn mixed_stopper(Query(num): Query<Num>) -> Result<&'static str, Interrupt> {
    sleep_ms(10).await;
    match num.n {
        Some(_) => Err(Interrupt::unauthorized()),
        None => Ok("stopper"),
    }
}

#[slot(mixed, plain)]
async fn mixed_plain() -> &'static str {
    "plain"
}

#[tokio::test]
async fn a_panicked_slot_does_not_hide_a_later_interrupt() {
    for app in [mixed::router(), timed(mixed::router())] {
        let reply = get(app.clone(), "/rj/mixed?n=1").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        let reply = get(app, "/rj/mixed").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, format!("{}stopperplain", builtin("panicky")));
    }
}

// --- A slot that keeps tokio's cooperative budget spent -----------------------------------------
//
// A slot draining a source that is always ready (a channel with rows waiting, a stream of
// results) spends the task's coop budget (128 units per poll of the task) and is then told to
// yield: every tokio resource returns `Pending` until the task is polled again. A join that
// always polls its first slot first hands that slot the whole fresh budget on every poll of the
// task, so every slot after it finds the budget spent: its `sleep` never completes, its
// interrupt is never seen, until the busy slot is done. `tokio::try_join!`, which the page
// used before, starts each poll at the next branch for this reason.

/// Cooperative busy work for `ms`: a channel that is always ready, as a slot that drains a
/// fast stream of rows would be. Yields to the runtime whenever tokio's budget says so.
async fn drain_for(ms: u64) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        tx.send(()).unwrap();
        rx.recv().await;
    }
}

#[layout("/rj/hog/{mode}", slots(before, hog, after))]
async fn hog(before: Fragment, hog: Fragment, after: Fragment) -> Html<String> {
    Html(format!("{before}|{hog}|{after}"))
}

/// Before the busy slot in the list: `/rj/hog/before` makes it interrupt after 10 ms.
#[slot(hog, before)]
async fn hog_before(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    sleep_ms(10).await;
    if mode == "before" {
        return Err(Interrupt::forbidden());
    }
    Ok("before")
}

#[slot(hog, hog)]
async fn hog_hog() -> &'static str {
    drain_for(400).await;
    "hog"
}

/// After the busy slot in the list: `/rj/hog/after` makes it interrupt after 10 ms.
#[slot(hog, after)]
async fn hog_after(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    sleep_ms(10).await;
    if mode == "after" {
        return Err(Interrupt::forbidden());
    }
    Ok("after")
}

/// Control: a slot placed before the busy one gets its turn, its interrupt ends the page.
#[tokio::test]
async fn an_interrupt_from_a_slot_before_a_busy_slot_ends_the_page_at_once() {
    let started = Instant::now();
    let reply = get(hog::router(), "/rj/hog/before").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
}

/// SPEC, Errors: "The page then answers with that response instead of the layout's, and the
/// other slots are dropped." The same slot placed after the busy one is not polled with any
/// budget left until the busy slot finishes (400 ms), so its interrupt waits for it.
#[tokio::test]
async fn an_interrupt_from_a_slot_after_a_busy_slot_ends_the_page_at_once() {
    let started = Instant::now();
    let reply = get(hog::router(), "/rj/hog/after").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "the interrupt at 10 ms waited for the busy sibling: {:?}",
        started.elapsed()
    );
}

/// SPEC, Observability: one entry per slot with its duration. The slot after the busy one
/// finishes its 10 ms of work, but is reported as finishing with the busy slot.
#[tokio::test]
async fn server_timing_of_a_slot_after_a_busy_slot_is_its_own_time() {
    let reply = get(timed(hog::router()), "/rj/hog/none").await;
    assert_eq!(reply.body, "before|hog|after");
    let entries = timing_entries(&reply.headers);
    assert!(dur(&entries, "hog") >= 399.0, "{entries:?}");
    assert!(dur(&entries, "before") < 200.0, "{entries:?}");
    assert!(
        dur(&entries, "after") < 200.0,
        "a 10 ms slot reported as waiting for its busy sibling: {entries:?}"
    );
}

#[layout("/rj/hog-timeout", slots(busy, calm))]
async fn hog_timeout(busy: Fragment, calm: Fragment) -> Html<String> {
    Html(format!("{busy}|{calm}"))
}

/// Busy (cooperatively) for 400 ms, past its 50 ms deadline.
#[slot(hog_timeout, busy, timeout_ms = 50)]
async fn hog_timeout_busy() -> &'static str {
    drain_for(400).await;
    "busy content"
}

#[slot(hog_timeout, calm)]
async fn hog_timeout_calm() -> &'static str {
    "calm"
}

/// SPEC, Errors: "A slot that returns `Err(e)`, panics, or exceeds its `timeout_ms` renders
/// its error fallback instead of its content". The boundary polls the slot first and its timer
/// after, with the budget the slot has just spent: the timer can never fire while the slot is
/// busy, and the slot's content is rendered 350 ms past its deadline.
#[tokio::test]
async fn a_busy_slot_past_its_timeout_renders_its_fallback() {
    for uri in ["/rj/hog-timeout", "/rj/hog-timeout/@busy"] {
        let started = Instant::now();
        let reply = get(hog_timeout::router(), uri).await;
        let took = started.elapsed();
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert!(
            reply.body.contains(&builtin("busy")),
            "{uri}: the slot's content after {took:?}, past its 50 ms deadline: {}",
            reply.body
        );
        assert!(took < Duration::from_millis(250), "{uri}: {took:?}");
    }
}

// The same starvation one level down: a busy slot of the root, listed before `children`, holds
// back an interrupt from the nested page.

#[layout("/rj/hog-root", slots(busy_root), routes("/in"))]
async fn hog_root(busy_root: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{busy_root}|{children}"))
}

#[slot(hog_root, busy_root, default)]
async fn hog_root_busy() -> &'static str {
    drain_for(400).await;
    "busy root"
}

#[page(hog_root)]
async fn hog_root_page() -> &'static str {
    "root page"
}

#[layout("/rj/hog-root/in", slots(gate), parent = hog_root)]
async fn hog_in(gate: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{gate}{children}"))
}

#[slot(hog_in, gate)]
async fn hog_in_gate() -> Result<&'static str, Interrupt> {
    sleep_ms(10).await;
    Err(Interrupt::not_found())
}

#[page(hog_in)]
async fn hog_in_page() -> &'static str {
    "inner"
}

#[tokio::test]
async fn an_interrupt_from_a_nested_page_is_not_held_back_by_a_busy_root_slot() {
    let started = Instant::now();
    let reply = get(
        hog_root::router().merge(hog_in::router()),
        "/rj/hog-root/in",
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "the nested interrupt at 10 ms waited for the root's busy slot: {:?}",
        started.elapsed()
    );
}
