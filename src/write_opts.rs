//! [`WriteOpts`]: options for a write or an index insert.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use ssri::{Algorithm, Integrity};

/// Options for a write: hash algorithm, expected integrity and size, time
/// and metadata.
///
/// # Examples
///
/// ```
/// use capcache::{Algorithm, WriteOpts};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let opts = WriteOpts::new()
///     .algorithm(Algorithm::Sha256)
///     .size(5)
///     .metadata(serde_json::json!({ "etag": "abc" }));
/// let sri = capcache::write_with_opts_sync(dir.path(), "k", b"hello", opts)?;
/// assert_eq!(sri.pick_algorithm(), Algorithm::Sha256);
/// let meta = capcache::metadata_sync(dir.path(), "k")?.unwrap();
/// assert_eq!(meta.metadata["etag"], "abc");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOpts {
    pub(crate) algorithm: Option<Algorithm>,
    pub(crate) sri: Option<Integrity>,
    pub(crate) size: Option<usize>,
    pub(crate) time: Option<u128>,
    pub(crate) metadata: Option<Value>,
    pub(crate) raw_metadata: Option<Vec<u8>>,
}

impl WriteOpts {
    /// Default options: sha512, no expectations, the current time, no metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hashes the content with `algo` (default sha512).
    pub fn algorithm(mut self, algo: Algorithm) -> Self {
        self.algorithm = Some(algo);
        self
    }

    /// The integrity the data must have; a write whose data differs fails and
    /// stores nothing. For [`index::insert`](crate::index::insert) it is the
    /// integrity recorded.
    pub fn integrity(mut self, sri: Integrity) -> Self {
        self.sri = Some(sri);
        self
    }

    /// The size the data must have; a write of another size fails and stores
    /// nothing. For an index insert it is the size recorded.
    pub fn size(mut self, size: usize) -> Self {
        self.size = Some(size);
        self
    }

    /// The time to record, in milliseconds since the Unix epoch (default: now).
    pub fn time(mut self, time: u128) -> Self {
        self.time = Some(time);
        self
    }

    /// JSON metadata to record with the entry.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Raw metadata bytes to record with the entry (cacache-rs's `raw_metadata`).
    pub fn raw_metadata(mut self, raw: Vec<u8>) -> Self {
        self.raw_metadata = Some(raw);
        self
    }

    pub(crate) fn algorithm_or_default(&self) -> Algorithm {
        self.algorithm.unwrap_or(Algorithm::Sha512)
    }

    pub(crate) fn time_or_now(&self) -> u128 {
        self.time.unwrap_or_else(now_millis)
    }
}

/// Milliseconds since the Unix epoch; 0 if the clock is before it.
pub(crate) fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}
