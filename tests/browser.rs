//! Streaming in a real browser: headless Chromium, driven by Playwright through
//! [`parallel_routes_tests::chromium`] (`tests/browser/dom.mjs`), loads pages served on
//! 127.0.0.1.
//!
//! - The streaming example's feed (`examples/feed.rs`), with and without its strict
//!   `Content-Security-Policy: script-src 'nonce-…'`: after load every slot's content is where
//!   its placeholder was, no placeholder or template is left, and the console is silent.
//! - The policy is enforced, not just sent: over HTTP the feed's response carries the header
//!   and every inline `<script` carries its nonce; in Chromium a page with the same kind of
//!   policy and an app inline script *without* the nonce has that script refused (its mark is
//!   absent and Chromium logs the violation) while the streamed slots are swapped in (the
//!   framework's nonce'd scripts ran); without the policy the same script runs.
//! - Streaming is seen: on a page whose loading slot takes 1.5 s the skeleton is visible
//!   before the content is in the DOM; the buffered twin of that page fails the same check.
//! - The htmx example with the real htmx: two tab clicks re-render only the changed slots
//!   (counted on the server), update the DOM and the URL; Back restores.
//!
//! Needs Debian's `chromium`, Node.js and `npm ci --prefix tests/browser` (`scripts/test.sh`
//! installs them): without one the browser tests fail, saying what to install, unless
//! `SKIP_BROWSER_TESTS=1` is set (see [`parallel_routes_tests::chromium`]).

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::serve::ListenerExt;
use parallel_routes::CspNonce;
use parallel_routes::prelude::*;
use parallel_routes_tests::chromium::{self, Answer, Arrival, Job};
use tokio::net::TcpListener;

