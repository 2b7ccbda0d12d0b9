//! A small version of the load and fault run (the full one: `cargo bench -p
//! parallel-routes-tests --bench load`): one bad slot of each kind never changes the status,
//! never leaks its text, and memory does not grow.

use std::time::Duration;

use parallel_routes_tests::fault_load as load;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_slots_under_load_over_loopback() {
    load::quiet_panics();
    let report = load::run(2_000, 1_000, 16, Duration::from_secs(60)).await;
    println!("{report}");
    assert_eq!(report.requests, 1_000);
    assert_eq!(report.client_errors, 0, "{report}");
    assert_eq!(report.non_200, 0, "{report}");
    assert_eq!(report.leaked, 0, "{report}");
    assert_eq!(report.wrong_body, 0, "{report}");
    assert!(report.rss_after_warmup_kib > 0, "RSS is readable here");
    assert!(report.rss_growth() < 0.10, "resident memory grew: {report}");
}
