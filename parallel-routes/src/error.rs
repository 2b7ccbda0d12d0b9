//! What happens when a slot fails: error boundaries, and interrupts that decide the whole
//! response.
//!
//! A slot that returns `Err(e)`, panics, or runs past its `timeout_ms` renders its **error
//! fallback** in its place — Next.js' `error.tsx` — while the other slots and the layout render
//! normally and the status stays 200. The fallback is the slot's `error = f` function, or a
//! built-in `<div role="alert" data-slot-error="SLOT">` with a generic message. The client
//! never sees the error's text or a panic message; those are logged with `tracing` at `error`
//! level, with the layout and the slot.
//!
//! A slot that must decide the whole response instead — Next.js' `notFound()`, `redirect()` —
//! returns `Err(Interrupt)`: the page answers with that response and the other slots are
//! dropped.
//!
//! ```
//! use std::fmt;
//! use axum::response::Html;
//! use parallel_routes::prelude::*;
//! use parallel_routes::{Interrupt, SlotError, SlotErrorKind};
//!
//! #[derive(Debug)]
//! struct DbDown;
//! impl fmt::Display for DbDown {
//!     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str("db down") }
//! }
//!
//! #[layout("/posts/{id}", slots(comments))]
//! async fn post(comments: Fragment, children: Fragment) -> Html<String> {
//!     Html(format!("<article>{children}</article><aside>{comments}</aside>"))
//! }
//!
//! #[page(post)]
//! async fn body(axum::extract::Path(id): axum::extract::Path<u32>) -> Result<String, Interrupt> {
//!     if id == 0 {
//!         return Err(Interrupt::not_found()); // the whole page is a 404
//!     }
//!     Ok(format!("post {id}"))
//! }
//!
//! #[slot(post, comments, error = comments_failed, timeout_ms = 500)]
//! async fn comments() -> Result<Html<String>, DbDown> {
//!     Err(DbDown) // the comments box shows `comments_failed`; the post renders
//! }
//!
//! fn comments_failed(error: &SlotError) -> Html<&'static str> {
//!     match error.kind {
//!         SlotErrorKind::TimedOut(_) => Html("<p>Comments are slow today.</p>"),
//!         _ => Html("<p>Comments are unavailable.</p>"),
//!     }
//! }
//! # let _: axum::Router = post::router();
//! ```

use std::any::Any;
use std::fmt::{self, Display};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::fragment::{Fragment, IntoFragment};
use crate::head::Head;

/// Why a slot rendered its error fallback, as given to an `error = f` function.
#[derive(Debug, Clone)]
pub struct SlotError {
    /// The layout's name (its function's name).
    pub layout: &'static str,
    /// The slot's name (`children` for the page).
    pub slot: &'static str,
    /// What went wrong.
    pub kind: SlotErrorKind,
}

/// What went wrong in a slot.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SlotErrorKind {
    /// The handler returned `Err(e)`; this is `e.to_string()`.
    Failed(String),
    /// The handler panicked; this is the panic message, when it was a string.
    Panicked(String),
    /// The handler ran past its `timeout_ms`.
    TimedOut(Duration),
}

impl Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { layout, slot, kind } = self;
        match kind {
            SlotErrorKind::Failed(error) => {
                write!(f, "slot `{slot}` of `{layout}` failed: {error}")
            }
            SlotErrorKind::Panicked(message) => {
                write!(f, "slot `{slot}` of `{layout}` panicked: {message}")
            }
            SlotErrorKind::TimedOut(limit) => {
                write!(f, "slot `{slot}` of `{layout}` timed out after {limit:?}")
            }
        }
    }
}

impl std::error::Error for SlotError {}

