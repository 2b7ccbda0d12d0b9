//! The app example on a real SQLite database through sqlx (`examples/acme`), each test on a
//! database file of its own in the system's temporary directory: created, migrated and seeded
//! on first open, the dashboard's widgets from real queries, a database error in one widget
//! rendering its fallback.

use axum::http::StatusCode;
use parallel_routes_examples::acme;
use parallel_routes_tests::{TempDb, get};

#[tokio::test]
async fn the_database_is_created_migrated_and_seeded_once() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let count = |pool: sqlx::SqlitePool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM news")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(count(pool.clone()).await, 6);
    pool.close().await;
    // Opened again: migrated already, not seeded twice.
    let pool = acme::database(&db.url()).await.unwrap();
    assert_eq!(count(pool.clone()).await, 6);
}

#[tokio::test]
async fn the_dashboard_shows_the_latest_news_and_the_transactions_from_sqlite() {
    let db = TempDb::new();
    let app = acme::app(acme::database(&db.url()).await.unwrap());
    let reply = get(app, "/dashboard").await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = &reply.body;
    assert!(
        body.contains(r#"<a href="/dashboard" hx-get="/dashboard" hx-push-url="true" hx-swap="none" aria-current="page">Dashboard</a>"#),
        "{body}"
    );
    // The five latest news with their authors (a join), not the sixth, older one.
    assert_eq!(
        body.matches("<span class=\"meta\">").count(),
        5 + 5,
        "{body}"
    );
    assert!(body.contains("Quarterly results beat the forecast <span class=\"meta\">Ada Lovelace · 2026-11-25 09:00</span>"));
    assert!(!body.contains("Old news"), "{body}");
    // The five latest transactions, and each account's balance (a sum).
    assert!(body.contains("Cloud hosting <span class=\"meta\">Operations · −€482.50</span>"));
    assert!(
        body.contains("<div class=\"stat\"><b>€177.51</b>Operations</div>"),
        "{body}"
    );
    assert!(body.contains("<div class=\"stat\"><b>−€1050.00</b>Marketing</div>"));
    let home = get(acme::app(acme::database(&db.url()).await.unwrap()), "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(
        r#"<a href="/" hx-get="/" hx-push-url="true" hx-swap="none" aria-current="page">Home</a>"#
    ));
}

#[tokio::test]
async fn a_database_error_renders_that_widgets_fallback_and_the_rest_of_the_page() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    sqlx::query("DROP TABLE transactions")
        .execute(&pool)
        .await
        .unwrap();
    let reply = get(acme::app(pool), "/dashboard").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains(r#"<section id="transactions"><h2>Recent transactions</h2><p role="alert">Transactions are unavailable right now.</p></section>"#),
        "{}",
        reply.body
    );
    assert!(
        !reply.body.contains("no such table"),
        "nothing of the error reaches the page"
    );
    assert!(reply.body.contains("Quarterly results beat the forecast"));
}

/// `POST path` with a form body.
fn post_form(path: &str, body: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap()
}

