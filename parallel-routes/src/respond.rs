//! The layout's side of a page: how a page's future is put together from the extraction of
//! its arguments and the running of its slots and layout, and how the layout's output becomes
//! the response.
//!
//! A root page's future is [`Render`]: first the generated code's extraction (an `async`
//! block that owns the request head and runs every extractor), which gives the [`Rest`] of
//! the page — for a buffered page, [`Run`]: the slots' [`Join`], then the layout function's
//! future in its boundary ([`Respond`]). Each stage holds only what it needs: the request head
//! is gone once the slots run, the slots' futures once the layout runs. So the page's future
//! is as large as its largest stage, not their sum, as a hand-written handler's is.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use pin_project_lite::pin_project;

use crate::boundary::Rendered;
use crate::error::{Interrupt, SlotOutcome, layout_panicked};
use crate::head::Head;
use crate::join::{Join, Slots, Timings, join, level_head};
use crate::timing::TimingHeader;

/// A response future, boxed.
pub type BoxResponseFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// What a page's extraction gives once every argument is extracted: the rest of the page.
pub enum Rest<B> {
    /// A buffered page: its slots and layout, run in place.
    Buffered(B),
    /// A streamed page, boxed, so that a buffered page's future does not carry its state.
    Streamed(BoxResponseFuture),
}

pin_project! {
    /// A root page's future: its extraction `P`, then the [`Rest`] of the page.
    #[project = RenderProj]
    #[must_use = "futures do nothing unless polled"]
    pub enum Render<P, B> {
        /// Running the extractors; the request head lives here.
        Extracting { #[pin] extract: P },
        /// Running a buffered page.
        Buffered { #[pin] rest: B },
        /// Running a streamed page.
        Streamed { rest: BoxResponseFuture },
    }
}

/// A root page's future from its extraction, whose `Err` is a rejection, the response.
pub fn render<P, B>(extract: P) -> Render<P, B>
where
    P: Future<Output = Result<Rest<B>, Response>>,
    B: Future<Output = Response>,
{
    Render::Extracting { extract }
}

impl<P, B> Future for Render<P, B>
where
    P: Future<Output = Result<Rest<B>, Response>>,
    B: Future<Output = Response>,
{
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        loop {
            match self.as_mut().project() {
                RenderProj::Extracting { extract } => match ready!(extract.poll(cx)) {
                    Ok(Rest::Buffered(rest)) => self.set(Render::Buffered { rest }),
                    Ok(Rest::Streamed(rest)) => self.set(Render::Streamed { rest }),
                    Err(rejection) => return Poll::Ready(vary(rejection)),
                },
                RenderProj::Buffered { rest } => return rest.poll(cx).map(vary),
                RenderProj::Streamed { rest } => return rest.as_mut().poll(cx).map(vary),
            }
        }
    }
}

/// Every page response says that it depends on `HX-Request` and `HX-Current-URL`: the same
/// URL answers a partial navigation with only the slots that change, and a cache (or the
/// browser's history) must not serve one for the other.
fn vary(mut response: Response) -> Response {
    response
        .headers_mut()
        .append(axum::http::header::VARY, crate::partial::VARY);
    response
}

pin_project! {
    /// A buffered page once its arguments are extracted: its slots at once, then the layout
    /// function on their fragments, then the response, with `Server-Timing` if asked for.
    #[project = RunProj]
    #[project_replace = RunOwned]
    #[must_use = "futures do nothing unless polled"]
    pub enum Run<L, C, F, R> {
        /// Running the slots; `call` makes the layout's future from their fragments.
        Joining {
            #[pin]
            join: Join<L>,
            layout: &'static str,
            started: Option<Instant>,
            call: C,
            into_response: R,
        },
        /// Running the layout function.
        Responding { #[pin] respond: Respond<F, R> },
        /// Finished.
        Done,
    }
}

/// Runs the slots of `slots` at once (`timed`: the request asked for `Server-Timing`), calls
/// the layout with `call` on their fragments, and answers with `into_response` of its output
/// (the generated code's closure calling `IntoResponse`, so that an output that is not a
/// response is reported at the layout's return type).
pub fn run<L, C, F, R>(
    layout: &'static str,
    timed: bool,
    slots: L,
    call: C,
    into_response: R,
) -> Run<L, C, F, R>
where
    L: Slots,
    C: FnOnce(L::Fragments, Head) -> F,
    F: Future,
    R: FnOnce(F::Output) -> Response,
{
    Run::Joining {
        join: join(slots),
        layout,
        // One clock read for all slots, if timed: each slot's time runs from here to its end.
        started: timed.then(Instant::now),
        call,
        into_response,
    }
}

impl<L, C, F, R> Future for Run<L, C, F, R>
where
    L: Slots,
    C: FnOnce(L::Fragments, Head) -> F,
    F: Future,
    R: FnOnce(F::Output) -> Response,
{
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        loop {
            match self.as_mut().project() {
                RunProj::Joining { join, .. } => {
                    let joined = ready!(join.poll(cx));
                    let RunOwned::Joining {
                        layout,
                        started,
                        call,
                        into_response,
                        ..
                    } = self.as_mut().project_replace(Run::Done)
                    else {
                        unreachable!("matched above")
                    };
                    let (fragments, mut timings) = match joined {
                        Ok(joined) => joined,
                        Err(interrupt) => return Poll::Ready(interrupt.into_response()),
                    };
                    let timing = timing_header(started, &timings);
                    let render = call(fragments, level_head(&mut timings));
                    self.set(Run::Responding {
                        respond: respond(layout, timing, render, into_response),
                    });
                }
                RunProj::Responding { respond } => return respond.poll(cx),
                RunProj::Done => panic!("`Run` polled after it finished"),
            }
        }
    }
}

/// The page's `Server-Timing` header from its slots' timings. Not generic: compiled once,
/// not per page.
fn timing_header(started: Option<Instant>, timings: &Timings) -> TimingHeader {
    TimingHeader::of(
        started,
        timings
            .iter()
            .filter_map(|(_, extras)| extras.timing.as_ref()),
    )
}

pin_project! {
    /// The layout function's future, awaited inside a boundary — a panic answers `500` with a
    /// generic body and is logged — and its output turned into the response, with the timing
    /// header, if any. A struct around the layout function's own future rather than an
    /// `async` block that awaits it, which would hold that future twice (as what it captured
    /// and as what it awaits).
    #[must_use = "futures do nothing unless polled"]
    pub struct Respond<F, C> {
        layout: &'static str,
        #[pin]
        render: F,
        into_response: Option<C>,
        timing: Option<TimingHeader>,
    }
}

/// Awaits the layout function's future `render` in its boundary; see [`Respond`].
fn respond<F, C>(
    layout: &'static str,
    timing: TimingHeader,
    render: F,
    into_response: C,
) -> Respond<F, C> {
    Respond {
        layout,
        render,
        into_response: Some(into_response),
        timing: Some(timing),
    }
}

impl<F, C> Future for Respond<F, C>
where
    F: Future,
    C: FnOnce(F::Output) -> Response,
{
    type Output = Response;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        let this = self.project();
        let render = this.render;
        let into_response = this.into_response;
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
            render.poll(cx).map(|output| {
                let into_response = into_response.take().expect("polled after completion");
                into_response(output)
            })
        }));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(response)) => Poll::Ready(match this.timing.take() {
                Some(timing) => timing.add_to(response),
                None => response,
            }),
            Err(panic) => Poll::Ready(layout_panicked(this.layout, panic.as_ref())),
        }
    }
}

