//! Hostile and unusual input: bad keys, bad integrity strings, damaged
//! content, garbage in buckets. Every case is an error or a correct result,
//! never a panic and never wrong bytes.

use std::fs;

use crate::common::*;
use capcache::{Algorithm, Cache, Error, IndexFormat, Integrity, WriteOpts};
use serde_json::json;

api_tests!(
    empty_key_is_refused_and_nothing_is_written,
    a_64_kib_key_round_trips,
    keys_with_control_quote_and_path_characters_round_trip,
    an_empty_value_round_trips,
    invalid_integrity_strings_are_errors,
    content_overwritten_with_garbage_is_never_returned,
    truncated_content_is_never_returned,
    damaged_large_content_is_never_returned,
    rewriting_damaged_content_repairs_it,
    a_non_file_at_a_content_path_is_replaced_by_a_write,
    garbage_lines_in_a_bucket_are_skipped,
    a_malformed_integrity_in_the_index_is_bad_index,
    lines_missing_required_fields_are_skipped,
);

fn empty_key_is_refused_and_nothing_is_written(api: Api) {
    let (_tmp, cache) = new_cache();
    let is_invalid_key = |r: Result<(), Error>| match r {
        Err(Error::InvalidKey { key, .. }) => assert_eq!(key, ""),
        other => panic!("expected InvalidKey, got {other:?}"),
    };
    is_invalid_key(api.write(&cache, "", b"data").map(drop));
    is_invalid_key(
        api.write_with_algo(&cache, Algorithm::Sha256, "", b"data")
            .map(drop),
    );
    is_invalid_key(
        api.write_with_opts(&cache, "", b"data", WriteOpts::new())
            .map(drop),
    );
    let sri = Integrity::from(b"data");
    is_invalid_key(
        api.insert(&cache, "", WriteOpts::new().integrity(sri))
            .map(drop),
    );
    is_invalid_key(api.remove(&cache, ""));
    is_invalid_key(api.delete(&cache, ""));
    is_invalid_key(api.compact(&cache, "").map(drop));

    assert!(content_files(root(&cache)).is_empty(), "no content stored");
    assert!(index_files(root(&cache)).is_empty(), "no bucket written");
    assert!(tmp_files(root(&cache)).is_empty(), "no temp file left");
    assert!(sorted_ok(api.list(&cache)).is_empty());
    // Looking an empty key up is no error worth more than "not there".
    assert_eq!(api.metadata(&cache, "").unwrap(), None);
    let err = api.read(&cache, "").unwrap_err();
    assert!(
        matches!(err, Error::EntryNotFound { .. } | Error::InvalidKey { .. }),
        "{err:?}"
    );
}

fn a_64_kib_key_round_trips(api: Api) {
    let (_tmp, cache) = new_cache();
    let key: String = (0..64 * 1024)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let sri = api.write(&cache, &key, b"long key").unwrap();
    assert_eq!(api.read(&cache, &key).unwrap(), b"long key");
    let meta = api.metadata(&cache, &key).unwrap().unwrap();
    assert_eq!((meta.key.len(), meta.integrity), (key.len(), sri));
    let listed = sorted_ok(api.list(&cache));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, key);
    // A key differing in its last character is a different key.
    let mut near = key.clone();
    near.pop();
    near.push('!');
    assert_eq!(api.metadata(&cache, &near).unwrap(), None);
    api.remove(&cache, &key).unwrap();
    assert_eq!(api.metadata(&cache, &key).unwrap(), None);
}

fn keys_with_control_quote_and_path_characters_round_trip(api: Api) {
    let (tmp, cache) = new_cache();
    let keys = [
        "line\nbreak",
        "tab\there",
        "\r\n\t\u{0}",
        "quote\"and\\backslash",
        "../../../etc/passwd",
        "/absolute/path",
        "C:\\windows",
        "ünïcødé 🦀",
        " ",
    ];
    for (i, key) in keys.iter().enumerate() {
        api.write(&cache, key, &[i as u8]).unwrap();
    }
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(api.read(&cache, key).unwrap(), [i as u8], "{key:?}");
        assert_eq!(api.metadata(&cache, key).unwrap().unwrap().key, *key);
    }
    let mut listed: Vec<String> = sorted_ok(api.list(&cache))
        .into_iter()
        .map(|m| m.key)
        .collect();
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    // Nothing appeared next to the cache: keys name no paths.
    let outside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, ["cache"]);
    // Each key has a one-line bucket: a newline in a key cannot split a line.
    for key in keys {
        let lines = bucket_lines(&bucket_path(root(&cache), IndexFormat::Npm, key));
        assert_eq!(lines.len(), 1, "{key:?}");
        assert_eq!(lines[0].value["key"], key);
    }
}

