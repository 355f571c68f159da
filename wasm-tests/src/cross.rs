//! Cross-reads: a cache written on one side of the sandbox is read and
//! fully verified on the other.
//!
//! Both sides build the same data set from [`items`] (deterministic, so
//! nothing has to be shipped), in both index formats: `npm/` (default) and
//! `cacache-rs/` (forced on write, detected on read).

use std::io::{Read, Write};
use std::path::Path;

use capcache::{
    Algorithm, Cache, CacheOptions, Error, IndexFormat, Integrity, SyncReader, Value, VerifyOpts,
    WriteOpts,
};
use capcache_test_support::data::pattern;
use serde_json::json;

use crate::harness::{self, expect_err, same_bytes, Check, Failure, Summary, Test, TestResult};
use crate::{ensure, ensure_eq};

/// The time every entry records, so it can be compared after the trip.
const TIME: u128 = 1_700_000_000_123;

/// A key that was written and then removed.
const REMOVED: &str = "cross/removed";
/// A key written twice; the second value must win.
const OVERWRITTEN: &str = "cross/overwritten";
/// Content stored with no key.
const CONTENT_ONLY: &[u8] = b"content only, no key points here";

/// One live entry of the data set.
pub struct Item {
    /// The key.
    pub key: &'static str,
    /// The value.
    pub data: Vec<u8>,
    /// Hash algorithm it is written with.
    pub algo: Algorithm,
    /// JSON metadata.
    pub metadata: Value,
    /// cacache-rs raw metadata.
    pub raw: Option<Vec<u8>>,
    /// Written with `SyncWriter` in chunks rather than `write_sync`.
    pub streamed: bool,
}

fn item(key: &'static str, data: impl Into<Vec<u8>>, algo: Algorithm) -> Item {
    Item {
        key,
        data: data.into(),
        algo,
        metadata: Value::Null,
        raw: None,
        streamed: false,
    }
}

/// The live entries of the data set.
pub fn items() -> Vec<Item> {
    vec![
        item(
            "cross/small",
            b"hello from the other side".to_vec(),
            Algorithm::Sha512,
        ),
        item("cross/empty", Vec::new(), Algorithm::Sha512),
        item("cross/sha256", pattern(1000, 1), Algorithm::Sha256),
        item("cross/sha384", pattern(777, 2), Algorithm::Sha384),
        item("cross/sha1", pattern(500, 3), Algorithm::Sha1),
        item("cross/xxh3", pattern(300, 4), Algorithm::Xxh3),
        Item {
            metadata: json!({ "etag": "\"abc\"", "n": 42, "nested": { "a": [1, 2, 3] } }),
            raw: Some(vec![0, 1, 2, 255]),
            ..item(
                "cross/metadata",
                b"with metadata".to_vec(),
                Algorithm::Sha512,
            )
        },
        item(
            "cross/big",
            pattern(5 * 1024 * 1024 / 2, 5),
            Algorithm::Sha512,
        ),
        Item {
            streamed: true,
            ..item("cross/streamed", pattern(700_001, 6), Algorithm::Sha512)
        },
        item(
            "cross/ключ/🚀 unicode",
            b"unicode key".to_vec(),
            Algorithm::Sha512,
        ),
        item(
            "cross/../dotdot",
            b"dots in the key".to_vec(),
            Algorithm::Sha512,
        ),
        item(
            "cross/shared-a",
            b"shared content".to_vec(),
            Algorithm::Sha512,
        ),
        item(
            "cross/shared-b",
            b"shared content".to_vec(),
            Algorithm::Sha512,
        ),
        item(OVERWRITTEN, b"second".to_vec(), Algorithm::Sha512),
    ]
}

/// The integrity `data` has with `algo`, computed without capcache.
fn integrity(algo: Algorithm, data: &[u8]) -> Integrity {
    ssri::IntegrityOpts::new()
        .algorithm(algo)
        .chain(data)
        .result()
}

/// Writes the data set into `cache`.
pub fn write_dataset(cache: &Cache) -> TestResult {
    cache.write_with_opts_sync(OVERWRITTEN, b"first", WriteOpts::new().time(TIME))?;
    cache.write_sync(REMOVED, b"gone")?;
    cache.remove_sync(REMOVED)?;
    for it in items() {
        let mut opts = WriteOpts::new()
            .algorithm(it.algo)
            .time(TIME)
            .metadata(it.metadata.clone());
        if let Some(raw) = &it.raw {
            opts = opts.raw_metadata(raw.clone());
        }
        let sri = if it.streamed {
            let mut writer = opts.open_sync(cache, it.key)?;
            for chunk in it.data.chunks(64 * 1024 - 1) {
                writer.write_all(chunk).ctx("streamed write")?;
            }
            writer.commit()?
        } else {
            cache.write_with_opts_sync(it.key, &it.data, opts)?
        };
        ensure_eq!(sri, integrity(it.algo, &it.data), "integrity of {}", it.key);
    }
    cache.write_hash_sync(CONTENT_ONLY)?;
    Ok(())
}

