//! Writing whole values: `write*` and `write_hash*`.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::error::Result;
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
/// [`Error::InvalidKey`](crate::Error::InvalidKey) for an empty key; [`Error::SizeMismatch`](crate::Error::SizeMismatch) or
/// [`Error::IntegrityMismatch`](crate::Error::IntegrityMismatch) if the data does not match what `opts`
/// expects (nothing is stored then); [`Error::Io`](crate::Error::Io) on file-system failures.
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
    let (source, key, data) = (
        cache.into_source(),
        key.as_ref().to_owned(),
        rt::owned(data),
    );
    rt::run(move || {
        bucket::check_key(&key)?;
        let cache = source.open()?;
        let expected_size = opts.size.map(|s| s as u64);
        let algo = opts.algorithm_or_default();
        let staged = content::stage(
            cache.store(),
            algo,
            opts.sri.clone(),
            expected_size,
            data.as_ref(),
        )?;
        bucket::locked(cache.store(), |index| {
            let (sri, size) = staged.commit(cache.store())?;
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
/// returns the integrity to read it back with [`read_hash`](super::read_hash).
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
        let staged = content::stage(cache.store(), algo, None, None, data.as_ref())?;
        Ok(staged.commit(cache.store())?.0)
    })
    .await
}

/// Stores `data` as content only (no index entry), hashed with sha512;
/// returns the integrity to read it back with [`read_hash`](super::read_hash).
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
pub async fn write_hash<C: IntoCache, D: AsRef<[u8]>>(cache: C, data: D) -> Result<Integrity> {
    write_hash_with_algo(Algorithm::Sha512, cache, data).await
}
