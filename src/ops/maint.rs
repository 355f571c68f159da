//! Maintenance: `verify`, `last_verified`, `gc`.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::error::Result;

/// Checks and repairs the whole cache: re-hashes every referenced content
/// file and removes corrupt ones, removes unreferenced content and stale
/// temp files (older than the grace period), and rewrites every bucket to
/// the latest live entry per key whose content is intact. Records the run
/// in `_lastverified`, as npm's `cacache.verify` does.
///
/// Entries written while it runs are never lost: bucket rewrites hold the
/// index lock that appends share (no locks on WASI: see the README).
///
/// `verify` awaits (the work runs off the executor); `verify_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// for i in 0..3 { capcache::write_sync(dir, "k", [i])?; }
/// let stats = capcache::verify_sync(dir, capcache::VerifyOpts::new())?;
/// assert_eq!((stats.entries_kept, stats.entries_removed), (1, 2));
/// #[cfg(feature = "async")]
/// smol::block_on(capcache::verify(dir, capcache::VerifyOpts::new()))?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn verify<C: IntoCache>(cache: C, opts: crate::VerifyOpts) -> Result<crate::VerifyStats> {
    let source = cache.into_source();
    rt::run(move || match source.open_existing()? {
        Some(cache) => crate::maint::verify::verify(&cache, &opts),
        None => Ok(crate::VerifyStats::default()),
    })
    .await
}

/// When [`verify`] last ran on the cache (ms since the Unix epoch), read
/// from npm's `_lastverified` file; `None` if never.
///
/// `last_verified` awaits; `last_verified_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// assert_eq!(capcache::last_verified_sync(dir)?, None);
/// capcache::verify_sync(dir, capcache::VerifyOpts::new())?;
/// assert!(capcache::last_verified_sync(dir)?.is_some());
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn last_verified<C: IntoCache>(cache: C) -> Result<Option<u128>> {
    let source = cache.into_source();
    rt::run(move || match source.open_existing()? {
        Some(cache) => crate::maint::verify::last_verified(&cache),
        None => Ok(None),
    })
    .await
}

/// Evicts entries by age and total size, least recently written first,
/// then removes content no live entry uses. Content shared by several keys
/// counts once and is removed only when all of them are evicted.
///
/// `gc` awaits; `gc_sync` blocks. See [`GcOpts`](crate::GcOpts) for an
/// example.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"v")?;
/// let stats = capcache::gc_sync(dir, capcache::GcOpts::new().max_size(0))?;
/// assert_eq!(stats.entries_evicted, 1);
/// #[cfg(feature = "async")]
/// smol::block_on(capcache::gc(dir, capcache::GcOpts::new()))?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn gc<C: IntoCache>(cache: C, opts: crate::GcOpts) -> Result<crate::GcStats> {
    let source = cache.into_source();
    rt::run(move || match source.open_existing()? {
        Some(cache) => crate::maint::gc::gc(&cache, &opts),
        None => Ok(crate::GcStats::default()),
    })
    .await
}
