//! The error boundary around each slot, and around the layout: where panics, errors and
//! timeouts become fallbacks, and where each slot is timed and traced.
//!
//! Everything here wraps the slot's future in place — `catch_unwind`, a `tokio::time::sleep`,
//! a `tracing` span — so no task is spawned and dropping the page drops the slot.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use pin_project_lite::pin_project;
use tracing::Span;
use tracing::field::Empty;

use crate::error::{Interrupt, SlotError, SlotErrorKind, SlotOutcome};
use crate::fragment::Fragment;
use crate::stream::Pending;
use crate::timing::TimingHeader;

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
}

/// A slot that has finished: its HTML (the content or the error fallback), and when it
/// finished if the request asked for `Server-Timing`.
///
/// Two words, so that the page's join, which holds one per slot, stays small: the timing is
/// boxed, and only there when asked for.
pub struct Rendered {
    /// What goes into the layout.
    pub fragment: Fragment,
    /// The slot's name and end, for `Server-Timing`.
    pub timing: Option<Box<SlotTiming>>,
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
        Rendered {
            fragment,
            timing: finished.map(|finished| Box::new(SlotTiming { slot, finished })),
        }
    }
}

pin_project! {
    /// A slot's future inside its error boundary: the handler's outcome becomes its
    /// [`Rendered`] fragment or its fallback; a panic (caught at each poll) and running past
    /// `meta.timeout` too. Each slot runs in a `tracing` span.
    ///
    /// A plain struct around the handler's future rather than an `async fn`: a page moves its
    /// slots' futures, and every byte of one is copied, so the boundary adds two words to the
    /// handler's own future. What only some slots need — a span when a subscriber wants one, a
    /// timer when the slot has a deadline, the clock for `Server-Timing` — is set up at the
    /// first poll and boxed together, so that a slot without any pays a check.
    #[must_use = "futures do nothing unless polled"]
    pub struct Boundary<F> {
        #[pin]
        handler: F,
        meta: &'static SlotMeta,
        extra: Extra,
    }
}

/// What only some slots need, set up at the first poll.
enum Extra {
    /// Not polled yet; `timed`: the request asked for `Server-Timing`.
    Unstarted { timed: bool },
    /// Polled, and none of it needed.
    None,
    /// Polled, with a span, a timer, or the clock.
    Some(Box<Guards>),
}

/// A slot's span and timer, and whether its end is timed.
struct Guards {
    /// The span, while a subscriber wants it, and when the slot started.
    trace: Option<(Span, Instant)>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    timed: bool,
}

/// Runs a slot handler's future inside its error boundary (panics and `meta.timeout`) and its
/// `tracing` span; `timed`: the request asked for `Server-Timing`.
///
/// `Err` only for an [`Interrupt`]; an error, a panic or a timeout renders the fallback.
pub fn run_slot<F>(meta: &'static SlotMeta, timed: bool, handler: F) -> Boundary<F>
where
    F: Future<Output = SlotOutcome>,
{
    Boundary {
        handler,
        meta,
        extra: Extra::Unstarted { timed },
    }
}

impl Extra {
    /// At the first poll: a span if a subscriber wants one (a static and a global level check
    /// before the span is even built), a timer for a deadline, the clock if timed.
    #[cold]
    fn start(meta: &'static SlotMeta, timed: bool) -> Self {
        let trace = tracing::level_enabled!(tracing::Level::INFO)
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
            .map(|limit| Box::pin(tokio::time::sleep(limit)));
        if trace.is_none() && timer.is_none() && !timed {
            return Extra::None;
        }
        Extra::Some(Box::new(Guards {
            trace,
            timer,
            timed,
        }))
    }
}

impl<F: Future<Output = SlotOutcome>> Future for Boundary<F> {
    type Output = Result<Rendered, Interrupt>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let meta = *this.meta;
        if let Extra::Unstarted { timed } = *this.extra {
            *this.extra = Extra::start(meta, timed);
        }
        let mut handler = this.handler;
        let Extra::Some(guards) = this.extra else {
            // The common case: no span, no timer, no clock.
            return match std::panic::catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(SlotOutcome::Rendered(fragment))) => Poll::Ready(Ok(Rendered {
                    fragment,
                    timing: None,
                })),
                Ok(Poll::Ready(outcome)) => Poll::Ready(finish(meta, None, Ok(outcome))),
                Err(panic) => Poll::Ready(finish(meta, None, Err(panic))),
            };
        };
        let entered = guards.trace.as_ref().map(|(span, _)| span.enter());
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx)));
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
                    _ => {
                        drop(entered);
                        return Poll::Pending;
                    }
                }
            }
        };
        drop(entered);
        let Extra::Some(guards) = std::mem::replace(this.extra, Extra::None) else {
            unreachable!("matched above")
        };
        Poll::Ready(finish(meta, Some(*guards), outcome))
    }
}

