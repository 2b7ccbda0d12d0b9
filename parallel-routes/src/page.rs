//! The two kinds of endpoint a layout serves, as axum handlers: the whole page, and one slot
//! on its own (`GET <path>/@<slot>`).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Instant;

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::boundary::Rendered;
use crate::error::Interrupt;
use crate::slot::SlotHandler;
use crate::timing::ServerTiming;

/// A layout as the generated router sees it: render the whole page from the request head.
/// Implemented by `#[layout]` for its module's `Layout` marker; not meant to be implemented by
/// hand.
#[diagnostic::on_unimplemented(
    message = "the layout `{Self}` cannot be served with state `{S}`",
    note = "every extractor of the layout and of its slots must implement `FromRequestParts<{S}>`; check the state type given to `Router::with_state`"
)]
pub trait LayoutHandler<S> {
    /// Extracts every argument, runs the slots concurrently, and calls the layout function.
    fn render(parts: Parts, state: S) -> impl Future<Output = Response> + Send;
}

/// A layout as the parent of nested layouts (`#[layout(..., parent = root)]`): renders itself
/// around a nested layout's output as its `children`. Implemented by `#[layout]` for its
/// module's `Parent` marker when the layout takes `children`; not meant to be implemented by
/// hand.
#[diagnostic::on_unimplemented(
    message = "the layout `{Self}` cannot be a parent with state `{S}`",
    note = "a parent layout takes a `children: Fragment` parameter, and its extractors and slots must accept the state `{S}`"
)]
pub trait ParentLayout<S> {
    /// Extracts the parent's own arguments, runs its slots concurrently with `children` (already
    /// started by the nested layout, so no level waits for another), and renders the page — or
    /// hands it on to its own parent.
    fn nest<C>(parts: Parts, state: S, children: C) -> impl Future<Output = Response> + Send
    where
        C: Future<Output = Result<Rendered, Interrupt>> + Send + 'static;
}

/// The boxed future an axum handler returns; axum boxes its own function handlers the same way.
type BoxResponseFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The axum handler for `GET <path>`: renders layout `L`.
pub struct Page<L>(PhantomData<fn() -> L>);

impl<L> Page<L> {
    /// The page handler of layout `L`.
    pub const fn new() -> Self {
        Page(PhantomData)
    }
}

impl<L> Default for Page<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L> Clone for Page<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for Page<L> {}

impl<L, S> Handler<(), S> for Page<L>
where
    L: LayoutHandler<S> + 'static,
    S: Send + Sync + 'static,
{
    type Future = BoxResponseFuture;

    fn call(self, req: Request, state: S) -> Self::Future {
        // A page only reads the request head; the (empty, for GET) body is dropped here.
        let (parts, _body) = req.into_parts();
        Box::pin(L::render(parts, state))
    }
}

/// The axum handler for `GET <path>/@<slot>`: runs slot handler `H` alone and answers with its
/// fragment (or its error fallback) as `text/html; charset=utf-8`, or with its interrupt.
pub struct SlotEndpoint<H>(PhantomData<fn() -> H>);

impl<H> SlotEndpoint<H> {
    /// The endpoint of slot handler `H`.
    pub const fn new() -> Self {
        SlotEndpoint(PhantomData)
    }
}

impl<H> Default for SlotEndpoint<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H> Clone for SlotEndpoint<H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H> Copy for SlotEndpoint<H> {}

impl<H, S> Handler<(), S> for SlotEndpoint<H>
where
    H: SlotHandler<S> + 'static,
    S: Send + Sync + 'static,
{
    type Future = BoxResponseFuture;

    fn call(self, req: Request, state: S) -> Self::Future {
        let (mut parts, _body) = req.into_parts();
        Box::pin(async move {
            let slot = match H::extract(&mut parts, &state).await {
                Ok(slot) => slot,
                Err(rejection) => return rejection,
            };
            let started = Instant::now();
            match slot.await {
                Ok(rendered) => ServerTiming::of(started, &[&rendered])
                    .add_to(rendered.fragment.into_response()),
                Err(interrupt) => interrupt.into_response(),
            }
        })
    }
}
