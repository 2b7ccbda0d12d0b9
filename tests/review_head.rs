//! Review of `parallel_routes::Head` (SPEC "Templates and the document head") and of the app
//! example's chat form with htmx: attacks the existing tests do not make. A test marked
//! `Was a defect` failed before its fix; the ignored one is a stated limit; every other test
//! documents behaviour worth keeping.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query};
use axum::http::{Request, StatusCode};
use axum::response::Html;
use parallel_routes::prelude::*;
use parallel_routes_examples::acme;
use parallel_routes_tests::{TempDb, chunks, get, request, send};

// --- Helpers ---------------------------------------------------------------------------------

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// The text of the first `<title>`, if any.
fn title_of(body: &str) -> Option<&str> {
    let start = body.find("<title>")? + "<title>".len();
    let end = start + body[start..].find("</title>")?;
    Some(&body[start..end])
}

/// What is between `<head>` and `</head>`.
fn head_of(body: &str) -> &str {
    let start = body.find("<head>").expect("a <head>") + "<head>".len();
    let end = body.find("</head>").expect("a </head>");
    &body[start..end]
}

/// A `GET uri` as htmx sends it when navigating from `from` (a path).
fn htmx_get(uri: &str, from: &str) -> Request<Body> {
    Request::get(uri)
        .header("HX-Request", "true")
        .header("HX-Current-URL", format!("http://localhost{from}"))
        .body(Body::empty())
        .unwrap()
}

#[derive(serde::Deserialize, Default)]
struct Slow {
    slow: Option<String>,
}

// --- One level: merge order, failures, escaping, endpoints (buffered) ------------------------

/// The `Head` parameter under another name and written as a path.
#[layout(
    "/rh",
    slots(first, second),
    routes("/panic", "/timeout", "/fail", "/interrupt", "/escape/{v}")
)]
async fn rh(
    h: parallel_routes::Head,
    first: Fragment,
    second: Fragment,
    children: Fragment,
) -> Html<String> {
    Html(format!(
        "<html><head>{h}</head><body><div id=\"first\">{first}</div><div id=\"second\">{second}</div><main id=\"children\">{children}</main></body></html>"
    ))
}

#[slot(rh, first, default)]
async fn rh_first(Query(q): Query<Slow>) -> (Head, &'static str) {
    if q.slow.as_deref() == Some("first") {
        sleep_ms(60).await;
    }
    (
        Head::title("First").meta("who", "first").link("next", "/1"),
        "first",
    )
}

#[slot(rh, second)]
async fn rh_second(Query(q): Query<Slow>) -> (Head, &'static str) {
    if q.slow.as_deref() == Some("second") {
        sleep_ms(60).await;
    }
    (
        Head::title("Second")
            .meta("WHO", "second")
            .link("next", "/1")
            .link("next", "/2"),
        "second",
    )
}

#[slot(rh, second, route = "/panic")]
async fn rh_second_panic(Query(q): Query<Slow>) -> (Head, &'static str) {
    if q.slow.is_none() {
        panic!("the second slot panics");
    }
    (Head::title("Unreachable"), "x")
}

#[slot(rh, second, route = "/timeout", timeout_ms = 30)]
async fn rh_second_timeout() -> (Head, &'static str) {
    sleep_ms(2_000).await;
    (Head::title("Late"), "late")
}

#[slot(rh, second, route = "/fail")]
async fn rh_second_fail() -> Result<(Head, &'static str), std::io::Error> {
    Err(std::io::Error::other("secret database detail"))
}

#[slot(rh, second, route = "/interrupt")]
async fn rh_second_interrupt() -> Result<(Head, &'static str), Interrupt> {
    Err(Interrupt::redirect("/elsewhere"))
}

#[slot(rh, second, route = "/escape/{v}")]
async fn rh_second_escape(Path(v): Path<String>) -> (Head, String) {
    let head = Head::title(v.clone())
        .meta(v.clone(), v.clone())
        .link(v.clone(), v.clone());
    (head, v)
}

