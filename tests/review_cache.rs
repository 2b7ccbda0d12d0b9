//! Review of cached and conditional slots (SPEC "Caching and conditional slots"; commits
//! 8912768 and 887ef2e): attacks on the cache key, single flight, stale-while-revalidate,
//! invalidation, the memory bound, HTTP caching of `@slot` endpoints, `when` guards, and the
//! Redis store (against a real `redis-server` on a free port of 127.0.0.1, and a TCP listener
//! of the test's own that never answers).
//!
//! Tests marked `// Was a defect (fixed):` failed before their fix (17 defects, the helper's
//! review); the others document behaviour worth keeping. Every test is bounded in time (a hang
//! is a failure).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::{RedisServer, get, send};

/// Fails (rather than hangs) a test whose step takes longer than `limit`.
async fn bounded<F: std::future::Future>(limit: Duration, what: &str, future: F) -> F::Output {
    match tokio::time::timeout(limit, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: still running after {limit:?}"),
    }
}

fn with_cache(router: Router, cache: &Cache) -> Router {
    router.layer(axum::Extension(cache.clone()))
}

fn load(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

fn request_with(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

// =============================================================================================
// The key
// =============================================================================================

// ---- a layout nested (axum `Router::nest`) under a path parameter ----

static TENANT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/dash", slots(stats))]
async fn tenant_dash(stats: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{stats}|{children}"))
}

/// Reads the tenant from the path: allowed without a key, since "the key is the matched route
/// with its path parameters".
#[slot(tenant_dash, stats, cache(max_age = 60))]
async fn tenant_stats(Path(params): Path<HashMap<String, String>>) -> String {
    TENANT_RUNS.fetch_add(1, Ordering::SeqCst);
    format!(
        "stats of {}",
        params.get("tenant").map_or("?", String::as_str)
    )
}

#[page(tenant_dash)]
async fn tenant_dash_page() -> &'static str {
    "page"
}

// Was a defect (fixed): the key is built from `parts.uri.path()`, which axum's `Router::nest` strips of the
// nest's prefix. Nested under `/{tenant}`, `/acme/dash` and `/globex/dash` both key as `/dash`:
// the cached slot of one tenant (read from its `Path`) is served to every other tenant. The
// SPEC's key is the matched route with its path parameters (`MatchedPath` / `OriginalUri`
// hold the whole path).
#[tokio::test]
async fn a_layout_nested_under_a_path_parameter_keys_each_tenant_apart() {
    let cache = Cache::default();
    let app = with_cache(
        Router::new().nest("/{tenant}", tenant_dash::router()),
        &cache,
    );
    let acme = get(app.clone(), "/acme/dash").await;
    assert_eq!(acme.status, StatusCode::OK, "{}", acme.body);
    assert_eq!(acme.body, "stats of acme|page");
    let globex = get(app.clone(), "/globex/dash").await;
    assert_eq!(globex.status, StatusCode::OK);
    assert_eq!(
        globex.body, "stats of globex|page",
        "globex is served acme's cached fragment"
    );
}

// ---- the same layout nested twice with different states ----

#[derive(Clone)]
struct Lang(&'static str);

#[layout("/home", slots(greeting))]
async fn lang_home(greeting: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{greeting}|{children}"))
}

#[slot(lang_home, greeting, cache(max_age = 60))]
async fn lang_greeting(State(lang): State<Lang>) -> String {
    match lang.0 {
        "fr" => "bonjour".to_owned(),
        _ => "hello".to_owned(),
    }
}

#[page(lang_home)]
async fn lang_home_page() -> &'static str {
    "page"
}

// Was a defect (fixed): same cause as above, through `State`: one layout router nested at `/en` and `/fr`
// with a state each keys both pages as `/home`; `/fr/home` shows the English fragment.
#[tokio::test]
async fn one_layout_nested_at_two_prefixes_keys_each_prefix_apart() {
    let cache = Cache::default();
    let app = with_cache(
        Router::new()
            .nest("/en", lang_home::router().with_state(Lang("en")))
            .nest("/fr", lang_home::router().with_state(Lang("fr"))),
        &cache,
    );
    let en = get(app.clone(), "/en/home").await;
    assert_eq!(en.body, "hello|page");
    let fr = get(app.clone(), "/fr/home").await;
    assert_eq!(
        fr.body, "bonjour|page",
        "/fr/home is served /en/home's entry"
    );
}

// ---- two layouts of the same name, nested ----

static SHELL_RUNS: AtomicUsize = AtomicUsize::new(0);

mod outer {
    use super::*;

    #[layout("/shell", slots(side), routes("/inner"))]
    pub async fn shell(side: Fragment, children: Fragment) -> Html<String> {
        Html(format!("[outer side={side}|{children}]"))
    }

    #[slot(shell, side, cache(max_age = 60))]
    async fn outer_side() -> &'static str {
        SHELL_RUNS.fetch_add(1, Ordering::SeqCst);
        "outer index side"
    }

    #[slot(shell, side, default, cache(max_age = 60))]
    async fn outer_side_default() -> &'static str {
        SHELL_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        "outer side"
    }

    #[page(shell)]
    async fn outer_page() -> &'static str {
        "outer page"
    }
}

mod inner {
    use super::*;

    #[layout("/shell/inner", slots(side), parent = super::outer::shell)]
    pub async fn shell(side: Fragment, children: Fragment) -> Html<String> {
        Html(format!("[inner side={side}|{children}]"))
    }

    #[slot(shell, side, cache(max_age = 60))]
    async fn inner_side() -> &'static str {
        SHELL_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        "inner side"
    }

    #[page(shell)]
    async fn inner_page() -> &'static str {
        "inner page"
    }
}

// Was a defect (fixed): the key names a layout by its function's name only (`SlotMeta::layout`, the last
// segment of its path). A nested layout named like its parent (`outer::shell` and
// `inner::shell`, both with a slot `side`) keys both slots on the nested route as
// `shell␟side␟/shell/inner`: in one request, the two misses join one fill, and each level
// shows the same fragment (whichever started first); the handler of the other never runs.
#[tokio::test]
async fn two_layouts_of_one_name_at_one_path_key_their_slots_apart() {
    let cache = Cache::default();
    let app = with_cache(
        Router::new()
            .merge(outer::shell::router())
            .merge(inner::shell::router()),
        &cache,
    );
    let reply = get(app.clone(), "/shell/inner").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        "[outer side=outer side|[inner side=inner side|inner page]]"
    );
}

// ---- the root layout's `@slot` endpoint ----

static ROOT_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/", slots(banner))]
async fn root_site(banner: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{banner}|{children}"))
}

#[slot(root_site, banner, cache(max_age = 60))]
async fn root_banner() -> String {
    let run = ROOT_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    format!("banner run {run}")
}

#[page(root_site)]
async fn root_page() -> &'static str {
    "page"
}

