//! [`Sink`]: the cache side of a tee, for the blocking and the async tee.

use std::io::{self, Write};
use std::path::PathBuf;

use capcache::{Cache, Integrity, SyncWriter, WriteOpts};

use crate::error::{Error, Result};

/// Where a tee's batches go: the entry's writer, and the mapping of its
/// errors to the crate's. The async tee opens it with the first batch
/// written (on the blocking pool, in the same trip as that batch: a body
/// of at most 1 MiB makes one trip in all); the blocking tee opens it at
/// once, since it has no trip to save and its outcome is then known from
/// the start.
#[derive(Debug)]
pub(crate) struct Sink {
    key: String,
    /// Until the writer is opened.
    opening: Option<(WriteOpts, Cache)>,
    writer: Option<SyncWriter>,
}

impl Sink {
    /// A sink that opens its writer with `opts` in `cache` when first used.
    #[cfg(feature = "async")]
    pub(crate) fn new(key: String, opts: WriteOpts, cache: Cache) -> Sink {
        Sink::unopened(key, opts, cache)
    }

    /// A sink whose writer is open already.
    pub(crate) fn opened(key: String, opts: WriteOpts, cache: Cache) -> Result<Sink> {
        let mut sink = Sink::unopened(key, opts, cache);
        sink.writer()?;
        Ok(sink)
    }

    fn unopened(key: String, opts: WriteOpts, cache: Cache) -> Sink {
        Sink {
            key,
            opening: Some((opts, cache)),
            writer: None,
        }
    }

    /// The writer, opened if it is not yet.
    fn writer(&mut self) -> Result<&mut SyncWriter> {
        if let Some((opts, cache)) = self.opening.take() {
            let writer = opts
                .open_sync(&cache, &self.key)
                .map_err(|e| Error::cache(self.key.clone(), e))?;
            self.writer = Some(writer);
        }
        // `None` once opening failed, which was reported then.
        self.writer.as_mut().ok_or_else(|| Error::Incomplete {
            key: self.key.clone(),
        })
    }

    /// Writes `data` into the entry (blocking).
    pub(crate) fn write_all(&mut self, data: &[u8]) -> Result<()> {
        let written = self.writer()?.write_all(data);
        written.map_err(|e| write_error(&self.key, e))
    }

    /// Writes the rest and commits the entry (blocking).
    pub(crate) fn commit(mut self, rest: &[u8]) -> Result<Integrity> {
        self.write_all(rest)?;
        match self.writer {
            Some(writer) => writer.commit().map_err(|e| Error::cache(self.key, e)),
            None => Err(Error::Incomplete { key: self.key }),
        }
    }
}

/// The error for a failed write of `key`'s body into the cache: capcache's
/// writers report it as an `io::Error` wrapping their own error (with the
/// temp file's path), which becomes [`Error::Cache`]; anything else is an
/// I/O error in the cache's `tmp` directory.
fn write_error(key: &str, err: io::Error) -> Error {
    match crate::error::take_inner::<capcache::Error>(err) {
        Ok(cache) => Error::cache(key.to_owned(), cache),
        Err(source) => Error::Io {
            path: PathBuf::from("tmp"),
            source,
        },
    }
}
