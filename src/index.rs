//! The index alone: insert, find, delete, list and compact entries without
//! touching content.
//!
//! Names follow cacache-rs's `index` module: the plain names block, the
//! `_async` ones await.

use crate::cache::IntoCache;
pub use crate::engine::index::EntryIter;
#[cfg(feature = "async")]
pub use crate::engine::index::EntryStream;
use crate::engine::layout::Area;
use crate::error::Result;
use crate::format::IndexFormat;

/// cacache-rs's `index::Metadata`: the same type as [`crate::Metadata`].
pub use crate::metadata::Metadata;
/// cacache-rs's `index::RemoveOpts`: the same type as [`crate::RemoveOpts`].
pub use crate::remove_opts::RemoveOpts;

#[cfg(feature = "async")]
pub use crate::ops::asynchronous::metadata as find_async;
#[cfg(feature = "async")]
pub use crate::ops::asynchronous::{
    index_compact as compact_async, index_delete as delete_async, index_insert as insert_async,
};
pub use crate::ops::blocking::metadata as find;
pub use crate::ops::blocking::{
    index_compact as compact, index_delete as delete, index_insert as insert,
};

/// Iterates over every live entry in the cache (blocking).
///
/// The same as [`crate::list_sync`]: in no particular order, buckets read as
/// the iteration goes, and an unusable entry yielded as an `Err` without
/// ending the walk.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "a", b"1")?;
/// let keys: Vec<String> = capcache::index::ls(dir).map(|m| m.map(|m| m.key)).collect::<Result<_, _>>()?;
/// assert_eq!(keys, ["a"]);
/// # Ok(())
/// # }
/// ```
pub fn ls<C: IntoCache>(cache: C) -> EntryIter {
    EntryIter::new(cache.into_source())
}

/// Compile-time proof that listing results can cross threads.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<EntryIter>();
    send::<Result<Metadata>>();
};

/// Where `format` puts the bucket file that holds `key`'s entries, relative
/// to the cache root: `index-v5/<k[0..2]>/<k[2..4]>/<rest>`, `k` the key's
/// hex hash (SHA-256 for npm, SHA-1 for cacache-rs). With
/// [`crate::content_path`], for programs that move entries between caches
/// or stores.
///
/// # Examples
///
/// ```
/// use capcache::{index, IndexFormat};
/// let npm = index::bucket_path(IndexFormat::Npm, "k");
/// // sha256 of "k": 8254c329…
/// assert!(npm.starts_with("index-v5/82/54"));
/// assert_ne!(npm, index::bucket_path(IndexFormat::CacacheRs, "k"));
/// ```
pub fn bucket_path(format: IndexFormat, key: &str) -> std::path::PathBuf {
    std::path::Path::new(Area::Index.name()).join(format.bucket_rel(key))
}
