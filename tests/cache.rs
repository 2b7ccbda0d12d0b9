//! Cached and conditional slots in process (SPEC "Caching and conditional slots"): the key
//! (path parameters, query, `key = f`), single flight, what is never cached (fallbacks,
//! panics, timeouts, interrupts), stale-while-revalidate, tags, HTTP caching of `@slot`
//! endpoints, and `when` guards that keep a refused slot from running. Redis is in
//! `tests/cache_redis.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::{get, send};

/// A fresh cache for one test, so that tests do not share entries.
fn app(router: Router) -> Router {
    router.layer(axum::Extension(Cache::default()))
}

// ---- the key, and single flight ----

/// The archive's runs by year: each test asks for years of its own (tests run at once).
static ARCHIVE_RUNS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn archive_runs(year: &str) -> usize {
    ARCHIVE_RUNS
        .lock()
        .unwrap()
        .iter()
        .filter(|y| *y == year)
        .count()
}

#[layout("/blog/{year}", slots(archive), routes("/{month}"))]
async fn blog(archive: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<aside>{archive}</aside><main>{children}</main>"))
}

#[derive(serde::Deserialize)]
struct Filter {
    tag: Option<String>,
}

#[slot(blog, archive, default, cache(max_age = 60, tags("posts")))]
async fn archive(
    Path(params): Path<Vec<(String, String)>>,
    Query(filter): Query<Filter>,
    at: blog::Route,
) -> Html<String> {
    let run = {
        let mut runs = ARCHIVE_RUNS.lock().unwrap();
        runs.push(params[0].1.clone());
        runs.len()
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    Html(format!(
        "archive of {params:?} tag {:?} at {at} run {run}",
        filter.tag
    ))
}

#[page(blog, default)]
async fn blog_page() -> &'static str {
    "page"
}

