//! Platform code, chosen once: `unix.rs` (Linux, macOS), `windows.rs` or
//! `wasi.rs` provides each function below with the same signature (as
//! tempfile's `file/imp/` and cap-primitives' per-OS modules do);
//! `native.rs` holds what Unix and Windows share. Outside this folder the
//! platform is asked only for threads (`rt/`, `parallel.rs`), memory maps
//! and link targets WASI cannot follow (`content/read.rs`), the retries of
//! a bucket rename Windows refuses while a reader has it open
//! (`index/bucket.rs`), and the path registry, which keeps nothing on
//! Windows (`registry.rs`).
//!
//! **Paths beneath a handle.** `open_read`, `open_append`, `is_file`,
//! `hard_link` and `create_dir` are the hot file operations on shard
//! paths. cap-std keeps every path inside its `Dir`: where the OS can
//! enforce that (Linux's `openat2` with `RESOLVE_BENEATH`) in one call,
//! elsewhere a component at a time. Under WASI that walk repeats what the
//! runtime must do anyway: the WASI filesystem specification resolves every
//! path beneath the descriptor it is given and fails any step (`..`, a
//! symlink, an absolute path) that would leave it, enforced by the host
//! (wasmtime does it with cap-std). Each component costs a host call there,
//! so `wasi.rs` hands the whole relative path to the runtime in one call on
//! the cap-std `Dir`'s own descriptor (through `rustix`, the layer cap-std
//! itself calls), which makes small reads of distinct keys markedly faster
//! (README, "Tuning, measured"). Everywhere else they
//! are plain cap-std calls. Callers pass paths this crate spells (hex shard
//! and file names), never `..` or absolute ones; `wasm-tests/` plants
//! symlinks out of shards, buckets and content files and checks that these
//! calls refuse them.
//!
//! **Listings.** `listing` opens a shard directory once and lists it
//! through that handle (on Linux with `getdents64` on a readable
//! descriptor cap-std opened, instead of cap-std's three opens).
//!
//! **Locks.** Temp files are locked by their writer (`lock_temp`) so that
//! verify's clean-up of `tmp/` skips them (`temp_in_use`); the index lock
//! is a file lock (`FILE_LOCKS`). WASI preview 1 has no locks.
//!
//! **Durability and identity.** `sync_dir` fsyncs a directory (only Unix
//! can); `same_dir` compares two handles (not on Windows); `symlink` makes a
//! link to an absolute target (refused under WASI); `end_after_append`
//! tells a bucket's length after an append.

use std::io;
use std::path::Path;

use cap_std::fs::Dir;

pub(crate) mod listing;
#[cfg(not(target_os = "wasi"))]
mod native;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

#[cfg(target_os = "wasi")]
mod wasi;
#[cfg(target_os = "wasi")]
use wasi as imp;

#[cfg(feature = "link_to")]
pub(crate) use imp::symlink;
pub(crate) use imp::{
    end_after_append, hard_link, is_file, lock_temp, open_append, open_read, same_dir,
    short_read_ends, sync_dir, temp_in_use, FILE_LOCKS,
};

