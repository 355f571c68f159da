//! Maintenance: `verify`, `gc`, `last_verified` and automatic compaction,
//! through every API (blocking and async, by path and by handle), plus
//! writers racing verify and compaction (native only).

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::common::*;
use capcache::{
    Cache, GcOpts, GcStats, IndexFormat, Phase, Progress, VerifyOpts, VerifyStats, WriteOpts,
};

api_tests!(
    verify_repairs_reclaims_and_reports_exact_stats,
    verify_keeps_a_write_that_reuses_old_content_while_it_runs,
    verify_and_gc_of_an_empty_cache_do_nothing,
    gc_max_age_evicts_old_entries_and_their_content,
    gc_max_size_evicts_least_recently_written_first,
    gc_counts_shared_content_once,
    gc_without_limits_removes_only_stale_unreferenced_content,
    a_key_rewritten_2000_times_keeps_a_small_bucket,
    verify_finds_damage_in_large_content,
    verify_of_a_healthy_cache_rewrites_only_the_buckets_that_change,
    verify_drops_entries_whose_content_is_gone,
);

/// verify / gc / last_verified for each [`Api`] variant (the common `Api`
/// has no maintenance calls); the handle variants call the `Cache` methods.
trait Maintenance: Copy {
    fn verify(self, c: &Cache, opts: VerifyOpts) -> VerifyStats;
    fn gc(self, c: &Cache, opts: GcOpts) -> GcStats;
    fn last_verified(self, c: &Cache) -> Option<u128>;
}

impl Maintenance for Api {
    fn verify(self, c: &Cache, opts: VerifyOpts) -> VerifyStats {
        dispatch!(self,
            sync_path: capcache::verify_sync(root(c), opts),
            sync_handle: c.verify_sync(opts),
            async_path: capcache::verify(root(c), opts),
            async_handle: c.verify(opts),
        )
        .expect("verify")
    }

    fn gc(self, c: &Cache, opts: GcOpts) -> GcStats {
        dispatch!(self,
            sync_path: capcache::gc_sync(root(c), opts),
            sync_handle: c.gc_sync(opts),
            async_path: capcache::gc(root(c), opts),
            async_handle: c.gc(opts),
        )
        .expect("gc")
    }

    fn last_verified(self, c: &Cache) -> Option<u128> {
        dispatch!(self,
            sync_path: capcache::last_verified_sync(root(c)),
            sync_handle: c.last_verified_sync(),
            async_path: capcache::last_verified(root(c)),
            async_handle: c.last_verified(),
        )
        .expect("last_verified")
    }
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// Sets the modification time of `path` to `age` ago, making it older than
/// the default grace period (ten minutes) when `age` exceeds it.
fn backdate(path: &Path, age: Duration) {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now() - age))
        .unwrap_or_else(|e| panic!("backdating {}: {e}", path.display()));
}

/// Names of the entries directly in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Lines verify removes: "hot" written three times (two superseded
/// lines), "gone" written and removed (its line and the tombstone).
fn write_superseded_and_removed(api: Api, cache: &Cache) {
    for i in 0..3 {
        api.write(cache, "hot", format!("hot {i}").as_bytes())
            .unwrap();
    }
    api.write(cache, "gone", b"gone value").unwrap();
    api.remove(cache, "gone").unwrap();
}

/// Records every progress report of a verify run.
fn recorder() -> (VerifyOpts, Arc<Mutex<Vec<Progress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let opts = VerifyOpts::new().progress(move |p| sink.lock().unwrap().push(*p));
    (opts, seen)
}

const PHASES: [Phase; 4] = [
    Phase::ScanIndex,
    Phase::VerifyContent,
    Phase::RebuildIndex,
    Phase::CleanTmp,
];

/// Checks a run's reports: phases in order, each reported and finished,
/// `done` never above `total` nor going back; returns each phase's last
/// report.
fn check_progress(reports: &[Progress]) -> [Progress; 4] {
    let mut last: [Option<Progress>; 4] = [None; 4];
    let mut current = 0;
    for p in reports {
        assert!(p.done <= p.total, "done above total: {p:?}");
        let phase = PHASES
            .iter()
            .position(|&ph| ph == p.phase)
            .unwrap_or_else(|| panic!("unknown phase in {p:?}"));
        assert!(phase >= current, "phase went back: {p:?} in {reports:?}");
        current = phase;
        if let Some(prev) = last[phase] {
            assert!(p.done >= prev.done, "done went back: {prev:?} then {p:?}");
            assert!(
                p.bytes >= prev.bytes,
                "bytes went back: {prev:?} then {p:?}"
            );
            assert_eq!(p.total, prev.total, "total changed within {:?}", p.phase);
        }
        last[phase] = Some(*p);
    }
    last.map(|p| {
        let p = p.unwrap_or_else(|| panic!("a phase was never reported: {reports:?}"));
        assert_eq!(p.done, p.total, "phase not finished: {p:?}");
        p
    })
}

