//! Removing entries and content: `remove`, `remove_hash`, `clear`.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::error::Result;
use crate::remove_opts::RemoveOpts;
use ssri::Integrity;

/// Removes the entry for `key` by appending a tombstone. Content is left in
/// place: other keys may share it (reclaim unused content with a verify).
///
/// `remove` awaits; `remove_sync` blocks. Removing a missing key is not an
/// error.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"v")?;
/// capcache::remove_sync(dir, "k")?;
/// assert!(capcache::metadata_sync(dir, "k")?.is_none());
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     capcache::remove(dir, "k").await?;
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn remove<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<()> {
    remove_with_opts(cache, key, RemoveOpts::new()).await
}

/// Removes the entry for `key` as `opts` says (see [`RemoveOpts`]). A
/// missing cache directory holds no entry and is not created.
#[maybe]
pub(crate) async fn remove_with_opts<C: IntoCache, K: AsRef<str>>(
    cache: C,
    key: K,
    opts: RemoveOpts,
) -> Result<()> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    rt::run(move || {
        bucket::check_key(&key)?;
        let Some(cache) = source.open_existing()? else {
            return Ok(());
        };
        match opts.remove_fully {
            true => crate::maint::purge::purge(&cache, &key),
            false => bucket::delete(cache.store(), &key),
        }
    })
    .await
}

/// Deletes the content file for `sri`. Entries that point at it then fail
/// to read with [`Error::ContentNotFound`](crate::Error::ContentNotFound).
///
/// `remove_hash` awaits; `remove_hash_sync` blocks. A missing file is not an
/// error.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_hash_sync(dir, b"x")?;
/// capcache::remove_hash_sync(dir, &sri)?;
/// assert!(!capcache::exists_sync(dir, &sri));
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     capcache::remove_hash(dir, &sri).await?;
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn remove_hash<C: IntoCache>(cache: C, sri: &Integrity) -> Result<()> {
    let (source, sri) = (cache.into_source(), sri.clone());
    rt::run(move || match source.open_existing()? {
        Some(cache) => content::remove(cache.store(), &sri),
        None => content::checked_integrity(&sri).map(|_| ()),
    })
    .await
}

/// Removes every entry, content file and temp file of the cache.
///
/// `clear` awaits; `clear_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"v")?;
/// capcache::clear_sync(dir)?;
/// assert!(capcache::metadata_sync(dir, "k")?.is_none());
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     capcache::clear(dir).await?;
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn clear<C: IntoCache>(cache: C) -> Result<()> {
    let source = cache.into_source();
    rt::run(move || match source.open_existing()? {
        Some(cache) => crate::clear::clear(&cache),
        None => Ok(()),
    })
    .await
}
