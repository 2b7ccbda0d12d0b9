//! The document head: a page's `<title>`, `<meta>` and `<link>` tags, contributed by the
//! handlers that know them and written by the layout that owns `<head>`.
//!
//! A page or slot handler returns `(Head, T)` instead of `T`; a layout takes a parameter
//! `head: Head` and receives the merged head of its page and slots (for the outermost layout,
//! of every level below too). The page's values win over a slot's, a nested level's over its
//! parent's:
//!
//! ```
//! use axum::response::Html;
//! use parallel_routes::prelude::*;
//!
//! #[layout(slots(related))]
//! async fn post(head: Head, related: Fragment, children: Fragment) -> Html<String> {
//!     // `{head}` writes `<title>` and the tags, every value escaped.
//!     Html(format!("<!doctype html><html><head>{head}</head><body>{children}{related}</body></html>"))
//! }
//!
//! #[page(post)]
//! async fn article() -> (Head, Html<&'static str>) {
//!     let head = Head::title("Fish & chips").meta("description", "A recipe");
//!     (head, Html("<article>…</article>"))
//! }
//!
//! #[slot(post, related)]
//! async fn related() -> (Head, &'static str) {
//!     // The page's title wins; this slot's link is kept.
//!     (Head::title("Related").link("next", "/post/2"), "Related posts")
//! }
//! # let app: axum::Router = post::router();
//! ```
//!
//! A slot with `loading = f` cannot contribute: the head goes out with the shell, before the
//! slot has run, and returning `(Head, T)` from one is a compile error.

use std::fmt;

use crate::fragment::escape_into;

/// A page's `<title>`, `<meta name>` and `<link>` tags; see the [module documentation](self).
///
/// Values are kept as given and escaped when the head is written (`Display`), so any string
/// is safe to put in. A `Head` does not check what a URL points to: a `link` to a stylesheet
/// from user input is the app's to vet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    title: Option<String>,
    metas: Vec<(String, String)>,
    links: Vec<(String, String)>,
}

impl Head {
    /// An empty head: writes nothing.
    pub const fn new() -> Self {
        Head {
            title: None,
            metas: Vec::new(),
            links: Vec::new(),
        }
    }

    /// A head with the page's title.
    pub fn title(title: impl Into<String>) -> Self {
        Head::new().with_title(title)
    }

    /// This head with its title replaced.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds `<meta name="…" content="…">`, replacing an earlier one of the same name (compared
    /// without regard to ASCII case).
    #[must_use]
    pub fn meta(mut self, name: impl Into<String>, content: impl Into<String>) -> Self {
        set_meta(&mut self.metas, name.into(), content.into());
        self
    }

    /// Adds `<link rel="…" href="…">` (once: the same `rel` and `href` twice is one link).
    #[must_use]
    pub fn link(mut self, rel: impl Into<String>, href: impl Into<String>) -> Self {
        add_link(&mut self.links, rel.into(), href.into());
        self
    }

    /// The title, if one was set.
    pub fn title_text(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The `<meta>` tags' names and contents, in the order they were added.
    pub fn metas(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metas
            .iter()
            .map(|(name, content)| (name.as_str(), content.as_str()))
    }

    /// The `<link>` tags' `rel` and `href`, in the order they were added.
    pub fn links(&self) -> impl Iterator<Item = (&str, &str)> {
        self.links
            .iter()
            .map(|(rel, href)| (rel.as_str(), href.as_str()))
    }

    /// Whether the head has nothing to write.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.metas.is_empty() && self.links.is_empty()
    }

    /// `self` with `over` on top: `over`'s title if it has one, its metas replacing those of
    /// the same name, its links added. How a page's head goes over a slot's, and a nested
    /// level's over its parent's.
    #[must_use]
    pub fn merge(mut self, over: Head) -> Head {
        if self.is_empty() {
            return over;
        }
        if over.title.is_some() {
            self.title = over.title;
        }
        for (name, content) in over.metas {
            set_meta(&mut self.metas, name, content);
        }
        for (rel, href) in over.links {
            add_link(&mut self.links, rel, href);
        }
        self
    }
}

fn set_meta(metas: &mut Vec<(String, String)>, name: String, content: String) {
    match metas
        .iter_mut()
        .find(|(have, _)| have.eq_ignore_ascii_case(&name))
    {
        Some(meta) => meta.1 = content,
        None => metas.push((name, content)),
    }
}

