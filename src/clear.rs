//! Emptying a cache.

use std::io;
use std::path::Path;

use crate::cache::Cache;
use crate::engine::layout::Area;
use crate::error::{Error, Result};

/// Removes everything inside `content-v2`, `index-v5` and `tmp`.
///
/// The three directories themselves stay, so the handles a `Cache` keeps for
/// them stay valid for later writes.
pub(crate) fn clear(cache: &Cache) -> Result<()> {
    // Windows refuses to remove a directory that is open.
    cache.layout().forget_shards();
    for area in [Area::Index, Area::Content, Area::Tmp] {
        let Some(dir) = cache.layout().area(area, false)? else {
            continue;
        };
        let at = |name: &std::ffi::OsStr| {
            cache
                .layout()
                .display_path(Path::new(area.name()).join(name))
        };
        let entries = dir
            .entries()
            .map_err(|e| Error::io(cache.layout().display_path(area.name()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(cache.layout().display_path(area.name()), e))?;
            let name = entry.file_name();
            // Removing the lock file while others hold it would split them
            // between two files; it holds no data.
            if area == Area::Index && name == crate::engine::index::LOCK_FILE {
                continue;
            }
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            let removed = if is_dir {
                dir.remove_dir_all(&name)
            } else {
                dir.remove_file(&name)
            };
            match removed {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(at(&name), e)),
            }
        }
    }
    Ok(())
}
