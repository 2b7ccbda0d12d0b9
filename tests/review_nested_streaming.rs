//! Review of streaming through nesting (commit 44fc881): a `loading =` slot at any level of a
//! nested page streams in the outermost layout's stream. Attacks: three levels of loading
//! slots (places, completion order, every placeholder filled), interrupts, panics, timeouts
//! and error fallbacks of nested slots, slots a nested layout leaves out or prints twice, a
//! nested layout that returns text, a level's loading slot kept running while the levels
//! around it work, `@slot` endpoints, `fragments = false`, concurrent requests, dropped
//! bodies, guards and `Server-Timing`. Found: a level's loading slot stopped running once
//! handed to the page until the page took it (fixed: the page polls the handed slots while
//! it waits); a nested layout returning text escapes its placeholders (a stated limit; the
//! test is ignored with its reason).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Html;
use http_body_util::BodyExt;
use parallel_routes::prelude::*;
use parallel_routes_tests::{Chunks, DropGuard, chunks, get, request, timed, unsalted};
use tower::ServiceExt;

/// Sleeps, or for 0 ms returns at once.
async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Milliseconds since the first call in this process: a clock shared by a slot and a test.
fn now_ms() -> u128 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_millis()
}

/// The number written after `tag` in `body` (`STEPS@123`).
fn stamp(body: &str, tag: &str) -> u128 {
    let at = body
        .find(tag)
        .unwrap_or_else(|| panic!("no {tag} in {body}"))
        + tag.len();
    let digits: String = body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// What a browser makes of an out-of-order body (unsalted: the stream id is `R`): the swap
/// function removed, each `<template id=prc-R-N>…</template><script>$PR("R",N)</script>` taken
/// out and its content put in place of every placeholder `N`. Returns the document and the
/// places in the order they were sent.
fn assemble(body: &str) -> (String, Vec<usize>) {
    let mut doc = body.to_owned();
    if let Some(at) = doc.find("function $PR") {
        let start = doc[..at].rfind("<script").unwrap();
        let end = at + doc[at..].find("</script>").unwrap() + "</script>".len();
        doc.replace_range(start..end, "");
    }
    let mut swaps = Vec::new();
    while let Some(start) = doc.find("<template id=prc-R-") {
        let number_at = start + "<template id=prc-R-".len();
        let close = number_at + doc[number_at..].find('>').unwrap();
        let index: usize = doc[number_at..close].parse().unwrap();
        let content_end = close + doc[close..].find("</template>").unwrap();
        let content = doc[close + 1..content_end].to_owned();
        let call = format!("$PR(\"R\",{index})</script>");
        let end = content_end + doc[content_end..].find(&call).unwrap() + call.len();
        doc.replace_range(start..end, "");
        swaps.push((index, content));
    }
    for (index, content) in &swaps {
        let (open, close) = (
            format!("<template id=pr-R-{index}></template>"),
            format!("<!--/pr-R-{index}-->"),
        );
        let mut filled = 0;
        while let Some(start) = doc.find(&open) {
            let end = start + doc[start..].find(&close).unwrap() + close.len();
            doc.replace_range(start..end, content);
            filled += 1;
        }
        assert!(
            filled > 0,
            "slot {index} was sent but has no placeholder: {body}"
        );
    }
    assert!(
        !doc.contains("pr-R-"),
        "a placeholder was never filled: {doc}"
    );
    (doc, swaps.into_iter().map(|(index, _)| index).collect())
}

/// The places of the placeholders in a shell, in document order.
fn places(shell: &str) -> Vec<usize> {
    shell
        .match_indices("<template id=pr-R-")
        .map(|(at, found)| {
            let rest = &shell[at + found.len()..];
            rest[..rest.find('>').unwrap()].parse().unwrap()
        })
        .collect()
}

fn html(reply: &Chunks) -> (String, Vec<String>) {
    let body = reply.body();
    (unsalted(&body, &body), reply.unsalted())
}

// --- Three levels, each with loading slots -------------------------------------------------

/// Each slot's plan: `"DELAY"` or `"DELAY:ACTION"` (`redirect`, `not_found`, `panic`, `err`).
#[derive(serde::Deserialize, Default, Clone)]
struct Plan {
    ra: Option<String>,
    rb: Option<String>,
    rq: Option<String>,
    ma: Option<String>,
    mb: Option<String>,
    la: Option<String>,
    lb: Option<String>,
    /// A slot the middle level leaves out.
    hide: Option<String>,
    /// A slot the leaf prints twice.
    twice: Option<String>,
}

fn parse(spec: &Option<String>) -> (u64, &str) {
    let spec = spec.as_deref().unwrap_or("0");
    let (delay, action) = spec.split_once(':').unwrap_or((spec, ""));
    (delay.parse().unwrap(), action)
}

async fn act(spec: &Option<String>, content: &str) -> Result<Html<String>, Interrupt> {
    let (delay, action) = parse(spec);
    sleep_ms(delay).await;
    match action {
        "redirect" => Err(Interrupt::redirect("/elsewhere")),
        "not_found" => Err(Interrupt::not_found()),
        "panic" => panic!("{content} panics"),
        _ => Ok(Html(format!("<b>{content}</b>"))),
    }
}

#[layout("/nr3", slots(ra, rb, rq), timeout_ms = 1500, routes("/m/l", "/m"))]
async fn nr3(ra: Fragment, rb: Fragment, rq: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{ra}|{rb}|{rq}</header><main>{children}</main></body></html>"
    ))
}

