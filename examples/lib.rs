//! What the examples share: serving an app on 127.0.0.1 the way a production axum server
//! should, and the page chrome.

pub mod acme;
pub mod feed;
pub mod shop;
pub mod tabs;

use std::io;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

/// Serves `app` on `127.0.0.1:3000` (the `PORT` environment variable overrides the port) until
/// Ctrl-C, printing the URL of `path`.
///
/// Accepted connections get `TCP_NODELAY`, as every HTTP server should: without it, a response
/// written in more than one piece can wait ~40 ms for the client's delayed ACK.
pub async fn serve(app: Router, path: &str) -> io::Result<()> {
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse::<u16>().map_err(|err| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("PORT={port:?}: {err}"))
        })?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}{path}", listener.local_addr()?);
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            eprintln!("failed to set TCP_NODELAY: {err}");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// A complete HTML document around `body`, with the examples' stylesheet.
pub fn document(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"#
    )
}

pub(crate) const STYLE: &str = "
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #e3e7ef; --accent: #3b5bdb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--ink); background: #f5f7fb; }
header { background: var(--ink); color: #fff; padding: 1rem 2rem; }
header h1 { margin: 0; font-size: 1.4rem; }
header p { margin: .2rem 0 0; color: #c5cbe0; font-size: .9rem; }
main { max-width: 960px; margin: 1.5rem auto; padding: 0 1rem; }
.slots { display: flex; gap: 20px; flex-wrap: wrap; }
.slots > section { flex: 1 1 280px; }
section, .children { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
.children { margin-top: 20px; }
h2 { margin: 0 0 .5rem; font-size: 1rem; text-transform: uppercase; letter-spacing: .06em; color: var(--accent); }
ul { margin: 0; padding-left: 1.1rem; }
li { margin: .25rem 0; }
.meta { color: var(--muted); font-size: .85rem; }
.stats { display: flex; gap: 1rem; }
.stat { flex: 1; background: #eef2ff; border-radius: 8px; padding: .75rem; }
.stat b { display: block; font-size: 1.5rem; }
.skeleton { list-style: none; height: 1.1rem; margin: .5rem 0; border-radius: 6px; background: linear-gradient(90deg, #e9edf5 25%, #f5f7fb 50%, #e9edf5 75%); background-size: 200% 100%; animation: shimmer 1.2s infinite linear; }
@keyframes shimmer { from { background-position: 200% 0; } to { background-position: -200% 0; } }
.post, .suggestion { margin: .4rem 0; }
.tabs { display: flex; gap: .5rem; margin-bottom: 1rem; }
.tab { padding: .4rem .9rem; border-radius: 999px; background: #fff; border: 1px solid var(--line); color: var(--ink); text-decoration: none; }
.tab.active, .tab:hover { background: var(--accent); border-color: var(--accent); color: #fff; }
header a { color: inherit; text-decoration: none; }
.crumbs { margin-bottom: 1rem; color: var(--muted); }
.crumbs a { color: var(--accent); }
.columns { display: flex; gap: 20px; align-items: flex-start; }
.sidebar { flex: 0 0 200px; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
.sidebar ul { list-style: none; padding: 0; }
.sidebar a { color: var(--ink); text-decoration: none; }
.sidebar a[aria-current] { color: var(--accent); font-weight: 600; }
.page { flex: 1; }
.page > section + section, .reviews { margin-top: 20px; }
.price { font-size: 1.3rem; font-weight: 600; }
header nav { display: flex; gap: 1rem; margin-top: .3rem; }
header nav a { color: #c5cbe0; text-decoration: none; }
header nav a[aria-current] { color: #fff; font-weight: 600; }
.stat b { white-space: nowrap; }
.chat { display: flex; gap: 20px; align-items: flex-start; }
.chat-list { flex: 0 0 220px; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
.chat-list ul { list-style: none; padding: 0; }
.chat-list a[aria-current] { font-weight: 600; }
.chat-current { flex: 1; }
.error { color: #b42318; }
form input[name=body], form input[type=number] { padding: .4rem .6rem; border: 1px solid var(--line); border-radius: 6px; }
form input[name=body] { width: 60%; }
form input[type=number] { width: 6rem; }
.filter { margin-bottom: .75rem; }
.post { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; }
.post-aside { flex: 0 0 300px; display: flex; flex-direction: column; gap: 20px; }
form button { padding: .4rem .9rem; border-radius: 6px; border: 0; background: var(--accent); color: #fff; }
";
