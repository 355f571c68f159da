//! The `tokio` feature: `Reader`/`Writer` through tokio's own I/O traits
//! (`tokio::io::AsyncReadExt`/`AsyncWriteExt`, `tokio::io::copy`) and the
//! free async functions, all on tokio runtimes, as cacache-rs's
//! `tokio-runtime` users drive them.
#![cfg(all(feature = "tokio", not(target_family = "wasm")))]

use std::io;

use crate::common::{content_path, flip_byte, new_cache, pattern, root, sha512};
use capcache::{Algorithm, Cache, Error, Integrity, Reader, Writer};
use futures_lite::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Larger than the 1 MiB the stream types buffer between the runtime and
/// the blocking pool, and not a multiple of it.
const BIG: usize = 3 * 1024 * 1024 + 7;

/// Overwrites the content file of `sri` with bytes of the same length,
/// flipping one byte at `at`; returns the damaged bytes.
fn damage(cache: &Cache, sri: &Integrity, at: usize) -> Vec<u8> {
    flip_byte(&content_path(root(cache), sri), at)
}

/// Asserts an `io::Error` from a read is the `InvalidData` that carries
/// the `IntegrityMismatch` for `expected`.
#[track_caller]
fn assert_io_mismatch(err: &io::Error, expected: &Integrity) {
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err:?}");
    match err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
        Some(Error::IntegrityMismatch { expected: e, .. }) => assert_eq!(e, expected),
        other => panic!("expected an IntegrityMismatch inside, got {other:?}"),
    }
}

