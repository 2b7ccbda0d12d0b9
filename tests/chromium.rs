//! Headless Chromium for the browser tests (`tests/browser.rs`, `tests/differential.rs`), driven
//! by Playwright from `tests/browser/dom.mjs`: finding what is needed, the rule for when it is
//! missing, and running a batch of [`Job`]s.
//!
//! Needs Debian's `chromium` (or `CHROMIUM=/path`), Node.js 20 or later, and
//! `npm ci --prefix tests/browser` (playwright-core); `scripts/test.sh` installs them. A missing
//! one **fails** the test, with a message saying what to install — unless
//! `SKIP_BROWSER_TESTS=1` is set: then every browser test returns at once, after a line on
//! stderr (`scripts/test.sh` sets it when it cannot install them, and says so at the end).
//!
//! One batch at a time per test binary: two Chromiums at once on two cores, beside the rest of
//! the suite, make each slow enough to be flaky (and the streaming check measures time).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The environment variable that skips the browser tests when set to `1`.
pub const SKIP_VARIABLE: &str = "SKIP_BROWSER_TESTS";

/// How long a batch may go without an answer before the browser is taken to be stuck.
const SILENCE: Duration = Duration::from_secs(60);

/// How long `dom.mjs` may take to exit once every job is answered.
const EXIT: Duration = Duration::from_secs(30);

/// Chromium, node and `tests/browser/dom.mjs` with its playwright-core: all found.
#[derive(Clone, Debug)]
pub struct Browser {
    chromium: PathBuf,
    script: PathBuf,
}

/// The browser, or `None` when `SKIP_BROWSER_TESTS=1` (after a line on stderr): the test then
/// returns at once.
///
/// # Panics
///
/// When Chromium, node or playwright-core is missing and `SKIP_BROWSER_TESTS` is not `1`, with
/// a message saying what to install.
pub fn browser_or_skip() -> Option<Browser> {
    if std::env::var(SKIP_VARIABLE).as_deref() == Ok("1") {
        eprintln!("\n!!!!!!!! SKIPPED: {SKIP_VARIABLE}=1, the browser tests do not run !!!!!!!!\n");
        return None;
    }
    match find() {
        Ok(browser) => Some(browser),
        Err(missing) => panic!(
            "{missing}.\nThe browser tests need Debian's `chromium`, Node.js 20+ and \
             `npm ci --prefix tests/browser`; `bash scripts/test.sh` installs them. To run the \
             other tests without a browser, set {SKIP_VARIABLE}=1."
        ),
    }
}

/// Chromium, node and playwright-core, or what is missing and how to install it.
fn find() -> Result<Browser, String> {
    let chromium = match std::env::var_os("CHROMIUM") {
        Some(path) if is_executable(Path::new(&path)) => PathBuf::from(path),
        Some(path) => return Err(format!("CHROMIUM={} is not an executable", path.display())),
        None => ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| is_executable(path))
            .ok_or(
                "headless Chromium not found: install Debian's chromium (`sudo apt-get install \
                 chromium`), or set CHROMIUM=/path/to/chromium",
            )?,
    };
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|status| status.success()) {
        return Err(
            "`node` not found: install Node.js 20 or later and npm (`sudo apt-get install nodejs \
             npm`)"
                .to_owned(),
        );
    }
    let browser = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser");
    if !browser.join("node_modules/playwright-core").is_dir() {
        return Err(
            "tests/browser/node_modules/playwright-core is missing: run `npm ci --prefix \
             tests/browser`"
                .to_owned(),
        );
    }
    Ok(Browser {
        chromium,
        script: browser.join("dom.mjs"),
    })
}

/// Whether `path` is a file that may be run.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// One page for [`Browser::run`] to load; see `tests/browser/dom.mjs`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Set by [`Browser::run`]: the job's index in its batch.
    id: String,
    /// The page.
    pub url: String,
    /// `"dom"` or `"stream"`.
    mode: &'static str,
    /// In `dom` mode: a CSS selector to wait for after the load event.
    #[serde(skip_serializing_if = "Option::is_none")]
    wait_for: Option<String>,
    /// In `stream` mode: the skeleton's CSS selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    skeleton: Option<String>,
    /// In `stream` mode: the content's CSS selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
}

