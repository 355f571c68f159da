//! The suite's child process: the tests spawn it to be SIGKILLed mid-way
//! (`crash`), to race other processes on one cache (`concurrent`), and to
//! run writes under resource limits that must not touch the test process
//! (`resource`, Linux), and to run a durable workload under `strace` whose
//! recorded calls the power-loss test replays (`power`).
//!
//! It reports to its parent through an append-only log: `B <id> <op> <key>
//! <version> <len>` before an operation, `A <id> <sri>` after it returned
//! `Ok`, `E <id> <variant> <message>` after an error; each line is one
//! `write(2)`, so a SIGKILL loses at most the line being written, never an
//! acknowledged one (the page cache outlives the process).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use capcache::{Cache, GcOpts, VerifyOpts};
use capcache_reliability::{values, variant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> &str { args.get(i).map(String::as_str).unwrap_or_else(|| usage()) };
    let num = |i: usize| -> u64 { arg(i).parse().unwrap_or_else(|_| usage()) };
    let code = match arg(0) {
        "crash" => crash(Path::new(arg(1)), Path::new(arg(2)), num(3), num(4)),
        "concurrent" => concurrent(Path::new(arg(1)), Path::new(arg(2)), num(3), num(4), num(5)),
        #[cfg(target_os = "linux")]
        "power" => power(
            Path::new(arg(1)),
            Path::new(arg(2)),
            num(3),
            num(4),
            num(5) != 0,
        ),
        #[cfg(target_os = "linux")]
        "resource" => resource::run(arg(1), Path::new(arg(2)), &args[3..]),
        _ => usage(),
    };
    std::process::exit(code);
}

fn usage() -> ! {
    eprintln!(
        "usage: worker crash CACHE LOG SEED CHILD | concurrent CACHE LOG SEED ID OPS | power CACHE LOG SEED OPS DURABLE | resource SCENARIO CACHE ..."
    );
    std::process::exit(64);
}

/// The append-only report to the parent.
struct Log(File);

impl Log {
    fn open(path: &Path) -> Log {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|e| panic!("open log {}: {e}", path.display()));
        Log(file)
    }

    /// One line, one `write(2)`.
    fn line(&mut self, text: &str) {
        let mut line = text.replace('\n', " ");
        line.push('\n');
        self.0.write_all(line.as_bytes()).expect("write log");
    }
}

/// The operations a crash child performs, in random order, forever (up to a
/// bound); the parent kills it at a random moment.
#[derive(Debug, Clone, Copy)]
enum CrashOp {
    Write,
    Stream,
    Async,
    Rewrite,
    Remove,
    Compact,
    Verify,
    VerifyZeroGrace,
    Gc,
    GcZeroGrace,
}

