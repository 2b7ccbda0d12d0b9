//! Streaming: a page whose slots have `loading = f` sends its shell at once, with each pending
//! slot's placeholder, and each slot's content when it is ready — Next.js' `loading.tsx`.
//!
//! Two modes, per layout:
//!
//! * **Out of order** (the default), in the spirit of React's Fizz and Leptos: the shell holds
//!   `<template id=pr-R-N></template>` + the placeholder + `<!--/pr-R-N-->`; each slot arrives as
//!   an inert `<template id=prc-R-N>content</template>` followed by a tiny
//!   `<script>$PR("R",N)</script>` that swaps it in, in completion order. `R` is a random id
//!   drawn for each response, so the stream's ids and markers cannot collide with the app's
//!   own (an app element `id="pr-1"` is left alone) nor be forged by content that knows them.
//!   The swap function ([`SWAP_SCRIPT`]) is sent once per response; scripts carry the
//!   request's [`CspNonce`].
//! * **In order** (`#[layout(..., stream = in_order)]`): no JavaScript. The body is sent in
//!   document order, each part as soon as everything before it is ready.
//!
//! A slot that is already finished when the shell goes out is inlined with no script; a page
//! whose slots are all finished by then is sent as one write. A slot printed more than once
//! by the layout is filled everywhere it is printed. Dropping the response body (the client
//! went away) drops the slots still pending: they live in the body's stream.
//!
//! The swaps are made to give the DOM the buffered page would have, on real HTML (checked in
//! Chromium by `tests/differential.rs`): the swap finds its end marker in document order, not
//! among the start marker's siblings (a `<tr>` placeholder directly in a `<table>` moves the
//! end marker into an implied `<tbody>`), and parses the content in the context where it goes
//! (`Range.createContextualFragment`), as the parser would have.

mod encode;
mod markers;

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::boundary::{Rendered, SlotMeta};
use crate::error::Interrupt;
use crate::fragment::Fragment;
use crate::respond::layout_panicked;
use markers::StreamId;

/// A Content-Security-Policy nonce for the inline scripts of streamed pages.
///
/// Set it as a request extension in your middleware (the same value you put in the
/// `Content-Security-Policy: script-src 'nonce-…'` header), and every inline `<script>` a
/// streamed page sends carries `nonce="…"` (attribute-escaped).
///
/// ```
/// use axum::{extract::Request, middleware::Next, response::Response};
/// use parallel_routes::CspNonce;
///
/// async fn csp(mut request: Request, next: Next) -> Response {
///     let nonce = "a-fresh-random-value-per-request".to_owned();
///     request.extensions_mut().insert(CspNonce(nonce.clone()));
///     let mut response = next.run(request).await;
///     let policy = format!("script-src 'nonce-{nonce}'");
///     response.headers_mut().insert("content-security-policy", policy.parse().unwrap());
///     response
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CspNonce(pub String);

/// How a streaming layout sends its slots: `#[layout(..., stream = in_order)]` selects
/// [`StreamMode::InOrder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StreamMode {
    /// Slots are sent in completion order and swapped into place by a tiny script.
    #[default]
    OutOfOrder,
    /// No JavaScript: the body is sent in document order.
    InOrder,
}

/// The function that swaps a streamed slot into place, sent once per response.
///
/// `$PR(R, N)`, for every copy of slot `N`'s placeholder (a layout may print a slot twice):
/// finds `<template id=pr-R-N>` and, after it in document order, the comment `/pr-R-N`;
/// deletes what lies between (the placeholder); parses the content of
/// `<template id=prc-R-N>` in the context of the end marker's parent, as the HTML parser would
/// have, and inserts it there; removes both markers; finally removes the content's template.
/// Where `createContextualFragment` is refused (a Trusted Types policy), the template's own
/// parsed content is inserted instead.
pub const SWAP_SCRIPT: &str = "function $PR(r,i){var d=document,a=\"pr-\"+r+\"-\"+i,t=d.getElementById(\"prc-\"+r+\"-\"+i),s,w,e,g,f;if(!t)return;while(s=d.getElementById(a)){w=d.createTreeWalker(d,128);w.currentNode=s;while((e=w.nextNode())&&e.data!==\"/\"+a);g=d.createRange();if(e){g.setStartAfter(s);g.setEndBefore(e);g.deleteContents()}else e=s;g.setStartBefore(e);try{f=g.createContextualFragment(t.innerHTML)}catch(x){f=t.content.cloneNode(!0)}e.parentNode.insertBefore(f,e);e.remove();s.remove()}t.remove()}";

static X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One slot of a streaming page, as the generated code hands it over.
pub struct StreamSlot {
    meta: &'static SlotMeta,
    future: BoxFuture<Result<Rendered, Interrupt>>,
}

