//! The on-disk format, byte for byte: content and bucket paths, the index
//! line, both index formats and how a cache's format is detected.

use std::fs;
use std::path::Path;

use crate::common::*;
use capcache::{Algorithm, Cache, CacheOptions, IndexFormat, Integrity, Value, WriteOpts};
use serde_json::json;

/// Checks the single bucket line `key` got from writing `data` at `before..=after`.
fn assert_one_line_entry(
    root: &Path,
    format: IndexFormat,
    key: &str,
    data: &[u8],
    sri: &Integrity,
    (before, after): (u128, u128),
) {
    let bucket = bucket_path(root, format, key);
    assert!(bucket.is_file(), "{format:?} bucket at {bucket:?}");
    assert_eq!(index_files(root).len(), 1, "one bucket file");

    let text = fs::read_to_string(&bucket).unwrap();
    let (hash, json) = text
        .strip_prefix('\n')
        .expect("a line starts with a newline")
        .split_once('\t')
        .expect("hash, tab, json");
    assert!(!json.contains('\n'), "exactly one line");
    assert_eq!(hash, line_hash(format, json), "{format:?} line hash");
    assert_eq!(text, index_line(format, json));

    let entry: Value = serde_json::from_str(json).unwrap();
    assert_eq!(entry["key"], key);
    assert_eq!(entry["integrity"], sri.to_string());
    assert_eq!(entry["size"], data.len());
    assert_eq!(entry["metadata"], Value::Null);
    let time = entry["time"].as_u64().expect("time is a number") as u128;
    assert!((before..=after).contains(&time), "time {time}");
    for field in ["key", "integrity", "time", "size", "metadata"] {
        assert!(entry.get(field).is_some(), "{field} is written");
    }
}

/// npm's cacache layout: content under the sha512 hex, bucket under the
/// sha256 of the key, line guarded by the sha1 of its JSON.
#[test]
fn npm_format_paths_and_line() {
    for &api in Api::ALL {
        let (_tmp, cache) = new_cache();
        let before = now_ms();
        let sri = api.write(&cache, "key", b"data").unwrap();
        let after = now_ms();
        let root = root(&cache);

        let hex = sha512_hex(b"data");
        let content = root.join("content-v2/sha512").join(sharded(&hex));
        assert_eq!(fs::read(&content).unwrap(), b"data", "{api:?}");
        assert_eq!(content_files(root).len(), 1);
        assert_eq!(sri.to_hex(), (Algorithm::Sha512, hex));

        let bucket = root.join("index-v5").join(sharded(&sha256_hex(b"key")));
        assert_eq!(bucket, bucket_path(root, IndexFormat::Npm, "key"));
        assert_one_line_entry(
            root,
            IndexFormat::Npm,
            "key",
            b"data",
            &sri,
            (before, after),
        );
        assert!(tmp_files(root).is_empty(), "{api:?}: no temp files left");
    }
}

/// cacache-rs's variant: the same content path, bucket under the sha1 of
/// the key, line guarded by the sha256 of its JSON.
#[test]
fn cacache_rs_format_paths_and_line() {
    // A forced format lives in the handle: a path opened anew is detected.
    for &api in Api::HANDLES {
        let tmp = tempdir();
        let cache = CacheOptions::new()
            .format(IndexFormat::CacacheRs)
            .open(tmp.path().join("cache"))
            .unwrap();
        let before = now_ms();
        let sri = api.write(&cache, "key", b"data").unwrap();
        let after = now_ms();
        let root = root(&cache);

        let content = root
            .join("content-v2/sha512")
            .join(sharded(&sha512_hex(b"data")));
        assert_eq!(fs::read(&content).unwrap(), b"data", "{api:?}");

        let bucket = root.join("index-v5").join(sharded(&sha1_hex(b"key")));
        assert_eq!(bucket, bucket_path(root, IndexFormat::CacacheRs, "key"));
        assert_one_line_entry(
            root,
            IndexFormat::CacacheRs,
            "key",
            b"data",
            &sri,
            (before, after),
        );
        assert_eq!(api.read(&cache, "key").unwrap(), b"data");
    }
}

