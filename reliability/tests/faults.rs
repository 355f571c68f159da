//! Fault injection: one damage at a time to one file of a populated cache,
//! then every key through every read API.
//!
//! What a user relies on, checked after each damage:
//! - a read returns the exact value or an error of the variants that damage
//!   can explain, never other bytes, never a panic (a damaged bucket may
//!   bring back an older value of the same key: losing or garbling the last
//!   line is indistinguishable from that line never having been appended);
//! - keys whose files were not touched read back exactly;
//! - a rewrite of the value, or `verify` followed by a rewrite of what it
//!   dropped, heals: every key reads back exactly through every API.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use capcache::{Cache, Integrity, VerifyOpts};
use capcache_reliability::read::{self, Api, Failure};
use capcache_reliability::{values, variant, Mode};
use capcache_test_support::format::{bucket_path, content_path, index_line, lock_path, Index};

/// One key of the populated cache.
#[derive(Debug, Clone)]
struct Entry {
    /// The name its value was generated under (two keys share one value).
    vname: String,
    /// Every version written under the key, the current one last.
    versions: Vec<(u64, usize)>,
    sri: Integrity,
}

impl Entry {
    fn current(&self) -> Vec<u8> {
        let (v, len) = *self.versions.last().expect("written");
        values::value(&self.vname, v, len)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Damage {
    BitFlips,
    Overwrite,
    ZeroFill,
    Truncate,
    Append,
    Delete,
    /// A directory (holding a file) where the file was.
    Directory,
    /// A symlink to a file outside the cache with other bytes.
    SymlinkOut,
    /// A symlink to another file of the same tree.
    SymlinkIn,
    /// One byte changed inside one line (buckets).
    GarbleLine,
    /// Lines in another order (buckets).
    ReorderLines,
    /// A line of invalid UTF-8 and one of valid-hash non-entry JSON
    /// appended (buckets).
    JunkLines,
}

const ANY_FILE: [Damage; 9] = [
    Damage::BitFlips,
    Damage::Overwrite,
    Damage::ZeroFill,
    Damage::Truncate,
    Damage::Append,
    Damage::Delete,
    Damage::Directory,
    Damage::SymlinkOut,
    Damage::SymlinkIn,
];
const BUCKET_ONLY: [Damage; 3] = [Damage::GarbleLine, Damage::ReorderLines, Damage::JunkLines];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Content,
    Bucket,
    Lock,
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    scratch: PathBuf,
    cache: Cache,
    entries: BTreeMap<String, Entry>,
    next_version: u64,
}

impl Fixture {
    /// A cache of `n` keys with one to three versions each, two keys sharing
    /// one value, values from a few bytes to 1.5 MiB.
    fn populate(rng: &mut fastrand::Rng, n: usize) -> Fixture {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("cache");
        let outside = tmp.path().join("outside");
        let scratch = tmp.path().join("scratch");
        fs::create_dir_all(&outside).expect("outside dir");
        fs::create_dir_all(&scratch).expect("scratch dir");
        let cache = Cache::open(&root).expect("open cache");
        let mut f = Fixture {
            _tmp: tmp,
            root,
            outside,
            scratch,
            cache,
            entries: BTreeMap::new(),
            next_version: 1,
        };
        for i in 0..n {
            let key = format!("key-{i}");
            let vname = if i == 1 {
                "key-0".to_owned()
            } else {
                key.clone()
            };
            let mut entry = Entry {
                vname,
                versions: Vec::new(),
                sri: Integrity::from(b""),
            };
            let count = if i == 1 { 1 } else { rng.usize(1..=3) };
            for _ in 0..count {
                let (v, len) = if i == 1 {
                    *f.entries["key-0"].versions.last().expect("key-0 written")
                } else {
                    f.next_version += 1;
                    (f.next_version, fixture_len(rng, i))
                };
                entry.versions.push((v, len));
                entry.sri = f
                    .cache
                    .write_sync(&key, values::value(&entry.vname, v, len))
                    .expect("populate");
            }
            f.entries.insert(key, entry);
        }
        f
    }

    fn content_of(&self, key: &str) -> PathBuf {
        content_path(&self.root, &self.entries[key].sri)
    }

