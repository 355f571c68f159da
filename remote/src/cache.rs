//! [`RemoteCache`]: a local capcache with a shared tier behind it.

use std::sync::Arc;
use std::time::SystemTime;

use capcache::{Cache, Integrity, WriteOpts};
use opendal::Operator;
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::layout;
use crate::lookup::{Lookup, Source};
use crate::options::{IndexMode, QueuePolicy, RemoteOptions};
use crate::queue::{self, Job, Shared};
use crate::runtime::{self, blocking};
use crate::stats::{bump, Stats};
use crate::store::Store;

/// A local [`capcache::Cache`] layered over an object store.
///
/// - **Reads** go to the local cache first. On a local miss the newest
///   remote index version of the key is read, its content streamed through
///   capcache's writer with the expected integrity and size (a mismatch
///   stores nothing and is a [`Lookup::RemoteError`]), its entry inserted
///   locally, and the value served from the local copy.
/// - **Writes** go to the local cache, then into a bounded upload queue;
///   a background worker uploads content (if-not-exists) before the index
///   object that refers to it. [`flush`](Self::flush_sync) waits for the
///   queue and returns the failures.
/// - **Every remote call** runs on the crate's private tokio runtime under a
///   deadline ([`RemoteOptions::deadline`]), so the blocking API works from
///   plain threads and inside any async runtime, and the async API from any
///   executor.
///
/// Cloning is cheap and clones share the queue and counters.
///
/// # Examples
///
/// ```
/// use capcache_remote::{Lookup, RemoteCache, Source};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
/// let store = capcache_remote::operator("memory", [])?;
///
/// // One machine writes and uploads...
/// let one = RemoteCache::new(capcache::Cache::open(a.path())?, store.clone())?;
/// one.put_sync("key", b"value")?;
/// one.flush_sync()?;
///
/// // ...another, with an empty local cache, reads it through.
/// let two = RemoteCache::new(capcache::Cache::open(b.path())?, store)?;
/// match two.get_sync("key")? {
///     Lookup::Hit { value, source } => {
///         assert_eq!(value, b"value");
///         assert_eq!(source, Source::Remote);
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(two.get_sync("key")?.source(), Some(Source::Local));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RemoteCache {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Job>,
    policy: QueuePolicy,
}

/// What the local cache holds for a key.
enum Local<T> {
    Hit(T),
    Absent,
    /// An entry whose content is damaged: fetch it again, replacing the file.
    Damaged,
}

impl<T> Local<T> {
    /// A hit as the lookup's answer (counted); otherwise whether the
    /// remote's copy must replace a damaged local file.
    fn answer(self, shared: &Shared) -> std::result::Result<Lookup<T>, bool> {
        match self {
            Local::Hit(value) => {
                bump(&shared.counters.local_hits);
                Ok(Lookup::Hit {
                    value,
                    source: Source::Local,
                })
            }
            Local::Absent => Err(false),
            Local::Damaged => Err(true),
        }
    }
}

fn local_read(cache: &Cache, key: &str) -> Result<Local<Vec<u8>>> {
    classify(key, capcache::read_sync(cache, key))
}

fn local_meta(cache: &Cache, key: &str) -> Result<Local<capcache::Metadata>> {
    match capcache::metadata_sync(cache, key) {
        Ok(Some(meta)) if capcache::exists_sync(cache, &meta.integrity) => Ok(Local::Hit(meta)),
        Ok(_) => Ok(Local::Absent),
        Err(e) => classify(key, Err(e)),
    }
}

fn classify<T>(key: &str, read: capcache::Result<T>) -> Result<Local<T>> {
    match read {
        Ok(v) => Ok(Local::Hit(v)),
        Err(e) if e.is_not_found() => Ok(Local::Absent),
        Err(capcache::Error::IntegrityMismatch { .. } | capcache::Error::SizeMismatch { .. }) => {
            Ok(Local::Damaged)
        }
        Err(e) => Err(Error::local(Some(key), e)),
    }
}