/// Serves `app` on 127.0.0.1 (with `TCP_NODELAY`, and a favicon so that the browser's request
/// for one logs no error) in this test's runtime; its base URL.
async fn serve(app: Router) -> String {
    let app = app.route(
        "/favicon.ico",
        axum::routing::get(|| async { StatusCode::NO_CONTENT }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// The answer's DOM, after checking that the harness produced one.
fn dom_of(answer: &Answer) -> &str {
    answer
        .dom
        .as_deref()
        .unwrap_or_else(|| panic!("no DOM for {}: {:#?}", answer.url, answer.errors))
}

// --- The feed, with and without a CSP --------------------------------------------------------

fn assert_feed_swapped(answer: &Answer) {
    assert!(
        answer.errors.is_empty(),
        "{}: console messages: {:#?}",
        answer.url,
        answer.errors
    );
    let dom = dom_of(answer);
    for content in [
        "@ada</b> Shipped streaming slots today.",
        "&lt;template&gt; keeps it inert until it is swapped.",
        "<li class=\"suggestion\">@tokio</li>",
        "<h1>Your feed</h1>",
    ] {
        assert!(
            dom.contains(content),
            "{content:?} missing from the DOM:\n{dom}"
        );
    }
    for leftover in [
        "<template",
        "id=\"pr-",
        "/pr-",
        "class=\"skeleton\"",
        "aria-busy",
    ] {
        assert!(
            !dom.contains(leftover),
            "{leftover:?} left in the DOM:\n{dom}"
        );
    }
    // Each slot's content is where its placeholder was.
    let posts = dom
        .find("<section id=\"posts\">")
        .expect("the posts section");
    let suggestions = dom
        .find("<section id=\"suggestions\">")
        .expect("the suggestions section");
    let ada = dom.find("@ada").unwrap();
    let tokio = dom.find("@tokio").unwrap();
    assert!(
        posts < ada && ada < suggestions && suggestions < tokio,
        "{dom}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_slots_are_swapped_in_by_chromium_with_and_without_a_strict_csp() {
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let started = Instant::now();
    let plain = serve(parallel_routes_examples::feed::app()).await;
    let strict = serve(parallel_routes_examples::feed::app_with_csp()).await;
    let answers = browser
        .run_async(
            vec![
                Job::dom(format!("{plain}/feed")),
                Job::dom(format!("{strict}/feed")),
            ],
            2,
        )
        .await;
    for answer in &answers {
        assert_feed_swapped(answer);
    }
    println!("feed in Chromium: {:.1} s", started.elapsed().as_secs_f64());
}

// --- The CSP is enforced ---------------------------------------------------------------------

/// The nonce of a `script-src 'nonce-…'` policy.
fn policy_nonce(policy: &str) -> Option<&str> {
    let (_, rest) = policy.split_once("script-src 'nonce-")?;
    let (nonce, _) = rest.split_once('\'')?;
    (!nonce.is_empty()).then_some(nonce)
}

/// Every inline `<script …>` tag of `body`, and those among them without `nonce="{nonce}"`.
fn script_tags<'a>(body: &'a str, nonce: &str) -> (Vec<&'a str>, Vec<&'a str>) {
    let lower = body.to_ascii_lowercase();
    let attribute = format!(" nonce=\"{nonce}\"");
    let tags: Vec<&str> = lower
        .match_indices("<script")
        .map(|(at, _)| {
            let end = body[at..].find('>').map_or(body.len(), |end| at + end + 1);
            &body[at..end]
        })
        .collect();
    let without = tags
        .iter()
        .copied()
        .filter(|tag| !tag.contains(&attribute))
        .collect();
    (tags, without)
}

/// The response's CSP nonce, after checking that its `Content-Security-Policy` is a strict
/// `script-src 'nonce-…'`.
fn nonce_of(reply: &parallel_routes_tests::Reply) -> String {
    let policy = reply
        .headers
        .get(CONTENT_SECURITY_POLICY)
        .expect("a Content-Security-Policy header")
        .to_str()
        .expect("an ASCII policy");
    assert!(
        !policy.contains("unsafe-inline"),
        "the policy allows inline scripts: {policy}"
    );
    policy_nonce(policy)
        .unwrap_or_else(|| panic!("no script-src nonce in {policy:?}"))
        .to_owned()
}

/// Over HTTP, no browser: the example's strict page carries the policy, and every inline
/// script of its streamed body — the swap function and each swap — carries the policy's nonce.
/// The check itself is checked on a page with a script that lacks it.
#[tokio::test]
async fn the_feed_with_csp_sends_its_nonce_on_every_inline_script() {
    let reply =
        parallel_routes_tests::get(parallel_routes_examples::feed::app_with_csp(), "/feed").await;
    assert_eq!(reply.status, StatusCode::OK);
    let nonce = nonce_of(&reply);
    let (tags, without) = script_tags(&reply.body, &nonce);
    assert!(
        tags.len() >= 3,
        "the swap function and a swap for each of the two loading slots: {tags:#?}\n{}",
        reply.body
    );
    assert!(
        without.is_empty(),
        "inline scripts without nonce=\"{nonce}\": {without:#?}\n{}",
        reply.body
    );

    // The control: the page with an app script without the nonce fails the same check.
    let reply = parallel_routes_tests::get(unsafe_app(true), "/unsafe").await;
    let nonce = nonce_of(&reply);
    let (tags, without) = script_tags(&reply.body, &nonce);
    assert_eq!(without, [UNSAFE_SCRIPT_TAG], "{}", reply.body);
    assert!(tags.len() >= 3, "{}", reply.body);
}

/// An app inline script without a nonce: marks the DOM if it runs.
const UNSAFE_SCRIPT_TAG: &str = "<script>";

/// A page with two loading slots and an app inline script without a nonce.
#[layout("/unsafe", slots(first, second))]
async fn unsafe_page(first: Fragment, second: Fragment) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>unsafe</title></head>
<body>
<section id="first">{first}</section>
<section id="second">{second}</section>
{UNSAFE_SCRIPT_TAG}document.body.dataset.unsafe = "ran";</script>
</body>
</html>
"#
    ))
}

/// The first slot: 200 ms, behind a skeleton.
#[slot(unsafe_page, first, loading = first_skeleton)]
async fn first() -> Html<&'static str> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    Html(r#"<p class="first-content">first arrived</p>"#)
}

fn first_skeleton() -> Html<&'static str> {
    Html(r#"<p class="skeleton">loading first</p>"#)
}

/// The second slot: 400 ms, behind a skeleton.
#[slot(unsafe_page, second, loading = second_skeleton)]
async fn second() -> Html<&'static str> {
    tokio::time::sleep(Duration::from_millis(400)).await;
    Html(r#"<p class="second-content">second arrived</p>"#)
}

fn second_skeleton() -> Html<&'static str> {
    Html(r#"<p class="skeleton">loading second</p>"#)
}

