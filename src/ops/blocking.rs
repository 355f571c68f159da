//! The operations compiled blocking: `maybe` erases `async` and `.await`,
//! `rt::run` calls its closure. (`asynchronous.rs` lists the same files.)

use maybe_async::must_be_sync as maybe;

/// The runtime shim and the streaming types of the blocking API.
mod rt {
    pub(crate) use crate::rt::sync::*;
    #[cfg(feature = "link_to")]
    use crate::stream::SyncToLinker;
    use crate::stream::{SyncReader, SyncWriter};

    pub(crate) type Writer = SyncWriter;
    pub(crate) type Reader = SyncReader;
    #[cfg(feature = "link_to")]
    pub(crate) type Linker = SyncToLinker;

    /// The blocking types are the API's own: nothing to wrap.
    pub(crate) fn writer(sync: SyncWriter) -> Writer {
        sync
    }

    pub(crate) fn reader(sync: SyncReader) -> Reader {
        sync
    }

    #[cfg(feature = "link_to")]
    pub(crate) fn linker(sync: SyncToLinker) -> Linker {
        sync
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
