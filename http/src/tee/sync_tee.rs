//! [`SyncTee`]: the blocking tee, an `io::Read` over an `io::Read`.

use std::io::{self, Read};

use capcache::Integrity;

use super::pool::Batch;
use super::sink::Sink;
use super::BATCH;
use crate::error::{Error, Result};

/// The body of a response being stored, as returned by
/// [`HttpStore::store_sync`](crate::HttpStore::store_sync): reading it reads
/// the upstream body and writes it into the cache, gathered into writes of
/// 1 MiB (hashed and written to disk on two threads where there are
/// threads); the read that returns the end of the body writes the rest and
/// commits the entry (content, then one index line holding parts and
/// policy).
///
/// Caching never fails the caller's read: a cache that cannot be written
/// (from the start, or midway) is recorded in [`SyncTee::outcome`] and the
/// bytes keep flowing. An upstream error is
/// returned as is and stores nothing; so does dropping the tee before the
/// end.
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
/// let upstream: &[u8] = b"streamed body";
/// let mut tee = store.store_sync("k", &Default::default(), &policy, upstream);
/// let mut served = Vec::new();
/// tee.read_to_end(&mut served)?; // the caller gets every byte as it is cached
/// assert_eq!(served, b"streamed body");
/// let sri = tee.finish()?; // already committed at the end of the body
/// assert_eq!(store.get_sync("k")?.expect("stored").integrity, sri);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SyncTee<R> {
    upstream: R,
    sink: Option<Sink>,
    /// Read but not yet written into the cache (less than [`BATCH`]);
    /// taken when the first read smaller than a batch comes.
    batch: Option<Batch>,
    key: String,
    outcome: Option<Result<Integrity>>,
}

impl<R: Read> SyncTee<R> {
    pub(crate) fn new(upstream: R, sink: Sink, key: String) -> SyncTee<R> {
        SyncTee {
            upstream,
            sink: Some(sink),
            batch: None,
            key,
            outcome: None,
        }
    }

    /// `None` while the body streams; then the integrity of the stored
    /// body, or why nothing was stored ([`Error::Incomplete`] after an
    /// upstream error, the cache's error after a failed write). A tee whose
    /// cache entry could not even be started has its error from the start.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let mut tee = store.store_sync("k", &Default::default(), &policy, &b"body"[..]);
    /// assert!(tee.outcome().is_none());
    /// std::io::copy(&mut tee, &mut std::io::sink())?;
    /// assert!(matches!(tee.outcome(), Some(Ok(_))));
    /// # Ok(())
    /// # }
    /// ```
    pub fn outcome(&self) -> Option<&Result<Integrity>> {
        self.outcome.as_ref()
    }

    /// Reads the rest of the body (caching it) and returns the outcome.
    ///
    /// # Errors
    ///
    /// [`Error::Incomplete`] if the upstream body failed (now or earlier);
    /// [`Error::Cache`] or [`Error::Io`] if writing the cache failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let tee = store.store_sync("k", &Default::default(), &policy, &b"body"[..]);
    /// let sri = tee.finish()?;
    /// assert_eq!(store.get_sync("k")?.expect("stored").integrity, sri);
    /// # Ok(())
    /// # }
    /// ```
    pub fn finish(mut self) -> Result<Integrity> {
        if self.outcome.is_none() {
            // An upstream error is recorded as the outcome by `read`.
            let _ = io::copy(&mut self, &mut io::sink());
        }
        self.outcome.unwrap_or_else(|| {
            Err(Error::Incomplete {
                key: self.key.clone(),
            })
        })
    }

    /// A tee that only passes `upstream` on: caching could not start.
    pub(crate) fn failed(upstream: R, error: Error) -> SyncTee<R> {
        SyncTee {
            upstream,
            sink: None,
            batch: None,
            key: error.key().unwrap_or_default().to_owned(),
            outcome: Some(Err(error)),
        }
    }

    /// Drops the writer (its temp file goes with it) and records why.
    fn abandon(&mut self, why: Error) {
        self.sink = None;
        self.batch = None;
        self.outcome = Some(Err(why));
    }

    /// Queues `data` for the cache: written as each batch fills.
    fn cache(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let Some(sink) = &mut self.sink else {
                return;
            };
            let gathered = self.batch.as_ref().map_or(0, |batch| batch.len());
            let written = if gathered == 0 && data.len() >= BATCH {
                // A read as big as a batch is written from the caller's buffer.
                sink.write_all(std::mem::take(&mut data))
            } else {
                // Never past a batch, so the buffer is kept for reuse.
                let batch = self.batch.get_or_insert_with(Batch::new);
                let (now, later) = data.split_at(data.len().min(BATCH - batch.len()));
                batch.extend_from_slice(now);
                data = later;
                if batch.len() < BATCH {
                    return;
                }
                let written = sink.write_all(batch);
                batch.clear();
                written
            };
            if let Err(why) = written {
                self.abandon(why);
            }
        }
    }

    /// Writes the rest of the body and commits the entry.
    fn commit(&mut self) {
        let Some(sink) = self.sink.take() else {
            return;
        };
        let batch = self.batch.take();
        let rest = batch.as_ref().map_or(&[][..], |batch| &batch[..]);
        self.outcome = Some(sink.commit(rest));
    }
}

impl<R: Read> Read for SyncTee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.upstream.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                if self.sink.is_some() {
                    let key = self.key.clone();
                    self.abandon(Error::Incomplete { key });
                }
                return Err(e);
            }
        };
        if n == 0 && !buf.is_empty() {
            self.commit();
        } else {
            self.cache(&buf[..n]);
        }
        Ok(n)
    }
}
