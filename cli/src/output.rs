//! Writing results to stdout and formatting the values in them.
//!
//! Every command writes through [`Out`] so that a reader closing the pipe
//! early (`capcache ls | head`) ends the program quietly instead of with a
//! panic from `println!`, and so that other write errors (disk full behind a
//! redirect) become exit status 1 with a message.

use std::fmt;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::time::{Duration, UNIX_EPOCH};

use crate::error::{CliError, Result};

/// Buffered, locked stdout.
pub struct Out {
    inner: BufWriter<StdoutLock<'static>>,
}

impl Out {
    pub fn stdout() -> Self {
        Out {
            inner: BufWriter::new(io::stdout().lock()),
        }
    }

    /// Writes one line.
    pub fn line(&mut self, line: fmt::Arguments<'_>) -> Result<()> {
        self.inner
            .write_fmt(line)
            .and_then(|()| self.inner.write_all(b"\n"))
            .map_err(write_error)
    }

    /// Writes raw bytes (a cached value).
    pub fn bytes(&mut self, data: &[u8]) -> Result<()> {
        self.inner.write_all(data).map_err(write_error)
    }

    /// Flushes; a failure to flush is an error like any failed write.
    pub fn finish(mut self) -> Result<()> {
        self.inner.flush().map_err(write_error)
    }
}

fn write_error(e: io::Error) -> CliError {
    CliError::io("writing to stdout", e)
}

/// Prints a note on stderr unless `quiet`.
pub fn note(quiet: bool, message: fmt::Arguments<'_>) {
    if !quiet {
        eprintln!("capcache: note: {message}");
    }
}

/// An index time (ms since the Unix epoch) as RFC 3339 UTC with
/// milliseconds, e.g. `2024-05-01T12:00:00.123Z`.
pub fn rfc3339(ms: u128) -> String {
    // humantime formats years up to 9999 and fails past them; only a
    // corrupt index has such times, so show the raw value.
    const YEAR_10000_MS: u128 = 253_402_300_800_000;
    if ms >= YEAR_10000_MS {
        return format!("{ms}ms");
    }
    let t = UNIX_EPOCH + Duration::from_millis(ms as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// An index time as a JSON number. Milliseconds since 1970 fit in `u64`
/// (and in a JavaScript number) for the next 280,000 years.
pub fn json_time(ms: u128) -> u64 {
    u64::try_from(ms).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(u128::MAX), format!("{}ms", u128::MAX));
    }
}
