//! Every store operation through every API: blocking and async, by path and
//! by `Cache` handle, plus the `index` module.

use crate::common::*;
use capcache::{Algorithm, Cache, CacheOptions, Error, IndexFormat, Integrity, Value, WriteOpts};
use serde_json::json;

api_tests!(
    a_large_listing_yields_every_entry_once,
    write_then_read_everything,
    write_hash_stores_content_without_an_entry,
    write_with_algo_stores_under_each_algorithm,
    write_hash_with_algo_stores_under_each_algorithm,
    write_with_opts_round_trips_metadata_raw_metadata_and_time,
    write_with_opts_accepts_matching_expectations,
    write_with_opts_size_mismatch_stores_nothing,
    write_with_opts_integrity_mismatch_stores_nothing,
    identical_data_under_two_keys_is_stored_once,
    rewriting_a_key_last_write_wins,
    remove_appends_a_tombstone_and_keeps_content,
    removing_one_key_keeps_content_another_key_uses,
    remove_hash_deletes_content_only,
    clear_empties_the_cache_and_the_handle_still_writes,
    list_yields_the_latest_live_entry_of_each_key,
    index_insert_find_delete,
    index_insert_needs_an_integrity,
    compact_keeps_the_latest_line_and_other_keys,
    compact_of_a_removed_key_deletes_its_bucket,
    missing_things_are_not_found,
    values_of_every_size_read_back_whole,
    content_that_grew_is_refused_whatever_its_size,
);

fn write_then_read_everything(api: Api) {
    let (_tmp, cache) = new_cache();
    let before = now_ms();
    let sri = api.write(&cache, "key", b"hello").unwrap();
    let after = now_ms();

    assert_eq!(sri.pick_algorithm(), Algorithm::Sha512);
    assert_eq!(sri.to_hex().1, sha512_hex(b"hello"));
    assert_eq!(api.read(&cache, "key").unwrap(), b"hello");
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), b"hello");
    assert!(api.exists(&cache, &sri).unwrap());

    let meta = api.metadata(&cache, "key").unwrap().expect("entry written");
    assert_eq!(meta.key, "key");
    assert_eq!(meta.integrity, sri);
    assert_eq!(meta.size, 5);
    assert_eq!(meta.metadata, Value::Null);
    assert_eq!(meta.raw_metadata, None);
    assert!(
        (before..=after).contains(&meta.time),
        "time {} not in {before}..={after}",
        meta.time
    );
    assert_eq!(api.find(&cache, "key").unwrap().as_ref(), Some(&meta));
    assert_eq!(sorted_ok(api.list(&cache)), std::slice::from_ref(&meta));
    assert_eq!(sorted_ok(api.ls(&cache)), [meta]);
}

fn write_hash_stores_content_without_an_entry(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write_hash(&cache, b"anonymous").unwrap();
    assert_eq!(sri.pick_algorithm(), Algorithm::Sha512);
    assert_eq!(sri.to_hex().1, sha512_hex(b"anonymous"));
    assert!(api.exists(&cache, &sri).unwrap());
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), b"anonymous");
    assert!(content_path(root(&cache), &sri).is_file());
    assert!(sorted_ok(api.list(&cache)).is_empty());
    assert!(index_files(root(&cache)).is_empty());
}

/// Hex digest of `data` under `algo`, computed without capcache or ssri
/// where a reference crate is at hand.
fn independent_hex(algo: Algorithm, data: &[u8]) -> Option<String> {
    match algo {
        Algorithm::Sha1 => Some(sha1_hex(data)),
        Algorithm::Sha256 => Some(sha256_hex(data)),
        Algorithm::Sha384 => Some(sha384_hex(data)),
        Algorithm::Sha512 => Some(sha512_hex(data)),
        _ => None,
    }
}

fn write_with_algo_stores_under_each_algorithm(api: Api) {
    let (_tmp, cache) = new_cache();
    for algo in ALGORITHMS {
        let key = format!("key-{algo}");
        let data = format!("data for {algo}");
        let sri = api
            .write_with_algo(&cache, algo, &key, data.as_bytes())
            .unwrap();
        assert_eq!(sri.pick_algorithm(), algo);
        if let Some(hex) = independent_hex(algo, data.as_bytes()) {
            assert_eq!(sri.to_hex().1, hex, "{algo}");
        }
        let file = content_path(root(&cache), &sri);
        assert!(file.starts_with(root(&cache).join("content-v2").join(algo.to_string())));
        assert_eq!(std::fs::read(&file).unwrap(), data.as_bytes(), "{algo}");
        assert_eq!(api.read(&cache, &key).unwrap(), data.as_bytes(), "{algo}");
        assert_eq!(api.read_hash(&cache, &sri).unwrap(), data.as_bytes());
        assert_eq!(api.metadata(&cache, &key).unwrap().unwrap().integrity, sri);
    }
    assert_eq!(sorted_ok(api.list(&cache)).len(), ALGORITHMS.len());
}

