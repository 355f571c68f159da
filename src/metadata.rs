//! [`Metadata`]: what the index knows about an entry.

use serde_json::Value;
use ssri::Integrity;

/// A live index entry: the key, its content's integrity and size, when it
/// was written, and the user's metadata.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// capcache::write_sync(dir.path(), "k", b"hello")?;
/// let meta = capcache::metadata_sync(dir.path(), "k")?.expect("just written");
/// assert_eq!(meta.key, "k");
/// assert_eq!(meta.size, 5);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The key the entry is stored under.
    pub key: String,
    /// Integrity of the entry's content.
    pub integrity: Integrity,
    /// Time of the write, in milliseconds since the Unix epoch.
    pub time: u128,
    /// Size of the content in bytes (0 if the writer did not record it).
    pub size: usize,
    /// User metadata (JSON), `Value::Null` when none was given.
    pub metadata: Value,
    /// User metadata as raw bytes (a cacache-rs extension), if any.
    pub raw_metadata: Option<Vec<u8>>,
}
