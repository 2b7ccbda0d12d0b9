//! The `Server-Timing` header of a buffered page: one `name;dur=ms` entry per slot, so the
//! browser's devtools show which slot the page waited for.

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

use crate::boundary::Rendered;

static SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// A `Server-Timing` header value, built once the slots have finished.
pub struct ServerTiming(Option<HeaderValue>);

impl ServerTiming {
    /// `latest;dur=12.3, archive;dur=0.4` for the given slots.
    pub fn of(slots: &[&Rendered]) -> Self {
        // Written by hand on the stack: `format!` with a float costs more than the rest of
        // this header, which every buffered page sends. The header value is the only
        // allocation.
        let mut buffer = [0u8; 512];
        let mut len = 0;
        for (i, slot) in slots.iter().enumerate() {
            let (millis, tenths) = millis_and_tenths(slot.elapsed);
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
            let separator: &[u8] = if i == 0 { b"" } else { b", " };
            let parts: [&[u8]; 6] = [
                separator,
                slot.slot.as_bytes(),
                b";dur=",
                &digits[start..],
                b".",
                &[b'0' + tenths],
            ];
            for part in parts {
                let Some(target) = buffer.get_mut(len..len + part.len()) else {
                    // More slots than 512 bytes hold: format on the heap instead.
                    return ServerTiming(HeaderValue::try_from(Self::format(slots)).ok());
                };
                target.copy_from_slice(part);
                len += part.len();
            }
        }
        // Slot names are identifiers and durations digits: always a valid header value.
        ServerTiming(HeaderValue::from_bytes(&buffer[..len]).ok())
    }

    fn format(slots: &[&Rendered]) -> String {
        slots
            .iter()
            .map(|slot| {
                let (millis, tenths) = millis_and_tenths(slot.elapsed);
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
    use std::time::Duration;

    use super::*;
    use crate::Fragment;

    #[test]
    fn one_entry_per_slot_in_milliseconds() {
        let slot = |slot, micros| Rendered {
            slot,
            fragment: Fragment::default(),
            elapsed: Duration::from_micros(micros),
        };
        let (latest, archive) = (slot("latest", 12_345), slot("archive", 400));
        let response = ServerTiming::of(&[&latest, &archive]).add_to(Response::default());
        assert_eq!(
            response.headers()["server-timing"],
            "latest;dur=12.3, archive;dur=0.4"
        );
    }

    #[test]
    fn many_slots_overflow_to_the_heap() {
        let slots: Vec<Rendered> = (0..40)
            .map(|_| Rendered {
                slot: "a_rather_long_slot_name",
                fragment: Fragment::default(),
                elapsed: Duration::from_millis(1),
            })
            .collect();
        let refs: Vec<&Rendered> = slots.iter().collect();
        let response = ServerTiming::of(&refs).add_to(Response::default());
        let value = response.headers()["server-timing"].to_str().unwrap();
        assert_eq!(value.matches("a_rather_long_slot_name;dur=1.0").count(), 40);
    }
}
