//! The blocking store: round trips, the tee, revalidation, eviction of
//! damaged bodies, hostile caches. Runs natively and under WASI (wasmtime,
//! only the temp dir preopened).

mod common;

use std::fs;
use std::io::{self, Read};

use capcache::{Integrity, WriteOpts};
use capcache_http::{Error, HttpStore};
use common::{content_files, index_lines, new_store, pattern, response, temp_files};

const URL: &str = "https://example.com/a";

#[test]
fn stored_response_reads_back_with_every_header_value() {
    let (tmp, store) = new_store();
    let (mut parts, policy) = response(URL, &[("cache-control", "max-age=60"), ("etag", "\"1\"")]);
    parts.headers.append("set-cookie", "a=1".parse().unwrap());
    parts.headers.append("set-cookie", "b=2".parse().unwrap());
    parts.headers.append(
        "x-bin",
        capcache_http::http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
    );

    let mut tee = store.store_sync("k", &parts, &policy, &b"hello body"[..]);
    let mut served = Vec::new();
    tee.read_to_end(&mut served).unwrap();
    assert_eq!(served, b"hello body");
    let sri = tee.finish().unwrap();

    let cached = store.get_sync("k").unwrap().expect("stored");
    assert_eq!(cached.parts, parts);
    assert_eq!(cached.integrity, sri);
    assert_eq!(cached.size, 10);
    assert_eq!(cached.parts.url.as_deref(), Some(URL));
    let cc: Vec<_> = cached.parts.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cc, ["a=1", "b=2"]);
    // The policy survives the JSON round trip: it still calls this fresh.
    assert!(!cached.policy.is_stale(std::time::SystemTime::now()));
    assert_eq!(
        cached
            .policy
            .time_to_live(std::time::SystemTime::now())
            .as_secs()
            / 10,
        policy.time_to_live(std::time::SystemTime::now()).as_secs() / 10
    );
    assert_eq!(cached.body.bytes().unwrap(), b"hello body");
    assert_eq!(content_files(&tmp.path().join("cache")).len(), 1);
}

#[test]
fn entries_are_plain_capcache_entries_with_json_metadata() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[("content-type", "text/plain")]);
    let sri = store
        .store_bytes_sync("k", &parts, &policy, b"body")
        .unwrap();
    let listed: Vec<_> = capcache::list_sync(store.cache())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(listed.len(), 1);
    let meta = &listed[0].metadata;
    assert_eq!(meta["capcache-http"], 1);
    assert_eq!(meta["response"]["status"], 200);
    assert_eq!(meta["response"]["headers"]["content-type"], "text/plain");
    assert_eq!(meta["response"]["url"], URL);
    assert!(meta["policy"].is_object());
    // The body is ordinary content: capcache reads it by key and by hash.
    assert_eq!(capcache::read_sync(store.cache(), "k").unwrap(), b"body");
    assert_eq!(
        capcache::read_hash_sync(store.cache(), &sri).unwrap(),
        b"body"
    );
}

#[test]
fn tee_dropped_early_stores_nothing_and_keeps_the_old_entry() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    store
        .store_bytes_sync("k", &parts, &policy, b"old")
        .unwrap();

    let body = vec![1u8; 300_000];
    let mut tee = store.store_sync("k", &parts, &policy, &body[..]);
    let mut half = vec![0u8; 100_000];
    tee.read_exact(&mut half).unwrap();
    assert!(tee.outcome().is_none());
    drop(tee);

    assert_eq!(
        store.get_sync("k").unwrap().unwrap().body.bytes().unwrap(),
        b"old"
    );
    let cache = tmp.path().join("cache");
    assert_eq!(
        content_files(&cache).len(),
        1,
        "no partial body in content-v2"
    );
    assert_eq!(temp_files(&cache), 0, "the temp file went with the tee");
}

#[test]
fn tee_passes_the_body_on_when_caching_cannot_start() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let mut tee = store.store_sync("", &parts, &policy, &b"still served"[..]);
    match tee.outcome() {
        Some(Err(Error::Cache {
            source: capcache::Error::InvalidKey { .. },
            ..
        })) => {}
        other => panic!("expected InvalidKey from the start, got {other:?}"),
    }
    let mut served = Vec::new();
    tee.read_to_end(&mut served).unwrap();
    assert_eq!(served, b"still served");
    assert!(matches!(tee.finish(), Err(Error::Cache { .. })));
    assert!(content_files(&tmp.path().join("cache")).is_empty());
}

