//! The sandbox suite (`run-all`): what only a guest holding nothing but
//! the cache directory can show (the preopen is all it sees, `link_to`
//! targets outside it are unreachable), and a round trip there. Every
//! operation is tested under wasmtime by the library's own tests
//! (`tests/it`, in the matrix's wasm32-wasip1 cells).
//!
//! In the guest the root is the preopened `/cache`; natively it is a
//! temporary directory, so the host can run the same suite outside the
//! sandbox and compare. Each test gets a fresh directory of its own under
//! the root and keeps its files there, so a failure can be inspected.

use std::path::{Path, PathBuf};

use capcache::Cache;

use crate::harness::{self, Check, Failure, Summary, Test, TestResult};

#[cfg(feature = "link_to")]
mod link_to;
mod roundtrip;
#[cfg(target_family = "wasm")]
mod sandbox;

/// A suite test: gets its own empty directory.
type TestFn = fn(&Path) -> TestResult;

/// Tests registered only in native builds (they need what a WASI guest
/// cannot do, such as making a symlink with an absolute target).
pub const NATIVE_ONLY: &[&str] = &["link_to::dangling_target"];

/// Every test of the suite for the enabled features, in run order.
pub fn tests() -> Vec<(&'static str, TestFn)> {
    // Native builds without `link_to` add nothing to the first test.
    #[cfg_attr(
        not(any(feature = "link_to", target_family = "wasm")),
        allow(unused_mut)
    )]
    let mut tests: Vec<(&'static str, TestFn)> = vec![(
        "roundtrip::write_then_read",
        roundtrip::write_read_roundtrip as TestFn,
    )];
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

/// Opens (creating) the cache `dir/cache` from its path.
pub(crate) fn open_cache(dir: &Path) -> Result<(Cache, PathBuf), Failure> {
    let root = dir.join("cache");
    let cache = Cache::open(&root).ctx(format!("Cache::open({})", root.display()))?;
    Ok((cache, root))
}