fn an_empty_value_round_trips(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write(&cache, "empty", b"").unwrap();
    assert_eq!(sri.to_hex().1, sha512_hex(b""));
    assert_eq!(api.read(&cache, "empty").unwrap(), b"");
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), b"");
    assert!(api.exists(&cache, &sri).unwrap());
    assert_eq!(api.metadata(&cache, "empty").unwrap().unwrap().size, 0);
    assert_eq!(fs::read(content_path(root(&cache), &sri)).unwrap(), b"");
    let sri = api
        .write_with_opts(&cache, "sized", b"", WriteOpts::new().size(0))
        .unwrap();
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), b"");
    let h = api.write_hash(&cache, b"").unwrap();
    assert_eq!(h, sri);
}

/// Strings that are not usable integrity values. Those `ssri` accepts must be
/// refused by every operation that takes an integrity.
const BAD_INTEGRITY: [&str; 8] = [
    "sha512-!!!",
    "",
    "   ",
    "sha256-AAAA",
    "nope-xyz",
    "sha512",
    "sha256-../../../../etc/passwd",
    "sha1-deadbeef sha512-",
];

fn invalid_integrity_strings_are_errors(api: Api) {
    let (_tmp, cache) = new_cache();
    let good = api.write(&cache, "k", b"fine").unwrap();
    assert!(
        "nope-xyz".parse::<Integrity>().is_err(),
        "unknown algorithm"
    );
    for text in BAD_INTEGRITY {
        let Ok(sri) = text.parse::<Integrity>() else {
            continue;
        };
        let check = |what: &str, err: Error| {
            assert!(
                matches!(err, Error::InvalidIntegrity { .. }),
                "{what} with {text:?}: expected InvalidIntegrity, got {err:?}"
            );
            // The message names the input, and formatting does not panic.
            let _ = err.to_string();
        };
        check("read_hash", api.read_hash(&cache, &sri).unwrap_err());
        check("exists", api.exists(&cache, &sri).unwrap_err());
        check("remove_hash", api.remove_hash(&cache, &sri).unwrap_err());
        check(
            "write_with_opts",
            api.write_with_opts(
                &cache,
                "w",
                b"fine",
                WriteOpts::new().integrity(sri.clone()),
            )
            .unwrap_err(),
        );
        assert_eq!(api.metadata(&cache, "w").unwrap(), None, "{text:?}");
        // The index alone stores what ssri parses (as cacache-rs does);
        // reading content through such an entry is refused.
        let inserted = api.insert(&cache, "i", WriteOpts::new().integrity(sri.clone()));
        if sri.hashes.is_empty() {
            check("index insert", inserted.unwrap_err());
            continue;
        }
        assert_eq!(inserted.unwrap(), sri);
        let found = api.metadata(&cache, "i").unwrap();
        assert_eq!(found.map(|m| m.integrity), Some(sri), "{text:?}");
        assert!(matches!(api.read(&cache, "i"), Err(Error::BadIndex { .. })));
        api.delete(&cache, "i").unwrap();
    }
    // Nothing was stored or removed along the way.
    assert_eq!(api.read(&cache, "k").unwrap(), b"fine");
    assert_eq!(content_files(root(&cache)).len(), 1);
    assert!(api.exists(&cache, &good).unwrap());
}

/// Asserts `result` is a verification failure, never the bytes.
fn assert_damaged(what: &str, result: capcache::Result<Vec<u8>>, allow_size: bool) {
    match result {
        Err(Error::IntegrityMismatch { .. }) => {}
        Err(Error::SizeMismatch { .. }) if allow_size => {}
        other => panic!("{what}: expected a verification error, got {other:?}"),
    }
}

