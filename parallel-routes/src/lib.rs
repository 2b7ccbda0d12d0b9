//! Next.js App Router *parallel routes* for [axum].
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

pub mod fragment;
mod page;
mod registry;
mod slot;

pub use fragment::{Fragment, IntoFragment};
pub use parallel_routes_macros::{layout, page, slot};

/// Everything a page module needs: `use parallel_routes::prelude::*;`.
pub mod prelude {
    pub use crate::{Fragment, IntoFragment, layout, page, slot};
}

/// Items used by the macros' generated code. Not public API: no stability guarantees.
#[doc(hidden)]
pub mod __private {
    pub use crate::page::{LayoutHandler, Page, SlotEndpoint};
    pub use crate::registry::{Chosen, Missing, NoHandler};
    pub use crate::slot::{LayoutArg, SlotArg, SlotHandler, extract, layout_arg, slot_arg};
    pub use axum::Router;
    pub use axum::http::request::Parts;
    pub use axum::response::{IntoResponse, Response};
    pub use axum::routing::get;
    pub use parallel_routes_macros::__error as error;
    pub use tokio::join;
}
