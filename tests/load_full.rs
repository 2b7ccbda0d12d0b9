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

use std::time::Duration;

use parallel_routes_tests::fault_load as load;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    load::quiet_panics();
    let report = runtime.block_on(load::run(20_000, 10_000, 64, Duration::from_secs(300)));
    println!("{report}");
    let ok = report.requests == 10_000
        && report.client_errors == 0
        && report.non_200 == 0
        && report.leaked == 0
        && report.wrong_body == 0
        && report.rss_growth() < 0.10;
    if !ok {
        eprintln!("FAILED: expected 10,000 requests, all 200, none leaking, RSS growth under 10%");
        std::process::exit(1);
    }
}
