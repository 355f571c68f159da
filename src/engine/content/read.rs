//! Reading content back, always verified against its integrity.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use cap_std::fs::File;
use ssri::{Algorithm, Integrity, IntegrityChecker};

use super::path::{content_path, strongest_digest, Digest};
use crate::engine::file_io;
use crate::engine::layout::Area;
use crate::engine::store::Store;
use crate::engine::sys;
use crate::error::{Error, Result};

/// Files at least this large are memory-mapped by [`read`] when the `mmap`
/// feature is on: below it one buffered read beats a mapping, above it the
/// mapping beats the pipelined read (`read_sizes` in `benches/store.rs`;
/// figures in the README's "Tuning, measured").
#[cfg(all(feature = "mmap", not(target_family = "wasm")))]
const MMAP_THRESHOLD: u64 = 1024 * 1024;

/// Sizes from the index up to this are used without asking the file, and
/// content of unknown size is read this far before the file is asked.
const TRUSTED_SIZE: u64 = 64 * 1024;

/// The first buffer for content of unknown size: most values are small,
/// and a larger buffer costs its zeroing on every read.
const UNSIZED_GUESS: usize = 4096;

/// Opens the content file for `sri`, mapping a missing file (or a missing
/// content directory) to [`Error::ContentNotFound`].
pub(crate) fn open(store: &Store, sri: &Integrity) -> Result<(File, PathBuf)> {
    let (file, opened) = open_at(store, sri)?;
    Ok((file, opened.display(store)))
}

/// Where [`open_at`] found a content file.
enum Opened {
    /// In the cache, at this path under `content-v2`.
    Inside(PathBuf),
    /// Outside it: the target of a `link_to` link.
    Outside(PathBuf),
}

impl Opened {
    /// The path to name in errors (built only for one: a read that
    /// succeeds needs none).
    fn display(&self, store: &Store) -> PathBuf {
        match self {
            Opened::Inside(rel) => store.layout().display_in(Area::Content, rel),
            Opened::Outside(target) => target.clone(),
        }
    }
}

/// [`open`], telling where the file was found rather than spelling the path.
fn open_at(store: &Store, sri: &Integrity) -> Result<(File, Opened)> {
    open_digest(store, sri, &strongest_digest(sri)?)
}

/// [`open_at`] given `sri`'s strongest digest, already decoded.
fn open_digest(store: &Store, sri: &Integrity, digest: &Digest) -> Result<(File, Opened)> {
    let rel = digest.path();
    let not_found = || Error::ContentNotFound {
        integrity: sri.clone(),
    };
    match store
        .layout()
        .with_shard(Area::Content, &rel, false, sys::open_read)?
    {
        Ok(file) => Ok((file, Opened::Inside(rel))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(not_found()),
        Err(e) => {
            let display = store.layout().display_in(Area::Content, &rel);
            let content = store.layout().area_created(Area::Content)?;
            match content.read_link_contents(&rel) {
                // cap-std refuses a symlink that leaves the root; only a cache
                // holding ambient authority may follow it, and only for link_to.
                Ok(target) => open_outside(store, sri, target, display)
                    .map(|(file, target)| (file, Opened::Outside(target))),
                // WASI runtimes refuse even to read a link with an absolute
                // target; it is still a link out of the cache.
                Err(_)
                    if content
                        .symlink_metadata(&rel)
                        .is_ok_and(|m| m.file_type().is_symlink()) =>
                {
                    Err(Error::OutsideCache {
                        path: display,
                        target: PathBuf::from("(unreadable here)"),
                    })
                }
                Err(_) => Err(Error::io(display, e)),
            }
        }
    }
}

/// Opens the target of a content link that points outside the cache.
fn open_outside(
    store: &Store,
    sri: &Integrity,
    target: PathBuf,
    display: PathBuf,
) -> Result<(File, PathBuf)> {
    // link_to writes absolute targets; a relative one would resolve against
    // the process's working directory, not the link's: never follow it.
    #[cfg(feature = "link_to")]
    if store.ambient() && target.is_absolute() {
        match File::open_ambient(&target, cap_std::ambient_authority()) {
            Ok(file) => return Ok((file, target)),
            // Natively, a vanished target means the content is gone.
            #[cfg(not(target_family = "wasm"))]
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::ContentNotFound {
                    integrity: sri.clone(),
                })
            }
            #[cfg(not(target_family = "wasm"))]
            Err(e) => return Err(Error::io(&target, e)),
            // Under WASI the target is outside every preopen (or refused by
            // the runtime): it cannot be followed from here.
            #[cfg(target_family = "wasm")]
            Err(_) => {}
        }
    }
    let _ = (store, sri);
    Err(Error::OutsideCache {
        path: display,
        target,
    })
}