fn content_overwritten_with_garbage_is_never_returned(api: Api) {
    let (_tmp, cache) = new_cache();
    for algo in ALGORITHMS {
        let key = format!("k-{algo}");
        let sri = api
            .write_with_algo(&cache, algo, &key, b"original value")
            .unwrap();
        let file = content_path(root(&cache), &sri);

        // Same length, different bytes: only the hash can tell.
        fs::write(&file, b"ORIGINAL VALUE").unwrap();
        let err = api.read(&cache, &key).unwrap_err();
        match &err {
            Error::IntegrityMismatch { path, expected, .. } => {
                assert_eq!(expected, &sri);
                let path = path.as_deref().expect("a read names the content file");
                assert!(path.ends_with(file.strip_prefix(root(&cache)).unwrap()));
            }
            other => panic!("{algo}: expected IntegrityMismatch, got {other:?}"),
        }
        assert_damaged("read_hash", api.read_hash(&cache, &sri), false);

        // Another length: a size or integrity error, never the bytes.
        fs::write(&file, b"garbage of some other length").unwrap();
        assert_damaged("read", api.read(&cache, &key), true);
        assert_damaged("read_hash", api.read_hash(&cache, &sri), false);
    }
}

fn truncated_content_is_never_returned(api: Api) {
    let (_tmp, cache) = new_cache();
    let data: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let sri = api.write(&cache, "k", &data).unwrap();
    let file = content_path(root(&cache), &sri);
    for len in [data.len() - 1, data.len() / 2, 1, 0] {
        fs::write(&file, &data[..len]).unwrap();
        assert_damaged("read", api.read(&cache, "k"), true);
        assert_damaged("read_hash", api.read_hash(&cache, &sri), false);
    }
}

/// Whole-value reads of large values take other paths (a read sized by the
/// file, a read overlapped with hashing above 1 MiB, a memory map with the
/// `mmap` feature): each must catch a flipped byte, a missing byte and an
/// extra byte.
fn damaged_large_content_is_never_returned(api: Api) {
    let (_tmp, cache) = new_cache();
    for len in [64 * 1024 + 1, 1024 * 1024, 5 * 1024 * 1024 + 7] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let key = format!("k{len}");
        let sri = api.write(&cache, &key, &data).unwrap();
        assert!(api.read(&cache, &key).unwrap() == data, "{len}: round trip");
        let file = content_path(root(&cache), &sri);

        let mut flipped = data.clone();
        flipped[len / 2 + 1] ^= 0x20;
        fs::write(&file, &flipped).unwrap();
        assert_damaged("read (flipped)", api.read(&cache, &key), false);
        assert_damaged("read_hash (flipped)", api.read_hash(&cache, &sri), false);

        fs::write(&file, &data[..len - 1]).unwrap();
        assert_damaged("read (short)", api.read(&cache, &key), true);
        assert_damaged("read_hash (short)", api.read_hash(&cache, &sri), false);

        let mut long = data.clone();
        long.push(0);
        fs::write(&file, &long).unwrap();
        assert_damaged("read (long)", api.read(&cache, &key), true);
        assert_damaged("read_hash (long)", api.read_hash(&cache, &sri), false);
    }
}

/// A write of the same data replaces a damaged content file: one of the
/// wrong length, and one of the right length with other bytes (a bit flip,
/// zero-fill), for small values (compared byte for byte before writing)
/// and large ones (written aside, then put in place): a write that
/// returns `Ok` never leaves content that later reads refuse.
fn rewriting_damaged_content_repairs_it(api: Api) {
    let (_tmp, cache) = new_cache();
    for len in [8, 64 * 1024 - 1, 64 * 1024, 100_000, 2 * 1024 * 1024 + 3] {
        let value: Vec<u8> = (0..len).map(|i| (i * 31 % 253) as u8).collect();
        let key = format!("k{len}");
        let sri = api.write(&cache, &key, &value).unwrap();
        let file = content_path(root(&cache), &sri);
        let mut flipped = value.clone();
        flipped[len / 2] ^= 0x01;
        let damages = [
            (value[..len / 2].to_vec(), true),
            (flipped, false),
            (vec![0; len], false),
        ];
        for (i, (damage, size_differs)) in damages.into_iter().enumerate() {
            fs::write(&file, &damage).unwrap();
            assert_damaged("read", api.read(&cache, &key), size_differs);
            let other = format!("{key}-{i}");
            assert_eq!(api.write(&cache, &other, &value).unwrap(), sri);
            assert!(api.read(&cache, &key).unwrap() == value, "{len}/{i}");
            assert!(api.read(&cache, &other).unwrap() == value, "{len}/{i}");
            assert!(api.read_hash(&cache, &sri).unwrap() == value, "{len}/{i}");
            assert!(fs::read(&file).unwrap() == value, "{len}/{i}");
        }
    }
}

