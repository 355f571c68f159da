//! Port of cacache-rs 13.1 `src/index.rs`: `mod tests`.
//!
//! Its tests index the fake integrity `sha1-deadbeef` (no content behind it;
//! its digest is 6 bytes, not SHA-1's 20). The faithful port is `tests`,
//! `line_bytes` and `remove_fully`; `well_formed` runs the bodies of `tests`
//! (the `index_tests!` macro) with a well-formed SHA-1 integrity and the
//! crate-root `Metadata`.
//!
//! The private `bucket_path` / `content_path` are computed from the format
//! (see `support`). cacache-rs writes its own index format (SHA-1 bucket
//! names, SHA-256 line hashes); capcache writes npm's in a new cache.

use crate::cacache_compat::support::{
    bucket_path, bucket_path_cacache_rs, cacache_rs_line, npm_line, split_line,
};
use std::path::Path;

/// cacache-rs's `MOCK_ENTRY`: one line in its index format.
const MOCK_ENTRY: &str = "\n9cbbfe2553e7c7e1773f53f0f643fdd72008faa38da53ebcb055e5e20321ae47\t{\"key\":\"hello\",\"integrity\":\"sha1-deadbeef\",\"time\":1234567,\"size\":0,\"metadata\":null,\"raw_metadata\":null}";

/// The JSON of `MOCK_ENTRY`, for another integrity.
fn mock_json(sri: &str) -> String {
    format!(
        "{{\"key\":\"hello\",\"integrity\":\"{sri}\",\"time\":1234567,\"size\":0,\"metadata\":null,\"raw_metadata\":null}}"
    )
}

/// `MOCK_ENTRY` for another integrity, in cacache-rs's format.
fn mock_entry(sri: &str) -> String {
    cacache_rs_line(&mock_json(sri))
}

/// Guards the helpers: they rebuild cacache-rs's `MOCK_ENTRY` byte for byte.
#[test]
fn mock_entry_helper_matches_cacache_rs() {
    assert_eq!(mock_entry("sha1-deadbeef"), MOCK_ENTRY);
}

/// What the `insert_basic` tests check when the bucket is not compared byte
/// for byte: one line in `bucket`, guarded by `line_hash` of its JSON, with
/// the fields of `MOCK_ENTRY` (`raw_metadata` may be `null` or absent).
fn assert_one_mock_line(bucket: &Path, sri: &str, line_of: fn(&str) -> String) {
    let entry = std::fs::read_to_string(bucket).unwrap();
    let line = entry
        .strip_prefix('\n')
        .expect("a bucket line starts with a newline");
    assert!(!line.contains('\n'), "one line: {entry:?}");
    let (_, json_text) = line.split_once('\t').unwrap();
    assert_eq!(line_of(json_text), entry, "line hash of the JSON");
    let (_, mut json) = split_line(line);
    let expected: serde_json::Value = serde_json::from_str(&mock_json(sri)).unwrap();
    if json.get("raw_metadata").is_none() {
        json["raw_metadata"] = serde_json::Value::Null;
    }
    assert_eq!(json, expected);
}

