//! Tees: a response body handed on to the caller while it is written into
//! the cache, committed only at its end.

#[cfg(feature = "async")]
mod async_tee;
mod pool;
mod sync_tee;

#[cfg(feature = "async")]
pub(crate) use async_tee::Sink;
#[cfg(feature = "async")]
pub use async_tee::Tee;
pub use sync_tee::SyncTee;

use std::io;
use std::path::PathBuf;

use crate::error::Error;

/// Bytes a tee gathers before it writes them into the cache: capcache hashes
/// a write of at least 1 MiB on one thread while it writes the file on
/// another (one at a time otherwise, as on WASI), and one write per MiB
/// instead of one per chunk saves system calls. A blocking tee holds one
/// batch, an async one at most two (one being written, one being gathered).
pub(crate) const BATCH: usize = 1024 * 1024;

/// The error for a failed write of `key`'s body into the cache: capcache's
/// writers report it as an `io::Error` wrapping their own error (with the
/// temp file's path), which becomes [`Error::Cache`]; anything else is an
/// I/O error in the cache's `tmp` directory.
pub(crate) fn write_error(key: &str, err: io::Error) -> Error {
    match crate::error::take_inner::<capcache::Error>(err) {
        Ok(cache) => Error::cache(key.to_owned(), cache),
        Err(source) => Error::Io {
            path: PathBuf::from("tmp"),
            source,
        },
    }
}
