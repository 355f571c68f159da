//! [`Layout`]: a cache's root directory and the handles kept under it,
//! reopened when another program removed or replaced what they point at.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use cap_std::fs::Dir;

use super::shard::{self, KeptDirs};
use super::Area;
use crate::error::{Error, Result};

/// The root directory capability, kept handles for the [`Area`]s and
/// (opt-in) recent shard directories, and the settings that decide how
/// directories are made (durability) and named in errors.
#[derive(Debug)]
pub(crate) struct Layout {
    root: Dir,
    /// Where the root was opened from, to make error paths absolute; `None`
    /// for a capability-only cache, whose paths stay relative to its root.
    root_path: Option<PathBuf>,
    /// Kept handles for the fixed directories, opened on first use. A slot
    /// is emptied when its directory turns out to have been replaced (see
    /// [`Layout::with_area`]).
    areas: [RwLock<Option<Arc<Dir>>>; 3],
    /// Recently used shard directories, kept open (see [`super::shard`]).
    shards: KeptDirs,
    durable: bool,
}

impl Layout {
    /// A layout over `root`, keeping `kept_dirs` shard handles (the
    /// platform's default when `None`).
    pub(crate) fn new(
        root: Dir,
        root_path: Option<PathBuf>,
        durable: bool,
        kept_dirs: Option<usize>,
    ) -> Layout {
        Layout {
            root,
            root_path,
            areas: Default::default(),
            shards: KeptDirs::new(kept_dirs.unwrap_or(shard::DEFAULT_KEPT)),
            durable,
        }
    }

    pub(crate) fn root(&self) -> &Dir {
        &self.root
    }

    pub(crate) fn path(&self) -> Option<&Path> {
        self.root_path.as_deref()
    }

    pub(crate) fn durable(&self) -> bool {
        self.durable
    }

    /// The path to show in errors for `rel`, a path relative to the root.
    pub(crate) fn display_path(&self, rel: impl AsRef<Path>) -> PathBuf {
        match &self.root_path {
            Some(root) => root.join(rel),
            None => rel.as_ref().to_path_buf(),
        }
    }

    /// The path to show in errors for `rel`, a path inside `area`.
    pub(crate) fn display_in(&self, area: Area, rel: impl AsRef<Path>) -> PathBuf {
        self.display_path(Path::new(area.name()).join(rel))
    }

    /// The handle for one of the fixed directories; `Ok(None)` when it does
    /// not exist and `create` is false. Handles are opened once and kept.
    pub(crate) fn area(&self, area: Area, create: bool) -> Result<Option<Arc<Dir>>> {
        let slot = &self.areas[area as usize];
        if let Some(dir) = read_slot(slot) {
            return Ok(Some(dir));
        }
        let Some(dir) = self.open_area(area, create)? else {
            return Ok(None);
        };
        let mut guard = slot.write().unwrap_or_else(|poison| poison.into_inner());
        Ok(Some(guard.get_or_insert_with(|| Arc::new(dir)).clone()))
    }

    /// Like [`Layout::area`] with `create`, which never yields `None`.
    pub(crate) fn area_created(&self, area: Area) -> Result<Arc<Dir>> {
        self.area(area, true)?.ok_or_else(|| {
            Error::io(
                self.display_path(area.name()),
                io::ErrorKind::NotFound.into(),
            )
        })
    }

    /// Runs `op` on the handle of `area`. If `op` fails with `NotFound`, the
    /// directory may have been removed (and perhaps re-created) by another
    /// program since the handle was opened (`npm cache clean`, cacache-rs's
    /// `clear`): the handle is reopened and `op` runs once more.
    ///
    /// The outer error is about opening the area; the inner one is `op`'s.
    /// A missing area with `create` false gives an inner `NotFound`.
    pub(crate) fn with_area<T>(
        &self,
        area: Area,
        create: bool,
        mut op: impl FnMut(&Dir) -> io::Result<T>,
    ) -> Result<io::Result<T>> {
        let Some(dir) = self.area(area, create)? else {
            return Ok(Err(io::ErrorKind::NotFound.into()));
        };
        match op(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let slot = &self.areas[area as usize];
                {
                    let mut guard = slot.write().unwrap_or_else(|poison| poison.into_inner());
                    if guard.as_ref().is_some_and(|kept| Arc::ptr_eq(kept, &dir)) {
                        *guard = None;
                    }
                }
                match self.area(area, create)? {
                    Some(fresh) => Ok(op(&fresh)),
                    None => Ok(Err(e)),
                }
            }
            other => Ok(other),
        }
    }

    /// Runs `op(dir, name)` where `dir` is the directory that holds `rel` (a
    /// path under `area`) and `name` is `rel`'s file name, reusing a kept
    /// handle for that directory when there is one (see [`super::shard`]).
    /// With `create`, a missing directory is created.
    ///
    /// As in [`Layout::with_area`], a `NotFound` from `op` on a kept handle
    /// may mean that the directory was removed since: the directory is then
    /// opened afresh, and if it is another one, the kept handle is dropped
    /// and `op` runs once more.
    pub(crate) fn with_shard<T>(
        &self,
        area: Area,
        rel: &Path,
        create: bool,
        mut op: impl FnMut(&Dir, &Path) -> io::Result<T>,
    ) -> Result<io::Result<T>> {
        let Some((parent, name)) = shard::split(rel) else {
            return self.with_area(area, create, |dir| op(dir, rel));
        };
        let shards = &self.shards;
        if shards.capacity() == 0 {
            return self.with_area(area, create, |dir| op(dir, rel));
        }
        // A kept handle on which `op` found nothing, and what it said.
        let missed = match shards.get(area, parent) {
            Some(dir) => match op(&dir, name) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Some((dir, e)),
                other => return Ok(other),
            },
            None => None,
        };
        let opened = self.with_area(area, create, |root| match root.open_dir(parent) {
            Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                shard::create_dirs(root, parent, self.durable())
            }
            other => other,
        })?;
        if let Some((kept, miss)) = missed {
            match &opened {
                // The file is missing, not the directory: that is the answer.
                Ok(fresh) if shard::same_dir(&kept, fresh) => return Ok(Err(miss)),
                // The kept handle is stale (the directory was removed).
                _ => shards.forget(&kept),
            }
        }
        let dir = match opened {
            Ok(dir) => Arc::new(dir),
            Err(e) => return Ok(Err(e)),
        };
        shards.put(area, parent, dir.clone());
        Ok(op(&dir, name))
    }

    /// Closes the kept shard handles (before directories are removed).
    pub(crate) fn forget_shards(&self) {
        self.shards.clear();
    }

    fn open_area(&self, area: Area, create: bool) -> Result<Option<Dir>> {
        let root = &self.root;
        let name = area.name();
        match root.open_dir(name) {
            Ok(dir) => Ok(Some(dir)),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match root.create_dir(name) {
                    // The area's name must survive a power loss with what
                    // a durable write puts in it.
                    Ok(()) if self.durable() => shard::sync_dir(root, Path::new(""))
                        .map_err(|e| Error::io(self.display_path(name), e))?,
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(Error::io(self.display_path(name), e)),
                }
                root.open_dir(name)
                    .map(Some)
                    .map_err(|e| Error::io(self.display_path(name), e))
            }
            Err(e) => Err(Error::io(self.display_path(name), e)),
        }
    }
}

fn read_slot(slot: &RwLock<Option<Arc<Dir>>>) -> Option<Arc<Dir>> {
    slot.read()
        .unwrap_or_else(|poison| poison.into_inner())
        .clone()
}
