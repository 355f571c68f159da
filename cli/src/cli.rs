//! The command line: every subcommand, argument and help text.
//!
//! Parsing only; nothing here touches the cache. Values that can be checked
//! without the cache (sizes, ages, integrity strings, JSON, empty keys) are
//! checked by clap's value parsers, so a bad one is a usage error (exit 2)
//! reported before any work starts.

use std::path::PathBuf;
use std::time::Duration;

use capcache::{Algorithm, Integrity, Value};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::units;

/// Shown after every `--help`: what a script can rely on.
const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  operational error: I/O failure, corrupt or unreadable cache data
  2  usage error: bad arguments, or a key or integrity the cache refuses
  3  not found: no entry for the key, or no content for the integrity";

const ABOUT: &str = "Inspect and maintain content-addressable caches in npm's cacache format";

const LONG_ABOUT: &str = "\
Inspect and maintain content-addressable caches in npm's cacache format
(npm's ~/.npm/_cacache, caches written by cacache-rs, or by capcache).

The cache directory comes from, in order: the DIR argument of ls, verify, gc
and info; --cache DIR (before or after the subcommand); the CAPCACHE_DIR
environment variable.

A directory that does not exist is an empty cache: only `put` creates it.

Errors go to stderr as `capcache: <error>`. Progress bars (verify, gc) are
drawn only when stderr is a terminal.";

/// `capcache [--cache DIR] <COMMAND>`.
#[derive(Debug, Parser)]
#[command(
    name = "capcache",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_CODES,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    /// Cache directory (e.g. ~/.npm/_cacache)
    #[arg(
        long,
        short = 'C',
        global = true,
        env = "CAPCACHE_DIR",
        value_name = "DIR",
        display_order = 900
    )]
    pub cache: Option<PathBuf>,

    /// No progress bars or notes on stderr (errors are still printed)
    #[arg(long, short, global = true, display_order = 901)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List live entries: key, size, time, integrity
    #[command(
        long_about = "\
List the live entries of the cache, sorted by key.

Plain output is one line per entry with four tab-separated fields:
  KEY  SIZE (bytes)  TIME (RFC 3339, UTC)  INTEGRITY
A size of 0 means the writer did not record one (cacache-rs's write_sync).

--json prints one JSON object per line (JSON Lines), for jq or a line-by-line
reader:
  {\"key\":..,\"integrity\":..,\"size\":..,\"time\":<ms since epoch>,\"metadata\":..}
Use --json when keys may contain tabs or newlines.

Unreadable entries are reported on stderr; the rest are listed and the exit
status is 1.",
        after_help = EXIT_CODES
    )]
    Ls(LsArgs),

    /// Write a cached value to stdout or a file (verified)
    #[command(
        long_about = "\
Write the value stored under KEY (or the content with integrity --hash SRI) to
stdout or to --output FILE. The data is always checked against its integrity:
damaged data is an error (exit 1), never output.

To stdout the value is verified before its first byte is written, so it is
held in memory. With --output the value streams to FILE, and FILE is removed
if the check fails.",
        after_help = EXIT_CODES
    )]
    Get(GetArgs),

    /// Store a file or stdin under a key and print its integrity
    #[command(
        long_about = "\
Store the contents of FILE (or stdin, when FILE is - or absent) under KEY and
print the content's integrity (SRI) string on stdout. The data streams into the
cache; nothing is visible until it is complete. Creates the cache directory if
needed. The entry is written in the cache's existing index format (npm's for a
new cache).",
        after_help = EXIT_CODES
    )]
    Put(PutArgs),

    /// Remove a key's entry (its content goes at the next verify or gc)
    #[command(
        long_about = "\
Remove the entry for KEY by appending a tombstone to its index bucket, as npm
does. The content stays (other keys may share it) until `verify` or `gc`
removes unreferenced content. A key with no entry is exit 3, or 0 with --force.",
        after_help = EXIT_CODES
    )]
    Rm(RmArgs),

    /// Check all content, repair the index, reclaim unused files
    #[command(
        long_about = "\
Re-hash every content file the index refers to and remove corrupt ones; remove
content no entry uses and stale temp files (older than --grace); rewrite every
index bucket to the latest live entry per key. Records the time in
`_lastverified`, as `npm cache verify` does.

Exit status 0 means the run completed, including when it found and removed
corrupt content: the report says what was found.",
        after_help = EXIT_CODES
    )]
    Verify(VerifyArgs),

    /// Evict entries by total size and age, then remove unused content
    #[command(
        long_about = "\
Evict the least recently written entries until the content they use fits in
--max-size, and every entry older than --max-age; then remove content files no
live entry uses. Content shared by several keys counts once. With neither
limit only unreferenced content (older than --grace) is removed.

