//! The streaming example in a real browser: headless Chromium loads `examples/streaming.rs`'s
//! app served on 127.0.0.1, with and without a strict `Content-Security-Policy: script-src
//! 'nonce-…'`. After load, every slot's content must be where its placeholder was, no
//! placeholder or template may be left, and the console must be silent (a refused script is
//! a console message).
//!
//! Needs Debian's `chromium` (`apt-get install chromium`; `.ci/run` installs it). Without it
//! the test says so loudly and is skipped — except under `CI=true`, where it fails.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    candidates.into_iter().flatten().find(|path| path.exists())
}

/// Chromium, or `None` after saying loudly why the test is skipped (a failure under CI).
fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        let message =
            "headless Chromium not found (install Debian's `chromium`, or set CHROMIUM=/path)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{message}: required under CI=true"
        );
        eprintln!("\n!!!!!!!! SKIPPED: {message} !!!!!!!!\n");
    }
    found
}

async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/feed")
}

/// Loads `url` in headless Chromium and returns the DOM after load, and its console messages.
async fn load(chromium: &PathBuf, url: &str) -> (String, Vec<String>) {
    run_chromium(chromium, url, &[]).await
}

/// As [`load`], but lets the page's scripts finish their fetches first (virtual time).
async fn load_after_scripts(chromium: &PathBuf, url: &str) -> (String, Vec<String>) {
    run_chromium(chromium, url, &["--virtual-time-budget=5000"]).await
}

async fn run_chromium(chromium: &PathBuf, url: &str, extra: &[&str]) -> (String, Vec<String>) {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "parallel-routes-chromium-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let run = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("Chromium finished within 90 s")
        .expect("Chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        output.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (
        String::from_utf8(output.stdout).expect("a UTF-8 DOM"),
        console,
    )
}

fn assert_swapped(dom: &str, console: &[String]) {
    assert!(console.is_empty(), "console messages: {console:#?}");
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

// One test, two loads in turn: two Chromiums at once on two cores, beside the rest of the
// suite, make each slow enough to be flaky.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_slots_are_swapped_in_by_chromium_with_and_without_a_strict_csp() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let url = serve(parallel_routes_examples::feed::app()).await;
    let (dom, console) = load(&chromium, &url).await;
    assert_swapped(&dom, &console);

    let url = serve(parallel_routes_examples::feed::app_with_csp()).await;
    let (dom, console) = load(&chromium, &url).await;
    assert_swapped(&dom, &console);
}

/// The htmx example's swap script, in Chromium, against the example's real partial endpoint:
/// an element with `hx-trigger="load"` fetches `GET /dashboard/week/@latest` and swaps it into
/// `#latest`, as a click on the "This week" tab does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_htmx_example_swaps_one_slot_in_chromium() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let page = r##"<!doctype html><html><body>
<section id="latest"><p>today</p></section><section id="archive">archive stays</section>
<span hx-get="/dashboard/week/@latest" hx-target="#latest" hx-trigger="load"></span>
<script src="/assets/swap.js"></script></body></html>"##;
    let app = parallel_routes_examples::tabs::app().route(
        "/swap-test",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    let url = serve(app).await.replace("/feed", "/swap-test");
    let (dom, console) = load_after_scripts(&chromium, &url).await;
    assert!(console.is_empty(), "console messages: {console:#?}");
    let latest = dom
        .split("<section id=\"latest\">")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the latest section");
    assert!(latest.contains("<h2>Latest: this week</h2>"), "{dom}");
    assert!(!latest.contains("today"), "{dom}");
    assert!(
        dom.contains("<section id=\"archive\">archive stays</section>"),
        "{dom}"
    );
}
