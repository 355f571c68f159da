//! [`HttpStore`]: the store and its blocking operations.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use cap_std::fs::Dir;
use capcache::{Algorithm, Cache, Integrity, Metadata, SyncReader, WriteOpts};
use http_cache_semantics::CachePolicy;

use crate::body::SyncBody;
use crate::entry::{self, Cached};
use crate::error::{Error, Result};
use crate::evict::{evict, Cause};
use crate::parts::ResponseParts;
use crate::tee::{Sink, SyncTee};

/// An HTTP response store over a [`capcache::Cache`]: one cache entry per
/// key, the response's parts and cache policy as JSON in the entry's index
/// metadata, the body as content-addressed content (sha256 unless
/// [`HttpStore::algorithm`] says otherwise; shared by every key with the
/// same body, verified on every read).
///
/// Every operation has a blocking form (`get_sync`) and, with the `async`
/// feature, an async one (`get`) whose file I/O and hashing run off the
/// executor thread. A store is cheap to clone (it holds a [`Cache`]).
///
/// Entries are plain capcache entries: `capcache ls --json`, npm's cacache
/// and `capcache::list_sync` see them; `capcache::gc_sync` and
/// `capcache::verify_sync` reclaim bodies no key names any more.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// use capcache_http::{CachePolicy, HttpStore, ResponseParts};
/// use capcache_http::http::{Request, Response};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// let store = HttpStore::open(tmp.path())?;
/// let request = Request::get("https://example.com/a").body(())?;
/// let response = Response::builder().header("cache-control", "max-age=60").body(())?;
/// let policy = CachePolicy::new(&request, &response);
/// let (parts, ()) = response.into_parts();
/// let parts = ResponseParts::from_http(&parts, Some("https://example.com/a".into()));
///
/// // Store: the tee hands the body on while it is cached.
/// let mut tee = store.store_sync("GET:https://example.com/a", &parts, &policy, &b"hello"[..]);
/// std::io::copy(&mut tee, &mut std::io::sink())?;
///
/// // Get: parts, policy and a verified streaming body.
/// let cached = store.get_sync("GET:https://example.com/a")?.expect("stored");
/// assert_eq!(cached.parts.headers["cache-control"], "max-age=60");
/// assert_eq!(cached.body.bytes()?, b"hello");
///
/// // Revalidate (after a 304): one index line, no new content.
/// store.put_sync("GET:https://example.com/a", &parts, &policy, &cached.integrity)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HttpStore {
    cache: Cache,
    algorithm: Algorithm,
}

impl From<Cache> for HttpStore {
    fn from(cache: Cache) -> HttpStore {
        HttpStore::new(cache)
    }
}

