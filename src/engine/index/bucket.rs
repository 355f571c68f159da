//! Bucket files: `index-v5/<k[0..2]>/<k[2..4]>/<k[4..]>`, append-only text.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cap_std::fs::Dir;
use ssri::Integrity;

use super::line::{self, RawEntry};
use super::lock::IndexLock;
use crate::engine::content;
use crate::engine::file_io;
use crate::engine::layout::shard;
use crate::engine::layout::Area;
use crate::engine::store::Store;
use crate::engine::sys;
use crate::error::{Error, Result};
use crate::format::IndexFormat;
use crate::metadata::Metadata;
use crate::write_opts::{now_millis, WriteOpts};

/// Refuses keys that cannot be stored. Any non-empty string works: keys are
/// hashed for the file name and JSON-escaped in the line.
pub(crate) fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_key(key, "keys must not be empty"));
    }
    Ok(())
}

/// A key's bucket path relative to `index-v5`.
pub(crate) fn bucket_rel(format: IndexFormat, key: &str) -> PathBuf {
    format.bucket_rel(key)
}

fn display(store: &Store, rel: &Path) -> PathBuf {
    store.layout().display_in(Area::Index, rel)
}

/// Most buckets hold a line or a few (compaction keeps them short).
const BUCKET_GUESS: usize = 4096;

/// Reads a bucket whole; `None` if it does not exist.
pub(crate) fn read(store: &Store, rel: &Path) -> Result<Option<Vec<u8>>> {
    let read = |dir: &Dir, name: &Path| read_file(store, dir, name);
    found(
        store,
        rel,
        store.layout().with_shard(Area::Index, rel, false, read)?,
    )
}

/// [`read`] for a walk that holds the bucket's directory open already
/// (`rel` names the bucket in errors): resolving one name instead of the
/// whole shard path saves the kernel two lookups per bucket.
pub(crate) fn read_in(
    store: &Store,
    dir: &Dir,
    name: &Path,
    rel: &Path,
) -> Result<Option<Vec<u8>>> {
    found(store, rel, read_file(store, dir, name))
}

fn read_file(store: &Store, dir: &Dir, name: &Path) -> io::Result<Vec<u8>> {
    let file = sys::open_read(dir, name)?;
    file_io::read_to_end(
        &file,
        BUCKET_GUESS,
        u64::MAX,
        store.short_reads_end(Area::Index),
    )
}

fn found(store: &Store, rel: &Path, read: io::Result<Vec<u8>>) -> Result<Option<Vec<u8>>> {
    match read {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(display(store, rel), e)),
    }
}

/// Buckets that grow past this many bytes are compacted by the append that
/// crossed it, so a key rewritten a million times still reads one short file
/// (cacache-rs#71: a 280 MB bucket, 30 s per read).
pub(crate) const COMPACT_THRESHOLD: u64 = 16 * 1024;

/// Index appends made under one shared index lock; see [`locked`].
pub(crate) struct Appender<'a> {
    store: &'a Store,
    /// Buckets that grew past [`COMPACT_THRESHOLD`], compacted once the
    /// lock is released (a rewrite needs it exclusively).
    grown: Vec<(IndexFormat, PathBuf)>,
}

/// Runs `work` under the shared index lock and compacts the buckets its
/// appends grew too long, after releasing it.
///
/// A write places its content and appends its entry inside one `work`, so
/// `verify` and `gc`, which sweep unreferenced content under the exclusive
/// lock, never see content linked but not yet indexed.
pub(crate) fn locked<T>(store: &Store, work: impl FnOnce(&mut Appender) -> Result<T>) -> Result<T> {
    let mut appender = Appender {
        store,
        grown: Vec::new(),
    };
    let result = {
        let _lock = IndexLock::shared(store)?;
        work(&mut appender)
    };
    for (format, rel) in appender.grown {
        // The entries are committed; a failed clean-up must not say otherwise.
        let _ = rewrite(store, format, &rel, |_| true);
    }
    result
}

