//! The marks a streamed page puts in its shell, written and found from one definition: the
//! per-response id, each slot's bounds, the end of the layout's own document, and the escaping
//! of what the stream writes into attributes and scripts.

use std::fmt;
use std::hash::BuildHasher;

use crate::fragment::escape_into;
use crate::stream::StreamMode;

/// A random id drawn for each streamed response, in every id and marker the stream writes.
///
/// The app cannot collide with it by accident (an element `id="pr-1"` of its own is left
/// alone), and content cannot forge it on purpose: it differs per response and is not
/// predictable (64 bits from std's randomly keyed SipHash).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct StreamId(u64);

impl StreamId {
    pub(crate) fn new() -> Self {
        // `RandomState::new` keys SipHash with the thread's random keys, one of them stepped for
        // each new state: a value a client cannot predict, different for every response.
        StreamId(std::collections::hash_map::RandomState::new().hash_one(0u8))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Where slot `index` starts and ends in the shell; the part between them is replaced by the
/// slot's content, in the shell or by `$PR`. In order, the start marker alone marks the place.
///
/// No quotes: a marker survives being written into a JSON string unchanged.
pub(crate) fn bounds(mode: StreamMode, id: StreamId, index: usize) -> (String, String) {
    match mode {
        StreamMode::OutOfOrder => (
            format!("<template id=pr-{id}-{index}></template>"),
            format!("<!--/pr-{id}-{index}-->"),
        ),
        StreamMode::InOrder => (in_order_marker(id, index), String::new()),
    }
}

/// The in-order marker of slot `index`: `<!--pr-R-N-->`.
pub(crate) fn in_order_marker(id: StreamId, index: usize) -> String {
    format!("<!--pr-{id}-{index}-->")
}

/// `<template id=prc-R-N>content</template><script>$PR("R",N)</script>`: slot `index`'s
/// content, inert until the script swaps it into every copy of its placeholder.
pub(crate) fn swap(chunk: &mut Vec<u8>, id: StreamId, index: usize, content: &str, nonce: &str) {
    chunk.extend_from_slice(
        format!(
            "<template id=prc-{id}-{index}>{content}</template><script{nonce}>$PR(\"{id}\",{index})</script>"
        )
        .as_bytes(),
    );
}

/// Replaces every `start` … `end` (both included; `end` empty: `start` alone) with `with`: a
/// layout may print a slot more than once. What `with` holds is not searched again.
pub(crate) fn replace_all(shell: &mut Vec<u8>, start: &str, end: &str, with: &str) {
    let mut from = 0;
    while let Some(at) = find(&shell[from..], start.as_bytes()) {
        let at = from + at;
        let to = if end.is_empty() {
            at + start.len()
        } else {
            match find(&shell[at..], end.as_bytes()) {
                Some(found) => at + found + end.len(),
                None => return,
            }
        };
        shell.splice(at..to, with.bytes());
        from = at + with.len();
    }
}

/// Where the streamed chunks go: before the layout's closing `</body>` and `</html>` (and the
/// whitespace around them) when its document ends with them, else after the whole shell.
///
/// Only the very end of the shell is looked at, never a `</body>` inside it, which may be a
/// slot's (in a `<script type="application/json">`, say). Content after `</html>` is still
/// placed in the body by every browser (the HTML parser's "after after body" mode).
pub(crate) fn document_end(shell: &[u8]) -> usize {
    let mut end = shell.len();
    for tag in [&b"</html>"[..], b"</body>"] {
        let trimmed = shell[..end].trim_ascii_end().len();
        if trimmed >= tag.len() && shell[trimmed - tag.len()..trimmed].eq_ignore_ascii_case(tag) {
            end = trimmed - tag.len();
        }
    }
    if end == shell.len() {
        end
    } else {
        // Keep the layout's whitespace before the closing tags where it was.
        shell[..end].trim_ascii_end().len()
    }
}

/// ` nonce="…"`, escaped, or nothing.
pub(crate) fn nonce_attribute(nonce: Option<&str>) -> String {
    match nonce {
        Some(nonce) => {
            let mut attribute = String::from(" nonce=\"");
            escape_into(&mut attribute, nonce);
            attribute.push('"');
            attribute
        }
        None => String::new(),
    }
}

/// What makes the browser follow a redirect that arrives after the shell:
/// `<script>location.replace("…")</script>` for browsers with JavaScript, and a
/// `<meta http-equiv="refresh">` for the others, each with the location escaped for its place.
pub(crate) fn follow(location: &str, nonce: &str) -> String {
    let mut meta_url = String::new();
    // Quotes would end the URL in the refresh's `url=` syntax; the URL parser percent-encodes
    // them in a query anyway.
    escape_into(
        &mut meta_url,
        &location.replace('"', "%22").replace('\'', "%27"),
    );
    format!(
        "<script{nonce}>location.replace({})</script><meta http-equiv=\"refresh\" content=\"0;url={meta_url}\">",
        js_string(location)
    )
}

/// Whether a redirect's target may be followed from the page: a relative URL, or an `http` or
/// `https` one. Never `javascript:` (it would run in the page, where a `Location` header never
/// does) nor `data:` and the like. Read as the URL parser does: leading and trailing spaces
/// and controls are stripped, and so are TAB, CR and LF anywhere.
pub(crate) fn followable(location: &str) -> bool {
    let url: String = location
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    match url.find([':', '/', '?', '#']) {
        Some(at) if url[at..].starts_with(':') => {
            let scheme = &url[..at];
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        }
        _ => true,
    }
}

/// A JavaScript string literal of `text` that cannot end its `<script>` element.
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_per_response_and_are_sixteen_hex_digits() {
        let (a, b) = (StreamId::new(), StreamId::new());
        assert_ne!(a, b);
        assert_eq!(a.to_string().len(), 16);
        assert!(a.to_string().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn replace_all_fills_every_copy_and_does_not_search_what_it_inserts() {
        let mut shell = b"<a>[S]x[E]</a><b>[S]y[E]</b>".to_vec();
        replace_all(&mut shell, "[S]", "[E]", "[S]1[E]");
        assert_eq!(shell, b"<a>[S]1[E]</a><b>[S]1[E]</b>");
        let mut shell = b"<!--m-->|<!--m-->".to_vec();
        replace_all(&mut shell, "<!--m-->", "", "c");
        assert_eq!(shell, b"c|c");
        let mut shell = b"[S] no end".to_vec();
        replace_all(&mut shell, "[S]", "[E]", "c");
        assert_eq!(shell, b"[S] no end");
    }

    #[test]
    fn the_document_end_is_the_layouts_closing_tags_only() {
        fn end(shell: &str) -> &str {
            &shell[document_end(shell.as_bytes())..]
        }
        assert_eq!(end("<body>x</body></html>"), "</body></html>");
        assert_eq!(end("<body>x</BODY>\n</HTML>\n"), "</BODY>\n</HTML>\n");
        assert_eq!(end("<body>x</body>"), "</body>");
        assert_eq!(end("<body>x</html>"), "</html>");
        // A `</body>` that is not at the end is not the layout's end.
        assert_eq!(
            end(r#"<script type="application/json">"</body>"</script><p>"#),
            ""
        );
        assert_eq!(end("<main>x</main>"), "");
    }

    #[test]
    fn redirects_are_escaped_for_the_script_and_the_attribute() {
        assert_eq!(
            follow("/a?b=\"<x>'&</script>", ""),
            "<script>location.replace(\"/a?b=\\\"\\u003cx\\u003e'\\u0026\\u003c/script\\u003e\")</script>\
             <meta http-equiv=\"refresh\" content=\"0;url=/a?b=%22&lt;x&gt;%27&amp;&lt;/script&gt;\">"
        );
    }

    #[test]
    fn only_relative_and_http_urls_are_followed() {
        for url in [
            "/login",
            "login?x=1",
            "https://example.com/",
            "HTTP://x",
            "?a",
            "#top",
        ] {
            assert!(followable(url), "{url}");
        }
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:x",
            "data:text/html,x",
            "vbscript:x",
        ] {
            assert!(!followable(url), "{url:?}");
        }
    }

    #[test]
    fn nonces_are_attribute_escaped() {
        assert_eq!(nonce_attribute(Some("a\"b<")), " nonce=\"a&quot;b&lt;\"");
        assert_eq!(nonce_attribute(None), "");
    }
}
