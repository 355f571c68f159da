//! capcache against cacache-rs, side by side in one run: small values,
//! 10-entry batches and 64 MiB values, with the sha512 throughput of the
//! `sha2` crate as the physical limit for the large cases.
//!
//! `read_sizes` reads values around the sizes where whole-value reads change
//! strategy (1 MiB: hashing overlapped with the read; with the `mmap`
//! feature, a memory map): run it with and without the feature to place the
//! threshold.
//!
//! `by_path` compares the free functions taking a path with a `Cache`
//! handle and cacache-rs on small reads and writes in caches of 1,000 and
//! 100,000 entries (`CAPCACHE_BENCH_ENTRIES=1000,20000` picks other sizes;
//! populating 100,000 took 83 s for both stores on a loaded 2-core VM); each
//! cache is populated once, outside the timing, and only when a benchmark
//! of its size is selected.
//!
//! `fan_out` starts 10 or 100 small reads or writes at once as tokio tasks
//! (capcache's async API beside cacache-rs's tokio one); `threads` writes
//! distinct keys from 1 to 8 threads at once (throughput per thread count).
//!
//! `scale` lists those caches (capcache and cacache-rs) and verifies
//! capcache's, the whole-cache operations whose cost grows with the cache.
//!
//! `cargo bench --bench store` (add `-- --quick` for a fast pass;
//! `-- by_path` for the path comparison only, `-- scale` for the whole-cache
//! operations).

use std::cell::OnceCell;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sha2::{Digest, Sha512};

const SMALL: &[u8] = b"hello world";
const BIG: usize = 64 * 1024 * 1024;

