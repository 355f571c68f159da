//! Copies, hard links and reflinks of cached content to other places.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::content;
use crate::error::{Error, Result};
use crate::export::{self, Dest, How, Source};
use ssri::Integrity;
use std::path::Path;

/// Copies the value of `key` to the file `to` (created or truncated),
/// verifying it while copying (read and hashed once). Returns the number of
/// bytes.
///
/// `copy` awaits; `copy_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// assert_eq!(capcache::copy_sync(&dir, "k", &out)?, 9);
/// assert_eq!(std::fs::read(&out)?, b"file body");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::copy(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<u64> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Copy,
        true,
    )
    .await
}

/// Copies the value of `key` to the file `to` (created or truncated). Returns
/// the number of bytes. Skips verification: only for content you trust.
///
/// `copy_unchecked` awaits; `copy_unchecked_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// assert_eq!(capcache::copy_unchecked_sync(&dir, "k", &out)?, 9);
/// assert_eq!(std::fs::read(&out)?, b"file body");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::copy_unchecked(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_unchecked<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<u64> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Copy,
        false,
    )
    .await
}

/// Copies the content `sri` to the file `to` (created or truncated),
/// verifying it while copying (read and hashed once). Returns the number of
/// bytes.
///
/// `copy_hash` awaits; `copy_hash_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// assert_eq!(capcache::copy_hash_sync(&dir, &sri, &out)?, 9);
/// assert_eq!(std::fs::read(&out)?, b"file body");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::copy_hash(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_hash<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<u64> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Copy,
        true,
    )
    .await
}

/// Copies the content `sri` to the file `to` (created or truncated). Returns
/// the number of bytes. Skips verification: only for content you trust.
///
/// `copy_hash_unchecked` awaits; `copy_hash_unchecked_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// assert_eq!(capcache::copy_hash_unchecked_sync(&dir, &sri, &out)?, 9);
/// assert_eq!(std::fs::read(&out)?, b"file body");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::copy_hash_unchecked(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_hash_unchecked<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<u64> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Copy,
        false,
    )
    .await
}

/// Hard-links the content of `key` to `to` after verifying it. Cache and
/// destination must be on one filesystem. The link shares the cache file: do
/// not modify it.
///
/// `hard_link` awaits; `hard_link_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written (for example across filesystems).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::hard_link_sync(&dir, "k", &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::hard_link(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn hard_link<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::HardLink,
        true,
    )
    .await
    .map(drop)
}

/// Hard-links the content of `key` to `to`. Cache and destination must be on
/// one filesystem. The link shares the cache file: do not modify it. Skips
/// verification: only for content you trust.
///
/// `hard_link_unchecked` awaits; `hard_link_unchecked_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written (for example across filesystems).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::hard_link_unchecked_sync(&dir, "k", &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::hard_link_unchecked(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn hard_link_unchecked<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::HardLink,
        false,
    )
    .await
    .map(drop)
}

/// Hard-links the content `sri` to `to` after verifying it. Cache and
/// destination must be on one filesystem. The link shares the cache file: do
/// not modify it.
///
/// `hard_link_hash` awaits; `hard_link_hash_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written (for example across filesystems).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::hard_link_hash_sync(&dir, &sri, &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::hard_link_hash(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn hard_link_hash<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::HardLink,
        true,
    )
    .await
    .map(drop)
}

/// Hard-links the content `sri` to `to`. Cache and destination must be on one
/// filesystem. The link shares the cache file: do not modify it. Skips
/// verification: only for content you trust.
///
/// `hard_link_hash_unchecked` awaits; `hard_link_hash_unchecked_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written (for example across filesystems).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::hard_link_hash_unchecked_sync(&dir, &sri, &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::hard_link_hash_unchecked(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn hard_link_hash_unchecked<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::HardLink,
        false,
    )
    .await
    .map(drop)
}

/// Reflinks (copy-on-write clones) the content of `key` to `to` after
/// verifying it. Fails with a clear error where the filesystem or target has
/// no reflink (WASI, ext4, NTFS); see `reflink_or_copy` for a fallback.
///
/// `reflink` awaits; `reflink_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written or reflink is unsupported.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::reflink_sync(&dir, "k", &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::reflink(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn reflink<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Reflink,
        true,
    )
    .await
    .map(drop)
}

/// Reflinks (copy-on-write clones) the content of `key` to `to`. Fails with a
/// clear error where the filesystem or target has no reflink (WASI, ext4,
/// NTFS); see `reflink_or_copy` for a fallback. Skips verification: only for
/// content you trust.
///
/// `reflink_unchecked` awaits; `reflink_unchecked_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written or reflink is unsupported.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::reflink_unchecked_sync(&dir, "k", &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::reflink_unchecked(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn reflink_unchecked<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Reflink,
        false,
    )
    .await
    .map(drop)
}

/// Reflinks (copy-on-write clones) the content `sri` to `to` after verifying
/// it. Fails with a clear error where the filesystem or target has no reflink
/// (WASI, ext4, NTFS); see `reflink_or_copy` for a fallback.
///
/// `reflink_hash` awaits; `reflink_hash_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written or reflink is unsupported.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::reflink_hash_sync(&dir, &sri, &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::reflink_hash(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn reflink_hash<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Reflink,
        true,
    )
    .await
    .map(drop)
}

