//! Every operation as a method on [`Cache`]: the blocking `_sync` form and,
//! with the `async` feature, the async form, both calling the one generated
//! implementation in `ops`.

use crate::cache::Cache;
use crate::error::Result;
use crate::index::EntryIter;
use crate::metadata::Metadata;
use crate::write_opts::WriteOpts;
use ssri::{Algorithm, Integrity};

/// Generates the method pair for each operation. The doc text is shared; each
/// method links the free function that documents errors and examples.
macro_rules! pairs {
    ($(
        $(#[doc = $doc:expr])*
        fn $name:ident / $sync:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty;
    )*) => {
        impl Cache {
            $(
                $(#[doc = $doc])*
                ///
                #[doc = concat!("Blocking form; see [`crate::", stringify!($sync), "`].")]
                pub fn $sync(&self, $($arg: $ty),*) -> Result<$ret> {
                    crate::ops::blocking::$name(self, $($arg),*)
                }

                $(#[doc = $doc])*
                ///
                #[doc = concat!("Async form; see [`crate::", stringify!($name), "`].")]
                #[cfg(feature = "async")]
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                    crate::ops::asynchronous::$name(self, $($arg),*).await
                }
            )*
        }
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
    /// Removes the entry for `key` (content stays).
    fn remove / remove_sync(key: impl AsRef<str>) -> ();
    /// Deletes the content file for `sri`.
    fn remove_hash / remove_hash_sync(sri: &Integrity) -> ();
    /// Removes every entry and content file.
    fn clear / clear_sync() -> ();
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