#[page(rh, default)]
async fn rh_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn slot_heads_merge_in_page_order_whichever_slot_finishes_first() {
    let fast_second = get(rh::router(), "/rh?slow=first").await;
    let fast_first = get(rh::router(), "/rh?slow=second").await;
    assert_eq!(fast_second.status, StatusCode::OK);
    let expected = "<title>Second</title>\
         <meta name=\"who\" content=\"second\">\
         <link rel=\"next\" href=\"/1\"><link rel=\"next\" href=\"/2\">";
    assert_eq!(head_of(&fast_second.body), expected);
    assert_eq!(head_of(&fast_first.body), expected);
}

#[tokio::test]
async fn a_slot_that_panics_times_out_or_fails_contributes_no_head() {
    for path in ["/rh/panic", "/rh/timeout", "/rh/fail"] {
        let reply = get(rh::router(), path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            head_of(&reply.body),
            "<title>First</title><meta name=\"who\" content=\"first\"><link rel=\"next\" href=\"/1\">",
            "{path}"
        );
        assert!(
            reply.body.contains("data-slot-error=\"second\""),
            "{path}: {}",
            reply.body
        );
        assert!(!reply.body.contains("secret"), "{path}: {}", reply.body);
        assert!(!reply.body.contains("Late"), "{path}: {}", reply.body);
    }
    // Interrupted: the slot's head goes nowhere, the redirect decides.
    let reply = get(rh::router(), "/rh/interrupt").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers["location"], "/elsewhere");
}

#[tokio::test]
async fn hostile_values_are_escaped_in_title_meta_and_link() {
    // `"'><script>&</title>` in every place.
    let reply = get(
        rh::router(),
        "/rh/escape/%22%27%3E%3Cscript%3E%26%3C%2Ftitle%3E",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let v = "&quot;&#39;&gt;&lt;script&gt;&amp;&lt;/title&gt;";
    assert_eq!(
        head_of(&reply.body),
        format!(
            "<title>{v}</title><meta name=\"who\" content=\"first\"><meta name=\"{v}\" content=\"{v}\">\
             <link rel=\"next\" href=\"/1\"><link rel=\"{v}\" href=\"{v}\">"
        )
    );
    assert!(!reply.body.contains("<script>"), "{}", reply.body);
}

#[tokio::test]
async fn fragment_endpoints_of_headed_slots_send_the_fragment_alone() {
    let reply = get(rh::router(), "/rh/@second").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "second");
    let reply = get(rh::router(), "/rh/escape/x/@second").await;
    assert_eq!(reply.body, "x");
    // Failing: the fallback, no head.
    let reply = get(rh::router(), "/rh/fail/@second").await;
    assert!(!reply.body.contains("<title>"), "{}", reply.body);
}

/// With `Server-Timing` on, the head is the same and the header lists the slots; off, no
/// header though the heads travel beside the fragments.
#[tokio::test]
async fn server_timing_and_heads_travel_together() {
    let timed = get(parallel_routes_tests::timed(rh::router()), "/rh").await;
    let plain = get(rh::router(), "/rh").await;
    assert_eq!(head_of(&timed.body), head_of(&plain.body));
    let entries = parallel_routes_tests::timing_entries(&timed.headers);
    let names = parallel_routes_tests::names(&entries);
    for slot in ["first", "second", "children"] {
        assert!(names.contains(&slot), "{names:?}");
    }
    assert!(!plain.headers.contains_key("server-timing"));
}

// --- A layout without `children`, a `Head` bound to `_`, maud --------------------------------

#[layout("/rh-nochild", slots(only))]
async fn rh_nochild(_: Head, only: Fragment) -> Html<String> {
    Html(format!("<p>{only}</p>"))
}

#[slot(rh_nochild, only)]
async fn rh_nochild_only() -> (Head, &'static str) {
    (Head::title("ignored"), "only")
}

