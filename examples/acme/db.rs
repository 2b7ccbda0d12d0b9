//! The app's database: created, migrated and seeded on first start.

use std::str::FromStr;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;

/// Opens (creating it if needed) the database at `url`, runs the migrations in
/// `examples/migrations`, and seeds it if it is empty.
///
/// # Errors
///
/// When the URL is invalid, the file cannot be created, or a migration fails.
pub async fn database(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    seed(&pool).await?;
    Ok(pool)
}

/// The seed: a few authors, news, accounts and transactions, once.
async fn seed(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let authors: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM authors")
        .fetch_one(pool)
        .await?;
    if authors > 0 {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    for statement in SEED {
        sqlx::query(*statement).execute(&mut *tx).await?;
    }
    tx.commit().await
}

const SEED: &[&str] = &[
    "INSERT INTO authors (id, name) VALUES (1, 'Ada Lovelace'), (2, 'Grace Hopper'), (3, 'Edsger Dijkstra')",
    "INSERT INTO news (author_id, title, published_at) VALUES
        (1, 'Quarterly results beat the forecast', '2026-11-25 09:00'),
        (2, 'New office opens in Lisbon', '2026-11-24 14:30'),
        (3, 'Engineering switches to parallel routes', '2026-11-23 11:15'),
        (1, 'Customer conference dates announced', '2026-11-20 16:45'),
        (2, 'Security audit completed with no findings', '2026-11-18 10:00'),
        (3, 'Old news that the widget does not show', '2026-10-01 08:00')",
    "INSERT INTO accounts (id, name) VALUES (1, 'Operations'), (2, 'Marketing'), (3, 'Research')",
    "INSERT INTO transactions (account_id, description, amount_cents, booked_at) VALUES
        (1, 'Cloud hosting', -48250, '2026-11-25 08:10'),
        (2, 'Conference booth', -120000, '2026-11-24 17:20'),
        (3, 'Grant received', 500000, '2026-11-24 09:00'),
        (1, 'Office supplies', -8999, '2026-11-23 12:40'),
        (2, 'Ad campaign refund', 15000, '2026-11-22 15:05'),
        (3, 'Lab equipment', -230000, '2026-11-21 11:30'),
        (1, 'Support contract', 75000, '2026-11-20 10:00')",
];
