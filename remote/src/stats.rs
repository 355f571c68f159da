//! [`Stats`]: what a `RemoteCache` did, counted.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of a [`RemoteCache`](crate::RemoteCache) since it was created.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let op = opendal::Operator::via_iter("memory", [])?;
/// let remote = capcache_remote::RemoteCache::new(capcache::Cache::open(dir.path())?, op)?;
/// remote.get_sync("absent")?;
/// assert_eq!(remote.stats().misses, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Reads served by the local cache.
    pub local_hits: u64,
    /// Reads fetched from the remote, verified and stored locally.
    pub remote_hits: u64,
    /// Reads that found the key nowhere (or removed).
    pub misses: u64,
    /// Reads that failed remotely: every `Lookup::RemoteError`.
    pub remote_errors: u64,
    /// Of those, remote calls that passed the deadline.
    pub timeouts: u64,
    /// Of those, content that failed verification (nothing stored or served).
    pub corrupt: u64,
    /// Of those, index entries whose content is gone.
    pub dangling: u64,
    /// Remote index objects skipped as unusable (a read fell back to an
    /// older version).
    pub bad_index_objects: u64,
    /// Entries uploaded (index object written; in write-once mode not
    /// when the key was already there).
    pub uploads: u64,
    /// Content objects uploaded.
    pub content_uploads: u64,
    /// Content uploads skipped because the object was there.
    pub content_present: u64,
    /// Uploads that failed (reported by `flush`).
    pub upload_errors: u64,
    /// Uploads dropped on a full queue ([`QueuePolicy::Drop`](crate::QueuePolicy::Drop)).
    pub dropped: u64,
}

/// The live counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) local_hits: AtomicU64,
    pub(crate) remote_hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) remote_errors: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) corrupt: AtomicU64,
    pub(crate) dangling: AtomicU64,
    pub(crate) bad_index_objects: AtomicU64,
    pub(crate) uploads: AtomicU64,
    pub(crate) content_uploads: AtomicU64,
    pub(crate) content_present: AtomicU64,
    pub(crate) upload_errors: AtomicU64,
    pub(crate) dropped: AtomicU64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            local_hits: get(&self.local_hits),
            remote_hits: get(&self.remote_hits),
            misses: get(&self.misses),
            remote_errors: get(&self.remote_errors),
            timeouts: get(&self.timeouts),
            corrupt: get(&self.corrupt),
            dangling: get(&self.dangling),
            bad_index_objects: get(&self.bad_index_objects),
            uploads: get(&self.uploads),
            content_uploads: get(&self.content_uploads),
            content_present: get(&self.content_present),
            upload_errors: get(&self.upload_errors),
            dropped: get(&self.dropped),
        }
    }
}