#[slot(nr3, ra, default, loading = sk_ra)]
async fn nr3_ra(Query(p): Query<Plan>) -> Result<Html<String>, Interrupt> {
    act(&p.ra, "RA").await
}

#[slot(nr3, rb, default, loading = sk_rb)]
async fn nr3_rb(Query(p): Query<Plan>) -> Result<Html<String>, Interrupt> {
    act(&p.rb, "RB").await
}

#[slot(nr3, rq, default)]
async fn nr3_rq(Query(p): Query<Plan>) -> Result<Html<String>, Interrupt> {
    act(&p.rq, "RQ").await
}

#[page(nr3)]
async fn nr3_page() -> &'static str {
    "root page"
}

#[layout("/nr3/m", slots(ma, mb), parent = nr3, routes("/l"))]
async fn nr3m(
    Query(p): Query<Plan>,
    ma: Fragment,
    mb: Fragment,
    children: Fragment,
) -> Html<String> {
    let mb = if p.hide.as_deref() == Some("mb") {
        String::new()
    } else {
        mb.to_string()
    };
    Html(format!("<section>{ma}|{mb}|{children}</section>"))
}

#[slot(nr3m, ma, default, loading = sk_ma, error = ma_failed)]
async fn nr3m_ma(Query(p): Query<Plan>) -> Result<Html<String>, String> {
    let (delay, action) = parse(&p.ma);
    sleep_ms(delay).await;
    match action {
        "err" => Err("ma broke".to_owned()),
        _ => Ok(Html("<b>MA</b>".to_owned())),
    }
}

fn ma_failed(_: &SlotError) -> Html<&'static str> {
    Html("<b>MA FAILED</b>")
}

#[slot(nr3m, mb, default, loading = sk_mb)]
async fn nr3m_mb(Query(p): Query<Plan>) -> Result<Html<String>, Interrupt> {
    act(&p.mb, "MB").await
}

#[page(nr3m)]
async fn nr3m_page() -> &'static str {
    "mid page"
}

#[layout("/nr3/m/l", slots(la, lb), parent = nr3m)]
async fn nr3ml(
    Query(p): Query<Plan>,
    la: Fragment,
    lb: Fragment,
    children: Fragment,
) -> Html<String> {
    let twice = if p.twice.as_deref() == Some("lb") {
        lb.to_string()
    } else {
        String::new()
    };
    Html(format!("<article>{la}|{lb}|{children}{twice}</article>"))
}

#[slot(nr3ml, la, loading = sk_la)]
async fn nr3ml_la(Query(p): Query<Plan>) -> Result<Html<String>, Interrupt> {
    act(&p.la, "LA").await
}

#[slot(nr3ml, lb, loading = sk_lb)]
async fn nr3ml_lb(Query(p): Query<Plan>) -> Result<Html<String>, Interrupt> {
    act(&p.lb, "LB").await
}