/// A response that replaces the whole page: returned by a slot or page as `Err(Interrupt)`
/// (`Result<T, Interrupt>` is a handler return type), like Next.js' `notFound()` and
/// `redirect()`. The other slots of the page are dropped.
///
/// `Interrupt` is also `IntoResponse`, so a layout can return `Result<Html<String>, Interrupt>`.
///
/// ```
/// use parallel_routes::Interrupt;
/// use axum::response::IntoResponse;
///
/// let response = Interrupt::redirect("/login").into_response();
/// assert_eq!(response.status(), 303);
/// assert_eq!(response.headers()["location"], "/login");
/// ```
#[must_use = "an Interrupt only takes effect when returned as `Err(..)` from a handler"]
// Boxed: interrupts are rare, and every slot's future carries room for one.
pub struct Interrupt(Box<Response>);

impl Interrupt {
    /// `404 Not Found`.
    pub fn not_found() -> Self {
        Self::status(StatusCode::NOT_FOUND)
    }

    /// `403 Forbidden`.
    pub fn forbidden() -> Self {
        Self::status(StatusCode::FORBIDDEN)
    }

    /// `401 Unauthorized`.
    pub fn unauthorized() -> Self {
        Self::status(StatusCode::UNAUTHORIZED)
    }

    /// `303 See Other` to `uri`.
    ///
    /// A `uri` that a browser would read otherwise than it is written answers `500` (and is
    /// logged) instead: one holding a control character (a browser strips TAB, CR and LF, so
    /// `"/\t/evil.example"`, which an app's "starts with one `/`" check lets through, becomes
    /// `//evil.example`, another site); one with leading or trailing spaces (stripped too); one
    /// with a `\` before its query (read as `/`: `"/\\evil.example"` is `//evil.example`). The
    /// same for a `uri` that is not a valid header value. Other targets are the app's to check:
    /// a user-supplied `next` must still be checked to be a local path.
    ///
    /// ```
    /// # use parallel_routes::Interrupt;
    /// # use axum::response::IntoResponse;
    /// assert_eq!(Interrupt::redirect("/\t/evil.example").into_response().status(), 500);
    /// assert_eq!(Interrupt::redirect("/\\evil.example").into_response().status(), 500);
    /// assert_eq!(Interrupt::redirect("/search?q=a\\b").into_response().status(), 303);
    /// ```
    pub fn redirect(uri: impl AsRef<str>) -> Self {
        let uri = uri.as_ref();
        let before_query = uri.split(['?', '#']).next().unwrap_or_default();
        if uri.chars().any(char::is_control)
            || uri.starts_with(' ')
            || uri.ends_with(' ')
            || before_query.contains('\\')
        {
            tracing::error!(
                uri,
                "Interrupt::redirect: a browser would not read this URI as written (a control character, an outer space, or a `\\` before the query); answering 500"
            );
            return Self::status(StatusCode::INTERNAL_SERVER_ERROR);
        }
        match HeaderValue::try_from(uri) {
            Ok(location) => Self::response((StatusCode::SEE_OTHER, [(header::LOCATION, location)])),
            Err(_) => {
                tracing::error!(
                    uri,
                    "Interrupt::redirect: the URI is not a valid Location header; answering 500"
                );
                Self::status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// Any response.
    pub fn response(response: impl IntoResponse) -> Self {
        Interrupt(Box::new(response.into_response()))
    }

    fn status(status: StatusCode) -> Self {
        Self::response(status)
    }
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Interrupt").field(&self.0.status()).finish()
    }
}

impl IntoResponse for Interrupt {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// How a slot handler ended: rendered, failed or timed out (render the fallback), or interrupted
/// (the response). Used by the generated code.
#[doc(hidden)]
pub enum SlotOutcome {
    /// The slot rendered.
    Rendered(Fragment),
    /// The slot rendered, with a head: it returned `(Head, T)`.
    Headed(Fragment, Box<Head>),
    /// `Err(e)` with `e.to_string()`.
    Failed(String),
    /// `Err(Interrupt)`.
    Interrupted(Interrupt),
    /// Ran past `timeout_ms`.
    TimedOut(Duration),
}

/// A slot or page handler's return type: any [`IntoFragment`], `Result<T, E>` with
/// `T: IntoFragment, E: Display`, `Result<T, Interrupt>`, or `Result<T, Failure>`; and each of
/// these with `(Head, T)` in place of `T`, to contribute to the document head ([`Head`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be rendered into a slot",
    label = "a slot or page handler must return an `IntoFragment` type, or a `Result` of one",
    note = "return `Html<String>` for trusted markup, `String` or `&'static str` for text that is escaped, or a `Fragment`",
    note = "`Result<T, E>` renders the slot's error fallback on `Err` when `E: Display`; `Result<T, Interrupt>` replaces the whole response; `Result<T, Failure>` takes both with `?`"
)]
pub trait SlotOutput {
    /// Whether the handler may contribute to the document head (it returns `(Head, T)`).
    #[doc(hidden)]
    const HEAD: bool = false;