fn add_link(links: &mut Vec<(String, String)>, rel: String, href: String) {
    if !links.iter().any(|(r, h)| *r == rel && *h == href) {
        links.push((rel, href));
    }
}

/// `<title>…</title><meta name="…" content="…"><link rel="…" href="…">`, every value escaped
/// (as text in the title, as a quoted attribute elsewhere). An empty head writes nothing.
impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_html())
    }
}

impl Head {
    /// The head as HTML; see [`Display`](#impl-Display-for-Head).
    fn to_html(&self) -> String {
        let mut html = String::new();
        if let Some(title) = &self.title {
            html.push_str("<title>");
            escape_into(&mut html, title);
            html.push_str("</title>");
        }
        for (name, content) in &self.metas {
            html.push_str(r#"<meta name=""#);
            escape_into(&mut html, name);
            html.push_str(r#"" content=""#);
            escape_into(&mut html, content);
            html.push_str(r#"">"#);
        }
        for (rel, href) in &self.links {
            html.push_str(r#"<link rel=""#);
            escape_into(&mut html, rel);
            html.push_str(r#"" href=""#);
            escape_into(&mut html, href);
            html.push_str(r#"">"#);
        }
        html
    }

    /// The title alone as `<title>…</title>`, or nothing: what a partial navigation sends,
    /// for htmx to set the document's title.
    pub(crate) fn title_html(&self) -> Option<String> {
        self.title.as_ref().map(|title| {
            let mut html = String::from("<title>");
            escape_into(&mut html, title);
            html.push_str("</title>");
            html
        })
    }

    /// Merges the heads of a level's finished slots into the one its layout receives: the
    /// slots' in page order, then `children`'s (the page, or the nested level) over them.
    pub(crate) fn of_level<'a>(heads: impl Iterator<Item = (&'static str, &'a mut Head)>) -> Head {
        let mut merged = Head::new();
        let mut children = None;
        for (slot, head) in heads {
            let head = std::mem::take(head);
            if slot == "children" {
                children = Some(head);
            } else {
                merged = merged.merge(head);
            }
        }
        match children {
            Some(children) => merged.merge(children),
            None => merged,
        }
    }
}

#[cfg(feature = "maud")]
impl maud::Render for Head {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.to_html());
    }
}

/// Written by askama as it is, without `|safe`: its values are escaped by its `Display`.
#[cfg(feature = "askama")]
impl askama::filters::HtmlSafe for Head {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_value_escaped() {
        let head = Head::title("</title><script>x</script>")
            .meta("description", r#"a "quote" & <b>"#)
            .link("canonical", r#"/p?a=1&b="2""#);
        assert_eq!(
            head.to_string(),
            "<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>\
             <meta name=\"description\" content=\"a &quot;quote&quot; &amp; &lt;b&gt;\">\
             <link rel=\"canonical\" href=\"/p?a=1&amp;b=&quot;2&quot;\">"
        );
        assert_eq!(Head::new().to_string(), "");
    }

    #[test]
    fn the_head_on_top_wins() {
        let slot = Head::title("Slot")
            .meta("Description", "slot")
            .meta("robots", "noindex")
            .link("next", "/2");
        let page = Head::title("Page")
            .meta("description", "page")
            .link("next", "/2")
            .link("prev", "/0");
        let merged = slot.merge(page);
        assert_eq!(merged.title_text(), Some("Page"));
        assert_eq!(
            merged.metas().collect::<Vec<_>>(),
            [("Description", "page"), ("robots", "noindex")]
        );
        assert_eq!(
            merged.links().collect::<Vec<_>>(),
            [("next", "/2"), ("prev", "/0")]
        );
        // A head without a title keeps the one below.
        assert_eq!(
            Head::title("Below")
                .merge(Head::new().meta("a", "b"))
                .title_text(),
            Some("Below")
        );
    }

    #[test]
    fn children_win_over_the_slots_in_any_order() {
        let mut heads = [
            ("children", Head::title("Page")),
            ("nav", Head::title("Nav").meta("a", "nav")),
            ("aside", Head::title("Aside")),
        ];
        let merged = Head::of_level(heads.iter_mut().map(|(slot, head)| (*slot, head)));
        assert_eq!(merged.title_text(), Some("Page"));
        assert_eq!(merged.metas().collect::<Vec<_>>(), [("a", "nav")]);
    }
}
