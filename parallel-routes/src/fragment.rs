//! Rendered HTML and the conversions into it.
//!
//! A slot handler returns something that *becomes* HTML; the layout receives the result as a
//! [`Fragment`]. Which return types are trusted as markup and which are escaped as text is
//! decided here, by the type, so that forgetting to escape is not possible by accident:
//!
//! | returned type | treated as |
//! |---|---|
//! | [`Fragment`] | HTML, as built |
//! | [`Html<T>`](axum::response::Html) | trusted HTML |
//! | `maud::Markup` (feature `maud`) | trusted HTML |
//! | [`Fragment::template`] of an askama template (feature `askama`) | trusted HTML |
//! | `String`, `&'static str`, `Cow<'static, str>` | **text**: `<`, `>`, `&`, `"`, `'` are escaped |
//!
//! ```
//! use parallel_routes::{Fragment, IntoFragment};
//! use axum::response::Html;
//!
//! assert_eq!("<b>hi</b>".into_fragment().as_str(), "&lt;b&gt;hi&lt;/b&gt;");
//! assert_eq!(Html("<b>hi</b>").into_fragment().as_str(), "<b>hi</b>");
//! assert_eq!(format!("<p>{}</p>", Fragment::text("a & b")), "<p>a &amp; b</p>");
//! ```

use std::borrow::Cow;
use std::fmt;

use axum::response::{Html, IntoResponse, Response};

/// A piece of rendered HTML: what a slot produced, ready to be placed into a layout.
///
/// `Display` writes the HTML unchanged, so a layout can stitch fragments with `format!`.
/// Build one with [`Fragment::html`] (trusted markup) or [`Fragment::text`] (escaped text), or
/// let [`IntoFragment`] convert a handler's return value.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Fragment(String);

impl Fragment {
    /// Trusted HTML, used as is. Never pass user input here; use [`Fragment::text`] for that.
    ///
    /// ```
    /// # use parallel_routes::Fragment;
    /// assert_eq!(Fragment::html("<em>new</em>").as_str(), "<em>new</em>");
    /// ```
    pub fn html(html: impl Into<String>) -> Self {
        Fragment(html.into())
    }

    /// Text, HTML-escaped so that it displays literally and cannot inject markup.
    ///
    /// ```
    /// # use parallel_routes::Fragment;
    /// assert_eq!(Fragment::text("<script>").as_str(), "&lt;script&gt;");
    /// ```
    pub fn text(text: impl AsRef<str>) -> Self {
        let text = text.as_ref();
        let mut out = String::with_capacity(text.len());
        escape_into(&mut out, text);
        Fragment(out)
    }

    /// The HTML as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HTML as an owned `String`, without copying.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether the fragment holds no HTML at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Appends `text` to `out` with the five HTML-significant characters replaced by entities.
///
/// Safe both in element content and inside quoted attribute values.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

impl fmt::Display for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Fragment").field(&self.0).finish()
    }
}

impl From<Fragment> for String {
    fn from(fragment: Fragment) -> String {
        fragment.0
    }
}

/// A fragment is a complete response too: `text/html; charset=utf-8`.
impl IntoResponse for Fragment {
    fn into_response(self) -> Response {
        Html(self.0).into_response()
    }
}

/// Conversion of a slot handler's return value into rendered HTML.
///
/// Strings are text and get escaped; [`Html`] and [`Fragment`] are trusted markup. See the
/// [module documentation](crate::fragment) for the full table.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be rendered into a slot",
    label = "a slot or page handler must return an `IntoFragment` type",
    note = "return `Html<String>` for trusted markup, `String` or `&'static str` for text that is escaped, or a `Fragment`"
)]
pub trait IntoFragment {
    /// Renders `self` as HTML.
    fn into_fragment(self) -> Fragment;
}

impl IntoFragment for Fragment {
    fn into_fragment(self) -> Fragment {
        self
    }
}

impl<T: Into<String>> IntoFragment for Html<T> {
    fn into_fragment(self) -> Fragment {
        Fragment(self.0.into())
    }
}

impl IntoFragment for String {
    fn into_fragment(self) -> Fragment {
        Fragment::text(self)
    }
}

impl IntoFragment for &'static str {
    fn into_fragment(self) -> Fragment {
        Fragment::text(self)
    }
}

impl IntoFragment for Cow<'static, str> {
    fn into_fragment(self) -> Fragment {
        Fragment::text(self)
    }
}

