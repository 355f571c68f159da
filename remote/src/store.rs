//! The remote side of every operation: finding the newest index version,
//! downloading verified content into the local cache, uploading content
//! and index objects, pruning old versions.
//!
//! Every call runs on the private runtime under the per-call deadline
//! (`runtime::timed`); local file work goes to the blocking pool.

use std::io::{Read, Write};
use std::time::Duration;

use bytes::Bytes;
use capcache::{Cache, Integrity, WriteOpts};
use futures_lite::StreamExt;
use opendal::{ErrorKind, Operator};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::layout;
use crate::line::{self, Entry};
use crate::options::{IndexMode, RemoteOptions};
use crate::runtime::{blocking, retried, timed};

/// Values up to this size move in one request and one local call; larger
/// ones stream in pieces of [`PIECE`].
const SMALL: u64 = 4 << 20;
/// Piece size of streamed local reads.
const PIECE: usize = 1 << 20;
/// How often a read re-lists a bucket whose newest version vanished
/// (pruned by a newer write) between the list and the read.
const RELISTS: usize = 3;

/// One usable index object.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) entry: Entry,
    /// Its remote path.
    pub(crate) path: String,
}

/// The object store with the settings every call needs.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub(crate) op: Operator,
    pub(crate) deadline: Duration,
    pub(crate) mode: IndexMode,
    if_not_exists: bool,
    pub(crate) can_delete: bool,
    pub(crate) can_list: bool,
    multipart: bool,
    part_size: usize,
}

impl Store {
    pub(crate) fn new(op: Operator, opts: &RemoteOptions) -> Store {
        let cap = op.info().capability();
        let mode = opts.index_mode.unwrap_or(if cap.list {
            IndexMode::Versioned
        } else {
            IndexMode::WriteOnce
        });
        Store {
            deadline: opts.deadline,
            mode,
            if_not_exists: cap.write_with_if_not_exists,
            can_delete: cap.delete,
            can_list: cap.list && mode == IndexMode::Versioned,
            multipart: cap.write_can_multi,
            part_size: opts.part_size,
            op,
        }
    }

    /// Reads a small object whole; `None` if it does not exist.
    pub(crate) async fn read_object(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match retried(self.deadline, "read", path, || self.op.read(path)).await {
            Ok(buf) => Ok(Some(buf.to_vec())),
            Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The file paths directly under `dir` (which ends in `/`).
    pub(crate) async fn list_dir(&self, dir: &str) -> Result<Vec<String>> {
        let entries = retried(self.deadline, "list", dir, || self.op.list(dir)).await?;
        Ok(entries
            .into_iter()
            .map(|e| e.path().to_owned())
            .filter(|p| p != dir && !p.ends_with('/'))
            .collect())
    }

    /// Every file path under `dir`, recursively; each page under the deadline.
    pub(crate) async fn list_all(&self, dir: &str) -> Result<Vec<(String, opendal::Metadata)>> {
        let lister = || self.op.lister_with(dir).recursive(true);
        let mut lister = retried(self.deadline, "list", dir, lister).await?;
        let mut out = Vec::new();
        loop {
            match timed(self.deadline, "list", dir, async {
                lister.next().await.transpose()
            })
            .await?
            {
                Some(entry) => {
                    let (path, meta) = entry.into_parts();
                    if !path.ends_with('/') {
                        out.push((path, meta));
                    }
                }
                None => return Ok(out),
            }
        }
    }

    /// The newest usable index object for `key` (a tombstone included).
    /// `bad` counts the unusable objects passed over.
    ///
    /// # Errors
    ///
    /// A remote failure or timeout; [`Error::BadIndex`] when the bucket's
    /// newest versions kept vanishing between list and read.
    pub(crate) async fn newest(&self, key: &str, bad: &mut u64) -> Result<Option<Found>> {
        if self.mode == IndexMode::WriteOnce {
            let path = layout::bucket(key);
            return match self.read_object(&path).await? {
                None => Ok(None),
                Some(bytes) => match parse(&path, &bytes, Some(key), false) {
                    Ok(entry) => Ok(Some(Found { entry, path })),
                    Err(e) => {
                        *bad += 1;
                        Err(e)
                    }
                },
            };
        }
        let dir = layout::bucket_dir(key);
        'relist: for _ in 0..RELISTS {
            let mut paths: Vec<String> = self
                .list_dir(&dir)
                .await?
                .into_iter()
                .filter(|p| layout::version_time(layout::file_name(p)).is_some())
                .collect();
            paths.sort_unstable_by(|a, b| b.cmp(a));
            for path in paths {
                let Some(bytes) = self.read_object(&path).await? else {
                    continue 'relist;
                };
                match parse(&path, &bytes, Some(key), true) {
                    Ok(entry) => return Ok(Some(Found { entry, path })),
                    Err(_) => *bad += 1,
                }
            }
            return Ok(None);
        }
        Err(Error::BadIndex {
            path: dir,
            reason: format!("its newest versions vanished while being read, {RELISTS} times"),
        })
    }

    /// Streams the content of `found` into the local cache, verified
    /// against its integrity and size, then inserts its index entry there.
    /// `replace` fetches even when the local cache has a content file for
    /// the integrity (it failed its check: the download replaces it).
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] (nothing stored), [`Error::ContentMissing`], a
    /// remote failure or timeout, [`Error::Local`].
    pub(crate) async fn download(&self, cache: &Cache, found: &Found, replace: bool) -> Result<()> {
        let entry = &found.entry;
        let key = entry.key.clone();
        let (sri, size) = live_parts(found)?;
        let path = content_path(&found.path, &sri)?;
        let present = {
            let (cache, sri) = (cache.clone(), sri.clone());
            blocking(move || Ok(capcache::exists_sync(&cache, &sri))).await?
        };
        if replace || !present {
            self.download_content(cache, &key, &path, &sri, size)
                .await?;
        }
        let mut opts = WriteOpts::new()
            .integrity(sri)
            .size(size as usize)
            .time(entry.time)
            .metadata(entry.metadata.clone());
        if let Some(raw) = &entry.raw_metadata {
            opts = opts.raw_metadata(raw.clone());
        }
        let cache = cache.clone();
        blocking(move || {
            capcache::index::insert(&cache, &key, opts).map_err(|e| Error::local(Some(&key), e))
        })
        .await?;
        Ok(())
    }

