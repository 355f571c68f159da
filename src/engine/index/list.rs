//! Walking every bucket: the iterator behind `list_sync` and `index::ls`.

use std::collections::VecDeque;
use std::path::PathBuf;

use cap_std::fs::{Dir, ReadDir};

use super::{bucket, line};
use crate::cache::{Cache, CacheSource};
use crate::engine::layout::Area;
use crate::error::{Error, Result};
use crate::format::IndexFormat;
use crate::metadata::Metadata;

/// Iterator over every live entry of a cache, bucket by bucket.
///
/// Buckets are read lazily, one at a time. An entry whose stored data is
/// unusable (say, a malformed integrity) is yielded as an `Err` and the walk
/// goes on; an unreadable directory is yielded as an `Err` and skipped.
pub struct EntryIter {
    state: State,
}

impl std::fmt::Debug for EntryIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Unopened(_) => "unopened",
            State::Walking(_) => "walking",
            State::Done => "done",
        };
        f.debug_struct("EntryIter").field("state", &state).finish()
    }
}

enum State {
    Unopened(CacheSource),
    Walking(Walk),
    Done,
}

struct Walk {
    cache: Cache,
    format: IndexFormat,
    /// Open directory listings, outermost first, with their relative paths.
    stack: Vec<(PathBuf, Dir, ReadDir)>,
    pending: VecDeque<Result<Metadata>>,
}

impl EntryIter {
    pub(crate) fn new(source: CacheSource) -> Self {
        EntryIter {
            state: State::Unopened(source),
        }
    }

    fn start(source: CacheSource) -> Result<Option<Walk>> {
        // Listing a cache that does not exist finds nothing and creates nothing.
        let Some(cache) = source.open_existing()? else {
            return Ok(None);
        };
        let format = cache.index_format()?;
        // A handle of its own: the walk outlives this call. (`try_clone`
        // would be shorter but is unsupported on WASI.)
        let dir = match cache.root().open_dir(Area::Index.name()) {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::io(
                    cache.layout().display_path(Area::Index.name()),
                    e,
                ))
            }
        };
        let entries = dir
            .entries()
            .map_err(|e| Error::io(cache.layout().display_path(Area::Index.name()), e))?;
        Ok(Some(Walk {
            format,
            stack: vec![(PathBuf::new(), dir, entries)],
            pending: VecDeque::new(),
            cache,
        }))
    }
}

impl Walk {
    /// Advances to the next bucket and queues its entries; `false` when the
    /// walk is over.
    fn next_bucket(&mut self) -> bool {
        loop {
            let depth = self.stack.len();
            let Some((rel, dir, entries)) = self.stack.last_mut() else {
                return false;
            };
            let Some(entry) = entries.next() else {
                self.stack.pop();
                continue;
            };
            let here = PathBuf::from(Area::Index.name()).join(&*rel);
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = self.cache.layout().display_path(here);
                    self.pending.push_back(Err(Error::io(path, e)));
                    return true;
                }
            };
            let name = entry.file_name();
            let child = rel.join(&name);
            // Shards are two levels of directories; buckets are files below them.
            if depth < 3 {
                if !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    continue;
                }
                let opened = dir.open_dir(&name).and_then(|d| {
                    let listing = d.entries()?;
                    Ok((d, listing))
                });
                match opened {
                    Ok((d, listing)) => self.stack.push((child, d, listing)),
                    Err(e) => {
                        let path = self.cache.layout().display_path(here.join(&name));
                        self.pending.push_back(Err(Error::io(path, e)));
                        return true;
                    }
                }
                continue;
            }
            match bucket::read(&self.cache, &child) {
                Ok(Some(bytes)) => self.queue_bucket(&child, &bytes),
                Ok(None) => {}
                Err(e) => self.pending.push_back(Err(e)),
            }
            if !self.pending.is_empty() {
                return true;
            }
        }
    }

    /// Queues the latest live entry of each key in a bucket, in the order of
    /// their latest lines.
    fn queue_bucket(&mut self, rel: &std::path::Path, bytes: &[u8]) {
        for raw in line::latest_per_key(self.format, bytes) {
            match bucket::to_metadata(&self.cache, rel, raw) {
                Ok(Some(meta)) => self.pending.push_back(Ok(meta)),
                Ok(None) => {}
                Err(e) => self.pending.push_back(Err(e)),
            }
        }
    }
}

impl Iterator for EntryIter {
    type Item = Result<Metadata>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match &mut self.state {
                State::Unopened(_) => {
                    let State::Unopened(source) = std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!()
                    };
                    match EntryIter::start(source) {
                        Ok(Some(walk)) => self.state = State::Walking(walk),
                        Ok(None) => return None,
                        Err(e) => return Some(Err(e)),
                    }
                }
                State::Walking(walk) => {
                    if let Some(item) = walk.pending.pop_front() {
                        return Some(item);
                    }
                    if !walk.next_bucket() {
                        self.state = State::Done;
                    }
                }
                State::Done => return None,
            }
        }
    }
}

/// A stream of every live entry of a cache: an [`EntryIter`] advanced off
/// the executor thread (inline on WASI). Returned by [`crate::list`].
#[cfg(feature = "async")]
pub struct EntryStream {
    inner: crate::rt::asynchronous::Unblock<EntryIter>,
}

#[cfg(feature = "async")]
impl std::fmt::Debug for EntryStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryStream").finish_non_exhaustive()
    }
}

#[cfg(feature = "async")]
impl EntryStream {
    pub(crate) fn new(iter: EntryIter) -> Self {
        EntryStream {
            inner: crate::rt::asynchronous::unblock_iter(iter),
        }
    }
}

#[cfg(feature = "async")]
impl futures_lite::Stream for EntryStream {
    type Item = Result<Metadata>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::pin::Pin::new(&mut self.inner).poll_next(cx)
    }
}