/// verify on a prepared cache: superseded lines, a tombstone, corrupt
/// content under a live key, unreferenced content and temp files fresh and
/// old, a garbage index line. Checks every stats field, the progress
/// reports, the files left, the reads, `_lastverified`, and that a further
/// run has nothing to do.
fn verify_repairs_reclaims_and_reports_exact_stats(api: Api) {
    let (_tmp, cache) = new_cache();
    let root = root(&cache).to_owned();
    write_superseded_and_removed(api, &cache);
    let bad = api.write(&cache, "bad", b"bad value!").unwrap();
    fs::write(content_path(&root, &bad), b"garbage!!!").unwrap();
    api.write(&cache, "good", b"shared value").unwrap();
    api.write(&cache, "twin", b"shared value").unwrap();
    append(
        &bucket_path(&root, IndexFormat::Npm, "good"),
        b"\nnot an index line",
    );
    let orphan = api.write_hash(&cache, b"fresh orphan").unwrap();
    let old_orphan = api.write_hash(&cache, b"old orphan!").unwrap();
    backdate(&content_path(&root, &old_orphan), HOUR);
    fs::create_dir_all(root.join("tmp")).unwrap();
    fs::write(root.join("tmp/fresh-temp"), b"fresh").unwrap();
    fs::write(root.join("tmp/old-temp"), b"old temp").unwrap();
    backdate(&root.join("tmp/old-temp"), HOUR);

    // hot 0..2, gone, bad, shared, two orphans; five buckets; two temp files.
    assert_eq!(content_files(&root).len(), 8);
    assert_eq!(index_files(&root).len(), 5);
    assert_eq!(tmp_files(&root).len(), 2);
    assert_eq!(api.last_verified(&cache), None);

    // Default grace: repairs everything, reclaims only what is old.
    let (opts, seen) = recorder();
    let before = now_ms();
    let stats = api.verify(&cache, opts);
    let after = now_ms();
    let intact = ("hot 2".len() + "shared value".len()) as u64;
    assert_eq!(stats.entries_kept, 3, "hot, good, twin: {stats:?}");
    assert_eq!(
        stats.entries_removed, 6,
        "2 superseded hot, gone + its tombstone, bad, the garbage line: {stats:?}"
    );
    assert_eq!(stats.content_verified, 2, "hot 2 and shared: {stats:?}");
    assert_eq!(stats.content_bytes, intact, "{stats:?}");
    assert_eq!(stats.corrupt_content, 1, "{stats:?}");
    assert_eq!(stats.corrupt_bytes, "bad value!".len() as u64, "{stats:?}");
    assert_eq!(stats.content_reclaimed, 1, "the old orphan only: {stats:?}");
    assert_eq!(
        stats.reclaimed_bytes,
        "old orphan!".len() as u64,
        "{stats:?}"
    );
    assert_eq!(stats.tmp_removed, 1, "the old temp file only: {stats:?}");
    assert_eq!(stats.unreadable_buckets, 0, "{stats:?}");
    assert!(
        (before..=after).contains(&stats.started),
        "started {} outside {before}..={after}",
        stats.started
    );
    assert_eq!(api.last_verified(&cache), Some(stats.started));
    let last = check_progress(&seen.lock().unwrap());
    assert_eq!(last[0].total, 1);
    assert_eq!(last[1].total, 8, "content files");
    assert_eq!(last[1].bytes, stats.content_bytes, "bytes hashed");
    assert_eq!(last[2].total, 5, "buckets");
    assert_eq!(last[3].total, 2, "temp files");

    let err = api.read(&cache, "bad").unwrap_err();
    assert!(err.is_not_found(), "read of the corrupt entry: {err:?}");
    assert!(api.metadata(&cache, "bad").unwrap().is_none());
    assert!(!api.exists(&cache, &bad).unwrap(), "corrupt content kept");
    assert!(api.read(&cache, "gone").unwrap_err().is_not_found());
    assert_eq!(api.read(&cache, "hot").unwrap(), b"hot 2");
    assert_eq!(api.read(&cache, "good").unwrap(), b"shared value");
    assert_eq!(api.read(&cache, "twin").unwrap(), b"shared value");
    assert!(
        api.exists(&cache, &orphan).unwrap(),
        "fresh orphan reclaimed"
    );
    assert!(!api.exists(&cache, &old_orphan).unwrap(), "old orphan kept");
    assert_eq!(tmp_files(&root), [Path::new("fresh-temp")]);
    // Rewritten buckets hold exactly their live line; empty ones are gone.
    assert_eq!(index_files(&root).len(), 3);
    for key in ["hot", "good", "twin"] {
        let lines = bucket_lines(&bucket_path(&root, IndexFormat::Npm, key));
        assert_eq!(lines.len(), 1, "{key}: {lines:?}");
        assert_eq!(lines[0].value["key"], key);
    }

    // Grace zero: the fresh unreferenced files go too.
    let stats = api.verify(&cache, VerifyOpts::new().grace(Duration::ZERO));
    assert_eq!(
        (stats.entries_kept, stats.entries_removed),
        (3, 0),
        "{stats:?}"
    );
    assert_eq!((stats.content_verified, stats.content_bytes), (2, intact));
    assert_eq!((stats.corrupt_content, stats.corrupt_bytes), (0, 0));
    assert_eq!(
        stats.content_reclaimed, 4,
        "hot 0, hot 1, gone, orphan: {stats:?}"
    );
    let reclaimed = ["hot 0", "hot 1", "gone value", "fresh orphan"];
    assert_eq!(
        stats.reclaimed_bytes,
        reclaimed.iter().map(|s| s.len() as u64).sum::<u64>()
    );
    assert_eq!(stats.tmp_removed, 1, "{stats:?}");
    assert_eq!(api.last_verified(&cache), Some(stats.started));
    assert!(!api.exists(&cache, &orphan).unwrap());
    assert_eq!(content_files(&root).len(), 2);
    assert!(tmp_files(&root).is_empty());

    // Nothing left to do.
    for opts in [VerifyOpts::new(), VerifyOpts::new().grace(Duration::ZERO)] {
        let stats = api.verify(&cache, opts);
        assert_eq!(
            (stats.entries_kept, stats.entries_removed),
            (3, 0),
            "{stats:?}"
        );
        assert_eq!((stats.content_verified, stats.content_bytes), (2, intact));
        assert_eq!(
            (
                stats.corrupt_content,
                stats.content_reclaimed,
                stats.reclaimed_bytes,
                stats.tmp_removed,
                stats.unreadable_buckets
            ),
            (0, 0, 0, 0, 0),
            "{stats:?}"
        );
        assert_eq!(api.last_verified(&cache), Some(stats.started));
    }
    assert_eq!(api.read(&cache, "hot").unwrap(), b"hot 2");
    assert_eq!(api.read(&cache, "good").unwrap(), b"shared value");
    assert_eq!(api.read(&cache, "twin").unwrap(), b"shared value");
}

