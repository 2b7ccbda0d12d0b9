//! Attacks on issue 11 (every level follows the URL; `Route` enums), from an adversarial review
//! of ec7b5ea: guards at three levels on the nested layouts' own sub-routes and `@slot`
//! endpoints, an ancestor's `@slot` on a nested path, every level's `Route` on every endpoint,
//! hostile parameters, merge orders, a parent at `/`, ending in `/`, a route group, interrupts,
//! panics, timeouts and a loading slot in an ancestor's route handler, app state.
//!
//! Found: a nested layout's link to a parameter spelled like an ancestor's static segment, and
//! an `@slot` endpoint axum reached past a static sibling where the levels' `Route`s disagreed
//! (both fixed, their tests below); a parent's positional `Path` rejects its nested paths (a
//! stated limit, its test ignored with the reason, beside the documented way that works). The
//! others held and are kept as regression tests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Html;
use axum::{Extension, Router};
use parallel_routes::prelude::*;
use parallel_routes_tests::{chunks, get, request, send, unsalted};

/// A slot or page that returns `$text`.
macro_rules! text {
    ($(#[$attr:meta])+ fn $name:ident = $text:literal) => {
        $(#[$attr])+
        async fn $name() -> &'static str {
            $text
        }
    };
}

// --- Three levels with guards: ga → gm (with its own sub-route) → gl --------------------------

/// What ran, in order, for one request.
#[derive(Clone, Default)]
struct Trace(Arc<Mutex<Vec<String>>>);

impl Trace {
    fn push(&self, what: impl Into<String>) {
        self.0.lock().unwrap().push(what.into());
    }
}

/// Level `N`'s guard: records itself; rejects with 401 when `x-deny` names its level.
struct Gate<const N: u8>;

impl<S: Send + Sync, const N: u8> FromRequestParts<S> for Gate<N> {
    type Rejection = (StatusCode, String);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(trace) = parts.extensions.get::<Trace>() {
            trace.push(format!("guard{N}"));
        }
        match parts.headers.get("x-deny") {
            Some(level) if level.as_bytes() == N.to_string().as_bytes() => {
                Err((StatusCode::UNAUTHORIZED, format!("denied by {N}")))
            }
            _ => Ok(Gate),
        }
    }
}

#[layout("/ga", slots(side), routes("/m/{m}", "/m/{m}/sub" as MSub, "/m/{m}/{l}" as Leaf))]
async fn ga(_: Gate<1>, at: ga::Route, side: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<ga {at:?}>{side}|{children}</ga>"))
}

#[slot(ga, side)]
async fn ga_side(Extension(t): Extension<Trace>) -> &'static str {
    t.push("run:ga-side-index");
    "side:index"
}

#[slot(ga, side, route = "/m/{m}")]
async fn ga_side_m(Extension(t): Extension<Trace>, Path(m): Path<String>) -> String {
    t.push("run:ga-side-m");
    format!("side:m({m})")
}

#[slot(ga, side, default)]
async fn ga_side_default(Extension(t): Extension<Trace>, at: ga::Route) -> String {
    t.push("run:ga-side-default");
    format!("side:default({at})")
}

