//! The async store: the `Stream` tee and the `AsyncRead` body. Runs
//! natively (smol's blocking pool) and under WASI (inline).
#![cfg(feature = "async")]

mod common;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use capcache_http::Error;
use common::{content_files, new_store, pattern, response, temp_files};
use futures_lite::future::block_on;
use futures_lite::{stream, AsyncReadExt, StreamExt};

const URL: &str = "https://example.com/async";

fn chunks(n: usize, size: usize) -> Vec<Result<Vec<u8>, io::Error>> {
    (0..n).map(|i| Ok(vec![i as u8; size])).collect()
}

#[test]
fn tee_yields_every_chunk_and_commits_at_the_end() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[("etag", "\"a\"")]);
    block_on(async {
        let mut tee = store
            .store("k", &parts, &policy, stream::iter(chunks(40, 10_000)))
            .await;
        let mut served = Vec::new();
        while let Some(chunk) = tee.next().await {
            assert!(
                tee.outcome().is_none(),
                "committed only after the last chunk"
            );
            served.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(served.len(), 400_000);
        let sri = match tee.outcome() {
            Some(Ok(sri)) => sri.clone(),
            other => panic!("expected a stored body, got {other:?}"),
        };
        let cached = store.get("k").await.unwrap().expect("stored");
        assert_eq!(cached.integrity, sri);
        assert_eq!(cached.parts.headers["etag"], "\"a\"");
        let mut body = Vec::new();
        let mut reader = cached.body;
        reader.read_to_end(&mut body).await.unwrap();
        assert_eq!(body, served);
    });
}

#[test]
fn tee_dropped_mid_stream_stores_nothing() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    block_on(async {
        let mut tee = store
            .store("k", &parts, &policy, stream::iter(chunks(10, 50_000)))
            .await;
        for _ in 0..3 {
            tee.next().await.unwrap().unwrap();
        }
        drop(tee);
        assert!(store.get("k").await.unwrap().is_none());
    });
    let cache = tmp.path().join("cache");
    assert!(content_files(&cache).is_empty());
    // The temp file goes when the writer is dropped on the blocking pool.
    for _ in 0..200 {
        if temp_files(&cache) == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(temp_files(&cache), 0);
}

#[test]
fn tee_passes_the_body_on_when_caching_cannot_start() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    block_on(async {
        // An empty key cannot be stored: the body still flows.
        let mut tee = store
            .store("", &parts, &policy, stream::iter(chunks(3, 100)))
            .await;
        assert!(matches!(
            tee.outcome(),
            Some(Err(Error::Cache {
                source: capcache::Error::InvalidKey { .. },
                ..
            }))
        ));
        let mut served = 0;
        while let Some(chunk) = tee.next().await {
            served += chunk.unwrap().len();
        }
        assert_eq!(served, 300);
    });
    assert!(content_files(&tmp.path().join("cache")).is_empty());
}

/// A cache whose temp files cannot be made: the entry's writer is opened
/// with the first batch, so the failure shows in the outcome by the end of
/// the body, which flows whole all the same.
#[test]
fn tee_passes_the_body_on_when_the_cache_cannot_be_written() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let cache = tmp.path().join("cache");
    // A file where the temp directory belongs.
    let _ = std::fs::remove_dir_all(cache.join("tmp"));
    std::fs::write(cache.join("tmp"), b"in the way").unwrap();
    for (n, size) in [(3, 100), (3, 600_000)] {
        block_on(async {
            let mut tee = store
                .store("k", &parts, &policy, stream::iter(chunks(n, size)))
                .await;
            let mut served = 0;
            while let Some(chunk) = tee.next().await {
                served += chunk.unwrap().len();
            }
            assert_eq!(served, n * size);
            assert!(
                matches!(
                    tee.outcome(),
                    Some(Err(Error::Cache {
                        source: capcache::Error::Io { .. },
                        ..
                    }))
                ),
                "{:?}",
                tee.outcome()
            );
            assert!(store.get("k").await.unwrap().is_none());
        });
    }
    assert!(content_files(&cache).is_empty());
}

#[test]
fn upstream_error_is_passed_on_and_stores_nothing() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    block_on(async {
        let mut items = chunks(3, 1000);
        items.push(Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset")));
        items.extend(chunks(2, 1000));
        let mut tee = store.store("k", &parts, &policy, stream::iter(items)).await;
        let mut errors = 0;
        while let Some(item) = tee.next().await {
            if let Err(e) = item {
                assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
                errors += 1;
            }
        }
        assert_eq!(errors, 1);
        assert!(matches!(tee.outcome(), Some(Err(Error::Incomplete { key })) if key == "k"));
        assert!(store.get("k").await.unwrap().is_none());
    });
}

#[test]
fn damaged_body_fails_the_async_read_and_evicts() {
    // Large bodies streamed or read whole by `bytes`, and small ones (read
    // whole in the lookup), alike.
    for (size, streamed) in [
        (300_000, true),
        (300_000, false),
        (1000, true),
        (1000, false),
    ] {
        damaged_body_case(size, streamed);
    }
}