impl StreamSlot {
    /// Boxes the slot's future: the one place where the set of running slots is dynamic.
    pub fn new<F>(meta: &'static SlotMeta, future: F) -> Self
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
type Done = (usize, &'static SlotMeta, Result<Rendered, Interrupt>);

/// A running slot, tagged with its place in the layout.
struct Tagged {
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
struct Running {
    futures: FuturesUnordered<Tagged>,
    /// The place and meta of each slot still running: what is left to send, or to replace by
    /// its fallback if the page ends early.
    pending: Vec<(usize, &'static SlotMeta)>,
}

impl Running {
    fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    fn push(&mut self, index: usize, slot: StreamSlot) {
        let meta = slot.meta;
        self.pending.push((index, meta));
        self.futures.push(Tagged {
            index,
            meta,
            future: slot.future,
        });
    }

    /// Drops the running slots for which `keep` is false.
    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        self.pending.retain(|&(index, _)| keep(index));
        let futures = std::mem::take(&mut self.futures);
        self.futures = futures
            .into_iter()
            .filter(|slot| keep(slot.index))
            .collect();
    }

    fn finished(&mut self, done: Done) -> Done {
        self.pending.retain(|(index, _)| *index != done.0);
        done
    }

    /// Every slot that has already finished, without waiting.
    fn ready(&mut self) -> Vec<Done> {
        let mut ready = Vec::new();
        while let Some(Some(done)) = self.futures.next().now_or_never() {
            ready.push(self.finished(done));
        }
        ready
    }

    /// Waits for the next slot to finish, then takes every other one finished by then, so
    /// that slots finishing together go out in one write. Empty when nothing is running.
    async fn next_batch(&mut self) -> Vec<Done> {
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
    fn drop_all(&mut self) -> Vec<(usize, &'static SlotMeta)> {
        self.futures.clear();
        std::mem::take(&mut self.pending)
    }
}

/// The first interrupt among `batch`, taken out of it.
fn take_interrupt(batch: &mut Vec<Done>) -> Option<(usize, &'static SlotMeta, Interrupt)> {
    let at = batch.iter().position(|(_, _, result)| result.is_err())?;
    match batch.remove(at) {
        (index, meta, Err(interrupt)) => Some((index, meta, interrupt)),
        (_, _, Ok(_)) => None,
    }
}

/// The slots still running when the shell is built, and how to send them.
pub struct Pending {
    mode: StreamMode,
    nonce: Option<String>,
    id: StreamId,
    running: Running,
}

/// What [`join`] gives the page: one [`Rendered`] per slot, and what is still pending; or the
/// interrupt that decides the response.
pub type Joined<const N: usize> = Result<([Rendered; N], Pending), Interrupt>;

/// Runs a streaming page's slots until every slot without `loading` has finished; the others
/// keep running. Returns one [`Rendered`] per slot for the layout — the content of finished
/// slots, the placeholder of the others — and what is still pending.
///
/// `Err` for an [`Interrupt`] before the shell is built: the status can still change.
///
/// Boxed, so that the page's own future (which the buffered path uses too) does not carry the
/// streaming path's state inline: a larger page future is a larger copy on every request.
pub fn join<const N: usize>(
    mode: StreamMode,
    nonce: Option<String>,
    slots: [StreamSlot; N],
) -> Pin<Box<dyn Future<Output = Joined<N>> + Send>> {
    Box::pin(join_inline(mode, nonce, slots))
}

async fn join_inline<const N: usize>(
    mode: StreamMode,
    nonce: Option<String>,
    slots: [StreamSlot; N],
) -> Joined<N> {
    let id = StreamId::new();
    let mut results: [Option<Rendered>; N] = std::array::from_fn(|_| None);
    let mut metas: [Option<&'static SlotMeta>; N] = [None; N];
    let mut required = 0;
    let mut running = Running {
        futures: FuturesUnordered::new(),
        pending: Vec::with_capacity(N),
    };
    for (index, slot) in slots.into_iter().enumerate() {
        metas[index] = Some(slot.meta);
        required += usize::from(slot.meta.loading.is_none());
        running.push(index, slot);
    }
    while required > 0 {
        let Some(done) = running.futures.next().await else {
            break;
        };
        let (index, meta, result) = running.finished(done);
        required -= usize::from(meta.loading.is_none());
        results[index] = Some(result?);
    }
    // Loading slots that are done by now are inlined, without a script.
    for (index, _, result) in running.ready() {
        results[index] = Some(result?);
    }
    let rendered = std::array::from_fn(|index| {
        results[index].take().unwrap_or_else(|| {
            let meta = metas[index].expect("every slot has its meta");
            Rendered::new(placeholder(mode, id, index, meta), meta.slot, None)
        })
    });
    Ok((
        rendered,
        Pending {
            mode,
            nonce,
            id,
            running,
        },
    ))
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

/// Whether the response is an HTML document, which the stream can edit.
fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            value.as_bytes().len() >= 9 && value.as_bytes()[..9].eq_ignore_ascii_case(b"text/html")
        })
}

impl Pending {
    /// Renders the layout while the loading slots keep running (a slot is never paused for the
    /// layout), then sends the page.
    pub(crate) async fn respond<F>(mut self, layout: &'static str, render: F) -> Response
    where
        F: Future<Output = std::thread::Result<Response>>,
    {
        let mut finished = Vec::new();
        let mut render = pin!(render);
        let running = &mut self.running;
        let rendered = poll_fn(|cx| {
            while let Poll::Ready(Some(done)) = running.futures.poll_next_unpin(cx) {
                finished.push(running.finished(done));
            }
            render.as_mut().poll(cx)
        })
        .await;
        match rendered {
            Ok(response) => self.into_response(layout, response, finished).await,
            Err(panic) => layout_panicked(layout, panic.as_ref()),
        }
    }

    /// Turns the layout's response into the streamed page: the shell, then each slot.
    /// `finished` are the loading slots that ended while the layout ran.
    async fn into_response(
        mut self,
        layout: &'static str,
        response: Response,
        mut finished: Vec<Done>,
    ) -> Response {
        if self.running.is_empty() && finished.is_empty() {
            // Every slot was in the layout's call: nothing to edit.
            return response;
        }
        // A layout that answers an error, or something other than HTML, is not streamed: its
        // response is sent whole, with every slot's content in place and no marker left.
        let streamed = response.status().is_success() && is_html(&response);
        let (mut parts, body) = response.into_parts();
        let Ok(shell) = axum::body::to_bytes(body, usize::MAX).await else {
            tracing::error!(layout, "the layout's response body failed; answering 500");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let mut shell = shell.to_vec();

        // Slots that finished while the layout ran are inlined too. Nothing has been sent yet,
        // so an interrupt among them still decides the response.
        finished.extend(self.running.ready());
        // A slot the layout did not print (an error page that shows none, a slot left out)
        // would never be seen: it is dropped rather than awaited.
        let (mode, id) = (self.mode, self.id);
        self.running.retain(|index| {
            markers::find(&shell, markers::bounds(mode, id, index).0.as_bytes()).is_some()
        });
        if !streamed {
            while !self.running.is_empty() {
                finished.extend(self.running.next_batch().await);
            }
        }
        if let Some((_, _, interrupt)) = take_interrupt(&mut finished) {
            return interrupt.into_response();
        }
        for (index, _, result) in finished {
            if let Ok(rendered) = result {
                let (start, end) = markers::bounds(self.mode, self.id, index);
                markers::replace_all(&mut shell, &start, &end, rendered.fragment.as_str());
            }
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        if self.running.is_empty() {
            // Everything is here: one write.
            return Response::from_parts(parts, Body::from(shell));
        }
        parts
            .headers
            .insert(X_ACCEL_BUFFERING.clone(), HeaderValue::from_static("no"));
        let chunks = match self.mode {
            StreamMode::OutOfOrder => {
                encode::out_of_order(layout, shell, self.running, self.id, self.nonce).boxed()
            }
            StreamMode::InOrder => {
                encode::in_order(layout, shell, self.running, self.id, self.nonce).boxed()
            }
        };
        // Fused: a body may be polled again after its end (tower-http's compression does),
        // which an `unfold` stream would answer with a panic.
        Response::from_parts(
            parts,
            Body::from_stream(chunks.map(Ok::<_, Infallible>).fuse()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sizes the README gives are the code's: the swap function, and the markup a slot
    /// costs beside its content (its swap, and its placeholder's markers).
    #[test]
    fn the_readme_gives_the_streams_sizes_as_they_are() {
        let readme = include_str!("../../../README.md");
        let id = StreamId::new();
        let mut swap = Vec::new();
        markers::swap(&mut swap, id, 1, "", "");
        let (start, end) = markers::bounds(StreamMode::OutOfOrder, id, 1);
        for claim in [
            format!(
                "`parallel_routes::SWAP_SCRIPT`, {} bytes",
                SWAP_SCRIPT.len()
            ),
            format!(
                "{} with its tags",
                "<script></script>".len() + SWAP_SCRIPT.len()
            ),
            format!("{} bytes of markup beside its", swap.len()),
            format!(
                "and {} for its placeholder's markers",
                start.len() + end.len()
            ),
        ] {
            // The README wraps its lines: compare with every run of whitespace as one space.
            let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(&claim), "the README does not say {claim:?}");
        }
    }

    #[test]
    fn only_html_responses_are_streamed() {
        let html = axum::response::Html("x").into_response();
        assert!(is_html(&html));
        let text = "x".into_response();
        assert!(!is_html(&text));
        let mut upper = Response::default();
        upper.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("TEXT/HTML; charset=utf-8"),
        );
        assert!(is_html(&upper));
        assert!(!is_html(&Response::default()));
    }
}
