//! The two encoders of a streamed body, and how either ends early when a slot interrupts the
//! page after its shell went out.

use std::collections::VecDeque;

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use futures_util::stream::{self, Stream, StreamExt};

use super::markers::{self, StreamId};
use super::running::{Done, Running, take_interrupt};
use crate::boundary::{SlotMeta, fallback};
use crate::error::{Interrupt, SlotError, SlotErrorKind};
use crate::fragment::Fragment;

/// The shell with the swap function, each slot in completion order, then the layout's closing
/// tags. Slots that finish together go out in one write.
pub(super) fn out_of_order(
    layout: &'static str,
    mut shell: Vec<u8>,
    running: Running,
    id: StreamId,
    nonce: Option<String>,
) -> impl Stream<Item = Bytes> + Send {
    let tail = shell.split_off(markers::document_end(&shell));
    let nonce = markers::nonce_attribute(nonce.as_deref());
    shell.extend_from_slice(format!("<script{nonce}>{}</script>", super::SWAP_SCRIPT).as_bytes());
    let state = OutOfOrder {
        layout,
        running,
        tail: Some(tail),
        id,
        nonce,
    };
    stream::once(async { Bytes::from(shell) }).chain(stream::unfold(
        state,
        |mut state| async move {
            let chunk = state.next_chunk().await?;
            Some((Bytes::from(chunk), state))
        },
    ))
}

struct OutOfOrder {
    layout: &'static str,
    running: Running,
    /// The layout's closing tags, until they are sent.
    tail: Option<Vec<u8>>,
    id: StreamId,
    nonce: String,
}

impl OutOfOrder {
    async fn next_chunk(&mut self) -> Option<Vec<u8>> {
        self.tail.as_ref()?;
        let mut batch = self.running.next_batch().await;
        let mut chunk = Vec::new();
        if let Some(interrupted) = take_interrupt(&mut batch) {
            // Nothing more of any slot is sent: every slot not yet sent shows its fallback.
            let ending = Ending::new(self.layout, interrupted, &mut self.running, batch);
            chunk.extend_from_slice(ending.follow(&self.nonce).as_bytes());
            for (index, content) in ending.fallbacks() {
                markers::swap(&mut chunk, self.id, index, content.as_str(), &self.nonce);
            }
            chunk.extend_from_slice(&self.tail.take()?);
            return Some(chunk);
        }
        for (index, _, result) in batch {
            if let Ok(rendered) = result {
                let content = rendered.fragment;
                markers::swap(&mut chunk, self.id, index, content.as_str(), &self.nonce);
            }
        }
        if self.running.is_empty() {
            chunk.extend_from_slice(&self.tail.take()?);
        }
        Some(chunk)
    }
}

/// A piece of an in-order page.
enum Segment {
    Text(Bytes),
    Slot(usize),
}

/// The shell cut at each slot's marker, sent in document order: everything up to the first
/// slot not yet arrived goes out at once, the rest as each such slot arrives. A slot printed
/// twice is sent in both places.
pub(super) fn in_order(
    layout: &'static str,
    shell: Vec<u8>,
    running: Running,
    id: StreamId,
    nonce: Option<String>,
) -> impl Stream<Item = Bytes> + Send {
    let mut segments = VecDeque::new();
    let mut rest = &shell[..];
    'cut: loop {
        // The earliest marker of a slot still running.
        let next = running
            .pending
            .iter()
            .filter_map(|&(index, _)| {
                let marker = markers::in_order_marker(id, index);
                markers::find(rest, marker.as_bytes()).map(|at| (at, index, marker.len()))
            })
            .min();
        let Some((at, index, len)) = next else {
            break 'cut;
        };
        segments.push_back(Segment::Text(Bytes::copy_from_slice(&rest[..at])));
        segments.push_back(Segment::Slot(index));
        rest = &rest[at + len..];
    }
    segments.push_back(Segment::Text(Bytes::copy_from_slice(rest)));
    let state = InOrder {
        layout,
        segments,
        running,
        arrived: Vec::new(),
        nonce: markers::nonce_attribute(nonce.as_deref()),
    };
    stream::unfold(state, |mut state| async move {
        let chunk = state.next_chunk().await?;
        Some((Bytes::from(chunk), state))
    })
}

