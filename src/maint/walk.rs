//! Walking the three-level shard trees of `index-v5` and `content-v2`.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::Engine;
use cap_std::fs::Dir;
use ssri::Integrity;

use crate::cache::Cache;
use crate::engine::content;
use crate::engine::index::{bucket, line};
use crate::engine::layout::Area;
use crate::engine::parallel;
use crate::engine::sys::listing::{self, Kind};
use crate::error::{Error, Result};

/// Every file `depth` directory levels below `dir`, as relative paths;
/// with `leaf_dirs`, directories at that depth too.
fn files_at_depth(
    cache: &Cache,
    area: Area,
    dir: &Dir,
    depth: usize,
    leaf_dirs: bool,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![(PathBuf::new(), 0usize)];
    while let Some((rel, level)) = stack.pop() {
        let listing = if rel.as_os_str().is_empty() {
            listing::names(dir)
        } else {
            listing::open(dir, &rel).map(|(_, names)| names)
        };
        let display = || {
            cache
                .layout()
                .display_path(Path::new(area.name()).join(&rel))
        };
        let listing = match listing {
            Ok(listing) => listing,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(display(), e)),
        };
        for (name, kind) in listing {
            let child = rel.join(name);
            let is_dir = kind == Kind::Dir;
            if level < depth && is_dir {
                stack.push((child, level + 1));
            } else if level == depth && (leaf_dirs || !is_dir) {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The top-level shard directories of `index-v5`: the units maintenance
/// splits its work into, so that no list of every bucket (a hundred bytes
/// each, a million buckets in a large cache) is ever held.
pub(crate) fn bucket_shards(cache: &Cache) -> Result<Vec<PathBuf>> {
    let Some(dir) = cache.layout().area(Area::Index, false)? else {
        return Ok(Vec::new());
    };
    let display = || cache.layout().display_path(Area::Index.name());
    let names = listing::names(&dir).map_err(|e| Error::io(display(), e))?;
    let mut shards: Vec<PathBuf> = listing::subdirs(names).map(PathBuf::from).collect();
    shards.sort();
    Ok(shards)
}

/// Hands `visit` every bucket file of one top-level shard from
/// [`bucket_shards`]: the directory holding it, its name there, and its
/// path under `index-v5`. A bucket is best read through that directory
/// ([`bucket::read_in`]): the kernel resolves one name, not three. The
/// first error `visit` returns ends the walk.
pub(crate) fn for_each_bucket_in(
    cache: &Cache,
    shard: &Path,
    mut visit: impl FnMut(&Dir, &Path, &Path) -> Result<()>,
) -> Result<()> {
    let Some(index) = cache.layout().area(Area::Index, false)? else {
        return Ok(());
    };
    let display = |rel: &Path| {
        let path = Path::new(Area::Index.name()).join(rel);
        cache.layout().display_path(path)
    };
    // `name` in `dir`, which is `rel` under the index. Its names are
    // listed before any visit: a visit may rename a bucket over itself (a
    // rewrite), which a listing in progress could show twice.
    let listing = |dir: &Dir, name: &Path, rel: &Path| match listing::open(dir, name) {
        Ok(opened) => Ok(Some(opened)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(display(rel), e)),
    };
    let Some((top, subs)) = listing(&index, shard, shard)? else {
        return Ok(());
    };
    for (sub, kind) in subs {
        if kind != Kind::Dir {
            continue;
        }
        let sub_rel = shard.join(&sub);
        let Some((dir, buckets)) = listing(&top, Path::new(&sub), &sub_rel)? else {
            continue;
        };
        for (name, kind) in buckets {
            if kind != Kind::Dir {
                visit(&dir, Path::new(&name), &sub_rel.join(&name))?;
            }
        }
    }
    Ok(())
}

/// A file under `content-v2`.
pub(crate) struct ContentFile {
    /// Relative to `content-v2`.
    pub(crate) rel: PathBuf,
    /// The integrity its path names, if it names one.
    pub(crate) integrity: Option<Integrity>,
    pub(crate) len: u64,
    pub(crate) modified: Option<SystemTime>,
    /// A directory where a content file belongs (damage).
    pub(crate) is_dir: bool,
    /// A regular file (not a `link_to` symlink), whose `len` is its data's.
    pub(crate) is_file: bool,
}

/// Every file under `content-v2/<algo>/<xx>/<yy>/`.
pub(crate) fn content_files(cache: &Cache) -> Result<Vec<ContentFile>> {
    let Some(dir) = cache.layout().area(Area::Content, false)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for rel in files_at_depth(cache, Area::Content, &dir, 3, true)? {
        // symlink_metadata: a link_to entry is judged by the link itself.
        let meta = dir.symlink_metadata(&rel).ok();
        out.push(ContentFile {
            integrity: integrity_of(&rel),
            len: meta.as_ref().map(|m| m.len()).unwrap_or(0),
            is_dir: meta.as_ref().is_some_and(|m| m.is_dir()),
            is_file: meta.as_ref().is_some_and(|m| m.is_file()),
            modified: meta.and_then(|m| m.modified().ok()).map(|t| t.into_std()),
            rel,
        });
    }
    Ok(out)
}

/// The integrity a content path names (`sha512/ab/cd/ef…` → `sha512-…`).
fn integrity_of(rel: &Path) -> Option<Integrity> {
    let parts: Vec<&str> = rel.iter().map(|p| p.to_str()).collect::<Option<_>>()?;
    let [algo, a, b, rest] = parts.as_slice() else {
        return None;
    };
    let bytes = hex::decode(format!("{a}{b}{rest}")).ok()?;
    let digest = base64::engine::general_purpose::STANDARD.encode(bytes);
    let sri: Integrity = format!("{algo}-{digest}").parse().ok()?;
    // Round-trip: only a canonical path names this integrity.
    (content::content_path(&sri).ok()? == rel).then_some(sri)
}

/// What a scan of the index found.
#[derive(Default)]
pub(crate) struct LiveContent {
    /// Content paths the latest live entry of some key references.
    pub(crate) paths: HashSet<PathBuf>,
    /// Buckets that could not be read (a symlink out of the cache, an I/O
    /// error): while there are any, `paths` may be incomplete.
    pub(crate) unreadable: usize,
    /// Bucket files seen.
    pub(crate) buckets: u64,
    /// Live entries seen.
    pub(crate) entries: u64,
    /// With [`live_content_and_changes`]: the buckets a rewrite keeping
    /// every live entry would change (`None` past [`CHANGING_LISTED`])...
    pub(crate) changing: Option<Vec<PathBuf>>,
    /// ...and the entries of those it would leave as they are.
    pub(crate) unchanged_entries: u64,
}

/// Buckets to rewrite that a scan lists at most (about 6 MiB of paths);
/// with more, verify rewrites every bucket instead of listing them.
const CHANGING_LISTED: usize = 65_536;

/// Scans every bucket for the content its live entries reference: one
/// top-level shard at a time on each core, so memory holds the distinct
/// content paths, not a list of every bucket or entry.
pub(crate) fn live_content(cache: &Cache) -> Result<LiveContent> {
    scan(cache, false)
}

/// [`live_content`], also telling which buckets a rewrite would change
/// (verify's rebuild then needs to visit only those, when no content turns
/// out missing or corrupt).
pub(crate) fn live_content_and_changes(cache: &Cache) -> Result<LiveContent> {
    scan(cache, true)
}

fn scan(cache: &Cache, changes: bool) -> Result<LiveContent> {
    let format = cache.index_format()?;
    let per_shard = parallel::map(&bucket_shards(cache)?, |shard| {
        let mut found = LiveContent {
            changing: Some(Vec::new()),
            ..LiveContent::default()
        };
        for_each_bucket_in(cache, shard, |dir, name, rel| {
            found.buckets += 1;
            match bucket::read_in(cache.store(), dir, name, rel) {
                Ok(Some(bytes)) => {
                    let latest = line::latest_per_key(format, &bytes);
                    for path in latest.iter().filter_map(|entry| entry.content_path()) {
                        found.entries += 1;
                        found.paths.insert(path);
                    }
                    if changes {
                        match bucket::compact_as_is(format, &bytes, latest) {
                            Some(as_is) => found.unchanged_entries += as_is.kept as u64,
                            None => add_changing(&mut found.changing, [rel.to_path_buf()]),
                        }
                    }
                }
                Ok(None) => {}
                Err(_) => found.unreadable += 1,
            }
            Ok(())
        })?;
        Ok::<_, Error>(found)
    })?;
    let mut all = LiveContent {
        changing: Some(Vec::new()),
        ..LiveContent::default()
    };
    for part in per_shard {
        all.unreadable += part.unreadable;
        all.buckets += part.buckets;
        all.entries += part.entries;
        all.paths.extend(part.paths);
        match part.changing {
            Some(changing) => add_changing(&mut all.changing, changing),
            None => all.changing = None,
        }
        all.unchanged_entries += part.unchanged_entries;
    }
    Ok(all)
}

/// Adds `more` to the buckets to rewrite, or gives up listing them past
/// [`CHANGING_LISTED`].
fn add_changing(changing: &mut Option<Vec<PathBuf>>, more: impl IntoIterator<Item = PathBuf>) {
    if let Some(list) = changing {
        list.extend(more);
        if list.len() > CHANGING_LISTED {
            *changing = None;
        }
    }
}
