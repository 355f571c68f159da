//! Checks that the guest runs in the sandbox the other tests assume: only
//! the cache directory preopened, nothing inherited.

use std::path::Path;

use crate::ensure;
use crate::harness::TestResult;

/// Paths outside the preopen, and `..` out of it, cannot be reached; no
/// environment is inherited from the host.
pub(super) fn only_the_preopen_is_visible(dir: &Path) -> TestResult {
    ensure!(
        dir.starts_with("/cache"),
        "suite root {} is not under /cache",
        dir.display()
    );
    ensure!(
        std::fs::metadata("/cache").is_ok(),
        "/cache is not preopened"
    );
    for outside in [
        "/etc/passwd",
        "/",
        "/tmp",
        "/cache/..",
        "/cache/../etc/passwd",
    ] {
        let seen = std::fs::metadata(outside);
        ensure!(seen.is_err(), "{outside} is visible in the guest: {seen:?}");
    }
    let inherited: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    ensure!(inherited.is_empty(), "environment inherited: {inherited:?}");
    Ok(())
}
