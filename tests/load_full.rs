//! The full-size load and fault run: 10,000 requests at 64 concurrent connections over
//! loopback against a page with a normal, a failing, a panicking and a timing-out (20 ms) slot.
//!
//! ```sh
//! cargo bench -p parallel-routes-tests --bench load
//! ```
//!
//! Resident memory is the whole process's (server and client share it); if it does not grow,
//! the server's does not either. It is compared after a 20,000-request warm-up: until then it
//! climbs to a plateau (~11 MB here: allocator arenas, connection buffers, the timer wheel),
//! and stays there over further runs.
//!
//! The run fails unless every request was answered 200 with the page `fault_load` expects (the
//! normal slot's content, then the failing slot's fallback; three fallbacks in all; no error or
//! panic text), resident memory grew under 10 %, and the run took at least as long as the
//! timing-out slot makes it: each connection sends its requests one after the other and each
//! waits for the 20 ms timeout, so 10,000 requests over 64 connections cannot take less than
//! ⌈10,000 / 64⌉ × 20 ms (a run that skipped the timeout would be faster).

use std::time::Duration;

use parallel_routes_tests::fault_load as load;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    load::quiet_panics();
    println!("load average before: {}", load_average());
    let report = runtime.block_on(load::run(
        20_000,
        REQUESTS,
        CONNECTIONS,
        Duration::from_secs(300),
    ));
    println!("{report}");
    println!("load average after: {}", load_average());
    let floor = TIMEOUT * REQUESTS.div_ceil(CONNECTIONS) as u32;
    let ok = report.requests == REQUESTS
        && report.client_errors == 0
        && report.non_200 == 0
        && report.leaked == 0
        && report.wrong_body == 0
        && report.rss_growth() < 0.10
        && report.elapsed >= floor;
    if !ok {
        eprintln!(
            "FAILED: expected {REQUESTS} requests, all 200 with the expected page, none leaking, RSS growth under 10%, and a run of at least {floor:?} (the slot's timeout per request per connection)"
        );
        std::process::exit(1);
    }
}

const REQUESTS: usize = 10_000;
const CONNECTIONS: usize = 64;
/// The timing-out slot's `timeout_ms`.
const TIMEOUT: Duration = Duration::from_millis(20);

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|avg| avg.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
