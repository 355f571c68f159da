//! The blocking whole-value operations: write, read, metadata, remove,
//! the index API, listing, and refusing bad input or damaged data.

use std::io::Read;
use std::path::Path;

use capcache::{Algorithm, Cache, Error, Integrity, SyncReader, WriteOpts};
use serde_json::json;

use super::{content_file, count_entries, listed_keys, open_cache, tamper};
use crate::data::{pattern, sha512};
use crate::harness::{expect_err, same_bytes, Check, TestResult};
use crate::{ensure, ensure_eq};

/// Write then read back by key and by hash, through `Cache` methods and the
/// path-taking free functions; content lands at npm's path.
pub(super) fn write_read_roundtrip(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let sri = cache.write_sync("greeting", b"hello wasi")?;
    ensure_eq!(sri, sha512(b"hello wasi"), "write_sync's integrity");
    same_bytes(&cache.read_sync("greeting")?, b"hello wasi", "read_sync")?;
    same_bytes(
        &cache.read_hash_sync(&sri)?,
        b"hello wasi",
        "read_hash_sync",
    )?;
    let meta = cache.metadata_sync("greeting")?.ctx("metadata_sync")?;
    ensure_eq!(
        (meta.key.as_str(), meta.size, &meta.integrity),
        ("greeting", 10, &sri),
        "metadata"
    );
    ensure!(meta.time > 0, "metadata time is {}", meta.time);
    ensure!(cache.try_exists_sync(&sri)?, "exists_sync after write");
    let on_disk = std::fs::read(content_file(&root, &sri)).ctx("content at npm's path")?;
    same_bytes(&on_disk, b"hello wasi", "content file")?;

    let by_path = capcache::write_sync(&root, "by-path", b"via a path")?;
    same_bytes(
        &capcache::read_sync(&root, "by-path")?,
        b"via a path",
        "read_sync(path)",
    )?;
    same_bytes(
        &capcache::read_hash_sync(&root, &by_path)?,
        b"via a path",
        "read_hash_sync(path)",
    )?;
    ensure!(
        capcache::try_exists_sync(&root, &by_path)?,
        "exists_sync(path)"
    );
    ensure_eq!(
        capcache::metadata_sync(&root, "by-path")?.map(|m| m.size),
        Some(10),
        "metadata_sync(path)"
    );

    cache.write_sync("greeting", b"second")?;
    same_bytes(
        &cache.read_sync("greeting")?,
        b"second",
        "the last write wins",
    )
}

/// Every hash algorithm, keyed and content-only, and cacache-rs's spellings.
pub(super) fn algorithms(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let algos = [
        Algorithm::Sha1,
        Algorithm::Sha256,
        Algorithm::Sha384,
        Algorithm::Sha512,
        Algorithm::Xxh3,
    ];
    for algo in algos {
        let data = format!("data hashed with {algo}");
        let sri = cache.write_with_algo_sync(algo, format!("key-{algo}"), &data)?;
        ensure_eq!(
            sri.pick_algorithm(),
            algo,
            "algorithm of write_with_algo_sync"
        );
        same_bytes(
            &cache.read_sync(format!("key-{algo}"))?,
            data.as_bytes(),
            "read",
        )?;
        ensure!(
            content_file(&root, &sri).is_file(),
            "{algo} content not at npm's path"
        );
        let only = cache.write_hash_with_algo_sync(algo, format!("content {algo}"))?;
        ensure_eq!(only.pick_algorithm(), algo, "write_hash_with_algo_sync");
        same_bytes(
            &capcache::read_hash_sync(&cache, &only)?,
            format!("content {algo}").as_bytes(),
            "read_hash",
        )?;
    }
    let a = capcache::write_with_algo_sync(Algorithm::Sha384, &cache, "free", b"f")?;
    let b = capcache::write_sync_with_algo(Algorithm::Sha256, &cache, "alias", b"a")?;
    let c = capcache::write_hash_sync_with_algo(Algorithm::Sha1, &cache, b"h")?;
    let d = capcache::write_hash_with_algo_sync(Algorithm::Sha256, &cache, b"h")?;
    ensure_eq!(
        [a, b, c, d].map(|s| s.pick_algorithm()),
        [
            Algorithm::Sha384,
            Algorithm::Sha256,
            Algorithm::Sha1,
            Algorithm::Sha256
        ],
        "free functions' algorithms"
    );
    Ok(())
}