/// A reader that yields `good` bytes, then fails.
struct Failing {
    left: usize,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
        }
        let n = buf.len().min(self.left);
        buf[..n].fill(7);
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn upstream_error_is_passed_on_and_stores_nothing() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let mut tee = store.store_sync("k", &parts, &policy, Failing { left: 50_000 });
    let err = io::copy(&mut tee, &mut io::sink()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    assert!(matches!(tee.outcome(), Some(Err(Error::Incomplete { key })) if key == "k"));
    assert!(matches!(tee.finish(), Err(Error::Incomplete { .. })));
    assert!(store.get_sync("k").unwrap().is_none());
    let cache = tmp.path().join("cache");
    assert!(content_files(&cache).is_empty());
    assert_eq!(temp_files(&cache), 0);
}

#[test]
fn revalidation_is_one_index_line_and_no_content() {
    let (tmp, store) = new_store();
    let cache = tmp.path().join("cache");
    let (parts, policy) = response(URL, &[("etag", "\"1\"")]);
    let sri = store
        .store_bytes_sync("k", &parts, &policy, vec![3u8; 1 << 20])
        .unwrap();
    let (files, lines) = (content_files(&cache), index_lines(&cache));

    let (parts2, policy2) = response(URL, &[("etag", "\"1\""), ("x-revalidated", "yes")]);
    store.put_sync("k", &parts2, &policy2, &sri).unwrap();
    store.put_sync("k", &parts2, &policy2, &sri).unwrap();

    assert_eq!(content_files(&cache), files, "no content written");
    assert_eq!(index_lines(&cache), lines + 2, "one line per revalidation");
    let cached = store.get_sync("k").unwrap().unwrap();
    assert_eq!(cached.parts.headers["x-revalidated"], "yes");
    assert_eq!(cached.size, 1 << 20, "the size comes from the content file");
    assert_eq!(cached.body.bytes().unwrap().len(), 1 << 20);
}

#[test]
fn revalidation_of_absent_content_is_refused() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let unknown = capcache::Integrity::from(b"never stored");
    let sri512: Integrity = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==".parse().unwrap();
    for sri in [unknown, sri512] {
        match store.put_sync("k", &parts, &policy, &sri) {
            Err(Error::ContentMissing { key, integrity }) => {
                assert_eq!(key, "k");
                assert_eq!(integrity, sri);
            }
            other => panic!("expected ContentMissing, got {other:?}"),
        }
    }
    assert!(store.get_sync("k").unwrap().is_none());
    assert_eq!(index_lines(&tmp.path().join("cache")), 0);
}

#[test]
fn damaged_body_fails_its_last_read_and_evicts_the_entry() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let body = vec![9u8; 200_000];
    let sri = store.store_bytes_sync("k", &parts, &policy, &body).unwrap();
    store
        .store_bytes_sync("other", &parts, &policy, b"intact")
        .unwrap();
    let path = store.body_path(&sri).expect("path");
    let mut damaged = body.clone();
    damaged[100_000] ^= 1; // same length: only the hash can tell
    fs::write(&path, &damaged).unwrap();

    let mut reader = store.get_sync("k").unwrap().unwrap().body;
    let mut got = Vec::new();
    let err = reader.read_to_end(&mut got).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    match Error::from_io(&err) {
        Some(Error::Damaged { key, source }) => {
            assert_eq!(key, "k");
            assert!(matches!(source, capcache::Error::IntegrityMismatch { .. }));
        }
        other => panic!("expected Damaged, got {other:?}"),
    }
    assert!(store.get_sync("k").unwrap().is_none(), "evicted");
    assert!(!path.exists(), "the damaged file is removed");
    assert!(
        store.get_sync("other").unwrap().is_some(),
        "other entries stay"
    );

    // Storing it again repairs the entry.
    store.store_bytes_sync("k", &parts, &policy, &body).unwrap();
    assert_eq!(store.get_bytes_sync("k").unwrap().unwrap().body, body);
}

#[test]
fn get_bytes_reports_damage_as_an_error_and_evicts() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let sri = store
        .store_bytes_sync("k", &parts, &policy, b"0123456789")
        .unwrap();
    fs::write(store.body_path(&sri).unwrap(), b"0123456780").unwrap();
    assert!(matches!(store.get_bytes_sync("k"), Err(Error::Damaged { key, .. }) if key == "k"));
    assert!(store.get_bytes_sync("k").unwrap().is_none());
}

