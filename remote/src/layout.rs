//! Where things live in the object store: the local layout, with the
//! append-only bucket files replaced by one immutable object per entry
//! version.
//!
//! ```text
//! content-v2/<algo>/<h[0..2]>/<h[2..4]>/<h[4..]>       as locally; immutable
//! index-v5/<k[0..2]>/<k[2..4]>/<k[4..]>/<time>-<rand>  versioned mode: one line each
//! index-v5/<k[0..2]>/<k[2..4]>/<k[4..]>                write-once mode: one line
//! ```
//!
//! `k` is the hex SHA-256 of the key and the lines are npm's, as in npm's
//! cacache. `<time>` is the entry's time in milliseconds, zero-padded to 20
//! digits so that name order is time order; `<rand>` 16 hex digits (see
//! [`version_name`]).

use std::sync::atomic::{AtomicU32, Ordering};

use std::path::Path;

use capcache::{IndexFormat, Integrity};

/// The content area.
pub(crate) const CONTENT: &str = "content-v2/";
/// The index area.
pub(crate) const INDEX: &str = "index-v5/";

/// The content object for `sri` (capcache's own content path), or why
/// `sri` cannot name one.
pub(crate) fn content_path(sri: &Integrity) -> Result<String, String> {
    capcache::content_path(sri)
        .map(|path| object_path(&path))
        .map_err(|e| e.to_string())
}

/// A relative path as an object path: its components joined with `/`
/// whatever the platform's separator. capcache spells its paths in ASCII.
fn object_path(path: &Path) -> String {
    let parts: Vec<_> = path.iter().map(|part| part.to_string_lossy()).collect();
    parts.join("/")
}

/// The bucket of `key`: a directory of versions (versioned mode, with a
/// trailing `/`) or one object (write-once mode, without).
pub(crate) fn bucket(key: &str) -> String {
    object_path(&capcache::index::bucket_path(IndexFormat::Npm, key))
}

/// The directory holding the versions of `key` (trailing `/`).
pub(crate) fn bucket_dir(key: &str) -> String {
    format!("{}/", bucket(key))
}

/// A fresh version name for an entry written at `time`.
///
/// The 16 hex digits after the time are a process-wide sequence number
/// (8 digits) and 8 random ones: versions named by one process in the
/// same millisecond sort in the order they were named (which is the order
/// of the local writes, as names are given when a write is queued). Two
/// processes pick the same name only if they write one key in the same
/// millisecond at the same sequence number and draw the same 32 random
/// bits (odds 2^-32): the second write is then refused as a duplicate.
pub(crate) fn version_name(time: u128) -> String {
    static SEQUENCE: AtomicU32 = AtomicU32::new(0);
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{time:020}-{seq:08x}{:08x}", fastrand::u32(..))
}

/// `t` in milliseconds since the Unix epoch (0 before it), as entry times
/// and version names count.
pub(crate) fn millis(t: std::time::SystemTime) -> u128 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// The time a version name records, or `None` for a name this crate did
/// not write.
pub(crate) fn version_time(name: &str) -> Option<u128> {
    let (time, rand) = name.split_once('-')?;
    let ok = time.len() == 20
        && rand.len() == 16
        && time.bytes().all(|b| b.is_ascii_digit())
        && rand.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| time.parse().ok()).flatten()
}

/// The last component of an object path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory part of an object path, trailing `/` included.
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_paths_are_the_local_ones() {
        // sha256("hello"), as capcache stores it locally.
        let sri: Integrity = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
            .parse()
            .unwrap();
        assert_eq!(
            content_path(&sri).unwrap(),
            "content-v2/sha256/2c/f2/4dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn bad_digests_are_refused_not_panicked_on() {
        let sri: Integrity = "sha512-!!!".parse().unwrap();
        assert!(content_path(&sri).unwrap_err().contains("base64"), "{sri}");
        let short: Integrity = "sha512-AAAA".parse().unwrap();
        let err = content_path(&short).unwrap_err();
        assert!(err.contains("expected 64"), "{err}");
    }

    #[test]
    fn version_names_sort_by_time_and_parse_back() {
        let (a, b) = (version_name(9), version_name(10));
        assert!(a < b);
        // The same millisecond: in the order named.
        let (c, d) = (version_name(9), version_name(9));
        assert!(a < c && c < d, "{a} {c} {d}");
        assert_eq!(version_time(&a), Some(9));
        assert_eq!(version_time("junk"), None);
        assert_eq!(version_time("00000000000000000009-zz"), None);
    }

    #[test]
    fn buckets_use_npm_key_hashes() {
        // sha256("k") = 8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a
        assert_eq!(
            bucket("k"),
            "index-v5/82/54/c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a"
        );
        assert_eq!(parent(&bucket_dir("k")), bucket_dir("k"));
        assert_eq!(file_name("a/b/c"), "c");
    }
}
