//! Writing content: temp file in `tmp/`, hash while writing, link into place.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::fs::{Dir, File, OpenOptions};
use ssri::{Algorithm, Integrity, IntegrityOpts};

use super::path::content_path;
use crate::engine::file_io;
use crate::engine::layout::shard;
use crate::engine::layout::Area;
use crate::engine::store::Store;
use crate::engine::sys;
use crate::error::{Error, Result};

/// The most bytes handed to the kernel in one `write`. Linux may back a
/// large write with large page-cache folios, and on a VM whose host takes
/// back free memory (virtio-balloon) those can be slow to first touch: on
/// the 2-core test VM a 1 MiB `write` took 2.4-3 ms in some periods where
/// four of 256 KiB took 0.3 ms (both about 0.25 ms otherwise).
const WRITE_PIECE: usize = 256 * 1024;

/// A content write in progress. Nothing is visible under `content-v2` until
/// [`ContentWriter::commit`]; dropping the writer removes its temp file.
pub(crate) struct ContentWriter {
    store: Arc<Store>,
    tmp_name: PathBuf,
    file: Option<File>,
    hasher: IntegrityOpts,
    /// The integrity when the caller hashed the data already (see
    /// [`Staged::commit`]): then the writer does not hash it again.
    known: Option<Integrity>,
    written: u64,
    expected_size: Option<u64>,
    expected_sri: Option<Integrity>,
}

impl ContentWriter {
    /// Starts a write hashed with `algo`, or with the algorithm of
    /// `expected_sri` when given (so the result can be compared to it).
    pub(crate) fn new(
        store: &Arc<Store>,
        algo: Algorithm,
        expected_sri: Option<Integrity>,
        expected_size: Option<u64>,
    ) -> Result<Self> {
        let algo = match &expected_sri {
            Some(sri) => super::checked_integrity(sri)?.pick_algorithm(),
            None => algo,
        };
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        // 64 random bits: a collision with a live temp file is retried, not fatal.
        let (tmp_name, file) = loop {
            let name = PathBuf::from(format!("{:016x}", fastrand::u64(..)));
            match store
                .layout()
                .with_area(Area::Tmp, true, |tmp| tmp.open_with(&name, &options))?
            {
                Ok(file) => break (name, sys::lock_temp(file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::io(store.layout().display_in(Area::Tmp, name), e)),
            }
        };
        Ok(ContentWriter {
            store: store.clone(),
            tmp_name,
            file: Some(file),
            hasher: IntegrityOpts::new().algorithm(algo),
            known: None,
            written: 0,
            expected_size,
            expected_sri,
        })
    }

    /// Where the data is until the commit, for error messages.
    pub(crate) fn tmp_display(&self) -> PathBuf {
        self.store.layout().display_in(Area::Tmp, &self.tmp_name)
    }

    /// Appends `buf` to the content, hashing it on the way.
    pub(crate) fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        let file = self.file.as_mut().expect("write after commit");
        let hasher = (self.known.is_none()).then_some(&mut self.hasher);
        let (written, ()) = crate::engine::parallel::join(
            buf.len(),
            || {
                buf.chunks(WRITE_PIECE)
                    .try_for_each(|piece| file.write_all(piece))
            },
            || hasher.into_iter().for_each(|h| h.input(buf)),
        );
        written.map_err(|e| Error::io(self.tmp_display(), e))?;
        self.written += buf.len() as u64;
        Ok(())
    }

    /// Checks the expected size and integrity, then moves the data into the
    /// content store. Existing files are never rewritten in place.
    ///
    /// Returns the integrity and the size in bytes.
    pub(crate) fn commit(mut self) -> Result<(Integrity, u64)> {
        let file = self.file.take().expect("commit twice");
        let sri = match self.known.take() {
            Some(sri) => sri,
            None => std::mem::take(&mut self.hasher).result(),
        };
        check_expected(
            self.expected_size,
            self.expected_sri.as_ref(),
            &sri,
            self.written,
            self.tmp_display(),
        )?;
        if self.store.layout().durable() {
            file.sync_all()
                .map_err(|e| Error::io(self.tmp_display(), e))?;
        }
        let rel = content_path(&sri)?;
        self.place(&rel, &sri)?;
        // Closed only now: its lock keeps verify from taking the temp file
        // for stale before it is linked.
        drop(file);
        Ok((sri, self.written))
    }

    /// Links the temp file to `rel` under `content-v2`, or puts it in the
    /// place of whatever holds that name (see [`replace`]), then removes
    /// the temp name.
    ///
    /// Content is never rewritten in place: a reader that has the old file
    /// open keeps reading it whole (cacache-rs#83 rewrote files readers had
    /// open).
    fn place(&mut self, rel: &Path, sri: &Integrity) -> Result<()> {
        let store = self.store.clone();
        let tmp = store.layout().area_created(Area::Tmp)?;
        let display = || store.layout().display_in(Area::Content, rel);
        let name = &self.tmp_name;
        let durable = store.layout().durable();
        // `dir` holds `rel` and `file` is its name in there (or, when no
        // shard handles are kept, `dir` is `content-v2` and `file` is `rel`).
        let outcome = store
            .layout()
            .with_shard(Area::Content, rel, true, |dir, file| {
                let link = || sys::hard_link(&tmp, name, dir, file);
                match shard::with_parent(dir, file, durable, link) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Err(e),
                    // The name is taken, or hard links are unsupported here.
                    Err(_) => replace(&tmp, name, dir, file, sri, durable),
                }
            })?;
        outcome.map_err(|e| Error::io(display(), e))?;
        if self.store.layout().durable() {
            let parent = rel.parent().unwrap_or(Path::new(""));
            let content = store.layout().area_created(Area::Content)?;
            shard::sync_dir(&content, parent).map_err(|e| Error::io(display(), e))?;
        }
        Ok(())
    }
}

