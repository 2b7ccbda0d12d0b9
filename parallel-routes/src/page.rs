//! The two kinds of endpoint a layout serves, as axum handlers: the whole page, and one slot
//! on its own (`GET <path>/@<slot>`); and the guard both run first: the extractors of the
//! layout and of all its parents, root first.

use std::future::Future;
use std::marker::PhantomData;
use std::time::Instant;

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::boundary::{Depends, Rendered, SlotMeta};
use crate::cache::CacheMeta;
use crate::error::Interrupt;
use crate::partial::{BoxedSlot, Navigation};
use crate::respond::BoxResponseFuture;
use crate::route::FragmentRequest;
use crate::slot::{SlotCall, SlotHandler};
use crate::timing::{self, TimingHeader};

/// A layout's guard: the extractors of the layout function (other than its fragments) and of
/// all its parents, run root first. Every endpoint the layout serves — its page on each route
/// (where the values go on to the layout functions) and each `@slot` (where they are dropped)
/// — runs them before anything else, so an auth extractor on a layout protects every URL
/// under it; a rejection answers for the request and no slot runs. Implemented by `#[layout]`
/// for its module's `Level` marker; not meant to be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "the layout `{Self}` cannot be served with state `{S}`",
    note = "every extractor of the layout and of its parents must implement `FromRequestParts<{S}>`; check the state type given to `Router::with_state`"
)]
pub trait LayoutGuard<S> {
    /// Runs the parents' guards (root first), then the layout's own extractors.
    fn guard(parts: &mut Parts, state: &S) -> impl Future<Output = Result<(), Response>> + Send;
}

/// A layout as the page that runs the request: render the whole page from the request head.
/// Implemented by `#[layout]` for its module's `Layout<Route>` markers; not meant to be
/// implemented by hand.
#[diagnostic::on_unimplemented(
    message = "the layout `{Self}` cannot be served with state `{S}`",
    note = "every extractor of the layout and of its slots must implement `FromRequestParts<{S}>`; check the state type given to `Router::with_state`"
)]
pub trait LayoutHandler<S> {
    /// Extracts every argument, runs the slots concurrently, and calls the layout function —
    /// or, for a nested layout, hands itself to its parent as [`NestedPage`].
    fn render(parts: Parts, state: S) -> impl Future<Output = Response> + Send;
}

/// What a layout renders as its `children`: a nested layout on one of its routes
/// (`Layout<Route>`), a nested layout wrapped around the page below it (`Nest<Page>`), or the
/// layout's own page ([`OwnPage`]). Implemented by `#[layout]`; not meant to be implemented by
/// hand.
pub trait NestedPage<S> {
    /// The `children` slot's meta, for a streamed page: a nested layout has no `loading`
    /// placeholder (it is awaited before the shell), its own page has its handler's.
    const META: &'static SlotMeta = &NESTED_META;

    /// Whether this level or one below it has a slot with `loading`: then the outermost
    /// layout streams, and each level's loading slots join its stream.
    const STREAMS: bool = false;

    /// Whether this is a nested layout that the page the browser is on (`navigation`) renders
    /// too, with the same layout output: then, on a partial navigation, its layout is kept and
    /// only its changed slots are sent (else it is rendered whole into the parent's
    /// `children`). `false` for a layout's own page, a slot like the others.
    fn rendered_at(parts: &Parts, navigation: &Navigation) -> bool {
        let _ = (parts, navigation);
        false
    }

    /// Called by the parent once its own extractors have run: runs this level's extractors,
    /// starts the levels below, extracts this level's slots' arguments, and returns this level
    /// as a future — the parent's `children`, which it runs beside its own slots, so that no
    /// level waits for another. A rejection is the response to send.
    fn start(
        parts: &mut Parts,
        state: &S,
        timed: bool,
    ) -> impl Future<
        Output = Result<
            impl Future<Output = Result<Rendered, Interrupt>> + Send + use<Self, S>,
            Response,
        >,
    > + Send;
}

