//! Overlapping a large copy with hashing.
//!
//! Hashing (sha512: about 500 MB/s here) bounds large reads and writes; the
//! file write or memory copy that goes with it would add a third on top if
//! done after it. Above [`PARALLEL_MIN`] bytes the two run on two threads.
//! WASI preview 1 has no threads: there they run one after the other.

/// Below this, a thread costs more than it saves.
#[cfg_attr(target_family = "wasm", allow(dead_code))]
pub(crate) const PARALLEL_MIN: usize = 1024 * 1024;

/// Runs `side` and `main` and returns both results; concurrently (`side` on a
/// scoped thread) when `len` is at least [`PARALLEL_MIN`] and threads exist.
pub(crate) fn join<A, B>(
    len: usize,
    side: impl FnOnce() -> A + Send,
    main: impl FnOnce() -> B,
) -> (A, B)
where
    A: Send,
{
    #[cfg(not(target_family = "wasm"))]
    if len >= PARALLEL_MIN {
        return std::thread::scope(|scope| {
            let handle = scope.spawn(side);
            let b = main();
            match handle.join() {
                Ok(a) => (a, b),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
    }
    let _ = len;
    (side(), main())
}
