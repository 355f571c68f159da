//! [`Tee`]: the async tee, a `Stream` of chunks over a `Stream` of chunks.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use capcache::Integrity;
use futures_lite::Stream;

use super::pool::Batch;
use super::sink::Sink;
use super::BATCH;
use crate::error::{Error, Result};
use crate::rt;

type Commit = Pin<Box<dyn Future<Output = Result<Integrity>> + Send>>;

/// A batch being written on the blocking pool; gives the sink back with
/// the emptied buffer.
type Flush = Pin<Box<dyn Future<Output = (Sink, Batch, Result<()>)> + Send>>;

/// Where the cache side of the tee is.
enum Side {
    /// Gathering chunks into batches and writing them into the cache.
    Caching(Box<Batches>),
    /// Upstream ended; the last batch, the content and its index line are
    /// being committed.
    Committing(Commit),
    /// Stored, failed or abandoned (see [`Tee::outcome`]).
    Done,
}

/// The body gathered into batches of [`BATCH`] bytes, each written on the
/// blocking pool while the next one is gathered.
struct Batches {
    /// `None` while `flush` has it.
    sink: Option<Sink>,
    /// The batch being gathered.
    batch: Batch,
    /// The buffer of the last written batch, for the next one.
    spare: Option<Batch>,
    flush: Option<Flush>,
}

impl Batches {
    /// Waits for the batch being written, if any; then the sink is here.
    fn poll_flushed(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(flush) = &mut self.flush {
            let (sink, spare, result) = ready!(flush.as_mut().poll(cx));
            self.flush = None;
            self.sink = Some(sink);
            self.spare = Some(spare);
            result?;
        }
        Poll::Ready(Ok(()))
    }

    /// Starts writing the gathered batch (the sink must be here).
    fn start_flush(&mut self) {
        let Some(mut sink) = self.sink.take() else {
            return;
        };
        let next = self.spare.take().unwrap_or_else(Batch::new);
        let mut batch = std::mem::replace(&mut self.batch, next);
        self.flush = Some(Box::pin(rt::run(move || {
            let result = sink.write_all(&batch);
            batch.clear();
            (sink, batch, result)
        })));
    }

    /// Once the batch in flight is written: the rest, then the commit.
    fn commit(self: Box<Self>, key: String) -> Commit {
        Box::pin(async move {
            let Batches {
                sink, batch, flush, ..
            } = *self;
            let sink = match (flush, sink) {
                (Some(flush), _) => match flush.await {
                    (sink, _, Ok(())) => sink,
                    (_, _, Err(e)) => return Err(e),
                },
                (None, Some(sink)) => sink,
                // Every path that takes the sink out puts a flush in.
                (None, None) => return Err(Error::Incomplete { key }),
            };
            rt::run(move || sink.commit(&batch)).await
        })
    }
}

/// The body of a response being stored, as returned by
/// [`HttpStore::store`](crate::HttpStore::store): a `Stream` of the
/// upstream's chunks, each copied into a batch for the cache before it is
/// handed on. A batch is written when it holds 1 MiB (on the blocking pool,
/// off the executor thread, while the next one is gathered; hashing and the
/// file write overlap on two threads) or when upstream ends; a write error
/// shows by the commit at the latest. When upstream ends the last batch is
/// written and the entry committed (content, then one index line holding
/// parts and policy) before the tee ends.
///
/// Caching never fails the caller's stream: a cache that cannot be written
/// (from the start, or midway) is recorded in [`Tee::outcome`] and the
/// chunks keep flowing. An upstream
/// error is passed on as is and stores nothing; so does dropping the tee
/// before the end. The upstream is boxed, so it need not be `Unpin`.
///
/// # Examples
///
/// ```
/// use futures_lite::{stream, StreamExt};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let store = capcache_http::HttpStore::open(tmp.path())?;
/// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
/// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
/// futures_lite::future::block_on(async {
///     let chunks = vec![Ok::<_, std::io::Error>(b"hello ".to_vec()), Ok(b"world".to_vec())];
///     let mut tee = store.store("k", &Default::default(), &policy, stream::iter(chunks)).await;
///     let mut served = Vec::new();
///     while let Some(chunk) = tee.next().await {
///         served.extend_from_slice(&chunk?); // serve it while it is cached
///     }
///     assert_eq!(served, b"hello world");
///     assert!(matches!(tee.outcome(), Some(Ok(_))));
///     Ok::<_, Box<dyn std::error::Error>>(())
/// })?;
/// # Ok(())
/// # }
/// ```
pub struct Tee<S: Stream> {
    upstream: Pin<Box<S>>,
    side: Side,
    /// The chunk being written, and how much of it is written.
    pending: Option<(S::Item, usize)>,
    key: String,
    outcome: Option<Result<Integrity>>,
    /// Upstream returned its end (it is not polled again).
    ended: bool,
}

impl<S: Stream> std::fmt::Debug for Tee<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tee")
            .field("key", &self.key)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl<S, T, E> Tee<S>
