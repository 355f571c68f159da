//! The index alone: insert, find, delete, list and compact entries without
//! touching content.
//!
//! Names follow cacache-rs's `index` module: the plain names block, the
//! `_async` ones await.

use crate::cache::IntoCache;
use crate::engine::index::line;
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
    let source = cache.into_source();
    EntryIter::new(move || Ok(source.open_existing()?.map(|c| c.store().clone())))
}

/// Checks `key` the way every operation that takes a key does, without
/// touching the disk: [`Error::InvalidKey`](crate::Error::InvalidKey) for a key the index refuses
/// (the empty key, whose line a reader could not tell from damage), `Ok`
/// for any other.
///
/// For code that must know before it starts a write, such as a stream that
/// tees a body into the cache and should not begin one it cannot finish.
///
/// # Examples
///
/// ```
/// assert!(capcache::index::check_key("https://example.com/").is_ok());
/// assert!(matches!(
///     capcache::index::check_key(""),
///     Err(capcache::Error::InvalidKey { .. })
/// ));
/// ```
pub fn check_key(key: &str) -> Result<()> {
    crate::engine::index::bucket::check_key(key)
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

/// One entry line of a bucket file, as npm's cacache and cacache-rs write
/// them: `"\n" + hash(json) + "\t" + json`, where the hash (its kind set by
/// the [`IndexFormat`]) guards the JSON against torn and garbled appends.
///
/// For programs that carry entries between caches and stores (the remote
/// tier keeps one line per object); a cache's own entries are read with
/// [`find`] and [`crate::list_sync`] and written with [`insert`].
///
/// # Examples
///
/// ```
/// use capcache::{index::Line, IndexFormat};
/// let line = Line::tombstone("k", 42);
/// let bytes = line.encode(IndexFormat::Npm);
/// assert_eq!(Line::decode(IndexFormat::Npm, &bytes).last(), Some(line));
/// // The other format's hash does not match: the line is not read.
/// assert_eq!(Line::decode(IndexFormat::CacacheRs, &bytes).count(), 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Line {
    /// The entry's key.
    pub key: String,
    /// The content's integrity as written; `None` records a removal (a
    /// tombstone).
    pub integrity: Option<String>,
    /// When the entry was written, in milliseconds since the Unix epoch.
    pub time: u128,
    /// The content's size, when the writer recorded one.
    pub size: Option<u64>,
    /// The entry's JSON metadata.
    pub metadata: serde_json::Value,
    /// cacache-rs's raw metadata bytes.
    pub raw_metadata: Option<Vec<u8>>,
}

impl Line {
    /// The line that records the entry `meta`.
    pub fn live(meta: &Metadata) -> Line {
        Line {
            key: meta.key.clone(),
            integrity: Some(meta.integrity.to_string()),
            time: meta.time,
            size: Some(meta.size as u64),
            metadata: meta.metadata.clone(),
            raw_metadata: meta.raw_metadata.clone(),
        }
    }

    /// The line that records the removal of `key` at `time`.
    pub fn tombstone(key: impl Into<String>, time: u128) -> Line {
        Line {
            key: key.into(),
            integrity: None,
            time,
            size: None,
            metadata: serde_json::Value::Null,
            raw_metadata: None,
        }
    }

    /// The line as `format` writes it, leading newline included (ready to
    /// append to a bucket file).
    pub fn encode(&self, format: IndexFormat) -> Vec<u8> {
        line::encode(format, &self.clone().into())
    }

    /// Every valid line of `bytes` (a bucket file, or one line), in order.
    /// A line whose hash does not match its JSON, or that is not an entry,
    /// is skipped without hiding later ones.
    pub fn decode(format: IndexFormat, bytes: &[u8]) -> impl Iterator<Item = Line> + '_ {
        line::decode(format, bytes).map(Line::from)
    }
}

impl From<line::RawEntry> for Line {
    fn from(raw: line::RawEntry) -> Line {
        Line {
            key: raw.key,
            integrity: raw.integrity,
            time: raw.time,
            size: raw.size,
            metadata: raw.metadata,
            raw_metadata: raw.raw_metadata,
        }
    }
}

impl From<Line> for line::RawEntry {
    fn from(line: Line) -> line::RawEntry {
        line::RawEntry {
            key: line.key,
            integrity: line.integrity,
            time: line.time,
            size: line.size,
            metadata: line.metadata,
            raw_metadata: line.raw_metadata,
        }
    }
}
