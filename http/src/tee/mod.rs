//! Tees: a response body handed on to the caller while it is written into
//! the cache, committed only at its end.

#[cfg(feature = "async")]
mod async_tee;
mod pool;
mod sink;
mod sync_tee;

#[cfg(feature = "async")]
pub use async_tee::Tee;
pub(crate) use sink::Sink;
pub use sync_tee::SyncTee;

/// Bytes a tee gathers before it writes them into the cache: capcache hashes
/// a write of at least 1 MiB on one thread while it writes the file on
/// another (one at a time otherwise, as on WASI), and one write per MiB
/// instead of one per chunk saves system calls. A blocking tee holds one
/// batch, an async one at most two (one being written, one being gathered).
pub(crate) const BATCH: usize = 1024 * 1024;
