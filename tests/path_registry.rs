//! The free functions taking a path reuse the caches they opened (a
//! process-wide registry), yet see a cache directory that was removed,
//! re-created or replaced between two calls, never create a directory for a
//! read, and key relative paths so that a change of the current directory
//! cannot reach the old directory's cache. Also `CacheOptions::create`.
//!
//! Every test but `relative_paths_follow_the_current_directory` uses
//! absolute paths, so that test may change the current directory while the
//! others run; it takes `CWD` so that no other test added here that needs
//! the current directory runs meanwhile.

mod common;

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Mutex;

use capcache::{Cache, CacheOptions, Error, IndexFormat};

/// Held by the tests that use the current directory.
static CWD: Mutex<()> = Mutex::new(());

/// The value of `key` read through a handle of its own (not the registry's).
fn read_fresh(path: &Path, key: &str) -> capcache::Result<Vec<u8>> {
    Cache::open(path)?.read_sync(key)
}

#[test]
fn a_directory_removed_and_re_created_gets_the_next_write() {
    let tmp = common::tempdir();
    let path = tmp.path().join("cache");
    capcache::write_sync(&path, "before", b"1").unwrap();
    assert_eq!(capcache::read_sync(&path, "before").unwrap(), b"1");

    fs::remove_dir_all(&path).unwrap();
    fs::create_dir(&path).unwrap();
    capcache::write_sync(&path, "after", b"2").unwrap();

    assert_eq!(read_fresh(&path, "after").unwrap(), b"2");
    assert_eq!(capcache::read_sync(&path, "after").unwrap(), b"2");
    match capcache::read_sync(&path, "before") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "before"),
        other => panic!("unexpected: {other:?}"),
    }
}

#[test]
fn a_directory_replaced_by_a_rename_is_seen_with_its_own_format() {
    let tmp = common::tempdir();
    let path = tmp.path().join("cache");
    capcache::write_sync(&path, "old", b"old").unwrap();

    // Another cache, in cacache-rs's index format, takes the path's place.
    let other = tmp.path().join("other");
    CacheOptions::new()
        .format(IndexFormat::CacacheRs)
        .open(&other)
        .unwrap()
        .write_sync("theirs", b"theirs")
        .unwrap();
    fs::rename(&path, tmp.path().join("moved-away")).unwrap();
    fs::rename(&other, &path).unwrap();

    assert_eq!(capcache::read_sync(&path, "theirs").unwrap(), b"theirs");
    capcache::write_sync(&path, "new", b"new").unwrap();
    let fresh = Cache::open(&path).unwrap();
    assert_eq!(fresh.index_format().unwrap(), IndexFormat::CacacheRs);
    assert_eq!(fresh.read_sync("new").unwrap(), b"new");
    match capcache::read_sync(&path, "old") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "old"),
        other => panic!("unexpected: {other:?}"),
    }
    // The old directory got nothing more.
    let moved = Cache::open(tmp.path().join("moved-away")).unwrap();
    match moved.read_sync("new") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "new"),
        other => panic!("unexpected: {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_switched_to_another_directory_is_followed() {
    let tmp = common::tempdir();
    let (a, b, link) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("link"),
    );
    fs::create_dir(&a).unwrap();
    fs::create_dir(&b).unwrap();
    std::os::unix::fs::symlink(&a, &link).unwrap();
    capcache::write_sync(&link, "k", b"a").unwrap();
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&b, &link).unwrap();
    capcache::write_sync(&link, "k", b"b").unwrap();
    assert_eq!(read_fresh(&a, "k").unwrap(), b"a");
    assert_eq!(read_fresh(&b, "k").unwrap(), b"b");
}