#[test]
fn truncated_or_missing_body_reads_as_a_miss_or_damage() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let sri = store
        .store_bytes_sync("short", &parts, &policy, b"full body")
        .unwrap();
    fs::write(store.body_path(&sri).unwrap(), b"full").unwrap();
    assert!(matches!(
        store.get_bytes_sync("short"),
        Err(Error::Damaged { .. })
    ));

    let sri = store
        .store_bytes_sync("gone", &parts, &policy, b"gone body")
        .unwrap();
    fs::remove_file(store.body_path(&sri).unwrap()).unwrap();
    assert!(store.get_sync("gone").unwrap().is_none());
    assert!(
        capcache::metadata_sync(store.cache(), "gone")
            .unwrap()
            .is_none(),
        "the entry naming missing content is evicted"
    );
}

#[test]
fn delete_removes_the_entry_and_gc_reclaims_the_body() {
    let (tmp, store) = new_store();
    let cache = tmp.path().join("cache");
    let (parts, policy) = response(URL, &[]);
    store
        .store_bytes_sync("k", &parts, &policy, b"body")
        .unwrap();
    store.delete_sync("k").unwrap();
    store.delete_sync("never").unwrap();
    assert!(store.get_sync("k").unwrap().is_none());
    assert_eq!(content_files(&cache).len(), 1, "delete leaves content");
    let stats = capcache::verify_sync(
        store.cache(),
        capcache::VerifyOpts::new().grace(std::time::Duration::ZERO),
    )
    .unwrap();
    assert_eq!(stats.content_reclaimed, 1);
    assert!(content_files(&cache).is_empty());
}

#[test]
fn identical_bodies_share_one_content_file() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let a = store
        .store_bytes_sync("a", &parts, &policy, vec![5u8; 100_000])
        .unwrap();
    let tee = store.store_sync("b", &parts, &policy, io::repeat(5).take(100_000));
    let b = tee.finish().unwrap();
    assert_eq!(a, b);
    assert_eq!(content_files(&tmp.path().join("cache")).len(), 1);
}

#[test]
fn foreign_or_damaged_metadata_reads_as_a_miss() {
    let (_tmp, store) = new_store();
    let cache = store.cache();
    capcache::write_sync(cache, "plain", b"no metadata").unwrap();
    let with = |v: capcache::Value| WriteOpts::new().metadata(v);
    capcache::write_with_opts_sync(cache, "other", b"x", with(serde_json::json!({"foo": 1})))
        .unwrap();
    capcache::write_with_opts_sync(
        cache,
        "bad-policy",
        b"x",
        with(serde_json::json!({"capcache-http": 1, "response": {"status": 200, "version": "HTTP/1.1", "headers": {}}, "policy": "nope"})),
    )
    .unwrap();
    capcache::write_with_opts_sync(
        cache,
        "bad-status",
        b"x",
        with(serde_json::json!({"capcache-http": 1, "response": {"status": 99999, "version": "HTTP/1.1", "headers": {}}, "policy": {}})),
    )
    .unwrap();
    let (parts, policy) = response(URL, &[]);
    let mut future = serde_json::to_value(
        capcache::metadata_sync(cache, "plain")
            .unwrap()
            .unwrap()
            .metadata,
    )
    .unwrap();
    future = serde_json::json!({"capcache-http": 2, "response": serde_json::to_value(&parts).unwrap(), "policy": serde_json::to_value(&policy).unwrap(), "was": future});
    capcache::write_with_opts_sync(cache, "future", b"x", with(future)).unwrap();
    for key in ["plain", "other", "bad-policy", "bad-status", "future"] {
        assert!(store.get_sync(key).unwrap().is_none(), "{key}");
    }
}

#[test]
fn hostile_integrities_never_name_a_path_outside_the_cache() {
    let (tmp, store) = new_store();
    let secret = tmp.path().join("secret");
    fs::write(&secret, b"outside").unwrap();
    let (parts, policy) = response(URL, &[]);
    let meta = serde_json::json!({"capcache-http": 1, "response": serde_json::to_value(&parts).unwrap(), "policy": serde_json::to_value(&policy).unwrap()});
    let hostile = [
        "sha512-../../secret",
        "sha512-/etc/passwd",
        "sha1-..%2F..%2Fsecret",
        "sha256-Li4vLi4vc2VjcmV0", // base64 of "../../secret": wrong length
    ];
    for (i, text) in hostile.iter().enumerate() {
        let sri: Integrity = text.parse().unwrap();
        let key = format!("k{i}");
        capcache::index::insert(
            store.cache(),
            &key,
            WriteOpts::new()
                .integrity(sri.clone())
                .metadata(meta.clone()),
        )
        .unwrap();
        assert!(store.get_sync(&key).unwrap().is_none(), "{text}");
        assert!(store.body_path(&sri).is_none(), "{text}");
        assert!(
            matches!(
                store.put_sync(&key, &parts, &policy, &sri),
                Err(Error::ContentMissing { .. })
            ),
            "{text}"
        );
        let out = tmp.path().join(format!("out{i}"));
        assert!(
            matches!(store.link_body_sync(&sri, &out), Err(Error::Cache { .. })),
            "{text}"
        );
        assert!(!out.exists());
    }
    assert_eq!(fs::read(&secret).unwrap(), b"outside");
}

