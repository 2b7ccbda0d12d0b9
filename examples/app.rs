//! The app example on SQLite (see `examples/acme/mod.rs`): a shared root layout and a dashboard
//! whose widgets are real queries, one streamed, one behind an error boundary.
//!
//! ```sh
//! cargo run --example app              # then open http://127.0.0.1:3000/dashboard
//! DATABASE_URL=sqlite:/tmp/acme.sqlite cargo run --example app
//! ```
use parallel_routes_examples::{acme, serve};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:app.sqlite".to_owned());
    let db = acme::database(&url)
        .await
        .map_err(|error| std::io::Error::other(format!("database {url}: {error}")))?;
    serve(acme::app(db), "/dashboard").await
}
