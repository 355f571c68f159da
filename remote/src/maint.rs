//! Whole-store operations: push, pull, stat and gc (what the
//! `capcache-remote` tool runs).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use capcache::Integrity;
use tokio::task::JoinSet;

use crate::cache::RemoteCache;
use crate::error::{Error, Result};
use crate::layout;
use crate::layout::millis;
use crate::line::Entry;
use crate::queue::Shared;
use crate::runtime::{self, blocking};
use crate::store::{self, Found, Store};

/// How many entries push and pull move at once.
const PARALLEL: usize = 8;

/// What [`RemoteCache::push_sync`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct PushStats {
    /// Entries uploaded.
    pub uploaded: u64,
    /// Entries whose newest remote version was already this one.
    pub up_to_date: u64,
    /// Entries that failed (the others went on).
    pub errors: Vec<Error>,
}

/// What [`RemoteCache::pull_sync`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct PullStats {
    /// Entries fetched, verified and stored locally.
    pub pulled: u64,
    /// Entries the local cache already had.
    pub up_to_date: u64,
    /// Keys whose newest remote version is a removal (left alone locally).
    pub removed: u64,
    /// Entries that failed (corrupt, missing content, ...; the others went on).
    pub errors: Vec<Error>,
}

/// What the store holds, from [`RemoteCache::stat_sync`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteStat {
    /// Keys whose newest version is live.
    pub keys: u64,
    /// Keys whose newest version is a removal.
    pub removed: u64,
    /// Index objects in all.
    pub index_objects: u64,
    /// Index objects older than their key's newest version (prunable).
    pub old_versions: u64,
    /// Index objects that are not usable bucket lines.
    pub bad_index_objects: u64,
    /// Live entries whose content is missing.
    pub dangling: u64,
    /// Content objects.
    pub content_objects: u64,
    /// Their total size in bytes.
    pub content_bytes: u64,
    /// Content objects no index object refers to.
    pub unreferenced_content: u64,
}

/// Limits for [`RemoteCache::gc_sync`], for stores without lifecycle rules.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let opts = capcache_remote::GcOptions::new()
///     .max_age(Duration::from_secs(30 * 86_400))
///     .max_size(50 << 30);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone)]
pub struct GcOptions {
    max_age: Option<Duration>,
    max_size: Option<u64>,
    grace: Duration,
}

impl Default for GcOptions {
    fn default() -> Self {
        GcOptions {
            max_age: None,
            max_size: None,
            grace: Duration::from_secs(3600),
        }
    }
}

impl GcOptions {
    /// No age or size limit (prune old versions, removals, dangling entries
    /// and unreferenced content only); a grace of one hour.
    pub fn new() -> Self {
        Self::default()
    }

    /// Evicts entries written longer ago than `age`.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// Evicts the oldest entries until their content (each object counted
    /// once) fits in `bytes`.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Unreferenced content, unusable index objects and removals younger
    /// than this are kept: an upload in flight has written its content but
    /// not yet its index object. Content whose store reports no modification
    /// time (the memory service) is only collected with a zero grace.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }
}

/// What [`RemoteCache::gc_sync`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcStats {
    /// Keys evicted by age or size.
    pub evicted: u64,
    /// Keys dropped because their content is gone.
    pub dangling: u64,
    /// Index objects deleted (evictions, old versions, removals, unusable).
    pub index_deleted: u64,
    /// Content objects deleted.
    pub content_deleted: u64,
    /// Bytes of content deleted.
    pub bytes_freed: u64,
}

/// One index object as scanned.
#[derive(Debug)]
struct Object {
    path: String,
    entry: Option<Entry>,
    modified: Option<SystemTime>,
}

/// The index by bucket directory, each bucket's objects in name order.
type Index = BTreeMap<String, Vec<Object>>;

fn need_list(store: &Store, op: &'static str) -> Result<()> {
    match store.can_list {
        true => Ok(()),
        false => Err(Error::Unsupported {
            op,
            reason: "it needs a versioned index on a store that can list",
        }),
    }
}

