//! Reading one value through every read API, for the checks that each
//! returns the exact value or an error.

use std::fs;
use std::io::Read;
use std::path::Path;

use capcache::{Cache, Error, Integrity};

/// A way to read a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `read_sync(key)`: whole value.
    ReadSync,
    /// `read_hash_sync(sri)`, with the integrity the write returned.
    ReadHashSync,
    /// `SyncReader::open(key)` + `read_to_end`, as a streaming user would.
    Stream,
    /// `read(key).await` (async API).
    Async,
    /// `copy_sync(key, file)`, then the file's bytes.
    Copy,
}

/// Every API, in the order checks run them.
pub const ALL: [Api; 5] = [
    Api::ReadSync,
    Api::ReadHashSync,
    Api::Stream,
    Api::Async,
    Api::Copy,
];

/// What a read produced. `Ok` holds the bytes a user would take as the
/// value; `Err` the error, or for [`Api::Copy`] a violation of its promise
/// that a failed copy leaves no destination.
pub type Outcome = Result<Vec<u8>, Failure>;

/// Why a read produced no value.
#[derive(Debug)]
pub enum Failure {
    /// The library's error.
    Error(Error),
    /// The API broke a promise other than "exact bytes or error".
    Broken(String),
}

impl Failure {
    /// The error, if this was one.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Failure::Error(e) => Some(e),
            Failure::Broken(_) => None,
        }
    }
}

/// Reads `key` (or `sri` for [`Api::ReadHashSync`]) through `api`. `scratch`
/// is a directory outside the cache for copies.
pub fn read(cache: &Cache, api: Api, key: &str, sri: &Integrity, scratch: &Path) -> Outcome {
    let err = Failure::Error;
    match api {
        Api::ReadSync => cache.read_sync(key).map_err(err),
        Api::ReadHashSync => cache.read_hash_sync(sri).map_err(err),
        Api::Stream => {
            let mut reader = capcache::SyncReader::open(cache, key).map_err(err)?;
            let mut data = Vec::new();
            match reader.read_to_end(&mut data) {
                // What a user who reads to the end without `check` takes as
                // the value; the caller compares it.
                Ok(_) => match reader.check() {
                    Ok(_) => Ok(data),
                    Err(e) => Err(Failure::Broken(format!(
                        "read_to_end succeeded but check() failed: {e}"
                    ))),
                },
                Err(_) => Err(err(reader
                    .check()
                    .expect_err("a failed streaming read must fail check() too"))),
            }
        }
        Api::Async => futures_lite::future::block_on(cache.read(key)).map_err(err),
        Api::Copy => {
            let dest = scratch.join("copy-out");
            let _ = fs::remove_file(&dest);
            match capcache::copy_sync(cache, key, &dest) {
                Ok(n) => {
                    let data = fs::read(&dest).map_err(|e| {
                        Failure::Broken(format!("copy returned Ok but its file: {e}"))
                    })?;
                    if n != data.len() as u64 {
                        return Err(Failure::Broken(format!(
                            "copy returned {n} bytes, file has {}",
                            data.len()
                        )));
                    }
                    Ok(data)
                }
                Err(e) if dest.exists() => Err(Failure::Broken(format!(
                    "copy failed ({e}) and left {} bytes at its destination",
                    fs::metadata(&dest).map(|m| m.len()).unwrap_or(0)
                ))),
                Err(e) => Err(err(e)),
            }
        }
    }
}
