//! Next.js App Router *parallel routes* for [axum](https://docs.rs/axum/0.8).
//!
//! A page is a **layout** with named **slots**. Each slot is an ordinary async handler with
//! axum extractors; on a request, every slot of the page runs concurrently and their HTML
//! [`Fragment`]s are handed to the layout function, which stitches them into the page.
//! Attribute macros generate the router, and every wiring mistake — a slot without a handler,
//! a handler for a slot that does not exist, a body extractor in a slot — is a compile error
//! that points at your code.
//!
//! ```
//! use axum::response::Html;
//! use parallel_routes::prelude::*;
//!
//! #[layout(slots(latest, archive))]
//! async fn dashboard(latest: Fragment, archive: Fragment, children: Fragment) -> Html<String> {
//!     Html(format!("<h1>Dashboard</h1><section>{latest}</section><section>{archive}</section>{children}"))
//! }
//!
//! #[slot(dashboard, latest)]
//! async fn latest() -> Html<&'static str> {
//!     Html("<div>Latest content</div>")
//! }
//!
//! #[slot(dashboard, archive)]
//! async fn archive() -> Html<&'static str> {
//!     Html("<div>Archive content</div>")
//! }
//!
//! #[page(dashboard)]
//! async fn overview() -> &'static str {
//!     "Main dashboard content" // text: escaped
//! }
//!
//! // GET /dashboard, GET /dashboard/@latest, /@archive and /@children
//! let app: axum::Router = axum::Router::new().merge(dashboard::router());
//! assert_eq!(dashboard::PATH, "/dashboard");
//! ```
//!
//! # The pieces
//!
//! * [`layout`] turns an async fn into a layout and generates, beside it, a module of the same
//!   name with `router()` and `PATH`.
//! * [`slot`] and [`page`] register a handler for one slot of a layout (`page` is the slot
//!   named `children`, Next.js' `page.tsx`).
//! * [`Fragment`] and [`IntoFragment`] decide what is trusted HTML and what is escaped text;
//!   see [`fragment`].
//!
//! Slots must live in the same crate as their layout (anywhere in it). The macros' output can
//! be read with `cargo expand`; `examples/dashboard-expanded.rs` in the repository is the
//! expansion of the dashboard example, kept up to date by a test.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod boundary;
pub mod cache;
pub mod error;
pub mod fragment;
pub mod head;
mod join;
mod page;
mod partial;
mod registry;
mod respond;
mod route;
mod slot;
mod stream;
mod timing;
mod when;

pub use cache::Cache;
pub use error::{Failure, Interrupt, SlotError, SlotErrorKind};
#[cfg(feature = "askama")]
pub use fragment::TemplateError;
pub use fragment::{Fragment, IntoFragment};
pub use head::Head;
pub use stream::{CspNonce, SWAP_SCRIPT, StreamMode};
pub use timing::ServerTiming;

/// Turns an async fn into a **layout**: a page with named slots.
///
/// ```text
/// #[layout(slots(latest, archive))]                    served at "/<fn name>"
/// #[layout("/users/{id}", slots(profile, activity))]  an explicit axum 0.8 path
/// #[layout(..., state = AppState)]                    the state extractors are checked against
/// ```
///
/// A parameter named after a declared slot, or `children`, has type [`Fragment`] and receives
/// that slot's HTML. Every other parameter is an axum extractor of the request head
/// (`FromRequestParts`). The layout takes `children` exactly when it has a page
/// ([`page`]). It returns anything `IntoResponse`.
///
/// Beside the function (which stays callable as written), a module of the same name holds
/// `router::<S>()` — `GET <path>` for the page, `GET <path>/@<slot>` for each slot alone,
/// `@children` included — and `PATH`. On a request, the extractors of the layout and of every
/// slot run first, one after another, on the request head (a rejection answers at once, as
/// axum does); then all slot handlers run concurrently within the request, and the layout is
/// called with their fragments.
///
/// ```
/// use axum::extract::{Path, State};
/// use axum::response::Html;
/// use parallel_routes::prelude::*;
///
/// #[derive(Clone)]
/// struct Db;
///
/// #[layout("/users/{id}", slots(profile, activity))]
/// async fn user(profile: Fragment, activity: Fragment, Path(id): Path<u32>) -> Html<String> {
///     Html(format!("<h1>User {id}</h1>{profile}{activity}"))
/// }
///
/// #[slot(user, profile)]
/// async fn profile(State(_db): State<Db>, Path(id): Path<u32>) -> String {
///     format!("profile of {id}") // text: escaped
/// }
///
/// #[slot(user, activity)]
/// async fn activity() -> Html<&'static str> {
///     Html("<ul></ul>")
/// }
///
/// let app: axum::Router = axum::Router::new().merge(user::router()).with_state(Db);
/// assert_eq!(user::PATH, "/users/{id}");
/// ```
///
/// Every declared slot needs a handler somewhere in the crate, or the crate does not compile:
///
/// ```compile_fail,E0080
/// # use axum::response::Html;
/// # use parallel_routes::prelude::*;
/// #[layout(slots(latest, archive))]
/// async fn dashboard(latest: Fragment, archive: Fragment) -> Html<String> {
///     Html(format!("{latest}{archive}"))
/// }
///
/// #[slot(dashboard, latest)]
/// async fn latest() -> &'static str { "latest" }
/// // error: layout `dashboard` has no handler for slot `archive`:
/// //        add `#[slot(dashboard, archive)]` to an async fn
/// ```
#[doc(inline)]
pub use parallel_routes_macros::layout;