#[test]
fn relative_paths_follow_the_current_directory() {
    let _cwd = CWD.lock().unwrap_or_else(|poison| poison.into_inner());
    let tmp = common::tempdir();
    let (x, y, z) = (
        tmp.path().join("x"),
        tmp.path().join("y"),
        tmp.path().join("z"),
    );
    fs::create_dir(&x).unwrap();
    fs::create_dir(&z).unwrap();
    // y/cache exists before the registry has seen the spelling "cache".
    Cache::open(y.join("cache"))
        .unwrap()
        .write_sync("k", b"y")
        .unwrap();

    /// Puts the current directory back, also when the test fails.
    struct Restore(std::path::PathBuf);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = std::env::set_current_dir(&self.0);
        }
    }
    let _restore = Restore(std::env::current_dir().unwrap());

    std::env::set_current_dir(&x).unwrap();
    capcache::write_sync("cache", "k", b"x").unwrap();
    assert_eq!(capcache::read_sync("cache", "k").unwrap(), b"x");

    // The same spelling now names y/cache: its value, not x's kept cache.
    std::env::set_current_dir(&y).unwrap();
    assert_eq!(capcache::read_sync("cache", "k").unwrap(), b"y");
    capcache::write_sync("./cache", "k2", b"y2").unwrap();
    assert_eq!(read_fresh(&y.join("cache"), "k2").unwrap(), b"y2");
    match read_fresh(&x.join("cache"), "k2") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "k2"),
        other => panic!("unexpected: {other:?}"),
    }

    // Where it names nothing, a read finds nothing and creates nothing.
    std::env::set_current_dir(&z).unwrap();
    match capcache::read_sync("cache", "k") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "k"),
        other => panic!("unexpected: {other:?}"),
    }
    assert!(!z.join("cache").exists());

    std::env::set_current_dir(&x).unwrap();
    assert_eq!(capcache::read_sync("cache", "k").unwrap(), b"x");
}

#[test]
fn read_only_calls_on_a_missing_directory_create_nothing() {
    let tmp = common::tempdir();
    let path = tmp.path().join("cache");
    let sri = capcache::write_sync(&path, "k", b"v").unwrap();
    // Removed after the registry has kept it.
    fs::remove_dir_all(&path).unwrap();

    match capcache::read_sync(&path, "k") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "k"),
        other => panic!("unexpected: {other:?}"),
    }
    match capcache::read_hash_sync(&path, &sri) {
        Err(Error::ContentNotFound { integrity }) => assert_eq!(integrity, sri),
        other => panic!("unexpected: {other:?}"),
    }
    assert!(capcache::metadata_sync(&path, "k").unwrap().is_none());
    assert!(!capcache::exists_sync(&path, &sri));
    assert!(!path.exists());

    // A write creates it again, and later reads find what it wrote.
    capcache::write_sync(&path, "k", b"again").unwrap();
    assert_eq!(capcache::read_sync(&path, "k").unwrap(), b"again");
    assert_eq!(read_fresh(&path, "k").unwrap(), b"again");
}

// WASI preview 1 has no threads.
#[cfg(not(target_family = "wasm"))]
#[test]
fn concurrent_calls_on_one_path_share_it() {
    let tmp = common::tempdir();
    let path = tmp.path().join("cache");
    std::thread::scope(|s| {
        for t in 0..4 {
            let path = &path;
            s.spawn(move || {
                for i in 0..25 {
                    let key = format!("{t}-{i}");
                    capcache::write_sync(path, &key, key.as_bytes()).unwrap();
                    assert_eq!(capcache::read_sync(path, &key).unwrap(), key.as_bytes());
                }
            });
        }
    });
    assert_eq!(capcache::list_sync(&path).count(), 100);
}

#[test]
fn create_false_refuses_a_missing_directory() {
    let tmp = common::tempdir();
    let path = tmp.path().join("missing").join("cache");
    match CacheOptions::new().create(false).open(&path) {
        Err(Error::Io { path: at, source }) => {
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
            assert_eq!(at, path);
        }
        other => panic!("unexpected: {other:?}"),
    }
    assert!(!tmp.path().join("missing").exists());

    // The default creates it, parents included; then `create(false)` opens it.
    Cache::open(&path).unwrap().write_sync("k", b"v").unwrap();
    let cache = CacheOptions::new().create(false).open(&path).unwrap();
    assert_eq!(cache.read_sync("k").unwrap(), b"v");
}
