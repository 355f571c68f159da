//! [`WriteOpts`]: options for a write or an index insert.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::cache::IntoCache;
use crate::error::Result;
use crate::stream::SyncWriter;
#[cfg(feature = "async")]
use crate::stream::Writer;
use ssri::{Algorithm, Integrity};

/// Options for a write: hash algorithm, expected integrity and size, time
/// and metadata.
///
/// # Examples
///
/// ```
/// use capcache::{Algorithm, WriteOpts};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let opts = WriteOpts::new()
///     .algorithm(Algorithm::Sha256)
///     .size(5)
///     .metadata(serde_json::json!({ "etag": "abc" }));
/// let sri = capcache::write_with_opts_sync(dir.path(), "k", b"hello", opts)?;
/// assert_eq!(sri.pick_algorithm(), Algorithm::Sha256);
/// let meta = capcache::metadata_sync(dir.path(), "k")?.unwrap();
/// assert_eq!(meta.metadata["etag"], "abc");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOpts {
    pub(crate) algorithm: Option<Algorithm>,
    pub(crate) sri: Option<Integrity>,
    pub(crate) size: Option<usize>,
    pub(crate) time: Option<u128>,
    pub(crate) metadata: Option<Value>,
    pub(crate) raw_metadata: Option<Vec<u8>>,
}

impl WriteOpts {
    /// Default options: sha512, no expectations, the current time, no metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hashes the content with `algo` (default sha512).
    pub fn algorithm(mut self, algo: Algorithm) -> Self {
        self.algorithm = Some(algo);
        self
    }

    /// The integrity the data must have; a write whose data differs fails and
    /// stores nothing. For [`index::insert`](crate::index::insert) it is the
    /// integrity recorded.
    pub fn integrity(mut self, sri: Integrity) -> Self {
        self.sri = Some(sri);
        self
    }

    /// The size the data must have; a write of another size fails and stores
    /// nothing. For an index insert it is the size recorded.
    pub fn size(mut self, size: usize) -> Self {
        self.size = Some(size);
        self
    }

    /// The time to record, in milliseconds since the Unix epoch (default: now).
    pub fn time(mut self, time: u128) -> Self {
        self.time = Some(time);
        self
    }

    /// JSON metadata to record with the entry.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Raw metadata bytes to record with the entry (cacache-rs's `raw_metadata`).
    pub fn raw_metadata(mut self, raw: Vec<u8>) -> Self {
        self.raw_metadata = Some(raw);
        self
    }

    /// Starts a streaming write under `key` with these options (blocking).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`](crate::Error::InvalidKey) for an empty key,
    /// [`Error::Io`](crate::Error::Io) if the temp file cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path();
    /// let mut w = capcache::WriteOpts::new().size(2).open_sync(dir, "k")?;
    /// w.write_all(b"hi")?;
    /// w.commit()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_sync<C: IntoCache, K: AsRef<str>>(self, cache: C, key: K) -> Result<SyncWriter> {
        crate::ops::blocking::open_writer(cache, Some(key.as_ref().to_owned()), self)
    }

    /// Starts a streaming write of content only (no index entry), blocking.
    pub fn open_hash_sync<C: IntoCache>(self, cache: C) -> Result<SyncWriter> {
        crate::ops::blocking::open_writer(cache, None, self)
    }

    /// Starts a streaming write under `key` with these options (async).
    #[cfg(feature = "async")]
    pub async fn open<C: IntoCache, K: AsRef<str>>(self, cache: C, key: K) -> Result<Writer> {
        crate::ops::asynchronous::open_writer(cache, Some(key.as_ref().to_owned()), self).await
    }

    /// Starts a streaming write of content only (no index entry), async.
    #[cfg(feature = "async")]
    pub async fn open_hash<C: IntoCache>(self, cache: C) -> Result<Writer> {
        crate::ops::asynchronous::open_writer(cache, None, self).await
    }

    /// Starts linking `target` into the cache under `key` with these
    /// options (feature `link_to`): read it through the returned
    /// [`SyncToLinker`](crate::SyncToLinker), then commit.
    ///
    /// # Errors
    ///
    /// As [`SyncToLinker::open`](crate::SyncToLinker::open).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().join("cache");
    /// let target = tmp.path().join("f");
    /// std::fs::write(&target, b"abc")?;
    /// let opts = capcache::WriteOpts::new().algorithm(capcache::Algorithm::Sha256).size(3);
    /// let sri = opts.link_to_sync(&dir, "k", &target)?.commit()?;
    /// assert_eq!(sri.pick_algorithm(), capcache::Algorithm::Sha256);
    /// assert_eq!(capcache::read_sync(&dir, "k")?, b"abc");
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "link_to")]
    pub fn link_to_sync<C: IntoCache, K: AsRef<str>, T: AsRef<std::path::Path>>(
        self,
        cache: C,
        key: K,
        target: T,
    ) -> Result<crate::SyncToLinker> {
        let key = Some(key.as_ref().to_owned());
        crate::SyncToLinker::start(cache.into_source().open()?, key, target.as_ref(), self)
    }

    /// Starts linking `target` into the cache as content only (no index
    /// entry); see [`WriteOpts::link_to_sync`].
    ///
    /// # Errors
    ///
    /// As [`SyncToLinker::open`](crate::SyncToLinker::open).
    #[cfg(feature = "link_to")]
    pub fn link_to_hash_sync<C: IntoCache, T: AsRef<std::path::Path>>(
        self,
        cache: C,
        target: T,
    ) -> Result<crate::SyncToLinker> {
        crate::SyncToLinker::start(cache.into_source().open()?, None, target.as_ref(), self)
    }

    /// Starts linking `target` into the cache under `key`, off the executor
    /// thread; see [`WriteOpts::link_to_sync`].
    ///
    /// # Errors
    ///
    /// As [`SyncToLinker::open`](crate::SyncToLinker::open).
    #[cfg(all(feature = "link_to", feature = "async"))]
    pub async fn link_to<C: IntoCache, K: AsRef<str>, T: AsRef<std::path::Path>>(
        self,
        cache: C,
        key: K,
        target: T,
    ) -> Result<crate::ToLinker> {
        let (source, key) = (cache.into_source(), Some(key.as_ref().to_owned()));
        let target = target.as_ref().to_path_buf();
        let start = move || crate::SyncToLinker::start(source.open()?, key, &target, self);
        let sync = crate::rt::asynchronous::run(start).await?;
        Ok(crate::ToLinker::new(sync))
    }

    /// Starts linking `target` into the cache as content only, off the
    /// executor thread; see [`WriteOpts::link_to_sync`].
    ///
    /// # Errors
    ///
    /// As [`SyncToLinker::open`](crate::SyncToLinker::open).
    #[cfg(all(feature = "link_to", feature = "async"))]
    pub async fn link_to_hash<C: IntoCache, T: AsRef<std::path::Path>>(
        self,
        cache: C,
        target: T,
    ) -> Result<crate::ToLinker> {
        let (source, target) = (cache.into_source(), target.as_ref().to_path_buf());
        let start = move || crate::SyncToLinker::start(source.open()?, None, &target, self);
        let sync = crate::rt::asynchronous::run(start).await?;
        Ok(crate::ToLinker::new(sync))
    }

    pub(crate) fn algorithm_or_default(&self) -> Algorithm {
        self.algorithm.unwrap_or(Algorithm::Sha512)
    }

    pub(crate) fn time_or_now(&self) -> u128 {
        self.time.unwrap_or_else(now_millis)
    }
}

/// Milliseconds since the Unix epoch; 0 if the clock is before it.
pub(crate) fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}
