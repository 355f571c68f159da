//! [`Error`]: the one error type of the crate.

use std::io;
use std::path::PathBuf;

use capcache::Integrity;

/// What went wrong in a store operation; every variant names the key or
/// path it concerns and carries its cause as [`source`](std::error::Error::source).
///
/// Errors of a body being read ([`SyncBody`](crate::SyncBody),
/// [`Body`](crate::Body)) arrive as [`io::Error`]s wrapping this type:
/// [`Error::from_io`] finds it.
///
/// # Examples
///
/// ```
/// use capcache_http::{Error, HttpStore, ResponseParts};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// let store = HttpStore::open(tmp.path())?;
/// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
/// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
/// let unknown = capcache::Integrity::from(b"never stored");
/// match store.put_sync("k", &ResponseParts::default(), &policy, &unknown) {
///     Err(Error::ContentMissing { key, .. }) => assert_eq!(key, "k"),
///     other => panic!("unexpected: {other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The cache refused or failed an operation.
    #[error("cache operation failed{}", for_key(.key.as_deref()))]
    Cache {
        /// The key concerned, if the operation had one.
        key: Option<String>,
        /// capcache's error.
        #[source]
        source: capcache::Error,
    },
    /// A revalidation ([`HttpStore::put_sync`](crate::HttpStore::put_sync))
    /// named a body the cache does not hold (never stored, or reclaimed by
    /// `gc`/`verify`): store the response again instead.
    #[error("cannot revalidate key {key:?}: no cached body for {integrity}")]
    ContentMissing {
        /// The key of the refused entry.
        key: String,
        /// The integrity it named.
        integrity: Integrity,
    },
    /// A cached body failed its integrity check while being read; its entry
    /// was evicted (a later `get` misses).
    #[error("cached body of key {key:?} is damaged; its entry was evicted")]
    Damaged {
        /// The key whose body was damaged.
        key: String,
        /// capcache's [`capcache::Error::IntegrityMismatch`].
        #[source]
        source: capcache::Error,
    },
    /// The upstream body of a tee failed or ended early; nothing was stored.
    #[error("the body of key {key:?} did not reach its end; nothing was stored")]
    Incomplete {
        /// The key that was being stored.
        key: String,
    },
    /// The response's parts or policy could not be encoded as JSON.
    #[error("cannot encode the response metadata of key {key:?}")]
    Encode {
        /// The key of the entry.
        key: String,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    /// A response could not be rebuilt from its parts (in the http-cache
    /// adapter: a header or URL the `http` or `url` crate refuses).
    #[error("invalid response parts for key {key:?}: {reason}")]
    InvalidParts {
        /// The key of the entry.
        key: String,
        /// What was refused.
        reason: String,
    },
    /// A filesystem call of this crate (not capcache's) failed.
    #[error("I/O error on {}", .path.display())]
    Io {
        /// The path inside the cache.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn cache(key: impl Into<Option<String>>, source: capcache::Error) -> Error {
        Error::Cache {
            key: key.into(),
            source,
        }
    }

    /// The key the error concerns, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = capcache_http::Error::ContentMissing {
    ///     key: "k".into(),
    ///     integrity: capcache::Integrity::from(b"x"),
    /// };
    /// assert_eq!(err.key(), Some("k"));
    /// ```
    pub fn key(&self) -> Option<&str> {
        match self {
            Error::Cache { key, .. } => key.as_deref(),
            Error::ContentMissing { key, .. }
            | Error::Damaged { key, .. }
            | Error::Incomplete { key }
            | Error::Encode { key, .. }
            | Error::InvalidParts { key, .. } => Some(key),
            Error::Io { .. } => None,
        }
    }

    /// The capcache error underneath, if the cache failed.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = capcache_http::Error::ContentMissing {
    ///     key: "k".into(),
    ///     integrity: capcache::Integrity::from(b"x"),
    /// };
    /// assert!(err.cache_error().is_none());
    /// ```
    pub fn cache_error(&self) -> Option<&capcache::Error> {
        match self {
            Error::Cache { source, .. } | Error::Damaged { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The `Error` inside an [`io::Error`] returned by a body reader, if it
    /// holds one (a damaged body: [`Error::Damaged`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let io = std::io::Error::other("upstream");
    /// assert!(capcache_http::Error::from_io(&io).is_none());
    /// ```
    pub fn from_io(err: &io::Error) -> Option<&Error> {
        err.get_ref()
            .and_then(|inner| inner.downcast_ref::<Error>())
    }
}

/// The `E` an `io::Error` carries, taken out; `err` back, untouched, if it
/// carries none. capcache's readers and writers and this crate's body
/// readers report their own errors inside `io::Error`s (the `Read` and
/// `Write` traits allow nothing else).
pub(crate) fn take_inner<E>(err: io::Error) -> std::result::Result<E, io::Error>
where
    E: std::error::Error + Send + Sync + 'static,
{
    if !err.get_ref().is_some_and(|inner| inner.is::<E>()) {
        return Err(err);
    }
    let kind = err.kind();
    match err.into_inner().map(|inner| inner.downcast::<E>()) {
        Some(Ok(inner)) => Ok(*inner),
        // Checked above; kept total rather than unwrapped.
        _ => Err(io::Error::from(kind)),
    }
}

/// `" for key \"KEY\""`, or nothing.
fn for_key(key: Option<&str>) -> String {
    key.map(|key| format!(" for key {key:?}"))
        .unwrap_or_default()
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
