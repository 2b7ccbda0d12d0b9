//! Helpers for the integration tests: send one request through a router, in process.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A response, read whole.
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, as UTF-8 text.
    pub body: String,
}

impl Reply {
    /// The `content-type` header, or `""`.
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }
}

/// Sends `GET uri` to `app` with `tower::ServiceExt::oneshot` and reads the whole response.
pub async fn get(app: Router, uri: &str) -> Reply {
    let (status, headers, body) = send(app, request(uri)).await;
    Reply {
        status,
        headers,
        body,
    }
}

/// `GET path` `count` times at once, spread over `apps` in turn, each answering `200`: the
/// distinct bodies.
pub async fn get_at_once(
    apps: &[Router],
    path: &str,
    count: usize,
) -> std::collections::HashSet<String> {
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..count {
        let (app, path) = (apps[i % apps.len()].clone(), path.to_owned());
        requests.spawn(async move { get(app, &path).await });
    }
    let mut bodies = std::collections::HashSet::new();
    while let Some(reply) = requests.join_next().await {
        let reply = reply.expect("the request's task");
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        bodies.insert(reply.body);
    }
    bodies
}

/// `GET uri`, with no header and an empty body.
pub fn request(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("a valid request")
}

/// Sends `request` to `app` with `tower::ServiceExt::oneshot` and reads the whole response:
/// its status, headers and body (as UTF-8 text).
pub async fn send(app: Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app.oneshot(request).await.expect("routers are infallible");
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .expect("the body is readable")
        .to_bytes();
    let body = String::from_utf8(bytes.to_vec()).expect("the body is UTF-8");
    (parts.status, parts.headers, body)
}

/// `app` with `Server-Timing` asked for on every request.
pub fn timed(app: Router) -> Router {
    app.layer(axum::Extension(parallel_routes::ServerTiming))
}

/// The entries of a `Server-Timing` header, as (name, milliseconds).
pub fn timing_entries(headers: &HeaderMap) -> Vec<(String, f64)> {
    let value = headers
        .get("server-timing")
        .unwrap_or_else(|| panic!("no Server-Timing in {headers:?}"))
        .to_str()
        .unwrap();
    value
        .split(", ")
        .map(|entry| {
            let (name, dur) = entry
                .split_once(";dur=")
                .unwrap_or_else(|| panic!("a malformed entry {entry:?} in {value:?}"));
            (name.to_owned(), dur.parse().unwrap())
        })
        .collect()
}

/// The names of `Server-Timing` entries, in order.
pub fn names(entries: &[(String, f64)]) -> Vec<&str> {
    entries.iter().map(|(name, _)| name.as_str()).collect()
}

/// The duration of `slot`'s `Server-Timing` entry.
pub fn dur(entries: &[(String, f64)], slot: &str) -> f64 {
    entries
        .iter()
        .find(|(name, _)| name == slot)
        .unwrap_or_else(|| panic!("no {slot} in {entries:?}"))
        .1
}

/// Counts its drops.
pub struct DropGuard(pub &'static std::sync::atomic::AtomicUsize);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A response's chunks, with the time each arrived after the request was sent.
pub struct Chunks {
    /// The response's status.
    pub status: StatusCode,
    /// The response's headers.
    pub headers: HeaderMap,
    /// Each body chunk as it arrived, and when.
    pub chunks: Vec<(std::time::Duration, String)>,
}

impl Chunks {
    /// The whole body.
    pub fn body(&self) -> String {
        self.chunks
            .iter()
            .map(|(_, chunk)| chunk.as_str())
            .collect()
    }

    /// Each chunk with the response's random stream id replaced by `R`.
    pub fn unsalted(&self) -> Vec<String> {
        let body = self.body();
        self.chunks
            .iter()
            .map(|(_, chunk)| unsalted(&body, chunk))
            .collect()
    }
}

/// `text` with the stream id that `body` uses (16 hex digits after `pr-`) replaced by `R`.
pub fn unsalted(body: &str, text: &str) -> String {
    let Some(at) = body.find("pr-") else {
        return text.to_owned();
    };
    let id = &body[at + 3..at + 3 + 16];
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{body}");
    text.replace(id, "R")
}

/// Sends `request` to `app` in process and reads the response's body frame by frame, timing
/// each.
pub async fn chunks(app: Router, request: Request<Body>) -> Chunks {
    let started = std::time::Instant::now();
    let response = app.oneshot(request).await.unwrap();
    let (parts, mut body) = response.into_parts();
    let mut chunks = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            chunks.push((started.elapsed(), String::from_utf8(data.to_vec()).unwrap()));
        }
    }
    Chunks {
        status: parts.status,
        headers: parts.headers,
        chunks,
    }
}

/// A database file of its own in the system's temporary directory, for a test of the app
/// example: it does not exist yet (the app creates it), and it is removed when dropped.
pub struct TempDb(std::path::PathBuf);

impl TempDb {
    /// A fresh path, unique in this process.
    pub fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "parallel-routes-app-{}-{}.sqlite",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        TempDb(path)
    }

    /// Its `sqlite:` URL.
    pub fn url(&self) -> String {
        format!("sqlite:{}", self.0.display())
    }
}

impl Default for TempDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

pub mod chromium;
pub mod fault_load;

pub mod overlap;

/// Runs `request` to its end on a fresh current-thread runtime with a `tracing` subscriber that
/// writes, without colours, events up to `level` — and, with `spans`, each span as it closes,
/// with its fields — and returns what `request` gave and the log.
pub fn logged<F: std::future::Future>(
    level: tracing::Level,
    spans: bool,
    request: F,
) -> (F::Output, String) {
    use std::sync::{Arc, Mutex};

    /// A log writer into a shared buffer.
    #[derive(Clone)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let captured = Captured(Arc::default());
    let writer = captured.clone();
    let span_events = if spans {
        tracing_subscriber::fmt::format::FmtSpan::CLOSE
    } else {
        tracing_subscriber::fmt::format::FmtSpan::NONE
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(level)
        .with_span_events(span_events)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let output = tracing::subscriber::with_default(subscriber, || runtime.block_on(request));
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).expect("a UTF-8 log");
    (output, log)
}

/// A `redis-server` of the test's own (`$REDIS_SERVER`, else on the `PATH`), on a free port
/// of 127.0.0.1; without one, `start` fails saying what to install, unless
/// `SKIP_REDIS_TESTS=1` (then `None`).
pub struct RedisServer {
    child: Option<std::process::Child>,
    /// `redis://127.0.0.1:<port>/`.
    pub url: String,
}

impl RedisServer {
    /// Starts one on a free port, or `None` when `SKIP_REDIS_TESTS=1` and there is none.
    pub fn start() -> Option<RedisServer> {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let spawned = std::process::Command::new(&binary)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",
                "yes",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) if std::env::var("SKIP_REDIS_TESTS").as_deref() == Ok("1") => {
                eprintln!("SKIPPED: no {binary} ({error}); SKIP_REDIS_TESTS=1");
                return None;
            }
            Err(error) => panic!(
                "{binary} could not start ({error}): install Debian's redis-server (`sudo apt-get install redis-server`; `bash scripts/test.sh` does), or set REDIS_SERVER=/path/to/redis-server; SKIP_REDIS_TESTS=1 skips these tests"
            ),
        };
        let server = RedisServer {
            child: Some(child),
            url: format!("redis://127.0.0.1:{port}/"),
        };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Some(server)
    }

    /// Stops the server now.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl RedisServer {
    /// A connection of the test's own.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
