//! Shard directories (`ab/cd/` under `index-v5`, `sha512/ab/cd/` under
//! `content-v2`): created lazily, and the recently used ones kept open.
//!
//! Creating: the operation is tried first and the parent made only when it
//! reports `NotFound`, so the common case pays no `create_dir_all` (several
//! syscalls each under cap-std).
//!
//! Keeping open (opt-in, [`crate::CacheOptions::keep_open_dirs`]): where
//! cap-std resolves a path one component at a time in user space (macOS,
//! Windows), an operation on a kept shard handle resolves one name instead
//! of three to five. Linux resolves a whole path in one `openat2`, and WASI
//! in one host call ([`crate::engine::sys`]), so by default none are kept.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Platform code for shard directories (see [`crate::engine::sys`]).
pub(crate) use crate::engine::sys::{same_dir, sync_dir};

use cap_std::fs::Dir;

use super::Area;

/// How many shard directories a cache keeps open by default: none.
///
/// Kept handles were measured slower natively on Linux and under wasmtime
/// (where [`crate::engine::sys`] resolves each path in one host call):
/// every miss opens and closes directories (README, "Tuning, measured").
/// On Windows an open directory also cannot be removed by other programs.
pub(crate) const DEFAULT_KEPT: usize = 0;

/// The most recently used shard directories (generic only so that its
/// tests need no filesystem).
#[derive(Debug)]
pub(crate) struct KeptDirs<D = Dir> {
    capacity: usize,
    state: Mutex<State<D>>,
}

#[derive(Debug)]
struct State<D> {
    /// Handles by area (indexed by `Area as usize`) and path relative to
    /// it (`sha512/ab/cd`, compared as bytes: this crate spells each path
    /// one way), with the tick of their last use. One map per area so that
    /// a lookup borrows the path instead of allocating a key.
    dirs: [HashMap<OsString, (Arc<D>, u64)>; 3],
    tick: u64,
}

impl<D> State<D> {
    fn len(&self) -> usize {
        self.dirs.iter().map(HashMap::len).sum()
    }
}