/// Reflinks (copy-on-write clones) the content `sri` to `to`. Fails with a
/// clear error where the filesystem or target has no reflink (WASI, ext4,
/// NTFS); see `reflink_or_copy` for a fallback. Skips verification: only for
/// content you trust.
///
/// `reflink_hash_unchecked` awaits; `reflink_hash_unchecked_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written or reflink is unsupported.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// match capcache::reflink_hash_unchecked_sync(&dir, &sri, &out) {
///     Ok(()) => assert_eq!(std::fs::read(&out)?, b"file body"),
///     Err(e) => println!("not supported here: {e}"),
/// }
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::reflink_hash_unchecked(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn reflink_hash_unchecked<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<()> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::Reflink,
        false,
    )
    .await
    .map(drop)
}

/// Reflinks the content of `key` to `to` where supported, else copies it;
/// verified either way. Returns the number of bytes.
///
/// `reflink_or_copy` awaits; `reflink_or_copy_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// assert_eq!(capcache::reflink_or_copy_sync(&dir, "k", &out)?, 9);
/// assert_eq!(std::fs::read(&out)?, b"file body");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::reflink_or_copy(&dir, "k", &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn reflink_or_copy<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    to: Q,
) -> Result<u64> {
    export_to(
        cache,
        Source::Key(key.as_ref().to_owned()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::ReflinkOrCopy,
        true,
    )
    .await
}

/// Reflinks the content `sri` to `to` where supported, else copies it;
/// verified either way. Returns the number of bytes.
///
/// `reflink_or_copy_hash` awaits; `reflink_or_copy_hash_sync` blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] / [`Error::ContentNotFound`] if there is nothing
/// to export; [`Error::IntegrityMismatch`] if verification fails (a copy's
/// destination is removed then); [`Error::Io`] with the destination path if
/// it cannot be written.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// # let out = tmp.path().join("out");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// assert_eq!(capcache::reflink_or_copy_hash_sync(&dir, &sri, &out)?, 9);
/// assert_eq!(std::fs::read(&out)?, b"file body");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
/// #     std::fs::remove_file(&out).ok();
///     let _ = capcache::reflink_or_copy_hash(&dir, &sri, &out).await;
/// });
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn reflink_or_copy_hash<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    to: Q,
) -> Result<u64> {
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::Ambient(to.as_ref().to_path_buf()),
        How::ReflinkOrCopy,
        true,
    )
    .await
}

/// Copies the value of `key` into `dir` at `path` (a capability: no
/// ambient authority involved), verifying it while copying. Returns the
/// number of bytes.
///
/// `copy_to_dir` awaits; `copy_to_dir_sync` blocks. Errors as [`copy`].
///
/// # Examples
///
/// ```
/// use cap_std::{ambient_authority, fs::Dir};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let cache_dir = tmp.path().join("cache");
/// capcache::write_sync(&cache_dir, "k", b"file body")?;
/// let out = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
/// assert_eq!(capcache::copy_to_dir_sync(&cache_dir, "k", &out, "copy.bin")?, 9);
/// assert_eq!(out.read("copy.bin")?, b"file body");
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_to_dir<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    dir: &cap_std::fs::Dir,
    path: Q,
) -> Result<u64> {
    let path = path.as_ref().to_path_buf();
    let dir = dir.open_dir(".").map_err(|e| Error::io(&path, e))?;
    let source = Source::Key(key.as_ref().to_owned());
    export_to(cache, source, Dest::In(dir, path), How::Copy, true).await
}

/// Copies the content `sri` into `dir` at `path`, verifying it while
/// copying. Returns the number of bytes.
///
/// `copy_hash_to_dir` awaits; `copy_hash_to_dir_sync` blocks. Errors as
/// [`copy`].
///
/// # Examples
///
/// ```
/// use cap_std::{ambient_authority, fs::Dir};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let cache_dir = tmp.path().join("cache");
/// let sri = capcache::write_hash_sync(&cache_dir, b"file body")?;
/// let out = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
/// capcache::copy_hash_to_dir_sync(&cache_dir, &sri, &out, "copy.bin")?;
/// assert_eq!(out.read("copy.bin")?, b"file body");
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_hash_to_dir<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    dir: &cap_std::fs::Dir,
    path: Q,
) -> Result<u64> {
    let path = path.as_ref().to_path_buf();
    let dir = dir.open_dir(".").map_err(|e| Error::io(&path, e))?;
    export_to(
        cache,
        Source::Hash(sri.clone()),
        Dest::In(dir, path),
        How::Copy,
        true,
    )
    .await
}

/// Runs one export (copy, link or reflink) off the executor.
#[maybe]
async fn export_to<C: IntoCache>(
    cache: C,
    source: Source,
    dest: Dest,
    how: How,
    verify: bool,
) -> Result<u64> {
    let cache = cache.into_source();
    rt::run(move || match cache.open_existing()? {
        Some(cache) => export::export(&cache, source, dest, how, verify),
        None => Err(match source {
            Source::Key(key) => Error::EntryNotFound { key },
            Source::Hash(sri) => content::not_found(sri),
        }),
    })
    .await
}
