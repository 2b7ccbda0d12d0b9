//! How a buffered page runs its slots at once: [`Join`], the generated page's counterpart of
//! `tokio::try_join!`, as small as the hand-written `tokio::join!` it is measured against.
//!
//! The page's slots form a list, `Cons<Cell<A>, Cons<Cell<B>, Nil>>`, built by the generated
//! code in place where it is awaited. Each [`Cell`] holds its slot's future while it runs and
//! only its [`Fragment`] once it has finished (the future, its boundary and the rest of its
//! outcome dropped at once), so a cell is no larger than the slot's future or a fragment:
//! the page's future stays small, and small futures are cheap to move and to allocate. A
//! slot's `Server-Timing` entry, when the request asked for one, goes to a list beside the
//! cells. The first [`Interrupt`] ends the join: every slot still running is dropped.
//!
//! One generic type rather than a `try_join!` expanded in every layout: the join's code is
//! compiled once per list of slot types, outside the generated function.

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::boundary::{Extras, Rendered};
use crate::error::Interrupt;
use crate::fragment::Fragment;
use crate::head::Head;

pin_project! {
    /// One slot of a [`Join`]: its future while it runs, then its fragment.
    #[allow(missing_docs)] // the variants say it; pin-project-lite takes no field docs
    #[project = CellProj]
    pub enum Cell<F> {
        /// Running: the slot's future, in its boundary.
        Running { #[pin] future: F },
        /// Finished: what goes into the layout (taken out, leaving an empty fragment, when
        /// the layout is called).
        Done { fragment: Fragment },
    }
}

impl<F> Cell<F> {
    /// A slot's future, not polled yet.
    pub fn new(future: F) -> Self {
        Cell::Running { future }
    }

    /// The future of a cell not polled yet: a streamed page runs it elsewhere.
    pub(crate) fn into_future(self) -> F {
        match self {
            Cell::Running { future } => future,
            Cell::Done { .. } => {
                unreachable!("a list is streamed before any of its slots is polled")
            }
        }
    }
}

pin_project! {
    /// A slot's cell followed by the rest of the list.
    pub struct Cons<H, T> {
        #[pin]
        head: H,
        #[pin]
        tail: T,
    }
}

impl<H, T> Cons<H, T> {
    /// `head`, then the cells of `tail`.
    pub fn new(head: H, tail: T) -> Self {
        Cons { head, tail }
    }

    /// The first cell and the rest of the list.
    pub(crate) fn into_parts(self) -> (H, T) {
        (self.head, self.tail)
    }
}

/// The end of the list.
pub struct Nil;

/// What the finished slots gave beside their fragments (their heads; their timings, when the
/// request asked for `Server-Timing`), by their place in the page. Empty for a page whose
/// slots gave neither.
pub type Timings = Vec<(usize, Box<Extras>)>;

/// The merged head of a level's slots (see [`Head::of_level`]), taken out of `timings`.
pub(crate) fn level_head(timings: &mut Timings) -> Head {
    if timings.is_empty() {
        return Head::new();
    }
    Head::of_level(
        timings
            .iter_mut()
            .map(|(_, extras)| (extras.slot, &mut extras.head)),
    )
}

/// A list of slot cells. Implemented for [`Cons`] and [`Nil`]; not meant to be implemented
/// by hand.
pub trait Slots {
    /// The number of slots.
    const LEN: usize;

    /// The fragments of the slots, as a list of pairs: `(Fragment, (Fragment, ()))`.
    type Fragments;

    /// Polls the slots still running whose place, counted from `index` for this cell, is in
    /// `polled`; ready with `Ok` once every slot of the list has finished, with `Err` at the
    /// first interrupt.
    fn poll_slots(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        index: usize,
        polled: &Range<usize>,
        timings: &mut Timings,
    ) -> Poll<Result<(), Interrupt>>;

    /// Takes the fragments out, once `poll_slots` is ready with `Ok`.
    fn take(self: Pin<&mut Self>) -> Self::Fragments;
}

impl Slots for Nil {
    const LEN: usize = 0;

    type Fragments = ();

    fn poll_slots(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: usize,
        _: &Range<usize>,
        _: &mut Timings,
    ) -> Poll<Result<(), Interrupt>> {
        Poll::Ready(Ok(()))
    }

    fn take(self: Pin<&mut Self>) {}
}

impl<F, T> Slots for Cons<Cell<F>, T>
where
    F: Future<Output = Result<Rendered, Interrupt>>,
    T: Slots,
{
    const LEN: usize = 1 + T::LEN;

    type Fragments = (Fragment, T::Fragments);

    #[inline]
    fn poll_slots(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        index: usize,
        polled: &Range<usize>,
        timings: &mut Timings,
    ) -> Poll<Result<(), Interrupt>> {
        let mut this = self.project();
        let done = match this.head.as_mut().project() {
            CellProj::Running { future } if polled.contains(&index) => match future.poll(cx) {
                Poll::Ready(Ok(Rendered { fragment, extras })) => {
                    if let Some(extras) = extras {
                        push(timings, index, extras);
                    }
                    this.head.set(Cell::Done { fragment });
                    true
                }
                Poll::Ready(Err(interrupt)) => return Poll::Ready(Err(interrupt)),
                Poll::Pending => false,
            },
            CellProj::Running { .. } => false,
            CellProj::Done { .. } => true,
        };
        and(done, this.tail.poll_slots(cx, index + 1, polled, timings))
    }

    #[inline]
    fn take(self: Pin<&mut Self>) -> Self::Fragments {
        let this = self.project();
        // Taken in place rather than by replacing the cell: less code for every slot.
        let fragment = match this.head.project() {
            CellProj::Done { fragment } => std::mem::take(fragment),
            CellProj::Running { .. } => {
                unreachable!("the fragments are taken once every slot has finished")
            }
        };
        (fragment, this.tail.take())
    }
}

pin_project! {
    /// Runs the slots of a list at once; see the module documentation.
    #[must_use = "futures do nothing unless polled"]
    pub struct Join<L> {
        #[pin]
        slots: L,
        timings: Timings,
        // The slot polled first, one further at each poll, as `tokio::join!` does: a slot
        // that spends the task's cooperative budget (draining a ready stream) would otherwise
        // starve every slot after it, its interrupt or its deadline included.
        first: usize,
    }
}

/// Runs `slots` at once: their fragments and merged head (a nested level's, whose timings
/// are its page's one entry); or the first interrupt.
pub fn join_fragments<L: Slots>(slots: L) -> JoinFragments<L> {
    futures_util::FutureExt::map(join(slots), |joined| {
        joined.map(|(fragments, mut timings)| (fragments, level_head(&mut timings)))
    })
}

/// The outcome of a [`Join`].
type Joined<L> = Result<(<L as Slots>::Fragments, Timings), Interrupt>;

/// The future of [`join_fragments`].
pub type JoinFragments<L> = futures_util::future::Map<
    Join<L>,
    fn(Joined<L>) -> Result<(<L as Slots>::Fragments, Head), Interrupt>,
>;

/// Runs `slots` at once: their fragments, and the timings of those that were timed; or the
/// first interrupt.
pub fn join<L: Slots>(slots: L) -> Join<L> {
    Join {
        slots,
        timings: Vec::new(),
        first: 0,
    }
}

impl<L: Slots> Future for Join<L> {
    type Output = Result<(L::Fragments, Timings), Interrupt>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let first = *this.first;
        *this.first = if first + 1 < L::LEN { first + 1 } else { 0 };
        // From `first` to the end, then from the start to `first`; the last pass tells
        // whether every slot has finished. The first poll, where a page whose slots answer
        // at once also ends, is one pass.
        let mut polled = this
            .slots
            .as_mut()
            .poll_slots(cx, 0, &(first..L::LEN), this.timings);
        if first > 0 && !matches!(polled, Poll::Ready(Err(_))) {
            polled = this
                .slots
                .as_mut()
                .poll_slots(cx, 0, &(0..first), this.timings);
        }
        match polled {
            Poll::Ready(Ok(())) => {
                let timings = in_page_order(std::mem::take(this.timings));
                Poll::Ready(Ok((this.slots.take(), timings)))
            }
            Poll::Ready(Err(interrupt)) => Poll::Ready(Err(interrupt)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A finished slot's timing, put with the others. This and [`and`] are not generic, so
/// compiled once rather than for every slot.
#[inline(never)]
fn push(timings: &mut Timings, index: usize, extras: Box<Extras>) {
    timings.push((index, extras));
}

/// A cell (`done`: it has finished) and the rest of the list: ready once both are, or at
/// the first interrupt.
#[inline]
fn and(done: bool, rest: Poll<Result<(), Interrupt>>) -> Poll<Result<(), Interrupt>> {
    match rest {
        Poll::Ready(Ok(())) if done => Poll::Ready(Ok(())),
        Poll::Ready(Err(interrupt)) => Poll::Ready(Err(interrupt)),
        _ => Poll::Pending,
    }
}

/// The timings by the slots' places in the page. Not generic: compiled once, not per page.
fn in_page_order(mut timings: Timings) -> Timings {
    timings.sort_unstable_by_key(|(index, _)| *index);
    timings
}
