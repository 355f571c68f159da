//! Free disk space, shown at the start and end of a run and when a cell
//! failed because the disk was full: a matrix run needs several GiB.

use std::path::Path;
use std::process::Command;

/// Bytes available to this user on the filesystem holding `path`, from
/// POSIX `df -Pk`; `None` where `df` is missing (Windows) or says nothing useful.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pk").arg(path).output().ok()?;
    if !out.status.success() {
        return None;
    }
    parse_df(&String::from_utf8_lossy(&out.stdout))
}

/// The "Available" column (KiB) of `df -P`'s second line, in bytes.
fn parse_df(text: &str) -> Option<u64> {
    let line = text.lines().nth(1)?;
    let available: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    available.checked_mul(1024)
}

/// `bytes` as GiB with one decimal, e.g. `5.8 GiB`.
pub fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_available_column() {
        let text = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
                    /dev/vda 263174212 89069160 6291456 94% /\n";
        assert_eq!(parse_df(text), Some(6 << 30));
        assert_eq!(gib(6 << 30), "6.0 GiB");
        assert_eq!(parse_df("Filesystem\n"), None);
    }
}
