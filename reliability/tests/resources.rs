//! Resource faults (Linux): a write that runs out of disk (`RLIMIT_FSIZE`,
//! with SIGXFSZ ignored, so write(2) fails with EFBIG), of file descriptors
//! (`RLIMIT_NOFILE`: EMFILE) or into a read-only cache (a read-only bind
//! mount in a private mount namespace: EROFS; where that is not allowed, a
//! worker that dropped root: EACCES). Each runs in a worker process so the
//! limits never touch the test harness.
//!
//! Expected every time: `Error::Io` with the errno and a path inside the
//! cache, nothing committed (the key keeps its previous state, the content
//! is not stored), nothing left in `tmp/` after the next `verify`, and the
//! cache fully usable afterwards.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use capcache::{Cache, VerifyOpts};
use capcache_reliability::{values, worker};
use capcache_test_support::format::{bucket_path, sha512, Index};
use capcache_test_support::fs::tmp_entries;

struct Setup {
    tmp: tempfile::TempDir,
    root: PathBuf,
    cache: Cache,
}

/// A cache holding `old` = version 1 of `key`.
fn setup(key: &str) -> Setup {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("cache");
    let cache = Cache::open(&root).expect("open cache");
    cache
        .write_sync(key, values::value(key, 1, 100))
        .expect("old value");
    Setup { tmp, root, cache }
}

