//! Walking every bucket: the iterator behind `list_sync` and `index::ls`.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;
#[cfg(not(target_family = "wasm"))]
use std::sync::{mpsc, Mutex};

use cap_std::fs::Dir;

use super::{bucket, line};
use crate::engine::layout::Area;
use crate::engine::store::Store;
use crate::engine::sys::listing::{self, Kind};
use crate::error::{Error, Result};
use crate::format::IndexFormat;
use crate::metadata::Metadata;

/// Iterator over every live entry of a cache, in no particular order.
///
/// Buckets are read as the iteration goes: by the iterating thread, or, in
/// a cache of more than a few shards where threads exist, by one walker
/// thread per core that hands entries over through a bounded queue (so a
/// listing holds a few thousand entries in memory at most, whatever the
/// size of the cache; dropping the iterator stops the walkers). An entry
/// whose stored data is unusable (say, a malformed integrity) is yielded as
/// an `Err` and the walk goes on; an unreadable directory is yielded as an
/// `Err` and skipped.
pub struct EntryIter {
    state: State,
}

impl std::fmt::Debug for EntryIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            State::Unopened(_) => "unopened",
            State::Walking(_) => "walking",
            #[cfg(not(target_family = "wasm"))]
            State::Walkers { .. } => "walking in parallel",
            State::Done => "done",
        };
        f.debug_struct("EntryIter").field("state", &state).finish()
    }
}

/// A batch of entries a walker hands over.
#[cfg(not(target_family = "wasm"))]
type Batch = Vec<Result<Metadata>>;

/// Opens the cache where the listing runs: `None` if it does not exist.
type Opener = Box<dyn FnOnce() -> Result<Option<Arc<Store>>> + Send>;

enum State {
    Unopened(Opener),
    Walking(Walk),
    /// Walker threads fill `batches`; `current` is the batch being yielded.
    #[cfg(not(target_family = "wasm"))]
    Walkers {
        batches: mpsc::Receiver<Batch>,
        current: std::vec::IntoIter<Result<Metadata>>,
    },
    Done,
}

/// Top-level shards from which a listing uses walker threads: below that,
/// starting threads costs more than they save.
#[cfg(not(target_family = "wasm"))]
const PARALLEL_SHARDS: usize = 16;

/// Batches a walker hands over at most, and entries per batch: the queue
/// holds about `QUEUE × BATCH` entries.
#[cfg(not(target_family = "wasm"))]
const QUEUE: usize = 16;
#[cfg(not(target_family = "wasm"))]
const BATCH: usize = 128;

/// A directory being walked: its path under `index-v5`, its handle, and
/// the names in it not visited yet.
type Level = (PathBuf, Dir, std::vec::IntoIter<(OsString, Kind)>);

struct Walk {
    store: Arc<Store>,
    format: IndexFormat,
    /// How deep the first directory of `stack` lies below `index-v5`.
    base: usize,
    /// Open directories and the names left to visit in each, outermost
    /// first, with their relative paths.
    stack: Vec<Level>,
    pending: VecDeque<Result<Metadata>>,
}

impl EntryIter {
    /// A listing of the cache `open` opens on the first `next`.
    pub(crate) fn new(open: impl FnOnce() -> Result<Option<Arc<Store>>> + Send + 'static) -> Self {
        EntryIter {
            state: State::Unopened(Box::new(open)),
        }
    }

    fn start(open: Opener) -> Result<State> {
        // Listing a cache that does not exist finds nothing and creates nothing.
        let Some(store) = open()? else {
            return Ok(State::Done);
        };
        let format = store.index_format()?;
        let display = || store.layout().display_path(Area::Index.name());
        // A handle of its own: the walk outlives this call. (`try_clone`
        // would be shorter but is unsupported on WASI.)
        let dir = match store.layout().root().open_dir(Area::Index.name()) {
            Ok(dir) => dir,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::Done),
            Err(e) => return Err(Error::io(display(), e)),
        };
        let names = listing::names(&dir).map_err(|e| Error::io(display(), e))?;
        #[cfg(not(target_family = "wasm"))]
        {
            let workers = crate::engine::parallel::workers();
            let shards: Vec<OsString> = listing::subdirs(names.clone()).collect();
            if workers > 1 && shards.len() >= PARALLEL_SHARDS {
                let own = dir.try_clone().map_err(|e| Error::io(display(), e))?;
                if let Some(state) = walkers(&store, format, own, shards, workers) {
                    return Ok(state);
                }
            }
        }
        let mut walk = Walk::new(store, format, 0);
        walk.stack.push((PathBuf::new(), dir, names.into_iter()));
        Ok(State::Walking(walk))
    }
}

/// The top-level shards left to walk, shared by the walkers, and the
/// directory they are in.
#[cfg(not(target_family = "wasm"))]
type Shards = Arc<(Dir, Mutex<Vec<std::ffi::OsString>>)>;

