//! Streaming: the shell goes out at once with each loading slot's placeholder; each slot
//! follows when it is ready, in completion order (or document order, in order), and a page
//! that is complete when the shell is ready goes out in one write.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{Request, StatusCode};
use axum::response::Html;
use http_body_util::BodyExt;
use parallel_routes::prelude::*;
use parallel_routes::{CspNonce, SWAP_SCRIPT, SlotError};
use parallel_routes_tests::{chunks, logged, unsalted};
use tower::ServiceExt;

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

/// The feed's shell (`{SWAP_SCRIPT}` stands for the swap function), with the stream id as `R`.
const FEED_SHELL: &str = "<html><body><header>Feed</header>\
    <main><template id=pr-R-1></template><p class=\"skeleton\">loading posts</p><!--/pr-R-1--></main>\
    <aside><template id=pr-R-2></template>loading trends<!--/pr-R-2--></aside>\
    <script>{SWAP_SCRIPT}</script>";

/// The feed's slots after its shell, in completion order, and its closing tags.
const FEED_SLOTS: &str = "<template id=prc-R-2><p>trends</p></template><script>$PR(\"R\",2)</script>\
    <template id=prc-R-1><p>posts</p></template><script>$PR(\"R\",1)</script></body></html>";

#[tokio::test]
async fn the_shell_goes_out_first_and_each_slot_when_ready_in_completion_order() {
    let reply = chunks(feed::router(), get("/feed/100")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["x-accel-buffering"], "no");
    assert!(
        reply.headers.get("server-timing").is_none(),
        "streamed pages carry no Server-Timing"
    );
    let chunks = reply.unsalted();
    assert_eq!(chunks[0], FEED_SHELL.replace("{SWAP_SCRIPT}", SWAP_SCRIPT));
    // trends (100 ms) before posts (300 ms): completion order; then the layout's closing tags.
    assert_eq!(chunks[1..].concat(), FEED_SLOTS);

    // Order and overlap rather than absolute times: the shell went out before the first slot
    // was ready, and trends was not held back for posts, 200 ms slower.
    let arrived = |content: &str| {
        reply
            .chunks
            .iter()
            .find(|(_, chunk)| chunk.contains(content))
            .unwrap_or_else(|| panic!("{content} never arrived: {:?}", reply.chunks))
            .0
    };
    assert!(arrived("loading posts") < arrived("<p>trends</p>"));
    assert!(
        arrived("<p>trends</p>") + Duration::from_millis(50) < arrived("<p>posts</p>"),
        "trends waited for posts: {:?}",
        reply.chunks
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
    // The part before `first` did not wait for it (300 ms).
    assert!(reply.chunks[0].0 + Duration::from_millis(150) < reply.chunks[1].0);
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

#[layout("/erring-feed", slots(ok, erring))]
async fn erring_feed(ok: Fragment, erring: Fragment) -> Html<String> {
    Html(format!("<body>{ok}|{erring}</body>"))
}

#[slot(erring_feed, ok)]
async fn erring_ok() -> &'static str {
    "ok"
}

#[slot(erring_feed, erring, loading = trends_skeleton)]
async fn erring() -> Result<&'static str, String> {
    sleep_ms(50).await;
    Err("streamed error secret".to_owned())
}

