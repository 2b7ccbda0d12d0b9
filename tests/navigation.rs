//! Sub-routes, defaults and nested layouts: every route of a layout renders each slot's
//! handler for that route, else its default; a nested layout renders inside its parent's
//! `children`, with the slots of every level running at once.

use std::time::Duration;

use axum::Router;
use axum::extract::{Extension, Path};
use axum::http::StatusCode;
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_tests::get;
use parallel_routes_tests::overlap::Overlap;

// --- Routes and defaults ---------------------------------------------------------------------

#[layout(slots(latest, archive), routes("/week", "/month", "/day/{n}"))]
async fn board(latest: Fragment, archive: Fragment, children: Fragment) -> Html<String> {
    Html(format!("[{latest}|{archive}|{children}]"))
}

#[slot(board, latest)]
async fn latest_today() -> &'static str {
    "latest:index"
}

#[slot(board, latest, route = "/week")]
async fn latest_week() -> &'static str {
    "latest:week"
}

#[slot(board, latest, route = "/day/{n}")]
async fn latest_day(Path(n): Path<u32>) -> String {
    format!("latest:day {n}")
}

#[slot(board, latest, default)]
async fn latest_default() -> &'static str {
    "latest:default"
}

#[slot(board, archive, default)]
async fn archive_everywhere() -> &'static str {
    "archive:default"
}

#[page(board)]
async fn board_page() -> &'static str {
    "page:index"
}

#[page(board, route = "/month")]
async fn board_month() -> &'static str {
    "page:month"
}

#[page(board, default)]
async fn board_default() -> &'static str {
    "page:default"
}

#[tokio::test]
async fn each_route_renders_its_handlers_else_the_defaults() {
    let app = board::router();
    let cases = [
        ("/board", "[latest:index|archive:default|page:index]"),
        ("/board/week", "[latest:week|archive:default|page:default]"),
        (
            "/board/month",
            "[latest:default|archive:default|page:month]",
        ),
        (
            "/board/day/7",
            "[latest:day 7|archive:default|page:default]",
        ),
    ];
    for (path, expected) in cases {
        let reply = get(app.clone(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
    }
    assert_eq!(
        get(app.clone(), "/board/year").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(app, "/board/day/x").await.status,
        StatusCode::BAD_REQUEST
    );
}

// Slot `x_at_b` on the index and slot `x` on the route "/b/index" once shared a generated
// name (`x_at_b_index`), and the layout did not compile.
#[layout(slots(x_at_b, x), routes("/b/index"))]
async fn names(x_at_b: Fragment, x: Fragment) -> Html<String> {
    Html(format!("[{x_at_b}|{x}]"))
}

#[slot(names, x_at_b)]
async fn x_at_b_on_the_index() -> &'static str {
    "x_at_b:index"
}

#[slot(names, x_at_b, default)]
async fn x_at_b_elsewhere() -> &'static str {
    "x_at_b:default"
}

#[slot(names, x, route = "/b/index")]
async fn x_on_the_route_b_index() -> &'static str {
    "x:/b/index"
}

#[slot(names, x, default)]
async fn x_elsewhere() -> &'static str {
    "x:default"
}

