//! `verify`: re-hash all content, drop what is corrupt or unreferenced, and
//! rewrite every bucket to its live entries (npm cacache's `verify`).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use ssri::Integrity;

use super::sweep::{self, Candidate};
use super::walk;
use crate::cache::Cache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::engine::index::line::RawEntry;
use crate::engine::layout::Area;
use crate::engine::parallel;
use crate::error::{Error, Result};
use crate::write_opts::now_millis;

/// npm's file for the time of the last verify.
const LAST_VERIFIED: &str = "_lastverified";

/// The step a [`verify`](crate::verify_sync) run is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Reading the index to learn which content is in use.
    ScanIndex,
    /// Hashing content files and removing corrupt or unused ones.
    VerifyContent,
    /// Rewriting buckets to their live entries.
    RebuildIndex,
    /// Removing stale temp files.
    CleanTmp,
}

/// Progress report handed to the [`VerifyOpts::progress`] callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The current step.
    pub phase: Phase,
    /// Items done in this step.
    pub done: u64,
    /// Items in this step.
    pub total: u64,
    /// Bytes hashed so far (content step).
    pub bytes: u64,
}

type Callback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Options for [`verify`](crate::verify_sync).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let opts = capcache::VerifyOpts::new().progress(|p| eprintln!("{:?} {}/{}", p.phase, p.done, p.total));
/// let stats = capcache::verify_sync(dir, opts)?;
/// assert_eq!(stats.corrupt_content, 0);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct VerifyOpts {
    progress: Option<Callback>,
    grace: Option<Duration>,
}

impl fmt::Debug for VerifyOpts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyOpts")
            .field("progress", &self.progress.is_some())
            .field("grace", &self.grace)
            .finish()
    }
}

impl VerifyOpts {
    /// Default options: no progress callback, ten minutes of grace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `callback` as the run advances, from the threads doing the
    /// work (content is hashed on one thread per core).
    pub fn progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Unreferenced content and temp files younger than `grace` are kept
    /// (default ten minutes), so writers running meanwhile lose nothing.
    /// Zero reclaims everything; use it only when no one else writes.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    fn report(&self, phase: Phase, done: u64, total: u64, bytes: u64) {
        if let Some(cb) = &self.progress {
            cb(&Progress {
                phase,
                done,
                total,
                bytes,
            });
        }
    }
}

/// What a [`verify`](crate::verify_sync) run found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyStats {
    /// Live index entries kept.
    pub entries_kept: u64,
    /// Index lines removed: superseded, tombstoned, unreadable, or pointing
    /// at missing or corrupt content.
    pub entries_removed: u64,
    /// Content files hashed and found intact.
    pub content_verified: u64,
    /// Bytes of intact content.
    pub content_bytes: u64,
    /// Unreferenced content files removed.
    pub content_reclaimed: u64,
    /// Bytes of unreferenced content removed.
    pub reclaimed_bytes: u64,
    /// Content files whose data did not match their name, removed.
    pub corrupt_content: u64,
    /// Bytes of corrupt content removed.
    pub corrupt_bytes: u64,
    /// Stale temp files removed.
    pub tmp_removed: u64,
    /// Buckets that could not be read or rewritten (for example a symlink
    /// out of the cache) and were left alone. While there are any, no
    /// unreferenced content is reclaimed.
    pub unreadable_buckets: u64,
    /// When the run started (ms since the Unix epoch), as recorded in
    /// `_lastverified`.
    pub started: u128,
    /// How long the run took.
    pub duration: Duration,
}

