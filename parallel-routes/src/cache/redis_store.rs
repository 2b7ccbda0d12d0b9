//! The Redis store of [`Cache::redis`](super::Cache::redis): entries shared by every replica.
//!
//! - An entry is the Redis string `pr:e:<key>` (a small binary encoding, below) with a time to
//!   live of its `max_age + stale_while_revalidate`; each of its tags is a set `pr:t:<tag>`
//!   of entry names, which `invalidate_tag` deletes with them in one script (atomic).
//! - A miss takes the lock `pr:l:<key>` (`SET NX PX`): the replica that holds it renders and
//!   stores; the others wait for its entry (polling, bounded by the lock's life), so a
//!   stampede across replicas renders once.
//! - Every call is bounded by the store's timeout. A Redis that is down, slow or answering
//!   nonsense is a miss (the slot renders), logged at most once a second; never a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Entry, now_ms};
use crate::head::Head;

pub(super) struct RedisStore {
    connection: ConnectionManager,
    timeout: Duration,
    /// When a failure was last logged, in ms since the epoch.
    logged: AtomicU64,
}

/// How a miss goes on: another replica filled the key meanwhile, this one holds the lock, or
/// Redis cannot tell (render without a lock).
pub(super) enum Locked {
    Found(Arc<Entry>),
    Held(String),
    Unavailable,
}

/// How long a lock holds: a replica that dies while rendering frees the key after this.
const LOCK: Duration = Duration::from_secs(10);

/// Deletes a tag's entries and the tag, at once.
const INVALIDATE: &str = "local names = redis.call('SMEMBERS', KEYS[1]) \
    for i = 1, #names do redis.call('DEL', names[i]) end \
    redis.call('DEL', KEYS[1]) return #names";

/// Deletes a lock if it is still ours.
const UNLOCK: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
    return redis.call('DEL', KEYS[1]) else return 0 end";

fn entry_name(key: &str) -> String {
    format!("pr:e:{key}")
}

impl RedisStore {
    pub(super) async fn connect(url: &str, timeout: Duration) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_with_config(client, config).await?;
        Ok(RedisStore {
            connection,
            timeout,
            logged: AtomicU64::new(0),
        })
    }

    /// Runs `command`, bounded; `None` (logged) on any failure.
    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd, what: &str) -> Option<T> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => {
                self.log(what, &error.to_string());
                None
            }
            Err(_) => {
                self.log(what, "timed out");
                None
            }
        }
    }

    async fn pipeline(&self, pipeline: &redis::Pipeline, what: &str) {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, pipeline.query_async::<()>(&mut connection)).await
        {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.log(what, &error.to_string()),
            Err(_) => self.log(what, "timed out"),
        }
    }

    fn log(&self, what: &str, error: &str) {
        let now = now_ms();
        let last = self.logged.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 1000
            && self
                .logged
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                what,
                error,
                "the Redis cache failed; rendering the slot without it"
            );
        }
    }

    pub(super) async fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let bytes: Option<Vec<u8>> = self
            .query(redis::cmd("GET").arg(entry_name(key)), "get")
            .await?;
        let bytes = bytes?;
        match decode(&bytes) {
            Some(entry) => Some(Arc::new(entry)),
            None => {
                self.log("decode", "an entry that does not decode");
                None
            }
        }
    }

    pub(super) async fn put(&self, key: &str, entry: &Entry) {
        let name = entry_name(key);
        let ttl = entry.ttl().as_millis().max(1) as u64;
        let mut pipeline = redis::pipe();
        pipeline
            .cmd("SET")
            .arg(&name)
            .arg(encode(entry))
            .arg("PX")
            .arg(ttl)
            .ignore();
        for tag in &entry.tags {
            let set = format!("pr:t:{tag}");
            pipeline.cmd("SADD").arg(&set).arg(&name).ignore();
            // The tag lives as long as its longest entry (a new set has no TTL: NX, then GT).
            pipeline
                .cmd("PEXPIRE")
                .arg(&set)
                .arg(ttl)
                .arg("NX")
                .ignore();
            pipeline
                .cmd("PEXPIRE")
                .arg(&set)
                .arg(ttl)
                .arg("GT")
                .ignore();
        }
        self.pipeline(&pipeline, "put").await;
    }

    pub(super) async fn invalidate_tag(&self, tag: &str) {
        let _: Option<i64> = self
            .query(
                redis::cmd("EVAL")
                    .arg(INVALIDATE)
                    .arg(1)
                    .arg(format!("pr:t:{tag}")),
                "invalidate",
            )
            .await;
    }

    /// Takes the fill lock of `key`, or waits for the replica that has it.
    pub(super) async fn lock_or_wait(&self, key: &str) -> Locked {
        let lock = format!("pr:l:{key}");
        let token = format!("{:x}-{}", now_ms(), rand_token());
        let taken: Option<Option<String>> = self
            .query(
                redis::cmd("SET")
                    .arg(&lock)
                    .arg(&token)
                    .arg("NX")
                    .arg("PX")
                    .arg(LOCK.as_millis() as u64),
                "lock",
            )
            .await;
        match taken {
            None => return Locked::Unavailable,
            Some(Some(_)) => return Locked::Held(token),
            Some(None) => {}
        }
        // Another replica renders: its entry, once stored.
        let deadline = tokio::time::Instant::now() + LOCK;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if let Some(entry) = self.get(key).await {
                return Locked::Found(entry);
            }
            let held: Option<bool> = self.query(redis::cmd("EXISTS").arg(&lock), "lock").await;
            if held != Some(true) {
                // It gave up (its slot failed) or Redis is gone: render here.
                return match self.get(key).await {
                    Some(entry) => Locked::Found(entry),
                    None => Locked::Unavailable,
                };
            }
        }
        Locked::Unavailable
    }

    pub(super) async fn unlock(&self, token: String, key: &str) {
        let _: Option<i64> = self
            .query(
                redis::cmd("EVAL")
                    .arg(UNLOCK)
                    .arg(1)
                    .arg(format!("pr:l:{key}"))
                    .arg(token),
                "unlock",
            )
            .await;
    }
}