#[tokio::test]
async fn generated_names_of_slots_and_routes_do_not_collide() {
    let app = names::router();
    for (path, expected) in [
        ("/names", "[x_at_b:index|x:default]"),
        ("/names/b/index", "[x_at_b:default|x:/b/index]"),
        ("/names/@x_at_b", "x_at_b:index"),
        ("/names/b/index/@x", "x:/b/index"),
    ] {
        let reply = get(app.clone(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
    }
}

// --- Routes as types -------------------------------------------------------------------------

/// The layout marks where it is from its own `Route`, and the `nav` slot builds its links with
/// it.
#[layout("/tabs/{team}", slots(nav), routes("/week", "/day/{n}", "/day/today"))]
async fn tabs(at: tabs::Route, nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<h1>{at:?}</h1><nav>{nav}</nav>{children}"))
}

#[slot(tabs, nav, default)]
async fn tabs_nav(at: tabs::Route) -> Html<String> {
    let team = match &at {
        tabs::Route::Index { team }
        | tabs::Route::Week { team }
        | tabs::Route::Day { team, .. }
        | tabs::Route::DayToday { team } => team.clone(),
    };
    let links = [
        tabs::Route::Index { team: team.clone() },
        tabs::Route::Week { team: team.clone() },
        tabs::Route::Day {
            team,
            n: "3".into(),
        },
    ]
    .map(|link| {
        let current = if link == at { " aria-current=page" } else { "" };
        format!("<a href=\"{link}\"{current}></a>")
    });
    Html(links.concat())
}

#[page(tabs, default)]
async fn tabs_page() -> &'static str {
    "page"
}

#[test]
fn a_route_displays_as_its_path_with_its_parameters_encoded() {
    let team = || "red team/2".to_owned();
    assert_eq!(
        tabs::Route::Index { team: team() }.to_string(),
        "/tabs/red%20team%2F2"
    );
    assert_eq!(
        tabs::Route::Week { team: team() }.to_string(),
        "/tabs/red%20team%2F2/week"
    );
    assert_eq!(
        tabs::Route::Day {
            team: "t".into(),
            n: "3".into()
        }
        .to_string(),
        "/tabs/t/day/3"
    );
    assert_eq!(
        tabs::Route::DayToday { team: "t".into() }.to_string(),
        "/tabs/t/day/today"
    );
}

/// A link built with `Route` is served, and the page extracts the same `Route` back: on the
/// page, on each `@slot` endpoint, for a parameter that needs encoding, and for a static route
/// beside a parameter one (`/day/today` is not `/day/{n}`).
#[tokio::test]
async fn a_route_round_trips_through_its_link() {
    let app = tabs::router();
    let routes = [
        tabs::Route::Index {
            team: "red team/2 é".into(),
        },
        tabs::Route::Week { team: "t".into() },
        tabs::Route::Day {
            team: "t".into(),
            n: "@3?#".into(),
        },
        tabs::Route::DayToday { team: "t".into() },
    ];
    for route in routes {
        let link = route.to_string();
        let reply = get(app.clone(), &link).await;
        assert_eq!(reply.status, StatusCode::OK, "{link}");
        assert!(
            reply.body.starts_with(&format!("<h1>{route:?}</h1>")),
            "{link}: {}",
            reply.body
        );
        let here = format!("<a href=\"{link}\" aria-current=page>");
        let marked = reply.body.matches("aria-current").count();
        // The nav links the index, the week and day 3 of the team: the others are not marked.
        if matches!(
            route,
            tabs::Route::DayToday { .. } | tabs::Route::Day { .. }
        ) {
            assert_eq!(marked, 0, "{link}: {}", reply.body);
        } else {
            assert!(reply.body.contains(&here), "{link}: {}", reply.body);
            assert_eq!(marked, 1, "{link}: {}", reply.body);
        }
        let nav = get(app.clone(), &format!("{link}/@nav")).await;
        assert_eq!(nav.status, StatusCode::OK, "{link}/@nav");
        assert_eq!(
            nav.body.matches("aria-current").count(),
            marked,
            "{link}/@nav: {}",
            nav.body
        );
    }
}

#[tokio::test]
async fn each_route_serves_each_slot_alone() {
    let app = board::router();
    let cases = [
        ("/board/@latest", "latest:index"),
        ("/board/week/@latest", "latest:week"),
        ("/board/month/@latest", "latest:default"),
        ("/board/week/@archive", "archive:default"),
        ("/board/month/@children", "page:month"),
        ("/board/day/3/@latest", "latest:day 3"),
    ];
    for (path, expected) in cases {
        let reply = get(app.clone(), path).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, expected),
            "{path}"
        );
    }
}

// --- Nesting ---------------------------------------------------------------------------------

#[layout("/", slots(nav), routes("/shop/{category}", "/panicking-shop"))]
async fn root(nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<nav>{nav}</nav><main>{children}</main>"))
}

#[slot(root, nav, default)]
async fn root_nav(
    overlap: Option<Extension<Overlap>>,
    headers: axum::http::HeaderMap,
) -> Result<&'static str, Interrupt> {
    if headers.contains_key("x-signed-out") {
        return Err(Interrupt::redirect("/login"));
    }
    let overlap = overlap.map(|Extension(overlap)| overlap);
    Overlap::maybe(overlap.as_ref(), "nav", sleep_300ms()).await;
    Ok("nav")
}

async fn sleep_300ms() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[page(root)]
async fn home() -> &'static str {
    "home"
}

#[layout("/shop/{category}", slots(filters), parent = root)]
async fn shop(filters: Fragment, children: Fragment, Path(category): Path<String>) -> Html<String> {
    Html(format!(
        "<h1>{}</h1><aside>{filters}</aside><section>{children}</section>",
        Fragment::text(category)
    ))
}

