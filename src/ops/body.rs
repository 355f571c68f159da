// The one source of every operation; see `ops/mod.rs` for how it is built
// twice. Each function moves its arguments into owned values and does all
// file I/O and hashing inside one `rt::run` closure: one hop to the blocking
// pool per call in the async build, none in the blocking build.

#[allow(unused_imports)]
use crate::cache::{Area, IntoCache};
use crate::content;
use crate::error::{Error, Result};
use crate::index::bucket;
use crate::metadata::Metadata;
use crate::export::{self, Dest, How, Source};
use crate::stream::{SyncReader, SyncWriter};
use std::path::Path;
use crate::remove_opts::RemoveOpts;
use crate::write_opts::WriteOpts;
use ssri::{Algorithm, Integrity};

/// Writes `data` under `key` with [`WriteOpts`] (algorithm, expected
/// integrity and size, time, metadata). Returns the content's integrity.
///
/// `write_with_opts` awaits (off the executor thread); `write_with_opts_sync`
/// blocks. The content is hashed while written to a temp file and linked into
/// `content-v2` only if no file has its name yet; then one index line is
/// appended.
///
/// # Errors
///
/// [`Error::InvalidKey`] for an empty key; [`Error::SizeMismatch`] or
/// [`Error::IntegrityMismatch`] if the data does not match what `opts`
/// expects (nothing is stored then); [`Error::Io`] on file-system failures.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let opts = capcache::WriteOpts::new().metadata(serde_json::json!({"v": 1}));
/// capcache::write_with_opts_sync(dir, "k", b"hello", opts.clone())?;
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     capcache::write_with_opts(dir, "k", b"hello", opts).await?;
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn write_with_opts<C, K, D>(
    cache: C,
    key: K,
    data: D,
    opts: WriteOpts,
) -> Result<Integrity>
where
    C: IntoCache,
    K: AsRef<str>,
    D: AsRef<[u8]>,
{
    let (source, key, data) = (cache.into_source(), key.as_ref().to_owned(), rt::owned(data));
    rt::run(move || {
        bucket::check_key(&key)?;
        let cache = source.open()?;
        let expected_size = opts.size.map(|s| s as u64);
        let algo = opts.algorithm_or_default();
        let staged = content::stage(&cache, algo, opts.sri.clone(), expected_size, data.as_ref())?;
        bucket::locked(&cache, |index| {
            let (sri, size) = staged.commit(&cache)?;
            index.insert(&key, &sri, size, &opts)?;
            Ok(sri)
        })
    })
    .await
}

/// Writes `data` under `key` with sha512 and returns its integrity.
///
/// `write` awaits (off the executor thread); `write_sync` blocks. See
/// [`write_with_opts`] for how a write proceeds and fails.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_sync(dir, "greeting", b"hello")?;
/// assert_eq!(capcache::read_hash_sync(dir, &sri)?, b"hello");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     let sri = capcache::write(dir, "greeting", b"hello").await?;
///     assert_eq!(capcache::read_hash(dir, &sri).await?, b"hello");
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn write<C: IntoCache, K: AsRef<str>, D: AsRef<[u8]>>(
    cache: C,
    key: K,
    data: D,
) -> Result<Integrity> {
    write_with_opts(cache, key, data, WriteOpts::new()).await
}

/// Writes `data` under `key`, hashed with `algo`, and returns its integrity.
///
/// `write_with_algo` awaits; `write_with_algo_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// use capcache::Algorithm;
/// let sri = capcache::write_with_algo_sync(Algorithm::Sha256, dir, "k", b"hi")?;
/// assert_eq!(sri.pick_algorithm(), Algorithm::Sha256);
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     let sri = capcache::write_with_algo(Algorithm::Sha1, dir, "k", b"hi").await?;
///     assert_eq!(sri.pick_algorithm(), Algorithm::Sha1);
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn write_with_algo<C: IntoCache, K: AsRef<str>, D: AsRef<[u8]>>(
    algo: Algorithm,
    cache: C,
    key: K,
    data: D,
) -> Result<Integrity> {
    write_with_opts(cache, key, data, WriteOpts::new().algorithm(algo)).await
}

