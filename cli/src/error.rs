//! The tool's errors and the exit status each one maps to.
//!
//! The status is part of the interface (scripts branch on it, `--help`
//! documents it), so it is decided here in one place rather than at each
//! call site.

use std::fmt;
use std::io;

/// Success.
pub const EXIT_OK: u8 = 0;
/// I/O failure, corrupt or unreadable cache data.
pub const EXIT_FAILURE: u8 = 1;
/// Bad arguments (clap uses 2 for its own usage errors too).
pub const EXIT_USAGE: u8 = 2;
/// No entry for the key, or no content for the integrity.
pub const EXIT_NOT_FOUND: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// A cache operation failed; its message names the key or path and cause.
    Cache(capcache::Error),
    /// I/O outside the cache: reading the input of `put`, writing output.
    Io {
        /// What was being done, e.g. "reading data.bin".
        context: String,
        source: io::Error,
    },
    /// Arguments that parsed but cannot be used together, or are missing
    /// (no cache directory given).
    Usage(String),
    /// Some items failed and were reported on stderr as they happened; the
    /// rest of the work was done.
    Partial {
        /// How many failed.
        failed: u64,
        /// What they were, e.g. "entries could not be read".
        what: &'static str,
    },
    /// Stdout was closed by its reader (`capcache ls | head`): stop quietly.
    BrokenPipe,
    /// A program the command ran (`capcache-remote`) failed with this exit
    /// status, having said why itself.
    Exited(u8),
}

impl CliError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::BrokenPipe {
            return CliError::BrokenPipe;
        }
        CliError::Io {
            context: context.into(),
            source,
        }
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Cache(e) if e.is_not_found() => EXIT_NOT_FOUND,
            // Only user input reaches these: the key and --hash arguments.
            CliError::Cache(
                capcache::Error::InvalidKey { .. } | capcache::Error::InvalidIntegrity { .. },
            ) => EXIT_USAGE,
            CliError::Usage(_) => EXIT_USAGE,
            CliError::BrokenPipe => EXIT_OK,
            CliError::Exited(code) => *code,
            CliError::Cache(_) | CliError::Io { .. } | CliError::Partial { .. } => EXIT_FAILURE,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Cache(e) => Chain(e).fmt(f),
            CliError::Io { context, source } => write!(f, "{context}: {source}"),
            CliError::Usage(msg) => f.write_str(msg),
            CliError::Partial { failed, what } => write!(f, "{failed} {what}"),
            CliError::BrokenPipe => f.write_str("output closed"),
            CliError::Exited(code) => write!(f, "exited with status {code}"),
        }
    }
}

impl std::error::Error for CliError {}

/// An error and its causes on one line: `message: cause: cause`.
/// capcache's errors print their cause once, as their `source`.
pub struct Chain<'a>(pub &'a dyn std::error::Error);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(e) = cause {
            write!(f, ": {e}")?;
            cause = e.source();
        }
        Ok(())
    }
}

impl From<capcache::Error> for CliError {
    fn from(e: capcache::Error) -> Self {
        CliError::Cache(e)
    }
}

/// Result of a command.
pub type Result<T, E = CliError> = std::result::Result<T, E>;