#[slot(shop, filters)]
async fn shop_filters(overlap: Option<Extension<Overlap>>) -> &'static str {
    let overlap = overlap.map(|Extension(overlap)| overlap);
    Overlap::maybe(overlap.as_ref(), "filters", sleep_300ms()).await;
    "filters"
}

#[page(shop)]
async fn products(
    Path(category): Path<String>,
    overlap: Option<Extension<Overlap>>,
) -> Result<String, Interrupt> {
    let overlap = overlap.map(|Extension(overlap)| overlap);
    Overlap::maybe(overlap.as_ref(), "products", sleep_300ms()).await;
    match category.as_str() {
        "missing" => Err(Interrupt::not_found()),
        "broken" => panic!("products panicked"),
        _ => Ok(format!("products in {category}")),
    }
}

fn site() -> Router {
    Router::new().merge(root::router()).merge(shop::router())
}

#[tokio::test]
async fn a_nested_layout_renders_inside_its_parent_with_every_level_at_once() {
    let overlap = Overlap::default();
    let mut request = parallel_routes_tests::request("/shop/books");
    request.extensions_mut().insert(overlap.clone());
    let (status, _, body) = parallel_routes_tests::send(site(), request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "<nav>nav</nav><main><h1>books</h1><aside>filters</aside><section>products in books</section></main>"
    );
    // Every 300 ms slot of both levels started before any ended: no level waited for another.
    overlap.assert_all_overlapped(&["nav", "filters", "products"]);
    // The parent's own page is untouched.
    assert_eq!(
        get(site(), "/").await.body,
        "<nav>nav</nav><main>home</main>"
    );
}

#[tokio::test]
async fn a_nested_interrupt_decides_the_response_and_a_panic_is_contained() {
    let reply = get(site(), "/shop/missing").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.body, "",
        "the interrupt's response, not the parent's page"
    );
    // An interrupt from the parent's slot decides a nested page too.
    let request = axum::http::Request::get("/shop/books")
        .header("x-signed-out", "1")
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, headers, body) = parallel_routes_tests::send(site(), request).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/login");
    assert_eq!(body, "");
    let reply = get(site(), "/shop/broken").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        "<nav>nav</nav><main><h1>broken</h1><aside>filters</aside><section><div role=\"alert\" data-slot-error=\"children\">This section could not be loaded.</div></section></main>"
    );
}

#[tokio::test]
async fn nested_slots_are_served_alone_without_their_parent() {
    let reply = get(site(), "/shop/books/@filters").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "filters")
    );
}

// --- The htmx example's pages and partial endpoints ----------------------------------------

#[tokio::test]
async fn the_htmx_example_serves_each_tab_as_a_page_and_as_a_slot() {
    let app = parallel_routes_examples::tabs::app();
    for (route, period) in [
        ("", "today"),
        ("/week", "this week"),
        ("/month", "this month"),
    ] {
        let partial = get(app.clone(), &format!("/dashboard{route}/@latest")).await;
        assert_eq!(partial.status, StatusCode::OK);
        assert_eq!(partial.content_type(), "text/html; charset=utf-8");
        assert!(
            partial
                .body
                .starts_with(&format!("<h2>Latest: {period}</h2>")),
            "{}",
            partial.body
        );
        assert!(!partial.body.contains("<html"), "a fragment, not a page");

        let page = get(app.clone(), &format!("/dashboard{route}")).await;
        assert!(
            page.body.contains(&partial.body),
            "the page holds the same fragment"
        );
        // Each tab is a link that htmx follows for only the changed slots.
        assert!(page.body.contains(
            r#"href="/dashboard/week" hx-get="/dashboard/week" hx-push-url="true" hx-swap="none""#
        ));
        assert!(page.body.contains(parallel_routes_examples::tabs::HTMX_URL));
    }
}

// --- Found in review ---------------------------------------------------------------------------

#[layout("/panicking-shop", slots(filters), parent = root)]
async fn panicking_shop(filters: Fragment) -> Html<String> {
    panic!("nested layout secret {filters}")
}

#[slot(panicking_shop, filters)]
async fn panicking_shop_filters() -> &'static str {
    "filters"
}

#[tokio::test]
async fn a_panic_in_a_nested_layout_answers_500_like_any_layout() {
    let reply = get(panicking_shop::router(), "/panicking-shop").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!reply.body.contains("secret"));
}