/// Reads every entry of the data set from `cache` and checks it field by
/// field, then verifies the whole cache.
pub fn check_dataset(cache: &Cache) -> TestResult {
    let items = items();
    let mut want: Vec<&str> = items.iter().map(|i| i.key).collect();
    want.sort_unstable();
    let mut listed: Vec<String> = cache
        .list_sync()
        .map(|m| m.map(|m| m.key))
        .collect::<Result<_, _>>()
        .ctx("listing")?;
    listed.sort_unstable();
    ensure_eq!(listed, want, "listed keys");
    for it in &items {
        let sri = integrity(it.algo, &it.data);
        let meta = cache.metadata_sync(it.key)?.ctx(it.key)?;
        ensure_eq!(meta.integrity, sri, "{}: integrity", it.key);
        ensure_eq!(meta.size, it.data.len(), "{}: size", it.key);
        ensure_eq!(meta.time, TIME, "{}: time", it.key);
        ensure_eq!(meta.metadata, it.metadata, "{}: metadata", it.key);
        ensure_eq!(meta.raw_metadata, it.raw, "{}: raw_metadata", it.key);
        same_bytes(&cache.read_sync(it.key)?, &it.data, it.key)?;
        same_bytes(&cache.read_hash_sync(&sri)?, &it.data, it.key)?;
        let mut reader = SyncReader::open(cache, it.key)?;
        let mut streamed = Vec::new();
        reader.read_to_end(&mut streamed).ctx("streamed read")?;
        ensure_eq!(reader.check()?, it.algo, "{}: streamed check", it.key);
        same_bytes(&streamed, &it.data, it.key)?;
    }
    expect_err(cache.read_sync(REMOVED), "removed key", |e| {
        matches!(e, Error::EntryNotFound { .. })
    })?;
    same_bytes(
        &cache.read_hash_sync(&integrity(Algorithm::Sha512, CONTENT_ONLY))?,
        CONTENT_ONLY,
        "content only",
    )?;

    let stats = capcache::verify_sync(cache, VerifyOpts::new())?;
    ensure_eq!(stats.corrupt_content, 0, "corrupt content ({stats:?})");
    ensure_eq!(
        stats.entries_kept,
        items.len() as u64,
        "entries kept ({stats:?})"
    );
    // The first write of OVERWRITTEN and both lines of REMOVED.
    ensure_eq!(stats.entries_removed, 3, "superseded lines ({stats:?})");
    ensure!(stats.content_verified >= 10, "content verified ({stats:?})");
    same_bytes(&cache.read_sync(OVERWRITTEN)?, b"second", "after verify")
}

/// The two caches of a cross-check under `root`, with the format to
/// write each in.
fn layouts(root: &Path) -> [(&'static str, std::path::PathBuf, IndexFormat); 2] {
    [
        ("npm", root.join("npm"), IndexFormat::Npm),
        (
            "cacache_rs",
            root.join("cacache-rs"),
            IndexFormat::CacacheRs,
        ),
    ]
}

/// Writes both caches under `root` (guest mode `write-cross`).
pub fn run_write(root: &Path) -> Summary {
    let tests = layouts(root)
        .into_iter()
        .map(|(name, dir, format)| {
            Test::new(format!("cross::write_{name}"), move || {
                let cache = CacheOptions::new().format(format).open(&dir)?;
                write_dataset(&cache)
            })
        })
        .collect();
    harness::run(tests)
}

/// Reads, checks and verifies both caches under `root`, detecting their
/// format (guest mode `read-cross`).
pub fn run_read(root: &Path) -> Summary {
    let tests = layouts(root)
        .into_iter()
        .map(|(name, dir, format)| {
            Test::new(format!("cross::read_{name}"), move || {
                let cache = Cache::open(&dir)?;
                ensure_eq!(cache.index_format()?, format, "detected format");
                check_dataset(&cache)
            })
        })
        .collect();
    harness::run(tests)
}

/// Reads both caches under `root` through capability-only handles.
pub fn check_capability_only(root: &Path) -> TestResult {
    for (_, dir, format) in layouts(root) {
        let handle = cap_std::fs::Dir::open_ambient_dir(&dir, cap_std::ambient_authority())
            .ctx(format!("opening {}", dir.display()))?;
        let cache = Cache::from_dir(handle);
        ensure_eq!(cache.index_format()?, format, "detected format");
        check_dataset(&cache).map_err(|f| Failure::new(format!("{}: {f}", dir.display())))?;
    }
    Ok(())
}