// Was a defect (fixed): `lookup` cuts an `@slot` endpoint's path at its last `/@`: for the root layout,
// `/@banner` becomes `""` while the page `/` keys as `"/"`. The root page's fragment endpoint
// does not share the page's entry (the handler runs twice and the two can disagree), unlike
// every other path (tests/cache.rs: "The slot's fragment endpoint shares the page's entry").
#[tokio::test]
async fn the_root_layout_s_fragment_endpoint_shares_the_page_s_entry() {
    let cache = Cache::default();
    let app = with_cache(root_site::router(), &cache);
    let page = get(app.clone(), "/").await;
    assert_eq!(page.status, StatusCode::OK);
    let fragment = get(app.clone(), "/@banner").await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(
        page.body.starts_with(&format!("{}|", fragment.body)),
        "page {:?}, fragment {:?}",
        page.body,
        fragment.body
    );
    assert_eq!(load(&ROOT_RUNS), 1, "one run for the page and its fragment");
}

// ---- percent-encoding, `/@` inside a segment, and the query ----

static ENC_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/enc/{name}", slots(card))]
async fn enc(card: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{card}|{children}"))
}

#[slot(enc, card, cache(max_age = 60))]
async fn enc_card(
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Html<String> {
    ENC_RUNS.fetch_add(1, Ordering::SeqCst);
    Html(format!("card of {name:?} q {:?}", q.get("q")))
}

#[page(enc)]
async fn enc_page() -> &'static str {
    "page"
}

/// Paths that decode alike may key apart (a duplicate entry, never someone else's); a segment
/// that starts with `@` keys as itself, on the page and on its fragment endpoint; query
/// strings that differ never share an entry.
#[tokio::test]
async fn encoded_paths_at_segments_and_queries_never_share_another_s_entry() {
    let cache = Cache::default();
    let app = with_cache(enc::router(), &cache);
    let cases = [
        ("/enc/bob", "card of \"bob\" q None|page"),
        ("/enc/b%6Fb", "card of \"bob\" q None|page"),
        ("/enc/@bob", "card of \"@bob\" q None|page"),
        ("/enc/%40bob", "card of \"@bob\" q None|page"),
        ("/enc/bob?q=1", "card of \"bob\" q Some(\"1\")|page"),
        ("/enc/bob?q=%31", "card of \"bob\" q Some(\"1\")|page"),
        ("/enc/bob?q=2", "card of \"bob\" q Some(\"2\")|page"),
        ("/enc/bob?q=%1F", "card of \"bob\" q Some(\"\\u{1f}\")|page"),
        ("/enc/x%2F%40y", "card of \"x/@y\" q None|page"),
    ];
    for (uri, expected) in cases {
        let reply = get(app.clone(), uri).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{uri}"
        );
    }
    // Each again, from the cache: the same answers.
    let runs = load(&ENC_RUNS);
    for (uri, expected) in cases {
        assert_eq!(get(app.clone(), uri).await.body, expected, "{uri}");
    }
    assert_eq!(load(&ENC_RUNS), runs);
    // The fragment endpoint of a page whose segment starts with `@` reads the page's entry.
    let fragment = get(app.clone(), "/enc/@bob/@card").await;
    assert_eq!(fragment.body, "card of \"@bob\" q None");
    assert_eq!(load(&ENC_RUNS), runs);
}

// ---- a key function's output ----

fn tricky_key(parts: &axum::http::request::Parts) -> String {
    // Returns the separator and a `?`, to try to look like another request's path and query.
    parts
        .headers
        .get("x-k")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .replace('!', "\u{1f}")
}

static TRICKY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/tricky", slots(who))]
async fn tricky(who: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{who}|{children}"))
}

#[slot(tricky, who, cache(max_age = 60, key = tricky_key))]
async fn tricky_who(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> String {
    TRICKY_RUNS.fetch_add(1, Ordering::SeqCst);
    format!(
        "k={:?} q={:?}",
        headers.get("x-k").map(|v| v.to_str().unwrap().to_owned()),
        q.get("q")
    )
}

#[page(tricky)]
async fn tricky_page() -> &'static str {
    "page"
}

/// The key function's output comes last, after the separator: whatever it returns (the
/// separator, a `?`), it cannot make one request's key another's.
#[tokio::test]
async fn a_key_function_returning_the_separator_cannot_collide() {
    let cache = Cache::default();
    let app = with_cache(tricky::router(), &cache);
    let cases: [(&str, &str); 4] = [
        ("/tricky?q=1", "a"),
        ("/tricky", "?q=1!a"),
        ("/tricky?q=1!a", ""),
        ("/tricky", "!a"),
    ];
    let mut bodies = Vec::new();
    for (uri, key) in cases {
        let (status, _, body) = send(app.clone(), request_with(uri, &[("x-k", key)])).await;
        assert_eq!(status, StatusCode::OK, "{uri} {key}");
        bodies.push(body);
    }
    assert_eq!(load(&TRICKY_RUNS), 4, "four keys, four runs: {bodies:?}");
    let unique: std::collections::HashSet<_> = bodies.iter().collect();
    assert_eq!(unique.len(), 4, "{bodies:?}");
}

// =============================================================================================
// Single flight, timeouts, a dropped leader
// =============================================================================================

static HUNG_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/hung", slots(quote))]
async fn hung(quote: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{quote}|{children}"))
}

/// Its first run hangs (a backend call that never answers); every later run answers at once.
#[slot(hung, quote, timeout_ms = 200, cache(max_age = 60))]
async fn hung_quote() -> String {
    let run = HUNG_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run == 1 {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    format!("quote run {run}")
}

#[page(hung)]
async fn hung_page() -> &'static str {
    "page"
}

// Was a defect (fixed): the fill runs the first request's handler with no deadline of its own; the first
// request's `timeout_ms` only stops *its* wait. Every later request that arrives while some
// request still waits joins the same hung fill and times out too, so under steady traffic a
// single hung call keeps the slot failing for every visitor (here for the whole test, ~1.2 s,
// though each request alone would render in microseconds after the first). Without `cache`,
// only the first request would fail. "Timeouts are never cached" — here one is shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_fill_is_not_shared_with_requests_that_arrive_after_its_deadline() {
    let cache = Cache::default();
    let app = with_cache(hung::router(), &cache);
    let started = Instant::now();
    let mut requests = Vec::new();
    for i in 0..12u64 {
        let app = app.clone();
        requests.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100 * i)).await;
            (i, get(app, "/hung").await)
        }));
    }
    let mut late_failures = Vec::new();
    for request in requests {
        let (i, reply) = bounded(Duration::from_secs(5), "a request", request)
            .await
            .unwrap();
        assert_eq!(reply.status, StatusCode::OK);
        // Sent at 400 ms or later: the first request's 200 ms deadline has long passed.
        if i >= 4 && reply.body.contains("data-slot-error") {
            late_failures.push(i * 100);
        }
    }
    println!(
        "hung fill: {} handler run(s) in {:?}",
        load(&HUNG_RUNS),
        started.elapsed()
    );
    assert!(
        late_failures.is_empty(),
        "requests sent at these ms after the first timed out on the first request's hung fill: {late_failures:?}"
    );
}

static DROPPED_RUNS: AtomicUsize = AtomicUsize::new(0);
static DROPPED_DROPS: AtomicUsize = AtomicUsize::new(0);

#[layout("/dropped", slots(slow))]
async fn dropped(slow: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{slow}|{children}"))
}

