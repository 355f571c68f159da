//! The operations, written once and compiled twice.
//!
//! Each file here holds one group of operations as `#[maybe] async fn`s.
//! `blocking` binds `maybe` to `maybe_async::must_be_sync` (which erases
//! `async` and `.await`) and `rt` to the inline shim; `asynchronous` binds
//! `maybe` to `must_be_async` and `rt` to the shim that moves the work off
//! the executor. The files import both from their parent and do not know
//! which one it is.
//!
//! Each operation moves its arguments into owned values and does all file
//! I/O and hashing inside one `rt::run` closure: one hop to the blocking
//! pool per call in the async build, none in the blocking build.

// `#[path]` takes a literal and rustfmt follows only declarations it can
// read, so each instantiation lists the files (relative to this folder).
pub(crate) mod blocking;

// Loading each file twice is the point: once per instantiation. Not when
// rustdoc collects doc tests: each example (which shows both forms) would
// run twice; the blocking instantiation stands in for names only then.
#[cfg(all(feature = "async", not(doctest)))]
#[allow(clippy::duplicate_mod)]
pub(crate) mod asynchronous;
#[cfg(all(feature = "async", doctest))]
pub(crate) use blocking as asynchronous;
