//! The async stream types: [`Writer`] (`AsyncWrite`) and [`Reader`]
//! (`AsyncRead`), thin wrappers that run the blocking [`SyncWriter`] and
//! [`SyncReader`] off the executor thread (natively on smol's blocking pool,
//! inline on WASI, which has no threads).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};
use ssri::{Algorithm, Integrity};

use super::{SyncReader, SyncWriter};
use crate::cache::IntoCache;
use crate::error::Result;
use crate::write_opts::WriteOpts;

#[cfg(not(target_family = "wasm"))]
pub(super) type Shim<T> = smol::Unblock<T>;

/// Bytes buffered between the executor and the blocking thread (smol's
/// default is 8 MiB per stream).
#[cfg(not(target_family = "wasm"))]
const BUFFER: usize = 1024 * 1024;

#[cfg(not(target_family = "wasm"))]
pub(super) fn shim<T>(io: T) -> Shim<T> {
    smol::Unblock::with_capacity(BUFFER, io)
}

#[cfg(target_family = "wasm")]
pub(super) fn shim<T>(io: T) -> Shim<T> {
    Inline(io)
}
#[cfg(target_family = "wasm")]
pub(super) type Shim<T> = Inline<T>;

/// Writes a value into the cache piece by piece ([`AsyncWrite`]); the async
/// twin of [`SyncWriter`], with the same guarantees: nothing is visible
/// before [`Writer::commit`], a dropped writer leaves nothing behind, and
/// mismatched expectations fail the commit.
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
///     reader.check().await?;
///     assert_eq!(data, b"streamed");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok(())
/// # }
/// ```
pub struct Reader {
    inner: Shim<SyncReader>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

impl Reader {
    pub(crate) fn new(sync: SyncReader) -> Reader {
        Reader { inner: shim(sync) }
    }

    /// Opens the value stored under `key`; see [`SyncReader::open`].
    pub async fn open<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<Reader> {
        crate::ops::asynchronous::open_reader(cache, key).await
    }

    /// Opens the content with integrity `sri`; see [`SyncReader::open_hash`].
    pub async fn open_hash<C: IntoCache>(cache: C, sri: Integrity) -> Result<Reader> {
        crate::ops::asynchronous::open_hash_reader(cache, sri).await
    }

    /// Reads what is left and reports whether the data matched its
    /// integrity; see [`SyncReader::check`].
    pub async fn check(self) -> Result<Algorithm> {
        let sync = self.inner.into_inner().await;
        crate::rt::asynchronous::run(move || sync.check()).await
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

/// WASI stand-in for `smol::Unblock`: does the blocking I/O inline.
#[cfg(target_family = "wasm")]
struct Inline<T>(T);

#[cfg(target_family = "wasm")]
impl<T> Inline<T> {
    async fn into_inner(self) -> T {
        self.0
    }
}

#[cfg(target_family = "wasm")]
impl<T: io::Write + Unpin> AsyncWrite for Inline<T> {
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

#[cfg(target_family = "wasm")]
impl<T: io::Read + Unpin> AsyncRead for Inline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.0.read(buf))
    }
}