fn write_hash_with_algo_stores_under_each_algorithm(api: Api) {
    let (_tmp, cache) = new_cache();
    for algo in ALGORITHMS {
        let data = format!("content for {algo}");
        let sri = api
            .write_hash_with_algo(&cache, algo, data.as_bytes())
            .unwrap();
        assert_eq!(sri.pick_algorithm(), algo);
        if let Some(hex) = independent_hex(algo, data.as_bytes()) {
            assert_eq!(sri.to_hex().1, hex, "{algo}");
        }
        assert!(api.exists(&cache, &sri).unwrap());
        assert_eq!(api.read_hash(&cache, &sri).unwrap(), data.as_bytes());
    }
    assert_eq!(content_files(root(&cache)).len(), ALGORITHMS.len());
    assert!(sorted_ok(api.list(&cache)).is_empty());
}

fn write_with_opts_round_trips_metadata_raw_metadata_and_time(api: Api) {
    let (_tmp, cache) = new_cache();
    let user = json!({ "etag": "abc", "n": [1, 2.5, null], "nested": { "ok": true } });
    let raw = vec![0u8, 1, 0x7f, 0x80, 0xff];
    let opts = WriteOpts::new()
        .metadata(user.clone())
        .raw_metadata(raw.clone())
        .time(1_234_567_890_123);
    let sri = api.write_with_opts(&cache, "k", b"value", opts).unwrap();

    let meta = api.metadata(&cache, "k").unwrap().unwrap();
    assert_eq!(meta.metadata, user);
    assert_eq!(meta.raw_metadata.as_deref(), Some(&raw[..]));
    assert_eq!(meta.time, 1_234_567_890_123);
    assert_eq!(meta.integrity, sri);
    assert_eq!(meta.size, 5);
    assert_eq!(api.find(&cache, "k").unwrap().as_ref(), Some(&meta));
    assert_eq!(sorted_ok(api.list(&cache)), [meta]);
    assert_eq!(api.read(&cache, "k").unwrap(), b"value");
}

fn write_with_opts_accepts_matching_expectations(api: Api) {
    let (_tmp, cache) = new_cache();
    // `Integrity::from` hashes with sha256; the write must use that algorithm
    // to be able to compare, whatever `algorithm` says.
    let expected = Integrity::from(b"hello");
    let opts = WriteOpts::new()
        .algorithm(Algorithm::Sha1)
        .integrity(expected.clone())
        .size(5);
    let sri = api.write_with_opts(&cache, "k", b"hello", opts).unwrap();
    assert_eq!(sri, expected);
    assert!(content_path(root(&cache), &expected).is_file());
    assert_eq!(api.read(&cache, "k").unwrap(), b"hello");

    let sri = api
        .write_with_opts(
            &cache,
            "sized",
            b"abc",
            WriteOpts::new().algorithm(Algorithm::Sha384).size(3),
        )
        .unwrap();
    assert_eq!(sri.pick_algorithm(), Algorithm::Sha384);
    assert_eq!(api.metadata(&cache, "sized").unwrap().unwrap().size, 3);
}

fn write_with_opts_size_mismatch_stores_nothing(api: Api) {
    let (_tmp, cache) = new_cache();
    let err = api
        .write_with_opts(&cache, "k", b"hello", WriteOpts::new().size(4))
        .unwrap_err();
    match err {
        Error::SizeMismatch {
            expected, found, ..
        } => assert_eq!((expected, found), (4, 5)),
        other => panic!("expected SizeMismatch, got {other:?}"),
    }
    assert_eq!(api.metadata(&cache, "k").unwrap(), None);
    assert!(content_files(root(&cache)).is_empty());
    assert!(index_files(root(&cache)).is_empty());
    assert!(tmp_files(root(&cache)).is_empty(), "temp file left behind");

    // A failed rewrite leaves the existing entry alone.
    let old = api.write(&cache, "k", b"old").unwrap();
    let err = api
        .write_with_opts(&cache, "k", b"new value", WriteOpts::new().size(1))
        .unwrap_err();
    assert!(matches!(err, Error::SizeMismatch { .. }), "{err:?}");
    assert_eq!(api.read(&cache, "k").unwrap(), b"old");
    assert_eq!(content_files(root(&cache)).len(), 1);
    assert_eq!(api.metadata(&cache, "k").unwrap().unwrap().integrity, old);
}

fn write_with_opts_integrity_mismatch_stores_nothing(api: Api) {
    let (_tmp, cache) = new_cache();
    let expected = Integrity::from(b"something else");
    let err = api
        .write_with_opts(
            &cache,
            "k",
            b"hello",
            WriteOpts::new().integrity(expected.clone()),
        )
        .unwrap_err();
    match &err {
        Error::IntegrityMismatch {
            expected: e, found, ..
        } => {
            assert_eq!(e, &expected);
            assert_eq!(found, &Integrity::from(b"hello"));
        }
        other => panic!("expected IntegrityMismatch, got {other:?}"),
    }
    assert_eq!(api.metadata(&cache, "k").unwrap(), None);
    assert!(!api.exists(&cache, &Integrity::from(b"hello")).unwrap());
    assert!(content_files(root(&cache)).is_empty());
    assert!(index_files(root(&cache)).is_empty());
    assert!(tmp_files(root(&cache)).is_empty(), "temp file left behind");
}

fn identical_data_under_two_keys_is_stored_once(api: Api) {
    let (_tmp, cache) = new_cache();
    let a = api.write(&cache, "a", b"shared bytes").unwrap();
    let b = api.write(&cache, "b", b"shared bytes").unwrap();
    assert_eq!(a, b);
    assert_eq!(
        content_files(root(&cache)),
        [content_path(root(&cache), &a)
            .strip_prefix(root(&cache).join("content-v2"))
            .unwrap()
            .to_owned()]
    );
    assert_eq!(api.read(&cache, "a").unwrap(), b"shared bytes");
    assert_eq!(api.read(&cache, "b").unwrap(), b"shared bytes");
}

