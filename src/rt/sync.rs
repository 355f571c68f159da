//! The blocking shim: run the work right here.

/// Runs `f` on the calling thread.
pub(crate) fn run<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Owned input for the work; the blocking build borrows nothing across
/// threads, so it keeps the caller's value as is (no copy).
pub(crate) fn owned<D>(data: D) -> D {
    data
}