async fn scan_index(store: &Store) -> Result<Index> {
    let mut index = Index::new();
    for (path, meta) in store.list_all(layout::INDEX).await? {
        let entry = match store.read_object(&path).await? {
            Some(bytes) => store::parse(&path, &bytes, None, true).ok(),
            None => continue, // deleted since the listing
        };
        let modified = meta.last_modified().map(SystemTime::from);
        index
            .entry(layout::parent(&path).to_owned())
            .or_default()
            .push(Object {
                path,
                entry,
                modified,
            });
    }
    for objects in index.values_mut() {
        objects.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(index)
}

/// The newest usable object of a bucket.
fn newest(objects: &[Object]) -> Option<(usize, &Entry)> {
    objects
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, o)| o.entry.as_ref().map(|e| (i, e)))
}

fn content_of(entry: &Entry) -> Option<(Integrity, String)> {
    let sri: Integrity = entry.integrity.as_deref()?.parse().ok()?;
    let path = layout::content_path(&sri).ok()?;
    Some((sri, path))
}

async fn list_content(store: &Store) -> Result<HashMap<String, (u64, Option<SystemTime>)>> {
    Ok(store
        .list_all(layout::CONTENT)
        .await?
        .into_iter()
        .map(|(path, meta)| {
            let modified = meta.last_modified().map(SystemTime::from);
            (path, (meta.content_length(), modified))
        })
        .collect())
}

async fn stat(store: &Store) -> Result<RemoteStat> {
    need_list(store, "stat")?;
    let index = scan_index(store).await?;
    let content = list_content(store).await?;
    let mut s = RemoteStat::default();
    let mut referenced = HashSet::new();
    for objects in index.values() {
        s.index_objects += objects.len() as u64;
        s.bad_index_objects += objects.iter().filter(|o| o.entry.is_none()).count() as u64;
        for o in objects {
            if let Some((_, path)) = o.entry.as_ref().and_then(content_of) {
                referenced.insert(path);
            }
        }
        if let Some((i, entry)) = newest(objects) {
            s.old_versions += objects[..i].iter().filter(|o| o.entry.is_some()).count() as u64;
            match content_of(entry) {
                None => s.removed += 1,
                Some((_, path)) => {
                    s.keys += 1;
                    if !content.contains_key(&path) {
                        s.dangling += 1;
                    }
                }
            }
        }
    }
    s.content_objects = content.len() as u64;
    s.content_bytes = content.values().map(|(size, _)| size).sum();
    s.unreferenced_content = content.keys().filter(|p| !referenced.contains(*p)).count() as u64;
    Ok(s)
}