/// The unsafe page, behind [`strict_csp`] or not.
fn unsafe_app(csp: bool) -> Router {
    let app = Router::new().merge(unsafe_page::router());
    if csp {
        app.layer(middleware::from_fn(strict_csp))
    } else {
        app
    }
}

/// A fresh nonce: 32 hex digits from the standard library's random hasher keys.
fn fresh_nonce() -> String {
    let state = std::collections::hash_map::RandomState::new();
    format!("{:016x}{:016x}", state.hash_one(1u8), state.hash_one(2u8))
}

/// As `examples/feed.rs`'s middleware: a fresh nonce per response, in a strict
/// `Content-Security-Policy` and in the request's [`CspNonce`].
async fn strict_csp(mut request: Request, next: Next) -> Response {
    let nonce = fresh_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let policy = format!("script-src 'nonce-{nonce}'; object-src 'none'; base-uri 'none'");
    response.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy).expect("a valid header"),
    );
    response
}

/// Both slots swapped in: their content in their sections, no skeleton or template left.
fn assert_unsafe_page_swapped(dom: &str) {
    for (section, content) in [("first", "first arrived"), ("second", "second arrived")] {
        let inside = dom
            .split(&format!("<section id=\"{section}\">"))
            .nth(1)
            .and_then(|rest| rest.split("</section>").next())
            .unwrap_or_else(|| panic!("no {section} section:\n{dom}"));
        assert!(
            inside.contains(content),
            "the {section} slot was not swapped in:\n{dom}"
        );
    }
    for leftover in ["<template", "class=\"skeleton\"", "id=\"pr-"] {
        assert!(
            !dom.contains(leftover),
            "{leftover:?} left in the DOM:\n{dom}"
        );
    }
}

/// Under the strict policy Chromium refuses the app's inline script without the nonce — its
/// mark is absent and the violation is logged, and nothing else is — while the framework's
/// nonce'd scripts run: both streamed slots are swapped in. Without the policy the same script
/// runs: the page would show it if the policy were not enforced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_script_without_the_nonce_is_refused_while_the_swaps_run() {
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let started = Instant::now();
    let strict = serve(unsafe_app(true)).await;
    let open = serve(unsafe_app(false)).await;
    let answers = browser
        .run_async(
            vec![
                Job::dom(format!("{strict}/unsafe")),
                Job::dom(format!("{open}/unsafe")),
            ],
            2,
        )
        .await;
    println!(
        "CSP pages in Chromium: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let strict = &answers[0];
    let dom = dom_of(strict);
    assert!(
        !dom.contains("data-unsafe"),
        "the script without the nonce ran under the policy:\n{dom}"
    );
    assert_unsafe_page_swapped(dom);
    let refused = |error: &String| {
        error.starts_with("console: ")
            && error.contains("Content Security Policy")
            && error.contains("inline script")
    };
    assert!(
        strict.errors.len() == 1 && refused(&strict.errors[0]),
        "expected exactly one console error, the refused inline script; got {:#?}",
        strict.errors
    );

    let open = &answers[1];
    assert!(open.errors.is_empty(), "{:#?}", open.errors);
    let dom = dom_of(open);
    assert!(
        dom.contains("<body data-unsafe=\"ran\">"),
        "without the policy the app script did not run:\n{dom}"
    );
    assert_unsafe_page_swapped(dom);
}

// --- Streaming is seen ----------------------------------------------------------------------

/// How long the late slot takes: a wide margin for the skeleton on a busy machine.
const LATE: Duration = Duration::from_millis(1500);

/// The late page's layout, for both twins.
fn late_document(late: &Fragment) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>late</title></head>
<body>
<h1>Late</h1>
<section id="late">{late}</section>
</body>
</html>
"#
    ))
}

/// The late slot's content.
async fn late_content() -> Html<&'static str> {
    tokio::time::sleep(LATE).await;
    Html(r#"<p class="late-content">The late content</p>"#)
}

fn late_skeleton() -> Html<&'static str> {
    Html(r#"<p class="late-skeleton">Loading the late content…</p>"#)
}

/// Streams: the late slot has a skeleton.
#[layout("/late", slots(late))]
async fn late_streamed(late: Fragment) -> Html<String> {
    late_document(&late)
}