/// Runs a full verify; see [`crate::verify_sync`].
pub(crate) fn verify(cache: &Cache, opts: &VerifyOpts) -> Result<VerifyStats> {
    let clock = Instant::now();
    let grace = opts.grace.unwrap_or(sweep::GRACE);
    let cutoff = SystemTime::now().checked_sub(grace);
    let mut stats = VerifyStats {
        started: now_millis(),
        ..VerifyStats::default()
    };

    opts.report(Phase::ScanIndex, 0, 1, 0);
    let scan = walk::live_content_and_changes(cache)?;
    opts.report(Phase::ScanIndex, 1, 1, 0);
    stats.unreadable_buckets = scan.unreadable as u64;
    // With a bucket unread, "unreferenced" may be wrong: reclaim nothing.
    let reclaim = scan.unreadable == 0;

    let (bad, intact, candidates) =
        verify_content(cache, opts, &scan.paths, reclaim, cutoff, &mut stats)?;
    // Live entries whose content has no usable file: only a pass over
    // every bucket finds them.
    let missing = scan.paths.len().saturating_sub(intact.len() + bad.len());
    let walk::LiveContent {
        buckets,
        changing,
        unchanged_entries,
        unreadable,
        ..
    } = scan;
    let keep = Keep {
        cache,
        bad: &bad,
        intact: &intact,
        present: Mutex::default(),
    };
    match changing {
        // Every live entry stays: only the buckets the scan found would
        // change need a rewrite (a healthy cache's verify reads each
        // bucket once). Buckets written since the scan are left as written.
        Some(changing) if bad.is_empty() && missing == 0 && unreadable == 0 => {
            rewrite(cache, opts, &changing, &keep, &mut stats)?;
            stats.entries_kept += unchanged_entries;
        }
        _ => rebuild_index(cache, opts, buckets, &keep, &mut stats)?,
    }
    (stats.content_reclaimed, stats.reclaimed_bytes) = sweep::content(cache, candidates, cutoff)?;
    stats.tmp_removed = sweep::tmp(cache, cutoff, |done, total| {
        opts.report(Phase::CleanTmp, done, total, 0)
    })?;

    let root = cache.root();
    root.write(LAST_VERIFIED, stats.started.to_string())
        .map_err(|e| Error::io(cache.layout().display_path(LAST_VERIFIED), e))?;
    stats.duration = clock.elapsed();
    Ok(stats)
}

/// Hashes referenced content (one thread per core) and removes corrupt
/// files. Returns the content paths found corrupt, those found intact, and
/// the stale unreferenced files to sweep.
fn verify_content(
    cache: &Cache,
    opts: &VerifyOpts,
    live: &HashSet<PathBuf>,
    reclaim: bool,
    cutoff: Option<SystemTime>,
    stats: &mut VerifyStats,
) -> Result<(HashSet<PathBuf>, HashSet<PathBuf>, Vec<Candidate>)> {
    let files = walk::content_files(cache)?;
    let total = files.len() as u64;
    let mut candidates = Vec::new();
    let mut referenced = Vec::new();
    for file in files {
        if live.contains(&file.rel) {
            if file.integrity.is_some() {
                referenced.push(file);
            }
        } else if reclaim && sweep::is_stale(file.modified, cutoff) {
            candidates.push(Candidate {
                rel: file.rel,
                len: file.len,
                force: false,
            });
        }
    }
    // Progress counts every file (the unreferenced ones are done already);
    // reports go out one at a time so that they never go back.
    let progress = Mutex::new((total - referenced.len() as u64, 0u64));
    let advance = |bytes: u64| {
        let mut guard = lock(&progress);
        let (done, hashed) = &mut *guard;
        *done += 1;
        *hashed += bytes;
        opts.report(Phase::VerifyContent, *done, total, *hashed);
    };
    opts.report(
        Phase::VerifyContent,
        total - referenced.len() as u64,
        total,
        0,
    );
    let verdicts = parallel::map(&referenced, |file| {
        // A directory where referenced content belongs (damage) holds
        // none: it goes, so that the next write of the value can take the
        // name.
        let verdict = match (&file.integrity, file.is_dir) {
            (Some(sri), false) => hash_matches(cache, sri, file.is_file.then_some(file.len))?,
            _ => None,
        };
        advance(verdict.unwrap_or(0));
        Ok::<_, Error>(verdict)
    })?;
    let (mut bad, mut intact) = (HashSet::new(), HashSet::new());
    for (file, verdict) in referenced.into_iter().zip(verdicts) {
        match verdict {
            Some(len) => {
                stats.content_verified += 1;
                stats.content_bytes += len;
                intact.insert(file.rel);
            }
            None => {
                if sweep::remove_content(cache, &file.rel)? {
                    stats.corrupt_content += 1;
                    stats.corrupt_bytes += file.len;
                }
                bad.insert(file.rel);
            }
        }
    }
    let hashed = progress.into_inner().unwrap_or_else(|p| p.into_inner()).1;
    opts.report(Phase::VerifyContent, total, total, hashed);
    Ok((bad, intact, candidates))
}

