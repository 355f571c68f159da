//! Benchmark workloads, run the same way natively and in the guest
//! (`bench` mode), so `examples/bench.rs` can report the WASI overhead.
//!
//! Not a test: it prints `bench <name> <count> <bytes> <seconds>` lines.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use capcache::{CacheOptions, SyncReader, SyncWriter};
use capcache_test_support::data::pattern;

use crate::harness::{same_bytes, Check, Failure};

/// One timed workload.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Workload name.
    pub name: String,
    /// Operations done.
    pub count: usize,
    /// Bytes moved.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl Timing {
    /// The line the guest prints (parsed by the host).
    pub fn line(&self) -> String {
        format!(
            "bench {} {} {} {:.6}",
            self.name,
            self.count,
            self.bytes,
            self.elapsed.as_secs_f64()
        )
    }

    /// Parses a [`Timing::line`].
    pub fn parse(line: &str) -> Option<Timing> {
        let mut parts = line.strip_prefix("bench ")?.split_whitespace();
        let name = parts.next()?.to_owned();
        let count = parts.next()?.parse().ok()?;
        let bytes = parts.next()?.parse().ok()?;
        let secs: f64 = parts.next()?.parse().ok()?;
        Some(Timing {
            name,
            count,
            bytes,
            elapsed: Duration::from_secs_f64(secs),
        })
    }
}

fn timed(
    name: &str,
    count: usize,
    bytes: u64,
    f: impl FnOnce() -> Result<(), Failure>,
) -> Result<Timing, Failure> {
    let start = Instant::now();
    f()?;
    Ok(Timing {
        name: name.to_owned(),
        count,
        bytes,
        elapsed: start.elapsed(),
    })
}

/// Runs every workload in a fresh cache under `root`: `small` writes and
/// reads of 11-byte values (cacache-rs's benchmark size), ten reads of each of
/// the first 100 of them (a hot set), then one value of `big_mib` MiB written
/// and read whole and streamed. `kept` overrides how many shard directories
/// the cache keeps open ([`CacheOptions::keep_open_dirs`]).
pub fn workloads(
    root: &Path,
    small: usize,
    big_mib: usize,
    kept: Option<usize>,
) -> Result<Vec<Timing>, Failure> {
    let dir = root.join("bench");
    crate::suite::fresh_dir(&dir)?;
    let options = match kept {
        Some(n) => CacheOptions::new().keep_open_dirs(n),
        None => CacheOptions::new(),
    };
    let cache = options.open(&dir)?;
    let value = b"hello world";
    let keys: Vec<String> = (0..small).map(|i| format!("small-{i}")).collect();
    let big = pattern(big_mib * 1024 * 1024, 64);
    let big_len = big.len() as u64;
    let small_bytes = (small * value.len()) as u64;
    let mut out = Vec::new();
    out.push(timed("small_write", small, small_bytes, || {
        for key in &keys {
            cache.write_sync(key, value)?;
        }
        Ok(())
    })?);
    out.push(timed("small_read", small, small_bytes, || {
        for key in &keys {
            same_bytes(&cache.read_sync(key)?, value, key)?;
        }
        Ok(())
    })?);
    let hot = &keys[..keys.len().min(100)];
    out.push(timed(
        "small_reread_hot",
        hot.len() * 10,
        small_bytes,
        || {
            for _ in 0..10 {
                for key in hot {
                    same_bytes(&cache.read_sync(key)?, value, key)?;
                }
            }
            Ok(())
        },
    )?);
    out.push(timed("big_write", 1, big_len, || {
        cache.write_sync("big", &big).map(drop).map_err(Into::into)
    })?);
    // The comparison is checked after the clock stops: a 64 MiB compare
    // costs the guest (no SIMD) tens of milliseconds the library does not.
    let mut read = Vec::new();
    out.push(timed("big_read", 1, big_len, || {
        read = cache.read_sync("big")?;
        Ok(())
    })?);
    same_bytes(&read, &big, "big")?;
    drop(read);
    out.push(timed("big_stream_write", 1, big_len, || {
        let mut writer = SyncWriter::create(&cache, "big-streamed")?;
        for chunk in big.chunks(1024 * 1024) {
            writer.write_all(chunk).ctx("stream write")?;
        }
        writer.commit().map(drop).map_err(Into::into)
    })?);
    out.push(timed("big_stream_read", 1, big_len, || {
        let mut reader = SyncReader::open(&cache, "big-streamed")?;
        let mut buf = vec![0u8; 1024 * 1024];
        while reader.read(&mut buf).ctx("stream read")? > 0 {}
        reader.check().map(drop).map_err(Into::into)
    })?);
    crate::suite::fresh_dir(&dir)?;
    Ok(out)
}

/// Guest mode `bench [small [big_mib [kept]]]`.
pub fn main(root: &Path, args: &[String]) -> ExitCode {
    let small = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let big = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let kept = args.get(2).and_then(|a| a.parse().ok());
    match workloads(root, small, big, kept) {
        Ok(timings) => {
            for t in timings {
                println!("{}", t.line());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}