fn rewriting_a_key_last_write_wins(api: Api) {
    let (_tmp, cache) = new_cache();
    api.write(&cache, "k", b"first").unwrap();
    api.write(&cache, "k", b"second, longer").unwrap();
    let last = api.write(&cache, "k", b"3").unwrap();
    assert_eq!(api.read(&cache, "k").unwrap(), b"3");
    let meta = api.metadata(&cache, "k").unwrap().unwrap();
    assert_eq!((meta.integrity, meta.size), (last.clone(), 1));
    let listed = sorted_ok(api.list(&cache));
    assert_eq!(listed.len(), 1, "one entry per key: {listed:?}");
    assert_eq!(listed[0].integrity, last);
}

fn remove_appends_a_tombstone_and_keeps_content(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write(&cache, "k", b"v").unwrap();
    api.remove(&cache, "k").unwrap();

    assert_eq!(api.metadata(&cache, "k").unwrap(), None);
    match api.read(&cache, "k") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "k"),
        other => panic!("expected EntryNotFound, got {other:?}"),
    }
    assert!(sorted_ok(api.list(&cache)).is_empty());
    assert!(api.exists(&cache, &sri).unwrap(), "content is kept");
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), b"v");

    let lines = bucket_lines(&bucket_path(root(&cache), IndexFormat::Npm, "k"));
    assert_eq!(lines.len(), 2, "the write and the tombstone: {lines:?}");
    assert_eq!(lines[1].value["key"], "k");
    assert_eq!(lines[1].value["integrity"], Value::Null);

    // Removing a missing key is fine; writing again revives the key.
    api.remove(&cache, "never-written").unwrap();
    api.write(&cache, "k", b"again").unwrap();
    assert_eq!(api.read(&cache, "k").unwrap(), b"again");
}

fn removing_one_key_keeps_content_another_key_uses(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write(&cache, "a", b"same").unwrap();
    api.write(&cache, "b", b"same").unwrap();
    api.remove(&cache, "a").unwrap();
    api.delete(&cache, "a").unwrap();
    assert_eq!(api.read(&cache, "b").unwrap(), b"same");
    assert!(api.exists(&cache, &sri).unwrap());
    assert_eq!(content_files(root(&cache)).len(), 1);
}

fn remove_hash_deletes_content_only(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write(&cache, "k", b"v").unwrap();
    api.remove_hash(&cache, &sri).unwrap();

    assert!(!api.exists(&cache, &sri).unwrap());
    assert!(content_files(root(&cache)).is_empty());
    match api.read(&cache, "k") {
        Err(Error::ContentNotFound { integrity }) => assert_eq!(integrity, sri),
        other => panic!("expected ContentNotFound, got {other:?}"),
    }
    assert!(matches!(
        api.read_hash(&cache, &sri),
        Err(Error::ContentNotFound { .. })
    ));
    // The index is untouched, and a second removal is not an error.
    assert_eq!(api.metadata(&cache, "k").unwrap().unwrap().integrity, sri);
    api.remove_hash(&cache, &sri).unwrap();
}

fn clear_empties_the_cache_and_the_handle_still_writes(api: Api) {
    let (_tmp, cache) = new_cache();
    let a = api.write(&cache, "a", b"1").unwrap();
    api.write_with_algo(&cache, Algorithm::Sha1, "b", b"2")
        .unwrap();
    let h = api.write_hash(&cache, b"3").unwrap();
    api.clear(&cache).unwrap();

    let listed = api.list(&cache);
    assert!(listed.is_empty(), "listed after clear: {listed:?}");
    assert_eq!(api.metadata(&cache, "a").unwrap(), None);
    assert!(matches!(
        api.read(&cache, "a"),
        Err(Error::EntryNotFound { .. })
    ));
    assert!(!api.exists(&cache, &a).unwrap());
    assert!(!api.exists(&cache, &h).unwrap());
    assert!(content_files(root(&cache)).is_empty());
    assert!(index_files(root(&cache)).is_empty());

    // The same handle (and the same path) still works afterwards.
    let a2 = api.write(&cache, "a", b"after clear").unwrap();
    assert_eq!(api.read(&cache, "a").unwrap(), b"after clear");
    assert_eq!(cache.read_sync("a").unwrap(), b"after clear");
    assert_eq!(api.read_hash(&cache, &a2).unwrap(), b"after clear");
    api.clear(&cache).unwrap();
    api.clear(&cache).unwrap();
    assert!(sorted_ok(api.list(&cache)).is_empty());
}

fn list_yields_the_latest_live_entry_of_each_key(api: Api) {
    let (_tmp, cache) = new_cache();
    api.write(&cache, "a", b"1").unwrap();
    api.write(&cache, "b", b"old").unwrap();
    let b = api.write(&cache, "b", b"new").unwrap();
    api.write(&cache, "c", b"3").unwrap();
    api.remove(&cache, "c").unwrap();
    api.write_hash(&cache, b"no key").unwrap();

    let listed = sorted_ok(api.list(&cache));
    let keys: Vec<&str> = listed.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(listed[1].integrity, b);
    assert_eq!(sorted_ok(api.ls(&cache)), listed);
}

