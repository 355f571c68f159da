//! The index alone: insert, find, delete, list and compact entries without
//! touching content.
//!
//! Names follow cacache-rs's `index` module: the plain names block, the
//! `_async` ones await.

use crate::cache::IntoCache;
pub use crate::engine::index::EntryIter;
#[cfg(feature = "async")]
pub use crate::engine::index::EntryStream;
use crate::error::Result;

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
