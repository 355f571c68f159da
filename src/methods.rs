//! Every operation as a method on [`Cache`]: the blocking `_sync` form and,
//! with the `async` feature, the async form, both calling the one generated
//! implementation in `ops`.

use crate::cache::{Cache, IntoCache};
use crate::error::Result;
use crate::index::EntryIter;
use crate::maint::{GcOpts, GcStats, VerifyOpts, VerifyStats};
use crate::metadata::Metadata;
#[cfg(feature = "async")]
use crate::stream::{Reader, Writer};
use crate::stream::{SyncReader, SyncWriter};
use crate::write_opts::WriteOpts;
use ssri::{Algorithm, Integrity};

/// Generates the method pair for each operation. The doc text is shared; each
/// method links the free function that documents errors and examples (named
/// after the method unless `see` names others).
macro_rules! pairs {
    ($(
        $(#[doc = $doc:expr])*
        $(#[cfg($cfg:meta)])?
        fn $name:ident / $sync:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty
            $(, see $see_sync:path, $see_async:path)?;
    )*) => {
        impl Cache {
            $(
                $(#[doc = $doc])*
                ///
                #[doc = concat!("Blocking form; see ", see!($sync $(, $see_sync)?), ".")]
                $(#[cfg($cfg)])?
                pub fn $sync(&self, $($arg: $ty),*) -> Result<$ret> {
                    crate::ops::blocking::$name(self, $($arg),*)
                }

                $(#[doc = $doc])*
                ///
                #[doc = concat!("Async form; see ", see!($name $(, $see_async)?), ".")]
                #[cfg(all(feature = "async" $(, $cfg)?))]
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                    crate::ops::asynchronous::$name(self, $($arg),*).await
                }
            )*
        }
    };
}

/// The intra-doc link to the free function of a method.
macro_rules! see {
    ($name:ident) => {
        concat!("[`crate::", stringify!($name), "`]")
    };
    ($name:ident, $see:path) => {
        concat!("[`crate::", stringify!($see), "`]")
    };
}

pairs! {
    /// Writes `data` under `key` (sha512) and returns its integrity.
    fn write / write_sync(key: impl AsRef<str>, data: impl AsRef<[u8]>) -> Integrity;
    /// Writes `data` under `key` with [`WriteOpts`].
    fn write_with_opts / write_with_opts_sync(key: impl AsRef<str>, data: impl AsRef<[u8]>, opts: WriteOpts) -> Integrity;
    /// Stores `data` as content only (sha512); no index entry.
    fn write_hash / write_hash_sync(data: impl AsRef<[u8]>) -> Integrity;
    /// Reads the value under `key`, verified.
    fn read / read_sync(key: impl AsRef<str>) -> Vec<u8>;
    /// Reads the content with integrity `sri`, verified.
    fn read_hash / read_hash_sync(sri: &Integrity) -> Vec<u8>;
    /// The index entry for `key`, if any.
    fn metadata / metadata_sync(key: impl AsRef<str>) -> Option<Metadata>;
    /// Whether content with integrity `sri` is stored, or the error that
    /// kept it from being told.
    fn try_exists / try_exists_sync(sri: &Integrity) -> bool;
    /// Removes the entry for `key` (content stays). The same as
    /// cacache-rs's `index::delete`.
    fn remove / remove_sync(key: impl AsRef<str>) -> ();
    /// Deletes the content file for `sri`.
    fn remove_hash / remove_hash_sync(sri: &Integrity) -> ();
    /// Removes every entry and content file.
    fn clear / clear_sync() -> ();
    /// Adds an index entry for content already stored (the integrity and
    /// metadata come from `opts`); no content is written.
    fn index_insert / index_insert_sync(key: impl AsRef<str>, opts: WriteOpts) -> Integrity,
        see index::insert, index::insert_async;
    /// Checks every content file, removes what is corrupt or unreferenced
    /// and rebuilds the index.
    fn verify / verify_sync(opts: VerifyOpts) -> VerifyStats;
    /// When verify last completed on this cache, in milliseconds since the epoch.
    fn last_verified / last_verified_sync() -> Option<u128>;
    /// Evicts entries by age and size.
    fn gc / gc_sync(opts: GcOpts) -> GcStats;
    /// Adds the file at `target` under `key` by a symlink to it, hashed as
    /// it is read.
    #[cfg(feature = "link_to")]
    fn link_to / link_to_sync(key: impl AsRef<str>, target: impl AsRef<std::path::Path>) -> Integrity;
    /// Adds the file at `target` as content only, by a symlink to it.
    #[cfg(feature = "link_to")]
    fn link_to_hash / link_to_hash_sync(target: impl AsRef<std::path::Path>) -> Integrity;
}

impl Cache {
    /// Whether content with integrity `sri` is stored; `false` also when
    /// that cannot be told.
    ///
    /// Blocking form; see [`crate::exists_sync`].
    pub fn exists_sync(&self, sri: &Integrity) -> bool {
        crate::ops::blocking::exists(self, sri)
    }

    /// Whether content with integrity `sri` is stored; `false` also when
    /// that cannot be told.
    ///
    /// Async form; see [`crate::exists`].
    #[cfg(feature = "async")]
    pub async fn exists(&self, sri: &Integrity) -> bool {
        crate::ops::asynchronous::exists(self, sri).await
    }

    /// Writes `data` under `key`, hashed with `algo`.
    ///
    /// Blocking form; see [`crate::write_with_algo_sync`].
    pub fn write_with_algo_sync(
        &self,
        algo: Algorithm,
        key: impl AsRef<str>,
        data: impl AsRef<[u8]>,
    ) -> Result<Integrity> {
        crate::ops::blocking::write_with_algo(algo, self, key, data)
    }

    /// Writes `data` under `key`, hashed with `algo`.
    ///
    /// Async form; see [`crate::write_with_algo`].
    #[cfg(feature = "async")]
    pub async fn write_with_algo(
        &self,
        algo: Algorithm,
        key: impl AsRef<str>,
        data: impl AsRef<[u8]>,
    ) -> Result<Integrity> {
        crate::ops::asynchronous::write_with_algo(algo, self, key, data).await
    }

    /// Stores `data` as content only, hashed with `algo`.
    ///
    /// Blocking form; see [`crate::write_hash_with_algo_sync`].
    pub fn write_hash_with_algo_sync(
        &self,
        algo: Algorithm,
        data: impl AsRef<[u8]>,
    ) -> Result<Integrity> {
        crate::ops::blocking::write_hash_with_algo(algo, self, data)
    }

    /// Stores `data` as content only, hashed with `algo`.
    ///
    /// Async form; see [`crate::write_hash_with_algo`].
    #[cfg(feature = "async")]
    pub async fn write_hash_with_algo(
        &self,
        algo: Algorithm,
        data: impl AsRef<[u8]>,
    ) -> Result<Integrity> {
        crate::ops::asynchronous::write_hash_with_algo(algo, self, data).await
    }

    /// Compacts `key`'s bucket; returns the lines dropped.
    ///
    /// Blocking form; see [`crate::index::compact`].
    pub fn compact_sync(&self, key: impl AsRef<str>) -> Result<usize> {
        crate::ops::blocking::index_compact(self, key)
    }

    /// Compacts `key`'s bucket; returns the lines dropped.
    ///
    /// Async form; see [`crate::index::compact_async`].
    #[cfg(feature = "async")]
    pub async fn compact(&self, key: impl AsRef<str>) -> Result<usize> {
        crate::ops::asynchronous::index_compact(self, key).await
    }

    /// Iterates over every live entry (blocking); see [`crate::list_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let cache = capcache::Cache::open(tmp.path())?;
    /// cache.write_sync("k", b"v")?;
    /// assert_eq!(cache.list_sync().count(), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_sync(&self) -> EntryIter {
        crate::list_sync(self)
    }

    /// A stream of every live entry; see [`crate::list`].
    #[cfg(feature = "async")]
    pub fn list(&self) -> crate::index::EntryStream {
        crate::list(self)
    }
}

impl crate::RemoveOpts {
    /// Removes the entry for `key` as these options say, blocking.
    ///
    /// A missing cache directory holds no entry and is not created.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`](crate::Error::InvalidKey) for an empty key;
    /// [`Error::Io`](crate::Error::Io) on file-system failures.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path();
    /// capcache::write_sync(dir, "k", b"v")?;
    /// capcache::RemoveOpts::new().remove_sync(dir, "k")?;
    /// assert!(capcache::metadata_sync(dir, "k")?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_sync<C: crate::IntoCache, K: AsRef<str>>(self, cache: C, key: K) -> Result<()> {
        crate::ops::blocking::remove_with_opts(cache, key, self)
    }

    /// Removes the entry for `key` as these options say, off the executor
    /// thread. See [`RemoveOpts::remove_sync`](crate::RemoveOpts::remove_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path();
    /// capcache::write_sync(dir, "k", b"v")?;
    /// smol::block_on(capcache::RemoveOpts::new().remove_fully(true).remove(dir, "k"))?;
    /// assert!(capcache::metadata_sync(dir, "k")?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "async")]
    pub async fn remove<C: crate::IntoCache, K: AsRef<str>>(self, cache: C, key: K) -> Result<()> {
        crate::ops::asynchronous::remove_with_opts(cache, key, self).await
    }
}

/// Starting streaming writes and links (they call down into `ops`, which
/// the option types themselves must not).
impl crate::WriteOpts {
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
        let (key, target) = (Some(key.as_ref().to_owned()), target.as_ref().to_path_buf());
        crate::ops::blocking::open_linker(cache, key, target, self, false)
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
        crate::ops::blocking::open_linker(cache, None, target.as_ref().to_path_buf(), self, false)
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
        let (key, target) = (Some(key.as_ref().to_owned()), target.as_ref().to_path_buf());
        crate::ops::asynchronous::open_linker(cache, key, target, self, false).await
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
        let target = target.as_ref().to_path_buf();
        crate::ops::asynchronous::open_linker(cache, None, target, self, false).await
    }
}

/// Opening streaming reads.
impl crate::SyncReader {
    /// Opens the value stored under `key`.
    ///
    /// # Errors
    ///
    /// [`Error::EntryNotFound`](crate::Error::EntryNotFound), [`Error::ContentNotFound`](crate::Error::ContentNotFound),
    /// [`Error::BadIndex`](crate::Error::BadIndex), [`Error::Io`](crate::Error::Io).
    pub fn open<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<SyncReader> {
        crate::ops::blocking::open_reader(cache, key)
    }

    /// Opens the content with integrity `sri`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidIntegrity`](crate::Error::InvalidIntegrity), [`Error::ContentNotFound`](crate::Error::ContentNotFound), [`Error::Io`](crate::Error::Io).
    pub fn open_hash<C: IntoCache>(cache: C, sri: Integrity) -> Result<SyncReader> {
        crate::ops::blocking::open_hash_reader(cache, sri)
    }
}

/// Opening streaming reads, off the executor thread.
#[cfg(feature = "async")]
impl crate::Reader {
    /// Opens the value stored under `key`; see [`SyncReader::open`].
    pub async fn open<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<Reader> {
        crate::ops::asynchronous::open_reader(cache, key).await
    }

    /// Opens the content with integrity `sri`; see [`SyncReader::open_hash`].
    pub async fn open_hash<C: IntoCache>(cache: C, sri: Integrity) -> Result<Reader> {
        crate::ops::asynchronous::open_hash_reader(cache, sri).await
    }
}

/// Running an export (see [`Export`](crate::Export)).
impl crate::Export {
    /// Runs the export to the file at `to`, blocking; returns the number of
    /// bytes.
    ///
    /// # Ambient Authority
    ///
    /// `to` is resolved with the process's ambient authority; use
    /// [`Export::to_dir_sync`](crate::Export::to_dir_sync) in code that
    /// should hold only capabilities.
    ///
    /// # Errors
    ///
    /// [`Error::EntryNotFound`](crate::Error::EntryNotFound) (by key) or
    /// [`Error::InvalidIntegrity`](crate::Error::InvalidIntegrity) (by hash),
    /// [`Error::ContentNotFound`](crate::Error::ContentNotFound);
    /// [`Error::IntegrityMismatch`](crate::Error::IntegrityMismatch) or
    /// [`Error::SizeMismatch`](crate::Error::SizeMismatch) when verifying damaged
    /// content; [`Error::Io`](crate::Error::Io) with the destination's path.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().join("cache");
    /// capcache::write_sync(&dir, "k", b"body")?;
    /// let out = tmp.path().join("out");
    /// assert_eq!(capcache::Export::key("k").to_path_sync(&dir, &out)?, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_path_sync<C: IntoCache>(
        self,
        cache: C,
        to: impl AsRef<std::path::Path>,
    ) -> Result<u64> {
        let dest = crate::export::Dest::Ambient(to.as_ref().to_path_buf());
        crate::ops::blocking::export_to(cache, self, dest)
    }

    /// Runs the export to `path` inside the directory capability `dir`,
    /// blocking; returns the number of bytes. Errors as
    /// [`Export::to_path_sync`](crate::Export::to_path_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().join("cache");
    /// let sri = capcache::write_sync(&dir, "k", b"body")?;
    /// let out = cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority())?;
    /// capcache::Export::hash(sri).reflink_or_copy().to_dir_sync(&dir, &out, "f")?;
    /// assert_eq!(out.read("f")?, b"body");
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_dir_sync<C: IntoCache>(
        self,
        cache: C,
        dir: &cap_std::fs::Dir,
        path: impl AsRef<std::path::Path>,
    ) -> Result<u64> {
        let dest = crate::export::Dest::in_dir(dir, path.as_ref())?;
        crate::ops::blocking::export_to(cache, self, dest)
    }

    /// Runs the export to the file at `to` off the executor thread; see
    /// [`Export::to_path_sync`](crate::Export::to_path_sync).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().join("cache");
    /// capcache::write_sync(&dir, "k", b"body")?;
    /// let out = tmp.path().join("out");
    /// let bytes = smol::block_on(capcache::Export::key("k").to_path(&dir, &out))?;
    /// assert_eq!(bytes, 4);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "async")]
    pub async fn to_path<C: IntoCache>(
        self,
        cache: C,
        to: impl AsRef<std::path::Path>,
    ) -> Result<u64> {
        let dest = crate::export::Dest::Ambient(to.as_ref().to_path_buf());
        crate::ops::asynchronous::export_to(cache, self, dest).await
    }

    /// Runs the export into the directory capability `dir` off the executor
    /// thread; see [`Export::to_dir_sync`](crate::Export::to_dir_sync).
    #[cfg(feature = "async")]
    pub async fn to_dir<C: IntoCache>(
        self,
        cache: C,
        dir: &cap_std::fs::Dir,
        path: impl AsRef<std::path::Path>,
    ) -> Result<u64> {
        let dest = crate::export::Dest::in_dir(dir, path.as_ref())?;
        crate::ops::asynchronous::export_to(cache, self, dest).await
    }
}

