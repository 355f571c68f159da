//! cacache-rs's streaming `link_to`: [`SyncToLinker`] (`io::Read`) and,
//! with `async`, [`ToLinker`] (`AsyncRead`). The caller reads the target
//! file through the linker, which hashes what passes; `commit` links the
//! file into the cache under the integrity of what was read.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use cap_std::fs::File;
use ssri::{Integrity, IntegrityOpts};

use crate::cache::{Cache, IntoCache};
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
    /// Opens `target` to be linked under `key`, expecting its current size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for an empty key; [`Error::OutsideCache`] for a
    /// capability-only cache; [`Error::Io`] if `target` cannot be opened.
    pub fn open<C: IntoCache, K: AsRef<str>, T: AsRef<Path>>(
        cache: C,
        key: K,
        target: T,
    ) -> Result<SyncToLinker> {
        let size = file_size(target.as_ref())?;
        WriteOpts::new().size(size).link_to_sync(cache, key, target)
    }

    /// Opens `target` to be linked as content only (no index entry),
    /// expecting its current size.
    ///
    /// # Errors
    ///
    /// As [`SyncToLinker::open`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path().join("cache");
    /// let target = tmp.path().join("f");
    /// std::fs::write(&target, b"content only")?;
    /// let sri = capcache::SyncToLinker::open_hash(&dir, &target)?.commit()?;
    /// assert!(capcache::exists_sync(&dir, &sri));
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_hash<C: IntoCache, T: AsRef<Path>>(cache: C, target: T) -> Result<SyncToLinker> {
        let size = file_size(target.as_ref())?;
        WriteOpts::new().size(size).link_to_hash_sync(cache, target)
    }

    pub(crate) fn start(
        cache: Cache,
        key: Option<String>,
        target: &Path,
        opts: WriteOpts,
    ) -> Result<SyncToLinker> {
        let (target, file) = crate::link::open_target(&cache, key.as_deref(), target)?;
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

/// The size `target` has now, which `open` expects the read to find.
fn file_size(target: &Path) -> Result<usize> {
    let file = File::open_ambient(target, cap_std::ambient_authority());
    let meta = file
        .and_then(|file| file.metadata())
        .map_err(|e| Error::io(target, e))?;
    Ok(usize::try_from(meta.len()).unwrap_or(usize::MAX))
}

#[cfg(feature = "async")]
pub use self::asynchronous::ToLinker;

#[cfg(feature = "async")]
mod asynchronous {
    use std::io;
    use std::path::Path;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_lite::io::AsyncRead;
    use ssri::Integrity;

    use super::{file_size, SyncToLinker};
    use crate::cache::IntoCache;
    use crate::error::Result;
    use crate::rt::asynchronous::{unblock_io as shim, Unblock as Shim};
    use crate::write_opts::WriteOpts;

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

        /// Opens `target` to be linked under `key`; see
        /// [`SyncToLinker::open`].
        pub async fn open<C: IntoCache, K: AsRef<str>, T: AsRef<Path>>(
            cache: C,
            key: K,
            target: T,
        ) -> Result<ToLinker> {
            let size = file_size(target.as_ref())?;
            WriteOpts::new()
                .size(size)
                .link_to(cache, key, target)
                .await
        }

        /// Opens `target` to be linked as content only; see
        /// [`SyncToLinker::open_hash`].
        pub async fn open_hash<C: IntoCache, T: AsRef<Path>>(
            cache: C,
            target: T,
        ) -> Result<ToLinker> {
            let size = file_size(target.as_ref())?;
            WriteOpts::new()
                .size(size)
                .link_to_hash(cache, target)
                .await
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