#[slot(dropped, slow, cache(max_age = 60))]
async fn dropped_slow(Query(q): Query<HashMap<String, String>>) -> Html<String> {
    let run = DROPPED_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    let _guard = parallel_routes_tests::DropGuard(&DROPPED_DROPS);
    tokio::time::sleep(Duration::from_millis(300)).await;
    Html(format!("slow {:?} run {run}", q.get("case")))
}

#[page(dropped)]
async fn dropped_page() -> &'static str {
    "page"
}

/// The client of the request that runs the fill goes away: a request waiting for the same key
/// still gets the fragment, rendered once; with nobody waiting, the fill is cancelled (its
/// handler dropped) and the next request renders again rather than hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_dropped_mid_fill_leaves_its_waiters_served_or_its_fill_cancelled() {
    let cache = Cache::default();
    let app = with_cache(dropped::router(), &cache);
    // With a waiter.
    let runs = load(&DROPPED_RUNS);
    let leader = tokio::spawn(get(app.clone(), "/dropped?case=waiter"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let waiter = tokio::spawn(get(app.clone(), "/dropped?case=waiter"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    leader.abort();
    let reply = bounded(Duration::from_secs(3), "the waiter", waiter)
        .await
        .unwrap();
    assert_eq!(
        reply.body,
        format!("slow Some(\"waiter\") run {}|page", runs + 1)
    );
    assert_eq!(load(&DROPPED_RUNS), runs + 1);
    // Alone.
    let drops = load(&DROPPED_DROPS);
    let runs = load(&DROPPED_RUNS);
    let leader = tokio::spawn(get(app.clone(), "/dropped?case=alone"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    leader.abort();
    let _ = leader.await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        load(&DROPPED_DROPS),
        drops + 1,
        "the fill's handler was dropped"
    );
    let reply = bounded(
        Duration::from_secs(3),
        "the next request",
        get(app.clone(), "/dropped?case=alone"),
    )
    .await;
    assert_eq!(
        reply.body,
        format!("slow Some(\"alone\") run {}|page", runs + 2)
    );
}

// =============================================================================================
// Invalidation racing a fill or a refresh
// =============================================================================================

static PRICE_VERSION: AtomicUsize = AtomicUsize::new(1);

#[layout("/racing", slots(price))]
async fn racing(price: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{price}|{children}"))
}

/// Reads the data (its version) first, then takes 300 ms to render it.
#[slot(racing, price, cache(max_age = 60, tags("prices")))]
async fn racing_price() -> String {
    let version = PRICE_VERSION.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    format!("price v{version}")
}

#[page(racing)]
async fn racing_page() -> &'static str {
    "page"
}

// Was a defect (fixed): `invalidate_tag` drops the entries that exist, but a fill already running (it read
// the old data) stores its fragment after the invalidation, for the whole `max_age`: the data
// changed, the app invalidated, and every later request still gets the old fragment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_during_a_fill_is_not_undone_by_that_fill() {
    let cache = Cache::default();
    let app = with_cache(racing::router(), &cache);
    let filling = tokio::spawn(get(app.clone(), "/racing"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The data changes; the app invalidates its tag.
    PRICE_VERSION.store(2, Ordering::SeqCst);
    cache.invalidate_tag("prices").await;
    let first = bounded(Duration::from_secs(3), "the fill", filling)
        .await
        .unwrap();
    assert_eq!(first.body, "price v1|page", "rendered before the change");
    let after = get(app.clone(), "/racing").await;
    assert_eq!(
        after.body, "price v2|page",
        "the fill that began before the invalidation was stored after it"
    );
}

static RATE_VERSION: AtomicUsize = AtomicUsize::new(1);
static RATE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/rates", slots(rate))]
async fn rates(rate: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{rate}|{children}"))
}

#[slot(
    rates,
    rate,
    cache(max_age = 1, stale_while_revalidate = 60, tags("rates"))
)]
async fn rates_rate() -> String {
    RATE_RUNS.fetch_add(1, Ordering::SeqCst);
    let version = RATE_VERSION.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    format!("rate v{version}")
}

#[page(rates)]
async fn rates_page() -> &'static str {
    "page"
}

// Was a defect (fixed): as above, for a stale-while-revalidate refresh: a refresh running when the tag is
// invalidated stores its (old) fragment afterwards, fresh for `max_age`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_during_a_refresh_is_not_undone_by_that_refresh() {
    let cache = Cache::default();
    let app = with_cache(rates::router(), &cache);
    assert_eq!(get(app.clone(), "/rates").await.body, "rate v1|page");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Stale: served at once, refreshed in the background (which reads v1).
    assert_eq!(get(app.clone(), "/rates").await.body, "rate v1|page");
    tokio::time::sleep(Duration::from_millis(100)).await;
    RATE_VERSION.store(2, Ordering::SeqCst);
    cache.invalidate_tag("rates").await;
    bounded(Duration::from_secs(5), "close", cache.close()).await;
    assert_eq!(load(&RATE_RUNS), 2, "one refresh");
    let after = get(app.clone(), "/rates").await;
    assert_eq!(
        after.body, "rate v2|page",
        "the refresh that began before the invalidation was stored after it"
    );
}

// =============================================================================================
// Stale while revalidate: refreshes that panic, hang, or outlive their runtime
// =============================================================================================

static SWR_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/swr", slots(feed))]
async fn swr(feed: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{feed}|{children}"))
}

/// Run 1 renders; run 2 (the first refresh) panics; run 3 hangs past the deadline; run 4
/// renders.
#[slot(
    swr,
    feed,
    timeout_ms = 300,
    cache(max_age = 1, stale_while_revalidate = 60)
)]
async fn swr_feed() -> String {
    let run = SWR_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    match run {
        2 => panic!("refresh boom"),
        3 => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "never".into()
        }
        _ => format!("feed run {run}"),
    }
}

#[page(swr)]
async fn swr_page() -> &'static str {
    "page"
}

/// A refresh that panics, then one that hangs past the slot's deadline, leave the stale entry
/// served at once and the next stale read refreshes again; `Cache::close` waits for a refresh
/// no longer than its deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_that_panic_or_hang_keep_the_stale_entry_and_are_retried() {
    let cache = Cache::default();
    let app = with_cache(swr::router(), &cache);
    assert_eq!(get(app.clone(), "/swr").await.body, "feed run 1|page");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Refresh 1 panics.
    assert_eq!(get(app.clone(), "/swr").await.body, "feed run 1|page");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(load(&SWR_RUNS), 2);
    // Refresh 2 hangs; the request does not wait for it.
    let started = Instant::now();
    assert_eq!(get(app.clone(), "/swr").await.body, "feed run 1|page");
    assert!(started.elapsed() < Duration::from_millis(200));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(load(&SWR_RUNS), 3);
    // Another stale read while it hangs starts no second refresh.
    assert_eq!(get(app.clone(), "/swr").await.body, "feed run 1|page");
    assert_eq!(load(&SWR_RUNS), 3);
    // Past its deadline it is given up; the next stale read refreshes (run 4).
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(get(app.clone(), "/swr").await.body, "feed run 1|page");
    let closing = Instant::now();
    bounded(Duration::from_secs(3), "close", cache.close()).await;
    assert!(closing.elapsed() < Duration::from_secs(1));
    assert_eq!(load(&SWR_RUNS), 4);
    assert_eq!(get(app.clone(), "/swr").await.body, "feed run 4|page");
}

