//! Each example binary, started as a user starts it (`PORT=… target/debug/examples/<name>`)
//! and requested once, checking what the README and its doc comment promise.
//!
//! `cargo test --workspace` builds the examples before running the tests; run alone, this
//! test needs them built first (`cargo build -p parallel-routes-examples --examples`), and
//! says so.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// `target/<profile>/examples/<name>`, next to this test's own `deps/` directory.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/<test>");
    let path = profile.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p parallel-routes-examples --examples` (cargo test --workspace does)",
        path.display()
    );
    path
}

/// A running example, killed when dropped.
struct Example {
    port: u16,
    _child: Child,
}

/// Starts example `name` on a free port and waits for its "listening on" line.
async fn start(name: &str, env: &[(&str, &str)]) -> Example {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut child = Command::new(binary(name))
        .env("PORT", port.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| panic!("{name} ({}) did not start: {err}", binary(name).display()));
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{name} printed nothing within 30 s"))
        .unwrap()
        .unwrap_or_default();
    assert!(
        line.starts_with(&format!("listening on http://127.0.0.1:{port}/")),
        "{name}: {line}"
    );
    Example {
        port,
        _child: child,
    }
}

/// A response as read off the socket: status line, headers, body (chunked or not, as is).
struct Response {
    status: u16,
    /// The head, lowercased.
    head: String,
    /// The head as sent.
    raw_head: String,
    body: String,
    took: Duration,
}

impl Example {
    /// `GET path` over a fresh connection, read to its end.
    async fn get(&self, path: &str) -> Response {
        self.get_with(path, "").await
    }

    /// `GET path` with more header lines (each ending in CRLF).
    async fn get_with(&self, path: &str, headers: &str) -> Response {
        let started = Instant::now();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
            .await
            .expect("an answer within 30 s")
            .unwrap();
        let took = started.elapsed();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {text}"));
        Response {
            status,
            head: head.to_ascii_lowercase(),
            raw_head: head.to_owned(),
            body: body.to_owned(),
            took,
        }
    }
}

#[tokio::test]
async fn the_dashboard_answers_in_about_its_slowest_region_not_the_sum() {
    let example = start("dashboard", &[]).await;
    let page = example.get("/dashboard").await;
    assert_eq!(page.status, 200);
    for region in ["<h2>Latest</h2>", "<h2>Archive</h2>", "<h2>Overview</h2>"] {
        assert!(page.body.contains(region), "{region}: {}", page.body);
    }
    // Regions of 100, 200 and 300 ms: about 300 ms, not 600. The fastest of three requests,
    // so that a busy machine does not fail it.
    let mut fastest = page.took;
    for _ in 0..2 {
        fastest = fastest.min(example.get("/dashboard").await.took);
    }
    assert!(
        (Duration::from_millis(300)..Duration::from_millis(590)).contains(&fastest),
        "{fastest:?}"
    );
    let latest = example.get("/dashboard/@latest").await;
    assert_eq!(latest.status, 200);
    assert!(
        latest
            .body
            .starts_with("<h2>Latest</h2><ul><li>Parallel routes land in Rust")
    );
    assert!(
        latest
            .head
            .contains("content-type: text/html; charset=utf-8")
    );
}

#[tokio::test]
async fn the_users_example_answers_a_bad_path_with_axums_400_and_an_unknown_user_with_404() {
    let example = start("users", &[]).await;
    let page = example.get("/users/1").await;
    assert_eq!(page.status, 200);
    // The layout, and each slot's content read from the state (`State`) for the path's user
    // (`Path`), escaped where it is user-written text.
    for part in [
        "<h1>Ada</h1><p>User #1</p>",
        "<section><h2>Profile</h2><p>Writes &lt;em&gt;analytical&lt;/em&gt; engines &amp; notes.</p></section>",
        "<section><h2>Activity</h2><ul><li>Opened PR #42</li><li>Reviewed &quot;slots&quot; RFC</li><li>Closed issue #7</li></ul></section>",
    ] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    assert_eq!(example.get("/users/abc").await.status, 400);
    assert_eq!(example.get("/users/9").await.status, 404);
    // The slot's own endpoint, reading `State`, `Path` and `Query`: user 2's events, as many
    // as `?limit=` asks for.
    let activity = example.get("/users/2/@activity?limit=2").await;
    assert_eq!(activity.status, 200);
    assert_eq!(
        activity.body.matches("<li>").count(),
        2,
        "{}",
        activity.body
    );
    assert_eq!(
        activity.body,
        "<h2>Activity</h2><ul><li>Released v1.0</li><li>Fixed a bug (a real moth)</li></ul>"
    );
    let one = example.get("/users/2/@activity?limit=1").await;
    assert_eq!(one.body, "<h2>Activity</h2><ul><li>Released v1.0</li></ul>");
}

#[tokio::test]
async fn the_errors_example_keeps_its_page_and_its_secrets_and_sends_server_timing() {
    let example = start("errors", &[]).await;
    let page = example.get("/status").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("data-slot-error").count(),
        3,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Billing is unavailable"),
        "{}",
        page.body
    );
    // The healthy slot renders its content beside the failing ones.
    assert!(
        page.body
            .contains(r#"<section><h2>API</h2><p class="ok">Operational</p></section>"#),
        "{}",
        page.body
    );
    for secret in ["10.0.3.7", "invoice service", "index out of bounds"] {
        assert!(!page.body.contains(secret), "{secret} leaked");
    }
    assert!(
        page.head.contains("server-timing: api;dur="),
        "{}",
        page.head
    );
    assert_eq!(example.get("/services/unknown").await.status, 404);
    // The @slot endpoint of a failing slot: its built-in fallback, alone, with a 200.
    let payments = example.get("/status/@payments").await;
    assert_eq!(payments.status, 200);
    assert_eq!(
        payments.body,
        r#"<div role="alert" data-slot-error="payments">This section could not be loaded.</div>"#
    );
    assert!(!payments.body.contains("10.0.3.7"));
}

#[tokio::test]
async fn the_streaming_example_streams_with_and_without_a_strict_csp() {
    for env in [&[][..], &[("CSP", "1")][..]] {
        let example = start("streaming", env).await;
        let page = example.get("/feed").await;
        assert_eq!(page.status, 200);
        assert!(
            page.head.contains("transfer-encoding: chunked"),
            "{}",
            page.head
        );
        assert!(page.body.contains("function $PR"), "{}", page.body);
        assert!(page.body.contains("@ada"), "{}", page.body);
        assert_eq!(
            page.head
                .contains("content-security-policy: script-src 'nonce-"),
            !env.is_empty(),
            "{}",
            page.head
        );
        // The swap function and the two slots' swaps.
        let scripts = page.body.matches("<script").count();
        assert_eq!(scripts, 3, "{}", page.body);
        if env.is_empty() {
            assert!(!page.body.contains("nonce="), "{}", page.body);
            continue;
        }
        // Under the policy, every script the stream writes carries the response's nonce, or
        // the browser refuses it and the page stays on its skeletons.
        let nonce = page
            .raw_head
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {}", page.raw_head));
        assert_eq!(nonce.len(), 32, "a fresh random nonce: {nonce:?}");
        assert_eq!(
            page.body
                .matches(&format!("<script nonce=\"{nonce}\">"))
                .count(),
            scripts,
            "a script without nonce=\"{nonce}\": {}",
            page.body
        );
    }
}

#[tokio::test]
async fn the_htmx_example_serves_its_tabs_and_their_fragments() {
    let example = start("htmx", &[]).await;
    let page = example.get("/dashboard").await;
    assert_eq!(page.status, 200);
    let week = example.get("/dashboard/week/@latest").await;
    assert_eq!(week.status, 200);
    assert!(
        week.body.contains("<h2>Latest: this week</h2>"),
        "{}",
        week.body
    );
}

#[tokio::test]
async fn the_nesting_example_serves_three_levels_and_each_levels_fragments() {
    let example = start("nesting", &[]).await;
    let page = example.get("/shop/green/sencha").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(
            r#"<a href="/">Home</a> › <a href="/shop/green">Green tea</a> › <span aria-current="page">Sencha</span>"#
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("Sencha: €10.80"), "{}", page.body);
    // The product's own slot, through the guards of the whole chain.
    let reviews = example.get("/shop/green/sencha/@reviews").await;
    assert_eq!(reviews.status, 200);
    assert!(
        reviews.body.starts_with("<h2>Reviews</h2>"),
        "{}",
        reviews.body
    );
    // The section's endpoints are on its own page's routes; on the product's path, the
    // product is the page (its guard would not run for the section's fragment alone).
    let filters = example.get("/shop/green/@filters").await;
    assert_eq!(filters.status, 200);
    assert!(
        filters.body.contains("3 teas in Green tea"),
        "{}",
        filters.body
    );
    assert_eq!(example.get("/shop/green/sencha/@filters").await.status, 404);
    assert_eq!(example.get("/shop/tea-less").await.status, 404);
}

#[tokio::test]
async fn the_app_example_creates_its_database_and_serves_the_dashboard_from_it() {
    let path = std::env::temp_dir().join(format!(
        "parallel-routes-app-example-{}.sqlite",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite:{}", path.display());
    let example = start("app", &[("DATABASE_URL", url.as_str())]).await;
    let page = example.get("/dashboard").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Quarterly results beat the forecast"),
        "{}",
        page.body
    );
    assert!(page.body.contains("€177.51"), "{}", page.body);
    assert!(path.exists(), "the database file was created");
    drop(example);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn the_cache_example_renders_its_report_once_and_one_panel() {
    let example = start("cache", &[]).await;
    let first = example.get("/reports").await;
    assert_eq!(first.status, 200);
    assert!(first.took >= Duration::from_millis(450), "{:?}", first.took);
    assert!(
        first.body.contains("render 1 of this process"),
        "{}",
        first.body
    );
    assert!(first.body.contains("Your panel"), "{}", first.body);
    assert!(!first.body.contains("<h2>Admin</h2>"), "{}", first.body);
    // From the cache: the same render, without the half second (generous on a busy machine).
    let again = example.get_with("/reports", "Cookie: role=admin\r\n").await;
    assert!(
        again.body.contains("render 1 of this process"),
        "{}",
        again.body
    );
    assert!(again.took < Duration::from_millis(400), "{:?}", again.took);
    assert!(again.body.contains("<h2>Admin</h2>"), "{}", again.body);
    assert!(!again.body.contains("Your panel"), "{}", again.body);
    let fragment = example.get("/reports/@report").await;
    assert!(
        fragment
            .head
            .contains("cache-control: public, max-age=30, stale-while-revalidate=300"),
        "{}",
        fragment.head
    );
    assert!(fragment.head.contains("etag: \""), "{}", fragment.head);
}
