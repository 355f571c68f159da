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
        match self {
            IndexFormat::Npm => sharded_hex("", &Sha256::digest(key.as_bytes())),
            IndexFormat::CacacheRs => sharded_hex("", &Sha1::digest(key.as_bytes())),
        }
    }

    /// Hex hash that prefixes an index line and guards its JSON against tears.
    pub(crate) fn line_hash(self, json: &[u8]) -> String {
        match self {
            IndexFormat::Npm => to_hex(&Sha1::digest(json)),
            IndexFormat::CacacheRs => to_hex(&Sha256::digest(json)),
        }
    }

    /// Whether `hex` is [`IndexFormat::line_hash`] of `json`, compared
    /// without spelling the hash (every line of every bucket read is
    /// checked).
    pub(crate) fn line_hash_is(self, json: &[u8], hex: &[u8]) -> bool {
        match self {
            IndexFormat::Npm => hex_is(&Sha1::digest(json), hex),
            IndexFormat::CacacheRs => hex_is(&Sha256::digest(json), hex),
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
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        push_hex(&mut out, byte);
    }
    out
}

/// `[<prefix>/]<h[0..2]>/<h[2..4]>/<h[4..]>`, `h` the lowercase hex of
/// `digest` (three bytes or more), spelled into one allocation: the shape
/// of both bucket paths (no prefix) and content paths (the algorithm).
pub(crate) fn sharded_hex(prefix: &str, digest: &[u8]) -> std::path::PathBuf {
    let mut path = String::with_capacity(prefix.len() + 3 + 2 * digest.len());
    path.push_str(prefix);
    for (i, &byte) in digest.iter().enumerate() {
        let new_component = match i {
            0 => !prefix.is_empty(),
            1 | 2 => true,
            _ => false,
        };
        if new_component {
            path.push(std::path::MAIN_SEPARATOR);
        }
        push_hex(&mut path, byte);
    }
    path.into()
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Whether `hex` spells `bytes` in lowercase hex, as [`to_hex`] does.
fn hex_is(bytes: &[u8], hex: &[u8]) -> bool {
    hex.len() == 2 * bytes.len()
        && bytes.iter().zip(hex.chunks_exact(2)).all(|(&byte, pair)| {
            pair[0] == HEX_DIGITS[usize::from(byte >> 4)]
                && pair[1] == HEX_DIGITS[usize::from(byte & 0x0f)]
        })
}

/// Appends `byte` to `out` as two lowercase hex digits.
pub(crate) fn push_hex(out: &mut String, byte: u8) {
    out.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
    out.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
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

    #[test]
    fn bucket_paths_are_the_key_hash_in_two_levels_of_two_digits() {
        let key = "a key";
        for (format, hash) in [
            (IndexFormat::Npm, hex::encode(Sha256::digest(key))),
            (IndexFormat::CacacheRs, hex::encode(Sha1::digest(key))),
        ] {
            let expected: std::path::PathBuf =
                [&hash[..2], &hash[2..4], &hash[4..]].iter().collect();
            assert_eq!(format.bucket_rel(key), expected);
        }
    }

    #[test]
    fn a_line_hash_matches_only_its_own_lowercase_spelling() {
        let json = br#"{"key":"k"}"#;
        for format in [IndexFormat::Npm, IndexFormat::CacacheRs] {
            let hash = format.line_hash(json);
            assert!(format.line_hash_is(json, hash.as_bytes()));
            assert!(!format.line_hash_is(json, hash.to_uppercase().as_bytes()));
            assert!(!format.line_hash_is(json, &hash.as_bytes()[1..]));
            assert!(!format.line_hash_is(json, format!("{hash}0").as_bytes()));
            assert!(!format.line_hash_is(b"{}", hash.as_bytes()));
            assert!(!format.line_hash_is(json, b""));
        }
    }
}
