//! A load and fault run over loopback: a real server (`axum::serve` on 127.0.0.1, an ephemeral
//! port) serving a page with a normal, a failing, a panicking and a timing-out slot, driven by
//! a real HTTP/1.1 client (hyper-util) over a fixed number of connections, bounded in requests
//! and in time.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::response::Html;
use axum::serve::ListenerExt;
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use parallel_routes::prelude::*;
use tokio::net::TcpListener;

#[layout("/faults", slots(normal, failing, panicking, slow))]
async fn faults(
    normal: Fragment,
    failing: Fragment,
    panicking: Fragment,
    slow: Fragment,
) -> Html<String> {
    Html(format!("<main>{normal}{failing}{panicking}{slow}</main>"))
}

#[slot(faults, normal)]
async fn normal() -> &'static str {
    "normal content"
}

#[slot(faults, failing)]
async fn failing() -> Result<&'static str, LeakyError> {
    Err(LeakyError)
}

#[slot(faults, panicking)]
async fn panicking() -> &'static str {
    panic!("PANIC-TEXT-7f3a")
}

#[slot(faults, slow, timeout_ms = 20)]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "never"
}

/// An error whose text must never reach a client.
#[derive(Debug)]
pub struct LeakyError;

impl fmt::Display for LeakyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ERROR-TEXT-91c2")
    }
}

/// Text that appears in the server's errors and panics, and must not appear in responses.
pub const SECRETS: [&str; 2] = ["ERROR-TEXT-91c2", "PANIC-TEXT-7f3a"];

/// What a run saw.
#[derive(Debug)]
pub struct LoadReport {
    /// Requests answered.
    pub requests: usize,
    /// Responses whose status was not 200.
    pub non_200: usize,
    /// Responses containing an error's or a panic's text.
    pub leaked: usize,
    /// Responses that are not the expected page.
    pub wrong_body: usize,
    /// Requests the client could not complete.
    pub client_errors: usize,
    /// Wall time of the measured run.
    pub elapsed: Duration,
    /// Resident memory after the warm-up, in KiB.
    pub rss_after_warmup_kib: u64,
    /// Resident memory after the run, in KiB.
    pub rss_after_run_kib: u64,
}

impl LoadReport {
    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Growth of resident memory over the run, relative to after the warm-up.
    pub fn rss_growth(&self) -> f64 {
        self.rss_after_run_kib as f64 / self.rss_after_warmup_kib as f64 - 1.0
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests in {:.2?} ({:.0} req/s): {} non-200, {} leaking error/panic text, {} wrong bodies, {} client errors; RSS {} KiB after warm-up, {} KiB after the run ({:+.1}%)",
            self.requests,
            self.elapsed,
            self.throughput(),
            self.non_200,
            self.leaked,
            self.wrong_body,
            self.client_errors,
            self.rss_after_warmup_kib,
            self.rss_after_run_kib,
            self.rss_growth() * 100.0
        )
    }
}

/// Serves the fault page on an ephemeral 127.0.0.1 port, sends `warmup` then `requests`
/// requests over `connections` concurrent connections, and reports. Gives up after `limit`.
pub async fn run(
    warmup: usize,
    requests: usize,
    connections: usize,
    limit: Duration,
) -> LoadReport {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let address = listener.local_addr().expect("a local address");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app: Router = faults::router();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Body> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build(connector);
    let uri: hyper::Uri = format!("http://{address}/faults")
        .parse()
        .expect("a valid URI");

    let warm = tokio::time::timeout(limit, drive(&client, &uri, warmup, connections)).await;
    let rss_after_warmup_kib = resident_kib();
    let started = Instant::now();
    let tally = tokio::time::timeout(limit, drive(&client, &uri, requests, connections)).await;
    let elapsed = started.elapsed();
    let rss_after_run_kib = resident_kib();
    server.abort();

    let tally = match (warm, tally) {
        (Ok(_), Ok(tally)) => tally,
        _ => panic!("the load run did not finish within {limit:?}"),
    };
    LoadReport {
        requests: tally.requests.load(Ordering::Relaxed),
        non_200: tally.non_200.load(Ordering::Relaxed),
        leaked: tally.leaked.load(Ordering::Relaxed),
        wrong_body: tally.wrong_body.load(Ordering::Relaxed),
        client_errors: tally.client_errors.load(Ordering::Relaxed),
        elapsed,
        rss_after_warmup_kib,
        rss_after_run_kib,
    }
}

#[derive(Default)]
struct Tally {
    next: AtomicUsize,
    requests: AtomicUsize,
    non_200: AtomicUsize,
    leaked: AtomicUsize,
    wrong_body: AtomicUsize,
    client_errors: AtomicUsize,
}

/// `total` requests from `connections` workers, each sending one request at a time.
async fn drive(
    client: &Client<HttpConnector, Body>,
    uri: &hyper::Uri,
    total: usize,
    connections: usize,
) -> Arc<Tally> {
    let tally = Arc::new(Tally::default());
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (client, uri, tally) = (client.clone(), uri.clone(), tally.clone());
            tokio::spawn(async move {
                while tally.next.fetch_add(1, Ordering::Relaxed) < total {
                    let request = hyper::Request::get(uri.clone())
                        .body(Body::empty())
                        .expect("a request");
                    let response = match client.request(request).await {
                        Ok(response) => response,
                        Err(_) => {
                            tally.client_errors.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    };
                    let status = response.status();
                    let body = match response.into_body().collect().await {
                        Ok(body) => body.to_bytes(),
                        Err(_) => {
                            tally.client_errors.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                    };
                    let body = String::from_utf8_lossy(&body);
                    tally.requests.fetch_add(1, Ordering::Relaxed);
                    if status != 200 {
                        tally.non_200.fetch_add(1, Ordering::Relaxed);
                    }
                    if SECRETS.iter().any(|secret| body.contains(secret)) {
                        tally.leaked.fetch_add(1, Ordering::Relaxed);
                    }
                    let expected = body.starts_with(
                        "<main>normal content<div role=\"alert\" data-slot-error=\"failing\">",
                    ) && body.matches("data-slot-error").count() == 3;
                    if !expected {
                        tally.wrong_body.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a load worker panicked");
    }
    tally
}

/// This process's resident memory in KiB, from `/proc/self/statm` (Linux), or 0 elsewhere.
pub fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4)
}

/// Silences the default panic hook's report of the slot's deliberate panics (each would print
/// a message and a backtrace); the server logs them through `tracing` anyway.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}