/// Opening linkers (feature `link_to`).
#[cfg(feature = "link_to")]
impl crate::SyncToLinker {
    /// Opens `target` to be linked under `key`, expecting its current size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`](crate::Error::InvalidKey) for an empty key; [`Error::OutsideCache`](crate::Error::OutsideCache) for a
    /// capability-only cache; [`Error::Io`](crate::Error::Io) if `target` cannot be opened.
    pub fn open<C: IntoCache, K: AsRef<str>, T: AsRef<std::path::Path>>(
        cache: C,
        key: K,
        target: T,
    ) -> Result<crate::SyncToLinker> {
        let (key, target) = (Some(key.as_ref().to_owned()), target.as_ref().to_path_buf());
        crate::ops::blocking::open_linker(cache, key, target, WriteOpts::new(), true)
    }

    /// Opens `target` to be linked as content only (no index entry),
    /// expecting its current size.
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
    /// std::fs::write(&target, b"content only")?;
    /// let sri = capcache::SyncToLinker::open_hash(&dir, &target)?.commit()?;
    /// assert!(capcache::exists_sync(&dir, &sri));
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_hash<C: IntoCache, T: AsRef<std::path::Path>>(
        cache: C,
        target: T,
    ) -> Result<crate::SyncToLinker> {
        let target = target.as_ref().to_path_buf();
        crate::ops::blocking::open_linker(cache, None, target, WriteOpts::new(), true)
    }
}

/// Opening linkers, off the executor thread.
#[cfg(all(feature = "link_to", feature = "async"))]
impl crate::ToLinker {
    /// Opens `target` to be linked under `key`, expecting its current size;
    /// see [`SyncToLinker::open`](crate::SyncToLinker::open).
    pub async fn open<C: IntoCache, K: AsRef<str>, T: AsRef<std::path::Path>>(
        cache: C,
        key: K,
        target: T,
    ) -> Result<crate::ToLinker> {
        let (key, target) = (Some(key.as_ref().to_owned()), target.as_ref().to_path_buf());
        crate::ops::asynchronous::open_linker(cache, key, target, WriteOpts::new(), true).await
    }

    /// Opens `target` to be linked as content only, expecting its current
    /// size; see [`SyncToLinker::open_hash`](crate::SyncToLinker::open_hash).
    pub async fn open_hash<C: IntoCache, T: AsRef<std::path::Path>>(
        cache: C,
        target: T,
    ) -> Result<crate::ToLinker> {
        let target = target.as_ref().to_path_buf();
        crate::ops::asynchronous::open_linker(cache, None, target, WriteOpts::new(), true).await
    }
}