    /// Classifies the returned value.
    #[doc(hidden)]
    fn into_outcome(self) -> SlotOutcome;
}

impl<T: IntoFragment> SlotOutput for T {
    fn into_outcome(self) -> SlotOutcome {
        SlotOutcome::Rendered(self.into_fragment())
    }
}

impl<T: IntoFragment, E: Display> SlotOutput for Result<T, E> {
    fn into_outcome(self) -> SlotOutcome {
        match self {
            Ok(value) => SlotOutcome::Rendered(value.into_fragment()),
            Err(error) => SlotOutcome::Failed(error.to_string()),
        }
    }
}

impl<T: IntoFragment> SlotOutput for Result<T, Interrupt> {
    fn into_outcome(self) -> SlotOutcome {
        match self {
            Ok(value) => SlotOutcome::Rendered(value.into_fragment()),
            Err(interrupt) => SlotOutcome::Interrupted(interrupt),
        }
    }
}

/// A handler's error that `?` works with: any `std::error::Error` (a query's, a template's),
/// which renders the slot's fallback and is logged, or an [`Interrupt`], which answers for
/// the page — so one handler can both `?` a database call and answer 404 for a row that is
/// not there:
///
/// ```
/// use parallel_routes::{Failure, Fragment, Interrupt};
///
/// fn post(id: u32) -> Result<Fragment, Failure> {
///     let title: u32 = "not a number".parse::<u32>().or(Ok::<u32, std::num::ParseIntError>(id))?;
///     if title == 0 {
///         return Err(Interrupt::not_found().into());
///     }
///     Ok(Fragment::text(title.to_string()))
/// }
/// assert!(post(3).is_ok());
/// assert!(post(0).is_err());
/// ```
///
/// (It is not `Display`, as an `Interrupt` is not: a slot's `Result<T, E: Display>` is
/// classified by `E`.)
pub struct Failure(FailureKind);

enum FailureKind {
    Interrupt(Interrupt),
    Error(String),
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            FailureKind::Interrupt(interrupt) => f.debug_tuple("Failure").field(interrupt).finish(),
            FailureKind::Error(error) => f.debug_tuple("Failure").field(error).finish(),
        }
    }
}

impl From<Interrupt> for Failure {
    fn from(interrupt: Interrupt) -> Self {
        Failure(FailureKind::Interrupt(interrupt))
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(FailureKind::Error(error.to_string()))
    }
}

impl<T: IntoFragment> SlotOutput for Result<T, Failure> {
    fn into_outcome(self) -> SlotOutcome {
        match self {
            Ok(value) => SlotOutcome::Rendered(value.into_fragment()),
            Err(Failure(FailureKind::Interrupt(interrupt))) => SlotOutcome::Interrupted(interrupt),
            Err(Failure(FailureKind::Error(error))) => SlotOutcome::Failed(error),
        }
    }
}

/// A handler's output with the head it contributes: `(Head, T)`, or a `Result` of one.
fn headed<T: IntoFragment>((head, value): (Head, T)) -> SlotOutcome {
    SlotOutcome::Headed(value.into_fragment(), Box::new(head))
}

