//! The caches the free functions open from paths, kept for the next call.
//!
//! `capcache::read_sync("./cache", key)` names its cache by path. Opening
//! a path costs an open of the root, opens of the area directories and the
//! detection of the index format (a listing of `index-v5` and of a shard
//! in it): several times what the read itself costs. So the free functions
//! share a process-wide registry of the last `CAPACITY` (8) caches they
//! opened, keyed by path, and reuse a kept [`Cache`] (its open
//! directories and its memoized index format) while the path still names
//! the same directory. [`Cache::open`] and [`CacheOptions`](crate::CacheOptions) do not use it:
//! they always open a new handle.
//!
//! # Staleness
//!
//! A kept handle goes stale when its directory is removed (`rm -rf`, and
//! perhaps re-created) or another is renamed over its path; writes through
//! it would then land in an unlinked directory, or fail. So every call
//! stats the path (one `statx` on Linux, a fraction of a small read: README,
//! "Tuning, measured") and reuses the kept handle
//! only if the device and inode numbers are those of the handle's root;
//! otherwise it opens the path afresh and replaces the entry. The kept
//! handle holds its root open, so the root's inode stays allocated and its
//! number cannot be given to a directory created later: equal numbers mean
//! the same directory. A file system that reports inode 0 gives no
//! identity; such paths are opened on every call, as without the registry.
//! Area directories removed under a kept handle are reopened by
//! `Layout::with_area`, as for any live `Cache`.
//!
//! A path that does not exist is never kept: a read-only operation on it
//! finds nothing without creating it, and the next call stats it again.
//!
//! # Relative paths
//!
//! The key is the path as given, relative or not. The identity check is
//! what keeps a change of the current directory from reaching the wrong
//! cache: the stat resolves a relative path against the current directory
//! of the moment, as the open did, so after a `set_current_dir` the same
//! spelling names another directory, its device and inode differ from the
//! kept root's, and the path is opened afresh (replacing the entry). Only
//! if the new spelling names the very same directory is the kept cache
//! reused, which is then right. Making the key absolute instead would cost
//! a `getcwd` per call (about half the stat's cost) and would only save
//! reopens in programs that alternate between current directories. Error
//! paths keep the spelling the caller gave, as before the registry.
//! Symlinks in the path are followed by the stat as by the open, so a
//! symlink switched to another directory is seen like a replaced
//! directory.
//!
//! # Windows
//!
//! Not used on Windows (every path call opens its cache, as before): an
//! open directory there cannot be removed by other programs, so keeping
//! caches open after a call returns would make a user's `remove_dir_all`
//! of their cache directory (a temp dir in tests, say) fail until the
//! registry evicted the entry. Keeping only the detected format instead
//! would need a directory identity to validate it against, and std and
//! cap-std expose the volume serial number and file index only on nightly
//! (`windows_by_handle`).

use std::io;

use crate::cache::{Cache, CacheSource};
use crate::error::{Error, Result};

#[cfg(any(unix, target_os = "wasi"))]
use kept::open;

#[cfg(not(any(unix, target_os = "wasi")))]
use uncached::open;

/// How an operation's cache is opened: a handle as it is, a path through
/// the registry. (Here rather than in `cache.rs`, so that `cache.rs` does
/// not import the registry that imports it.)
impl CacheSource {
    pub(crate) fn open(self) -> Result<Cache> {
        match self {
            CacheSource::Handle(cache) => Ok(cache),
            // With `create`, `None` does not happen.
            CacheSource::Path(path) => match open(path.clone(), true)? {
                Some(cache) => Ok(cache),
                None => Err(Error::io(&path, io::ErrorKind::NotFound.into())),
            },
        }
    }

    /// Opens the cache for an operation that only reads: a path that does
    /// not exist holds nothing (`None`) and, unlike in [`CacheSource::open`],
    /// is not created.
    pub(crate) fn open_existing(self) -> Result<Option<Cache>> {
        match self {
            CacheSource::Handle(cache) => Ok(Some(cache)),
            CacheSource::Path(path) => open(path, false),
        }
    }
}

/// Platforms where the registry is not used: every call opens its path.
#[cfg(not(any(unix, target_os = "wasi")))]
mod uncached {
    use std::path::PathBuf;

    use crate::cache::{Cache, CacheOptions};
    use crate::error::Result;

    /// Opens the cache at `path`, creating a missing directory only if
    /// `create` (else `None`).
    pub(crate) fn open(path: PathBuf, create: bool) -> Result<Option<Cache>> {
        CacheOptions::new().open_path(&path, create)
    }
}

#[cfg(any(unix, target_os = "wasi"))]
mod kept {
    use std::io;
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use cap_std::fs::Dir;

    use crate::cache::{Cache, CacheOptions};
    use crate::error::Result;

    /// How many caches are kept. Each holds up to four descriptors (root and
    /// three areas; shard directories are not kept by default).
    pub(crate) const CAPACITY: usize = 8;