fn crash(root: &Path, log: &Path, seed: u64, child: u64) -> i32 {
    let mut log = Log::open(log);
    let mut rng = fastrand::Rng::with_seed(seed);
    let cache = Cache::open(root).expect("open cache");
    // What this child wrote last per key (it is the only writer).
    let mut last: std::collections::HashMap<String, (u64, usize)> = Default::default();
    log.line("S");
    for id in 0..100_000u64 {
        let key = format!("c{}", rng.u64(..capcache_reliability::CRASH_KEYS));
        let op = match rng.u32(0..100) {
            0..=34 => CrashOp::Write,
            35..=44 => CrashOp::Stream,
            45..=54 => CrashOp::Async,
            55..=64 => CrashOp::Rewrite,
            65..=74 => CrashOp::Remove,
            75..=84 => CrashOp::Compact,
            85..=87 => CrashOp::Verify,
            88..=90 => CrashOp::VerifyZeroGrace,
            91..=94 => CrashOp::Gc,
            _ => CrashOp::GcZeroGrace,
        };
        let fresh = (child * 1_000_000 + id, values::pick_len(&mut rng));
        let (version, len) = match op {
            CrashOp::Rewrite => last.get(&key).copied().unwrap_or(fresh),
            _ => fresh,
        };
        log.line(&format!("B {id} {op:?} {key} {version} {len}"));
        let value = || values::value(&key, version, len);
        let result: capcache::Result<String> = match op {
            CrashOp::Write | CrashOp::Rewrite => {
                cache.write_sync(&key, value()).map(|s| s.to_string())
            }
            CrashOp::Stream => stream_write(&cache, &key, &value(), &mut rng),
            CrashOp::Async => {
                futures_lite::future::block_on(cache.write(&key, value())).map(|s| s.to_string())
            }
            CrashOp::Remove => cache.remove_sync(&key).map(|()| "-".into()),
            CrashOp::Compact => cache.compact_sync(&key).map(|n| n.to_string()),
            CrashOp::Verify => capcache::verify_sync(&cache, VerifyOpts::new()).map(|_| "-".into()),
            // One process at a time writes: zero grace is safe here.
            CrashOp::VerifyZeroGrace => {
                capcache::verify_sync(&cache, VerifyOpts::new().grace(Duration::ZERO))
                    .map(|_| "-".into())
            }
            CrashOp::Gc => capcache::gc_sync(&cache, GcOpts::new()).map(|_| "-".into()),
            CrashOp::GcZeroGrace => {
                capcache::gc_sync(&cache, GcOpts::new().grace(Duration::ZERO)).map(|_| "-".into())
            }
        };
        match result {
            Ok(what) => {
                log.line(&format!("A {id} {what}"));
                match op {
                    CrashOp::Write | CrashOp::Stream | CrashOp::Async | CrashOp::Rewrite => {
                        last.insert(key, (version, len));
                    }
                    CrashOp::Remove => {
                        last.remove(&key);
                    }
                    _ => {}
                }
            }
            Err(e) => {
                log.line(&format!("E {id} {} {e}", variant(&e)));
                return 1;
            }
        }
    }
    0
}

/// The workload of the power-loss test (`tests/power.rs`): `ops` random
/// operations on the keys [`POWER_KEYS`](capcache_reliability::power::POWER_KEYS)
/// of a cache opened with `durable(durable)`, run under `strace`: whole and
/// streamed writes, rewrites of a key's value, removes, compactions (the
/// first one of the long bucket the test prepared) and zero-grace
/// `verify`. Each operation is logged before (`B <id> <op> <key>
/// <version> <len>`) and after it returned `Ok` (`A <id>`), one `write(2)`
/// each, so the trace itself shows where every acknowledgment falls among
/// the cache's calls. Any error ends the run (`E <id> ...`, exit 1).
#[cfg(target_os = "linux")]
fn power(root: &Path, log: &Path, seed: u64, ops: u64, durable: bool) -> i32 {
    use capcache_reliability::power::{power_len, POWER_KEYS};
    let mut log = Log::open(log);
    let mut rng = fastrand::Rng::with_seed(seed);
    let cache = capcache::CacheOptions::new()
        .durable(durable)
        .open(root)
        .expect("open cache");
    let mut last: std::collections::HashMap<String, (u64, usize)> = Default::default();
    log.line("S");
    for id in 0..ops {
        let key = POWER_KEYS[rng.usize(..POWER_KEYS.len())].to_owned();
        // The first operation rewrites the long bucket the test prepared
        // (`p0`, written 40 times), so every run has one.
        let roll = if id == 0 { 85 } else { rng.u32(0..100) };
        let key = if id == 0 {
            POWER_KEYS[0].to_owned()
        } else {
            key
        };
        let (op, version, len) = match (roll, last.get(&key)) {
            (0..=34, _) => ("Write", seed.wrapping_add(id), power_len(&mut rng)),
            (35..=54, _) => ("Stream", seed.wrapping_add(id), power_len(&mut rng)),
            (55..=66, Some(&(v, l))) => ("Rewrite", v, l),
            (55..=66, None) => ("Write", seed.wrapping_add(id), power_len(&mut rng)),
            (67..=79, _) => ("Remove", 0, 0),
            (80..=91, _) => ("Compact", 0, 0),
            _ => ("Verify", 0, 0),
        };
        log.line(&format!("B {id} {op} {key} {version} {len}"));
        let result = match op {
            "Write" | "Rewrite" => cache
                .write_sync(&key, values::value(&key, version, len))
                .map(drop),
            "Stream" => {
                stream_write(&cache, &key, &values::value(&key, version, len), &mut rng).map(drop)
            }
            "Remove" => cache.remove_sync(&key),
            "Compact" => cache.compact_sync(&key).map(drop),
            _ => capcache::verify_sync(&cache, VerifyOpts::new().grace(Duration::ZERO)).map(drop),
        };
        match result {
            Ok(()) => {
                log.line(&format!("A {id}"));
                match op {
                    "Write" | "Rewrite" | "Stream" => {
                        last.insert(key, (version, len));
                    }
                    "Remove" => {
                        last.remove(&key);
                    }
                    _ => {}
                }
            }
            Err(e) => {
                log.line(&format!("E {id} {} {e}", variant(&e)));
                return 1;
            }
        }
    }
    0
}