impl Job {
    /// Loads `url`, waits for its load event (a streamed page fires it when its stream ends,
    /// after every swap script ran) and answers its DOM.
    pub fn dom(url: impl Into<String>) -> Self {
        Job {
            id: String::new(),
            url: url.into(),
            mode: "dom",
            wait_for: None,
            skeleton: None,
            content: None,
        }
    }

    /// As [`Job::dom`], then also waits for `selector` to be in the DOM (what the page's own
    /// scripts fetch after load).
    pub fn wait_for(mut self, selector: &str) -> Self {
        self.wait_for = Some(selector.to_owned());
        self
    }

    /// Watches `url` arrive: whether the element matching `skeleton` is visible before the one
    /// matching `content` is in the DOM, and when each came ([`Answer::stream`]).
    pub fn stream(url: impl Into<String>, skeleton: &str, content: &str) -> Self {
        Job {
            mode: "stream",
            skeleton: Some(skeleton.to_owned()),
            content: Some(content.to_owned()),
            ..Job::dom(url)
        }
    }
}

/// What the browser says of one [`Job`].
#[derive(Clone, Debug, Deserialize)]
pub struct Answer {
    /// The job's id.
    id: String,
    /// The page.
    pub url: String,
    /// `document.documentElement.outerHTML` at the end, without the framework's scripts (every
    /// `<script>` without `data-app`); `None` when the harness failed.
    pub dom: Option<String>,
    /// Console errors (`console: …`; a script refused by a Content-Security-Policy is one),
    /// uncaught exceptions (`pageerror: …`), failed loads (`load: status 404`) and harness
    /// failures (`harness: …`).
    pub errors: Vec<String>,
    /// In `stream` mode: how the page arrived.
    #[serde(default)]
    pub stream: Option<Arrival>,
}

/// How a page arrived, in ms since its navigation started ([`Job::stream`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arrival {
    /// When the response's headers were in.
    pub commit_ms: u64,
    /// `"skeleton"` (visible before the content was in the DOM) or `"content"`.
    pub first: String,
    /// When the skeleton was seen visible, if it was first.
    pub skeleton_ms: Option<u64>,
    /// Whether the content was in the DOM just after the skeleton was seen, if it was first.
    pub content_at_skeleton: Option<bool>,
    /// When the content was in the DOM.
    pub content_ms: u64,
    /// When the load event had fired.
    pub load_ms: u64,
    /// Whether the skeleton was still in the DOM after the load event.
    pub skeleton_left: bool,
}

/// One batch at a time in a test binary.
static BATCH: Mutex<()> = Mutex::new(());