/// Fetches `key` from the remote into the local cache; `Hit(())` when it
/// is there now.
async fn fetch_remote(shared: &Shared, key: &str, damaged: bool) -> Result<Lookup<()>> {
    if shared.is_removing(key) {
        return Ok(Lookup::Miss);
    }
    let mut bad = 0;
    let newest = shared.store.newest(key, &mut bad).await;
    let c = &shared.counters;
    c.bad_index_objects
        .fetch_add(bad, std::sync::atomic::Ordering::Relaxed);
    let found = match newest {
        Ok(Some(found)) if found.entry.integrity.is_some() => found,
        Ok(_) => return Ok(Lookup::Miss),
        Err(e) => return Ok(remote_error(shared, e)),
    };
    match shared.store.download(&shared.cache, &found, damaged).await {
        Ok(()) => Ok(Lookup::Hit {
            value: (),
            source: Source::Remote,
        }),
        Err(e @ Error::Local { .. }) => Err(e),
        Err(e) => Ok(remote_error(shared, e)),
    }
}

fn remote_error<T>(shared: &Shared, e: Error) -> Lookup<T> {
    let c = &shared.counters;
    bump(&c.remote_errors);
    match &e {
        Error::Timeout { .. } => bump(&c.timeouts),
        Error::Corrupt { .. } => bump(&c.corrupt),
        Error::ContentMissing { .. } => bump(&c.dangling),
        _ => {}
    }
    Lookup::RemoteError(e)
}

/// The read-through after the local cache missed (or was damaged): fetch
/// `key` into the local cache, then `local` reads the fresh local copy.
async fn read_through<T: Send + 'static>(
    shared: Arc<Shared>,
    key: String,
    damaged: bool,
    local: fn(&Cache, &str) -> Result<Local<T>>,
) -> Result<Lookup<T>> {
    let fetched = fetch_remote(&shared, &key, damaged).await?;
    let c = &shared.counters;
    match fetched {
        Lookup::Hit { .. } => {
            let cache = shared.cache.clone();
            let k = key.clone();
            match blocking(move || local(&cache, &k)).await? {
                Local::Hit(value) => {
                    bump(&c.remote_hits);
                    Ok(Lookup::Hit {
                        value,
                        source: Source::Remote,
                    })
                }
                // Removed locally meanwhile.
                Local::Absent => {
                    bump(&c.misses);
                    Ok(Lookup::Miss)
                }
                Local::Damaged => Err(Error::local(
                    Some(&key),
                    capcache::Error::Io {
                        path: key.clone().into(),
                        source: std::io::Error::other("verified content failed its local read"),
                    },
                )),
            }
        }
        Lookup::Miss => {
            bump(&c.misses);
            Ok(Lookup::Miss)
        }
        Lookup::RemoteError(e) => Ok(Lookup::RemoteError(e)),
    }
}

/// [`read_through`] of a value.
async fn get_remote(shared: Arc<Shared>, key: String, damaged: bool) -> Result<Lookup<Vec<u8>>> {
    read_through(shared, key, damaged, local_read).await
}

/// [`read_through`] of an entry's metadata.
async fn fetch_after_local(
    shared: Arc<Shared>,
    key: String,
    damaged: bool,
) -> Result<Lookup<capcache::Metadata>> {
    read_through(shared, key, damaged, local_meta).await
}

