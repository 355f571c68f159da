//! The operations compiled async: `maybe` keeps `async`, `rt::run` moves
//! the work off the executor. (`blocking.rs` lists the same files.)

use maybe_async::must_be_async as maybe;

/// The runtime shim and the streaming types of the async API.
mod rt {
    pub(crate) use crate::rt::asynchronous::*;
    pub(crate) use crate::stream::{Reader, SyncReader, SyncWriter, Writer};
    #[cfg(feature = "link_to")]
    pub(crate) use crate::stream::{SyncToLinker, ToLinker as Linker};

    /// Wraps a blocking writer so its I/O runs off the executor.
    pub(crate) fn writer(sync: SyncWriter) -> Writer {
        Writer::new(sync)
    }

    /// Wraps a blocking reader so its I/O runs off the executor.
    pub(crate) fn reader(sync: SyncReader) -> Reader {
        Reader::new(sync)
    }

    /// Wraps a blocking linker so its I/O runs off the executor.
    #[cfg(feature = "link_to")]
    pub(crate) fn linker(sync: SyncToLinker) -> Linker {
        Linker::new(sync)
    }
}

#[path = "export.rs"]
mod export;
#[path = "index.rs"]
mod index;
#[cfg(feature = "link_to")]
#[path = "link.rs"]
mod link;
#[path = "maint.rs"]
mod maint;
#[path = "read.rs"]
mod read;
#[path = "remove.rs"]
mod remove;
#[path = "stream.rs"]
mod stream;
#[path = "write.rs"]
mod write;

#[cfg(feature = "link_to")]
pub use link::*;
#[allow(unused_imports)]
pub use {export::*, index::*, maint::*, read::*, remove::*, stream::*, write::*};
