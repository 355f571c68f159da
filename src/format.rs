//! The two index formats in the wild and how to tell them apart.
//!
//! npm's cacache and cacache-rs share `content-v2` byte for byte but hash the
//! index differently: npm names a bucket by SHA-256 of the key and guards each
//! line with SHA-1 of its JSON; cacache-rs does the opposite.

use cap_std::fs::Dir;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Which index hashing scheme a cache uses.
///
/// New caches are written in [`IndexFormat::Npm`]; an existing cache is
/// detected from the length of its bucket file names (see
/// [`CacheOptions::format`](crate::CacheOptions::format) to override).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexFormat {
    /// npm's cacache: bucket = hex SHA-256 of the key, line check = hex SHA-1 of the JSON.
    Npm,
    /// cacache-rs: bucket = hex SHA-1 of the key, line check = hex SHA-256 of the JSON.
    CacacheRs,
}

impl IndexFormat {
    /// Where this format puts `key`'s bucket, relative to `index-v5`
    /// (see [`crate::index::bucket_path`]).
    pub(crate) fn bucket_rel(self, key: &str) -> std::path::PathBuf {
        let hash = self.key_hash(key);
        let mut path = std::path::PathBuf::from(&hash[0..2]);
        path.push(&hash[2..4]);
        path.push(&hash[4..]);
        path
    }

    /// Hex hash of a key, which names its bucket file.
    pub(crate) fn key_hash(self, key: &str) -> String {
        match self {
            IndexFormat::Npm => to_hex(&Sha256::digest(key.as_bytes())),
            IndexFormat::CacacheRs => to_hex(&Sha1::digest(key.as_bytes())),
        }
    }

    /// Hex hash that prefixes an index line and guards its JSON against tears.
    pub(crate) fn line_hash(self, json: &[u8]) -> String {
        match self {
            IndexFormat::Npm => to_hex(&Sha1::digest(json)),
            IndexFormat::CacacheRs => to_hex(&Sha256::digest(json)),
        }
    }

    /// Length of the file-name part of a bucket path (hex digest minus the two
    /// two-character directory levels).
    fn bucket_name_len(self) -> usize {
        match self {
            IndexFormat::Npm => 64 - 4,
            IndexFormat::CacacheRs => 40 - 4,
        }
    }

    /// Looks for the first bucket file under `index` and returns the format
    /// its name length implies; `None` for an index with no bucket.
    ///
    /// Bucket names have one length per format, so one file is enough; the
    /// walk passes over empty shards (left by compaction) and stray entries.
    pub(crate) fn detect(index: &Dir) -> Option<IndexFormat> {
        let is_shard = |name: &str| name.len() == 2 && is_hex(name);
        for shard in names(index, is_shard) {
            let Ok(shard) = index.open_dir(&shard) else {
                continue;
            };
            for sub in names(&shard, is_shard) {
                let Ok(sub) = shard.open_dir(&sub) else {
                    continue;
                };
                let format = names(&sub, is_hex).find_map(|bucket| {
                    [IndexFormat::Npm, IndexFormat::CacacheRs]
                        .into_iter()
                        .find(|f| f.bucket_name_len() == bucket.len())
                });
                if format.is_some() {
                    return format;
                }
            }
        }
        None
    }
}

/// Names of the entries of `dir` that pass `accept` (unreadable ones skipped).
fn names<'a>(dir: &Dir, accept: impl Fn(&str) -> bool + 'a) -> impl Iterator<Item = String> + 'a {
    dir.entries()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(move |name| accept(name))
}

fn is_hex(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Lowercase hex of `bytes`.
///
/// `hex::encode` collects an iterator of `char`s; this runs on every
/// operation (bucket names, line checks, content paths), and under WASI that
/// iterator was the guest's largest cost after hashing.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_hex_matches_the_hex_crate() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(to_hex(&all), hex::encode(&all));
        assert_eq!(to_hex(&[]), "");
    }
}