#[layout("/rh-maud", slots(only))]
async fn rh_maud(head: Head, only: Fragment) -> maud::Markup {
    maud::html! { html { head { (head) } body { (only) } } }
}

#[slot(rh_maud, only)]
async fn rh_maud_only() -> (Head, &'static str) {
    (Head::title("<b>&").meta("a\"b", "c'd"), "<i>")
}

#[tokio::test]
async fn a_layout_without_children_may_take_or_discard_the_head_and_maud_escapes_it() {
    let reply = get(rh_nochild::router(), "/rh-nochild").await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "<p>only</p>")
    );
    let reply = get(rh_maud::router(), "/rh-maud").await;
    assert_eq!(
        reply.body,
        "<html><head><title>&lt;b&gt;&amp;</title><meta name=\"a&quot;b\" content=\"c&#39;d\"></head><body>&lt;i&gt;</body></html>"
    );
}

// --- Streamed pages: the head is in the shell, in both modes ---------------------------------

#[layout("/rhs", slots(first, second, feed))]
async fn rhs(
    head: Head,
    first: Fragment,
    second: Fragment,
    feed: Fragment,
    children: Fragment,
) -> Html<String> {
    Html(format!(
        "<html><head>{head}</head><body>{first}{second}{feed}{children}</body></html>"
    ))
}

#[slot(rhs, first)]
async fn rhs_first(Query(q): Query<Slow>) -> (Head, &'static str) {
    rh_first(Query(q)).await
}

#[slot(rhs, second)]
async fn rhs_second(Query(q): Query<Slow>) -> (Head, &'static str) {
    rh_second(Query(q)).await
}

#[slot(rhs, feed, loading = feed_skeleton)]
async fn rhs_feed() -> &'static str {
    sleep_ms(150).await;
    "feed"
}

fn feed_skeleton() -> &'static str {
    "feed loading"
}

#[page(rhs)]
async fn rhs_page() -> (Head, &'static str) {
    (Head::new().meta("page", "yes"), "page")
}

#[layout("/rhi", slots(first, second, feed), stream = in_order)]
async fn rhi(
    head: Head,
    first: Fragment,
    second: Fragment,
    feed: Fragment,
    children: Fragment,
) -> Html<String> {
    rhs(head, first, second, feed, children).await
}

#[slot(rhi, first)]
async fn rhi_first(Query(q): Query<Slow>) -> (Head, &'static str) {
    rh_first(Query(q)).await
}

#[slot(rhi, second)]
async fn rhi_second(Query(q): Query<Slow>) -> (Head, &'static str) {
    rh_second(Query(q)).await
}

#[slot(rhi, feed, loading = feed_skeleton)]
async fn rhi_feed() -> &'static str {
    rhs_feed().await
}

#[page(rhi)]
async fn rhi_page() -> (Head, &'static str) {
    rhs_page().await
}

#[tokio::test]
async fn a_streamed_page_sends_the_same_merged_head_in_its_shell_in_both_modes() {
    let expected = "<title>Second</title>\
         <meta name=\"who\" content=\"second\"><meta name=\"page\" content=\"yes\">\
         <link rel=\"next\" href=\"/1\"><link rel=\"next\" href=\"/2\">";
    for (app, uri) in [
        (rhs::router(), "/rhs?slow=first"),
        (rhs::router(), "/rhs?slow=second"),
        (rhi::router(), "/rhi?slow=first"),
        (rhi::router(), "/rhi?slow=second"),
    ] {
        let reply = chunks(app, request(uri)).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert!(
            reply.chunks.len() >= 2,
            "{uri}: streamed {:?}",
            reply.chunks
        );
        let (_, shell) = &reply.chunks[0];
        assert_eq!(head_of(shell), expected, "{uri}");
        assert!(reply.body().contains("feed"), "{uri}");
    }
}

// --- Three levels, a nested layout that takes and returns the head, a streaming leaf ---------

