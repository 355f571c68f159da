//! `capcache-remote`: push, pull, gc and stat a capcache's shared tier on
//! any OpenDAL service.
//!
//! ```text
//! capcache-remote --cache DIR --scheme s3 -o bucket=ci -o region=eu-west-1 push
//! capcache-remote --cache DIR --scheme fs -o root=/mnt/shared pull
//! capcache-remote --scheme s3 -o bucket=ci gc --max-age 30d --max-size 50G
//! capcache-remote --scheme s3 -o bucket=ci stat
//! ```
//!
//! Exit status: 0 ok, 1 an operation or some entries failed, 2 usage error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use capcache_remote::{GcOptions, RemoteCache, RemoteOptions};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "capcache-remote",
    version,
    about = "Share a capcache through an object store (OpenDAL)"
)]
struct Args {
    /// The local cache directory (created if absent).
    #[arg(long, env = "CAPCACHE_DIR", default_value = ".capcache")]
    cache: PathBuf,
    /// The OpenDAL service: memory, fs, s3 (as built).
    #[arg(long, env = "CAPCACHE_REMOTE_SCHEME")]
    scheme: String,
    /// A service option, `key=value` (repeatable): root=..., bucket=...,
    /// endpoint=..., region=..., access_key_id=..., ...
    #[arg(short = 'o', long = "option", value_parser = key_value)]
    options: Vec<(String, String)>,
    /// The longest one remote call may take.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    deadline: Duration,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Upload every local entry the remote lacks.
    Push,
    /// Fetch (verified) every remote entry the local cache lacks.
    Pull,
    /// Collect the remote by age and size (for stores without lifecycle rules).
    Gc {
        /// Evict entries older than this (e.g. 30d).
        #[arg(long, value_parser = humantime::parse_duration)]
        max_age: Option<Duration>,
        /// Evict the oldest entries until the content fits (1024-based: 50G, 1.5T).
        #[arg(long, value_parser = size)]
        max_size: Option<u64>,
        /// Keep unreferenced objects younger than this (uploads in flight).
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        grace: Duration,
    },
    /// Count what the remote holds.
    Stat,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected key=value, got {s:?}"))
}

fn size(s: &str) -> Result<u64, String> {
    let (number, shift) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 10),
        Some((i, 'M' | 'm')) => (&s[..i], 20),
        Some((i, 'G' | 'g')) => (&s[..i], 30),
        Some((i, 'T' | 't')) => (&s[..i], 40),
        _ => (s, 0),
    };
    let n: f64 = number.parse().map_err(|_| format!("not a size: {s:?}"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("not a size: {s:?}"));
    }
    Ok((n * (1u64 << shift) as f64) as u64)
}

fn run(args: Args) -> Result<bool, Box<dyn std::error::Error>> {
    let op = capcache_remote::operator(&args.scheme, args.options)?;
    let cache = capcache::CacheOptions::new()
        .create(true)
        .open(&args.cache)?;
    let remote =
        RemoteCache::with_options(cache, op, RemoteOptions::new().deadline(args.deadline))?;
    let errors = match args.command {
        Command::Push => {
            let s = remote.push_sync()?;
            println!(
                "uploaded {}, up to date {}, failed {}",
                s.uploaded,
                s.up_to_date,
                s.errors.len()
            );
            s.errors
        }
        Command::Pull => {
            let s = remote.pull_sync()?;
            println!(
                "pulled {}, up to date {}, removed remotely {}, failed {}",
                s.pulled,
                s.up_to_date,
                s.removed,
                s.errors.len()
            );
            s.errors
        }
        Command::Gc {
            max_age,
            max_size,
            grace,
        } => {
            let mut opts = GcOptions::new().grace(grace);
            if let Some(age) = max_age {
                opts = opts.max_age(age);
            }
            if let Some(bytes) = max_size {
                opts = opts.max_size(bytes);
            }
            let s = remote.gc_sync(&opts)?;
            println!(
                "evicted {}, dangling {}, index objects deleted {}, content objects deleted {} ({} bytes)",
                s.evicted, s.dangling, s.index_deleted, s.content_deleted, s.bytes_freed
            );
            Vec::new()
        }
        Command::Stat => {
            let s = remote.stat_sync()?;
            println!("keys                 {}", s.keys);
            println!("removed keys         {}", s.removed);
            println!("index objects        {}", s.index_objects);
            println!("old versions         {}", s.old_versions);
            println!("bad index objects    {}", s.bad_index_objects);
            println!("dangling entries     {}", s.dangling);
            println!("content objects      {}", s.content_objects);
            println!("content bytes        {}", s.content_bytes);
            println!("unreferenced content {}", s.unreferenced_content);
            Vec::new()
        }
    };
    for e in &errors {
        eprintln!("capcache-remote: {}", report(e));
    }
    Ok(errors.is_empty())
}

/// An error and its causes on one line.
fn report(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("capcache-remote: {}", report(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_1024_based() {
        assert_eq!(size("512"), Ok(512));
        assert_eq!(size("1.5K"), Ok(1536));
        assert_eq!(size("50G"), Ok(50 << 30));
        assert!(size("-1M").is_err());
        assert!(size("lots").is_err());
    }

    #[test]
    fn options_are_key_value() {
        assert_eq!(key_value("root=/a=b"), Ok(("root".into(), "/a=b".into())));
        assert!(key_value("root").is_err());
    }
}