impl Appender<'_> {
    /// Appends one entry with a single write, creating the bucket and its
    /// shard directories when missing.
    pub(crate) fn append(&mut self, entry: &RawEntry) -> Result<()> {
        let store = self.store;
        let format = store.index_format()?;
        let rel = bucket_rel(format, &entry.key);
        let line = line::encode(format, entry);
        let io_err = |e| Error::io(display(store, &rel), e);
        let durable = store.layout().durable();
        let mut file = store
            .layout()
            .with_shard(Area::Index, &rel, true, |dir, name| {
                let open =
                    || shard::with_parent(dir, name, durable, || sys::open_append(dir, name));
                let file = match open() {
                    Err(e) if shard::clear_non_file(dir, name)? => open().map_err(|_| e)?,
                    other => other?,
                };
                // A new bucket's name must survive a power loss too.
                if durable && file.metadata()?.len() == 0 {
                    shard::sync_dir(dir, name.parent().unwrap_or(Path::new("")))?;
                }
                Ok(file)
            })?
            .map_err(io_err)?;
        // One write call: a concurrent appender cannot interleave inside it on
        // local filesystems, and a torn tail is caught by the line hash.
        file.write_all(&line).map_err(io_err)?;
        if durable {
            file.sync_all().map_err(io_err)?;
        }
        let len = sys::end_after_append(&mut file).map_err(io_err)?;
        // Several lines' worth, so one huge entry does not recompact every time.
        if len > COMPACT_THRESHOLD && len > 4 * line.len() as u64 {
            self.grown.push((format, rel));
        }
        Ok(())
    }

    /// Records `key` → `sri` (of `size` bytes) with the options' time and
    /// metadata.
    pub(crate) fn insert(
        &mut self,
        key: &str,
        sri: &Integrity,
        size: u64,
        opts: &WriteOpts,
    ) -> Result<()> {
        check_key(key)?;
        self.append(&RawEntry {
            key: key.to_owned(),
            integrity: Some(sri.to_string()),
            time: opts.time_or_now(),
            size: Some(size),
            metadata: opts.metadata.clone().unwrap_or_default(),
            raw_metadata: opts.raw_metadata.clone(),
        })
    }
}

/// Turns a stored entry into [`Metadata`]; `Ok(None)` for a tombstone.
pub(crate) fn to_metadata(store: &Store, rel: &Path, raw: RawEntry) -> Result<Option<Metadata>> {
    let Some(sri_text) = raw.integrity else {
        return Ok(None);
    };
    let bad = |reason: String| Error::BadIndex {
        path: display(store, rel),
        key: raw.key.clone(),
        reason,
    };
    let integrity: Integrity = sri_text
        .parse()
        .map_err(|e| bad(format!("integrity {sri_text:?}: {e}")))?;
    let size = match raw.size {
        Some(size) => {
            usize::try_from(size).map_err(|_| bad(format!("size {size} does not fit usize")))?
        }
        None => 0,
    };
    Ok(Some(Metadata {
        key: raw.key,
        integrity,
        time: raw.time,
        size,
        metadata: raw.metadata,
        raw_metadata: raw.raw_metadata,
    }))
}

/// The latest entry for `key`, or `None` if it has none or was deleted.
///
/// The index is a key → metadata store in its own right: any integrity
/// that parses is returned, even one that cannot name a content file
/// (cacache-rs's tests insert `sha1-deadbeef`); [`find_content`] is for
/// reading the content.
pub(crate) fn find(store: &Store, key: &str) -> Result<Option<Metadata>> {
    find_in(store, key).map(|(_, entry)| entry)
}

/// The latest entry for `key` and its bucket.
fn find_in(store: &Store, key: &str) -> Result<(PathBuf, Option<Metadata>)> {
    let format = store.index_format()?;
    let rel = bucket_rel(format, key);
    let Some(bucket) = read(store, &rel)? else {
        return Ok((rel, None));
    };
    let entry = match line::latest_for(format, &bucket, key) {
        Some(raw) => to_metadata(store, &rel, raw)?,
        None => None,
    };
    Ok((rel, entry))
}