/// The streamed twin's slot.
#[slot(late_streamed, late, loading = late_skeleton)]
async fn late_streamed_slot() -> Html<&'static str> {
    late_content().await
}

/// Buffered: the same page, without `loading`.
#[layout("/late-buffered", slots(late))]
async fn late_buffered(late: Fragment) -> Html<String> {
    late_document(&late)
}

/// The buffered twin's slot.
#[slot(late_buffered, late)]
async fn late_buffered_slot() -> Html<&'static str> {
    late_content().await
}

/// Whether `arrival` shows a streamed page: the skeleton visible while the content was not yet
/// in the DOM, the content later, and the skeleton gone by the load event.
fn streamed(arrival: &Arrival) -> Result<(), String> {
    let Some(skeleton_ms) = arrival.skeleton_ms.filter(|_| arrival.first == "skeleton") else {
        return Err(format!(
            "no skeleton seen: the content came first ({arrival:?})"
        ));
    };
    if arrival.content_at_skeleton != Some(false) {
        return Err(format!(
            "the content was already in the DOM when the skeleton was seen ({arrival:?})"
        ));
    }
    // Half the slot's 1.5 s: the skeleton is on screen while the slot runs, not just before
    // its content lands.
    let shown = LATE.as_millis() as u64 / 2;
    if arrival.content_ms < skeleton_ms + shown {
        return Err(format!(
            "the skeleton was visible less than {shown} ms before the content ({arrival:?})"
        ));
    }
    if arrival.skeleton_left {
        return Err(format!(
            "the skeleton is still in the DOM after load ({arrival:?})"
        ));
    }
    Ok(())
}

/// Chromium shows the skeleton of a page whose loading slot takes 1.5 s before the content is
/// in the DOM; the same check fails on the buffered twin of that page, which shows the content
/// first and never the skeleton.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_shows_the_skeleton_before_the_content_arrives() {
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let started = Instant::now();
    let base = serve(
        Router::new()
            .merge(late_streamed::router())
            .merge(late_buffered::router()),
    )
    .await;
    let (skeleton, content) = ("#late .late-skeleton", "#late .late-content");
    let answers = browser
        .run_async(
            vec![
                Job::stream(format!("{base}/late"), skeleton, content),
                Job::stream(format!("{base}/late-buffered"), skeleton, content),
            ],
            2,
        )
        .await;
    println!(
        "late pages in Chromium: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for answer in &answers {
        assert!(
            answer.errors.is_empty(),
            "{}: {:#?}",
            answer.url,
            answer.errors
        );
        let arrival = answer.stream.as_ref().expect("a stream report");
        println!("{}: {arrival:?}", answer.url);
        // The slot takes 1.5 s from the request, sent after the navigation started.
        assert!(
            arrival.content_ms >= 1000,
            "{}: the content came too early for a 1.5 s slot: {arrival:?}",
            answer.url
        );
        assert!(
            dom_of(answer).contains("<p class=\"late-content\">The late content</p>"),
            "{}: {:?}",
            answer.url,
            answer.dom
        );
    }
    let streamed_arrival = answers[0].stream.as_ref().unwrap();
    if let Err(why) = streamed(streamed_arrival) {
        panic!("the streamed page did not show its skeleton first: {why}");
    }
    let buffered_arrival = answers[1].stream.as_ref().unwrap();
    match streamed(buffered_arrival) {
        Err(why) => assert!(why.starts_with("no skeleton seen"), "{why}"),
        Ok(()) => panic!("the buffered page passed the streaming check: {buffered_arrival:?}"),
    }
}

// --- htmx -----------------------------------------------------------------------------------

/// What `tests/browser/htmx.mjs` saw after a step.
#[derive(Debug, serde::Deserialize)]
struct TabState {
    path: String,
    latest: Option<String>,
    active: Option<String>,
    archive: Option<String>,
    children: Option<String>,
    requests: Vec<String>,
}

/// What `tests/browser/htmx.mjs` prints.
#[derive(Debug, serde::Deserialize)]
struct TabRun {
    initial: Option<TabState>,
    week: Option<TabState>,
    month: Option<TabState>,
    back: Option<TabState>,
    errors: Vec<String>,
}