SIZE is a number with an optional unit K, M, G or T, 1024-based (K = 1024
bytes; KB, KiB and lower case mean the same); decimals are allowed: 1.5G.
AGE is a number with a unit: s, m, h, d (also combinations such as 1h30m).",
        after_help = EXIT_CODES
    )]
    Gc(GcArgs),

    /// Show entry and content counts, bytes and the index format
    #[command(
        long_about = "\
Show the number of live entries, the distinct content they refer to (count and
bytes, from the sizes recorded in the index), the index format (npm, or
cacache-rs whose index hashes differ) and when `verify` last ran.",
        after_help = EXIT_CODES
    )]
    Info(InfoArgs),

    /// Share the cache through an object store (runs `capcache-remote`)
    #[command(
        long_about = "\
Push, pull, collect or inspect the cache's shared tier on an object store (S3,
a shared filesystem, ... through Apache OpenDAL): runs the `capcache-remote`
program (from the capcache-remote crate, built with its `cli` feature),
found next to this one or on PATH, with --cache and the arguments given here.

  capcache --cache DIR remote --scheme s3 -o bucket=ci -o region=eu-west-1 push
  capcache --cache DIR remote --scheme fs -o root=/mnt/shared pull
  capcache remote --scheme s3 -o bucket=ci gc --max-age 30d

`capcache remote --help` shows its options. Exit status: that program's; 2 if
it cannot be started (not installed, or under WASI, which cannot start
programs).",
        disable_help_flag = true
    )]
    Remote(RemoteArgs),
}

/// A cache directory given after the subcommand, as in `capcache ls /cache`.
#[derive(Debug, Args)]
pub struct DirArg {
    /// Cache directory (overrides --cache and CAPCACHE_DIR)
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    #[command(flatten)]
    pub dir: DirArg,

    /// One JSON object per line (JSON Lines) instead of tab-separated fields
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["key", "hash"])))]
pub struct GetArgs {
    /// The key to read
    #[arg(value_parser = parse_key)]
    pub key: Option<String>,

    /// Read content by its integrity (SRI) string instead of a key
    #[arg(long, value_name = "SRI", value_parser = parse_integrity)]
    pub hash: Option<Integrity>,

    /// Write to FILE instead of stdout (- is stdout)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PutArgs {
    /// The key to store under
    #[arg(value_parser = parse_key)]
    pub key: String,

    /// The file to store; - or absent reads stdin
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Hash algorithm of the integrity
    #[arg(long, value_enum, default_value_t = Algo::Sha512)]
    pub algorithm: Algo,

    /// JSON to store as the entry's metadata
    #[arg(long, value_name = "JSON", value_parser = parse_json)]
    pub metadata: Option<Value>,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// The key whose entry to remove
    #[arg(value_parser = parse_key)]
    pub key: String,

    /// Succeed (exit 0) when the key has no entry
    #[arg(long, short)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub dir: DirArg,

    /// Keep unreferenced content and temp files younger than AGE, for writers
    /// running meanwhile [default: 10m]
    #[arg(long, value_name = "AGE", value_parser = units::parse_age)]
    pub grace: Option<Duration>,

    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    #[command(flatten)]
    pub dir: DirArg,

    /// Evict the oldest entries until their content fits in SIZE (e.g. 500M, 1G)
    #[arg(long, value_name = "SIZE", value_parser = units::parse_size)]
    pub max_size: Option<u64>,

    /// Evict entries written longer than AGE ago (e.g. 30d, 12h)
    #[arg(long, value_name = "AGE", value_parser = units::parse_age)]
    pub max_age: Option<Duration>,

    /// Keep unreferenced content younger than AGE, for writers running
    /// meanwhile [default: 10m]
    #[arg(long, value_name = "AGE", value_parser = units::parse_age)]
    pub grace: Option<Duration>,

    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub dir: DirArg,

    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Hash algorithms `put` offers. xxh3 is left out: npm cannot read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algo {
    Sha512,
    Sha384,
    Sha256,
    Sha1,
}

impl From<Algo> for Algorithm {
    fn from(algo: Algo) -> Self {
        match algo {
            Algo::Sha512 => Algorithm::Sha512,
            Algo::Sha384 => Algorithm::Sha384,
            Algo::Sha256 => Algorithm::Sha256,
            Algo::Sha1 => Algorithm::Sha1,
        }
    }
}

/// The library refuses empty keys; refusing them here makes that exit 2
/// with clap's usage line.
fn parse_key(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("keys must not be empty".into());
    }
    Ok(s.to_owned())
}

fn parse_integrity(s: &str) -> Result<Integrity, String> {
    let sri: Integrity = s
        .parse()
        .map_err(|e| format!("not an integrity (SRI) string: {e}"))?;
    // ssri skips unknown algorithms and may parse to no hash at all.
    if sri.hashes.is_empty() {
        return Err("not an integrity (SRI) string: no usable hash".into());
    }
    Ok(sri)
}

fn parse_json(s: &str) -> Result<Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn integrity_needs_a_hash() {
        assert!(parse_integrity("sha512-deadbeef").is_ok());
        assert!(parse_integrity("nonsense").is_err());
        assert!(parse_integrity("").is_err());
    }

    #[test]
    fn get_takes_a_key_or_a_hash_not_both() {
        let parse = |args: &[&str]| Cli::try_parse_from(args);
        assert!(parse(&["capcache", "get", "k"]).is_ok());
        assert!(parse(&["capcache", "get", "--hash", "sha1-deadbeef"]).is_ok());
        assert!(parse(&["capcache", "get"]).is_err());
        assert!(parse(&["capcache", "get", "k", "--hash", "sha1-deadbeef"]).is_err());
    }
}

/// `remote`: everything after it goes to `capcache-remote`.
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Arguments for `capcache-remote` (its options and subcommand)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<std::ffi::OsString>,
}
