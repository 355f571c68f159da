//! Mapping an integrity to its content file, refusing values that would not
//! name one.

use std::path::PathBuf;

use base64::Engine;
use ssri::{Algorithm, Integrity};

use crate::error::{Error, Result};

/// Digest length in bytes for each algorithm `ssri` knows.
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

/// The longest digest of any algorithm [`digest_len`] knows (sha512).
const MAX_DIGEST: usize = 64;

/// A digest decoded on the stack: every read decodes one, so it costs no
/// allocation.
pub(crate) struct Digest {
    pub(crate) algorithm: Algorithm,
    bytes: [u8; MAX_DIGEST],
    len: usize,
}

impl Digest {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The content file this digest names, relative to `content-v2`.
    pub(crate) fn path(&self) -> PathBuf {
        sharded(self.algorithm, self.bytes())
    }
}

/// `hash`'s digest if it is valid base64 of its algorithm's length.
pub(crate) fn decode(hash: &ssri::Hash) -> std::result::Result<Digest, String> {
    let Some(want) = digest_len(hash.algorithm) else {
        return Err("unsupported algorithm".to_owned());
    };
    let mut bytes = [0u8; MAX_DIGEST];
    let len = base64::engine::general_purpose::STANDARD
        .decode_slice(hash.digest.as_bytes(), &mut bytes)
        .map_err(|e| match e {
            base64::DecodeSliceError::DecodeError(e) => format!("digest is not base64: {e}"),
            base64::DecodeSliceError::OutputSliceTooSmall => format!(
                "{} digest has more than {MAX_DIGEST} bytes, expected {want}",
                algo_name(hash.algorithm)
            ),
        })?;
    if len != want {
        return Err(format!(
            "{} digest has {len} bytes, expected {want}",
            algo_name(hash.algorithm)
        ));
    }
    Ok(Digest {
        algorithm: hash.algorithm,
        bytes,
        len,
    })
}

/// Checks that `sri` has a strongest hash whose digest is valid base64 of the
/// right length, and returns that digest.
///
/// `ssri` parses any text after `algo-` as a digest and panics later in
/// `to_hex` on bad base64, so every integrity that reaches the filesystem or
/// a hasher passes here first.
pub(crate) fn strongest_digest(sri: &Integrity) -> Result<Digest> {
    let invalid = |reason: String| Error::InvalidIntegrity {
        input: Some(sri.to_string()),
        reason,
    };
    let hash = sri
        .hashes
        .first()
        .ok_or_else(|| invalid("it holds no hash".to_owned()))?;
    decode(hash).map_err(invalid)
}

/// Returns `sri` if it can name content (see [`content_path`]). Checks
/// without spelling the path, which [`content_path`] does when needed.
pub(crate) fn checked_integrity(sri: &Integrity) -> Result<&Integrity> {
    strongest_digest(sri).map(|_| sri)
}

/// Path of the content file for `sri`, relative to `content-v2`.
pub(crate) fn content_path(sri: &Integrity) -> Result<PathBuf> {
    strongest_digest(sri).map(|digest| digest.path())
}

/// The directory name of `algo` under `content-v2` (`ssri`'s `Display`
/// spells the same through two allocations).
fn algo_name(algo: Algorithm) -> &'static str {
    match algo {
        Algorithm::Sha512 => "sha512",
        Algorithm::Sha384 => "sha384",
        Algorithm::Sha256 => "sha256",
        Algorithm::Sha1 => "sha1",
        Algorithm::Xxh3 => "xxh3",
        _ => "unknown",
    }
}

/// `<algo>/<h[0..2]>/<h[2..4]>/<h[4..]>` for a digest of three bytes or
/// more.
fn sharded(algo: Algorithm, digest: &[u8]) -> PathBuf {
    crate::format::sharded_hex(algo_name(algo), digest)
}

/// Where cacache-rs puts content for `sri` whatever its digest's length
/// (its tests store `sha1-deadbeef`): only to remove such a file, never to
/// read one. Hex digits cannot leave the shard, so any length of three
/// bytes or more names a file under `content-v2/<algo>/`.
pub(crate) fn lenient_content_path(sri: &Integrity) -> Option<PathBuf> {
    if let Ok(path) = content_path(sri) {
        return Some(path);
    }
    let hash = sri.hashes.first()?;
    digest_len(hash.algorithm)?;
    let digest = base64::engine::general_purpose::STANDARD
        .decode(hash.digest.as_bytes())
        .ok()
        .filter(|bytes| bytes.len() >= 3)?;
    Some(sharded(hash.algorithm, &digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_is_hex_of_strongest_hash_in_npm_segments() {
        let sri: Integrity = "sha1-deadbeefdeadbeefdeadbeefdeadbeef sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
            .parse()
            .unwrap();
        // sha1 digest above is not 20 bytes, but sha256 is the strongest and valid.
        assert_eq!(
            content_path(&sri).unwrap(),
            PathBuf::from(
                "sha256/2c/f2/4dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            )
        );
    }

    #[test]
    fn lenient_paths_are_cacache_rs_paths_of_odd_digests() {
        let sri: Integrity = "sha1-deadbeef".parse().unwrap();
        assert_eq!(
            lenient_content_path(&sri),
            Some(PathBuf::from("sha1/75/e6/9d6de79f"))
        );
        for refused in ["sha512-!!!", "sha256-../../etc/passwd", "sha1-AAA="] {
            let sri: Integrity = refused.parse().unwrap();
            assert_eq!(lenient_content_path(&sri), None, "{refused}");
        }
    }

    #[test]
    fn a_digest_of_the_wrong_length_is_named_as_such() {
        let long = base64::engine::general_purpose::STANDARD.encode([7u8; 100]);
        for (sri, reason) in [
            (
                "sha512-AAAA".to_owned(),
                "sha512 digest has 3 bytes, expected 64",
            ),
            (
                format!("sha512-{long}"),
                "sha512 digest has more than 64 bytes, expected 64",
            ),
            (
                format!("sha256-{long}"),
                "sha256 digest has more than 64 bytes, expected 32",
            ),
        ] {
            let sri: Integrity = sri.parse().unwrap();
            match content_path(&sri) {
                Err(Error::InvalidIntegrity { reason: found, .. }) => assert_eq!(found, reason),
                other => panic!("{sri}: {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_empty_garbled_and_short_digests() {
        for bad in ["", "sha512-!!!", "sha512-AAAA", "sha256-../../etc/passwd"] {
            let sri: Integrity = bad.parse().unwrap();
            let err = content_path(&sri).unwrap_err();
            assert!(
                matches!(err, Error::InvalidIntegrity { .. }),
                "{bad}: {err}"
            );
        }
    }
}