/// Metadata, raw metadata and time are recorded; size and integrity
/// expectations are enforced and a failed write stores nothing.
pub(super) fn write_options(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let opts = WriteOpts::new()
        .metadata(json!({ "etag": "abc", "n": 1 }))
        .raw_metadata(vec![1, 2, 3])
        .time(1_234_567);
    cache.write_with_opts_sync("meta", b"hello", opts)?;
    let meta = cache.metadata_sync("meta")?.ctx("metadata of meta")?;
    ensure_eq!(meta.metadata, json!({ "etag": "abc", "n": 1 }), "metadata");
    ensure_eq!(meta.raw_metadata, Some(vec![1, 2, 3]), "raw_metadata");
    ensure_eq!(meta.time, 1_234_567, "time");

    let wrong_size =
        capcache::write_with_opts_sync(&cache, "sized", b"hello", WriteOpts::new().size(3));
    expect_err(wrong_size, "size 3 for 5 bytes", |e| {
        matches!(
            e,
            Error::SizeMismatch {
                expected: 3,
                found: 5,
                ..
            }
        )
    })?;
    let other = sha512(b"other");
    let wrong_sri = cache.write_with_opts_sync("sri", b"hello", WriteOpts::new().integrity(other));
    expect_err(wrong_sri, "integrity of other data", |e| {
        matches!(e, Error::IntegrityMismatch { .. })
    })?;
    ensure!(
        cache.metadata_sync("sized")?.is_none(),
        "failed write left an entry"
    );
    ensure!(
        cache.metadata_sync("sri")?.is_none(),
        "failed write left an entry"
    );
    ensure_eq!(
        count_entries(&root.join("tmp"))?,
        0,
        "temp files left by failed writes"
    );

    let right = WriteOpts::new().size(5).integrity(sha512(b"hello"));
    let sri = capcache::write_with_opts_sync(&root, "right", b"hello", right)?;
    ensure_eq!(sri, sha512(b"hello"), "write with met expectations");
    Ok(())
}

/// `write_hash` stores content with no index entry; `remove_hash` deletes it.
pub(super) fn content_only(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let sri = cache.write_hash_sync(b"anonymous")?;
    let sri2 = capcache::write_hash_sync(&root, b"also anonymous")?;
    ensure_eq!(
        listed_keys(cache.list_sync())?.len(),
        0,
        "entries after content-only writes"
    );
    same_bytes(&cache.read_hash_sync(&sri)?, b"anonymous", "read_hash")?;
    ensure!(cache.try_exists_sync(&sri2)?, "exists");
    cache.remove_hash_sync(&sri)?;
    capcache::remove_hash_sync(&root, &sri2)?;
    ensure!(!cache.try_exists_sync(&sri)?, "exists after remove_hash");
    expect_err(
        cache.read_hash_sync(&sri),
        "read_hash after remove_hash",
        |e| matches!(e, Error::ContentNotFound { .. }),
    )?;
    cache
        .remove_hash_sync(&sri)
        .ctx("removing missing content is not an error")
}

/// `remove` tombstones the key and leaves the content for other keys.
pub(super) fn remove_keeps_content(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let sri = cache.write_sync("a", b"shared")?;
    cache.write_sync("b", b"shared")?;
    cache.remove_sync("a")?;
    ensure!(cache.metadata_sync("a")?.is_none(), "metadata after remove");
    let err = expect_err(
        cache.read_sync("a"),
        "read after remove",
        |e| matches!(e, Error::EntryNotFound { key } if key == "a"),
    )?;
    ensure!(err.is_not_found(), "EntryNotFound.is_not_found()");
    ensure!(cache.try_exists_sync(&sri)?, "content removed with the key");
    same_bytes(&cache.read_sync("b")?, b"shared", "the other key")?;
    capcache::remove_sync(&root, "b")?;
    cache
        .remove_sync("never-written")
        .ctx("removing a missing key")
}

