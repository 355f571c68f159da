//! Caches shared with the real `cacache` crate (cacache-rs), both ways.
//! Native only: cacache-rs does not build for wasm.
#![cfg(not(target_family = "wasm"))]

use crate::common::*;
use capcache::{Algorithm, Cache, CacheOptions, Error, IndexFormat, Integrity, WriteOpts};
use serde_json::json;

/// Everything cacache-rs writes is read back by capcache, which detects the
/// cache's format.
#[test]
fn capcache_reads_a_cache_cacache_wrote() {
    let tmp = tempdir();
    let dir = tmp.path();
    let plain = cacache::write_sync(dir, "plain", b"hello").unwrap();
    let strong =
        cacache::write_sync_with_algo(Algorithm::Sha512, dir, "strong", b"sha512").unwrap();
    let xxh3 = cacache::write_sync_with_algo(Algorithm::Xxh3, dir, "fast", b"xxh3").unwrap();
    let anon = cacache::write_hash_sync(dir, b"anonymous").unwrap();
    cacache::index::insert(
        dir,
        "inserted",
        cacache::WriteOpts::new()
            .integrity(anon.clone())
            .size(9)
            .time(1_700_000_000_000)
            .metadata(json!({"etag": "W/1"}))
            .raw_metadata(vec![0, 1, 254, 255]),
    )
    .unwrap();

    let cache = Cache::open(dir).unwrap();
    assert_eq!(cache.index_format().unwrap(), IndexFormat::CacacheRs);
    for &api in Api::ALL {
        assert_eq!(api.read(&cache, "plain").unwrap(), b"hello", "{api:?}");
        assert_eq!(api.read(&cache, "strong").unwrap(), b"sha512");
        assert_eq!(api.read(&cache, "fast").unwrap(), b"xxh3");
        assert_eq!(api.read(&cache, "inserted").unwrap(), b"anonymous");
        assert_eq!(api.read_hash(&cache, &plain).unwrap(), b"hello");
        assert_eq!(api.read_hash(&cache, &anon).unwrap(), b"anonymous");
        assert!(api.exists(&cache, &xxh3).unwrap());

        assert_eq!(
            api.metadata(&cache, "plain").unwrap().unwrap().integrity,
            plain
        );
        assert_eq!(
            api.metadata(&cache, "strong").unwrap().unwrap().integrity,
            strong
        );
        let meta = api.metadata(&cache, "inserted").unwrap().unwrap();
        assert_eq!(meta.integrity, anon);
        assert_eq!((meta.size, meta.time), (9, 1_700_000_000_000));
        assert_eq!(meta.metadata, json!({"etag": "W/1"}));
        assert_eq!(meta.raw_metadata.as_deref(), Some(&[0, 1, 254, 255][..]));

        let keys: Vec<String> = sorted_ok(api.list(&cache))
            .into_iter()
            .map(|m| m.key)
            .collect();
        assert_eq!(keys, ["fast", "inserted", "plain", "strong"], "{api:?}");
    }
}

