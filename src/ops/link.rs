//! `link_to`: adding an existing file by symlink (feature `link_to`).

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::error::Result;
use crate::stream::SyncToLinker;
use crate::write_opts::WriteOpts;
use ssri::Integrity;
use std::path::{Path, PathBuf};

/// Adds the existing file `target` to the cache under `key` by a symbolic
/// link instead of a copy. Its integrity is computed now and checked on
/// every read: if the file changes, reads fail with an integrity error.
///
/// `link_to` awaits; `link_to_sync` blocks. Needs the `link_to` feature and
/// a cache with ambient authority (opened from a path, or given
/// [`CacheOptions::ambient_authority`](crate::CacheOptions::ambient_authority)).
///
/// # Errors
///
/// [`Error::OutsideCache`](crate::Error::OutsideCache) for a capability-only cache; [`Error::Io`](crate::Error::Io) if the
/// target cannot be read or the link cannot be made (Windows needs the
/// symlink privilege or developer mode; WASI hosts may refuse).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// let file = tmp.path().join("big.bin");
/// std::fs::write(&file, b"external")?;
/// capcache::link_to_sync(&dir, "k", &file)?;
/// assert_eq!(capcache::read_sync(&dir, "k")?, b"external");
/// #[cfg(feature = "async")]
/// smol::block_on(capcache::link_to(&dir, "k2", &file))?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn link_to<C: IntoCache, K: AsRef<str>, T: AsRef<Path>>(
    cache: C,
    key: K,
    target: T,
) -> Result<Integrity> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    let target = target.as_ref().to_path_buf();
    let link = move || {
        SyncToLinker::start(source.open()?, Some(key), &target, WriteOpts::new(), false)?.commit()
    };
    rt::run(link).await
}

/// Adds the existing file `target` to the content store by a symbolic link,
/// without an index entry; see [`link_to`]. Returns its integrity.
///
/// `link_to_hash` awaits; `link_to_hash_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// let file = tmp.path().join("big.bin");
/// std::fs::write(&file, b"external")?;
/// let sri = capcache::link_to_hash_sync(&dir, &file)?;
/// assert_eq!(capcache::read_hash_sync(&dir, &sri)?, b"external");
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn link_to_hash<C: IntoCache, T: AsRef<Path>>(cache: C, target: T) -> Result<Integrity> {
    let source = cache.into_source();
    let target = target.as_ref().to_path_buf();
    let link = move || {
        SyncToLinker::start(source.open()?, None, &target, WriteOpts::new(), false)?.commit()
    };
    rt::run(link).await
}

/// Opens `target` to be linked while the caller reads it (`key` = `None`:
/// content only). With `expect_current_size`, the commit expects the size
/// the file has now (cacache-rs's `open`), else the size in `opts`, if any.
#[maybe]
pub(crate) async fn open_linker<C: IntoCache>(
    cache: C,
    key: Option<String>,
    target: PathBuf,
    opts: WriteOpts,
    expect_current_size: bool,
) -> Result<rt::Linker> {
    let source = cache.into_source();
    let start =
        move || SyncToLinker::start(source.open()?, key, &target, opts, expect_current_size);
    Ok(rt::linker(rt::run(start).await?))
}
