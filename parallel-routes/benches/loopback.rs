//! Throughput over loopback of each generated page against the same page hand-written in axum
//! (`common/mod.rs`), measured side by side in one run with wrk (Debian package `wrk`):
//!
//! ```sh
//! cargo bench -p parallel-routes --bench loopback
//! ROUNDS=10 SECONDS=3 cargo bench -p parallel-routes --bench loopback
//! ```
//!
//! Both apps are served by one process (a one-worker tokio runtime) on two ephemeral
//! 127.0.0.1 ports with `TCP_NODELAY`. Before measuring, the two must answer byte-identical
//! responses, in process (`Twins::check`) and on the wire (status line, every header but
//! `date`, body); the bench refuses to measure otherwise. Each app then gets a warm-up run of
//! wrk that is not recorded, and `ROUNDS` rounds of `SECONDS` seconds each (64 connections,
//! 1 thread), the two apps in ABBA order (round 1: generated then hand-written, round 2: the
//! reverse, …) so that a drift of the machine hits both alike. Every wrk run must report no
//! socket error and no non-2xx response. Reported: each app's median req/s over the rounds
//! with its IQR and range, the ratio of the medians, and the spread of the per-round ratios.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use axum::serve::ListenerExt;
use common::{SIDES, Spread};
use tokio::net::TcpListener;

const WARM_UP_SECONDS: u32 = 2;

fn main() {
    let rounds: u32 = env_or("ROUNDS", 6);
    let seconds: u32 = env_or("SECONDS", 5);
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is not installed: `apt-get install wrk`, then run this again");
        std::process::exit(2);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    println!("load average before: {}", common::load_average());
    for twins in common::all() {
        let page = runtime.block_on(twins.check());
        let ports = [0, 1].map(|side| runtime.block_on(serve(twins.app(side).clone())));
        let wire = check_on_the_wire(twins.name, twins.path, ports, &page.body);
        println!(
            "{}: both apps answer the same {}-byte page, in process and on the wire ({} header lines but `date`)",
            twins.name,
            page.body.len(),
            wire.lines().count() - 1
        );

        for side in common::abba(0) {
            wrk(ports[side], twins.path, WARM_UP_SECONDS);
        }
        // rps[side][round]
        let mut rps: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for round in 0..rounds as usize {
            for side in common::abba(round) {
                rps[side].push(wrk(ports[side], twins.path, seconds));
            }
            println!(
                "  round {}: generated {:>9.0} req/s   hand-written {:>9.0} req/s   ratio {:.3}",
                round + 1,
                rps[0][round],
                rps[1][round],
                rps[0][round] / rps[1][round]
            );
        }
        check_on_the_wire(twins.name, twins.path, ports, &page.body);

        let [generated, hand_written] = [Spread::of(&rps[0]), Spread::of(&rps[1])];
        let ratios: Vec<f64> = rps[0].iter().zip(&rps[1]).map(|(g, h)| g / h).collect();
        println!(
            "{}: req/s over {rounds} rounds of {seconds} s per app (wrk -t1 -c64, ABBA, after a {WARM_UP_SECONDS} s warm-up each):",
            twins.name
        );
        println!("  generated     {generated:.0}");
        println!("  hand-written  {hand_written:.0}");
        println!(
            "  throughput ratio generated / hand-written: {:.3} (ratio of the medians); per round {:.3}",
            generated.median / hand_written.median,
            Spread::of(&ratios)
        );
    }
    println!("load average after: {}", common::load_average());
}

async fn serve(app: axum::Router) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

/// `GET path` on each port over a fresh connection: panics unless both answer the same status
/// line, headers (but `date`) and body, and the body is `body`. Returns the head without `date`.
fn check_on_the_wire(name: &str, path: &str, ports: [u16; 2], body: &[u8]) -> String {
    let [generated, hand_written] = ports.map(|port| {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let end = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        let head: String = String::from_utf8(response[..end].to_vec())
            .unwrap()
            .split("\r\n")
            .filter(|line| !line.to_ascii_lowercase().starts_with("date:"))
            .map(|line| format!("{line}\n"))
            .collect();
        (head, response[end + 4..].to_vec())
    });
    if generated != hand_written || generated.1 != body || !generated.0.starts_with("HTTP/1.1 200")
    {
        panic!(
            "REFUSING TO MEASURE `{name}`: the two apps answer differently on the wire, or not the page checked in process\n--- {}:\n{}{}\n--- {}:\n{}{}",
            SIDES[0],
            generated.0,
            String::from_utf8_lossy(&generated.1),
            SIDES[1],
            hand_written.0,
            String::from_utf8_lossy(&hand_written.1),
        );
    }
    generated.0
}

/// Requests per second that wrk reports for `GET path` on `port`, after checking that it saw
/// no socket error and no non-2xx response.
fn wrk(port: u16, path: &str, seconds: u32) -> f64 {
    let output = Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{seconds}s")])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("wrk runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && !report.contains("Non-2xx") && !report.contains("Socket errors"),
        "every request must get a 200 without a socket error:\n{report}"
    );
    report
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's report:\n{report}"))
}

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}