#[layout("/r3", slots(nav), routes("/mid", "/mid/leaf", "/mid/stream"))]
async fn r3(head: Head, nav: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><head>{head}</head><body><nav id=\"nav\">{nav}</nav><main id=\"children\">{children}</main></body></html>"
    ))
}

#[slot(r3, nav, default)]
async fn r3_nav() -> (Head, &'static str) {
    let head = Head::title("Root")
        .meta("description", "root")
        .link("icon", "/i.ico");
    (head, "nav")
}

#[page(r3)]
async fn r3_page() -> &'static str {
    "root page"
}

/// Receives its level's merged head and returns it with its own additions: nothing may come
/// out twice.
#[layout("/r3/mid", slots(side), parent = r3, routes("/leaf", "/stream"))]
async fn r3_mid(head: Head, side: Fragment, children: Fragment) -> (Head, Html<String>) {
    let seen = Fragment::text(head.title_text().unwrap_or("none"));
    let own = head
        .clone()
        .with_title("Mid")
        .meta("section", "mid")
        .link("icon", "/i.ico");
    (
        own,
        Html(format!(
            "<section data-seen=\"{seen}\"><aside id=\"side\">{side}</aside><div id=\"mid\">{children}</div></section>"
        )),
    )
}

#[slot(r3_mid, side, default)]
async fn r3_side() -> (Head, &'static str) {
    (Head::title("Side").meta("robots", "noindex"), "side")
}

#[page(r3_mid)]
async fn r3_mid_page() -> &'static str {
    "mid page"
}

#[layout("/r3/mid/leaf", slots(aside), parent = r3_mid)]
async fn r3_leaf(aside: Fragment, children: Fragment) -> Html<String> {
    Html(format!("<article>{aside}{children}</article>"))
}

#[slot(r3_leaf, aside)]
async fn r3_leaf_aside() -> (Head, &'static str) {
    (Head::new().meta("author", "aside"), "aside")
}

#[page(r3_leaf)]
async fn r3_leaf_page() -> (Head, &'static str) {
    (
        Head::title("Leaf & <co>").meta("Description", "leaf"),
        "leaf",
    )
}

#[layout("/r3/mid/stream", slots(feed, info), parent = r3_mid)]
async fn r3_stream(feed: Fragment, info: Fragment, children: Fragment) -> (Head, Html<String>) {
    (
        Head::title("Stream layout").meta("layout", "stream"),
        Html(format!("<article>{feed}{info}{children}</article>")),
    )
}

#[slot(r3_stream, feed, loading = feed_skeleton)]
async fn r3_stream_feed() -> &'static str {
    sleep_ms(150).await;
    "feed"
}

#[slot(r3_stream, info)]
async fn r3_stream_info() -> (Head, &'static str) {
    sleep_ms(20).await;
    (Head::new().meta("info", "yes"), "info")
}

#[page(r3_stream)]
async fn r3_stream_page(Query(q): Query<Slow>) -> (Head, &'static str) {
    if q.slow.is_some() {
        sleep_ms(40).await;
    }
    (Head::title("Streamed leaf"), "page")
}

fn r3_app() -> axum::Router {
    r3::router()
        .merge(r3_mid::router())
        .merge(r3_leaf::router())
        .merge(r3_stream::router())
}

