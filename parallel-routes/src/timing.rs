//! The `Server-Timing` header of a buffered page: one `name;dur=ms` entry per slot, so the
//! browser's devtools show which slot the page waited for. Opt-in, per request, with the
//! [`ServerTiming`] extension: the header discloses the app's slot names and timings.

use std::time::Instant;

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

use crate::boundary::SlotTiming;

static SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// Asks for a `Server-Timing` header: put it in a request's extensions, and a buffered page or
/// `@slot` endpoint answers with one `slot;dur=ms` entry per slot, for the browser's devtools.
///
/// Off by default, since it tells any client the names of your slots and how long each took
/// (Rails, likewise, sends it only in development). Without it, no clock is read for timing
/// and no header is built. Streamed pages never carry it: the header is gone before their
/// slots finish.
///
/// ```
/// use parallel_routes::ServerTiming;
///
/// # fn app() -> axum::Router { axum::Router::new() }
/// // In development, for every request:
/// let app: axum::Router = app().layer(axum::Extension(ServerTiming));
/// ```
///
/// For trusted clients only in production, insert it from your own middleware (after your
/// authentication) with `request.extensions_mut().insert(ServerTiming)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerTiming;

/// Whether the request asked for `Server-Timing`.
pub fn requested(parts: &Parts) -> bool {
    parts.extensions.get::<ServerTiming>().is_some()
}

/// A `Server-Timing` header value, built once the slots have finished.
pub struct TimingHeader(Option<HeaderValue>);

impl TimingHeader {
    /// `latest;dur=12.3, archive;dur=0.4` for the given slots, timed from `started` (when the
    /// page started its slots) to each slot's end; nothing when the request did not ask for
    /// timing (`started` is `None`).
    pub fn of<'a>(
        started: Option<Instant>,
        slots: impl IntoIterator<Item = &'a SlotTiming>,
    ) -> Self {
        let Some(started) = started else {
            return TimingHeader(None);
        };
        // Written by hand into a buffer of the exact size, which becomes the header value
        // without a copy: `format!` with a float costs more than the rest of this header,
        // which every buffered page sends. The buffer is the only allocation.
        let slots: Vec<&SlotTiming> = slots.into_iter().collect();
        if slots.is_empty() {
            // A page without slots: no header rather than an empty one.
            return TimingHeader(None);
        }
        let slots = &slots[..];
        let mut entries = [(0u64, 0u8); 8];
        let Some(entries) = entries.get_mut(..slots.len()) else {
            return TimingHeader(HeaderValue::try_from(Self::format(started, slots)).ok());
        };
        let mut len = slots.len().saturating_sub(1) * 2;
        for (entry, slot) in entries.iter_mut().zip(slots) {
            *entry = millis_and_tenths(elapsed(started, slot));
            len += slot.slot.len() + ";dur=".len() + digits(entry.0) + ".0".len();
        }
        let mut buffer = Vec::with_capacity(len);
        for (i, (slot, &(millis, tenths))) in slots.iter().zip(entries.iter()).enumerate() {
            if i > 0 {
                buffer.extend_from_slice(b", ");
            }
            buffer.extend_from_slice(slot.slot.as_bytes());
            buffer.extend_from_slice(b";dur=");
            let mut digits = [0u8; 20];
            let mut start = digits.len();
            let mut rest = millis;
            loop {
                start -= 1;
                digits[start] = b'0' + (rest % 10) as u8;
                rest /= 10;
                if rest == 0 {
                    break;
                }
            }
            buffer.extend_from_slice(&digits[start..]);
            buffer.extend_from_slice(&[b'.', b'0' + tenths]);
        }
        // Slot names are identifiers and durations digits: always a valid header value.
        // `Bytes` from a full `Vec` takes the allocation over as is.
        TimingHeader(HeaderValue::from_maybe_shared(Bytes::from(buffer)).ok())
    }

    /// More slots than the fast path handles.
    fn format(started: Instant, slots: &[&SlotTiming]) -> String {
        slots
            .iter()
            .map(|slot| {
                let (millis, tenths) = millis_and_tenths(elapsed(started, slot));
                format!("{};dur={millis}.{tenths}", slot.slot)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Appends the header to `response`.
    pub fn add_to(self, mut response: Response) -> Response {
        if let Some(value) = self.0 {
            response.headers_mut().append(SERVER_TIMING.clone(), value);
        }
        response
    }
}

/// From the page's start to the slot's end.
fn elapsed(started: Instant, slot: &SlotTiming) -> std::time::Duration {
    slot.finished.saturating_duration_since(started)
}

/// The number of decimal digits of `n`.
fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Whole milliseconds and the tenths digit, rounded down (integer formatting is several times
/// faster than `{:.1}` on a float, and this runs for every slot of every page).
fn millis_and_tenths(elapsed: std::time::Duration) -> (u64, u8) {
    // u64, not `as_micros`' u128: 128-bit division is a library call. u64 microseconds last
    // 584,000 years.
    let micros = elapsed.as_secs() * 1_000_000 + u64::from(elapsed.subsec_micros());
    (micros / 1000, (micros % 1000 / 100) as u8)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::Fragment;
    use crate::boundary::Rendered;

    fn timing(rendered: &Rendered) -> Option<&SlotTiming> {
        rendered.timing()
    }

    #[test]
    fn one_entry_per_slot_in_milliseconds() {
        let started = Instant::now();
        let slot = |slot, micros| {
            Rendered::new(
                Fragment::default(),
                slot,
                Some(started + Duration::from_micros(micros)),
            )
        };
        let (latest, archive) = (slot("latest", 12_345), slot("archive", 400));
        let response = TimingHeader::of(
            Some(started),
            [&latest, &archive].into_iter().filter_map(timing),
        )
        .add_to(Response::default());
        assert_eq!(
            response.headers()["server-timing"],
            "latest;dur=12.3, archive;dur=0.4"
        );
    }

    #[test]
    fn no_header_without_slots() {
        let response = TimingHeader::of(Some(Instant::now()), []).add_to(Response::default());
        assert!(response.headers().get("server-timing").is_none());
    }

    #[test]
    fn no_header_without_a_start() {
        let slot = Rendered::new(Fragment::default(), "latest", None);
        let response = TimingHeader::of(None, timing(&slot)).add_to(Response::default());
        assert!(response.headers().get("server-timing").is_none());
    }

    #[test]
    fn many_slots_take_the_slow_path() {
        let started = Instant::now();
        let slots: Vec<Rendered> = (0..40)
            .map(|_| {
                Rendered::new(
                    Fragment::default(),
                    "a_rather_long_slot_name",
                    Some(started + Duration::from_millis(1)),
                )
            })
            .collect();
        let response = TimingHeader::of(Some(started), slots.iter().filter_map(timing))
            .add_to(Response::default());
        let value = response.headers()["server-timing"].to_str().unwrap();
        assert_eq!(value.matches("a_rather_long_slot_name;dur=1.0").count(), 40);
    }
}
