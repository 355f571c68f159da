//! `link_to`: adding an existing file to the cache by symlink. The file
//! is read and hashed through a [`SyncToLinker`](crate::SyncToLinker);
//! this module opens the target and places the link.
//!
//! The link holds the absolute path of the target; every read re-hashes it,
//! so a changed target gives an integrity error, never changed data.

use std::path::{Path, PathBuf};

use cap_std::fs::File;
use ssri::Integrity;

use crate::cache::Cache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::engine::layout::shard;
use crate::engine::layout::Area;
use crate::error::{Error, Result};
use crate::write_opts::WriteOpts;

/// Checks `key` and the cache's authority, and opens `target` to be hashed.
/// Returns its absolute path (what the link will hold) and the file.
pub(crate) fn open_target(
    cache: &Cache,
    key: Option<&str>,
    target: &Path,
) -> Result<(PathBuf, File)> {
    if let Some(key) = key {
        bucket::check_key(key)?;
    }
    if !cache.has_ambient_authority() {
        return Err(Error::OutsideCache {
            path: PathBuf::from(Area::Content.name()),
            target: target.to_path_buf(),
        });
    }
    let target = std::path::absolute(target).map_err(|e| Error::io(target, e))?;
    let file = File::open_ambient(&target, cap_std::ambient_authority())
        .map_err(|e| Error::io(&target, e))?;
    Ok((target, file))
}

/// Links `target` (hashed to `sri`, `size` bytes) into the content store
/// unless content of that name is there, and with a key records the entry.
pub(crate) fn place(
    cache: &Cache,
    key: Option<&str>,
    target: &Path,
    sri: &Integrity,
    size: u64,
    opts: &WriteOpts,
) -> Result<()> {
    let rel = content::content_path(sri)?;
    let dir = cache.layout().area_created(Area::Content)?;
    let display = cache.layout().display_in(Area::Content, &rel);
    let link = || {
        shard::with_parent(&dir, &rel, cache.layout().durable(), || {
            crate::engine::sys::symlink(&dir, target, &rel)
        })
    };
    bucket::locked(cache.store(), |index| {
        match link() {
            Ok(()) => {}
            // Content (a file or an earlier link) is there: keep it if it
            // hashes right, else it is damage and the new link replaces it.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if !content::holds(content::open(cache.store(), sri).map(|(file, _)| file), sri) {
                    crate::maint::sweep::remove_content(cache, &rel)?;
                    link().map_err(|e| Error::io(&display, e))?;
                }
            }
            Err(e) => return Err(Error::io(display, e)),
        }
        match key {
            Some(key) => index.insert(key, sri, size, opts),
            None => Ok(()),
        }
    })
}
