//! Removing unreferenced content and stale temp files without racing
//! writers.
//!
//! Candidates are chosen without a lock (that takes a full walk); each is
//! removed only after a re-check under the exclusive index lock. Writers
//! place content and append its entry under the shared lock, so content is
//! either referenced by then or not yet placed: a writer that finds it gone
//! writes it again.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::walk::{self, LiveContent};
use crate::cache::Cache;
use crate::engine::index::IndexLock;
use crate::engine::layout::Area;
use crate::error::{Error, Result};

/// Files newer than this are left alone by the sweeps: a concurrent writer
/// links its content a moment before it appends the index line, and keeps
/// its temp file while it writes.
pub(crate) const GRACE: Duration = Duration::from_secs(10 * 60);

/// A content file that may be removed.
pub(crate) struct Candidate {
    /// Relative to `content-v2`.
    pub(crate) rel: PathBuf,
    pub(crate) len: u64,
    /// Remove it even if it is younger than the grace period (gc evicted
    /// the entries that used it).
    pub(crate) force: bool,
}

/// Whether a file last modified at `modified` is older than `cutoff`.
pub(crate) fn is_stale(modified: Option<SystemTime>, cutoff: Option<SystemTime>) -> bool {
    match (modified, cutoff) {
        (Some(modified), Some(cutoff)) => modified <= cutoff,
        // No mtime (or a clock before the epoch + grace): be safe, keep it.
        _ => false,
    }
}

/// Removes the candidates no live entry references now. Returns the count
/// and bytes removed; removes nothing while a bucket cannot be read.
pub(crate) fn content(
    cache: &Cache,
    candidates: Vec<Candidate>,
    cutoff: Option<SystemTime>,
) -> Result<(u64, u64)> {
    let (count, bytes, _) = content_and_scan(cache, candidates, cutoff)?;
    Ok((count, bytes))
}

/// [`content`], also returning the index scan it made under the lock (none
/// without candidates), for callers that need the live set afterwards.
pub(crate) fn content_and_scan(
    cache: &Cache,
    candidates: Vec<Candidate>,
    cutoff: Option<SystemTime>,
) -> Result<(u64, u64, Option<LiveContent>)> {
    if candidates.is_empty() {
        return Ok((0, 0, None));
    }
    let _lock = IndexLock::exclusive(cache.store())?;
    let live = walk::live_content(cache)?;
    if live.unreadable > 0 {
        return Ok((0, 0, Some(live)));
    }
    let Some(dir) = cache.layout().area(Area::Content, false)? else {
        return Ok((0, 0, Some(live)));
    };
    let (mut count, mut bytes) = (0, 0);
    for candidate in candidates {
        if live.paths.contains(&candidate.rel) {
            continue;
        }
        let modified = dir
            .symlink_metadata(&candidate.rel)
            .ok()
            .and_then(|m| m.modified().ok())
            .map(|t| t.into_std());
        if (candidate.force || is_stale(modified, cutoff)) && remove_content(cache, &candidate.rel)?
        {
            count += 1;
            bytes += candidate.len;
        }
    }
    Ok((count, bytes, Some(live)))
}

/// Removes temp files older than `cutoff` that no writer holds (writers
/// lock theirs). Runs under the exclusive index lock, which bucket
/// rewrites hold while their temp file exists.
pub(crate) fn tmp(
    cache: &Cache,
    cutoff: Option<SystemTime>,
    progress: impl Fn(u64, u64),
) -> Result<u64> {
    let Some(tmp) = cache.layout().area(Area::Tmp, false)? else {
        progress(0, 0);
        return Ok(0);
    };
    let display = || cache.layout().display_path(Area::Tmp.name());
    let _lock = IndexLock::exclusive(cache.store())?;
    let entries: Vec<_> = tmp
        .entries()
        .map_err(|e| Error::io(display(), e))?
        .collect::<io::Result<_>>()
        .map_err(|e| Error::io(display(), e))?;
    let total = entries.len() as u64;
    let mut removed = 0;
    for (i, entry) in entries.into_iter().enumerate() {
        progress(i as u64, total);
        let modified = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .map(|t| t.into_std());
        if !is_stale(modified, cutoff) {
            continue;
        }
        let name = entry.file_name();
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        let result = if is_dir {
            tmp.remove_dir_all(&name)
        } else if crate::engine::sys::temp_in_use(&tmp, &name) {
            continue;
        } else {
            tmp.remove_file(&name)
        };
        if result.is_ok() {
            removed += 1;
        }
    }
    progress(total, total);
    Ok(removed)
}

/// Removes a content file; `false` if it was already gone.
pub(crate) fn remove_content(cache: &Cache, rel: &Path) -> Result<bool> {
    let Some(dir) = cache.layout().area(Area::Content, false)? else {
        return Ok(false);
    };
    let removed = match dir.remove_file(rel) {
        // Damage may have put a directory there.
        Err(e) if dir.symlink_metadata(rel).is_ok_and(|m| m.is_dir()) => {
            dir.remove_dir_all(rel).map_err(|_| e)
        }
        other => other,
    };
    match removed {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(cache.layout().display_in(Area::Content, rel), e)),
    }
}