/// A writer that stores a value whose content is already on disk, older
/// than the grace period and unreferenced (the key had moved on to another
/// value), and appends its line after verify has read the index: the write
/// has returned, so verify (default grace) must not lose it. The progress
/// callback makes this interleaving deterministic.
fn verify_keeps_a_write_that_reuses_old_content_while_it_runs(api: Api) {
    let (_tmp, cache) = new_cache();
    let root = root(&cache).to_owned();
    let old = api.write(&cache, "k", b"old value").unwrap();
    backdate(&content_path(&root, &old), HOUR);
    api.write(&cache, "k", b"new value").unwrap();

    let path = root.clone();
    let wrote = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&wrote);
    let opts = VerifyOpts::new().progress(move |p| {
        // The index has been read; content has not been swept yet.
        if p.phase == Phase::ScanIndex && p.done == p.total && !flag.swap(true, Ordering::SeqCst) {
            capcache::write_sync(&path, "k", b"old value").expect("write during verify");
        }
    });
    let stats = api.verify(&cache, opts);
    assert!(wrote.load(Ordering::SeqCst), "the callback never wrote");
    assert_eq!(
        api.read(&cache, "k").expect("the write made during verify"),
        b"old value",
        "{stats:?}"
    );
    assert_eq!(stats.content_reclaimed, 0, "{stats:?}");
    assert!(api.exists(&cache, &old).unwrap());
}