/// Creates directory `rel` and any missing parents, and returns the
/// highest one it created (`None` if `rel` existed): the directories from
/// that one's parent down gained entries (see [`crate::engine::layout::shard::sync_created`]).
/// The whole path is tried first: a shard's parent usually exists, and then
/// this is one call.
pub(crate) fn create_dir_all<'a>(dir: &Dir, rel: &'a Path) -> io::Result<Option<&'a Path>> {
    match create_dir(dir, rel) {
        Ok(()) => Ok(Some(rel)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) else {
                return Err(e);
            };
            let top = create_dir_all(dir, parent)?;
            match create_dir(dir, rel) {
                Ok(()) => Ok(Some(top.unwrap_or(rel))),
                // Another writer made it meanwhile.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(top),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn create_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    imp::create_dir(dir, rel)
}

/// Whether two handles are the same directory, by device and inode.
#[cfg(any(unix, target_os = "wasi"))]
pub(crate) fn same_inode(a: &Dir, b: &Dir) -> bool {
    use cap_std::fs::MetadataExt;
    match (a.dir_metadata(), b.dir_metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_open_stat_link_and_create() {
        let (_tmp, root) = crate::testing::tempdir();
        let made = create_dir_all(&root, Path::new("ab/cd/ef")).unwrap();
        assert_eq!(made, Some(Path::new("ab")));
        let made = create_dir_all(&root, Path::new("ab/cd/gh")).unwrap();
        assert_eq!(made, Some(Path::new("ab/cd/gh")));
        // Existing directories are fine; a file in the way is not.
        assert_eq!(create_dir_all(&root, Path::new("ab/cd")).unwrap(), None);
        root.write("ab/file", b"").unwrap();
        assert!(create_dir_all(&root, Path::new("ab/file/x")).is_err());
        assert!(
            root.metadata("ab/file").unwrap().is_file(),
            "the file stays"
        );

        let rel = Path::new("ab/cd/bucket");
        for line in [&b"one"[..], b"two"] {
            io::Write::write_all(&mut open_append(&root, rel).unwrap(), line).unwrap();
        }
        assert_eq!(root.read(rel).unwrap(), b"onetwo");
        let mut back = Vec::new();
        io::Read::read_to_end(&mut open_read(&root, rel).unwrap(), &mut back).unwrap();
        assert_eq!(back, b"onetwo");
        assert!(is_file(&root, rel).unwrap());
        assert!(!is_file(&root, Path::new("ab/cd")).unwrap());

        hard_link(&root, rel, &root, Path::new("ab/cd/ef/link")).unwrap();
        assert_eq!(root.read("ab/cd/ef/link").unwrap(), b"onetwo");
        let again = hard_link(&root, rel, &root, Path::new("ab/cd/ef/link")).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);

        for missing in ["ab/cd/none", "zz/cd/none"] {
            let missing = Path::new(missing);
            assert_eq!(
                open_read(&root, missing).unwrap_err().kind(),
                io::ErrorKind::NotFound
            );
            assert_eq!(
                is_file(&root, missing).unwrap_err().kind(),
                io::ErrorKind::NotFound
            );
        }
        // A missing directory is not created by an append.
        assert_eq!(
            open_append(&root, Path::new("zz/bucket"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn paths_leaving_the_directory_are_refused() {
        let (_tmp, root) = crate::testing::tempdir();
        root.create_dir("inner").unwrap();
        root.write("secret", b"outside").unwrap();
        let inner = root.open_dir("inner").unwrap();
        // cap-std natively and the WASI runtime alike refuse an escape as
        // a permission error (not as "not found": the file is there); only
        // for an absolute path does wasmtime answer some calls with "not
        // found" (preview 1 has no root to resolve it from).
        let refused = |result: io::Result<()>, rel: &Path| {
            let err = result.expect_err(&format!("{rel:?} was reached"));
            let lenient = cfg!(target_os = "wasi") && rel.has_root();
            let kind = match err.kind() {
                io::ErrorKind::NotFound if lenient => io::ErrorKind::PermissionDenied,
                kind => kind,
            };
            assert_eq!(kind, io::ErrorKind::PermissionDenied, "{rel:?}: {err}");
        };
        let attempts = |rel: &Path| {
            refused(open_read(&inner, rel).map(drop), rel);
            refused(is_file(&inner, rel).map(drop), rel);
            refused(open_append(&inner, rel).map(drop), rel);
        };
        for rel in ["../secret", "/etc/passwd"] {
            attempts(Path::new(rel));
        }
        // A symlink out of `inner` is not followed.
        #[cfg(unix)]
        {
            root.symlink("../secret", "inner/link").unwrap();
            root.create_dir("inner/ab").unwrap();
            root.symlink("../../secret", "inner/ab/cd").unwrap();
            for rel in ["link", "ab/cd"] {
                attempts(Path::new(rel));
            }
        }
        assert_eq!(root.read("secret").unwrap(), b"outside");
    }
}
