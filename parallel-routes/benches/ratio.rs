//! The in-process throughput ratio of the generated dashboard to the hand-written one, robust
//! to a noisy machine: batches of 20,000 `oneshot` requests alternate between the two apps, and
//! the ratio is taken between their 25th-percentile batch times.
//!
//! ```sh
//! cargo bench -p parallel-routes --bench ratio           # 40 batches per app
//! cargo bench -p parallel-routes --bench ratio -- 10     # fewer
//! ```

mod common;

use std::time::Instant;

fn main() {
    // `cargo bench` passes `--bench`; a number, if given, is the batch count.
    let batches: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(40);
    const PER_BATCH: u32 = 20_000;
    const WARM_UP_BATCHES: usize = 3;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let apps = [common::generated_app(), common::hand_written_app()];
    let mut nanos: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    runtime.block_on(async {
        for app in &apps {
            assert_eq!(common::page_len(app).await, common::EXPECTED_LEN);
        }
        for batch in 0..WARM_UP_BATCHES + batches {
            for (app, nanos) in apps.iter().zip(&mut nanos) {
                let started = Instant::now();
                for _ in 0..PER_BATCH {
                    std::hint::black_box(common::page_len(app).await);
                }
                if batch >= WARM_UP_BATCHES {
                    nanos.push(started.elapsed().as_nanos() as f64 / f64::from(PER_BATCH));
                }
            }
        }
    });
    let p25 = |nanos: &mut Vec<f64>| {
        nanos.sort_by(f64::total_cmp);
        nanos[(nanos.len() - 1) / 4]
    };
    let (generated, hand_written) = (p25(&mut nanos[0]), p25(&mut nanos[1]));
    println!(
        "per request (p25 of {batches} batches of {PER_BATCH}): generated {generated:.0} ns, hand-written {hand_written:.0} ns; throughput ratio {:.3}",
        hand_written / generated
    );
}