static ORPHAN_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/orphan", slots(tile))]
async fn orphan(tile: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{tile}|{children}"))
}

/// Run 2 (the first refresh) hangs; every other run renders at once.
#[slot(orphan, tile, cache(max_age = 1, stale_while_revalidate = 2))]
async fn orphan_tile() -> String {
    let run = ORPHAN_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run == 2 {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    format!("tile run {run}")
}

#[page(orphan)]
async fn orphan_page() -> &'static str {
    "page"
}

// Was a defect (fixed): a refresh task dropped with its runtime (documented: "the stale entry stays until it
// expires") never removes its key from the cache's set of running refreshes, so that key is
// never refreshed again by this `Cache`: every later entry of it, once stale, is served stale
// for its whole `stale_while_revalidate` window, then expires and blocks a request. With
// `Cache::global()` (the default, process-wide) any runtime restart (or tokio test) does it.
#[test]
fn a_refresh_dropped_with_its_runtime_does_not_disable_refreshes_of_its_key() {
    let cache = Cache::default();
    let app = with_cache(orphan::router(), &cache);
    let first = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    first.block_on(async {
        assert_eq!(get(app.clone(), "/orphan").await.body, "tile run 1|page");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        // Stale: refresh (run 2) starts and hangs.
        assert_eq!(get(app.clone(), "/orphan").await.body, "tile run 1|page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    });
    assert_eq!(load(&ORPHAN_RUNS), 2);
    first.shutdown_timeout(Duration::from_millis(100));
    let second = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    second.block_on(async {
        // The old entry expires (1 s + 2 s); a request fills the key again (run 3).
        tokio::time::sleep(Duration::from_millis(2000)).await;
        assert_eq!(get(app.clone(), "/orphan").await.body, "tile run 3|page");
        // That entry turns stale: this read should start a refresh (run 4).
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(get(app.clone(), "/orphan").await.body, "tile run 3|page");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            load(&ORPHAN_RUNS),
            4,
            "no refresh of a key whose earlier refresh died with its runtime"
        );
        bounded(Duration::from_secs(3), "close", cache.close()).await;
    });
}

// =============================================================================================
// The memory bound
// =============================================================================================

static HEAVY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/heavy", slots(big))]
async fn heavy(big: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{big}|{children}"))
}

/// `kind=html`: a 20 kB fragment; `kind=head`: a 20 kB title beside a tiny fragment;
/// `kind=key`: tiny, under a 20 kB query string.
#[slot(heavy, big, cache(max_age = 60))]
async fn heavy_big(Query(q): Query<HashMap<String, String>>) -> (Head, Html<String>) {
    HEAVY_RUNS.fetch_add(1, Ordering::SeqCst);
    match q.get("kind").map(String::as_str) {
        Some("html") => (Head::new(), Html("h".repeat(20_000))),
        Some("head") => (Head::title("t".repeat(20_000)), Html("small".into())),
        _ => (Head::new(), Html("small".into())),
    }
}

#[page(heavy)]
async fn heavy_page() -> &'static str {
    "page"
}

/// Fills 50 keys of `kind` in a cache of 100 kB and asks for them again: how many ran again
/// (an entry kept answers without running).
async fn refills(kind: &str) -> usize {
    let cache = Cache::in_memory(1_000, 100_000);
    let app = with_cache(heavy::router(), &cache);
    let padding = if kind == "key" {
        "p".repeat(20_000)
    } else {
        String::new()
    };
    let uri = |i: usize| format!("/heavy?kind={kind}&n={i}&pad={padding}");
    for i in 0..50 {
        assert_eq!(get(app.clone(), &uri(i)).await.status, StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = load(&HEAVY_RUNS);
    for i in 0..50 {
        get(app.clone(), &uri(i)).await;
    }
    load(&HEAVY_RUNS) - before
}

static HEAVY_ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// 50 fragments of 20 kB (1 MB) in a cache of 100 kB: at most 5 stay.
#[tokio::test]
async fn large_fragments_are_bounded_by_bytes() {
    let _one = HEAVY_ONE_AT_A_TIME.lock().await;
    let again = refills("html").await;
    assert!(
        again >= 40,
        "only {again} of 50 ran again: the bound held more than 100 kB"
    );
}

// Was a defect (fixed): an entry's weight counts its HTML and tags, not its head: 50 entries with a 20 kB
// title each (1 MB) all stay in a cache of 100 kB. A slot whose head grows with its input
// (a title from the query) holds unbounded memory.
#[tokio::test]
async fn a_cached_head_counts_toward_the_byte_bound() {
    let _one = HEAVY_ONE_AT_A_TIME.lock().await;
    let again = refills("head").await;
    assert!(
        again >= 40,
        "only {again} of 50 ran again: 1 MB of titles kept in a 100 kB cache"
    );
}

// Was a defect (fixed): nor does it count its key, which holds the raw query string a client chose: 50 keys
// of 20 kB (1 MB of attacker-chosen bytes) all stay in a cache of 100 kB, and the default cache
// (10,000 entries, 64 MiB) holds 10,000 keys as long as the server accepts URIs.
#[tokio::test]
async fn a_cached_entry_s_key_counts_toward_the_byte_bound() {
    let _one = HEAVY_ONE_AT_A_TIME.lock().await;
    let again = refills("key").await;
    assert!(
        again >= 40,
        "only {again} of 50 ran again: 1 MB of query strings kept in a 100 kB cache"
    );
}

// =============================================================================================
// The head, streaming, pages, nesting and htmx
// =============================================================================================

static TITLED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/titled", slots(info))]
async fn titled(head: Head, info: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{head}{info}|{children}"))
}

#[slot(titled, info, cache(max_age = 60))]
async fn titled_info(Query(q): Query<HashMap<String, String>>) -> (Head, String) {
    TITLED_RUNS.fetch_add(1, Ordering::SeqCst);
    let id = q.get("id").cloned().unwrap_or_default();
    (Head::title(format!("Item {id}")), format!("info {id}"))
}

#[page(titled)]
async fn titled_page() -> &'static str {
    "page"
}

/// A cached slot's head comes back with its fragment on a hit, under its own key only.
#[tokio::test]
async fn a_cached_head_is_replayed_on_a_hit_and_never_crosses_keys() {
    let cache = Cache::default();
    let app = with_cache(titled::router(), &cache);
    let one = get(app.clone(), "/titled?id=1").await;
    assert!(one.body.contains("<title>Item 1</title>"), "{}", one.body);
    let two = get(app.clone(), "/titled?id=2").await;
    assert!(two.body.contains("<title>Item 2</title>"), "{}", two.body);
    let one_again = get(app.clone(), "/titled?id=1").await;
    assert_eq!(one_again.body, one.body);
    let two_again = get(app.clone(), "/titled?id=2").await;
    assert_eq!(two_again.body, two.body);
    assert_eq!(load(&TITLED_RUNS), 2);
}

static STREAMED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/streamed", slots(chart))]
async fn streamed(chart: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<div>{chart}</div>{children}"))
}

fn chart_skeleton() -> &'static str {
    "loading chart"
}

#[slot(streamed, chart, loading = chart_skeleton, cache(max_age = 60))]
async fn streamed_chart() -> Html<String> {
    let run = STREAMED_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(Duration::from_millis(100)).await;
    Html(format!("<svg>chart run {run}</svg>"))
}

#[page(streamed)]
async fn streamed_page() -> &'static str {
    "page"
}