/// A layout's page on one of its routes as the parent of what it renders as `children`: its
/// own page there ([`OwnPage`]), or a nested layout (`#[layout(..., parent = root)]`) whose
/// path the layout lists in `routes(...)`. Implemented by `#[layout]` for its module's
/// `Layout<Route>` markers when the layout takes `children`; not meant to be implemented by
/// hand.
#[diagnostic::on_unimplemented(
    message = "the layout `{Self}` cannot be a parent with state `{S}`",
    note = "a parent layout takes a `children: Fragment` parameter, and its extractors and slots must accept the state `{S}`"
)]
pub trait ParentLayout<S> {
    /// Renders the nested page `K` as this layout's `children`: extracts this layout's own
    /// arguments, starts `K`, extracts its slots' arguments (their handlers for this route),
    /// runs its slots and `K` at once, and sends the page — or, when this layout is nested
    /// too, hands itself around `K` to its own parent's page on the same path, so the root's
    /// extractors always run first.
    fn nest<K>(parts: Parts, state: S) -> impl Future<Output = Response> + Send
    where
        K: NestedPage<S> + 'static;
}

/// Stands in for the parent's page on a path the parent does not list. It only ever appears
/// in a crate that already fails to compile with "layout `x` does not list …", so it never
/// runs; it is a [`ParentLayout`] for every state so that no second error is reported.
pub enum Unlisted {}

