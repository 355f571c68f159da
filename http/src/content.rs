//! Where a body lives: the content path capcache (and npm) use, spelled here
//! because capcache does not export its own (`content::path` is private).

use std::path::PathBuf;

use base64::Engine;
use capcache::{Algorithm, Integrity};

/// Digest length in bytes for each algorithm capcache stores.
fn digest_len(algo: Algorithm) -> Option<usize> {
    Some(match algo {
        Algorithm::Sha512 => 64,
        Algorithm::Sha384 => 48,
        Algorithm::Sha256 => 32,
        Algorithm::Sha1 => 20,
        Algorithm::Xxh3 => 16,
        _ => return None,
    })
}

/// `content-v2/<algo>/<h[0..2]>/<h[2..4]>/<h[4..]>` for the strongest hash
/// of `sri`, relative to the cache root; `None` unless its digest is
/// base64 of the right length, so the path is hex digits only and cannot
/// leave the content tree, whatever the integrity string holds.
pub(crate) fn relative_path(sri: &Integrity) -> Option<PathBuf> {
    let hash = sri.hashes.first()?;
    let digest = base64::engine::general_purpose::STANDARD
        .decode(hash.digest.as_bytes())
        .ok()?;
    if digest_len(hash.algorithm)? != digest.len() {
        return None;
    }
    let hex = hex::encode(digest);
    let mut path = PathBuf::from("content-v2");
    path.push(hash.algorithm.to_string());
    path.push(&hex[0..2]);
    path.push(&hex[2..4]);
    path.push(&hex[4..]);
    Some(path)
}
