//! [`Store`]: everything the engine needs to know about one open cache —
//! its [`Layout`], its index format and whether it may leave its root.
//!
//! The public `Cache` is an `Arc<Store>`; the engine takes a `&Store`, so
//! it never depends on the API types above it.

use std::sync::OnceLock;

use super::layout::{Area, Layout};
use super::sys;
use crate::error::Result;
use crate::format::IndexFormat;

/// One open cache, as the engine sees it.
#[derive(Debug)]
pub(crate) struct Store {
    /// The root and the handles kept under it.
    layout: Layout,
    /// The index format: set up front when forced, else on the first
    /// bucket seen on disk.
    format: OnceLock<IndexFormat>,
    /// Whether the cache may follow `link_to` links outside its root.
    ambient: bool,
    /// Per area (by `Area as usize`): whether its filesystem ends a
    /// regular file's reads only at its end (asked once, see
    /// [`sys::short_read_ends`]).
    short_reads_end: [OnceLock<bool>; 3],
}

impl Store {
    /// A store over `layout`, with the index format forced when `format`
    /// is given (detected from the buckets otherwise).
    pub(crate) fn new(layout: Layout, format: Option<IndexFormat>, ambient: bool) -> Store {
        let cell = OnceLock::new();
        if let Some(f) = format {
            let _ = cell.set(f);
        }
        Store {
            layout,
            format: cell,
            ambient,
            short_reads_end: Default::default(),
        }
    }

    /// The directory tree: area and shard handles, paths for errors.
    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The format forced or detected so far, without looking at the disk.
    pub(crate) fn known_format(&self) -> Option<IndexFormat> {
        self.format.get().copied()
    }

    /// The index format in use: forced, else detected from existing
    /// buckets, else npm's.
    pub(crate) fn index_format(&self) -> Result<IndexFormat> {
        if let Some(f) = self.format.get() {
            return Ok(*f);
        }
        let detected = match self.layout.area(Area::Index, false)? {
            Some(index) => IndexFormat::detect(&index),
            None => None,
        };
        // Remember only what was seen on disk: an empty cache may still get
        // its first bucket from another writer, so keep looking until then.
        match detected {
            Some(f) => Ok(*self.format.get_or_init(|| f)),
            None => Ok(IndexFormat::Npm),
        }
    }

    /// Whether a short read of a file in `area` is its end, so the read
    /// that would return 0 can be skipped; `false` until the area exists,
    /// and where the filesystem is not known to guarantee it.
    pub(crate) fn short_reads_end(&self, area: Area) -> bool {
        let cell = &self.short_reads_end[area as usize];
        if let Some(known) = cell.get() {
            return *known;
        }
        match self.layout.area(area, false) {
            Ok(Some(dir)) => *cell.get_or_init(|| sys::short_read_ends(&dir)),
            _ => false,
        }
    }

    /// Whether the cache may use ambient authority (`link_to` targets).
    pub(crate) fn ambient(&self) -> bool {
        self.ambient
    }
}
