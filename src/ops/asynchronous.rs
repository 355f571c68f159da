//! The operations compiled async: `maybe` keeps `async`, `rt::run` moves
//! the work off the executor. (`blocking.rs` lists the same files.)

use crate::rt::asynchronous as rt;
use maybe_async::must_be_async as maybe;

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