/// A cache big enough that listings walk its shards on several threads:
/// every entry exactly once, the same through every API, and an iterator
/// dropped early (its walkers still busy) neither hangs nor disturbs the
/// next listing.
fn a_large_listing_yields_every_entry_once(api: Api) {
    let (_tmp, cache) = new_cache();
    let keys: Vec<String> = (0..600).map(|i| format!("key-{i}")).collect();
    for key in &keys {
        cache.write_sync(key, key.as_bytes()).unwrap();
    }
    let mut expected = keys.clone();
    expected.sort();
    let listed = sorted_ok(api.list(&cache));
    let listed: Vec<&str> = listed.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(listed, expected);

    let first: Vec<_> = cache.list_sync().take(3).collect();
    assert_eq!(first.len(), 3);
    drop(first);
    assert_eq!(
        capcache::list_sync(&cache).filter(|e| e.is_ok()).count(),
        600
    );
}

fn index_insert_find_delete(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write_hash(&cache, b"indexed").unwrap();
    let opts = WriteOpts::new()
        .integrity(sri.clone())
        .size(7)
        .time(42)
        .metadata(json!({"m": 1}))
        .raw_metadata(b"raw".to_vec());
    assert_eq!(api.insert(&cache, "k", opts).unwrap(), sri);

    let found = api.find(&cache, "k").unwrap().expect("inserted");
    assert_eq!(found.key, "k");
    assert_eq!(found.integrity, sri);
    assert_eq!((found.size, found.time), (7, 42));
    assert_eq!(found.metadata, json!({"m": 1}));
    assert_eq!(found.raw_metadata.as_deref(), Some(&b"raw"[..]));
    assert_eq!(api.metadata(&cache, "k").unwrap().as_ref(), Some(&found));
    assert_eq!(api.read(&cache, "k").unwrap(), b"indexed");

    api.delete(&cache, "k").unwrap();
    assert_eq!(api.find(&cache, "k").unwrap(), None);
    assert!(matches!(
        api.read(&cache, "k"),
        Err(Error::EntryNotFound { .. })
    ));
    assert!(api.exists(&cache, &sri).unwrap());

    // An entry may point at content that is not there (yet).
    let absent = Integrity::from(b"not stored");
    api.insert(
        &cache,
        "dangling",
        WriteOpts::new().integrity(absent.clone()),
    )
    .unwrap();
    assert_eq!(
        api.find(&cache, "dangling").unwrap().unwrap().integrity,
        absent
    );
    assert!(matches!(
        api.read(&cache, "dangling"),
        Err(Error::ContentNotFound { .. })
    ));
}

fn index_insert_needs_an_integrity(api: Api) {
    let (_tmp, cache) = new_cache();
    let err = api
        .insert(&cache, "k", WriteOpts::new().size(3))
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingIntegrity { key } if key == "k"),
        "{err:?}"
    );
    assert_eq!(api.find(&cache, "k").unwrap(), None);
    assert!(index_files(root(&cache)).is_empty());
}

