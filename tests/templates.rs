//! Templates: a `Fragment` interpolated into an askama template is written as HTML without
//! `|safe`, text stays escaped, and a slot or layout written as askama templates renders the
//! same page as with `format!` (feature `askama`; maud is tested in `tests/render.rs`).

use askama::Template;
use axum::response::Html;
use parallel_routes::TemplateError;
use parallel_routes::prelude::*;
use parallel_routes_tests::get;

#[derive(Template)]
#[template(
    source = r#"<main><section id="latest">{{ latest }}</section><p>{{ note }}</p>{{ children }}</main>"#,
    ext = "html"
)]
struct Page<'a> {
    latest: Fragment,
    note: &'a str,
    children: Fragment,
}

#[derive(Template)]
#[template(
    source = r#"<h2>{{ title }}</h2><ul>{% for post in posts %}<li>{{ post }}</li>{% endfor %}</ul>"#,
    ext = "html"
)]
struct Latest {
    title: String,
    posts: Vec<String>,
}

#[layout("/tpl", slots(latest))]
async fn tpl(latest: Fragment, children: Fragment) -> Result<Html<String>, TemplateError> {
    let page = Page {
        latest,
        note: "<script>x</script> & more",
        children,
    };
    Ok(Html(page.render()?))
}

#[slot(tpl, latest)]
async fn tpl_latest() -> askama::Result<Fragment> {
    Fragment::template(&Latest {
        title: "Latest <news>".to_owned(),
        posts: vec!["a & b".to_owned(), "<i>c</i>".to_owned()],
    })
}

#[page(tpl)]
async fn tpl_page() -> Html<&'static str> {
    Html("<p>page</p>")
}

#[tokio::test]
async fn a_fragment_in_an_askama_template_is_html_and_text_is_escaped() {
    let reply = get(tpl::router(), "/tpl").await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);
    assert_eq!(
        reply.body,
        "<main><section id=\"latest\"><h2>Latest &#60;news&#62;</h2><ul><li>a &#38; b</li><li>&#60;i&#62;c&#60;/i&#62;</li></ul></section><p>&#60;script&#62;x&#60;/script&#62; &#38; more</p><p>page</p></main>"
    );
}

#[test]
fn a_fragment_is_written_once_whatever_the_escaping_mode() {
    // A fragment made from text is escaped once (when it was made), not again by askama.
    #[derive(Template)]
    #[template(source = "{{ a }}|{{ b }}|{{ c }}", ext = "html")]
    struct Three {
        a: Fragment,
        b: Fragment,
        c: String,
    }
    let three = Three {
        a: Fragment::text("<&>"),
        b: Fragment::html("<b>&amp;</b>"),
        c: "<&>".to_owned(),
    };
    assert_eq!(
        three.render().unwrap(),
        "&lt;&amp;&gt;|<b>&amp;</b>|&#60;&#38;&#62;"
    );
}

/// A value whose `Display` fails, so that the template interpolating it fails to render.
struct Broken;

impl std::fmt::Display for Broken {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Err(std::fmt::Error)
    }
}

#[derive(Template)]
#[template(source = "<p>{{ broken }}</p>", ext = "html")]
struct Fails {
    broken: Broken,
}

#[layout("/tpl-fail", slots(bad))]
async fn tpl_fail(bad: Fragment, children: Fragment) -> Result<Html<String>, TemplateError> {
    Ok(Html(
        Page {
            latest: bad,
            note: "n",
            children,
        }
        .render()?,
    ))
}

#[slot(tpl_fail, bad)]
async fn tpl_fail_bad() -> askama::Result<Fragment> {
    Fragment::template(&Fails { broken: Broken })
}

#[page(tpl_fail)]
async fn tpl_fail_page() -> askama::Result<Fragment> {
    Fragment::template(&Latest {
        title: "t".to_owned(),
        posts: Vec::new(),
    })
}

#[layout("/tpl-layout-fail", slots(), routes("/nested"))]
async fn tpl_layout_fail(children: Fragment) -> Result<Html<String>, TemplateError> {
    let _ = children;
    Ok(Html(Fails { broken: Broken }.render()?))
}

#[page(tpl_layout_fail)]
async fn tpl_layout_fail_page() -> &'static str {
    "page"
}