/// A cached loading slot streams its fragment on a miss and serves the same from the cache.
#[tokio::test]
async fn a_cached_loading_slot_streams_then_hits() {
    let cache = Cache::default();
    let app = with_cache(streamed::router(), &cache);
    let first =
        parallel_routes_tests::chunks(app.clone(), parallel_routes_tests::request("/streamed"))
            .await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body().contains("<svg>chart run 1</svg>"),
        "{}",
        first.body()
    );
    let second =
        parallel_routes_tests::chunks(app.clone(), parallel_routes_tests::request("/streamed"))
            .await;
    assert!(
        second.body().contains("<svg>chart run 1</svg>"),
        "{}",
        second.body()
    );
    assert_eq!(load(&STREAMED_RUNS), 1);
    let fragment = get(app.clone(), "/streamed/@chart").await;
    assert_eq!(fragment.body, "<svg>chart run 1</svg>");
    assert_eq!(load(&STREAMED_RUNS), 1);
}

static CACHED_PAGE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/cpage", slots(side))]
async fn cpage(side: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{side}|{children}"))
}

#[slot(cpage, side)]
async fn cpage_side() -> &'static str {
    "side"
}

#[page(cpage, cache(max_age = 30, stale_while_revalidate = 5))]
async fn cpage_page() -> String {
    let run = CACHED_PAGE_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    format!("page run {run}")
}

/// `cache` on a `#[page]` caches the page's `children` like any slot, and its `@children`
/// endpoint sends the HTTP caching headers.
#[tokio::test]
async fn a_cached_page_is_cached_as_its_children_slot() {
    let cache = Cache::default();
    let app = with_cache(cpage::router(), &cache);
    assert_eq!(get(app.clone(), "/cpage").await.body, "side|page run 1");
    assert_eq!(get(app.clone(), "/cpage").await.body, "side|page run 1");
    let (status, headers, body) = send(app.clone(), request_with("/cpage/@children", &[])).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "page run 1"));
    assert_eq!(
        headers["cache-control"],
        "public, max-age=30, stale-while-revalidate=5"
    );
    assert_eq!(load(&CACHED_PAGE_RUNS), 1);
}

// ---- nested layouts and htmx navigation ----

static NAV_RUNS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn nav_ran(what: String) -> usize {
    let mut runs = NAV_RUNS.lock().unwrap();
    runs.push(what.clone());
    runs.iter().filter(|run| **run == what).count()
}

#[layout("/org", slots(menu), routes("/team/{team}"))]
async fn org(menu: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<nav id=\"menu\">{menu}</nav><main id=\"children\">{children}</main>"
    ))
}

#[slot(org, menu, default, cache(max_age = 60))]
async fn org_menu(at: org::Route) -> String {
    let run = nav_ran(format!("menu {at}"));
    format!("menu at {at} run {run}")
}

#[page(org)]
async fn org_page() -> &'static str {
    "org"
}

#[layout("/org/team/{team}", slots(roster, secret), parent = org)]
async fn team(roster: Fragment, secret: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<ul id=\"roster\">{roster}</ul><p id=\"secret\">{secret}</p>{children}"
    ))
}

#[slot(team, roster, cache(max_age = 60))]
async fn team_roster(Path(team): Path<String>) -> String {
    let run = nav_ran(format!("roster {team}"));
    format!("roster of {team} run {run}")
}

async fn is_lead(headers: HeaderMap) -> bool {
    headers.get("x-lead").is_some()
}

#[slot(team, secret, when = is_lead)]
async fn team_secret(Path(team): Path<String>) -> String {
    nav_ran(format!("secret {team}"));
    format!("plans of {team}")
}

#[page(team)]
async fn team_page(Path(team): Path<String>) -> String {
    format!("team {team}")
}

fn org_app(cache: &Cache) -> Router {
    with_cache(
        Router::new().merge(org::router()).merge(team::router()),
        cache,
    )
}

/// A parent's cached slot on a nested route keys by that route; the nested layout's cached
/// slot by its own path parameters; a nested layout's `when` slot is refused on the full page,
/// its fragment endpoint and an htmx navigation alike.
#[tokio::test]
async fn cached_and_conditional_slots_of_nested_layouts_follow_the_route_and_htmx() {
    let cache = Cache::default();
    let app = org_app(&cache);
    let red = get(app.clone(), "/org/team/red").await;
    assert_eq!(
        red.body,
        "<nav id=\"menu\">menu at /org/team/red run 1</nav><main id=\"children\"><ul id=\"roster\">roster of red run 1</ul><p id=\"secret\"></p>team red</main>"
    );
    let blue = get(app.clone(), "/org/team/blue").await;
    assert!(
        blue.body.contains("menu at /org/team/blue run 1"),
        "{}",
        blue.body
    );
    assert!(blue.body.contains("roster of blue run 1"), "{}", blue.body);
    // Again: both from the cache.
    assert_eq!(get(app.clone(), "/org/team/red").await.body, red.body);
    // A lead sees the secret, rendered for them; a fragment endpoint refuses a non-lead.
    let (_, _, lead) = send(
        app.clone(),
        request_with("/org/team/red", &[("x-lead", "1")]),
    )
    .await;
    assert!(lead.contains("<p id=\"secret\">plans of red</p>"), "{lead}");
    let (_, _, refused) = send(app.clone(), request_with("/org/team/red/@secret", &[])).await;
    assert_eq!(refused, "");
    // htmx: from red to blue, the changed slots come from the cache; the secret stays refused.
    let (status, _, partial) = send(
        app.clone(),
        request_with(
            "/org/team/blue",
            &[
                ("HX-Request", "true"),
                ("HX-Current-URL", "http://127.0.0.1/org/team/red"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(partial.contains("roster of blue run 1"), "{partial}");
    assert!(!partial.contains("plans of"), "{partial}");
    let runs = NAV_RUNS.lock().unwrap().clone();
    assert_eq!(
        runs.iter().filter(|run| run.starts_with("secret")).count(),
        1,
        "{runs:?}"
    );
    assert_eq!(
        runs.iter().filter(|run| *run == "roster red").count(),
        1,
        "{runs:?}"
    );
    assert_eq!(
        runs.iter().filter(|run| *run == "roster blue").count(),
        1,
        "{runs:?}"
    );
}

// =============================================================================================
// HTTP caching of `@slot` endpoints
// =============================================================================================

#[layout("/etag", slots(doc))]
async fn etag_layout(doc: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{doc}|{children}"))
}

#[slot(etag_layout, doc, cache(max_age = 60))]
async fn etag_doc() -> &'static str {
    "the doc"
}

#[page(etag_layout)]
async fn etag_page() -> &'static str {
    "page"
}

/// `If-None-Match`: `*`, weak tags, lists, whitespace, garbage, a header that is not UTF-8,
/// many headers, a huge list: a 304 only when one of the tags is the fragment's.
#[tokio::test]
async fn if_none_match_is_parsed_as_a_list_of_weakly_compared_tags() {
    let cache = Cache::default();
    let app = with_cache(etag_layout::router(), &cache);
    let (status, headers, body) = send(app.clone(), request_with("/etag/@doc", &[])).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "the doc"));
    let tag = headers["etag"].to_str().unwrap().to_owned();
    let weak = format!("W/{tag}");
    let listed = format!("\"x\",{tag} , \"y\"");
    let huge = format!("{}{tag}", "\"0000000000000000\", ".repeat(2_000));
    let bare = tag.trim_matches('"').to_owned();
    let prefix = format!("{}\"", &tag[..tag.len() - 2]);
    let cases: Vec<(Vec<&str>, StatusCode)> = vec![
        (vec![tag.as_str()], StatusCode::NOT_MODIFIED),
        (vec!["*"], StatusCode::NOT_MODIFIED),
        (vec![weak.as_str()], StatusCode::NOT_MODIFIED),
        (vec![listed.as_str()], StatusCode::NOT_MODIFIED),
        (vec!["\"a\"", tag.as_str()], StatusCode::NOT_MODIFIED),
        (vec![huge.as_str()], StatusCode::NOT_MODIFIED),
        (vec![""], StatusCode::OK),
        (vec![","], StatusCode::OK),
        (vec!["garbage"], StatusCode::OK),
        (vec![bare.as_str()], StatusCode::OK),
        (vec![prefix.as_str()], StatusCode::OK),
        (vec!["W/"], StatusCode::OK),
    ];
    for (values, expected) in cases {
        let mut builder = Request::get("/etag/@doc");
        for value in &values {
            builder = builder.header("if-none-match", *value);
        }
        let (status, headers, body) = send(app.clone(), builder.body(Body::empty()).unwrap()).await;
        let shown: Vec<&str> = values.iter().map(|v| &v[..v.len().min(40)]).collect();
        assert_eq!(status, expected, "{shown:?}");
        assert_eq!(headers["etag"], tag.as_str(), "{shown:?}");
        if expected == StatusCode::NOT_MODIFIED {
            assert_eq!(body, "");
        } else {
            assert_eq!(body, "the doc");
        }
    }
    // A value that is not UTF-8 is no match.
    let opaque = axum::http::HeaderValue::from_bytes(b"\"\xff\"").unwrap();
    let request = Request::get("/etag/@doc")
        .header("if-none-match", opaque)
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = send(app.clone(), request).await;
    assert_eq!(status, StatusCode::OK);
}

