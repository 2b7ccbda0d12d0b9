//! The runtime side of each layout's `Route` enum: which of the layout's routes a request path
//! is (with the same matcher axum routes with, so the two agree), its parameters decoded, and
//! the parameters encoded again for links.

use std::fmt;
use std::sync::OnceLock;

use axum::extract::MatchedPath;
use axum::http::StatusCode;
use axum::http::request::Parts;
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
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A layout's routes, as full paths in axum's syntax (`/dashboard/day/{n}`), matched the way
/// axum matches them (the same matcher, the same paths). Built on first use.
pub struct Routes {
    paths: &'static [&'static str],
    /// The parent layout's routes, for a nested layout: where links must not be misread either.
    parent: Option<fn() -> &'static Routes>,
    matcher: OnceLock<matchit::Router<usize>>,
}

/// In a request's extensions: the request is for an `@slot` endpoint, so its route is the
/// path without its last segment (`/shop/tea/@filters` is on `/shop/tea`). Put there by
/// [`SlotEndpoint`](crate::page::SlotEndpoint) before the guard runs, so that the `Route` of
/// every layout of the chain — including the ancestors of the layout whose slot it is, which
/// do not know that layout's slots — finds the page the fragment belongs to.
#[derive(Clone, Copy, Debug)]
pub struct FragmentRequest;

/// What a request path is to a layout's [`Routes`].
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Route number `.0` (the page or one of its `@slot` endpoints), with its parameters,
    /// percent-decoded, in the order of the pattern.
    Route(usize, Vec<String>),
    /// One of the routes, but a parameter is not UTF-8 once decoded (axum's `Path` answers
    /// such a request 400).
    BadParameter,
    /// None of the routes.
    Elsewhere,
}

impl Routes {
    /// The routes `paths`, in the order of the `Route` enum's variants; `parent`, the routes
    /// of the layout this one is nested in.
    pub const fn new(
        paths: &'static [&'static str],
        parent: Option<fn() -> &'static Routes>,
    ) -> Self {
        Routes {
            paths,
            parent,
            matcher: OnceLock::new(),
        }
    }

    /// Which route the request is on. axum tells which route pattern it matched
    /// ([`MatchedPath`]); when that is one of these routes (or, for an `@slot` endpoint —
    /// [`FragmentRequest`] — its page's), that is the route, whatever else the path could
    /// match: every level of a nested page agrees with axum, even where axum backtracked past
    /// a static segment of another route. Otherwise (the extractor used elsewhere, or under
    /// `Router::nest`, whose patterns carry the prefix), the path is matched among these
    /// routes.
    pub fn find_in(&self, parts: &Parts) -> Found {
        let fragment = parts.extensions.get::<FragmentRequest>().is_some();
        let path = parts.uri.path();
        let page = if fragment { page_of(path) } else { path };
        if let Some(matched) = parts.extensions.get::<MatchedPath>() {
            let pattern = if fragment {
                page_of(matched.as_str())
            } else {
                matched.as_str()
            };
            let found = self
                .paths
                .iter()
                .position(|path| path.trim_end_matches('/') == pattern.trim_end_matches('/'));
            if let Some(index) = found {
                return match params_of(self.paths[index], page) {
                    Some(Ok(params)) => Found::Route(index, params),
                    Some(Err(())) => Found::BadParameter,
                    None => self.find_page(page),
                };
            }
        }
        self.find_page(page)
    }

    /// The route whose pattern is `pattern` (another layout's, of the same tree: a parent
    /// lists the paths of the layouts nested in it), with the parameters of `path` read
    /// against it. So every level agrees on which route a path is, as axum would route it
    /// among all of them (a static route of a parent beats a nested layout's parameter).
    pub fn find_pattern(&self, pattern: &str, path: &str) -> Found {
        let found = self
            .paths
            .iter()
            .position(|own| own.trim_end_matches('/') == pattern.trim_end_matches('/'));
        match found.map(|index| (index, params_of(self.paths[index], path))) {
            Some((index, Some(Ok(params)))) => Found::Route(index, params),
            Some((_, Some(Err(())))) => Found::BadParameter,
            _ => Found::Elsewhere,
        }
    }

    /// The pattern of route number `index`.
    pub fn pattern(&self, index: usize) -> &'static str {
        self.paths.get(index).copied().unwrap_or_default()
    }

    /// Which route `page` is; for the index of a layout at `/ts/`, whose endpoints are at
    /// `/ts/@slot`, `/ts` is `/ts/`.
    fn find_page(&self, page: &str) -> Found {
        match self.find(page) {
            Found::Elsewhere if !page.ends_with('/') => self.find(&format!("{page}/")),
            found => found,
        }
    }

    /// Which route `path` is.
    pub fn find(&self, path: &str) -> Found {
        let matcher = self.matcher.get_or_init(|| {
            let mut matcher = matchit::Router::new();
            for (index, path) in self.paths.iter().enumerate() {
                // The macro checked these paths, and the router serves them, with the same
                // matcher.
                let _ = matcher.insert(*path, index);
            }
            matcher
        });
        let Ok(matched) = matcher.at(path) else {
            return Found::Elsewhere;
        };
        let params = matched
            .params
            .iter()
            .map(|(_, value)| {
                percent_decode_str(value)
                    .decode_utf8()
                    .ok()
                    .map(|value| value.into_owned())
            })
            .collect::<Option<Vec<String>>>();
        match params {
            Some(params) => Found::Route(*matched.value, params),
            None => Found::BadParameter,
        }
    }

    /// A path parameter as it goes into a link to one of these routes: percent-encoded, so
    /// that it is one segment, and, when it would be read as something else — a static
    /// segment of a route (`today` beside `/day/today`) or an `@slot` endpoint (`@latest`) —
    /// with its first character encoded too (`%74oday`, `%40latest`), which decodes to the
    /// same value.
    pub fn segment<'a>(&self, param: &'a str) -> Segment<'a> {
        let first = param.as_bytes().first().copied();
        let is_static = || self.has_static(param);
        match first {
            Some(first) if first.is_ascii() && (first == b'@' || is_static()) => {
                Segment::First(first, &param[1..])
            }
            _ => Segment::Whole(param),
        }
    }
}

