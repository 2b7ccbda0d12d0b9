//! Conditional slots: `#[slot(dashboard, admin, when = is_admin)]`. The guard, an async fn of
//! request-head extractors returning `bool`, runs before any slot of the page starts; when it
//! answers `false`, the slot's own extractors and handler never run and it renders an empty
//! [`Fragment`](crate::Fragment) (`is_empty()`), so a layout shows one of two slots and only
//! that one runs. A rejection of one of the guard's extractors answers for the request, as any
//! extractor's does (take an `Option<T>` to treat a missing value as `false`).

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::panic::AssertUnwindSafe;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use crate::boundary::{Rendered, SlotMeta};
use crate::error::{Interrupt, panic_message};
use crate::fragment::Fragment;

/// A `when = f` guard: an async fn whose arguments are request-head extractors and which
/// returns `bool`. Implemented for such functions of up to eight arguments.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `when` guard with state `{S}`",
    label = "expected an `async fn` of request-head extractors returning `bool`",
    note = "a guard is written like a slot handler — `async fn is_admin(user: CurrentUser) -> bool` — and each argument must implement `FromRequestParts<{S}>`"
)]
pub trait Guard<S, T>: Sized {
    /// Extracts the guard's arguments from the request head and runs it.
    fn check(
        self,
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<bool, Response>> + Send;
}

macro_rules! guard {
    ($($arg:ident),*) => {
        impl<S, F, Fut, $($arg,)*> Guard<S, ($($arg,)*)> for F
        where
            S: Sync,
            F: FnOnce($($arg),*) -> Fut + Send,
            Fut: Future<Output = bool> + Send,
            $($arg: FromRequestParts<S> + Send,)*
        {
            #[allow(non_snake_case, unused_variables)]
            async fn check(self, parts: &mut Parts, state: &S) -> Result<bool, Response> {
                $(
                    let $arg = $arg::from_request_parts(parts, state)
                        .await
                        .map_err(IntoResponse::into_response)?;
                )*
                Ok(self($($arg),*).await)
            }
        }
    };
}

guard!();
guard!(T1);
guard!(T1, T2);
guard!(T1, T2, T3);
guard!(T1, T2, T3, T4);
guard!(T1, T2, T3, T4, T5);
guard!(T1, T2, T3, T4, T5, T6);
guard!(T1, T2, T3, T4, T5, T6, T7);
guard!(T1, T2, T3, T4, T5, T6, T7, T8);

/// Runs the `when` guard `guard` of slot `meta` on the request head: whether the slot runs. A
/// panic in the guard answers `500`, logged, as a layout's does.
pub async fn when<G, S, T>(
    guard: G,
    meta: &'static SlotMeta,
    parts: &mut Parts,
    state: &S,
) -> Result<bool, Response>
where
    G: Guard<S, T>,
{
    match AssertUnwindSafe(guard.check(parts, state))
        .catch_unwind()
        .await
    {
        Ok(allowed) => allowed,
        Err(panic) => {
            tracing::error!(
                layout = meta.layout,
                slot = meta.slot,
                panic = panic_message(panic.as_ref()),
                "a `when` guard panicked; answering 500"
            );
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// What a refused slot renders: an empty fragment, at once.
pub fn refused(meta: &'static SlotMeta) -> std::future::Ready<Result<Rendered, Interrupt>> {
    std::future::ready(Ok(Rendered::new(Fragment::default(), meta.slot, None)))
}