#[tokio::test]
async fn error_panic_and_timeout_fallbacks_stream_into_their_slot() {
    let reply = chunks(erring_feed::router(), get("/erring-feed")).await;
    let body = reply.unsalted().concat();
    assert!(
        body.contains(r#"<template id=prc-R-1><div role="alert" data-slot-error="erring">This section could not be loaded.</div></template>"#),
        "error: {body}"
    );
    assert!(!body.contains("secret"));
    assert!(reply.chunks[0].1.contains("loading trends"), "it streamed");
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
    assert_eq!(
        early.body(),
        "",
        "the interrupt's response, not the layout's"
    );
    assert!(early.headers.get("x-accel-buffering").is_none());
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
/// compressed shell still goes out before the slow slots: the first compressed frame alone
/// decompresses to the whole shell, before any slot was ready; all frames decompress to the
/// page (this test fails if compression holds the stream back or mangles it).
#[tokio::test]
async fn compression_does_not_hold_back_the_shell() {
    use std::io::Write as _;

    let app = feed::router().layer(tower_http::compression::CompressionLayer::new());
    let request = Request::get("/feed/100")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let (headers, frames) = frames(app, request).await;
    assert_eq!(headers["content-encoding"], "gzip");
    let mut decoder = flate2::write::GzDecoder::new(Vec::new());
    let mut decoded_at = Vec::new();
    for (at, frame) in &frames {
        decoder.write_all(frame).unwrap();
        decoder.flush().unwrap();
        decoded_at.push((*at, String::from_utf8(decoder.get_ref().clone()).unwrap()));
    }
    let body = String::from_utf8(decoder.finish().unwrap()).unwrap();
    let unsalted = |text: &str| unsalted(&body, text);
    let shell = FEED_SHELL.replace("{SWAP_SCRIPT}", SWAP_SCRIPT);
    assert_eq!(unsalted(&body), format!("{shell}{FEED_SLOTS}"));
    // The first frame alone gives the shell, which went out before trends (100 ms) was ready.
    let (first_at, first) = &decoded_at[0];
    assert_eq!(unsalted(first), shell);
    let trends_at = decoded_at
        .iter()
        .find(|(_, decoded)| decoded.contains("<p>trends</p>"))
        .expect("trends arrived")
        .0;
    assert!(first_at < &trends_at, "{frames:?}");
}

/// The headers, and each data frame with its arrival time.
async fn frames(
    app: Router,
    request: Request<Body>,
) -> (axum::http::HeaderMap, Vec<(Duration, axum::body::Bytes)>) {
    let started = Instant::now();
    let response = app.oneshot(request).await.unwrap();
    let (parts, mut body) = response.into_parts();
    let mut frames = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            frames.push((started.elapsed(), data));
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
    let reply = chunks(slow_layout::router(), get("/slow-layout/ok")).await;
    // The slot (4 x 50 ms) started with the layout (300 ms) and kept running while it
    // rendered: it was done by the time the shell was built, so it is inlined, with no
    // placeholder and no script. Had it been paused during the layout, it would stream.
    assert_eq!(reply.body(), "<body>quick|steps</body>");
    assert_eq!(reply.chunks.len(), 1);
}

#[tokio::test]
async fn an_interrupt_while_the_layout_renders_still_decides_the_status() {
    let reply = chunks(slow_layout::router(), get("/slow-layout/interrupt")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body(),
        "",
        "the interrupt's response, not the layout's shell"
    );
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

// --- Behaviour that had no test ------------------------------------------------------------------

#[layout("/mixed/{mode}", slots(quick, slow, custom), stream = in_order)]
async fn mixed_in_order(quick: Fragment, slow: Fragment, custom: Fragment) -> Html<String> {
    Html(format!("<body>[{quick}][{slow}][{custom}]</body>"))
}

#[layout("/mixed-ooo/{mode}", slots(quick, slow, custom))]
async fn mixed_out_of_order(quick: Fragment, slow: Fragment, custom: Fragment) -> Html<String> {
    Html(format!("<body>[{quick}][{slow}][{custom}]</body>"))
}

/// Ready at once: inlined into the shell while `slow` still streams.
async fn quick_content() -> &'static str {
    "quick"
}

async fn slow_content(mode: &str) -> Result<&'static str, Interrupt> {
    sleep_ms(60).await;
    match mode {
        "interrupt" => Err(Interrupt::forbidden()),
        _ => Ok("slow"),
    }
}

/// Fails in mode `fail`; otherwise (`interrupt` too) its content is ready at 30 ms, before
/// `slow` (60 ms), which it follows in document order.
async fn custom_content(mode: &str) -> Result<&'static str, String> {
    sleep_ms(30).await;
    match mode {
        "fail" => Err("custom secret".to_owned()),
        _ => Ok("custom"),
    }
}

fn custom_fallback(error: &SlotError) -> Html<String> {
    Html(format!("<i>{} could not load</i>", error.slot))
}

#[slot(mixed_in_order, quick, loading = trends_skeleton)]
async fn mixed_in_order_quick() -> &'static str {
    quick_content().await
}

#[slot(mixed_in_order, slow, loading = trends_skeleton)]
async fn mixed_in_order_slow(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    slow_content(&mode).await
}

#[slot(mixed_in_order, custom, loading = trends_skeleton, error = custom_fallback)]
async fn mixed_in_order_custom(Path(mode): Path<String>) -> Result<&'static str, String> {
    custom_content(&mode).await
}

#[slot(mixed_out_of_order, quick, loading = trends_skeleton)]
async fn mixed_out_of_order_quick() -> &'static str {
    quick_content().await
}

#[slot(mixed_out_of_order, slow, loading = trends_skeleton)]
async fn mixed_out_of_order_slow(Path(mode): Path<String>) -> Result<&'static str, Interrupt> {
    slow_content(&mode).await
}

