//! The crate's one error type.

use std::io;
use std::path::{Path, PathBuf};

use ssri::Integrity;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a cache operation.
///
/// Every variant names what it was about: the key, the integrity string or the
/// path (joined to the cache's path when it was opened from one; relative to
/// the root for a capability-only cache, which has no path), and the cause. Match on the variant to react to
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
    #[error("integrity check failed{}: expected {expected}, found {found}", for_path(.path.as_deref()))]
    IntegrityMismatch {
        /// Path of the content inside the cache (or the data source); `None`
        /// when the error was converted from an [`ssri::Error`], which has none.
        path: Option<PathBuf>,
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
    #[error("invalid integrity string{}: {reason}", quoted(.input.as_deref()))]
    InvalidIntegrity {
        /// The string that was given (or read from the index); `None` when
        /// unknown (an [`ssri::Error::HexDecodeError`] does not carry it).
        input: Option<String>,
        /// Why it was refused.
        reason: String,
    },
    /// An index entry was to be recorded without an integrity
    /// (`index::insert` with no [`WriteOpts::integrity`](crate::WriteOpts::integrity)).
    #[error("no integrity given for the index entry of key {key:?}")]
    MissingIntegrity {
        /// The key of the entry.
        key: String,
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
    ///
    /// Its message names the path; the cause is its [`source`](std::error::Error::source)
    /// (and [`Error::io_error`]), printed once by error reporters.
    #[error("I/O error on {}", .path.display())]
    Io {
        /// The path involved (for a file in the cache: as in the other variants).
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
            | Error::SizeMismatch { path, .. }
            | Error::OutsideCache { path, .. } => Some(path.as_path()),
            Error::IntegrityMismatch { path, .. } => path.as_deref(),
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

/// `" for PATH"`, or nothing without a path.
fn for_path(path: Option<&Path>) -> String {
    path.map(|path| format!(" for {}", path.display()))
        .unwrap_or_default()
}

/// `" \"INPUT\""`, or nothing without an input.
fn quoted(input: Option<&str>) -> String {
    input.map(|input| format!(" {input:?}")).unwrap_or_default()
}

/// ssri's errors as this crate's variants, so that one kind of failure is
/// one variant wherever it comes from (cacache-rs wraps them whole, as
/// `Error::IntegrityError`):
///
/// - `IntegrityCheckError(expected, found)` → [`Error::IntegrityMismatch`]
///   with both integrities and no `path` (ssri knows of none);
/// - `ParseIntegrityError(part)` → [`Error::InvalidIntegrity`] whose
///   `input` is that part: ssri names the hash or algorithm it could not
///   parse, not the whole string;
/// - `HexDecodeError(reason)` → [`Error::InvalidIntegrity`] with the reason
///   and no `input`.
///
/// # Examples
///
/// ```
/// use capcache::{Error, Integrity};
///
/// fn parse(text: &str) -> capcache::Result<Integrity> {
///     Ok(text.parse::<Integrity>()?)
/// }
///
/// match parse("md5-rL0Y20zC+Fzt72VPzMSk2A==") {
///     Err(Error::InvalidIntegrity { input, .. }) => assert_eq!(input.as_deref(), Some("md5")),
///     other => panic!("unexpected: {other:?}"),
/// }
///
/// let expected = Integrity::from(b"right");
/// let checked = ssri::IntegrityChecker::new(expected.clone())
///     .chain(b"wrong")
///     .result();
/// match checked.map_err(Error::from) {
///     Err(Error::IntegrityMismatch { expected: e, found, .. }) => {
///         assert_eq!(e, expected);
///         assert_eq!(found, Integrity::from(b"wrong"));
///     }
///     other => panic!("unexpected: {other:?}"),
/// }
/// ```
impl From<ssri::Error> for Error {
    fn from(err: ssri::Error) -> Self {
        match err {
            ssri::Error::IntegrityCheckError(expected, found) => Error::IntegrityMismatch {
                path: None,
                expected,
                found,
            },
            ssri::Error::ParseIntegrityError(part) => Error::InvalidIntegrity {
                input: Some(part),
                reason: "not `<algorithm>-<base64 digest>` with algorithm sha512, sha384, \
                         sha256, sha1 or xxh3"
                    .into(),
            },
            ssri::Error::HexDecodeError(reason) => Error::InvalidIntegrity {
                input: None,
                reason: format!("not a hexadecimal digest: {reason}"),
            },
        }
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> Self {
        let kind = match &err {
            Error::Io { source, .. } => source.kind(),
            Error::EntryNotFound { .. } | Error::ContentNotFound { .. } => io::ErrorKind::NotFound,
            Error::InvalidIntegrity { .. }
            | Error::MissingIntegrity { .. }
            | Error::InvalidKey { .. } => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, err)
    }
}

/// `miette::Diagnostic` (feature `miette`; miette 5, the major cacache-rs
/// 13 implements): a code per variant in cacache-rs's style
/// (`capcache::entry_not_found`, `capcache::integrity_mismatch`, …: the
/// variant's name in snake case), help where there is something to do, and
/// a link to the variant's documentation on docs.rs.
///
/// # Examples
///
/// ```
/// use miette::Diagnostic;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let err = capcache::read_sync(dir.path(), "no-such-key").unwrap_err();
/// assert_eq!(err.code().map(|c| c.to_string()).as_deref(), Some("capcache::entry_not_found"));
/// assert!(err.url().is_some_and(|u| u.to_string().ends_with("#variant.EntryNotFound")));
/// // So `?` turns it into a `miette::Report`:
/// let report: miette::Report = err.into();
/// assert!(report.to_string().contains("no-such-key"));
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "miette")]
impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("capcache::{}", self.names().1)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let help = match self {
            Error::EntryNotFound { .. } => {
                "nothing is stored under this key, or it was removed; `list_sync` (`capcache ls DIR`) lists the keys"
            }
            Error::ContentNotFound { .. } => {
                "the content is not in this cache: never written, or removed (gc, verify, remove_hash)"
            }
            Error::IntegrityMismatch { .. } | Error::SizeMismatch { .. } => {
                "the cached data is damaged or was changed outside the cache: write it again; `verify_sync` (`capcache verify DIR`) removes damaged content"
            }
            Error::InvalidIntegrity { .. } => {
                "an integrity string looks like `sha512-<base64 digest>` (see `Integrity`)"
            }
            Error::MissingIntegrity { .. } => {
                "give the entry's integrity with `WriteOpts::integrity`, or write the value itself with `write_sync`"
            }
            Error::BadIndex { .. } => "`verify_sync` (`capcache verify DIR`) rebuilds the index from its usable lines",
            Error::OutsideCache { .. } => {
                "open the cache with ambient authority (`Cache::open`, `CacheOptions::ambient_authority`) and enable the `link_to` feature to follow such links"
            }
            Error::InvalidKey { .. } | Error::Io { .. } => return None,
        };
        Some(Box::new(help))
    }

    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!(
            "https://docs.rs/capcache/{}/capcache/enum.Error.html#variant.{}",
            env!("CARGO_PKG_VERSION"),
            self.names().0
        )))
    }
}

#[cfg(feature = "miette")]
impl Error {
    /// The variant's name, and its diagnostic code after `capcache::`.
    fn names(&self) -> (&'static str, &'static str) {
        match self {
            Error::EntryNotFound { .. } => ("EntryNotFound", "entry_not_found"),
            Error::ContentNotFound { .. } => ("ContentNotFound", "content_not_found"),
            Error::IntegrityMismatch { .. } => ("IntegrityMismatch", "integrity_mismatch"),
            Error::SizeMismatch { .. } => ("SizeMismatch", "size_mismatch"),
            Error::InvalidIntegrity { .. } => ("InvalidIntegrity", "invalid_integrity"),
            Error::MissingIntegrity { .. } => ("MissingIntegrity", "missing_integrity"),
            Error::InvalidKey { .. } => ("InvalidKey", "invalid_key"),
            Error::BadIndex { .. } => ("BadIndex", "bad_index"),
            Error::OutsideCache { .. } => ("OutsideCache", "outside_cache"),
            Error::Io { .. } => ("Io", "io_error"),
        }
    }
}
