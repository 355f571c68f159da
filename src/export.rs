//! Getting content out of the cache as a file: verified copies, hard links
//! and reflinks, to an ambient path or into a `Dir` capability.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use cap_std::fs::{Dir, OpenOptions};
use ssri::{Integrity, IntegrityChecker};

use crate::cache::Cache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::error::{Error, Result};

/// Which content to export.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// The content of a key's live entry.
    Key(String),
    /// Content by integrity.
    Hash(Integrity),
}

/// Where to put it.
#[derive(Debug)]
pub(crate) enum Dest {
    /// A path resolved with ambient authority.
    Ambient(PathBuf),
    /// A path inside a directory capability.
    In(Dir, PathBuf),
}

/// How to materialise the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Copy,
    HardLink,
    Reflink,
    ReflinkOrCopy,
}

/// An export of cached content to a file: which content (a key's, or by
/// integrity), how (copy, hard link, reflink, or reflink falling back to a
/// copy), and whether to verify it first (the default). Run it with
/// [`Export::to_path_sync`] / [`Export::to_dir_sync`] (or their async
/// twins); `copy`, `hard_link_hash_unchecked` and the other cacache-rs
/// names are shorthands for common cases.
///
/// # Examples
///
/// ```
/// use capcache::Export;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path().join("cache");
/// let sri = capcache::write_sync(&dir, "k", b"file body")?;
/// let out = cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority())?;
/// // A verified hard link into a directory capability.
/// let bytes = Export::hash(sri).hard_link().to_dir_sync(&dir, &out, "linked")?;
/// assert_eq!(bytes, 9);
/// assert_eq!(out.read("linked")?, b"file body");
/// // An unverified copy of a key's value to a path.
/// Export::key("k").verify(false).to_path_sync(&dir, tmp.path().join("copied"))?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Export {
    pub(crate) source: Source,
    pub(crate) how: How,
    pub(crate) verify: bool,
}

impl Export {
    /// Exports the value of `key`'s live entry (a verified copy unless
    /// told otherwise).
    pub fn key(key: impl Into<String>) -> Export {
        Export::new(Source::Key(key.into()))
    }

    /// Exports the content with integrity `sri` (a verified copy unless
    /// told otherwise).
    pub fn hash(sri: Integrity) -> Export {
        Export::new(Source::Hash(sri))
    }

    fn new(source: Source) -> Export {
        Export {
            source,
            how: How::Copy,
            verify: true,
        }
    }

    /// Writes a new file (created or truncated); the default.
    pub fn copy(mut self) -> Export {
        self.how = How::Copy;
        self
    }

    /// Hard-links the content file: no copy; the destination must not
    /// exist and must be on the cache's filesystem.
    pub fn hard_link(mut self) -> Export {
        self.how = How::HardLink;
        self
    }

    /// Reflinks (clones copy-on-write) the content file: fails with
    /// [`Error::Io`] of kind `Unsupported` where the filesystem has no
    /// reflinks (ext4, NTFS, WASI).
    pub fn reflink(mut self) -> Export {
        self.how = How::Reflink;
        self
    }

    /// Reflinks where the filesystem can, else copies.
    pub fn reflink_or_copy(mut self) -> Export {
        self.how = How::ReflinkOrCopy;
        self
    }

    /// With `false`, skips hashing the content first: only for content you
    /// trust. Verification is on by default.
    pub fn verify(mut self, verify: bool) -> Export {
        self.verify = verify;
        self
    }
}

impl Dest {
    /// `path` inside `dir`, on a handle of its own (the export may run on
    /// another thread).
    pub(crate) fn in_dir(dir: &Dir, path: &Path) -> Result<Dest> {
        // `try_clone` is unsupported on WASI; reopening "." is not.
        let dir = dir.open_dir(".").map_err(|e| Error::io(path, e))?;
        Ok(Dest::In(dir, path.to_path_buf()))
    }

    /// The directory to create the file in and the file's name there.
    fn resolve(&self) -> Result<(Dir, PathBuf, PathBuf)> {
        match self {
            Dest::Ambient(path) => {
                let name = path.file_name().ok_or_else(|| {
                    Error::io(
                        path,
                        io::Error::new(io::ErrorKind::InvalidInput, "destination has no file name"),
                    )
                })?;
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let dir = Dir::open_ambient_dir(parent, cap_std::ambient_authority())
                    .map_err(|e| Error::io(parent, e))?;
                Ok((dir, PathBuf::from(name), path.clone()))
            }
            Dest::In(dir, rel) => {
                let dir = dir.open_dir(".").map_err(|e| Error::io(rel, e))?;
                Ok((dir, rel.clone(), rel.clone()))
            }
        }
    }
}

