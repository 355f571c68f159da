//! Getting content out as files: copies, copies into a `Dir`, hard links,
//! reflinks and the reflink-or-copy fallback.

use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use capcache::Error;

use super::open_cache;
use crate::harness::{same_bytes, Check, Failure, TestResult};
use crate::{ensure, ensure_eq};

const BODY: &[u8] = b"exported file body";

/// Reads an exported file and compares it with [`BODY`].
fn exported(path: &Path) -> TestResult {
    let bytes = std::fs::read(path).ctx(format!("reading {}", path.display()))?;
    same_bytes(&bytes, BODY, &path.display().to_string())
}

/// The `out` directory next to the cache, created.
fn out_dir(dir: &Path) -> Result<std::path::PathBuf, Failure> {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).ctx("creating out/")?;
    Ok(out)
}

/// `copy`, `copy_unchecked`, `copy_hash`, `copy_hash_unchecked` to paths.
pub(super) fn copy(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let sri = cache.write_sync("k", BODY)?;
    let out = out_dir(dir)?;
    let len = BODY.len() as u64;
    ensure_eq!(
        capcache::copy_sync(&cache, "k", out.join("a"))?,
        len,
        "copy_sync"
    );
    ensure_eq!(
        capcache::copy_unchecked_sync(&cache, "k", out.join("b"))?,
        len,
        "copy_unchecked_sync"
    );
    ensure_eq!(
        capcache::copy_hash_sync(&cache, &sri, out.join("c"))?,
        len,
        "copy_hash_sync"
    );
    ensure_eq!(
        capcache::copy_hash_unchecked_sync(&cache, &sri, out.join("d"))?,
        len,
        "copy_hash_unchecked_sync"
    );
    for name in ["a", "b", "c", "d"] {
        exported(&out.join(name))?;
    }
    std::fs::write(out.join("a"), b"old, longer contents to be truncated").ctx("rewriting a")?;
    capcache::copy_sync(&cache, "k", out.join("a"))?;
    exported(&out.join("a"))?;
    let missing = capcache::copy_sync(&cache, "missing", out.join("e"));
    ensure!(
        matches!(missing, Err(Error::EntryNotFound { .. })),
        "copy of a missing key: {missing:?}"
    );
    Ok(())
}

/// `copy_to_dir` and `copy_hash_to_dir` write through a `Dir` capability.
pub(super) fn copy_into_dir(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let sri = cache.write_sync("k", BODY)?;
    let out = out_dir(dir)?;
    std::fs::create_dir_all(out.join("sub")).ctx("creating out/sub")?;
    let target = Dir::open_ambient_dir(&out, ambient_authority()).ctx("opening out/")?;
    let len = BODY.len() as u64;
    ensure_eq!(
        capcache::copy_to_dir_sync(&cache, "k", &target, "a")?,
        len,
        "copy_to_dir_sync"
    );
    ensure_eq!(
        capcache::copy_hash_to_dir_sync(&cache, &sri, &target, "sub/b")?,
        len,
        "copy_hash_to_dir_sync"
    );
    exported(&out.join("a"))?;
    exported(&out.join("sub").join("b"))?;
    let escape = capcache::copy_to_dir_sync(&cache, "k", &target, "../escaped");
    ensure!(
        escape.is_err(),
        "copy_to_dir let `..` leave the Dir: {escape:?}"
    );
    ensure!(
        !dir.join("escaped").exists(),
        "file written outside the Dir"
    );
    Ok(())
}

/// The four hard-link exports.
pub(super) fn hard_link(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let sri = cache.write_sync("k", BODY)?;
    let out = out_dir(dir)?;
    capcache::hard_link_sync(&cache, "k", out.join("a"))?;
    capcache::hard_link_unchecked_sync(&cache, "k", out.join("b"))?;
    capcache::hard_link_hash_sync(&cache, &sri, out.join("c"))?;
    capcache::hard_link_hash_unchecked_sync(&cache, &sri, out.join("d"))?;
    for name in ["a", "b", "c", "d"] {
        exported(&out.join(name))?;
    }
    let again = capcache::hard_link_sync(&cache, "k", out.join("a"));
    ensure!(
        matches!(&again, Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists),
        "hard link onto an existing file: {again:?}"
    );
    Ok(())
}

/// Reflinks: WASI has none, so each form must fail with an `Unsupported`
/// I/O error that says so and leave no destination file. Natively they
/// either work or fail the same clear way (ext4 and tmpfs cannot clone).
pub(super) fn reflink(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let sri = cache.write_sync("k", BODY)?;
    let out = out_dir(dir)?;
    let attempts = [
        (
            "reflink_sync",
            capcache::reflink_sync(&cache, "k", out.join("a")),
            "a",
        ),
        (
            "reflink_unchecked_sync",
            capcache::reflink_unchecked_sync(&cache, "k", out.join("b")),
            "b",
        ),
        (
            "reflink_hash_sync",
            capcache::reflink_hash_sync(&cache, &sri, out.join("c")),
            "c",
        ),
        (
            "reflink_hash_unchecked_sync",
            capcache::reflink_hash_unchecked_sync(&cache, &sri, out.join("d")),
            "d",
        ),
    ];
    for (what, result, name) in attempts {
        let path = out.join(name);
        match result {
            Ok(()) if cfg!(target_family = "wasm") => {
                return Err(Failure::new(format!("{what} succeeded on WASI")))
            }
            Ok(()) => exported(&path)?,
            Err(Error::Io { source, path: at }) => {
                ensure!(
                    !cfg!(target_family = "wasm")
                        || source.kind() == std::io::ErrorKind::Unsupported,
                    "{what}: kind {:?}, want Unsupported",
                    source.kind()
                );
                ensure!(
                    source.to_string().contains("reflink"),
                    "{what}: unclear message {source}"
                );
                ensure_eq!(at, path, "{what}: the error names the destination");
                ensure!(!path.exists(), "{what} left a destination file");
            }
            Err(e) => return Err(Failure::new(format!("{what}: wrong error {e:?}"))),
        }
    }
    Ok(())
}

/// `reflink_or_copy` falls back to a verified copy where reflinks fail.
pub(super) fn reflink_or_copy(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let sri = cache.write_sync("k", BODY)?;
    let out = out_dir(dir)?;
    let len = BODY.len() as u64;
    ensure_eq!(
        capcache::reflink_or_copy_sync(&cache, "k", out.join("a"))?,
        len,
        "reflink_or_copy_sync"
    );
    ensure_eq!(
        capcache::reflink_or_copy_hash_sync(&cache, &sri, out.join("b"))?,
        len,
        "reflink_or_copy_hash_sync"
    );
    exported(&out.join("a"))?;
    exported(&out.join("b"))
}
