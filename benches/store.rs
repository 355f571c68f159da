//! capcache against cacache-rs, side by side in one run: small values,
//! 10-entry batches and 64 MiB values, with the sha512 throughput of the
//! `sha2` crate as the physical limit for the large cases.
//!
//! `read_sizes` reads values around the sizes where whole-value reads change
//! strategy (1 MiB: hashing overlapped with the read; with the `mmap`
//! feature, a memory map): run it with and without the feature to place the
//! threshold.
//!
//! `cargo bench --bench store` (add `-- --quick` for a fast pass).

use std::hint::black_box;
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

#[cfg(feature = "async")]
criterion_group!(benches, small, big, read_sizes, async_small);
#[cfg(not(feature = "async"))]
criterion_group!(benches, small, big, read_sizes);
criterion_main!(benches);
