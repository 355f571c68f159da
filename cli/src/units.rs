//! Human sizes and ages: parsing `--max-size 1.5G` / `--max-age 30d`, and
//! printing byte counts.
//!
//! Sizes are 1024-based whatever the spelling (`K`, `KB`, `KiB`, `k`): a
//! cache limit is about disk blocks, and accepting `KB` as 1000 next to `K`
//! as 1024 would make the same-looking flag mean two things. Ages use
//! `humantime` (`30d`, `12h`, `1h30m`).

use std::time::Duration;

const UNITS: [(&str, u32); 5] = [("", 0), ("k", 1), ("m", 2), ("g", 3), ("t", 4)];

/// Parses a size such as `512`, `64K`, `1.5G`, `2 TiB` into bytes.
///
/// The number may have a fractional part; the result is rounded down to a
/// whole byte. The unit is optional (bytes), case-insensitive, and may be
/// followed by `B` or `iB`.
pub fn parse_size(input: &str) -> Result<u64, String> {
    let s = input.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let power = unit_power(unit.trim())
        .ok_or_else(|| format!("unknown size unit {:?} (use K, M, G or T)", unit.trim()))?;
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(format!("{input:?} is not a size (e.g. 500M, 1.5G)"));
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{input:?} is not a size: more than one decimal point"
        ));
    }
    let too_large = || format!("{input:?} is too large");
    let multiplier = 1024u128.pow(power);
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    // floor(0.frac × multiplier), exactly: one digit at a time from the
    // last, each step's carry being the floor of the digits so far (nested
    // floors of integer divisions are exact). Cutting the fraction short
    // would not do: `0.442674658261239528656005859375G` is exactly
    // 475318295 bytes, and its first 18 digits are one byte less.
    let frac_bytes = frac.bytes().rev().fold(0u128, |carry, d| {
        (u128::from(d - b'0') * multiplier + carry) / 10
    });
    let bytes = whole
        .checked_mul(multiplier)
        .and_then(|b| b.checked_add(frac_bytes))
        .ok_or_else(too_large)?;
    u64::try_from(bytes).map_err(|_| too_large())
}

/// The power of 1024 a unit stands for, or `None` for an unknown unit.
fn unit_power(unit: &str) -> Option<u32> {
    let unit = unit.to_ascii_lowercase();
    if unit == "b" {
        return Some(0);
    }
    let prefix = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    // "ib" alone (and "iB") is not a unit.
    if prefix.is_empty() && !unit.is_empty() {
        return None;
    }
    UNITS.iter().find(|(u, _)| *u == prefix).map(|&(_, p)| p)
}

/// Parses an age such as `30d`, `12h`, `90s`, `1h30m`.
pub fn parse_age(input: &str) -> Result<Duration, String> {
    humantime::parse_duration(input.trim())
        .map_err(|e| format!("{input:?} is not an age ({e}); use e.g. 30d, 12h, 90m, 45s"))
}