/// verify and gc of a new cache: zero stats, no error, and nothing created
/// but `_lastverified`; a garbled `_lastverified` reads as never.
fn verify_and_gc_of_an_empty_cache_do_nothing(api: Api) {
    let (_tmp, cache) = new_cache();
    let root = root(&cache).to_owned();
    assert_eq!(api.gc(&cache, GcOpts::new()), GcStats::default());
    assert_eq!(
        api.gc(
            &cache,
            GcOpts::new()
                .max_size(0)
                .max_age(Duration::ZERO)
                .grace(Duration::ZERO)
        ),
        GcStats::default()
    );
    assert!(
        names_in(&root).is_empty(),
        "gc created {:?}",
        names_in(&root)
    );
    assert_eq!(api.last_verified(&cache), None);

    let (opts, seen) = recorder();
    let stats = api.verify(&cache, opts.grace(Duration::ZERO));
    assert_eq!(
        (
            stats.entries_kept,
            stats.entries_removed,
            stats.content_verified,
            stats.content_bytes,
            stats.content_reclaimed,
            stats.reclaimed_bytes,
            stats.corrupt_content,
            stats.corrupt_bytes,
            stats.tmp_removed,
            stats.unreadable_buckets,
        ),
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        "{stats:?}"
    );
    assert!(stats.started > 0);
    assert!(seen.lock().unwrap().iter().all(|p| p.done <= p.total));
    assert_eq!(names_in(&root), ["_lastverified"]);
    assert_eq!(api.last_verified(&cache), Some(stats.started));

    fs::write(root.join("_lastverified"), b"not a time").unwrap();
    assert_eq!(api.last_verified(&cache), None);
    let stats = api.verify(&cache, VerifyOpts::new());
    assert_eq!(api.last_verified(&cache), Some(stats.started));
    assert_eq!(names_in(&root), ["_lastverified"]);
}

/// Entries older than `max_age` are evicted and their content removed,
/// unless a live entry still uses it; a second run finds nothing.
fn gc_max_age_evicts_old_entries_and_their_content(api: Api) {
    let (_tmp, cache) = new_cache();
    let two_days_ago = now_ms() - 2 * DAY.as_millis();
    let back = || WriteOpts::new().time(two_days_ago);
    let old = api
        .write_with_opts(&cache, "old", b"old value", back())
        .unwrap();
    let shared = api
        .write_with_opts(&cache, "old-shared", b"shared value", back())
        .unwrap();
    api.write(&cache, "new-shared", b"shared value").unwrap();
    let new = api.write(&cache, "new", b"new!").unwrap();
    let orphan = api.write_hash(&cache, b"fresh orphan").unwrap();

    let stats = api.gc(&cache, GcOpts::new().max_age(DAY));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (2, 2),
        "{stats:?}"
    );
    assert_eq!(
        (stats.content_removed, stats.bytes_removed),
        (1, "old value".len() as u64),
        "only the old value's content: {stats:?}"
    );
    assert_eq!(
        stats.bytes_kept,
        ("shared value".len() + "new!".len()) as u64
    );
    assert!(api.metadata(&cache, "old").unwrap().is_none());
    assert!(api.metadata(&cache, "old-shared").unwrap().is_none());
    assert!(!api.exists(&cache, &old).unwrap());
    assert!(
        api.exists(&cache, &shared).unwrap(),
        "content still in use removed"
    );
    assert!(api.exists(&cache, &new).unwrap());
    assert!(api.exists(&cache, &orphan).unwrap(), "fresh orphan removed");
    assert_eq!(api.read(&cache, "new-shared").unwrap(), b"shared value");
    assert_eq!(api.read(&cache, "new").unwrap(), b"new!");

    let again = api.gc(&cache, GcOpts::new().max_age(DAY));
    assert_eq!(
        (again.entries_evicted, again.entries_kept),
        (0, 2),
        "{again:?}"
    );
    assert_eq!((again.content_removed, again.bytes_removed), (0, 0));
    assert_eq!(again.bytes_kept, stats.bytes_kept);
}

/// `max_size` evicts by recorded time, oldest first (not by write order),
/// until the live content fits; the limit itself fits.
fn gc_max_size_evicts_least_recently_written_first(api: Api) {
    let (_tmp, cache) = new_cache();
    let now = now_ms();
    let mut sris = vec![None; 5];
    for i in [3usize, 0, 4, 1, 2] {
        let opts = WriteOpts::new().time(now - (10 - i as u128) * 1000);
        let sri = api
            .write_with_opts(&cache, &format!("k{i}"), &[i as u8; 100], opts)
            .unwrap();
        sris[i] = Some(sri);
    }
    let sris: Vec<_> = sris.into_iter().map(Option::unwrap).collect();

    let stats = api.gc(&cache, GcOpts::new().max_size(250));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (3, 2),
        "{stats:?}"
    );
    assert_eq!((stats.content_removed, stats.bytes_removed), (3, 300));
    assert_eq!(stats.bytes_kept, 200);
    for (i, sri) in sris.iter().enumerate().take(3) {
        assert!(
            api.metadata(&cache, &format!("k{i}")).unwrap().is_none(),
            "k{i}"
        );
        assert!(!api.exists(&cache, sri).unwrap(), "k{i} content");
    }
    for i in 3..5 {
        assert_eq!(
            api.read(&cache, &format!("k{i}")).unwrap(),
            vec![i as u8; 100]
        );
    }

    let stats = api.gc(&cache, GcOpts::new().max_size(200));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (0, 2),
        "at the limit: {stats:?}"
    );
    let stats = api.gc(&cache, GcOpts::new().max_size(199));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (1, 1),
        "{stats:?}"
    );
    assert_eq!((stats.bytes_removed, stats.bytes_kept), (100, 100));
    assert!(api.metadata(&cache, "k3").unwrap().is_none());
    assert_eq!(api.read(&cache, "k4").unwrap(), vec![4u8; 100]);
}