async fn message_count(pool: &sqlx::SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_chat_shows_its_conversations_a_default_pane_and_answers_bad_ids() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let app = || acme::app(pool.clone());
    let pane = get(app(), "/chat").await;
    assert_eq!(pane.status, StatusCode::OK);
    assert!(
        pane.body.contains("<h2>Pick a conversation</h2>"),
        "{}",
        pane.body
    );
    // The list: each conversation with its message count (a join and a count).
    assert!(
        pane.body
            .contains(r#"<a href="/chat/1" hx-get="/chat/1" hx-push-url="true" hx-swap="none">Launch plan</a> <span class="meta">2</span>"#),
        "{}",
        pane.body
    );
    assert!(
        pane.body
            .contains(r#"<a href="/chat" hx-get="/chat" hx-push-url="true" hx-swap="none" aria-current="page">Chat</a>"#)
    );
    let one = get(app(), "/chat/1").await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(
        one.body
            .contains(r#"<a href="/chat/1" hx-get="/chat/1" hx-push-url="true" hx-swap="none" aria-current="page">Launch plan</a>"#)
    );
    assert!(
        one.body
            .contains("<b>Grace</b> Yes, the last checks run tonight.")
    );
    assert!(
        one.body
            .contains(r##"<form method="post" action="/chat/1/messages" hx-post="/chat/1/messages" hx-target="#current""##)
    );
    // The section is still current in the navigation on a conversation.
    assert!(
        one.body
            .contains(r#"<a href="/chat" hx-get="/chat" hx-push-url="true" hx-swap="none" aria-current="page">Chat</a>"#)
    );
    let missing = get(app(), "/chat/9").await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (StatusCode::NOT_FOUND, "")
    );
    assert_eq!(get(app(), "/chat/x").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_chat_form_writes_a_message_and_refuses_bad_ones_writing_nothing() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let app = || acme::app(pool.clone());
    let before = message_count(&pool).await;
    let (status, headers, _) = parallel_routes_tests::send(
        app(),
        post_form(
            "/chat/1/messages",
            "body=%3Cscript%3Ealert(1)%3C%2Fscript%3E+hi",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/chat/1");
    assert_eq!(message_count(&pool).await, before + 1);
    let page = get(app(), "/chat/1").await;
    // Shown, escaped.
    assert!(
        page.body
            .contains("<b>You</b> &#60;script&#62;alert(1)&#60;/script&#62; hi"),
        "{}",
        page.body
    );
    for (body, reason) in [
        ("body=", "empty"),
        ("body=+++", "empty"),
        (&*format!("body={}", "x".repeat(501)), "too-long"),
    ] {
        let (status, headers, _) =
            parallel_routes_tests::send(app(), post_form("/chat/1/messages", body)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{reason}");
        assert_eq!(headers["location"], format!("/chat/1?error={reason}"));
        assert_eq!(
            message_count(&pool).await,
            before + 1,
            "nothing written: {reason}"
        );
    }
    // The form is shown again with the reason.
    let refused = get(app(), "/chat/1?error=too-long").await;
    assert!(
        refused
            .body
            .contains(r#"<p role="alert" class="error">That message is too long"#)
    );
    assert!(refused.body.contains("<form method=\"post\""));
    // An unknown conversation: 404, nothing written.
    let (status, _, _) =
        parallel_routes_tests::send(app(), post_form("/chat/9/messages", "body=hi")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(message_count(&pool).await, before + 1);
    // 500 characters exactly are accepted.
    let (status, _, _) = parallel_routes_tests::send(
        app(),
        post_form("/chat/2/messages", &format!("body={}", "é".repeat(500))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(message_count(&pool).await, before + 2);
}

#[tokio::test]
async fn a_database_error_in_the_chat_renders_fallbacks_not_a_crash() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    sqlx::query("DROP TABLE messages")
        .execute(&pool)
        .await
        .unwrap();
    let reply = get(acme::app(pool), "/chat/1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply
            .body
            .matches(r#"role="alert" data-slot-error"#)
            .count(),
        2,
        "{}",
        reply.body
    );
    assert!(!reply.body.contains("no such table"));
}

#[tokio::test]
async fn the_shop_lists_categories_filters_products_by_query_and_refuses_bad_input() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let app = || acme::app(pool.clone());
    let desks = get(app(), "/shop/desks").await;
    assert_eq!(desks.status, StatusCode::OK);
    let body = &desks.body;
    // Breadcrumbs and the current category, from the route; counts from a join.
    assert!(body.contains(r#"<a href="/">Home</a> › <a href="/shop">Shop</a> › <span aria-current="page">Desks</span>"#), "{body}");
    assert!(
        body.contains(
            r#"<a href="/shop/desks" aria-current="page">Desks</a> <span class="meta">3</span>"#
        ),
        "{body}"
    );
    assert!(body.contains(r#"<a href="/shop" hx-get="/shop" hx-push-url="true" hx-swap="none" aria-current="page">Shop</a>"#));
    assert_eq!(body.matches("<li>").count() - 3, 3, "three desks: {body}");
    // The filter: at most €400, cheapest first.
    let filtered = get(app(), "/shop/desks?max=400&cheapest_first=true").await;
    assert_eq!(filtered.status, StatusCode::OK);
    let writing = filtered.body.find("Writing desk").unwrap();
    let corner = filtered.body.find("Corner desk").unwrap();
    assert!(writing < corner, "cheapest first: {}", filtered.body);
    assert!(
        !filtered.body.contains("Standing desk"),
        "{}",
        filtered.body
    );
    let none = get(app(), "/shop/desks?max=10").await;
    assert!(none.body.contains("Nothing in this range."));
    // Bad input: a query that does not parse is a 400, an unknown category a 404.
    assert_eq!(
        get(app(), "/shop/desks?max=cheap").await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = get(app(), "/shop/sofas").await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (StatusCode::NOT_FOUND, "")
    );
    let shop = get(app(), "/shop").await;
    assert_eq!(shop.status, StatusCode::OK);
    assert!(shop.body.contains("Pick a category."));
}

#[tokio::test]
async fn a_blog_post_shows_its_related_and_popular_posts_and_counts_its_views() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let app = || acme::app(pool.clone());
    let views = |pool: sqlx::SqlitePool| async move {
        sqlx::query_scalar::<_, i64>("SELECT views FROM posts WHERE slug = 'office-lisbon'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = views(pool.clone()).await;
    let post = get(app(), "/blog/office-lisbon").await;
    assert_eq!(post.status, StatusCode::OK);
    assert!(
        post.body
            .contains("<h2>Our Lisbon office</h2><p>Pastéis de nata on Fridays.</p>"),
        "{}",
        post.body
    );
    assert_eq!(views(pool.clone()).await, before + 1);
    // No other post shares its tag; the popular ones are by views.
    assert!(
        post.body.contains(
            r#"<section id="related"><h2>Related articles</h2>
<ul><li class="meta">None yet.</li></ul></section>"#
        ),
        "{}",
        post.body
    );
    let engineering = get(app(), "/blog/parallel-routes").await;
    // Related: the two other engineering posts (one shares two tags, so it comes first).
    let related = engineering
        .body
        .split(r#"<section id="related">"#)
        .nth(1)
        .unwrap();
    let related = related.split("</section>").next().unwrap();
    assert_eq!(
        related,
        "<h2>Related articles</h2>\n<ul><li><a href=\"/blog/streaming-html\">Streaming HTML, slowly explained</a></li><li><a href=\"/blog/sqlite-in-production\">SQLite in production</a></li></ul>"
    );
    assert!(engineering.body.contains(
        r#"<section id="popular"><h2>Popular posts</h2>
<ul><li><a href="/blog/sqlite-in-production">SQLite in production</a></li>"#
    ));
    let missing = get(app(), "/blog/nope").await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (StatusCode::NOT_FOUND, "")
    );
}

#[tokio::test]
async fn every_page_has_its_own_title_from_its_handler() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let title = |body: &str| {
        let start = body.find("<title>").expect("a title") + "<title>".len();
        body[start..start + body[start..].find("</title>").unwrap()].to_owned()
    };
    for (path, expected) in [
        ("/", "Acme"),
        ("/dashboard", "Dashboard · Acme"),
        ("/chat", "Chat · Acme"),
        ("/chat/2", "Design review · Acme"),
        ("/shop", "Shop · Acme"),
        ("/shop/lamps", "Lamps · Acme"),
        ("/blog/sqlite-in-production", "SQLite in production · Acme"),
    ] {
        let reply = get(acme::app(pool.clone()), path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(title(&reply.body), expected, "{path}");
        assert_eq!(reply.body.matches("<title>").count(), 1, "{path}");
    }
    // The post's summary, from its body, escaped as an attribute.
    let reply = get(acme::app(pool.clone()), "/blog/office-lisbon").await;
    assert!(
        reply
            .body
            .contains(r#"<meta name="description" content="Pastéis de nata on Fridays.">"#),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn posted_by_htmx_the_form_is_answered_with_the_conversation_pane_alone() {
    let db = TempDb::new();
    let pool = acme::database(&db.url()).await.unwrap();
    let app = || acme::app(pool.clone());
    let htmx_post = |body: &str| {
        let mut request = post_form("/chat/3/messages", body);
        request
            .headers_mut()
            .insert("hx-request", "true".parse().unwrap());
        request
    };
    let before = message_count(&pool).await;
    let (status, headers, _) =
        parallel_routes_tests::send(app(), htmx_post("body=on+my+way")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/chat/3/@children?sent=true");
    assert_eq!(message_count(&pool).await, before + 1);
    // Where htmx follows the redirect: the pane, not the page, with the new message, the form
    // again, and the one-time request that refreshes the list's counts.
    let pane = get(app(), "/chat/3/@children?sent=true").await;
    assert_eq!(pane.status, StatusCode::OK);
    assert!(
        pane.body.starts_with("<h2>Support rota</h2>"),
        "{}",
        pane.body
    );
    assert!(pane.body.contains("<b>You</b> on my way"), "{}", pane.body);
    assert!(!pane.body.contains("<nav"), "the pane alone: {}", pane.body);
    assert!(
        pane.body
            .contains(r##"hx-get="/chat/3/@list" hx-trigger="load" hx-target="#list""##),
        "{}",
        pane.body
    );
    // The list it asks for has the new count, the conversation marked current.
    let list = get(app(), "/chat/3/@list").await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE conversation_id = 3")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        list.body.contains(&format!(
            r#"aria-current="page">Support rota</a> <span class="meta">{count}</span>"#
        )),
        "{}",
        list.body
    );
    // A refused message: the pane with the reason, nothing written, no list refresh.
    let (_, headers, _) = parallel_routes_tests::send(app(), htmx_post("body=")).await;
    assert_eq!(headers["location"], "/chat/3/@children?error=empty");
    assert_eq!(message_count(&pool).await, before + 1);
    let pane = get(app(), "/chat/3/@children?error=empty").await;
    assert!(
        pane.body
            .contains(r#"<p role="alert" class="error">Write something first."#)
    );
    assert!(!pane.body.contains("hx-trigger=\"load\""), "{}", pane.body);
    // Without htmx the same form is a full post/redirect/get.
    let (_, headers, _) =
        parallel_routes_tests::send(app(), post_form("/chat/3/messages", "body=plain")).await;
    assert_eq!(headers["location"], "/chat/3");
}
