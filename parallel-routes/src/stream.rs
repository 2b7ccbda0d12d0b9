//! Streaming: a page whose slots have `loading = f` sends its shell at once, with each pending
//! slot's placeholder, and each slot's content when it is ready — Next.js' `loading.tsx`.
//!
//! Two modes, per layout:
//!
//! * **Out of order** (the default), in the spirit of React's Fizz and Leptos: the shell holds
//!   `<template id="pr-N"></template>` + the placeholder + `<!--/pr-N-->`; each slot arrives as
//!   an inert `<template id="prc-N">content</template>` followed by a tiny `<script>$PR(N)</script>`
//!   that swaps it in, in completion order. The swap function is sent once per response
//!   ([`SWAP_SCRIPT`], 296 bytes); each slot then costs 55 bytes of markup beside its content
//!   (`<template id="prc-N">…</template><script>$PR(N)</script>`). No inline `style=`,
//!   ids made by the server only, scripts carry the request's [`CspNonce`].
//! * **In order** (`#[layout(..., stream = in_order)]`): no JavaScript. The body is sent in
//!   document order, each part as soon as everything before it is ready.
//!
//! A slot that is already finished when the shell goes out is inlined with no script; a page
//! whose slots are all finished by then is sent as one write. Dropping the response body (the
//! client went away) drops the slots still pending: they live in the body's stream.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::future::poll_fn;
use std::hash::BuildHasher;
use std::pin::{Pin, pin};
use std::sync::LazyLock;
use std::task::Poll;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use futures_util::stream::{self, FuturesUnordered, StreamExt};

use crate::boundary::{Rendered, SlotMeta, fallback, layout_panicked};
use crate::error::{Interrupt, SlotError, SlotErrorKind};
use crate::fragment::{Fragment, escape_into};

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

/// The function that swaps a streamed slot into place, sent once per response. `$PR(N)`
/// replaces everything from `<template id="pr-N">` to `<!--/pr-N-->` with the content of
/// `<template id="prc-N">`, then removes that template.
pub const SWAP_SCRIPT: &str = "function $PR(i){var s=document.getElementById(\"pr-\"+i),t=document.getElementById(\"prc-\"+i);if(!s||!t)return;var p=s.parentNode,n=s.nextSibling,e=\"/pr-\"+i;while(n&&!(n.nodeType===8&&n.data===e)){var x=n.nextSibling;p.removeChild(n);n=x}if(n)p.removeChild(n);p.replaceChild(t.content,s);t.remove()}";

static X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

type SlotFuture = Pin<Box<dyn Future<Output = Result<Rendered, Interrupt>> + Send>>;

