//! Cached slots (SPEC "Caching and conditional slots"): `#[slot(..., cache(max_age = 60))]`
//! keeps a slot's rendered fragment in a [`Cache`], found in the request's extensions (else
//! [`Cache::global`]), under the slot's handler (`module::function`), the page's path as the
//! client sent it (its path parameters, also inside `Router::nest`) and query string — and,
//! with `cache(key = f)`, what `f` reads of the request.
//!
//! - **Single flight**: concurrent misses of one key run the handler once; the others await
//!   its fragment. A miss whose handler fails (its fallback), panics, times out or interrupts
//!   stores nothing, and each waiting request then runs its own handler.
//! - **Stale while revalidate**: past `max_age` and within `stale_while_revalidate`, the
//!   stale fragment answers at once and the handler runs again in a task of the cache (one per
//!   key at a time), bounded by the slot's `timeout_ms`, else 30 s. Those tasks belong to the
//!   runtime that served the request: when it shuts down, a refresh still running is dropped
//!   and the stale entry stays until it expires; [`Cache::close`] waits for them first.
//! - **Per-user data is never cached by accident**: a cached slot whose arguments read more
//!   than `Path`, `Query`, `State` and a `Route` is a compile error unless it names its key.
//!
//! ```
//! use axum::response::Html;
//! use parallel_routes::prelude::*;
//!
//! #[layout(slots(archive))]
//! async fn blog(archive: Fragment, children: Fragment) -> Html<String> {
//!     Html(format!("{archive}{children}"))
//! }
//!
//! // Rendered once a minute at most, whoever asks; `cache.invalidate_tag("posts")` drops it.
//! #[slot(blog, archive, cache(max_age = 60, stale_while_revalidate = 300, tags("posts")))]
//! async fn archive() -> Html<String> {
//!     Html("<ul>…</ul>".to_owned())
//! }
//! # #[page(blog)]
//! # async fn index() -> &'static str { "" }
//!
//! let cache = Cache::default(); // in process; `Cache::redis(url).await?` to share it
//! let app: axum::Router = blog::router().layer(axum::Extension(cache));
//! ```

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::request::Parts;
use futures_util::FutureExt;
use futures_util::future::WeakShared;

use crate::boundary::SlotMeta;
use crate::error::SlotOutcome;
use crate::fragment::Fragment;
use crate::head::Head;
use crate::route::FragmentRequest;

#[cfg(feature = "redis")]
mod redis_store;

/// What `cache(...)` says of a slot. Written by `#[slot]`.
#[derive(Debug)]
pub struct CacheMeta {
    /// `max_age = N`: fresh for this long.
    pub max_age: Duration,
    /// `stale_while_revalidate = N`: then served stale, and refreshed, for this long.
    pub stale: Duration,
    /// `tags("posts", …)`: what [`Cache::invalidate_tag`] drops it by.
    pub tags: &'static [&'static str],
    /// `key = f`: what of the request the slot's output depends on besides its route.
    pub key: Option<fn(&Parts) -> String>,
    /// The fragment may differ from one user to the next (the slot names a `key`, or has a
    /// `when` guard): its `@slot` endpoint says `Cache-Control: private`.
    pub private: bool,
}

/// The store of cached slots; cheap to clone (clones share it). Put one in the request
/// extensions (`router.layer(axum::Extension(cache))`), else the slots use [`Cache::global`].
#[derive(Clone)]
pub struct Cache(Arc<Inner>);

struct Inner {
    store: Store,
    /// The misses being filled, by key: weak, so that a fill whose requests are all gone is
    /// dropped (its handler cancelled) rather than kept.
    flights: Mutex<HashMap<Arc<str>, WeakShared<Flight>>>,
    refreshes: Mutex<Refreshes>,
    /// Counts in-memory invalidations: a fill that began before one does not store.
    generation: AtomicU64,
    /// Orders an in-memory invalidation and a fill's store.
    invalidating: Mutex<()>,
}

enum Store {
    Memory(moka::sync::Cache<Arc<str>, Arc<Entry>>),
    #[cfg(feature = "redis")]
    Redis(redis_store::RedisStore),
}

#[derive(Default)]
struct Refreshes {
    keys: HashSet<Arc<str>>,
    tasks: Option<tokio::task::JoinSet<()>>,
    closed: bool,
}