fn damaged_body_case(size: usize, streamed: bool) {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    block_on(async {
        let body = vec![1u8; size];
        let sri = store
            .store_bytes("k", &parts, &policy, body.clone())
            .await
            .unwrap();
        let mut damaged = body;
        damaged[size - 1] = 2;
        std::fs::write(store.body_path(&sri).unwrap(), damaged).unwrap();

        let mut body = store.get("k").await.unwrap().unwrap().body;
        let err = if streamed {
            let mut read = Vec::new();
            body.read_to_end(&mut read).await.unwrap_err()
        } else {
            body.bytes().await.unwrap_err()
        };
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(matches!(Error::from_io(&err), Some(Error::Damaged { key, .. }) if key == "k"));
        assert!(store.get("k").await.unwrap().is_none(), "evicted");
        assert!(matches!(store.get_bytes("k").await, Ok(None)));
    });
}

#[test]
fn async_put_and_delete() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    block_on(async {
        let sri = store
            .store_bytes("k", &parts, &policy, b"body")
            .await
            .unwrap();
        let (parts2, policy2) = response(URL, &[("x-new", "1")]);
        store.put("k", &parts2, &policy2, &sri).await.unwrap();
        assert_eq!(
            store.get("k").await.unwrap().unwrap().parts.headers["x-new"],
            "1"
        );
        let missing = capcache::Integrity::from(b"absent");
        assert!(matches!(
            store.put("k", &parts, &policy, &missing).await,
            Err(Error::ContentMissing { .. })
        ));
        store.delete("k").await.unwrap();
        assert!(store.get("k").await.unwrap().is_none());
    });
}

/// A tee whose entry cannot even start (an empty key) decides its outcome
/// at once: `finish` returns without draining the body.
#[test]
fn finish_of_a_tee_that_cannot_cache_does_not_drain_the_body() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let (tmp, store) = new_store();
    let (parts, policy) = response("https://example.com/", &[]);
    let polled = Arc::new(AtomicUsize::new(0));
    let counter = polled.clone();
    let body = stream::repeat_with(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok::<_, io::Error>(b"chunk".to_vec())
    })
    .take(1000);
    block_on(async {
        let tee = store.store("", &parts, &policy, body).await;
        match tee.finish().await {
            Err(Error::Cache {
                source: capcache::Error::InvalidKey { .. },
                ..
            }) => {}
            other => panic!("expected the empty key refused, got {other:?}"),
        }
    });
    assert_eq!(polled.load(Ordering::Relaxed), 0, "the body was drained");
    assert_eq!(content_files(&tmp.path().join("cache")).len(), 0);
}

/// A stream that, when `hesitant`, is not ready every other poll (and wakes
/// itself), as a network body is while the next chunk is in flight.
struct Hesitant<S> {
    inner: S,
    hesitant: bool,
    waited: bool,
}

impl<S: futures_lite::Stream + Unpin> futures_lite::Stream for Hesitant<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        if self.hesitant && !self.waited {
            self.waited = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.waited = false;
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

#[test]
fn tee_stores_a_body_of_many_batches_whole_and_in_order() {
    let (tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    // 5 MiB + 3 bytes in chunks that cross the 1 MiB batches unevenly,
    // one of them bigger than a batch.
    let body = pattern((5 << 20) + 3);
    let cuts = [
        0,
        1,
        300_001,
        600_002,
        900_003,
        (3 << 20) + 5,
        4 << 20,
        body.len(),
    ];
    for hesitant in [false, true] {
        let key = format!("k{hesitant}");
        let chunks: Vec<Result<Vec<u8>, io::Error>> = cuts
            .windows(2)
            .map(|w| Ok(body[w[0]..w[1]].to_vec()))
            .collect();
        let upstream = Hesitant {
            inner: stream::iter(chunks),
            hesitant,
            waited: false,
        };
        block_on(async {
            let mut tee = store.store(&key, &parts, &policy, upstream).await;
            let mut served = Vec::new();
            while let Some(chunk) = tee.next().await {
                served.extend_from_slice(&chunk.unwrap());
            }
            assert!(served == body, "the chunks are handed on in order");
            let sri = match tee.outcome() {
                Some(Ok(sri)) => sri.clone(),
                other => panic!("expected a stored body, got {other:?}"),
            };
            // The same integrity as a write of the whole body at once.
            let whole = store
                .store_bytes("whole", &parts, &policy, body.clone())
                .await
                .unwrap();
            assert_eq!(sri, whole);
            let cached = store.get_bytes(&key).await.unwrap().expect("stored");
            assert_eq!(cached.size, body.len() as u64);
            assert!(cached.body == body, "the body reads back as it was served");
        });
    }
    assert_eq!(content_files(&tmp.path().join("cache")).len(), 1);
    assert_eq!(temp_files(&tmp.path().join("cache")), 0);
}

#[test]
fn bytes_after_a_first_read_returns_the_rest() {
    let (_tmp, store) = new_store();
    let (parts, policy) = response(URL, &[]);
    let body = pattern(300_000);
    block_on(async {
        store
            .store_bytes("k", &parts, &policy, body.clone())
            .await
            .unwrap();
        let whole = store.get("k").await.unwrap().unwrap().body.bytes().await;
        assert!(whole.unwrap() == body);
        let mut cached = store.get("k").await.unwrap().unwrap().body;
        let mut head = [0u8; 10];
        cached.read_exact(&mut head).await.unwrap();
        assert_eq!(head, body[..10]);
        assert!(cached.bytes().await.unwrap() == body[10..]);
    });
}
