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
mod running;
mod shell;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::response::Response;
use futures_util::FutureExt;

use crate::boundary::{Rendered, SlotMeta};
use crate::error::Interrupt;
use crate::head::Head;
use crate::join::{Cell, Cons, Nil, Slots};
use crate::respond::BoxResponseFuture;
use markers::StreamId;
pub use running::Levels;
use running::StreamSlot;

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

/// A list of slots (see [`Slots`]) that a streamed page runs: each slot's future boxed, to
/// run beside the others in any order, and the fragments given back to the layout as the
/// list's pairs. Not meant to be implemented by hand.
pub trait StreamSlots: Slots {
    /// Appends each slot's future, with its meta from `metas` (in list order), to `out`.
    #[doc(hidden)]
    fn into_stream(self, metas: &[&'static SlotMeta], out: &mut Vec<StreamSlot>);

    /// The layout's fragments, in list order, from one [`Rendered`] per slot.
    #[doc(hidden)]
    fn fragments(rendered: &mut std::vec::IntoIter<Rendered>) -> Self::Fragments;
}

impl StreamSlots for Nil {
    fn into_stream(self, _: &[&'static SlotMeta], _: &mut Vec<StreamSlot>) {}

    fn fragments(_: &mut std::vec::IntoIter<Rendered>) {}
}

impl<F, T> StreamSlots for Cons<Cell<F>, T>
where
    F: Future<Output = Result<Rendered, Interrupt>> + Send + 'static,
    T: StreamSlots,
{
    fn into_stream(self, metas: &[&'static SlotMeta], out: &mut Vec<StreamSlot>) {
        let (head, tail) = self.into_parts();
        let (meta, rest) = metas.split_first().expect("one meta per slot");
        out.push(StreamSlot::new(meta, head.into_future()));
        tail.into_stream(rest, out);
    }

    fn fragments(rendered: &mut std::vec::IntoIter<Rendered>) -> Self::Fragments {
        let head = rendered.next().expect("one rendered per slot");
        (head.into_fragment(), T::fragments(rendered))
    }
}

/// Makes the stream of a page whose nested levels have loading slots (`mode`: the outermost
/// layout's), for the levels below to find in the request's extensions. Called by the
/// outermost layout before the levels below start.
pub fn levels(parts: &mut Parts, mode: StreamMode) {
    parts.extensions.insert(Levels::new(mode));
}

/// A nested level's slots (`slots`, their metas in `metas`): their fragments once those
/// without `loading` are done, the loading slots still running handed to the page's stream
/// (see [`levels`]) with their placeholders as fragments. Outside a streamed page, every slot
/// is awaited. Boxed, so that a nested page's future does not carry its state.
#[allow(clippy::type_complexity)]
pub fn nested<L>(
    parts: &Parts,
    metas: &'static [&'static SlotMeta],
    slots: L,
) -> Pin<Box<dyn Future<Output = Result<(L::Fragments, Head), Interrupt>> + Send>>
where
    L: StreamSlots,
    L::Fragments: Send + 'static,
{
    let levels = parts.extensions.get::<Levels>().cloned();
    let mut started = Vec::with_capacity(metas.len());
    slots.into_stream(metas, &mut started);
    Box::pin(async move {
        let mut rendered = running::nested(levels, started).await?;
        let head = head_of(&mut rendered);
        Ok((L::fragments(&mut rendered.into_iter()), head))
    })
}

/// A streamed page: runs `slots` (their metas in `metas`, in list order) until the shell can
/// be built, calls the layout with `call` on their fragments (the placeholders of the slots
/// still loading), turns its output into the shell with `into_response`, then sends the rest
/// as the slots finish (`mode`). The scripts carry the request's [`CspNonce`], read from
/// `parts`. An [`Interrupt`] before the shell is the response.
///
/// Compiled only for pages that stream (the generated code selects it with a constant), and
/// boxed, so that a buffered page's future does not carry its state.
pub fn page<L, C, F, R>(
    layout: &'static str,
    parts: &Parts,
    mode: StreamMode,
    metas: &'static [&'static SlotMeta],
    slots: L,
    call: C,
    into_response: R,
) -> BoxResponseFuture
where
    L: StreamSlots,
    C: FnOnce(L::Fragments, Head) -> F + Send + 'static,
    F: Future + Send,
    R: FnOnce(F::Output) -> Response + Send + 'static,
{
    let nonce = parts
        .extensions
        .get::<CspNonce>()
        .map(|nonce| nonce.0.clone());
    // With nested levels that stream, the page's stream is theirs too (made by `levels`).
    let levels = parts.extensions.get::<Levels>().cloned();
    let (mode, id) = match &levels {
        Some(levels) => levels.reserve(metas.len()),
        None => (mode, StreamId::new()),
    };
    let mut started = Vec::with_capacity(metas.len());
    slots.into_stream(metas, &mut started);
    Box::pin(async move {
        match running::until_shell(mode, id, nonce, started, levels).await {
            Ok((mut rendered, pending)) => {
                let head = head_of(&mut rendered);
                let fragments = L::fragments(&mut rendered.into_iter());
                let render =
                    AssertUnwindSafe(call(fragments, head).map(into_response)).catch_unwind();
                pending.respond(layout, render).await
            }
            Err(interrupt) => interrupt.into_response(),
        }
    })
}

/// The merged head of the slots finished by the shell (a loading slot contributes none).
fn head_of(rendered: &mut [Rendered]) -> Head {
    Head::of_level(rendered.iter_mut().filter_map(|rendered| {
        let extras = rendered.extras.as_mut()?;
        Some((extras.slot, &mut extras.head))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use markers::StreamId;

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
}