/// A directory (empty or not) or a dangling symlink where a content file
/// belongs is not content: a write of that value takes the name back, and
/// `verify` clears the name for the next write.
fn a_non_file_at_a_content_path_is_replaced_by_a_write(api: Api) {
    let (_tmp, cache) = new_cache();
    for len in [5, 100_000] {
        let value: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        // The integrity, learnt from another cache.
        let sri = capcache::write_hash_sync(tempdir().path(), &value).unwrap();
        let file = content_path(root(&cache), &sri);
        fs::create_dir_all(file.join("inner")).unwrap();
        fs::write(file.join("inner/f"), b"x").unwrap();
        let key = format!("dir{len}");
        assert_eq!(api.write(&cache, &key, &value).unwrap(), sri);
        assert!(api.read(&cache, &key).unwrap() == value, "{len}: dir");
        assert!(fs::metadata(&file).unwrap().is_file());

        // verify takes a directory at a referenced content path for damage.
        fs::remove_file(&file).unwrap();
        fs::create_dir_all(file.join("inner")).unwrap();
        let stats = capcache::verify_sync(&cache, capcache::VerifyOpts::new()).unwrap();
        assert_eq!(stats.corrupt_content, 1, "{len}");
        assert!(!file.exists(), "{len}");
        assert!(matches!(api.metadata(&cache, &key), Ok(None)), "{len}");
        assert_eq!(api.write(&cache, &key, &value).unwrap(), sri);
        assert!(
            api.read(&cache, &key).unwrap() == value,
            "{len}: after verify"
        );

        #[cfg(unix)]
        {
            fs::remove_file(&file).unwrap();
            std::os::unix::fs::symlink("nowhere", &file).unwrap();
            let key = format!("link{len}");
            assert_eq!(api.write(&cache, &key, &value).unwrap(), sri);
            assert!(api.read(&cache, &key).unwrap() == value, "{len}: link");
            assert!(fs::symlink_metadata(&file).unwrap().is_file());
        }
    }
}

/// Writes a bucket of `key` holding valid lines with garbage between them.
fn garbage_lines_in_a_bucket_are_skipped(api: Api) {
    let (_tmp, cache) = new_cache();
    let v1 = api.write(&cache, "k", b"v1").unwrap();
    // Valid content the garbage lines point at: if a bad line were misread,
    // reads would return it.
    let decoy = api.write_hash(&cache, b"decoy").unwrap();
    let bucket = bucket_path(root(&cache), IndexFormat::Npm, "k");
    let decoy_json =
        json!({"key": "k", "integrity": decoy.to_string(), "time": 9, "size": 5, "metadata": null})
            .to_string();

    let mut garbage: Vec<u8> = Vec::new();
    // Random bytes, with a tab so it looks like "hash\tjson".
    garbage.extend_from_slice(b"\n\x13\x37\x00\xde\xad\tbe\xef{}");
    // Not UTF-8 at all.
    garbage.extend_from_slice(b"\n\xff\xfe\xfd\t\xc3\x28");
    // A line whose hash does not match its JSON.
    garbage.extend_from_slice(format!("\n{}\t{}", sha1_hex(b"other"), decoy_json).as_bytes());
    // A hash-valid line whose JSON is not an entry.
    garbage.extend_from_slice(index_line(IndexFormat::Npm, "[1,2,3]").as_bytes());
    garbage.extend_from_slice(index_line(IndexFormat::Npm, "{\"key\":").as_bytes());
    // A line hashed for the other index format.
    garbage.extend_from_slice(index_line(IndexFormat::CacacheRs, &decoy_json).as_bytes());
    // An empty line and a lone tab.
    garbage.extend_from_slice(b"\n\n\t");
    append(&bucket, &garbage);
    // Torn: the first half of a valid line, as an interrupted append leaves.
    let torn = index_line(IndexFormat::Npm, &decoy_json);
    append(&bucket, &torn.as_bytes()[..torn.len() / 2]);

    // Before any later write, the last valid line still wins.
    assert_eq!(api.read(&cache, "k").unwrap(), b"v1");
    assert_eq!(api.metadata(&cache, "k").unwrap().unwrap().integrity, v1);
    assert_eq!(sorted_ok(api.list(&cache)).len(), 1);

    // A later valid entry, appended after the torn tail, wins.
    let v2 = api.write(&cache, "k", b"v2").unwrap();
    assert_eq!(api.read(&cache, "k").unwrap(), b"v2");
    assert_eq!(api.metadata(&cache, "k").unwrap().unwrap().integrity, v2);
    let listed = sorted_ok(api.list(&cache));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].integrity, v2);

    // More garbage after it changes nothing; a tombstone after it still counts.
    append(&bucket, b"\n\xff\xff garbage at the end");
    assert_eq!(api.read(&cache, "k").unwrap(), b"v2");
    api.remove(&cache, "k").unwrap();
    assert_eq!(api.metadata(&cache, "k").unwrap(), None);
    api.write(&cache, "k", b"v3").unwrap();
    assert_eq!(api.read(&cache, "k").unwrap(), b"v3");

    // Compaction drops the garbage and keeps the entry.
    assert!(api.compact(&cache, "k").unwrap() > 0);
    let lines = bucket_lines(&bucket);
    assert_eq!(lines.len(), 1);
    assert_eq!(api.read(&cache, "k").unwrap(), b"v3");
}