async fn gc(store: &Store, opts: &GcOptions) -> Result<GcStats> {
    need_list(store, "gc")?;
    if !store.can_delete {
        return Err(Error::Unsupported {
            op: "gc",
            reason: "the store cannot delete",
        });
    }
    let now = SystemTime::now();
    let older_than = |age: Duration| millis(now.checked_sub(age).unwrap_or(UNIX_EPOCH));
    // At or before this time (ms) an object is past the grace period.
    let grace_line = older_than(opts.grace);
    let mut stats = GcStats::default();

    // 1. The index, then the content (in this order: an upload writes
    //    content before its index object, so a listed index object's
    //    content is in the later content listing unless it is really gone).
    let index = scan_index(store).await?;
    let content = list_content(store).await?;

    // 2. Which index objects go.
    let mut doomed: Vec<&str> = Vec::new();
    let mut live: Vec<(&str, &Entry)> = Vec::new(); // (bucket, newest entry)
    for (bucket, objects) in &index {
        let newest = newest(objects);
        for (i, o) in objects.iter().enumerate() {
            let is_newest = newest.is_some_and(|(n, _)| n == i);
            let old_enough = || {
                let time = o
                    .modified
                    .map(millis)
                    .or_else(|| layout::version_time(layout::file_name(&o.path)));
                time.is_some_and(|t| t <= grace_line)
            };
            match (&o.entry, is_newest) {
                (None, _) if old_enough() => doomed.push(&o.path),
                (Some(_), false) if newest.is_some_and(|(n, _)| i < n) => doomed.push(&o.path),
                _ => {}
            }
        }
        let Some((n, entry)) = newest else { continue };
        match content_of(entry) {
            // A removal: once old enough, the whole key goes.
            None if entry.time <= grace_line => doomed.push(&objects[n].path),
            None => {}
            Some((_, path)) if !content.contains_key(&path) => {
                stats.dangling += 1;
                doomed.push(&objects[n].path);
            }
            Some(_) => live.push((bucket, entry)),
        }
    }
    // 3. Evictions by age, then by size (oldest first; shared content once).
    live.sort_by_key(|(_, e)| e.time);
    let mut evict: HashSet<&str> = HashSet::new();
    if let Some(age) = opts.max_age {
        let line = older_than(age);
        for (bucket, entry) in &live {
            if entry.time < line {
                evict.insert(bucket);
            }
        }
    }
    if let Some(max) = opts.max_size {
        let mut refs: HashMap<String, (u64, usize)> = HashMap::new();
        for (bucket, entry) in &live {
            if evict.contains(bucket) {
                continue;
            }
            if let Some((_, path)) = content_of(entry) {
                let size = content.get(&path).map_or(0, |(s, _)| *s);
                refs.entry(path).or_insert((size, 0)).1 += 1;
            }
        }
        let mut total: u64 = refs.values().map(|(s, _)| s).sum();
        for (bucket, entry) in &live {
            if total <= max {
                break;
            }
            if evict.contains(bucket) {
                continue;
            }
            evict.insert(bucket);
            if let Some((_, path)) = content_of(entry) {
                if let Some((size, n)) = refs.get_mut(&path) {
                    *n -= 1;
                    if *n == 0 {
                        total -= *size;
                    }
                }
            }
        }
    }
    stats.evicted = evict.len() as u64;
    for bucket in &evict {
        for o in &index[*bucket] {
            doomed.push(&o.path);
        }
    }
    doomed.sort_unstable();
    doomed.dedup();

    // 4. Index objects first: no index object is ever left pointing at
    //    deleted content.
    for path in &doomed {
        store.delete(path).await?;
        stats.index_deleted += 1;
    }

    // 5. Content that nothing refers to any more, re-checked against a
    //    fresh scan of the index (writers may have added entries meanwhile).
    let referenced: HashSet<String> = scan_index(store)
        .await?
        .values()
        .flatten()
        .filter_map(|o| o.entry.as_ref().and_then(content_of))
        .map(|(_, path)| path)
        .collect();
    for (path, (size, modified)) in &content {
        if referenced.contains(path) {
            continue;
        }
        let old_enough = match modified {
            Some(t) => millis(*t) <= grace_line,
            None => opts.grace.is_zero(),
        };
        if old_enough {
            store.delete(path).await?;
            stats.content_deleted += 1;
            stats.bytes_freed += size;
        }
    }
    Ok(stats)
}

async fn pull(shared: Arc<Shared>) -> Result<PullStats> {
    let store = &shared.store;
    need_list(store, "pull")?;
    let index = scan_index(store).await?;
    let mut stats = PullStats::default();
    let mut tasks = JoinSet::new();
    for objects in index.into_values() {
        let Some((i, _)) = newest(&objects) else {
            continue;
        };
        let Some(object) = objects.into_iter().nth(i) else {
            continue;
        };
        let Some(entry) = object.entry else { continue };
        if entry.integrity.is_none() {
            stats.removed += 1;
            continue;
        }
        let found = Found {
            entry,
            path: object.path,
        };
        if tasks.len() >= PARALLEL {
            collect_pull(&mut stats, tasks.join_next().await);
        }
        let shared = shared.clone();
        tasks.spawn(async move {
            let (cache, key) = (shared.cache.clone(), found.entry.key.clone());
            let sri = found.entry.integrity.clone();
            let have = blocking(move || {
                let meta = capcache::metadata_sync(&cache, &key)
                    .map_err(|e| Error::local(Some(&key), e))?;
                Ok(meta.is_some_and(|m| {
                    Some(m.integrity.to_string()) == sri
                        && capcache::exists_sync(&cache, &m.integrity)
                }))
            })
            .await?;
            if have {
                return Ok(false);
            }
            shared.store.download(&shared.cache, &found, false).await?;
            Ok(true)
        });
    }
    while let Some(done) = tasks.join_next().await {
        collect_pull(&mut stats, Some(done));
    }
    Ok(stats)
}

