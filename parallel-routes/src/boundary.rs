//! The error boundary around each slot, and around the layout: where panics, errors and
//! timeouts become fallbacks, and where each slot is timed and traced.
//!
//! Everything here wraps the slot's future in place — `catch_unwind`, a `tokio::time::sleep`,
//! a `tracing` span — so no task is spawned and dropping the page drops the slot.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;
use tokio::task::coop::{Unconstrained, unconstrained};
use tracing::Span;
use tracing::field::Empty;

use crate::error::{Interrupt, SlotError, SlotErrorKind, SlotOutcome, panic_message};
use crate::fragment::Fragment;
use crate::head::Head;

/// What the generated code knows about a slot at compile time.
pub struct SlotMeta {
    /// The layout function's name.
    pub layout: &'static str,
    /// The slot's name.
    pub slot: &'static str,
    /// `error = f`, wrapped to return a [`Fragment`].
    pub fallback: Option<fn(&SlotError) -> Fragment>,
    /// `loading = f`, wrapped to return a [`Fragment`]: the slot streams.
    pub loading: Option<fn() -> Fragment>,
    /// `timeout_ms = N` of the slot, else of its layout (or the layout's parents).
    pub timeout: Option<Duration>,
    /// The handler function's path (`module::function`), which tells two handlers apart on a
    /// partial navigation; `""` for none.
    pub handler: &'static str,
    /// What of the URL the handler's output may depend on, for a partial navigation.
    pub depends: Depends,
    /// `cache(...)`: the slot's fragment is cached.
    pub cache: Option<&'static crate::cache::CacheMeta>,
    /// Whether the handler may contribute to the document head (it returns `(Head, T)`), for
    /// the title of a partial navigation that keeps it.
    pub head: bool,
}

/// What of the URL a slot handler's output may depend on, from its arguments' types; see
/// [`SlotMeta::depends`]. A handler with no arguments depends on nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Depends {
    /// The path parameters (`Path`, or an extractor the macro does not know).
    pub params: bool,
    /// The query string (`Query`, or an extractor the macro does not know).
    pub query: bool,
    /// The route itself (a `Route` enum, `Uri`, `OriginalUri`, `MatchedPath`).
    pub route: bool,
}

impl Depends {
    /// On everything: what a slot of unknown arguments is taken to read.
    pub const ALL: Depends = Depends {
        params: true,
        query: true,
        route: true,
    };
}

/// A slot that has finished: its HTML (the content or the error fallback), and, when there
/// is any, what else it gave: the head it contributed, when it finished if the request asked
/// for `Server-Timing`.
///
/// Two words beside the fragment, so that the page's join, which holds one per slot, stays
/// small: the rest is boxed, and only there when there is some.
pub struct Rendered {
    /// What goes into the layout.
    pub fragment: Fragment,
    /// The slot's head and timing, if it has either.
    pub extras: Option<Box<Extras>>,
}

/// What a finished slot gave beside its fragment; see [`Rendered`].
pub struct Extras {
    /// The slot's name: `children` for a page or a nested level, whose head wins.
    pub slot: &'static str,
    /// When the slot finished, for `Server-Timing`.
    pub timing: Option<SlotTiming>,
    /// What the slot returned as `(Head, T)`.
    pub head: Head,
    /// The fragment is the slot's error fallback.
    pub failed: bool,
}

impl Extras {
    fn new(
        slot: &'static str,
        finished: Option<Instant>,
        head: Option<Head>,
        failed: bool,
    ) -> Box<Self> {
        Box::new(Extras {
            slot,
            timing: finished.map(|finished| SlotTiming { slot, finished }),
            head: head.unwrap_or_default(),
            failed,
        })
    }
}

/// When a slot finished, for `Server-Timing`.
pub struct SlotTiming {
    /// The slot's name.
    pub slot: &'static str,
    /// When the handler finished. The page reads the clock once when it starts all its slots
    /// and the header reports `finished - start` per slot: one clock read per slot plus one
    /// per page.
    pub finished: Instant,
}

impl Rendered {
    /// The fragment, the rest dropped. The page calls it once the timings are read, so that
    /// nothing of the slot but its fragment is kept while the layout runs.
    pub fn into_fragment(self) -> Fragment {
        self.fragment
    }

    /// `fragment`, finished at `finished` if timed.
    pub fn new(fragment: Fragment, slot: &'static str, finished: Option<Instant>) -> Self {
        Rendered::with_head(fragment, slot, finished, None)
    }

    /// `fragment` with the `head` it contributed, finished at `finished` if timed.
    pub fn with_head(
        fragment: Fragment,
        slot: &'static str,
        finished: Option<Instant>,
        head: Option<Box<Head>>,
    ) -> Self {
        let extras = (finished.is_some() || head.is_some())
            .then(|| Extras::new(slot, finished, head.map(|head| *head), false));
        Rendered { fragment, extras }
    }

    /// A slot's error fallback, finished at `finished` if timed.
    fn fallback(fragment: Fragment, slot: &'static str, finished: Option<Instant>) -> Self {
        Rendered {
            fragment,
            extras: Some(Extras::new(slot, finished, None, true)),
        }
    }