impl Routes {
    /// Whether `segment` is a static segment of one of these routes or of a parent's.
    fn has_static(&self, segment: &str) -> bool {
        let own = self.paths.iter().any(|path| {
            path.split('/')
                .any(|part| part == segment && !part.contains('{'))
        });
        own || self
            .parent
            .is_some_and(|parent| parent().has_static(segment))
    }
}

/// The page an `@slot` endpoint's path (or pattern) belongs to: the path without its last
/// segment (`/shop/tea/@filters` → `/shop/tea`, `/@nav` → `/`).
fn page_of(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((page, _)) => page,
    }
}

/// The parameters of `path` read against `pattern` (axum's syntax), percent-decoded:
/// `None` if the path does not have the pattern's shape, `Some(Err(()))` if a parameter is not
/// UTF-8 once decoded.
fn params_of(pattern: &str, path: &str) -> Option<Result<Vec<String>, ()>> {
    let decode = |value: &str| {
        percent_decode_str(value)
            .decode_utf8()
            .map(|value| value.into_owned())
            .map_err(|_| ())
    };
    let pattern = pattern.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    let mut segments = path.split('/');
    let mut params = Vec::new();
    for part in pattern.split('/') {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if name.starts_with('*') {
                let rest: Vec<&str> = segments.by_ref().collect();
                params.push(decode(&rest.join("/")));
                continue;
            }
            params.push(decode(segments.next()?));
        } else if segments.next()? != part {
            return None;
        }
    }
    if segments.next().is_some() {
        return None;
    }
    Some(params.into_iter().collect())
}

/// A path parameter in a link; see [`Routes::segment`].
pub enum Segment<'a> {
    /// Percent-encoded where needed.
    Whole(&'a str),
    /// The first byte percent-encoded, then the rest as [`Segment::Whole`].
    First(u8, &'a str),
}

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Whole(param) => fmt::Display::fmt(&utf8_percent_encode(param, SEGMENT), f),
            Segment::First(first, rest) => {
                write!(f, "%{first:02X}")?;
                fmt::Display::fmt(&utf8_percent_encode(rest, SEGMENT), f)
            }
        }
    }
}

/// The rejection of a layout's `Route` extractor, when `found` is not a route: `400` for a
/// parameter that is not UTF-8 (as axum's `Path`), else (the extractor used on a path that is
/// none of the layout's: outside any page of it) `500`, logged.
pub fn rejection(layout: &'static str, path: &str, found: Found) -> Response {
    match found {
        Found::BadParameter => StatusCode::BAD_REQUEST.into_response(),
        Found::Route(..) | Found::Elsewhere => unmatched(layout, path),
    }
}