fn collect_pull(stats: &mut PullStats, done: Option<Result<Result<bool>, tokio::task::JoinError>>) {
    match done {
        Some(Ok(Ok(true))) => stats.pulled += 1,
        Some(Ok(Ok(false))) => stats.up_to_date += 1,
        Some(Ok(Err(e))) => stats.errors.push(e),
        Some(Err(e)) => stats.errors.push(Error::Runtime {
            reason: format!("a pull task failed: {e}"),
        }),
        None => {}
    }
}

async fn push(shared: Arc<Shared>) -> Result<PushStats> {
    let cache = shared.cache.clone();
    // An unusable local entry is one error among the others, as the
    // listing yields it; the walk goes on.
    let listed: Vec<capcache::Result<capcache::Metadata>> =
        blocking(move || Ok(capcache::list_sync(&cache).collect())).await?;
    let mut stats = PushStats::default();
    let mut entries = Vec::new();
    for entry in listed {
        match entry {
            Ok(meta) => entries.push(meta),
            Err(e) => stats.errors.push(Error::local(None, e)),
        }
    }
    let mut tasks = JoinSet::new();
    for meta in entries {
        if tasks.len() >= PARALLEL {
            collect_push(&mut stats, tasks.join_next().await);
        }
        let shared = shared.clone();
        tasks.spawn(async move {
            let mut bad = 0;
            if let Some(found) = shared.store.newest(&meta.key, &mut bad).await? {
                let same = found.entry.integrity.as_deref() == Some(&meta.integrity.to_string())
                    && found.entry.time == meta.time;
                if same {
                    return Ok(false);
                }
            }
            shared
                .upload(&meta, &layout::version_name(meta.time))
                .await?;
            Ok(true)
        });
    }
    while let Some(done) = tasks.join_next().await {
        collect_push(&mut stats, Some(done));
    }
    Ok(stats)
}

fn collect_push(stats: &mut PushStats, done: Option<Result<Result<bool>, tokio::task::JoinError>>) {
    match done {
        Some(Ok(Ok(true))) => stats.uploaded += 1,
        Some(Ok(Ok(false))) => stats.up_to_date += 1,
        Some(Ok(Err(e))) => stats.errors.push(e),
        Some(Err(e)) => stats.errors.push(Error::Runtime {
            reason: format!("a push task failed: {e}"),
        }),
        None => {}
    }
}

