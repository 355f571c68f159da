//! The on-disk format of npm's cacache (and cacache-rs's variant of it),
//! computed here independently of the library under test: hex digests,
//! sharded paths, bucket lines and entry JSON.
//!
//! ```text
//! content-v2/<algo>/<h[0..2]>/<h[2..4]>/<h[4..]>   h = hex digest of the content
//! index-v5/<k[0..2]>/<k[2..4]>/<k[4..]>            k = hex hash of the key
//! bucket line: "\n" + hex hash of JSON + "\t" + JSON
//! ```

use std::path::{Path, PathBuf};

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use ssri::{Algorithm, Integrity, IntegrityOpts};

/// Which index format's hashes to use (capcache's `IndexFormat`, without
/// depending on capcache; see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// npm's cacache: buckets named by SHA-256 of the key, lines guarded by
    /// SHA-1 of their JSON.
    Npm,
    /// cacache-rs: buckets named by SHA-1 of the key, lines guarded by
    /// SHA-256 of their JSON.
    CacacheRs,
}

/// Lowercase hex SHA-1 of `data`.
pub fn sha1_hex(data: &[u8]) -> String {
    hex::encode(Sha1::digest(data))
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lowercase hex SHA-384 of `data`.
pub fn sha384_hex(data: &[u8]) -> String {
    hex::encode(Sha384::digest(data))
}

/// Lowercase hex SHA-512 of `data`.
pub fn sha512_hex(data: &[u8]) -> String {
    hex::encode(Sha512::digest(data))
}

/// The sha512 integrity of `data`, capcache's default algorithm: what a
/// plain `write` returns. (ssri's `Integrity::from` picks sha256, so tests
/// must not use it for this.)
pub fn sha512(data: impl AsRef<[u8]>) -> Integrity {
    IntegrityOpts::new()
        .algorithm(Algorithm::Sha512)
        .chain(data)
        .result()
}

/// `ab/cd/ef…` from a hex digest, as both the content and index trees shard.
pub fn sharded(hex: &str) -> PathBuf {
    [&hex[0..2], &hex[2..4], &hex[4..]].iter().collect()
}

/// The hex hash naming `key`'s bucket.
pub fn key_hash(index: Index, key: &str) -> String {
    match index {
        Index::Npm => sha256_hex(key.as_bytes()),
        Index::CacacheRs => sha1_hex(key.as_bytes()),
    }
}

/// The hex hash guarding a bucket line's `json`.
pub fn line_hash(index: Index, json: &str) -> String {
    match index {
        Index::Npm => sha1_hex(json.as_bytes()),
        Index::CacacheRs => sha256_hex(json.as_bytes()),
    }
}

/// The path of `key`'s bucket file under the cache root `root`.
pub fn bucket_path(root: &Path, index: Index, key: &str) -> PathBuf {
    root.join("index-v5").join(sharded(&key_hash(index, key)))
}

/// The path of the content file for `sri` (named by its strongest hash)
/// under the cache root `root`.
pub fn content_path(root: &Path, sri: &Integrity) -> PathBuf {
    let (algo, hex) = sri.to_hex();
    root.join("content-v2")
        .join(algo.to_string())
        .join(sharded(&hex))
}

/// The path of capcache's index lock file under the cache root `root`
/// (it holds no entries).
pub fn lock_path(root: &Path) -> PathBuf {
    root.join("index-v5").join(".capcache.lock")
}

/// One appendable bucket line, `"\n" + hash(json) + "\t" + json`.
pub fn index_line(index: Index, json: &str) -> String {
    format!("\n{}\t{json}", line_hash(index, json))
}

/// The JSON of a live entry as npm writes it, at a fixed time
/// (1,700,000,000,000 ms), for planting hand-made buckets.
pub fn entry_json(key: &str, integrity: &str, size: u64, metadata: &serde_json::Value) -> String {
    serde_json::json!({
        "key": key,
        "integrity": integrity,
        "time": 1_700_000_000_000u64,
        "size": size,
        "metadata": metadata,
    })
    .to_string()
}

/// One line of a bucket file, as [`bucket_lines`] reads it.
#[derive(Debug, Clone)]
pub struct Line {
    /// The hash before the tab.
    pub hash: String,
    /// The JSON text after it, exactly as stored.
    pub json: String,
    /// That JSON, parsed.
    pub value: serde_json::Value,
}

/// The non-empty lines of the bucket file at `path`, each split at its tab
/// and parsed; panics (failing the test) on a file that is missing or not
/// made of such lines.
#[track_caller]
pub fn bucket_lines(path: &Path) -> Vec<Line> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read bucket {}: {e}", path.display()));
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (hash, json) = l.split_once('\t').expect("line has a tab");
            Line {
                hash: hash.to_owned(),
                json: json.to_owned(),
                value: serde_json::from_str(json).expect("line JSON parses"),
            }
        })
        .collect()
}
