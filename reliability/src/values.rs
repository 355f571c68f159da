//! Self-describing values: each names its key, version and length and is
//! otherwise filled from a generator seeded by them, so any bytes a read
//! returns can be checked against "was this ever written, and under which
//! key?" without keeping the values around.

/// The value version `version` of `key`, `len` bytes long (at least its
/// header's length).
pub fn value(key: &str, version: u64, len: usize) -> Vec<u8> {
    let mut out = header(key, version, len);
    let mut rng = fastrand::Rng::with_seed(fill_seed(key, version));
    let start = out.len();
    out.resize(len.max(start), 0);
    rng.fill(&mut out[start..]);
    out
}

/// `(key, version)` if `bytes` is exactly a value made by [`value`].
pub fn parse(bytes: &[u8]) -> Option<(String, u64)> {
    let mut parts = bytes.splitn(4, |&b| b == 0);
    let key = std::str::from_utf8(parts.next()?).ok()?;
    let version: u64 = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    let len: usize = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    (value(key, version, len) == bytes).then(|| (key.to_owned(), version))
}

/// A value length: mostly small, some around and above the 64 KiB
/// small-write threshold, a few above the 1 MiB mmap/pipelined-read one.
pub fn pick_len(rng: &mut fastrand::Rng) -> usize {
    match rng.u32(0..100) {
        0..=59 => rng.usize(40..4096),
        60..=74 => rng.usize(4096..64 * 1024),
        75..=96 => rng.usize(64 * 1024..256 * 1024),
        _ => rng.usize(1024 * 1024..1536 * 1024),
    }
}

fn header(key: &str, version: u64, len: usize) -> Vec<u8> {
    format!("{key}\0{version}\0{len}\0").into_bytes()
}

fn fill_seed(key: &str, version: u64) -> u64 {
    // FNV-1a: stable across runs and platforms (std's hasher is not).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes().chain(version.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_back_and_others_do_not() {
        let v = value("k", 7, 1000);
        assert_eq!(v.len(), 1000);
        assert_eq!(parse(&v), Some(("k".to_owned(), 7)));
        let mut flipped = v.clone();
        flipped[500] ^= 1;
        assert_eq!(parse(&flipped), None);
        assert_eq!(parse(&v[..999]), None);
        assert_eq!(parse(b"garbage"), None);
    }
}
