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

/// Blocking I/O (`io::Read`, `io::Write`) or an iterator made async: on
/// smol's blocking pool natively, run inline when polled on WASI. The one
/// place that choice is made for the stream types.
#[cfg(not(target_family = "wasm"))]
pub(crate) type Unblock<T> = smol::Unblock<T>;

/// Bytes buffered between the executor and the blocking thread (smol's
/// default is 8 MiB per stream).
#[cfg(not(target_family = "wasm"))]
const BUFFER: usize = 1024 * 1024;

/// Blocking I/O made async (see [`Unblock`]).
#[cfg(not(target_family = "wasm"))]
pub(crate) fn unblock_io<T>(io: T) -> Unblock<T> {
    smol::Unblock::with_capacity(BUFFER, io)
}

/// A blocking iterator made a stream (see [`Unblock`]).
#[cfg(not(target_family = "wasm"))]
pub(crate) fn unblock_iter<I>(iter: I) -> Unblock<I>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    smol::Unblock::new(iter)
}

#[cfg(target_family = "wasm")]
pub(crate) use inline::{unblock_io, unblock_iter, Unblock};

/// WASI stand-in for `smol::Unblock`: no threads, so the blocking call runs
/// when the future is polled.
#[cfg(target_family = "wasm")]
mod inline {
    use std::io::{self, Read, Write};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_lite::io::{AsyncRead, AsyncWrite};

    pub(crate) struct Unblock<T>(T);

    pub(crate) fn unblock_io<T>(io: T) -> Unblock<T> {
        Unblock(io)
    }

    pub(crate) fn unblock_iter<I: Iterator>(iter: I) -> Unblock<I> {
        Unblock(iter)
    }

    impl<T> Unblock<T> {
        pub(crate) async fn into_inner(self) -> T {
            self.0
        }
    }

    impl<T: Write + Unpin> AsyncWrite for Unblock<T> {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(self.0.write(buf))
        }

        fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(self.0.flush())
        }

        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.poll_flush(cx)
        }
    }

    impl<T: Read + Unpin> AsyncRead for Unblock<T> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(self.0.read(buf))
        }
    }

    impl<I: Iterator + Unpin> futures_lite::Stream for Unblock<I> {
        type Item = I::Item;

        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
            Poll::Ready(self.0.next())
        }
    }
}
