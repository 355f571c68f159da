//! Where things live in an npm-format cache, computed independently of the
//! library under test, so the suite can damage and plant files by path.

use std::fs;
use std::path::{Path, PathBuf};

use capcache::Integrity;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// `ab/cd/ef…`, the sharding of both trees.
fn sharded(hex: &str) -> PathBuf {
    [&hex[0..2], &hex[2..4], &hex[4..]].iter().collect()
}

/// The bucket file of `key` under the cache root (npm: SHA-256 of the key).
pub fn bucket_path(root: &Path, key: &str) -> PathBuf {
    root.join("index-v5")
        .join(sharded(&hex::encode(Sha256::digest(key.as_bytes()))))
}

/// The content file of `sri` (its strongest hash) under the cache root.
pub fn content_path(root: &Path, sri: &Integrity) -> PathBuf {
    let (algo, hex) = sri.to_hex();
    root.join("content-v2")
        .join(algo.to_string())
        .join(sharded(&hex))
}

/// The index lock file.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join("index-v5").join(".capcache.lock")
}

/// One bucket line as npm writes it: `"\n" + sha1(json) + "\t" + json`.
pub fn line(json: &str) -> Vec<u8> {
    format!("\n{}\t{json}", hex::encode(Sha1::digest(json.as_bytes()))).into_bytes()
}

/// The JSON of a live entry.
pub fn entry_json(key: &str, sri: &str, size: u64, metadata: &serde_json::Value) -> String {
    serde_json::json!({
        "key": key,
        "integrity": sri,
        "time": 1_700_000_000_000u64,
        "size": size,
        "metadata": metadata,
    })
    .to_string()
}

/// Regular files under `dir`, recursively, sorted (symlinks and
/// directories not included).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(ty) = entry.file_type() else { continue };
            if ty.is_dir() {
                stack.push(entry.path());
            } else if ty.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// Entries (of any kind) directly in `tmp/`.
pub fn tmp_entries(root: &Path) -> Vec<PathBuf> {
    match fs::read_dir(root.join("tmp")) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Writes `bytes` at `path`, creating its parents.
pub fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().expect("path has a parent")).expect("create parents");
    fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