#[cfg(unix)]
#[test]
fn planted_symlink_to_outside_is_not_followed() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let sri = store
        .store_bytes_sync("k", &parts, &policy, b"the body")
        .unwrap();
    let path = store.body_path(&sri).unwrap();
    // The outside file even holds the right bytes: it still must not be read.
    let outside = tmp.path().join("outside");
    fs::write(&outside, b"the body").unwrap();
    fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&outside, &path).unwrap();

    assert!(store.body_path(&sri).is_none(), "a link is not a body file");
    assert!(store.get_sync("k").unwrap().is_none());
    assert!(
        capcache::metadata_sync(store.cache(), "k")
            .unwrap()
            .is_none(),
        "evicted"
    );
    assert_eq!(
        fs::read(&outside).unwrap(),
        b"the body",
        "the outside file is untouched"
    );
}

#[test]
fn garbled_index_lines_are_skipped_and_the_entry_survives() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    store
        .store_bytes_sync("k", &parts, &policy, b"body")
        .unwrap();
    // Append garbage to every bucket: a torn or hostile line is skipped.
    let mut dirs = vec![tmp.path().join("cache/index-v5")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(entry.path());
            } else if !entry.file_name().to_string_lossy().starts_with('.') {
                let mut text = fs::read(entry.path()).unwrap();
                text.extend_from_slice(
                    b"\nzzzz\t{\"key\":\"k\",\"integrity\":\"sha512-../x\"\n\xff\xfe\n",
                );
                fs::write(entry.path(), text).unwrap();
            }
        }
    }
    assert_eq!(store.get_bytes_sync("k").unwrap().unwrap().body, b"body");
}

#[test]
fn capability_store_has_no_body_path_but_exports_into_dirs() {
    let tmp = common::tempdir();
    fs::create_dir(tmp.path().join("cache")).unwrap();
    let dir =
        cap_std::fs::Dir::open_ambient_dir(tmp.path().join("cache"), cap_std::ambient_authority())
            .unwrap();
    let store = HttpStore::from_dir(dir);
    let (parts, policy) = response(URL, &[]);
    let sri = store
        .store_bytes_sync("k", &parts, &policy, b"body")
        .unwrap();
    assert!(store.body_path(&sri).is_none());
    let out = cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
    assert_eq!(store.copy_body_to_dir_sync(&sri, &out, "copy").unwrap(), 4);
    assert_eq!(fs::read(tmp.path().join("copy")).unwrap(), b"body");
    // A damaged body is not exported.
    let content = tmp
        .path()
        .join("cache")
        .join(capcache_http_content_path(&sri));
    fs::write(&content, b"bodY").unwrap();
    match store.copy_body_to_dir_sync(&sri, &out, "copy2") {
        Err(Error::Cache {
            source: capcache::Error::IntegrityMismatch { .. },
            ..
        }) => {}
        other => panic!("expected IntegrityMismatch, got {other:?}"),
    }
}

/// The content path, spelled independently of the crate (npm's layout).
fn capcache_http_content_path(sri: &Integrity) -> std::path::PathBuf {
    let (algo, hex) = sri.to_hex();
    std::path::PathBuf::from(format!(
        "content-v2/{algo}/{}/{}/{}",
        &hex[..2],
        &hex[2..4],
        &hex[4..]
    ))
}

#[test]
fn link_body_is_a_verified_hard_link() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let sri = store
        .store_bytes_sync("k", &parts, &policy, b"linked body")
        .unwrap();
    let out = tmp.path().join("linked");
    assert_eq!(store.link_body_sync(&sri, &out).unwrap(), 11);
    assert_eq!(fs::read(&out).unwrap(), b"linked body");
    assert_eq!(
        store.body_path(&sri).unwrap(),
        tmp.path()
            .join("cache")
            .join(capcache_http_content_path(&sri))
    );
}

