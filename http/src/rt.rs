//! Where the async API runs blocking store code: smol's blocking pool
//! natively (the one capcache uses), inline on WASI (no threads).

#[cfg(not(target_family = "wasm"))]
pub(crate) use blocking::{unblock as run, Unblock as Shim};

/// Runs `f` inline: WASI has no threads to hand it to.
#[cfg(target_family = "wasm")]
pub(crate) async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    f()
}

/// An `AsyncRead` over a blocking reader, reading inline (WASI).
#[cfg(target_family = "wasm")]
#[derive(Debug)]
pub(crate) struct Shim<T>(T);

#[cfg(target_family = "wasm")]
impl<T> Shim<T> {
    pub(crate) fn with_capacity(_capacity: usize, io: T) -> Shim<T> {
        Shim(io)
    }
}

#[cfg(target_family = "wasm")]
impl<T: std::io::Read + Unpin> futures_lite::AsyncRead for Shim<T> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(self.get_mut().0.read(buf))
    }
}