/// Reads the whole content for `sri` and checks it against `sri` and, when
/// known, `size`. Never returns bytes that fail the check.
pub(crate) fn read(store: &Store, sri: &Integrity, size: Option<u64>) -> Result<Vec<u8>> {
    // Decoded once: it names the file and is what the bytes must hash to.
    let digest = strongest_digest(sri)?;
    let (file, opened) = open_digest(store, sri, &digest)?;
    let display = || opened.display(store);
    let file_len = || file.metadata().map(|m| m.len());
    let mismatch = |expected, found| Error::SizeMismatch {
        path: display(),
        expected,
        found,
    };
    let len = match size {
        // The index's size saves asking the file (a host call under WASI).
        // It is only trusted this far: it sizes a buffer, and a wrong one
        // is caught by the read below.
        Some(expected) if expected <= TRUSTED_SIZE => expected,
        Some(_) => file_len().map_err(|e| Error::io(display(), e))?,
        // No size (`read_hash`; an entry recorded without one): most
        // content is small, so read up to `TRUSTED_SIZE` bytes without
        // asking the file either, and ask only one that holds more.
        None => {
            // A link_to target may be on any filesystem.
            let short_reads_end =
                matches!(opened, Opened::Inside(_)) && store.short_reads_end(Area::Content);
            let limit = TRUSTED_SIZE + 1;
            let data = file_io::read_to_end(&file, UNSIZED_GUESS, limit, short_reads_end)
                .map_err(|e| Error::io(display(), e))?;
            if data.len() as u64 <= TRUSTED_SIZE {
                verify(sri, &digest, &data, display)?;
                return Ok(data);
            }
            io::Seek::rewind(&mut &file).map_err(|e| Error::io(display(), e))?;
            file_len().map_err(|e| Error::io(display(), e))?
        }
    };
    if let Some(expected) = size.filter(|&expected| expected != len) {
        return Err(mismatch(expected, len));
    }
    #[cfg(all(feature = "mmap", not(target_family = "wasm")))]
    if len >= MMAP_THRESHOLD {
        // SAFETY: content files are never modified in place by this crate or
        // by npm's cacache (writers link a new file or rename over a damaged
        // one, which leaves this inode intact), so the mapping stays valid
        // while we read it.
        // populate: fault the pages in with the mmap call (Linux) instead of
        // one by one in the two threads below.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .map_err(|e| Error::io(display(), e))?;
        if map.len() as u64 != len {
            return Err(mismatch(len, map.len() as u64));
        }
        let (copy, verdict) = crate::engine::parallel::join(
            map.len(),
            || map.to_vec(),
            || verify(sri, &digest, &map, display),
        );
        verdict?;
        return Ok(copy);
    }
    if len >= crate::engine::parallel::PARALLEL_MIN as u64 {
        return read_large(&file, sri, len, &display());
    }
    // Reading one byte past `len` tells a longer file from a complete read.
    let data = file_io::read_expected(&file, usize::try_from(len).unwrap_or(0))
        .map_err(|e| Error::io(display(), e))?;
    if data.len() as u64 != len {
        let found = file_len().unwrap_or(data.len() as u64);
        return Err(mismatch(len, found));
    }
    verify(sri, &digest, &data, display)?;
    Ok(data)
}