impl<T: IntoFragment> SlotOutput for (Head, T) {
    const HEAD: bool = true;

    fn into_outcome(self) -> SlotOutcome {
        headed(self)
    }
}

impl<T: IntoFragment, E: Display> SlotOutput for Result<(Head, T), E> {
    const HEAD: bool = true;

    fn into_outcome(self) -> SlotOutcome {
        match self {
            Ok(value) => headed(value),
            Err(error) => SlotOutcome::Failed(error.to_string()),
        }
    }
}

impl<T: IntoFragment> SlotOutput for Result<(Head, T), Interrupt> {
    const HEAD: bool = true;

    fn into_outcome(self) -> SlotOutcome {
        match self {
            Ok(value) => headed(value),
            Err(interrupt) => SlotOutcome::Interrupted(interrupt),
        }
    }
}

impl<T: IntoFragment> SlotOutput for Result<(Head, T), Failure> {
    const HEAD: bool = true;

    fn into_outcome(self) -> SlotOutcome {
        match self {
            Ok(value) => headed(value),
            Err(Failure(FailureKind::Interrupt(interrupt))) => SlotOutcome::Interrupted(interrupt),
            Err(Failure(FailureKind::Error(error))) => SlotOutcome::Failed(error),
        }
    }
}

/// `<HeadProbe<T>>::HEAD`: [`SlotOutput::HEAD`] of a handler's return type `T`, or `true`
/// (through [`NoHeadProbe`]) when `T` is not a `SlotOutput` — an error reported elsewhere, once.
#[doc(hidden)]
pub struct HeadProbe<T>(std::marker::PhantomData<T>);

impl<T: SlotOutput> HeadProbe<T> {
    /// Whether a handler returning `T` may set the head.
    pub const HEAD: bool = T::HEAD;
}

/// The fallback of [`HeadProbe`].
#[doc(hidden)]
pub trait NoHeadProbe {
    /// Not known: taken to.
    const HEAD: bool = true;
}

impl<T> NoHeadProbe for HeadProbe<T> {}

/// A loading slot's output: anything a slot may return but `(Head, T)`, which a streamed
/// slot cannot give (the head goes out with the shell, before it has run). `#[slot]` checks a
/// loading slot's handler against it.
#[diagnostic::on_unimplemented(
    message = "a slot with `loading` cannot return `{Self}`: its head would arrive after the shell that holds `<head>`",
    label = "a streamed slot cannot contribute to the document head",
    note = "return the content alone, and set the title from the page or from a slot without `loading`"
)]
pub trait StreamedOutput: sealed::Sealed {}

/// Keeps [`StreamedOutput`] to the crate's own impls: a type of the app's that implemented it
/// could carry a head into a streamed slot.
mod sealed {
    pub trait Sealed {}
}

#[diagnostic::do_not_recommend]
impl<T: IntoFragment> StreamedOutput for T {}

#[diagnostic::do_not_recommend]
impl<T: IntoFragment, E> StreamedOutput for Result<T, E> {}

impl<T: IntoFragment> sealed::Sealed for T {}

impl<T: IntoFragment, E> sealed::Sealed for Result<T, E> {}

/// Never called for its value: wrapping a loading slot's output checks it is a
/// [`StreamedOutput`], reported at the handler's return type.
#[inline(always)]
pub fn streamed_output<T: StreamedOutput>(output: T) -> T {
    output
}

/// The text of a panic's payload, for the log.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

/// The `500` for a layout that panicked, logged.
pub(crate) fn layout_panicked(layout: &'static str, panic: &(dyn Any + Send)) -> Response {
    tracing::error!(
        layout,
        panic = panic_message(panic),
        "layout panicked; answering 500"
    );
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_to_an_invalid_uri_is_a_500_not_a_broken_header() {
        let response = Interrupt::redirect("/next\nSet-Cookie: x=1").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get(header::LOCATION).is_none());
        let response = Interrupt::redirect(String::from("/login")).into_response();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
}