/// `Some(len)` if the content for `sri` hashes to it, `None` if it does not.
/// Content that cannot be opened here (a link outside a capability-only
/// cache) counts as intact: reads verify it anyway.
fn hash_matches(cache: &Cache, sri: &Integrity, len_hint: Option<u64>) -> Result<Option<u64>> {
    let (file, path) = match content::open(cache.store(), sri) {
        Ok(opened) => opened,
        Err(Error::OutsideCache { .. }) => return Ok(Some(0)),
        Err(Error::ContentNotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    content::hash_file(&file, sri, len_hint).map_err(|e| Error::io(path, e))
}

/// Which entries a rebuilt bucket keeps: those whose content is present
/// and was not found corrupt. Content just hashed intact counts as present
/// without another look; existence is checked at rewrite time (not taken
/// from the content walk), so entries whose content a concurrent writer
/// just added are kept.
struct Keep<'a> {
    cache: &'a Cache,
    bad: &'a HashSet<PathBuf>,
    intact: &'a HashSet<PathBuf>,
    present: Mutex<HashMap<PathBuf, bool>>,
}

impl Keep<'_> {
    fn keeps(&self, entry: &RawEntry) -> bool {
        entry.content_path().is_some_and(|path| {
            !self.bad.contains(&path) && (self.intact.contains(&path) || self.is_present(&path))
        })
    }

    fn is_present(&self, path: &PathBuf) -> bool {
        if let Some(known) = lock(&self.present).get(path).copied() {
            return known;
        }
        let found = content_present(self.cache, path);
        lock(&self.present).insert(path.clone(), found);
        found
    }
}

/// Rewrites every bucket to the entries [`Keep`] keeps (buckets checked on
/// one thread per core; the rewrites themselves take turns under the index
/// lock).
fn rebuild_index(
    cache: &Cache,
    opts: &VerifyOpts,
    buckets_seen: u64,
    keep: &Keep<'_>,
    stats: &mut VerifyStats,
) -> Result<()> {
    let format = cache.index_format()?;
    // The total is the scan's count; buckets written since may add to it.
    let progress = Mutex::new((0u64, buckets_seen));
    opts.report(Phase::RebuildIndex, 0, buckets_seen, 0);
    let skip_unreadable = stats.unreadable_buckets > 0;
    let per_shard = parallel::map(&walk::bucket_shards(cache)?, |shard| {
        let (mut kept, mut dropped) = (0u64, 0u64);
        walk::for_each_bucket_in(cache, shard, |_, _, rel| {
            let rewritten = bucket::rewrite(cache.store(), format, rel, |e| keep.keeps(e));
            {
                let mut guard = lock(&progress);
                let (done, total) = &mut *guard;
                *done += 1;
                *total = (*total).max(*done);
                opts.report(Phase::RebuildIndex, *done, *total, 0);
            }
            match rewritten {
                Ok(rewrite) => {
                    kept += rewrite.kept as u64;
                    dropped += rewrite.dropped as u64;
                    Ok(())
                }
                // Already counted when the scan could not read it either.
                Err(_) if skip_unreadable => Ok(()),
                Err(e) => Err(e),
            }
        })?;
        Ok::<_, Error>((kept, dropped))
    })?;
    for (kept, dropped) in per_shard {
        stats.entries_kept += kept;
        stats.entries_removed += dropped;
    }
    Ok(())
}

/// Rewrites the buckets `changing` (their paths under the index) to the
/// entries [`Keep`] keeps, on one thread per core.
fn rewrite(
    cache: &Cache,
    opts: &VerifyOpts,
    changing: &[PathBuf],
    keep: &Keep<'_>,
    stats: &mut VerifyStats,
) -> Result<()> {
    let format = cache.index_format()?;
    let total = changing.len() as u64;
    opts.report(Phase::RebuildIndex, 0, total, 0);
    let done = Mutex::new(0u64);
    let rewrites = parallel::map(changing, |rel| {
        let rewrite = bucket::rewrite_changing(cache.store(), format, rel, |e| keep.keeps(e))?;
        let mut done = lock(&done);
        *done += 1;
        opts.report(Phase::RebuildIndex, *done, total, 0);
        Ok::<_, Error>(rewrite)
    })?;
    for rewrite in rewrites {
        stats.entries_kept += rewrite.kept as u64;
        stats.entries_removed += rewrite.dropped as u64;
    }
    Ok(())
}

/// The guarded value, also after a panic elsewhere (the data are counters
/// and memos, consistent at every step).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

fn content_present(cache: &Cache, rel: &Path) -> bool {
    match cache.layout().area(Area::Content, false) {
        Ok(Some(dir)) => dir.symlink_metadata(rel).is_ok(),
        _ => false,
    }
}

/// When verify last ran on this cache (ms since the Unix epoch), from
/// npm's `_lastverified` file.
pub(crate) fn last_verified(cache: &Cache) -> Result<Option<u128>> {
    match cache.root().read_to_string(LAST_VERIFIED) {
        Ok(text) => Ok(text.trim().parse().ok()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(cache.layout().display_path(LAST_VERIFIED), e)),
    }
}