#[page(nr3ml)]
async fn nr3ml_page() -> &'static str {
    "leaf page"
}

fn sk_ra() -> Html<&'static str> {
    Html("<i>ra loading</i>")
}
fn sk_rb() -> Html<&'static str> {
    Html("<i>rb loading</i>")
}
fn sk_ma() -> Html<&'static str> {
    Html("<i>ma loading</i>")
}
fn sk_mb() -> Html<&'static str> {
    Html("<i>mb loading</i>")
}
fn sk_la() -> Html<&'static str> {
    Html("<i>la loading</i>")
}
fn sk_lb() -> Html<&'static str> {
    Html("<i>lb loading</i>")
}

fn nr3_app() -> Router {
    Router::new()
        .merge(nr3::router())
        .merge(nr3m::router())
        .merge(nr3ml::router())
}

/// The buffered document of `/nr3/m/l`, with `<b>X</b>` replaced as `changes` say.
fn nr3_document(changes: &[(&str, &str)]) -> String {
    let mut doc = "<html><body><header><b>RA</b>|<b>RB</b>|<b>RQ</b></header><main><section><b>MA</b>|<b>MB</b>|<article><b>LA</b>|<b>LB</b>|leaf page</article></section></main></body></html>".to_owned();
    for (from, to) in changes {
        doc = doc.replace(from, to);
    }
    doc
}

