//! WASI preview 1: one host call per path (see `mod.rs`), no locks, no
//! directory sync, no symlinks to absolute paths.

use std::ffi::OsStr;
use std::io;
use std::path::Path;

use cap_std::fs::{Dir, File};
use rustix::fs::{linkat, mkdirat, openat, statat, AtFlags, FileType, Mode, OFlags};

fn open(dir: &Dir, rel: &Path, flags: OFlags) -> io::Result<File> {
    let fd = openat(dir, rel, flags | OFlags::CLOEXEC, Mode::empty())?;
    Ok(File::from_std(std::fs::File::from(fd)))
}

/// Opens `rel` for reading.
pub(crate) fn open_read(dir: &Dir, rel: &Path) -> io::Result<File> {
    open(dir, rel, OFlags::RDONLY)
}

/// Opens `rel` for appending, creating it if missing (its directory must
/// exist).
pub(crate) fn open_append(dir: &Dir, rel: &Path) -> io::Result<File> {
    open(dir, rel, OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE)
}

/// Whether `rel` is a regular file, following symlinks that stay inside
/// `dir`.
pub(crate) fn is_file(dir: &Dir, rel: &Path) -> io::Result<bool> {
    let stat = statat(dir, rel, AtFlags::SYMLINK_FOLLOW)?;
    Ok(FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
}

/// Makes `rel` a hard link to `src` (under `src_dir`); fails with
/// `AlreadyExists` rather than replace anything.
pub(crate) fn hard_link(src_dir: &Dir, src: &Path, dir: &Dir, rel: &Path) -> io::Result<()> {
    linkat(src_dir, src, dir, rel, AtFlags::empty())?;
    Ok(())
}

/// Creates the directory `rel` (its parent must exist).
pub(crate) fn create_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    mkdirat(dir, rel, Mode::empty())?;
    Ok(())
}

/// No file locks: one process has one thread, so nothing in it races;
/// other processes are not excluded (the README says so).
pub(crate) const FILE_LOCKS: bool = false;

/// No locks: the grace period is the only protection of temp files.
pub(crate) fn lock_temp(file: File) -> File {
    file
}

/// No locks: no temp file can be seen in use.
pub(crate) fn temp_in_use(_: &Dir, _: &OsStr) -> bool {
    false
}

/// No directory sync in WASI preview 1: a no-op.
pub(crate) fn sync_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    let _ = (dir, rel);
    Ok(())
}

/// Whether two handles are the same directory (device and inode).
pub(crate) use super::same_inode as same_dir;

/// WASI runtimes refuse symlinks whose target is an absolute path.
#[cfg(feature = "link_to")]
pub(crate) fn symlink(_: &Dir, _: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "link_to is unsupported on WASI: runtimes refuse symlinks to absolute paths",
    ))
}

/// A bucket's length right after an append: the file position, which an
/// append leaves at the end (`fd_tell`, which wasmtime answers from its
/// own table, where `fd_filestat_get` costs a stat and more).
pub(crate) fn end_after_append(file: &mut File) -> io::Result<u64> {
    io::Seek::stream_position(file)
}