    /// Whether the fragment is the slot's error fallback.
    pub fn failed(&self) -> bool {
        self.extras.as_ref().is_some_and(|extras| extras.failed)
    }

    /// The slot's timing, if it was timed.
    pub fn timing(&self) -> Option<&SlotTiming> {
        self.extras
            .as_ref()
            .and_then(|extras| extras.timing.as_ref())
    }

    /// The slot's head, taken out (empty if it gave none).
    pub fn take_head(&mut self) -> Head {
        self.extras
            .as_mut()
            .map(|extras| std::mem::take(&mut extras.head))
            .unwrap_or_default()
    }
}

pin_project! {
    /// A slot's future inside its error boundary: the handler's outcome becomes its
    /// [`Rendered`] fragment or its fallback; a panic (caught at each poll) and running past
    /// the slot's deadline too. Each slot runs in a `tracing` span.
    ///
    /// A plain struct around the handler's future rather than an `async fn`, and one word
    /// larger than that future: the slot's [`SlotMeta`] comes from `M`, a closure that
    /// captures nothing (no bytes), and what only some slots need — a span when a subscriber
    /// wants one, a timer when the slot has a deadline, the clock for `Server-Timing` — is
    /// boxed together, so that a slot without any pays a check.
    #[must_use = "futures do nothing unless polled"]
    pub struct Boundary<F, M> {
        #[pin]
        handler: F,
        meta: M,
        guards: Option<Box<Guards>>,
    }
}

/// A slot's span and timer, and whether its end is timed.
struct Guards {
    /// The span, while a subscriber wants it, and when the slot started.
    trace: Option<(Span, Instant)>,
    /// Unconstrained by tokio's cooperative budget: a slot that spends the task's budget
    /// (draining a ready stream) must still see its deadline pass.
    timer: Option<Pin<Box<Unconstrained<tokio::time::Sleep>>>>,
    timed: bool,
}

/// Runs a slot handler's future inside its error boundary (panics and the slot's deadline)
/// and its `tracing` span; `meta` returns the slot's [`SlotMeta`]; `timed`: the request asked
/// for `Server-Timing`.
///
/// `Err` only for an [`Interrupt`]; an error, a panic or a timeout renders the fallback.
pub fn run_slot<F, M>(meta: M, timed: bool, handler: F) -> Boundary<F, M>
where
    F: Future<Output = SlotOutcome>,
    M: Fn() -> &'static SlotMeta,
{
    Boundary {
        guards: Guards::start(meta(), timed),
        handler,
        meta,
    }
}

impl Guards {
    /// A span if a subscriber wants one (a static and a global level check before the span
    /// is even built), a timer for a deadline, the clock if timed; `None` if none of them.
    #[inline]
    fn start(meta: &'static SlotMeta, timed: bool) -> Option<Box<Guards>> {
        let traced = tracing::level_enabled!(tracing::Level::INFO);
        if !traced && meta.timeout.is_none() && !timed {
            return None;
        }
        Self::start_some(meta, traced, timed)
    }

    #[cold]
    fn start_some(meta: &'static SlotMeta, traced: bool, timed: bool) -> Option<Box<Guards>> {
        let trace = traced
            .then(|| {
                tracing::info_span!(
                    "slot",
                    layout = meta.layout,
                    slot = meta.slot,
                    elapsed_ms = Empty,
                    outcome = Empty,
                )
            })
            .filter(|span| !span.is_disabled())
            .map(|span| (span, Instant::now()));
        let timer = meta
            .timeout
            .map(|limit| Box::pin(unconstrained(tokio::time::sleep(limit))));
        if trace.is_none() && timer.is_none() && !timed {
            return None;
        }
        Some(Box::new(Guards {
            trace,
            timer,
            timed,
        }))
    }
}

impl<F, M> Future for Boundary<F, M>
where
    F: Future<Output = SlotOutcome>,
    M: Fn() -> &'static SlotMeta,
{
    type Output = Result<Rendered, Interrupt>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut handler = this.handler;
        let Some(guards) = this.guards else {
            // The common case: no span, no timer, no clock.
            let polled = std::panic::catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx)));
            return settle(polled, (this.meta)());
        };
        let polled = poll_guarded(
            &mut |cx: &mut Context<'_>| handler.as_mut().poll(cx),
            (this.meta)(),
            guards,
            cx,
        );
        if polled.is_ready() {
            // The span closes, the timer goes.
            *this.guards = None;
        }
        polled
    }
}

/// The outcome of a poll without guards, as the join takes it. Not generic: compiled once,
/// not per slot; `#[inline]`, so that an optimized build still inlines it into each slot's
/// `poll`.
#[inline]
fn settle(
    polled: std::thread::Result<Poll<SlotOutcome>>,
    meta: &'static SlotMeta,
) -> Poll<Result<Rendered, Interrupt>> {
    match polled {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(SlotOutcome::Rendered(fragment))) => Poll::Ready(Ok(Rendered {
            fragment,
            extras: None,
        })),
        Ok(Poll::Ready(outcome)) => Poll::Ready(finish(meta, None, Ok(outcome))),
        Err(panic) => Poll::Ready(finish(meta, None, Err(panic))),
    }
}

