//! Deterministic test data, the same on every platform and run.

/// `len` pseudo-random bytes determined by `seed` (xorshift64*).
///
/// Cheap, incompressible enough to catch offset bugs, and reproducible on
/// both sides of a cross-check (a WASI guest and the native host) without
/// shipping the data. A shorter value is a prefix of a longer one with the
/// same seed.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::pattern;

    #[test]
    fn pattern_is_deterministic_and_seed_dependent() {
        assert_eq!(pattern(1000, 1), pattern(1000, 1));
        assert_ne!(pattern(1000, 1), pattern(1000, 2));
        assert_eq!(pattern(13, 5).len(), 13);
        assert_eq!(&pattern(100, 5)[..13], &pattern(13, 5)[..]);
    }
}
