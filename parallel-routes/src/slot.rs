//! What a slot handler is to the router: a way to extract its arguments from the request head,
//! and a way to run it on them.
//!
//! `#[slot]` and `#[page]` implement [`SlotHandler`] for a marker type of the layout's generated
//! module; `#[layout]` calls every slot through it. Extraction and execution are separate so
//! that the page can extract every slot's arguments from one `&mut Parts`, one after another
//! (as axum does for the several extractors of one handler), and then run all slot bodies
//! concurrently on owned values: no copy of the request, no task per slot.

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::boundary::{Rendered, SlotMeta};
use crate::error::Interrupt;

/// A slot (or page) handler as the generated router sees it. Implemented by `#[slot]` and
/// `#[page]`; not meant to be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "the handler `{Self}` cannot be served with state `{S}`",
    note = "every extractor of a slot must implement `FromRequestParts<{S}>`; check the state type given to `Router::with_state`"
)]
pub trait SlotHandler<S>: Sized {
    /// The slot's names, fallback and loading placeholder.
    const META: &'static SlotMeta;

    /// Runs the handler's extractors on the request head. On success, returns a function of
    /// `timed` (the request asked for `Server-Timing`) that makes the handler's future —
    /// inside its error boundary, owning its arguments, no longer needing the request — whose
    /// `Err` is an [`Interrupt`]; a rejection is the response to send.
    ///
    /// The two steps are separate so that a page can extract every slot's arguments from its
    /// one `&mut Parts` in turn, then run all the slot futures concurrently; and the future is
    /// made by a function, where the page joins it, so that it is built in place rather than
    /// moved (its bytes copied) from one local to the next: the function carries only the
    /// extracted arguments.
    fn extract(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<impl SlotCall + use<Self, S>, Response>> + Send;
}

/// What [`SlotHandler::extract`] gives: the slot's extracted arguments, ready to be made into
/// its future — a closure `FnOnce(timed: bool) -> future`, in the generated code.
pub trait SlotCall: Send {
    /// The handler's future inside its error boundary.
    type Future: Future<Output = Result<Rendered, Interrupt>> + Send;

    /// Makes the future; `timed`: the request asked for `Server-Timing`.
    fn call(self, timed: bool) -> Self::Future;
}

impl<C, F> SlotCall for C
where
    C: FnOnce(bool) -> F + Send,
    F: Future<Output = Result<Rendered, Interrupt>> + Send,
{
    type Future = F;

    fn call(self, timed: bool) -> F {
        self(timed)
    }
}

/// An argument of a slot or page handler: an extractor that needs only the request head.
///
/// Blanket-implemented for every [`FromRequestParts<S>`] type. It exists for its error message:
/// `#[slot]` checks each argument against it, so that a body extractor such as `Json<T>` is
/// reported at the argument, with an explanation.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a slot handler argument: slot handlers only get the request head, so every argument must implement `FromRequestParts<{S}>`",
    label = "not a request-head extractor for state `{S}`",
    note = "slots cannot read the request body (`Json`, `Form`, `String`, `Bytes`, `Request`): all slots of a page share one request; read a body in its own handler",
    note = "if this extractor is implemented only for your app's state type, name that type: `#[slot(layout, slot, state = AppState)]`"
)]
pub trait SlotArg<S>: FromRequestParts<S> {}

#[diagnostic::do_not_recommend]
impl<S, T: FromRequestParts<S>> SlotArg<S> for T {}

/// An argument of a layout function other than its slots: an extractor that needs only the
/// request head. The counterpart of [`SlotArg`] for `#[layout]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a layout argument: a layout only gets the request head and its slots' fragments, so every other argument must implement `FromRequestParts<{S}>`",
    label = "not a request-head extractor for state `{S}`",
    note = "a layout cannot read the request body (`Json`, `Form`, `String`, `Bytes`, `Request`): it shares the one request with its slots; read a body in its own handler",
    note = "a parameter of type `Fragment` must be named after a declared slot or `children`",
    note = "if this extractor is implemented only for your app's state type, name that type: `#[layout(..., state = AppState)]`"
)]
pub trait LayoutArg<S>: FromRequestParts<S> {}

#[diagnostic::do_not_recommend]
impl<S, T: FromRequestParts<S>> LayoutArg<S> for T {}

/// Runs one extractor, turning its rejection into the response axum would send for it.
pub async fn extract<T, S>(parts: &mut Parts, state: &S) -> Result<T, Response>
where
    T: FromRequestParts<S>,
    S: Sync,
{
    T::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)
}

/// Never called: naming `slot_arg::<T, S>` checks that `T` can be a slot argument with state
/// `S`, reported at the user's type.
pub const fn slot_arg<T: SlotArg<S>, S>() {}

/// Never called: the counterpart of [`slot_arg`] for a layout's arguments.
pub const fn layout_arg<T: LayoutArg<S>, S>() {}
