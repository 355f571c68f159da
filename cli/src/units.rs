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
    // Digits past the 18th cannot change a result in whole bytes below 2^64.
    let frac = &frac[..frac.len().min(18)];
    let frac_value: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| too_large())?
    };
    let bytes = whole
        .checked_mul(multiplier)
        .and_then(|b| b.checked_add(frac_value * multiplier / 10u128.pow(frac.len() as u32)))
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