fn small(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    let theirs = tmp.path().join("cacache");
    ours.write_sync("key", SMALL).unwrap();
    cacache::write_sync(&theirs, "key", SMALL).unwrap();

    let mut g = c.benchmark_group("small");
    g.bench_function("capcache/write", |b| {
        b.iter(|| ours.write_sync("key", black_box(SMALL)).unwrap())
    });
    g.bench_function("cacache/write", |b| {
        b.iter(|| cacache::write_sync(&theirs, "key", black_box(SMALL)).unwrap())
    });
    // Ours compacts itself past 16 KiB; compacting here leaves one line.
    // cacache-rs's bucket keeps every line written above (cacache-rs#71):
    // its read below pays for that, as its users' reads do.
    capcache::index::compact(&ours, "key").unwrap();
    g.bench_function("capcache/read", |b| {
        b.iter(|| ours.read_sync("key").unwrap())
    });
    g.bench_function("cacache/read", |b| {
        b.iter(|| cacache::read_sync(&theirs, "key").unwrap())
    });
    g.bench_function("capcache/read_path", |b| {
        b.iter(|| capcache::read_sync(tmp.path().join("capcache"), "key").unwrap())
    });
    // The same read where both buckets hold one line: the per-read cost
    // without cacache-rs's history above (which depends on how many
    // iterations the write benchmark happened to run).
    ours.write_sync("one", SMALL).unwrap();
    cacache::write_sync(&theirs, "one", SMALL).unwrap();
    g.bench_function("capcache/read_one_line", |b| {
        b.iter(|| ours.read_sync("one").unwrap())
    });
    g.bench_function("cacache/read_one_line", |b| {
        b.iter(|| cacache::read_sync(&theirs, "one").unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("batch10");
    let keys: Vec<String> = (0..10).map(|i| format!("key-{i}")).collect();
    g.bench_function("capcache/write", |b| {
        b.iter(|| {
            for k in &keys {
                ours.write_sync(k, SMALL).unwrap();
            }
        })
    });
    g.bench_function("cacache/write", |b| {
        b.iter(|| {
            for k in &keys {
                cacache::write_sync(&theirs, k, SMALL).unwrap();
            }
        })
    });
    g.finish();
}

/// Times `write` of a value not yet stored, each iteration: the first bytes
/// carry a counter, and the content is removed again outside the timing
/// (otherwise each iteration would leave 64 MiB behind).
fn time_new_writes(
    data: &mut [u8],
    iters: u64,
    mut write: impl FnMut(&[u8]) -> capcache::Integrity,
    mut remove: impl FnMut(&capcache::Integrity),
) -> Duration {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        data[..8].copy_from_slice(&n.to_le_bytes());
        let start = Instant::now();
        let sri = write(black_box(data));
        total += start.elapsed();
        remove(&sri);
    }
    total
}

/// 64 MiB values, all in sha512 (cacache-rs defaults to sha256, which is
/// faster with the SHA extensions: it is asked for sha512 here, so the
/// comparison is of the stores, not the hashes). `write` stores new content
/// each time; `rewrite` stores the same value again under the same key.
fn big(c: &mut Criterion) {
    let mut data: Vec<u8> = (0..BIG).map(|i| (i * 31 % 251) as u8).collect();
    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    let theirs = tmp.path().join("cacache");
    let sha512 = cacache::Algorithm::Sha512;
    // Stored up front, so that the reads (and a filtered run) find it.
    ours.write_sync("big", &data).unwrap();
    cacache::write_sync_with_algo(sha512, &theirs, "big", &data).unwrap();

    let mut g = c.benchmark_group("64MiB");
    g.throughput(Throughput::Bytes(BIG as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("sha2/sha512", |b| {
        b.iter(|| Sha512::digest(black_box(&data)))
    });
    g.bench_function("capcache/write", |b| {
        b.iter_custom(|iters| {
            time_new_writes(
                &mut data,
                iters,
                |d| ours.write_sync("new", d).unwrap(),
                |sri| ours.remove_hash_sync(sri).unwrap(),
            )
        })
    });
    g.bench_function("cacache/write", |b| {
        b.iter_custom(|iters| {
            time_new_writes(
                &mut data,
                iters,
                |d| cacache::write_sync_with_algo(sha512, &theirs, "new", d).unwrap(),
                |sri| cacache::remove_hash_sync(&theirs, sri).unwrap(),
            )
        })
    });
    g.bench_function("capcache/rewrite", |b| {
        b.iter(|| ours.write_sync("big", black_box(&data)).unwrap())
    });
    g.bench_function("cacache/rewrite", |b| {
        b.iter(|| cacache::write_sync_with_algo(sha512, &theirs, "big", black_box(&data)).unwrap())
    });
    g.bench_function("capcache/read", |b| {
        b.iter(|| ours.read_sync("big").unwrap())
    });
    g.bench_function("cacache/read", |b| {
        b.iter(|| cacache::read_sync(&theirs, "big").unwrap())
    });
    g.finish();
}

#[cfg(feature = "async")]
fn async_small(c: &mut Criterion) {
    use criterion::BenchmarkId;
    use futures_lite::StreamExt;

    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    ours.write_sync("key", SMALL).unwrap();
    let mut g = c.benchmark_group("async_small");
    for n in [1usize, 16] {
        g.bench_with_input(
            BenchmarkId::new("capcache/read_concurrent", n),
            &n,
            |b, &n| {
                b.iter(|| {
                    smol::block_on(async {
                        let reads = (0..n).map(|_| ours.read("key"));
                        for r in futures_lite::stream::iter(reads)
                            .then(|f| f)
                            .collect::<Vec<_>>()
                            .await
                        {
                            r.unwrap();
                        }
                    })
                })
            },
        );
    }
    g.finish();
}

fn read_sizes(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    let mut g = c.benchmark_group("read_sizes");
    g.sample_size(20);
    for kib in [256usize, 512, 1024, 2048, 4096, 16384] {
        let data: Vec<u8> = (0..kib * 1024).map(|i| (i * 31 % 251) as u8).collect();
        let key = format!("v{kib}");
        ours.write_sync(&key, &data).unwrap();
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("capcache/read/{kib}KiB"), |b| {
            b.iter(|| ours.read_sync(&key).unwrap())
        });
        g.bench_function(format!("sha2/sha512/{kib}KiB"), |b| {
            b.iter(|| Sha512::digest(black_box(&data)))
        });
    }
    g.finish();
}

/// The entry counts of `by_path`: `$CAPCACHE_BENCH_ENTRIES` (comma-separated)
/// or 1,000 and 100,000.
fn entry_counts() -> Vec<usize> {
    match std::env::var("CAPCACHE_BENCH_ENTRIES") {
        Ok(list) => list
            .split(',')
            .map(|n| n.trim().parse().expect("CAPCACHE_BENCH_ENTRIES: numbers"))
            .collect(),
        Err(_) => vec![1_000, 100_000],
    }
}

/// A capcache and a cacache-rs cache holding `n` small entries each (distinct
/// keys and values), plus the probe key `"probe"`.
struct Populated {
    _tmp: tempfile::TempDir,
    path: PathBuf,
    ours: capcache::Cache,
    theirs: PathBuf,
    sri: capcache::Integrity,
    theirs_sri: cacache::Integrity,
}

fn populate(n: usize) -> Populated {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("capcache");
    let theirs = tmp.path().join("cacache");
    let ours = capcache::Cache::open(&path).unwrap();
    let start = Instant::now();
    for i in 0..n {
        let (key, value) = (format!("entry-{i}"), format!("value-{i}"));
        ours.write_sync(&key, value.as_bytes()).unwrap();
        cacache::write_sync(&theirs, &key, value.as_bytes()).unwrap();
    }
    let sri = ours.write_sync("probe", SMALL).unwrap();
    let theirs_sri = cacache::write_sync(&theirs, "probe", SMALL).unwrap();
    eprintln!("by_path: populated {n} entries in {:?}", start.elapsed());
    Populated {
        _tmp: tmp,
        path,
        ours,
        theirs,
        sri,
        theirs_sri,
    }
}

/// Small reads and writes through a path (the free functions), through a
/// `Cache` handle and with cacache-rs (which always takes a path), at each
/// entry count. Reads use a key whose bucket holds one line on both sides;
/// writes rewrite one other key.
fn by_path(c: &mut Criterion) {
    for n in entry_counts() {
        let fixture = OnceCell::new();
        let get = || fixture.get_or_init(|| populate(n));
        let mut g = c.benchmark_group(format!("by_path/{n}"));
        g.bench_function("capcache/read_handle", |b| {
            let f = get();
            b.iter(|| f.ours.read_sync("probe").unwrap())
        });
        g.bench_function("capcache/read_path", |b| {
            let f = get();
            b.iter(|| capcache::read_sync(&f.path, "probe").unwrap())
        });
        g.bench_function("cacache/read", |b| {
            let f = get();
            b.iter(|| cacache::read_sync(&f.theirs, "probe").unwrap())
        });
        g.bench_function("capcache/read_hash_handle", |b| {
            let f = get();
            b.iter(|| f.ours.read_hash_sync(&f.sri).unwrap())
        });
        g.bench_function("capcache/read_hash_path", |b| {
            let f = get();
            b.iter(|| capcache::read_hash_sync(&f.path, &f.sri).unwrap())
        });
        g.bench_function("cacache/read_hash", |b| {
            let f = get();
            b.iter(|| cacache::read_hash_sync(&f.theirs, &f.theirs_sri).unwrap())
        });
        g.bench_function("capcache/write_handle", |b| {
            let f = get();
            b.iter(|| f.ours.write_sync("written", black_box(SMALL)).unwrap())
        });
        g.bench_function("capcache/write_path", |b| {
            let f = get();
            b.iter(|| capcache::write_sync(&f.path, "written", black_box(SMALL)).unwrap())
        });
        g.bench_function("cacache/write", |b| {
            let f = get();
            b.iter(|| cacache::write_sync(&f.theirs, "written", black_box(SMALL)).unwrap())
        });
        g.finish();

        // Whole-cache work on the same caches: a listing on both sides,
        // and capcache's verify (cacache-rs has none; `npm cache verify`
        // is compared in the README).
        let mut g = c.benchmark_group(format!("scale/{n}"));
        g.sample_size(10);
        g.bench_function("capcache/list", |b| {
            let f = get();
            b.iter(|| f.ours.list_sync().filter(|e| e.is_ok()).count())
        });
        g.bench_function("cacache/list", |b| {
            let f = get();
            b.iter(|| cacache::list_sync(&f.theirs).filter(|e| e.is_ok()).count())
        });
        g.bench_function("capcache/verify", |b| {
            let f = get();
            b.iter(|| capcache::verify_sync(&f.ours, capcache::VerifyOpts::new()).unwrap())
        });
        g.finish();
    }
}

/// `n` small reads, then `n` small writes of distinct keys, started at once
/// as tasks on a 2-worker tokio runtime: capcache's async API (one hop to
/// its blocking pool per call) beside cacache-rs's tokio one.
#[cfg(feature = "async")]
fn fan_out(c: &mut Criterion) {
    use criterion::BenchmarkId;

    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    let theirs = tmp.path().join("cacache");
    ours.write_sync("key", SMALL).unwrap();
    cacache::write_sync(&theirs, "key", SMALL).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Every task of a round, awaited in turn (they all run meanwhile).
    async fn all<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) {
        for task in tasks {
            black_box(task.await.unwrap());
        }
    }
    let mut g = c.benchmark_group("fan_out");
    for n in [10usize, 100] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("capcache/read", n), &n, |b, &n| {
            b.iter(|| {
                rt.block_on(async {
                    all((0..n)
                        .map(|_| {
                            let c = ours.clone();
                            tokio::spawn(async move { c.read("key").await.unwrap() })
                        })
                        .collect())
                    .await
                })
            })
        });
        g.bench_with_input(BenchmarkId::new("cacache/read", n), &n, |b, &n| {
            b.iter(|| {
                rt.block_on(async {
                    all((0..n)
                        .map(|_| {
                            let p = theirs.clone();
                            tokio::spawn(async move { cacache::read(&p, "key").await.unwrap() })
                        })
                        .collect())
                    .await
                })
            })
        });
        g.bench_with_input(BenchmarkId::new("capcache/write", n), &n, |b, &n| {
            b.iter(|| {
                rt.block_on(async {
                    all((0..n)
                        .map(|i| {
                            let c = ours.clone();
                            tokio::spawn(
                                async move { c.write(format!("w{i}"), SMALL).await.unwrap() },
                            )
                        })
                        .collect())
                    .await
                })
            })
        });
        g.bench_with_input(BenchmarkId::new("cacache/write", n), &n, |b, &n| {
            b.iter(|| {
                rt.block_on(async {
                    all((0..n)
                        .map(|i| {
                            let p = theirs.clone();
                            tokio::spawn(async move {
                                cacache::write(&p, format!("w{i}"), SMALL).await.unwrap()
                            })
                        })
                        .collect())
                    .await
                })
            })
        });
    }
    g.finish();
}