/// An integrity that does not parse makes the entry `BadIndex` everywhere;
/// one that parses but cannot name a content file (a digest of the wrong
/// length or not base64, as in cacache-rs's own `sha1-deadbeef` tests) is
/// returned by the index, and only reading its content is `BadIndex`.
fn a_malformed_integrity_in_the_index_is_bad_index(api: Api) {
    let (_tmp, cache) = new_cache();
    api.write(&cache, "good-1", b"1").unwrap();
    api.write(&cache, "good-2", b"2").unwrap();
    for (key, integrity, parses) in [
        ("bad-base64", "sha512-!!!", true),
        ("bad-length", "sha256-AAAA", true),
        ("bad-algo", "md5-AAAA", false),
        ("bad-words", "not an integrity", false),
    ] {
        let json =
            json!({"key": key, "integrity": integrity, "time": 1, "size": 1, "metadata": null})
                .to_string();
        let bucket = bucket_path(root(&cache), IndexFormat::Npm, key);
        append(&bucket, index_line(IndexFormat::Npm, &json).as_bytes());

        let mut errors = vec![("read", api.read(&cache, key).unwrap_err())];
        if parses {
            let found = api.metadata(&cache, key).unwrap().unwrap();
            assert_eq!(found.integrity.to_string(), integrity);
            assert_eq!(api.find(&cache, key).unwrap(), Some(found));
        } else {
            errors.push(("metadata", api.metadata(&cache, key).unwrap_err()));
            errors.push(("find", api.find(&cache, key).unwrap_err()));
        }
        for (what, err) in errors {
            match &err {
                Error::BadIndex { path, key: k, .. } => {
                    assert_eq!(k, key, "{what}");
                    assert!(path.ends_with(bucket.strip_prefix(root(&cache)).unwrap()));
                    let shown = err.to_string();
                    assert!(shown.contains(key), "{what}: {shown}");
                    assert!(shown.contains("index-v5"), "{what}: {shown}");
                }
                other => panic!("{what} {key}: expected BadIndex, got {other:?}"),
            }
        }
    }

    // Listing reports each entry that does not parse as an error and still
    // lists the others.
    let items = api.list(&cache);
    let errors = items
        .iter()
        .filter(|i| matches!(i, Err(Error::BadIndex { .. })))
        .count();
    assert_eq!(errors, 2, "{items:?}");
    let mut good: Vec<String> = items
        .into_iter()
        .filter_map(|i| i.ok())
        .map(|m| m.key)
        .collect();
    good.sort();
    assert_eq!(good, ["bad-base64", "bad-length", "good-1", "good-2"]);
    for item in api.ls(&cache) {
        if let Err(err) = item {
            assert!(matches!(err, Error::BadIndex { .. }), "{err:?}");
        }
    }

    // A new valid write of the key makes it usable again.
    api.write(&cache, "bad-base64", b"fixed").unwrap();
    assert_eq!(api.read(&cache, "bad-base64").unwrap(), b"fixed");
}

fn lines_missing_required_fields_are_skipped(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = api.write(&cache, "k", b"v").unwrap();
    let bucket = bucket_path(root(&cache), IndexFormat::Npm, "k");
    for json in [
        json!({"integrity": sri.to_string(), "time": 1}),
        json!({"key": 7, "integrity": sri.to_string()}),
        json!({"key": "k", "integrity": 12}),
        json!("k"),
        json!(null),
    ] {
        append(
            &bucket,
            index_line(IndexFormat::Npm, &json.to_string()).as_bytes(),
        );
    }
    assert_eq!(api.read(&cache, "k").unwrap(), b"v");
    assert_eq!(sorted_ok(api.list(&cache)).len(), 1);
}