fn compact_keeps_the_latest_line_and_other_keys(api: Api) {
    let (_tmp, cache) = new_cache();
    let mut last = None;
    for i in 0..5u8 {
        last = Some(api.write(&cache, "k", &[i]).unwrap());
    }
    let last = last.unwrap();
    // Keys whose hashes collide share a bucket; forge that by appending
    // valid lines for other keys to k's bucket: one live, one removed.
    let bucket = bucket_path(root(&cache), IndexFormat::Npm, "k");
    let other_sri = api.write_hash(&cache, b"other").unwrap();
    let other = json!({"key": "other", "integrity": other_sri.to_string(),
                       "time": 1, "size": 5, "metadata": null})
    .to_string();
    let gone = json!({"key": "gone", "integrity": other_sri.to_string(),
                      "time": 2, "size": 5, "metadata": null})
    .to_string();
    let tomb = json!({"key": "gone", "integrity": null, "time": 3, "size": 0, "metadata": null})
        .to_string();
    for json in [&other, &gone, &tomb] {
        append(&bucket, index_line(IndexFormat::Npm, json).as_bytes());
    }
    assert_eq!(bucket_lines(&bucket).len(), 8);

    assert_eq!(api.compact(&cache, "k").unwrap(), 6);
    let lines = bucket_lines(&bucket);
    let keys: Vec<&str> = lines
        .iter()
        .map(|l| l.value["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["k", "other"]);
    assert_eq!(lines[0].value["integrity"], last.to_string());
    for line in &lines {
        assert_eq!(
            line.hash,
            sha1_hex(line.json.as_bytes()),
            "rewritten lines are valid"
        );
    }

    assert_eq!(api.read(&cache, "k").unwrap(), [4]);
    let keys: Vec<String> = sorted_ok(api.list(&cache))
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(keys, ["k", "other"]);
    // Already compact: nothing more to drop; a key with no bucket is fine.
    assert_eq!(api.compact(&cache, "k").unwrap(), 0);
    assert_eq!(api.compact(&cache, "no-such-key").unwrap(), 0);
    assert_eq!(api.read(&cache, "k").unwrap(), [4]);
}

fn compact_of_a_removed_key_deletes_its_bucket(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write(&cache, "k", b"v").unwrap();
    api.remove(&cache, "k").unwrap();
    assert_eq!(api.compact(&cache, "k").unwrap(), 2);
    assert!(!bucket_path(root(&cache), IndexFormat::Npm, "k").exists());
    assert!(matches!(
        api.read(&cache, "k"),
        Err(Error::EntryNotFound { .. })
    ));
    assert!(
        api.exists(&cache, &sri).unwrap(),
        "compaction leaves content"
    );
}

fn missing_things_are_not_found(api: Api) {
    let (_tmp, cache) = new_cache();
    let absent = Integrity::from(b"absent");
    // On an empty cache (no index or content directory yet) ...
    assert_eq!(api.metadata(&cache, "nope").unwrap(), None);
    assert_eq!(api.find(&cache, "nope").unwrap(), None);
    assert!(!api.exists(&cache, &absent).unwrap());
    assert!(sorted_ok(api.list(&cache)).is_empty());
    let err = api.read(&cache, "nope").unwrap_err();
    assert!(
        matches!(&err, Error::EntryNotFound { key } if key == "nope"),
        "{err:?}"
    );
    assert!(err.is_not_found());
    let err = api.read_hash(&cache, &absent).unwrap_err();
    assert!(matches!(&err, Error::ContentNotFound { integrity } if *integrity == absent));
    assert!(err.is_not_found());
    // ... and on a populated one.
    api.write(&cache, "other", b"x").unwrap();
    assert_eq!(api.metadata(&cache, "nope").unwrap(), None);
    assert!(!api.exists(&cache, &absent).unwrap());
    assert!(matches!(
        api.read(&cache, "nope"),
        Err(Error::EntryNotFound { .. })
    ));
    assert!(matches!(
        api.read_hash(&cache, &absent),
        Err(Error::ContentNotFound { .. })
    ));
}

#[test]
fn cacache_rs_spellings_are_the_same_functions() {
    let (_tmp, cache) = new_cache();
    let sri = capcache::write_sync_with_algo(Algorithm::Sha256, root(&cache), "k", b"v").unwrap();
    assert_eq!(sri.pick_algorithm(), Algorithm::Sha256);
    assert_eq!(capcache::read_sync(root(&cache), "k").unwrap(), b"v");
    let sri = capcache::write_hash_sync_with_algo(Algorithm::Sha1, &cache, b"h").unwrap();
    assert_eq!(sri.pick_algorithm(), Algorithm::Sha1);
    assert_eq!(capcache::read_hash_sync(&cache, &sri).unwrap(), b"h");
}

#[test]
fn free_functions_take_a_cache_by_value_or_reference() {
    let (_tmp, cache) = new_cache();
    capcache::write_sync(cache.clone(), "owned", b"1").unwrap();
    capcache::write_sync(&cache, "borrowed", b"2").unwrap();
    assert_eq!(
        capcache::read_sync(cache.clone(), "borrowed").unwrap(),
        b"2"
    );
    assert_eq!(capcache::read_sync(&cache, "owned").unwrap(), b"1");
    #[cfg(feature = "async")]
    block_on(async {
        capcache::write(cache.clone(), "async-owned", b"3")
            .await
            .unwrap();
        assert_eq!(capcache::read(&cache, "async-owned").await.unwrap(), b"3");
    });
}

#[test]
fn cache_accessors_report_path_and_format() {
    let tmp = tempdir();
    let path = tmp.path().join("nested").join("cache");
    let cache = Cache::open(&path).unwrap();
    assert!(path.is_dir(), "open creates missing parents");
    assert_eq!(cache.path(), Some(path.as_path()));
    assert_eq!(cache.index_format().unwrap(), IndexFormat::Npm);
    let forced = CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(tmp.path().join("other"))
        .unwrap();
    assert_eq!(forced.index_format().unwrap(), IndexFormat::CacacheRs);
    assert!(format!("{cache:?}").contains("Cache"));
}

#[test]
fn open_on_a_file_is_an_io_error_naming_the_path() {
    let tmp = tempdir();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Cache::open(&file).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(err.path(), Some(file.as_path()));
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

/// Another program clearing the cache the way npm does (`npm cache clean`
/// removes `content-v2` and `index-v5`; cacache-rs's `clear_sync` removes
/// every directory in the root) must not break a long-lived handle.
///
/// Not on Windows: there the directories a live `Cache` holds open cannot be
/// removed by another program at all (a sharing violation), so the scenario
/// does not arise; the README says so.
#[cfg(not(windows))]
#[test]
fn a_handle_survives_the_cache_being_cleared_under_it() {
    // With kept shard handles too: they then point into removed directories.
    let cases = Api::HANDLES
        .iter()
        .flat_map(|&api| [(api, new_cache()), (api, cache_keeping_dirs())]);
    for (api, (_tmp, cache)) in cases {
        api.write(&cache, "before", b"1").unwrap();
        for area in ["content-v2", "index-v5", "tmp"] {
            std::fs::remove_dir_all(root(&cache).join(area)).unwrap();
        }
        assert_eq!(api.metadata(&cache, "before").unwrap(), None, "{api:?}");
        let sri = api
            .write(&cache, "after", b"2")
            .unwrap_or_else(|e| panic!("{api:?}: write after an outside clear: {e}"));
        assert_eq!(api.read(&cache, "after").unwrap(), b"2");
        assert!(content_path(root(&cache), &sri).is_file(), "{api:?}");
        assert!(bucket_path(root(&cache), IndexFormat::Npm, "after").is_file());
    }
}

/// A cache that keeps shard directories open (the default on WASI only).
fn cache_keeping_dirs() -> (tempfile::TempDir, Cache) {
    let tmp = tempdir();
    let cache = CacheOptions::new()
        .keep_open_dirs(8)
        .open(tmp.path().join("cache"))
        .unwrap();
    (tmp, cache)
}

/// A handle may keep recently used shard directories open. When another
/// program removes them and a new value is written at the same place, the
/// handle must see the new directory, not the removed one it holds.
#[cfg(not(windows))]
#[test]
fn a_handle_sees_shard_directories_replaced_under_it() {
    for &api in Api::HANDLES {
        let (_tmp, cache) = cache_keeping_dirs();
        api.write(&cache, "k", b"old").unwrap();
        assert_eq!(api.read(&cache, "k").unwrap(), b"old");
        for area in ["content-v2", "index-v5"] {
            std::fs::remove_dir_all(root(&cache).join(area)).unwrap();
        }
        // Another program (a cache that keeps no handles) writes anew.
        let other = CacheOptions::new()
            .keep_open_dirs(0)
            .open(root(&cache))
            .unwrap();
        let sri = other.write_sync("k", b"new").unwrap();
        assert_eq!(api.read(&cache, "k").unwrap(), b"new", "{api:?}");
        assert!(api.exists(&cache, &sri).unwrap(), "{api:?}");
        // And this handle's own writes land in the new directories.
        api.write(&cache, "k", b"newer").unwrap();
        assert_eq!(other.read_sync("k").unwrap(), b"newer", "{api:?}");
    }
}

/// A key or content missing from a shard directory the handle keeps open
/// is simply missing: no error, and later writes there still work. Also
/// with more directories in use than kept (`k-0` … `k-19` over 8).
#[test]
fn misses_in_a_kept_shard_directory_are_not_found() {
    let base = "base";
    let prefix = &key_hash(IndexFormat::Npm, base)[..4];
    // A key whose bucket shares the directory of `base`'s (1 in 65,536).
    let neighbour = (0u32..)
        .map(|i| format!("neighbour-{i}"))
        .find(|k| key_hash(IndexFormat::Npm, k).starts_with(prefix))
        .unwrap();
    for &api in Api::HANDLES {
        let (_tmp, cache) = cache_keeping_dirs();
        let sri = api.write(&cache, base, b"v").unwrap();
        assert_eq!(api.metadata(&cache, &neighbour).unwrap(), None, "{api:?}");
        assert!(
            matches!(
                api.read(&cache, &neighbour),
                Err(Error::EntryNotFound { .. })
            ),
            "{api:?}"
        );
        // Content in the same shard directory as `sri`'s, never written.
        let (algo, hex) = sri.to_hex();
        let last = u8::from_str_radix(&hex[hex.len() - 2..], 16).unwrap() ^ 1;
        let absent =
            Integrity::from_hex(format!("{}{last:02x}", &hex[..hex.len() - 2]), algo).unwrap();
        assert!(!api.exists(&cache, &absent).unwrap(), "{api:?}");
        assert!(
            matches!(
                api.read_hash(&cache, &absent),
                Err(Error::ContentNotFound { .. })
            ),
            "{api:?}"
        );
        api.write(&cache, &neighbour, b"w").unwrap();
        assert_eq!(api.read(&cache, &neighbour).unwrap(), b"w");
        assert_eq!(api.read(&cache, base).unwrap(), b"v");
        let bucket = bucket_path(root(&cache), IndexFormat::Npm, &neighbour);
        assert_eq!(
            bucket.parent(),
            bucket_path(root(&cache), IndexFormat::Npm, base).parent()
        );
        for round in 0..2 {
            for i in 0..20 {
                let key = format!("k-{i}");
                if round == 0 {
                    api.write(&cache, &key, key.as_bytes()).unwrap();
                }
                assert_eq!(api.read(&cache, &key).unwrap(), key.as_bytes());
            }
        }
    }
}

/// The durable option fsyncs; every operation still behaves the same.
#[test]
fn durable_cache_works_like_any_other() {
    // Options live in the handle, so only the handle APIs are durable.
    for &api in Api::HANDLES {
        let tmp = tempdir();
        let cache = CacheOptions::new()
            .durable(true)
            .open(tmp.path().join("cache"))
            .unwrap();
        let sri = api.write(&cache, "k", b"durable").unwrap();
        api.write(&cache, "k", b"durable 2").unwrap();
        assert_eq!(api.read(&cache, "k").unwrap(), b"durable 2", "{api:?}");
        assert_eq!(api.read_hash(&cache, &sri).unwrap(), b"durable");
        assert_eq!(api.compact(&cache, "k").unwrap(), 1, "{api:?}");
        assert_eq!(api.read(&cache, "k").unwrap(), b"durable 2");
        api.remove(&cache, "k").unwrap();
        assert_eq!(api.metadata(&cache, "k").unwrap(), None);
        let lines = bucket_lines(&bucket_path(root(&cache), IndexFormat::Npm, "k"));
        assert_eq!(lines.len(), 2, "{api:?}");
        assert!(tmp_files(root(&cache)).is_empty(), "{api:?}");
    }
}

/// Reads by path from a directory that does not exist find nothing and
/// leave nothing behind (cacache-rs does not create it either); a bad
/// integrity is still reported as such. The first write creates it.
#[test]
fn reads_of_a_missing_cache_path_find_nothing_and_create_nothing() {
    let tmp = tempdir();
    let path = tmp.path().join("no").join("cache");
    let sri: Integrity = "sha512-deadbeef".parse().unwrap();
    let good = Integrity::from(b"v");
    let not_found = |e: Error| e.is_not_found();
    assert!(not_found(capcache::read_sync(&path, "k").unwrap_err()));
    assert!(not_found(
        capcache::read_hash_sync(&path, &good).unwrap_err()
    ));
    assert!(matches!(
        capcache::read_hash_sync(&path, &sri),
        Err(Error::InvalidIntegrity { .. })
    ));
    assert_eq!(capcache::metadata_sync(&path, "k").unwrap(), None);
    assert!(!capcache::try_exists_sync(&path, &good).unwrap());
    assert!(matches!(
        capcache::try_exists_sync(&path, &sri),
        Err(Error::InvalidIntegrity { .. })
    ));
    assert!(!capcache::exists_sync(&path, &sri));
    assert!(!capcache::exists_sync(&path, &good));
    assert!(not_found(
        capcache::SyncReader::open(&path, "k").unwrap_err()
    ));
    assert!(not_found(
        capcache::SyncReader::open_hash(&path, good.clone()).unwrap_err()
    ));
    let to = tmp.path().join("copy");
    assert!(not_found(capcache::copy_sync(&path, "k", &to).unwrap_err()));
    #[cfg(feature = "async")]
    block_on(async {
        assert!(not_found(capcache::read(&path, "k").await.unwrap_err()));
        assert_eq!(capcache::metadata(&path, "k").await.unwrap(), None);
        assert!(!capcache::try_exists(&path, &good).await.unwrap());
    });
    assert!(!tmp.path().join("no").exists(), "a read created the cache");
    assert!(!to.exists());

    capcache::write_sync(&path, "k", b"v").unwrap();
    assert_eq!(capcache::read_sync(&path, "k").unwrap(), b"v");
}

/// A key rewritten many times keeps a small bucket (cacache-rs#71: a bucket
/// of 280 MB), and the last value still wins.
#[test]
fn a_key_rewritten_many_times_keeps_a_small_bucket() {
    let (_tmp, cache) = new_cache();
    for i in 0..1000u32 {
        cache.write_sync("hot", i.to_le_bytes()).unwrap();
    }
    let bucket = bucket_path(root(&cache), IndexFormat::Npm, "hot");
    let len = std::fs::metadata(&bucket).unwrap().len();
    assert!(len < 64 * 1024, "bucket grew to {len} bytes");
    assert_eq!(cache.read_sync("hot").unwrap(), 999u32.to_le_bytes());
    assert_eq!(sorted_ok(cache.list_sync().collect()).len(), 1);
}

/// Only a write creates a cache: listing, removal, clearing, compaction and
/// maintenance of a path that does not exist find nothing, succeed, and
/// leave no directory behind.
#[test]
fn only_a_write_creates_the_cache_directory() {
    let tmp = tempdir();
    let path = tmp.path().join("absent");
    let sri = Integrity::from(b"v");
    assert_eq!(capcache::list_sync(&path).count(), 0);
    assert_eq!(capcache::index::ls(&path).count(), 0);
    assert_eq!(capcache::last_verified_sync(&path).unwrap(), None);
    capcache::clear_sync(&path).unwrap();
    capcache::remove_hash_sync(&path, &sri).unwrap();
    capcache::remove_sync(&path, "k").unwrap();
    capcache::RemoveOpts::new()
        .remove_fully(true)
        .remove_sync(&path, "k")
        .unwrap();
    capcache::index::delete(&path, "k").unwrap();
    assert_eq!(capcache::index::compact(&path, "k").unwrap(), 0);
    let stats = capcache::verify_sync(&path, capcache::VerifyOpts::new()).unwrap();
    assert_eq!(stats, capcache::VerifyStats::default());
    let stats = capcache::gc_sync(&path, capcache::GcOpts::new()).unwrap();
    assert_eq!(stats, capcache::GcStats::default());
    assert!(matches!(
        capcache::remove_sync(&path, ""),
        Err(Error::InvalidKey { .. })
    ));
    #[cfg(feature = "async")]
    block_on(async {
        use futures_lite::StreamExt;
        assert_eq!(capcache::list(&path).count().await, 0);
        capcache::clear(&path).await.unwrap();
        capcache::remove(&path, "k").await.unwrap();
        assert_eq!(capcache::last_verified(&path).await.unwrap(), None);
    });
    assert!(
        !path.exists(),
        "an operation other than a write created the cache"
    );
    capcache::write_sync(&path, "k", b"v").unwrap();
    assert!(path.exists());
}

/// `RemoveOpts` as in cacache-rs: by default a tombstone (content stays);
/// `remove_fully` takes the key's lines out of its bucket and its content
/// off the disk, unless another key still uses that content.
#[test]
fn remove_opts_remove_fully_removes_lines_and_unshared_content() {
    for api in Api::ALL {
        let (_tmp, cache) = new_cache();
        let dir = root(&cache).to_path_buf();
        let own = api.write(&cache, "own", b"mine alone").unwrap();
        let shared = api.write(&cache, "a", b"shared").unwrap();
        api.write(&cache, "b", b"shared").unwrap();

        capcache::RemoveOpts::new()
            .remove_sync(&dir, "own")
            .unwrap();
        assert_eq!(api.metadata(&cache, "own").unwrap(), None);
        assert!(
            api.exists(&cache, &own).unwrap(),
            "{api:?}: default keeps content"
        );
        api.write(&cache, "own", b"mine alone").unwrap();

        let fully = capcache::RemoveOpts::new().remove_fully(true);
        match api {
            #[cfg(feature = "async")]
            Api::AsyncPath | Api::AsyncHandle => {
                block_on(fully.remove(&cache, "own")).unwrap();
                block_on(fully.remove(&dir, "a")).unwrap();
            }
            _ => {
                fully.remove_sync(&cache, "own").unwrap();
                fully.remove_sync(&dir, "a").unwrap();
            }
        }
        let bucket = bucket_path(&dir, IndexFormat::Npm, "own");
        assert!(!bucket.exists(), "{api:?}: the emptied bucket stays");
        assert_eq!(api.metadata(&cache, "own").unwrap(), None);
        assert!(!api.exists(&cache, &own).unwrap(), "{api:?}: content stays");
        assert_eq!(api.metadata(&cache, "a").unwrap(), None);
        assert!(
            api.exists(&cache, &shared).unwrap(),
            "{api:?}: shared content went"
        );
        assert_eq!(api.read(&cache, "b").unwrap(), b"shared");

        fully.remove_sync(&cache, "b").unwrap();
        assert!(!api.exists(&cache, &shared).unwrap(), "{api:?}");
        assert!(content_files(&dir).is_empty(), "{api:?}");
    }
}

/// `exists` answers `false` where `try_exists` reports an error.
#[test]
fn exists_is_a_bool_and_try_exists_reports_errors() {
    let (_tmp, cache) = new_cache();
    let sri = cache.write_sync("k", b"v").unwrap();
    let odd: Integrity = "sha1-deadbeef".parse().unwrap();
    assert!(cache.exists_sync(&sri));
    assert!(capcache::exists_sync(root(&cache), &sri));
    assert!(!cache.exists_sync(&odd));
    assert!(matches!(
        cache.try_exists_sync(&odd),
        Err(Error::InvalidIntegrity { .. })
    ));
    #[cfg(feature = "async")]
    block_on(async {
        assert!(cache.exists(&sri).await);
        assert!(!capcache::exists(root(&cache), &odd).await);
        assert!(matches!(
            capcache::try_exists(root(&cache), &odd).await,
            Err(Error::InvalidIntegrity { .. })
        ));
    });
}

/// The index is a key -> metadata store of its own, as in cacache-rs's own
/// tests: an integrity ssri parses but no content file could be named by
/// (`sha1-deadbeef`) is stored and found; only reading its content fails.
#[test]
fn the_index_stores_any_integrity_ssri_parses() {
    let (_tmp, cache) = new_cache();
    let sri: Integrity = "sha1-deadbeef".parse().unwrap();
    let opts = WriteOpts::new().integrity(sri.clone()).time(1234567);
    assert_eq!(capcache::index::insert(&cache, "hello", opts).unwrap(), sri);
    let found = capcache::index::find(&cache, "hello").unwrap().unwrap();
    assert_eq!(found.integrity, sri);
    assert_eq!(found.time, 1234567);
    let listed: Vec<_> = capcache::index::ls(&cache)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(listed, [found]);
    assert!(matches!(
        cache.read_sync("hello"),
        Err(Error::BadIndex { key, .. }) if key == "hello"
    ));
    capcache::index::delete(&cache, "hello").unwrap();
    assert_eq!(capcache::index::find(&cache, "hello").unwrap(), None);
}

/// Sizes on either side of each buffer a read starts with: the index's
/// size trusted up to 64 KiB, a 4 KiB first guess when there is no size
/// (`read_hash`), and the 1 MiB of the mapped or pipelined reads.
const EDGE_SIZES: [usize; 11] = [
    0,
    1,
    4095,
    4096,
    4097,
    65_535,
    65_536,
    65_537,
    300_000,
    1 << 20,
    (1 << 20) + 3,
];

fn values_of_every_size_read_back_whole(api: Api) {
    let (_tmp, cache) = new_cache();
    for len in EDGE_SIZES {
        let data = pattern(len, len as u64);
        let key = format!("k{len}");
        let sri = api.write(&cache, &key, &data).unwrap();
        assert_eq!(api.read(&cache, &key).unwrap(), data, "{len}");
        assert_eq!(api.read_hash(&cache, &sri).unwrap(), data, "{len}");
    }
}

fn content_that_grew_is_refused_whatever_its_size(api: Api) {
    for len in EDGE_SIZES {
        let (_tmp, cache) = new_cache();
        let sri = api.write(&cache, "k", &pattern(len, 7)).unwrap();
        let file = only_content_file(root(&cache));
        append(&file, b"!");
        // With a size from the index, the length tells; without one
        // (`read_hash`), the digest does.
        match api.read(&cache, "k") {
            Err(Error::SizeMismatch { .. } | Error::IntegrityMismatch { .. }) => {}
            other => panic!("{len}: read gave {other:?}"),
        }
        match api.read_hash(&cache, &sri) {
            Err(Error::IntegrityMismatch { .. } | Error::SizeMismatch { .. }) => {}
            other => panic!("{len}: read_hash gave {other:?}"),
        }
    }
}
