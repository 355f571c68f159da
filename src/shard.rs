//! Shard directories (`ab/cd/` under `index-v5`, `sha512/ab/cd/` under
//! `content-v2`): created lazily, and the recently used ones kept open.
//!
//! Creating: the operation is tried first and the parent made only when it
//! reports `NotFound`, so the common case pays no `create_dir_all` (several
//! syscalls each under cap-std).
//!
//! Keeping open: wherever cap-std resolves a path one component at a time
//! (WASI, macOS, Windows; and on Linux for everything but `open`), each
//! component costs a syscall, and under a WASI runtime a host call that
//! crosses threads. An operation on a kept shard handle resolves one name
//! instead of four or five: a small read under wasmtime goes from about
//! 3.5x to 1.5x the native time. The handles are file descriptors, so
//! there are few of them (see [`DEFAULT_KEPT`]).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cap_std::fs::Dir;

use crate::cache::Area;

/// How many shard directories a cache keeps open by default.
///
/// WASI gains the most and its descriptors are a runtime's table entries;
/// natively each is a file descriptor of the process (often limited to
/// 1024). On Windows none are kept: an open directory cannot be removed
/// by another program there, and every kept handle would pin one.
pub(crate) const DEFAULT_KEPT: usize = if cfg!(target_family = "wasm") {
    256
} else if cfg!(windows) {
    0
} else {
    32
};

/// The most recently used shard directories, least recent first (generic
/// only so that its tests need no filesystem).
#[derive(Debug)]
pub(crate) struct KeptDirs<D = Dir> {
    capacity: usize,
    entries: Mutex<Vec<Kept<D>>>,
}

#[derive(Debug)]
struct Kept<D> {
    area: Area,
    /// Relative to the area, e.g. `sha512/ab/cd`.
    rel: PathBuf,
    dir: Arc<D>,
}

impl<D> KeptDirs<D> {
    pub(crate) fn new(capacity: usize) -> KeptDirs<D> {
        KeptDirs {
            capacity,
            entries: Mutex::new(Vec::with_capacity(capacity)),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Kept<D>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The kept handle for `rel` under `area`, marked most recently used.
    /// A linear scan: with a few hundred entries at most, it costs far less
    /// than one of the syscalls it saves.
    pub(crate) fn get(&self, area: Area, rel: &Path) -> Option<Arc<D>> {
        let mut entries = self.entries();
        let at = entries
            .iter()
            .rposition(|k| k.area == area && k.rel == rel)?;
        let kept = entries.remove(at);
        let dir = kept.dir.clone();
        entries.push(kept);
        Some(dir)
    }

    /// Keeps `dir`, closing the least recently used handle if full.
    pub(crate) fn put(&self, area: Area, rel: &Path, dir: Arc<D>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries();
        entries.retain(|k| !(k.area == area && k.rel == rel));
        if entries.len() >= self.capacity {
            entries.remove(0);
        }
        entries.push(Kept {
            area,
            rel: rel.to_owned(),
            dir,
        });
    }

    /// Forgets `dir` if it is still kept (it turned out to be stale).
    pub(crate) fn forget(&self, dir: &Arc<D>) {
        self.entries().retain(|k| !Arc::ptr_eq(&k.dir, dir));
    }

    /// Closes every kept handle (before removing directories: Windows
    /// refuses to remove one that is open).
    pub(crate) fn clear(&self) {
        self.entries().clear();
    }
}

/// Whether two handles are the same directory; `false` where that cannot be
/// told (Windows), so that a kept handle is then replaced rather than trusted.
pub(crate) fn same_dir(a: &Dir, b: &Dir) -> bool {
    #[cfg(any(unix, target_os = "wasi"))]
    {
        use cap_std::fs::MetadataExt;
        match (a.dir_metadata(), b.dir_metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(any(unix, target_os = "wasi")))]
    {
        let _ = (a, b);
        false
    }
}

/// `rel` split into its directory and file name; `None` for a bare name.
pub(crate) fn split(rel: &Path) -> Option<(&Path, &Path)> {
    let parent = rel.parent().filter(|p| !p.as_os_str().is_empty())?;
    let name = rel.file_name()?;
    Some((parent, Path::new(name)))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A distinct allocation each time, like distinct handles.
    fn dir() -> Arc<u8> {
        Arc::new(0)
    }

    #[test]
    fn keeps_the_most_recently_used() {
        let kept = KeptDirs::<u8>::new(2);
        let (a, b, c) = (dir(), dir(), dir());
        kept.put(Area::Index, Path::new("aa/bb"), a.clone());
        kept.put(Area::Index, Path::new("cc/dd"), b.clone());
        // Using the first makes the second the least recent.
        assert!(Arc::ptr_eq(
            &kept.get(Area::Index, Path::new("aa/bb")).unwrap(),
            &a
        ));
        kept.put(Area::Content, Path::new("aa/bb"), c.clone());
        assert!(kept.get(Area::Index, Path::new("cc/dd")).is_none());
        assert!(Arc::ptr_eq(
            &kept.get(Area::Index, Path::new("aa/bb")).unwrap(),
            &a
        ));
        assert!(Arc::ptr_eq(
            &kept.get(Area::Content, Path::new("aa/bb")).unwrap(),
            &c
        ));
        kept.forget(&a);
        assert!(kept.get(Area::Index, Path::new("aa/bb")).is_none());
        kept.clear();
        assert!(kept.get(Area::Content, Path::new("aa/bb")).is_none());
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let kept = KeptDirs::<u8>::new(0);
        kept.put(Area::Index, Path::new("aa/bb"), dir());
        assert!(kept.get(Area::Index, Path::new("aa/bb")).is_none());
    }

    #[test]
    fn splits_directory_and_name() {
        assert_eq!(
            split(Path::new("sha512/ab/cd/ef")),
            Some((Path::new("sha512/ab/cd"), Path::new("ef")))
        );
        assert_eq!(split(Path::new("ef")), None);
    }
}
