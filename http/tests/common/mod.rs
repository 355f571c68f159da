//! Helpers shared by the integration tests (each test crate uses a subset).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use capcache_http::http::{Request, Response};
use capcache_http::{CachePolicy, HttpStore, ResponseParts};

pub use capcache_test_support::env::tempdir;

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

/// Every file under `<cache>/content-v2`, as full paths.
pub fn content_files(cache: &Path) -> Vec<PathBuf> {
    let store = cache.join("content-v2");
    let files = capcache_test_support::fs::content_files(cache);
    files.into_iter().map(|rel| store.join(rel)).collect()
}

/// Every index line (across buckets) under `<cache>/index-v5`.
pub fn index_lines(cache: &Path) -> usize {
    let index = cache.join("index-v5");
    capcache_test_support::fs::index_files(cache)
        .iter()
        .map(|rel| {
            let text = fs::read_to_string(index.join(rel)).expect("bucket");
            text.lines().filter(|l| !l.is_empty()).count()
        })
        .sum()
}

/// Every entry left in `<cache>/tmp`.
pub fn temp_files(cache: &Path) -> usize {
    capcache_test_support::fs::tmp_entries(cache).len()
}

/// `len` bytes in which every position differs from its neighbours, so a
/// body stored out of order or with a piece lost or doubled hashes
/// differently.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8).collect()
}