/// Runs a nested layout (its slots, then the layout function) as its parent's `children`
/// (`timed`: the request asked for `Server-Timing`). `page` gives the layout's outcome and the
/// merged head of its slots and page, which goes over the head the layout itself returned.
/// Its slots have their own boundaries; a panic in the layout function itself answers `500`,
/// as it would for a layout that is not nested, and is logged.
pub async fn run_nested<F>(
    layout: &'static str,
    timed: bool,
    page: F,
) -> Result<Rendered, Interrupt>
where
    F: Future<Output = (SlotOutcome, Head)>,
{
    let finished = |fragment, own: Option<Box<Head>>, level: Head| {
        let head = match own {
            Some(own) => own.merge(level),
            None => level,
        };
        let head = (!head.is_empty()).then(|| Box::new(head));
        Ok(Rendered::with_head(
            fragment,
            "children",
            timed.then(Instant::now),
            head,
        ))
    };
    match AssertUnwindSafe(page).catch_unwind().await {
        Ok((SlotOutcome::Rendered(fragment), level)) => finished(fragment, None, level),
        Ok((SlotOutcome::Headed(fragment, own), level)) => finished(fragment, Some(own), level),
        Ok((SlotOutcome::Interrupted(interrupt), _)) => Err(interrupt),
        // The layout returned `Err(e)` (a template that failed, say): the page cannot be
        // built, as when a layout panics; the error is logged, not sent.
        Ok((SlotOutcome::Failed(error), _)) => {
            tracing::error!(
                layout,
                error,
                "a nested layout returned an error; answering 500"
            );
            Err(Interrupt::response(StatusCode::INTERNAL_SERVER_ERROR))
        }
        Ok((SlotOutcome::TimedOut(_), _)) => {
            Err(Interrupt::response(StatusCode::INTERNAL_SERVER_ERROR))
        }
        Err(panic) => Err(Interrupt::response(layout_panicked(layout, panic.as_ref()))),
    }
}