fn runs(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_cached_slot_runs_once_per_path_and_query() {
    let app = app(blog::router());
    let first = get(app.clone(), "/blog/2026").await;
    assert_eq!(first.status, StatusCode::OK);
    let again = get(app.clone(), "/blog/2026").await;
    assert_eq!(first.body, again.body, "the same fragment, from the cache");
    assert_eq!(archive_runs("2026"), 1);
    // Another path parameter, another route, another query: another entry each.
    for path in ["/blog/2025", "/blog/2026/11", "/blog/2026?tag=rust"] {
        let reply = get(app.clone(), path).await;
        assert_ne!(reply.body, first.body, "{path}");
    }
    assert_eq!(archive_runs("2025"), 1);
    assert_eq!(archive_runs("2026"), 3);
    // The slot's fragment endpoint shares the page's entry.
    let fragment = get(app.clone(), "/blog/2026/@archive").await;
    assert!(first.body.contains(&fragment.body), "{}", fragment.body);
    assert_eq!(archive_runs("2026"), 3);
    // Another cache (another app), another entry.
    get(self::app(blog::router()), "/blog/2026").await;
    assert_eq!(archive_runs("2026"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stampede_on_a_cold_key_runs_the_handler_once() {
    let app = app(blog::router());
    let started = std::time::Instant::now();
    let bodies = parallel_routes_tests::get_at_once(&[app], "/blog/1999?tag=stampede", 1000).await;
    println!(
        "1,000 concurrent requests on a cold key: {} handler run(s), {} distinct bodies, {:?}",
        archive_runs("1999"),
        bodies.len(),
        started.elapsed()
    );
    assert_eq!(archive_runs("1999"), 1, "one run for 1,000 requests");
    assert_eq!(bodies.len(), 1, "every request got that run's fragment");
}

#[tokio::test]
async fn invalidating_a_tag_drops_its_entries() {
    let cache = Cache::default();
    let app = blog::router().layer(axum::Extension(cache.clone()));
    get(app.clone(), "/blog/1888").await;
    get(app.clone(), "/blog/1888").await;
    assert_eq!(archive_runs("1888"), 1);
    cache.invalidate_tag("other").await;
    get(app.clone(), "/blog/1888").await;
    assert_eq!(archive_runs("1888"), 1, "another tag keeps it");
    cache.invalidate_tag("posts").await;
    get(app.clone(), "/blog/1888").await;
    assert_eq!(archive_runs("1888"), 2, "rendered again");
}

// ---- what is never cached ----

static FLAKY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/flaky", slots(news))]
async fn flaky(news: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{news}|{children}"))
}

/// The query strings seen, so that each fails on its first run only.
static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// By query: `mode=fail` (an error), `panic`, `slow` (past the slot's deadline), `missing` (an
/// interrupt); each query string fails on its first run only, then renders.
#[slot(flaky, news, timeout_ms = 200, cache(max_age = 60))]
async fn flaky_news(
    Query(query): Query<std::collections::BTreeMap<String, String>>,
) -> Result<String, Failure> {
    let run = FLAKY_RUNS.fetch_add(1, Ordering::SeqCst);
    let first = {
        let mut seen = SEEN.lock().unwrap();
        let key = format!("{query:?}");
        let first = !seen.contains(&key);
        seen.push(key);
        first
    };
    match query.get("mode").map(String::as_str) {
        Some("fail") if first => Err(std::io::Error::other("down").into()),
        Some("panic") if first => panic!("boom"),
        Some("slow") if first => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok("late".into())
        }
        Some("missing") if first => Err(Interrupt::not_found().into()),
        _ => Ok(format!("news run {run}")),
    }
}

#[page(flaky)]
async fn flaky_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn fallbacks_panics_timeouts_and_interrupts_are_never_cached() {
    let app = app(flaky::router());
    for mode in ["fail", "panic", "slow", "missing"] {
        let uri = format!("/flaky?mode={mode}&case=never");
        let failed = get(app.clone(), &uri).await;
        if mode == "missing" {
            assert_eq!(failed.status, StatusCode::NOT_FOUND, "{mode}");
        } else {
            assert_eq!(failed.status, StatusCode::OK, "{mode}");
            assert!(
                failed.body.contains("data-slot-error=\"news\""),
                "{mode}: {}",
                failed.body
            );
        }
        let ok = get(app.clone(), &uri).await;
        assert_eq!(ok.status, StatusCode::OK, "{mode}");
        assert!(
            ok.body.starts_with("news run"),
            "{mode}: rendered again: {}",
            ok.body
        );
        let cached = get(app.clone(), &uri).await;
        assert_eq!(cached.body, ok.body, "{mode}: then cached");
    }
}

// ---- stale while revalidate ----

static STALE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/stale", slots(prices))]
async fn stale(prices: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{prices}|{children}"))
}

#[slot(stale, prices, cache(max_age = 1, stale_while_revalidate = 60))]
async fn prices() -> String {
    let run = STALE_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run > 1 {
        // A refresh is slow: a request must not wait for it.
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    format!("prices run {run}")
}

#[page(stale)]
async fn stale_page() -> &'static str {
    "page"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_entry_answers_at_once_and_is_refreshed_in_the_background() {
    let cache = Cache::default();
    let app = stale::router().layer(axum::Extension(cache.clone()));
    let first = get(app.clone(), "/stale").await;
    assert!(first.body.starts_with("prices run 1"), "{}", first.body);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Stale: served as it was, without waiting for the 400 ms refresh.
    let started = std::time::Instant::now();
    let stale = get(app.clone(), "/stale").await;
    let waited = started.elapsed();
    assert!(stale.body.starts_with("prices run 1"), "{}", stale.body);
    assert!(waited < Duration::from_millis(300), "waited {waited:?}");
    // One refresh, however many stale reads.
    for _ in 0..5 {
        get(app.clone(), "/stale").await;
    }
    cache.close().await;
    assert_eq!(runs(&STALE_RUNS), 2, "one refresh");
    let fresh = get(app.clone(), "/stale").await;
    assert!(fresh.body.starts_with("prices run 2"), "{}", fresh.body);
}

// ---- HTTP caching of fragments ----

#[tokio::test]
async fn a_cached_slot_s_fragment_endpoint_sends_cache_control_and_an_etag() {
    let app = app(blog::router());
    let (status, headers, body) = send(app.clone(), request("/blog/1777/@archive", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let tag = headers["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"'), "{tag}");
    let (status, headers, empty) =
        send(app.clone(), request("/blog/1777/@archive", Some(&tag))).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(headers["etag"], tag.as_str());
    assert_eq!(empty, "");
    for other in ["\"0000\"", "W/\"x\", \"y\""] {
        let (status, _, again) =
            send(app.clone(), request("/blog/1777/@archive", Some(other))).await;
        assert_eq!(status, StatusCode::OK, "{other}");
        assert_eq!(again, body);
    }
    let (status, _, _) = send(
        app.clone(),
        request("/blog/1777/@archive", Some(&format!("\"a\", W/{tag}"))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED, "a weak match in a list");
    // A slot without `cache` sends neither; nor does a cached slot's fallback.
    let (_, headers, _) = send(app.clone(), request("/blog/1777/@children", None)).await;
    assert!(headers.get("cache-control").is_none());
    assert!(headers.get("etag").is_none());
    let flaky = self::app(flaky::router());
    let (status, headers, body) =
        send(flaky, request("/flaky/@news?mode=fail&case=http", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("data-slot-error"), "{body}");
    assert!(headers.get("cache-control").is_none());
    assert!(headers.get("etag").is_none());
}

fn request(uri: &str, if_none_match: Option<&str>) -> Request<axum::body::Body> {
    let mut builder = Request::get(uri);
    if let Some(tag) = if_none_match {
        builder = builder.header("if-none-match", tag);
    }
    builder.body(axum::body::Body::empty()).unwrap()
}

// ---- a key for per-user data ----

static GREETING_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/hello", slots(greeting))]
async fn hello(greeting: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{greeting}|{children}"))
}

fn user_key(parts: &axum::http::request::Parts) -> String {
    parts
        .headers
        .get("x-user")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("anonymous")
        .to_owned()
}

/// Reads a header (per user): allowed because the key names the user.
#[slot(hello, greeting, cache(max_age = 60, key = user_key))]
async fn greeting(headers: HeaderMap) -> String {
    GREETING_RUNS.fetch_add(1, Ordering::SeqCst);
    let user = headers
        .get("x-user")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("anonymous");
    format!("hello {user}")
}

#[page(hello)]
async fn hello_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn a_named_key_keeps_one_user_s_fragment_from_the_next() {
    let app = app(hello::router());
    let as_user = |user: &str| {
        Request::get("/hello")
            .header("x-user", user)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let before = runs(&GREETING_RUNS);
    let (_, _, ada) = send(app.clone(), as_user("ada")).await;
    let (_, _, grace) = send(app.clone(), as_user("grace")).await;
    let (_, _, ada_again) = send(app.clone(), as_user("ada")).await;
    assert!(ada.starts_with("hello ada|"), "{ada}");
    assert!(grace.starts_with("hello grace|"), "{grace}");
    assert_eq!(ada, ada_again);
    assert_eq!(runs(&GREETING_RUNS), before + 2);
    // Per user: `private` for HTTP caches.
    let (_, headers, _) = send(
        app,
        Request::get("/hello/@greeting")
            .header("x-user", "ada")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(headers["cache-control"], "private, max-age=60");
}

// ---- conditional slots ----

static ADMIN_RUNS: AtomicUsize = AtomicUsize::new(0);
static USER_RUNS: AtomicUsize = AtomicUsize::new(0);

/// An extractor that rejects non-admins: were the refused admin slot's extractors run, the
/// user's page would be a 403.
struct RequireAdmin;

impl<S: Sync> axum::extract::FromRequestParts<S> for RequireAdmin {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        if is_admin(parts.headers.clone()).await {
            Ok(RequireAdmin)
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    }
}

async fn is_admin(headers: HeaderMap) -> bool {
    headers.get("x-role").is_some_and(|role| role == "admin")
}

async fn is_user(headers: HeaderMap) -> bool {
    !is_admin(headers).await
}

#[layout("/panel", slots(admin, user))]
async fn panel(admin: Fragment, user: Fragment, children: Fragment) -> Html<String> {
    let shown = if admin.is_empty() { user } else { admin };
    Html(format!("<div>{shown}</div>{children}"))
}

#[slot(panel, admin, when = is_admin)]
async fn admin_panel(_: RequireAdmin) -> &'static str {
    ADMIN_RUNS.fetch_add(1, Ordering::SeqCst);
    "admin panel"
}

#[slot(panel, user, when = is_user)]
async fn user_panel() -> &'static str {
    USER_RUNS.fetch_add(1, Ordering::SeqCst);
    "user panel"
}

#[page(panel)]
async fn panel_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn a_refused_conditional_slot_never_runs_and_renders_empty() {
    let as_role = |role: &str| {
        Request::get("/panel")
            .header("x-role", role)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (admin_before, user_before) = (runs(&ADMIN_RUNS), runs(&USER_RUNS));
    let (status, _, body) = send(panel::router(), as_role("user")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the admin slot's extractor did not run"
    );
    assert_eq!(body, "<div>user panel</div>page");
    assert_eq!(runs(&ADMIN_RUNS), admin_before);
    assert_eq!(runs(&USER_RUNS), user_before + 1);
    let (status, _, body) = send(panel::router(), as_role("admin")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "<div>admin panel</div>page");
    assert_eq!(runs(&ADMIN_RUNS), admin_before + 1);
    assert_eq!(runs(&USER_RUNS), user_before + 1);
    // Alone, a refused slot is an empty fragment.
    let (status, _, body) = send(
        panel::router(),
        Request::get("/panel/@admin")
            .header("x-role", "user")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    assert_eq!(runs(&ADMIN_RUNS), admin_before + 1);
}

async fn needs_header(role: axum_extra_header::Role) -> bool {
    role.0 == "admin"
}

/// An extractor of the `x-role` header that rejects a request without one (400).
mod axum_extra_header {
    pub struct Role(pub String);

    impl<S: Sync> axum::extract::FromRequestParts<S> for Role {
        type Rejection = (axum::http::StatusCode, &'static str);

        async fn from_request_parts(
            parts: &mut axum::http::request::Parts,
            _: &S,
        ) -> Result<Self, Self::Rejection> {
            parts
                .headers
                .get("x-role")
                .and_then(|role| role.to_str().ok())
                .map(|role| Role(role.to_owned()))
                .ok_or((axum::http::StatusCode::BAD_REQUEST, "x-role missing"))
        }
    }
}

#[layout("/guarded", slots(secret))]
async fn guarded(secret: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{secret}|{children}"))
}

#[slot(guarded, secret, when = needs_header, cache(max_age = 60))]
async fn secret() -> &'static str {
    "secret"
}

#[page(guarded)]
async fn guarded_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn a_guard_s_extractor_rejection_answers_and_a_cached_conditional_slot_caches_when_shown() {
    let (status, _, body) = send(
        app(guarded::router()),
        Request::get("/guarded")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, "x-role missing");
    let app = app(guarded::router());
    let as_role = |role: &str| {
        Request::get("/guarded")
            .header("x-role", role)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (_, _, body) = send(app.clone(), as_role("admin")).await;
    assert_eq!(body, "secret|page");
    // The entry does not leak to a refused request: the guard runs first, every time.
    let (_, _, body) = send(app.clone(), as_role("user")).await;
    assert_eq!(body, "|page");
}

#[test]
fn a_cached_slot_needs_no_timer_when_it_has_no_deadline() {
    // A runtime built without the time driver (as a bench or an embedded server may): a miss
    // and a hit render, rather than panic in a timer.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let app = app(hello::router());
    for _ in 0..2 {
        let reply = runtime.block_on(get(app.clone(), "/hello"));
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, "hello anonymous|page");
    }
}