#[test]
fn a_template_that_fails_renders_its_slots_fallback_or_a_500_for_a_layout() {
    let (reply, log) = parallel_routes_tests::logged(
        tracing::Level::ERROR,
        false,
        get(tpl_fail::router(), "/tpl-fail"),
    );
    assert_eq!(reply.status, axum::http::StatusCode::OK);
    assert!(
        reply
            .body
            .contains(r#"<div role="alert" data-slot-error="bad">"#),
        "{}",
        reply.body
    );
    assert!(log.contains("ERROR"), "{log}");
    let (reply, log) = parallel_routes_tests::logged(
        tracing::Level::ERROR,
        false,
        get(tpl_layout_fail::router(), "/tpl-layout-fail"),
    );
    assert_eq!(reply.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body, "", "nothing of the error reaches the client");
    assert!(log.contains("template failed to render"), "{log}");
}

#[layout("/tpl-layout-fail/nested", slots(), parent = tpl_layout_fail)]
async fn tpl_nested_fail(children: Fragment) -> Result<Html<String>, TemplateError> {
    let _ = children;
    Ok(Html(Fails { broken: Broken }.render()?))
}

#[page(tpl_nested_fail)]
async fn tpl_nested_fail_page() -> &'static str {
    "nested page"
}

#[test]
fn a_nested_layout_returning_an_error_answers_500_and_logs_it() {
    let app = tpl_layout_fail::router().merge(tpl_nested_fail::router());
    let (reply, log) = parallel_routes_tests::logged(
        tracing::Level::ERROR,
        false,
        get(app, "/tpl-layout-fail/nested"),
    );
    assert_eq!(reply.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body, "");
    assert!(log.contains("a nested layout returned an error"), "{log}");
    assert!(log.contains("tpl_nested_fail"), "{log}");
}

// ---- The document head (SPEC "Templates and the document head") ----

#[derive(Template)]
#[template(
    source = r#"<html><head>{{ head }}</head><body>{{ nav }}{{ children }}</body></html>"#,
    ext = "html"
)]
struct Document {
    head: Head,
    nav: Fragment,
    children: Fragment,
}

/// The outermost layout: writes the merged head with askama, `{{ head }}` without `|safe`.
#[layout(
    "/doc",
    slots(nav),
    routes("/post/{id}", "/plain", "/failing", "/streamed", "/blog", "/blog/{slug}" as BlogPost)
)]
async fn doc(head: Head, nav: Fragment, children: Fragment) -> Result<Html<String>, TemplateError> {
    Ok(Html(
        Document {
            head,
            nav,
            children,
        }
        .render()?,
    ))
}

#[slot(doc, nav, default)]
async fn doc_nav() -> (Head, Html<&'static str>) {
    let head = Head::title("Site")
        .meta("description", "the site")
        .meta("generator", "parallel-routes")
        .link("icon", "/favicon.ico");
    (head, Html("<nav>nav</nav>"))
}

#[page(doc)]
async fn doc_index() -> &'static str {
    "no head of its own"
}

#[page(doc, route = "/post/{id}")]
async fn doc_post(
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<(Head, String), Failure> {
    if id == "missing" {
        return Err(Interrupt::not_found().into());
    }
    let head = Head::title(format!("Post {id}")).meta("description", format!("about {id}"));
    Ok((head, format!("post {id}")))
}

#[page(doc, route = "/plain")]
async fn doc_plain() -> Html<&'static str> {
    Html("<p>plain</p>")
}

#[page(doc, route = "/failing")]
async fn doc_failing() -> Result<(Head, &'static str), std::io::Error> {
    Err(std::io::Error::other("the database is down"))
}

#[page(doc, route = "/streamed", loading = doc_skeleton)]
async fn doc_streamed() -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    "streamed"
}

fn doc_skeleton() -> &'static str {
    "loading"
}

fn head_of(body: &str) -> &str {
    let start = body.find("<head>").expect("a head") + "<head>".len();
    let end = body.find("</head>").expect("its end");
    &body[start..end]
}