#[test]
fn content_without_an_index_line_is_absent() {
    // What a crash between writing the body and its index line leaves: a
    // body no key names. Nothing lists or serves it...
    let (_tmp, store) = new_store();
    let sri = capcache::write_hash_sync(store.cache(), b"orphan body").unwrap();
    assert_eq!(capcache::list_sync(store.cache()).count(), 0);
    assert!(store.get_sync("k").unwrap().is_none());
    // ...until an index line names it: the body itself was whole.
    let (parts, policy) = response(URL, &[]);
    store.put_sync("k", &parts, &policy, &sri).unwrap();
    let got = store.get_bytes_sync("k").unwrap().expect("named now");
    assert_eq!(got.body, b"orphan body");
}

#[cfg(not(target_family = "wasm"))]
#[test]
fn two_writers_of_one_key_never_mix_metadata_and_body() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let (_tmp, store) = new_store();
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2u8)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                for round in 0..60u32 {
                    let body = vec![w; 20_000 + (round as usize % 3) * 70_000];
                    let tag = format!("{w}-{}", body.len());
                    let (parts, policy) = response(URL, &[("x-body", tag.as_str())]);
                    if round % 2 == 0 {
                        store.store_bytes_sync("k", &parts, &policy, &body).unwrap();
                    } else {
                        store
                            .store_sync("k", &parts, &policy, &body[..])
                            .finish()
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    let reader = {
        let (store, done) = (store.clone(), done.clone());
        std::thread::spawn(move || {
            let mut seen = 0;
            while !done.load(Ordering::SeqCst) {
                if let Some(cached) = store.get_sync("k").unwrap() {
                    let tag = cached.parts.headers["x-body"].to_str().unwrap().to_owned();
                    let body = cached.body.bytes().unwrap();
                    assert_eq!(
                        tag,
                        format!("{}-{}", body[0], body.len()),
                        "parts paired with another body"
                    );
                    seen += 1;
                }
            }
            seen
        })
    };
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
}

#[test]
fn bodies_are_sha256_by_default_and_any_chosen_algorithm_still_verifies() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let default = store.clone();
    let sha512 = store.algorithm(capcache::Algorithm::Sha512);
    for (store, algorithm, dir) in [
        (default, capcache::Algorithm::Sha256, "content-v2/sha256"),
        (sha512, capcache::Algorithm::Sha512, "content-v2/sha512"),
    ] {
        let body = format!("{algorithm} body");
        let sri = store
            .store_sync("k", &parts, &policy, body.as_bytes())
            .finish()
            .unwrap();
        assert_eq!(sri.pick_algorithm(), algorithm);
        assert!(capcache_http_content_path(&sri).starts_with(dir));
        store.put_sync("k", &parts, &policy, &sri).unwrap();
        assert_eq!(
            store.get_bytes_sync("k").unwrap().unwrap().body,
            body.as_bytes()
        );
        let mut damaged = body.clone().into_bytes();
        damaged[0] ^= 1;
        fs::write(store.body_path(&sri).unwrap(), damaged).unwrap();
        assert!(matches!(
            store.get_bytes_sync("k"),
            Err(Error::Damaged { key, .. }) if key == "k"
        ));
        assert!(store.get_sync("k").unwrap().is_none(), "evicted");
    }
}

#[test]
fn tee_stores_a_body_of_many_batches_whole_whatever_the_read_sizes() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    // 5 MiB + 3 bytes, read with buffers that cross the 1 MiB batches
    // unevenly; the first read is bigger than a batch.
    let body = pattern((5 << 20) + 3);
    let mut tee = store.store_sync("k", &parts, &policy, &body[..]);
    let mut served = Vec::new();
    let sizes = [3 << 20, 8 << 10, (1 << 20) + 1, 17];
    for size in sizes.iter().cycle() {
        let mut buf = vec![0u8; *size];
        match tee.read(&mut buf).unwrap() {
            0 => break,
            n => served.extend_from_slice(&buf[..n]),
        }
    }
    assert_eq!(served, body);
    let sri = tee.finish().unwrap();
    // The same integrity (and so the same content file) as a write of the
    // whole body at once.
    let whole = store
        .store_bytes_sync("whole", &parts, &policy, &body)
        .unwrap();
    assert_eq!(sri, whole);
    assert_eq!(content_files(&tmp.path().join("cache")).len(), 1);
    let cached = store.get_bytes_sync("k").unwrap().expect("stored");
    assert_eq!(cached.size, body.len() as u64);
    assert!(cached.body == body, "the body reads back as it was served");
    assert_eq!(temp_files(&tmp.path().join("cache")), 0);
}
