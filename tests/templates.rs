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
