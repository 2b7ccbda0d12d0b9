//! Concurrency shown by overlap, not by wall-clock bounds: each task notes when it started and
//! ended, and a test asserts that every task started before any of them ended. That holds on
//! a busy machine, where "three 300 ms slots answered in under 650 ms" may not.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// When each task of one request started and ended. Put it in the request's extensions
/// (`axum::Extension(overlap.clone())`) and have each slot run its body through
/// [`Overlap::run`]; requests without it are not recorded.
#[derive(Clone, Default)]
pub struct Overlap(Arc<Mutex<Vec<Task>>>);

/// A task's name, when it started, and when it ended.
type Task = (&'static str, Instant, Option<Instant>);

impl Overlap {
    /// Runs `task` as `name`, noting when it starts and ends.
    pub async fn run<F: Future>(&self, name: &'static str, task: F) -> F::Output {
        let at = {
            let mut tasks = self.0.lock().unwrap();
            tasks.push((name, Instant::now(), None));
            tasks.len() - 1
        };
        let output = task.await;
        self.0.lock().unwrap()[at].2 = Some(Instant::now());
        output
    }

    /// Runs `task` through `overlap` if there is one, else just runs it.
    pub async fn maybe<F: Future>(
        overlap: Option<&Self>,
        name: &'static str,
        task: F,
    ) -> F::Output {
        match overlap {
            Some(overlap) => overlap.run(name, task).await,
            None => task.await,
        }
    }

    /// Panics unless exactly `names` ran, each ended, and every one started before any ended.
    pub fn assert_all_overlapped(&self, names: &[&str]) {
        let tasks = self.0.lock().unwrap();
        let mut ran: Vec<&str> = tasks.iter().map(|(name, _, _)| *name).collect();
        ran.sort_unstable();
        let mut expected = names.to_vec();
        expected.sort_unstable();
        assert_eq!(ran, expected, "the tasks that ran");
        let last_start = tasks.iter().map(|(_, start, _)| *start).max().unwrap();
        for (name, _, end) in tasks.iter() {
            let end = end.unwrap_or_else(|| panic!("{name} did not end"));
            assert!(
                last_start < end,
                "{name} ended before every task had started: they did not all run at once"
            );
        }
    }
}
