//! The app example on a real SQLite database through sqlx (`examples/acme`), each test on a
//! database file of its own in the system's temporary directory: created, migrated and seeded
//! on first open, the dashboard's widgets from real queries, a database error in one widget
//! rendering its fallback.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use parallel_routes_examples::acme;
use parallel_routes_tests::get;

/// A fresh database URL (the file does not exist yet), removed when dropped.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "parallel-routes-app-{}-{}.sqlite",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        TempDb(path)
    }

    fn url(&self) -> String {
        format!("sqlite:{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

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
        body.contains(r#"<a href="/dashboard" aria-current="page">Dashboard</a>"#),
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
    assert!(
        home.body
            .contains(r#"<a href="/" aria-current="page">Home</a>"#)
    );
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