/// A fill of a missing key, shared by the requests that wait for it.
type Flight = Pin<Box<dyn Future<Output = Filled> + Send>>;

/// How a fill ended: stored, or not cacheable (the outcome is the first request's own).
#[derive(Clone)]
enum Filled {
    Stored(Arc<Entry>),
    Uncached(Arc<Mutex<Option<std::thread::Result<SlotOutcome>>>>),
}

/// A cached fragment.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) html: String,
    pub(crate) head: Option<Head>,
    /// When it was rendered, in milliseconds since the Unix epoch (replicas share entries).
    pub(crate) stored_ms: u64,
    pub(crate) max_age_ms: u64,
    pub(crate) stale_ms: u64,
    pub(crate) tags: Vec<String>,
}

/// Where an entry is in its life.
#[derive(Debug, PartialEq, Eq)]
enum Age {
    Fresh,
    Stale,
    Expired,
}

impl Entry {
    fn age(&self, now_ms: u64) -> Age {
        let age = now_ms.saturating_sub(self.stored_ms);
        if age < self.max_age_ms {
            Age::Fresh
        } else if age < self.max_age_ms.saturating_add(self.stale_ms) {
            Age::Stale
        } else {
            Age::Expired
        }
    }

    fn outcome(&self) -> SlotOutcome {
        let fragment = Fragment::html(self.html.clone());
        match &self.head {
            Some(head) => SlotOutcome::Headed(fragment, Box::new(head.clone())),
            None => SlotOutcome::Rendered(fragment),
        }
    }

    /// Its bytes in memory: the fragment, the head, the tags (the key is weighed apart).
    fn weight(&self) -> u64 {
        let head = self.head.as_ref().map_or(0, |head| {
            head.title_text().map_or(0, str::len)
                + head.metas().map(|(a, b)| a.len() + b.len()).sum::<usize>()
                + head.links().map(|(a, b)| a.len() + b.len()).sum::<usize>()
        });
        (self.html.len() + head + self.tags.iter().map(String::len).sum::<usize>() + 64) as u64
    }

    /// Time to live in the store: fresh, then stale; at most a year.
    fn ttl(&self) -> Duration {
        Duration::from_millis(
            self.max_age_ms
                .saturating_add(self.stale_ms)
                .min(MAX_TTL_MS),
        )
    }
}

/// The longest an entry is kept: a year.
const MAX_TTL_MS: u64 = 365 * 24 * 3600 * 1000;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Expires each in-memory entry when it is no longer usable, stale or not.
struct Expiry;

impl moka::Expiry<Arc<str>, Arc<Entry>> for Expiry {
    fn expire_after_create(
        &self,
        _: &Arc<str>,
        entry: &Arc<Entry>,
        _: Instant,
    ) -> Option<Duration> {
        Some(entry.ttl())
    }

    fn expire_after_update(
        &self,
        _: &Arc<str>,
        entry: &Arc<Entry>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl())
    }
}

impl Default for Cache {
    /// In process: at most 10,000 entries and 64 MiB of fragments.
    fn default() -> Self {
        Cache::in_memory(10_000, 64 << 20)
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = match &self.0.store {
            Store::Memory(_) => "memory",
            #[cfg(feature = "redis")]
            Store::Redis(_) => "redis",
        };
        f.debug_struct("Cache").field("store", &store).finish()
    }
}

impl Cache {
    /// In process, holding at most `max_entries` entries and about `max_bytes` bytes of
    /// fragments; the least used go first.
    pub fn in_memory(max_entries: u64, max_bytes: u64) -> Self {
        // One weight bounds both: each entry weighs its bytes, and at least
        // `max_bytes / max_entries`, so that no more than `max_entries` fit.
        let floor = (max_bytes / max_entries.max(1)).max(1);
        let store = moka::sync::Cache::builder()
            .max_capacity(max_bytes.max(1))
            .weigher(move |key: &Arc<str>, entry: &Arc<Entry>| {
                let weight = (key.len() as u64 + entry.weight()).max(floor);
                u32::try_from(weight).unwrap_or(u32::MAX)
            })
            .expire_after(Expiry)
            .support_invalidation_closures()
            .build();
        Cache::with_store(Store::Memory(store))
    }