/// A poll with a span, a timer or the clock: apart, so that the common case stays small.
///
/// Not generic (the slot's handler is polled through `poll`): compiled once, not once per
/// slot, as only requests that are traced, timed or have a deadline take this path.
#[inline(never)]
fn poll_guarded(
    poll: &mut dyn FnMut(&mut Context<'_>) -> Poll<SlotOutcome>,
    meta: &'static SlotMeta,
    guards: &mut Guards,
    cx: &mut Context<'_>,
) -> Poll<Result<Rendered, Interrupt>> {
    let entered = guards.trace.as_ref().map(|(span, _)| span.enter());
    let polled = std::panic::catch_unwind(AssertUnwindSafe(|| poll(cx)));
    let outcome = match polled {
        Ok(Poll::Ready(outcome)) => Ok(outcome),
        Err(panic) => Err(panic),
        Ok(Poll::Pending) => {
            let expired = guards
                .timer
                .as_mut()
                .is_some_and(|timer| timer.as_mut().poll(cx).is_ready());
            match meta.timeout {
                Some(limit) if expired => Ok(SlotOutcome::TimedOut(limit)),
                _ => return Poll::Pending,
            }
        }
    };
    drop(entered);
    Poll::Ready(finish(meta, Some(guards), outcome))
}

/// The slot's fragment (or its fallback, logged) from its outcome, its span's fields recorded.
#[cold]
fn finish(
    meta: &'static SlotMeta,
    guards: Option<&Guards>,
    finished: std::thread::Result<SlotOutcome>,
) -> Result<Rendered, Interrupt> {
    let (trace, timed) = match guards {
        Some(guards) => (guards.trace.as_ref(), guards.timed),
        None => (None, false),
    };
    let ended = (timed || trace.is_some()).then(Instant::now);
    if let (Some((span, started)), Some(ended)) = (trace, ended) {
        let elapsed = ended.saturating_duration_since(*started);
        // Whole microseconds: the field reads 12.345 rather than 12.345000000000001.
        span.record("elapsed_ms", elapsed.as_micros() as f64 / 1000.0);
    }
    let span = trace.map(|(span, _)| span);
    let record = |outcome: &str| {
        if let Some(span) = span {
            span.record("outcome", outcome);
        }
    };
    let kind = match finished {
        Ok(SlotOutcome::Rendered(fragment)) => {
            record("rendered");
            return Ok(Rendered::new(fragment, meta.slot, ended.filter(|_| timed)));
        }
        Ok(SlotOutcome::Headed(fragment, head)) => {
            record("rendered");
            return Ok(Rendered::with_head(
                fragment,
                meta.slot,
                ended.filter(|_| timed),
                Some(head),
            ));
        }
        Ok(SlotOutcome::Interrupted(interrupt)) => {
            record("interrupted");
            return Err(interrupt);
        }
        Ok(SlotOutcome::Failed(error)) => SlotErrorKind::Failed(error),
        Ok(SlotOutcome::TimedOut(limit)) => SlotErrorKind::TimedOut(limit),
        Err(panic) => SlotErrorKind::Panicked(panic_message(panic.as_ref())),
    };
    record(match kind {
        SlotErrorKind::Failed(_) => "failed",
        SlotErrorKind::Panicked(_) => "panicked",
        SlotErrorKind::TimedOut(_) => "timed_out",
    });
    let error = SlotError {
        layout: meta.layout,
        slot: meta.slot,
        kind,
    };
    match span {
        Some(span) => {
            tracing::error!(parent: span, layout = meta.layout, slot = meta.slot, %error, "slot rendered its error fallback")
        }
        None => {
            tracing::error!(layout = meta.layout, slot = meta.slot, %error, "slot rendered its error fallback")
        }
    }
    Ok(Rendered::fallback(
        fallback(meta, &error),
        meta.slot,
        ended.filter(|_| timed),
    ))
}

/// The slot's `error = f` fallback, or the built-in one if it has none or `f` panics.
pub(crate) fn fallback(meta: &SlotMeta, error: &SlotError) -> Fragment {
    if let Some(custom) = meta.fallback {
        match std::panic::catch_unwind(AssertUnwindSafe(|| custom(error))) {
            Ok(fragment) => return fragment,
            Err(panic) => tracing::error!(
                layout = meta.layout,
                slot = meta.slot,
                panic = panic_message(panic.as_ref()),
                "the slot's error fallback panicked; rendering the built-in one"
            ),
        }
    }
    builtin_fallback(meta.slot)
}

/// `<div role="alert" data-slot-error="SLOT">` with a generic message: never the error's text.
pub fn builtin_fallback(slot: &str) -> Fragment {
    // `slot` is a Rust identifier, so it needs no escaping.
    Fragment::html(format!(
        r#"<div role="alert" data-slot-error="{slot}">This section could not be loaded.</div>"#
    ))
}
