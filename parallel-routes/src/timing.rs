//! The `Server-Timing` header of a buffered page: one `name;dur=ms` entry per slot, so the
//! browser's devtools show which slot the page waited for.

use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

use crate::boundary::Rendered;

static SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// A `Server-Timing` header value, built once the slots have finished.
pub struct ServerTiming(Option<HeaderValue>);

impl ServerTiming {
    /// `latest;dur=12.3, archive;dur=0.4` for the given slots, timed from `started` (when the
    /// page started its slots) to each slot's end.
    pub fn of(started: Instant, slots: &[&Rendered]) -> Self {
        // Written by hand into a buffer of the exact size, which becomes the header value
        // without a copy: `format!` with a float costs more than the rest of this header,
        // which every buffered page sends. The buffer is the only allocation.
        let mut entries = [(0u64, 0u8); 8];
        let Some(entries) = entries.get_mut(..slots.len()) else {
            return ServerTiming(HeaderValue::try_from(Self::format(started, slots)).ok());
        };
        let mut len = slots.len().saturating_sub(1) * 2;
        for (entry, slot) in entries.iter_mut().zip(slots) {
            *entry = millis_and_tenths(slot.finished.saturating_duration_since(started));
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
        ServerTiming(HeaderValue::from_maybe_shared(Bytes::from(buffer)).ok())
    }

    /// More slots than the fast path handles.
    fn format(started: Instant, slots: &[&Rendered]) -> String {
        slots
            .iter()
            .map(|slot| {
                let (millis, tenths) =
                    millis_and_tenths(slot.finished.saturating_duration_since(started));
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

    #[test]
    fn one_entry_per_slot_in_milliseconds() {
        let started = Instant::now();
        let slot = |slot, micros| Rendered {
            slot,
            fragment: Fragment::default(),
            finished: started + Duration::from_micros(micros),
        };
        let (latest, archive) = (slot("latest", 12_345), slot("archive", 400));
        let response = ServerTiming::of(started, &[&latest, &archive]).add_to(Response::default());
        assert_eq!(
            response.headers()["server-timing"],
            "latest;dur=12.3, archive;dur=0.4"
        );
    }

    #[test]
    fn many_slots_take_the_slow_path() {
        let started = Instant::now();
        let slots: Vec<Rendered> = (0..40)
            .map(|_| Rendered {
                slot: "a_rather_long_slot_name",
                fragment: Fragment::default(),
                finished: started + Duration::from_millis(1),
            })
            .collect();
        let refs: Vec<&Rendered> = slots.iter().collect();
        let response = ServerTiming::of(started, &refs).add_to(Response::default());
        let value = response.headers()["server-timing"].to_str().unwrap();
        assert_eq!(value.matches("a_rather_long_slot_name;dur=1.0").count(), 40);
    }
}
