//! What the ported tests need from cacache-rs's internals, computed from the
//! on-disk format instead (DESIGN.md: `content-v2/<algo>/<h[0..2]>/<h[2..4]>/<h[4..]>`,
//! `index-v5/<k[0..2]>/<k[2..4]>/<k[4..]>`, lines `"\n" + H + "\t" + JSON`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use capcache_test_support::format::{self, Index};

/// Stands in for the `tempfile` crate in the ported bodies so that
/// `tempfile::tempdir().unwrap()` stays verbatim and also works under WASI
/// (see `capcache_test_support::env::try_tempdir`).
pub mod tempfile {
    pub use ::tempfile::TempDir;
    pub use capcache_test_support::env::try_tempdir as tempdir;
}

/// Drives an async test body (cacache-rs uses `#[async_attributes::test]`).
#[cfg(feature = "async")]
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    futures_lite::future::block_on(future)
}

/// cacache-rs's private `content::path::content_path`: where the content
/// for `sri` lives (named by its strongest hash, lowercase hex).
pub use capcache_test_support::format::content_path;

/// The bucket of `key` in npm's index format (what capcache writes in a new
/// cache): hex SHA-256 of the key.
pub fn bucket_path(cache: &Path, key: &str) -> PathBuf {
    format::bucket_path(cache, Index::Npm, key)
}

/// cacache-rs's private `index::bucket_path`: hex SHA-1 of the key.
pub fn bucket_path_cacache_rs(cache: &Path, key: &str) -> PathBuf {
    format::bucket_path(cache, Index::CacacheRs, key)
}

/// One index line in npm's format: `"\n" + sha1hex(json) + "\t" + json`.
pub fn npm_line(json: &str) -> String {
    format::index_line(Index::Npm, json)
}

/// One index line in cacache-rs's format: `"\n" + sha256hex(json) + "\t" + json`.
pub fn cacache_rs_line(json: &str) -> String {
    format::index_line(Index::CacacheRs, json)
}

/// Splits one bucket line (without its leading newline) into hash and JSON.
pub fn split_line(line: &str) -> (&str, serde_json::Value) {
    let (hash, json) = line.split_once('\t').expect("hash TAB json");
    (hash, serde_json::from_str(json).expect("line JSON"))
}

/// Reflinks need a filesystem that has them (btrfs, XFS, APFS, ReFS); on
/// others (ext4, tmpfs, WASI) cacache-rs and capcache both return an I/O
/// error. Accept either outcome, and check the copy when there is one.
pub fn reflink_outcome(res: capcache::Result<()>, to: &Path, expected: &[u8]) {
    match res {
        Ok(()) => assert_eq!(std::fs::read(to).unwrap(), expected),
        Err(capcache::Error::Io { .. }) => {}
        Err(other) => panic!("reflink failed with a non-I/O error: {other:?}"),
    }
}
