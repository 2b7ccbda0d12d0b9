//! One app of one pair, `N` requests in process: run under callgrind, twice with different `N`,
//! to count the instructions a request costs, stable on a noisy machine.
//!
//! ```sh
//! cargo bench -p parallel-routes --bench instructions --no-run
//! for n in 1000 2000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n target/release/deps/instructions-* wide10 generated $n
//! done
//! ```
//!
//! (The difference of the two totals, over 1,000, is the cost of one request.)
//! `scripts/instructions.sh` does that for every pair and side and prints the ratios.

mod common;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let (Some(name), Some(side), Some(n)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: instructions <pair> <generated|hand-written> <requests>");
        std::process::exit(2);
    };
    let n: u32 = n.parse().expect("a number of requests");

    let side = common::SIDES
        .iter()
        .position(|s| *s == side)
        .expect("generated or hand-written");
    let twins = common::all()
        .into_iter()
        .find(|twins| twins.name == name)
        .expect("a pair of common::all()");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let page = twins.check().await;
        let app = twins.app(side);
        let mut bytes = 0;
        for _ in 0..n {
            bytes += std::hint::black_box(common::page_len(app, twins.path).await);
        }
        assert_eq!(bytes, page.body.len() * n as usize);
    });
}