#[tokio::test]
async fn three_levels_merge_the_deepest_page_wins_and_nothing_is_written_twice() {
    let reply = get(r3_app(), "/r3/mid/leaf").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        head_of(&reply.body),
        "<title>Leaf &amp; &lt;co&gt;</title>\
         <meta name=\"description\" content=\"leaf\">\
         <meta name=\"robots\" content=\"noindex\">\
         <meta name=\"author\" content=\"aside\">\
         <meta name=\"section\" content=\"mid\">\
         <link rel=\"icon\" href=\"/i.ico\">"
    );
    // The middle layout saw its level's merged head: the leaf's page over its side slot.
    assert!(
        reply.body.contains("data-seen=\"Leaf &amp; &lt;co&gt;\""),
        "{}",
        reply.body
    );
    // At the middle level, no page title: its slot's title beats the layout's own.
    let reply = get(r3_app(), "/r3/mid").await;
    assert_eq!(title_of(&reply.body), Some("Side"), "{}", reply.body);
    let reply = get(r3_app(), "/r3").await;
    assert_eq!(title_of(&reply.body), Some("Root"), "{}", reply.body);
    // By htmx from the middle level to the leaf: the leaf level is new, rendered whole, and
    // its page's title is sent (escaped), as on the full page.
    let (_, _, partial) = send(r3_app(), htmx_get("/r3/mid/leaf", "/r3/mid")).await;
    assert!(
        partial.starts_with("<title>Leaf &amp; &lt;co&gt;</title><div hx-swap-oob="),
        "{partial}"
    );
    assert_partial_title_matches_the_page(r3_app, "/r3/mid/leaf", "/r3/mid").await;
}

#[tokio::test]
async fn a_streaming_nested_level_puts_its_head_in_the_shell() {
    for uri in ["/r3/mid/stream", "/r3/mid/stream?slow=1"] {
        let reply = chunks(r3_app(), request(uri)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.chunks.len() >= 2,
            "{uri}: streamed {:?}",
            reply.chunks
        );
        let (_, shell) = &reply.chunks[0];
        let head = head_of(shell);
        assert!(
            head.starts_with("<title>Streamed leaf</title>"),
            "{uri}: {head}"
        );
        for tag in [
            r#"<meta name="info" content="yes">"#,
            r#"<meta name="layout" content="stream">"#,
            r#"<meta name="section" content="mid">"#,
            r#"<meta name="robots" content="noindex">"#,
        ] {
            assert_eq!(head.matches(tag).count(), 1, "{uri}: {tag} in {head}");
        }
        assert!(reply.body().contains("feed"), "{uri}");
    }
}

// --- Partial navigation: the title htmx puts on the document ---------------------------------

/// The page's title must win over a slot's (SPEC), also in a partial response.
#[layout("/pn", slots(tabs), routes("/other"))]
async fn pn(head: Head, tabs: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><head>{head}</head><body><div id=\"tabs\">{tabs}</div><main id=\"children\">{children}</main></body></html>"
    ))
}

#[derive(serde::Deserialize)]
struct Tab {
    tab: Option<String>,
}

/// Reads the query: re-runs on a partial navigation that changes it.
#[slot(pn, tabs, default)]
async fn pn_tabs(Query(q): Query<Tab>) -> (Head, String) {
    (Head::title("Tabs"), q.tab.unwrap_or_default())
}

/// Takes no argument: kept on a partial navigation within `/pn`.
#[page(pn)]
async fn pn_index() -> (Head, &'static str) {
    (Head::title("Index"), "index")
}

#[page(pn, route = "/other")]
async fn pn_other() -> &'static str {
    "other"
}

/// The title a partial response sends, if any, is the one a full load of the same URL shows.
async fn assert_partial_title_matches_the_page(app: fn() -> axum::Router, uri: &str, from: &str) {
    let full = get(app(), uri).await;
    let full_title = title_of(&full.body).map(str::to_owned);
    let (status, _, partial) = send(app(), htmx_get(uri, from)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !partial.contains("<html"),
        "{from} -> {uri} is a partial: {partial}"
    );
    // The document had the title of `from`; after htmx applies the partial it must have
    // `uri`'s.
    let before = title_of(&get(app(), from).await.body).map(str::to_owned);
    let after = title_of(&partial).map(str::to_owned).or(before);
    assert_eq!(
        after, full_title,
        "{from} -> {uri}: htmx leaves the document titled {after:?}, a full load of {uri} is \
         titled {full_title:?}; partial: {partial}"
    );
}

