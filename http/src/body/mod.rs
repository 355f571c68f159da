//! Bodies read from the cache: verified as they stream, evicting their
//! entry when the check fails.

#[cfg(feature = "async")]
mod async_body;
mod sync_body;

#[cfg(feature = "async")]
pub use async_body::Body;
#[cfg(feature = "async")]
pub(crate) use async_body::CAPACITY;
pub use sync_body::SyncBody;
