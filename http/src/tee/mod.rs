//! Tees: a response body handed on to the caller while it is written into
//! the cache, committed only at its end.

#[cfg(feature = "async")]
mod async_tee;
mod sync_tee;

#[cfg(feature = "async")]
pub use async_tee::Tee;
pub use sync_tee::SyncTee;

use std::io;
use std::path::PathBuf;

use crate::error::Error;

/// The error for a failed write into the cache's temp file (capcache's
/// writers report it as an `io::Error` wrapping their own error, which
/// stays reachable as the source).
pub(crate) fn write_error(err: io::Error) -> Error {
    Error::Io {
        path: PathBuf::from("tmp"),
        source: err,
    }
}