/// The rejection of a layout's `Route` extractor on a path that is none of its routes: a
/// `500`, logged.
fn unmatched(layout: &'static str, path: &str) -> Response {
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

    static ROUTES: Routes = Routes::new(
        &[
            "/dashboard",
            "/dashboard/day/today",
            "/dashboard/day/{n}",
            "/dashboard/shop/{category}/sale",
        ],
        None,
    );

    /// A layout nested in the one above, at `/dashboard/day/{n}`.
    static NESTED: Routes = Routes::new(&["/dashboard/day/{n}/{hour}"], Some(parent));

    fn parent() -> &'static Routes {
        &ROUTES
    }

    fn route(index: usize, params: &[&str]) -> Found {
        Found::Route(
            index,
            params.iter().map(|param| param.to_string()).collect(),
        )
    }

    #[test]
    fn a_path_finds_its_route_as_axum_would_and_its_parameters_decoded() {
        assert_eq!(ROUTES.find("/dashboard"), route(0, &[]));
        // A static segment wins over a parameter, as in axum.
        assert_eq!(ROUTES.find("/dashboard/day/today"), route(1, &[]));
        assert_eq!(ROUTES.find("/dashboard/day/3"), route(2, &["3"]));
        assert_eq!(
            ROUTES.find("/dashboard/shop/t%C3%A9%2Fa/sale"),
            route(3, &["té/a"])
        );
        // A parameter may start with `@`.
        assert_eq!(ROUTES.find("/dashboard/day/@x"), route(2, &["@x"]));
        assert_eq!(ROUTES.find("/elsewhere"), Found::Elsewhere);
        assert_eq!(ROUTES.find("/dashboard/day/%FF"), Found::BadParameter);
    }

    #[test]
    fn a_slot_endpoint_is_on_the_page_it_belongs_to() {
        let find = |path: &str, fragment: bool| {
            let mut parts = axum::http::Request::get(path)
                .body(())
                .unwrap()
                .into_parts()
                .0;
            if fragment {
                parts.extensions.insert(FragmentRequest);
            }
            ROUTES.find_in(&parts)
        };
        assert_eq!(find("/dashboard/@latest", true), route(0, &[]));
        assert_eq!(find("/dashboard/day/@x/@latest", true), route(2, &["@x"]));
        // Any slot's, including a nested layout's that this layout does not know.
        assert_eq!(find("/dashboard/day/3/@filters", true), route(2, &["3"]));
        assert_eq!(find("/dashboard/day/@x", false), route(2, &["@x"]));
        assert_eq!(find("/dashboard/@latest", false), Found::Elsewhere);
    }

    #[test]
    fn a_pattern_reads_its_parameters() {
        let ok = |params: &[&str]| Some(Ok(params.iter().map(|p| p.to_string()).collect()));
        assert_eq!(params_of("/d/{n}/x/{m}", "/d/1/x/a%2Fb"), ok(&["1", "a/b"]));
        assert_eq!(params_of("/ts/", "/ts"), ok(&[]));
        assert_eq!(params_of("/d/{n}", "/d/1/x"), None);
        assert_eq!(params_of("/d/{n}/x", "/d/1/y"), None);
        assert_eq!(params_of("/d/{n}", "/d/%FF"), Some(Err(())));
        assert_eq!(page_of("/@nav"), "/");
        assert_eq!(page_of("/shop/{c}/@filters"), "/shop/{c}");
    }

    #[test]
    fn a_nested_layouts_links_do_not_read_as_its_parents_routes() {
        // `today` is a static segment of the parent's routes only.
        assert_eq!(NESTED.segment("today").to_string(), "%74oday");
        assert_eq!(NESTED.segment("tomorrow").to_string(), "tomorrow");
    }

    #[test]
    fn a_parameter_is_encoded_into_one_segment_of_its_own_route() {
        let link = |param| ROUTES.segment(param).to_string();
        assert_eq!(link("té/a b?#%\\"), "t%C3%A9%2Fa%20b%3F%23%25%5C");
        assert_eq!(link("plain-1.2_3~"), "plain-1.2_3~");
        assert_eq!(link("today"), "%74oday");
        assert_eq!(link("@latest"), "%40latest");
        assert_eq!(link("a@b"), "a@b");
    }
}
