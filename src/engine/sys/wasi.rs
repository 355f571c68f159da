//! WASI preview 1: one host call per path (see `mod.rs`), no locks, no
//! directory sync, no symlinks to absolute paths.

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::path::Path;

use cap_std::fs::{Dir, File};
use rustix::fs::{linkat, mkdirat, openat, statat, AtFlags, FileType, Mode, OFlags};

/// What a file opened by [`open_read`] may do: read, seek, stat.
const READ_RIGHTS: wasi::Rights = wasi::RIGHTS_FD_READ
    | wasi::RIGHTS_FD_SEEK
    | wasi::RIGHTS_FD_TELL
    | wasi::RIGHTS_FD_FILESTAT_GET
    | wasi::RIGHTS_FD_FDSTAT_SET_FLAGS
    | wasi::RIGHTS_FD_ADVISE;

/// What a file opened by [`open_append`] may do: write, sync, tell, stat.
const APPEND_RIGHTS: wasi::Rights = wasi::RIGHTS_FD_WRITE
    | wasi::RIGHTS_FD_SEEK
    | wasi::RIGHTS_FD_TELL
    | wasi::RIGHTS_FD_FILESTAT_GET
    | wasi::RIGHTS_FD_FDSTAT_SET_FLAGS
    | wasi::RIGHTS_FD_SYNC
    | wasi::RIGHTS_FD_DATASYNC;

/// Opens `rel` under `dir` with one `path_open`.
///
/// wasi-libc's `openat` (what rustix and std call) first asks the runtime
/// for the directory's rights (`fd_fdstat_get`) so as to request all it
/// may: a second host call on every open. Here the rights a file needs are
/// asked for directly. A runtime that still enforces rights (preview 1
/// deprecated them; wasmtime ignores them) and grants fewer answers
/// `ENOTCAPABLE`, and the open is retried the wasi-libc way.
fn open(dir: &Dir, rel: &Path, rights: wasi::Rights, flags: OFlags) -> io::Result<File> {
    let (oflags, fdflags) = match flags.contains(OFlags::APPEND) {
        true => (wasi::OFLAGS_CREAT, wasi::FDFLAGS_APPEND),
        false => (0, 0),
    };
    if let Some(path) = rel.to_str() {
        // SAFETY: a plain host call on a descriptor `dir` keeps open for
        // the call's duration; it writes nothing of ours but its result.
        let opened = unsafe {
            wasi::path_open(
                dir.as_raw_fd() as wasi::Fd,
                wasi::LOOKUPFLAGS_SYMLINK_FOLLOW,
                path,
                oflags,
                rights,
                0,
                fdflags,
            )
        };
        match opened {
            // SAFETY: `fd` was just opened for us and nothing else owns it.
            Ok(fd) => {
                return Ok(File::from_std(unsafe {
                    std::fs::File::from_raw_fd(fd as RawFd)
                }))
            }
            Err(e) if e == wasi::ERRNO_NOTCAPABLE => {}
            // wasi-libc's errno values are WASI's, so the kind maps as std's would.
            Err(e) => return Err(io::Error::from_raw_os_error(i32::from(e.raw()))),
        }
    }
    let fd = openat(dir, rel, flags | OFlags::CLOEXEC, Mode::empty())?;
    Ok(File::from_std(std::fs::File::from(fd)))
}

/// Opens `rel` for reading.
pub(crate) fn open_read(dir: &Dir, rel: &Path) -> io::Result<File> {
    open(dir, rel, READ_RIGHTS, OFlags::RDONLY)
}

/// Opens `rel` for appending, creating it if missing (its directory must
/// exist).
pub(crate) fn open_append(dir: &Dir, rel: &Path) -> io::Result<File> {
    let flags = OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE;
    open(dir, rel, APPEND_RIGHTS, flags)
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

/// The end of a file is confirmed by a read that returns 0 (see `unix.rs`).
pub(crate) fn short_read_ends(_dir: &Dir) -> bool {
    false
}
