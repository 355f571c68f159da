//! The API suite (`run-all`): every public operation of capcache, run
//! against caches under one root directory.
//!
//! In the guest the root is the preopened `/cache`; natively it is a
//! temporary directory, so the host can run the same suite outside the
//! sandbox and compare. Each test gets a fresh directory of its own under
//! the root and keeps its files there, so a failure can be inspected.

use std::path::{Path, PathBuf};

use capcache::{Cache, Integrity};

use crate::harness::{self, Check, Failure, Summary, Test, TestResult};

#[cfg(feature = "async")]
mod async_ops;
mod exports;
#[cfg(feature = "link_to")]
mod link_to;
mod maintenance;
#[cfg(target_family = "wasm")]
mod sandbox;
mod streams;
mod sync_ops;

/// A suite test: gets its own empty directory.
type TestFn = fn(&Path) -> TestResult;

/// Tests registered only in native builds (they need what a WASI guest
/// cannot do, such as making a symlink with an absolute target).
pub const NATIVE_ONLY: &[&str] = &["link_to::dangling_target"];

/// Every test of the suite for the enabled features, in run order.
pub fn tests() -> Vec<(&'static str, TestFn)> {
    let mut tests: Vec<(&'static str, TestFn)> = Vec::new();
    tests.extend([
        (
            "sync::write_read_roundtrip",
            sync_ops::write_read_roundtrip as TestFn,
        ),
        ("sync::algorithms", sync_ops::algorithms),
        ("sync::write_options", sync_ops::write_options),
        ("sync::content_only", sync_ops::content_only),
        ("sync::remove_keeps_content", sync_ops::remove_keeps_content),
        ("sync::index_api", sync_ops::index_api),
        ("sync::list", sync_ops::list),
        ("sync::invalid_input", sync_ops::invalid_input),
        (
            "sync::corruption_is_detected",
            sync_ops::corruption_is_detected,
        ),
        ("sync::large_value", sync_ops::large_value),
        ("streams::sync_writer_reader", streams::sync_writer_reader),
        ("exports::copy", exports::copy),
        ("exports::copy_into_dir", exports::copy_into_dir),
        ("exports::hard_link", exports::hard_link),
        ("exports::reflink", exports::reflink),
        ("exports::reflink_or_copy", exports::reflink_or_copy),
        ("maintenance::verify", maintenance::verify),
        ("maintenance::gc", maintenance::gc),
        ("maintenance::compact", maintenance::compact),
        ("maintenance::auto_compaction", maintenance::auto_compaction),
        ("maintenance::clear", maintenance::clear),
        (
            "options::formats_and_durability",
            maintenance::formats_and_durability,
        ),
        (
            "options::capability_only_cache",
            maintenance::capability_only_cache,
        ),
    ]);
    #[cfg(target_family = "wasm")]
    tests.push((
        "wasi::only_the_preopen_is_visible",
        sandbox::only_the_preopen_is_visible,
    ));
    #[cfg(feature = "link_to")]
    tests.extend([
        (
            "link_to::inside_the_root",
            link_to::inside_the_root as TestFn,
        ),
        (
            "link_to::capability_only_refuses",
            link_to::capability_only_refuses,
        ),
        ("link_to::unreachable_target", link_to::unreachable_target),
    ]);
    #[cfg(all(feature = "link_to", not(target_family = "wasm")))]
    tests.push(("link_to::dangling_target", link_to::dangling_target));
    #[cfg(feature = "async")]
    tests.extend([
        ("async::roundtrip", async_ops::roundtrip as TestFn),
        ("async::index", async_ops::index),
        ("async::list", async_ops::list),
        ("async::streams", async_ops::streams),
        ("async::exports", async_ops::exports),
        ("async::maintenance", async_ops::maintenance),
    ]);
    #[cfg(all(feature = "async", feature = "link_to"))]
    tests.push(("async::link_to", async_ops::link_to));
    tests
}

/// Runs the whole suite under `root`; the caller prints the report.
pub fn run(root: &Path) -> Summary {
    let tests = tests()
        .into_iter()
        .map(|(name, body)| {
            let dir = root.join(name.replace("::", "-"));
            Test::new(name, move || {
                fresh_dir(&dir)?;
                body(&dir)
            })
        })
        .collect();
    harness::run(tests)
}

/// Makes `dir` exist and be empty.
pub(crate) fn fresh_dir(dir: &Path) -> TestResult {
    if dir.exists() {
        std::fs::remove_dir_all(dir).ctx(format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).ctx(format!("creating {}", dir.display()))
}

/// Where npm's layout puts the content for `sri` under cache root `root`,
/// computed here rather than asked of the library under test.
pub(crate) fn content_file(root: &Path, sri: &Integrity) -> PathBuf {
    let (algo, hex) = sri.to_hex();
    root.join("content-v2")
        .join(algo.to_string())
        .join(&hex[0..2])
        .join(&hex[2..4])
        .join(&hex[4..])
}

/// Opens (creating) the cache `dir/cache` from its path.
pub(crate) fn open_cache(dir: &Path) -> Result<(Cache, PathBuf), Failure> {
    let root = dir.join("cache");
    let cache = Cache::open(&root).ctx(format!("Cache::open({})", root.display()))?;
    Ok((cache, root))
}

/// The sorted keys a listing yields; an `Err` item fails the test (a
/// plain `count()` would count it as an entry).
pub(crate) fn listed_keys(
    listing: impl Iterator<Item = capcache::Result<capcache::Metadata>>,
) -> Result<Vec<String>, Failure> {
    let mut keys = listing
        .map(|entry| entry.map(|m| m.key))
        .collect::<Result<Vec<_>, _>>()
        .ctx("listing the cache")?;
    keys.sort();
    Ok(keys)
}

/// Number of entries in a directory (0 if it does not exist), not
/// counting dot files (the index lock file lives in `index-v5`).
pub(crate) fn count_entries(dir: &Path) -> Result<usize, Failure> {
    match std::fs::read_dir(dir) {
        Ok(listing) => Ok(listing
            .filter(|e| {
                e.as_ref()
                    .map_or(true, |e| !e.file_name().to_string_lossy().starts_with('.'))
            })
            .count()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(Failure::new(format!("listing {}: {e}", dir.display()))),
    }
}

/// Overwrites a content file in place with other bytes of the same length,
/// so only the hash can tell.
pub(crate) fn tamper(root: &Path, sri: &Integrity) -> TestResult {
    let path = content_file(root, sri);
    let mut bytes = std::fs::read(&path).ctx(format!("reading {}", path.display()))?;
    crate::ensure!(!bytes.is_empty(), "cannot tamper with empty content");
    for b in &mut bytes {
        *b = b.wrapping_add(1);
    }
    std::fs::write(&path, bytes).ctx(format!("tampering with {}", path.display()))
}
