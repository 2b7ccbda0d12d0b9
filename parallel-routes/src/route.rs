//! The runtime side of each layout's `Route` enum: which of the layout's routes a request path
//! is (with the same matcher axum routes with, so the two agree), its parameters decoded, and
//! the parameters encoded again for links.

use std::fmt;
use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// The characters a path parameter is percent-encoded for in a link: those that would end or
/// change the segment (`/`, `?`, `#`, `%`), and those a URL path does not carry as is.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A layout's routes, as full paths in axum's syntax (`/dashboard/day/{n}`), matched the way
/// axum matches them. Built on first use.
pub struct Routes {
    paths: &'static [&'static str],
    matcher: OnceLock<matchit::Router<usize>>,
}

impl Routes {
    /// The routes `paths`, in the order of the `Route` enum's variants.
    pub const fn new(paths: &'static [&'static str]) -> Self {
        Routes {
            paths,
            matcher: OnceLock::new(),
        }
    }

    /// The route of `path` (its place in `paths`) and its parameters, percent-decoded, in the
    /// order of the pattern; a `GET <route>/@<slot>` endpoint's path is its route's. `None` when
    /// the path is none of them, or a parameter is not UTF-8 once decoded.
    pub fn find(&self, path: &str) -> Option<(usize, Vec<String>)> {
        let matcher = self.matcher.get_or_init(|| {
            let mut matcher = matchit::Router::new();
            for (index, path) in self.paths.iter().enumerate() {
                // The macro checked these paths with the same matcher.
                let _ = matcher.insert(*path, index);
            }
            matcher
        });
        let matched = matcher.at(path).ok().or_else(|| {
            let (route, last) = path.rsplit_once('/')?;
            if !last.starts_with('@') {
                return None;
            }
            matcher.at(if route.is_empty() { "/" } else { route }).ok()
        })?;
        let params = matched
            .params
            .iter()
            .map(|(_, value)| {
                percent_decode_str(value)
                    .decode_utf8()
                    .ok()
                    .map(|value| value.into_owned())
            })
            .collect::<Option<Vec<String>>>()?;
        Some((*matched.value, params))
    }
}

/// A path parameter as it goes into a link: percent-encoded, so that it is one segment.
pub fn encode(param: &str) -> impl fmt::Display + '_ {
    utf8_percent_encode(param, SEGMENT)
}

/// The rejection of a layout's `Route` extractor on a path that is none of its routes (a
/// nested layout's path its parent does not list): a `500`, logged.
pub fn unmatched(layout: &'static str, path: &str) -> Response {
    tracing::error!(
        layout,
        path,
        "the path is none of the layout's routes, so its `Route` cannot be extracted; list it in `routes(...)`"
    );
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    static ROUTES: Routes = Routes::new(&[
        "/dashboard",
        "/dashboard/day/today",
        "/dashboard/day/{n}",
        "/dashboard/shop/{category}/sale",
    ]);

    #[test]
    fn a_path_finds_its_route_as_axum_would_and_its_parameters_decoded() {
        assert_eq!(ROUTES.find("/dashboard"), Some((0, vec![])));
        // A static segment wins over a parameter, as in axum.
        assert_eq!(ROUTES.find("/dashboard/day/today"), Some((1, vec![])));
        assert_eq!(ROUTES.find("/dashboard/day/3"), Some((2, vec!["3".into()])));
        assert_eq!(
            ROUTES.find("/dashboard/shop/t%C3%A9%2Fa/sale"),
            Some((3, vec!["té/a".into()]))
        );
        // A slot endpoint is its route's; a parameter may start with `@`.
        assert_eq!(ROUTES.find("/dashboard/@latest"), Some((0, vec![])));
        assert_eq!(
            ROUTES.find("/dashboard/day/@x/@latest"),
            Some((2, vec!["@x".into()]))
        );
        assert_eq!(
            ROUTES.find("/dashboard/day/@x"),
            Some((2, vec!["@x".into()]))
        );
        assert_eq!(ROUTES.find("/elsewhere"), None);
        assert_eq!(ROUTES.find("/dashboard/day/%FF"), None);
    }

    #[test]
    fn a_parameter_is_encoded_into_one_segment() {
        assert_eq!(encode("té/a b?#%").to_string(), "t%C3%A9%2Fa%20b%3F%23%25");
        assert_eq!(encode("plain-1.2_3~").to_string(), "plain-1.2_3~");
    }
}
