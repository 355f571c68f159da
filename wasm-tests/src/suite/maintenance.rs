//! Whole-cache operations (verify, gc, compact, clear) and the ways to
//! open a cache (options, formats, capability-only).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use capcache::{Cache, CacheOptions, Error, GcOpts, IndexFormat, VerifyOpts, WriteOpts};

use super::{content_file, count_entries, listed_keys, open_cache, tamper};
use crate::data::sha512;
use crate::harness::{expect_err, same_bytes, Check, Failure, TestResult};
use crate::{ensure, ensure_eq};

/// Verify drops superseded lines and corrupt content, reclaims unused
/// content (grace 0), reports progress and records `_lastverified`.
pub(super) fn verify(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    for i in 0..3u8 {
        cache.write_sync("k", [i])?;
    }
    cache.write_sync("good", b"good value")?;
    let bad = cache.write_sync("bad", b"will be damaged")?;
    tamper(&root, &bad)?;
    let orphan = cache.write_hash_sync(b"orphan")?;
    ensure_eq!(
        capcache::last_verified_sync(&cache)?,
        None,
        "last_verified before"
    );

    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let opts = VerifyOpts::new().grace(Duration::ZERO).progress(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let stats = capcache::verify_sync(&cache, opts)?;
    ensure_eq!(stats.corrupt_content, 1, "corrupt content ({stats:?})");
    ensure_eq!(stats.entries_kept, 2, "entries kept ({stats:?})");
    ensure_eq!(stats.entries_removed, 3, "entries removed ({stats:?})");
    ensure_eq!(stats.content_verified, 2, "content verified ({stats:?})");
    ensure_eq!(stats.content_reclaimed, 3, "content reclaimed ({stats:?})");
    ensure!(calls.load(Ordering::Relaxed) > 0, "no progress reported");
    ensure_eq!(
        capcache::last_verified_sync(&root)?,
        Some(stats.started),
        "last_verified"
    );
    ensure!(!cache.try_exists_sync(&orphan)?, "orphan content kept");
    expect_err(
        cache.read_sync("bad"),
        "read of corrupt entry after verify",
        |e| e.is_not_found(),
    )?;
    same_bytes(&cache.read_sync("k")?, &[2], "k after verify")?;
    same_bytes(
        &cache.read_sync("good")?,
        b"good value",
        "good after verify",
    )?;
    let again = capcache::verify_sync(&root, VerifyOpts::new())?;
    ensure_eq!(
        (
            again.corrupt_content,
            again.entries_removed,
            again.entries_kept
        ),
        (0, 0, 2),
        "a second verify"
    );
    Ok(())
}

/// Milliseconds since the epoch, as index entries record time.
fn now_ms() -> Result<u128, Failure> {
    Ok(SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ctx("clock")?
        .as_millis())
}

/// gc evicts by age, then by size, and removes the evicted content.
pub(super) fn gc(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let day = Duration::from_secs(86_400);
    let two_days_ago = now_ms()? - 2 * day.as_millis();
    let old =
        cache.write_with_opts_sync("old", b"old value", WriteOpts::new().time(two_days_ago))?;
    let new = cache.write_sync("new", b"new value")?;
    let stats = capcache::gc_sync(&cache, GcOpts::new().max_age(day).grace(Duration::ZERO))?;
    ensure_eq!(
        (
            stats.entries_evicted,
            stats.entries_kept,
            stats.content_removed
        ),
        (1, 1, 1),
        "gc by age ({stats:?})"
    );
    ensure!(cache.metadata_sync("old")?.is_none(), "old entry kept");
    ensure!(!cache.try_exists_sync(&old)?, "old content kept");
    same_bytes(&cache.read_sync("new")?, b"new value", "new entry")?;
    let stats = capcache::gc_sync(&cache, GcOpts::new().max_size(0).grace(Duration::ZERO))?;
    ensure_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (1, 0),
        "gc by size ({stats:?})"
    );
    ensure!(!cache.try_exists_sync(&new)?, "new content kept");
    Ok(())
}

/// `index::compact` and `Cache::compact_sync` drop superseded lines.
pub(super) fn compact(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    for i in 0..4u8 {
        cache.write_sync("k", [i])?;
    }
    ensure_eq!(capcache::index::compact(&cache, "k")?, 3, "lines dropped");
    same_bytes(&cache.read_sync("k")?, &[3], "value after compaction")?;
    cache.write_sync("k", b"again")?;
    ensure_eq!(cache.compact_sync("k")?, 1, "Cache::compact_sync");
    ensure_eq!(cache.compact_sync("k")?, 0, "compacting a compact bucket");
    same_bytes(
        &cache.read_sync("k")?,
        b"again",
        "value after second compaction",
    )
}

/// `clear` empties the cache; the same handle keeps working.
pub(super) fn clear(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let sri = cache.write_sync("a", b"1")?;
    cache.write_sync("b", b"2")?;
    cache.clear_sync()?;
    ensure_eq!(
        listed_keys(cache.list_sync())?.len(),
        0,
        "entries after clear"
    );
    ensure!(!cache.try_exists_sync(&sri)?, "content after clear");
    ensure_eq!(
        count_entries(&root.join("content-v2"))?,
        0,
        "content-v2 after clear"
    );
    ensure_eq!(
        count_entries(&root.join("index-v5"))?,
        0,
        "index-v5 after clear"
    );
    cache.write_sync("c", b"3")?;
    same_bytes(&cache.read_sync("c")?, b"3", "write after clear")?;
    capcache::clear_sync(&root)?;
    expect_err(cache.read_sync("c"), "read after clear by path", |e| {
        e.is_not_found()
    })?;
    Ok(())
}

