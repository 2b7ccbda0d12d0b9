//! The generated router must not allocate more per request than the same page written by
//! hand in axum (design/request-path.md: no boxing or copying the hand-written page would not
//! do). `Server-Timing`, which the hand-written page lacks, is off by default, so the counts
//! must be equal. Allocation counts are exact, so this holds on a busy machine where timings
//! would not.

#[path = "../benches/common/mod.rs"]
mod common;

use axum::Router;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Heap blocks allocated per request, over `n` requests after a warm-up.
fn allocations_per_request(runtime: &tokio::runtime::Runtime, app: &Router) -> f64 {
    const N: u64 = 200;
    for _ in 0..10 {
        assert_eq!(
            runtime.block_on(common::page_len(app)),
            common::EXPECTED_LEN
        );
    }
    let before = dhat::HeapStats::get().total_blocks;
    for _ in 0..N {
        runtime.block_on(common::page_len(app));
    }
    let after = dhat::HeapStats::get().total_blocks;
    (after - before) as f64 / N as f64
}

#[test]
fn generated_page_allocates_no_more_than_the_hand_written_one() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let generated = allocations_per_request(&runtime, &common::generated_app());
    let hand_written = allocations_per_request(&runtime, &common::hand_written_app());
    println!("allocations per request: generated {generated}, hand-written {hand_written}");
    assert!(generated > 0.0, "the counter counts");
    assert!(
        generated <= hand_written,
        "generated router allocates {generated} blocks per request, hand-written axum {hand_written}"
    );
}