/// Six loading slots over three levels, all pending at the shell, in several completion
/// orders: six distinct places, every placeholder filled, each slot sent in completion order,
/// and the swaps give the buffered document.
#[tokio::test]
async fn three_levels_of_loading_slots_get_distinct_places_fill_every_placeholder_in_completion_order()
 {
    let names = ["ra", "rb", "ma", "mb", "la", "lb"];
    let orders: [[u64; 6]; 4] = [
        [1, 2, 3, 4, 5, 6],
        [6, 5, 4, 3, 2, 1],
        [3, 6, 1, 5, 2, 4],
        [5, 1, 6, 2, 4, 3],
    ];
    for order in orders {
        let query: Vec<String> = names
            .iter()
            .zip(order)
            .map(|(name, rank)| format!("{name}={}", rank * 80))
            .collect();
        let uri = format!("/nr3/m/l?{}", query.join("&"));
        let reply = chunks(nr3_app(), request(&uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        let (body, chunks) = html(&reply);
        let shell = &chunks[0];
        for name in names {
            assert!(
                shell.contains(&format!("<i>{name} loading</i>")),
                "{uri}: no {name} skeleton in the shell {shell}"
            );
        }
        let mut shell_places = places(shell);
        shell_places.sort_unstable();
        shell_places.dedup();
        assert_eq!(shell_places.len(), 6, "{uri}: places collide: {shell}");
        let (doc, sent) = assemble(&body);
        assert_eq!(doc, nr3_document(&[]), "{uri}");
        // Each place sent once, in the order the slots finished.
        let place_of = |name: &str| {
            let skeleton = format!("<i>{name} loading</i>");
            let at = shell.find(&skeleton).unwrap();
            let open = shell[..at].rfind("<template id=pr-R-").unwrap();
            places(&shell[open..])[0]
        };
        let mut by_rank: Vec<(u64, &str)> = order.iter().copied().zip(names).collect();
        by_rank.sort_unstable();
        let expected: Vec<usize> = by_rank.iter().map(|(_, name)| place_of(name)).collect();
        assert_eq!(sent, expected, "{uri}: not in completion order: {body}");
    }
}

/// Two requests at once, with opposite completion orders: each gets its own stream id and
/// its own slots, and each assembles to the buffered document.
#[tokio::test]
async fn two_concurrent_nested_streams_share_nothing() {
    let first = "/nr3/m/l?ra=60&rb=120&ma=180&mb=240&la=300&lb=360";
    let second = "/nr3/m/l?ra=360&rb=300&ma=240&mb=180&la=120&lb=60";
    let (a, b) = tokio::join!(
        chunks(nr3_app(), request(first)),
        chunks(nr3_app(), request(second))
    );
    let (body_a, body_b) = (a.body(), b.body());
    let id = |body: &str| body[body.find("pr-").unwrap() + 3..][..16].to_owned();
    assert_ne!(id(&body_a), id(&body_b));
    for (uri, reply) in [(first, &a), (second, &b)] {
        let (body, _) = html(reply);
        assert_eq!(assemble(&body).0, nr3_document(&[]), "{uri}");
    }
}

/// A nested loading slot that redirects after the shell ends the page at once: the redirect is
/// followed, every pending placeholder of every level shows its fallback, and the slots still
/// running (1.2 s) are not waited for.
#[tokio::test]
async fn a_leaf_loading_slot_that_redirects_after_the_shell_ends_the_page_at_every_level() {
    let uri = "/nr3/m/l?ra=1200&rb=1200&ma=1200&mb=1200&la=1200&lb=100:redirect";
    let reply = chunks(nr3_app(), request(uri)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let (body, chunks) = html(&reply);
    assert!(chunks.len() >= 2, "{chunks:?}");
    let last = reply.chunks.last().unwrap().0;
    assert!(
        last < Duration::from_millis(900),
        "the page waited for the dropped slots: {last:?}"
    );
    assert!(
        body.contains("location.replace(\"/elsewhere\")") && body.contains("url=/elsewhere"),
        "{body}"
    );
    let (doc, _) = assemble(&body);
    let fallback = |slot: &str| {
        format!(
            "<div role=\"alert\" data-slot-error=\"{slot}\">This section could not be loaded.</div>"
        )
    };
    // The redirect's follow goes after the shell, before the layout's closing tags.
    let follow = "<script>location.replace(\"/elsewhere\")</script><meta http-equiv=\"refresh\" content=\"0;url=/elsewhere\">";
    assert!(doc.contains(follow), "{doc}");
    let doc = doc.replace(follow, "");
    let expected = nr3_document(&[
        ("<b>RA</b>", &fallback("ra")),
        ("<b>RB</b>", &fallback("rb")),
        ("<b>MA</b>", "<b>MA FAILED</b>"),
        ("<b>MB</b>", &fallback("mb")),
        ("<b>LA</b>", &fallback("la")),
        ("<b>LB</b>", &fallback("lb")),
    ]);
    assert_eq!(doc, expected, "{body}");
}

/// A nested loading slot that interrupts before the shell decides the status: at once (done
/// before its level renders), or after its level handed it to the page but while the root
/// still awaits a required slot.
#[tokio::test]
async fn a_nested_loading_slot_that_interrupts_before_the_shell_decides_the_status() {
    for (uri, status) in [
        ("/nr3/m/l?lb=0:redirect", StatusCode::SEE_OTHER),
        ("/nr3/m/l?la=0:not_found", StatusCode::NOT_FOUND),
        ("/nr3/m/l?lb=50:redirect&rq=300", StatusCode::SEE_OTHER),
        ("/nr3/m/l?mb=50:not_found&rq=300", StatusCode::NOT_FOUND),
    ] {
        let reply = get(nr3_app(), uri).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
        assert!(!reply.body.contains("pr-"), "{uri}: {}", reply.body);
        if status == StatusCode::SEE_OTHER {
            assert_eq!(reply.headers["location"], "/elsewhere", "{uri}");
        }
    }
}

/// A nested loading slot that panics, fails (with its `error =` fallback) or outlives the
/// root's `timeout_ms` streams its fallback; the others stream their content.
#[tokio::test]
async fn nested_loading_slots_stream_their_fallbacks_for_a_panic_an_error_and_a_timeout() {
    let uri = "/nr3/m/l?mb=100:panic&ma=150:err&la=5000&lb=50";
    let reply = chunks(nr3_app(), request(uri)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let (body, chunks) = html(&reply);
    assert!(chunks.len() >= 2, "{chunks:?}");
    for skeleton in ["mb loading", "ma loading", "la loading", "lb loading"] {
        assert!(chunks[0].contains(skeleton), "{skeleton}: {}", chunks[0]);
    }
    let last = reply.chunks.last().unwrap().0;
    assert!(last < Duration::from_millis(4000), "{last:?}");
    let (doc, _) = assemble(&body);
    let fallback = |slot: &str| {
        format!(
            "<div role=\"alert\" data-slot-error=\"{slot}\">This section could not be loaded.</div>"
        )
    };
    let expected = nr3_document(&[
        ("<b>MB</b>", &fallback("mb")),
        ("<b>MA</b>", "<b>MA FAILED</b>"),
        ("<b>LA</b>", &fallback("la")),
    ]);
    assert_eq!(doc, expected, "{body}");
}

/// A nested loading slot that its layout does not print is dropped, not awaited: the page ends
/// with the slots it prints.
#[tokio::test]
async fn a_nested_loading_slot_its_layout_leaves_out_is_not_awaited() {
    let uri = "/nr3/m/l?hide=mb&mb=1400&la=100";
    let reply = chunks(nr3_app(), request(uri)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let last = reply.chunks.last().unwrap().0;
    assert!(
        last < Duration::from_millis(900),
        "the page awaited a slot it does not print: {last:?}"
    );
    let (body, _) = html(&reply);
    let (doc, _) = assemble(&body);
    assert_eq!(doc, nr3_document(&[("<b>MB</b>", "")]), "{body}");
}

/// A nested loading slot its layout prints twice is filled in both places, whether it is
/// pending at the shell or done before it.
#[tokio::test]
async fn a_nested_loading_slot_printed_twice_is_filled_in_both_places() {
    for uri in [
        "/nr3/m/l?twice=lb&lb=150&la=50",
        "/nr3/m/l?twice=lb&lb=0&la=100",
    ] {
        let reply = chunks(nr3_app(), request(uri)).await;
        let (body, _) = html(&reply);
        let (doc, _) = assemble(&body);
        assert_eq!(
            doc,
            nr3_document(&[("leaf page", "leaf page<b>LB</b>")]),
            "{uri}: {body}"
        );
    }
}

/// `GET <nested path>/@<loading slot>` answers the slot's fragment, not a placeholder.
#[tokio::test]
async fn the_fragment_endpoint_of_a_nested_loading_slot_answers_its_content() {
    for (uri, content) in [
        ("/nr3/m/l/@la?la=50", "<b>LA</b>"),
        ("/nr3/m/l/@lb?lb=50&ra=1000", "<b>LB</b>"),
        ("/nr3/m/@mb?mb=50", "<b>MB</b>"),
    ] {
        let reply = get(nr3_app(), uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.body, content, "{uri}");
        assert!(reply.content_type().starts_with("text/html"), "{uri}");
    }
}

/// A streamed nested page never carries `Server-Timing` (the header is gone before its slots
/// finish), even when asked for.
#[tokio::test]
async fn a_streamed_nested_page_carries_no_server_timing() {
    let reply = chunks(timed(nr3_app()), request("/nr3/m/l?la=100")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.chunks.len() >= 2);
    assert!(
        !reply.headers.contains_key("server-timing"),
        "{:?}",
        reply.headers
    );
    assert_eq!(reply.headers["x-accel-buffering"], "no");
}

// --- A level's loading slot keeps running while the levels around it work -----------------

#[derive(serde::Deserialize)]
struct Pk {
    /// The root's required slot's delay.
    slow: u64,
    /// How long the nested layout function takes.
    nl: u64,
}

#[layout("/npk", slots(slow), routes("/n"))]
async fn npk(slow: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{slow}</header><main>{children}</main></body></html>"
    ))
}

#[slot(npk, slow, default)]
async fn npk_slow(Query(p): Query<Pk>) -> String {
    sleep_ms(p.slow).await;
    format!("SLOW@{}", now_ms())
}

#[page(npk)]
async fn npk_page() -> &'static str {
    "root page"
}

#[layout("/npk/n", slots(steps), parent = npk)]
async fn npkn(Query(p): Query<Pk>, steps: Fragment, children: Fragment) -> Html<String> {
    sleep_ms(p.nl).await;
    Html(format!("<div>NL@{}|{steps}|{children}</div>", now_ms()))
}

/// Four awaits in a row: work that only progresses while the slot is polled.
#[slot(npkn, steps, loading = steps_skeleton)]
async fn npkn_steps() -> String {
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    format!("STEPS@{}", now_ms())
}

fn steps_skeleton() -> &'static str {
    "steps loading"
}

#[page(npkn)]
async fn npkn_page() -> &'static str {
    "nested page"
}

