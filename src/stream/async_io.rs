//! The async stream types: [`Writer`] (`AsyncWrite`) and [`Reader`]
//! (`AsyncRead`), thin wrappers that run the blocking [`SyncWriter`] and
//! [`SyncReader`] off the executor thread (natively on smol's blocking pool,
//! inline on WASI, which has no threads). With the `tokio` feature they
//! implement tokio's `AsyncRead`/`AsyncWrite` too, by the same path: the
//! blocking pool is the `blocking` crate's own and needs no smol executor.

use std::io::{self, Read};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};
use ssri::{Algorithm, Integrity};

use super::{SyncReader, SyncWriter};
use crate::cache::IntoCache;
use crate::error::Result;
use crate::rt::asynchronous::{unblock_io as shim, Unblock as Shim};
use crate::write_opts::WriteOpts;

/// Writes a value into the cache piece by piece ([`AsyncWrite`]); the async
/// twin of [`SyncWriter`], with the same guarantees: nothing is visible
/// before [`Writer::commit`], a dropped writer leaves nothing behind, and
/// mismatched expectations fail the commit. With the `tokio` feature it
/// also implements `tokio::io::AsyncWrite` (see the impl for an example).
///
/// # Examples
///
/// ```
/// use futures_lite::io::AsyncWriteExt;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// smol::block_on(async {
///     let mut writer = capcache::Writer::create(dir, "k").await?;
///     writer.write_all(b"async bytes").await?;
///     let sri = writer.commit().await?;
///     assert_eq!(capcache::read_hash(dir, &sri).await?, b"async bytes");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok(())
/// # }
/// ```
pub struct Writer {
    inner: Shim<SyncWriter>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    pub(crate) fn new(sync: SyncWriter) -> Writer {
        Writer { inner: shim(sync) }
    }

    /// Starts a sha512 write under `key`.
    pub async fn create<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<Writer> {
        WriteOpts::new().open(cache, key).await
    }

    /// Starts a write under `key` hashed with `algo`.
    pub async fn create_with_algo<C: IntoCache, K: AsRef<str>>(
        algo: Algorithm,
        cache: C,
        key: K,
    ) -> Result<Writer> {
        WriteOpts::new().algorithm(algo).open(cache, key).await
    }

    /// Finishes the write: see [`SyncWriter::commit`].
    pub async fn commit(self) -> Result<Integrity> {
        let sync = self.inner.into_inner().await;
        crate::rt::asynchronous::run(move || sync.commit()).await
    }
}

impl AsyncWrite for Writer {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// Flushes only: closing the `Unblock` would drop the writer, and the
    /// data is still to be committed.
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
}

/// Reads a cached value piece by piece ([`AsyncRead`]), verifying it; the
/// async twin of [`SyncReader`]. Call [`Reader::check`] before trusting the
/// data.
///
/// The file is read and hashed on the blocking pool (inline on WASI) ahead
/// of the consumer; on a mismatch the final read fails with
/// [`io::ErrorKind::InvalidData`], as [`SyncReader`]'s does. With the
/// `tokio` feature `Reader` also implements `tokio::io::AsyncRead` (see the
/// impl for an example); import only one of the two `AsyncReadExt` traits
/// in a scope, or their methods are ambiguous.
///
/// # Examples
///
/// ```
/// use futures_lite::io::AsyncReadExt;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"streamed")?;
/// smol::block_on(async {
///     let mut reader = capcache::Reader::open(dir, "k").await?;
///     let mut data = Vec::new();
///     reader.read_to_end(&mut data).await?;
///     reader.check()?;
///     assert_eq!(data, b"streamed");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok(())
/// # }
/// ```
pub struct Reader {
    inner: Shim<Shared>,
    /// The same reader as in `inner`, for [`Reader::check`] to take back
    /// without awaiting the blocking task.
    sync: Shared,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

impl Reader {
    pub(crate) fn new(sync: SyncReader) -> Reader {
        let sync = Shared(Arc::new(Mutex::new(Some(sync))));
        Reader {
            inner: shim(sync.clone()),
            sync,
        }
    }

