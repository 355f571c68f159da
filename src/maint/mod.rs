//! Maintenance: [`verify`](crate::verify_sync) (re-hash, repair, reclaim)
//! and [`gc`](crate::gc_sync) (evict by size and age).

pub(crate) mod gc;
pub(crate) mod purge;
pub(crate) mod sweep;
pub(crate) mod verify;
mod walk;

pub use gc::{GcOpts, GcStats};
pub use verify::{Phase, Progress, VerifyOpts, VerifyStats};