/// Whole-store operations.
impl RemoteCache {
    /// Uploads every live local entry whose newest remote version differs
    /// (blocking; not through the queue). One entry's failure does not stop
    /// the others: see [`PushStats::errors`].
    ///
    /// # Errors
    ///
    /// [`Error::Local`] if the local cache cannot be listed.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// capcache::write_sync(dir.path(), "k", b"v")?; // written without the remote
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// assert_eq!(remote.push_sync()?.uploaded, 1);
    /// assert_eq!(remote.push_sync()?.up_to_date, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn push_sync(&self) -> Result<PushStats> {
        runtime::block_on(push(self.shared().clone()))
    }

    /// The async form of [`push_sync`](Self::push_sync).
    ///
    /// # Errors
    ///
    /// As [`push_sync`](Self::push_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// assert_eq!(smol::block_on(remote.push())?.uploaded, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn push(&self) -> Result<PushStats> {
        runtime::run(push(self.shared().clone())).await
    }

    /// Fetches the newest live version of every remote key the local cache
    /// lacks, verified (blocking). Needs a versioned index.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] in write-once mode; a remote failure while
    /// listing or reading the index. Per-entry failures are in
    /// [`PullStats::errors`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    /// let store = capcache_remote::operator("memory", [])?;
    /// let one = capcache_remote::RemoteCache::new(capcache::Cache::open(a.path())?, store.clone())?;
    /// one.put_sync("k", b"v")?;
    /// one.flush_sync()?;
    /// let two = capcache_remote::RemoteCache::new(capcache::Cache::open(b.path())?, store)?;
    /// assert_eq!(two.pull_sync()?.pulled, 1);
    /// assert_eq!(capcache::read_sync(b.path(), "k")?, b"v");
    /// # Ok(())
    /// # }
    /// ```
    pub fn pull_sync(&self) -> Result<PullStats> {
        runtime::block_on(pull(self.shared().clone()))
    }

    /// The async form of [`pull_sync`](Self::pull_sync).
    ///
    /// # Errors
    ///
    /// As [`pull_sync`](Self::pull_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// assert_eq!(smol::block_on(remote.pull())?.pulled, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn pull(&self) -> Result<PullStats> {
        runtime::run(pull(self.shared().clone())).await
    }

    /// Counts what the store holds (blocking). Needs a versioned index.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] in write-once mode; a remote failure.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// remote.put_sync("k", b"v")?;
    /// remote.flush_sync()?;
    /// let stat = remote.stat_sync()?;
    /// assert_eq!((stat.keys, stat.content_objects, stat.content_bytes), (1, 1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn stat_sync(&self) -> Result<RemoteStat> {
        let shared = self.shared().clone();
        runtime::block_on(async move { stat(&shared.store).await })
    }

    /// The async form of [`stat_sync`](Self::stat_sync).
    ///
    /// # Errors
    ///
    /// As [`stat_sync`](Self::stat_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// assert_eq!(smol::block_on(remote.stat())?.keys, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stat(&self) -> Result<RemoteStat> {
        let shared = self.shared().clone();
        runtime::run(async move { stat(&shared.store).await }).await
    }

    /// Collects the store by age and size, for stores without lifecycle
    /// rules (blocking). Index objects are deleted first, then content no
    /// remaining index object refers to (re-checked against a fresh listing
    /// of the index), so no index object is left pointing at deleted content.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] in write-once mode or on a store that cannot
    /// delete; a remote failure (gc stops; what it deleted stays deleted,
    /// and a rerun goes on).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// remote.put_sync("k", b"v")?;
    /// remote.flush_sync()?;
    /// let gc = remote.gc_sync(&capcache_remote::GcOptions::new().max_size(0).grace(Duration::ZERO))?;
    /// assert_eq!((gc.evicted, gc.content_deleted), (1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn gc_sync(&self, opts: &GcOptions) -> Result<GcStats> {
        let (shared, opts) = (self.shared().clone(), opts.clone());
        runtime::block_on(async move { gc(&shared.store, &opts).await })
    }

    /// The async form of [`gc_sync`](Self::gc_sync).
    ///
    /// # Errors
    ///
    /// As [`gc_sync`](Self::gc_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let remote = capcache_remote::RemoteCache::new(
    ///     capcache::Cache::open(dir.path())?,
    ///     capcache_remote::operator("memory", [])?,
    /// )?;
    /// let gc = smol::block_on(remote.gc(&capcache_remote::GcOptions::new()))?;
    /// assert_eq!(gc.index_deleted, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn gc(&self, opts: &GcOptions) -> Result<GcStats> {
        let (shared, opts) = (self.shared().clone(), opts.clone());
        runtime::run(async move { gc(&shared.store, &opts).await }).await
    }
}
