//! [`SyncReader`]: a blocking, streaming, verifying read from the cache.

use std::io::{self, Read};
use std::path::PathBuf;

use cap_std::fs::File;
use ssri::{Algorithm, Integrity, IntegrityChecker};

use crate::cache::Cache;
use crate::engine::content;
use crate::error::{Error, Result};

/// Reads a cached value piece by piece ([`std::io::Read`]), hashing it on
/// the way.
///
/// When the end is reached the hash is compared with the integrity: on a
/// mismatch the final `read` returns an [`io::ErrorKind::InvalidData`] error
/// (so `read_to_end` and `io::copy` fail), and [`SyncReader::check`] returns
/// the [`Error::IntegrityMismatch`]. Bytes handed out before the end cannot
/// be taken back: call `check` (or read to the end and handle its error)
/// before trusting the data.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// capcache::write_sync(dir, "k", b"streamed")?;
/// let mut reader = capcache::SyncReader::open(dir, "k")?;
/// let mut data = Vec::new();
/// reader.read_to_end(&mut data)?;
/// reader.check()?;
/// assert_eq!(data, b"streamed");
/// # Ok(())
/// # }
/// ```
pub struct SyncReader {
    file: File,
    path: PathBuf,
    sri: Integrity,
    checker: Option<IntegrityChecker>,
    /// The outcome once the end was reached.
    verdict: Option<Result<Algorithm, (Integrity, Integrity)>>,
}

impl std::fmt::Debug for SyncReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncReader")
            .field("path", &self.path)
            .field("integrity", &self.sri)
            .field("finished", &self.verdict.is_some())
            .finish_non_exhaustive()
    }
}

impl SyncReader {
    pub(crate) fn start(cache: &Cache, sri: Integrity) -> Result<SyncReader> {
        let (file, path) = content::open(cache.store(), &sri)?;
        Ok(SyncReader {
            file,
            path,
            checker: Some(IntegrityChecker::new(sri.clone())),
            sri,
            verdict: None,
        })
    }

    /// The integrity the data is checked against.
    pub fn integrity(&self) -> &Integrity {
        &self.sri
    }

    /// Reads whatever is left (so the hash covers the whole value) and
    /// reports whether the data matched its integrity.
    ///
    /// # Errors
    ///
    /// [`Error::IntegrityMismatch`] if it did not; [`Error::Io`] if the rest
    /// could not be read.
    pub fn check(mut self) -> Result<Algorithm> {
        if self.verdict.is_none() {
            // The last read fails on a mismatch; the verdict says which.
            if let Err(e) = io::copy(&mut self, &mut io::sink()) {
                if self.verdict.is_none() {
                    return Err(Error::io(&self.path, e));
                }
            }
        }
        match self.verdict {
            Some(Ok(algo)) => Ok(algo),
            Some(Err((expected, found))) => Err(Error::IntegrityMismatch {
                path: Some(self.path),
                expected,
                found,
            }),
            None => unreachable!("reading to the end sets the verdict"),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        let Some(checker) = self.checker.take() else {
            return Ok(());
        };
        let verdict = checker.result().map_err(|e| match e {
            ssri::Error::IntegrityCheckError(expected, found) => (expected, found),
            _ => (self.sri.clone(), Integrity { hashes: Vec::new() }),
        });
        let bad = verdict.as_ref().err().cloned();
        self.verdict = Some(verdict);
        match bad {
            None => Ok(()),
            Some((expected, found)) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Error::IntegrityMismatch {
                    path: Some(self.path.clone()),
                    expected,
                    found,
                },
            )),
        }
    }
}

impl Read for SyncReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        match (&mut self.checker, n) {
            (Some(_), 0) if !buf.is_empty() => {
                self.finish()?;
            }
            (Some(checker), n) => checker.input(&buf[..n]),
            (None, _) => {}
        }
        Ok(n)
    }
}