/// Small writes of distinct keys from 1, 2, 4 and 8 threads at once (100
/// writes per thread per iteration), blocking APIs on both sides: whether
/// throughput grows with threads (the index lock is shared for appends).
fn threads(c: &mut Criterion) {
    use criterion::BenchmarkId;

    const PER_THREAD: usize = 100;
    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    let theirs = tmp.path().join("cacache");
    let mut g = c.benchmark_group("threads");
    g.sample_size(20);
    for t in [1usize, 2, 4, 8] {
        g.throughput(Throughput::Elements((t * PER_THREAD) as u64));
        g.bench_with_input(BenchmarkId::new("capcache/write", t), &t, |b, &t| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for i in 0..t {
                        let ours = &ours;
                        scope.spawn(move || {
                            for j in 0..PER_THREAD {
                                ours.write_sync(format!("t{i}-{j}"), SMALL).unwrap();
                            }
                        });
                    }
                })
            })
        });
        g.bench_with_input(BenchmarkId::new("cacache/write", t), &t, |b, &t| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for i in 0..t {
                        let theirs = &theirs;
                        scope.spawn(move || {
                            for j in 0..PER_THREAD {
                                cacache::write_sync(theirs, format!("t{i}-{j}"), SMALL).unwrap();
                            }
                        });
                    }
                })
            })
        });
    }
    g.finish();
}

#[cfg(feature = "async")]
criterion_group!(
    benches,
    small,
    big,
    read_sizes,
    async_small,
    fan_out,
    threads,
    by_path
);
#[cfg(not(feature = "async"))]
criterion_group!(benches, small, big, read_sizes, threads, by_path);
criterion_main!(benches);