// ---- a conditional cached slot's endpoint ----

static CONFIDENTIAL_RUNS: AtomicUsize = AtomicUsize::new(0);

async fn is_staff(headers: HeaderMap) -> bool {
    headers.get("x-role").is_some_and(|role| role == "staff")
}

#[layout("/intranet", slots(payroll))]
async fn intranet(payroll: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{payroll}|{children}"))
}

#[slot(intranet, payroll, when = is_staff, cache(max_age = 60))]
async fn intranet_payroll() -> &'static str {
    CONFIDENTIAL_RUNS.fetch_add(1, Ordering::SeqCst);
    "salaries"
}

#[page(intranet)]
async fn intranet_page() -> &'static str {
    "page"
}

// Was a defect (fixed): a cached slot with `when` answers its `@slot` endpoint with `Cache-Control: public,
// max-age=60` (no `private`, no `Vary`), though what it answers depends on the guard, which
// reads the request head: a shared cache (CDN, proxy) keeps the staff's fragment and serves it
// to anyone for 60 s — or keeps the refused, empty one and serves it to the staff. Only a slot
// with `key` is marked `private`.
#[tokio::test]
async fn a_conditional_cached_slot_s_endpoint_is_not_publicly_cacheable() {
    let cache = Cache::default();
    let app = with_cache(intranet::router(), &cache);
    let (status, staff_headers, body) = send(
        app.clone(),
        request_with("/intranet/@payroll", &[("x-role", "staff")]),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "salaries"));
    let (status, refused_headers, body) =
        send(app.clone(), request_with("/intranet/@payroll", &[])).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    for (who, headers) in [("staff", &staff_headers), ("refused", &refused_headers)] {
        let control = headers
            .get("cache-control")
            .map(|value| value.to_str().unwrap().to_owned());
        assert!(
            control
                .as_deref()
                .is_none_or(|control| !control.contains("public")),
            "{who}: {control:?} lets a shared cache serve this guarded fragment to everyone"
        );
    }
}

// =============================================================================================
// `when`
// =============================================================================================

static WL_RUNS: AtomicUsize = AtomicUsize::new(0);

async fn never() -> bool {
    false
}

#[layout("/wl", slots(primary, backup))]
async fn wl(primary: Fragment, backup: Fragment, children: Fragment) -> Html<String> {
    let shown = if primary.is_empty() { backup } else { primary };
    Html(format!("<div>{shown}</div>{children}"))
}

fn primary_skeleton() -> &'static str {
    "loading primary"
}

#[slot(wl, primary, when = never, loading = primary_skeleton)]
async fn wl_primary() -> &'static str {
    WL_RUNS.fetch_add(1, Ordering::SeqCst);
    "primary"
}

#[slot(wl, backup)]
async fn wl_backup() -> &'static str {
    "backup"
}

#[page(wl)]
async fn wl_page() -> &'static str {
    "page"
}

/// A refused slot that has `loading` is not streamed: its layout gets an empty fragment at
/// once (no placeholder), so "show one of two slots" works with loading slots too.
#[tokio::test]
async fn a_refused_loading_slot_is_empty_to_its_layout() {
    let reply = bounded(
        Duration::from_secs(5),
        "the page",
        parallel_routes_tests::chunks(wl::router(), parallel_routes_tests::request("/wl")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(load(&WL_RUNS), 0, "the refused slot never ran");
    let body = reply.body();
    assert!(
        body.contains("<div>backup</div>"),
        "the layout did not see the refused slot as empty: {body}"
    );
    assert!(!body.contains("loading primary"), "{body}");
    assert_eq!(reply.chunks.len(), 1, "not streamed: {body}");
}

async fn panicking_guard() -> bool {
    panic!("the guard panicked")
}

#[layout("/gp", slots(maybe, other))]
async fn gp(maybe: Fragment, other: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{maybe}|{other}|{children}"))
}

#[slot(gp, maybe, when = panicking_guard)]
async fn gp_maybe() -> &'static str {
    "maybe"
}

#[slot(gp, other)]
async fn gp_other() -> &'static str {
    "other"
}

#[page(gp)]
async fn gp_page() -> &'static str {
    "page"
}

// Was a defect (fixed): a `when` guard that panics is caught by nothing: the panic unwinds out of the page's
// future (over HTTP the connection is dropped with no response). A panicking slot renders its
// fallback and a panicking layout answers 500; the guard, run by the slot's own extraction,
// should be one or the other, never a dropped request.
#[tokio::test]
async fn a_panicking_guard_answers_rather_than_unwinding_out_of_the_page() {
    let page = tokio::spawn(send(gp::router(), request_with("/gp", &[])));
    let outcome = bounded(Duration::from_secs(5), "the page", page).await;
    match outcome {
        Ok((status, _, body)) => assert!(
            status == StatusCode::INTERNAL_SERVER_ERROR
                || (status == StatusCode::OK && body.contains("other")),
            "{status} {body}"
        ),
        Err(error) => panic!("the page's future panicked: {error}"),
    }
}

