//! Streaming, measured over loopback (`cargo bench -p parallel-routes-tests --bench streaming`):
//!
//! 1. time to the first byte and to the last byte of a streamed page whose slow slot takes
//!    100 ms, 300 ms, 1 s, beside the same page buffered: `SAMPLES` requests of each (9 by
//!    default), streamed and buffered alternating in ABBA order, each on a fresh connection;
//! 2. with wrk (Debian package `wrk`; skipped with a message if missing): req/s and median
//!    latency of a buffered page, a streamed page complete at the shell (one write), a
//!    streamed page with a slot still pending at the shell (shell, one chunk), and the
//!    buffered page with the same slow slot: a warm-up run of each, then `ROUNDS` rounds (3 by
//!    default) of 5 s each, the four in forward then reverse order.
//!
//! Every response is checked, not only timed: each streamed response of part 1 must be the
//! shell (header, skeleton, swap function) then the slot's content and swap, byte for byte,
//! with the shell in by the time the slot is done and the content only after; each buffered
//! one must be the whole page, with no byte before the slot is done. Before each wrk case, a
//! response of it is checked the same way. Reported: medians with their range.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::response::Html;
use axum::serve::ListenerExt;
use parallel_routes::SWAP_SCRIPT;
use parallel_routes::prelude::*;
use tokio::net::TcpListener;

#[layout("/streamed/{ms}", slots(header, body))]
async fn streamed(header: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{header}</header><main>{body}</main></body></html>"
    ))
}

#[slot(streamed, header)]
async fn streamed_header() -> &'static str {
    "header"
}

#[slot(streamed, body, loading = skeleton)]
async fn streamed_body(Path(ms): Path<u64>) -> &'static str {
    wait(ms).await;
    "body"
}

fn skeleton() -> &'static str {
    "loading"
}

#[layout("/buffered/{ms}", slots(header, body))]
async fn buffered(header: Fragment, body: Fragment) -> Html<String> {
    Html(format!(
        "<html><body><header>{header}</header><main>{body}</main></body></html>"
    ))
}

#[slot(buffered, header)]
async fn buffered_header() -> &'static str {
    "header"
}

#[slot(buffered, body)]
async fn buffered_body(Path(ms): Path<u64>) -> &'static str {
    wait(ms).await;
    "body"
}