/// capcache writes into a cacache-rs cache in its format; cacache reads all
/// of it, including metadata, removals and compacted buckets.
#[test]
fn cacache_reads_what_capcache_wrote_into_its_cache() {
    let tmp = tempdir();
    let dir = tmp.path();
    cacache::write_sync(dir, "seed", b"from cacache").unwrap();

    for &api in Api::ALL {
        let cache = Cache::open(dir).unwrap();
        let key = format!("from-capcache-{api:?}");
        let opts = WriteOpts::new()
            .metadata(json!({"api": format!("{api:?}")}))
            .raw_metadata(vec![7, 8, 9])
            .time(1_650_000_000_000);
        let sri = api
            .write_with_opts(&cache, &key, b"written by capcache", opts)
            .unwrap();
        assert_eq!(
            cacache::read_sync(dir, &key).unwrap(),
            b"written by capcache",
            "{api:?}"
        );
        let meta = cacache::metadata_sync(dir, &key)
            .unwrap()
            .expect("cacache finds it");
        assert_eq!(meta.integrity, sri);
        assert_eq!(meta.size, 19);
        assert_eq!(meta.time, 1_650_000_000_000);
        assert_eq!(meta.metadata, json!({"api": format!("{api:?}")}));
        assert_eq!(meta.raw_metadata, Some(vec![7, 8, 9]));

        let algo_key = format!("xxh3-{api:?}");
        let sri = api
            .write_with_algo(&cache, Algorithm::Xxh3, &algo_key, b"hashed with xxh3")
            .unwrap();
        assert_eq!(
            cacache::read_sync(dir, &algo_key).unwrap(),
            b"hashed with xxh3"
        );
        assert_eq!(
            cacache::read_hash_sync(dir, &sri).unwrap(),
            b"hashed with xxh3"
        );

        // Several writes, then a compaction: cacache still reads the latest.
        let hot = format!("hot-{api:?}");
        for i in 0..5u8 {
            api.write(&cache, &hot, &[i]).unwrap();
        }
        assert_eq!(api.compact(&cache, &hot).unwrap(), 4);
        assert_eq!(cacache::read_sync(dir, &hot).unwrap(), [4]);

        // An entry made with capcache's index module.
        let content = api.write_hash(&cache, b"indexed").unwrap();
        let indexed = format!("indexed-{api:?}");
        api.insert(
            &cache,
            &indexed,
            WriteOpts::new().integrity(content).size(7),
        )
        .unwrap();
        assert_eq!(cacache::read_sync(dir, &indexed).unwrap(), b"indexed");

        // A capcache tombstone is a removal for cacache too.
        api.remove(&cache, &hot).unwrap();
        assert!(matches!(
            cacache::read_sync(dir, &hot),
            Err(cacache::Error::EntryNotFound(..))
        ));
        assert!(cacache::metadata_sync(dir, &hot).unwrap().is_none());
    }
    assert_eq!(cacache::read_sync(dir, "seed").unwrap(), b"from cacache");

    let listed: Vec<cacache::Metadata> = cacache::index::ls(dir).collect::<Result<_, _>>().unwrap();
    // seed + per API: from-capcache, xxh3, indexed (hot was removed).
    assert_eq!(listed.len(), 1 + 3 * Api::ALL.len(), "{listed:?}");
}

/// A new cache capcache creates in cacache-rs's format is cacache's from
/// the first write.
#[test]
fn a_new_cacache_rs_format_cache_is_readable_by_cacache() {
    let tmp = tempdir();
    let cache = CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(tmp.path())
        .unwrap();
    for &api in Api::HANDLES {
        let key = format!("{api:?}");
        let sri = api.write(&cache, &key, key.as_bytes()).unwrap();
        assert_eq!(
            cacache::read_sync(tmp.path(), &key).unwrap(),
            key.as_bytes()
        );
        assert_eq!(
            cacache::metadata_sync(tmp.path(), &key)
                .unwrap()
                .unwrap()
                .integrity,
            sri
        );
    }
    cache.write_sync("gone", b"x").unwrap();
    cache.remove_sync("gone").unwrap();
    let keys: Vec<String> = cacache::index::ls(tmp.path())
        .map(|m| m.unwrap().key)
        .collect();
    assert_eq!(keys.len(), Api::HANDLES.len(), "{keys:?}");
}

