//! [`SyncWriter`]: a blocking, streaming write into the cache.

use std::io;

use ssri::{Algorithm, Integrity};

use crate::cache::{Cache, IntoCache};
use crate::engine::content::ContentWriter;
use crate::engine::index::bucket;
use crate::error::{Error, Result};
use crate::write_opts::WriteOpts;

/// Writes a value into the cache piece by piece ([`std::io::Write`]).
///
/// Data is hashed as it is written and held in a temp file: nothing is
/// visible in the cache until [`SyncWriter::commit`]. A writer dropped
/// without `commit` removes its temp file. If [`WriteOpts`] named an
/// expected size or integrity and the data differs, `commit` fails and
/// nothing is inserted.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let mut writer = capcache::SyncWriter::create(dir, "big")?;
/// for chunk in [&b"hello, "[..], b"world"] {
///     writer.write_all(chunk)?;
/// }
/// let sri = writer.commit()?;
/// assert_eq!(capcache::read_hash_sync(dir, &sri)?, b"hello, world");
/// # Ok(())
/// # }
/// ```
pub struct SyncWriter {
    content: ContentWriter,
    cache: Cache,
    /// `None` for a content-only write (`open_hash`).
    key: Option<String>,
    opts: WriteOpts,
    /// A write that failed poisons the writer: `commit` must not insert data
    /// that may be incomplete (the async wrapper can lose the error itself).
    failed: bool,
}

impl std::fmt::Debug for SyncWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncWriter")
            .field("cache", &self.cache)
            .field("key", &self.key)
            .field("temp_file", &self.content.tmp_display())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl SyncWriter {
    /// Starts a sha512 write under `key`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for an empty key; [`Error::Io`] if the temp file
    /// cannot be created.
    pub fn create<C: IntoCache, K: AsRef<str>>(cache: C, key: K) -> Result<SyncWriter> {
        WriteOpts::new().open_sync(cache, key)
    }

    /// Starts a write under `key` hashed with `algo`.
    pub fn create_with_algo<C: IntoCache, K: AsRef<str>>(
        algo: Algorithm,
        cache: C,
        key: K,
    ) -> Result<SyncWriter> {
        WriteOpts::new().algorithm(algo).open_sync(cache, key)
    }

    pub(crate) fn start(cache: Cache, key: Option<String>, opts: WriteOpts) -> Result<SyncWriter> {
        if let Some(key) = &key {
            bucket::check_key(key)?;
        }
        let content = ContentWriter::new(
            cache.store(),
            opts.algorithm_or_default(),
            opts.sri.clone(),
            opts.size.map(|s| s as u64),
        )?;
        Ok(SyncWriter {
            content,
            cache,
            key,
            opts,
            failed: false,
        })
    }

    /// Moves the data into the content store and, for a keyed write, appends
    /// the index entry. Returns the content's integrity.
    ///
    /// # Errors
    ///
    /// [`Error::SizeMismatch`] / [`Error::IntegrityMismatch`] if the data does
    /// not match the expectations in [`WriteOpts`]; [`Error::Io`] if a write
    /// failed earlier or the commit itself fails. Nothing is inserted then.
    pub fn commit(self) -> Result<Integrity> {
        if self.failed {
            return Err(Error::io(
                self.content.tmp_display(),
                io::Error::other("an earlier write to this writer failed"),
            ));
        }
        let (cache, key, opts, content) = (self.cache, self.key, self.opts, self.content);
        bucket::locked(cache.store(), |index| {
            let (sri, size) = content.commit()?;
            if let Some(key) = &key {
                index.insert(key, &sri, size, &opts)?;
            }
            Ok(sri)
        })
    }
}

impl io::Write for SyncWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.content.write_all(buf);
        self.failed |= result.is_err();
        result.map(|()| buf.len()).map_err(io::Error::from)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
