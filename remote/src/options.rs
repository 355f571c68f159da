//! [`RemoteOptions`]: deadline, upload queue and index mode.

use std::time::Duration;

/// What a write does when the upload queue is full.
///
/// # Examples
///
/// ```
/// use capcache_remote::{QueuePolicy, RemoteOptions};
/// let opts = RemoteOptions::new().queue_capacity(64).queue_policy(QueuePolicy::Drop);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueuePolicy {
    /// The write waits for room (the default): memory stays bounded and no
    /// upload is lost, at the price of writes slowing to the remote's pace.
    #[default]
    Block,
    /// The upload is dropped: the value stays local only; the drop is
    /// counted ([`Stats::dropped`](crate::Stats::dropped)) and reported by
    /// the next `flush` as [`Error::QueueFull`](crate::Error::QueueFull).
    Drop,
}

/// How the remote index is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexMode {
    /// One immutable object per entry version under the key's bucket
    /// directory; the newest wins, removals are tombstones, old versions
    /// are pruned. Needs `list` (and `delete` to prune).
    Versioned,
    /// One object per key, written once (if-not-exists): the first writer
    /// wins and later writes of the key upload nothing (their content
    /// neither, unless two writers race for the key's first upload). For stores that
    /// cannot list, such as the GitHub Actions cache. No remote removal or
    /// gc.
    WriteOnce,
}

/// Options for a [`RemoteCache`](crate::RemoteCache).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use capcache_remote::RemoteOptions;
/// let opts = RemoteOptions::new()
///     .deadline(Duration::from_secs(5))
///     .queue_capacity(256)
///     .upload_concurrency(8);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    pub(crate) deadline: Duration,
    pub(crate) queue_capacity: usize,
    pub(crate) queue_policy: QueuePolicy,
    pub(crate) upload_concurrency: usize,
    pub(crate) index_mode: Option<IndexMode>,
    pub(crate) part_size: usize,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            deadline: Duration::from_secs(30),
            queue_capacity: 1024,
            queue_policy: QueuePolicy::Block,
            upload_concurrency: 4,
            index_mode: None,
            part_size: 8 << 20,
        }
    }
}

impl RemoteOptions {
    /// Defaults: 30 s deadline, 1,024 queued uploads, [`QueuePolicy::Block`],
    /// 4 uploads at once, index mode from the store's capabilities.
    pub fn new() -> Self {
        Self::default()
    }

    /// The longest any one remote call may take: a list page, a stat, a
    /// small read or write, or one chunk of a streamed transfer (so a large
    /// value is bounded by progress, not by its total time). A call past it
    /// fails with [`Error::Timeout`](crate::Error::Timeout).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How many uploads may wait in the queue (at least 1).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// What a write does when the queue is full.
    pub fn queue_policy(mut self, policy: QueuePolicy) -> Self {
        self.queue_policy = policy;
        self
    }

    /// How many entries upload at the same time (at least 1).
    pub fn upload_concurrency(mut self, n: usize) -> Self {
        self.upload_concurrency = n.max(1);
        self
    }

    /// Part size of multipart uploads (default 8 MiB; S3 wants at least
    /// 5 MiB). A streamed upload smaller than one part goes up as one
    /// request, buffered in memory. s3s-fs cannot complete multipart
    /// uploads of capcache's long content names (its metadata file name
    /// outgrows 255 bytes), so tests and benches against it set a part
    /// larger than their values.
    pub fn part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1);
        self
    }

    /// Forces an index mode instead of choosing from the store's
    /// capabilities ([`IndexMode::Versioned`] when it can list).
    pub fn index_mode(mut self, mode: IndexMode) -> Self {
        self.index_mode = Some(mode);
        self
    }
}