    /// Shares the cached slots of every replica through the Redis server at `url`
    /// (`redis://127.0.0.1/`): a slot is rendered once for all of them, and
    /// [`invalidate_tag`](Cache::invalidate_tag) reaches every replica. Each Redis call is
    /// bounded (250 ms); a Redis that is down or slow degrades to rendering the slot, logged,
    /// never to a failed page. Fails only if `url` is not a Redis URL or the first connection
    /// cannot be made.
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Cache::with_store(Store::Redis(
            redis_store::RedisStore::connect(url, Duration::from_millis(250)).await?,
        )))
    }

    fn with_store(store: Store) -> Self {
        Cache(Arc::new(Inner {
            store,
            flights: Mutex::new(HashMap::new()),
            refreshes: Mutex::new(Refreshes::default()),
            generation: AtomicU64::new(0),
            invalidating: Mutex::new(()),
        }))
    }

    /// The process-wide cache that slots use when the request carries none.
    pub fn global() -> &'static Cache {
        static GLOBAL: OnceLock<Cache> = OnceLock::new();
        GLOBAL.get_or_init(Cache::default)
    }

    /// Drops every entry tagged `tag` (`cache(tags("posts"))`): the next request renders
    /// those slots again. With Redis, on every replica.
    pub async fn invalidate_tag(&self, tag: &str) {
        match &self.0.store {
            Store::Memory(store) => {
                let tag = tag.to_owned();
                {
                    let _order = lock(&self.0.invalidating);
                    self.0.generation.fetch_add(1, Ordering::SeqCst);
                    // Only fails when closures are not enabled, which `in_memory` does.
                    let _ = store.invalidate_entries_if(move |_, entry| entry.tags.contains(&tag));
                }
                store.run_pending_tasks();
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.invalidate_tag(tag).await,
        }
    }

    /// Stops starting background refreshes and waits for those running to end (each is
    /// bounded by its slot's deadline, else 30 s): call it on shutdown, after the server has
    /// stopped, so that no refresh is cut off. Entries stay; requests still read them.
    pub async fn close(&self) {
        let tasks = {
            let mut refreshes = lock(&self.0.refreshes);
            refreshes.closed = true;
            refreshes.tasks.take()
        };
        if let Some(mut tasks) = tasks {
            while tasks.join_next().await.is_some() {}
        }
    }

    async fn get(&self, key: &str) -> Option<Arc<Entry>> {
        match &self.0.store {
            Store::Memory(store) => store.get(key),
            #[cfg(feature = "redis")]
            Store::Redis(store) => store.get(key).await,
        }
    }

    /// What the store's invalidations were when a fill of a slot tagged `tags` started.
    async fn stamp(&self, tags: &'static [&'static str]) -> Stamp {
        match &self.0.store {
            Store::Memory(_) => {
                // In memory one generation counts every tag's invalidations.
                let _ = tags;
                Stamp::Memory(self.0.generation.load(Ordering::SeqCst))
            }
            #[cfg(feature = "redis")]
            Store::Redis(store) => Stamp::Redis(store.generations(tags).await),
        }
    }

    /// Stores `entry` unless an invalidation came since `stamp` (it would be undone).
    async fn put(&self, key: &Arc<str>, entry: Arc<Entry>, stamp: Stamp) {
        match (&self.0.store, stamp) {
            (Store::Memory(store), Stamp::Memory(generation)) => {
                // Under the lock `invalidate_tag` takes: an entry stored before an invalidation
                // is dropped by it; one whose fill began before it is not stored.
                let _order = lock(&self.0.invalidating);
                if self.0.generation.load(Ordering::SeqCst) == generation {
                    store.insert(key.clone(), entry);
                }
            }
            #[cfg(feature = "redis")]
            (Store::Redis(store), Stamp::Redis(generations)) => {
                store.put(key, &entry, generations.as_deref()).await
            }
            #[cfg(feature = "redis")]
            _ => {}
        }
    }

    /// Runs `handler` for a missing `key` once for all the requests that miss it at once
    /// (with Redis, once for every replica as far as its lock allows), within the slot's
    /// `deadline` if it has one.
    async fn fill<F>(
        &self,
        key: Arc<str>,
        meta: &'static CacheMeta,
        deadline: Option<Duration>,
        handler: F,
    ) -> SlotOutcome
    where
        F: Future<Output = SlotOutcome> + Send + 'static,
    {
        let (flight, leader, handler) = {
            let mut flights = lock(&self.0.flights);
            match flights.get(&key).and_then(WeakShared::upgrade) {
                Some(flight) => (flight, false, Some(handler)),
                None => {
                    // Forgotten when it ends or is dropped (its last request gone), so that
                    // the map holds only live fills.
                    let forget = Forget {
                        cache: self.clone(),
                        key: key.clone(),
                    };
                    let fill = self.clone().run_fill(key.clone(), meta, deadline, handler);
                    let flight: Flight = Box::pin(async move {
                        let _forget = forget;
                        fill.await
                    });
                    let flight = flight.shared();
                    if let Some(weak) = flight.downgrade() {
                        flights.insert(key.clone(), weak);
                    }
                    (flight, true, None)
                }
            }
        };
        match flight.await {
            Filled::Stored(entry) => entry.outcome(),
            Filled::Uncached(outcome) => {
                // The request that ran the handler takes its own outcome; the others run
                // theirs (nothing of a failure is shared).
                let taken = if leader { lock(&outcome).take() } else { None };
                match (taken, handler) {
                    (Some(Ok(outcome)), _) => outcome,
                    (Some(Err(panic)), _) => std::panic::resume_unwind(panic),
                    (None, Some(handler)) => handler.await,
                    (None, None) => SlotOutcome::Failed("the cached slot's fill was lost".into()),
                }
            }
        }
    }

    async fn run_fill<F>(
        self,
        key: Arc<str>,
        meta: &'static CacheMeta,
        deadline: Option<Duration>,
        handler: F,
    ) -> Filled
    where
        F: Future<Output = SlotOutcome> + Send + 'static,
    {
        let stamp = self.stamp(meta.tags).await;
        // With Redis, another replica may be filling the key: wait for its entry (a while).
        #[cfg(feature = "redis")]
        let _lock = match &self.0.store {
            Store::Redis(store) => match store
                .lock_or_wait(
                    &key,
                    deadline.map_or(redis_store::LOCK, |deadline| deadline / 2),
                )
                .await
            {
                redis_store::Locked::Found(entry) => return Filled::Stored(entry),
                redis_store::Locked::Held(token) => Some(redis_store::LockGuard::new(
                    self.clone(),
                    key.clone(),
                    token,
                )),
                redis_store::Locked::Unavailable => None,
            },
            Store::Memory(_) => None,
        };
        // Bounded by the slot's deadline, if it has one: a fill that hangs is not shared past
        // it. (Without one, as without `cache`, a handler that hangs holds its requests; and
        // no timer is needed, which a runtime built without one would refuse.)
        let handler = AssertUnwindSafe(handler).catch_unwind();
        let outcome = match deadline {
            Some(deadline) => match tokio::time::timeout(deadline, handler).await {
                Ok(outcome) => outcome,
                Err(_) => Ok(SlotOutcome::TimedOut(deadline)),
            },
            None => handler.await,
        };
        match outcome.map(|outcome| Entry::of(outcome, meta)) {
            Ok(Ok(entry)) => {
                let entry = Arc::new(entry);
                self.put(&key, entry.clone(), stamp).await;
                Filled::Stored(entry)
            }
            Ok(Err(outcome)) => Filled::Uncached(Arc::new(Mutex::new(Some(Ok(outcome))))),
            Err(panic) => Filled::Uncached(Arc::new(Mutex::new(Some(Err(panic))))),
        }
    }

    /// Renders a stale `key` again in the background, once at a time per key.
    fn refresh<F>(&self, key: Arc<str>, meta: &'static CacheMeta, limit: Duration, handler: F)
    where
        F: Future<Output = SlotOutcome> + Send + 'static,
    {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut refreshes = lock(&self.0.refreshes);
        if refreshes.closed || !refreshes.keys.insert(key.clone()) {
            return;
        }
        let cache = self.clone();
        // Ended or dropped (with its runtime), the refresh frees its key for the next one.
        let done = Refreshing {
            cache: self.clone(),
            key: key.clone(),
        };
        let tasks = refreshes
            .tasks
            .get_or_insert_with(tokio::task::JoinSet::new);
        // Reap the refreshes that have ended.
        while tasks.try_join_next().is_some() {}
        tasks.spawn_on(
            async move {
                let _done = done;
                let stamp = cache.stamp(meta.tags).await;
                let rendered =
                    tokio::time::timeout(limit, AssertUnwindSafe(handler).catch_unwind()).await;
                match rendered.map(|caught| caught.map(|outcome| Entry::of(outcome, meta))) {
                    Ok(Ok(Ok(entry))) => cache.put(&key, Arc::new(entry), stamp).await,
                    _ => tracing::warn!(
                        key = &*key,
                        "a stale cached slot failed to refresh; its entry stays until it expires"
                    ),
                }
            },
            &runtime,
        );
    }
}