/// The bodies of cacache-rs's index tests that only need `insert`, `find`,
/// `delete` and `ls`, with `SRI` and `Metadata` taken from the invoking
/// module.
macro_rules! index_tests {
    () => {
        fn ls_entries(dir: &Path) -> Vec<String> {
            let mut entries = ls(dir)
                .map(|x| Ok(x?.key))
                .collect::<Result<Vec<_>>>()
                .unwrap();
            entries.sort();
            entries
        }

        #[test]
        fn find_basic() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            // A bucket written by cacache-rs, in its format: capcache detects
            // the format from the bucket's name and reads it.
            let bucket = bucket_path_cacache_rs(&dir, "hello");
            fs::create_dir_all(bucket.parent().unwrap()).unwrap();
            fs::write(bucket, mock_entry(SRI)).unwrap();
            let entry = find(&dir, "hello").unwrap().unwrap();
            assert_eq!(
                entry,
                Metadata {
                    key: String::from("hello"),
                    integrity: sri,
                    time,
                    size: 0,
                    metadata: json!(null),
                    raw_metadata: None,
                }
            );
        }

        /// Added: `find_basic` on a bucket in npm's format.
        #[test]
        fn find_basic_npm_format() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let bucket = bucket_path(&dir, "hello");
            fs::create_dir_all(bucket.parent().unwrap()).unwrap();
            fs::write(bucket, npm_line(&mock_json(SRI))).unwrap();
            let entry = find(&dir, "hello").unwrap().unwrap();
            assert_eq!(entry.integrity, sri);
            assert_eq!(entry.time, 1_234_567);
        }

        #[test]
        fn find_none() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            assert_eq!(find(&dir, "hello").unwrap(), None);
        }

        #[test]
        fn delete_basic() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            let opts = WriteOpts::new().integrity(sri).time(time);
            insert(&dir, "hello", opts).unwrap();
            delete(&dir, "hello").unwrap();
            assert_eq!(find(&dir, "hello").unwrap(), None);
        }

        #[cfg(feature = "async")]
        #[test]
        fn delete_async_basic() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            let opts = WriteOpts::new().integrity(sri).time(time);
            insert(&dir, "hello", opts).unwrap();
            block_on(async {
                delete_async(&dir, "hello").await.unwrap();
            });
            assert_eq!(find(&dir, "hello").unwrap(), None);
        }

        #[test]
        fn round_trip() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            let opts = WriteOpts::new().integrity(sri.clone()).time(time);
            insert(&dir, "hello", opts).unwrap();
            let entry = find(&dir, "hello").unwrap().unwrap();
            assert_eq!(
                entry,
                Metadata {
                    key: String::from("hello"),
                    integrity: sri,
                    time,
                    size: 0,
                    metadata: json!(null),
                    raw_metadata: None,
                }
            );
        }

        #[cfg(feature = "async")]
        #[test]
        fn round_trip_async() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            let opts = WriteOpts::new().integrity(sri.clone()).time(time);
            block_on(async {
                insert_async(&dir, "hello", opts).await.unwrap();
            });
            let entry = block_on(async { find_async(&dir, "hello").await.unwrap().unwrap() });
            assert_eq!(
                entry,
                Metadata {
                    key: String::from("hello"),
                    integrity: sri,
                    time,
                    size: 0,
                    metadata: json!(null),
                    raw_metadata: None,
                }
            );
        }

        #[test]
        fn ls_basic() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            let opts = WriteOpts::new().integrity(sri.clone()).time(time);
            insert(&dir, "hello", opts).unwrap();
            let opts = WriteOpts::new().integrity(sri).time(time);
            insert(&dir, "world", opts).unwrap();

            let entries = ls_entries(&dir);
            assert_eq!(entries, vec![String::from("hello"), String::from("world")])
        }

        #[test]
        fn ls_basic_with_delete() {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri: Integrity = SRI.parse().unwrap();
            let time = 1_234_567;
            let opts = WriteOpts::new().integrity(sri.clone()).time(time);
            insert(&dir, "hello", opts).unwrap();
            let opts = WriteOpts::new().integrity(sri).time(time);
            insert(&dir, "world", opts).unwrap();

            let entries = ls_entries(&dir);
            assert_eq!(entries, vec![String::from("hello"), String::from("world")]);

            delete(&dir, "hello").unwrap();
            let entries = ls_entries(&dir);
            assert_eq!(entries, vec![String::from("world")])
        }
    };
}

/// The same bodies with a well-formed SHA-1 integrity (of "hello").
mod well_formed {
    use super::*;
    use cacache::index::{delete, find, insert, ls};
    #[cfg(feature = "async")]
    use cacache::index::{delete_async, find_async, insert_async};
    use capcache as cacache;
    // the crate-root re-export (cacache-rs has both)
    use cacache::{Integrity, Metadata, Result, WriteOpts};
    use serde_json::json;
    use std::fs;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::tempfile;

    const SRI: &str = "sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00=";

    index_tests!();

    /// `insert_basic` with `SRI`, in the default format.
    // differs by design: a new cache is written in npm's index format (bucket
    // = SHA-256 of the key, line hash = SHA-1), not cacache-rs's.
    #[test]
    fn insert_basic() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri: Integrity = SRI.parse().unwrap();
        let time = 1_234_567;
        let opts = WriteOpts::new().integrity(sri).time(time);
        insert(&dir, "hello", opts).unwrap();
        assert_one_mock_line(&bucket_path(&dir, "hello"), SRI, npm_line);
    }

    /// `insert_basic` with `SRI` in a cache opened in cacache-rs's format:
    /// `MOCK_ENTRY` (for `SRI`) byte for byte.
    #[test]
    fn insert_basic_cacache_rs_format() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let cache = cacache::CacheOptions::new()
            .format(cacache::IndexFormat::CacacheRs)
            .open(&dir)
            .unwrap();
        let sri: Integrity = SRI.parse().unwrap();
        let time = 1_234_567;
        let opts = WriteOpts::new().integrity(sri).time(time);
        insert(&cache, "hello", opts).unwrap();
        let entry = std::fs::read_to_string(bucket_path_cacache_rs(&dir, "hello")).unwrap();
        assert_eq!(entry, mock_entry(SRI));
    }
}

