//! [`SyncBody`]: a cached body as an `io::Read`.

use std::io::{self, Read};

use capcache::{Cache, Integrity, SyncReader};

use crate::error::Error;
use crate::evict::{evict, Cause};

/// A cached body, streamed from its content file and hashed as it is read:
/// the read that reaches the end fails when the bytes do not match the
/// integrity, and then the entry is evicted (the next `get` misses). A
/// caller that reads to the end has therefore been handed only verified
/// bytes, or an error.
///
/// That error is an [`io::Error`] of kind `InvalidData` wrapping
/// [`Error::Damaged`] (see [`Error::from_io`]).
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let store = capcache_http::HttpStore::open(tmp.path())?;
/// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
/// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
/// store.store_bytes_sync("k", &Default::default(), &policy, b"hello")?;
/// let mut body = store.get_sync("k")?.expect("stored").body;
/// let mut text = String::new();
/// body.read_to_string(&mut text)?;
/// assert_eq!(text, "hello");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SyncBody {
    reader: SyncReader,
    cache: Cache,
    key: String,
}

impl SyncBody {
    pub(crate) fn new(reader: SyncReader, cache: Cache, key: String) -> SyncBody {
        SyncBody { reader, cache, key }
    }

    /// The integrity the body is checked against.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// assert_eq!(store.get_sync("k")?.expect("stored").body.integrity(), &sri);
    /// # Ok(())
    /// # }
    /// ```
    pub fn integrity(&self) -> &Integrity {
        self.reader.integrity()
    }

    /// Reads the whole body into memory, verified.
    ///
    /// # Errors
    ///
    /// As [`Read::read`]: `InvalidData` wrapping [`Error::Damaged`] for a
    /// damaged body (its entry is evicted), or the file's I/O error.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// assert_eq!(store.get_sync("k")?.expect("stored").body.bytes()?, b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn bytes(mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.read_to_end(&mut out)?;
        Ok(out)
    }
}

impl Read for SyncBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf).map_err(|e| match into_mismatch(e) {
            Ok(source) => {
                evict(
                    &self.cache,
                    &self.key,
                    self.reader.integrity(),
                    Cause::Unusable,
                );
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    Error::Damaged {
                        key: self.key.clone(),
                        source,
                    },
                )
            }
            Err(e) => e,
        })
    }
}

/// The [`capcache::Error::IntegrityMismatch`] inside `err`, or `err` back.
fn into_mismatch(err: io::Error) -> Result<capcache::Error, io::Error> {
    let is_mismatch = err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<capcache::Error>())
        .is_some_and(|e| matches!(e, capcache::Error::IntegrityMismatch { .. }));
    match is_mismatch {
        true => crate::error::take_inner(err),
        false => Err(err),
    }
}