#[tokio::test]
async fn the_page_title_wins_over_a_slot_and_their_tags_merge() {
    let reply = get(doc::router(), "/doc/post/3").await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);
    assert_eq!(
        head_of(&reply.body),
        "<title>Post 3</title>\
         <meta name=\"description\" content=\"about 3\">\
         <meta name=\"generator\" content=\"parallel-routes\">\
         <link rel=\"icon\" href=\"/favicon.ico\">"
    );
    // A page without a head of its own leaves the slot's.
    let reply = get(doc::router(), "/doc").await;
    assert!(
        head_of(&reply.body)
            .starts_with("<title>Site</title><meta name=\"description\" content=\"the site\">"),
        "{}",
        reply.body
    );
    // An interrupt from a page that would have set the head answers as always.
    let reply = get(doc::router(), "/doc/post/missing").await;
    assert_eq!(reply.status, axum::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn head_values_are_escaped_where_they_are_written() {
    let reply = get(doc::router(), "/doc/post/%3C%2Ftitle%3E%3Cscript%3E%22").await;
    let head = head_of(&reply.body);
    assert!(
        head.starts_with("<title>Post &lt;/title&gt;&lt;script&gt;&quot;</title>"),
        "{head}"
    );
    assert!(
        head.contains(r#"content="about &lt;/title&gt;&lt;script&gt;&quot;""#),
        "{head}"
    );
    assert!(!reply.body.contains("<script>"), "{}", reply.body);
}

#[tokio::test]
async fn a_failed_page_contributes_no_head_and_a_streamed_page_sends_it_in_the_shell() {
    let reply = get(doc::router(), "/doc/failing").await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);
    assert!(head_of(&reply.body).starts_with("<title>Site</title>"));
    assert!(reply.body.contains("data-slot-error=\"children\""));
    assert!(!reply.body.contains("database"), "{}", reply.body);

    // The page streams (its `loading`); the nav slot's head is in the shell.
    let chunks = parallel_routes_tests::chunks(
        doc::router(),
        parallel_routes_tests::request("/doc/streamed"),
    )
    .await;
    let (_, shell) = &chunks.chunks[0];
    assert!(shell.contains("<head><title>Site</title>"), "{shell}");
    assert!(shell.contains("loading"), "{shell}");
    assert!(chunks.body().contains("streamed"));
}

// Nesting: a nested layout's own head is its level's default; its page wins over it, and
// the level wins over the parent's slots.

#[layout("/doc/blog", slots(sidebar), routes("/{slug}"), parent = doc)]
async fn doc_blog(head: Head, sidebar: Fragment, children: Fragment) -> (Head, Html<String>) {
    // The level's merged head so far, as the nested layout sees it.
    let seen = Fragment::text(head.title_text().unwrap_or("none"));
    (
        Head::title("Blog").meta("section", "blog"),
        Html(format!(
            "<div data-seen=\"{seen}\">{sidebar}{children}</div>"
        )),
    )
}

#[slot(doc_blog, sidebar)]
async fn doc_blog_sidebar() -> (Head, &'static str) {
    (Head::title("Sidebar").meta("robots", "noindex"), "sidebar")
}

#[slot(doc_blog, sidebar, route = "/{slug}")]
async fn doc_blog_sidebar_post() -> &'static str {
    "sidebar"
}

#[page(doc_blog)]
async fn doc_blog_index() -> &'static str {
    "all posts"
}

#[page(doc_blog, route = "/{slug}")]
async fn doc_blog_post(axum::extract::Path(slug): axum::extract::Path<String>) -> (Head, String) {
    (Head::title(format!("Blog: {slug}")), slug)
}

#[tokio::test]
async fn a_nested_level_s_head_goes_over_its_parent_s_slots() {
    let app = || doc::router().merge(doc_blog::router());
    let reply = get(app(), "/doc/blog/hello").await;
    assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
    assert_eq!(
        head_of(&reply.body),
        "<title>Blog: hello</title>\
         <meta name=\"description\" content=\"the site\">\
         <meta name=\"generator\" content=\"parallel-routes\">\
         <meta name=\"section\" content=\"blog\">\
         <link rel=\"icon\" href=\"/favicon.ico\">"
    );
    assert!(
        reply.body.contains(r#"data-seen="Blog: hello""#),
        "{}",
        reply.body
    );
    // Without a title from the page, the slot's title beats the nested layout's own.
    let reply = get(app(), "/doc/blog").await;
    let head = head_of(&reply.body);
    assert!(head.starts_with("<title>Sidebar</title>"), "{head}");
    assert!(
        head.contains(r#"<meta name="robots" content="noindex">"#),
        "{head}"
    );
    assert!(
        head.contains(r#"<meta name="section" content="blog">"#),
        "{head}"
    );
}

#[tokio::test]
async fn a_partial_navigation_sends_the_changed_page_s_title() {
    let request = |uri: &str, from: &str| {
        axum::http::Request::get(uri)
            .header("HX-Request", "true")
            .header("HX-Current-URL", format!("http://localhost{from}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (status, _, body) =
        parallel_routes_tests::send(doc::router(), request("/doc/post/7", "/doc/plain")).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(
        body.starts_with("<title>Post 7</title><div hx-swap-oob="),
        "{body}"
    );
    // A page that sets no title sends none: htmx keeps the document's.
    let (_, _, body) =
        parallel_routes_tests::send(doc::router(), request("/doc/plain", "/doc/post/7")).await;
    assert!(!body.contains("<title>"), "{body}");
}