/// What the invalidations were when a fill started; see [`Cache::put`].
enum Stamp {
    Memory(u64),
    /// Each tag's generation, or `None` if Redis could not say (then nothing is stored).
    #[cfg(feature = "redis")]
    Redis(Option<Vec<Option<String>>>),
}

/// Removes a fill from the map of fills when it is dropped, if no live fill replaced it.
struct Forget {
    cache: Cache,
    key: Arc<str>,
}

impl Drop for Forget {
    fn drop(&mut self) {
        let mut flights = lock(&self.cache.0.flights);
        if flights
            .get(&self.key)
            .is_some_and(|weak| weak.upgrade().is_none())
        {
            flights.remove(&self.key);
        }
    }
}

/// Frees a refresh's key when the refresh ends or is dropped.
struct Refreshing {
    cache: Cache,
    key: Arc<str>,
}

impl Drop for Refreshing {
    fn drop(&mut self) {
        lock(&self.cache.0.refreshes).keys.remove(&self.key);
    }
}

impl Entry {
    /// The entry of a slot that rendered; the outcome back if it did not (never cached).
    fn of(outcome: SlotOutcome, meta: &CacheMeta) -> Result<Self, SlotOutcome> {
        match outcome {
            SlotOutcome::Rendered(fragment) => Ok(Entry::new(fragment.into_string(), None, meta)),
            SlotOutcome::Headed(fragment, head) => {
                Ok(Entry::new(fragment.into_string(), Some(*head), meta))
            }
            other => Err(other),
        }
    }

