//! Streaming: the shell goes out at once with each loading slot's placeholder; each slot
//! follows when it is ready, in completion order (or document order, in order), and a page
//! that is complete when the shell is ready goes out in one write.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode};
use axum::response::Html;
use http_body_util::BodyExt;
use parallel_routes::prelude::*;
use parallel_routes::{CspNonce, SWAP_SCRIPT};
use tower::ServiceExt;

/// A response's chunks, with the time each arrived after the request was sent.
struct Chunks {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    chunks: Vec<(Duration, String)>,
}

impl Chunks {
    fn body(&self) -> String {
        self.chunks
            .iter()
            .map(|(_, chunk)| chunk.as_str())
            .collect()
    }

    /// Each chunk with the response's random stream id replaced by `R`.
    fn unsalted(&self) -> Vec<String> {
        let body = self.body();
        self.chunks
            .iter()
            .map(|(_, chunk)| unsalted(&body, chunk))
            .collect()
    }
}

/// `text` with the stream id that `body` uses (16 hex digits after `pr-`) replaced by `R`.
fn unsalted(body: &str, text: &str) -> String {
    let Some(at) = body.find("pr-") else {
        return text.to_owned();
    };
    let id = &body[at + 3..at + 3 + 16];
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{body}");
    text.replace(id, "R")
}

async fn chunks(app: Router, request: Request<Body>) -> Chunks {
    let started = Instant::now();
    let response = app.oneshot(request).await.unwrap();
    let (parts, mut body) = response.into_parts();
    let mut chunks = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            chunks.push((started.elapsed(), String::from_utf8(data.to_vec()).unwrap()));
        }
    }
    Chunks {
        status: parts.status,
        headers: parts.headers,
        chunks,
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// Sleeps, or for 0 ms returns at once (a zero `tokio::time::sleep` still waits for a tick).
async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

// --- A feed: a fast header, two slow loading slots ----------------------------------------

#[layout("/feed/{delay}", slots(header, posts, trends))]
async fn feed(header: Fragment, posts: Fragment, trends: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{header}</header><main>{posts}</main><aside>{trends}</aside></body></html>"
    ))
}

#[slot(feed, header)]
async fn feed_header() -> &'static str {
    "Feed"
}

#[slot(feed, posts, loading = posts_skeleton)]
async fn posts(Path(delay): Path<u64>) -> Html<&'static str> {
    sleep_ms(3 * delay).await;
    Html("<p>posts</p>")
}

fn posts_skeleton() -> Html<&'static str> {
    Html("<p class=\"skeleton\">loading posts</p>")
}

#[slot(feed, trends, loading = trends_skeleton)]
async fn trends(Path(delay): Path<u64>) -> Html<&'static str> {
    sleep_ms(delay).await;
    Html("<p>trends</p>")
}

fn trends_skeleton() -> &'static str {
    "loading trends"
}

#[tokio::test]
async fn the_shell_goes_out_first_and_each_slot_when_ready_in_completion_order() {
    let reply = chunks(feed::router(), get("/feed/100")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-accel-buffering"], "no");
    assert!(
        reply.headers.get("server-timing").is_none(),
        "streamed pages carry no Server-Timing"
    );
    assert_eq!(
        reply.chunks.len(),
        3,
        "shell, trends, posts + tail: {:?}",
        reply.chunks
    );

    let chunks = reply.unsalted();
    let at = reply.chunks[0].0;
    assert!(at < Duration::from_millis(80), "the shell took {at:?}");
    assert_eq!(
        chunks[0],
        format!(
            "<html><body><header>Feed</header>\
             <main><template id=pr-R-1></template><p class=\"skeleton\">loading posts</p><!--/pr-R-1--></main>\
             <aside><template id=pr-R-2></template>loading trends<!--/pr-R-2--></aside>\
             <script>{SWAP_SCRIPT}</script>"
        )
    );

    // trends (100 ms) before posts (300 ms): completion order, each as soon as it is ready.
    let at = reply.chunks[1].0;
    assert!(
        (Duration::from_millis(90)..Duration::from_millis(250)).contains(&at),
        "{at:?}"
    );
    assert_eq!(
        chunks[1],
        "<template id=prc-R-2><p>trends</p></template><script>$PR(\"R\",2)</script>"
    );
    let at = reply.chunks[2].0;
    assert!(at >= Duration::from_millis(290), "{at:?}");
    assert_eq!(
        chunks[2],
        "<template id=prc-R-1><p>posts</p></template><script>$PR(\"R\",1)</script></body></html>"
    );
}

#[tokio::test]
async fn a_page_whose_slots_are_ready_at_the_shell_is_one_write_with_no_script() {
    let reply = chunks(feed::router(), get("/feed/0")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.chunks.len(), 1);
    assert_eq!(
        reply.body(),
        "<html><body><header>Feed</header><main><p>posts</p></main><aside><p>trends</p></aside></body></html>"
    );
    assert!(reply.headers.get("x-accel-buffering").is_none());
}

#[tokio::test]
async fn scripts_carry_the_csp_nonce_attribute_escaped() {
    let mut request = get("/feed/20");
    request
        .extensions_mut()
        .insert(CspNonce("r4nd\"<om".to_owned()));
    let body = chunks(feed::router(), request).await.body();
    let scripts = body.matches("<script").count();
    assert_eq!(scripts, 3, "the swap function and two swaps: {body}");
    assert_eq!(
        body.matches("<script nonce=\"r4nd&quot;&lt;om\">").count(),
        3,
        "{body}"
    );
}

// --- In order -----------------------------------------------------------------------------

#[layout("/ordered/{delay}", slots(first, second), stream = in_order)]
async fn ordered(first: Fragment, second: Fragment) -> Html<String> {
    Html(format!(
        "<body><h1>top</h1>{first}<hr>{second}<footer>end</footer></body>"
    ))
}

#[slot(ordered, first, loading = posts_skeleton)]
async fn ordered_first(Path(delay): Path<u64>) -> &'static str {
    sleep_ms(3 * delay).await;
    "first"
}

