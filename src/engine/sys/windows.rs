//! Windows.

use std::io;
use std::path::Path;

use cap_std::fs::Dir;

pub(crate) use super::native::*;

/// Windows cannot open a directory to sync it: a no-op.
pub(crate) fn sync_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    let _ = (dir, rel);
    Ok(())
}

/// Whether two handles are the same directory cannot be told here:
/// `false`, so that a kept handle is replaced rather than trusted.
pub(crate) fn same_dir(a: &Dir, b: &Dir) -> bool {
    let _ = (a, b);
    false
}

/// Makes `rel` a file symlink to the absolute path `target` (needs the
/// symlink privilege or developer mode).
#[cfg(feature = "link_to")]
pub(crate) fn symlink(dir: &Dir, target: &Path, rel: &Path) -> io::Result<()> {
    dir.symlink_file(target, rel)
}

/// A bucket's length right after an append. Windows does not document
/// where an append handle's position stands, so the file is asked.
pub(crate) fn end_after_append(file: &mut cap_std::fs::File) -> io::Result<u64> {
    file.metadata().map(|meta| meta.len())
}

/// The end of a file is confirmed by a read that returns 0 (see `unix.rs`).
pub(crate) fn short_read_ends(_dir: &Dir) -> bool {
    false
}