impl<S> ParentLayout<S> for Unlisted {
    fn nest<K>(_: Parts, _: S) -> impl Future<Output = Response> + Send
    where
        K: NestedPage<S> + 'static,
    {
        std::future::ready(axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// The meta of a nested layout as its parent's `children`.
static NESTED_META: SlotMeta = SlotMeta {
    layout: "nested",
    slot: "children",
    fallback: None,
    loading: None,
    timeout: None,
    handler: "",
    depends: Depends::ALL,
    cache: None,
    head: true,
};

/// A layout's own page (`#[page]`, the handler `H` of its `children` slot) as what the layout
/// renders as its `children`: the same generated page then serves the layout's own route and
/// every nested layout below it.
pub struct OwnPage<H>(PhantomData<fn() -> H>);

impl<S, H> NestedPage<S> for OwnPage<H>
where
    H: SlotHandler<S>,
    S: Sync,
{
    const META: &'static SlotMeta = H::META;

    async fn start(
        parts: &mut Parts,
        state: &S,
        timed: bool,
    ) -> Result<impl Future<Output = Result<Rendered, Interrupt>> + Send + use<S, H>, Response>
    {
        Ok(H::extract(parts, state).await?.call(timed))
    }
}

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
    // Boxed, as axum boxes its own function handlers.
    type Future = BoxResponseFuture;

    fn call(self, req: Request, state: S) -> Self::Future {
        // A page only reads the request head; the (empty, for GET) body is dropped here.
        let (parts, _body) = req.into_parts();
        Box::pin(L::render(parts, state))
    }
}

/// The axum handler for `GET <path>/@<slot>`: slot number `index` of the page `L` alone, after
/// the guard `G` (the extractors of the layout and of its parents). One handler type for all
/// the slots of a page on one route, so that axum's routing code is compiled once per page,
/// not once per slot.
pub struct SlotEndpoint<G, L> {
    index: usize,
    marker: PhantomData<fn() -> (G, L)>,
}

impl<G, L> SlotEndpoint<G, L> {
    /// The endpoint of slot number `index` (in the layout's slot order) of page `L`.
    pub const fn new(index: usize) -> Self {
        SlotEndpoint {
            index,
            marker: PhantomData,
        }
    }
}

impl<G, L> Clone for SlotEndpoint<G, L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<G, L> Copy for SlotEndpoint<G, L> {}

impl<G, L, S> Handler<(), S> for SlotEndpoint<G, L>
where
    G: LayoutGuard<S> + 'static,
    L: Fragments<S> + 'static,
    S: Send + Sync + 'static,
{
    // Boxed, as axum boxes its own function handlers.
    type Future = BoxResponseFuture;

    fn call(self, req: Request, state: S) -> Self::Future {
        let (mut parts, _body) = req.into_parts();
        // So that a `Route` extractor, in the guard or the slot, finds the page's route.
        parts.extensions.insert(FragmentRequest);
        Box::pin(async move {
            // The layout's (and its parents') extractors guard the fragment as they guard the
            // page; their values are not needed here.
            if let Err(rejection) = G::guard(&mut parts, &state).await {
                return rejection;
            }
            let timed = timing::requested(&parts);
            L::fragment(self.index, &mut parts, &state, timed).await
        })
    }
}

/// The `@<slot>` endpoints of a page on one route: slot number `index` alone. Implemented by
/// `#[layout]` (a `match` on `index` calling [`fragment`]); not meant to be implemented by
/// hand.
pub trait Fragments<S> {
    /// Extracts slot number `index`'s arguments and runs it (`timed`: the request asked for
    /// `Server-Timing`): its fragment, or the rejection or interrupt as the response.
    fn fragment(
        index: usize,
        parts: &mut Parts,
        state: &S,
        timed: bool,
    ) -> impl Future<Output = Response> + Send;

    /// Extracts slot number `index`'s arguments and returns its future, boxed, not yet
    /// polled: for a partial response, which runs only the slots that change.
    fn start(
        index: usize,
        parts: &mut Parts,
        state: &S,
        timed: bool,
    ) -> impl Future<Output = Result<BoxedSlot, Response>> + Send;
}

/// Slot `H`'s arguments extracted, and its future boxed; see [`Fragments::start`].
pub async fn start<H, S>(parts: &mut Parts, state: &S, timed: bool) -> Result<BoxedSlot, Response>
where
    H: SlotHandler<S> + 'static,
    S: Sync + 'static,
{
    Ok(Box::pin(H::extract(parts, state).await?.call(timed)))
}

/// Slot `H` alone: its arguments extracted, then its handler run in its boundary.
pub async fn fragment<H, S>(parts: &mut Parts, state: &S, timed: bool) -> Response
where
    H: SlotHandler<S>,
    S: Sync,
{
    let slot = match H::extract(parts, state).await {
        Ok(slot) => slot,
        Err(rejection) => return rejection,
    };
    let started = timed.then(Instant::now);
    let result = slot.call(timed).await;
    match H::META.cache {
        Some(cache) => http_cached(cache, parts, started, result),
        None => fragment_response(started, result),
    }
}

/// The response of `GET <path>/@<slot>`: the slot's fragment (with its `Server-Timing` entry
/// if it was timed from `started`), or the interrupt's response. Not generic: compiled once,
/// not per slot.
fn fragment_response(started: Option<Instant>, result: Result<Rendered, Interrupt>) -> Response {
    match result {
        Ok(rendered) => {
            TimingHeader::of(started, rendered.timing()).add_to(rendered.fragment.into_response())
        }
        Err(interrupt) => interrupt.into_response(),
    }
}

/// The response of `GET <path>/@<slot>` for a cached slot: as [`fragment_response`], with
/// `Cache-Control` (the slot's `max_age` and `stale_while_revalidate`; `private` when the slot
/// names a key, which may be per user) and an `ETag`, and `304 Not Modified` when the request's
/// `If-None-Match` has that tag. A fallback or an interrupt is not cacheable.
fn http_cached(
    cache: &CacheMeta,
    parts: &Parts,
    started: Option<Instant>,
    result: Result<Rendered, Interrupt>,
) -> Response {
    let rendered = match result {
        Ok(rendered) if !rendered.failed() => rendered,
        other => return fragment_response(started, other),
    };
    let tag = crate::cache::etag(rendered.fragment.as_str());
    let scope = if cache.private { "private" } else { "public" };
    let mut control = format!("{scope}, max-age={}", cache.max_age.as_secs());
    if !cache.stale.is_zero() {
        control.push_str(&format!(
            ", stale-while-revalidate={}",
            cache.stale.as_secs()
        ));
    }
    let matched = parts
        .headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == tag || candidate == "*");
    let mut response = if matched {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        fragment_response(started, Ok(rendered))
    };
    let headers = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, tag);
    }
    if let Ok(control) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, control);
    }
    response
}
