//! Walking the three-level shard trees of `index-v5` and `content-v2`.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::Engine;
use cap_std::fs::Dir;
use ssri::Integrity;

use crate::cache::Cache;
use crate::engine::content;
use crate::engine::index::{bucket, line};
use crate::engine::layout::Area;
use crate::engine::parallel;
use crate::error::{Error, Result};

/// Every file `depth` directory levels below `dir`, as relative paths;
/// with `leaf_dirs`, directories at that depth too.
fn files_at_depth(
    cache: &Cache,
    area: Area,
    dir: &Dir,
    depth: usize,
    leaf_dirs: bool,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![(PathBuf::new(), 0usize)];
    while let Some((rel, level)) = stack.pop() {
        let listing = if rel.as_os_str().is_empty() {
            dir.entries()
        } else {
            dir.read_dir(&rel)
        };
        let listing = match listing {
            Ok(listing) => listing,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(Error::io(
                    cache
                        .layout()
                        .display_path(Path::new(area.name()).join(&rel)),
                    e,
                ))
            }
        };
        for entry in listing {
            let entry = entry.map_err(|e| {
                Error::io(
                    cache
                        .layout()
                        .display_path(Path::new(area.name()).join(&rel)),
                    e,
                )
            })?;
            let child = rel.join(entry.file_name());
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if level < depth && is_dir {
                stack.push((child, level + 1));
            } else if level == depth && (leaf_dirs || !is_dir) {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Relative paths of every bucket file under `index-v5`.
pub(crate) fn buckets(cache: &Cache) -> Result<Vec<PathBuf>> {
    match cache.layout().area(Area::Index, false)? {
        Some(dir) => files_at_depth(cache, Area::Index, &dir, 2, false),
        None => Ok(Vec::new()),
    }
}

/// A file under `content-v2`.
pub(crate) struct ContentFile {
    /// Relative to `content-v2`.
    pub(crate) rel: PathBuf,
    /// The integrity its path names, if it names one.
    pub(crate) integrity: Option<Integrity>,
    pub(crate) len: u64,
    pub(crate) modified: Option<SystemTime>,
    /// A directory where a content file belongs (damage).
    pub(crate) is_dir: bool,
    /// A regular file (not a `link_to` symlink), whose `len` is its data's.
    pub(crate) is_file: bool,
}

/// Every file under `content-v2/<algo>/<xx>/<yy>/`.
pub(crate) fn content_files(cache: &Cache) -> Result<Vec<ContentFile>> {
    let Some(dir) = cache.layout().area(Area::Content, false)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for rel in files_at_depth(cache, Area::Content, &dir, 3, true)? {
        // symlink_metadata: a link_to entry is judged by the link itself.
        let meta = dir.symlink_metadata(&rel).ok();
        out.push(ContentFile {
            integrity: integrity_of(&rel),
            len: meta.as_ref().map(|m| m.len()).unwrap_or(0),
            is_dir: meta.as_ref().is_some_and(|m| m.is_dir()),
            is_file: meta.as_ref().is_some_and(|m| m.is_file()),
            modified: meta.and_then(|m| m.modified().ok()).map(|t| t.into_std()),
            rel,
        });
    }
    Ok(out)
}

/// The integrity a content path names (`sha512/ab/cd/ef…` → `sha512-…`).
fn integrity_of(rel: &Path) -> Option<Integrity> {
    let parts: Vec<&str> = rel.iter().map(|p| p.to_str()).collect::<Option<_>>()?;
    let [algo, a, b, rest] = parts.as_slice() else {
        return None;
    };
    let bytes = hex::decode(format!("{a}{b}{rest}")).ok()?;
    let digest = base64::engine::general_purpose::STANDARD.encode(bytes);
    let sri: Integrity = format!("{algo}-{digest}").parse().ok()?;
    // Round-trip: only a canonical path names this integrity.
    (content::content_path(&sri).ok()? == rel).then_some(sri)
}

/// Content paths referenced by the latest live entry of every key, and the
/// number of buckets that could not be read (a symlink out of the cache, an
/// I/O error): while there are any, the set may be incomplete.
pub(crate) fn live_content(cache: &Cache) -> Result<(HashSet<PathBuf>, usize)> {
    let format = cache.index_format()?;
    // Buckets are read and parsed on one thread per core.
    let per_bucket = parallel::map(&buckets(cache)?, |rel| {
        Ok::<_, Error>(match bucket::read(cache.store(), rel) {
            Ok(Some(bytes)) => Some(
                line::latest_per_key(format, &bytes)
                    .iter()
                    .filter_map(|entry| entry.content_path())
                    .collect::<Vec<_>>(),
            ),
            Ok(None) => Some(Vec::new()),
            Err(_) => None,
        })
    })?;
    let unreadable = per_bucket.iter().filter(|b| b.is_none()).count();
    let live = per_bucket.into_iter().flatten().flatten().collect();
    Ok((live, unreadable))
}