    async fn download_content(
        &self,
        cache: &Cache,
        key: &str,
        path: &str,
        sri: &Integrity,
        size: u64,
    ) -> Result<()> {
        let missing = |e: Error| match e {
            Error::Remote { source, .. } if source.kind() == ErrorKind::NotFound => {
                Error::ContentMissing {
                    key: key.to_owned(),
                    path: path.to_owned(),
                }
            }
            other => other,
        };
        let reader = timed(self.deadline, "read", path, self.op.reader(path))
            .await
            .map_err(missing)?;
        let mut stream = timed(self.deadline, "read", path, reader.into_stream(..))
            .await
            .map_err(missing)?;

        // The local writer runs on the blocking pool; pieces reach it over
        // a small channel, `None` meaning "all sent: commit".
        let (tx, mut rx) = mpsc::channel::<Option<Bytes>>(4);
        let writer = {
            let (cache, sri, key, path) =
                (cache.clone(), sri.clone(), key.to_owned(), path.to_owned());
            tokio::task::spawn_blocking(move || -> Result<bool> {
                let local = |e| Error::local(Some(&key), e);
                let mut w = WriteOpts::new()
                    .integrity(sri)
                    .size(size as usize)
                    .open_hash_sync(&cache)
                    .map_err(local)?;
                while let Some(piece) = rx.blocking_recv() {
                    let Some(piece) = piece else {
                        return match w.commit() {
                            Ok(_) => Ok(true),
                            Err(
                                e @ (capcache::Error::IntegrityMismatch { .. }
                                | capcache::Error::SizeMismatch { .. }),
                            ) => Err(Error::Corrupt {
                                key,
                                path,
                                source: Box::new(e),
                            }),
                            Err(e) => Err(local(e)),
                        };
                    };
                    w.write_all(&piece).map_err(|e| {
                        local(capcache::Error::Io {
                            path: path.clone().into(),
                            source: e,
                        })
                    })?;
                }
                // The sender gave up: drop the writer, store nothing.
                Ok(false)
            })
        };

        let mut received = 0u64;
        let fed: Result<()> = async {
            loop {
                let next = timed(self.deadline, "read", path, async {
                    stream.next().await.transpose()
                })
                .await
                .map_err(missing)?;
                let Some(buffer) = next else { break };
                received += buffer.len() as u64;
                if received > size {
                    // Longer than recorded: refuse before filling the disk.
                    return Err(Error::Corrupt {
                        key: key.to_owned(),
                        path: path.to_owned(),
                        source: Box::new(capcache::Error::SizeMismatch {
                            path: path.into(),
                            expected: size,
                            found: received,
                        }),
                    });
                }
                for piece in buffer {
                    if tx.send(Some(piece)).await.is_err() {
                        return Ok(()); // the writer failed; its error follows
                    }
                }
            }
            let _ = tx.send(None).await;
            Ok(())
        }
        .await;
        drop(tx);
        let written = writer.await.map_err(|e| Error::Runtime {
            reason: format!("a local write task failed: {e}"),
        });
        fed?;
        match written?? {
            true => Ok(()),
            false => Err(Error::Runtime {
                reason: "the local writer stopped without a result".into(),
            }),
        }
    }