where
    S: Stream<Item = std::result::Result<T, E>>,
    T: AsRef<[u8]> + Unpin,
    E: Unpin,
{
    pub(crate) fn new(upstream: S, sink: Sink, key: String) -> Tee<S> {
        Tee {
            upstream: Box::pin(upstream),
            side: Side::Caching(Box::new(Batches {
                sink: Some(sink),
                batch: Batch::new(),
                spare: None,
                flush: None,
            })),
            pending: None,
            key,
            outcome: None,
            ended: false,
        }
    }

    /// `None` while the body streams; then the integrity of the stored
    /// body, or why nothing was stored ([`Error::Incomplete`] after an
    /// upstream error, [`Error::Io`] or [`Error::Cache`] after a failed
    /// write or commit).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::{stream, StreamExt};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// futures_lite::future::block_on(async {
    ///     let chunks = vec![Ok(b"part".to_vec()), Err(std::io::Error::other("reset"))];
    ///     let mut tee = store.store("k", &Default::default(), &policy, stream::iter(chunks)).await;
    ///     while let Some(Ok(_)) = tee.next().await {}
    ///     assert!(matches!(tee.outcome(), Some(Err(capcache_http::Error::Incomplete { .. }))));
    ///     assert!(store.get("k").await?.is_none());
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn outcome(&self) -> Option<&Result<Integrity>> {
        self.outcome.as_ref()
    }

    /// Polls the rest of the body (caching it, discarding the chunks) and
    /// returns the outcome; returns at once when it is already decided.
    ///
    /// # Errors
    ///
    /// As [`SyncTee::finish`](crate::SyncTee::finish).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::stream;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// futures_lite::future::block_on(async {
    ///     let chunks = stream::iter([Ok::<_, std::io::Error>(b"body".to_vec())]);
    ///     let tee = store.store("k", &Default::default(), &policy, chunks).await;
    ///     let sri = tee.finish().await?;
    ///     assert_eq!(store.get("k").await?.expect("stored").integrity, sri);
    ///     Ok::<_, Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn finish(mut self) -> Result<Integrity> {
        // Once the outcome is decided (caching never started, or upstream
        // or the write failed), the rest of the body changes nothing.
        while self.outcome.is_none() && futures_lite::StreamExt::next(&mut self).await.is_some() {}
        let key = self.key;
        self.outcome.unwrap_or(Err(Error::Incomplete { key }))
    }

    /// A tee that only passes `upstream` on: caching could not start.
    pub(crate) fn failed(upstream: S, error: Error) -> Tee<S> {
        Tee {
            upstream: Box::pin(upstream),
            side: Side::Done,
            pending: None,
            key: error.key().unwrap_or_default().to_owned(),
            outcome: Some(Err(error)),
            ended: false,
        }
    }

    /// Ends the cache side and records why.
    fn conclude(&mut self, outcome: Result<Integrity>) {
        self.side = Side::Done;
        self.outcome = Some(outcome);
    }
}

impl<S, T, E> Stream for Tee<S>
where
    S: Stream<Item = std::result::Result<T, E>>,
    T: AsRef<[u8]> + Unpin,
    E: Unpin,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        loop {
            // A chunk is handed on once it is gathered for the cache (or the
            // cache gave up).
            if let (Some((Ok(chunk), copied)), Side::Caching(batches)) =
                (&mut this.pending, &mut this.side)
            {
                let rest = &chunk.as_ref()[*copied..];
                if !rest.is_empty() {
                    if batches.batch.len() < BATCH {
                        let n = rest.len().min(BATCH - batches.batch.len());
                        batches.batch.extend_from_slice(&rest[..n]);
                        *copied += n;
                        continue;
                    }
                    // A full batch and more to come: write it once the
                    // last one is written.
                    if let Err(why) = ready!(batches.poll_flushed(cx)) {
                        this.conclude(Err(why));
                    } else {
                        batches.start_flush();
                    }
                    continue;
                }
            }
            if let Some((item, _)) = this.pending.take() {
                return Poll::Ready(Some(item));
            }
            if let Side::Committing(commit) = &mut this.side {
                let result = ready!(commit.as_mut().poll(cx));
                this.conclude(result);
                return Poll::Ready(None);
            }
            if this.ended {
                return Poll::Ready(None);
            }
            let next = match this.upstream.as_mut().poll_next(cx) {
                Poll::Ready(next) => next,
                Poll::Pending => {
                    // Upstream is slow: write a full batch meanwhile.
                    if let Side::Caching(batches) = &mut this.side {
                        if batches.batch.len() >= BATCH && batches.flush.is_none() {
                            batches.start_flush();
                            // Registers the waker (runs it, where it runs inline).
                            if let Poll::Ready(Err(why)) = batches.poll_flushed(cx) {
                                this.conclude(Err(why));
                            }
                        }
                    }
                    return Poll::Pending;
                }
            };
            match next {
                Some(Ok(chunk)) => this.pending = Some((Ok(chunk), 0)),
                Some(Err(e)) => {
                    if matches!(this.side, Side::Caching(_)) {
                        let key = this.key.clone();
                        this.conclude(Err(Error::Incomplete { key }));
                    }
                    return Poll::Ready(Some(Err(e)));
                }
                None => {
                    this.ended = true;
                    if let Side::Caching(batches) = std::mem::replace(&mut this.side, Side::Done) {
                        this.side = Side::Committing(batches.commit(this.key.clone()));
                    }
                }
            }
        }
    }
}