/// The htmx example with the real htmx (npm's `htmx.org`) in Chromium: clicking two tabs
/// re-renders only the tab bar and `latest` (the server's run counts prove the layout, the
/// archive and the page did not run), updates the DOM and pushes the URL; Back restores the
/// previous tab from htmx's history cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_htmx_example_navigates_between_tabs_with_real_htmx_in_chromium() {
    use parallel_routes_examples::tabs;
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let base = serve(tabs::app()).await;
    let before = tabs::RUNS.snapshot();
    let output = browser
        .script(
            "htmx.mjs",
            &[&base, tabs::HTMX_URL],
            "htmx.org",
            Duration::from_secs(90),
        )
        .await;
    let run: TabRun =
        serde_json::from_str(output.trim()).unwrap_or_else(|error| panic!("{error}: {output}"));
    assert!(run.errors.is_empty(), "{:#?}", run.errors);
    let runs: Vec<(&str, usize)> = tabs::RUNS
        .snapshot()
        .into_iter()
        .zip(&before)
        .map(|((name, after), (_, before))| (name, after - before))
        .collect();

    let initial = run.initial.expect("the first page");
    assert_eq!(initial.path, "/dashboard");
    assert_eq!(initial.latest.as_deref(), Some("Latest: today"));
    assert_eq!(initial.active.as_deref(), Some("Today"));
    assert_eq!(initial.requests, ["GET /dashboard"]);

    let week = run.week.expect("after This week");
    assert_eq!(week.path, "/dashboard/week");
    assert_eq!(week.latest.as_deref(), Some("Latest: this week"));
    assert_eq!(week.active.as_deref(), Some("This week"));
    assert_eq!(week.archive.as_deref(), Some("Archive"));
    assert_eq!(week.children.as_deref(), Some("Overview"));
    // One request, from htmx, for the page itself (not a fragment endpoint).
    assert_eq!(week.requests, ["GET /dashboard/week hx"]);

    let month = run.month.expect("after This month");
    assert_eq!(month.path, "/dashboard/month");
    assert_eq!(month.latest.as_deref(), Some("Latest: this month"));
    assert_eq!(month.active.as_deref(), Some("This month"));
    assert_eq!(month.requests, ["GET /dashboard/month hx"]);

    let back = run.back.expect("after Back");
    assert_eq!(back.path, "/dashboard/week");
    assert_eq!(back.latest.as_deref(), Some("Latest: this week"));
    assert_eq!(back.active.as_deref(), Some("This week"));
    assert_eq!(back.archive.as_deref(), Some("Archive"));

    // Server side: the first page ran everything once; each tab ran only the tab bar and its
    // own `latest` handler. Back was restored by htmx without the server, or (had its cache
    // missed) with a full page: either way, no partial of a stale page.
    let count = |name: &str| runs.iter().find(|(known, _)| *known == name).unwrap().1;
    let full_pages = 1 + back.requests.len();
    assert_eq!(count("layout"), full_pages, "{runs:?} {back:?}");
    assert_eq!(count("archive"), full_pages, "{runs:?}");
    assert_eq!(count("page"), full_pages, "{runs:?}");
    assert_eq!(count("today"), 1, "{runs:?}");
    assert_eq!(count("week"), 1 + back.requests.len(), "{runs:?}");
    assert_eq!(count("month"), 1, "{runs:?}");
    assert_eq!(count("tabs"), 3 + back.requests.len(), "{runs:?}");
}

// --- the app ----------------------------------------------------------------------------------

/// What `tests/browser/app.mjs` saw at one step.
#[derive(Debug, serde::Deserialize)]
struct AppStep {
    path: String,
    title: String,
    h2: Vec<String>,
    text: std::collections::HashMap<String, Vec<String>>,
    requests: Vec<String>,
    #[serde(default)]
    input: Option<String>,
    #[serde(default)]
    bold: Option<usize>,
}

impl AppStep {
    fn text(&self, key: &str) -> &[String] {
        self.text.get(key).map_or(&[], Vec::as_slice)
    }
}

/// What `tests/browser/app.mjs` prints.
#[derive(Debug, serde::Deserialize)]
struct AppRun {
    dashboard: Option<AppStep>,
    chat: Option<AppStep>,
    conversation: Option<AppStep>,
    sent: Option<AppStep>,
    shop: Option<AppStep>,
    filtered: Option<AppStep>,
    post: Option<AppStep>,
    reloads: usize,
    errors: Vec<String>,
}

