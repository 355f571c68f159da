//! A smoke test of the blocking API inside the sandbox. (Every operation is
//! tested under wasmtime by the library's own tests, `tests/it`; this
//! suite keeps what needs a guest holding nothing but `/cache`.)

use std::path::Path;

use capcache_test_support::format::{content_path, sha512};

use super::open_cache;
use crate::harness::{same_bytes, Check, TestResult};
use crate::{ensure, ensure_eq};

/// Write then read back by key and by hash, through `Cache` methods and the
/// path-taking free functions; content lands at npm's path.
pub(super) fn write_read_roundtrip(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let sri = cache.write_sync("greeting", b"hello wasi")?;
    ensure_eq!(sri, sha512(b"hello wasi"), "write_sync's integrity");
    same_bytes(&cache.read_sync("greeting")?, b"hello wasi", "read_sync")?;
    same_bytes(
        &cache.read_hash_sync(&sri)?,
        b"hello wasi",
        "read_hash_sync",
    )?;
    let meta = cache.metadata_sync("greeting")?.ctx("metadata_sync")?;
    ensure_eq!(
        (meta.key.as_str(), meta.size, &meta.integrity),
        ("greeting", 10, &sri),
        "metadata"
    );
    ensure!(meta.time > 0, "metadata time is {}", meta.time);
    ensure!(cache.try_exists_sync(&sri)?, "exists_sync after write");
    let on_disk = std::fs::read(content_path(&root, &sri)).ctx("content at npm's path")?;
    same_bytes(&on_disk, b"hello wasi", "content file")?;

    let by_path = capcache::write_sync(&root, "by-path", b"via a path")?;
    same_bytes(
        &capcache::read_sync(&root, "by-path")?,
        b"via a path",
        "read_sync(path)",
    )?;
    same_bytes(
        &capcache::read_hash_sync(&root, &by_path)?,
        b"via a path",
        "read_hash_sync(path)",
    )?;
    ensure!(
        capcache::try_exists_sync(&root, &by_path)?,
        "exists_sync(path)"
    );
    ensure_eq!(
        capcache::metadata_sync(&root, "by-path")?.map(|m| m.size),
        Some(10),
        "metadata_sync(path)"
    );

    cache.write_sync("greeting", b"second")?;
    same_bytes(
        &cache.read_sync("greeting")?,
        b"second",
        "the last write wins",
    )
}
