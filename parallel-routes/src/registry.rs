//! How a layout finds its slots' handlers at compile time.
//!
//! `#[layout]` and `#[slot]` expand separately and never see each other's tokens. They meet in
//! the layout's generated module, which declares a marker type per (slot, route), e.g.
//! `dashboard::Handler<slot::latest, route::index>`:
//!
//! * every type has [`NoHandler::HAS_HANDLER`]` = false`, through a blanket trait impl;
//! * `#[slot]` adds an *inherent* `HAS_HANDLER = true` to its marker, which takes priority over
//!   the trait's in path resolution;
//! * the layout reads the `bool` in a `const` that panics with "add `#[slot(..)]`" when it is
//!   false, so a missing handler is an error even in a crate that never calls `router()`;
//! * and it picks the type to call with [`Chosen`]: the marker if it has a handler, else
//!   [`Missing`], which satisfies every bound so that the panic is the only error reported.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;

use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::boundary::{Depends, Rendered, SlotMeta};
use crate::error::Interrupt;
use crate::slot::{SlotCall, SlotHandler};

/// Default answer to "does this marker have a handler?": no. `#[slot]` overrides it with an
/// inherent const of the same name on its marker.
pub trait NoHandler {
    /// `false` unless an inherent const of the same name says otherwise.
    const HAS_HANDLER: bool = false;

    /// On the marker of a layout's `children` on one of its routes: `false` unless a nested
    /// layout serves that route (its `#[layout(..., parent = ...)]` adds an inherent const of
    /// the same name). The parent's router then leaves the route to the nested layout's.
    const NESTED: bool = false;

    /// With [`NoHandler::NESTED`]: the path of the nested layout that is the parent's
    /// `children` there (its own path, or that of the layout it is nested in below the
    /// parent), so that the parent can check that a route below a nested layout's path is that
    /// layout's.
    const NESTED_AT: &'static str = "";
}

/// `a == b`, in a `const` (where `==` on `str` is not available).
pub const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl<T: ?Sized> NoHandler for T {}

/// A type-level `if FOUND { H } else { Else }`, read through [`Pick`].
pub struct Select<const FOUND: bool, H, Else>(PhantomData<(H, Else)>);

/// The branch a [`Select`] takes.
pub trait Pick {
    /// The chosen type.
    type Output;
}

impl<H, Else> Pick for Select<true, H, Else> {
    type Output = H;
}

impl<H, Else> Pick for Select<false, H, Else> {
    type Output = Else;
}

/// `H` if `FOUND`, else `Else`.
pub type Chosen<const FOUND: bool, H, Else> = <Select<FOUND, H, Else> as Pick>::Output;

/// Stands in for a handler that does not exist. It only ever appears in a crate that already
/// fails to compile with "layout `x` has no handler for slot `y`", so it never runs; it
/// implements [`SlotHandler`] for every state so that no second error is reported.
pub enum Missing {}

impl<S> SlotHandler<S> for Missing {
    const META: &'static SlotMeta = &SlotMeta {
        layout: "",
        slot: "",
        fallback: None,
        loading: None,
        timeout: None,
        handler: "",
        depends: Depends::ALL,
        cache: None,
        head: false,
    };

    fn extract(
        _: &mut Parts,
        _: &S,
    ) -> impl Future<Output = Result<impl SlotCall + use<S>, Response>> + Send {
        ready(Err::<fn(bool) -> Ready<Result<Rendered, Interrupt>>, _>(
            StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        ))
    }
}