    fn bucket_of(&self, key: &str) -> PathBuf {
        bucket_path(&self.root, Index::Npm, key)
    }
}

/// Value lengths of the fixture's keys: one above the 1 MiB mmap/pipelined
/// read threshold, two above the 64 KiB small-write threshold, the rest
/// random below 64 KiB (reads of every key through every API after every
/// injection dominate the run time).
fn fixture_len(rng: &mut fastrand::Rng, i: usize) -> usize {
    match i {
        2 => rng.usize(1024 * 1024..1100 * 1024),
        3 | 4 => rng.usize(64 * 1024..160 * 1024),
        _ => values::pick_len(rng).min(rng.usize(40..64 * 1024)),
    }
}

/// What the checker may accept for one key after one damage.
struct Allowed {
    /// Versions (of the key's value name) a read may return.
    versions: Vec<u64>,
    /// Error variants a read may return.
    errors: &'static [&'static str],
}

fn content_errors(d: Damage) -> &'static [&'static str] {
    match d {
        Damage::BitFlips | Damage::Overwrite | Damage::ZeroFill => &["IntegrityMismatch"],
        Damage::Truncate | Damage::Append | Damage::SymlinkIn => {
            &["SizeMismatch", "IntegrityMismatch"]
        }
        Damage::Delete => &["ContentNotFound"],
        // Large reads fstat first: a directory then reads as a size
        // mismatch (found: the directory's st_size).
        Damage::Directory => &["Io", "ContentNotFound", "SizeMismatch"],
        Damage::SymlinkOut => &["OutsideCache", "Io", "SizeMismatch", "IntegrityMismatch"],
        _ => unreachable!("bucket-only damage on content"),
    }
}

/// Set while an injection's checks run: their panics are collected, not printed.
static CHECKING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The default mode's time box: the schedule always runs whole, random
/// injections follow until this much time has passed (or 1,000 ran).
const DEFAULT_TIME: std::time::Duration = std::time::Duration::from_secs(40);

/// A bucket's damage may lose the key (EntryNotFound), make the bucket
/// unreadable (Io) or an entry unusable (BadIndex), or surface an older line.
const BUCKET_ERRORS: &[&str] = &["EntryNotFound", "BadIndex", "Io"];

