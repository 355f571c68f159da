//! The async shim: file I/O and hashing never run on the executor thread.
//!
//! Natively the work goes to smol's blocking thread pool. WASI preview 1 has
//! no threads, so there the work runs inline when the future is polled.

/// Runs `f` on smol's blocking pool and awaits its result.
#[cfg(not(target_family = "wasm"))]
pub(crate) async fn run<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    smol::unblock(f).await
}

/// Runs `f` inline: WASI preview 1 has no threads to move it to.
#[cfg(target_family = "wasm")]
pub(crate) async fn run<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    f()
}

/// An owned copy of byte input, so the work can move to another thread.
pub(crate) fn owned<D: AsRef<[u8]>>(data: D) -> Vec<u8> {
    data.as_ref().to_vec()
}

/// A stream over a blocking iterator, advanced off the executor thread.
#[cfg(not(target_family = "wasm"))]
pub(crate) fn stream<I>(iter: I) -> smol::Unblock<I>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    smol::Unblock::new(iter)
}

/// A stream over a blocking iterator, advanced inline (no threads on WASI).
#[cfg(target_family = "wasm")]
pub(crate) fn stream<I: Iterator>(iter: I) -> futures_lite::stream::Iter<I> {
    futures_lite::stream::iter(iter)
}

/// The streaming writer type of the async API.
pub(crate) type Writer = crate::stream::Writer;
/// The streaming reader type of the async API.
pub(crate) type Reader = crate::stream::Reader;

/// Wraps a blocking writer so its I/O runs off the executor.
pub(crate) fn writer(sync: crate::stream::SyncWriter) -> Writer {
    crate::stream::Writer::new(sync)
}

/// Wraps a blocking reader so its I/O runs off the executor.
pub(crate) fn reader(sync: crate::stream::SyncReader) -> Reader {
    crate::stream::Reader::new(sync)
}
