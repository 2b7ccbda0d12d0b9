//! The Redis store of [`Cache::redis`](super::Cache::redis): entries shared by every replica.
//!
//! - An entry is the Redis string `pr:e:<key>` (a small binary encoding, below) with a time to
//!   live of its `max_age + stale_while_revalidate`; each of its tags is a sorted set
//!   `pr:t:<tag>` of entry names scored by their expiry (pruned at each store), which
//!   `invalidate_tag` deletes with them, counting the tag's generation `pr:g:<tag>` up, in one
//!   script. A store is one script too, which refuses if a generation moved since its fill
//!   began: an invalidation during a fill is not undone by it.
//! - A miss takes the lock `pr:l:<key>` (`SET NX PX`): the replica that holds it renders and
//!   stores, and frees it when it ends or is dropped; the others wait for its entry (polling,
//!   at most half the slot's deadline, then render themselves), so a stampede across
//!   replicas renders once.
//! - Every call is bounded by the store's timeout. A Redis that is down, slow or answering
//!   nonsense is a miss (the slot renders), logged at most once a second; never a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Cache, Entry, Store, now_ms};
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
pub(super) const LOCK: Duration = Duration::from_secs(10);

/// Deletes a tag's entries and the tag, and counts its generation up, at once.
const INVALIDATE: &str = "local names = redis.call('ZRANGE', KEYS[1], 0, -1) \
    for i = 1, #names do redis.call('DEL', names[i]) end \
    redis.call('DEL', KEYS[1]) redis.call('INCR', KEYS[2]) return #names";

/// Stores an entry and its tags unless a tag's generation moved. KEYS: the entry, then each
/// tag's set and generation in turn; ARGV: the value, its TTL in ms, now in ms, then each
/// tag's expected generation (`""` for none).
const PUT: &str = "local tags = (#KEYS - 1) / 2 \
    for i = 1, tags do \
      if (redis.call('GET', KEYS[2 * i + 1]) or '') ~= ARGV[3 + i] then return 0 end \
    end \
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) \
    local expiry = tonumber(ARGV[3]) + tonumber(ARGV[2]) \
    for i = 1, tags do \
      local set = KEYS[2 * i] \
      redis.call('ZREMRANGEBYSCORE', set, '-inf', ARGV[3]) \
      redis.call('ZADD', set, expiry, KEYS[1]) \
      redis.call('PEXPIRE', set, ARGV[2], 'NX') \
      redis.call('PEXPIRE', set, ARGV[2], 'GT') \
    end \
    return 1";

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

    /// The generations of `tags` now (`None` if Redis cannot say).
    pub(super) async fn generations(&self, tags: &[&str]) -> Option<Vec<Option<String>>> {
        if tags.is_empty() {
            return Some(Vec::new());
        }
        let mut command = redis::cmd("MGET");
        for tag in tags {
            command.arg(format!("pr:g:{tag}"));
        }
        self.query(&command, "generations").await
    }

    /// Stores `entry` and its tags, unless Redis could not tell the tags' generations when the
    /// fill began (`None`) or one has moved since.
    pub(super) async fn put(
        &self,
        key: &str,
        entry: &Entry,
        generations: Option<&[Option<String>]>,
    ) {
        let Some(generations) = generations else {
            return;
        };
        let ttl = entry.ttl().as_millis().max(1) as u64;
        let mut command = redis::cmd("EVAL");
        command
            .arg(PUT)
            .arg(1 + 2 * entry.tags.len())
            .arg(entry_name(key));
        for tag in &entry.tags {
            command
                .arg(format!("pr:t:{tag}"))
                .arg(format!("pr:g:{tag}"));
        }
        command.arg(encode(entry)).arg(ttl).arg(now_ms());
        for generation in generations {
            command.arg(generation.as_deref().unwrap_or(""));
        }
        let _: Option<i64> = self.query(&command, "put").await;
    }

    pub(super) async fn invalidate_tag(&self, tag: &str) {
        let _: Option<i64> = self
            .query(
                redis::cmd("EVAL")
                    .arg(INVALIDATE)
                    .arg(2)
                    .arg(format!("pr:t:{tag}"))
                    .arg(format!("pr:g:{tag}")),
                "invalidate",
            )
            .await;
    }

    /// Takes the fill lock of `key`, or waits (at most `wait`) for the replica that has it.
    pub(super) async fn lock_or_wait(&self, key: &str, wait: Duration) -> Locked {
        let lock = format!("pr:l:{key}");
        let token = format!("{:x}-{:x}", now_ms(), rand_token());
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
        // Another replica renders: its entry, once stored; past `wait` (a replica that died
        // with the lock, say), this one renders.
        let deadline = tokio::time::Instant::now() + wait.min(LOCK);
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

/// A lock token unique between replicas: a process-wide counter hashed with the standard
/// library's randomly seeded hasher (replicas in containers often share a process id).
fn rand_token() -> u64 {
    use std::hash::BuildHasher;
    static SEED: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    SEED.get_or_init(std::hash::RandomState::new)
        .hash_one(count)
}

/// A held fill lock, freed when dropped: at the end of the fill, or when the fill is dropped
/// (its requests gone, its deadline passed), so that no replica waits on a fill that is over.
pub(super) struct LockGuard {
    cache: Cache,
    key: Arc<str>,
    token: Option<String>,
}

impl LockGuard {
    pub(super) fn new(cache: Cache, key: Arc<str>, token: String) -> Self {
        LockGuard {
            cache,
            key,
            token: Some(token),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let (Some(token), Ok(runtime)) = (self.token.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let (cache, key) = (self.cache.clone(), self.key.clone());
        runtime.spawn(async move {
            if let Store::Redis(store) = &cache.0.store {
                store.unlock(token, &key).await;
            }
        });
    }
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
