//! The [`Cache`] handle: the root directory capability and the handles and
//! settings every operation shares.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::fs::Dir;
use cap_std::AmbientAuthority;

use crate::engine::layout::Layout;
use crate::engine::store::Store;
use crate::error::{Error, Result};
use crate::format::IndexFormat;

/// A handle to one cache directory.
///
/// A `Cache` holds a [`cap_std::fs::Dir`] for the cache root and touches the
/// filesystem only through it: no key, integrity string, symlink or `..`
/// inside the cache can make it reach a path outside. It is cheap to clone
/// (an `Arc` inside), `Send` and `Sync`, and every operation of the crate is a
/// method on it (`read_sync`, `read`, …) as well as a free function.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let cache = capcache::Cache::open(dir.path())?;
/// cache.write_sync("greeting", b"hello")?;
/// assert_eq!(cache.read_sync("greeting")?, b"hello");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Store>,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("root", &self.inner.layout().path())
            .field("format", &self.inner.known_format())
            .field("durable", &self.inner.layout().durable())
            .finish_non_exhaustive()
    }
}

/// Options for opening a [`Cache`]: index format and durability.
///
/// # Examples
///
/// ```
/// use capcache::{CacheOptions, IndexFormat};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let cache = CacheOptions::new()
///     .format(IndexFormat::CacacheRs)
///     .durable(true)
///     .open(dir.path())?;
/// assert_eq!(cache.index_format()?, IndexFormat::CacacheRs);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct CacheOptions {
    format: Option<IndexFormat>,
    durable: bool,
    ambient: bool,
    kept_dirs: Option<usize>,
    /// Set by `create(false)`: [`CacheOptions::open`] refuses a missing
    /// directory.
    must_exist: bool,
}

impl CacheOptions {
    /// Default options: format detected from the cache (npm's for a new
    /// cache), no fsync.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `format` for the index instead of detecting it.
    pub fn format(mut self, format: IndexFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// With `true`, every write fsyncs the content file and its directory
    /// before the index line is appended, and the bucket after (with the
    /// directory of a new bucket, and the parents of any shard directory
    /// the write created): a write that returned survives a power loss.
    /// Costs two to three fsyncs per write, more when it creates
    /// directories. Directories are synced on Unix only (Windows and WASI
    /// offer no way to).
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// How many shard directories (`index-v5/ab/cd`, `content-v2/sha512/ab/cd`)
    /// the cache keeps open for reuse; `0` keeps none.
    ///
    /// An operation on a kept directory resolves one file name instead of a
    /// three- to five-component path. That can matter where cap-std
    /// resolves paths one component at a time in user space (macOS,
    /// Windows; not measured there). On Linux (one `openat2` per path) and
    /// under WASI (one host call per path) keeping handles was measured
    /// slower, since every miss opens and closes directories.
    ///
    /// Each kept directory holds a file descriptor (a handle on Windows,
    /// where another program cannot remove a directory that is open).
    ///
    /// Default: 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// // Where path resolution is slow and descriptors are cheap:
    /// let cache = capcache::CacheOptions::new().keep_open_dirs(1024).open(dir.path())?;
    /// cache.write_sync("k", b"v")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn keep_open_dirs(mut self, count: usize) -> Self {
        self.kept_dirs = Some(count);
        self
    }

    /// Whether [`CacheOptions::open`] creates a cache directory that does
    /// not exist (with any missing parents). With `false` it fails with
    /// [`Error::Io`] of kind `NotFound` carrying the path, and creates
    /// nothing: for programs that must not conjure up a cache from a
    /// mistyped path. The cache's own directories (`content-v2`, `index-v5`,
    /// `tmp`) are still created inside an existing one as writes need them.
    ///
    /// Default: `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let missing = dir.path().join("not-there");
    /// match capcache::CacheOptions::new().create(false).open(&missing) {
    ///     Err(capcache::Error::Io { path, source }) => {
    ///         assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    ///         assert_eq!(path, missing);
    ///     }
    ///     other => panic!("unexpected: {other:?}"),
    /// }
    /// assert!(!missing.exists());
    ///
    /// // An existing directory opens as usual.
    /// let cache = capcache::CacheOptions::new().create(false).open(dir.path())?;
    /// cache.write_sync("k", b"v")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(mut self, create: bool) -> Self {
        self.must_exist = !create;
        self
    }

    /// Lets the cache follow content links that point outside its root (made
    /// by `link_to`). A cache from [`CacheOptions::from_dir`] refuses them
    /// unless given this token; one from [`CacheOptions::open`] has it.
    ///
    /// # Ambient Authority
    ///
    /// Reading a linked file opens its path with ambient authority.
    pub fn ambient_authority(mut self, _authority: AmbientAuthority) -> Self {
        self.ambient = true;
        self
    }

    /// Opens (creating if needed, unless [`CacheOptions::create`] says
    /// otherwise) the cache at `path`.
    ///
    /// # Ambient Authority
    ///
    /// This resolves `path` with the process's ambient authority, and the
    /// cache may follow `link_to` links outside its root. Everything else
    /// goes through the opened directory only.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the directory cannot be created or opened, or
    /// (kind `NotFound`) does not exist and `create(false)` was given.
    pub fn open(self, path: impl AsRef<Path>) -> Result<Cache> {
        let path = path.as_ref();
        let create = !self.must_exist;
        match self.open_path(path, create)? {
            Some(cache) => Ok(cache),
            None => Err(Error::io(path, io::ErrorKind::NotFound.into())),
        }
    }

    /// [`CacheOptions::open`], creating a missing directory only if
    /// `create` (else `None`).
    pub(crate) fn open_path(self, path: &Path, create: bool) -> Result<Option<Cache>> {
        let authority = cap_std::ambient_authority();
        let root = match Dir::open_ambient_dir(path, authority) {
            Ok(dir) => dir,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Dir::create_ambient_dir_all(path, authority)
                    .and_then(|()| Dir::open_ambient_dir(path, authority))
                    .map_err(|e| Error::io(path, e))?
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let options = CacheOptions {
            ambient: true,
            ..self
        };
        Ok(Some(options.build(root, Some(path.to_path_buf()))))
    }

    /// Uses `dir` as the cache root. No ambient authority is used, now or later.
    pub fn from_dir(self, dir: Dir) -> Cache {
        self.build(dir, None)
    }

    fn build(self, root: Dir, root_path: Option<PathBuf>) -> Cache {
        let layout = Layout::new(root, root_path, self.durable, self.kept_dirs);
        Cache {
            inner: Arc::new(Store::new(layout, self.format, self.ambient)),
        }
    }
}