fn npk_app() -> Router {
    npk::router().merge(npkn::router())
}

/// A root without loading slots streams a nested level's loading slot.
#[tokio::test]
async fn a_root_without_loading_slots_streams_a_nested_levels_loading_slot() {
    let reply = chunks(npk_app(), request("/npk/n?slow=0&nl=0")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let chunks = reply.unsalted();
    assert!(chunks.len() >= 2, "{chunks:?}");
    assert!(
        chunks[0].contains("steps loading") && !chunks[0].contains("STEPS@"),
        "{}",
        chunks[0]
    );
    assert!(chunks[1..].concat().contains("STEPS@"), "{chunks:?}");
}

/// SPEC: "The slots of every level and the page all start at once: no waterfall between
/// levels"; README: "a slot is never paused for the layout". A nested level's loading slot
/// (4 × 50 ms of awaits) keeps running while the root awaits its own 400 ms required slot: it
/// is done (at about 200 ms) before that slot.
#[tokio::test]
async fn a_nested_loading_slot_keeps_running_while_the_root_awaits_its_required_slots() {
    let start = now_ms();
    let reply = chunks(npk_app(), request("/npk/n?slow=400&nl=0")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.body();
    let (steps, slow) = (stamp(&body, "STEPS@"), stamp(&body, "SLOW@"));
    assert!(
        steps < slow,
        "the nested slot was paused while the root's slot ran: steps done {} ms after the request, the root's slot {} ms",
        steps - start,
        slow - start
    );
}

/// The same while the nested layout's own function runs (400 ms): its loading slot, handed to
/// the page, is done at about 200 ms, before the layout function returns.
#[tokio::test]
async fn a_nested_loading_slot_keeps_running_while_its_layout_function_runs() {
    let start = now_ms();
    let reply = chunks(npk_app(), request("/npk/n?slow=0&nl=400")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.body();
    let (steps, layout) = (stamp(&body, "STEPS@"), stamp(&body, "NL@"));
    assert!(
        steps < layout,
        "the nested slot was paused while its layout ran: steps done {} ms after the request, the layout {} ms",
        steps - start,
        layout - start
    );
}

// --- In order: a nested loading slot printed twice -----------------------------------------

#[derive(serde::Deserialize)]
struct Io {
    x: u64,
    y: u64,
}

#[layout("/nio", slots(x), stream = in_order, routes("/n"))]
async fn nio(x: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{x}</header><main>{children}</main></body></html>"
    ))
}

#[slot(nio, x, default, loading = x_skeleton)]
async fn nio_x(Query(p): Query<Io>) -> &'static str {
    sleep_ms(p.x).await;
    "X"
}

