//! Throughput over loopback of the generated dashboard against the same page hand-written in
//! axum, measured side by side in one run with wrk (Debian package `wrk`):
//!
//! ```sh
//! cargo bench -p parallel-routes --bench loopback
//! ```
//!
//! Both apps are served by one process on two ephemeral 127.0.0.1 ports with `TCP_NODELAY`;
//! wrk loads them in alternation (`ROUNDS` rounds of `SECONDS` seconds each, 64 connections,
//! 1 thread) so that a drift of the machine affects both alike.

mod common;

use std::process::Command;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;

fn main() {
    let rounds: u32 = env_or("ROUNDS", 3);
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
    for app in [common::generated_app(), common::hand_written_app()] {
        assert_eq!(
            runtime.block_on(common::page_len(&app)),
            common::EXPECTED_LEN
        );
    }
    let generated = runtime.block_on(serve(common::generated_app()));
    let hand_written = runtime.block_on(serve(common::hand_written_app()));

    let (mut generated_total, mut hand_total) = (0.0, 0.0);
    for round in 1..=rounds {
        let g = wrk(generated, seconds);
        let h = wrk(hand_written, seconds);
        println!(
            "round {round}: generated {g:>9.0} req/s   hand-written {h:>9.0} req/s   ratio {:.3}",
            g / h
        );
        generated_total += g;
        hand_total += h;
    }
    println!(
        "mean:    generated {:>9.0} req/s   hand-written {:>9.0} req/s   ratio {:.3}",
        generated_total / f64::from(rounds),
        hand_total / f64::from(rounds),
        generated_total / hand_total
    );
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

/// Requests per second that wrk reports for `GET /dashboard` on `port`.
fn wrk(port: u16, seconds: u32) -> f64 {
    let output = Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{seconds}s")])
        .arg(format!("http://127.0.0.1:{port}/dashboard"))
        .output()
        .expect("wrk runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        !report.contains("Non-2xx"),
        "every response must be 200:\n{report}"
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