/// The latest entry for `key`, to read its content: [`Error::EntryNotFound`]
/// without one, [`Error::BadIndex`] if its integrity cannot name a content
/// file.
pub(crate) fn find_content(store: &Store, key: &str) -> Result<Metadata> {
    let (rel, entry) = find_in(store, key)?;
    let entry = entry.ok_or_else(|| Error::EntryNotFound {
        key: key.to_owned(),
    })?;
    match content::checked_integrity(&entry.integrity) {
        Ok(_) => Ok(entry),
        Err(e) => Err(Error::BadIndex {
            path: display(store, &rel),
            key: entry.key,
            reason: e.to_string(),
        }),
    }
}

/// Records `key` → `sri` without writing content (`index::insert`).
pub(crate) fn insert(
    store: &Store,
    key: &str,
    sri: &Integrity,
    size: u64,
    opts: &WriteOpts,
) -> Result<()> {
    locked(store, |index| index.insert(key, sri, size, opts))
}

/// Appends a tombstone for `key`; its content is left alone.
pub(crate) fn delete(store: &Store, key: &str) -> Result<()> {
    check_key(key)?;
    let tombstone = RawEntry {
        key: key.to_owned(),
        integrity: None,
        time: now_millis(),
        size: Some(0),
        metadata: serde_json::Value::Null,
        raw_metadata: None,
    };
    locked(store, |index| index.append(&tombstone))
}

/// Rewrites `key`'s bucket to hold only the latest live entry of each key in
/// it, dropping tombstoned keys and unreadable lines. Returns the number of
/// lines dropped.
pub(crate) fn compact(store: &Store, key: &str) -> Result<usize> {
    check_key(key)?;
    let format = store.index_format()?;
    Ok(rewrite(store, format, &bucket_rel(format, key), |_| true)?.dropped)
}

/// What a bucket rewrite did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Rewrite {
    /// Live entries written back.
    pub(crate) kept: usize,
    /// Lines that were not written back.
    pub(crate) dropped: usize,
}

/// Rewrites the bucket at `rel` to the latest live entry of each key for
/// which `keep` is true, under the exclusive index lock (taken only when
/// something changes). An empty result removes the bucket.
///
/// The new bucket is written in `tmp/` and renamed over the old one, so
/// readers see one or the other.
pub(crate) fn rewrite(
    store: &Store,
    format: IndexFormat,
    rel: &Path,
    mut keep: impl FnMut(&RawEntry) -> bool,
) -> Result<Rewrite> {
    // A bucket that stays as it is needs no lock: most buckets, in a
    // verify. (Lines appended meanwhile are kept either way.)
    match read(store, rel)? {
        Some(bytes) => match plan(format, &bytes, &mut keep) {
            (fresh, result) if fresh == bytes => return Ok(result),
            _ => {}
        },
        None => return Ok(Rewrite::default()),
    }
    rewrite_changing(store, format, rel, keep)
}

/// [`rewrite`] for a bucket already known to change (verify's scan found
/// it so): it is read under the lock only, not once before it as well.
pub(crate) fn rewrite_changing(
    store: &Store,
    format: IndexFormat,
    rel: &Path,
    mut keep: impl FnMut(&RawEntry) -> bool,
) -> Result<Rewrite> {
    let Some(index) = store.layout().area(Area::Index, false)? else {
        return Ok(Rewrite::default());
    };
    let io_err = |e| Error::io(display(store, rel), e);
    let _lock = IndexLock::exclusive(store)?;
    let Some(bytes) = read(store, rel)? else {
        return Ok(Rewrite::default());
    };
    let (mut fresh, result) = plan(format, &bytes, &mut keep);
    if fresh == bytes {
        return Ok(result);
    }
    // Writers that take no lock (npm, cacache-rs) may have appended since
    // the read: keep their lines, after ours. (The old file is closed by
    // now: Windows refuses to rename over an open one.)
    if let Ok(Some(now)) = read(store, rel) {
        if now.len() > bytes.len() && now.starts_with(&bytes) {
            fresh.extend_from_slice(&now[bytes.len()..]);
        }
    }
    if fresh.is_empty() {
        match index.remove_file(rel) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
    } else {
        replace(store, rel, &fresh)?;
    }
    Ok(result)
}

