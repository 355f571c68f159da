//! capcache against cacache-rs in alternating rounds, for the comparisons
//! too close for criterion on a noisy machine: criterion measures one
//! contender after the other, so a drift of the machine between them (on
//! the 2-core VM this was written on, twofold within minutes) lands in the
//! ratio. Here each round times both, and the medians of the rounds are
//! compared.
//!
//! - `small_read_hot` / `small_read_distinct`: 1 KiB values read through a
//!   `Cache` against `cacache::read_sync`, one key again and again / 1,000
//!   keys in turn, one-line buckets in fresh caches, sha512 on both sides
//!   (60 rounds of 1,000 reads each); `small_read_defaults`: 1,000 keys,
//!   each crate writing in its default algorithm (cacache-rs: sha256).
//! - `read_path`, `read_hash_path`: the same through the free functions
//!   that take a path (cacache-rs's API), 1,000 keys / an 11-byte value.
//! - `list`: `list_sync` of a cache of `CAPCACHE_AB_ENTRIES` entries
//!   (default 20,000) written by capcache in cacache-rs's index format, so
//!   both list the very same directory (5 rounds; populating it is not
//!   timed).
//!
//! `cargo bench --bench interleaved` (`-- small_read`, `-- hot`, `-- distinct` or `-- list` to pick).

fn main() {
    // Natively only: cacache-rs, the peer, is not built for WASI.
    #[cfg(not(target_family = "wasm"))]
    native::main();
}

#[cfg(not(target_family = "wasm"))]
mod native {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    /// Times `ours` and `theirs` alternately, `rounds` times each, and
    /// prints the medians and their ratio.
    fn compare(
        name: &str,
        rounds: usize,
        per_round: u32,
        mut ours: impl FnMut(),
        mut theirs: impl FnMut(),
    ) {
        let time = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            for _ in 0..per_round {
                f();
            }
            start.elapsed() / per_round
        };
        let (mut a, mut b): (Vec<Duration>, Vec<Duration>) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            a.push(time(&mut ours));
            b.push(time(&mut theirs));
        }
        a.sort();
        b.sort();
        let (a, b) = (a[rounds / 2], b[rounds / 2]);
        println!(
            "{name:<20} capcache {a:>12.2?}   cacache-rs {b:>12.2?}   ratio {:.2}   ({rounds} rounds of {per_round})",
            a.as_secs_f64() / b.as_secs_f64()
        );
    }

    /// 1 KiB values in sha512 on both sides (set on both, whatever the
    /// defaults), or with `defaults` in each one's default (cacache-rs:
    /// sha256; capcache: sha512, npm's): `distinct` reads 1,000 keys in turn, else one
    /// key again and again.
    fn small_read(distinct: bool, defaults: bool) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ours = capcache::Cache::open(tmp.path().join("capcache")).expect("open");
        let theirs = tmp.path().join("cacache");
        let value = vec![7u8; 1024];
        let keys: Vec<String> = (0..if distinct { 1000 } else { 1 })
            .map(|i| format!("key-{i}"))
            .collect();
        for key in &keys {
            if defaults {
                ours.write_sync(key, &value).expect("write");
                cacache::write_sync(&theirs, key, &value).expect("write");
            } else {
                let sha512 = capcache::Algorithm::Sha512;
                capcache::write_sync_with_algo(sha512, &ours, key, &value).expect("write");
                cacache::write_sync_with_algo(sha512, &theirs, key, &value).expect("write");
            }
        }
        let (mut a, mut b) = (keys.iter().cycle(), keys.iter().cycle());
        compare(
            match (distinct, defaults) {
                (_, true) => "small_read_defaults",
                (true, false) => "small_read_distinct",
                (false, false) => "small_read_hot",
            },
            60,
            1000,
            || {
                let key = a.next().expect("cycle");
                black_box(ours.read_sync(key).expect("read"));
            },
            || {
                let key = b.next().expect("cycle");
                black_box(cacache::read_sync(&theirs, key).expect("read"));
            },
        );
    }

    /// The free functions taking a path (the cacache-rs API), sha512 on
    /// both sides: `read_sync` of 1,000 keys in turn and `read_hash_sync`
    /// of an 11-byte value.
    fn by_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (ours, theirs) = (tmp.path().join("capcache"), tmp.path().join("cacache"));
        let keys: Vec<String> = (0..1000).map(|i| format!("key-{i}")).collect();
        let value = vec![7u8; 1024];
        let sha512 = capcache::Algorithm::Sha512;
        for key in &keys {
            capcache::write_sync_with_algo(sha512, &ours, key, &value).expect("write");
            cacache::write_sync_with_algo(sha512, &theirs, key, &value).expect("write");
        }
        let (mut a, mut b) = (keys.iter().cycle(), keys.iter().cycle());
        compare(
            "read_path",
            60,
            1000,
            || {
                let key = a.next().expect("cycle");
                black_box(capcache::read_sync(&ours, key).expect("read"));
            },
            || {
                let key = b.next().expect("cycle");
                black_box(cacache::read_sync(&theirs, key).expect("read"));
            },
        );
        let small = b"hello world";
        let sri = capcache::write_sync_with_algo(sha512, &ours, "small", small).expect("write");
        cacache::write_sync_with_algo(sha512, &theirs, "small", small).expect("write");
        compare(
            "read_hash_path",
            60,
            1000,
            || {
                black_box(capcache::read_hash_sync(&ours, &sri).expect("read"));
            },
            || {
                black_box(cacache::read_hash_sync(&theirs, &sri).expect("read"));
            },
        );
    }

    fn list() {
        let entries: usize = std::env::var("CAPCACHE_AB_ENTRIES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("cache");
        let cache = capcache::CacheOptions::new()
            .format(capcache::IndexFormat::CacacheRs)
            .open(&dir)
            .expect("open");
        let value = vec![7u8; 1024];
        for i in 0..entries {
            cache
                .write_sync(format!("entry-{i}"), &value)
                .expect("write");
        }
        // Every entry is taken (and must be readable), as a user's loop would.
        fn drain<T, E: std::fmt::Debug>(listing: impl Iterator<Item = Result<T, E>>) -> usize {
            listing
                .map(|e| black_box(e.expect("entry")))
                .fold(0, |n, _| n + 1)
        }
        compare(
            "list",
            5,
            1,
            || assert_eq!(drain(capcache::list_sync(&dir)), entries),
            || assert_eq!(drain(cacache::list_sync(&dir)), entries),
        );
    }

    pub fn main() {
        // `cargo bench` passes `--bench`; a plain word picks workloads.
        let picked: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let wanted = |name: &str| picked.is_empty() || picked.iter().any(|p| name.contains(p));
        if wanted("small_read_hot") {
            small_read(false, false);
        }
        if wanted("small_read_distinct") {
            small_read(true, false);
        }
        if wanted("small_read_defaults") {
            small_read(true, true);
        }
        if wanted("read_path") || wanted("read_hash_path") {
            by_path();
        }
        if wanted("list") {
            list();
        }
    }
}