impl RemoteCache {
    /// Layers `cache` over the store `op` with default [`RemoteOptions`].
    ///
    /// # Errors
    ///
    /// [`Error::Runtime`] if the private runtime cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let op = capcache_remote::operator("memory", [])?;
    /// let remote = capcache_remote::RemoteCache::new(capcache::Cache::open(dir.path())?, op)?;
    /// assert_eq!(remote.index_mode(), capcache_remote::IndexMode::Versioned);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(cache: Cache, op: Operator) -> Result<RemoteCache> {
        Self::with_options(cache, op, RemoteOptions::new())
    }

    /// Layers `cache` over the store `op`.
    ///
    /// The index mode comes from the store's capabilities unless `opts`
    /// forces one: [`IndexMode::Versioned`] when it can list, else
    /// [`IndexMode::WriteOnce`].
    ///
    /// # Errors
    ///
    /// [`Error::Runtime`] if the private runtime cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// use capcache_remote::{IndexMode, RemoteCache, RemoteOptions};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let op = capcache_remote::operator("memory", [])?;
    /// let opts = RemoteOptions::new().index_mode(IndexMode::WriteOnce);
    /// let remote = RemoteCache::with_options(capcache::Cache::open(dir.path())?, op, opts)?;
    /// assert_eq!(remote.index_mode(), IndexMode::WriteOnce);
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_options(cache: Cache, op: Operator, opts: RemoteOptions) -> Result<RemoteCache> {
        opendal::install_default();
        let shared = Arc::new(Shared::new(Store::new(op, &opts), cache));
        let (tx, rx) = mpsc::channel(opts.queue_capacity);
        let worker = queue::worker(shared.clone(), rx, opts.upload_concurrency);
        // Detached: it ends once every clone of this cache is dropped and
        // the queue is drained.
        drop(runtime::spawn(worker)?);
        Ok(RemoteCache {
            shared,
            tx,
            policy: opts.queue_policy,
        })
    }

    /// The local cache.
    pub fn local(&self) -> &Cache {
        &self.shared.cache
    }

    /// The object store.
    pub fn operator(&self) -> &Operator {
        &self.shared.store.op
    }

    /// How the remote index is kept.
    pub fn index_mode(&self) -> IndexMode {
        self.shared.store.mode
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Reads `key`: locally, else through the remote (blocking).
    ///
    /// # Errors
    ///
    /// [`Error::Local`] when the local cache fails (other than a miss or
    /// damaged content, which are fetched again). Remote failures are not
    /// errors here but [`Lookup::RemoteError`].
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
    /// assert!(matches!(remote.get_sync("nothing")?, capcache_remote::Lookup::Miss));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_sync(&self, key: &str) -> Result<Lookup<Vec<u8>>> {
        let damaged = match local_read(&self.shared.cache, key)?.answer(&self.shared) {
            Ok(hit) => return Ok(hit),
            Err(damaged) => damaged,
        };
        runtime::block_on(get_remote(self.shared.clone(), key.to_owned(), damaged))
    }

    /// Reads `key`: locally, else through the remote (async; any executor).
    ///
    /// # Errors
    ///
    /// As [`get_sync`](Self::get_sync).
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
    /// smol::block_on(async {
    ///     remote.put("k", b"v").await?;
    ///     assert_eq!(remote.get("k").await?.into_value(), Some(b"v".to_vec()));
    ///     Ok::<_, capcache_remote::Error>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, key: &str) -> Result<Lookup<Vec<u8>>> {
        let shared = self.shared.clone();
        let key = key.to_owned();
        runtime::run(async move {
            let (cache, k) = (shared.cache.clone(), key.clone());
            let damaged = match blocking(move || local_read(&cache, &k))
                .await?
                .answer(&shared)
            {
                Ok(hit) => return Ok(hit),
                Err(damaged) => damaged,
            };
            get_remote(shared, key, damaged).await
        })
        .await
    }

    /// Makes sure `key` is in the local cache (fetching it through the
    /// remote if needed) and returns its metadata, without reading the
    /// value: for callers that then stream it with capcache's readers or
    /// copy it out (blocking).
    ///
    /// # Errors
    ///
    /// As [`get_sync`](Self::get_sync).
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
    /// remote.put_sync("k", b"value")?;
    /// let meta = remote.fetch_sync("k")?.into_value().unwrap();
    /// assert_eq!(meta.size, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn fetch_sync(&self, key: &str) -> Result<Lookup<capcache::Metadata>> {
        let damaged = match local_meta(&self.shared.cache, key)?.answer(&self.shared) {
            Ok(hit) => return Ok(hit),
            Err(damaged) => damaged,
        };
        runtime::block_on(fetch_after_local(
            self.shared.clone(),
            key.to_owned(),
            damaged,
        ))
    }

    /// The async form of [`fetch_sync`](Self::fetch_sync).
    ///
    /// # Errors
    ///
    /// As [`get_sync`](Self::get_sync).
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
    /// let lookup = smol::block_on(remote.fetch("absent"))?;
    /// assert!(matches!(lookup, capcache_remote::Lookup::Miss));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn fetch(&self, key: &str) -> Result<Lookup<capcache::Metadata>> {
        let shared = self.shared.clone();
        let key = key.to_owned();
        runtime::run(async move {
            let (cache, k) = (shared.cache.clone(), key.clone());
            let damaged = match blocking(move || local_meta(&cache, &k))
                .await?
                .answer(&shared)
            {
                Ok(hit) => return Ok(hit),
                Err(damaged) => damaged,
            };
            fetch_after_local(shared, key, damaged).await
        })
        .await
    }

    /// Writes `key` locally and queues its upload (blocking). Returns the
    /// content's integrity.
    ///
    /// # Errors
    ///
    /// [`Error::Local`] if the local write fails (nothing is queued);
    /// [`Error::Runtime`] if the upload worker is gone. A full queue blocks
    /// or drops the upload as [`RemoteOptions::queue_policy`] says; upload
    /// failures surface in [`flush_sync`](Self::flush_sync).
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
    /// let sri = remote.put_sync("k", b"v")?;
    /// assert_eq!(capcache::read_hash_sync(remote.local(), &sri)?, b"v");
    /// # Ok(())
    /// # }
    /// ```
    pub fn put_sync(&self, key: &str, data: &[u8]) -> Result<Integrity> {
        self.put_with_opts_sync(key, data, WriteOpts::new())
    }

    /// [`put_sync`](Self::put_sync) with capcache's write options
    /// (algorithm, expected integrity, time, metadata).
    ///
    /// # Errors
    ///
    /// As [`put_sync`](Self::put_sync).
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
    /// let opts = capcache::WriteOpts::new().metadata(serde_json::json!({"etag": "x"}));
    /// remote.put_with_opts_sync("k", b"v", opts)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn put_with_opts_sync(&self, key: &str, data: &[u8], opts: WriteOpts) -> Result<Integrity> {
        let (sri, meta) = write_local(&self.shared.cache, key, data, opts)?;
        let name = layout::version_name(meta.time);
        self.enqueue_sync(Job::Put(meta, name))?;
        Ok(sri)
    }

    /// Writes `key` locally and queues its upload (async; any executor).
    ///
    /// # Errors
    ///
    /// As [`put_sync`](Self::put_sync).
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
    /// smol::block_on(async {
    ///     remote.put("k", b"v").await?;
    ///     remote.flush().await
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn put(&self, key: &str, data: impl Into<Vec<u8>>) -> Result<Integrity> {
        self.put_with_opts(key, data, WriteOpts::new()).await
    }

    /// The async form of [`put_with_opts_sync`](Self::put_with_opts_sync).
    ///
    /// # Errors
    ///
    /// As [`put_sync`](Self::put_sync).
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
    /// let opts = capcache::WriteOpts::new().time(1);
    /// smol::block_on(remote.put_with_opts("k", b"v".to_vec(), opts))?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn put_with_opts(
        &self,
        key: &str,
        data: impl Into<Vec<u8>>,
        opts: WriteOpts,
    ) -> Result<Integrity> {
        let (cache, key, data) = (self.shared.cache.clone(), key.to_owned(), data.into());
        let (sri, meta) =
            runtime::run(
                async move { blocking(move || write_local(&cache, &key, &data, opts)).await },
            )
            .await?;
        let name = layout::version_name(meta.time);
        self.enqueue(Job::Put(meta, name)).await?;
        Ok(sri)
    }

    /// Removes `key` locally and queues a remote tombstone (blocking). Until
    /// the tombstone is uploaded, reads of the key do not fall through to
    /// the remote.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] in [`IndexMode::WriteOnce`] (nothing is
    /// removed); [`Error::Local`] if the local removal fails.
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
    /// remote.remove_sync("k")?;
    /// remote.flush_sync()?;
    /// assert!(matches!(remote.get_sync("k")?, capcache_remote::Lookup::Miss));
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_sync(&self, key: &str) -> Result<()> {
        self.start_remove(key)?;
        match remove_local(&self.shared.cache, key) {
            Ok(time) => self.enqueue_sync(removal(key, time)),
            Err(e) => {
                self.shared.mark_removing(key, false);
                Err(e)
            }
        }
    }

    /// The async form of [`remove_sync`](Self::remove_sync).
    ///
    /// # Errors
    ///
    /// As [`remove_sync`](Self::remove_sync).
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
    /// smol::block_on(remote.remove("never-written"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove(&self, key: &str) -> Result<()> {
        self.start_remove(key)?;
        let (cache, k) = (self.shared.cache.clone(), key.to_owned());
        let removed =
            runtime::run(async move { blocking(move || remove_local(&cache, &k)).await }).await;
        match removed {
            Ok(time) => self.enqueue(removal(key, time)).await,
            Err(e) => {
                self.shared.mark_removing(key, false);
                Err(e)
            }
        }
    }

    /// Refuses a removal the index cannot record; else keeps reads of
    /// `key` off the remote until its tombstone is uploaded.
    fn start_remove(&self, key: &str) -> Result<()> {
        if self.index_mode() == IndexMode::WriteOnce {
            return Err(Error::Unsupported {
                op: "remove",
                reason: "a write-once index cannot record removals",
            });
        }
        self.shared.mark_removing(key, true);
        Ok(())
    }

    /// Waits until every upload queued so far is done (blocking).
    ///
    /// # Errors
    ///
    /// [`Error::Uploads`] with every upload failure (and every upload
    /// dropped on a full queue) since the last flush; [`Error::Runtime`] if
    /// the worker is gone.
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
    /// assert_eq!(remote.stats().uploads, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn flush_sync(&self) -> Result<()> {
        futures_lite::future::block_on(self.flush())
    }

    /// Waits until every upload queued so far is done (async; any executor).
    ///
    /// # Errors
    ///
    /// As [`flush_sync`](Self::flush_sync).
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
    /// smol::block_on(remote.flush())?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn flush(&self) -> Result<()> {
        let (reply, done) = oneshot::channel();
        // A flush always waits for room, whatever the queue policy.
        self.tx
            .send(Job::Flush(reply))
            .await
            .map_err(|_| worker_gone())?;
        let failures = done.await.map_err(|_| worker_gone())?;
        match failures.is_empty() {
            true => Ok(()),
            false => Err(Error::Uploads { failures }),
        }
    }

    fn enqueue_sync(&self, job: Job) -> Result<()> {
        match self.policy {
            QueuePolicy::Block => {
                futures_lite::future::block_on(self.tx.send(job)).map_err(|_| worker_gone())
            }
            QueuePolicy::Drop => self.try_enqueue(job),
        }
    }

    async fn enqueue(&self, job: Job) -> Result<()> {
        match self.policy {
            QueuePolicy::Block => self.tx.send(job).await.map_err(|_| worker_gone()),
            QueuePolicy::Drop => self.try_enqueue(job),
        }
    }

    fn try_enqueue(&self, job: Job) -> Result<()> {
        match self.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(job)) => {
                let key = match job {
                    Job::Put(meta, _) => meta.key,
                    Job::Remove { key, .. } => {
                        self.shared.mark_removing(&key, false);
                        key
                    }
                    Job::Flush(_) => String::new(),
                };
                bump(&self.shared.counters.dropped);
                self.shared.record(Error::QueueFull { key });
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(worker_gone()),
        }
    }
}

