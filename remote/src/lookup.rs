//! [`Lookup`]: the outcome of a read-through, with remote failures kept
//! apart from misses.

use crate::error::Error;

/// Where a hit was served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The local cache already had it.
    Local,
    /// Fetched from the remote, verified into the local cache, and served
    /// from the local copy.
    Remote,
}

/// The outcome of a read through a [`RemoteCache`](crate::RemoteCache).
///
/// A remote failure (I/O, a timeout, content that fails verification, an
/// entry whose content is gone) is [`Lookup::RemoteError`], never a
/// [`Lookup::Miss`] and never served: callers that only want a value treat
/// both as "compute it", and can log or alert on the error.
///
/// # Examples
///
/// ```
/// use capcache_remote::{Lookup, Source};
///
/// let hit: Lookup<Vec<u8>> = Lookup::Hit { value: b"v".to_vec(), source: Source::Local };
/// assert!(hit.is_hit());
/// assert_eq!(hit.into_value(), Some(b"v".to_vec()));
/// assert_eq!(Lookup::<Vec<u8>>::Miss.into_value(), None);
/// ```
#[derive(Debug)]
pub enum Lookup<T> {
    /// Found and verified.
    Hit {
        /// The value (or its metadata).
        value: T,
        /// Where it came from.
        source: Source,
    },
    /// Neither the local cache nor the remote has the key (or it was removed).
    Miss,
    /// The local cache lacks the key and the remote failed: nothing served.
    RemoteError(Error),
}

impl<T> Lookup<T> {
    /// Whether this is a hit.
    pub fn is_hit(&self) -> bool {
        matches!(self, Lookup::Hit { .. })
    }

    /// The value of a hit.
    pub fn into_value(self) -> Option<T> {
        match self {
            Lookup::Hit { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Where a hit came from.
    pub fn source(&self) -> Option<Source> {
        match self {
            Lookup::Hit { source, .. } => Some(*source),
            _ => None,
        }
    }

    /// The error of a [`Lookup::RemoteError`].
    pub fn remote_error(&self) -> Option<&Error> {
        match self {
            Lookup::RemoteError(e) => Some(e),
            _ => None,
        }
    }
}