/// In its default (npm) format capcache's index is not cacache-rs's, but
/// the content store is the same: cacache reads content by integrity.
#[test]
fn cacache_reads_content_from_an_npm_format_cache() {
    let tmp = tempdir();
    let dir = tmp.path();
    for algo in ALGORITHMS {
        let data = format!("npm content {algo}");
        let sri = capcache::write_with_algo_sync(algo, dir, "k", data.as_bytes()).unwrap();
        assert!(cacache::exists_sync(dir, &sri));
        assert_eq!(cacache::read_hash_sync(dir, &sri).unwrap(), data.as_bytes());
    }
    assert_eq!(
        Cache::open(dir).unwrap().index_format().unwrap(),
        IndexFormat::Npm
    );
    // npm buckets are named by sha256, which cacache-rs does not look at.
    assert!(cacache::metadata_sync(dir, "k").unwrap().is_none());
}

/// cacache's removals and clears are seen by capcache.
#[test]
fn capcache_sees_cacache_removals() {
    let tmp = tempdir();
    let dir = tmp.path();
    let sri = cacache::write_sync(dir, "k", b"v").unwrap();
    cacache::write_sync(dir, "other", b"o").unwrap();
    let cache = Cache::open(dir).unwrap();
    assert_eq!(cache.read_sync("k").unwrap(), b"v");

    cacache::remove_sync(dir, "k").unwrap();
    assert!(matches!(
        cache.read_sync("k"),
        Err(Error::EntryNotFound { .. })
    ));
    assert_eq!(cache.metadata_sync("k").unwrap(), None);
    assert!(cache.exists_sync(&sri), "cacache's remove keeps content");

    cacache::remove_hash_sync(dir, &sri).unwrap();
    assert!(!cache.exists_sync(&sri));

    // Windows does not let another program remove directories a live
    // handle holds open (see the README): there the handle is dropped for
    // the clear and opened again.
    #[cfg(windows)]
    drop(cache);
    cacache::clear_sync(dir).unwrap();
    #[cfg(windows)]
    let cache = capcache::CacheOptions::new()
        .format(capcache::IndexFormat::CacacheRs)
        .open(dir)
        .unwrap();
    assert!(sorted_ok(cache.list_sync().collect()).is_empty());
    // The handle writes again after the directories were removed under it.
    cache.write_sync("after", b"clear").unwrap();
    assert_eq!(cache.read_sync("after").unwrap(), b"clear");
    assert_eq!(cacache::read_sync(dir, "after").unwrap(), b"clear");
}

/// An integrity with several hashes names content by its strongest hash,
/// in both implementations.
#[test]
fn content_is_named_by_the_strongest_hash() {
    let tmp = tempdir();
    let dir = tmp.path();
    let sha256 = cacache::write_hash_sync_with_algo(Algorithm::Sha256, dir, b"multi").unwrap();
    let sha512 = capcache::write_hash_sync(dir, b"multi").unwrap();
    let both: Integrity = format!("{sha256} {sha512}").parse().unwrap();
    // Only the sha512 file is consulted: removing the sha256 one is harmless.
    capcache::remove_hash_sync(dir, &sha256).unwrap();
    assert_eq!(capcache::read_hash_sync(dir, &both).unwrap(), b"multi");
    assert_eq!(cacache::read_hash_sync(dir, &both).unwrap(), b"multi");
}

/// cacache-rs's `clear_sync` removes every entry of the cache root and
/// fails on a plain file there: whatever capcache keeps at the root must
/// not make a cache it wrote to impossible for cacache to clear.
#[test]
fn cacache_can_clear_a_cache_capcache_wrote_to() {
    let tmp = tempdir();
    let dir = tmp.path();
    cacache::write_sync(dir, "seed", b"x").unwrap();
    let cache = Cache::open(dir).unwrap();
    cache.write_sync("k", b"v").unwrap();
    cache.compact_sync("k").unwrap();
    // Windows keeps directories a live handle holds open (see the README).
    drop(cache);
    cacache::clear_sync(dir).expect("cacache clears the cache");
    assert!(matches!(
        cacache::read_sync(dir, "seed"),
        Err(cacache::Error::EntryNotFound(..))
    ));
    assert!(matches!(
        capcache::read_sync(dir, "k"),
        Err(Error::EntryNotFound { .. })
    ));
}