/// Content two keys share counts once toward `max_size` and is removed only
/// when both keys are evicted.
fn gc_counts_shared_content_once(api: Api) {
    let (_tmp, cache) = new_cache();
    let now = now_ms();
    let at = |ago: u128| WriteOpts::new().time(now - ago);
    let shared = api
        .write_with_opts(&cache, "a", &[7u8; 100], at(3000))
        .unwrap();
    api.write_with_opts(&cache, "b", &[7u8; 100], at(2000))
        .unwrap();
    api.write_with_opts(&cache, "c", &[8u8; 100], at(1000))
        .unwrap();

    let stats = api.gc(&cache, GcOpts::new().max_size(200));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (0, 3),
        "{stats:?}"
    );
    assert_eq!(stats.bytes_kept, 200, "shared content counted once");

    let stats = api.gc(&cache, GcOpts::new().max_size(150));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (2, 1),
        "{stats:?}"
    );
    assert_eq!((stats.content_removed, stats.bytes_removed), (1, 100));
    assert_eq!(stats.bytes_kept, 100);
    assert!(!api.exists(&cache, &shared).unwrap());
    assert!(api.metadata(&cache, "a").unwrap().is_none());
    assert!(api.metadata(&cache, "b").unwrap().is_none());
    assert_eq!(api.read(&cache, "c").unwrap(), [8u8; 100]);
}

/// Without limits gc evicts nothing and removes only unreferenced content
/// older than the grace period; with zero grace, all unreferenced content.
fn gc_without_limits_removes_only_stale_unreferenced_content(api: Api) {
    let (_tmp, cache) = new_cache();
    let root = root(&cache).to_owned();
    let superseded = api.write(&cache, "k", b"v1").unwrap();
    api.write(&cache, "k", b"v2").unwrap();
    let gone = api.write(&cache, "gone", b"removed").unwrap();
    api.remove(&cache, "gone").unwrap();
    let fresh = api.write_hash(&cache, b"fresh orphan").unwrap();
    let old = api.write_hash(&cache, b"old orphan").unwrap();
    backdate(&content_path(&root, &old), HOUR);

    let stats = api.gc(&cache, GcOpts::new());
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (0, 1),
        "{stats:?}"
    );
    assert_eq!(
        (stats.content_removed, stats.bytes_removed),
        (1, "old orphan".len() as u64),
        "{stats:?}"
    );
    assert_eq!(stats.bytes_kept, 2);
    assert!(!api.exists(&cache, &old).unwrap());
    for sri in [&superseded, &gone, &fresh] {
        assert!(api.exists(&cache, sri).unwrap(), "fresh content removed");
    }

    let stats = api.gc(&cache, GcOpts::new().grace(Duration::ZERO));
    assert_eq!(
        (stats.entries_evicted, stats.entries_kept),
        (0, 1),
        "{stats:?}"
    );
    let removed = ("v1".len() + "removed".len() + "fresh orphan".len()) as u64;
    assert_eq!((stats.content_removed, stats.bytes_removed), (3, removed));
    assert_eq!(stats.bytes_kept, 2);
    assert_eq!(content_files(&root).len(), 1);
    assert_eq!(api.read(&cache, "k").unwrap(), b"v2");
}