/// Asserts `check` reported the mismatch of `expected` against the damaged
/// bytes actually stored.
#[track_caller]
fn assert_check_mismatch(result: capcache::Result<Algorithm>, expected: &Integrity, stored: &[u8]) {
    match result {
        Err(Error::IntegrityMismatch {
            expected: e, found, ..
        }) => {
            assert_eq!(&e, expected);
            assert_eq!(
                found,
                sha512(stored),
                "found is the hash of the stored bytes"
            );
        }
        other => panic!("expected Error::IntegrityMismatch, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_all_shutdown_commit_then_read_to_end() {
    let (_tmp, cache) = new_cache();
    let value = pattern(BIG, 1);

    let mut writer = Writer::create(&cache, "big").await.unwrap();
    // Odd chunk sizes, so that writes straddle the buffer's boundary.
    for chunk in value.chunks(65_537) {
        writer.write_all(chunk).await.unwrap();
    }
    writer.flush().await.unwrap();
    writer.shutdown().await.unwrap();
    let sri = writer.commit().await.unwrap();
    assert_eq!(sri, sha512(&value));

    let mut reader = Reader::open(&cache, "big").await.unwrap();
    let mut got = Vec::new();
    assert_eq!(reader.read_to_end(&mut got).await.unwrap(), BIG);
    assert_eq!(reader.check().unwrap(), Algorithm::Sha512);
    assert!(got == value, "read_to_end returned other bytes");

    // By integrity, and into a String.
    let text = b"some text".to_vec();
    let text_sri = capcache::write_hash(&cache, &text).await.unwrap();
    let mut reader = Reader::open_hash(&cache, text_sri).await.unwrap();
    let mut s = String::new();
    reader.read_to_string(&mut s).await.unwrap();
    assert_eq!(reader.check().unwrap(), Algorithm::Sha512);
    assert_eq!(s, "some text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_io_copy_into_a_writer_and_out_of_a_reader() {
    let (_tmp, cache) = new_cache();
    let value = pattern(BIG, 2);

    let mut writer = Writer::create_with_algo(Algorithm::Sha256, &cache, "copied")
        .await
        .unwrap();
    let mut source: &[u8] = &value;
    assert_eq!(
        tokio::io::copy(&mut source, &mut writer).await.unwrap(),
        BIG as u64
    );
    let sri = writer.commit().await.unwrap();
    assert_eq!(sri.pick_algorithm(), Algorithm::Sha256);
    assert_eq!(
        capcache::metadata(&cache, "copied")
            .await
            .unwrap()
            .map(|m| m.size),
        Some(BIG)
    );

    let mut reader = Reader::open(&cache, "copied").await.unwrap();
    let mut sink = Vec::new();
    assert_eq!(
        tokio::io::copy(&mut reader, &mut sink).await.unwrap(),
        BIG as u64
    );
    assert_eq!(reader.check().unwrap(), Algorithm::Sha256);
    assert!(sink == value, "copy returned other bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_value_fails_read_copy_and_check() {
    let (_tmp, cache) = new_cache();
    let value = pattern(BIG, 3);
    let sri = capcache::write(&cache, "damaged", &value).await.unwrap();
    // Damage near the end: every byte before it streams out unchanged.
    let stored = damage(&cache, &sri, BIG - 2);

    let mut reader = Reader::open(&cache, "damaged").await.unwrap();
    let mut got = Vec::new();
    let err = reader.read_to_end(&mut got).await.unwrap_err();
    assert_io_mismatch(&err, &sri);
    assert_check_mismatch(reader.check(), &sri, &stored);

    let mut reader = Reader::open(&cache, "damaged").await.unwrap();
    let err = tokio::io::copy(&mut reader, &mut tokio::io::sink())
        .await
        .unwrap_err();
    assert_io_mismatch(&err, &sri);
    assert_check_mismatch(reader.check(), &sri, &stored);

    // The whole-value API refuses it as well.
    match capcache::read(&cache, "damaged").await {
        Err(Error::IntegrityMismatch { expected, .. }) => assert_eq!(expected, sri),
        other => panic!("expected Error::IntegrityMismatch, got {other:?}"),
    }
}

/// A reader read with `read_exact` to its last byte has not seen the end
/// yet; `check` must still verify the value, however far the blocking
/// pool's read-ahead has got (run many times to meet both orders).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_after_read_exact_of_every_byte() {
    let (_tmp, cache) = new_cache();
    let good = pattern(100_003, 4);
    capcache::write(&cache, "good", &good).await.unwrap();
    let bad = pattern(100_003, 5);
    let bad_sri = capcache::write(&cache, "bad", &bad).await.unwrap();
    let stored = damage(&cache, &bad_sri, 100_002);

    let mut buf = vec![0; good.len()];
    for _ in 0..50 {
        let mut reader = Reader::open(&cache, "good").await.unwrap();
        reader.read_exact(&mut buf).await.unwrap();
        assert_eq!(reader.check().unwrap(), Algorithm::Sha512);
        assert!(buf == good);

        let mut reader = Reader::open(&cache, "bad").await.unwrap();
        // The damaged byte is the last one: read all but it.
        reader.read_exact(&mut buf[..100_002]).await.unwrap();
        assert_check_mismatch(reader.check(), &bad_sri, &stored);
    }
}

/// `check` on a reader that was only partly read (on a current-thread
/// runtime) hashes the rest, so damage in the unread part is reported.
#[tokio::test(flavor = "current_thread")]
async fn check_after_partial_read_covers_the_rest() {
    let (_tmp, cache) = new_cache();
    let value = pattern(BIG, 6);
    let sri = capcache::write(&cache, "k", &value).await.unwrap();

    let mut reader = Reader::open(&cache, "k").await.unwrap();
    let mut head = [0; 10];
    reader.read_exact(&mut head).await.unwrap();
    assert_eq!(head, value[..10]);
    assert_eq!(reader.check().unwrap(), Algorithm::Sha512);

    let stored = damage(&cache, &sri, BIG - 1);
    let mut reader = Reader::open(&cache, "k").await.unwrap();
    reader.read_exact(&mut head).await.unwrap();
    assert_check_mismatch(reader.check(), &sri, &stored);
    // Without reading at all.
    let reader = Reader::open(&cache, "k").await.unwrap();
    assert_check_mismatch(reader.check(), &sri, &stored);
}

/// A writer dropped without `commit` (after `shutdown`) stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_shut_down_and_dropped_stores_nothing() {
    let (_tmp, cache) = new_cache();
    let mut writer = Writer::create(&cache, "never").await.unwrap();
    writer.write_all(b"uncommitted").await.unwrap();
    writer.shutdown().await.unwrap();
    drop(writer);
    match capcache::read(&cache, "never").await {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "never"),
        other => panic!("expected Error::EntryNotFound, got {other:?}"),
    }
    assert!(!capcache::exists(&cache, &sha512(b"uncommitted")).await);
    assert_eq!(
        crate::common::content_files(root(&cache)),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        crate::common::tmp_files(root(&cache)),
        Vec::<std::path::PathBuf>::new()
    );
}

/// The free async functions, by path, awaited on tokio's multi-thread
/// runtime and spawned as tokio tasks (their futures are `Send`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_functions_on_a_multi_thread_runtime() {
    let tmp = crate::common::tempdir();
    let dir = tmp.path().join("cache");

    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let dir = dir.clone();
            tokio::spawn(async move {
                let value = format!("value {i}");
                let sri = capcache::write(&dir, format!("key {i}"), &value).await?;
                Ok::<_, Error>((i, sri, value))
            })
        })
        .collect();
    let mut written = Vec::new();
    for task in tasks {
        written.push(task.await.unwrap().unwrap());
    }

    for (i, sri, value) in &written {
        let key = format!("key {i}");
        assert_eq!(capcache::read(&dir, &key).await.unwrap(), value.as_bytes());
        assert_eq!(
            capcache::read_hash(&dir, sri).await.unwrap(),
            value.as_bytes()
        );
        assert!(capcache::exists(&dir, sri).await);
        let meta = capcache::metadata(&dir, &key).await.unwrap().unwrap();
        assert_eq!((&meta.integrity, meta.size), (sri, value.len()));
    }
    let mut keys: Vec<String> = capcache::list(&dir)
        .map(|entry| entry.unwrap().key)
        .collect()
        .await;
    keys.sort();
    let mut expected: Vec<String> = (0..16).map(|i| format!("key {i}")).collect();
    expected.sort();
    assert_eq!(keys, expected);

    let sri = capcache::write_with_algo(Algorithm::Sha1, &dir, "sha1", b"x")
        .await
        .unwrap();
    assert_eq!(sri.pick_algorithm(), Algorithm::Sha1);
    let out = tmp.path().join("copied");
    assert_eq!(capcache::copy(&dir, "sha1", &out).await.unwrap(), 1);
    assert_eq!(std::fs::read(&out).unwrap(), b"x");

    capcache::remove(&dir, "key 0").await.unwrap();
    match capcache::read(&dir, "key 0").await {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "key 0"),
        other => panic!("expected Error::EntryNotFound, got {other:?}"),
    }
    capcache::clear(&dir).await.unwrap();
    assert_eq!(capcache::list(&dir).count().await, 0);
}

/// cacache-rs's `ToLinker` is read with tokio's traits under `tokio-runtime`.
#[cfg(all(feature = "link_to", unix))]
#[test]
fn to_linker_reads_with_tokio_traits() {
    use tokio::io::AsyncReadExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    let target = tmp.path().join("t");
    std::fs::write(&target, b"linked under tokio").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut linker = capcache::ToLinker::open(&dir, "k", &target).await.unwrap();
        let mut seen = String::new();
        linker.read_to_string(&mut seen).await.unwrap();
        assert_eq!(seen, "linked under tokio");
        let sri = linker.commit().await.unwrap();
        assert_eq!(
            capcache::read_hash(&dir, &sri).await.unwrap(),
            b"linked under tokio"
        );
    });
}