/// Kills `dom.mjs` (and so its Chromium) if the batch ends before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl Browser {
    /// Runs `jobs` in Chromium, `tabs` at once, and answers them in the order of `jobs`.
    /// Blocking: call it off the runtime that serves the pages ([`Browser::run_async`]).
    ///
    /// # Panics
    ///
    /// When `dom.mjs` cannot start, fails, or says nothing for 60 s, with its stderr.
    pub fn run(&self, mut jobs: Vec<Job>, tabs: usize) -> Vec<Answer> {
        let _batch = BATCH.lock().unwrap_or_else(PoisonError::into_inner);
        let started = Instant::now();
        for (index, job) in jobs.iter_mut().enumerate() {
            job.id = index.to_string();
        }
        let expected = jobs.len();
        let mut child = KillOnDrop(
            Command::new("node")
                .arg(&self.script)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("CHROMIUM", &self.chromium)
                .env("DOM_PAGES", tabs.max(1).to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("node runs tests/browser/dom.mjs"),
        );
        // Each pipe has its own thread: dom.mjs answers while it reads, and pipes are bounded.
        let mut stdin = child.0.stdin.take().expect("a piped stdin");
        let writer = std::thread::spawn(move || {
            for job in jobs {
                let line = serde_json::to_string(&job).expect("a job is JSON");
                writeln!(stdin, "{line}")?;
            }
            Ok::<_, std::io::Error>(())
        });
        let mut stderr = child.0.stderr.take().expect("a piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let stdout = child.0.stdout.take().expect("a piped stdout");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut answers: Vec<Option<Answer>> = vec![None; expected];
        let mut answered = 0;
        let mut problem = None;
        while answered < expected {
            match lines.recv_timeout(SILENCE) {
                Ok(Ok(line)) => {
                    let answer: Answer = serde_json::from_str(&line)
                        .unwrap_or_else(|error| panic!("dom.mjs printed {line:?}: {error}"));
                    let slot = answer
                        .id
                        .parse::<usize>()
                        .ok()
                        .and_then(|index| answers.get_mut(index))
                        .unwrap_or_else(|| panic!("dom.mjs answered an unknown job: {line}"));
                    answered += usize::from(slot.is_none());
                    *slot = Some(answer);
                }
                Ok(Err(error)) => {
                    problem = Some(format!("reading its output: {error}"));
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    problem = Some(format!("no answer for {} s", SILENCE.as_secs()));
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    problem = Some("it closed its output".to_owned());
                    break;
                }
            }
        }
        if problem.is_some() {
            let _ = child.0.kill();
        }
        // It exits once stdin is closed and every job is answered.
        let deadline = Instant::now() + EXIT;
        let status = loop {
            match child.0.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => break None,
            }
        };
        drop(child);
        let stderr = stderr.join().unwrap_or_default();
        let _ = writer.join();
        assert!(
            problem.is_none() && answered == expected,
            "dom.mjs answered {answered} of {expected} jobs ({}; exit: {status:?}); its stderr:\n{stderr}",
            problem.as_deref().unwrap_or("?"),
        );
        assert!(
            status.is_some_and(|status| status.success()),
            "dom.mjs failed (exit: {status:?}); its stderr:\n{stderr}"
        );
        println!(
            "chromium: {expected} jobs, {} at once, in {:.1} s",
            tabs.max(1),
            started.elapsed().as_secs_f64()
        );
        answers.into_iter().flatten().collect()
    }

    /// Runs `tests/browser/<script>` with `args` (Chromium in `$CHROMIUM`), which must exit 0
    /// within `limit`, and returns what it printed; `needs`, a package of `tests/browser`'s
    /// `node_modules` it needs besides playwright-core. Runs on tokio's blocking pool, so that
    /// the test's runtime keeps serving meanwhile.
    ///
    /// # Panics
    ///
    /// When the package is missing (saying how to install it), or the script fails or hangs.
    pub async fn script(
        &self,
        script: &str,
        args: &[&str],
        needs: &str,
        limit: Duration,
    ) -> String {
        let folder = self.script.parent().expect("tests/browser").to_path_buf();
        assert!(
            folder.join("node_modules").join(needs).is_dir(),
            "tests/browser/node_modules/{needs} is missing: run `npm ci --prefix tests/browser`"
        );
        let mut command = Command::new("node");
        command
            .arg(folder.join(script))
            .args(args)
            .env("CHROMIUM", &self.chromium)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let script = script.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().expect("node starts");
            let started = Instant::now();
            loop {
                match child.try_wait().expect("the script's status") {
                    Some(_) => break,
                    None if started.elapsed() > limit => {
                        let _ = child.kill();
                        panic!("{script} did not finish within {limit:?}");
                    }
                    None => std::thread::sleep(Duration::from_millis(50)),
                }
            }
            let output = child.wait_with_output().expect("the script's output");
            assert!(
                output.status.success(),
                "{script} failed ({}); its stderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).expect("UTF-8")
        })
        .await
        .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }

    /// [`Browser::run`] on tokio's blocking pool, so that the test's runtime keeps serving the
    /// pages meanwhile; a panic in it is the caller's.
    pub async fn run_async(&self, jobs: Vec<Job>, tabs: usize) -> Vec<Answer> {
        let browser = self.clone();
        tokio::task::spawn_blocking(move || browser.run(jobs, tabs))
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }
}
