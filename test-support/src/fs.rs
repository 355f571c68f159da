//! Looking at a cache tree on disk, and planting or damaging files in it,
//! with plain `std::fs` (not through the library under test).
//!
//! These are test helpers: they panic, failing the test, on an I/O error
//! the test did not expect.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Every file below `dir` that is not a directory (symlinks are listed,
/// not followed), relative to `dir`, sorted; empty if `dir` does not
/// exist. A subdirectory removed while it is walked is passed over.
#[track_caller]
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("read dir {}: {e}", dir.display()));
            let path = entry.path();
            let is_dir = entry
                .file_type()
                .unwrap_or_else(|e| panic!("file type of {}: {e}", path.display()))
                .is_dir();
            if is_dir {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).expect("below base").to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Files in the content store (`content-v2`) of the cache at `root`,
/// relative to the store.
pub fn content_files(root: &Path) -> Vec<PathBuf> {
    files_under(&root.join("content-v2"))
}

/// The full path of the one content file of the cache at `root`; panics
/// unless it holds exactly one.
#[track_caller]
pub fn only_content_file(root: &Path) -> PathBuf {
    let store = root.join("content-v2");
    match &files_under(&store)[..] {
        [only] => store.join(only),
        files => panic!("want one content file, found {files:?}"),
    }
}

/// Bucket files (`index-v5`) of the cache at `root`, relative to the index
/// (capcache's index lock file, which holds no entries, is not one).
pub fn index_files(root: &Path) -> Vec<PathBuf> {
    files_under(&root.join("index-v5"))
        .into_iter()
        .filter(|p| p.file_name().is_none_or(|n| n != ".capcache.lock"))
        .collect()
}

/// Leftover temp files below `tmp/` of the cache at `root`, relative to it.
pub fn tmp_files(root: &Path) -> Vec<PathBuf> {
    files_under(&root.join("tmp"))
}

/// Entries of any kind (a leftover directory too) directly in `tmp/` of
/// the cache at `root`, as full paths; empty if there is no `tmp/`.
pub fn tmp_entries(root: &Path) -> Vec<PathBuf> {
    match fs::read_dir(root.join("tmp")) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Writes `bytes` at `path`, creating its parents: plants a file in a
/// cache tree.
#[track_caller]
pub fn plant(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().expect("path has a parent")).expect("create parents");
    fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Appends `bytes` to the file at `path`, creating it and its parents (a
/// bucket line, say).
#[track_caller]
pub fn append(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().expect("path has a parent")).expect("create parents");
    fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}

/// Overwrites the file at `path` with bytes of the same length, every one
/// of them changed (XOR `0xA5`); returns the new bytes.
#[track_caller]
pub fn corrupt(path: &Path) -> Vec<u8> {
    rewrite(path, |bytes| bytes.iter_mut().for_each(|b| *b ^= 0xA5))
}

/// Flips the lowest bit of the byte at `at` of the file at `path`, in
/// place; returns the new bytes.
#[track_caller]
pub fn flip_byte(path: &Path, at: usize) -> Vec<u8> {
    rewrite(path, |bytes| bytes[at] ^= 0x01)
}

#[track_caller]
fn rewrite(path: &Path, change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    change(&mut bytes);
    fs::write(path, &bytes).unwrap_or_else(|e| panic!("overwrite {}: {e}", path.display()));
    bytes
}