/// The `index` module: insert, find, delete, compact, ls.
pub(super) fn index_api(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let sri = cache.write_hash_sync(b"indexed")?;
    let inserted =
        capcache::index::insert(&cache, "k", WriteOpts::new().integrity(sri.clone()).size(7))?;
    ensure_eq!(inserted, sri, "index::insert's integrity");
    same_bytes(
        &cache.read_sync("k")?,
        b"indexed",
        "read of an inserted entry",
    )?;
    let found = capcache::index::find(&cache, "k")?.ctx("index::find")?;
    ensure_eq!((found.size, &found.integrity), (7, &sri), "index::find");
    expect_err(
        capcache::index::insert(&cache, "x", WriteOpts::new()),
        "insert without integrity",
        |e| matches!(e, Error::MissingIntegrity { .. }),
    )?;
    capcache::index::delete(&cache, "k")?;
    ensure!(
        capcache::index::find(&cache, "k")?.is_none(),
        "find after delete"
    );
    cache.write_sync("listed", b"x")?;
    let keys: Vec<String> = capcache::index::ls(&cache)
        .map(|m| m.map(|m| m.key))
        .collect::<Result<_, _>>()?;
    ensure_eq!(keys, ["listed"], "index::ls");
    Ok(())
}

/// `list_sync` yields each live key once, with its latest entry.
pub(super) fn list(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    for i in 0..5u8 {
        cache.write_sync(format!("key-{i}"), [i])?;
    }
    cache.write_sync("key-0", b"rewritten")?;
    cache.remove_sync("key-4")?;
    let mut entries: Vec<(String, usize)> = capcache::list_sync(&root)
        .map(|m| m.map(|m| (m.key, m.size)))
        .collect::<Result<_, _>>()?;
    entries.sort();
    let want: Vec<(String, usize)> = vec![
        ("key-0".into(), 9),
        ("key-1".into(), 1),
        ("key-2".into(), 1),
        ("key-3".into(), 1),
    ];
    ensure_eq!(entries, want, "listed entries");
    ensure_eq!(listed_keys(cache.list_sync())?.len(), 4, "Cache::list_sync");
    Ok(())
}

/// Empty keys, unusable integrities and missing entries are errors of the
/// right kind.
pub(super) fn invalid_input(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    expect_err(cache.write_sync("", b"x"), "empty key", |e| {
        matches!(e, Error::InvalidKey { .. })
    })?;
    for bad in ["sha512-../../etc/passwd", "sha512-AAAA", "sha1-!!!!"] {
        let sri: Integrity = bad.parse().ctx(bad)?;
        expect_err(cache.read_hash_sync(&sri), bad, |e| {
            matches!(e, Error::InvalidIntegrity { .. })
        })?;
    }
    expect_err(cache.read_sync("missing"), "missing key", |e| {
        e.is_not_found()
    })?;
    expect_err(
        cache.read_hash_sync(&sha512(b"never")),
        "missing content",
        |e| matches!(e, Error::ContentNotFound { .. }),
    )?;
    Ok(())
}

/// Content changed on disk is never returned: reads, streams and copies
/// fail with an integrity error.
pub(super) fn corruption_is_detected(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let sri = cache.write_sync("k", b"original value")?;
    tamper(&root, &sri)?;
    let is_mismatch = |e: &Error| matches!(e, Error::IntegrityMismatch { .. });
    expect_err(cache.read_sync("k"), "read_sync", is_mismatch)?;
    expect_err(cache.read_hash_sync(&sri), "read_hash_sync", is_mismatch)?;
    let mut reader = SyncReader::open(&cache, "k")?;
    let mut sink = Vec::new();
    let streamed = reader.read_to_end(&mut sink);
    ensure!(
        matches!(&streamed, Err(e) if e.kind() == std::io::ErrorKind::InvalidData),
        "streamed read of damaged content: {streamed:?}"
    );
    let out = dir.join("copy.bin");
    expect_err(
        capcache::copy_sync(&cache, "k", &out),
        "copy_sync",
        is_mismatch,
    )?;
    ensure!(!out.exists(), "a failed copy left its destination");
    Ok(())
}

/// A value above the 1 MiB mmap threshold (buffered reads on WASI).
pub(super) fn large_value(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let data = pattern(3 * 1024 * 1024 + 17, 3);
    let sri = cache.write_sync("large", &data)?;
    same_bytes(&cache.read_sync("large")?, &data, "read_sync of 3 MiB")?;
    same_bytes(
        &cache.read_hash_sync(&sri)?,
        &data,
        "read_hash_sync of 3 MiB",
    )?;
    let reopened = Cache::open(dir.join("cache"))?;
    same_bytes(
        &reopened.read_sync("large")?,
        &data,
        "read from a new handle",
    )
}
