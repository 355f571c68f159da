//! [`Body`]: a cached body as an `AsyncRead`.

use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncReadExt};

use super::SyncBody;
use crate::rt::{self, Shim};

/// Read-ahead of the blocking pool per body; also the largest body read
/// whole in the lookup's hop (one trip to the pool instead of two).
pub(crate) const CAPACITY: usize = 64 * 1024;

/// The most [`Body::bytes`] reserves up front from an entry's recorded size.
const WHOLE_CAPACITY_MAX: u64 = 64 << 20;

/// A cached body as a `futures::AsyncRead`: a [`SyncBody`] whose reads run
/// on smol's blocking pool (inline on WASI), so hashing and file I/O never
/// block the executor. A body whose entry records a size of 1 byte to
/// 64 KiB is read and checked whole in the lookup's trip to the pool and
/// served from memory (an entry whose recorded size is wrong is damage,
/// found at the end of that read); a larger one is read ahead 64 KiB at a
/// time from its first read, or whole in one trip by [`Body::bytes`].
/// Verified and evicting as [`SyncBody`]: the read that reaches the end
/// fails with `InvalidData` wrapping
/// [`Error::Damaged`](crate::Error::Damaged) on damage.
///
/// # Examples
///
/// ```
/// use futures_lite::AsyncReadExt;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let store = capcache_http::HttpStore::open(tmp.path())?;
/// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
/// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
/// futures_lite::future::block_on(async {
///     store.store_bytes("k", &Default::default(), &policy, b"hello").await?;
///     let mut body = store.get("k").await?.expect("stored").body;
///     let mut text = String::new();
///     body.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Body {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    /// Not read from yet: [`Body::bytes`] reads it whole in one trip to the
    /// blocking pool, a first read starts streaming it. `size` is the
    /// entry's recorded size (0 when unknown).
    Unread { sync: SyncBody, size: u64 },
    /// Streamed from the blocking pool.
    Streaming(Shim<SyncBody>),
    /// A small body already read (and checked) in the lookup's hop: its
    /// bytes, then the error its last read gave, if any.
    Read {
        data: Vec<u8>,
        pos: usize,
        error: Option<io::Error>,
    },
}

impl Body {
    /// A body to stream from `sync`, of the recorded `size` (0: unknown).
    pub(crate) fn new(sync: SyncBody, size: u64) -> Body {
        Body {
            inner: Inner::Unread { sync, size },
        }
    }

    /// A body read whole on the blocking pool: `result` is how its reading
    /// ended, `data` what was read before.
    pub(crate) fn read(data: Vec<u8>, result: io::Result<()>) -> Body {
        Body {
            inner: Inner::Read {
                data,
                pos: 0,
                error: result.err(),
            },
        }
    }

    /// Makes an unread body a stream read ahead on the blocking pool.
    fn start_streaming(&mut self) {
        if !matches!(self.inner, Inner::Unread { .. }) {
            return;
        }
        let placeholder = Inner::Read {
            data: Vec::new(),
            pos: 0,
            error: None,
        };
        if let Inner::Unread { sync, .. } = std::mem::replace(&mut self.inner, placeholder) {
            self.inner = Inner::Streaming(Shim::with_capacity(CAPACITY, sync));
        }
    }

    /// Reads the whole body into memory, verified: a body not read from
    /// yet is read and hashed in one trip to the blocking pool.
    ///
    /// # Errors
    ///
    /// As [`SyncBody::bytes`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// futures_lite::future::block_on(async {
    ///     store.store_bytes("k", &Default::default(), &policy, b"x").await?;
    ///     let cached = store.get("k").await?.expect("stored");
    ///     assert_eq!(cached.body.bytes().await?, b"x");
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bytes(mut self) -> io::Result<Vec<u8>> {
        if let Inner::Unread { mut sync, size } = self.inner {
            // One trip to the pool; the recorded size (capped: the index
            // may be wrong) saves the buffer's regrowth.
            let capacity = usize::try_from(size.min(WHOLE_CAPACITY_MAX)).unwrap_or(0);
            return rt::run(move || {
                let mut out = Vec::with_capacity(capacity);
                sync.read_to_end(&mut out).map(|_| out)
            })
            .await;
        }
        let mut out = Vec::new();
        self.read_to_end(&mut out).await?;
        Ok(out)
    }
}

impl AsyncRead for Body {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            Inner::Unread { .. } => {
                self.start_streaming();
                self.poll_read(cx, buf)
            }
            Inner::Streaming(shim) => Pin::new(shim).poll_read(cx, buf),
            Inner::Read { data, pos, error } => {
                let rest = &data[*pos..];
                if rest.is_empty() && !buf.is_empty() {
                    // As a streaming body: the read at the end reports damage.
                    return Poll::Ready(error.take().map_or(Ok(0), Err));
                }
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                Poll::Ready(Ok(n))
            }
        }
    }
}