fn worker_gone() -> Error {
    Error::Runtime {
        reason: "the upload worker has stopped".into(),
    }
}

/// Removes `key` locally; returns the time for its tombstone: now, or
/// just after the entry it removes if that one records a later time (a
/// write given an explicit time), so that the removal wins remotely too.
fn remove_local(cache: &Cache, key: &str) -> Result<u128> {
    let local = |e| Error::local(Some(key), e);
    let live = capcache::metadata_sync(cache, key).map_err(local)?;
    capcache::remove_sync(cache, key).map_err(local)?;
    let now = layout::millis(SystemTime::now());
    Ok(live.map_or(now, |m| now.max(m.time + 1)))
}

/// The upload job of a removal.
fn removal(key: &str, time: u128) -> Job {
    Job::Remove {
        key: key.to_owned(),
        time,
        name: layout::version_name(time),
    }
}

/// The local write and the entry it recorded.
fn write_local(
    cache: &Cache,
    key: &str,
    data: &[u8],
    opts: WriteOpts,
) -> Result<(Integrity, capcache::Metadata)> {
    let local = |e| Error::local(Some(key), e);
    let sri = capcache::write_with_opts_sync(cache, key, data, opts).map_err(local)?;
    let meta = capcache::metadata_sync(cache, key)
        .map_err(local)?
        .ok_or_else(|| {
            local(capcache::Error::EntryNotFound {
                key: key.to_owned(),
            })
        })?;
    Ok((sri, meta))
}