/// Reads a large file of `len` bytes, hashing each piece while the next
/// one is read.
fn read_large(file: &File, sri: &Integrity, len: u64, display: &Path) -> Result<Vec<u8>> {
    let mismatch = |found| Error::SizeMismatch {
        path: display.to_path_buf(),
        expected: len,
        found,
    };
    let size = usize::try_from(len).map_err(|_| {
        let too_big = io::Error::new(io::ErrorKind::OutOfMemory, "larger than the address space");
        Error::io(display, too_big)
    })?;
    let mut data = vec![0u8; size];
    let mut checker = IntegrityChecker::new(sri.clone());
    match crate::engine::parallel::read_pipelined(file, &mut data, |piece| checker.input(piece)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            let found = file.metadata().map_or(0, |m| m.len());
            return Err(mismatch(found));
        }
        Err(e) => return Err(Error::io(display, e)),
    }
    // A file that grew past `len` is not the content the index names.
    match (&mut &*file).read(&mut [0u8; 1]) {
        Ok(0) => {}
        Ok(_) => return Err(mismatch(file.metadata().map_or(len + 1, |m| m.len()))),
        Err(e) => return Err(Error::io(display, e)),
    }
    verify_result(checker, sri, display)?;
    Ok(data)
}

/// Hashes an open content file to its end: `Some(len)` if it matches `sri`,
/// `None` if it does not.
///
/// With the file's length known (`len_hint`, from a stat), the buffer is
/// sized to it, and a read that comes back short at that length is taken
/// as the end, as whole-value reads take it: a small file costs one read
/// and no large zeroed buffer (verify hashes every file of a cache).
pub(crate) fn hash_file(
    mut file: &File,
    sri: &Integrity,
    len_hint: Option<u64>,
) -> io::Result<Option<u64>> {
    #[cfg(all(feature = "mmap", not(target_family = "wasm")))]
    if let Some(len) = len_hint.filter(|&len| len >= MMAP_THRESHOLD) {
        // Hashing a mapping spares the copy out of the page cache (a fifth
        // of verify's time on large files). SAFETY: as in `read`: content
        // files are never modified in place, so the mapping stays valid.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(file)? };
        if map.len() as u64 == len {
            let checker = IntegrityChecker::new(sri.clone()).chain(&map[..]);
            return Ok(checker.result().is_ok().then_some(len));
        }
        // The file changed length since the stat: read it as it is now.
    }
    const MAX_BUF: u64 = 256 * 1024;
    let size = len_hint.map_or(MAX_BUF, |len| (len + 1).min(MAX_BUF));
    let mut checker = IntegrityChecker::new(sri.clone());
    let mut buf = vec![0u8; size as usize];
    let mut len = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                checker.input(&buf[..n]);
                len += n as u64;
                if n < buf.len() && Some(len) == len_hint {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(checker.result().is_ok().then_some(len))
}

/// Whether `file`, if it opened, hashes to `sri` (a file kept in place of
/// one a write or a link would have put there).
pub(crate) fn holds<E>(file: std::result::Result<File, E>, sri: &Integrity) -> bool {
    file.is_ok_and(|file| matches!(hash_file(&file, sri, None), Ok(Some(_))))
}

/// Checks `data` against `sri`, whose strongest digest is `digest`;
/// `path` names the file in the error.
fn verify(
    sri: &Integrity,
    digest: &Digest,
    data: &[u8],
    path: impl FnOnce() -> PathBuf,
) -> Result<()> {
    if matches_directly(sri, digest, data) {
        return Ok(());
    }
    // A mismatch (or an algorithm hashed only by `ssri`): `ssri` decides,
    // and names what it found.
    verify_result(IntegrityChecker::new(sri.clone()).chain(data), sri, &path())
}

/// Whether `data` hashes to one of the digests of `sri`'s strongest
/// algorithm (`digest` is the first), as `ssri`'s checker decides, but
/// comparing digest bytes: its checker clones the integrity and
/// base64-encodes the new digest, work on every small read.
fn matches_directly(sri: &Integrity, digest: &Digest, data: &[u8]) -> bool {
    use sha2::Digest as _;
    let algo = digest.algorithm;
    let mut hashed = [0u8; 64];
    let len = match algo {
        Algorithm::Sha512 => {
            hashed.copy_from_slice(&sha2::Sha512::digest(data));
            64
        }
        Algorithm::Sha384 => {
            hashed[..48].copy_from_slice(&sha2::Sha384::digest(data));
            48
        }
        Algorithm::Sha256 => {
            hashed[..32].copy_from_slice(&sha2::Sha256::digest(data));
            32
        }
        _ => return false,
    };
    let hashed = &hashed[..len];
    digest.bytes() == hashed
        || sri
            .hashes
            .iter()
            .skip(1)
            .take_while(|h| h.algorithm == algo)
            .any(|h| super::path::decode(h).is_ok_and(|d| d.bytes() == hashed))
}

/// Turns a fed checker's verdict into this crate's error.
pub(crate) fn verify_result(checker: IntegrityChecker, sri: &Integrity, path: &Path) -> Result<()> {
    checker.result().map(|_| ()).map_err(|e| match e {
        ssri::Error::IntegrityCheckError(expected, found) => Error::IntegrityMismatch {
            path: Some(path.to_path_buf()),
            expected,
            found,
        },
        other => Error::InvalidIntegrity {
            input: Some(sri.to_string()),
            reason: other.to_string(),
        },
    })
}

/// The error for content `sri` in a cache that does not exist: the
/// integrity's own error if it cannot name content, else `ContentNotFound`.
pub(crate) fn not_found(sri: Integrity) -> Error {
    match super::checked_integrity(&sri) {
        Ok(_) => Error::ContentNotFound { integrity: sri },
        Err(e) => e,
    }
}

/// Whether a content file exists for `sri` (not verified).
pub(crate) fn exists(store: &Store, sri: &Integrity) -> Result<bool> {
    let rel = content_path(sri)?;
    match store
        .layout()
        .with_shard(Area::Content, &rel, false, sys::is_file)?
    {
        Ok(is_file) => Ok(is_file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        // A link_to entry: a symlink that cap-std will not follow.
        Err(_)
            if store
                .layout()
                .area_created(Area::Content)?
                .read_link_contents(&rel)
                .is_ok() =>
        {
            Ok(true)
        }
        Err(e) => Err(Error::io(store.layout().display_in(Area::Content, rel), e)),
    }
}

/// Deletes the content file for `sri`; a missing file is not an error.
pub(crate) fn remove(store: &Store, sri: &Integrity) -> Result<()> {
    let rel = content_path(sri)?;
    match store
        .layout()
        .with_area(Area::Content, false, |content| content.remove_file(&rel))?
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(store.layout().display_in(Area::Content, rel), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sri_of(algo: Algorithm, data: &[u8]) -> Integrity {
        ssri::IntegrityOpts::new()
            .algorithm(algo)
            .chain(data)
            .result()
    }

    /// [`verify`] as `read` calls it, naming the file `c`.
    fn check(sri: &Integrity, data: &[u8]) -> Result<()> {
        verify(sri, &strongest_digest(sri)?, data, || PathBuf::from("c"))
    }

    #[test]
    fn verify_passes_what_ssri_passes_and_names_a_mismatch() {
        let path = || PathBuf::from("c");
        for algo in [
            Algorithm::Sha512,
            Algorithm::Sha384,
            Algorithm::Sha256,
            Algorithm::Sha1,
            Algorithm::Xxh3,
        ] {
            let good = sri_of(algo, b"data");
            let other = sri_of(algo, b"other");
            assert!(check(&good, b"data").is_ok(), "{algo}");
            // Any digest of the strongest algorithm may match, in any order.
            for both in [format!("{good} {other}"), format!("{other} {good}")] {
                let sri: Integrity = both.parse().unwrap();
                assert!(check(&sri, b"data").is_ok(), "{algo}: {both}");
            }
            let err = check(&good, b"datA").unwrap_err();
            assert!(
                matches!(&err, Error::IntegrityMismatch { path: Some(p), .. } if p == &path()),
                "{algo}: {err}"
            );
        }
        // Only the strongest algorithm counts, as in ssri.
        let mixed: Integrity = format!(
            "{} {}",
            sri_of(Algorithm::Sha256, b"data"),
            sri_of(Algorithm::Sha512, b"other")
        )
        .parse()
        .unwrap();
        assert!(matches!(
            check(&mixed, b"data"),
            Err(Error::IntegrityMismatch { .. })
        ));
    }
}
