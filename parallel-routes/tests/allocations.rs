//! The generated router must not allocate more per request than the same page written by
//! hand in axum (design/request-path.md: no boxing or copying the hand-written page would not
//! do). `Server-Timing`, which the hand-written page lacks, is off by default, so the counts
//! must be equal. Allocation counts are exact, so this holds on a busy machine where timings
//! would not. The two apps are the benches' (`benches/common/mod.rs`), and must first answer
//! byte-identical responses.

#[path = "../benches/common/mod.rs"]
mod common;

use axum::Router;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Heap blocks allocated per request to `path` in the steady state: the fewest over three
/// batches of `n` requests after a warm-up (a one-off allocation of the process — a lazily
/// grown table, say — lands in one batch, not in all three); each request must answer a body
/// of `len` bytes.
fn allocations_per_request(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    path: &str,
    len: usize,
) -> f64 {
    const N: u64 = 200;
    for _ in 0..10 {
        assert_eq!(runtime.block_on(common::page_len(app, path)), len);
    }
    (0..3)
        .map(|_| {
            let before = dhat::HeapStats::get().total_blocks;
            let mut bytes = 0;
            for _ in 0..N {
                bytes += runtime.block_on(common::page_len(app, path));
            }
            let after = dhat::HeapStats::get().total_blocks;
            assert_eq!(bytes, len * N as usize, "another body while counted");
            (after - before) as f64 / N as f64
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn generated_page_allocates_no_more_than_the_hand_written_one() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for twins in common::all() {
        let len = runtime.block_on(twins.check()).body.len();
        let [generated, hand_written] =
            [0, 1].map(|side| allocations_per_request(&runtime, twins.app(side), twins.path, len));
        println!(
            "{}: allocations per request: generated {generated}, hand-written {hand_written}",
            twins.name
        );
        assert!(generated > 0.0, "the counter counts");
        assert!(
            generated <= hand_written,
            "{}: generated router allocates {generated} blocks per request, hand-written axum {hand_written}",
            twins.name
        );
    }
}