/// Renames the temp file `name` over `file` in `dir`.
///
/// The same name means the same hash, but the file there may be damaged
/// with its length intact (a flipped bit, zeros after a power loss), and
/// only hashing it again could tell: a rename costs less, swaps the name
/// atomically (readers see one whole file or the other) and leaves the
/// bytes just written and hashed in place. Where the rename is refused, a
/// directory or symlink at the name (damage) is removed first
/// ([`shard::clear_non_file`]); a file (Windows will not replace one that
/// is open or mapped) is kept if it hashes right.
fn replace(
    tmp: &Dir,
    name: &Path,
    dir: &Dir,
    file: &Path,
    sri: &Integrity,
    durable: bool,
) -> io::Result<()> {
    let rename = || tmp.rename(name, dir, file);
    let refused = match shard::with_parent(dir, file, durable, rename) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    if shard::clear_non_file(dir, file)? {
        return rename();
    }
    match super::holds(sys::open_read(dir, file), sri) {
        true => Ok(()),
        false => Err(refused),
    }
}

/// Fails unless the data matched the size and integrity the caller expected.
fn check_expected(
    size: Option<u64>,
    sri: Option<&Integrity>,
    found: &Integrity,
    written: u64,
    path: PathBuf,
) -> Result<()> {
    if let Some(expected) = size.filter(|&s| s != written) {
        return Err(Error::SizeMismatch {
            path,
            expected,
            found: written,
        });
    }
    if let Some(expected) = sri.filter(|e| !e.hashes.iter().any(|h| h == &found.hashes[0])) {
        return Err(Error::IntegrityMismatch {
            path: Some(path),
            expected: expected.clone(),
            found: found.clone(),
        });
    }
    Ok(())
}

/// Values below this size are hashed before anything touches the disk (see
/// [`stage`]).
const PRECHECK_MAX: usize = 64 * 1024;

/// A whole in-memory value made ready to enter the content store: hashed
/// (small values) or written to a temp file and hashed (large ones).
/// [`Staged::commit`] puts it in place; a keyed write runs that under the
/// index lock together with its index append.
pub(crate) enum Staged<'a> {
    /// Hashed; the bytes are still only in memory.
    Hashed {
        sri: Integrity,
        rel: PathBuf,
        data: &'a [u8],
    },
    /// In a temp file, hashed.
    Written(ContentWriter),
}

/// Hashes (and for large values writes) `data`, checking the expectations.
///
/// Small values are hashed before anything touches the disk, so rewriting
/// content that is already stored costs one small read and no temp file. Larger
/// ones stream through a [`ContentWriter`], which hashes while it writes.
pub(crate) fn stage<'a>(
    store: &Arc<Store>,
    algo: Algorithm,
    expected_sri: Option<Integrity>,
    expected_size: Option<u64>,
    data: &'a [u8],
) -> Result<Staged<'a>> {
    if data.len() < PRECHECK_MAX {
        let algo = match &expected_sri {
            Some(sri) => super::checked_integrity(sri)?.pick_algorithm(),
            None => algo,
        };
        let sri = IntegrityOpts::new().algorithm(algo).chain(data).result();
        let rel = content_path(&sri)?;
        let display = store.layout().display_in(Area::Content, &rel);
        check_expected(
            expected_size,
            expected_sri.as_ref(),
            &sri,
            data.len() as u64,
            display,
        )?;
        return Ok(Staged::Hashed { sri, rel, data });
    }
    let mut writer = ContentWriter::new(store, algo, expected_sri, expected_size)?;
    writer.write_all(data)?;
    Ok(Staged::Written(writer))
}

impl Staged<'_> {
    /// Puts the value in the content store unless it is there already;
    /// returns its integrity and size.
    pub(crate) fn commit(self, store: &Arc<Store>) -> Result<(Integrity, u64)> {
        match self {
            Staged::Hashed { sri, rel, data } => {
                let len = data.len() as u64;
                // The stored file is compared byte for byte (as cheap as a
                // stat for a small file): one of the right length but
                // damaged must not turn this write into a no-op that later
                // reads refuse.
                let stored = store
                    .layout()
                    .with_shard(Area::Content, &rel, false, |dir, name| {
                        let file = sys::open_read(dir, name)?;
                        file_io::read_expected(&file, data.len())
                    });
                if matches!(stored, Ok(Ok(stored)) if stored == data) {
                    return Ok((sri, len));
                }
                let mut writer = ContentWriter::new(store, sri.pick_algorithm(), None, None)?;
                // Hashed in `stage` already: write without hashing again.
                writer.known = Some(sri);
                writer.write_all(data)?;
                writer.commit()
            }
            Staged::Written(writer) => writer.commit(),
        }
    }
}

impl Drop for ContentWriter {
    fn drop(&mut self) {
        // After a rename the name is gone and this fails harmlessly; after a
        // link or an abandoned write it removes the temp file.
        self.file.take();
        if let Ok(Some(tmp)) = self.store.layout().area(Area::Tmp, false) {
            let _ = tmp.remove_file(&self.tmp_name);
        }
    }
}
