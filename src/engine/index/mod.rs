//! The index engine: bucket files of entry lines, their lock, and the walk
//! over every bucket. The public `index` module is the façade over it.

pub(crate) mod bucket;
pub(crate) mod line;
mod list;
mod lock;

pub(crate) use lock::{IndexLock, LOCK_FILE};

pub use list::EntryIter;
#[cfg(feature = "async")]
pub use list::EntryStream;
