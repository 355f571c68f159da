//! Shard directories (`ab/cd/`) are created lazily: the operation is tried
//! first and the parent made only when it reports `NotFound`, so the common
//! case pays no `create_dir_all` (several syscalls each under cap-std).

use std::io;
use std::path::Path;

use cap_std::fs::Dir;

/// Runs `op`; if it fails with `NotFound`, creates `rel`'s parent under `dir`
/// and runs it once more.
pub(crate) fn with_parent<T>(
    dir: &Dir,
    rel: &Path,
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    match op() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
                dir.create_dir_all(parent)?;
            }
            op()
        }
        other => other,
    }
}

/// Fsyncs a directory so a new entry in it survives a power loss. Only Unix
/// can open and sync a directory; elsewhere this is a no-op.
pub(crate) fn sync_dir(dir: &Dir, rel: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        // cap-std opens directories with O_PATH, which cannot be synced: open
        // the directory again for reading to get a descriptor that can.
        let mut options = cap_std::fs::OpenOptions::new();
        options.read(true);
        let rel = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        dir.open_with(rel, &options)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, rel);
        Ok(())
    }
}
