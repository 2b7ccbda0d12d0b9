//! Cached slots shared between replicas through a real `redis-server` (Debian's package,
//! installed by `scripts/test.sh` and `.ci/run`), started by each test on a free port of
//! 127.0.0.1 and killed at its end: two routers render a cached slot once between them and
//! both see an invalidation; a stampede across replicas renders once; a Redis killed or
//! stalled mid-test leaves pages rendering.
//!
//! Without `redis-server` (`$REDIS_SERVER`, else on the `PATH`) these tests fail, saying what
//! to install, unless `SKIP_REDIS_TESTS=1`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::{RedisServer, get};

/// The handler's runs, by the tag each test asks with (tests run at once).
static RUNS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn runs(of: &str) -> usize {
    RUNS.lock().unwrap().iter().filter(|run| *run == of).count()
}

#[layout("/shared", slots(report))]
async fn shared(report: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<aside>{report}</aside>{children}"))
}

#[derive(serde::Deserialize)]
struct Ask {
    test: String,
}

#[slot(shared, report, cache(max_age = 60, tags("reports")))]
async fn report(axum::extract::Query(ask): axum::extract::Query<Ask>) -> (Head, String) {
    let run = {
        let mut runs = RUNS.lock().unwrap();
        runs.push(ask.test.clone());
        runs.iter().filter(|run| **run == ask.test).count()
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    (
        Head::title("Report"),
        format!("report {} run {run}", ask.test),
    )
}

#[page(shared)]
async fn shared_page() -> &'static str {
    "page"
}

/// A replica: the same router, with its own connection to the shared Redis.
async fn replica(url: &str) -> Router {
    let cache = Cache::redis(url).await.expect("connects to redis-server");
    shared::router().layer(axum::Extension(cache))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_render_a_cached_slot_once_and_both_see_an_invalidation() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let (a, b) = (replica(&server.url).await, replica(&server.url).await);
    let first = get(a.clone(), "/shared?test=replicas").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first
            .body
            .starts_with("<aside>report replicas run 1</aside>"),
        "{}",
        first.body
    );
    let from_b = get(b.clone(), "/shared?test=replicas").await;
    assert_eq!(from_b.body, first.body, "B serves A's entry");
    assert_eq!(runs("replicas"), 1);
    // The head comes back from Redis too: the fragment endpoint shows the entry as is.
    let fragment = get(b.clone(), "/shared/@report?test=replicas").await;
    assert_eq!(fragment.body, "report replicas run 1");
    // An invalidation through B reaches A.
    Cache::redis(&server.url)
        .await
        .unwrap()
        .invalidate_tag("reports")
        .await;
    let again = get(a.clone(), "/shared?test=replicas").await;
    assert!(again.body.contains("run 2"), "{}", again.body);
    let from_b = get(b, "/shared?test=replicas").await;
    assert_eq!(from_b.body, again.body);
    assert_eq!(runs("replicas"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stampede_across_two_replicas_renders_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let replicas = [replica(&server.url).await, replica(&server.url).await];
    let started = Instant::now();
    let bodies = parallel_routes_tests::get_at_once(&replicas, "/shared?test=stampede", 400).await;
    println!(
        "400 concurrent requests on a cold key, two replicas sharing redis-server: {} handler run(s), {} distinct bodies, {:?}",
        runs("stampede"),
        bodies.len(),
        started.elapsed()
    );
    assert_eq!(
        runs("stampede"),
        1,
        "one run for 400 requests on two replicas"
    );
    assert_eq!(bodies.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_killed_or_stalled_mid_test_leaves_pages_rendering() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let app = replica(&server.url).await;
    let cached = get(app.clone(), "/shared?test=killed").await;
    assert!(cached.body.contains("run 1"));
    // Stalled: a Redis that answers nothing for 2 s; each call gives up after 250 ms.
    let client = redis::Client::open(server.url.as_str()).unwrap();
    let mut stall = client.get_multiplexed_async_connection().await.unwrap();
    let sleeping = tokio::spawn(async move {
        let _: Result<(), _> = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(2)
            .query_async(&mut stall)
            .await;
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let stalled = get(app.clone(), "/shared?test=killed").await;
    assert_eq!(stalled.status, StatusCode::OK);
    assert!(
        stalled.body.starts_with("<aside>report killed run"),
        "{}",
        stalled.body
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    sleeping.await.unwrap();
    // Killed: every page still renders, its slot rendered here.
    server.kill();
    let before = runs("killed");
    for _ in 0..3 {
        let started = Instant::now();
        let reply = get(app.clone(), "/shared?test=killed").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.body.starts_with("<aside>report killed run"),
            "{}",
            reply.body
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        runs("killed"),
        before + 3,
        "rendered each time, without the cache"
    );
    // A Redis that is not there at start is an error for the app to handle.
    assert!(Cache::redis(&server.url).await.is_err());
}