fn x_skeleton() -> &'static str {
    "x loading"
}

#[page(nio)]
async fn nio_page() -> &'static str {
    "root page"
}

#[layout("/nio/n", slots(y), parent = nio)]
async fn nion(y: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<p>{y}</p>{children}<p>{y}</p>"))
}

#[slot(nion, y, loading = y_skeleton)]
async fn nion_y(Query(p): Query<Io>) -> &'static str {
    sleep_ms(p.y).await;
    "Y"
}

fn y_skeleton() -> &'static str {
    "y loading"
}

#[page(nion)]
async fn nion_page() -> &'static str {
    "nested page"
}

/// In order, a nested loading slot printed twice is sent in both places, whichever finishes
/// first.
#[tokio::test]
async fn in_order_a_nested_loading_slot_printed_twice_is_sent_in_both_places() {
    let app = nio::router().merge(nion::router());
    for (x, y) in [(150, 40), (40, 150)] {
        let uri = format!("/nio/n?x={x}&y={y}");
        let reply = chunks(app.clone(), request(&uri)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.chunks.len() >= 2, "{uri}: {:?}", reply.chunks);
        assert_eq!(
            reply.body(),
            "<html><body><header>X</header><main><p>Y</p>nested page<p>Y</p></main></body></html>",
            "{uri}"
        );
    }
}

// --- A nested layout that returns text -----------------------------------------------------

#[layout("/ntx", slots(h), routes("/n"))]
async fn ntx(h: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{h}</header><main>{children}</main></body></html>"
    ))
}

#[slot(ntx, h, default)]
async fn ntx_h() -> &'static str {
    "H"
}