#[test]
fn injected_damage_never_yields_other_bytes_and_rewrites_or_verify_heal() {
    let mode = Mode::from_env();
    let seed = capcache_reliability::seed("faults");
    let mut rng = fastrand::Rng::with_seed(seed);
    let injections = mode.pick(1_000, 10_000);
    let schedule = schedule();
    let mut done = 0u64;
    let per_cache = 100;
    let started = std::time::Instant::now();
    let mut fixture = Fixture::populate(&mut rng, 10);
    let mut reads = 0u64;
    let mut by_damage: BTreeMap<String, u64> = BTreeMap::new();
    // Failures are collected per kind of damage (one bug must not hide
    // another); the cache is rebuilt after each, since it may stay broken.
    let mut failures: BTreeMap<String, (u64, String)> = BTreeMap::new();
    // Panics inside an injection's checks are collected below; any other
    // (a harness or populate failure) is reported as usual.
    let default_hook = std::sync::Arc::new(std::panic::take_hook());
    let hook = std::sync::Arc::clone(&default_hook);
    std::panic::set_hook(Box::new(move |info| {
        if !CHECKING.load(std::sync::atomic::Ordering::Relaxed) {
            hook(info);
        }
    }));
    for i in 0..injections {
        if i > 0 && i % per_cache == 0 {
            fixture = Fixture::populate(&mut rng, 10);
        }
        if mode == Mode::Default && i >= schedule.len() && started.elapsed() > DEFAULT_TIME {
            break;
        }
        if i > 0 && i % 500 == 0 {
            eprintln!(
                "faults: {i} injections, {reads} checked reads, {} failed, {:.1?}",
                failures.values().map(|f| f.0).sum::<u64>(),
                started.elapsed()
            );
        }
        let plan = schedule
            .get(i)
            .copied()
            .unwrap_or_else(|| random_plan(&mut rng));
        let (target, damage) = (plan.target, plan.damage);
        let ctx = format!("seed {seed}, injection {i}");
        let path = inject(&mut fixture, &mut rng, plan, &ctx);
        done += 1;
        let kind = format!("{target:?}/{damage:?}");
        *by_damage.entry(kind.clone()).or_default() += 1;
        let ctx = format!("{ctx}: {damage:?} of {target:?} {}", path.display());
        CHECKING.store(true, std::sync::atomic::Ordering::Relaxed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let reads = check_reads(&fixture, target, damage, &path, &ctx);
            heal(&mut fixture, &mut rng, plan, &path, &ctx);
            reads
        }));
        CHECKING.store(false, std::sync::atomic::Ordering::Relaxed);
        match outcome {
            Ok(n) => reads += n,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let slot = failures.entry(kind).or_insert((0, msg));
                slot.0 += 1;
                fixture = Fixture::populate(&mut rng, 10);
            }
        }
    }
    drop(std::panic::take_hook());
    eprintln!(
        "faults: {done} injections, {reads} checked reads, {:.1?}; by damage: {by_damage:?}",
        started.elapsed()
    );
    let total: u64 = failures.values().map(|f| f.0).sum();
    assert!(
        failures.is_empty(),
        "{total} of {done} injections failed (seed {seed}); first failure of each kind:\n{}",
        failures
            .iter()
            .map(|(kind, (n, msg))| format!("- {kind} ({n}x): {msg}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Applies one random damage to one random file; returns what and where.
/// One injection's plan: what to damage and how to heal.
#[derive(Debug, Clone, Copy)]
struct Plan {
    target: Target,
    damage: Damage,
    /// Damage one of the values of 64 KiB or more (keys 2 to 4).
    large: bool,
    heal_by_verify: bool,
}

/// Every (target, damage, heal) combination once, content damage both to a
/// large value and to any value: the first injections of every run, so
/// that each kind is covered however short the run.
fn schedule() -> Vec<Plan> {
    let mut plans = Vec::new();
    for heal_by_verify in [false, true] {
        for damage in ANY_FILE {
            for large in [true, false] {
                plans.push(Plan {
                    target: Target::Content,
                    damage,
                    large,
                    heal_by_verify,
                });
            }
        }
        for damage in ANY_FILE.into_iter().chain(BUCKET_ONLY) {
            plans.push(Plan {
                target: Target::Bucket,
                damage,
                large: false,
                heal_by_verify,
            });
        }
        for damage in [Damage::Directory, Damage::SymlinkOut] {
            plans.push(Plan {
                target: Target::Lock,
                damage,
                large: false,
                heal_by_verify,
            });
        }
    }
    plans
}

/// A random plan, after the schedule.
fn random_plan(rng: &mut fastrand::Rng) -> Plan {
    let target = match rng.u32(0..20) {
        0 => Target::Lock,
        1..=10 => Target::Content,
        _ => Target::Bucket,
    };
    let damage = match target {
        Target::Content => ANY_FILE[rng.usize(..ANY_FILE.len())],
        Target::Bucket => {
            let all: Vec<Damage> = ANY_FILE.iter().chain(&BUCKET_ONLY).copied().collect();
            all[rng.usize(..all.len())]
        }
        // The two shapes a hostile or broken lock takes.
        Target::Lock => [Damage::Directory, Damage::SymlinkOut][rng.usize(..2)],
    };
    Plan {
        target,
        damage,
        large: rng.bool(),
        heal_by_verify: rng.bool(),
    }
}

/// Applies the plan's damage to one file; returns its path.
fn inject(f: &mut Fixture, rng: &mut fastrand::Rng, plan: Plan, ctx: &str) -> PathBuf {
    let keys: Vec<String> = f.entries.keys().cloned().collect();
    let key = if plan.large {
        format!("key-{}", rng.usize(2..=4))
    } else {
        keys[rng.usize(..keys.len())].clone()
    };
    let (target, damage) = (plan.target, plan.damage);
    let path = match target {
        Target::Content => f.content_of(&key),
        Target::Bucket => f.bucket_of(&key),
        Target::Lock => lock_path(&f.root),
    };
    // Another file of the same tree (key-0 and key-1 share their content).
    let sibling = keys
        .iter()
        .map(|other| match target {
            Target::Content => f.content_of(other),
            _ => f.bucket_of(other),
        })
        .filter(|p| *p != path)
        .nth(rng.usize(..keys.len() - 2))
        .expect("another file");
    apply(rng, damage, &path, &sibling, &f.outside, ctx);
    path
}

fn apply(
    rng: &mut fastrand::Rng,
    damage: Damage,
    path: &Path,
    sibling: &Path,
    outside: &Path,
    ctx: &str,
) {
    let old = fs::read(path).unwrap_or_default();
    let changed = |new: Vec<u8>| {
        remove_any(path);
        fs::write(path, new).unwrap_or_else(|e| panic!("{ctx}: damage {}: {e}", path.display()));
    };
    match damage {
        Damage::BitFlips | Damage::Overwrite | Damage::ZeroFill if old.is_empty() => {
            changed(vec![0xff; 3])
        }
        Damage::BitFlips => {
            let mut new = old.clone();
            for _ in 0..rng.usize(1..=4) {
                let at = rng.usize(..new.len());
                new[at] ^= 1 << rng.u32(0..8);
            }
            if new == old {
                new[0] ^= 0x80;
            }
            changed(new);
        }
        Damage::Overwrite | Damage::ZeroFill => {
            let mut new = old.clone();
            let start = rng.usize(..new.len());
            let end = rng.usize(start + 1..=new.len().min(start + 8192));
            for b in &mut new[start..end] {
                *b = if damage == Damage::ZeroFill {
                    0
                } else {
                    rng.u8(..)
                };
            }
            if new == old {
                new[start] = !new[start];
            }
            changed(new);
        }
        Damage::Truncate => changed(old[..rng.usize(..old.len().max(1))].to_vec()),
        Damage::Append => {
            let mut new = old;
            new.extend((0..rng.usize(1..100)).map(|_| rng.u8(..)));
            changed(new);
        }
        Damage::Delete => {
            remove_any(path);
        }
        Damage::Directory => {
            remove_any(path);
            fs::create_dir_all(path.join("inner")).expect("directory in a file's place");
            fs::write(path.join("inner").join("f"), b"x").expect("file in it");
        }
        Damage::SymlinkOut | Damage::SymlinkIn => {
            let to = if damage == Damage::SymlinkIn {
                // Relative, so that it stays inside the cache: both trees
                // are three levels deep below their algorithm or area dir.
                let tail: PathBuf = sibling.iter().skip(sibling.iter().count() - 3).collect();
                Path::new("../..").join(tail)
            } else {
                let outside_file = outside.join(format!("f{}", rng.u32(..)));
                let mut bytes = old.clone();
                bytes.iter_mut().for_each(|b| *b = rng.u8(..));
                fs::write(&outside_file, bytes).expect("outside file");
                outside_file
            };
            remove_any(path);
            symlink(&to, path);
        }
        Damage::GarbleLine | Damage::ReorderLines | Damage::JunkLines => {
            let mut lines: Vec<Vec<u8>> = old.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            match damage {
                Damage::GarbleLine => {
                    let nonempty: Vec<usize> =
                        (0..lines.len()).filter(|&i| !lines[i].is_empty()).collect();
                    if let Some(&l) = nonempty.get(rng.usize(..nonempty.len().max(1))) {
                        let at = rng.usize(..lines[l].len());
                        lines[l][at] = lines[l][at].wrapping_add(rng.u8(1..));
                    }
                }
                Damage::ReorderLines => rng.shuffle(&mut lines),
                _ => {
                    lines.push(vec![0xff, 0xfe, b'\t', 0x80]);
                    lines.push(index_line(Index::Npm, "[1,2,3]").as_bytes()[1..].to_vec());
                    lines.push(index_line(Index::Npm, "{\"key\":7}").as_bytes()[1..].to_vec());
                }
            }
            changed(lines.join(&b'\n'));
        }
    }
}

#[cfg(unix)]
fn symlink(to: &Path, at: &Path) {
    std::os::unix::fs::symlink(to, at).expect("plant symlink");
}

/// Symlinks need a privilege on Windows; there the damage is a deletion.
#[cfg(not(unix))]
fn symlink(_to: &Path, at: &Path) {
    let _ = fs::remove_file(at);
}

/// Reads every key through every API and checks each outcome against what
/// the damage allows. Returns the number of reads.
fn check_reads(f: &Fixture, target: Target, damage: Damage, path: &Path, ctx: &str) -> u64 {
    let mut reads = 0;
    for (key, entry) in &f.entries {
        let current = entry.versions.last().expect("written").0;
        let content_hit = target == Target::Content && f.content_of(key) == path;
        let bucket_hit = target == Target::Bucket && f.bucket_of(key) == path;
        for api in read::ALL {
            let allowed = if content_hit {
                Allowed {
                    versions: vec![current],
                    errors: content_errors(damage),
                }
            } else if bucket_hit && api != Api::ReadHashSync {
                Allowed {
                    versions: entry.versions.iter().map(|v| v.0).collect(),
                    errors: BUCKET_ERRORS,
                }
            } else {
                Allowed {
                    versions: vec![current],
                    errors: &[],
                }
            };
            let outcome = read::read(&f.cache, api, key, &entry.sri, &f.scratch);
            reads += 1;
            check(
                &outcome,
                entry,
                &allowed,
                &format!("{ctx}: key {key} via {api:?}"),
            );
        }
    }
    reads
}

fn check(outcome: &read::Outcome, entry: &Entry, allowed: &Allowed, ctx: &str) {
    match outcome {
        Ok(bytes) => match values::parse(bytes) {
            Some((name, v)) if name == entry.vname && allowed.versions.contains(&v) => {}
            Some((name, v)) => panic!(
                "{ctx}: read returned version {v} of {name:?}, allowed {:?} of {:?}",
                allowed.versions, entry.vname
            ),
            None => panic!("{ctx}: read returned {} bytes never written", bytes.len()),
        },
        Err(Failure::Error(e)) if allowed.errors.contains(&variant(e)) => {}
        Err(Failure::Error(e)) => panic!(
            "{ctx}: unexpected {} error (allowed {:?}): {e}",
            variant(e),
            allowed.errors
        ),
        Err(Failure::Broken(why)) => panic!("{ctx}: {why}"),
    }
}

/// Heals by rewriting the touched keys' values, or by `verify` and then
/// rewriting what it dropped; afterwards every key must read back exactly
/// through every API.
fn heal(f: &mut Fixture, rng: &mut fastrand::Rng, plan: Plan, path: &Path, ctx: &str) {
    let (target, damage, by_verify) = (plan.target, plan.damage, plan.heal_by_verify);
    let touched: Vec<String> = f
        .entries
        .keys()
        .filter(|k| match target {
            Target::Content => f.content_of(k) == path,
            Target::Bucket => f.bucket_of(k) == path,
            // Every write takes the lock: any key shows whether it works.
            Target::Lock => k.as_str() == "key-2",
        })
        .cloned()
        .collect();
    let mut rewrite = touched.clone();
    if by_verify {
        let stats = capcache::verify_sync(&f.cache, VerifyOpts::new())
            .unwrap_or_else(|e| panic!("{ctx}: verify failed: {e}"));
        rewrite.clear();
        for (key, entry) in &f.entries {
            match f.cache.read_sync(key) {
                Ok(bytes) if bytes == entry.current() => {}
                // A damaged bucket's older line may be what verify kept.
                Ok(bytes)
                    if target == Target::Bucket
                        && touched.contains(key)
                        && values::parse(&bytes).is_some_and(|(name, v)| {
                            name == entry.vname && entry.versions.iter().any(|x| x.0 == v)
                        }) =>
                {
                    rewrite.push(key.clone());
                }
                Err(capcache::Error::EntryNotFound { .. }) if touched.contains(key) => {
                    rewrite.push(key.clone());
                }
                // verify keeps content symlinks (what `link_to` makes) without
                // following them out of the cache; only a rewrite replaces one.
                Err(capcache::Error::OutsideCache { .. })
                    if touched.contains(key) && damage == Damage::SymlinkOut =>
                {
                    rewrite.push(key.clone());
                }
                // verify leaves a bucket it cannot read alone (documented:
                // `VerifyStats::unreadable_buckets`).
                Err(capcache::Error::Io { .. })
                    if touched.contains(key) && unreadable_bucket(target, damage) =>
                {
                    rewrite.push(key.clone());
                }
                other => panic!(
                    "{ctx}: after verify ({stats:?}) key {key} (touched: {}) reads {:?}",
                    touched.contains(key),
                    other.map(|b| values::parse(&b))
                ),
            }
        }
    }
    if unreadable_bucket(target, damage) {
        for key in &touched {
            clear_unreadable_bucket(f, key, path, ctx);
            if !rewrite.contains(key) {
                rewrite.push(key.clone());
            }
        }
    }
    for key in &rewrite {
        let entry = &f.entries[key];
        let value = entry.current();
        let how = rng.usize(0..3);
        let written = match how {
            0 => f.cache.write_sync(key, &value),
            1 => {
                use std::io::Write;
                capcache::SyncWriter::create(&f.cache, key).and_then(|mut w| {
                    for chunk in value.chunks(rng.usize(1000..100_000)) {
                        if let Err(e) = w.write_all(chunk) {
                            panic!("{ctx}: streamed rewrite of {key}: {e}");
                        }
                    }
                    w.commit()
                })
            }
            _ => futures_lite::future::block_on(f.cache.write(key, &value)),
        };
        match written {
            Ok(sri) => assert_eq!(
                sri, entry.sri,
                "{ctx}: rewrite of {key} returned another sri"
            ),
            Err(e) => panic!(
                "{ctx}: rewrite #{how} of {key} ({} bytes, by_verify {by_verify}) failed: {} {e}",
                value.len(),
                variant(&e)
            ),
        }
    }
    for (key, entry) in &f.entries {
        let apis: &[Api] = if rewrite.contains(key) || touched.contains(key) {
            &read::ALL
        } else {
            &[Api::ReadSync]
        };
        for &api in apis {
            let allowed = Allowed {
                versions: vec![entry.versions.last().expect("written").0],
                errors: &[],
            };
            let outcome = read::read(&f.cache, api, key, &entry.sri, &f.scratch);
            check(
                &outcome,
                entry,
                &allowed,
                &format!("{ctx}: after healing (verify first: {by_verify}), key {key} via {api:?}"),
            );
        }
    }
}

/// A directory or a symlink out of the cache where a bucket should be.
fn unreadable_bucket(target: Target, damage: Damage) -> bool {
    target == Target::Bucket
        && matches!(
            damage,
            Damage::Directory | Damage::SymlinkOut | Damage::SymlinkIn
        )
}

/// A directory or a symlink where a bucket belongs is damage that a write
/// clears (as for content paths and the lock): the write must succeed, and
/// leave a plain bucket file unless the symlink led to another bucket inside
/// the cache that took the append.
fn clear_unreadable_bucket(f: &Fixture, key: &str, path: &Path, ctx: &str) {
    let value = f.entries[key].current();
    match f.cache.write_sync(key, &value) {
        Ok(_) => {}
        other => panic!("{ctx}: write over an unreadable bucket: {other:?}"),
    }
    let meta = fs::symlink_metadata(path);
    assert!(
        meta.as_ref().is_ok_and(|m| m.is_file() || m.is_symlink()),
        "{ctx}: after the write, {path:?} is {meta:?}"
    );
    // A symlink to another bucket that took the append would tie this
    // key's fate to that bucket's later damage, which the model here does
    // not follow: make the bucket a file of its own again.
    if meta.is_ok_and(|m| m.is_symlink()) {
        remove_any(path);
        if let Err(e) = f.cache.write_sync(key, &value) {
            panic!("{ctx}: rewrite after removing the symlink: {e}");
        }
    }
}

/// Removes a file, symlink or directory (an earlier damage may have left a
/// directory where this one plants a file).
fn remove_any(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path).expect("remove directory"),
        Ok(_) => fs::remove_file(path).expect("remove file"),
        Err(_) => {}
    }
}