/// One slot of a streaming page, as the generated code hands it over.
pub struct StreamSlot {
    meta: &'static SlotMeta,
    future: SlotFuture,
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

/// The running slots, each tagged with its place in the layout.
type Running = FuturesUnordered<Pin<Box<dyn Future<Output = Done> + Send>>>;

/// The slots still running when the shell is built, and how to send them.
pub struct Pending {
    mode: StreamMode,
    nonce: Option<String>,
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
    started: Instant,
    mode: StreamMode,
    nonce: Option<String>,
    slots: [StreamSlot; N],
) -> Pin<Box<dyn Future<Output = Joined<N>> + Send>> {
    Box::pin(join_inline(started, mode, nonce, slots))
}

async fn join_inline<const N: usize>(
    started: Instant,
    mode: StreamMode,
    nonce: Option<String>,
    slots: [StreamSlot; N],
) -> Joined<N> {
    let mut results: [Option<Rendered>; N] = std::array::from_fn(|_| None);
    let mut metas: [Option<&'static SlotMeta>; N] = [None; N];
    let mut required = 0;
    let running: Running = FuturesUnordered::new();
    for (index, slot) in slots.into_iter().enumerate() {
        required += usize::from(slot.meta.loading.is_none());
        metas[index] = Some(slot.meta);
        let meta = slot.meta;
        running.push(Box::pin(
            slot.future.map(move |result| (index, meta, result)),
        ));
    }
    let mut running = running;
    while required > 0 {
        let Some((index, meta, result)) = running.next().await else {
            break;
        };
        required -= usize::from(meta.loading.is_none());
        results[index] = Some(result?);
    }
    // Loading slots that are done by now are inlined, without a script.
    while let Some(Some((index, _, result))) = running.next().now_or_never() {
        results[index] = Some(result?);
    }
    let rendered = std::array::from_fn(|index| {
        results[index].take().unwrap_or_else(|| {
            let meta = metas[index].expect("every slot has its meta");
            Rendered {
                slot: meta.slot,
                fragment: placeholder(mode, index, meta),
                finished: started,
            }
        })
    });
    Ok((
        rendered,
        Pending {
            mode,
            nonce,
            running,
        },
    ))
}

/// What stands in the shell for slot `index` until it arrives: its placeholder between the
/// two [`markers`] (out of order), or the marker alone (in order).
fn placeholder(mode: StreamMode, index: usize, meta: &SlotMeta) -> Fragment {
    let (start, end) = markers(mode, index);
    let loading = match (mode, meta.loading) {
        (StreamMode::OutOfOrder, Some(loading)) => placeholder_of(meta, loading),
        _ => Fragment::default(),
    };
    Fragment::html(format!("{start}{loading}{end}"))
}

/// Where slot `index` starts and ends in the shell; the part between them is replaced by the
/// slot's content, in the shell or by `$PR`.
fn markers(mode: StreamMode, index: usize) -> (String, String) {
    match mode {
        StreamMode::OutOfOrder => (
            format!("<template id=\"pr-{index}\"></template>"),
            format!("<!--/pr-{index}-->"),
        ),
        StreamMode::InOrder => (in_order_marker(index), String::new()),
    }
}

/// The slot's `loading` placeholder; a panic in it gives an empty placeholder, and is logged.
fn placeholder_of(meta: &SlotMeta, loading: fn() -> Fragment) -> Fragment {
    std::panic::catch_unwind(loading).unwrap_or_else(|panic| {
        tracing::error!(
            layout = meta.layout,
            slot = meta.slot,
            panic = crate::boundary::panic_message(panic.as_ref()),
            "the slot's loading placeholder panicked; rendering none"
        );
        Fragment::default()
    })
}

/// A per-process random salt, so that a page's own text cannot be mistaken for a marker.
static SALT: LazyLock<u64> =
    LazyLock::new(|| std::collections::hash_map::RandomState::new().hash_one("parallel-routes"));

fn in_order_marker(index: usize) -> String {
    format!("<!--pr-{:016x}-{index}-->", *SALT)
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
            while let Poll::Ready(Some(done)) = running.poll_next_unpin(cx) {
                finished.push(done);
            }
            render.as_mut().poll(cx)
        })
        .await;
        match rendered {
            Ok(response) => self.into_response(response, finished).await,
            Err(panic) => layout_panicked(layout, panic.as_ref()),
        }
    }

    /// Turns the layout's response into the streamed page: the shell, then each slot.
    /// `finished` are the loading slots that ended while the layout ran.
    async fn into_response(mut self, response: Response, mut finished: Vec<Done>) -> Response {
        // A layout that answered with an error, or a page with nothing left to wait for, is
        // sent as it is.
        if !response.status().is_success() || (self.running.is_empty() && finished.is_empty()) {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let Ok(shell) = axum::body::to_bytes(body, usize::MAX).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let mut shell = shell.to_vec();

        // Slots that finished while the layout ran are inlined too. Nothing has been sent yet,
        // so an interrupt among them still decides the response.
        while let Some(Some(done)) = self.running.next().now_or_never() {
            finished.push(done);
        }
        if let Some(at) = finished.iter().position(|(_, _, result)| result.is_err())
            && let (_, _, Err(interrupt)) = finished.swap_remove(at)
        {
            return interrupt.into_response();
        }
        for (index, meta, result) in finished {
            let content = content_after_shell(meta, result);
            let (start, end) = markers(self.mode, index);
            replace_range(&mut shell, &start, &end, content.as_str());
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        if self.running.is_empty() {
            // Everything is here: one write.
            return Response::from_parts(parts, Body::from(shell));
        }
        parts
            .headers
            .insert(X_ACCEL_BUFFERING.clone(), HeaderValue::from_static("no"));
        let body = match self.mode {
            StreamMode::OutOfOrder => out_of_order(shell, self.running, self.nonce),
            StreamMode::InOrder => in_order(shell, self.running),
        };
        Response::from_parts(parts, body)
    }
}

/// The shell up to `</body>` with the swap function, each slot in completion order, then the
/// rest of the shell. Slots that finish together go out in one write.
fn out_of_order(mut shell: Vec<u8>, running: Running, nonce: Option<String>) -> Body {
    let tail = shell.split_off(rfind(&shell, b"</body>").unwrap_or(shell.len()));
    let nonce = nonce_attribute(nonce.as_deref());
    shell.extend_from_slice(format!("<script{nonce}>{SWAP_SCRIPT}</script>").as_bytes());
    let swap = move |chunk: &mut Vec<u8>, (index, meta, result): Done| {
        let content = content_after_shell(meta, result);
        chunk.extend_from_slice(
            format!("<template id=\"prc-{index}\">{content}</template><script{nonce}>$PR({index})</script>")
                .as_bytes(),
        );
    };
    let state = (running, Some(tail), swap);
    let slots = stream::unfold(state, |(mut running, mut tail, swap)| async move {
        let mut chunk = Vec::new();
        if let Some(done) = running.next().await {
            swap(&mut chunk, done);
            while let Some(Some(done)) = running.next().now_or_never() {
                swap(&mut chunk, done);
            }
        }
        if running.is_empty() {
            chunk.extend_from_slice(&tail.take()?);
        }
        Some((Bytes::from(chunk), (running, tail, swap)))
    });
    let chunks = stream::once(async { Bytes::from(shell) }).chain(slots);
    body(chunks)
}

/// A piece of an in-order page.
enum Segment {
    Text(Bytes),
    Slot(usize),
}

/// The shell cut at each slot's marker, sent in document order: everything up to the first
/// slot not yet arrived goes out at once, the rest as each such slot arrives.
fn in_order(shell: Vec<u8>, running: Running) -> Body {
    let prefix = format!("<!--pr-{:016x}-", *SALT);
    let mut segments = VecDeque::new();
    let mut rest = &shell[..];
    while let Some(at) = find(rest, prefix.as_bytes()) {
        let after = &rest[at + prefix.len()..];
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let index = std::str::from_utf8(&after[..digits])
            .ok()
            .and_then(|digits| digits.parse::<usize>().ok());
        match index {
            Some(index) if after[digits..].starts_with(b"-->") => {
                segments.push_back(Segment::Text(Bytes::copy_from_slice(&rest[..at])));
                segments.push_back(Segment::Slot(index));
                rest = &after[digits + "-->".len()..];
            }
            _ => {
                segments.push_back(Segment::Text(Bytes::copy_from_slice(
                    &rest[..at + prefix.len()],
                )));
                rest = after;
            }
        }
    }
    segments.push_back(Segment::Text(Bytes::copy_from_slice(rest)));

    let state = (segments, running, Vec::<(usize, Fragment)>::new());
    let chunks = stream::unfold(
        state,
        |(mut segments, mut running, mut arrived)| async move {
            let mut chunk = Vec::new();
            loop {
                while let Some(Some((index, meta, result))) = running.next().now_or_never() {
                    arrived.push((index, content_after_shell(meta, result)));
                }
                match segments.front() {
                    None => break,
                    Some(Segment::Text(text)) => {
                        chunk.extend_from_slice(text);
                        segments.pop_front();
                    }
                    Some(&Segment::Slot(index)) => {
                        if let Some(at) = arrived.iter().position(|(done, _)| *done == index) {
                            chunk.extend_from_slice(arrived.swap_remove(at).1.as_str().as_bytes());
                            segments.pop_front();
                        } else if !chunk.is_empty() {
                            break;
                        } else {
                            match running.next().await {
                                Some((index, meta, result)) => {
                                    arrived.push((index, content_after_shell(meta, result)));
                                }
                                // Not a running slot (the layout repeated a marker): drop it.
                                None => {
                                    segments.pop_front();
                                }
                            }
                        }
                    }
                }
            }
            (!chunk.is_empty()).then(|| (Bytes::from(chunk), (segments, running, arrived)))
        },
    );
    body(chunks)
}

/// The streamed body. Fused: a body may be polled again after its end (tower-http's
/// compression does), which an `unfold` stream would answer with a panic.
fn body(chunks: impl futures_util::Stream<Item = Bytes> + Send + 'static) -> Body {
    Body::from_stream(chunks.map(Ok::<_, Infallible>).fuse())
}

/// A slot's HTML once the shell has gone out: an interrupt can no longer change the status, so
/// it renders the slot's error fallback, and is logged.
fn content_after_shell(meta: &'static SlotMeta, result: Result<Rendered, Interrupt>) -> Fragment {
    match result {
        Ok(rendered) => rendered.fragment,
        Err(interrupt) => {
            let status = axum::response::IntoResponse::into_response(interrupt).status();
            let error = SlotError {
                layout: meta.layout,
                slot: meta.slot,
                kind: SlotErrorKind::Failed(format!(
                    "interrupted ({status}) after the streamed shell was sent"
                )),
            };
            tracing::error!(layout = meta.layout, slot = meta.slot, %error, "slot interrupted a streamed page; rendering its error fallback");
            fallback(meta, &error)
        }
    }
}

/// ` nonce="…"`, escaped, or nothing.
fn nonce_attribute(nonce: Option<&str>) -> String {
    match nonce {
        Some(nonce) => {
            let mut attribute = String::from(" nonce=\"");
            escape_into(&mut attribute, nonce);
            attribute.push('"');
            attribute
        }
        None => String::new(),
    }
}

/// Replaces `start` … `end` (both included; `end` empty: `start` alone) with `with`.
fn replace_range(shell: &mut Vec<u8>, start: &str, end: &str, with: &str) {
    let Some(from) = find(shell, start.as_bytes()) else {
        return;
    };
    let to = if end.is_empty() {
        from + start.len()
    } else {
        match find(&shell[from..], end.as_bytes()) {
            Some(at) => from + at + end.len(),
            None => return,
        }
    };
    shell.splice(from..to, with.bytes());
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_swap_script_is_as_small_as_documented() {
        assert_eq!(
            SWAP_SCRIPT.len(),
            296,
            "update the README and the module docs"
        );
        let per_slot = "<template id=\"prc-1\"></template><script>$PR(1)</script>";
        assert_eq!(per_slot.len(), 55);
    }

    #[test]
    fn nonces_are_attribute_escaped() {
        assert_eq!(nonce_attribute(Some("a\"b<")), " nonce=\"a&quot;b&lt;\"");
        assert_eq!(nonce_attribute(None), "");
    }

    #[test]
    fn replace_range_swaps_a_placeholder_for_content() {
        let mut shell =
            b"<main><template id=\"pr-1\"></template>skeleton<!--/pr-1--></main>".to_vec();
        replace_range(
            &mut shell,
            "<template id=\"pr-1\"></template>",
            "<!--/pr-1-->",
            "content",
        );
        assert_eq!(shell, b"<main>content</main>");
    }
}
