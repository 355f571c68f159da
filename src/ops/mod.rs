//! The operations, written once in `body.rs` and compiled twice.
//!
//! `blocking` binds `maybe` to `maybe_async::must_be_sync` (which erases
//! `async` and `.await`) and `rt` to the inline shim; `asynchronous` binds
//! `maybe` to `must_be_async` and `rt` to the shim that moves the work off the
//! executor. Nothing in `body.rs` knows which one it is.

pub(crate) mod blocking {
    use crate::rt::sync as rt;
    use maybe_async::must_be_sync as maybe;

    include!("body.rs");
}

#[cfg(feature = "async")]
pub(crate) mod asynchronous {
    use crate::rt::asynchronous as rt;
    use maybe_async::must_be_async as maybe;

    include!("body.rs");
}