#[slot(mixed_out_of_order, custom, loading = trends_skeleton, error = custom_fallback)]
async fn mixed_out_of_order_custom(Path(mode): Path<String>) -> Result<&'static str, String> {
    custom_content(&mode).await
}

#[tokio::test]
async fn one_slot_is_inlined_while_others_stream_and_a_custom_fallback_streams_in_its_place() {
    let reply = chunks(mixed_out_of_order::router(), get("/mixed-ooo/fail")).await;
    let chunks = reply.unsalted();
    // `quick` was ready when the shell was built: inlined, with no placeholder or script.
    assert!(
        chunks[0].starts_with("<body>[quick][<template id=pr-R-1>"),
        "{chunks:?}"
    );
    assert!(!chunks.concat().contains("prc-R-0"), "{chunks:?}");
    assert_eq!(
        chunks[1..].concat(),
        "<template id=prc-R-2><i>custom could not load</i></template><script>$PR(\"R\",2)</script>\
         <template id=prc-R-1>slow</template><script>$PR(\"R\",1)</script></body>"
    );
    assert!(!reply.body().contains("secret"));
}

#[tokio::test]
async fn in_order_a_failing_slot_shows_its_fallback_and_an_interrupt_ends_the_page() {
    let reply = chunks(mixed_in_order::router(), get("/mixed/fail")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body(),
        "<body>[quick][slow][<i>custom could not load</i>]</body>"
    );
    // `slow` interrupts at 60 ms, after the shell: the page ends, `slow` and `custom` show
    // their fallbacks. `custom` rendered its content at 30 ms, but it waits behind `slow` in
    // document order: once the page is interrupted, what arrived behind the interrupt is not
    // sent either.
    let reply = chunks(mixed_in_order::router(), get("/mixed/interrupt")).await;
    assert_eq!(reply.status, StatusCode::OK, "the shell had gone out");
    assert!(
        !reply.body().contains("[custom]"),
        "custom's content was sent after the interrupt: {}",
        reply.body()
    );
    assert_eq!(
        reply.body(),
        "<body>[quick][<div role=\"alert\" data-slot-error=\"slow\">This section could not be loaded.</div>][<i>custom could not load</i>]</body>"
    );
    assert!(
        !reply.body().contains("<script"),
        "in order sends no script"
    );
}

#[tokio::test]
async fn the_fragment_endpoint_of_a_loading_slot_awaits_it() {
    let reply = chunks(feed::router(), get("/feed/30/@posts")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body(), "<p>posts</p>");
    assert!(reply.headers.get("x-accel-buffering").is_none());
}

#[test]
fn an_interrupt_after_the_shell_is_logged_with_its_layout_slot_and_status() {
    let (_, log) = logged(
        tracing::Level::ERROR,
        false,
        chunks(fragile_feed::router(), get("/fragile-feed/late-404")),
    );
    let line = log
        .lines()
        .find(|line| line.contains("interrupted a streamed page after its shell was sent"))
        .unwrap_or_else(|| panic!("not logged:\n{log}"));
    for field in [
        "ERROR",
        "layout=\"fragile_feed\"",
        "slot=\"flaky\"",
        "status=404 Not Found",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
}

#[layout("/stopped", slots(open, stopper))]
async fn stopped(open: Fragment, stopper: Fragment) -> Html<String> {
    Html(format!("<body>{open}|{stopper}</body>"))
}

#[slot(stopped, open)]
async fn stopped_open() -> &'static str {
    "open"
}

#[slot(stopped, stopper)]
async fn stopped_stopper() -> Result<&'static str, Interrupt> {
    Err(Interrupt::forbidden())
}

/// A buffered page (no `loading`) whose slot interrupts it: the slot's span closes with
/// `outcome="interrupted"`, not `rendered` nor `failed`.
#[test]
fn an_interrupting_slots_span_closes_with_the_outcome_interrupted() {
    let (reply, log) = logged(
        tracing::Level::INFO,
        true,
        chunks(stopped::router(), get("/stopped")),
    );
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body(), "", "the interrupt's response");
    let closed: Vec<&str> = log
        .lines()
        .filter(|line| {
            line.contains(" INFO slot{layout=\"stopped\"")
                && line.contains("slot=\"stopper\"")
                && line.contains(": close time.busy=")
        })
        .collect();
    assert_eq!(closed.len(), 1, "one closed span for stopper in:\n{log}");
    assert!(
        closed[0].contains("outcome=\"interrupted\""),
        "{}\nin:\n{log}",
        closed[0]
    );
}

