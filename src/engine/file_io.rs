//! Reading whole small files with as few system calls as possible.
//!
//! `std`'s `read_to_end` on a `File` first asks for the file's size and
//! position (an `fstat` and an `lseek`) to size its buffer, and cap-std's
//! `Dir::read` adds another `fstat`. Under a WASI runtime each of those is
//! a host call; for the small buckets and values most reads are about, they
//! cost more than the read itself. Here the caller's size guess replaces
//! them: a read that fits takes one `read` for the data and one that
//! returns 0, or only the first where a short read is known to be the end
//! (a file of known size, or a filesystem that promises it).

use std::io::{self, Read};

use cap_std::fs::File;

/// Reads `file` to its end, expecting about `expected` bytes, and at most
/// `limit` bytes (`u64::MAX` for no limit). With `short_read_ends` (a
/// filesystem where a read returns fewer bytes than asked only at the end
/// of a regular file, see `sys::short_read_ends`), a first read that does
/// is the whole file.
pub(crate) fn read_to_end(
    file: &File,
    expected: usize,
    limit: u64,
    short_read_ends: bool,
) -> io::Result<Vec<u8>> {
    // One byte more than expected, so that a file of the expected size is
    // known whole from one short read.
    let mut data = vec![0; expected.saturating_add(1)];
    // `Take` asks nothing about the file (no size or position queries).
    let mut reader = file.take(limit);
    let asked = data.len().min(usize::try_from(limit).unwrap_or(usize::MAX));
    let n = loop {
        match reader.read(&mut data) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    data.truncate(n);
    if n == 0 || (short_read_ends && n < asked) {
        return Ok(data);
    }
    reader.read_to_end(&mut data)?;
    Ok(data)
}

/// Reads a file expected to hold `len` bytes: all of it if it holds at most
/// `len`, else its first `len + 1` bytes (enough to tell it is too long).
///
/// A read that returns fewer bytes than asked has met the end of a regular
/// file, so when such a read brings the total to exactly `len`, the read
/// that would return 0 is skipped: one host call less per small value under
/// WASI. Callers check the bytes against their hash, so a file whose extra
/// bytes a short read hid still yields only verified bytes.
pub(crate) fn read_expected(file: &File, len: usize) -> io::Result<Vec<u8>> {
    let want = len.saturating_add(1);
    let mut data = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        let asked = want - filled;
        match (&mut &*file).read(&mut data[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if n < asked && filled == len {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    data.truncate(filled);
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
        for short_read_ends in [false, true] {
            for guess in [0, 1, 99_999, 100_000, 100_001, 1 << 20] {
                let file = root.open("f").unwrap();
                let read = read_to_end(&file, guess, u64::MAX, short_read_ends).unwrap();
                assert_eq!(read, data, "{guess}");
            }
            let file = root.open("f").unwrap();
            let read = read_to_end(&file, 10, 11, short_read_ends).unwrap();
            assert_eq!(read, data[..11]);
            let file = root.open("f").unwrap();
            let read = read_to_end(&file, 200_000, 11, short_read_ends).unwrap();
            assert_eq!(read, data[..11]);
        }
    }

    #[test]
    fn reads_what_is_expected_and_one_byte_more_at_most() {
        let (_tmp, root) = crate::testing::tempdir();
        let data: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        root.write("f", &data).unwrap();
        for (len, got) in [(5000, 5000), (4999, 5000), (10, 11), (5001, 5000), (0, 1)] {
            let file = root.open("f").unwrap();
            assert_eq!(read_expected(&file, len).unwrap(), data[..got], "{len}");
        }
        root.write("empty", b"").unwrap();
        let file = root.open("empty").unwrap();
        assert_eq!(read_expected(&file, 0).unwrap(), b"");
        assert_eq!(read_expected(&root.open("empty").unwrap(), 3).unwrap(), b"");
    }
}
