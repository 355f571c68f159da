//! One cache used from many threads and from other executors. Native only:
//! WASI preview 1 has no threads.
#![cfg(not(target_family = "wasm"))]

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;

use crate::common::*;
use capcache::{Cache, EntryIter, Error, IndexFormat, Metadata};

/// What the docs promise, checked by the compiler.
#[test]
fn handles_errors_and_results_cross_threads() {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    fn send_sync<T: Send + Sync + 'static>() {}
    fn send<T: Send + 'static>() {}
    send_sync_clone::<Cache>();
    send_sync_clone::<Metadata>();
    send_sync::<Error>();
    send::<EntryIter>();
    #[cfg(feature = "async")]
    send::<capcache::index::EntryStream>();
}

fn value(thread: usize, i: usize) -> Vec<u8> {
    format!("value {i} from thread {thread}").into_bytes()
}

/// Eight threads write through clones of one handle at once: distinct keys,
/// one shared key (whose bucket grows past the compaction threshold while
/// the others append to it) and identical data under per-thread keys.
#[test]
fn threads_write_concurrently_through_one_handle() {
    const THREADS: usize = 8;
    const KEYS: usize = 40;
    let (_tmp, cache) = new_cache();
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let cache = cache.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for i in 0..KEYS {
                    cache.write_sync(format!("t{t}-k{i}"), value(t, i)).unwrap();
                    cache.write_sync("shared", value(t, i)).unwrap();
                    cache
                        .write_sync(format!("same-{t}"), b"identical bytes")
                        .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("writer thread panicked");
    }

    for t in 0..THREADS {
        for i in 0..KEYS {
            assert_eq!(cache.read_sync(format!("t{t}-k{i}")).unwrap(), value(t, i));
        }
        assert_eq!(
            cache.read_sync(format!("same-{t}")).unwrap(),
            b"identical bytes"
        );
    }
    // The shared key holds the value of the last append, which is some
    // thread's last write.
    let shared = cache.read_sync("shared").unwrap();
    let finals: HashSet<Vec<u8>> = (0..THREADS).map(|t| value(t, KEYS - 1)).collect();
    assert!(
        finals.contains(&shared),
        "{:?}",
        String::from_utf8_lossy(&shared)
    );
    // Every line of the contended bucket is whole and valid.
    for line in bucket_lines(&bucket_path(root(&cache), IndexFormat::Npm, "shared")) {
        assert_eq!(
            line.hash,
            sha1_hex(line.json.as_bytes()),
            "torn line {line:?}"
        );
    }
    let listed = sorted_ok(cache.list_sync().collect());
    assert_eq!(listed.len(), THREADS * KEYS + 1 + THREADS);
    // Identical bytes are one content file, however many threads raced.
    let sri = cache.metadata_sync("same-0").unwrap().unwrap().integrity;
    assert!(content_path(root(&cache), &sri).is_file());
    assert_eq!(
        content_files(root(&cache)).len(),
        THREADS * KEYS + 1,
        "one file per distinct value"
    );
    assert!(tmp_files(root(&cache)).is_empty(), "no temp files left");
}

/// Threads that each open the cache by path (separate handles, as separate
/// processes would) do not lose each other's entries.
#[test]
fn separate_handles_on_one_path_write_concurrently() {
    let (tmp, _cache) = new_cache();
    let path = tmp.path().join("cache");
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            thread::spawn(move || {
                for i in 0..30 {
                    capcache::write_sync(&path, format!("k{t}-{i}"), value(t, i)).unwrap();
                    capcache::write_sync(&path, "shared", value(t, i)).unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    for t in 0..4 {
        for i in 0..30 {
            assert_eq!(
                capcache::read_sync(&path, format!("k{t}-{i}")).unwrap(),
                value(t, i)
            );
        }
    }
    assert_eq!(capcache::list_sync(&path).count(), 4 * 30 + 1);
}

/// Readers racing a writer that rewrites (and so compacts) one key always
/// get a whole, verified value: never an error, never a mix.
#[test]
fn reads_racing_rewrites_see_whole_values() {
    let (_tmp, cache) = new_cache();
    cache.write_sync("k", vec![0u8; 4096]).unwrap();
    let writer = {
        let cache = cache.clone();
        thread::spawn(move || {
            for i in 1..=300u32 {
                cache.write_sync("k", vec![(i % 251) as u8; 4096]).unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let cache = cache.clone();
            thread::spawn(move || {
                for _ in 0..300 {
                    let got = cache.read_sync("k").expect("a read during rewrites");
                    assert_eq!(got.len(), 4096);
                    assert!(got.iter().all(|&b| b == got[0]), "mixed value");
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(cache.read_sync("k").unwrap(), vec![(300 % 251) as u8; 4096]);
}

/// capcache's futures run on tokio's multi-threaded runtime: they are
/// `Send`, need no smol executor, and may move between worker threads.
#[cfg(feature = "async")]
#[test]
fn async_api_runs_on_a_tokio_multi_thread_runtime() {
    use futures_lite::StreamExt;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (_tmp, cache) = new_cache();
    runtime.block_on(async {
        let writes: Vec<_> = (0..32u8)
            .map(|i| {
                tokio::spawn(capcache::write(
                    cache.clone(),
                    format!("k{i}"),
                    vec![i; 100],
                ))
            })
            .collect();
        for write in writes {
            write.await.unwrap().unwrap();
        }
        let reads: Vec<_> = (0..32u8)
            .map(|i| {
                let cache = cache.clone();
                tokio::spawn(async move { (i, cache.read(format!("k{i}")).await) })
            })
            .collect();
        for read in reads {
            let (i, data) = read.await.unwrap();
            assert_eq!(data.unwrap(), vec![i; 100]);
        }

        let c = cache.clone();
        let removed = tokio::spawn(async move {
            c.remove("k0").await?;
            capcache::index::delete_async(c.clone(), "k1").await?;
            capcache::metadata(c.clone(), "k0").await
        });
        assert_eq!(removed.await.unwrap().unwrap(), None);

        let c = cache.clone();
        let listed = tokio::spawn(async move { capcache::list(c).collect::<Vec<_>>().await });
        let listed = listed.await.unwrap();
        assert_eq!(listed.len(), 30);
        assert!(listed.iter().all(|m| m.is_ok()));

        let c = cache.clone();
        let compacted = tokio::spawn(async move {
            c.write("k2", b"newer").await?;
            c.compact("k2").await
        });
        assert_eq!(compacted.await.unwrap().unwrap(), 1);
    });
    assert_eq!(cache.read_sync("k2").unwrap(), b"newer");
}

/// Many async operations in flight at once on smol's executor.
#[cfg(feature = "async")]
#[test]
fn async_fan_out_on_smol() {
    let (_tmp, cache) = new_cache();
    smol::block_on(async {
        let tasks: Vec<_> = (0..64u32)
            .map(|i| {
                let cache = cache.clone();
                smol::spawn(async move {
                    let sri = cache.write(format!("k{i}"), i.to_le_bytes()).await?;
                    let data = cache.read_hash(&sri).await?;
                    Ok::<_, Error>((i, data))
                })
            })
            .collect();
        for task in tasks {
            let (i, data) = task.await.unwrap();
            assert_eq!(data, i.to_le_bytes());
        }
    });
    assert_eq!(sorted_ok(cache.list_sync().collect()).len(), 64);
}
