//! Streaming access: [`SyncWriter`]/[`Writer`] and [`SyncReader`]/[`Reader`].
//!
//! The blocking types do the work (hashing as bytes pass); the async types
//! wrap them so every read, write and hash runs off the executor thread.

#[cfg(feature = "link_to")]
mod linker;
mod reader;
mod writer;

#[cfg(feature = "link_to")]
pub use linker::SyncToLinker;
#[cfg(all(feature = "link_to", feature = "async"))]
pub use linker::ToLinker;

pub use reader::SyncReader;
pub use writer::SyncWriter;

#[cfg(feature = "async")]
mod async_io;
#[cfg(feature = "async")]
pub use async_io::{Reader, Writer};