impl<D> KeptDirs<D> {
    pub(crate) fn new(capacity: usize) -> KeptDirs<D> {
        KeptDirs {
            capacity,
            state: Mutex::new(State {
                dirs: Default::default(),
                tick: 0,
            }),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<D>> {
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The kept handle for `rel` under `area`, marked as just used.
    pub(crate) fn get(&self, area: Area, rel: &Path) -> Option<Arc<D>> {
        let mut state = self.state();
        state.tick += 1;
        let tick = state.tick;
        let (dir, used) = state.dirs[area as usize].get_mut(rel.as_os_str())?;
        *used = tick;
        Some(dir.clone())
    }

    /// Keeps `dir`, closing the least recently used handle if full (a scan,
    /// but of a few hundred numbers at most, next to the syscalls of the
    /// miss that led here).
    pub(crate) fn put(&self, area: Area, rel: &Path, dir: Arc<D>) {
        if self.capacity == 0 {
            return;
        }
        let mut state = self.state();
        let slot = area as usize;
        if state.len() >= self.capacity && !state.dirs[slot].contains_key(rel.as_os_str()) {
            let oldest = state
                .dirs
                .iter()
                .enumerate()
                .flat_map(|(i, map)| map.iter().map(move |(key, (_, used))| (*used, i, key)))
                .min_by_key(|(used, ..)| *used)
                .map(|(_, i, key)| (i, key.clone()));
            if let Some((i, key)) = oldest {
                state.dirs[i].remove(&key);
            }
        }
        state.tick += 1;
        let tick = state.tick;
        state.dirs[slot].insert(rel.as_os_str().to_owned(), (dir, tick));
    }

    /// Forgets `dir` if it is still kept (it turned out to be stale).
    pub(crate) fn forget(&self, dir: &Arc<D>) {
        for map in &mut self.state().dirs {
            map.retain(|_, (kept, _)| !Arc::ptr_eq(kept, dir));
        }
    }

    /// Closes every kept handle (before removing directories: Windows
    /// refuses to remove one that is open).
    pub(crate) fn clear(&self) {
        for map in &mut self.state().dirs {
            map.clear();
        }
    }
}

/// Creates the directories of `rel` under `dir` as needed; with `durable`,
/// syncs the entries that creating them added.
pub(crate) fn make_dirs(dir: &Dir, rel: &Path, durable: bool) -> io::Result<()> {
    match crate::engine::sys::create_dir_all(dir, rel)? {
        Some(top) if durable => sync_created(dir, top, rel),
        _ => Ok(()),
    }
}

/// [`make_dirs`], then opens the last one (for a kept handle, after a
/// lookup found `rel` missing).
pub(crate) fn create_dirs(root: &Dir, rel: &Path, durable: bool) -> io::Result<Dir> {
    make_dirs(root, rel, durable)?;
    root.open_dir(rel)
}

/// Removes what damage put where a content or bucket file belongs: a
/// directory or a symlink (no writer makes either, and neither holds data a
/// writer could use). Returns whether there was one; the caller then puts
/// its file there.
pub(crate) fn clear_non_file(dir: &Dir, name: &Path) -> io::Result<bool> {
    let removed = match dir.symlink_metadata(name) {
        Ok(meta) if meta.is_dir() => dir.remove_dir_all(name),
        Ok(meta) if meta.is_symlink() => dir.remove_file(name),
        _ => return Ok(false),
    };
    match removed {
        // Another writer cleared it first.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        other => other.map(|()| true),
    }
}

/// `rel` split into its directory and file name; `None` for a bare name.
pub(crate) fn split(rel: &Path) -> Option<(&Path, &Path)> {
    // This crate spells its paths in ASCII with one separator between
    // components, so the last separator splits them; `Path::parent` parses
    // every component, a cost that showed in WASI profiles.
    if let Some((parent, name)) = rel
        .to_str()
        .and_then(|text| text.rsplit_once(std::path::is_separator))
        .filter(|(parent, name)| !parent.is_empty() && !name.is_empty())
    {
        return Some((Path::new(parent), Path::new(name)));
    }
    let parent = rel.parent().filter(|p| !p.as_os_str().is_empty())?;
    let name = rel.file_name()?;
    Some((parent, Path::new(name)))
}

/// Runs `op`; if it fails with `NotFound`, creates `rel`'s parent under `dir`
/// and runs it once more. With `durable`, the new directories' entries are
/// synced before `op` puts a file in them (the caller syncs that file's
/// entry).
pub(crate) fn with_parent<T>(
    dir: &Dir,
    rel: &Path,
    durable: bool,
    mut op: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    match op() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some((parent, _)) = split(rel) {
                make_dirs(dir, parent, durable)?;
            }
            op()
        }
        other => other,
    }
}

/// Syncs the directories that gained an entry when `top` down to `leaf`
/// (all under `dir`) were created: `top`'s parent and every new directory
/// but `leaf`, so that a power loss cannot drop the path to a file synced
/// in `leaf`.
pub(crate) fn sync_created(dir: &Dir, top: &Path, leaf: &Path) -> io::Result<()> {
    for changed in gained_entries(top, leaf) {
        sync_dir(dir, changed)?;
    }
    Ok(())
}

/// The directories [`sync_created`] syncs, deepest first.
fn gained_entries<'a>(top: &'a Path, leaf: &'a Path) -> Vec<&'a Path> {
    let mut changed = Vec::new();
    let mut created = leaf;
    loop {
        let parent = created.parent().unwrap_or(Path::new(""));
        changed.push(parent);
        if created == top || parent.as_os_str().is_empty() {
            return changed;
        }
        created = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A distinct allocation each time, like distinct handles.
    fn dir() -> Arc<u8> {
        Arc::new(0)
    }

    #[test]
    fn keeps_the_most_recently_used() {
        let kept = KeptDirs::<u8>::new(2);
        let (a, b, c) = (dir(), dir(), dir());
        kept.put(Area::Index, Path::new("aa/bb"), a.clone());
        kept.put(Area::Index, Path::new("cc/dd"), b.clone());
        // Using the first makes the second the least recent.
        assert!(Arc::ptr_eq(
            &kept.get(Area::Index, Path::new("aa/bb")).unwrap(),
            &a
        ));
        kept.put(Area::Content, Path::new("aa/bb"), c.clone());
        assert!(kept.get(Area::Index, Path::new("cc/dd")).is_none());
        assert!(Arc::ptr_eq(
            &kept.get(Area::Index, Path::new("aa/bb")).unwrap(),
            &a
        ));
        assert!(Arc::ptr_eq(
            &kept.get(Area::Content, Path::new("aa/bb")).unwrap(),
            &c
        ));
        kept.forget(&a);
        assert!(kept.get(Area::Index, Path::new("aa/bb")).is_none());
        kept.clear();
        assert!(kept.get(Area::Content, Path::new("aa/bb")).is_none());
    }

    #[test]
    fn zero_capacity_keeps_nothing() {
        let kept = KeptDirs::<u8>::new(0);
        kept.put(Area::Index, Path::new("aa/bb"), dir());
        assert!(kept.get(Area::Index, Path::new("aa/bb")).is_none());
    }

    #[test]
    fn create_dirs_makes_what_is_missing_and_opens_the_last() {
        let (_tmp, root) = crate::testing::tempdir();
        let made = create_dirs(&root, Path::new("ab/cd"), false).unwrap();
        made.write("f", b"x").unwrap();
        assert_eq!(root.read("ab/cd/f").unwrap(), b"x");
        // Existing directories are reused, not an error.
        let again = create_dirs(&root, Path::new("ab/cd"), false).unwrap();
        assert_eq!(again.read("f").unwrap(), b"x");
        create_dirs(&root, Path::new("ab/ef"), true).unwrap();
        // A file in the way is.
        root.write("file", b"").unwrap();
        assert!(create_dirs(&root, Path::new("file/x"), false).is_err());
    }

    #[test]
    fn new_directories_and_the_parent_of_the_highest_gain_entries() {
        let p = Path::new;
        assert_eq!(gained_entries(p("ab/cd"), p("ab/cd")), [p("ab")]);
        assert_eq!(gained_entries(p("ab"), p("ab/cd")), [p("ab"), p("")]);
        assert_eq!(
            gained_entries(p("sha512"), p("sha512/ab/cd")),
            [p("sha512/ab"), p("sha512"), p("")]
        );
        assert_eq!(gained_entries(p("ab"), p("ab")), [p("")]);
    }

    #[test]
    fn with_parent_creates_what_is_missing_durably_or_not() {
        let (_tmp, root) = crate::testing::tempdir();
        for (durable, rel) in [
            (true, "ab/cd/file"),
            (false, "ab/ef/file"),
            (true, "ab/ef/g"),
        ] {
            let rel = Path::new(rel);
            with_parent(&root, rel, durable, || root.create(rel).map(drop)).unwrap();
            assert!(root.is_file(rel), "{rel:?}");
        }
    }

    #[test]
    fn splits_directory_and_name() {
        assert_eq!(
            split(Path::new("sha512/ab/cd/ef")),
            Some((Path::new("sha512/ab/cd"), Path::new("ef")))
        );
        assert_eq!(split(Path::new("ef")), None);
        // Joined the platform's way, as the crate builds its paths.
        let joined = Path::new("sha512").join("ab").join("cd").join("ef");
        let (parent, name) = split(&joined).unwrap();
        assert_eq!(parent, Path::new("sha512").join("ab").join("cd"));
        assert_eq!(name, Path::new("ef"));
        // Odd spellings fall back to component parsing.
        assert_eq!(
            split(Path::new("ab/cd/")),
            Some((Path::new("ab"), Path::new("cd")))
        );
    }
}