/// What a [`rewrite`] keeping every live entry keeps of `bytes`, if it
/// would write them back as they are; `None` if it would change them (a
/// superseded, tombstoned or unreadable line, or one spelled differently).
/// `latest` is `line::latest_per_key` of `bytes`, which the caller has.
pub(crate) fn compact_as_is(
    format: IndexFormat,
    bytes: &[u8],
    latest: Vec<RawEntry>,
) -> Option<Rewrite> {
    match plan_latest(format, bytes, latest, &mut |_| true) {
        (fresh, result) if fresh == bytes => Some(result),
        _ => None,
    }
}

/// The bucket `bytes` rewritten to the latest live entry per key that
/// `keep` accepts, and what that keeps and drops.
fn plan(
    format: IndexFormat,
    bytes: &[u8],
    keep: &mut impl FnMut(&RawEntry) -> bool,
) -> (Vec<u8>, Rewrite) {
    plan_latest(format, bytes, line::latest_per_key(format, bytes), keep)
}

/// [`plan`] given the latest entry per key of `bytes`.
fn plan_latest(
    format: IndexFormat,
    bytes: &[u8],
    latest: Vec<RawEntry>,
    keep: &mut impl FnMut(&RawEntry) -> bool,
) -> (Vec<u8>, Rewrite) {
    let kept: Vec<RawEntry> = latest
        .into_iter()
        .filter(|e| e.integrity.is_some() && keep(e))
        .collect();
    let mut fresh = Vec::new();
    for entry in &kept {
        fresh.extend_from_slice(&line::encode(format, entry));
    }
    let lines = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    let result = Rewrite {
        kept: kept.len(),
        dropped: lines.saturating_sub(kept.len()),
    };
    (fresh, result)
}

/// Renames `from` over `to`. Windows refuses while a reader has `to` open
/// (`PermissionDenied`); readers hold buckets for microseconds, so retry a
/// few times, as npm's graceful-fs does.
fn rename_over(from_dir: &Dir, from: &str, to_dir: &Dir, to: &Path) -> io::Result<()> {
    let mut attempts = 0;
    loop {
        match from_dir.rename(from, to_dir, to) {
            Err(e)
                if cfg!(windows)
                    && e.kind() == io::ErrorKind::PermissionDenied
                    && attempts < 20 =>
            {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(5 * attempts));
            }
            other => return other,
        }
    }
}

/// Atomically replaces the bucket at `rel` with `contents`.
fn replace(store: &Store, rel: &Path, contents: &[u8]) -> Result<()> {
    let index = store.layout().area_created(Area::Index)?;
    let tmp = store.layout().area_created(Area::Tmp)?;
    let tmp_name = format!("{:016x}.bucket", fastrand::u64(..));
    let tmp_err = |e| Error::io(store.layout().display_in(Area::Tmp, &tmp_name), e);
    let mut file = tmp.create(&tmp_name).map_err(tmp_err)?;
    file.write_all(contents).map_err(tmp_err)?;
    if store.layout().durable() {
        file.sync_all().map_err(tmp_err)?;
    }
    drop(file);
    if let Err(e) = rename_over(&tmp, &tmp_name, &index, rel) {
        let _ = tmp.remove_file(&tmp_name);
        return Err(Error::io(display(store, rel), e));
    }
    if store.layout().durable() {
        let parent = rel.parent().unwrap_or(Path::new(""));
        shard::sync_dir(&index, parent).map_err(|e| Error::io(display(store, rel), e))?;
    }
    Ok(())
}
