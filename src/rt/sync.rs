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

/// The streaming writer type of the blocking API.
pub(crate) type Writer = crate::stream::SyncWriter;
/// The streaming reader type of the blocking API.
pub(crate) type Reader = crate::stream::SyncReader;

/// Wraps a blocking writer for this API: nothing to do.
pub(crate) fn writer(sync: crate::stream::SyncWriter) -> Writer {
    sync
}

/// The streaming linker type of the blocking API.
#[cfg(feature = "link_to")]
pub(crate) type Linker = crate::stream::SyncToLinker;

/// Wraps a blocking linker for this API: nothing to do.
#[cfg(feature = "link_to")]
pub(crate) fn linker(sync: crate::stream::SyncToLinker) -> Linker {
    sync
}

/// Wraps a blocking reader for this API: nothing to do.
pub(crate) fn reader(sync: crate::stream::SyncReader) -> Reader {
    sync
}
