//! A dashboard whose tabs swap one slot without reloading the page: `hx-get` fetches
//! `GET /dashboard/week/@latest` and swaps it into `#latest` (see `examples/tabs.rs`).
//!
//! ```sh
//! cargo run --example htmx             # then open http://127.0.0.1:3000/dashboard
//! curl http://127.0.0.1:3000/dashboard/week/@latest
//! ```
use parallel_routes_examples::{serve, tabs};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    serve(tabs::app(), "/dashboard").await
}