impl Cache {
    /// Opens (creating if needed) the cache at `path` with default options.
    ///
    /// # Ambient Authority
    ///
    /// This resolves `path` with the process's ambient authority; use
    /// [`Cache::from_dir`] in code that should hold only a capability.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the directory cannot be created or opened.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let cache = capcache::Cache::open(dir.path().join("my-cache"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Cache> {
        CacheOptions::new().open(path)
    }

    /// Uses `dir` as the cache root, with default options.
    ///
    /// The cache can reach nothing but what `dir` grants.
    ///
    /// # Examples
    ///
    /// ```
    /// use cap_std::{ambient_authority, fs::Dir};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let path = tmp.path();
    /// let dir = Dir::open_ambient_dir(path, ambient_authority())?;
    /// let cache = capcache::Cache::from_dir(dir);
    /// cache.write_sync("k", b"v")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_dir(dir: Dir) -> Cache {
        CacheOptions::new().from_dir(dir)
    }

    /// Same as [`Cache::open`], with an explicit ambient-authority token for
    /// code that audits its uses of ambient authority.
    ///
    /// # Ambient Authority
    ///
    /// Resolves `path` with ambient authority, as [`Cache::open`] does.
    pub fn open_ambient(path: impl AsRef<Path>, authority: AmbientAuthority) -> Result<Cache> {
        CacheOptions::new().ambient_authority(authority).open(path)
    }

    /// Whether `self` and `other` are clones of one handle.
    #[cfg(all(test, any(unix, target_os = "wasi")))]
    pub(crate) fn same_handle(&self, other: &Cache) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The root directory capability.
    pub fn root(&self) -> &Dir {
        self.inner.layout().root()
    }

    /// The path the cache was opened from, or `None` for a capability-only cache.
    pub fn path(&self) -> Option<&Path> {
        self.inner.layout().path()
    }

    /// The directory tree: area and shard handles, paths for errors.
    pub(crate) fn layout(&self) -> &Layout {
        self.inner.layout()
    }

    /// What the engine works on: layout, index format, ambient flag.
    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.inner
    }

    /// The index format in use: forced by [`CacheOptions::format`], else
    /// detected from existing buckets, else npm's.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the index directory exists but cannot be read.
    pub fn index_format(&self) -> Result<IndexFormat> {
        self.inner.index_format()
    }

    /// Whether this cache may use ambient authority (see
    /// [`CacheOptions::ambient_authority`]).
    pub fn has_ambient_authority(&self) -> bool {
        self.inner.ambient()
    }
}

/// Something that names a cache: a [`Cache`] handle or a path.
///
/// Every free function takes one, so `capcache::read_sync("./cache", key)`
/// and `capcache::read_sync(&cache, key)` both work. A path is opened with
/// ambient authority. The free functions keep the last few caches they
/// opened from paths in a process-wide registry, keyed by path, and
/// reuse one while a stat of the path still finds the same directory
/// (device and inode), so a call by path costs about what a call on a
/// `Cache` costs, and a directory removed, re-created or replaced between
/// two calls is opened afresh. On Windows, where an open directory cannot
/// be removed by other programs, nothing is kept and every call opens its
/// path. Operations that store something create a missing directory; those
/// that only read (`read`, `read_hash`, `metadata`, `exists`, readers,
/// exports) find nothing in it and leave it uncreated.
pub trait IntoCache: sealed::Sealed {
    #[doc(hidden)]
    fn into_source(self) -> CacheSource;
}

/// An owned, `Send` form of an [`IntoCache`] value, opened where the work runs.
#[doc(hidden)]
#[derive(Debug)]
pub enum CacheSource {
    Handle(Cache),
    Path(PathBuf),
}

impl IntoCache for &Cache {
    fn into_source(self) -> CacheSource {
        CacheSource::Handle(self.clone())
    }
}

impl IntoCache for Cache {
    fn into_source(self) -> CacheSource {
        CacheSource::Handle(self)
    }
}

impl<P: AsRef<Path>> IntoCache for P {
    fn into_source(self) -> CacheSource {
        CacheSource::Path(self.as_ref().to_path_buf())
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &super::Cache {}
    impl Sealed for super::Cache {}
    impl<P: AsRef<std::path::Path>> Sealed for P {}
}