/// Runs `export` to `dest`; verifies the content against its integrity
/// unless told not to. Returns the number of bytes.
///
/// A copy reads and hashes the content once, writing as it goes, and
/// removes the destination if the hash does not match. Links and reflinks
/// hash the content first, then link.
pub(crate) fn export(cache: &Cache, export: Export, dest: Dest) -> Result<u64> {
    let Export {
        source,
        how,
        verify,
    } = export;
    let sri = match source {
        Source::Hash(sri) => sri,
        Source::Key(key) => bucket::find_content(cache.store(), &key)?.integrity,
    };
    let (dir, name, display) = dest.resolve()?;
    match how {
        How::Copy => copy(cache, &sri, &dir, &name, &display, verify),
        How::HardLink => {
            let len = check(cache, &sri, verify)?;
            let rel = content::content_path(&sri)?;
            let from = cache
                .layout()
                .area(crate::engine::layout::Area::Content, false)?
                .ok_or_else(|| Error::ContentNotFound {
                    integrity: sri.clone(),
                })?;
            from.hard_link(&rel, &dir, &name)
                .map_err(|e| Error::io(&display, e))?;
            Ok(len)
        }
        How::Reflink => {
            let len = check(cache, &sri, verify)?;
            reflink(cache, &sri, &dir, &name, &display)?;
            Ok(len)
        }
        How::ReflinkOrCopy => {
            let len = check(cache, &sri, verify)?;
            match reflink(cache, &sri, &dir, &name, &display) {
                Ok(()) => Ok(len),
                // Already verified: the copy need not hash again.
                Err(_) => copy(cache, &sri, &dir, &name, &display, false),
            }
        }
    }
}

/// Hashes the content (when `verify`) and returns its length.
fn check(cache: &Cache, sri: &Integrity, verify: bool) -> Result<u64> {
    let (mut file, path) = content::open(cache.store(), sri)?;
    if !verify {
        return file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| Error::io(&path, e));
    }
    let mut checker = IntegrityChecker::new(sri.clone());
    let len = pump(&mut file, &path, |chunk| {
        checker.input(chunk);
        Ok(())
    })?;
    content::verify_result(checker, sri, &path)?;
    Ok(len)
}

/// Reads `file` to the end in 64 KiB chunks, handing each to `sink`.
fn pump(
    file: &mut impl Read,
    path: &Path,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(path, e)),
        };
        sink(&buf[..n])?;
        total += n as u64;
    }
}

fn copy(
    cache: &Cache,
    sri: &Integrity,
    dir: &Dir,
    name: &Path,
    display: &Path,
    verify: bool,
) -> Result<u64> {
    let (mut from, path) = content::open(cache.store(), sri)?;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    let mut to = dir
        .open_with(name, &options)
        .map_err(|e| Error::io(display, e))?;
    let mut checker = verify.then(|| IntegrityChecker::new(sri.clone()));
    let copied = pump(&mut from, &path, |chunk| {
        if let Some(checker) = &mut checker {
            checker.input(chunk);
        }
        to.write_all(chunk).map_err(|e| Error::io(display, e))
    });
    let verdict = copied.and_then(|len| match checker {
        Some(checker) => content::verify_result(checker, sri, &path).map(|()| len),
        None => Ok(len),
    });
    if verdict.is_err() {
        drop(to);
        let _ = dir.remove_file(name);
    }
    verdict
}

fn reflink(cache: &Cache, sri: &Integrity, dir: &Dir, name: &Path, display: &Path) -> Result<()> {
    let (from, _) = content::open(cache.store(), sri)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    let to = dir
        .open_with(name, &options)
        .map_err(|e| Error::io(display, e))?;
    let result = reflink_copy::reflink_file(&from.into_std(), &to.into_std());
    result.map_err(|e| {
        let _ = dir.remove_file(name);
        Error::io(
            display,
            io::Error::new(e.kind(), format!("reflink not supported here: {e}")),
        )
    })
}