    fn new(html: String, head: Option<Head>, meta: &CacheMeta) -> Self {
        Entry {
            html,
            head,
            stored_ms: now_ms(),
            max_age_ms: u64::try_from(meta.max_age.as_millis()).unwrap_or(u64::MAX),
            stale_ms: u64::try_from(meta.stale.as_millis()).unwrap_or(u64::MAX),
            tags: meta.tags.iter().map(|tag| (*tag).to_owned()).collect(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while one of these short critical sections ran leaves valid data.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A cached slot's key and store, read from the request head by the slot's `extract`.
pub struct Lookup {
    cache: Cache,
    key: String,
    meta: &'static CacheMeta,
    /// The slot's `timeout_ms`.
    deadline: Option<Duration>,
}

/// The lookup of the cached slot `meta` for the request `parts`: its key — the layout, the
/// slot, the page's path and query (an `@slot` endpoint's page), and `key(parts)` if the slot
/// names one — and the request's cache. `None` for a slot without `cache`.
pub fn lookup(parts: &Parts, meta: &'static SlotMeta) -> Option<Lookup> {
    let cache_meta = meta.cache?;
    let cache = parts
        .extensions
        .get::<Cache>()
        .cloned()
        .unwrap_or_else(|| Cache::global().clone());
    // The URL as the client sent it: inside `Router::nest` the request's own is cut.
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let mut path = uri.path();
    if parts.extensions.get::<FragmentRequest>().is_some()
        && let Some(at) = path.rfind("/@")
    {
        // The page's path: `/@slot` of a layout at `/` is the page `/`.
        path = if at == 0 { "/" } else { &path[..at] };
    }
    // Written piece by piece (`format!` costs more than the rest of a hit). The handler's
    // path (`module::function`) tells apart two layouts of one name in two modules.
    let query = uri.query();
    let mut key = String::with_capacity(
        meta.handler.len() + meta.slot.len() + path.len() + query.map_or(0, str::len) + 4,
    );
    for piece in [meta.handler, "\u{1f}", meta.slot, "\u{1f}", path] {
        key.push_str(piece);
    }
    if let Some(query) = query {
        key.push('?');
        key.push_str(query);
    }
    if let Some(user_key) = cache_meta.key {
        key.push('\u{1f}');
        key.push_str(&user_key(parts));
    }
    Some(Lookup {
        cache,
        key,
        meta: cache_meta,
        deadline: meta.timeout,
    })
}

/// A cached slot's handler: the entry if fresh; if stale, the entry and a refresh in the
/// background; else the handler, once for every request that misses at once, its fragment
/// stored if it rendered.
pub async fn cached<F>(lookup: Option<Lookup>, handler: F) -> SlotOutcome
where
    F: Future<Output = SlotOutcome> + Send + 'static,
{
    let Some(Lookup {
        cache,
        key,
        meta,
        deadline,
    }) = lookup
    else {
        return handler.await;
    };
    // A hit reads the store with the key as it is; a miss makes it shared (`Arc<str>`).
    match cache.get(&key).await {
        // Without `stale_while_revalidate` the store drops an entry at `max_age`: one it
        // still has is fresh, and no clock is read.
        Some(entry) if entry.stale_ms == 0 => entry.outcome(),
        Some(entry) => match entry.age(now_ms()) {
            Age::Fresh => entry.outcome(),
            Age::Stale => {
                // A refresh is bounded by the slot's deadline, else 30 s.
                let limit = deadline.unwrap_or(Duration::from_secs(30));
                cache.refresh(key.into(), meta, limit, handler);
                entry.outcome()
            }
            Age::Expired => cache.fill(key.into(), meta, deadline, handler).await,
        },
        None => cache.fill(key.into(), meta, deadline, handler).await,
    }
}

/// An argument a cached slot may read without naming its key: what its key already holds.
/// `Path` and `Query` (the page's path and query string are in the key), `State` (the same
/// for every request), and each layout's generated `Route`.
#[diagnostic::on_unimplemented(
    message = "a cached slot reads `{Self}`, which may differ from one user to the next, without naming its key",
    label = "not part of a cached slot's key",
    note = "the cached fragment would be served to everyone: name what it depends on with `cache(max_age = N, key = my_key)`, `fn my_key(parts: &Parts) -> String` (the user's id, say), or drop `cache`",
    note = "without a key, a cached slot may read `Path`, `Query`, `State` and its layout's `Route`"
)]
pub trait CacheSafe {}

impl<T> CacheSafe for axum::extract::Path<T> {}
impl<T> CacheSafe for axum::extract::Query<T> {}
impl<T> CacheSafe for axum::extract::State<T> {}

/// Never called: naming `cache_safe::<T>` checks that a cached slot without a key may read
/// `T`, reported at the user's type.
pub const fn cache_safe<T: CacheSafe>() {}

/// A strong validator for a fragment's bytes: the same fragment has the same `ETag` on every
/// replica running the same build.
pub(crate) fn etag(body: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    body.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    static META: CacheMeta = CacheMeta {
        max_age: Duration::from_secs(60),
        stale: Duration::from_secs(30),
        tags: &["posts"],
        key: None,
        private: false,
    };

    #[test]
    fn an_entry_is_fresh_then_stale_then_expired() {
        let entry = Entry::new("x".into(), None, &META);
        let at = entry.stored_ms;
        assert_eq!(entry.age(at), Age::Fresh);
        assert_eq!(entry.age(at + 59_999), Age::Fresh);
        assert_eq!(entry.age(at + 60_000), Age::Stale);
        assert_eq!(entry.age(at + 89_999), Age::Stale);
        assert_eq!(entry.age(at + 90_000), Age::Expired);
    }

    #[test]
    fn the_memory_store_is_bounded_by_entries_and_bytes() {
        let cache = Cache::in_memory(10, 10_000);
        let Store::Memory(store) = &cache.0.store else {
            unreachable!()
        };
        for i in 0..100 {
            store.insert(
                format!("k{i}").into(),
                Arc::new(Entry::new("x".into(), None, &META)),
            );
        }
        store.run_pending_tasks();
        assert!(store.entry_count() <= 10, "{}", store.entry_count());
        for i in 0..100 {
            store.insert(
                format!("big{i}").into(),
                Arc::new(Entry::new("x".repeat(2_000), None, &META)),
            );
        }
        store.run_pending_tasks();
        assert!(store.weighted_size() <= 10_000, "{}", store.weighted_size());
    }

    #[test]
    fn etags_are_stable_and_differ() {
        assert_eq!(etag("a"), etag("a"));
        assert_ne!(etag("a"), etag("b"));
        assert!(etag("a").starts_with('"') && etag("a").ends_with('"'));
    }
}
