//! What Unix and Windows share: paths beneath a handle through cap-std,
//! and std's file locks.

use std::ffi::OsStr;
use std::io;
use std::path::Path;

use cap_std::fs::{Dir, File, OpenOptions};

/// Opens `rel` for reading.
pub(crate) fn open_read(dir: &Dir, rel: &Path) -> io::Result<File> {
    dir.open(rel)
}

/// Opens `rel` for appending, creating it if missing (its directory must
/// exist).
pub(crate) fn open_append(dir: &Dir, rel: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    dir.open_with(rel, &options)
}

/// Whether `rel` is a regular file, following symlinks that stay inside
/// `dir`.
pub(crate) fn is_file(dir: &Dir, rel: &Path) -> io::Result<bool> {
    Ok(dir.metadata(rel)?.is_file())
}

/// Makes `rel` a hard link to `src` (under `src_dir`); fails with
/// `AlreadyExists` rather than replace anything.
pub(crate) fn hard_link(src_dir: &Dir, src: &Path, dir: &Dir, rel: &Path) -> io::Result<()> {
    src_dir.hard_link(src, dir, rel)
}

/// Creates the directory `rel` (its parent must exist).
pub(crate) fn create_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    dir.create_dir(rel)
}

/// The index lock is an OS file lock.
pub(crate) const FILE_LOCKS: bool = true;

/// Marks a temp file as in use for `verify`'s clean-up of `tmp/`, which
/// skips locked files. A filesystem without locks leaves the grace period
/// as the only protection.
pub(crate) fn lock_temp(file: File) -> File {
    let file = file.into_std();
    let _ = file.try_lock();
    File::from_std(file)
}

/// Whether a writer holds the lock on the temp file `name`.
pub(crate) fn temp_in_use(tmp: &Dir, name: &OsStr) -> bool {
    let Ok(file) = tmp.open(name) else {
        return false;
    };
    matches!(
        file.into_std().try_lock(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}