// =============================================================================================
// Redis
// =============================================================================================

/// The handler's runs, by the test each request names.
static GAUGE_RUNS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn gauge_runs(test: &str) -> usize {
    GAUGE_RUNS
        .lock()
        .unwrap()
        .iter()
        .filter(|run| *run == test)
        .count()
}

#[derive(serde::Deserialize)]
struct Ask {
    test: String,
}

#[layout("/gauges", slots(gauge))]
async fn gauges(gauge: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{gauge}|{children}"))
}

/// `test=leak`: the first run takes 2 s (past the 300 ms deadline); every other run answers
/// at once.
#[slot(gauges, gauge, timeout_ms = 300, cache(max_age = 60))]
async fn gauges_gauge(Query(ask): Query<Ask>) -> String {
    let run = {
        let mut runs = GAUGE_RUNS.lock().unwrap();
        runs.push(ask.test.clone());
        runs.iter().filter(|run| **run == ask.test).count()
    };
    if ask.test == "leak" && run == 1 {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    format!("gauge {} run {run}", ask.test)
}

#[page(gauges)]
async fn gauges_page() -> &'static str {
    "page"
}

/// The Redis names of the gauge's entry and lock for `test`.
fn gauge_names(test: &str) -> (String, String) {
    let key = format!("gauges\u{1f}gauge\u{1f}/gauges?test={test}");
    (format!("pr:e:{key}"), format!("pr:l:{key}"))
}

async fn redis_app(server: &RedisServer) -> Router {
    let cache = bounded(
        Duration::from_secs(5),
        "Cache::redis",
        Cache::redis(&server.url),
    )
    .await
    .expect("connects to redis-server");
    with_cache(gauges::router(), &cache)
}

// Was a defect (fixed): a fill takes the Redis lock `pr:l:<key>` (10 s) and releases it at its end; when the
// fill is dropped instead — its request timed out (`timeout_ms`) or its client went away — the
// lock is never released. For the next 10 s every request for that key, on every replica,
// waits for an entry nobody is rendering, past its own deadline: the slot shows its error
// fallback though its handler now answers at once. A slow call once becomes 10 s of failed
// slots everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_dropped_at_its_deadline_releases_its_redis_lock() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let app = redis_app(&server).await;
    let first = bounded(
        Duration::from_secs(5),
        "first",
        get(app.clone(), "/gauges?test=leak"),
    )
    .await;
    assert!(
        first.body.contains("data-slot-error=\"gauge\""),
        "{}",
        first.body
    );
    let (_, lock) = gauge_names("leak");
    let mut redis = server.connection().await;
    let held: bool = redis::cmd("EXISTS")
        .arg(&lock)
        .query_async(&mut redis)
        .await
        .unwrap();
    let second = bounded(
        Duration::from_secs(5),
        "second",
        get(app.clone(), "/gauges?test=leak"),
    )
    .await;
    assert_eq!(
        second.body, "gauge leak run 2|page",
        "the lock of the dropped fill was still held: {held}"
    );
    assert!(!held, "the dropped fill left its lock in Redis");
}

// Was a defect (fixed): a lock left by a replica that died mid-render (or by the leak above) makes this
// replica wait up to the lock's 10 s for an entry, beyond the slot's own deadline: the slot
// renders its error fallback instead of rendering itself. "A Redis down or slow degrades to
// rendering the slot, never to a failed page" — a stuck lock fails the slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_left_by_a_dead_replica_degrades_to_rendering_not_to_a_fallback() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let app = redis_app(&server).await;
    let (_, lock) = gauge_names("dead");
    let mut redis = server.connection().await;
    let _: () = redis::cmd("SET")
        .arg(&lock)
        .arg("a-replica-that-died")
        .arg("PX")
        .arg(10_000)
        .query_async(&mut redis)
        .await
        .unwrap();
    let reply = bounded(
        Duration::from_secs(12),
        "the page",
        get(app, "/gauges?test=dead"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body, "gauge dead run 1|page",
        "the slot waited for a dead replica's lock until its deadline"
    );
}

/// Entries another writer left that do not decode (garbage, a truncated entry, a length past
/// the end, an unknown version) are misses: the slot renders, and its entry replaces them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_that_do_not_decode_are_misses_and_are_replaced() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let app = redis_app(&server).await;
    let mut redis = server.connection().await;
    let mut huge_length = vec![1u8];
    huge_length.extend_from_slice(&[0; 24]);
    huge_length.extend_from_slice(&u32::MAX.to_le_bytes());
    let mut version_two = vec![2u8];
    version_two.extend_from_slice(&[0; 24]);
    let values: [(&str, Vec<u8>); 4] = [
        ("garbage", b"garbage".to_vec()),
        ("empty", Vec::new()),
        ("hugelen", huge_length),
        ("version", version_two),
    ];
    for (test, value) in values {
        let (entry, _) = gauge_names(test);
        let _: () = redis::cmd("SET")
            .arg(&entry)
            .arg(value)
            .query_async(&mut redis)
            .await
            .unwrap();
        let reply = bounded(
            Duration::from_secs(3),
            test,
            get(app.clone(), &format!("/gauges?test={test}")),
        )
        .await;
        assert_eq!(reply.body, format!("gauge {test} run 1|page"), "{test}");
        let again = get(app.clone(), &format!("/gauges?test={test}")).await;
        assert_eq!(again.body, reply.body, "{test}: replaced by a good entry");
        assert_eq!(gauge_runs(test), 1, "{test}");
    }
}

/// A Redis that accepts connections and never answers (a listener of the test's own): no
/// call hangs — `Cache::redis` fails or, if it returns, pages render with the slot rendered
/// here, each within about the store's bounded timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_accepts_and_never_answers_hangs_nothing() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::sync::Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    let accepting = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            keep.lock().unwrap().push(socket);
        }
    });
    let started = Instant::now();
    let connected = bounded(
        Duration::from_secs(5),
        "Cache::redis on a silent server",
        Cache::redis(&format!("redis://127.0.0.1:{port}/")),
    )
    .await;
    println!(
        "Cache::redis on a silent server: {:?} after {:?}",
        connected.as_ref().map(|_| ()),
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    if let Ok(cache) = connected {
        let app = with_cache(gauges::router(), &cache);
        for _ in 0..2 {
            let started = Instant::now();
            let reply = bounded(
                Duration::from_secs(5),
                "a page",
                get(app.clone(), "/gauges?test=silent"),
            )
            .await;
            assert_eq!(reply.status, StatusCode::OK);
            assert!(reply.body.starts_with("gauge silent run"), "{}", reply.body);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{:?}",
                started.elapsed()
            );
        }
    }
    accepting.abort();
}

// =============================================================================================
// Out-of-range durations
// =============================================================================================

static FOREVER_STALE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/forever", slots(long_stale))]
async fn forever(long_stale: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{long_stale}|{children}"))
}

#[slot(
    forever,
    long_stale,
    cache(max_age = 1, stale_while_revalidate = 18446744073709551615)
)]
async fn forever_stale() -> String {
    let run = FOREVER_STALE_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    format!("stale run {run}")
}