/// A `SyncWriter` fed in random chunks.
fn stream_write(
    cache: &Cache,
    key: &str,
    value: &[u8],
    rng: &mut fastrand::Rng,
) -> capcache::Result<String> {
    let mut writer = capcache::SyncWriter::create(cache, key)?;
    for chunk in value.chunks(rng.usize(1..64 * 1024)) {
        writer.write_all(chunk).map_err(|e| capcache::Error::Io {
            path: "SyncWriter".into(),
            source: e,
        })?;
    }
    writer.commit().map(|s| s.to_string())
}

/// One of several processes racing on one cache: writes, reads, removes and
/// compacts its own keys and writes and reads shared ones, and runs verify
/// and gc (zero grace too) meanwhile. Every error is logged (`E`); reads of
/// its own keys must return exactly what it last wrote. At the end it logs
/// `F <key> <version> <len>` (or `F <key> absent`) for its own keys.
fn concurrent(root: &Path, log: &Path, seed: u64, id: u64, ops: u64) -> i32 {
    let mut log = Log::open(log);
    let mut rng = fastrand::Rng::with_seed(seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let cache = Cache::open(root).expect("open cache");
    let mut own: std::collections::BTreeMap<String, Option<(u64, usize)>> =
        (0..8).map(|k| (format!("p{id}-k{k}"), None)).collect();
    let mut errors = 0;
    for n in 0..ops {
        let version = id * 1_000_000 + n;
        let len = if rng.u32(0..10) == 0 {
            values::pick_len(&mut rng)
        } else {
            rng.usize(40..4096)
        };
        let own_key = format!("p{id}-k{}", rng.u32(0..8));
        let shared_key = format!("shared-{}", rng.u32(0..4));
        let (what, result): (String, capcache::Result<()>) = match rng.u32(0..100) {
            0..=29 => {
                let r = cache.write_sync(&own_key, values::value(&own_key, version, len));
                if r.is_ok() {
                    own.insert(own_key.clone(), Some((version, len)));
                }
                (format!("write {own_key}"), r.map(drop))
            }
            30..=34 => {
                let r = stream_write(
                    &cache,
                    &own_key,
                    &values::value(&own_key, version, len),
                    &mut rng,
                );
                if r.is_ok() {
                    own.insert(own_key.clone(), Some((version, len)));
                }
                (format!("stream {own_key}"), r.map(drop))
            }
            35..=39 => {
                let r = futures_lite::future::block_on(
                    cache.write(&own_key, values::value(&own_key, version, len)),
                );
                if r.is_ok() {
                    own.insert(own_key.clone(), Some((version, len)));
                }
                (format!("async {own_key}"), r.map(drop))
            }
            40..=59 => {
                let expected = own[&own_key];
                let r = match (cache.read_sync(&own_key), expected) {
                    (Ok(bytes), Some((v, l))) if bytes == values::value(&own_key, v, l) => Ok(()),
                    (Err(capcache::Error::EntryNotFound { .. }), None) => Ok(()),
                    (Err(e), _) => Err(e),
                    (Ok(bytes), _) => {
                        log.line(&format!(
                            "E {n} WrongValue read {own_key}: got {:?}, expected {expected:?}",
                            values::parse(&bytes)
                        ));
                        errors += 1;
                        Ok(())
                    }
                };
                (format!("read {own_key}"), r)
            }
            60..=69 => {
                let r = cache.write_sync(&shared_key, values::value(&shared_key, version, len));
                if let Ok(sri) = &r {
                    log.line(&format!("W {shared_key} {version} {len} {sri}"));
                }
                (format!("write {shared_key}"), r.map(drop))
            }
            70..=79 => {
                let r = match cache.read_sync(&shared_key) {
                    Ok(bytes) => match values::parse(&bytes) {
                        Some((k, _)) if k == shared_key => Ok(()),
                        other => {
                            log.line(&format!(
                                "E {n} WrongValue read {shared_key}: got {other:?}"
                            ));
                            errors += 1;
                            Ok(())
                        }
                    },
                    Err(capcache::Error::EntryNotFound { .. }) => Ok(()),
                    Err(e) => Err(e),
                };
                (format!("read {shared_key}"), r)
            }
            80..=84 => {
                let r = cache.remove_sync(&own_key);
                if r.is_ok() {
                    own.insert(own_key.clone(), None);
                }
                (format!("remove {own_key}"), r)
            }
            85..=91 => {
                let key = if rng.bool() { &own_key } else { &shared_key };
                (format!("compact {key}"), cache.compact_sync(key).map(drop))
            }
            92..=95 => {
                let zero = rng.bool();
                let opts = if zero {
                    VerifyOpts::new().grace(Duration::ZERO)
                } else {
                    VerifyOpts::new()
                };
                (
                    format!("verify zero-grace={zero}"),
                    capcache::verify_sync(&cache, opts).map(drop),
                )
            }
            _ => {
                let zero = rng.bool();
                let opts = if zero {
                    GcOpts::new().grace(Duration::ZERO)
                } else {
                    GcOpts::new()
                };
                (
                    format!("gc zero-grace={zero}"),
                    capcache::gc_sync(&cache, opts).map(drop),
                )
            }
        };
        if let Err(e) = result {
            log.line(&format!("E {n} {} {what}: {e}", variant(&e)));
            errors += 1;
        }
    }
    for (key, state) in &own {
        match state {
            Some((v, l)) => log.line(&format!("F {key} {v} {l}")),
            None => log.line(&format!("F {key} absent")),
        }
    }
    i32::from(errors > 0)
}

/// Writes under resource limits, set on this process alone.
#[cfg(target_os = "linux")]
mod resource {
    use super::*;

    /// Prints one line per attempt: `OK <sri>` or `ERR <variant> <errno|-> <kind> <path>`.
    fn report(result: &capcache::Result<capcache::Integrity>) {
        match result {
            Ok(sri) => println!("OK {sri}"),
            Err(e) => {
                let (errno, kind) = match e.io_error() {
                    Some(io) => (
                        io.raw_os_error().map_or("-".to_owned(), |n| n.to_string()),
                        format!("{:?}", io.kind()),
                    ),
                    None => ("-".to_owned(), "-".to_owned()),
                };
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                println!("ERR {} {errno} {kind} {path}", variant(e));
            }
        }
    }

    /// Sets the soft limit (the hard one stays, so it can be raised again).
    fn set_limit(resource: libc::__rlimit_resource_t, value: u64) {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain syscalls on a valid struct.
        unsafe {
            assert_eq!(libc::getrlimit(resource, &mut lim), 0, "getrlimit");
            lim.rlim_cur = value.min(lim.rlim_max);
            assert_eq!(libc::setrlimit(resource, &lim), 0, "setrlimit");
        }
    }

    /// Writes `value` under `key` with the API named by `how`.
    fn write(
        cache: &Cache,
        how: &str,
        key: &str,
        value: &[u8],
    ) -> capcache::Result<capcache::Integrity> {
        match how {
            "sync" => cache.write_sync(key, value),
            "stream" => {
                let mut w = capcache::SyncWriter::create(cache, key)?;
                let mut result = Ok(());
                for chunk in value.chunks(16 * 1024) {
                    if let Err(e) = w.write_all(chunk) {
                        result = Err(e);
                        break;
                    }
                }
                match result {
                    // The error the user sees first is the write's: an
                    // io::Error wrapping the library's (with its path).
                    Err(e) => Err(
                        match e
                            .into_inner()
                            .map(|inner| inner.downcast::<capcache::Error>())
                        {
                            Some(Ok(inner)) => *inner,
                            other => capcache::Error::Io {
                                path: "SyncWriter::write".into(),
                                source: std::io::Error::other(format!("{other:?}")),
                            },
                        },
                    ),
                    Ok(()) => w.commit(),
                }
            }
            "async" => futures_lite::future::block_on(cache.write(key, value)),
            _ => usage(),
        }
    }

    /// Makes `root` unwritable for this process: a read-only bind mount in
    /// a private mount namespace where that is allowed (EROFS); else, as
    /// root, by becoming `nobody` (permission bits do not stop root), and
    /// otherwise by the permission bits the parent set (EACCES).
    fn make_read_only(root: &Path) -> &'static str {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let path = CString::new(root.as_os_str().as_bytes()).expect("path without NUL");
        let none = std::ptr::null();
        // SAFETY: plain syscalls with valid C strings or null pointers.
        unsafe {
            if libc::unshare(libc::CLONE_NEWNS) == 0
                && libc::mount(
                    none,
                    c"/".as_ptr(),
                    none,
                    libc::MS_REC | libc::MS_PRIVATE,
                    none.cast(),
                ) == 0
                && libc::mount(
                    path.as_ptr(),
                    path.as_ptr(),
                    none,
                    libc::MS_BIND,
                    none.cast(),
                ) == 0
                && libc::mount(
                    none,
                    path.as_ptr(),
                    none,
                    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
                    none.cast(),
                ) == 0
            {
                return "mount";
            }
            if libc::geteuid() == 0 {
                assert_eq!(libc::setgid(65534), 0, "setgid nobody");
                assert_eq!(libc::setuid(65534), 0, "setuid nobody");
                return "nobody";
            }
        }
        "bits"
    }

    pub fn run(scenario: &str, root: &Path, args: &[String]) -> i32 {
        let key = args.first().map(String::as_str).unwrap_or_else(|| usage());
        let version: u64 = args
            .get(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| usage());
        let len: usize = args
            .get(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| usage());
        let how = args.get(3).map(String::as_str).unwrap_or("sync");
        let limit: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0);
        let value = values::value(key, version, len);
        match scenario {
            // Disk full for this process: files may not grow past `limit`
            // bytes; past it write(2) fails with EFBIG instead of SIGXFSZ.
            "fsize" => {
                let cache = Cache::open(root).expect("open cache");
                // SAFETY: ignoring a signal installs no handler code.
                unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
                set_limit(libc::RLIMIT_FSIZE, limit);
                report(&write(&cache, how, key, &value));
            }
            // Out of file descriptors: a few more than are open now,
            // counting up until the write succeeds.
            "nofile" => {
                let cache = Cache::open(root).expect("open cache");
                let open = std::fs::read_dir("/proc/self/fd")
                    .map(|d| d.count() as u64)
                    .unwrap_or(8);
                for extra in 0..16 {
                    set_limit(libc::RLIMIT_NOFILE, open + extra);
                    let result = write(&cache, how, key, &value);
                    report(&result);
                    if result.is_ok() {
                        break;
                    }
                }
            }
            // A cache this process may read but not write.
            "readonly" => {
                println!("METHOD {}", make_read_only(root));
                let cache = Cache::open(root).expect("open cache");
                report(&write(&cache, how, key, &value));
                // Reading the existing key `args[5]` must still work.
                if let Some(existing) = args.get(5) {
                    match cache.read_sync(existing) {
                        Ok(bytes) => println!(
                            "READ {}",
                            values::parse(&bytes).map_or(-1, |(_, v)| v as i64)
                        ),
                        Err(e) => println!("READERR {} {e}", variant(&e)),
                    }
                }
            }
            _ => usage(),
        }
        let _ = std::io::stdout().flush();
        0
    }
}
