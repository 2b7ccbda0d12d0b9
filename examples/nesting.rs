//! A tea shop three layouts deep (see `examples/shop.rs`): the store's sidebar and breadcrumbs,
//! a category's filters and streamed deals, a product's reviews; every level follows the URL.
//!
//! ```sh
//! cargo run --example nesting          # then open http://127.0.0.1:3000/
//! curl http://127.0.0.1:3000/shop/green/sencha
//! ```
use parallel_routes_examples::{serve, shop};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    serve(shop::app(), "/").await
}