/// Registers an async fn as the handler of one slot of a layout: Next.js' `@slot/page.tsx`.
///
/// ```text
/// #[slot(dashboard, latest)]                        the layout fn's path, the slot's name
/// #[slot(crate::pages::dashboard, latest)]          the layout may be in another module
/// #[slot(dashboard, latest, state = AppState)]      the state extractors are checked against
/// ```
///
/// The parameters are axum extractors of the request head (`FromRequestParts`): `State`,
/// `Path`, `Query`, headers, your own. A slot cannot take the request body (`Json`, `Form`,
/// `String`, `Bytes`): all slots of a page share one request, and the error says so at the
/// parameter. Arguments are checked against the state type of a `State<T>` parameter, else
/// `()`; an extractor implemented only for your app's state needs `state = AppState`.
///
/// The handler returns any [`IntoFragment`]: `Html<_>` and [`Fragment`] are trusted HTML,
/// `String` and `&'static str` are escaped text.
///
/// Slots must be in the same crate as their layout. A name the layout does not declare, a
/// layout that does not exist, and two handlers for one slot are compile errors:
///
/// ```compile_fail
/// # use axum::response::Html;
/// # use parallel_routes::prelude::*;
/// #[layout(slots(latest))]
/// async fn dashboard(latest: Fragment) -> Html<String> { Html(latest.to_string()) }
///
/// #[slot(dashboard, latest)]
/// async fn latest() -> &'static str { "latest" }
///
/// #[slot(dashboard, lates)]
/// async fn typo() -> &'static str { "typo" }
/// // error: layout `dashboard` has no slot named `lates`; expected one of `latest`
/// ```
#[doc(inline)]
pub use parallel_routes_macros::slot;

/// Registers an async fn as a layout's page, its `children`: Next.js' `page.tsx`.
///
/// `#[page(dashboard)]` is `#[slot(dashboard, children)]`; it takes the same options as
/// [`slot`]. The layout must take a `children: Fragment` parameter.
///
/// ```
/// use axum::response::Html;
/// use parallel_routes::prelude::*;
///
/// #[layout(slots(sidebar))]
/// async fn docs(sidebar: Fragment, children: Fragment) -> Html<String> {
///     Html(format!("<nav>{sidebar}</nav><main>{children}</main>"))
/// }
///
/// #[slot(docs, sidebar)]
/// async fn sidebar() -> Html<&'static str> {
///     Html("<a href=\"/docs\">Docs</a>")
/// }
///
/// #[page(docs)]
/// async fn introduction() -> &'static str {
///     "Welcome to the docs"
/// }
///
/// let app: axum::Router = docs::router(); // GET /docs, /docs/@sidebar, /docs/@children
/// ```
#[doc(inline)]
pub use parallel_routes_macros::page;

/// Everything a page module needs: `use parallel_routes::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Cache, Failure, Fragment, Head, Interrupt, IntoFragment, SlotError, layout, page, slot,
    };
}

/// The README's Rust examples, compiled as doctests (with the features they use: `cargo test
/// --workspace` has them, through the tests crate).
#[cfg(all(doctest, feature = "askama", feature = "maud"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// Items used by the macros' generated code. Not public API: no stability guarantees.
#[doc(hidden)]
pub mod __private {
    pub use crate::boundary::{Depends, Rendered, SlotMeta, run_slot};
    pub use crate::cache::{
        CacheMeta, CacheSafe, Lookup, cache_safe, cached, lookup as cache_lookup,
    };
    pub use crate::error::{
        HeadProbe, NoHeadProbe, SlotOutcome, SlotOutput, StreamedOutput, streamed_output,
    };
    pub use crate::head::Head;
    pub use crate::join::{Cell, Cons, Nil, join_fragments};
    pub use crate::page::{
        Fragments, LayoutGuard, LayoutHandler, NestedPage, OwnPage, Page, ParentLayout,
        SlotEndpoint, Unlisted, fragment, start,
    };
    pub use crate::partial::{
        BoxedSlot, Child as PartialChild, Metas, Navigation, child as partial_child,
        level as partial_level, navigate, navigating, navigation, plan, rendered_at,
        respond as respond_partial, stop_navigating,
    };
    pub use crate::registry::{Chosen, Missing, NoHandler, same_str};
    pub use crate::respond::{Rest, render, run, run_nested};
    pub use crate::route::{Found, Routes, rejection as route_rejection};
    pub use crate::slot::{
        LayoutArg, SlotArg, SlotCall, SlotHandler, extract, layout_arg, slot_arg,
    };
    pub use crate::stream::{
        levels as stream_levels, nested as stream_nested, page as stream_page,
    };
    pub use crate::timing::requested as timing_requested;
    pub use crate::when::{Guard, refused, when};
    pub use axum;
    pub use futures_util::future::Either;
    pub use parallel_routes_macros::__error as error;
    pub use parallel_routes_macros::__unlisted as unlisted;
    pub use std::time::{Duration, Instant};
}