/// Appends compact a bucket once it passes 16 KiB: a key rewritten 2,000
/// times never has a bucket of 32 KiB, and reads its last value. Values
/// cycle through a few (one content file each, to keep the test fast); the
/// metadata tells every write apart.
fn a_key_rewritten_2000_times_keeps_a_small_bucket(api: Api) {
    const LIMIT: u64 = 2 * 16 * 1024;
    // Fewer under wine (slow file operations); still a dozen compactions.
    const WRITES: u64 = if cfg!(windows) { 800 } else { 2000 };
    let (_tmp, cache) = new_cache();
    let bucket = bucket_path(root(&cache), IndexFormat::Npm, "hot");
    let value = |i: u64| format!("value {}", i % 16).into_bytes();
    let mut largest = 0;
    let mut shrank = false;
    for i in 0..WRITES {
        let opts = WriteOpts::new().metadata(i.into());
        api.write_with_opts(&cache, "hot", &value(i), opts).unwrap();
        let len = fs::metadata(&bucket).unwrap().len();
        assert!(len < LIMIT, "bucket is {len} bytes after {} writes", i + 1);
        shrank |= len < largest;
        largest = largest.max(len);
    }
    assert!(shrank, "the bucket never shrank (largest {largest} bytes)");
    assert_eq!(api.read(&cache, "hot").unwrap(), value(WRITES - 1));
    let m = api.metadata(&cache, "hot").unwrap().unwrap();
    assert_eq!(m.metadata, WRITES - 1);
    assert_eq!(m.size, value(WRITES - 1).len());
    let lines = bucket_lines(&bucket);
    assert!(lines.len() < 200, "{} lines", lines.len());
    assert!(lines.iter().all(|l| l.value["key"] == "hot"));
    // Compaction kept the lines in order: the last is the last write.
    let order: Vec<_> = lines.iter().map(|l| &l.value["metadata"]).collect();
    let expected: Vec<u64> = (WRITES - lines.len() as u64..WRITES).collect();
    assert_eq!(order, expected.iter().collect::<Vec<_>>());
    assert_eq!(content_files(root(&cache)).len(), 16);
}

