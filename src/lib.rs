//! A content-addressable key/value disk cache that touches the filesystem
//! only through a [`cap_std::fs::Dir`] capability, shares its on-disk format
//! with npm's `cacache` (and reads and writes `cacache-rs` caches), and runs
//! under WASI.
//!
//! Values are stored once per content hash under `content-v2/`; keys map to
//! content through append-only bucket files under `index-v5/`. Every read is
//! verified against the content's integrity: damaged data is an error, never
//! a result.
//!
//! Every operation exists as a blocking function (`read_sync`) and, with the
//! `async` feature, as an async one (`read`) that runs its file I/O and
//! hashing off the executor thread. Both come from one source. Each is a
//! free function taking a path or a [`Cache`], and a method on [`Cache`].
//!
//! # Examples
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let tmp = tempfile::tempdir()?;
//! # let dir = tmp.path();
//! let sri = capcache::write_sync(dir, "my-key", b"hello world")?;
//! assert_eq!(capcache::read_sync(dir, "my-key")?, b"hello world");
//! assert_eq!(capcache::read_hash_sync(dir, &sri)?, b"hello world");
//!
//! #[cfg(feature = "async")]
//! smol::block_on(async {
//!     let data = capcache::read(dir, "my-key").await?;
//!     assert_eq!(data, b"hello world");
//!     Ok::<_, capcache::Error>(())
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! # Cargo features
//!
//! - `async` (default): the async API, on smol's blocking pool natively and
//!   inline on WASI. Without it no async runtime is in the dependency tree.
//! - `mmap` (default): memory-map large content files on whole-value reads
//!   (native targets; on WASI it compiles and reads with buffers).
//! - `link_to`: add existing files to the cache by symlink
//!   (`link_to_sync`), checked on every read.
//! - `tokio` (implies `async`): tokio's `AsyncRead`/`AsyncWrite` on the
//!   async streams (`Reader`/`Writer`), for cacache-rs's `tokio-runtime`
//!   users; tokio's traits only, no runtime. The file work still runs on the
//!   blocking pool, so any runtime can drive it.
//! - `miette`: `miette::Diagnostic` (miette 5, as cacache-rs 13) for
//!   [`Error`], with a `capcache::…` code per variant.
#![warn(missing_docs, missing_debug_implementations)]

mod cache;
mod clear;
mod engine;
mod error;
mod export;
mod format;
pub mod index;
#[cfg(feature = "link_to")]
mod link;
mod maint;
mod metadata;
mod ops;
mod registry;
mod remove_opts;
mod rt;
mod stream;
mod write_opts;

/// Helpers for the unit tests.
#[cfg(test)]
mod testing {
    /// A temporary directory and a capability for it. WASI has no temp dir
    /// of its own: there the test runner preopens one at
    /// `$CAPCACHE_TEST_TMP`.
    pub(crate) fn tempdir() -> (tempfile::TempDir, cap_std::fs::Dir) {
        let dir = match std::env::var_os("CAPCACHE_TEST_TMP") {
            Some(base) => tempfile::tempdir_in(base),
            None => tempfile::tempdir(),
        }
        .expect("create a temp dir");
        let cap = cap_std::fs::Dir::open_ambient_dir(dir.path(), cap_std::ambient_authority())
            .expect("open the temp dir");
        (dir, cap)
    }
}

#[doc(hidden)]
pub use cache::CacheSource;
pub use cache::{Cache, CacheOptions, IntoCache};
pub use error::{Error, Result};
pub use export::Export;
pub use format::IndexFormat;
pub use index::EntryIter;
pub use maint::{GcOpts, GcStats, Phase, Progress, VerifyOpts, VerifyStats};
pub use metadata::Metadata;
pub use remove_opts::RemoveOpts;
pub use serde_json::Value;
pub use ssri::{Algorithm, Integrity};
#[cfg(feature = "link_to")]
pub use stream::SyncToLinker;
#[cfg(all(feature = "link_to", feature = "async"))]
pub use stream::ToLinker;
#[cfg(feature = "async")]
pub use stream::{Reader, Writer};
pub use stream::{SyncReader, SyncWriter};
pub use write_opts::WriteOpts;

