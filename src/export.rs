//! Getting content out of the cache as a file: verified copies, hard links
//! and reflinks, to an ambient path or into a `Dir` capability.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use cap_std::fs::{Dir, OpenOptions};
use ssri::{Integrity, IntegrityChecker};

use crate::cache::Cache;
use crate::content;
use crate::error::{Error, Result};
use crate::index::bucket;

/// Which content to export.
#[derive(Debug)]
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

impl Dest {
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
                // `try_clone` is unsupported on WASI; reopening "." is not.
                let dir = dir.open_dir(".").map_err(|e| Error::io(rel, e))?;
                Ok((dir, rel.clone(), rel.clone()))
            }
        }
    }
}

/// Exports `source` to `dest`; verifies the content against its integrity
/// unless `verify` is false. Returns the number of bytes.
///
/// A copy reads and hashes the content once, writing as it goes, and
/// removes the destination if the hash does not match. Links and reflinks
/// hash the content first, then link.
pub(crate) fn export(
    cache: &Cache,
    source: Source,
    dest: Dest,
    how: How,
    verify: bool,
) -> Result<u64> {
    let sri = match source {
        Source::Hash(sri) => sri,
        Source::Key(key) => bucket::find_content(cache, &key)?.integrity,
    };
    let (dir, name, display) = dest.resolve()?;
    match how {
        How::Copy => copy(cache, &sri, &dir, &name, &display, verify),
        How::HardLink => {
            let len = check(cache, &sri, verify)?;
            let rel = content::content_path(&sri)?;
            let from = cache
                .area(crate::cache::Area::Content, false)?
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
    let (mut file, path) = content::open(cache, sri)?;
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
    let (mut from, path) = content::open(cache, sri)?;
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
    let (from, _) = content::open(cache, sri)?;
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
