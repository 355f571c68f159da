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
    /// Hex hash of a key, which names its bucket file.
    pub(crate) fn key_hash(self, key: &str) -> String {
        match self {
            IndexFormat::Npm => hex::encode(Sha256::digest(key.as_bytes())),
            IndexFormat::CacacheRs => hex::encode(Sha1::digest(key.as_bytes())),
        }
    }

    /// Hex hash that prefixes an index line and guards its JSON against tears.
    pub(crate) fn line_hash(self, json: &[u8]) -> String {
        match self {
            IndexFormat::Npm => hex::encode(Sha1::digest(json)),
            IndexFormat::CacacheRs => hex::encode(Sha256::digest(json)),
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

    /// Looks at the first bucket file found under `index` and returns the format
    /// its name length implies; `None` for an empty or unrecognisable index.
    ///
    /// Costs three `read_dir` calls at most: bucket names all have one length
    /// per format, so one file is enough.
    pub(crate) fn detect(index: &Dir) -> Option<IndexFormat> {
        let shard = first_entry(index, |name| name.len() == 2)?;
        let shard = index.open_dir(&shard).ok()?;
        let sub = first_entry(&shard, |name| name.len() == 2)?;
        let sub = shard.open_dir(&sub).ok()?;
        let bucket = first_entry(&sub, |name| !name.starts_with('.'))?;
        [IndexFormat::Npm, IndexFormat::CacacheRs]
            .into_iter()
            .find(|f| f.bucket_name_len() == bucket.len())
    }
}

fn first_entry(dir: &Dir, accept: impl Fn(&str) -> bool) -> Option<String> {
    dir.entries()
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|name| accept(name))
}