#[slot(ordered, second, loading = trends_skeleton)]
async fn ordered_second(Path(delay): Path<u64>) -> &'static str {
    sleep_ms(delay).await;
    "second"
}

#[tokio::test]
async fn in_order_sends_document_order_with_no_script() {
    let reply = chunks(ordered::router(), get("/ordered/100")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body().contains("<script"), "{}", reply.body());
    assert!(
        !reply.body().contains("<!--pr-"),
        "no marker is left: {}",
        reply.body()
    );
    assert_eq!(
        reply.body(),
        "<body><h1>top</h1>first<hr>second<footer>end</footer></body>"
    );
    let texts: Vec<&str> = reply
        .chunks
        .iter()
        .map(|(_, chunk)| chunk.as_str())
        .collect();
    // The part before the first slot at once; then `first` (300 ms), with `second`, which
    // was already there, and the rest.
    assert_eq!(
        texts,
        [
            "<body><h1>top</h1>",
            "first<hr>second<footer>end</footer></body>"
        ]
    );
    assert!(reply.chunks[0].0 < Duration::from_millis(80));
    assert!(reply.chunks[1].0 >= Duration::from_millis(290));
}

// --- Failures while streaming ---------------------------------------------------------------

#[layout("/fragile-feed/{mode}", slots(ok, flaky))]
async fn fragile_feed(ok: Fragment, flaky: Fragment) -> Html<String> {
    Html(format!("<body>{ok}|{flaky}</body>"))
}

#[slot(fragile_feed, ok)]
async fn fragile_ok() -> &'static str {
    "ok"
}

#[slot(fragile_feed, flaky, loading = trends_skeleton, timeout_ms = 150)]
async fn fragile_flaky(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    match mode.as_str() {
        "early-404" => Err(Interrupt::not_found()),
        "late-404" => {
            sleep_ms(50).await;
            Err(Interrupt::not_found())
        }
        "panic" => {
            sleep_ms(50).await;
            panic!("streamed panic secret")
        }
        "slow" => {
            sleep_ms(5_000).await;
            Ok("never")
        }
        _ => Ok("fine"),
    }
}

fn fallback_of(body: &str) -> bool {
    unsalted(body, body).contains(r#"<template id=prc-R-1><div role="alert" data-slot-error="flaky">This section could not be loaded.</div></template>"#)
}

#[tokio::test]
async fn error_panic_and_timeout_fallbacks_stream_into_their_slot() {
    for mode in ["panic", "slow"] {
        let reply = chunks(
            fragile_feed::router(),
            get(&format!("/fragile-feed/{mode}")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{mode}");
        assert!(fallback_of(&reply.body()), "{mode}: {}", reply.body());
        assert!(!reply.body().contains("secret"));
    }
}

#[tokio::test]
async fn an_interrupt_before_the_shell_decides_the_status_and_after_it_renders_the_fallback() {
    let early = chunks(fragile_feed::router(), get("/fragile-feed/early-404")).await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);
    let late = chunks(fragile_feed::router(), get("/fragile-feed/late-404")).await;
    assert_eq!(late.status, StatusCode::OK, "the shell had gone out");
    assert!(fallback_of(&late.body()), "{}", late.body());
}

// --- Cancellation ---------------------------------------------------------------------------

#[derive(Clone, Default)]
struct Flags {
    dropped: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
}

#[layout("/watched", slots(quick, watched))]
async fn watched(quick: Fragment, watched: Fragment) -> Html<String> {
    Html(format!("<body>{quick}{watched}</body>"))
}

#[slot(watched, quick)]
async fn watched_quick() -> &'static str {
    "quick"
}

#[slot(watched, watched, loading = trends_skeleton)]
async fn watched_slow(State(flags): State<Flags>) -> &'static str {
    struct Guard(Arc<AtomicBool>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let _guard = Guard(flags.dropped.clone());
    sleep_ms(400).await;
    flags.finished.store(true, Ordering::SeqCst);
    "late"
}

#[tokio::test]
async fn dropping_the_body_mid_stream_drops_the_pending_slots() {
    let flags = Flags::default();
    let app: Router = watched::router().with_state(flags.clone());
    let response = app.oneshot(get("/watched")).await.unwrap();
    let mut body = response.into_body();
    let shell = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&shell).contains("<template id=pr-"));
    assert!(
        !flags.dropped.load(Ordering::SeqCst),
        "the slot is still running"
    );
    drop(body);
    assert!(
        flags.dropped.load(Ordering::SeqCst),
        "dropping the body dropped the slot"
    );
    sleep_ms(600).await;
    assert!(
        !flags.finished.load(Ordering::SeqCst),
        "the slot kept running detached"
    );
}