/// A byte count for people: `512 B`, `1.5 KiB`, `3.2 GiB`.
pub fn format_size(bytes: u64) -> String {
    const NAMES: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < NAMES.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", NAMES[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_are_bytes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("512B"), Ok(512));
        assert_eq!(parse_size(" 7 "), Ok(7));
    }

    #[test]
    fn units_are_1024_based_in_every_spelling() {
        for k in ["1K", "1k", "1KB", "1kb", "1KiB", "1kib", "1 K"] {
            assert_eq!(parse_size(k), Ok(1024), "{k}");
        }
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("2T"), Ok(2 << 40));
        assert_eq!(parse_size("10GiB"), Ok(10 << 30));
    }

    #[test]
    fn decimals_round_down_to_whole_bytes() {
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("0.5K"), Ok(512));
        assert_eq!(parse_size(".5K"), Ok(512));
        assert_eq!(parse_size("1.K"), Ok(1024));
        assert_eq!(parse_size("0.001K"), Ok(1));
        assert_eq!(parse_size("1.5"), Ok(1));
        assert_eq!(parse_size("0.0000000000000000000001T"), Ok(0));
    }

    #[test]
    fn the_largest_sizes_are_checked() {
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_size("18446744073709551616").is_err());
        assert!(parse_size("16777216T").is_err());
        assert_eq!(parse_size("16777215T"), Ok(16777215 << 40));
        assert!(parse_size("99999999999999999999999999999999999999999").is_err());
    }

    #[test]
    fn bad_sizes_are_refused() {
        for bad in [
            "",
            " ",
            "G",
            ".",
            "1.2.3G",
            "-1",
            "1X",
            "1 GB extra",
            "1iB",
            "1P",
            "1e3",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn ages_take_units() {
        assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86400)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(90 * 60)));
        assert_eq!(parse_age("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_age("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_age("30").is_err());
        assert!(parse_age("soon").is_err());
    }

    /// A small deterministic generator for the property tests below (the
    /// tool has no property-testing dependency); failures print the seed
    /// and the input.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    const SEED: u64 = 0x05ee_d0f0_a7e5;
    const SPELLINGS: [[&str; 5]; 4] = [
        ["", "K", "M", "G", "T"],
        ["b", "kb", "mb", "gb", "tb"],
        ["B", "KiB", "MiB", "GiB", "TiB"],
        [" ", " k", " m", " g", " t"],
    ];

    /// Decimal digits (most significant first) times `m`.
    fn mul_decimal(digits: &[u8], m: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(digits.len() + 20);
        let mut carry: u128 = 0;
        for &d in digits.iter().rev() {
            let v = u128::from(d) * u128::from(m) + carry;
            out.push((v % 10) as u8);
            carry = v / 10;
        }
        while carry > 0 {
            out.push((carry % 10) as u8);
            carry /= 10;
        }
        out.reverse();
        out
    }

    /// The exact size in bytes of `whole.frac` units of `m` bytes, rounded
    /// down, or `None` past `u64::MAX`: the model `parse_size` must match.
    fn exact(whole: u64, frac: &[u8], m: u64) -> Option<u64> {
        let product = mul_decimal(frac, m);
        let int_digits = product.len().saturating_sub(frac.len());
        let frac_bytes = product[..int_digits]
            .iter()
            .fold(0u128, |acc, &d| acc * 10 + u128::from(d));
        let total = u128::from(whole) * u128::from(m) + frac_bytes;
        u64::try_from(total).ok()
    }

    fn digits(text: &str) -> Vec<u8> {
        text.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn random_sizes_parse_exactly_in_every_spelling() {
        let mut rng = SplitMix(SEED);
        for case in 0..20_000 {
            let power = rng.below(5) as u32;
            let unit = SPELLINGS[rng.below(4) as usize][power as usize];
            let m = 1u64 << (10 * power);
            let whole = match rng.below(3) {
                0 => rng.below(1024),
                1 => rng.below(1 << 40),
                _ => rng.next(),
            };
            let frac: String = (0..rng.below(30))
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect();
            let text = if frac.is_empty() {
                format!("{whole}{unit}")
            } else {
                format!("{whole}.{frac}{unit}")
            };
            let expected = exact(whole, &digits(&frac), m).ok_or(());
            assert_eq!(
                parse_size(&text).map_err(drop),
                expected,
                "seed {SEED:#x}, case {case}: {text:?}"
            );
        }
    }

    /// Fractions that are exactly a whole number of bytes (`k / 1024^p`
    /// has 10·p decimal digits): rounding down must not lose that byte.
    #[test]
    fn exact_fractions_of_a_unit_keep_their_last_byte() {
        let mut rng = SplitMix(SEED ^ 1);
        for case in 0..5_000 {
            let power = 1 + rng.below(4) as u32;
            let m = 1u64 << (10 * power);
            let k = 1 + rng.below(m - 1);
            // k / 2^(10p) = k * 5^(10p) / 10^(10p).
            let mut frac = digits(&k.to_string());
            for _ in 0..10 * power {
                frac = mul_decimal(&frac, 5);
            }
            let width = 10 * power as usize;
            let mut padded = vec![0u8; width.saturating_sub(frac.len())];
            padded.extend(&frac);
            let text: String = padded.iter().map(|d| char::from(b'0' + d)).collect();
            let unit = SPELLINGS[0][power as usize];
            let input = format!("0.{text}{unit}");
            assert_eq!(
                parse_size(&input),
                Ok(k),
                "seed {SEED:#x}, case {case}: {input:?} is exactly {k} bytes"
            );
        }
    }

    #[test]
    fn random_text_never_panics_and_errors_name_the_input() {
        let mut rng = SplitMix(SEED ^ 2);
        let alphabet: Vec<char> = "0123456789.. kKmMgGtTbBiIpPe-+x\u{e9}\u{1f600}\t"
            .chars()
            .collect();
        for case in 0..20_000 {
            let text: String = (0..rng.below(12))
                .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                .collect();
            if let Err(message) = parse_size(&text) {
                assert!(
                    message.contains(&format!("{text:?}")) || message.contains("unit"),
                    "seed {SEED:#x}, case {case}: {text:?} -> {message}"
                );
            }
            let _ = parse_age(&text);
        }
    }

    #[test]
    fn sizes_print_in_binary_units() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1024), "1.0 KiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(3 << 30), "3.0 GiB");
        assert_eq!(format_size(u64::MAX), "16777216.0 TiB");
    }
}