#[cfg(feature = "async")]
pub use ops::asynchronous::{
    clear, exists, metadata, read, read_hash, remove, remove_hash, try_exists, write, write_hash,
    write_hash_with_algo, write_with_algo, write_with_opts,
};
#[cfg(feature = "async")]
pub use ops::asynchronous::{
    copy, copy_hash, copy_hash_to_dir, copy_hash_unchecked, copy_to_dir, copy_unchecked, hard_link,
    hard_link_hash, hard_link_hash_unchecked, hard_link_unchecked, reflink, reflink_hash,
    reflink_hash_unchecked, reflink_or_copy, reflink_or_copy_hash, reflink_unchecked,
};
#[cfg(feature = "async")]
pub use ops::asynchronous::{gc, last_verified, verify};
#[cfg(all(feature = "link_to", feature = "async"))]
pub use ops::asynchronous::{link_to, link_to_hash};
/// cacache-rs's spelling of [`write_hash_with_algo_sync`].
pub use ops::blocking::write_hash_with_algo as write_hash_sync_with_algo;
/// cacache-rs's spelling of [`write_with_algo_sync`].
pub use ops::blocking::write_with_algo as write_sync_with_algo;
pub use ops::blocking::{
    clear as clear_sync, exists as exists_sync, metadata as metadata_sync, read as read_sync,
    read_hash as read_hash_sync, remove as remove_sync, remove_hash as remove_hash_sync,
    try_exists as try_exists_sync, write as write_sync, write_hash as write_hash_sync,
    write_hash_with_algo as write_hash_with_algo_sync, write_with_algo as write_with_algo_sync,
    write_with_opts as write_with_opts_sync,
};
pub use ops::blocking::{
    copy as copy_sync, copy_hash as copy_hash_sync, copy_hash_to_dir as copy_hash_to_dir_sync,
    copy_hash_unchecked as copy_hash_unchecked_sync, copy_to_dir as copy_to_dir_sync,
    copy_unchecked as copy_unchecked_sync, hard_link as hard_link_sync,
    hard_link_hash as hard_link_hash_sync,
    hard_link_hash_unchecked as hard_link_hash_unchecked_sync,
    hard_link_unchecked as hard_link_unchecked_sync, reflink as reflink_sync,
    reflink_hash as reflink_hash_sync, reflink_hash_unchecked as reflink_hash_unchecked_sync,
    reflink_or_copy as reflink_or_copy_sync, reflink_or_copy_hash as reflink_or_copy_hash_sync,
    reflink_unchecked as reflink_unchecked_sync,
};
pub use ops::blocking::{
    gc as gc_sync, last_verified as last_verified_sync, verify as verify_sync,
};
#[cfg(feature = "link_to")]
pub use ops::blocking::{link_to as link_to_sync, link_to_hash as link_to_hash_sync};

mod methods;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Iterates over every live entry in the cache (blocking).
///
/// In no particular order; buckets are read as the iteration goes (by a
/// walker thread per core in a large cache, with a bounded hand-over, so
/// memory stays flat: see [`EntryIter`]). An unusable entry is yielded as
/// an `Err` and the walk goes on.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "a", b"1")?;
/// capcache::write_sync(dir, "b", b"2")?;
/// let mut keys: Vec<String> = capcache::list_sync(dir)
///     .map(|entry| entry.map(|m| m.key))
///     .collect::<Result<_, _>>()?;
/// keys.sort();
/// assert_eq!(keys, ["a", "b"]);
/// # Ok(())
/// # }
/// ```
pub fn list_sync<C: IntoCache>(cache: C) -> EntryIter {
    index::ls(cache)
}

/// A stream of every live entry in the cache; the walk runs off the executor
/// thread.
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "a", b"1")?;
/// smol::block_on(async {
///     let entries: Vec<_> = capcache::list(dir).collect().await;
///     assert_eq!(entries.len(), 1);
/// });
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "async")]
pub fn list<C: IntoCache>(cache: C) -> index::EntryStream {
    index::EntryStream::new(index::ls(cache))
}

/// Compile-time proof of the thread-safety promises in the docs: `Cache`
/// is `Send + Sync + Clone` and the async API's futures and streams are `Send`,
/// so any executor can run them.
#[allow(dead_code)]
fn assert_thread_safety(cache: &Cache) {
    fn send_sync<T: Send + Sync + Clone>() {}
    send_sync::<Cache>();
    #[cfg(feature = "async")]
    {
        fn send<T: Send>(_: &T) {}
        send(&read(cache, "k"));
        send(&write(cache, "k", b"v"));
        send(&cache.read("k"));
        send(&list(cache));
    }
    let _ = cache;
}

/// Where npm's layout puts the content file for `sri`, relative to the
/// cache root: `content-v2/<algorithm>/<h[0..2]>/<h[2..4]>/<rest of the hex
/// digest>`, for the strongest hash of `sri`.
///
/// For programs that move content between caches or stores (the path is
/// the same in every cacache-format cache, and immutable). The file exists
/// only while the content is stored; read it through a cache
/// ([`read_hash_sync`]) to have it verified.
///
/// # Errors
///
/// [`Error::InvalidIntegrity`] when `sri` cannot name content: no hash, a
/// digest that is not base64 of its algorithm's length, or an algorithm the
/// cache does not store. So the path is always hex digits under
/// `content-v2/<algorithm>/`, whatever the integrity string held.
///
/// # Examples
///
/// ```
/// // sha256 of "hello world"
/// let sri: capcache::Integrity = "sha256-uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=".parse()?;
/// let path = capcache::content_path(&sri)?;
/// let hex = "27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
/// assert_eq!(path, std::path::Path::new("content-v2/sha256/b9/4d").join(hex));
/// assert!(capcache::content_path(&"sha256-c2hvcnQ=".parse()?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn content_path(sri: &Integrity) -> Result<std::path::PathBuf> {
    let rel = engine::content::content_path(sri)?;
    Ok(std::path::Path::new(engine::layout::Area::Content.name()).join(rel))
}