#[test]
fn error_messages_name_the_key_or_path() {
    let (_tmp, cache) = new_cache();
    let shown = cache.read_sync("the-missing-key").unwrap_err().to_string();
    assert!(shown.contains("the-missing-key"), "{shown}");

    let shown = cache.write_sync("", b"x").unwrap_err().to_string();
    assert!(shown.contains("key"), "{shown}");

    let sri = cache.write_sync("k", b"value").unwrap();
    let file = content_path(root(&cache), &sri);
    fs::write(&file, b"VALUE").unwrap();
    let err = cache.read_sync("k").unwrap_err();
    let shown = err.to_string();
    let (_, hex) = sri.to_hex();
    assert!(shown.contains(&hex[4..]), "content path in {shown}");
    assert!(shown.contains("content-v2"), "{shown}");
    assert_eq!(
        err.path(),
        Some(file.as_path()),
        "absolute for a path-opened cache"
    );

    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
    let io: std::io::Error = cache.read_sync("nope").unwrap_err().into();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}

/// A capability-only cache works, and its error paths are relative to the
/// cache root (it knows no absolute path).
#[test]
fn from_dir_cache_works_and_reports_relative_paths() {
    let tmp = tempdir();
    let dir = cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
    let cache = Cache::from_dir(dir);
    assert_eq!(cache.path(), None);
    assert_eq!(cache.index_format().unwrap(), IndexFormat::Npm);

    let sri = cache.write_sync("k", b"capability").unwrap();
    assert_eq!(cache.read_sync("k").unwrap(), b"capability");
    assert_eq!(capcache::read_sync(&cache, "k").unwrap(), b"capability");
    assert_eq!(cache.read_hash_sync(&sri).unwrap(), b"capability");
    assert_eq!(sorted_ok(cache.list_sync().collect()).len(), 1);
    #[cfg(feature = "async")]
    block_on(async {
        cache.write("a", b"async").await.unwrap();
        assert_eq!(cache.read("a").await.unwrap(), b"async");
    });
    // It is the same on-disk cache as one opened by path.
    assert_eq!(capcache::read_sync(tmp.path(), "k").unwrap(), b"capability");

    let file = content_path(tmp.path(), &sri);
    fs::write(&file, b"CAPABILITY").unwrap();
    let err = cache.read_sync("k").unwrap_err();
    let path = err.path().expect("the error names the content file");
    assert!(path.is_relative(), "{path:?}");
    assert_eq!(path, file.strip_prefix(tmp.path()).unwrap());

    let bad =
        json!({"key": "bad", "integrity": "sha512-!!!", "time": 1, "size": 1, "metadata": null})
            .to_string();
    let bucket = bucket_path(tmp.path(), IndexFormat::Npm, "bad");
    append(&bucket, index_line(IndexFormat::Npm, &bad).as_bytes());
    let err = cache.read_sync("bad").unwrap_err();
    assert!(matches!(err, Error::BadIndex { .. }), "{err:?}");
    assert_eq!(err.path(), Some(bucket.strip_prefix(tmp.path()).unwrap()));
}

/// A write whose index directory cannot be created is an I/O error naming
/// the place, relative for a capability-only cache.
#[test]
fn io_errors_name_the_path_inside_the_cache() {
    let tmp = tempdir();
    fs::write(
        tmp.path().join("index-v5"),
        b"a file where a directory belongs",
    )
    .unwrap();
    let dir = cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
    let cache = Cache::from_dir(dir);
    let err = cache.write_sync("k", b"v").unwrap_err();
    assert!(err.io_error().is_some(), "{err:?}");
    let path = err.path().unwrap();
    assert!(path.is_relative(), "{path:?}");
    assert!(path.starts_with("index-v5"), "{path:?}");
    assert!(err.to_string().contains("index-v5"), "{err}");
}