/// A lock token unique enough between replicas: the address of a fresh allocation mixed with
/// a process-wide counter and the process id.
fn rand_token() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    (u64::from(std::process::id()) << 32) ^ count
}

/// Version 1: three little-endian u64 (stored, max age, stale, in ms), the HTML, then the head
/// (a flag; the title as a flag and a string; the metas and links as a count and pairs).
/// Strings are a little-endian u32 length and UTF-8.
fn encode(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(entry.html.len() + 64);
    out.push(1);
    for number in [entry.stored_ms, entry.max_age_ms, entry.stale_ms] {
        out.extend_from_slice(&number.to_le_bytes());
    }
    let string = |out: &mut Vec<u8>, text: &str| {
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    };
    string(&mut out, &entry.html);
    match &entry.head {
        None => out.push(0),
        Some(head) => {
            out.push(1);
            match head.title_text() {
                Some(title) => {
                    out.push(1);
                    string(&mut out, title);
                }
                None => out.push(0),
            }
            for pairs in [
                head.metas().collect::<Vec<_>>(),
                head.links().collect::<Vec<_>>(),
            ] {
                out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
                for (a, b) in pairs {
                    string(&mut out, a);
                    string(&mut out, b);
                }
            }
        }
    }
    out
}

fn decode(bytes: &[u8]) -> Option<Entry> {
    let mut reader = Reader(bytes);
    if reader.byte()? != 1 {
        return None;
    }
    let (stored_ms, max_age_ms, stale_ms) = (reader.u64()?, reader.u64()?, reader.u64()?);
    let html = reader.string()?;
    let head = match reader.byte()? {
        0 => None,
        1 => {
            let mut head = Head::new();
            if reader.byte()? == 1 {
                head = head.with_title(reader.string()?);
            }
            for _ in 0..reader.u32()? {
                head = head.meta(reader.string()?, reader.string()?);
            }
            for _ in 0..reader.u32()? {
                head = head.link(reader.string()?, reader.string()?);
            }
            Some(head)
        }
        _ => return None,
    };
    reader.0.is_empty().then_some(Entry {
        html,
        head,
        stored_ms,
        max_age_ms,
        stale_ms,
        tags: Vec::new(),
    })
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        String::from_utf8(self.bytes(len)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_garbage_is_refused() {
        let entry = Entry {
            html: "<p>é & <b>x</b></p>".into(),
            head: Some(Head::title("T").meta("a", "b").link("next", "/2")),
            stored_ms: 1,
            max_age_ms: 2,
            stale_ms: 3,
            tags: vec!["posts".into()],
        };
        let back = decode(&encode(&entry)).unwrap();
        assert_eq!(back.html, entry.html);
        assert_eq!(back.head, entry.head);
        assert_eq!((back.stored_ms, back.max_age_ms, back.stale_ms), (1, 2, 3));
        let plain = Entry {
            head: None,
            ..entry
        };
        assert!(decode(&encode(&plain)).unwrap().head.is_none());
        let bytes = encode(&plain);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        assert!(decode(b"garbage").is_none());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode(&trailing).is_none());
    }
}
