//! `gc`: evict entries by total size and age, least recently written first,
//! then remove content no live entry uses.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::sweep::{self, Candidate};
use super::walk;
use crate::cache::Cache;
use crate::engine::index::{bucket, line};
use crate::error::Result;
use crate::write_opts::now_millis;

/// Limits for [`gc`](crate::gc_sync).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let at = |ms| capcache::WriteOpts::new().time(ms);
/// capcache::write_with_opts_sync(dir, "old", vec![0u8; 1000], at(1_000))?;
/// capcache::write_with_opts_sync(dir, "new", vec![1u8; 1000], at(2_000))?;
/// // Least recently written first: "old" goes to fit 1500 bytes.
/// let opts = capcache::GcOpts::new().max_size(1500);
/// let stats = capcache::gc_sync(dir, opts)?;
/// assert_eq!(stats.entries_evicted, 1);
/// assert!(capcache::metadata_sync(dir, "new")?.is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcOpts {
    max_size: Option<u64>,
    max_age: Option<Duration>,
    grace: Option<Duration>,
}

impl GcOpts {
    /// No limits: only unreferenced content is removed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Evict the least recently written entries until the content live
    /// entries use takes at most `bytes`.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Evict entries written longer than `age` ago.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// Unreferenced content younger than `grace` is kept (default ten
    /// minutes), so concurrent writers lose nothing.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }
}

/// What a [`gc`](crate::gc_sync) run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcStats {
    /// Entries removed from the index.
    pub entries_evicted: u64,
    /// Live entries left.
    pub entries_kept: u64,
    /// Content files removed.
    pub content_removed: u64,
    /// Bytes of content removed.
    pub bytes_removed: u64,
    /// Bytes of content live entries use after the run.
    pub bytes_kept: u64,
}

struct Live {
    bucket: PathBuf,
    key: String,
    time: u128,
    content: PathBuf,
}

/// Runs gc; see [`crate::gc_sync`].
pub(crate) fn gc(cache: &Cache, opts: &GcOpts) -> Result<GcStats> {
    let format = cache.index_format()?;
    // Eviction ranks every entry by time, so with a limit they are all
    // held; without one nothing is evicted and only the sweep runs.
    let limited = opts.max_size.is_some() || opts.max_age.is_some();
    let mut entries = Vec::new();
    let shards = match limited {
        true => walk::bucket_shards(cache)?,
        false => Vec::new(),
    };
    for shard in shards {
        walk::for_each_bucket_in(cache, &shard, |dir, name, rel| {
            // An unreadable bucket (a link out of the cache) is left alone;
            // the content sweep below then keeps everything, to be safe.
            let Ok(Some(bytes)) = bucket::read_in(cache.store(), dir, name, rel) else {
                return Ok(());
            };
            for entry in line::latest_per_key(format, &bytes) {
                let Some(path) = entry.content_path() else {
                    continue;
                };
                entries.push(Live {
                    bucket: rel.to_path_buf(),
                    key: entry.key,
                    time: entry.time,
                    content: path,
                });
            }
            Ok(())
        })?;
    }
    entries.sort_by_key(|e| e.time);
    // Content size on disk, counted once however many keys share it.
    let files = walk::content_files(cache)?;
    let sizes: HashMap<&PathBuf, u64> = files.iter().map(|f| (&f.rel, f.len)).collect();
    let mut refs: HashMap<&PathBuf, usize> = HashMap::new();
    for e in &entries {
        *refs.entry(&e.content).or_default() += 1;
    }
    let mut total: u64 = refs
        .keys()
        .map(|p| sizes.get(p).copied().unwrap_or(0))
        .sum();

    let oldest_kept = opts
        .max_age
        .map(|age| now_millis().saturating_sub(age.as_millis()));
    let mut evict: Vec<&Live> = Vec::new();
    for e in &entries {
        let too_old = oldest_kept.is_some_and(|limit| e.time < limit);
        let too_big = opts.max_size.is_some_and(|max| total > max);
        if !(too_old || too_big) {
            continue;
        }
        evict.push(e);
        let count = refs.entry(&e.content).or_default();
        *count = count.saturating_sub(1);
        if *count == 0 {
            total = total.saturating_sub(sizes.get(&e.content).copied().unwrap_or(0));
        }
    }

    let mut stats = GcStats::default();
    let mut by_bucket: HashMap<&PathBuf, HashMap<&str, u128>> = HashMap::new();
    for e in &evict {
        by_bucket
            .entry(&e.bucket)
            .or_default()
            .insert(&e.key, e.time);
    }
    for (rel, doomed) in by_bucket {
        // Drop exactly the entries chosen: a newer line for the same key,
        // written meanwhile, has another time and survives.
        bucket::rewrite(cache.store(), format, rel, |entry| {
            doomed.get(entry.key.as_str()) != Some(&entry.time)
        })?;
        stats.entries_evicted += doomed.len() as u64;
    }

    // Remove content no live entry uses: the content of evicted entries,
    // and other unreferenced files past the grace period. The sweep checks
    // again under the index lock, so entries added meanwhile keep theirs.
    let cutoff = SystemTime::now().checked_sub(opts.grace.unwrap_or(sweep::GRACE));
    let evicted: HashSet<&PathBuf> = evict.iter().map(|e| &e.content).collect();
    let candidates = files
        .iter()
        .filter(|f| evicted.contains(&f.rel) || sweep::is_stale(f.modified, cutoff))
        .map(|f| Candidate {
            rel: f.rel.clone(),
            len: f.len,
            force: evicted.contains(&f.rel),
        })
        .collect();
    let (removed, bytes, scan) = sweep::content_and_scan(cache, candidates, cutoff)?;
    (stats.content_removed, stats.bytes_removed) = (removed, bytes);
    // The sweep's scan under the lock is the index after eviction.
    let live = match scan {
        Some(live) => live,
        None => walk::live_content(cache)?,
    };
    stats.entries_kept = match limited {
        true => (entries.len() - evict.len()) as u64,
        false => live.entries,
    };
    stats.bytes_kept = live
        .paths
        .iter()
        .map(|p| sizes.get(p).copied().unwrap_or(0))
        .sum();
    Ok(stats)
}