/// Starts `workers` threads that take the top-level `shards` one at a time
/// and walk them; `None` if not one thread could be started.
#[cfg(not(target_family = "wasm"))]
fn walkers(
    store: &Arc<Store>,
    format: IndexFormat,
    dir: Dir,
    shards: Vec<std::ffi::OsString>,
    workers: usize,
) -> Option<State> {
    let (send, batches) = mpsc::sync_channel(QUEUE);
    let shared: Shards = Arc::new((dir, Mutex::new(shards)));
    let mut started = 0;
    for _ in 0..workers {
        let (store, shared, send) = (store.clone(), shared.clone(), send.clone());
        // The threads that start take every shard between them.
        started += std::thread::Builder::new()
            .name("capcache-list".into())
            .spawn(move || walk_shards(store, format, &shared, &send))
            .is_ok() as usize;
    }
    (started > 0).then(|| State::Walkers {
        batches,
        current: Vec::new().into_iter(),
    })
}

/// A walker: takes shards until none are left, sending what it finds in
/// batches; stops early when the iterator is dropped.
#[cfg(not(target_family = "wasm"))]
fn walk_shards(
    store: Arc<Store>,
    format: IndexFormat,
    shared: &Shards,
    send: &mpsc::SyncSender<Batch>,
) {
    let (dir, shards) = &**shared;
    let next = || shards.lock().unwrap_or_else(|p| p.into_inner()).pop();
    let mut batch = Vec::new();
    while let Some(name) = next() {
        let mut walk = Walk::new(store.clone(), format, 1);
        walk.enter(dir, Path::new(""), &name);
        while walk.next_bucket() {
            batch.extend(walk.pending.drain(..));
            if batch.len() >= BATCH && send.send(std::mem::take(&mut batch)).is_err() {
                return;
            }
        }
        batch.extend(walk.pending.drain(..));
    }
    if !batch.is_empty() {
        let _ = send.send(batch);
    }
}

impl Walk {
    fn new(store: Arc<Store>, format: IndexFormat, base: usize) -> Walk {
        Walk {
            store,
            format,
            base,
            stack: Vec::new(),
            pending: VecDeque::new(),
        }
    }

    /// Opens the directory `name` in `dir` (at `rel`) and pushes its
    /// listing; an error is queued instead.
    #[cfg(not(target_family = "wasm"))]
    fn enter(&mut self, dir: &Dir, rel: &Path, name: &OsStr) {
        match open_listing(&self.store, dir, rel, name) {
            Ok(opened) => self.stack.push(opened),
            Err(e) => self.pending.push_back(Err(e)),
        }
    }

    /// Advances to the next bucket and queues its entries; `false` when the
    /// walk is over.
    fn next_bucket(&mut self) -> bool {
        loop {
            let depth = self.base + self.stack.len();
            let Some((rel, dir, entries)) = self.stack.last_mut() else {
                return !self.pending.is_empty();
            };
            let Some((name, kind)) = entries.next() else {
                self.stack.pop();
                continue;
            };
            // Shards are two levels of directories; buckets are files below them.
            if depth < 3 {
                if kind != Kind::Dir {
                    continue;
                }
                match open_listing(&self.store, dir, rel, &name) {
                    Ok(opened) => self.stack.push(opened),
                    Err(e) => {
                        self.pending.push_back(Err(e));
                        return true;
                    }
                }
                continue;
            }
            if kind == Kind::Dir {
                continue;
            }
            let child = rel.join(&name);
            match bucket::read_in(&self.store, dir, Path::new(&name), &child) {
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
            match bucket::to_metadata(&self.store, rel, raw) {
                Ok(Some(meta)) => self.pending.push_back(Ok(meta)),
                Ok(None) => {}
                Err(e) => self.pending.push_back(Err(e)),
            }
        }
    }
}

/// The directory `name` in `dir` (at `rel` under `index-v5`), opened with
/// its names.
fn open_listing(store: &Store, dir: &Dir, rel: &Path, name: &OsStr) -> Result<Level> {
    let child = rel.join(name);
    match listing::open(dir, Path::new(name)) {
        Ok((dir, names)) => Ok((child, dir, names.into_iter())),
        Err(e) => {
            let path = Path::new(Area::Index.name()).join(&child);
            Err(Error::io(store.layout().display_path(path), e))
        }
    }
}

impl Iterator for EntryIter {
    type Item = Result<Metadata>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match &mut self.state {
                State::Unopened(_) => {
                    let State::Unopened(open) = std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!()
                    };
                    match EntryIter::start(open) {
                        Ok(state) => self.state = state,
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
                #[cfg(not(target_family = "wasm"))]
                State::Walkers { batches, current } => {
                    if let Some(item) = current.next() {
                        return Some(item);
                    }
                    match batches.recv() {
                        Ok(batch) => *current = batch.into_iter(),
                        // Every walker is done.
                        Err(_) => self.state = State::Done,
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