    /// Reports whether the data matched its integrity, returning the
    /// algorithm that verified it (cacache-rs's signature: a plain `fn`).
    ///
    /// Once the reader has reached the end of the value (a read returned 0
    /// bytes, or the last read failed with the mismatch), the data has been
    /// hashed already, off the executor thread: `check` only hands over
    /// the verdict, doing no I/O and no hashing. Called earlier, it waits
    /// for a read already under way on the pool (at most 1 MiB), then reads
    /// and hashes what is left on the calling thread, as
    /// [`SyncReader::check`] does, which blocks an executor for that long:
    /// read to the end first (`read_to_end`, `copy`, …) in async code.
    ///
    /// # Errors
    ///
    /// [`Error::IntegrityMismatch`](crate::Error::IntegrityMismatch) if the
    /// data did not match; [`Error::Io`](crate::Error::Io) if the rest
    /// could not be read.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::io::AsyncReadExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path();
    /// capcache::write_sync(dir, "k", b"checked")?;
    /// smol::block_on(async {
    ///     let mut reader = capcache::Reader::open(dir, "k").await?;
    ///     let mut data = String::new();
    ///     reader.read_to_string(&mut data).await?;
    ///     // Remember to check that the data you got was correct!
    ///     assert_eq!(reader.check()?, capcache::Algorithm::Sha512);
    ///     assert_eq!(data, "checked");
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn check(self) -> Result<Algorithm> {
        let Reader { inner, sync } = self;
        // Waits at most for a read in flight on the blocking pool; after
        // that the pool's task finds the reader gone and stops.
        let taken = sync.lock().take();
        drop(inner);
        taken
            .expect("only `check` takes the reader, and it consumes the Reader")
            .check()
    }
}

impl AsyncRead for Reader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

/// The [`SyncReader`] shared between the blocking task that reads it and
/// [`Reader::check`], which takes it back synchronously: `smol::Unblock`
/// gives its inner value back only through an `async fn`.
#[derive(Clone)]
struct Shared(Arc<Mutex<Option<SyncReader>>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Option<SyncReader>> {
        // A panic in a read leaves the reader as usable as any I/O error does.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.lock().as_mut() {
            Some(reader) => reader.read(buf),
            // Taken by `check`: nobody reads this stream any more.
            None => Ok(0),
        }
    }
}

#[cfg(feature = "tokio")]
mod tokio_io {
    //! tokio's I/O traits, by the same path as the futures-io ones.

    use std::io;
    use std::pin::Pin;
    use std::task::{ready, Context, Poll};

    use futures_lite::io::{AsyncRead, AsyncWrite};

    use super::{Reader, Writer};

    /// `tokio::io::AsyncRead` (feature `tokio`): the same verified stream as
    /// the futures-io impl, so `tokio::io::copy`, `read_to_end` and the
    /// other `tokio::io::AsyncReadExt` methods work under a tokio runtime.
    /// The file is still read and hashed on the blocking pool, not on
    /// tokio's threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio::io::AsyncReadExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().to_owned();
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// runtime.block_on(async {
    ///     capcache::write(&dir, "k", b"via tokio").await?;
    ///     let mut reader = capcache::Reader::open(&dir, "k").await?;
    ///     let mut data = Vec::new();
    ///     reader.read_to_end(&mut data).await?;
    ///     reader.check()?;
    ///     assert_eq!(data, b"via tokio");
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    impl tokio::io::AsyncRead for Reader {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let n = ready!(AsyncRead::poll_read(self, cx, buf.initialize_unfilled()))?;
            buf.advance(n);
            Poll::Ready(Ok(()))
        }
    }

    /// `tokio::io::AsyncWrite` (feature `tokio`): the same stream as the
    /// futures-io impl. `shutdown` only flushes, as `close` does: the value
    /// becomes visible with [`Writer::commit`], and a writer dropped without
    /// it leaves nothing behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use tokio::io::AsyncWriteExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().to_owned();
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// runtime.block_on(async {
    ///     let mut writer = capcache::Writer::create(&dir, "k").await?;
    ///     writer.write_all(b"via tokio").await?;
    ///     writer.shutdown().await?;
    ///     let sri = writer.commit().await?;
    ///     assert_eq!(capcache::read_hash(&dir, &sri).await?, b"via tokio");
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    impl tokio::io::AsyncWrite for Writer {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            AsyncWrite::poll_write(self, cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            AsyncWrite::poll_flush(self, cx)
        }

        /// Flushes only, as `poll_close` does.
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            AsyncWrite::poll_close(self, cx)
        }
    }
}