/// verify, gc and last_verified on a path that is a file fail with an I/O
/// error naming that path; nothing panics and the file is left alone.
#[test]
fn maintenance_of_a_file_path_fails() {
    let tmp = tempdir();
    let file = tmp.path().join("not-a-dir");
    fs::write(&file, b"x").unwrap();
    let at_file = |what: &str, e: Option<capcache::Error>| match e {
        Some(capcache::Error::Io { path, .. }) => assert_eq!(path, file, "{what}"),
        other => panic!("{what}: expected an I/O error at the file, got {other:?}"),
    };
    at_file(
        "verify",
        capcache::verify_sync(&file, VerifyOpts::new()).err(),
    );
    at_file("gc", capcache::gc_sync(&file, GcOpts::new()).err());
    at_file("last_verified", capcache::last_verified_sync(&file).err());
    #[cfg(feature = "async")]
    {
        at_file(
            "verify",
            block_on(capcache::verify(&file, VerifyOpts::new())).err(),
        );
        at_file("gc", block_on(capcache::gc(&file, GcOpts::new())).err());
        at_file(
            "last_verified",
            block_on(capcache::last_verified(&file)).err(),
        );
    }
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

/// Writers racing verify and compaction (issue 6). Native only: WASI
/// preview 1 has no threads.
#[cfg(not(target_family = "wasm"))]
mod concurrent {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Barrier, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

    use capcache::{Cache, VerifyOpts};

    use crate::common::{new_cache, root, sorted_ok};

    const WRITERS: usize = 4;
    /// Fewer on Windows, where the xtask runs the tests under wine and every
    /// file operation is several times slower; the race is the same.
    const KEYS: usize = if cfg!(windows) { 60 } else { 200 };
    const HOT: [&str; 3] = ["hot/a", "hot/b", "hot/c"];

    /// Every fifth value is one of a few shared by all writers, so content
    /// is reused while verify sweeps.
    fn value(writer: usize, i: usize) -> Vec<u8> {
        if i.is_multiple_of(5) {
            format!("shared value {}", i % 15).into_bytes()
        } else {
            format!("value {i} of writer {writer}").into_bytes()
        }
    }

    /// How the threads reach the cache.
    #[derive(Clone)]
    enum Access {
        /// Clones of one handle.
        Shared(Cache),
        /// A handle per thread, opened from the path: the index lock is an
        /// OS file lock between open files.
        Separate(PathBuf),
    }

    impl Access {
        fn open(&self) -> Cache {
            match self {
                Access::Shared(cache) => cache.clone(),
                Access::Separate(path) => Cache::open(path).expect("open cache"),
            }
        }
    }

    /// `WRITERS` threads each write `KEYS` keys and every tenth step rewrite
    /// a hot key (with values from a small set), while another thread runs
    /// verify with `grace` and compacts the hot keys in a loop until they
    /// finish. Then every key reads its last value, a verify finds nothing
    /// corrupt and the listing holds every key.
    fn writes_survive_verify_and_compaction(grace: Option<Duration>, separate: bool) {
        let (_tmp, cache) = new_cache();
        let path = root(&cache).to_owned();
        let access = if separate {
            Access::Separate(path.clone())
        } else {
            Access::Shared(cache.clone())
        };
        let opts = move || match grace {
            Some(grace) => VerifyOpts::new().grace(grace),
            None => VerifyOpts::new(),
        };
        // The last value of each hot key, set under the key's lock.
        let hot: Arc<Vec<Mutex<Option<Vec<u8>>>>> =
            Arc::new(HOT.iter().map(|_| Mutex::new(None)).collect());
        let barrier = Arc::new(Barrier::new(WRITERS + 1));
        let done = Arc::new(AtomicBool::new(false));

        // Threads report failures as values, so that the cache outlives
        // every thread and the first error is the one reported.
        let verifier = {
            let (access, barrier, done) = (access.clone(), barrier.clone(), done.clone());
            thread::spawn(move || -> Result<usize, String> {
                let cache = access.open();
                barrier.wait();
                let start = Instant::now();
                let mut runs = 0;
                // Bounded in count and time; stops as soon as writers finish.
                while !done.load(Ordering::SeqCst)
                    && runs < 1000
                    && start.elapsed() < Duration::from_secs(60)
                {
                    let stats = capcache::verify_sync(&cache, opts())
                        .map_err(|e| format!("verify run {runs}: {e:?}"))?;
                    if stats.corrupt_content != 0 || stats.unreadable_buckets != 0 {
                        return Err(format!("verify run {runs}: {stats:?}"));
                    }
                    for key in HOT {
                        capcache::index::compact(&cache, key)
                            .map_err(|e| format!("compact {key}: {e:?}"))?;
                    }
                    runs += 1;
                }
                Ok(runs)
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (access, barrier, hot) = (access.clone(), barrier.clone(), hot.clone());
                thread::spawn(move || -> Result<(), String> {
                    let cache = access.open();
                    barrier.wait();
                    for i in 0..KEYS {
                        let key = format!("w{w}/k{i}");
                        cache
                            .write_sync(&key, value(w, i))
                            .map_err(|e| format!("write {key}: {e:?}"))?;
                        if i.is_multiple_of(10) {
                            let h = (w + i / 10) % HOT.len();
                            let data = format!("hot value {}", (w * KEYS + i) % 6).into_bytes();
                            let mut last = hot[h].lock().unwrap();
                            cache
                                .write_sync(HOT[h], &data)
                                .map_err(|e| format!("write {}: {e:?}", HOT[h]))?;
                            *last = Some(data);
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        let written: Vec<_> = writers
            .into_iter()
            .map(|w| w.join().expect("writer panicked"))
            .collect();
        done.store(true, Ordering::SeqCst);
        let runs = verifier.join().expect("verifier panicked");
        let failed: Vec<_> = written.into_iter().filter_map(Result::err).collect();
        assert!(failed.is_empty(), "writes failed during verify: {failed:?}");
        let runs = runs.expect("verify or compact failed while writers wrote");
        assert!(runs >= 1, "verify never ran while writers wrote");

        let mut expected: HashMap<String, Vec<u8>> = HashMap::new();
        for w in 0..WRITERS {
            for i in 0..KEYS {
                expected.insert(format!("w{w}/k{i}"), value(w, i));
            }
        }
        for (h, key) in HOT.iter().enumerate() {
            let last = hot[h].lock().unwrap().clone().expect("hot key written");
            expected.insert((*key).to_owned(), last);
        }
        let check = |when: &str| {
            let mut lost = Vec::new();
            for (key, want) in &expected {
                match cache.read_sync(key) {
                    Ok(got) => assert_eq!(&got, want, "{key} {when}"),
                    Err(e) => lost.push(format!("{key}: {e}")),
                }
            }
            lost.sort();
            assert!(
                lost.is_empty(),
                "{} of {} keys lost {when} ({runs} verify runs): {lost:?}",
                lost.len(),
                expected.len()
            );
        };
        check("after the writers finished");
        let stats = capcache::verify_sync(&cache, opts()).expect("final verify");
        assert_eq!(stats.corrupt_content, 0, "{stats:?}");
        assert_eq!(stats.entries_kept, expected.len() as u64, "{stats:?}");
        check("after a final verify");
        let listed = sorted_ok(cache.list_sync().collect());
        assert_eq!(listed.len(), expected.len());
    }

    #[test]
    fn one_handle_default_grace() {
        writes_survive_verify_and_compaction(None, false);
    }

    #[test]
    fn separate_handles_default_grace() {
        writes_survive_verify_and_compaction(None, true);
    }

    #[test]
    fn one_handle_zero_grace() {
        writes_survive_verify_and_compaction(Some(Duration::ZERO), false);
    }

    #[test]
    fn separate_handles_zero_grace() {
        writes_survive_verify_and_compaction(Some(Duration::ZERO), true);
    }
}

/// Large files are hashed another way (mapped with `mmap`): a flipped bit
/// in the middle and a byte appended are damage there too, and an intact
/// large value is kept.
fn verify_finds_damage_in_large_content(api: Api) {
    let (_tmp, cache) = new_cache();
    let len = 3 << 20;
    let values: Vec<Vec<u8>> = (0..3).map(|seed| pattern(len, seed)).collect();
    let sris: Vec<_> = ["intact", "flipped", "longer"]
        .iter()
        .zip(&values)
        .map(|(key, value)| api.write(&cache, key, value).unwrap())
        .collect();
    flip_byte(&content_path(root(&cache), &sris[1]), len / 2);
    let longer = content_path(root(&cache), &sris[2]);
    let mut bytes = fs::read(&longer).unwrap();
    bytes.push(0);
    fs::write(&longer, bytes).unwrap();

    let stats = api.verify(&cache, VerifyOpts::new());
    assert_eq!(stats.content_verified, 1, "{stats:?}");
    assert_eq!(stats.content_bytes, len as u64, "{stats:?}");
    assert_eq!(stats.corrupt_content, 2, "{stats:?}");
    assert!(api.read(&cache, "intact").unwrap() == values[0]);
    for key in ["flipped", "longer"] {
        assert!(matches!(api.metadata(&cache, key), Ok(None)), "{key}");
    }
}

/// verify on a cache with nothing missing or corrupt: a bucket with
/// superseded lines, one with a tombstone and one with a garbage line are
/// rewritten; the compact ones are not touched (same file, same bytes).
/// The stats count every entry, and a second run changes nothing.
fn verify_of_a_healthy_cache_rewrites_only_the_buckets_that_change(api: Api) {
    let (_tmp, cache) = new_cache();
    let root = root(&cache).to_owned();
    write_superseded_and_removed(api, &cache);
    api.write(&cache, "garbled", b"garbled value").unwrap();
    append(
        &bucket_path(&root, IndexFormat::Npm, "garbled"),
        b"\nnot an index line",
    );
    let quiet: Vec<String> = (0..5).map(|i| format!("quiet {i}")).collect();
    for key in &quiet {
        api.write(&cache, key, key.as_bytes()).unwrap();
    }
    // A rewrite renames a new file over the bucket: another inode, a
    // later modification time.
    let identity = |key: &str| {
        let path = bucket_path(&root, IndexFormat::Npm, key);
        let meta = fs::metadata(&path).unwrap();
        #[cfg(unix)]
        let id = std::os::unix::fs::MetadataExt::ino(&meta) as u128;
        #[cfg(not(unix))]
        let id = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        (id, fs::read(&path).unwrap())
    };
    let before: Vec<_> = quiet.iter().map(|k| identity(k)).collect();

    let (opts, seen) = recorder();
    let stats = api.verify(&cache, opts);
    check_progress(&seen.lock().unwrap());
    assert_eq!(
        stats.entries_kept, 7,
        "hot, garbled and the five quiet: {stats:?}"
    );
    assert_eq!(
        stats.entries_removed, 5,
        "2 superseded hot, gone + its tombstone, the garbage line: {stats:?}"
    );
    assert_eq!(stats.corrupt_content, 0, "{stats:?}");
    let after: Vec<_> = quiet.iter().map(|k| identity(k)).collect();
    assert_eq!(before, after, "compact buckets are left as they are");
    assert_eq!(
        bucket_lines(&bucket_path(&root, IndexFormat::Npm, "hot")).len(),
        1
    );
    assert!(!bucket_path(&root, IndexFormat::Npm, "gone").exists());
    assert_eq!(api.read(&cache, "hot").unwrap(), b"hot 2");
    assert_eq!(api.read(&cache, "garbled").unwrap(), b"garbled value");
    assert!(matches!(api.metadata(&cache, "gone"), Ok(None)));

    let again = api.verify(&cache, VerifyOpts::new());
    assert_eq!(again.entries_kept, 7, "{again:?}");
    assert_eq!(again.entries_removed, 0, "{again:?}");
}

/// An entry whose content file was deleted behind the cache's back is
/// dropped by verify (only a pass over every bucket finds it), and the
/// other entries stay.
fn verify_drops_entries_whose_content_is_gone(api: Api) {
    let (_tmp, cache) = new_cache();
    let root = root(&cache).to_owned();
    api.write(&cache, "kept", b"kept value").unwrap();
    let gone = api.write(&cache, "lost", b"lost value").unwrap();
    fs::remove_file(content_path(&root, &gone)).unwrap();

    let stats = api.verify(&cache, VerifyOpts::new());
    assert_eq!(stats.entries_kept, 1, "{stats:?}");
    assert_eq!(stats.entries_removed, 1, "{stats:?}");
    assert_eq!(stats.corrupt_content, 0, "{stats:?}");
    assert!(matches!(api.metadata(&cache, "lost"), Ok(None)));
    assert!(!bucket_path(&root, IndexFormat::Npm, "lost").exists());
    assert_eq!(api.read(&cache, "kept").unwrap(), b"kept value");
}