/// The slot's fragment (or its fallback, logged) from its outcome, its span's fields recorded.
#[cold]
fn finish(
    meta: &'static SlotMeta,
    guards: Option<Guards>,
    finished: std::thread::Result<SlotOutcome>,
) -> Result<Rendered, Interrupt> {
    let (trace, timed) = match guards {
        Some(guards) => (guards.trace, guards.timed),
        None => (None, false),
    };
    let ended = (timed || trace.is_some()).then(Instant::now);
    if let (Some((span, started)), Some(ended)) = (&trace, ended) {
        let elapsed = ended.saturating_duration_since(*started);
        // Whole microseconds: the field reads 12.345 rather than 12.345000000000001.
        span.record("elapsed_ms", elapsed.as_micros() as f64 / 1000.0);
    }
    let span = trace.as_ref().map(|(span, _)| span);
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
    Ok(Rendered::new(
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

/// How a page's response goes out.
pub enum Delivery {
    /// All at once, with a `Server-Timing` header if the request asked for one.
    Buffered(TimingHeader),
    /// The shell first, then the slots still pending.
    Streamed(Pending),
}

impl Delivery {
    /// A buffered page whose slots started at `started` (`None`: no `Server-Timing`).
    pub fn buffered(started: Option<Instant>, slots: &[&Rendered]) -> Self {
        Delivery::Buffered(TimingHeader::of(started, slots))
    }
}

pin_project! {
    /// The layout's response, awaited inside a boundary — a panic answers `500` with a generic
    /// body and is logged — and sent as its [`Delivery`] says. A struct rather than an
    /// `async fn`, which would hold the layout's future twice (as its argument and as what it
    /// awaits).
    #[project = RespondProj]
    #[must_use = "futures do nothing unless polled"]
    pub enum Respond<F> {
        /// All at once, with the timing header, if any.
        Buffered {
            layout: &'static str,
            #[pin]
            render: F,
            timing: Option<TimingHeader>,
        },
        /// Streamed: boxed, so that the buffered path stays small.
        Streamed { page: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

/// Awaits the layout's response inside a boundary and sends it as `delivery` says.
pub fn respond<F>(layout: &'static str, delivery: Delivery, render: F) -> Respond<F>
where
    F: Future<Output = Response> + Send + 'static,
{
    match delivery {
        Delivery::Buffered(timing) => Respond::Buffered {
            layout,
            render,
            timing: Some(timing),
        },
        Delivery::Streamed(pending) => Respond::Streamed {
            page: Box::pin(pending.respond(layout, AssertUnwindSafe(render).catch_unwind())),
        },
    }
}

impl<F: Future<Output = Response>> Future for Respond<F> {
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        match self.project() {
            RespondProj::Buffered {
                layout,
                render,
                timing,
            } => {
                let polled = std::panic::catch_unwind(AssertUnwindSafe(|| render.poll(cx)));
                match polled {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(response)) => Poll::Ready(match timing.take() {
                        Some(timing) => timing.add_to(response),
                        None => response,
                    }),
                    Err(panic) => Poll::Ready(layout_panicked(layout, panic.as_ref())),
                }
            }
            RespondProj::Streamed { page } => page.as_mut().poll(cx),
        }
    }
}

/// Runs a nested layout (its slots, then the layout function) as its parent's `children`
/// (`timed`: the request asked for `Server-Timing`). Its
/// slots have their own boundaries; a panic in the layout function itself answers `500`, as it
/// would for a layout that is not nested, and is logged.
pub async fn run_nested<F>(
    layout: &'static str,
    timed: bool,
    page: F,
) -> Result<Rendered, Interrupt>
where
    F: Future<Output = SlotOutcome>,
{
    match AssertUnwindSafe(page).catch_unwind().await {
        Ok(SlotOutcome::Rendered(fragment)) => Ok(Rendered::new(
            fragment,
            "children",
            timed.then(Instant::now),
        )),
        Ok(SlotOutcome::Interrupted(interrupt)) => Err(interrupt),
        // The generated page only ever renders or interrupts.
        Ok(SlotOutcome::Failed(_) | SlotOutcome::TimedOut(_)) => {
            Err(Interrupt::response(StatusCode::INTERNAL_SERVER_ERROR))
        }
        Err(panic) => Err(Interrupt::response(layout_panicked(layout, panic.as_ref()))),
    }
}

/// The `500` for a layout that panicked, logged.
pub(crate) fn layout_panicked(layout: &'static str, panic: &(dyn Any + Send)) -> Response {
    tracing::error!(
        layout,
        panic = panic_message(panic),
        "layout panicked; answering 500"
    );
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
