//! `link_to`: adding an existing file by symlink. Needs ambient authority,
//! which in a WASI guest means "whatever the preopens grant".

use std::io::ErrorKind;
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use capcache::{Cache, Error};
use capcache_test_support::format::{content_path, sha512};

use super::open_cache;
use crate::harness::{expect_err, same_bytes, Check, TestResult};
use crate::{ensure, ensure_eq};

/// Natively, a file next to the cache is linked, read back verified, and a
/// change to it is caught on the next read. In a WASI guest the link cannot
/// be made: wasmtime refuses symlinks with absolute targets, and `link_to`
/// stores absolute targets. There it must fail as an I/O error (today
/// `PermissionDenied` from the runtime; `Unsupported` if the library comes
/// to say so up front) and leave nothing behind.
pub(super) fn inside_the_root(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let target = dir.join("target.bin");
    std::fs::write(&target, b"linked body").ctx("writing the target")?;
    let linked = capcache::link_to_sync(&cache, "linked", &target);
    if cfg!(target_family = "wasm") {
        expect_err(linked, "link_to under WASI", |e| {
            matches!(e, Error::Io { source, .. }
                if matches!(source.kind(), ErrorKind::PermissionDenied | ErrorKind::Unsupported))
        })?;
        ensure!(cache.metadata_sync("linked")?.is_none(), "entry stored");
        let link = content_path(&root, &sha512(b"linked body"));
        ensure!(link.symlink_metadata().is_err(), "link left behind");
        return Ok(());
    }
    let sri = linked?;
    ensure_eq!(sri, sha512(b"linked body"), "link_to's integrity");
    same_bytes(
        &cache.read_sync("linked")?,
        b"linked body",
        "read through the link",
    )?;
    ensure!(cache.try_exists_sync(&sri)?, "exists for a linked entry");
    let other = dir.join("other.bin");
    std::fs::write(&other, b"content only link").ctx("writing other")?;
    let only = capcache::link_to_hash_sync(&cache, &other)?;
    same_bytes(
        &cache.read_hash_sync(&only)?,
        b"content only link",
        "link_to_hash",
    )?;

    std::fs::write(&target, b"LINKED BODY").ctx("changing the target")?;
    expect_err(
        cache.read_sync("linked"),
        "read after the target changed",
        |e| matches!(e, Error::IntegrityMismatch { .. }),
    )?;
    Ok(())
}

/// A capability-only cache refuses to make a link, and stores nothing.
pub(super) fn capability_only_refuses(dir: &Path) -> TestResult {
    let root = dir.join("cap");
    std::fs::create_dir_all(&root).ctx("creating cap/")?;
    let cache = Cache::from_dir(Dir::open_ambient_dir(&root, ambient_authority()).ctx("open")?);
    let target = dir.join("target.bin");
    std::fs::write(&target, b"x").ctx("writing the target")?;
    expect_err(
        capcache::link_to_sync(&cache, "k", &target),
        "link_to",
        |e| matches!(e, Error::OutsideCache { .. }),
    )?;
    expect_err(
        capcache::link_to_hash_sync(&cache, &target),
        "link_to_hash",
        |e| matches!(e, Error::OutsideCache { .. }),
    )?;
    ensure!(cache.metadata_sync("k")?.is_none(), "entry stored");
    ensure!(!root.join("content-v2").exists(), "content-v2 created");
    Ok(())
}

/// A target the program cannot open (outside every preopen in the guest,
/// missing natively) is an I/O error naming it; nothing is stored.
pub(super) fn unreachable_target(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let target = if cfg!(target_family = "wasm") {
        Path::new("/etc/passwd").to_path_buf()
    } else {
        dir.join("missing.bin")
    };
    let err = expect_err(
        capcache::link_to_sync(&cache, "k", &target),
        "link_to",
        |e| matches!(e, Error::Io { .. }),
    )?;
    ensure_eq!(err.path(), Some(target.as_path()), "error names the target");
    ensure!(cache.metadata_sync("k")?.is_none(), "entry stored");
    Ok(())
}

/// A linked file that disappears: reads fail (an I/O error naming the
/// target, or "content not found"), and verify drops the entry rather than failing the whole run
/// (one dangling link must not make a cache unrepairable). Native only:
/// the guest cannot make links.
#[cfg(not(target_family = "wasm"))]
pub(super) fn dangling_target(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let target = dir.join("target.bin");
    std::fs::write(&target, b"soon gone").ctx("writing the target")?;
    capcache::link_to_sync(&cache, "linked", &target)?;
    cache.write_sync("plain", b"plain value")?;
    std::fs::remove_file(&target).ctx("removing the target")?;
    let err = expect_err(cache.read_sync("linked"), "read of a dangling link", |e| {
        matches!(e, Error::Io { .. } | Error::ContentNotFound { .. })
    })?;
    if let Error::Io { path, .. } = &err {
        ensure_eq!(path, &target, "error names the target");
    }
    let stats = capcache::verify_sync(&cache, capcache::VerifyOpts::new())
        .ctx("verify with a dangling link")?;
    ensure_eq!(stats.entries_kept, 1, "entries kept ({stats:?})");
    ensure!(
        cache.metadata_sync("linked")?.is_none(),
        "dangling entry kept"
    );
    same_bytes(
        &cache.read_sync("plain")?,
        b"plain value",
        "the other entry",
    )
}
