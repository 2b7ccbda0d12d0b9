//! In-process throughput of the generated dashboard against the same page written by hand,
//! side by side in one run: `cargo bench -p parallel-routes --bench page`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn dashboard(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let generated = common::generated_app();
    let hand_written = common::hand_written_app();
    for app in [&generated, &hand_written] {
        assert_eq!(
            runtime.block_on(common::page_len(app)),
            common::EXPECTED_LEN
        );
    }

    let mut group = c.benchmark_group("dashboard_oneshot");
    group.bench_function("generated", |b| {
        b.to_async(&runtime).iter(|| common::page_len(&generated))
    });
    group.bench_function("hand_written", |b| {
        b.to_async(&runtime)
            .iter(|| common::page_len(&hand_written))
    });
    group.finish();
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