#[page(forever)]
async fn forever_page() -> &'static str {
    "page"
}

// Was a defect (fixed): the macro accepts any u64 of seconds, and `Entry::ttl` adds `max_age_ms + stale_ms`
// unchecked (cache.rs:154): with `stale_while_revalidate = u64::MAX` ("stale forever") the sum
// overflows — a panic in a debug build, inside the store's insert, so the first request shows
// the slot's error fallback though its handler rendered (and in release the sum wraps to a
// tiny time to live). Such a value should be refused at compile time or saturate.
#[tokio::test]
async fn a_huge_stale_while_revalidate_does_not_fail_the_slot() {
    let cache = Cache::default();
    let app = with_cache(forever::router(), &cache);
    let first = tokio::spawn(get(app.clone(), "/forever")).await;
    match first {
        Ok(reply) => assert_eq!(reply.body, "stale run 1|page"),
        Err(error) => panic!("the page panicked: {error}"),
    }
}

// =============================================================================================
// Discarded extractors of a cached slot
// =============================================================================================

struct RequireStaff;

impl<S: Sync> axum::extract::FromRequestParts<S> for RequireStaff {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        if is_staff(parts.headers.clone()).await {
            Ok(RequireStaff)
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    }
}

static LEDGER_RUNS: AtomicUsize = AtomicUsize::new(0);

#[layout("/ledger", slots(totals))]
async fn ledger(totals: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{totals}|{children}"))
}

/// `_: RequireStaff` is allowed without a key (its value cannot be read): it must still guard
/// every request, hit or miss.
#[slot(ledger, totals, cache(max_age = 60))]
async fn ledger_totals(_: RequireStaff) -> &'static str {
    LEDGER_RUNS.fetch_add(1, Ordering::SeqCst);
    "totals"
}

#[page(ledger)]
async fn ledger_page() -> &'static str {
    "page"
}

/// A discarded guard extractor of a cached slot runs on every request before the cache is
/// read: a cached fragment is never served past it, on the page or the fragment endpoint.
#[tokio::test]
async fn a_discarded_guard_extractor_still_guards_a_cached_slot() {
    let cache = Cache::default();
    let app = with_cache(ledger::router(), &cache);
    let staff = [("x-role", "staff")];
    for uri in ["/ledger", "/ledger/@totals"] {
        let (status, _, _) = send(app.clone(), request_with(uri, &staff)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let (status, _, body) = send(app.clone(), request_with(uri, &[])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
        assert!(!body.contains("totals"), "{uri}: {body}");
    }
    assert_eq!(
        load(&LEDGER_RUNS),
        1,
        "the staff's second request was a hit"
    );
}

// ---- a tag's set in Redis ----

#[layout("/tagged", slots(row))]
async fn tagged(row: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{row}|{children}"))
}

#[slot(tagged, row, cache(max_age = 1, tags("grow")))]
async fn tagged_row(Query(q): Query<HashMap<String, String>>) -> String {
    format!("row {:?}", q.get("n"))
}

#[page(tagged)]
async fn tagged_page() -> &'static str {
    "page"
}

// Was a defect (fixed): each put adds the entry's name to the tag's set `pr:t:<tag>` and pushes the set's
// expiry out to its newest entry (PEXPIRE GT); names of entries that expired are never
// removed. Under steady traffic on keys that vary (a query string a client chooses), the set
// never expires and grows by one name per distinct key forever, and `invalidate_tag` then runs
// a DEL per dead name inside one Lua script (blocking Redis for every client).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_s_set_in_redis_does_not_keep_the_names_of_expired_entries() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let cache = bounded(
        Duration::from_secs(5),
        "Cache::redis",
        Cache::redis(&server.url),
    )
    .await
    .unwrap();
    let app = with_cache(tagged::router(), &cache);
    for n in 0..200 {
        let reply = get(app.clone(), &format!("/tagged?n={n}")).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    // All 200 expire while traffic goes on, on other keys (one every 100 ms).
    for n in 200..215 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        get(app.clone(), &format!("/tagged?n={n}")).await;
    }
    let mut redis = server.connection().await;
    let live: Vec<String> = redis::cmd("KEYS")
        .arg("pr:e:*")
        .query_async(&mut redis)
        .await
        .unwrap();
    let names: usize = redis::cmd("ZCARD")
        .arg("pr:t:grow")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(
        names <= live.len() + 20,
        "the tag's set holds {names} names for {} live entries",
        live.len()
    );
}

// =============================================================================================
// Abandoned fills
// =============================================================================================

/// This process's resident memory, in bytes (Linux).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[layout("/abandoned", slots(report))]
async fn abandoned(report: Fragment, children: Fragment) -> Html<String> {
    Html(format!("{report}|{children}"))
}

#[slot(abandoned, report, cache(max_age = 60))]
async fn abandoned_report(Query(q): Query<HashMap<String, String>>) -> String {
    tokio::time::sleep(Duration::from_secs(30)).await;
    format!("report {}", q.len())
}

#[page(abandoned)]
async fn abandoned_page() -> &'static str {
    "page"
}

/// 400 requests for distinct keys with 50 kB query strings, dropped mid-fill.
async fn abandon(app: &Router, round: usize) {
    let mut requests = Vec::new();
    for n in 0..400 {
        let app = app.clone();
        requests.push(tokio::spawn(async move {
            let uri = format!("/abandoned?round={round}&n={n}&pad={}", "p".repeat(50_000));
            get(app, &uri).await.status
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for request in &requests {
        request.abort();
    }
    for request in requests {
        assert!(request.await.unwrap_err().is_cancelled());
    }
}

// Was a defect (fixed: a fill leaves the map when it is dropped): a fill is registered in the cache's map of flights under its key (with the raw
// query string) and removed only when it ends; a fill that is dropped — every request for it
// timed out or went away — stays in the map until a later request for the same key replaces
// it. Clients that ask for distinct query strings and hang up leave their keys in memory for
// as long as the cache lives, outside any bound (each round here: 400 × 50 kB ≈ 20 MB more
// resident memory, every round, where the same requests without `cache` reuse the memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_fills_leave_nothing_behind() {
    let _one = HEAVY_ONE_AT_A_TIME.lock().await;
    let cache = Cache::default();
    let app = with_cache(abandoned::router(), &cache);
    // A first round warms the allocator; then resident memory must level off rather than
    // grow by each round's ~20 MB of abandoned keys: after three rounds (the allocator's
    // arenas at their size) and after eleven, within 20 MB.
    abandon(&app, 0).await;
    let before = resident_bytes();
    for round in 1..4 {
        abandon(&app, round).await;
    }
    let after_three = resident_bytes();
    for round in 4..12 {
        abandon(&app, round).await;
    }
    let after_eleven = resident_bytes();
    let grown = |from: usize, to: usize| (to as isize - from as isize) / 1_000_000;
    println!(
        "abandoned fills: resident memory +{} MB after 3 rounds, +{} MB after 11",
        grown(before, after_three),
        grown(before, after_eleven)
    );
    assert!(
        grown(after_three, after_eleven) < 20,
        "eight more rounds of 400 abandoned fills grew resident memory by {} MB",
        grown(after_three, after_eleven)
    );
}
