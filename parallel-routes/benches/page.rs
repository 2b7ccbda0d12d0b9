//! Criterion's timing of each page, generated and hand-written (`common/mod.rs`), in process
//! with `oneshot`, each body read whole: `cargo bench -p parallel-routes --bench page`.
//!
//! Before measuring, both apps must answer byte-identical responses (`Twins::check`).
//!
//! What this gives: each app's time per request with criterion's confidence interval, and its
//! change against criterion's saved baseline (a regression check of one side). What it does not
//! give: the ratio of the two. Criterion runs one function to the end (warm-up, then samples)
//! before it starts the next, so a drift of the machine between the two shows as a difference
//! between them; the ratio the README reports comes from `--bench ratio`, which interleaves
//! the two apps (ABBA).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn pages(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for twins in common::all() {
        let page = runtime.block_on(twins.check());
        let mut group = c.benchmark_group(format!("{}_oneshot", twins.name));
        for (side, name) in common::SIDES.iter().enumerate() {
            let app = twins.app(side);
            group.bench_function(*name, |b| {
                b.to_async(&runtime)
                    .iter(|| common::page_len(app, twins.path))
            });
        }
        group.finish();
        assert_eq!(runtime.block_on(twins.check()), page, "the page changed");
    }
}

criterion_group!(benches, pages);
criterion_main!(benches);
