//! Linux and macOS.

use std::io;
use std::path::Path;

use cap_std::fs::{Dir, OpenOptions};

pub(crate) use super::native::*;

/// Fsyncs a directory so a new entry in it survives a power loss.
pub(crate) fn sync_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    // cap-std opens directories with O_PATH, which cannot be synced: open
    // the directory again for reading to get a descriptor that can.
    let mut options = OpenOptions::new();
    options.read(true);
    let rel = if rel.as_os_str().is_empty() {
        Path::new(".")
    } else {
        rel
    };
    dir.open_with(rel, &options)?.sync_all()
}

/// Whether two handles are the same directory (device and inode).
pub(crate) use super::same_inode as same_dir;

/// Makes `rel` a symlink to the absolute path `target`.
#[cfg(feature = "link_to")]
pub(crate) fn symlink(dir: &Dir, target: &Path, rel: &Path) -> io::Result<()> {
    dir.symlink_contents(target, rel)
}

/// A bucket's length right after an append: the file position, which an
/// append leaves at the end (an `lseek` instead of an `fstat`).
pub(crate) fn end_after_append(file: &mut cap_std::fs::File) -> io::Result<u64> {
    io::Seek::stream_position(file)
}

/// Whether reads of a regular file under `dir` return fewer bytes than
/// asked only at its end, so that such a read needs no second one to
/// confirm the end. Linux's local filesystems read through the page cache
/// up to the file's size; a FUSE filesystem may answer a read short
/// anywhere (`direct_io`) and a network one is not ours to vouch for,
/// so only the filesystems named here are trusted with it.
#[cfg(target_os = "linux")]
pub(crate) fn short_read_ends(dir: &Dir) -> bool {
    /// `statfs` magics: ext2/3/4, XFS, btrfs, tmpfs, F2FS, bcachefs, ZFS,
    /// and overlayfs (containers), which reads from one of them.
    const LOCAL: [u32; 8] = [
        0xEF53,
        0x5846_5342,
        0x9123_683E,
        0x0102_1994,
        0xF2F5_2010,
        0xCA45_1A4E,
        0x2FC1_2FC1,
        0x794C_7630,
    ];
    rustix::fs::fstatfs(dir).is_ok_and(|fs| LOCAL.contains(&(fs.f_type as u32)))
}

/// Elsewhere the end is confirmed by a read that returns 0.
#[cfg(not(target_os = "linux"))]
pub(crate) fn short_read_ends(_dir: &Dir) -> bool {
    false
}
