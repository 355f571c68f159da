//! Reading whole values and entries: `read`, `read_hash`, `metadata`,
//! `exists`.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::error::{Error, Result};
use crate::metadata::Metadata;
use ssri::Integrity;

/// Reads the whole value stored under `key`, verified against its integrity
/// and recorded size.
///
/// `read` awaits (file I/O and hashing off the executor thread); `read_sync`
/// blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`](crate::Error::EntryNotFound) if the key has no live entry;
/// [`Error::ContentNotFound`](crate::Error::ContentNotFound) if its content file is gone;
/// [`Error::IntegrityMismatch`](crate::Error::IntegrityMismatch) or [`Error::SizeMismatch`](crate::Error::SizeMismatch) if the content is
/// damaged (the bytes are never returned); [`Error::BadIndex`](crate::Error::BadIndex) if the entry's
/// integrity is unusable; [`Error::Io`](crate::Error::Io) on file-system failures.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"v")?;
/// assert_eq!(capcache::read_sync(dir, "k")?, b"v");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     assert_eq!(capcache::read(dir, "k").await?, b"v");
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn read<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<Vec<u8>> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    rt::run(move || {
        let Some(cache) = source.open_existing()? else {
            return Err(Error::EntryNotFound { key });
        };
        let entry = bucket::find_content(cache.store(), &key)?;
        // cacache-rs's write_sync records size 0 for any value, so 0 means
        // "unknown"; the integrity check still covers the bytes.
        let size = Some(entry.size as u64).filter(|&s| s != 0);
        content::read(cache.store(), &entry.integrity, size)
    })
    .await
}

/// Reads the content with integrity `sri`, verified, without consulting the
/// index.
///
/// `read_hash` awaits; `read_hash_sync` blocks.
///
/// # Errors
///
/// [`Error::InvalidIntegrity`](crate::Error::InvalidIntegrity) if `sri` cannot name content;
/// [`Error::ContentNotFound`](crate::Error::ContentNotFound), [`Error::IntegrityMismatch`](crate::Error::IntegrityMismatch), [`Error::Io`](crate::Error::Io).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_sync(dir, "k", b"v")?;
/// assert_eq!(capcache::read_hash_sync(dir, &sri)?, b"v");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     assert_eq!(capcache::read_hash(dir, &sri).await?, b"v");
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn read_hash<C: IntoCache>(cache: C, sri: &Integrity) -> Result<Vec<u8>> {
    let (source, sri) = (cache.into_source(), sri.clone());
    rt::run(move || match source.open_existing()? {
        Some(cache) => content::read(cache.store(), &sri, None),
        None => Err(content::not_found(sri)),
    })
    .await
}

/// The index entry for `key`, or `None` if it has none or it was removed.
/// Content is not read.
///
/// `metadata` awaits; `metadata_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// assert!(capcache::metadata_sync(dir, "k")?.is_none());
/// capcache::write_sync(dir, "k", b"v")?;
/// assert_eq!(capcache::metadata_sync(dir, "k")?.unwrap().size, 1);
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     assert_eq!(capcache::metadata(dir, "k").await?.unwrap().size, 1);
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn metadata<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<Option<Metadata>> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    rt::run(move || match source.open_existing()? {
        Some(cache) => bucket::find(cache.store(), &key),
        None => Ok(None),
    })
    .await
}

/// Whether content with integrity `sri` is stored (not verified); `false`
/// also when that cannot be told (an unusable integrity, an I/O error), as
/// cacache-rs's `exists` and std's `Path::exists` answer. [`try_exists`]
/// reports those errors.
///
/// `exists` awaits; `exists_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_hash_sync(dir, b"x")?;
/// assert!(capcache::exists_sync(dir, &sri));
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     assert!(capcache::exists(dir, &sri).await);
///     let other = capcache::Integrity::from(b"y");
///     assert!(!capcache::exists(dir, &other).await);
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn exists<C: IntoCache>(cache: C, sri: &Integrity) -> bool {
    try_exists(cache, sri).await.unwrap_or(false)
}

/// Whether content with integrity `sri` is stored (not verified), with
/// the errors that [`exists`] folds into `false`.
///
/// `try_exists` awaits; `try_exists_sync` blocks.
///
/// # Errors
///
/// [`Error::InvalidIntegrity`](crate::Error::InvalidIntegrity) if `sri` cannot name a content file;
/// [`Error::Io`](crate::Error::Io) if the cache cannot be read.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_hash_sync(dir, b"x")?;
/// assert!(capcache::try_exists_sync(dir, &sri)?);
/// let odd: capcache::Integrity = "sha1-deadbeef".parse()?;
/// assert!(matches!(
///     capcache::try_exists_sync(dir, &odd),
///     Err(capcache::Error::InvalidIntegrity { .. })
/// ));
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     assert!(capcache::try_exists(dir, &sri).await?);
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn try_exists<C: IntoCache>(cache: C, sri: &Integrity) -> Result<bool> {
    let (source, sri) = (cache.into_source(), sri.clone());
    rt::run(move || match source.open_existing()? {
        Some(cache) => content::exists(cache.store(), &sri),
        None => content::checked_integrity(&sri).map(|_| false),
    })
    .await
}
