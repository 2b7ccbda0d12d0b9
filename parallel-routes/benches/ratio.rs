//! The in-process throughput ratio of each generated page to the same page hand-written in
//! axum (`common/mod.rs`), robust to a noisy machine.
//!
//! ```sh
//! cargo bench -p parallel-routes --bench ratio            # 40 rounds of 20,000 requests
//! cargo bench -p parallel-routes --bench ratio -- 10      # fewer rounds
//! PER_BATCH=5000 cargo bench -p parallel-routes --bench ratio
//! cargo bench -p parallel-routes --bench ratio -- cached  # a cached page's hit path instead
//! ```
//!
//! First both apps must answer byte-identical responses (`Twins::check`); the bench refuses to
//! measure otherwise. Then, after warm-up rounds that are not recorded, each round times one
//! batch of `PER_BATCH` `oneshot` requests (each body read whole) per app, the two in ABBA
//! order (round 1: generated then hand-written, round 2: hand-written then generated, …), so
//! that a drift of the machine hits both alike. Reported: each app's median time per request
//! over the batches with its IQR and range, the throughput ratio of the medians (hand-written
//! time / generated time), and the spread of the per-round ratios of the paired batches.

mod common;

use std::time::Instant;

use common::{SIDES, Spread};

const WARM_UP_ROUNDS: usize = 4;

fn main() {
    // `cargo bench` passes `--bench`; a number, if given, is the round count.
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(40);
    let per_batch: u32 = std::env::var("PER_BATCH")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // `cached`: the cached page (warmed by the check below) instead of the three widths.
    let pairs = if std::env::args().any(|arg| arg == "cached") {
        vec![common::cached::twins(), common::cached::twins_by_hand()]
    } else {
        common::all()
    };
    println!("load average before: {}", common::load_average());
    for twins in pairs {
        let page = runtime.block_on(twins.check());
        println!(
            "{}: both apps answer the same {} with {} headers and a {}-byte body",
            twins.name,
            page.status,
            page.headers.len(),
            page.body.len()
        );
        let expected_len = page.body.len();

        // nanos[side][round], one batch each.
        let mut nanos: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        runtime.block_on(async {
            for round in 0..WARM_UP_ROUNDS + rounds {
                for side in common::abba(round) {
                    let app = twins.app(side);
                    let started = Instant::now();
                    let mut bytes = 0;
                    for _ in 0..per_batch {
                        bytes += std::hint::black_box(common::page_len(app, twins.path).await);
                    }
                    let elapsed = started.elapsed();
                    assert_eq!(
                        bytes,
                        expected_len * per_batch as usize,
                        "{} answered another body while timed",
                        SIDES[side]
                    );
                    if round >= WARM_UP_ROUNDS {
                        nanos[side].push(elapsed.as_nanos() as f64 / f64::from(per_batch));
                    }
                }
            }
        });
        assert_eq!(runtime.block_on(twins.check()), page, "the page changed");

        let [generated, hand_written] = [Spread::of(&nanos[0]), Spread::of(&nanos[1])];
        let ratios: Vec<f64> = nanos[1]
            .iter()
            .zip(&nanos[0])
            .map(|(hand, generated)| hand / generated)
            .collect();
        println!(
            "{}: ns per request over {rounds} rounds of {per_batch} requests per app (ABBA, after {WARM_UP_ROUNDS} warm-up rounds):",
            twins.name
        );
        println!("  generated     {generated:.0}");
        println!("  hand-written  {hand_written:.0}");
        println!(
            "  throughput ratio generated / hand-written: {:.3} (ratio of the medians); per round {:.3}",
            hand_written.median / generated.median,
            Spread::of(&ratios)
        );
    }
    println!("load average after: {}", common::load_average());
}