// Was a defect (fixed): on a partial navigation that re-runs only a slot (the page is kept),
// the slot's title was sent and htmx put it on the document, although the kept page's title
// wins on the full page: `/pn?tab=1 -> /pn?tab=2` answered `<title>Tabs</title>…`, the page
// is titled `Index`. A partial now sends only the title of `children` rendered whole.
#[tokio::test]
async fn a_partial_that_reruns_only_a_slot_does_not_replace_the_kept_page_s_title() {
    assert_partial_title_matches_the_page(pn::router, "/pn?tab=2", "/pn?tab=1").await;
}

// A stated limit (README "The document head"): a partial navigation to a page that sets no
// title sends none, so the document keeps the previous page's title, while a full load shows
// the kept slot's: `/pn -> /pn/other` leaves `Index`, a full load of `/pn/other` is `Tabs`.
// The slots that are kept do not run, so their heads are not known; give every page a title.
#[tokio::test]
#[ignore = "a stated limit: a partial does not run the kept slots, whose title a page without one would show"]
async fn a_partial_to_a_page_without_a_title_does_not_keep_the_previous_page_s_title() {
    assert_partial_title_matches_the_page(pn::router, "/pn/other", "/pn").await;
}

#[tokio::test]
async fn a_partial_whose_page_changes_sends_its_title_escaped() {
    // `/pn/other -> /pn`: the page changes and wins over the (unchanged) slot.
    let (_, _, partial) = send(pn::router(), htmx_get("/pn", "/pn/other")).await;
    assert!(partial.starts_with("<title>Index</title>"), "{partial}");
    assert_partial_title_matches_the_page(pn::router, "/pn", "/pn/other").await;
    // Escaped as in the full page.
    let (_, _, partial) = send(
        rh::router(),
        htmx_get("/rh/escape/%3C%2Ftitle%3E%3Cscript%3E", "/rh/escape/a"),
    )
    .await;
    assert!(
        partial.starts_with("<title>&lt;/title&gt;&lt;script&gt;</title>"),
        "{partial}"
    );
    assert!(!partial.contains("<script>"), "{partial}");
}

/// A nested level whose own layout sets the title, inside a root whose slot re-runs on a
/// query change.
#[layout("/pq", slots(bar), routes("/sec"))]
async fn pq(head: Head, bar: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><head>{head}</head><body><div id=\"bar\">{bar}</div><main id=\"children\">{children}</main></body></html>"
    ))
}

#[slot(pq, bar, default)]
async fn pq_bar(Query(q): Query<Tab>) -> (Head, String) {
    (Head::title("Root bar"), q.tab.unwrap_or_default())
}

#[page(pq)]
async fn pq_page() -> &'static str {
    "root"
}

#[layout("/pq/sec", slots(note), parent = pq)]
async fn pq_sec(note: Fragment, children: Fragment) -> (Head, Html<String>) {
    (
        Head::title("Section"),
        Html(format!(
            "<div id=\"note\">{note}</div><div id=\"sec\">{children}</div>"
        )),
    )
}

#[slot(pq_sec, note)]
async fn pq_note() -> &'static str {
    "note"
}

#[page(pq_sec)]
async fn pq_sec_page() -> &'static str {
    "section page"
}

fn pq_app() -> axum::Router {
    pq::router().merge(pq_sec::router())
}

#[tokio::test]
async fn a_nested_layout_s_own_title_wins_over_the_root_slot_on_a_full_load() {
    let reply = get(pq_app(), "/pq/sec?tab=1").await;
    assert_eq!(title_of(&reply.body), Some("Section"), "{}", reply.body);
    // Entering the section from the root by htmx: the level is new, rendered whole, and its
    // layout's title is sent.
    assert_partial_title_matches_the_page(pq_app, "/pq/sec", "/pq").await;
}

