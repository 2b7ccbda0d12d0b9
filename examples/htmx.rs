//! A dashboard whose tabs re-render only the slots that change, with htmx and no JavaScript of
//! ours (see `examples/tabs.rs`): a tab is `hx-get="/dashboard/week" hx-push-url="true"
//! hx-swap="none"`, and the page answers htmx with the changed slots as out-of-band swaps.
//!
//! ```sh
//! cargo run --example htmx             # then open http://127.0.0.1:3000/dashboard
//! curl -H 'HX-Request: true' -H 'HX-Current-URL: http://127.0.0.1:3000/dashboard' \
//!      http://127.0.0.1:3000/dashboard/week
//! ```
use parallel_routes_examples::{serve, tabs};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    serve(tabs::app(), "/dashboard").await
}