#[test]
fn both_formats_store_content_identically() {
    let tmp = tempdir();
    let npm = Cache::open(tmp.path().join("npm")).unwrap();
    let rs = CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(tmp.path().join("rs"))
        .unwrap();
    for algo in ALGORITHMS {
        let a = npm.write_with_algo_sync(algo, "k", b"same").unwrap();
        let b = rs.write_with_algo_sync(algo, "k", b"same").unwrap();
        assert_eq!(a, b);
    }
    assert_eq!(content_files(root(&npm)), content_files(root(&rs)));
    assert_eq!(content_files(root(&npm)).len(), ALGORITHMS.len());
    for file in content_files(root(&npm)) {
        let algo = file.iter().next().unwrap().to_str().unwrap().to_owned();
        assert!(
            ["sha1", "sha256", "sha384", "sha512", "xxh3"].contains(&algo.as_str()),
            "{file:?}"
        );
    }
}

#[test]
fn tombstone_and_metadata_are_written_as_npm_expects() {
    let (_tmp, cache) = new_cache();
    let opts = WriteOpts::new()
        .metadata(json!({"etag": "x"}))
        .raw_metadata(vec![1, 2, 255])
        .time(77);
    cache.write_with_opts_sync("k", b"v", opts).unwrap();
    cache.remove_sync("k").unwrap();

    let lines = bucket_lines(&bucket_path(root(&cache), IndexFormat::Npm, "k"));
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(line.hash, sha1_hex(line.json.as_bytes()));
    }
    let entry = &lines[0].value;
    assert_eq!(entry["metadata"], json!({"etag": "x"}));
    assert_eq!(entry["raw_metadata"], json!([1, 2, 255]));
    assert_eq!(entry["time"], 77);
    let tomb = &lines[1].value;
    assert_eq!(tomb["key"], "k");
    assert_eq!(
        tomb["integrity"],
        Value::Null,
        "a deletion is integrity null"
    );
    assert!(tomb["time"].as_u64().unwrap() > 77);
}

/// Entries as npm's cacache writes them: `metadata` absent when there is
/// none, and older writers omit `size`.
#[test]
fn entries_without_optional_fields_are_read() {
    let (_tmp, cache) = new_cache();
    let sri = cache.write_hash_sync(b"from npm").unwrap();
    let minimal =
        json!({"key": "npm-key", "integrity": sri.to_string(), "time": 1_600_000_000_000u64});
    let bucket = bucket_path(root(&cache), IndexFormat::Npm, "npm-key");
    append(
        &bucket,
        index_line(IndexFormat::Npm, &minimal.to_string()).as_bytes(),
    );

    let meta = cache.metadata_sync("npm-key").unwrap().unwrap();
    assert_eq!(meta.integrity, sri);
    assert_eq!(meta.time, 1_600_000_000_000);
    assert_eq!(meta.size, 0);
    assert_eq!(meta.metadata, Value::Null);
    assert_eq!(meta.raw_metadata, None);
    assert_eq!(cache.read_sync("npm-key").unwrap(), b"from npm");
    assert_eq!(sorted_ok(cache.list_sync().collect()), [meta]);

    // npm records a deletion with `integrity: null`, without size.
    let tomb = json!({"key": "npm-key", "integrity": null, "time": 1_600_000_000_001u64});
    append(
        &bucket,
        index_line(IndexFormat::Npm, &tomb.to_string()).as_bytes(),
    );
    assert_eq!(cache.metadata_sync("npm-key").unwrap(), None);
}

/// A cache is detected as cacache-rs's from its bucket names and then read
/// and written in that format; an empty cache is npm's.
#[test]
fn format_is_detected_from_existing_buckets() {
    let tmp = tempdir();
    let rs_path = tmp.path().join("rs");
    let npm_path = tmp.path().join("npm");
    let empty_path = tmp.path().join("empty");

    CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(&rs_path)
        .unwrap()
        .write_sync("first", b"1")
        .unwrap();
    capcache::write_sync(&npm_path, "first", b"1").unwrap();

    let rs = Cache::open(&rs_path).unwrap();
    assert_eq!(rs.index_format().unwrap(), IndexFormat::CacacheRs);
    assert_eq!(rs.read_sync("first").unwrap(), b"1");
    rs.write_sync("second", b"2").unwrap();
    assert!(bucket_path(&rs_path, IndexFormat::CacacheRs, "second").is_file());
    assert!(!bucket_path(&rs_path, IndexFormat::Npm, "second").exists());
    // The free functions, which open the path on every call, agree.
    capcache::write_sync(&rs_path, "third", b"3").unwrap();
    assert!(bucket_path(&rs_path, IndexFormat::CacacheRs, "third").is_file());
    assert_eq!(capcache::read_sync(&rs_path, "second").unwrap(), b"2");
    assert_eq!(sorted_ok(capcache::list_sync(&rs_path).collect()).len(), 3);

    let npm = Cache::open(&npm_path).unwrap();
    assert_eq!(npm.index_format().unwrap(), IndexFormat::Npm);
    assert_eq!(npm.read_sync("first").unwrap(), b"1");

    let empty = Cache::open(&empty_path).unwrap();
    assert_eq!(empty.index_format().unwrap(), IndexFormat::Npm);
    empty.write_sync("k", b"v").unwrap();
    assert!(bucket_path(&empty_path, IndexFormat::Npm, "k").is_file());
}

