//! A feed whose header is in the shell and whose slow slots stream in behind skeletons: the
//! page's first byte arrives in the header's time (~20 ms), not the slowest slot's (1.5 s).
//!
//! ```sh
//! cargo run --example streaming        # then open http://127.0.0.1:3000/feed
//! curl -N http://127.0.0.1:3000/feed   # watch the chunks arrive
//! CSP=1 cargo run --example streaming  # the same behind a strict script-src nonce policy
//! ```
//!
//! `serve` sets `TCP_NODELAY` on every connection (`axum::serve::ListenerExt::tap_io`): a
//! streamed page is written in several pieces, and without it each piece after the first can
//! wait ~40 ms for the client's delayed ACK.
use parallel_routes_examples::{feed, serve};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = if std::env::var_os("CSP").is_some() {
        feed::app_with_csp()
    } else {
        feed::app()
    };
    serve(app, "/feed").await
}
