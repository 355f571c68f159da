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