async fn wait(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// The whole page, as the buffered layout answers it, and the streamed one when its slot is
/// ready at the shell.
const PAGE: &str = "<html><body><header>header</header><main>body</main></body></html>";

/// The streamed page with the slot pending at the shell, stream id `id`: the shell, then the
/// slot's chunk.
fn streamed_page(id: &str) -> (String, String) {
    (
        format!(
            "<html><body><header>header</header><main><template id=pr-{id}-1></template>loading<!--/pr-{id}-1--></main><script>{SWAP_SCRIPT}</script>"
        ),
        format!(
            "<template id=prc-{id}-1>body</template><script>$PR(\"{id}\",1)</script></body></html>"
        ),
    )
}

/// A response read off the wire, with the time of each read.
struct Fetched {
    /// The status line and the headers.
    head: String,
    /// The raw bytes after the head (chunked framing included).
    raw_body: Vec<u8>,
    /// The body, de-chunked.
    body: Vec<u8>,
    /// After each read: (time since the request was sent, bytes of the response so far).
    reads: Vec<(Duration, usize)>,
    /// Length of the head with its blank line.
    head_len: usize,
}

impl Fetched {
    /// `GET path` on a fresh connection, read to the end.
    fn get(address: SocketAddr, path: &str) -> Self {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_nodelay(true).unwrap();
        let started = Instant::now();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        let mut reads = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let n = stream.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buffer[..n]);
            reads.push((started.elapsed(), raw.len()));
        }
        let end = find(&raw, b"\r\n\r\n").unwrap_or_else(|| {
            panic!(
                "GET {path}: no complete head in {:?}",
                String::from_utf8_lossy(&raw)
            )
        });
        let head = String::from_utf8(raw[..end].to_vec()).unwrap();
        let raw_body = raw[end + 4..].to_vec();
        let chunked = header(&head, "transfer-encoding") == Some("chunked");
        let body = if chunked {
            dechunk(&raw_body)
        } else {
            raw_body.clone()
        };
        Fetched {
            head,
            raw_body,
            body,
            reads,
            head_len: end + 4,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        header(&self.head, name)
    }

    fn first_byte(&self) -> Duration {
        self.reads[0].0
    }

    fn last_byte(&self) -> Duration {
        self.reads[self.reads.len() - 1].0
    }

    /// When the last byte of `needle`, found in the raw body, arrived.
    fn arrival_of(&self, needle: &str) -> Duration {
        let at = find(&self.raw_body, needle.as_bytes())
            .unwrap_or_else(|| panic!("{needle:?} is not in {}", self.describe()));
        let end = self.head_len + at + needle.len();
        self.reads
            .iter()
            .find(|(_, total)| *total >= end)
            .expect("read")
            .0
    }

    fn body(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }

    fn describe(&self) -> String {
        format!("{}\n\n{}", self.head, String::from_utf8_lossy(&self.body))
    }

    /// Panics unless this is the whole page, sent with a `content-length`.
    fn assert_buffered(&self, what: &str) {
        let ok = self.head.starts_with("HTTP/1.1 200 OK\r\n")
            && self.header("content-type") == Some("text/html; charset=utf-8")
            && self.header("content-length") == Some(&PAGE.len().to_string())
            && self.header("transfer-encoding").is_none()
            && self.body() == PAGE;
        assert!(
            ok,
            "{what}: expected the whole page `{PAGE}` with a content-length, got:\n{}",
            self.describe()
        );
    }

    /// Panics unless this is the streamed page with its slot pending at the shell: the shell
    /// then the slot's chunk, chunked. Returns them.
    fn assert_streamed(&self, what: &str) -> (String, String) {
        let body = self.body();
        let id = body
            .find("pr-")
            .and_then(|at| body.get(at + 3..at + 19))
            .unwrap_or("");
        let (shell, chunk) = streamed_page(id);
        let ok = self.head.starts_with("HTTP/1.1 200 OK\r\n")
            && self.header("content-type") == Some("text/html; charset=utf-8")
            && self.header("transfer-encoding") == Some("chunked")
            && self.header("x-accel-buffering") == Some("no")
            && id.len() == 16
            && id.bytes().all(|b| b.is_ascii_hexdigit())
            && body == format!("{shell}{chunk}");
        assert!(
            ok,
            "{what}: expected the streamed page\n{shell}{chunk}\ngot:\n{}",
            self.describe()
        );
        (shell, chunk)
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The data of a `Transfer-Encoding: chunked` body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line = find(raw, b"\r\n").expect("a chunk size line");
        let size = std::str::from_utf8(&raw[..line]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16)
            .expect("a hex chunk size");
        raw = &raw[line + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        assert_eq!(&raw[size..size + 2], b"\r\n", "a chunk ends with CRLF");
        raw = &raw[size + 2..];
    }
}

/// The median, least and greatest, in ms.
fn spread_ms(mut values: Vec<Duration>) -> String {
    values.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = if values.len() % 2 == 1 {
        ms(values[values.len() / 2])
    } else {
        (ms(values[values.len() / 2 - 1]) + ms(values[values.len() / 2])) / 2.0
    };
    let digits = if median < 10.0 { 2 } else { 1 };
    format!(
        "{median:.digits$} ms ({:.digits$}–{:.digits$})",
        ms(values[0]),
        ms(values[values.len() - 1])
    )
}

/// Requests per second and median latency (in ms) that wrk reports for `GET path`, after
/// checking that every request got a 2xx without a socket error; `None` if wrk is missing.
fn wrk(address: SocketAddr, path: &str, seconds: u32) -> Option<(f64, f64)> {
    let output = Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{seconds}s"), "--latency"])
        .arg(format!("http://{address}{path}"))
        .output()
        .ok()?;
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && !report.contains("Non-2xx") && !report.contains("Socket errors"),
        "every request must get a 200 without a socket error:\n{report}"
    );
    let rps = report
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rps| rps.trim().parse().ok());
    let p50 = report
        .lines()
        .find_map(|line| line.trim().strip_prefix("50%"))
        .and_then(|p50| {
            let p50 = p50.trim();
            let (number, scale) = if let Some(us) = p50.strip_suffix("us") {
                (us, 1e-3)
            } else if let Some(ms) = p50.strip_suffix("ms") {
                (ms, 1.0)
            } else {
                (p50.strip_suffix('s')?, 1e3)
            };
            Some(number.parse::<f64>().ok()? * scale)
        });
    match (rps, p50) {
        (Some(rps), Some(p50)) => Some((rps, p50)),
        _ => panic!("no Requests/sec or 50% latency in wrk's report:\n{report}"),
    }
}