text!(#[page(ga)] fn ga_page = "ga-page");

#[layout("/ga/m/{m}", slots(tools), parent = ga, routes("/sub", "/{l}" as Leaf))]
async fn gm(_: Gate<2>, at: gm::Route, tools: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<gm {at:?}>{tools}|{children}</gm>"))
}

#[slot(gm, tools)]
async fn gm_tools(Extension(t): Extension<Trace>, Path(m): Path<String>) -> String {
    t.push("run:gm-tools-index");
    format!("tools:index({m})")
}

#[slot(gm, tools, default)]
async fn gm_tools_default(Extension(t): Extension<Trace>, at: gm::Route) -> String {
    t.push("run:gm-tools-default");
    format!("tools:default({at:?})")
}

text!(#[page(gm)] fn gm_page = "gm-page");

text!(#[page(gm, route = "/sub")] fn gm_sub = "gm-sub");

#[layout("/ga/m/{m}/{l}", slots(info), parent = gm)]
async fn gl(_: Gate<3>, at: gl::Route, info: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<gl {at:?}>{info}|{children}</gl>"))
}

#[slot(gl, info)]
async fn gl_info(
    Extension(t): Extension<Trace>,
    a: ga::Route,
    m: gm::Route,
    l: gl::Route,
) -> String {
    t.push("run:gl-info");
    format!("info({a:?};{m:?};{l:?})")
}

#[page(gl)]
async fn gl_page(Path((m, l)): Path<(String, String)>) -> String {
    format!("leaf({m},{l})")
}

fn g_app() -> Router {
    Router::new()
        .merge(ga::router())
        .merge(gm::router())
        .merge(gl::router())
}

/// `GET uri` with a fresh trace, and `x-deny: deny` if given: status, body, what ran.
async fn traced(app: Router, uri: &str, deny: Option<u8>) -> (StatusCode, String, Vec<String>) {
    let trace = Trace::default();
    let mut req = request(uri);
    req.extensions_mut().insert(trace.clone());
    if let Some(level) = deny {
        req.headers_mut()
            .insert("x-deny", level.to_string().parse().unwrap());
    }
    let (status, _, body) = send(app, req).await;
    let ran = trace.0.lock().unwrap().clone();
    (status, body, ran)
}

/// Every endpoint of each level, with how many guards guard it.
const G_ENDPOINTS: &[(&str, u8)] = &[
    ("/ga", 1),
    ("/ga/@side", 1),
    ("/ga/@children", 1),
    ("/ga/m/1", 2),
    ("/ga/m/1/@tools", 2),
    ("/ga/m/1/@children", 2),
    ("/ga/m/1/sub", 2),
    ("/ga/m/1/sub/@tools", 2),
    ("/ga/m/1/sub/@children", 2),
    ("/ga/m/1/2", 3),
    ("/ga/m/1/2/@info", 3),
    ("/ga/m/1/2/@children", 3),
];

/// Attacks the guard chain on nested paths, a nested layout's own sub-route and every `@slot`
/// endpoint: the guards run once each, root first, before anything else; a rejection at any
/// level answers with its response, and no later guard and no slot runs.
#[tokio::test]
async fn every_endpoint_runs_each_guard_once_root_first_and_a_rejection_stops_everything() {
    for &(path, levels) in G_ENDPOINTS {
        let guards: Vec<String> = (1..=levels).map(|n| format!("guard{n}")).collect();
        let (status, _, ran) = traced(g_app(), path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(ran[..guards.len()], guards[..], "{path}: {ran:?}");
        assert!(
            ran[guards.len()..].iter().all(|r| r.starts_with("run:")),
            "{path}: {ran:?}"
        );
        for deny in 1..=levels {
            let (status, body, ran) = traced(g_app(), path, Some(deny)).await;
            assert_eq!(
                (status, body.as_str()),
                (
                    StatusCode::UNAUTHORIZED,
                    format!("denied by {deny}").as_str()
                ),
                "{path} denied by {deny}"
            );
            assert_eq!(ran[..], guards[..deny as usize], "{path} denied by {deny}");
        }
    }
}

/// Attacks the rule that an ancestor's `@slot` is not served where a nested layout is the page
/// (its fragment would skip the nested guards): 404 before any guard or slot runs; and a
/// segment spelled like one is the leaf's parameter, rendered as the whole guarded page.
#[tokio::test]
async fn an_ancestor_slot_endpoint_on_a_nested_path_is_not_served() {
    for path in [
        "/ga/m/1/sub/@side",
        "/ga/m/1/2/@side",
        "/ga/m/1/2/@tools",
        "/ga/m/1/sub/2/@info",
    ] {
        let (status, body, ran) = traced(g_app(), path, None).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::NOT_FOUND, ""),
            "{path}"
        );
        assert!(ran.is_empty(), "{path}: {ran:?}");
    }
    let (status, body, ran) = traced(g_app(), "/ga/m/1/@side", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("leaf(1,@side)"), "{body}");
    assert_eq!(ran[..3], ["guard1", "guard2", "guard3"]);
    // Alone, a parent's router serves none of its nested paths, endpoints included.
    for path in ["/ga/m/1", "/ga/m/1/@side", "/ga/m/1/sub/@children"] {
        assert_eq!(get(ga::router(), path).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        get(gm::router(), "/ga/m/1/2/@children").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Attacks the slot choice and `Route` on each level's pages and endpoints: each ancestor slot
/// renders its route handler or default (the index handler only on the index), and every
/// level's `Route` is the page's route, in the layouts, the slots and the endpoints' guards.
#[tokio::test]
async fn each_level_renders_the_handler_for_the_route_and_knows_the_route_on_every_endpoint() {
    let cases = [
        ("/ga", "<ga Index>side:index|ga-page</ga>"),
        (
            "/ga/m/1",
            r#"<ga M { m: "1" }>side:m(1)|<gm Index { m: "1" }>tools:index(1)|gm-page</gm></ga>"#,
        ),
        (
            "/ga/m/1/sub",
            r#"<ga MSub { m: "1" }>side:default(/ga/m/1/sub)|<gm Sub { m: "1" }>tools:default(Sub { m: &quot;1&quot; })|gm-sub</gm></ga>"#,
        ),
        (
            "/ga/m/1/2",
            r#"<ga Leaf { m: "1", l: "2" }>side:default(/ga/m/1/2)|<gm Leaf { m: "1", l: "2" }>tools:default(Leaf { m: &quot;1&quot;, l: &quot;2&quot; })|<gl Index { m: "1", l: "2" }>info(Leaf { m: &quot;1&quot;, l: &quot;2&quot; };Leaf { m: &quot;1&quot;, l: &quot;2&quot; };Index { m: &quot;1&quot;, l: &quot;2&quot; })|leaf(1,2)</gl></gm></ga>"#,
        ),
        ("/ga/@side", "side:index"),
        ("/ga/m/1/@tools", "tools:index(1)"),
        (
            "/ga/m/1/sub/@tools",
            "tools:default(Sub { m: &quot;1&quot; })",
        ),
        ("/ga/m/1/sub/@children", "gm-sub"),
        (
            "/ga/m/1/2/@info",
            "info(Leaf { m: &quot;1&quot;, l: &quot;2&quot; };Leaf { m: &quot;1&quot;, l: &quot;2&quot; };Index { m: &quot;1&quot;, l: &quot;2&quot; })",
        ),
        ("/ga/m/1/2/@children", "leaf(1,2)"),
    ];
    for (path, expected) in cases {
        let (status, body, ran) = traced(g_app(), path, None).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
        let index_ran = ran.iter().any(|r| r == "run:ga-side-index");
        assert_eq!(
            index_ran,
            path.starts_with("/ga/@") || path == "/ga",
            "{path}"
        );
    }
}

/// Attacks merging: the three routers, the middle one with its own sub-route, merged in every
/// order, neither panic (a route registered twice) nor answer differently.
#[tokio::test]
async fn the_routers_of_three_levels_merge_in_any_order_to_the_same_app() {
    let routers: [fn() -> Router; 3] = [ga::router, gm::router, gl::router];
    let mut expected = Vec::new();
    for &(path, _) in G_ENDPOINTS {
        let (status, body, _) = traced(g_app(), path, None).await;
        expected.push((status, body));
    }
    for order in ["012", "021", "102", "120", "201", "210"] {
        let app = || {
            let routers = order.bytes().map(|i| routers[usize::from(i - b'0')]());
            routers.fold(Router::new(), Router::merge)
        };
        for (&(path, _), expected) in G_ENDPOINTS.iter().zip(&expected) {
            let (status, body, _) = traced(app(), path, None).await;
            assert_eq!(&(status, body), expected, "{order:?} {path}");
        }
    }
}

/// The `Debug` of the root's `Route` in the page at `link`.
async fn ga_route_at(link: &str) -> (StatusCode, String) {
    let (status, body, _) = traced(g_app(), link, None).await;
    let route = body
        .strip_prefix("<ga ")
        .and_then(|rest| rest.split_once('>'))
        .map_or_else(|| body.clone(), |(route, _)| route.to_owned());
    (status, route)
}

/// Parameters that need encoding, or read as a static segment or an endpoint.
const VALUES: [&str; 8] = ["a b", "sub", "m", "@info", "%2F", "é/?#", "ga", "x.y"];

fn s(value: &str) -> String {
    value.to_owned()
}

/// Attacks `Display` and the extractor of every variant of each level's `Route` with hostile
/// parameters (static names, `@`, reserved and non-ASCII characters):
/// each link is served and read back as the same variant, at the root and below.
#[tokio::test]
async fn every_variant_of_the_ancestors_routes_round_trips_with_hostile_parameters() {
    for m in VALUES {
        for l in VALUES {
            let (ga_m, ga_sub, leaf) = (
                ga::Route::M { m: s(m) },
                ga::Route::MSub { m: s(m) },
                ga::Route::Leaf { m: s(m), l: s(l) },
            );
            let mut cases = vec![
                (ga_m.to_string(), ga_m.clone()),
                (ga_sub.to_string(), ga_sub.clone()),
                (leaf.to_string(), leaf.clone()),
                (gm::Route::Index { m: s(m) }.to_string(), ga_m),
                (gm::Route::Sub { m: s(m) }.to_string(), ga_sub),
                (
                    gm::Route::Leaf { m: s(m), l: s(l) }.to_string(),
                    leaf.clone(),
                ),
            ];
            // `sub`: the defect held by the next test.
            if l != "sub" {
                cases.push((gl::Route::Index { m: s(m), l: s(l) }.to_string(), leaf));
            }
            for (link, route) in cases {
                let expected = (StatusCode::OK, format!("{route:?}"));
                assert_eq!(ga_route_at(&link).await, expected, "{link}");
            }
        }
    }
}

/// Was a defect, fixed. Attacks the leaf's `Route::Display`: a parameter spelled like a static segment of the
/// middle layout's routes (`"/sub"` beside `"/{l}"`) must link to the leaf's own page, as the
/// ancestors' `Route`s do (`%73ub`); the leaf's link is `/ga/m/1/sub`, the middle's `Sub` page.
/// Same at the root: a nested `"/{x}"` beside the root's own `"/about"`.
#[tokio::test]

async fn a_leaf_route_whose_parameter_is_an_ancestors_static_segment_links_to_the_leaf() {
    let ancestor = gm::Route::Leaf {
        m: s("1"),
        l: s("sub"),
    };
    assert_eq!(ancestor.to_string(), "/ga/m/1/%73ub");
    let leaf = gl::Route::Index {
        m: s("1"),
        l: s("sub"),
    };
    let leaf = ga_route_at(&leaf.to_string()).await;
    let tea = rtx::Route::Index { x: "about".into() };
    let tea = get(rt_app(), &tea.to_string()).await.body;
    assert_eq!(
        (leaf.1, tea.as_str()),
        (
            format!("{ancestor:?}"),
            "<rt>s:default|<rtx about>t|x-page</rtx></rt>"
        )
    );
}

/// Was a defect, fixed. Attacks `Route` on an `@slot` endpoint that axum reaches by backtracking past a static
/// sibling: `/ga/m/1/sub/@info` is the leaf's `@info` for `l = "sub"` (the middle's `Sub` page
/// has no `@info`), but the ancestors' `Route`s strip the segment and match their own routes,
/// so the root says `MSub`, the middle `Sub`, the leaf `Index { l: "sub" }`: a guard that
/// decides by the ancestor's route is told the wrong page. Either 404 or the leaf's route at
/// every level (as at `/ga/m/1/%73ub/@info`).
#[tokio::test]

async fn an_endpoint_reached_past_a_static_sibling_has_one_route_at_every_level() {
    let (status, encoded, _) = traced(g_app(), "/ga/m/1/%73ub/@info", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(encoded.starts_with("info(Leaf {"), "{encoded}");
    let (status, body, ran) = traced(g_app(), "/ga/m/1/sub/@info", None).await;
    assert!(
        (status == StatusCode::NOT_FOUND && ran.is_empty())
            || (status == StatusCode::OK && body == encoded),
        "{status} {body}"
    );
}

/// Attacks parameter decoding on nested paths and endpoints: a parameter that is not UTF-8
/// once decoded answers 400 (as axum's `Path`) before any slot runs; `%2F` and `@` decode into
/// the parameter at every level alike.
#[tokio::test]
async fn bad_and_encoded_parameters_on_nested_paths_and_endpoints() {
    for path in [
        "/ga/m/%FF",
        "/ga/m/%FF/@tools",
        "/ga/m/%FF/sub",
        "/ga/m/1/%FF",
        "/ga/m/1/%FF/@info",
        "/ga/m/%C3/2/@children",
    ] {
        let (status, _, ran) = traced(g_app(), path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            !ran.iter().any(|r| r.starts_with("run:")),
            "{path}: {ran:?}"
        );
    }
    let (status, body, _) = traced(g_app(), "/ga/m/a%2Fb/%40x%20y", None).await;
    assert_eq!(status, StatusCode::OK);
    let leaf = r#"Leaf { m: "a/b", l: "@x y" }"#;
    assert!(body.starts_with(&format!("<ga {leaf}>")), "{body}");
    assert!(body.contains(&format!("<gm {leaf}>")), "{body}");
    assert!(body.contains("leaf(a/b,@x y)"), "{body}");
    let (status, body, _) = traced(g_app(), "/ga/m/a%2Fb/%40x%20y/@info", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.starts_with("info(Leaf { m: &quot;a/b&quot;, l: &quot;@x y&quot; }"),
        "{body}"
    );
}

// --- A parent at `/` with a parameter child beside a static route of its own -----------------

#[layout("/", slots(s), routes("/about", "/{x}"))]
async fn rt(s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<rt>s:{s}|{children}</rt>"))
}

text!(#[slot(rt, s)] fn rt_s = "index");

text!(#[slot(rt, s, default)] fn rt_s_default = "default");

text!(#[page(rt)] fn rt_home = "home");

text!(#[page(rt, route = "/about")] fn rt_about = "about");

#[layout("/{x}", slots(t), parent = rt)]
async fn rtx(at: rtx::Route, t: Fragment, children: Fragment) -> Html<String> {
    let rtx::Route::Index { x } = at;
    Html(format!("<rtx {x}>{t}|{children}</rtx>"))
}

text!(#[slot(rtx, t)] fn rtx_t = "t");

text!(#[page(rtx)] fn rtx_page = "x-page");

fn rt_app() -> Router {
    Router::new().merge(rtx::router()).merge(rt::router())
}

/// Attacks a parent at `/` whose nested layout is a bare parameter (`/{x}`) beside the
/// parent's own `/about` and its `@s` endpoint: each path goes where axum sends it, the
/// parent's endpoint is not served below the nested layout, and the parent's `Route` links
/// to the nested page even for `about` and `@s`.
#[tokio::test]
async fn a_parent_at_the_root_with_a_parameter_child_beside_its_own_routes() {
    let cases = [
        ("/", StatusCode::OK, "<rt>s:index|home</rt>"),
        ("/about", StatusCode::OK, "<rt>s:default|about</rt>"),
        (
            "/tea",
            StatusCode::OK,
            "<rt>s:default|<rtx tea>t|x-page</rtx></rt>",
        ),
        ("/@s", StatusCode::OK, "index"),
        ("/about/@s", StatusCode::OK, "default"),
        ("/tea/@t", StatusCode::OK, "t"),
        ("/tea/@children", StatusCode::OK, "x-page"),
        ("/tea/@s", StatusCode::NOT_FOUND, ""),
        (
            "/%40s",
            StatusCode::OK,
            "<rt>s:default|<rtx @s>t|x-page</rtx></rt>",
        ),
    ];
    for (path, status, body) in cases {
        let reply = get(rt_app(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (status, body),
            "{path}"
        );
    }
    for x in ["about", "@s", "a b"] {
        let link = rt::Route::X { x: x.into() }.to_string();
        let reply = get(rt_app(), &link).await;
        assert_eq!(
            reply.body,
            format!(
                "<rt>s:default|<rtx {}>t|x-page</rtx></rt>",
                Fragment::text(x)
            ),
            "{link}"
        );
    }
}

// --- A parent whose path ends in `/` --------------------------------------------------------

#[layout("/tsl/", slots(s), routes("/x/{y}"))]
async fn tsl(s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[tsl {s}|{children}]"))
}

#[slot(tsl, s, default)]
async fn tsl_s(at: tsl::Route) -> String {
    format!("s({at})")
}

text!(#[page(tsl)] fn tsl_page = "page");

#[layout("/tsl/x/{y}", slots(t), parent = tsl)]
async fn tslx(t: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<{t}|{children}>"))
}

#[slot(tslx, t)]
async fn tslx_t(at: tsl::Route) -> String {
    format!("t({at})")
}

#[page(tslx)]
async fn tslx_page(Path(y): Path<String>) -> String {
    format!("y={y}")
}

/// Attacks a parent whose path ends in `/` with a nested layout: the pages, the endpoints
/// (the parent's index endpoint at `/tsl/@s`), and the parent's `Route` in each.
#[tokio::test]
async fn a_parent_whose_path_ends_in_a_slash_nests_a_layout() {
    let app = || tsl::router().merge(tslx::router());
    let cases = [
        ("/tsl/", StatusCode::OK, "[tsl s(/tsl/)|page]"),
        ("/tsl/@s", StatusCode::OK, "s(/tsl/)"),
        ("/tsl/@children", StatusCode::OK, "page"),
        (
            "/tsl/x/1",
            StatusCode::OK,
            "[tsl s(/tsl/x/1)|<t(/tsl/x/1)|y=1>]",
        ),
        ("/tsl/x/1/@t", StatusCode::OK, "t(/tsl/x/1)"),
        ("/tsl/x/1/@children", StatusCode::OK, "y=1"),
        ("/tsl/x/1/@s", StatusCode::NOT_FOUND, ""),
    ];
    for (path, status, body) in cases {
        let reply = get(app(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (status, body),
            "{path}"
        );
    }
}

// --- A route group: a nested layout at its parent's own path ---------------------------------

#[layout("/grp", slots(a), routes("/x"))]
async fn grp(_: Gate<1>, a: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[grp {a}|{children}]"))
}

#[slot(grp, a, default)]
async fn grp_a(at: grp::Route) -> String {
    format!("a({at:?})")
}

text!(#[page(grp, route = "/x")] fn grp_x = "x");

#[layout("/grp", slots(b), parent = grp)]
async fn inner(_: Gate<2>, b: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[inner {b}|{children}]"))
}

#[slot(inner, b)]
async fn inner_b(at: grp::Route) -> String {
    format!("b({at:?})")
}

text!(#[page(inner)] fn inner_page = "inner-page");

/// Attacks a Next.js route group (a nested layout at its parent's own path): it compiles, the
/// routers merge in either order, the nested layout is the page at the shared path behind both
/// guards, and the parent's `@a` there is not served (it would skip the inner guard).
#[tokio::test]
async fn a_layout_nested_at_its_parents_own_path_is_a_route_group() {
    let cases = [
        (
            "/grp",
            StatusCode::OK,
            "[grp a(Index)|[inner b(Index)|inner-page]]",
            2,
        ),
        ("/grp/@b", StatusCode::OK, "b(Index)", 2),
        ("/grp/@children", StatusCode::OK, "inner-page", 2),
        ("/grp/@a", StatusCode::NOT_FOUND, "", 0),
        ("/grp/x", StatusCode::OK, "[grp a(X)|x]", 1),
        ("/grp/x/@a", StatusCode::OK, "a(X)", 1),
    ];
    let apps: [fn() -> Router; 2] = [
        || grp::router().merge(inner::router()),
        || inner::router().merge(grp::router()),
    ];
    for app in apps {
        for (path, status, body, guards) in cases {
            let (got, text, ran) = traced(app(), path, None).await;
            assert_eq!((got, text.as_str()), (status, body), "{path}");
            assert_eq!(ran.len(), guards, "{path}: {ran:?}");
            if guards == 2 {
                let (got, text, _) = traced(app(), path, Some(2)).await;
                assert_eq!(
                    (got, text.as_str()),
                    (StatusCode::UNAUTHORIZED, "denied by 2")
                );
            }
        }
    }
}

// --- Interrupts, panics and timeouts in an ancestor's handlers on a nested path --------------

#[layout("/ie", slots(a, b), routes("/n/{n}"), timeout_ms = 150)]
async fn ie(a: Fragment, b: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[ie {a}|{b}|{children}]"))
}

text!(#[slot(ie, a)] fn ie_a = "a");

#[slot(ie, a, route = "/n/{n}")]
async fn ie_a_n(Path(n): Path<String>) -> Result<String, Interrupt> {
    match n.as_str() {
        "nf" => Err(Interrupt::not_found()),
        "go" => Err(Interrupt::redirect("/ie")),
        _ => Ok(format!("a({n})")),
    }
}

#[slot(ie, b, default)]
async fn ie_b(at: ie::Route) -> &'static str {
    match at {
        ie::Route::N { n } if n == "boom" => panic!("b on a nested path"),
        ie::Route::N { n } if n == "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }
        _ => "b",
    }
}

text!(#[page(ie)] fn ie_page = "ie-page");

#[layout("/ie/n/{n}", slots(c), parent = ie)]
async fn ien(Path(n): Path<String>, c: Fragment, children: Fragment) -> Html<String> {
    assert_ne!(n, "lpanic", "the nested layout panics");
    Html(format!("<ien {c}|{children}>"))
}

#[slot(ien, c)]
async fn ien_c(Path(n): Path<String>) -> &'static str {
    if n == "slowleaf" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    "c"
}

text!(#[page(ien)] fn ien_page = "ien-page");

/// Attacks an ancestor's handlers on a nested path: its route handler's `Interrupt` decides
/// the whole page, its `default`'s panic and timeout render its fallback beside the nested
/// page, the root's `timeout_ms` holds for a nested slot, and the nested layout's `@c` does not
/// run the ancestor's handler; a panic in the nested layout answers 500.
#[tokio::test]
async fn an_ancestors_interrupt_panic_or_timeout_on_a_nested_path() {
    let app = || ie::router().merge(ien::router());
    let alert = |slot: &str| {
        format!(
            r#"<div role="alert" data-slot-error="{slot}">This section could not be loaded.</div>"#
        )
    };
    let reply = get(app(), "/ie/n/nf").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::NOT_FOUND, "")
    );
    let reply = get(app(), "/ie/n/lpanic").await;
    let error = (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    assert_eq!((reply.status, reply.body.as_str()), error);
    let reply = get(app(), "/ie/n/go").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers["location"], "/ie");
    let cases = [
        (
            "/ie/n/boom",
            format!("[ie a(boom)|{}|<ien c|ien-page>]", alert("b")),
        ),
        (
            "/ie/n/slow",
            format!("[ie a(slow)|{}|<ien c|ien-page>]", alert("b")),
        ),
        (
            "/ie/n/slowleaf",
            format!("[ie a(slowleaf)|b|<ien {}|ien-page>]", alert("c")),
        ),
        ("/ie/n/nf/@c", "c".to_owned()),
        ("/ie/n/nf/@children", "ien-page".to_owned()),
    ];
    for (path, expected) in cases {
        let started = Instant::now();
        let reply = get(app(), path).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::OK, expected),
            "{path}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
    }
}

// --- A loading slot in an ancestor's route handler on a nested path ---------------------------

fn ld_skeleton() -> Html<&'static str> {
    Html("<i>skeleton</i>")
}

#[layout("/ld", slots(a), routes("/n/{n}"))]
async fn ld(a: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<main>{a}|{children}</main>"))
}

text!(#[slot(ld, a)] fn ld_a = "a-index");

#[slot(ld, a, route = "/n/{n}", loading = ld_skeleton)]
async fn ld_a_n(Path(n): Path<String>) -> Html<String> {
    tokio::time::sleep(Duration::from_millis(150)).await;
    Html(format!("<b>a-late({n})</b>"))
}

text!(#[page(ld)] fn ld_page = "ld-page");

#[layout("/ld/n/{n}", slots(c), parent = ld)]
async fn ldn(_: Gate<3>, Path(n): Path<String>, c: Fragment, children: Fragment) -> Html<String> {
    assert_ne!(n, "lpanic", "the nested layout panics");
    Html(format!("<sec>{c}|{children}</sec>"))
}

text!(#[slot(ldn, c)] fn ldn_c = "c");

text!(#[page(ldn)] fn ldn_page = "ldn-page");

/// What a browser makes of an out-of-order body with one swap: the swap script removed and
/// the streamed content put in place of its placeholder.
fn assemble_one(body: &str) -> String {
    let mut doc = unsalted(body, body);
    let open = doc.find("<template id=prc-R-").expect("a streamed slot");
    let close = doc[open..].find("</template>").unwrap() + open;
    let content = doc[doc[open..].find('>').unwrap() + open + 1..close].to_owned();
    doc.truncate(open);
    let start = doc.find("<template id=pr-R-").expect("a placeholder");
    let end = doc.find("<!--/pr-R-").unwrap();
    let end = end + doc[end..].find("-->").unwrap() + 3;
    doc.replace_range(start..end, &content);
    let script = doc.find("<script").map_or(doc.len(), |at| at);
    doc.truncate(script);
    doc
}

/// Attacks a `loading` slot that only the ancestor's handler for a nested route has: the
/// ancestor's own page stays buffered, the nested page streams (the shell has the skeleton and
/// the nested layout, the content comes later) and the document ends complete; a nested
/// guard's rejection or a nested layout's panic still decides the status.
#[tokio::test]
async fn a_loading_slot_in_an_ancestors_route_handler_streams_the_nested_page() {
    let app = || ld::router().merge(ldn::router());
    let reply = chunks(app(), request("/ld")).await;
    assert_eq!(reply.body(), "<main>a-index|ld-page</main>");
    let reply = chunks(app(), request("/ld/n/7")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let shell = &reply.chunks[0].1;
    assert!(shell.contains("<i>skeleton</i>"), "{shell}");
    assert!(shell.contains("<sec>c|ldn-page</sec>"), "{shell}");
    assert!(!shell.contains("a-late"), "{shell}");
    assert!(reply.chunks.len() > 1);
    assert_eq!(
        assemble_one(&reply.body()),
        "<main><b>a-late(7)</b>|<sec>c|ldn-page</sec></main>"
    );
    // The nested guard's rejection and the nested layout's panic come before the shell.
    let mut denied = request("/ld/n/7");
    denied.headers_mut().insert("x-deny", "3".parse().unwrap());
    let reply = chunks(app(), denied).await;
    assert_eq!(
        (reply.status, reply.body()),
        (StatusCode::UNAUTHORIZED, "denied by 3".into())
    );
    let reply = chunks(app(), request("/ld/n/lpanic")).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body(), "Internal Server Error");
}

// --- App state in ancestors' route handlers and guards ---------------------------------------

#[derive(Clone)]
struct AppState {
    name: &'static str,
}

/// An extractor for the app's state only.
struct Who(&'static str);

impl FromRequestParts<AppState> for Who {
    type Rejection = StatusCode;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, StatusCode> {
        Ok(Who(state.name))
    }
}

#[layout("/st", slots(s), routes("/n/{n}"), state = AppState)]
async fn st(Who(who): Who, s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[st {who}|{s}|{children}]"))
}

text!(#[slot(st, s)] fn st_s = "s-index");

#[slot(st, s, route = "/n/{n}")]
async fn st_s_n(State(app): State<AppState>, Path(n): Path<String>) -> String {
    format!("s({},{n})", app.name)
}

text!(#[page(st)] fn st_page = "st-page");

#[layout("/st/n/{n}", slots(c), parent = st)]
async fn stn(State(app): State<AppState>, c: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<stn {}|{c}|{children}>", app.name))
}

#[slot(stn, c, state = AppState)]
async fn stn_c(Who(who): Who) -> String {
    format!("c({who})")
}

text!(#[page(stn)] fn stn_page = "stn-page");

/// Attacks state types through nesting: an app-state-only extractor in the root's guard and a
/// nested slot, `State<T>` in the root's handler for the nested route and the nested layout.
#[tokio::test]
async fn app_state_reaches_every_level_on_nested_paths_and_endpoints() {
    let app = || {
        Router::new()
            .merge(st::router())
            .merge(stn::router())
            .with_state(AppState { name: "tea" })
    };
    let cases = [
        ("/st", "[st tea|s-index|st-page]"),
        ("/st/n/1", "[st tea|s(tea,1)|<stn tea|c(tea)|stn-page>]"),
        ("/st/n/1/@c", "c(tea)"),
        ("/st/@s", "s-index"),
    ];
    for (path, expected) in cases {
        let reply = get(app(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
    }
}

// --- A parent layout that takes its own path's `Path` ---------------------------------------

#[layout("/pu/{id}", slots(s), routes("/p/{pid}"))]
async fn pu(Path(id): Path<u32>, s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[pu {id}|{s}|{children}]"))
}

text!(#[slot(pu, s, default)] fn pu_s = "s");

text!(#[page(pu)] fn pu_page = "pu-page");

#[layout("/pu/{id}/p/{pid}", slots(t), parent = pu)]
async fn pup(Path((id, pid)): Path<(u32, u32)>, t: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<pup {id}/{pid} {t}|{children}>"))
}

text!(#[slot(pup, t)] fn pup_t = "t");

text!(#[page(pup)] fn pup_page = "pup-page");

/// Attacks a parent layout written as SPEC's `user` is (`Path(id): Path<u32>` for its path
/// `/users/{id}`): once a layout is nested in it, the parent renders on the nested path too,
/// where its `Path` sees the nested route's two parameters and axum rejects it (500), so
/// every nested page fails. Next.js gives a layout the params of its own segments.
#[tokio::test]
#[ignore = "known limit (README, nesting): axum's Path holds every parameter of the URL, so a parent's Path<u32> rejects its nested paths; read parameters by name (a Deserialize struct) or from Route"]
async fn a_parent_layouts_own_path_extractor_works_on_its_nested_paths() {
    let app = || pu::router().merge(pup::router());
    let reply = get(app(), "/pu/7").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "[pu 7|s|pu-page]")
    );
    let reply = get(app(), "/pu/7/p/9").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "[pu 7|s|<pup 7/9 t|pup-page>]")
    );
}

// --- The documented way: a parent reads its parameters by name ---------------------------

#[derive(serde::Deserialize)]
struct PnId {
    id: u32,
}

#[layout("/pn/{id}", slots(s), routes("/p/{pid}"))]
async fn pn(Path(PnId { id }): Path<PnId>, s: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[pn {id}|{s}|{children}]"))
}

text!(#[slot(pn, s, default)] fn pn_s = "s");

text!(#[page(pn)] fn pn_page = "pn-page");

#[layout("/pn/{id}/p/{pid}", slots(t), parent = pn)]
async fn pnp(Path((id, pid)): Path<(u32, u32)>, t: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<pnp {id}/{pid} {t}|{children}>"))
}

text!(#[slot(pnp, t)] fn pnp_t = "t");

text!(#[page(pnp)] fn pnp_page = "pnp-page");

/// The README's answer to the limit above: a parent layout that reads its own parameter by
/// name (a `Deserialize` struct ignores the nested route's others) renders on its own path and
/// on the nested one, and a bad parameter is still axum's 400.
#[tokio::test]
async fn a_parent_layout_reading_its_parameter_by_name_works_on_its_nested_paths() {
    let app = || pn::router().merge(pnp::router());
    for (path, expected) in [
        ("/pn/7", "[pn 7|s|pn-page]"),
        ("/pn/7/p/9", "[pn 7|s|<pnp 7/9 t|pnp-page>]"),
    ] {
        let reply = get(app(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
    }
    assert_eq!(
        get(app(), "/pn/x/p/9").await.status,
        StatusCode::BAD_REQUEST
    );
}
