//! Partial page updates for htmx navigation (README "Navigation with htmx"): a page request
//! that htmx sends from another page of the same layout tree answers with only the slots that
//! change, each as an out-of-band swap into its container; the layout and the other slots do
//! not run.
//!
//! The outermost layout decides ([`navigation`]): the request carries `HX-Request: true` and
//! an `HX-Current-URL` that is one of its routes (it lists every path of its tree), and is not
//! boosted nor a history restore. Each level then compares, slot by slot, what the current URL
//! renders with what this URL renders ([`plan`]), extracts the changed slots' arguments
//! ([`extract_changed`]) and runs them at once ([`swaps`]). A nested layout that both URLs
//! render is transparent: its own changed slots join the page's swaps; one that only this URL
//! renders is rendered whole into its parent's `children`.

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::header::{HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use futures_util::future::{join, try_join_all};

use crate::boundary::{Depends, Rendered, SlotMeta};
use crate::error::Interrupt;
use crate::fragment::Fragment;
use crate::head::Head;
use crate::page::Fragments;
use crate::route::{Found, Routes};

/// A slot's future, boxed: a partial response runs only some slots, chosen at run time.
pub type BoxedSlot = Pin<Box<dyn Future<Output = Result<Rendered, Interrupt>> + Send>>;

/// The page the browser is on (`HX-Current-URL`), in the request's extensions once the
/// outermost layout has found it to be a partial navigation within its tree.
#[derive(Clone, Debug)]
pub struct Navigation(Arc<Current>);

/// `HX-Current-URL`, read, and the route of the outermost layout it is on.
#[derive(Debug)]
struct Current {
    path: String,
    query: Option<String>,
    /// The route's pattern among all the tree's (the outermost layout lists them all).
    pattern: &'static str,
}

/// The value every page response carries in `Vary`: a page and a partial answer the same URL.
pub const VARY: HeaderValue = HeaderValue::from_static("HX-Request, HX-Current-URL");

/// Whether `parts` is htmx navigating from a page of the tree of `routes` (the outermost
/// layout's): not a history restore, not boosted, not asking for the full page (htmx 4's
/// `HX-Request-Type: full`), and the current URL one of the tree's routes.
pub fn navigation(parts: &Parts, routes: &Routes) -> Option<Navigation> {
    let header = |name: &str| parts.headers.get(name).map(HeaderValue::as_bytes);
    // A history restore wants the whole page, whatever else it says (htmx 1.9 sent no
    // `HX-Request` on one).
    if header("hx-history-restore-request") == Some(b"true")
        || header("hx-request") != Some(b"true")
        || header("hx-boosted") == Some(b"true")
        || header("hx-request-type") == Some(b"full")
    {
        return None;
    }
    let url = parts.headers.get("hx-current-url")?.to_str().ok()?;
    let (path, query) = current(url)?;
    let Found::Route(index, _) = routes.find(&path) else {
        return None;
    };
    Some(Navigation(Arc::new(Current {
        path,
        query,
        pattern: routes.pattern(index),
    })))
}

/// For the levels below: the navigation the outermost layout answers partially.
pub fn navigate(parts: &mut Parts, navigation: &Navigation) {
    parts.extensions.insert(navigation.clone());
}

/// The navigation the outermost layout found, for a level below it.
pub fn navigating(parts: &Parts) -> Option<Navigation> {
    parts.extensions.get::<Navigation>().cloned()
}

/// A level rendered whole (new on this URL, or its layout reads what changed): the levels
/// below it are rendered whole too.
pub fn stop_navigating(parts: &mut Parts) {
    parts.extensions.remove::<Navigation>();
}

/// `https://host/a/b?q#f` (or a path) → `/a/b` and `q`.
fn current(url: &str) -> Option<(String, Option<String>)> {
    let url = url.split('#').next().unwrap_or_default();
    let path_and_query = if url.starts_with('/') {
        url
    } else {
        let scheme = url.find("://")?;
        let after = &url[scheme + 3..];
        &after[after.find('/')?..]
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    Some((
        path.to_owned(),
        query.filter(|query| !query.is_empty()).map(str::to_owned),
    ))
}

/// How a level's route on the current URL compares with its route on this one.
struct Compared {
    old: usize,
    same_params: bool,
    same_query: bool,
}

impl Compared {
    /// Whether a handler reading `depends` sees the same on both URLs.
    fn same(&self, route: usize, depends: Depends) -> bool {
        (!depends.params || self.same_params)
            && (!depends.query || self.same_query)
            && (!depends.route || (self.old == route && self.same_params))
    }
}

/// The level's route on both URLs, if the current URL renders this level (its route there is
/// one of the level's) and the layout (whose own arguments read `layout`) sees the same on
/// both; else `None`: the level is rendered whole.
fn compare(
    parts: &Parts,
    navigation: &Navigation,
    routes: &Routes,
    route: usize,
    layout: Depends,
) -> Option<Compared> {
    let current = &navigation.0;
    let Found::Route(old, old_params) = routes.find_pattern(current.pattern, &current.path) else {
        return None;
    };
    let params = match routes.find_in(parts) {
        Found::Route(_, params) => params,
        _ => return None,
    };
    let query = parts.uri.query().filter(|query| !query.is_empty());
    let compared = Compared {
        old,
        // By name too: `/x/{a}` and `/z/{b}` with one value are not the same parameters.
        same_params: old_params == params
            && names(routes.pattern(old)).eq(names(routes.pattern(route))),
        same_query: current.query.as_deref() == query,
    };
    compared.same(route, layout).then_some(compared)
}

/// The names of a pattern's parameters, in order.
fn names(pattern: &str) -> impl Iterator<Item = &str> {
    pattern
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Whether the current URL renders this level with its layout kept: see
/// [`NestedPage::rendered_at`](crate::page::NestedPage::rendered_at).
pub fn rendered_at(
    parts: &Parts,
    navigation: &Navigation,
    routes: &Routes,
    route: usize,
    layout: Depends,
) -> bool {
    compare(parts, navigation, routes, route, layout).is_some()
}

/// Each slot's handler on each route of a layout (`METAS[route][slot]`): what a partial
/// navigation compares. Implemented by `#[layout]` for its module's `Level`.
pub trait Metas<S> {
    /// Per route, per slot (the layout's order, `children` last).
    const METAS: &'static [&'static [&'static SlotMeta]];
}

/// What the `children` of a level whose plan is `plan` adds to a partial response: its
/// future `page` is a nested layout that the page the browser is on renders too
/// (`rendered_at`: its own changed slots), else a page or layout rendered whole if it changed.
pub fn child<F>(page: F, plan: &Plan, index: usize, rendered_at: bool) -> Child
where
    F: Future<Output = Result<Rendered, Interrupt>> + Send + 'static,
{
    if rendered_at {
        Child::Swaps(Box::pin(page))
    } else if plan.changes(index) {
        Child::Whole(Box::pin(page))
    } else {
        Child::Kept
    }
}

/// Which slots of a level change: `changed[i]` for slot `i` (in the layout's slot order).
#[derive(Debug)]
pub struct Plan {
    changed: Vec<bool>,
    /// Whether slot `i`'s handler may contribute to the head.
    heads: Vec<bool>,
}

impl Plan {
    /// Whether slot `index` changes.
    pub fn changes(&self, index: usize) -> bool {
        self.changed.get(index).copied().unwrap_or(true)
    }
}

/// The plan of a level whose routes are `routes`, on its route number `route`, when the
/// current URL renders it with its layout kept (see [`rendered_at`]; else `None`: the level is
/// rendered whole). `metas[r][i]` is slot `i`'s handler on route `r`. A slot is kept when both
/// URLs render it with the same handler and that handler reads nothing of the URL that
/// differs.
pub fn plan(
    parts: &Parts,
    navigation: &Navigation,
    routes: &Routes,
    route: usize,
    layout: Depends,
    metas: &[&[&SlotMeta]],
) -> Option<Plan> {
    let compared = compare(parts, navigation, routes, route, layout)?;
    let (before, now) = (metas.get(compared.old)?, metas.get(route)?);
    let changed = before
        .iter()
        .zip(now.iter())
        .map(|(before, now)| {
            let kept = !now.handler.is_empty()
                && before.handler == now.handler
                && compared.same(route, now.depends);
            !kept
        })
        .collect();
    let heads = now.iter().map(|meta| meta.head).collect();
    Some(Plan { changed, heads })
}

/// Extracts the arguments of the changed slots of page `L` (skipping `skip`, the `children`
/// that a nested layout renders), in order, and starts them: their futures, not yet polled.
async fn extract_changed<L, S>(
    parts: &mut Parts,
    state: &S,
    timed: bool,
    plan: &Plan,
    slots: usize,
    skip: Option<usize>,
) -> Result<Vec<(usize, BoxedSlot)>, Response>
where
    L: Fragments<S>,
    S: Sync,
{
    let mut started = Vec::new();
    for index in (0..slots).filter(|index| plan.changes(*index) && Some(*index) != skip) {
        started.push((index, L::start(index, parts, state, timed).await?));
    }
    Ok(started)
}

/// A level's partial response, boxed (so that the page's future, and its stack frame in a
/// debug build, carry only a pointer for it): the changed slots of page `L` (skipping `skip`,
/// the `children` that a nested layout renders) extracted in order, then run at once with the
/// `child` — the swaps, or the rejection of an extractor.
#[allow(clippy::too_many_arguments)] // the level's own facts, from the generated code
pub fn level<'a, L, S>(
    parts: &'a mut Parts,
    state: &'a S,
    timed: bool,
    plan: Plan,
    slots: usize,
    skip: Option<usize>,
    child: Child,
    targets: &'static [&'static str],
) -> Pin<Box<dyn Future<Output = Result<BoxedSlot, Response>> + Send + 'a>>
where
    L: Fragments<S>,
    S: Sync,
{
    Box::pin(async move {
        let started = extract_changed::<L, S>(parts, state, timed, &plan, slots, skip).await?;
        let children = skip.unwrap_or(slots);
        Ok(Box::pin(swaps(started, child, targets, children, plan.heads)) as BoxedSlot)
    })
}

/// What a level's `children` adds to a partial response.
pub enum Child {
    /// Nothing: the same page on both URLs.
    Kept,
    /// A nested layout on both URLs: its own swaps, added as they are.
    Swaps(BoxedSlot),
    /// A page or nested layout that changed: rendered whole into the `children` container.
    Whole(BoxedSlot),
}

/// Runs the changed slots `started` and the `children` at once and writes each as an htmx
/// out-of-band swap into its container (`targets[i]`, a CSS selector, for slot `i`;
/// `children` is slot number `children_index`). An interrupt ends it.
async fn swaps(
    started: Vec<(usize, BoxedSlot)>,
    child: Child,
    targets: &'static [&'static str],
    children_index: usize,
    heads: Vec<bool>,
) -> Result<Rendered, Interrupt> {
    let (indices, futures): (Vec<usize>, Vec<BoxedSlot>) = started.into_iter().unzip();
    let child_future = async {
        match child {
            Child::Kept => Ok(None),
            Child::Swaps(future) => future.await.map(|rendered| Some((false, rendered))),
            Child::Whole(future) => future.await.map(|rendered| Some((true, rendered))),
        }
    };
    let (slots, child) = join(try_join_all(futures), child_future).await;
    let (mut slots, mut child) = (slots?, child?);
    let title = partial_title(&indices, &mut slots, &mut child, children_index, &heads);
    let head = title.map(Head::title).unwrap_or_default();
    let mut html = String::new();
    for (index, rendered) in indices.into_iter().zip(slots) {
        oob(&mut html, targets.get(index).copied(), &rendered.fragment);
    }
    match child {
        Some((true, rendered)) => oob(
            &mut html,
            targets.get(children_index).copied(),
            &rendered.fragment,
        ),
        Some((false, rendered)) => html.push_str(rendered.fragment.as_str()),
        None => {}
    }
    let head = (!head.is_empty()).then(|| Box::new(head));
    Ok(Rendered::with_head(
        Fragment::html(html),
        "children",
        None,
        head,
    ))
}

/// The title for htmx to put on the document (see [`respond`]): the one the full page would
/// have, when the slots that ran can tell. In the order the full page's head is merged, from
/// the top — `children`, then the other slots from the last — the first that ran again and
/// set a title gives it; one that was kept and may set a head (its handler returns
/// `(Head, T)`, or a nested level) leaves the title unknown, and none is sent (the document
/// keeps its own). A nested level kept with its own swaps gives the title its swaps found,
/// else leaves it unknown.
fn partial_title(
    indices: &[usize],
    slots: &mut [Rendered],
    child: &mut Option<(bool, Rendered)>,
    children_index: usize,
    heads: &[bool],
) -> Option<String> {
    let may_head = |index: usize| heads.get(index).copied().unwrap_or(true);
    match child {
        Some((whole, rendered)) => {
            let title = rendered.take_head().title_text().map(str::to_owned);
            if title.is_some() || !*whole {
                // A nested level's swaps without a title: its own is unknown.
                return title;
            }
        }
        None if may_head(children_index) => return None,
        None => {}
    }
    let count = heads
        .len()
        .max(indices.iter().max().map_or(0, |max| max + 1));
    for index in (0..count).rev().filter(|index| *index != children_index) {
        match indices.iter().position(|ran| *ran == index) {
            Some(at) => {
                if let Some(title) = slots[at].take_head().title_text() {
                    return Some(title.to_owned());
                }
            }
            None if may_head(index) => return None,
            None => {}
        }
    }
    None
}

/// `<div hx-swap-oob="innerHTML:#target">fragment</div>`: htmx swaps the wrapper's content
/// into every element the selector matches.
fn oob(html: &mut String, target: Option<&str>, fragment: &Fragment) {
    let Some(target) = target else { return };
    let _ = write!(
        html,
        r#"<div hx-swap-oob="innerHTML:{}">{}</div>"#,
        Fragment::text(target),
        fragment.as_str()
    );
}

/// The response of a partial navigation: the swaps, or an interrupt answered the htmx way.
/// The changed slots' title, if they set one, comes first as `<title>`, which htmx puts on
/// the document.
pub fn respond(result: Result<Rendered, Interrupt>) -> Response {
    match result {
        Ok(mut rendered) => {
            let title = rendered.take_head().title_html();
            let swaps = rendered.fragment.into_string();
            match title {
                Some(title) => Html(title + &swaps).into_response(),
                None => Html(swaps).into_response(),
            }
        }
        Err(interrupt) => interrupted(interrupt),
    }
}

/// An interrupt in a partial response. A redirect becomes `200` with its other headers (a
/// `Set-Cookie`, say) and an empty body: htmx does not read the headers of a 3xx, and the
/// browser's fetch would follow it silently. To a path of this site it is
/// `HX-Location: {"path": …, "swap": "none"}` — htmx fetches that page with `HX-Request`, and
/// its answer is a partial too, whose out-of-band swaps apply with nothing swapped into the
/// body — and to another site `HX-Redirect` (htmx only follows its own origin with
/// `HX-Location`). Any other response keeps its status, headers and body, with
/// `HX-Reswap: none` unless it says otherwise.
pub fn interrupted(interrupt: Interrupt) -> Response {
    let mut response = interrupt.into_response();
    if response.status().is_redirection() {
        let location = response.headers_mut().remove(header::LOCATION);
        if let Some(location) = location {
            let (parts, _) = response.into_parts();
            let mut redirect = Response::from_parts(parts, axum::body::Body::empty());
            *redirect.status_mut() = StatusCode::OK;
            let target = location.to_str().unwrap_or_default();
            let local = target.starts_with('/') && !target.starts_with("//");
            let (name, value) = if local {
                let json = format!(r#"{{"path":{},"swap":"none"}}"#, json_string(target));
                ("hx-location", HeaderValue::try_from(json).ok())
            } else {
                ("hx-redirect", Some(location))
            };
            if let Some(value) = value {
                redirect
                    .headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
            redirect.headers_mut().remove(header::CONTENT_LENGTH);
            return redirect;
        }
    }
    let reswap = HeaderName::from_static("hx-reswap");
    if !response.headers().contains_key(&reswap) {
        response
            .headers_mut()
            .insert(reswap, HeaderValue::from_static("none"));
    }
    response
}

/// `value` as a JSON string (a header value: visible ASCII, which `Interrupt::redirect`
/// already ensured, so only `"` and `\` need escaping).
fn json_string(value: &str) -> String {
    let mut json = String::from('"');
    for c in value.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(json, "\\u{:04x}", c as u32);
            }
            c => json.push(c),
        }
    }
    json.push('"');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_url_is_read_as_a_path_and_a_query() {
        let read = current;
        assert_eq!(
            read("http://127.0.0.1:3000/dashboard/week?x=1#top"),
            Some(("/dashboard/week".into(), Some("x=1".into())))
        );
        assert_eq!(read("https://h/"), Some(("/".into(), None)));
        assert_eq!(read("https://h"), None);
        assert_eq!(read("/a?"), Some(("/a".into(), None)));
        assert_eq!(read("javascript:alert(1)"), None);
    }

    #[test]
    fn an_interrupt_is_answered_the_htmx_way() {
        let redirect = interrupted(Interrupt::redirect("/login?next=\"a\""));
        assert_eq!(redirect.status(), StatusCode::OK);
        assert_eq!(
            redirect.headers()["hx-location"],
            r#"{"path":"/login?next=\"a\"","swap":"none"}"#
        );
        assert!(!redirect.headers().contains_key("location"));
        let away = interrupted(Interrupt::redirect("https://example.com/"));
        assert_eq!(away.headers()["hx-redirect"], "https://example.com/");
        let missing = interrupted(Interrupt::not_found());
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing.headers()["hx-reswap"], "none");
        let shown = interrupted(Interrupt::response((
            StatusCode::FORBIDDEN,
            [("hx-reswap", "innerHTML")],
            "no",
        )));
        assert_eq!(shown.headers()["hx-reswap"], "innerHTML");
    }
}