#[page(ntx)]
async fn ntx_page() -> &'static str {
    "root page"
}

/// A nested layout that returns `String`: text, escaped with whatever it interpolates.
#[layout("/ntx/n", slots(c), parent = ntx)]
async fn ntxn(c: Fragment, children: Fragment) -> String {
    format!("<div>{c}</div>{children}")
}

#[slot(ntxn, c, loading = c_skeleton)]
async fn ntxn_c() -> Html<&'static str> {
    sleep_ms(100).await;
    Html("<b>C</b>")
}

fn c_skeleton() -> Html<&'static str> {
    Html("<i>c loading</i>")
}

#[page(ntxn)]
async fn ntxn_page() -> &'static str {
    "nested page"
}

/// The buffered page shows a text layout's slot content escaped, as text. Streamed, the
/// nested layout escapes the placeholder instead: the page must still show the slot's content
/// (escaped, as buffered) and never the stream's markers as text. A known limit, stated in the
/// README: a nested layout with loading slots must return HTML.
#[tokio::test]
#[ignore = "known limit (README, nesting): a nested layout with loading slots must return HTML; text output escapes its placeholders"]
async fn a_nested_layout_returning_text_shows_its_loading_slots_content_not_the_streams_markers() {
    let app = ntx::router().merge(ntxn::router());
    let reply = chunks(app, request("/ntx/n")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.body();
    assert!(
        !body.contains("pr-"),
        "the stream's markers are shown as text: {body}"
    );
    assert_eq!(
        body,
        "<html><body><header>H</header><main>&lt;div&gt;&lt;b&gt;C&lt;/b&gt;&lt;/div&gt;nested page</main></body></html>"
    );
}

// --- `fragments = false` on a nested layout with a loading slot ----------------------------

#[layout("/nff", slots(h), routes("/n"))]
async fn nff(h: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{h}</header><main>{children}</main></body></html>"
    ))
}

#[slot(nff, h, default)]
async fn nff_h() -> &'static str {
    "H"
}

#[page(nff)]
async fn nff_page() -> &'static str {
    "root page"
}

#[layout("/nff/n", slots(c), parent = nff, fragments = false)]
async fn nffn(c: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<div>{c}</div>{children}"))
}

#[slot(nffn, c, loading = c_skeleton)]
async fn nffn_c() -> Html<&'static str> {
    sleep_ms(100).await;
    Html("<b>C</b>")
}

#[page(nffn)]
async fn nffn_page() -> &'static str {
    "nested page"
}

/// A nested layout with `fragments = false` still streams its loading slot, and serves no
/// `@c`.
#[tokio::test]
async fn a_nested_layout_without_fragments_streams_and_serves_no_fragment() {
    let app = nff::router().merge(nffn::router());
    let reply = chunks(app.clone(), request("/nff/n")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let (body, chunks) = html(&reply);
    assert!(chunks.len() >= 2, "{chunks:?}");
    assert!(chunks[0].contains("c loading"), "{}", chunks[0]);
    assert_eq!(
        assemble(&body).0,
        "<html><body><header>H</header><main><div><b>C</b></div>nested page</main></body></html>"
    );
    let fragment = get(app, "/nff/n/@c").await;
    assert_eq!(fragment.status, StatusCode::NOT_FOUND);
}

// --- Dropping the body drops the pending slots of every level ------------------------------

static DROP_STARTED: AtomicUsize = AtomicUsize::new(0);
static DROP_DROPPED: AtomicUsize = AtomicUsize::new(0);

async fn guarded(content: &'static str) -> &'static str {
    let _guard = DropGuard(&DROP_DROPPED);
    DROP_STARTED.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(5)).await;
    content
}

#[layout("/ndr", slots(dr), routes("/m/l", "/m"))]
async fn ndr(dr: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{dr}</header><main>{children}</main></body></html>"
    ))
}

#[slot(ndr, dr, default, loading = x_skeleton)]
async fn ndr_dr() -> &'static str {
    guarded("DR").await
}

#[page(ndr)]
async fn ndr_page() -> &'static str {
    "root page"
}

#[layout("/ndr/m", slots(dm), parent = ndr, routes("/l"))]
async fn ndrm(dm: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<div>{dm}</div>{children}"))
}