fn median_and_range(mut values: Vec<f64>, digits: usize) -> String {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    format!(
        "{median:.digits$} ({:.digits$}–{:.digits$})",
        values[0],
        values[n - 1]
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|avg| avg.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let samples = env_or("SAMPLES", 9);
    let rounds = env_or("ROUNDS", 3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let address = runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = Router::new()
            .merge(streamed::router())
            .merge(buffered::router());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        address
    });
    println!("load average before: {}", load_average());

    println!(
        "time to first byte / to last byte, median (range) of {samples} requests each, streamed and buffered in ABBA order, every body checked:"
    );
    for ms in [100u64, 300, 1000] {
        let slot = Duration::from_millis(ms);
        let (mut streamed, mut buffered) = (Vec::new(), Vec::new());
        for round in 0..samples {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for side in order {
                if side == 0 {
                    let what = format!("streamed, slot {ms} ms");
                    let response = Fetched::get(address, &format!("/streamed/{ms}"));
                    let (shell, chunk) = response.assert_streamed(&what);
                    let shell_in = response.arrival_of(&shell);
                    let content_in = response.arrival_of(&chunk);
                    assert!(
                        response.first_byte() < slot && shell_in < slot,
                        "{what}: the shell must be in before the slot is done: first byte {:?}, shell complete {shell_in:?}",
                        response.first_byte()
                    );
                    assert!(
                        content_in >= slot,
                        "{what}: the slot's content came before the slot could be done: {content_in:?}"
                    );
                    streamed.push(response);
                } else {
                    let what = format!("buffered, slot {ms} ms");
                    let response = Fetched::get(address, &format!("/buffered/{ms}"));
                    response.assert_buffered(&what);
                    assert!(
                        response.first_byte() >= slot,
                        "{what}: a byte came before the slot could be done: {:?}",
                        response.first_byte()
                    );
                    buffered.push(response);
                }
            }
        }
        println!(
            "  slowest slot {ms:>4} ms: streamed first byte {}, last byte {} | buffered first byte {}, last byte {}",
            spread_ms(streamed.iter().map(Fetched::first_byte).collect()),
            spread_ms(streamed.iter().map(Fetched::last_byte).collect()),
            spread_ms(buffered.iter().map(Fetched::first_byte).collect()),
            spread_ms(buffered.iter().map(Fetched::last_byte).collect()),
        );
    }

    if Command::new("wrk").arg("--version").output().is_err() {
        println!(
            "wrk is not installed (`apt-get install wrk`): skipping the throughput comparison"
        );
        return;
    }
    let cases: [(&str, &str); 4] = [
        ("buffered page", "/buffered/0"),
        (
            "streamed page, complete at the shell (one write)",
            "/streamed/0",
        ),
        (
            "streamed page, a slot pending at the shell (1 ms)",
            "/streamed/1",
        ),
        ("buffered page, a 1 ms slot", "/buffered/1"),
    ];
    for (what, path) in cases {
        let response = Fetched::get(address, path);
        if path == "/streamed/1" {
            response.assert_streamed(what);
        } else {
            // Complete at the shell: the whole page, with a content-length, as buffered.
            response.assert_buffered(what);
            assert!(response.header("x-accel-buffering").is_none(), "{what}");
        }
    }
    for (_, path) in cases {
        wrk(address, path, 1);
    }
    let mut measured: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); cases.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..cases.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for case in order {
            let (rps, p50) = wrk(address, cases[case].1, 5).expect("wrk runs");
            measured[case].0.push(rps);
            measured[case].1.push(p50);
        }
    }
    println!(
        "wrk -t1 -c64 -d5s, median (range) of {rounds} rounds, the cases in forward then reverse order, after a 1 s warm-up each:"
    );
    for ((what, _), (rps, p50)) in cases.iter().zip(measured) {
        println!(
            "  {what:<52} {} req/s, p50 {} ms",
            median_and_range(rps, 0),
            median_and_range(p50, 2)
        );
    }
    println!("load average after: {}", load_average());
}
