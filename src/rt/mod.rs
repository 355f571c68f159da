//! Runtime shims: how the one maybe-async body runs blocking work.
//!
//! The body calls `rt::run(move || work).await`; in the blocking build the
//! `.await` is erased and `run` calls the closure, in the async build `run`
//! moves it off the executor thread.

pub(crate) mod sync;

#[cfg(feature = "async")]
pub(crate) mod asynchronous;
