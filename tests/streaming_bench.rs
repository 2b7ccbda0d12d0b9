//! Streaming, measured over loopback (`cargo bench -p parallel-routes-tests --bench streaming`):
//!
//! 1. time to first byte and to the last byte of a streamed page whose slowest slot takes
//!    100 ms, 300 ms, 1 s, beside the same page buffered;
//! 2. with wrk (Debian package `wrk`; skipped with a message if missing): req/s and median
//!    latency of a buffered page, a streamed page complete at the shell (one write), and a
//!    streamed page with a slot still pending at the shell (shell, one chunk, tail).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::response::Html;
use axum::serve::ListenerExt;
use parallel_routes::prelude::*;
use tokio::net::TcpListener;

#[layout("/streamed/{ms}", slots(header, body))]
async fn streamed(header: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{header}</header><main>{body}</main></body></html>"
    ))
}

#[slot(streamed, header)]
async fn streamed_header() -> &'static str {
    "header"
}

#[slot(streamed, body, loading = skeleton)]
async fn streamed_body(Path(ms): Path<u64>) -> &'static str {
    wait(ms).await;
    "body"
}

fn skeleton() -> &'static str {
    "loading"
}

#[layout("/buffered/{ms}", slots(header, body))]
async fn buffered(header: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{header}</header><main>{body}</main></body></html>"
    ))
}

#[slot(buffered, header)]
async fn buffered_header() -> &'static str {
    "header"
}

#[slot(buffered, body)]
async fn buffered_body(Path(ms): Path<u64>) -> &'static str {
    wait(ms).await;
    "body"
}

async fn wait(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// (time to the first byte, time to the end) of `GET path` on a fresh connection.
fn first_and_last_byte(address: SocketAddr, path: &str) -> (Duration, Duration) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_nodelay(true).unwrap();
    let started = Instant::now();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buffer = [0u8; 8192];
    let first = stream.read(&mut buffer).unwrap();
    assert!(first > 0);
    let ttfb = started.elapsed();
    while stream.read(&mut buffer).unwrap() > 0 {}
    (ttfb, started.elapsed())
}

fn wrk(address: SocketAddr, path: &str) -> Option<(f64, String)> {
    let output = Command::new("wrk")
        .args(["-t1", "-c64", "-d5s", "--latency"])
        .arg(format!("http://{address}{path}"))
        .output()
        .ok()?;
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!report.contains("Non-2xx"), "{report}");
    let rps = report
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let p50 = report
        .lines()
        .find_map(|line| line.trim().strip_prefix("50%"))?
        .trim()
        .to_owned();
    Some((rps, p50))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let address = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = Router::new()
            .merge(streamed::router())
            .merge(buffered::router());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        address
    });

    println!("time to first byte / to last byte, median of 9 requests each:");
    for ms in [100u64, 300, 1000] {
        let median = |path: &str| {
            let mut runs: Vec<(Duration, Duration)> =
                (0..9).map(|_| first_and_last_byte(address, path)).collect();
            runs.sort();
            runs[4]
        };
        let (ttfb, last) = median(&format!("/streamed/{ms}"));
        let (buffered_ttfb, buffered_last) = median(&format!("/buffered/{ms}"));
        println!(
            "  slowest slot {ms:>4} ms: streamed TTFB {:>7.2} ms, last byte {:>7.2} ms | buffered TTFB {:>7.2} ms, last byte {:>7.2} ms",
            ttfb.as_secs_f64() * 1e3,
            last.as_secs_f64() * 1e3,
            buffered_ttfb.as_secs_f64() * 1e3,
            buffered_last.as_secs_f64() * 1e3,
        );
    }

    if Command::new("wrk").arg("--version").output().is_err() {
        println!(
            "wrk is not installed (`apt-get install wrk`): skipping the throughput comparison"
        );
        return;
    }
    println!("wrk -t1 -c64 -d5s:");
    for (what, path) in [
        ("buffered page", "/buffered/0"),
        (
            "streamed page, complete at the shell (one write)",
            "/streamed/0",
        ),
        (
            "streamed page, a slot pending at the shell (1 ms)",
            "/streamed/1",
        ),
        ("buffered page, a 1 ms slot", "/buffered/1"),
    ] {
        match wrk(address, path) {
            Some((rps, p50)) => println!("  {what:<52} {rps:>9.0} req/s, p50 {p50}"),
            None => println!("  {what:<52} wrk failed"),
        }
    }
}