// --- Over a real socket ----------------------------------------------------------------------------

static SOCKET_SLOT_DONE: AtomicBool = AtomicBool::new(false);

#[layout("/socket", slots(late))]
async fn socket(late: Fragment) -> Html<String> {
    Html(format!("<html><body><h1>shell</h1>{late}</body></html>"))
}

fn socket_skeleton() -> &'static str {
    "skeleton"
}

#[slot(socket, late, loading = socket_skeleton)]
async fn socket_late() -> &'static str {
    sleep_ms(1_000).await;
    SOCKET_SLOT_DONE.store(true, Ordering::SeqCst);
    "late content"
}

/// Streaming as a client sees it: over TCP, through hyper, the shell is read from the socket
/// while the slow slot is still running, and the slot's content follows on the same response.
#[tokio::test]
async fn over_a_socket_the_shell_is_read_before_the_slow_slot_is_done() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, socket::router()).await });
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /socket HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    // Read until the shell (with its skeleton) is in: the slot must still be running.
    let shell_at = loop {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the connection closed before the shell arrived");
        received.extend_from_slice(&buffer[..read]);
        if String::from_utf8_lossy(&received).contains("skeleton") {
            break started.elapsed();
        }
    };
    assert!(
        !SOCKET_SLOT_DONE.load(Ordering::SeqCst),
        "the shell arrived only after the slot was done ({shell_at:?})"
    );
    assert!(!String::from_utf8_lossy(&received).contains("late content"));
    stream.read_to_end(&mut received).await.unwrap();
    let done_at = started.elapsed();
    let response = String::from_utf8_lossy(&received);
    assert!(SOCKET_SLOT_DONE.load(Ordering::SeqCst));
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response.contains("transfer-encoding: chunked"),
        "{response}"
    );
    assert!(response.contains("late content"), "{response}");
    assert!(shell_at < done_at, "{shell_at:?} {done_at:?}");
    server.abort();
}

// --- A root layout with a loading slot, and a layout nested in it ---------------------------

#[layout("/portal", slots(news), routes("/docs"))]
async fn portal(news: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><aside>{news}</aside><main>{children}</main></body></html>"
    ))
}

#[slot(portal, news, default, loading = news_skeleton)]
async fn portal_news() -> &'static str {
    sleep_ms(200).await;
    "news"
}

fn news_skeleton() -> &'static str {
    "loading news"
}

#[page(portal)]
async fn portal_home() -> &'static str {
    "home"
}

#[layout("/portal/docs", slots(toc), parent = portal)]
async fn docs(toc: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<nav>{toc}</nav>{children}"))
}

#[slot(docs, toc)]
async fn docs_toc() -> &'static str {
    sleep_ms(20).await;
    "contents"
}

#[page(docs)]
async fn docs_page() -> &'static str {
    "the docs"
}

/// The root's page and its nested layout's page are the same generated page (with the root's
/// own `#[page]`, or the nested layout, as `children`): both stream the root's loading slot.
/// The nested layout, which has no `loading`, is in the shell.
#[tokio::test]
async fn a_root_streams_its_loading_slots_around_its_own_page_and_a_nested_one() {
    let app = portal::router().merge(docs::router());
    for (path, main) in [
        ("/portal", "<main>home</main>"),
        ("/portal/docs", "<main><nav>contents</nav>the docs</main>"),
    ] {
        let reply = chunks(app.clone(), get(path)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        let chunks = reply.unsalted();
        assert!(chunks.len() >= 2, "{path} was not streamed: {chunks:?}");
        assert!(
            chunks[0].contains("loading news") && chunks[0].contains(main),
            "{path}: the shell should hold the skeleton and the page: {:?}",
            chunks[0]
        );
        assert!(!chunks[0].contains(">news<"), "{path}: {:?}", chunks[0]);
        assert!(
            chunks[1..]
                .concat()
                .contains("<template id=prc-R-0>news</template>"),
            "{path}: {chunks:?}"
        );
    }
}

// --- Loading slots at two levels ----------------------------------------------------------

#[layout("/deep", slots(banner), routes("/inner"))]
async fn deep(banner: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{banner}</header><main>{children}</main></body></html>"
    ))
}

#[slot(deep, banner, default, loading = banner_skeleton)]
async fn deep_banner(Query(delays): Query<Delays>) -> &'static str {
    sleep_ms(delays.banner).await;
    "BANNER"
}

