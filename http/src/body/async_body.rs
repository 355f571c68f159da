//! [`Body`]: a cached body as an `AsyncRead`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::{AsyncRead, AsyncReadExt};

use super::SyncBody;
use crate::rt::Shim;

/// Read-ahead of the blocking pool per body.
const CAPACITY: usize = 64 * 1024;

/// A cached body as a `futures::AsyncRead`: a [`SyncBody`] whose reads run
/// on smol's blocking pool (inline on WASI), so hashing and file I/O never
/// block the executor. Verified and evicting as [`SyncBody`]: the read that
/// reaches the end fails with `InvalidData` wrapping
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
    inner: Shim<SyncBody>,
}

impl Body {
    pub(crate) fn new(sync: SyncBody) -> Body {
        Body {
            inner: Shim::with_capacity(CAPACITY, sync),
        }
    }

    /// Reads the whole body into memory, verified.
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
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}
