//! The crate's one error type.

use std::io;
use std::path::{Path, PathBuf};

use ssri::Integrity;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a cache operation.
///
/// Every variant names what it was about: the key, the integrity string or the
/// path inside the cache (relative to the cache root, since a capability-only
/// cache has no absolute path), and the cause. Match on the variant to react to
/// a kind of failure; [`Error::io_error`] and the `From<Error> for io::Error`
/// conversion serve callers that speak `io::Error`.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// match capcache::read_sync(dir.path(), "no-such-key") {
///     Err(capcache::Error::EntryNotFound { key }) => assert_eq!(key, "no-such-key"),
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No live index entry exists for the key.
    #[error("no cache entry for key {key:?}")]
    EntryNotFound {
        /// The key that was looked up.
        key: String,
    },
    /// No content file exists for the integrity.
    #[error("no cached content for integrity {integrity}")]
    ContentNotFound {
        /// The integrity that was looked up.
        integrity: Integrity,
    },
    /// Content did not hash to the integrity it is stored or requested under.
    #[error("integrity check failed for {path}: expected {expected}, found {found}")]
    IntegrityMismatch {
        /// Path of the content inside the cache (or the data source).
        path: PathBuf,
        /// The integrity the data should have had.
        expected: Integrity,
        /// The integrity the data actually has.
        found: Integrity,
    },
    /// Content had a different length than recorded or requested.
    #[error("size mismatch for {path}: expected {expected} bytes, found {found}")]
    SizeMismatch {
        /// Path of the content inside the cache (or the data source).
        path: PathBuf,
        /// The size the data should have had.
        expected: u64,
        /// The size the data actually has.
        found: u64,
    },
    /// A string is not a usable subresource-integrity value.
    #[error("invalid integrity string {input:?}: {reason}")]
    InvalidIntegrity {
        /// The string that was given (or read from the index).
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A key cannot be stored.
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The key (truncated to 64 characters if longer).
        key: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An index bucket holds data that cannot be used for the key.
    #[error("bad index data in {path} for key {key:?}: {reason}")]
    BadIndex {
        /// Path of the bucket file inside the cache.
        path: PathBuf,
        /// The key whose entry is unusable.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A content file is a symbolic link to a place outside the cache, and
    /// the cache may not follow it: it holds only its directory capability
    /// (see [`CacheOptions::ambient_authority`](crate::CacheOptions::ambient_authority))
    /// or was built without the `link_to` feature.
    #[error("{path} links outside the cache (to {target}); following it needs a Cache with ambient authority and the `link_to` feature")]
    OutsideCache {
        /// The content path inside the cache.
        path: PathBuf,
        /// Where the link points.
        target: PathBuf,
    },
    /// A filesystem operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path involved, relative to the cache root when inside the cache.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// Wraps an `io::Error` with the path it concerns.
    pub(crate) fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Builds an [`Error::InvalidKey`], truncating very long keys in the message.
    pub(crate) fn invalid_key(key: &str, reason: &'static str) -> Self {
        let key = match key.char_indices().nth(64) {
            Some((cut, _)) => format!("{}…", &key[..cut]),
            None => key.to_owned(),
        };
        Error::InvalidKey { key, reason }
    }

    /// The underlying `io::Error`, if this is an I/O failure.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The path inside the cache that the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. }
            | Error::BadIndex { path, .. }
            | Error::IntegrityMismatch { path, .. }
            | Error::SizeMismatch { path, .. }
            | Error::OutsideCache { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Whether the error means "nothing is cached here" (entry or content missing).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::EntryNotFound { .. } | Error::ContentNotFound { .. }
        )
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> Self {
        let kind = match &err {
            Error::Io { source, .. } => source.kind(),
            Error::EntryNotFound { .. } | Error::ContentNotFound { .. } => io::ErrorKind::NotFound,
            Error::InvalidIntegrity { .. } | Error::InvalidKey { .. } => {
                io::ErrorKind::InvalidInput
            }
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, err)
    }
}