/// Detection looks past the empty shard directories that removed and
/// compacted keys leave behind.
#[test]
fn detection_looks_past_empty_shards() {
    let tmp = tempdir();
    let path = tmp.path().join("rs");
    let rs = CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(&path)
        .unwrap();
    for i in 0..32 {
        let key = format!("gone-{i}");
        rs.write_sync(&key, b"v").unwrap();
        rs.remove_sync(&key).unwrap();
        rs.compact_sync(&key).unwrap();
    }
    rs.write_sync("kept", b"v").unwrap();
    assert_eq!(index_files(&path).len(), 1, "only the kept key's bucket");

    let reopened = Cache::open(&path).unwrap();
    assert_eq!(reopened.index_format().unwrap(), IndexFormat::CacacheRs);
    assert_eq!(reopened.read_sync("kept").unwrap(), b"v");
}

/// Detection ignores stray files and directories that are not buckets.
#[test]
fn detection_ignores_stray_entries() {
    let tmp = tempdir();
    let path = tmp.path().join("rs");
    CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(&path)
        .unwrap()
        .write_sync("kept", b"v")
        .unwrap();
    let index = path.join("index-v5");
    fs::write(index.join(".DS_Store"), b"junk").unwrap();
    fs::write(index.join("ab"), b"a file with a shard's name").unwrap();
    fs::create_dir_all(index.join("zz")).unwrap();
    fs::create_dir_all(index.join("00").join("00")).unwrap();

    let reopened = Cache::open(&path).unwrap();
    assert_eq!(reopened.index_format().unwrap(), IndexFormat::CacacheRs);
    assert_eq!(reopened.read_sync("kept").unwrap(), b"v");
}

/// An explicit format wins over what is on disk.
#[test]
fn an_explicit_format_overrides_detection() {
    let tmp = tempdir();
    let path = tmp.path().join("rs");
    CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(&path)
        .unwrap()
        .write_sync("k", b"rs")
        .unwrap();
    let npm = CacheOptions::new()
        .format(IndexFormat::Npm)
        .open(&path)
        .unwrap();
    assert_eq!(npm.index_format().unwrap(), IndexFormat::Npm);
    // The cacache-rs bucket is not npm's, so the key is not found that way.
    assert_eq!(npm.metadata_sync("k").unwrap(), None);
    npm.write_sync("k", b"npm").unwrap();
    assert!(bucket_path(&path, IndexFormat::Npm, "k").is_file());
    assert_eq!(npm.read_sync("k").unwrap(), b"npm");
    assert_eq!(
        CacheOptions::new()
            .format(IndexFormat::CacacheRs)
            .open(&path)
            .unwrap()
            .read_sync("k")
            .unwrap(),
        b"rs"
    );
}

/// Compaction rewrites lines in the cache's own format.
#[test]
fn compaction_keeps_the_format() {
    for format in [IndexFormat::Npm, IndexFormat::CacacheRs] {
        let tmp = tempdir();
        let cache = CacheOptions::new()
            .format(format)
            .open(tmp.path().join("c"))
            .unwrap();
        for i in 0..3u8 {
            cache.write_sync("k", [i]).unwrap();
        }
        assert_eq!(cache.compact_sync("k").unwrap(), 2);
        let lines = bucket_lines(&bucket_path(root(&cache), format, "k"));
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].hash,
            line_hash(format, &lines[0].json),
            "{format:?}"
        );
        assert_eq!(cache.read_sync("k").unwrap(), [2]);
    }
}
