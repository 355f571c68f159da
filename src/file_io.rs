//! Reading whole small files with as few system calls as possible.
//!
//! `std`'s `read_to_end` on a `File` first asks for the file's size and
//! position (an `fstat` and an `lseek`) to size its buffer, and cap-std's
//! `Dir::read` adds another `fstat`. Under a WASI runtime each of those is
//! a host call; for the small buckets and values most reads are about, they
//! cost more than the read itself. Here the caller's size guess replaces
//! them: a read that fits takes one `read` for the data and one that
//! returns 0.

use std::io::{self, Read};

use cap_std::fs::File;

/// Reads `file` to its end, expecting about `expected` bytes, and at most
/// `limit` bytes (`u64::MAX` for no limit).
pub(crate) fn read_to_end(file: &File, expected: usize, limit: u64) -> io::Result<Vec<u8>> {
    // One byte more than expected, so that the read that finds the end
    // does not first have to grow the buffer.
    let mut data = Vec::with_capacity(expected.saturating_add(1));
    // `Take`'s `read_to_end` reads straight into the spare capacity and
    // asks nothing about the file.
    file.take(limit).read_to_end(&mut data)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_whole_files_whatever_the_guess() {
        let (_tmp, root) = crate::testing::tempdir();
        let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        root.write("f", &data).unwrap();
        for guess in [0, 1, 99_999, 100_000, 100_001, 1 << 20] {
            let file = root.open("f").unwrap();
            assert_eq!(
                read_to_end(&file, guess, u64::MAX).unwrap(),
                data,
                "{guess}"
            );
        }
        let file = root.open("f").unwrap();
        assert_eq!(read_to_end(&file, 10, 11).unwrap(), data[..11]);
    }
}
