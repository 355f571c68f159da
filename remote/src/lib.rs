//! A verified shared tier for [capcache] on object stores, through
//! [Apache OpenDAL](opendal): S3, GCS, Azure Blob, the GitHub Actions
//! cache, a filesystem, memory, ...
//!
//! A [`RemoteCache`] layers a local [`capcache::Cache`] over an
//! [`opendal::Operator`]. Reads are served locally, or fetched from the
//! store, **verified** against the entry's integrity while they stream into
//! the local cache, and served from the local copy; damaged or missing
//! remote data is a [`Lookup::RemoteError`], never a hit and never a plain
//! miss. Writes are local first, then uploaded in the background (content
//! before the index entry that refers to it) through a bounded queue.
//!
//! The remote layout is capcache's (`content-v2/...`, immutable, named by
//! hash) with one immutable index object per entry version instead of
//! append-only bucket files; see the crate's README for the layout,
//! verification, queue, runtime and lifecycle rules.
//!
//! # Examples
//!
//! ```
//! use capcache_remote::{Lookup, RemoteCache, Source};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
//! let store = capcache_remote::operator("memory", [])?;
//! let ci_1 = RemoteCache::new(capcache::Cache::open(a.path())?, store.clone())?;
//! ci_1.put_sync("build/abc", b"artifact")?;
//! ci_1.flush_sync()?;
//!
//! let ci_2 = RemoteCache::new(capcache::Cache::open(b.path())?, store)?;
//! let hit = ci_2.get_sync("build/abc")?;
//! assert_eq!(hit.source(), Some(Source::Remote));
//! assert_eq!(hit.into_value(), Some(b"artifact".to_vec()));
//! # Ok(())
//! # }
//! ```
//!
//! # Cargo features
//!
//! - `fs` (default): OpenDAL's filesystem service.
//! - `s3`: OpenDAL's S3 service with its reqwest/rustls HTTP client (about
//!   100 more crates, hence opt-in).
//! - `cli`: the `capcache-remote` binary (push, pull, gc, stat).
//!
//! The memory service is always there.
#![warn(missing_docs, missing_debug_implementations)]

mod cache;
mod error;
mod layout;
mod line;
mod lookup;
mod maint;
mod options;
mod queue;
mod runtime;
mod stats;
mod store;

pub use cache::RemoteCache;
pub use error::{Error, Result};
pub use lookup::{Lookup, Source};
pub use maint::{GcOptions, GcStats, PullStats, PushStats, RemoteStat};
pub use options::{IndexMode, QueuePolicy, RemoteOptions};
pub use stats::Stats;

/// Re-exported so callers name the same OpenDAL as this crate.
pub use opendal;

/// Builds an operator for an OpenDAL service `scheme` (`"memory"`, `"fs"`,
/// `"s3"`, ... as enabled by this crate's features) from `key=value`
/// options, after registering the services and the HTTP client.
///
/// # Errors
///
/// [`Error::Config`] for an unknown scheme or a refused option.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let root = dir.path().to_string_lossy().into_owned();
/// let op = capcache_remote::operator("fs", [("root".to_owned(), root)])?;
/// assert_eq!(op.info().scheme(), "fs");
/// # Ok(())
/// # }
/// ```
pub fn operator(
    scheme: &str,
    options: impl IntoIterator<Item = (String, String)>,
) -> Result<opendal::Operator> {
    opendal::install_default();
    opendal::Operator::via_iter(scheme, options).map_err(|e| Error::Config {
        reason: format!("cannot build a {scheme:?} operator"),
        source: Some(Box::new(e)),
    })
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Compile-time proof that handles and futures can cross threads.
#[allow(dead_code)]
fn assert_thread_safety(cache: &RemoteCache) {
    fn send_sync<T: Send + Sync + Clone>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<RemoteCache>();
    send(&cache.get("k"));
    send(&cache.put("k", b"v"));
    send(&cache.flush());
}