    /// Which directory a path names: device and inode numbers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct DirId {
        dev: u64,
        ino: u64,
    }

    impl DirId {
        /// `None` for inode 0, which some file systems report for every file.
        fn known(dev: u64, ino: u64) -> Option<DirId> {
            (ino != 0).then_some(DirId { dev, ino })
        }
    }

    /// The identity of what `path` names now (symlinks followed).
    #[cfg(unix)]
    fn path_id(path: &Path) -> io::Result<Option<DirId>> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok(DirId::known(meta.dev(), meta.ino()))
    }

    /// The identity of what `path` names now (symlinks followed).
    /// (std's `MetadataExt` for WASI is unstable; rustix is the layer
    /// cap-std uses there.)
    #[cfg(target_os = "wasi")]
    fn path_id(path: &Path) -> io::Result<Option<DirId>> {
        let stat = rustix::fs::stat(path)?;
        #[allow(clippy::unnecessary_cast)]
        Ok(DirId::known(stat.st_dev as u64, stat.st_ino as u64))
    }

    /// The identity of an open directory.
    fn dir_id(dir: &Dir) -> Option<DirId> {
        use cap_std::fs::MetadataExt;
        let meta = dir.dir_metadata().ok()?;
        DirId::known(meta.dev(), meta.ino())
    }

    struct Entry {
        /// The path as given (compared as `Path`s: `a/./b` is `a/b`).
        path: PathBuf,
        /// The identity of `cache`'s root.
        id: DirId,
        cache: Cache,
    }

    /// Kept caches, least recently used first.
    static KEPT: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

    /// The registry, also after a panic elsewhere while it was locked (every
    /// change to it is one `Vec` operation, so it is never half-updated).
    fn kept() -> MutexGuard<'static, Vec<Entry>> {
        KEPT.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the cache at `path`, creating a missing directory only if
    /// `create` (else `None`), reusing the kept cache of the same directory.
    pub(crate) fn open(path: PathBuf, create: bool) -> Result<Option<Cache>> {
        match path_id(&path) {
            Ok(Some(id)) => {
                if let Some(cache) = lookup(&path, id) {
                    return Ok(Some(cache));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => {
                drop(remove(&path));
                return Ok(None);
            }
            // Missing (to be created), unreadable or without identity:
            // opening says what is wrong, if anything.
            Ok(None) | Err(_) => drop(remove(&path)),
        }
        let Some(cache) = CacheOptions::new().open_path(&path, create)? else {
            return Ok(None);
        };
        if let Some(id) = dir_id(cache.root()) {
            insert(path, id, cache.clone());
        }
        Ok(Some(cache))
    }

    /// The kept cache for `path` if its root is the directory `id`; a kept
    /// cache of another directory is dropped.
    fn lookup(path: &Path, id: DirId) -> Option<Cache> {
        let stale;
        {
            let mut kept = kept();
            let i = kept.iter().rposition(|e| e.path == path)?;
            if kept[i].id == id {
                // Most recently used last.
                kept[i..].rotate_left(1);
                return kept.last().map(|e| e.cache.clone());
            }
            stale = kept.remove(i);
        }
        // Closed outside the lock.
        drop(stale);
        None
    }

    /// Takes the entry for `path` out of the registry, to be dropped by
    /// the caller once the lock is released.
    fn remove(path: &Path) -> Option<Entry> {
        let mut kept = kept();
        let i = kept.iter().position(|e| e.path == path)?;
        Some(kept.remove(i))
    }

    fn insert(path: PathBuf, id: DirId, cache: Cache) {
        let evicted = {
            let mut kept = kept();
            // Another thread may have opened the same path meanwhile.
            let replaced = kept.iter().position(|e| e.path == path);
            let old = replaced.map(|i| kept.remove(i));
            kept.push(Entry { path, id, cache });
            let lru = (kept.len() > CAPACITY).then(|| kept.remove(0));
            (old, lru)
        };
        drop(evicted);
    }

    /// How many caches are kept now.
    #[cfg(test)]
    pub(crate) fn len() -> usize {
        kept().len()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn reuses_the_cache_of_a_path() {
            let (tmp, _) = crate::testing::tempdir();
            let path = tmp.path().join("cache");
            let first = open(path.clone(), true).unwrap().unwrap();
            let second = open(path.clone(), false).unwrap().unwrap();
            assert!(first.same_handle(&second));
            // The same directory spelled with a `.` is the same key.
            let dotted = tmp.path().join(".").join("cache");
            assert!(open(dotted, true).unwrap().unwrap().same_handle(&first));
            // A handle of its own is never the registry's.
            assert!(!Cache::open(&path).unwrap().same_handle(&first));
        }

        #[test]
        fn reopens_a_directory_removed_and_re_created() {
            let (tmp, _) = crate::testing::tempdir();
            let path = tmp.path().join("cache");
            let first = open(path.clone(), true).unwrap().unwrap();
            std::fs::remove_dir_all(&path).unwrap();
            assert!(open(path.clone(), false).unwrap().is_none());
            std::fs::create_dir(&path).unwrap();
            let second = open(path.clone(), false).unwrap().unwrap();
            assert!(!first.same_handle(&second));
            assert!(open(path.clone(), false)
                .unwrap()
                .unwrap()
                .same_handle(&second));
        }

        #[test]
        fn a_missing_path_is_neither_created_nor_kept() {
            let (tmp, _) = crate::testing::tempdir();
            let path = tmp.path().join("missing");
            assert!(open(path.clone(), false).unwrap().is_none());
            assert!(!path.exists());
            assert!(kept().iter().all(|e| e.path != path));
        }

        #[test]
        fn keeps_at_most_capacity_caches() {
            let (tmp, _) = crate::testing::tempdir();
            let paths: Vec<_> = (0..=CAPACITY)
                .map(|i| tmp.path().join(i.to_string()))
                .collect();
            let first = open(paths[0].clone(), true).unwrap().unwrap();
            for path in &paths[1..] {
                open(path.clone(), true).unwrap().unwrap();
            }
            assert!(len() <= CAPACITY);
            // Tests running in parallel open their own paths, which only
            // pushes the first path further out.
            assert!(!open(paths[0].clone(), true)
                .unwrap()
                .unwrap()
                .same_handle(&first));
        }
    }
}
