//! cacache-rs's streaming `link_to`: [`SyncToLinker`] (`io::Read`) and,
//! with `async`, [`ToLinker`] (`AsyncRead`). The caller reads the target
//! file through the linker, which hashes what passes; `commit` links the
//! file into the cache under the integrity of what was read.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use cap_std::fs::File;
use ssri::{Integrity, IntegrityOpts};

use crate::cache::Cache;
use crate::error::{Error, Result};
use crate::write_opts::WriteOpts;

/// Reads a file that is being linked into the cache ([`io::Read`]), hashing
/// what passes; [`SyncToLinker::commit`] then links it in, as
/// [`link_to_sync`](crate::link_to_sync) does in one call.
///
/// The cache must hold ambient authority (a path, or
/// [`CacheOptions::ambient_authority`](crate::CacheOptions::ambient_authority)):
/// the link points outside it.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// let target = tmp.path().join("big.bin");
/// std::fs::write(&target, b"linked, not copied")?;
/// let mut linker = capcache::SyncToLinker::open(&dir, "k", &target)?;
/// let mut seen = String::new();
/// linker.read_to_string(&mut seen)?;
/// let sri = linker.commit()?;
/// assert_eq!(seen, "linked, not copied");
/// assert_eq!(capcache::read_hash_sync(&dir, &sri)?, b"linked, not copied");
/// # Ok(())
/// # }
/// ```
pub struct SyncToLinker {
    cache: Cache,
    key: Option<String>,
    target: PathBuf,
    file: File,
    hasher: IntegrityOpts,
    read: u64,
    opts: WriteOpts,
}

impl std::fmt::Debug for SyncToLinker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncToLinker")
            .field("key", &self.key)
            .field("target", &self.target)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl SyncToLinker {
    /// Opens `target` in `cache` (see `ops::link::open_linker`).
    pub(crate) fn start(
        cache: Cache,
        key: Option<String>,
        target: &Path,
        mut opts: WriteOpts,
        expect_current_size: bool,
    ) -> Result<SyncToLinker> {
        let (target, file) = crate::link::open_target(&cache, key.as_deref(), target)?;
        if expect_current_size {
            let len = file.metadata().map_err(|e| Error::io(&target, e))?.len();
            opts.size = Some(usize::try_from(len).unwrap_or(usize::MAX));
        }
        let hasher = IntegrityOpts::new().algorithm(opts.algorithm_or_default());
        Ok(SyncToLinker {
            cache,
            key,
            target,
            file,
            hasher,
            read: 0,
            opts,
        })
    }

    /// Reads what the caller left unread, checks the size and integrity
    /// [`WriteOpts`] expect, links the file into the content store and,
    /// when opened with a key, records the entry. Returns the integrity.
    ///
    /// # Errors
    ///
    /// [`Error::SizeMismatch`] / [`Error::IntegrityMismatch`] if the file
    /// does not match the expectations (nothing is linked then);
    /// [`Error::Io`] on file-system failures.
    pub fn commit(mut self) -> Result<Integrity> {
        let mut rest = [0u8; 64 * 1024];
        while self
            .read(&mut rest)
            .map_err(|e| Error::io(&self.target, e))?
            > 0
        {}
        let sri = self.hasher.result();
        if let Some(expected) = self.opts.size.map(|s| s as u64) {
            if expected != self.read {
                return Err(Error::SizeMismatch {
                    path: self.target,
                    expected,
                    found: self.read,
                });
            }
        }
        if let Some(expected) = &self.opts.sri {
            if expected.matches(&sri).is_none() {
                return Err(Error::IntegrityMismatch {
                    path: Some(self.target),
                    expected: expected.clone(),
                    found: sri,
                });
            }
        }
        let (cache, key) = (&self.cache, self.key.as_deref());
        crate::link::place(cache, key, &self.target, &sri, self.read, &self.opts)?;
        Ok(sri)
    }
}

impl Read for SyncToLinker {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = loop {
            match self.file.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.hasher.input(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(feature = "async")]
pub use self::asynchronous::ToLinker;

#[cfg(feature = "async")]
mod asynchronous {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_lite::io::AsyncRead;
    use ssri::Integrity;

    use super::SyncToLinker;
    use crate::error::Result;
    use crate::rt::asynchronous::{unblock_io as shim, Unblock as Shim};

    /// Reads a file that is being linked into the cache (`AsyncRead`), off
    /// the executor thread; the async twin of [`SyncToLinker`].
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::io::AsyncReadExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().join("cache");
    /// let target = tmp.path().join("f");
    /// std::fs::write(&target, b"linked")?;
    /// smol::block_on(async {
    ///     let mut linker = capcache::ToLinker::open(&dir, "k", &target).await?;
    ///     let mut seen = Vec::new();
    ///     linker.read_to_end(&mut seen).await?;
    ///     let sri = linker.commit().await?;
    ///     assert_eq!(seen, b"linked");
    ///     assert_eq!(capcache::read_hash(&dir, &sri).await?, b"linked");
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub struct ToLinker {
        inner: Shim<SyncToLinker>,
    }

    impl std::fmt::Debug for ToLinker {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ToLinker").finish_non_exhaustive()
        }
    }

    impl ToLinker {
        pub(crate) fn new(sync: SyncToLinker) -> ToLinker {
            ToLinker { inner: shim(sync) }
        }

        /// Finishes the link; see [`SyncToLinker::commit`].
        pub async fn commit(self) -> Result<Integrity> {
            let sync = self.inner.into_inner().await;
            crate::rt::asynchronous::run(move || sync.commit()).await
        }
    }

    impl AsyncRead for ToLinker {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        }
    }

    /// `tokio::io::AsyncRead` (feature `tokio`), as cacache-rs's
    /// `tokio-runtime` build offers: the same stream as the futures-io impl.
    #[cfg(feature = "tokio")]
    impl tokio::io::AsyncRead for ToLinker {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let filled = buf.initialize_unfilled();
            let n = std::task::ready!(AsyncRead::poll_read(self, cx, filled))?;
            buf.advance(n);
            Poll::Ready(Ok(()))
        }
    }
}
