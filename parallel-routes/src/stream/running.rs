//! A streaming page's slots while they run: started together, awaited until the shell can be
//! built (every slot without `loading` finished), then handed over, still running, as
//! [`Pending`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use futures_util::FutureExt;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::StreamMode;
use super::markers::{self, StreamId};
use crate::boundary::{Rendered, SlotMeta};
use crate::error::Interrupt;
use crate::fragment::Fragment;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One slot of a streaming page.
pub struct StreamSlot {
    meta: &'static SlotMeta,
    future: BoxFuture<Result<Rendered, Interrupt>>,
}

impl StreamSlot {
    /// Boxes the slot's future: the one place where the set of running slots is dynamic.
    pub(super) fn new<F>(meta: &'static SlotMeta, future: F) -> Self
    where
        F: Future<Output = Result<Rendered, Interrupt>> + Send + 'static,
    {
        StreamSlot {
            meta,
            future: Box::pin(future),
        }
    }
}

/// A finished slot: its place in the layout, its meta, its result.
pub(super) type Done = (usize, &'static SlotMeta, Result<Rendered, Interrupt>);

/// A running slot, tagged with its place in the layout.
pub(super) struct Tagged {
    index: usize,
    meta: &'static SlotMeta,
    future: BoxFuture<Result<Rendered, Interrupt>>,
}

impl Future for Tagged {
    type Output = Done;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Done> {
        let (index, meta) = (self.index, self.meta);
        self.future
            .as_mut()
            .poll(cx)
            .map(|result| (index, meta, result))
    }
}

/// The slots still running.
pub(super) struct Running {
    pub(super) futures: FuturesUnordered<Tagged>,
    /// The place and meta of each slot still running: what is left to send, or to replace by
    /// its fallback if the page ends early.
    pub(super) pending: Vec<(usize, &'static SlotMeta)>,
}

impl Running {
    pub(super) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub(super) fn push(&mut self, index: usize, slot: StreamSlot) {
        let meta = slot.meta;
        self.pending.push((index, meta));
        self.futures.push(Tagged {
            index,
            meta,
            future: slot.future,
        });
    }

    /// Drops the running slots for which `keep` is false.
    pub(super) fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        self.pending.retain(|&(index, _)| keep(index));
        let futures = std::mem::take(&mut self.futures);
        self.futures = futures
            .into_iter()
            .filter(|slot| keep(slot.index))
            .collect();
    }

    pub(super) fn finished(&mut self, done: Done) -> Done {
        self.pending.retain(|(index, _)| *index != done.0);
        done
    }

    /// Every slot that has already finished, without waiting.
    pub(super) fn ready(&mut self) -> Vec<Done> {
        let mut ready = Vec::new();
        while let Some(Some(done)) = self.futures.next().now_or_never() {
            ready.push(self.finished(done));
        }
        ready
    }

    /// Waits for the next slot to finish, then takes every other one finished by then, so
    /// that slots finishing together go out in one write. Empty when nothing is running.
    pub(super) async fn next_batch(&mut self) -> Vec<Done> {
        match self.futures.next().await {
            Some(done) => {
                let mut batch = vec![self.finished(done)];
                batch.extend(self.ready());
                batch
            }
            None => Vec::new(),
        }
    }

    /// Drops every slot still running: its content is never sent.
    pub(super) fn drop_all(&mut self) -> Vec<(usize, &'static SlotMeta)> {
        self.futures.clear();
        std::mem::take(&mut self.pending)
    }
}

/// The first interrupt among `batch`, taken out of it.
pub(super) fn take_interrupt(
    batch: &mut Vec<Done>,
) -> Option<(usize, &'static SlotMeta, Interrupt)> {
    let at = batch.iter().position(|(_, _, result)| result.is_err())?;
    match batch.remove(at) {
        (index, meta, Err(interrupt)) => Some((index, meta, interrupt)),
        (_, _, Ok(_)) => None,
    }
}

/// The slots still running when the shell is built, and how to send them.
pub(super) struct Pending {
    pub(super) mode: StreamMode,
    pub(super) nonce: Option<String>,
    pub(super) id: StreamId,
    pub(super) running: Running,
    /// Slots of the levels below that finished before the shell: inlined in it.
    pub(super) early: Vec<Done>,
}

/// Runs `slots` until every slot without `loading` has finished (every slot, with `all`); the
/// loading slots done by then are taken too. Returns each slot's result if it has one, its
/// meta, and the slots still running, tagged with their place in `slots`.
async fn until_required(
    slots: Vec<StreamSlot>,
    all: bool,
    levels: Option<&Levels>,
) -> Result<(Vec<Option<Rendered>>, Vec<&'static SlotMeta>, Running), Interrupt> {
    let mut results: Vec<Option<Rendered>> = slots.iter().map(|_| None).collect();
    let metas: Vec<&'static SlotMeta> = slots.iter().map(|slot| slot.meta).collect();
    let waits = |meta: &SlotMeta| all || meta.loading.is_none();
    let mut required = 0;
    let mut running = Running {
        futures: FuturesUnordered::new(),
        pending: Vec::with_capacity(slots.len()),
    };
    for (index, slot) in slots.into_iter().enumerate() {
        required += usize::from(waits(slot.meta));
        running.push(index, slot);
    }
    while required > 0 {
        // The levels below hand their loading slots over while this page waits: they keep
        // running meanwhile.
        let next = std::future::poll_fn(|cx| {
            if let Some(levels) = levels {
                levels.poll_handed(cx);
            }
            running.futures.poll_next_unpin(cx)
        });
        let Some(done) = next.await else {
            break;
        };
        let (index, meta, result) = running.finished(done);
        required -= usize::from(waits(meta));
        results[index] = Some(result?);
    }
    // Loading slots that are done by now are inlined, without a script.
    for (index, _, result) in running.ready() {
        results[index] = Some(result?);
    }
    Ok((results, metas, running))
}

/// Runs a streaming page's slots until every slot without `loading` has finished; the others
/// keep running. Returns one [`Rendered`] per slot for the layout — the content of finished
/// slots, the placeholder of the others — and what is still pending, the loading slots of the
/// levels nested in the page (`levels`) included.
///
/// `Err` for an [`Interrupt`] before the shell is built: the status can still change.
pub(super) async fn until_shell(
    mode: StreamMode,
    id: StreamId,
    nonce: Option<String>,
    slots: Vec<StreamSlot>,
    levels: Option<Levels>,
) -> Result<(Vec<Rendered>, Pending), Interrupt> {
    let (results, metas, mut running) = until_required(slots, false, levels.as_ref()).await?;
    let rendered = results
        .into_iter()
        .zip(metas)
        .enumerate()
        .map(|(index, (result, meta))| {
            result.unwrap_or_else(|| {
                Rendered::new(placeholder(mode, id, index, meta), meta.slot, None)
            })
        })
        .collect();
    // The nested levels have run (they are this page's `children`, which it awaits): their
    // loading slots are this page's to send, those still running and those already done.
    let mut early = Vec::new();
    if let Some(levels) = levels {
        let (handed, done) = levels.take();
        for slot in handed {
            running.pending.push((slot.index, slot.meta));
            running.futures.push(slot);
        }
        early = done;
    }
    Ok((
        rendered,
        Pending {
            mode,
            nonce,
            id,
            running,
            early,
        },
    ))
}

/// The stream of a page whose nested levels have loading slots: made by the outermost layout,
/// found by the levels below in the request's extensions. A level's loading slots still running
/// when its own slots are done get their places in the page's stream, and are handed to it.
#[derive(Clone)]
pub struct Levels(Arc<Mutex<Shared>>);

struct Shared {
    mode: StreamMode,
    id: StreamId,
    /// The next free place in the stream.
    next: usize,
    /// The levels' loading slots, not yet taken by the page, polled by it while it waits.
    handed: FuturesUnordered<Tagged>,
    /// Those of them that finished before the page took them.
    done: Vec<Done>,
}

impl Levels {
    pub(super) fn new(mode: StreamMode) -> Self {
        Levels(Arc::new(Mutex::new(Shared {
            mode,
            id: StreamId::new(),
            next: 0,
            handed: FuturesUnordered::new(),
            done: Vec::new(),
        })))
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        // Nothing panics while holding the lock.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The page's mode and id; the places `0..own` are the page's own slots'.
    pub(super) fn reserve(&self, own: usize) -> (StreamMode, StreamId) {
        let mut shared = self.shared();
        shared.next = shared.next.max(own);
        (shared.mode, shared.id)
    }

    /// Polls the slots handed over so far (with the page's task's waker), keeping those that
    /// finish.
    fn poll_handed(&self, cx: &mut std::task::Context<'_>) {
        let mut shared = self.shared();
        while let Poll::Ready(Some(done)) = shared.handed.poll_next_unpin(cx) {
            shared.done.push(done);
        }
    }

    /// The slots handed over and still running, and those already done.
    fn take(&self) -> (FuturesUnordered<Tagged>, Vec<Done>) {
        let mut shared = self.shared();
        (
            std::mem::take(&mut shared.handed),
            std::mem::take(&mut shared.done),
        )
    }
}

/// A nested level's slots in a streamed page: runs them until those without `loading` have
/// finished, gives each loading slot still running its place in the page's stream (its
/// placeholder is the fragment), hands them to the page, and returns every slot's fragment.
/// Outside a streamed page (`levels` is `None`), every slot is awaited.
pub(super) async fn nested(
    levels: Option<Levels>,
    slots: Vec<StreamSlot>,
) -> Result<Vec<Rendered>, Interrupt> {
    let (results, metas, running) = until_required(slots, levels.is_none(), None).await?;
    let Some(levels) = levels else {
        return Ok(results.into_iter().flatten().collect());
    };
    let mut shared = levels.shared();
    let (mode, id) = (shared.mode, shared.id);
    let mut places = vec![0; results.len()];
    for (local, _) in &running.pending {
        places[*local] = shared.next;
        shared.next += 1;
    }
    for mut slot in running.futures {
        slot.index = places[slot.index];
        shared.handed.push(slot);
    }
    drop(shared);
    Ok(results
        .into_iter()
        .zip(metas)
        .zip(places)
        .map(|((result, meta), place)| {
            result.unwrap_or_else(|| {
                Rendered::new(placeholder(mode, id, place, meta), meta.slot, None)
            })
        })
        .collect())
}

/// What stands in the shell for slot `index` until it arrives: its placeholder between the
/// two markers (out of order), or the marker alone (in order).
fn placeholder(mode: StreamMode, id: StreamId, index: usize, meta: &SlotMeta) -> Fragment {
    let (start, end) = markers::bounds(mode, id, index);
    let loading = match (mode, meta.loading) {
        (StreamMode::OutOfOrder, Some(loading)) => placeholder_of(meta, loading),
        _ => Fragment::default(),
    };
    Fragment::html(format!("{start}{loading}{end}"))
}

/// The slot's `loading` placeholder; a panic in it gives an empty placeholder, and is logged.
fn placeholder_of(meta: &SlotMeta, loading: fn() -> Fragment) -> Fragment {
    std::panic::catch_unwind(loading).unwrap_or_else(|panic| {
        tracing::error!(
            layout = meta.layout,
            slot = meta.slot,
            panic = crate::error::panic_message(panic.as_ref()),
            "the slot's loading placeholder panicked; rendering none"
        );
        Fragment::default()
    })
}
