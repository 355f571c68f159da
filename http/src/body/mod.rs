//! Bodies read from the cache: verified as they stream, evicting their
//! entry when the check fails.

#[cfg(feature = "async")]
mod async_body;
mod sync_body;

#[cfg(feature = "async")]
pub use async_body::Body;
pub use sync_body::SyncBody;