/// The faithful port, with cacache-rs's `sha1-deadbeef`.
mod tests {
    use super::*;
    use cacache::index::{delete, find, insert, ls, Metadata};
    #[cfg(feature = "async")]
    use cacache::index::{delete_async, find_async, insert_async};
    use cacache::{Integrity, Result, WriteOpts};
    use capcache as cacache;
    use serde_json::json;
    use std::fs;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::tempfile;

    const SRI: &str = "sha1-deadbeef";

    index_tests!();

    // differs by design: a new cache is written in npm's index format; the
    // original compares the bucket with MOCK_ENTRY (cacache-rs's format).
    #[test]
    fn insert_basic() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri: Integrity = "sha1-deadbeef".parse().unwrap();
        let time = 1_234_567;
        let opts = WriteOpts::new().integrity(sri).time(time);
        insert(&dir, "hello", opts).unwrap();
        assert_one_mock_line(&bucket_path(&dir, "hello"), SRI, npm_line);
    }
}

/// The index line byte for byte, in a cache in cacache-rs's format
/// (`"raw_metadata":null` included).
mod line_bytes {
    use super::*;
    use cacache::index::insert;
    #[cfg(feature = "async")]
    use cacache::index::insert_async;
    use cacache::{Integrity, WriteOpts};
    use capcache as cacache;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::tempfile;

    /// The original assertion, byte for byte, in a cache opened in
    /// cacache-rs's format.
    #[test]
    fn insert_basic_cacache_rs_format() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let cache = cacache::CacheOptions::new()
            .format(cacache::IndexFormat::CacacheRs)
            .open(&dir)
            .unwrap();
        let sri: Integrity = "sha1-deadbeef".parse().unwrap();
        let time = 1_234_567;
        let opts = WriteOpts::new().integrity(sri).time(time);
        insert(&cache, "hello", opts).unwrap();
        let entry = std::fs::read_to_string(bucket_path_cacache_rs(&dir, "hello")).unwrap();
        assert_eq!(entry, MOCK_ENTRY);
    }

    #[cfg(feature = "async")]
    #[test]
    fn insert_async_basic() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let cache = cacache::CacheOptions::new()
            .format(cacache::IndexFormat::CacacheRs)
            .open(&dir)
            .unwrap();
        let sri: Integrity = "sha1-deadbeef".parse().unwrap();
        let time = 1_234_567;
        let opts = WriteOpts::new().integrity(sri).time(time);
        block_on(async {
            insert_async(&cache, "hello", opts).await.unwrap();
        });
        let entry = std::fs::read_to_string(bucket_path_cacache_rs(&dir, "hello")).unwrap();
        assert_eq!(entry, MOCK_ENTRY);
    }
}

/// `RemoveOpts::remove_fully`, with content stored where cacache-rs puts
/// `sha1-deadbeef` (`content-v2/sha1/75/e6/9d6de79f`: hex of the 6 decoded
/// bytes).
mod remove_fully {
    use cacache::index::{find, insert, RemoveOpts};
    use cacache::{Integrity, WriteOpts};
    use capcache as cacache;
    use std::fs;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::{content_path, tempfile};

    #[test]
    fn delete_fully() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let content = content_path(&dir, &"sha1-deadbeef".parse().unwrap());
        fs::create_dir_all(content.parent().unwrap()).unwrap();
        fs::write(content.as_path(), "hello").unwrap();
        let sri: Integrity = "sha1-deadbeef".parse().unwrap();
        let time = 1_234_567;
        insert(&dir, "hello", WriteOpts::new().integrity(sri).time(time)).unwrap();
        RemoveOpts::new()
            .remove_fully(true)
            .remove_sync(&dir, "hello")
            .unwrap();
        assert_eq!(find(&dir, "hello").unwrap(), None);
        assert!(!content.exists());
    }

    #[cfg(feature = "async")]
    #[test]
    fn delete_fully_async() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let content = content_path(&dir, &"sha1-deadbeef".parse().unwrap());
            fs::create_dir_all(content.parent().unwrap()).unwrap();
            fs::write(content.as_path(), "hello").unwrap();
            let sri: Integrity = "sha1-deadbeef".parse().unwrap();
            let time = 1_234_567;
            insert(&dir, "hello", WriteOpts::new().integrity(sri).time(time)).unwrap();
            RemoveOpts::new()
                .remove_fully(true)
                .remove(&dir, "hello")
                .await
                .unwrap();
            assert_eq!(find(&dir, "hello").unwrap(), None);
            assert!(!content.exists());
        })
    }
}