/// Stores `data` as content only (no index entry), hashed with `algo`;
/// returns the integrity to read it back with [`read_hash`].
///
/// `write_hash_with_algo` awaits; `write_hash_with_algo_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// use capcache::Algorithm;
/// let sri = capcache::write_hash_with_algo_sync(Algorithm::Sha384, dir, b"x")?;
/// assert!(capcache::exists_sync(dir, &sri));
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     let sri = capcache::write_hash_with_algo(Algorithm::Sha256, dir, b"x").await?;
///     assert!(capcache::exists(dir, &sri).await);
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn write_hash_with_algo<C: IntoCache, D: AsRef<[u8]>>(
    algo: Algorithm,
    cache: C,
    data: D,
) -> Result<Integrity> {
    let (source, data) = (cache.into_source(), rt::owned(data));
    rt::run(move || {
        let cache = source.open()?;
        let staged = content::stage(&cache, algo, None, None, data.as_ref())?;
        Ok(staged.commit(&cache)?.0)
    })
    .await
}

/// Stores `data` as content only (no index entry), hashed with sha512;
/// returns the integrity to read it back with [`read_hash`].
///
/// `write_hash` awaits; `write_hash_sync` blocks.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_hash_sync(dir, b"anonymous")?;
/// assert_eq!(capcache::read_hash_sync(dir, &sri)?, b"anonymous");
/// #[cfg(feature = "async")]
/// smol::block_on(async {
///     let sri = capcache::write_hash(dir, b"anonymous").await?;
///     assert_eq!(capcache::read_hash(dir, &sri).await?, b"anonymous");
///     Ok::<_, capcache::Error>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn write_hash<C: IntoCache, D: AsRef<[u8]>>(
    cache: C,
    data: D,
) -> Result<Integrity> {
    write_hash_with_algo(Algorithm::Sha512, cache, data).await
}

/// Reads the whole value stored under `key`, verified against its integrity
/// and recorded size.
///
/// `read` awaits (file I/O and hashing off the executor thread); `read_sync`
/// blocks.
///
/// # Errors
///
/// [`Error::EntryNotFound`] if the key has no live entry;
/// [`Error::ContentNotFound`] if its content file is gone;
/// [`Error::IntegrityMismatch`] or [`Error::SizeMismatch`] if the content is
/// damaged (the bytes are never returned); [`Error::BadIndex`] if the entry's
/// integrity is unusable; [`Error::Io`] on file-system failures.
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
        let entry = bucket::find_content(&cache, &key)?;
        // cacache-rs's write_sync records size 0 for any value, so 0 means
        // "unknown"; the integrity check still covers the bytes.
        let size = Some(entry.size as u64).filter(|&s| s != 0);
        content::read(&cache, &entry.integrity, size)
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
/// [`Error::InvalidIntegrity`] if `sri` cannot name content;
/// [`Error::ContentNotFound`], [`Error::IntegrityMismatch`], [`Error::Io`].
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
        Some(cache) => content::read(&cache, &sri, None),
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
pub async fn metadata<C: IntoCache, K: AsRef<str>>(
    cache: C,
    key: K,
) -> Result<Option<Metadata>> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    rt::run(move || match source.open_existing()? {
        Some(cache) => bucket::find(&cache, &key),
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
/// [`Error::InvalidIntegrity`] if `sri` cannot name a content file;
/// [`Error::Io`] if the cache cannot be read.
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
        Some(cache) => content::exists(&cache, &sri),
        None => content::checked_integrity(&sri).map(|_| false),
    })
    .await
}

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
            false => bucket::delete(&cache, &key),
        }
    })
    .await
}

/// Deletes the content file for `sri`. Entries that point at it then fail
/// to read with [`Error::ContentNotFound`].
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
        Some(cache) => content::remove(&cache, &sri),
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

/// Records `key` → the integrity in `opts` (with its size, time and
/// metadata) without writing content. Returns that integrity.
///
/// `insert_async` awaits; `insert` blocks (cacache-rs's names).
///
/// # Errors
///
/// [`Error::InvalidIntegrity`] if `opts` has no usable integrity;
/// [`Error::InvalidKey`] for an empty key; [`Error::Io`].
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
        let sri = opts.sri.clone().ok_or_else(|| Error::InvalidIntegrity {
            input: String::new(),
            reason: "index::insert needs WriteOpts::integrity".into(),
        })?;
        // Any integrity ssri parses (the index is a key -> metadata store of
        // its own; reads of content check the integrity themselves), but
        // not an empty one: it would not read back.
        if sri.hashes.is_empty() {
            return Err(Error::InvalidIntegrity {
                input: String::new(),
                reason: "an integrity needs at least one hash".into(),
            });
        }
        let size = opts.size.unwrap_or(0) as u64;
        bucket::insert(&source.open()?, &key, &sri, size, &opts)?;
        Ok(sri)
    })
    .await
}