// Was a defect (fixed): the same across levels: `/pq/sec?tab=1 -> /pq/sec?tab=2` re-runs the root's `bar`
// slot only, and the partial sends its `<title>Root bar</title>`, although the nested
// layout's own title `Section` goes over the parent's slots on the full page.
#[tokio::test]
async fn a_partial_that_reruns_a_root_slot_does_not_replace_a_nested_level_s_title() {
    assert_partial_title_matches_the_page(pq_app, "/pq/sec?tab=2", "/pq/sec?tab=1").await;
}

// --- The app's chat form with htmx -----------------------------------------------------------

async fn fresh() -> (TempDb, sqlx::SqlitePool) {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    (db, pool)
}

fn htmx_post(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("HX-Request", "true")
        .header("HX-Current-URL", "http://localhost/chat/3")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn messages(pool: &sqlx::SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// What htmx does after the 303: the same headers on the redirected GET (`HX-Request`,
/// `HX-Current-URL` of the page it is on). The fragment endpoint answers with the pane, not
/// a partial navigation's swaps, nor the page.
#[tokio::test]
async fn the_redirected_pane_is_the_fragment_even_with_htmx_s_headers() {
    let (_db, pool) = fresh().await;
    let (status, headers, _) = send(
        acme::app(pool.clone()),
        htmx_post("/chat/3/messages", "body=hi"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap().to_owned();
    let (status, _, pane) = send(acme::app(pool.clone()), htmx_get(&location, "/chat/3")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pane.starts_with("<h2>Support rota</h2>"), "{pane}");
    assert!(!pane.contains("hx-swap-oob"), "{pane}");
    assert!(!pane.contains("<title>"), "{pane}");
    assert!(pane.contains("<b>You</b> hi"), "{pane}");
    // And the list it asks for, with the same headers.
    let (status, _, list) = send(
        acme::app(pool.clone()),
        htmx_get("/chat/3/@list", "/chat/3"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.starts_with("<h2>Conversations</h2>"), "{list}");
    assert!(!list.contains("hx-swap-oob"), "{list}");
}

#[tokio::test]
async fn a_hostile_message_posted_by_htmx_is_text_in_the_pane() {
    let (_db, pool) = fresh().await;
    let hostile = r#"<img src=x onerror=alert(1)>"'&</h2><script>x</script>"#;
    let form = format!("body={}", urlencode(hostile));
    let (status, headers, _) = send(
        acme::app(pool.clone()),
        htmx_post("/chat/3/messages", &form),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let pane = get(
        acme::app(pool.clone()),
        headers["location"].to_str().unwrap(),
    )
    .await;
    // Escaped by askama (numeric references): no tag, no quote, no `</h2>` of its own.
    assert!(
        pane.body
            .contains("<b>You</b> &#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#38;"),
        "{}",
        pane.body
    );
    assert_eq!(pane.body.matches("</h2>").count(), 1, "{}", pane.body);
    assert!(!pane.body.contains("<img"), "{}", pane.body);
    assert!(!pane.body.contains("<script>"), "{}", pane.body);
    // The whole page too.
    let page = get(acme::app(pool.clone()), "/chat/3").await;
    assert!(!page.body.contains("<img src=x"), "{}", page.body);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_htmx_post_with_odd_ids_and_headers() {
    let (_db, pool) = fresh().await;
    let before = messages(&pool).await;
    // An unknown conversation: 404, nothing written.
    let (status, headers, _) = send(
        acme::app(pool.clone()),
        htmx_post("/chat/999/messages", "body=hi"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!headers.contains_key("location"));
    assert_eq!(messages(&pool).await, before);
    // An id that is not a number: axum's 400, nothing written.
    for path in ["/chat/x/messages", "/chat/3%0d%0aSet-Cookie:a=b/messages"] {
        let (status, headers, _) = send(acme::app(pool.clone()), htmx_post(path, "body=hi")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(!headers.contains_key("set-cookie"), "{path}");
    }
    assert_eq!(messages(&pool).await, before);
    // An id written oddly: the redirect is to the canonical one.
    let (status, headers, _) = send(
        acme::app(pool.clone()),
        htmx_post("/chat/03/messages", "body=hi"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/chat/3/@children?sent=true");
    // `HX-Request` other than `true` is not htmx: the full post/redirect/get.
    let mut spoofed = htmx_post("/chat/3/messages", "body=hi");
    spoofed
        .headers_mut()
        .insert("hx-request", "TRUE".parse().unwrap());
    let (_, headers, _) = send(acme::app(pool.clone()), spoofed).await;
    assert_eq!(headers["location"], "/chat/3");
    // A refusal by htmx for a long message.
    let long = "a".repeat(acme::chat::MAX_MESSAGE + 1);
    let (_, headers, _) = send(
        acme::app(pool.clone()),
        htmx_post("/chat/3/messages", &format!("body={long}")),
    )
    .await;
    assert_eq!(headers["location"], "/chat/3/@children?error=too-long");
    assert_eq!(messages(&pool).await, before + 2);
}

/// Navigating between conversations by htmx: the title the partial sends is the one a full
/// load of the conversation shows (escaped), and the kept parts send nothing.
#[tokio::test]
async fn the_app_s_partial_navigation_titles_match_its_pages() {
    let (_db, pool) = fresh().await;
    let app = {
        let pool = pool.clone();
        move || acme::app(pool.clone())
    };
    for (uri, from) in [
        ("/chat/2", "/chat/1"),
        ("/chat", "/chat/2"),
        ("/chat/1", "/dashboard"),
        ("/", "/chat/1"),
        ("/shop/lamps", "/shop"),
    ] {
        let full = get(app(), uri).await;
        let (status, _, partial) = send(app(), htmx_get(uri, from)).await;
        assert_eq!(status, StatusCode::OK, "{from} -> {uri}");
        assert!(!partial.contains("<html"), "{from} -> {uri}: {partial}");
        assert_eq!(
            title_of(&partial),
            title_of(&full.body),
            "{from} -> {uri}: {partial}"
        );
    }
}

// --- A cached slot's head (the cache added after the head; it keeps both) ---------------------

static CACHED_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[layout("/rhc", slots(side), routes("/p"))]
async fn rhc(head: Head, side: Fragment, children: Fragment) -> Html<String> {
    Html(format!(
        "<html><head>{head}</head><body><div id=\"side\">{side}</div><main id=\"children\">{children}</main></body></html>"
    ))
}

#[slot(rhc, side, default, cache(max_age = 60))]
async fn rhc_side(Query(q): Query<Tab>) -> (Head, String) {
    CACHED_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let tab = q.tab.unwrap_or_default();
    (
        Head::title(format!("Side {tab}")).meta("tab", tab.clone()),
        tab,
    )
}

#[page(rhc, default)]
async fn rhc_page() -> &'static str {
    "page"
}

#[tokio::test]
async fn a_cache_hit_gives_the_same_head_as_the_miss_and_heads_do_not_leak_between_keys() {
    let cache = parallel_routes::Cache::default();
    let app = move || rhc::router().layer(axum::Extension(cache.clone()));
    let miss = get(app(), "/rhc?tab=a").await;
    let hit = get(app(), "/rhc?tab=a").await;
    let other = get(app(), "/rhc?tab=%3Cb%3E").await;
    assert_eq!(CACHED_RUNS.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(
        head_of(&miss.body),
        "<title>Side a</title><meta name=\"tab\" content=\"a\">"
    );
    assert_eq!(head_of(&hit.body), head_of(&miss.body));
    assert_eq!(
        head_of(&other.body),
        "<title>Side &lt;b&gt;</title><meta name=\"tab\" content=\"&lt;b&gt;\">"
    );
    // A partial navigation served from the cache sends the cached title too.
    let (_, _, partial) = send(app(), htmx_get("/rhc?tab=a", "/rhc?tab=b")).await;
    assert!(partial.starts_with("<title>Side a</title>"), "{partial}");
    assert_eq!(CACHED_RUNS.load(std::sync::atomic::Ordering::SeqCst), 2);
}