fn banner_skeleton() -> &'static str {
    "banner loading"
}

#[page(deep)]
async fn deep_home() -> &'static str {
    "home"
}

#[layout("/deep/inner", slots(quick, slow), parent = deep)]
async fn inner(quick: Fragment, slow: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<nav>{quick}</nav><aside>{slow}</aside>{children}"))
}

#[slot(inner, quick)]
async fn inner_quick() -> &'static str {
    "QUICK"
}

#[slot(inner, slow, loading = slow_skeleton)]
async fn inner_slow(Query(delays): Query<Delays>) -> &'static str {
    sleep_ms(delays.slow).await;
    "SLOW"
}

fn slow_skeleton() -> &'static str {
    "slow loading"
}

#[page(inner)]
async fn inner_page() -> &'static str {
    "PAGE"
}

#[derive(serde::Deserialize)]
struct Delays {
    banner: u64,
    slow: u64,
}

/// A nested page with a loading slot at each level: the shell holds both placeholders (and
/// the levels' other content); each slot goes out as it finishes, in completion order, and
/// the swaps give the buffered page.
#[tokio::test]
async fn loading_slots_at_two_levels_stream_in_completion_order() {
    let app = deep::router().merge(inner::router());
    for (banner, slow, first) in [(200, 50, "SLOW"), (50, 200, "BANNER")] {
        let uri = format!("/deep/inner?banner={banner}&slow={slow}");
        let reply = chunks(app.clone(), get(&uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        let chunks = reply.unsalted();
        assert!(chunks.len() >= 3, "{uri}: {chunks:?}");
        let shell = &chunks[0];
        for part in ["banner loading", "slow loading", "<nav>QUICK</nav>", "PAGE"] {
            assert!(
                shell.contains(part),
                "{uri}: {part} not in the shell {shell}"
            );
        }
        assert!(
            !shell.contains("BANNER") && !shell.contains(">SLOW<"),
            "{uri}: {shell}"
        );
        let rest = chunks[1..].concat();
        let (banner_at, slow_at) = (
            rest.find(">BANNER</template>").expect("the banner is sent"),
            rest.find(">SLOW</template>")
                .expect("the slow slot is sent"),
        );
        assert_eq!(banner_at < slow_at, first == "BANNER", "{uri}: {rest}");
    }
}

#[layout("/deep-ordered", slots(banner), stream = in_order, routes("/inner"))]
async fn deep_ordered(banner: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{banner}</header><main>{children}</main></body></html>"
    ))
}

#[slot(deep_ordered, banner, default, loading = banner_skeleton)]
async fn deep_ordered_banner(Query(delays): Query<Delays>) -> &'static str {
    sleep_ms(delays.banner).await;
    "BANNER"
}

#[page(deep_ordered)]
async fn deep_ordered_home() -> &'static str {
    "home"
}

#[layout("/deep-ordered/inner", slots(quick, slow), parent = deep_ordered)]
async fn ordered_inner(quick: Fragment, slow: Fragment) -> Html<String> {
    Html(format!("<nav>{quick}</nav><aside>{slow}</aside>"))
}

#[slot(ordered_inner, quick)]
async fn ordered_inner_quick() -> &'static str {
    "QUICK"
}

#[slot(ordered_inner, slow, loading = slow_skeleton)]
async fn ordered_inner_slow(Query(delays): Query<Delays>) -> &'static str {
    sleep_ms(delays.slow).await;
    "SLOW"
}

/// In order, the nested level's loading slot is cut into the document where it stands, like
/// the root's: whichever finishes first, the body is the buffered page, sent in document order.
#[tokio::test]
async fn in_order_a_nested_loading_slot_is_sent_in_document_order() {
    let app = deep_ordered::router().merge(ordered_inner::router());
    for (banner, slow) in [(150, 30), (30, 150)] {
        let uri = format!("/deep-ordered/inner?banner={banner}&slow={slow}");
        let reply = chunks(app.clone(), get(&uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert!(reply.chunks.len() >= 2, "{uri}: {:?}", reply.chunks);
        assert_eq!(
            reply.body(),
            "<html><body><header>BANNER</header><main><nav>QUICK</nav><aside>SLOW</aside></main></body></html>",
            "{uri}"
        );
        assert!(!reply.body().contains("<script"), "{uri}");
        // The first chunk stops before the banner, the first thing still loading.
        assert!(
            reply.chunks[0].1.ends_with("<header>"),
            "{uri}: {:?}",
            reply.chunks
        );
    }
}