/// A content file that is a symlink leading out of the cache is not
/// followed by a capability-only cache: the outside file's bytes never come
/// back, even when they match the integrity.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_cache_is_not_followed() {
    let tmp = tempdir();
    let root = tmp.path().join("cache");
    let outside = tmp.path().join("secret");
    fs::write(&outside, b"secret").unwrap();
    let sri = capcache::write_sync(&root, "k", b"secret").unwrap();
    let file = content_path(&root, &sri);
    fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&outside, &file).unwrap();

    let dir = cap_std::fs::Dir::open_ambient_dir(&root, cap_std::ambient_authority()).unwrap();
    let cache = Cache::from_dir(dir);
    // A capability-only cache refuses the link and says where it points.
    for (what, result) in [
        ("read", cache.read_sync("k")),
        ("read_hash", cache.read_hash_sync(&sri)),
    ] {
        match result {
            Err(capcache::Error::OutsideCache { target, .. }) => {
                assert_eq!(target, outside, "{what}")
            }
            other => panic!("{what}: expected OutsideCache, got {other:?}"),
        }
    }
}

/// The index lock file is replaced by a directory, a symlink out of the
/// cache or a dangling symlink: writes, removes, compaction and verify go
/// on (the lock moves to a fallback name that every process agrees on),
/// and every value reads back.
#[test]
fn a_damaged_lock_file_does_not_stop_writes() {
    let outside = tempdir();
    let target = outside.path().join("target");
    fs::write(&target, b"outside").unwrap();
    // What is put at the lock's name: a directory, or (Unix) a symlink.
    let mut damages = vec![("directory", None)];
    if cfg!(unix) {
        damages.push(("symlink out", Some(target.clone())));
        damages.push(("dangling symlink", Some("/nonexistent/x".into())));
    }
    let damage = |lock: &std::path::Path, link: &Option<std::path::PathBuf>| match link {
        None => fs::create_dir_all(lock.join("sub")).unwrap(),
        #[cfg(unix)]
        Some(to) => std::os::unix::fs::symlink(to, lock).unwrap(),
        #[cfg(not(unix))]
        Some(_) => unreachable!("symlinks are planted on Unix only"),
    };
    for (what, link) in &damages {
        for fallbacks in 0..3 {
            let (_tmp, cache) = new_cache();
            cache.write_sync("before", b"v0").unwrap();
            let index = root(&cache).join("index-v5");
            for n in 0..=fallbacks {
                let lock = match n {
                    0 => index.join(".capcache.lock"),
                    n => index.join(format!(".capcache.lock.{n}")),
                };
                let _ = fs::remove_file(&lock);
                damage(&lock, link);
            }
            let sri = cache.write_sync("k", b"value").unwrap();
            assert_eq!(cache.read_sync("k").unwrap(), b"value", "{what}");
            cache.remove_sync("before").unwrap();
            assert!(matches!(cache.metadata_sync("before"), Ok(None)), "{what}");
            capcache::index::compact(&cache, "k").unwrap();
            let stats = capcache::verify_sync(&cache, capcache::VerifyOpts::new()).unwrap();
            assert_eq!(stats.corrupt_content, 0, "{what}");
            assert_eq!(cache.read_hash_sync(&sri).unwrap(), b"value", "{what}");
            assert_eq!(cache.read_sync("k").unwrap(), b"value", "{what}");
        }
    }
    assert_eq!(fs::read(&target).unwrap(), b"outside");
}

/// A directory or a symlink out of the cache where a key's bucket belongs
/// is damage that the next write of the key clears: the write succeeds and
/// reads back.
#[test]
fn a_non_file_at_a_bucket_path_is_replaced_by_a_write() {
    let outside = tempdir();
    let mut damages = vec!["directory"];
    if cfg!(unix) {
        damages.push("symlink out");
    }
    for damage in damages {
        let (_tmp, cache) = new_cache();
        cache.write_sync("k", b"v1").unwrap();
        let bucket = bucket_path(root(&cache), IndexFormat::Npm, "k");
        fs::remove_file(&bucket).unwrap();
        match damage {
            "directory" => fs::create_dir_all(bucket.join("inner")).unwrap(),
            #[cfg(unix)]
            _ => std::os::unix::fs::symlink(outside.path(), &bucket).unwrap(),
            #[cfg(not(unix))]
            _ => unreachable!("{:?}", outside.path()),
        }
        cache.write_sync("k", b"v2").unwrap();
        assert_eq!(cache.read_sync("k").unwrap(), b"v2", "{damage}");
        assert!(fs::symlink_metadata(&bucket).unwrap().is_file(), "{damage}");
    }
}
