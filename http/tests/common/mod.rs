//! Helpers shared by the integration tests (each test crate uses a subset).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use capcache_http::http::{Request, Response};
use capcache_http::{CachePolicy, HttpStore, ResponseParts};

/// A temporary directory that works natively and under WASI, where
/// `tempfile::tempdir()` fails (no temp dir): there it is created under
/// `$CAPCACHE_TEST_TMP` (default `/tmp`), which the runner preopens.
pub fn tempdir() -> tempfile::TempDir {
    match std::env::var_os("CAPCACHE_TEST_TMP") {
        Some(base) => tempfile::tempdir_in(base),
        None if cfg!(target_family = "wasm") => tempfile::tempdir_in("/tmp"),
        None => tempfile::tempdir(),
    }
    .expect("create a temp dir")
}

/// A store in `<tmp>/cache`, opened from its path; the parent lets a test
/// check that nothing leaks outside the cache.
pub fn new_store() -> (tempfile::TempDir, HttpStore) {
    let tmp = tempdir();
    let store = HttpStore::open(tmp.path().join("cache")).expect("open store");
    (tmp, store)
}

/// Parts and policy of a `GET url` answered 200 with `headers`.
pub fn response(url: &str, headers: &[(&str, &str)]) -> (ResponseParts, CachePolicy) {
    let request = Request::get(url).body(()).expect("request");
    let mut builder = Response::builder().status(200);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = builder.body(()).expect("response");
    let policy = CachePolicy::new(&request, &response);
    let (parts, ()) = response.into_parts();
    (
        ResponseParts::from_http(&parts, Some(url.to_owned())),
        policy,
    )
}

/// Every file under `<cache>/content-v2`.
pub fn content_files(cache: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![cache.join("content-v2")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("dir entry");
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                dirs.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out
}

/// Every index line (across buckets) under `<cache>/index-v5`.
pub fn index_lines(cache: &Path) -> usize {
    let mut count = 0;
    let mut dirs = vec![cache.join("index-v5")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("dir entry");
            if entry.file_type().expect("file type").is_dir() {
                dirs.push(entry.path());
            } else if !entry.file_name().to_string_lossy().starts_with('.') {
                let text = fs::read_to_string(entry.path()).expect("bucket");
                count += text.lines().filter(|l| !l.is_empty()).count();
            }
        }
    }
    count
}

/// Every file left in `<cache>/tmp`.
pub fn temp_files(cache: &Path) -> usize {
    fs::read_dir(cache.join("tmp"))
        .map(|dir| dir.count())
        .unwrap_or(0)
}

/// `len` bytes in which every position differs from its neighbours, so a
/// body stored out of order or with a piece lost or doubled hashes
/// differently.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}