// --- Behind compression -----------------------------------------------------------------------

/// tower-http's `CompressionLayer` flushes its encoder at each chunk of a streamed body, so the
/// compressed shell still goes out before the slow slots (measured, not assumed: this test
/// fails if compression holds the stream back).
#[tokio::test]
async fn compression_does_not_hold_back_the_shell() {
    let app = feed::router().layer(tower_http::compression::CompressionLayer::new());
    let request = Request::get("/feed/100")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let reply = chunks_bytes(app, request).await;
    assert_eq!(reply.0["content-encoding"], "gzip");
    let (first, _) = reply.1.first().expect("a first chunk");
    assert!(
        *first < Duration::from_millis(80),
        "the compressed shell took {first:?}; chunks at {:?}",
        reply
            .1
            .iter()
            .map(|(at, len)| (at, len))
            .collect::<Vec<_>>()
    );
    assert!(reply.1.len() >= 3, "{:?}", reply.1);
}

/// The headers, and each data frame's arrival time and length.
async fn chunks_bytes(
    app: Router,
    request: Request<Body>,
) -> (axum::http::HeaderMap, Vec<(Duration, usize)>) {
    let started = Instant::now();
    let response = app.oneshot(request).await.unwrap();
    let (parts, mut body) = response.into_parts();
    let mut frames = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            frames.push((started.elapsed(), data.len()));
        }
    }
    (parts.headers, frames)
}

// --- Found in review ---------------------------------------------------------------------------

#[layout("/slow-layout/{mode}", slots(quick, steps))]
async fn slow_layout(quick: Fragment, steps: Fragment) -> Html<String> {
    sleep_ms(300).await;
    Html(format!("<body>{quick}|{steps}</body>"))
}

#[slot(slow_layout, quick)]
async fn slow_layout_quick() -> &'static str {
    "quick"
}

/// Named `loading`, like the function the generated code wraps it in.
fn loading() -> &'static str {
    "skeleton"
}

#[slot(slow_layout, steps, loading = loading)]
async fn slow_layout_steps(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    for _ in 0..4 {
        sleep_ms(50).await;
    }
    if mode == "interrupt" {
        return Err(Interrupt::forbidden());
    }
    Ok("steps")
}

#[tokio::test]
async fn loading_slots_keep_running_while_the_layout_renders() {
    let started = Instant::now();
    let reply = chunks(slow_layout::router(), get("/slow-layout/ok")).await;
    let elapsed = started.elapsed();
    // The layout (300 ms) and the slot (4 x 50 ms) overlap: ~300 ms, not ~500; the slot,
    // done before the shell, is inlined.
    assert!(elapsed < Duration::from_millis(450), "{elapsed:?}");
    assert_eq!(reply.body(), "<body>quick|steps</body>");
}

#[tokio::test]
async fn an_interrupt_while_the_layout_renders_still_decides_the_status() {
    let reply = chunks(slow_layout::router(), get("/slow-layout/interrupt")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

fn panicking_skeleton() -> &'static str {
    panic!("skeleton panicked")
}

#[layout("/bad-skeleton", slots(quick, late))]
async fn bad_skeleton(quick: Fragment, late: Fragment) -> Html<String> {
    Html(format!("<body>{quick}|{late}</body>"))
}

#[slot(bad_skeleton, quick)]
async fn bad_skeleton_quick() -> &'static str {
    "quick"
}

#[slot(bad_skeleton, late, loading = panicking_skeleton)]
async fn bad_skeleton_late() -> &'static str {
    sleep_ms(50).await;
    "late"
}

#[tokio::test]
async fn a_panicking_placeholder_renders_none_and_the_page_streams_on() {
    let reply = chunks(bad_skeleton::router(), get("/bad-skeleton")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let chunks = reply.unsalted();
    assert!(
        chunks[0].contains("<template id=pr-R-1></template><!--/pr-R-1-->"),
        "{chunks:?}"
    );
    assert!(
        chunks
            .concat()
            .contains("<template id=prc-R-1>late</template>")
    );
}
