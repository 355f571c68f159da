//! The bounded upload queue and the worker that drains it.
//!
//! Writes go to the local cache first; then an upload job is queued (a
//! tokio channel of the configured capacity). One worker task on the
//! private runtime takes jobs in order and runs up to
//! `upload_concurrency` of them at once: content first (if-not-exists),
//! then the index object, then the pruning of older versions. `Flush` jobs
//! travel the same channel, so a flush waits for every job queued before
//! it, then hands back the failures collected since the last flush.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use capcache::Cache;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::error::Error;
use crate::line::Entry;
use crate::options::IndexMode;
use crate::stats::{bump, Counters};
use crate::store::Store;

/// One unit of work for the worker.
#[derive(Debug)]
pub(crate) enum Job {
    /// Upload a live local entry, as the named version.
    Put(capcache::Metadata, String),
    /// Record a removal, as the named version.
    Remove {
        key: String,
        time: u128,
        name: String,
    },
    /// Reply once every earlier job is done.
    Flush(oneshot::Sender<Vec<Error>>),
}

/// What the worker and the callers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) cache: Cache,
    pub(crate) counters: Counters,
    failures: Mutex<Vec<Error>>,
    /// Keys with a removal queued and not yet uploaded (and how many): a
    /// read must not pull the old value back from the remote meanwhile.
    removing: Mutex<HashMap<String, usize>>,
}

impl Shared {
    pub(crate) fn new(store: Store, cache: Cache) -> Shared {
        Shared {
            store,
            cache,
            counters: Counters::default(),
            failures: Mutex::default(),
            removing: Mutex::default(),
        }
    }

    /// Records an upload failure for the next flush.
    pub(crate) fn fail(&self, error: Error) {
        bump(&self.counters.upload_errors);
        self.record(error);
    }

    /// Keeps `error` for the next flush (counted by the caller).
    pub(crate) fn record(&self, error: Error) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(error);
    }

    fn take_failures(&self) -> Vec<Error> {
        std::mem::take(&mut *self.failures.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn is_removing(&self, key: &str) -> bool {
        self.removing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(key)
    }

    pub(crate) fn mark_removing(&self, key: &str, on: bool) {
        let mut removing = self.removing.lock().unwrap_or_else(PoisonError::into_inner);
        if on {
            *removing.entry(key.to_owned()).or_default() += 1;
        } else if let Some(n) = removing.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                removing.remove(key);
            }
        }
    }

    /// Uploads one live entry: content, then its index object (version
    /// `name`), then prunes.
    pub(crate) async fn upload(&self, meta: &capcache::Metadata, name: &str) -> Result<(), Error> {
        // A write-once index that holds the key already keeps it: its
        // content must not go up unreferenced (nothing would collect it).
        if self.store.mode == IndexMode::WriteOnce && self.store.index_exists(&meta.key).await? {
            return Ok(());
        }
        let uploaded = self
            .store
            .upload_content(&self.cache, &meta.key, &meta.integrity, meta.size as u64)
            .await?;
        bump(if uploaded {
            &self.counters.content_uploads
        } else {
            &self.counters.content_present
        });
        // `None`: a write-once index already holds the key (first writer wins).
        if self
            .store
            .put_index(&Entry::live(meta), name)
            .await?
            .is_some()
        {
            bump(&self.counters.uploads);
            self.store.prune(&meta.key).await?;
        }
        Ok(())
    }

    async fn run(&self, job: Job) {
        let result = match &job {
            Job::Put(meta, name) => self.upload(meta, name).await,
            Job::Remove { key, time, name } => {
                let result = async {
                    self.store
                        .put_index(&Entry::tombstone(key, *time), name)
                        .await?;
                    self.store.prune(key).await.map(|_| ())
                }
                .await;
                self.mark_removing(key, false);
                result
            }
            Job::Flush(_) => Ok(()),
        };
        if let Err(e) = result {
            self.fail(e);
        }
    }
}

/// Drains the queue until every sender is gone.
pub(crate) async fn worker(shared: Arc<Shared>, mut rx: mpsc::Receiver<Job>, concurrency: usize) {
    let mut tasks = JoinSet::new();
    loop {
        // Take a job only when it can start: at most `concurrency` uploads
        // run and at most the channel's capacity wait.
        while tasks.len() >= concurrency {
            if let Some(done) = tasks.join_next().await {
                reap(&shared, done);
            }
        }
        let Some(job) = rx.recv().await else { break };
        while let Some(done) = tasks.try_join_next() {
            reap(&shared, done);
        }
        match job {
            Job::Flush(reply) => {
                while let Some(done) = tasks.join_next().await {
                    reap(&shared, done);
                }
                let _ = reply.send(shared.take_failures());
            }
            job => {
                let shared = shared.clone();
                tasks.spawn(async move { shared.run(job).await });
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        reap(&shared, done);
    }
}

fn reap(shared: &Shared, done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        shared.fail(Error::Runtime {
            reason: format!("an upload task failed: {e}"),
        });
    }
}