struct InOrder {
    layout: &'static str,
    segments: VecDeque<Segment>,
    running: Running,
    /// Slots that have arrived, kept for every place the layout prints them.
    arrived: Vec<(usize, &'static SlotMeta, Fragment)>,
    nonce: String,
}

impl InOrder {
    async fn next_chunk(&mut self) -> Option<Vec<u8>> {
        let mut chunk = Vec::new();
        let mut batch = self.running.ready();
        loop {
            if let Some(interrupted) = take_interrupt(&mut batch) {
                return Some(self.end(interrupted, batch, chunk));
            }
            for (index, meta, result) in batch.drain(..) {
                if let Ok(rendered) = result {
                    self.arrived.push((index, meta, rendered.fragment));
                }
            }
            match self.segments.front() {
                None => break,
                Some(Segment::Text(text)) => {
                    chunk.extend_from_slice(text);
                    self.segments.pop_front();
                }
                Some(&Segment::Slot(index)) => {
                    if let Some((_, _, content)) = self.arrived.iter().find(|a| a.0 == index) {
                        chunk.extend_from_slice(content.as_str().as_bytes());
                        self.segments.pop_front();
                    } else if !chunk.is_empty() {
                        // Send what is ready before waiting.
                        break;
                    } else {
                        batch = self.running.next_batch().await;
                        if batch.is_empty() {
                            // Not a running slot: nothing will come for it.
                            self.segments.pop_front();
                        }
                    }
                }
            }
        }
        (!chunk.is_empty()).then_some(chunk)
    }

    /// The rest of the document at once, every slot not yet sent replaced by its fallback —
    /// those that arrived but wait behind an earlier slot too — and the stream ends.
    fn end(
        &mut self,
        interrupted: (usize, &'static SlotMeta, Interrupt),
        batch: Vec<Done>,
        mut chunk: Vec<u8>,
    ) -> Vec<u8> {
        for (index, meta, _) in self.arrived.drain(..) {
            self.running.pending.push((index, meta));
        }
        let ending = Ending::new(self.layout, interrupted, &mut self.running, batch);
        chunk.extend_from_slice(ending.follow(&self.nonce).as_bytes());
        let fallbacks = ending.fallbacks();
        for segment in self.segments.drain(..) {
            match segment {
                Segment::Text(text) => chunk.extend_from_slice(&text),
                Segment::Slot(index) => {
                    if let Some((_, content)) = fallbacks.iter().find(|(i, _)| *i == index) {
                        chunk.extend_from_slice(content.as_str().as_bytes());
                    }
                }
            }
        }
        chunk
    }
}

/// A page that a slot interrupted after its shell went out: the status can no longer change,
/// but the page ends at once. Every slot not yet sent — the interrupting one, those finished
/// with it, those still running (dropped here) — shows its error fallback, and a redirect is
/// followed by the browser.
struct Ending {
    location: Option<String>,
    dropped: Vec<(usize, &'static SlotMeta, SlotError)>,
}

impl Ending {
    fn new(
        layout: &'static str,
        (index, meta, interrupt): (usize, &'static SlotMeta, Interrupt),
        running: &mut Running,
        finished_with_it: Vec<Done>,
    ) -> Self {
        let response = interrupt.into_response();
        let status = response.status();
        let location = status
            .is_redirection()
            .then(|| response.headers().get(header::LOCATION))
            .flatten()
            .and_then(|location| std::str::from_utf8(location.as_bytes()).ok())
            .filter(|location| {
                let followable = markers::followable(location);
                if !followable {
                    tracing::error!(
                        layout,
                        slot = meta.slot,
                        location,
                        "a redirect after the streamed shell is not followed: only relative, http and https URLs are"
                    );
                }
                followable
            })
            .map(str::to_owned);
        let mut slots = vec![(index, meta)];
        slots.extend(
            finished_with_it
                .into_iter()
                .map(|(index, meta, _)| (index, meta)),
        );
        slots.extend(running.drop_all());
        tracing::error!(
            layout,
            slot = meta.slot,
            %status,
            dropped = slots.len() - 1,
            "slot interrupted a streamed page after its shell was sent; ending the page, every slot not yet sent shows its error fallback"
        );
        let reason = format!(
            "the page was interrupted ({status}) by slot `{}` after its shell was sent",
            meta.slot
        );
        let dropped = slots
            .into_iter()
            .map(|(index, meta)| {
                let error = SlotError {
                    layout: meta.layout,
                    slot: meta.slot,
                    kind: SlotErrorKind::Failed(reason.clone()),
                };
                (index, meta, error)
            })
            .collect();
        Ending { location, dropped }
    }

    /// The redirect to follow, if the interrupt was one.
    fn follow(&self, nonce: &str) -> String {
        self.location
            .as_deref()
            .map(|location| markers::follow(location, nonce))
            .unwrap_or_default()
    }

    /// Each slot's fallback, by its place in the layout.
    fn fallbacks(&self) -> Vec<(usize, Fragment)> {
        self.dropped
            .iter()
            .map(|(index, meta, error)| (*index, fallback(meta, error)))
            .collect()
    }
}
