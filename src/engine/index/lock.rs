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
//! Damage must not stop writers: when something other than a file holds
//! the name (a directory, a symlink out of the cache or to nowhere), the
//! lock moves to `.capcache.lock.1`, then `.2`, and so on. Every process
//! sees the same damage and so picks the same name; nothing removes the
//! damaged entry, since a process that found the first name usable again
//! while another held a fallback would not exclude it. A symlink to a file
//! inside the cache is followed: every process then locks that one file.
//!
//! WASI preview 1 has no file locks. There a process has one thread, so
//! nothing in it can race; other processes writing the same cache while one
//! compacts are not excluded (the README says so).

use std::io;
use std::path::{Path, PathBuf};

use cap_std::fs::{Dir, OpenOptions};

use crate::engine::layout::Area;
use crate::engine::store::Store;
use crate::engine::sys;
use crate::error::{Error, Result};

/// Name of the lock file inside `index-v5`.
pub(crate) const LOCK_FILE: &str = ".capcache.lock";

/// A held lock; released on drop (by closing the file).
pub(crate) struct IndexLock {
    _file: Option<std::fs::File>,
}

impl IndexLock {
    /// Taken around an append.
    pub(crate) fn shared(store: &Store) -> Result<IndexLock> {
        acquire(store, false)
    }

    /// Taken around a bucket rewrite.
    pub(crate) fn exclusive(store: &Store) -> Result<IndexLock> {
        acquire(store, true)
    }
}

/// How many fallback names to try after [`LOCK_FILE`].
const FALLBACKS: usize = 8;

fn acquire(store: &Store, exclusive: bool) -> Result<IndexLock> {
    if !sys::FILE_LOCKS {
        return Ok(IndexLock { _file: None });
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    let mut name = PathBuf::from(LOCK_FILE);
    let mut fallback = 0;
    let file = loop {
        let display = || store.layout().display_in(Area::Index, &name);
        let opened = store.layout().with_area(Area::Index, true, |index| {
            match index.open_with(&name, &options) {
                // Something other than a file holds the name.
                Err(e) if !is_file_or_missing(index, &name) => Ok(Err(e)),
                other => other.map(Ok),
            }
        })?;
        match opened.map_err(|e| Error::io(display(), e))? {
            Ok(file) => break file.into_std(),
            Err(e) if fallback == FALLBACKS => return Err(Error::io(display(), e)),
            Err(_) => {
                fallback += 1;
                name = PathBuf::from(format!("{LOCK_FILE}.{fallback}"));
            }
        }
    };
    let display = || store.layout().display_in(Area::Index, &name);
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

/// Whether `name` in `index` is a file (or a link to one), or absent:
/// then a failure to open it is a real error, not damage to step around.
fn is_file_or_missing(index: &Dir, name: &Path) -> bool {
    match index.symlink_metadata(name) {
        Ok(meta) if meta.is_file() => true,
        Ok(meta) if meta.is_symlink() => index.metadata(name).is_ok_and(|m| m.is_file()),
        Ok(_) => false,
        Err(e) => e.kind() == io::ErrorKind::NotFound,
    }
}