#[slot(ndrm, dm, default, loading = x_skeleton)]
async fn ndrm_dm() -> &'static str {
    guarded("DM").await
}

#[page(ndrm)]
async fn ndrm_page() -> &'static str {
    "mid page"
}

#[layout("/ndr/m/l", slots(dl), parent = ndrm)]
async fn ndrml(dl: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<div>{dl}</div>{children}"))
}

#[slot(ndrml, dl, loading = x_skeleton)]
async fn ndrml_dl() -> &'static str {
    guarded("DL").await
}

#[page(ndrml)]
async fn ndrml_page() -> &'static str {
    "leaf page"
}

/// The client goes away after the shell: the pending slots of all three levels are dropped.
#[tokio::test]
async fn dropping_the_body_after_the_shell_drops_the_pending_slots_of_three_levels() {
    let app = ndr::router().merge(ndrm::router()).merge(ndrml::router());
    let response = app.oneshot(request("/ndr/m/l")).await.unwrap();
    let mut body = response.into_body();
    let shell = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&shell).contains("x loading"));
    assert_eq!(DROP_STARTED.load(Ordering::SeqCst), 3);
    assert_eq!(DROP_DROPPED.load(Ordering::SeqCst), 0);
    drop(body);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(DROP_DROPPED.load(Ordering::SeqCst), 3);
}

// --- A guard of the deepest level rejects: no slot of any level starts ---------------------

static GUARD_STARTS: AtomicUsize = AtomicUsize::new(0);

/// Passes only with `key=1` in the query.
struct NeedKey;

impl<S: Send + Sync> FromRequestParts<S> for NeedKey {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, StatusCode> {
        if parts
            .uri
            .query()
            .is_some_and(|query| query.contains("key=1"))
        {
            Ok(NeedKey)
        } else {
            Err(StatusCode::UNAUTHORIZED)
        }
    }
}

async fn counted(content: &'static str) -> &'static str {
    GUARD_STARTS.fetch_add(1, Ordering::SeqCst);
    sleep_ms(50).await;
    content
}

#[layout("/ngd", slots(ga), routes("/m/l", "/m"))]
async fn ngd(ga: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{ga}</header><main>{children}</main></body></html>"
    ))
}

#[slot(ngd, ga, default, loading = x_skeleton)]
async fn ngd_ga() -> &'static str {
    counted("GA").await
}

#[page(ngd)]
async fn ngd_page() -> &'static str {
    counted("root page").await
}

#[layout("/ngd/m", slots(gm), parent = ngd, routes("/l"))]
async fn ngdm(gm: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<div>{gm}</div>{children}"))
}

#[slot(ngdm, gm, default, loading = x_skeleton)]
async fn ngdm_gm() -> &'static str {
    counted("GM").await
}

#[page(ngdm)]
async fn ngdm_page() -> &'static str {
    counted("mid page").await
}

#[layout("/ngd/m/l", slots(gl), parent = ngdm)]
async fn ngdml(_: NeedKey, gl: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<div>{gl}</div>{children}"))
}

#[slot(ngdml, gl, loading = x_skeleton)]
async fn ngdml_gl() -> &'static str {
    counted("GL").await
}

#[page(ngdml)]
async fn ngdml_page() -> &'static str {
    counted("leaf page").await
}

/// The deepest level's guard rejects a page with loading slots at every level: its rejection
/// answers and no slot of any level starts.
#[tokio::test]
async fn a_guard_of_the_deepest_level_rejects_before_any_levels_loading_slot_starts() {
    let app = ngd::router().merge(ngdm::router()).merge(ngdml::router());
    let reply = chunks(app.clone(), request("/ngd/m/l")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(!reply.body().contains("pr-"), "{}", reply.body());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(GUARD_STARTS.load(Ordering::SeqCst), 0);
    // With the key, every slot of the three levels runs and streams.
    let reply = chunks(app, request("/ngd/m/l?key=1")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let (body, _) = html(&reply);
    assert_eq!(
        assemble(&body).0,
        "<html><body><header>GA</header><main><div>GM</div><div>GL</div>leaf page</main></body></html>"
    );
    assert_eq!(GUARD_STARTS.load(Ordering::SeqCst), 4);
}