    /// Uploads the content of a live local entry unless the store has it.
    /// Returns whether it uploaded.
    ///
    /// # Errors
    ///
    /// [`Error::Local`] if the local content cannot be read or fails its
    /// own check (nothing is uploaded then), a remote failure or timeout.
    pub(crate) async fn upload_content(
        &self,
        cache: &Cache,
        key: &str,
        sri: &Integrity,
        size: u64,
    ) -> Result<bool> {
        let path = layout::content_path(sri).map_err(|reason| Error::BadIndex {
            path: format!("local entry {key:?}"),
            reason,
        })?;
        let stat = retried(self.deadline, "stat", &path, || self.op.stat(&path)).await;
        let overwrite = match stat {
            Ok(meta) if meta.content_length() == size => return Ok(false),
            // Named by its hash yet of another size: damaged; replace it
            // with the verified local bytes.
            Ok(_) => true,
            Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        let conditional = self.if_not_exists && !overwrite;
        let result = if size <= SMALL {
            let bytes = {
                let (cache, sri, key) = (cache.clone(), sri.clone(), key.to_owned());
                blocking(move || {
                    capcache::read_hash_sync(&cache, &sri).map_err(|e| Error::local(Some(&key), e))
                })
                .await?
            };
            let write = self.op.write_with(&path, bytes).if_not_exists(conditional);
            timed(self.deadline, "write", &path, write)
                .await
                .map(|_| ())
        } else {
            self.upload_stream(cache, key, sri, &path, conditional)
                .await
        };
        match result {
            Ok(()) => Ok(true),
            // Someone else stored it first: the same bytes, by its name.
            Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::ConditionNotMatch => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    async fn upload_stream(
        &self,
        cache: &Cache,
        key: &str,
        sri: &Integrity,
        path: &str,
        conditional: bool,
    ) -> Result<()> {
        // Local pieces come from the blocking pool, read through capcache's
        // verifying reader: a damaged local file fails its last read and
        // the upload is aborted, never completed.
        let (tx, mut rx) = mpsc::channel::<Bytes>(4);
        let reader = {
            let (cache, sri, key) = (cache.clone(), sri.clone(), key.to_owned());
            tokio::task::spawn_blocking(move || -> Result<()> {
                let local = |e| Error::local(Some(&key), e);
                let mut r = capcache::SyncReader::open_hash(&cache, sri).map_err(local)?;
                loop {
                    let mut piece = vec![0; PIECE];
                    let mut filled = 0;
                    while filled < PIECE {
                        match r.read(&mut piece[filled..]) {
                            Ok(0) => break,
                            Ok(n) => filled += n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => {
                                return Err(local(capcache::Error::Io {
                                    path: format!("content of key {key:?}").into(),
                                    source: e,
                                }))
                            }
                        }
                    }
                    if filled == 0 {
                        return Ok(());
                    }
                    piece.truncate(filled);
                    if tx.blocking_send(Bytes::from(piece)).is_err() {
                        return Ok(()); // the uploader failed; its error follows
                    }
                }
            })
        };
        // Multipart uploads go without the condition: s3s-fs fails a
        // conditional CompleteMultipartUpload, and the object is named by
        // its hash, so a racing writer stores the same bytes anyway (the
        // stat before this found none).
        let builder = match self.multipart {
            true => self
                .op
                .writer_with(path)
                .chunk(self.part_size)
                .concurrent(2),
            false => self.op.writer_with(path).if_not_exists(conditional),
        };
        let mut w = match timed(self.deadline, "write", path, builder).await {
            Ok(w) => w,
            Err(e) => {
                drop(rx);
                let _ = reader.await;
                return Err(e);
            }
        };
        let sent: Result<()> = async {
            while let Some(piece) = rx.recv().await {
                timed(self.deadline, "write", path, w.write(piece)).await?;
            }
            Ok(())
        }
        .await;
        drop(rx);
        // The channel ends when the reader is done: only a verified read
        // completes the upload.
        let read = reader.await.map_err(|e| Error::Runtime {
            reason: format!("a local read task failed: {e}"),
        });
        match sent.and(read.and_then(|r| r)) {
            Ok(()) => timed(self.deadline, "write", path, w.close())
                .await
                .map(|_| ()),
            Err(e) => {
                let _ = timed(self.deadline, "write", path, w.abort()).await;
                Err(e)
            }
        }
    }

    /// Whether the write-once index object of `key` exists.
    pub(crate) async fn index_exists(&self, key: &str) -> Result<bool> {
        let path = layout::bucket(key);
        match timed(self.deadline, "stat", &path, self.op.stat(&path)).await {
            Ok(_) => Ok(true),
            Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Writes the index object of `entry` (named `name` in versioned
    /// mode). Returns its path, or `None` in write-once mode when the key
    /// was already there.
    pub(crate) async fn put_index(&self, entry: &Entry, name: &str) -> Result<Option<String>> {
        let bytes = line::encode(entry);
        let path = match self.mode {
            IndexMode::Versioned => {
                format!("{}{}", layout::bucket_dir(&entry.key), name)
            }
            IndexMode::WriteOnce => layout::bucket(&entry.key),
        };
        let write = self
            .op
            .write_with(&path, bytes)
            .if_not_exists(self.if_not_exists);
        match timed(self.deadline, "write", &path, write).await {
            Ok(_) => Ok(Some(path)),
            Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::ConditionNotMatch => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes every version of `key` older than its newest; returns how many.
    pub(crate) async fn prune(&self, key: &str) -> Result<usize> {
        if self.mode != IndexMode::Versioned || !self.can_delete {
            return Ok(0);
        }
        let mut versions: Vec<String> = self
            .list_dir(&layout::bucket_dir(key))
            .await?
            .into_iter()
            .filter(|p| layout::version_time(layout::file_name(p)).is_some())
            .collect();
        versions.sort_unstable();
        versions.pop(); // the newest stays
        for path in &versions {
            self.delete(path).await?;
        }
        Ok(versions.len())
    }

    /// Deletes an object; one already gone is fine.
    ///
    /// Two writers pruning one key delete the same objects; S3 answers the
    /// second delete with success, but some stores (s3s-fs) with an error,
    /// so a failed delete is checked with a stat before it is reported.
    pub(crate) async fn delete(&self, path: &str) -> Result<()> {
        match retried(self.deadline, "delete", path, || self.op.delete(path)).await {
            Ok(()) => Ok(()),
            Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => match timed(self.deadline, "stat", path, self.op.stat(path)).await {
                Err(Error::Remote { source, .. }) if source.kind() == ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            },
        }
    }
}

/// Decodes and checks one index object.
///
/// # Errors
///
/// [`Error::BadIndex`] with the reason.
pub(crate) fn parse(path: &str, bytes: &[u8], key: Option<&str>, versioned: bool) -> Result<Entry> {
    let bad = |reason: String| Error::BadIndex {
        path: path.to_owned(),
        reason,
    };
    let entry = line::decode(bytes).map_err(bad)?;
    if let Some(key) = key {
        if entry.key != key {
            return Err(bad(format!("it records key {:?}", entry.key)));
        }
    } else if layout::parent(path) != layout::bucket_dir(&entry.key)
        && path != layout::bucket(&entry.key)
    {
        return Err(bad(format!(
            "key {:?} does not belong in this bucket",
            entry.key
        )));
    }
    if versioned && layout::version_time(layout::file_name(path)) != Some(entry.time) {
        return Err(bad(format!(
            "its time {} disagrees with its name",
            entry.time
        )));
    }
    if let Some(sri) = &entry.integrity {
        let parsed: Integrity = sri
            .parse()
            .map_err(|e| bad(format!("integrity {sri:?}: {e}")))?;
        layout::content_path(&parsed).map_err(bad)?;
        if entry.size.is_none() {
            return Err(bad("a live entry without a size".into()));
        }
    }
    Ok(entry)
}

/// The integrity and size of a live entry (checked by [`parse`]).
fn live_parts(found: &Found) -> Result<(Integrity, u64)> {
    let bad = |reason: &str| Error::BadIndex {
        path: found.path.clone(),
        reason: reason.to_owned(),
    };
    let sri = found
        .entry
        .integrity
        .as_deref()
        .ok_or_else(|| bad("a tombstone has no content"))?
        .parse()
        .map_err(|_| bad("unparsable integrity"))?;
    let size = found.entry.size.ok_or_else(|| bad("no size"))?;
    Ok((sri, size))
}

fn content_path(index_path: &str, sri: &Integrity) -> Result<String> {
    layout::content_path(sri).map_err(|reason| Error::BadIndex {
        path: index_path.to_owned(),
        reason,
    })
}