/// Appends a tombstone for `key`, as [`remove`] does.
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
    remove(cache, key).await
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
        Some(cache) => bucket::compact(&cache, &key),
        None => bucket::check_key(&key).map(|()| 0),
    })
    .await
}

/// Starts a streaming write (`key` = `None`: content only).
#[maybe]
pub(crate) async fn open_writer<C: IntoCache>(
    cache: C,
    key: Option<String>,
    opts: WriteOpts,
) -> Result<rt::Writer> {
    let source = cache.into_source();
    let sync = rt::run(move || SyncWriter::start(source.open()?, key, opts)).await?;
    Ok(rt::writer(sync))
}

/// Opens a verifying streaming read of the value under `key`.
#[maybe]
pub(crate) async fn open_reader<C: IntoCache, K: AsRef<str>>(
    cache: C,
    key: K,
) -> Result<rt::Reader> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    let sync = rt::run(move || {
        let Some(cache) = source.open_existing()? else {
            return Err(Error::EntryNotFound { key });
        };
        let entry = bucket::find_content(&cache, &key)?;
        SyncReader::start(&cache, entry.integrity)
    })
    .await?;
    Ok(rt::reader(sync))
}

/// Opens a verifying streaming read of the content `sri`.
#[maybe]
pub(crate) async fn open_hash_reader<C: IntoCache>(cache: C, sri: Integrity) -> Result<rt::Reader> {
    let source = cache.into_source();
    let sync = rt::run(move || match source.open_existing()? {
        Some(cache) => SyncReader::start(&cache, sri),
        None => Err(content::not_found(sri)),
    })
    .await?;
    Ok(rt::reader(sync))
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
pub async fn copy<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<u64> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::Copy, true).await
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
pub async fn copy_unchecked<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<u64> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::Copy, false).await
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
pub async fn copy_hash<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<u64> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::Copy, true).await
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
pub async fn copy_hash_unchecked<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<u64> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::Copy, false).await
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
pub async fn hard_link<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<()> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::HardLink, true).await
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
pub async fn hard_link_unchecked<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<()> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::HardLink, false).await
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
pub async fn hard_link_hash<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<()> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::HardLink, true).await
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
pub async fn hard_link_hash_unchecked<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<()> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::HardLink, false).await
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
pub async fn reflink<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<()> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::Reflink, true).await
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
pub async fn reflink_unchecked<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<()> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::Reflink, false).await
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
pub async fn reflink_hash<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<()> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::Reflink, true).await
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
pub async fn reflink_hash_unchecked<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<()> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::Reflink, false).await
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
pub async fn reflink_or_copy<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(cache: C, key: K, to: Q) -> Result<u64> {
    export_to(cache, Source::Key(key.as_ref().to_owned()), Dest::Ambient(to.as_ref().to_path_buf()), How::ReflinkOrCopy, true).await
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
pub async fn reflink_or_copy_hash<C: IntoCache, Q: AsRef<Path>>(cache: C, sri: &Integrity, to: Q) -> Result<u64> {
    export_to(cache, Source::Hash(sri.clone()), Dest::Ambient(to.as_ref().to_path_buf()), How::ReflinkOrCopy, true).await
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
    export_to(cache, Source::Hash(sri.clone()), Dest::In(dir, path), How::Copy, true).await
}

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
/// [`Error::OutsideCache`] for a capability-only cache; [`Error::Io`] if the
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
#[cfg(feature = "link_to")]
#[maybe]
pub async fn link_to<C: IntoCache, K: AsRef<str>, T: AsRef<Path>>(
    cache: C,
    key: K,
    target: T,
) -> Result<Integrity> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    let target = target.as_ref().to_path_buf();
    rt::run(move || {
        crate::link::link_to(&source.open()?, Some(&key), &target, &WriteOpts::new())
    })
    .await
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
#[cfg(feature = "link_to")]
#[maybe]
pub async fn link_to_hash<C: IntoCache, T: AsRef<Path>>(cache: C, target: T) -> Result<Integrity> {
    let source = cache.into_source();
    let target = target.as_ref().to_path_buf();
    rt::run(move || crate::link::link_to(&source.open()?, None, &target, &WriteOpts::new())).await
}

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