/// Runs the worker; returns its stdout lines.
fn run(
    scenario: &str,
    root: &Path,
    key: &str,
    len: usize,
    how: &str,
    limit: u64,
    extra: &[&str],
) -> Vec<String> {
    let out = Command::new(worker!())
        .args(["resource", scenario])
        .arg(root)
        .args([key, "2", &len.to_string(), how, &limit.to_string()])
        .args(extra)
        .output()
        .expect("run worker");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{scenario} {how}: worker failed ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// An `ERR` line's fields: variant, errno, kind, path.
fn err_fields(line: &str) -> (String, Option<i32>, String, PathBuf) {
    let f: Vec<&str> = line.splitn(5, ' ').collect();
    assert_eq!(f[0], "ERR", "expected an error, got {line:?}");
    (
        f[1].to_owned(),
        f[2].parse().ok(),
        f[3].to_owned(),
        PathBuf::from(f.get(4).copied().unwrap_or("")),
    )
}

/// Nothing committed: the key still reads its old value; after `verify`
/// (zero grace) neither the new content (a write that failed at its index
/// append has linked it already) nor anything in `tmp/` is left; the same
/// write then works.
fn nothing_committed_then_usable(s: &Setup, key: &str, len: usize, ctx: &str) {
    let new = values::value(key, 2, len);
    let old = values::value(key, 1, 100);
    assert_eq!(
        s.cache.read_sync(key).expect(ctx),
        old,
        "{ctx}: the key changed"
    );
    capcache::verify_sync(&s.cache, VerifyOpts::new().grace(Duration::ZERO)).expect(ctx);
    assert!(
        !s.cache.try_exists_sync(&sha512(&new)).expect(ctx),
        "{ctx}: the failed write's content is left"
    );
    assert_eq!(
        tmp_entries(&s.root),
        Vec::<PathBuf>::new(),
        "{ctx}: tmp/ after verify"
    );
    s.cache.write_sync(key, &new).expect(ctx);
    assert_eq!(
        s.cache.read_sync(key).expect(ctx),
        new,
        "{ctx}: the write after the failure"
    );
}

/// The disk fills while the content is written (the temp file grows past
/// the limit), through each write API.
#[test]
fn disk_full_while_writing_content_is_a_clear_error_and_commits_nothing() {
    for how in ["sync", "stream", "async"] {
        let ctx = format!("fsize content {how}");
        let s = setup("k");
        let len = 1024 * 1024 + 5;
        let lines = run("fsize", &s.root, "k", len, how, 100_000, &[]);
        let (variant, errno, kind, path) = err_fields(&lines[0]);
        assert_eq!(
            (variant.as_str(), errno, kind.as_str()),
            ("Io", Some(libc::EFBIG), "FileTooLarge"),
            "{ctx}: {lines:?}"
        );
        assert!(
            path.starts_with(s.root.join("tmp")),
            "{ctx}: error path {path:?} is not the temp file"
        );
        nothing_committed_then_usable(&s, "k", len, &ctx);
    }
}

/// The disk fills in the middle of the index append: a torn line is left in
/// the bucket, which readers must skip; the next append must still work.
#[test]
fn disk_full_during_the_index_append_leaves_the_old_entry() {
    let s = setup("k");
    let bucket = bucket_path(&s.root, Index::Npm, "k");
    let size = std::fs::metadata(&bucket).expect("bucket").len();
    let lines = run("fsize", &s.root, "k", 100, "sync", size + 30, &[]);
    let (variant, errno, _, path) = err_fields(&lines[0]);
    assert_eq!(
        (variant.as_str(), errno),
        ("Io", Some(libc::EFBIG)),
        "{lines:?}"
    );
    assert_eq!(path, bucket, "the error names the bucket");
    assert_eq!(
        std::fs::metadata(&bucket).expect("bucket").len(),
        size + 30,
        "a torn line was left"
    );
    nothing_committed_then_usable(&s, "k", 100, "fsize bucket");
    let listed: Vec<_> = s.cache.list_sync().collect::<Result<_, _>>().expect("list");
    assert_eq!(listed.len(), 1, "one entry after the torn line: {listed:?}");
}

/// Out of file descriptors at every step of a write, through each API:
/// every attempt fails with EMFILE naming a path, until one more
/// descriptor lets the write through.
#[test]
fn out_of_file_descriptors_is_a_clear_error_and_commits_nothing() {
    for (how, len) in [
        ("sync", 1000),
        ("stream", 200_000),
        ("async", 1024 * 1024 + 5),
    ] {
        let ctx = format!("nofile {how}");
        let s = setup("k");
        let lines = run("nofile", &s.root, "k", len, how, 0, &[]);
        let (last, failures) = lines.split_last().expect("attempts");
        assert!(
            !failures.is_empty(),
            "{ctx}: no attempt ran out of descriptors: {lines:?}"
        );
        for line in failures {
            let (variant, errno, _, path) = err_fields(line);
            assert_eq!(
                (variant.as_str(), errno),
                ("Io", Some(libc::EMFILE)),
                "{ctx}: {lines:?}"
            );
            assert!(
                path.starts_with(&s.root),
                "{ctx}: path {path:?} outside the cache"
            );
        }
        assert!(last.starts_with("OK "), "{ctx}: never succeeded: {lines:?}");
        eprintln!(
            "{ctx}: {} attempts failed first, e.g. {}",
            failures.len(),
            failures[0]
        );
        // The write that got through is the one committed.
        let new = values::value("k", 2, len);
        assert_eq!(s.cache.read_sync("k").expect(&ctx), new, "{ctx}");
        capcache::verify_sync(&s.cache, VerifyOpts::new().grace(Duration::ZERO)).expect(&ctx);
        assert_eq!(
            tmp_entries(&s.root),
            Vec::<PathBuf>::new(),
            "{ctx}: tmp/ after verify"
        );
    }
}

/// A read-only cache: writes fail with the filesystem's error and a path,
/// reads of what is there still work.
#[test]
fn read_only_cache_refuses_writes_clearly_and_still_reads() {
    for how in ["sync", "stream", "async"] {
        let ctx = format!("read-only {how}");
        let s = setup("k");
        s.cache
            .write_sync("existing", values::value("existing", 7, 5000))
            .expect("existing");
        let bits = make_reachable_or_read_only(s.tmp.path(), &s.root);
        let lines = run("readonly", &s.root, "k", 5000, how, 0, &["existing"]);
        restore_bits(&s.root, bits);
        let method = lines[0]
            .strip_prefix("METHOD ")
            .expect("method line")
            .to_owned();
        let (variant, errno, _, path) = err_fields(&lines[1]);
        let expected = if method == "mount" {
            libc::EROFS
        } else {
            libc::EACCES
        };
        assert_eq!(
            (variant.as_str(), errno),
            ("Io", Some(expected)),
            "{ctx} ({method}): {lines:?}"
        );
        assert!(path.starts_with(&s.root), "{ctx}: path {path:?}");
        assert_eq!(
            lines[2], "READ 7",
            "{ctx} ({method}): reading the read-only cache"
        );
        eprintln!("{ctx}: read-only by {method}: {}", lines[1]);
        nothing_committed_then_usable(&s, "k", 5000, &ctx);
    }
}

/// As root the worker drops to `nobody`: it must be able to reach and read
/// the cache. As another user, write permission is taken away instead (and
/// given back by [`restore_bits`]). Returns whether bits were taken.
fn make_reachable_or_read_only(tmp: &Path, root: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: plain syscall.
    let root_user = unsafe { libc::geteuid() } == 0;
    let mut stack = vec![tmp.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).expect("walk");
        if meta.is_dir() {
            stack.extend(
                std::fs::read_dir(&p)
                    .expect("walk")
                    .flatten()
                    .map(|e| e.path()),
            );
            let mode = if root_user || !p.starts_with(root) {
                0o755
            } else {
                0o555
            };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        } else if meta.is_file() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    !root_user
}

fn restore_bits(root: &Path, taken: bool) {
    use std::os::unix::fs::PermissionsExt;
    if !taken {
        return;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            stack.extend(
                std::fs::read_dir(&p)
                    .expect("walk")
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
}
