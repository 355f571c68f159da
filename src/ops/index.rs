//! The index alone: `index::insert`, `delete`, `compact`.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::engine::index::bucket;
use crate::error::{Error, Result};
use crate::write_opts::WriteOpts;
use ssri::Integrity;

/// Records `key` → the integrity in `opts` (with its size, time and
/// metadata) without writing content. Returns that integrity.
///
/// `insert_async` awaits; `insert` blocks (cacache-rs's names).
///
/// # Errors
///
/// [`Error::MissingIntegrity`](crate::Error::MissingIntegrity) if `opts` has no
/// integrity, [`Error::InvalidIntegrity`](crate::Error::InvalidIntegrity) if it holds
/// no hash (any integrity ssri parses is stored, even one no content file
/// could have: the index is a key → metadata store of its own);
/// [`Error::InvalidKey`](crate::Error::InvalidKey) for an empty key;
/// [`Error::Io`](crate::Error::Io).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_hash_sync(dir, b"v")?;
/// capcache::index::insert(dir, "k", capcache::WriteOpts::new().integrity(sri).size(1))?;
/// assert_eq!(capcache::read_sync(dir, "k")?, b"v");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     let sri = capcache::Integrity::from(b"w");
///     capcache::index::insert_async(dir, "k2", capcache::WriteOpts::new().integrity(sri)).await?;
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn index_insert<C: IntoCache, K: AsRef<str>>(
    cache: C,
    key: K,
    opts: WriteOpts,
) -> Result<Integrity> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    rt::run(move || {
        let sri = opts
            .sri
            .clone()
            .ok_or_else(|| Error::MissingIntegrity { key: key.clone() })?;
        // Any integrity ssri parses (the index is a key -> metadata store of
        // its own; reads of content check the integrity themselves), but
        // not an empty one: it would not read back.
        if sri.hashes.is_empty() {
            return Err(Error::InvalidIntegrity {
                input: Some(sri.to_string()),
                reason: "an integrity needs at least one hash".into(),
            });
        }
        let size = opts.size.unwrap_or(0) as u64;
        bucket::insert(source.open()?.store(), &key, &sri, size, &opts)?;
        Ok(sri)
    })
    .await
}

/// Appends a tombstone for `key`, as [`remove`](super::remove) does.
///
/// `delete_async` awaits; `delete` blocks (cacache-rs's names).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"v")?;
/// capcache::index::delete(dir, "k")?;
/// assert!(capcache::index::find(dir, "k")?.is_none());
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     capcache::index::delete_async(dir, "k").await?;
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn index_delete<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<()> {
    super::remove(cache, key).await
}

/// Rewrites `key`'s bucket file to hold only the latest live entry of each
/// key in it; returns the number of lines dropped. Reads then parse one
/// line instead of every write ever made to the key.
///
/// The new bucket is written aside and renamed into place; lines appended
/// meanwhile are carried over. `compact_async` awaits; `compact` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// for i in 0..3 { capcache::write_sync(dir, "k", [i])?; }
/// assert_eq!(capcache::index::compact(dir, "k")?, 2);
/// assert_eq!(capcache::read_sync(dir, "k")?, [2]);
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     assert_eq!(capcache::index::compact_async(dir, "k").await?, 0);
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn index_compact<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<usize> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    rt::run(move || match source.open_existing()? {
        Some(cache) => bucket::compact(cache.store(), &key),
        None => bucket::check_key(&key).map(|()| 0),
    })
    .await
}
