//! The shell of a streamed page: the layout rendered while the loading slots keep running,
//! the slots finished by then inlined, and the rest sent as they finish (see `encode`).

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::StreamExt;

use super::running::{Done, Pending, take_interrupt};
use super::{StreamMode, encode, markers};
use crate::error::layout_panicked;

static X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Whether the response is an HTML document, which the stream can edit.
fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            value.as_bytes().len() >= 9 && value.as_bytes()[..9].eq_ignore_ascii_case(b"text/html")
        })
}

impl Pending {
    /// Renders the layout while the loading slots keep running (a slot is never paused for the
    /// layout), then sends the page.
    pub(crate) async fn respond<F>(mut self, layout: &'static str, render: F) -> Response
    where
        F: Future<Output = std::thread::Result<Response>>,
    {
        let mut finished = std::mem::take(&mut self.early);
        let mut render = pin!(render);
        let running = &mut self.running;
        let rendered = poll_fn(|cx| {
            while let Poll::Ready(Some(done)) = running.futures.poll_next_unpin(cx) {
                finished.push(running.finished(done));
            }
            render.as_mut().poll(cx)
        })
        .await;
        match rendered {
            Ok(response) => self.into_response(layout, response, finished).await,
            Err(panic) => layout_panicked(layout, panic.as_ref()),
        }
    }

    /// Turns the layout's response into the streamed page: the shell, then each slot.
    /// `finished` are the loading slots that ended while the layout ran.
    async fn into_response(
        mut self,
        layout: &'static str,
        response: Response,
        mut finished: Vec<Done>,
    ) -> Response {
        if self.running.is_empty() && finished.is_empty() {
            // Every slot was in the layout's call: nothing to edit.
            return response;
        }
        // A layout that answers an error, or something other than HTML, is not streamed: its
        // response is sent whole, with every slot's content in place and no marker left.
        let streamed = response.status().is_success() && is_html(&response);
        let (mut parts, body) = response.into_parts();
        let Ok(shell) = axum::body::to_bytes(body, usize::MAX).await else {
            tracing::error!(layout, "the layout's response body failed; answering 500");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let mut shell = shell.to_vec();

        // Slots that finished while the layout ran are inlined too. Nothing has been sent yet,
        // so an interrupt among them still decides the response.
        finished.extend(self.running.ready());
        // A slot the layout did not print (an error page that shows none, a slot left out)
        // would never be seen: it is dropped rather than awaited.
        let (mode, id) = (self.mode, self.id);
        self.running.retain(|index| {
            markers::find(&shell, markers::bounds(mode, id, index).0.as_bytes()).is_some()
        });
        if !streamed {
            while !self.running.is_empty() {
                finished.extend(self.running.next_batch().await);
            }
        }
        if let Some((_, _, interrupt)) = take_interrupt(&mut finished) {
            return interrupt.into_response();
        }
        for (index, _, result) in finished {
            if let Ok(rendered) = result {
                let (start, end) = markers::bounds(self.mode, self.id, index);
                markers::replace_all(&mut shell, &start, &end, rendered.fragment.as_str());
            }
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        if self.running.is_empty() {
            // Everything is here: one write.
            return Response::from_parts(parts, Body::from(shell));
        }
        parts
            .headers
            .insert(X_ACCEL_BUFFERING.clone(), HeaderValue::from_static("no"));
        let chunks = match self.mode {
            StreamMode::OutOfOrder => {
                encode::out_of_order(layout, shell, self.running, self.id, self.nonce).boxed()
            }
            StreamMode::InOrder => {
                encode::in_order(layout, shell, self.running, self.id, self.nonce).boxed()
            }
        };
        // Fused: a body may be polled again after its end (tower-http's compression does),
        // which an `unfold` stream would answer with a panic.
        Response::from_parts(
            parts,
            Body::from_stream(chunks.map(Ok::<_, Infallible>).fuse()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_html_responses_are_streamed() {
        let html = axum::response::Html("x").into_response();
        assert!(is_html(&html));
        let text = "x".into_response();
        assert!(!is_html(&text));
        let mut upper = Response::default();
        upper.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("TEXT/HTML; charset=utf-8"),
        );
        assert!(is_html(&upper));
        assert!(!is_html(&Response::default()));
    }
}