/// Appends compact a bucket once it passes 16 KiB: one key written 400
/// times (about 100 KiB of lines) keeps a bucket under 32 KiB and reads
/// its last value. The append finds the bucket's length from the file
/// position, which a WASI runtime must leave at the end.
pub(super) fn auto_compaction(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let bucket = || -> Result<u64, Failure> {
        let path = first_bucket(&root.join("index-v5"))?;
        Ok(std::fs::metadata(&path).ctx("bucket metadata")?.len())
    };
    let mut largest = 0;
    for i in 0..400u32 {
        let opts = WriteOpts::new().metadata(i.into());
        cache.write_with_opts_sync("hot", format!("value {}", i % 4), opts)?;
        largest = largest.max(bucket()?);
    }
    ensure!(largest < 32 * 1024, "bucket grew to {largest} bytes");
    same_bytes(&cache.read_sync("hot")?, b"value 3", "last value")?;
    let meta = cache.metadata_sync("hot")?.ctx("entry after compactions")?;
    ensure_eq!(meta.metadata, 399, "latest metadata");
    Ok(())
}

/// Name length of the first bucket file under `index`.
fn bucket_name_len(index: &Path) -> Result<usize, Failure> {
    let path = first_bucket(index)?;
    Ok(path.file_name().map_or(0, |n| n.len()))
}

/// The first bucket file under `index` (dot files, such as the lock file,
/// are not shards or buckets).
fn first_bucket(index: &Path) -> Result<std::path::PathBuf, Failure> {
    let mut dir = index.to_path_buf();
    for _ in 0..3 {
        let first = std::fs::read_dir(&dir)
            .ctx(format!("listing {}", dir.display()))?
            .filter_map(Result::ok)
            .find(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .ctx(format!("{} has no shard or bucket", dir.display()))?;
        dir = first.path();
    }
    Ok(dir)
}

/// Both index formats, forced and detected; durable (fsyncing) writes.
pub(super) fn formats_and_durability(dir: &Path) -> TestResult {
    let rs_root = dir.join("rs");
    let rs = CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .durable(true)
        .open(&rs_root)?;
    rs.write_sync("k", b"cacache-rs format")?;
    ensure_eq!(rs.index_format()?, IndexFormat::CacacheRs, "forced format");
    ensure_eq!(
        bucket_name_len(&rs_root.join("index-v5"))?,
        36,
        "SHA-1 bucket names"
    );
    let detected = Cache::open(&rs_root)?;
    ensure_eq!(
        detected.index_format()?,
        IndexFormat::CacacheRs,
        "detected format"
    );
    same_bytes(
        &detected.read_sync("k")?,
        b"cacache-rs format",
        "read with detection",
    )?;

    let npm_root = dir.join("npm");
    let npm = CacheOptions::new().durable(true).open(&npm_root)?;
    npm.write_sync("k", b"npm format")?;
    ensure_eq!(npm.index_format()?, IndexFormat::Npm, "default format");
    ensure_eq!(
        bucket_name_len(&npm_root.join("index-v5"))?,
        60,
        "SHA-256 bucket names"
    );
    ensure_eq!(npm.path(), Some(npm_root.as_path()), "Cache::path");
    ensure!(
        npm.has_ambient_authority(),
        "a cache opened by path has ambient authority"
    );
    let explicit = Cache::open_ambient(&npm_root, ambient_authority())?;
    same_bytes(
        &explicit.read_sync("k")?,
        b"npm format",
        "Cache::open_ambient",
    )
}

/// A cache built from a `Dir` alone works and names paths relative to it.
pub(super) fn capability_only_cache(dir: &Path) -> TestResult {
    let root = dir.join("cap");
    std::fs::create_dir_all(&root).ctx("creating cap/")?;
    let open = || Dir::open_ambient_dir(&root, ambient_authority()).ctx("opening cap/");
    let cache = Cache::from_dir(open()?);
    ensure_eq!(cache.path(), None, "Cache::path of a capability-only cache");
    ensure!(
        !cache.has_ambient_authority(),
        "capability-only cache has ambient authority"
    );
    let sri = cache.write_sync("k", b"capability only")?;
    same_bytes(&cache.read_sync("k")?, b"capability only", "read")?;
    ensure!(
        cache.root().exists("content-v2"),
        "Cache::root sees content-v2"
    );
    tamper(&root, &sri)?;
    let err = expect_err(cache.read_sync("k"), "read of damaged content", |e| {
        matches!(e, Error::IntegrityMismatch { .. })
    })?;
    let path = err.path().ctx("error path")?;
    ensure!(
        path.starts_with("content-v2"),
        "path {} is not relative",
        path.display()
    );
    ensure_eq!(path, content_file(Path::new(""), &sri), "error path");

    let forced = CacheOptions::new()
        .format(IndexFormat::Npm)
        .from_dir(open()?);
    forced.write_sync("k2", b"via options")?;
    same_bytes(
        &forced.read_sync("k2")?,
        b"via options",
        "CacheOptions::from_dir",
    )?;
    ensure_eq!(
        forced.read_hash_sync(&sha512(b"via options"))?,
        b"via options",
        "read_hash via options"
    );
    Ok(())
}