/// The app example on a fresh SQLite database in Chromium with the real htmx, walked as a user
/// would: the dashboard (its news streamed in), the chat through htmx navigation, a message
/// typed and sent (written to the database, shown in place, the list's count updated, no page
/// load), the shop and its filter, a blog post; each page with its own title.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_walks_its_four_pages_and_sends_a_chat_message_in_chromium() {
    use parallel_routes_examples::{acme, tabs};
    let Some(browser) = chromium::browser_or_skip() else {
        return;
    };
    let db = parallel_routes_tests::TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let base = serve(acme::app(pool.clone())).await;
    let output = browser
        .script(
            "app.mjs",
            &[&base, tabs::HTMX_URL],
            "htmx.org",
            Duration::from_secs(120),
        )
        .await;
    let run: AppRun =
        serde_json::from_str(output.trim()).unwrap_or_else(|error| panic!("{error}: {output}"));
    assert!(run.errors.is_empty(), "{:#?}", run.errors);

    let dashboard = run.dashboard.expect("the dashboard");
    assert_eq!(dashboard.title, "Dashboard · Acme");
    assert_eq!(
        dashboard.h2,
        ["Latest news", "Recent transactions", "Overview"]
    );
    assert_eq!(dashboard.text("news").len(), 5, "{dashboard:?}");
    assert_eq!(dashboard.text("transactions").len(), 5, "{dashboard:?}");
    assert_eq!(dashboard.requests, ["GET /dashboard"]);

    // Through the navigation: htmx asks for the page, which answers with the changed slots;
    // the title comes with them.
    let chat = run.chat.expect("the chat");
    assert_eq!(chat.path, "/chat");
    assert_eq!(chat.title, "Chat · Acme");
    assert_eq!(chat.requests, ["GET /chat hx"]);
    assert_eq!(chat.text("list").len(), 3, "{chat:?}");

    let conversation = run.conversation.expect("a conversation");
    assert_eq!(conversation.title, "Design review · Acme");
    assert_eq!(conversation.requests, ["GET /chat/2 hx"]);
    assert_eq!(conversation.text("current"), ["Design review"]);
    let before = conversation.text("messages").len();

    // The form: posted by htmx, redirected to the pane's fragment, then the list refreshed.
    let sent = run.sent.expect("the message sent");
    assert_eq!(sent.path, "/chat/2", "the URL stays");
    assert_eq!(
        sent.requests,
        [
            "POST /chat/2/messages hx",
            "GET /chat/2/@children?sent=true hx",
            "GET /chat/2/@list hx",
        ]
    );
    let messages = sent.text("messages");
    assert_eq!(messages.len(), before + 1, "{messages:?}");
    assert!(
        messages
            .last()
            .unwrap()
            .starts_with("You Shipped <b>today</b> & on time"),
        "{messages:?}"
    );
    assert_eq!(sent.bold, Some(0), "the message is text, not markup");
    assert_eq!(sent.input.as_deref(), Some(""), "a fresh form");
    assert_eq!(sent.text("current"), [(before + 1).to_string()]);
    let stored: String =
        sqlx::query_scalar("SELECT body FROM messages WHERE conversation_id = 2 ORDER BY id DESC")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, "Shipped <b>today</b> & on time");

    let shop = run.shop.expect("the shop");
    assert_eq!(shop.path, "/shop/desks");
    assert_eq!(shop.title, "Desks · Acme");
    assert_eq!(shop.text("products").len(), 3, "{shop:?}");
    let filtered = run.filtered.expect("the filter");
    assert!(
        filtered.path.starts_with("/shop/desks?max=400"),
        "{filtered:?}"
    );
    assert_eq!(filtered.text("products").len(), 2, "{filtered:?}");

    let post = run.post.expect("the post");
    assert_eq!(post.title, "Why we moved to parallel routes · Acme");
    assert_eq!(
        post.text("related"),
        ["Streaming HTML, slowly explained", "SQLite in production"]
    );
    assert_eq!(
        post.text("popular"),
        [
            "SQLite in production",
            "Our Lisbon office",
            "Why we moved to parallel routes"
        ],
        "the three most read, this visit counted"
    );

    // The chat's navigation and form loaded no page; the shop's category link, its filter
    // and the blog post did (plain links and a GET form).
    assert_eq!(run.reloads, 3, "full page loads after the first");
}