#[cfg(feature = "maud")]
mod maud_support {
    use super::{Fragment, IntoFragment};

    /// `maud::Markup` is escaped by maud as it is built, so it is trusted here.
    impl IntoFragment for maud::Markup {
        fn into_fragment(self) -> Fragment {
            Fragment(self.into_string())
        }
    }

    /// Lets a maud template splice a fragment with `(fragment)`, unescaped.
    impl maud::Render for Fragment {
        fn render_to(&self, buffer: &mut String) {
            buffer.push_str(&self.0);
        }
    }
}

#[cfg(feature = "askama")]
pub use askama_support::TemplateError;

#[cfg(feature = "askama")]
mod askama_support {
    use std::fmt;

    use super::Fragment;

    /// A fragment is HTML already (its text escaped when it was made), so an askama template
    /// writes `{{ latest }}` as it is, without `|safe`; text (`String`, `&str`) stays escaped.
    impl askama::filters::HtmlSafe for Fragment {}

    impl askama::FastWritable for Fragment {
        fn write_into(
            &self,
            dest: &mut dyn fmt::Write,
            _: &dyn askama::Values,
        ) -> askama::Result<()> {
            dest.write_str(&self.0)?;
            Ok(())
        }
    }

    /// A template that failed to render in a layout: with `?` on `template.render()`, a layout
    /// returns `Result<Html<String>, TemplateError>`, which answers `500` with nothing of the
    /// error in the body, and logs it. (A slot returns the error itself: its fallback shows.)
    ///
    /// ```
    /// # use askama::Template;
    /// # use axum::response::Html;
    /// # use parallel_routes::{prelude::*, TemplateError};
    /// #[derive(Template)]
    /// #[template(source = "<main>{{ children }}</main>", ext = "html")]
    /// struct Shell {
    ///     children: Fragment,
    /// }
    ///
    /// #[layout(slots())]
    /// async fn shell(children: Fragment) -> Result<Html<String>, TemplateError> {
    ///     Ok(Html(Shell { children }.render()?))
    /// }
    /// # #[page(shell)]
    /// # async fn home() -> &'static str { "" }
    /// ```
    #[derive(Debug)]
    pub struct TemplateError(pub askama::Error);

    impl From<askama::Error> for TemplateError {
        fn from(error: askama::Error) -> Self {
            TemplateError(error)
        }
    }

    impl fmt::Display for TemplateError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(&self.0, f)
        }
    }

    impl std::error::Error for TemplateError {}

    impl axum::response::IntoResponse for TemplateError {
        fn into_response(self) -> axum::response::Response {
            tracing::error!(error = %self.0, "a layout's template failed to render; answering 500");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }

    impl Fragment {
        /// Renders an askama template as a fragment of trusted HTML: askama escaped what it
        /// interpolated (a template of an HTML extension, or `escape = "html"`; a template
        /// that escapes nothing is as trusted as its own text). For a slot:
        /// `Fragment::template(&Latest { posts })`, whose error renders the slot's fallback.
        ///
        /// ```
        /// # use parallel_routes::Fragment;
        /// #[derive(askama::Template)]
        /// #[template(source = "<p>{{ name }}</p>{{ inner }}", ext = "html")]
        /// struct Card<'a> {
        ///     name: &'a str,
        ///     inner: Fragment,
        /// }
        ///
        /// let card = Card { name: "<Ada>", inner: Fragment::html("<b>bold</b>") };
        /// assert_eq!(
        ///     Fragment::template(&card).unwrap().as_str(),
        ///     "<p>&#60;Ada&#62;</p><b>bold</b>"
        /// );
        /// ```
        pub fn template(template: &impl askama::Template) -> askama::Result<Fragment> {
            template.render().map(Fragment)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_significant_characters() {
        assert_eq!(
            Fragment::text(r#"<a href="x">Tom & 'Jerry'</a>"#).as_str(),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn leaves_plain_and_non_ascii_text_alone() {
        assert_eq!(Fragment::text("café — naïve").as_str(), "café — naïve");
        assert_eq!(Fragment::text("").as_str(), "");
    }

    #[test]
    fn strings_are_text_and_html_is_trusted() {
        assert_eq!(String::from("<i>").into_fragment().as_str(), "&lt;i&gt;");
        assert_eq!(Cow::Borrowed("<i>").into_fragment().as_str(), "&lt;i&gt;");
        assert_eq!(Html(String::from("<i>")).into_fragment().as_str(), "<i>");
    }
}
