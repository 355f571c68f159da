//! A key rewritten many times: capcache compacts buckets as they grow,
//! cacache-rs appends forever (zkat/cacache-rs#71). Compares reading such a
//! key with reading a fresh one, in both crates.
//!
//! `cargo bench --bench bucket_growth`; `CAPCACHE_REWRITES` sets capcache's
//! count (default 100 000; 1 000 000 takes about a minute to set up).
//! cacache-rs gets at most 20 000 rewrites: each of its writes slows as its
//! bucket grows, and 20 000 already shows the trend.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

fn rewrites() -> usize {
    std::env::var("CAPCACHE_REWRITES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn growth(c: &mut Criterion) {
    let n = rewrites();
    let tmp = tempfile::tempdir().unwrap();
    let ours = capcache::Cache::open(tmp.path().join("capcache")).unwrap();
    let theirs = tmp.path().join("cacache");
    let theirs_n = n.min(20_000);
    for i in 0..n {
        let value = (i as u64).to_le_bytes();
        ours.write_sync("hot", value).unwrap();
        if i < theirs_n {
            cacache::write_sync(&theirs, "hot", value).unwrap();
        }
    }
    ours.write_sync("fresh", b"x").unwrap();
    cacache::write_sync(&theirs, "fresh", b"x").unwrap();

    let mut g = c.benchmark_group(format!("rewritten_{n}_cacache_{theirs_n}"));
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("capcache/read_fresh", |b| {
        b.iter(|| ours.read_sync("fresh").unwrap())
    });
    g.bench_function("capcache/read_rewritten", |b| {
        b.iter(|| ours.read_sync("hot").unwrap())
    });
    g.bench_function("cacache/read_fresh", |b| {
        b.iter(|| cacache::read_sync(&theirs, "fresh").unwrap())
    });
    g.sample_size(10);
    g.bench_function("cacache/read_rewritten", |b| {
        b.iter(|| cacache::read_sync(&theirs, "hot").unwrap())
    });
    g.finish();
}

criterion_group!(benches, growth);
criterion_main!(benches);
