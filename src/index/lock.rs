//! The index writer lock: appenders share it, bucket rewriters hold it
//! alone, so a rewrite (compaction, verify) never drops a line appended
//! while it ran.
//!
//! It is an OS file lock on `index-v5/.capcache.lock`, opened anew for every
//! acquisition: locks belong to an open file description (Unix) or handle
//! (Windows), so a fresh open makes threads of one process exclude each
//! other as well as other processes. The lock file holds no data; readers
//! never take the lock (renames are atomic for them). It lives in
//! `index-v5` because cacache-rs's `clear` removes every root entry as a
//! directory, and npm's and cacache-rs's index walks skip a file there.
//!
//! WASI preview 1 has no file locks. There a process has one thread, so
//! nothing in it can race; other processes writing the same cache while one
//! compacts are not excluded (the README says so).

use crate::cache::Cache;
use crate::error::Result;

/// Name of the lock file inside `index-v5`.
pub(crate) const LOCK_FILE: &str = ".capcache.lock";

/// A held lock; released on drop (by closing the file).
pub(crate) struct IndexLock {
    #[cfg(not(target_family = "wasm"))]
    _file: Option<std::fs::File>,
}

impl IndexLock {
    /// Taken around an append.
    pub(crate) fn shared(cache: &Cache) -> Result<IndexLock> {
        imp::acquire(cache, false)
    }

    /// Taken around a bucket rewrite.
    pub(crate) fn exclusive(cache: &Cache) -> Result<IndexLock> {
        imp::acquire(cache, true)
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    use std::io;
    use std::path::Path;

    use cap_std::fs::OpenOptions;

    use super::{IndexLock, LOCK_FILE};
    use crate::cache::{Area, Cache};
    use crate::error::{Error, Result};

    pub(super) fn acquire(cache: &Cache, exclusive: bool) -> Result<IndexLock> {
        let display = || cache.display_path(Path::new(Area::Index.name()).join(LOCK_FILE));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        let file = cache
            .with_area(Area::Index, true, |index| {
                index.open_with(LOCK_FILE, &options)
            })?
            .map_err(|e| Error::io(display(), e))?
            .into_std();
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        match locked {
            Ok(()) => Ok(IndexLock { _file: Some(file) }),
            // A filesystem without locks (some network mounts): run unlocked,
            // as on WASI, rather than refuse every write.
            Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(IndexLock { _file: None }),
            Err(e) => Err(Error::io(display(), e)),
        }
    }
}

/// WASI preview 1 has no locks and one thread per process: nothing to take.
#[cfg(target_family = "wasm")]
mod imp {
    use super::IndexLock;
    use crate::cache::Cache;
    use crate::error::Result;

    pub(super) fn acquire(_: &Cache, _exclusive: bool) -> Result<IndexLock> {
        Ok(IndexLock {})
    }
}
