//! The hot file operations on a path beneath a directory handle, resolved
//! in one call wherever the platform confines paths itself.
//!
//! cap-std keeps every path inside its `Dir`. Where the OS can enforce that
//! (Linux's `openat2` with `RESOLVE_BENEATH`) cap-std makes one call;
//! elsewhere it walks the path a component at a time. Under WASI that walk
//! repeats what the runtime must do anyway: the WASI filesystem
//! specification resolves every path beneath the descriptor it is given and
//! fails any step (`..`, a symlink, an absolute path) that would leave it —
//! `RESOLVE_BENEATH`, enforced by the host (wasmtime does it with cap-std).
//! Each component costs a host call there, so on WASI these functions hand
//! the whole relative path to the runtime in one call, on the cap-std
//! `Dir`'s own descriptor (through `rustix`, the layer cap-std itself calls).
//! Everywhere else they are plain cap-std calls.
//!
//! Measured with `wasm-tests/examples/bench.rs` under wasmtime: a small read
//! of 1000 distinct keys takes 20 µs instead of 33 µs.
//!
//! Callers pass paths this crate spells (hex shard and file names), never
//! `..` or absolute ones; `wasm-tests/` plants symlinks out of shards,
//! buckets and content files and checks that these calls refuse them.

use std::io;
use std::path::Path;

use cap_std::fs::{Dir, File};

/// Opens `rel` for reading.
pub(crate) fn open_read(dir: &Dir, rel: &Path) -> io::Result<File> {
    #[cfg(target_os = "wasi")]
    {
        wasi::open(dir, rel, rustix::fs::OFlags::RDONLY)
    }
    #[cfg(not(target_os = "wasi"))]
    {
        dir.open(rel)
    }
}

/// Opens `rel` for appending, creating it if missing (its directory must
/// exist).
pub(crate) fn open_append(dir: &Dir, rel: &Path) -> io::Result<File> {
    #[cfg(target_os = "wasi")]
    {
        use rustix::fs::OFlags;
        wasi::open(dir, rel, OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE)
    }
    #[cfg(not(target_os = "wasi"))]
    {
        let mut options = cap_std::fs::OpenOptions::new();
        options.append(true).create(true);
        dir.open_with(rel, &options)
    }
}

/// Whether `rel` is a regular file, following symlinks that stay inside
/// `dir`.
pub(crate) fn is_file(dir: &Dir, rel: &Path) -> io::Result<bool> {
    #[cfg(target_os = "wasi")]
    {
        use rustix::fs::{statat, AtFlags, FileType};
        let stat = statat(dir, rel, AtFlags::SYMLINK_FOLLOW)?;
        Ok(FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
    }
    #[cfg(not(target_os = "wasi"))]
    {
        Ok(dir.metadata(rel)?.is_file())
    }
}

/// Makes `rel` a hard link to `src` (under `src_dir`); fails with
/// `AlreadyExists` rather than replace anything.
pub(crate) fn hard_link(src_dir: &Dir, src: &Path, dir: &Dir, rel: &Path) -> io::Result<()> {
    #[cfg(target_os = "wasi")]
    {
        rustix::fs::linkat(src_dir, src, dir, rel, rustix::fs::AtFlags::empty())?;
        Ok(())
    }
    #[cfg(not(target_os = "wasi"))]
    {
        src_dir.hard_link(src, dir, rel)
    }
}

/// Creates directory `rel` and any missing parents, and returns the
/// highest one it created (`None` if `rel` existed): the directories from
/// that one's parent down gained entries (see [`crate::shard::sync_created`]).
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
    #[cfg(target_os = "wasi")]
    {
        rustix::fs::mkdirat(dir, rel, rustix::fs::Mode::empty())?;
        Ok(())
    }
    #[cfg(not(target_os = "wasi"))]
    {
        dir.create_dir(rel)
    }
}

#[cfg(target_os = "wasi")]
mod wasi {
    use std::io;
    use std::path::Path;

    use cap_std::fs::{Dir, File};
    use rustix::fs::{openat, Mode, OFlags};

    pub(super) fn open(dir: &Dir, rel: &Path, flags: OFlags) -> io::Result<File> {
        let fd = openat(dir, rel, flags | OFlags::CLOEXEC, Mode::empty())?;
        Ok(File::from_std(std::fs::File::from(fd)))
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
        for rel in ["../secret", "/etc/passwd"] {
            let rel = Path::new(rel);
            assert!(open_read(&inner, rel).is_err(), "{rel:?}");
            assert!(is_file(&inner, rel).is_err(), "{rel:?}");
            assert!(open_append(&inner, rel).is_err(), "{rel:?}");
        }
        // A symlink out of `inner` is not followed.
        #[cfg(unix)]
        {
            root.symlink("../secret", "inner/link").unwrap();
            root.create_dir("inner/ab").unwrap();
            root.symlink("../../secret", "inner/ab/cd").unwrap();
            for rel in ["link", "ab/cd"] {
                let rel = Path::new(rel);
                assert!(open_read(&inner, rel).is_err(), "{rel:?}");
                assert!(is_file(&inner, rel).is_err(), "{rel:?}");
                assert!(open_append(&inner, rel).is_err(), "{rel:?}");
            }
        }
        assert_eq!(root.read("secret").unwrap(), b"outside");
    }
}
