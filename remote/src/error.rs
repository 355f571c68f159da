//! The crate's one error type.

use std::time::Duration;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a remote-cache operation.
///
/// Every variant names what it was about (the key, the remote path or the
/// operation) and keeps its cause as [`source`](std::error::Error::source).
/// Remote failures reach a reader as [`Lookup::RemoteError`](crate::Lookup)
/// holding one of these, never as a plain miss.
///
/// # Examples
///
/// ```
/// use capcache_remote::Error;
///
/// let err = Error::QueueFull { key: "k".into() };
/// assert_eq!(err.key(), Some("k"));
/// assert!(!err.is_timeout());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The local capcache failed (I/O, a bad key, ...).
    #[error("local cache error{}", for_key(.key.as_deref()))]
    Local {
        /// The key concerned, if any.
        key: Option<String>,
        /// What capcache reported (boxed: it is large).
        #[source]
        source: Box<capcache::Error>,
    },
    /// An object-store operation failed (other than a timeout).
    #[error("remote {op} of {path:?} failed")]
    Remote {
        /// The OpenDAL operation (`read`, `write`, `list`, `stat`, `delete`).
        op: &'static str,
        /// The remote path (relative to the operator's root).
        path: String,
        /// What OpenDAL reported (boxed: it is large).
        #[source]
        source: Box<opendal::Error>,
    },
    /// An object-store operation did not finish within the deadline.
    #[error("remote {op} of {path:?} did not finish within {after:?}")]
    Timeout {
        /// The OpenDAL operation.
        op: &'static str,
        /// The remote path.
        path: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// Remote content did not verify against the integrity (or size) its
    /// index entry records: nothing was stored locally, nothing served.
    #[error("remote content {path:?} for key {key:?} failed verification")]
    Corrupt {
        /// The key being fetched (or pushed).
        key: String,
        /// The content object's remote path.
        path: String,
        /// capcache's `IntegrityMismatch` or `SizeMismatch` (boxed).
        #[source]
        source: Box<capcache::Error>,
    },
    /// A remote index entry points at content that is not in the store.
    #[error("remote index entry for key {key:?} points at missing content {path:?}")]
    ContentMissing {
        /// The key of the entry.
        key: String,
        /// The content path it names.
        path: String,
    },
    /// A remote index object could not be used (not a valid bucket line,
    /// another key, a time that disagrees with its name, a bad integrity).
    #[error("unusable remote index object {path:?}: {reason}")]
    BadIndex {
        /// The index object's remote path.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The upload queue was full and the cache drops uploads then
    /// ([`QueuePolicy::Drop`](crate::QueuePolicy::Drop)): the value is
    /// stored locally only.
    #[error("upload of key {key:?} dropped: the upload queue was full")]
    QueueFull {
        /// The key whose upload was dropped.
        key: String,
    },
    /// The remote lacks a capability the operation needs.
    #[error("{op} is not supported by this remote: {reason}")]
    Unsupported {
        /// The operation that was refused.
        op: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Uploads failed since the last flush (returned by `flush`).
    #[error("{} upload(s) failed; first: {}", .failures.len(), first(.failures))]
    Uploads {
        /// Every failure, in the order they happened.
        failures: Vec<Error>,
    },
    /// The private runtime could not be started, or a task on it panicked.
    #[error("the remote-cache runtime failed: {reason}")]
    Runtime {
        /// What happened.
        reason: String,
    },
    /// A configuration (service scheme or option) was refused.
    #[error("invalid remote configuration: {reason}")]
    Config {
        /// What was wrong.
        reason: String,
        /// OpenDAL's error, if it produced one.
        #[source]
        source: Option<Box<opendal::Error>>,
    },
}

fn for_key(key: Option<&str>) -> String {
    key.map(|k| format!(" for key {k:?}")).unwrap_or_default()
}

fn first(failures: &[Error]) -> String {
    failures.first().map(|e| e.to_string()).unwrap_or_default()
}

impl Error {
    pub(crate) fn local(key: Option<&str>, source: capcache::Error) -> Self {
        Error::Local {
            key: key.map(str::to_owned),
            source: Box::new(source),
        }
    }

    pub(crate) fn remote(op: &'static str, path: &str, source: opendal::Error) -> Self {
        Error::Remote {
            op,
            path: path.to_owned(),
            source: Box::new(source),
        }
    }

    /// The key this error concerns, where it names one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Error::Local { key, .. } => key.as_deref(),
            Error::Corrupt { key, .. }
            | Error::ContentMissing { key, .. }
            | Error::QueueFull { key } => Some(key),
            _ => None,
        }
    }

    /// The remote path this error concerns, where it names one.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = capcache_remote::Error::ContentMissing {
    ///     key: "k".into(),
    ///     path: "content-v2/sha512/ab/cd/ef".into(),
    /// };
    /// assert_eq!(err.remote_path(), Some("content-v2/sha512/ab/cd/ef"));
    /// ```
    pub fn remote_path(&self) -> Option<&str> {
        match self {
            Error::Remote { path, .. }
            | Error::Timeout { path, .. }
            | Error::Corrupt { path, .. }
            | Error::ContentMissing { path, .. }
            | Error::BadIndex { path, .. } => Some(path),
            _ => None,
        }
    }

    /// OpenDAL's error, for [`Error::Remote`] (and [`Error::Config`] when
    /// OpenDAL produced one).
    pub fn opendal_error(&self) -> Option<&opendal::Error> {
        match self {
            Error::Remote { source, .. } => Some(source),
            Error::Config { source, .. } => source.as_deref(),
            _ => None,
        }
    }

    /// capcache's error, for [`Error::Local`] and [`Error::Corrupt`].
    pub fn local_error(&self) -> Option<&capcache::Error> {
        match self {
            Error::Local { source, .. } | Error::Corrupt { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether this is an [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }
}