impl HttpStore {
    /// A store over `cache` (opened from a path or a `Dir`, with any
    /// [`capcache::CacheOptions`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let cache = capcache::CacheOptions::new().durable(true).open(tmp.path())?;
    /// let store = capcache_http::HttpStore::new(cache);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(cache: Cache) -> HttpStore {
        HttpStore {
            cache,
            algorithm: Algorithm::Sha256,
        }
    }

    /// The hash new bodies are stored under: sha256 unless set, as
    /// cacache-rs (and so http-cache's `CACacheManager`) does; on CPUs with
    /// SHA extensions it is well over twice as fast as sha512 (npm's
    /// default). Every algorithm is verified the same way on every read,
    /// and entries written with any of them read back.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let store = capcache_http::HttpStore::open(tmp.path())?;
    /// let sri = store.store_bytes_sync("a", &Default::default(), &policy, b"x")?;
    /// assert_eq!(sri.pick_algorithm(), capcache::Algorithm::Sha256);
    ///
    /// let store = store.algorithm(capcache::Algorithm::Sha512); // npm's choice
    /// let sri = store.store_bytes_sync("b", &Default::default(), &policy, b"x")?;
    /// assert_eq!(sri.pick_algorithm(), capcache::Algorithm::Sha512);
    /// # Ok(())
    /// # }
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> HttpStore {
        self.algorithm = algorithm;
        self
    }

    /// Options for writing a new body with `meta` as its entry's metadata.
    pub(crate) fn write_opts(&self, meta: capcache::Value) -> WriteOpts {
        WriteOpts::new().algorithm(self.algorithm).metadata(meta)
    }

    /// Opens (creating if needed) the cache at `path`.
    ///
    /// # Ambient Authority
    ///
    /// Resolves `path` with the process's ambient authority; use
    /// [`HttpStore::from_dir`] in code that should hold only a capability.
    ///
    /// # Errors
    ///
    /// [`Error::Cache`] if the directory cannot be created or opened.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let store = capcache_http::HttpStore::open(tmp.path().join("http-cache"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<HttpStore> {
        Cache::open(path)
            .map(HttpStore::new)
            .map_err(|e| Error::cache(None, e))
    }

    /// A store whose cache reaches nothing but what `dir` grants.
    ///
    /// # Examples
    ///
    /// ```
    /// use cap_std::{ambient_authority, fs::Dir};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let dir = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
    /// let store = capcache_http::HttpStore::from_dir(dir);
    /// assert!(store.cache().path().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_dir(dir: Dir) -> HttpStore {
        HttpStore::new(Cache::from_dir(dir))
    }

    /// The cache underneath (for `gc`, `verify`, listing, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let store = capcache_http::HttpStore::open(tmp.path())?;
    /// let stats = capcache::gc_sync(store.cache(), capcache::GcOpts::new())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The cached response for `key`: parts, policy, integrity and a
    /// streaming, verified body; `None` when there is none.
    ///
    /// Anything this crate cannot use reads as a miss: an entry without
    /// this crate's metadata (or with damaged JSON), an unusable index
    /// line. An entry whose body is missing, or unreadable as cache content
    /// (an integrity that names no file, a link out of the cache), is
    /// evicted and reads as a miss too. Damage inside the body shows when
    /// it is read: see [`SyncBody`].
    ///
    /// # Errors
    ///
    /// [`Error::Cache`] for an invalid (empty) key or an I/O failure.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let store = capcache_http::HttpStore::open(tmp.path())?;
    /// assert!(store.get_sync("never stored")?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_sync(&self, key: impl AsRef<str>) -> Result<Option<Cached<SyncBody>>> {
        let key = key.as_ref();
        let Some((parts, policy, meta)) = self.entry(key)? else {
            return Ok(None);
        };
        match SyncReader::open_hash(&self.cache, meta.integrity.clone()) {
            Ok(reader) => {
                let body = SyncBody::new(reader, self.cache.clone(), key.to_owned());
                Ok(Some(Cached::new(parts, policy, meta, body)))
            }
            Err(capcache::Error::ContentNotFound { .. }) => {
                evict(&self.cache, key, &meta.integrity, Cause::Missing);
                Ok(None)
            }
            Err(
                capcache::Error::InvalidIntegrity { .. } | capcache::Error::OutsideCache { .. },
            ) => {
                evict(&self.cache, key, &meta.integrity, Cause::Unusable);
                Ok(None)
            }
            Err(e) => Err(Error::cache(key.to_owned(), e)),
        }
    }

    /// [`HttpStore::get_sync`] with the body read into memory and verified.
    ///
    /// # Errors
    ///
    /// As [`HttpStore::get_sync`]; [`Error::Damaged`] when the body fails
    /// its check (the entry is evicted), [`Error::Io`] when reading fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// assert_eq!(store.get_bytes_sync("k")?.expect("stored").body, b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_bytes_sync(&self, key: impl AsRef<str>) -> Result<Option<Cached<Vec<u8>>>> {
        let Some(cached) = self.get_sync(key.as_ref())? else {
            return Ok(None);
        };
        let mut body = Vec::with_capacity(cached.size.min(1 << 26) as usize);
        let mut reader = cached.body;
        if let Err(e) = reader.read_to_end(&mut body) {
            return Err(body_error(&cached.integrity, e));
        }
        Ok(Some(Cached {
            parts: cached.parts,
            policy: cached.policy,
            integrity: cached.integrity,
            size: cached.size,
            time: cached.time,
            body,
        }))
    }

    /// Starts storing a response: returns a [`SyncTee`] that reads `body`,
    /// writing it into the cache (in batches of 1 MiB) as it hands it on,
    /// and commits the entry (body, then one index line with `parts` and `policy`) when
    /// `body` ends. A tee dropped early or an upstream error stores
    /// nothing, and the previous entry of `key`, if any, stays.
    ///
    /// Never fails: if caching cannot start ([`Error::Encode`] for a policy
    /// that cannot be encoded, [`Error::Cache`] for an invalid key or a
    /// temp file that cannot be created) the tee just passes `body` on and
    /// [`SyncTee::outcome`] holds that error from the start.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let file = std::io::Cursor::new(vec![7u8; 100_000]);
    /// let mut tee = store.store_sync("k", &Default::default(), &policy, file);
    /// let served = std::io::copy(&mut tee, &mut std::io::sink())?;
    /// assert_eq!(served, 100_000);
    /// assert_eq!(store.get_sync("k")?.expect("stored").size, 100_000);
    /// # Ok(())
    /// # }
    /// ```
    pub fn store_sync<R: Read>(
        &self,
        key: impl AsRef<str>,
        parts: &ResponseParts,
        policy: &CachePolicy,
        body: R,
    ) -> SyncTee<R> {
        let key = key.as_ref().to_owned();
        let sink = entry::encode(&key, parts, policy)
            .and_then(|meta| Sink::opened(key.clone(), self.write_opts(meta), self.cache.clone()));
        match sink {
            Ok(sink) => SyncTee::new(body, sink, key),
            Err(error) => SyncTee::failed(body, error),
        }
    }

    /// Stores a response whose body is in memory; returns its integrity.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if the policy cannot be encoded; [`Error::Cache`]
    /// for an invalid key or a failed write.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let a = store.store_bytes_sync("a", &Default::default(), &policy, b"same")?;
    /// let b = store.store_bytes_sync("b", &Default::default(), &policy, b"same")?;
    /// assert_eq!(a, b); // one content file serves both keys
    /// # Ok(())
    /// # }
    /// ```
    pub fn store_bytes_sync(
        &self,
        key: impl AsRef<str>,
        parts: &ResponseParts,
        policy: &CachePolicy,
        body: impl AsRef<[u8]>,
    ) -> Result<Integrity> {
        let key = key.as_ref();
        let meta = entry::encode(key, parts, policy)?;
        capcache::write_with_opts_sync(&self.cache, key, body, self.write_opts(meta))
            .map_err(|e| Error::cache(key.to_owned(), e))
    }

    /// Revalidation: records new `parts` and `policy` for the body already
    /// cached under `integrity` (from [`Cached::integrity`]) with one index
    /// line, writing no content. The cost does not depend on the body's
    /// size.
    ///
    /// # Errors
    ///
    /// [`Error::ContentMissing`] if the cache holds no body for `integrity`
    /// (store the full response instead); [`Error::Encode`];
    /// [`Error::Io`] if the body's file cannot be examined;
    /// [`Error::Cache`] for an invalid key or a failed index write.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"body")?;
    /// let mut parts = capcache_http::ResponseParts::default();
    /// parts.headers.insert("etag", "\"v2\"".parse()?);
    /// store.put_sync("k", &parts, &policy, &sri)?;
    /// assert_eq!(store.get_sync("k")?.expect("kept").parts.headers["etag"], "\"v2\"");
    /// # Ok(())
    /// # }
    /// ```
    pub fn put_sync(
        &self,
        key: impl AsRef<str>,
        parts: &ResponseParts,
        policy: &CachePolicy,
        integrity: &Integrity,
    ) -> Result<()> {
        let key = key.as_ref();
        let size = self
            .body_len(integrity)?
            .ok_or_else(|| Error::ContentMissing {
                key: key.to_owned(),
                integrity: integrity.clone(),
            })?;
        self.insert_entry(key, parts, policy, integrity, size)
    }

    /// One index line: `key` names the stored body `integrity` of `size`
    /// bytes, with `parts` and `policy` as its metadata.
    pub(crate) fn insert_entry(
        &self,
        key: &str,
        parts: &ResponseParts,
        policy: &CachePolicy,
        integrity: &Integrity,
        size: u64,
    ) -> Result<()> {
        let opts = WriteOpts::new()
            .integrity(integrity.clone())
            .size(usize::try_from(size).unwrap_or(usize::MAX))
            .metadata(entry::encode(key, parts, policy)?);
        capcache::index::insert(&self.cache, key, opts)
            .map(drop)
            .map_err(|e| Error::cache(key.to_owned(), e))
    }

    /// Removes `key`'s entry (a tombstone line); its body stays until
    /// `capcache::gc_sync`/`verify_sync` finds no key naming it. Removing
    /// an absent key is not an error.
    ///
    /// # Errors
    ///
    /// [`Error::Cache`] for an invalid key or a failed index write.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// store.delete_sync("k")?;
    /// assert!(store.get_sync("k")?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_sync(&self, key: impl AsRef<str>) -> Result<()> {
        let key = key.as_ref();
        capcache::remove_sync(&self.cache, key).map_err(|e| Error::cache(key.to_owned(), e))
    }

    /// The path of the body with `integrity`, for callers that hard-link or
    /// hand the file to another program: `None` for a cache opened from a
    /// `Dir` (a capability has no path to give) and when the cache holds no
    /// such body. The file is not verified (use [`HttpStore::link_body_sync`]
    /// or [`HttpStore::copy_body_to_dir_sync`] for a verified file); an
    /// integrity that cannot name content (`..`, `/`, bad digests) yields
    /// `None`, never a path outside the cache.
    ///
    /// # Ambient Authority
    ///
    /// The returned path is for code holding ambient authority.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// let path = store.body_path(&sri).expect("a path-opened cache holding the body");
    /// assert_eq!(std::fs::read(path)?, b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn body_path(&self, integrity: &Integrity) -> Option<PathBuf> {
        let root = self.cache.path()?;
        let rel = capcache::content_path(integrity).ok()?;
        let is_file = self
            .cache
            .root()
            .symlink_metadata(&rel)
            .is_ok_and(|m| m.is_file());
        is_file.then(|| root.join(rel))
    }

    /// Hard-links the body with `integrity` to the new path `to`, after
    /// verifying it; returns its length. No copy: `to` must not exist and
    /// must be on the cache's filesystem.
    ///
    /// # Ambient Authority
    ///
    /// `to` is resolved with ambient authority; see
    /// [`HttpStore::copy_body_to_dir_sync`] for a capability.
    ///
    /// # Errors
    ///
    /// [`Error::Cache`]: `ContentNotFound`, `IntegrityMismatch` for a
    /// damaged body, `InvalidIntegrity`, or `Io` naming `to`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path().join("c"))?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// store.link_body_sync(&sri, tmp.path().join("linked"))?;
    /// assert_eq!(std::fs::read(tmp.path().join("linked"))?, b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn link_body_sync(&self, integrity: &Integrity, to: impl AsRef<Path>) -> Result<u64> {
        capcache::Export::hash(integrity.clone())
            .hard_link()
            .to_path_sync(&self.cache, to)
            .map_err(|e| Error::cache(None, e))
    }

    /// Puts a verified copy of the body with `integrity` at `path` inside
    /// the directory capability `dir` (a reflink where the filesystem has
    /// them); returns its length.
    ///
    /// # Errors
    ///
    /// As [`HttpStore::link_body_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// use cap_std::{ambient_authority, fs::Dir};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path().join("c"))?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// let out = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
    /// assert_eq!(store.copy_body_to_dir_sync(&sri, &out, "body.bin")?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn copy_body_to_dir_sync(
        &self,
        integrity: &Integrity,
        dir: &Dir,
        path: impl AsRef<Path>,
    ) -> Result<u64> {
        capcache::Export::hash(integrity.clone())
            .reflink_or_copy()
            .to_dir_sync(&self.cache, dir, path)
            .map_err(|e| Error::cache(None, e))
    }

    /// The key's usable entry: its decoded metadata and index fields.
    fn entry(&self, key: &str) -> Result<Option<(ResponseParts, CachePolicy, Metadata)>> {
        let meta = match capcache::metadata_sync(&self.cache, key) {
            Ok(Some(meta)) => meta,
            Ok(None) | Err(capcache::Error::BadIndex { .. }) => return Ok(None),
            Err(e) => return Err(Error::cache(key.to_owned(), e)),
        };
        Ok(entry::decode(&meta.metadata).map(|(parts, policy)| (parts, policy, meta)))
    }

    /// The length of the body with `integrity`; `None` if the cache holds
    /// none (or the integrity cannot name one). A symlink is not a body, as
    /// for [`HttpStore::body_path`].
    pub(crate) fn body_len(&self, integrity: &Integrity) -> Result<Option<u64>> {
        let Some(rel) = capcache::content_path(integrity).ok() else {
            return Ok(None);
        };
        match self.cache.root().symlink_metadata(&rel) {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path: rel, source }),
        }
    }
}

/// A body read's error as the crate's: the [`Error::Damaged`] it wraps,
/// else [`Error::Io`] on the body's content path.
pub(crate) fn body_error(integrity: &Integrity, err: io::Error) -> Error {
    match crate::error::take_inner::<Error>(err) {
        Ok(inner) => inner,
        Err(source) => Error::Io {
            path: capcache::content_path(integrity).ok().unwrap_or_default(),
            source,
        },
    }
}
