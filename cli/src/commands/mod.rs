//! One module per subcommand, and what they share: finding and opening the
//! cache directory.

mod gc;
mod get;
mod info;
mod ls;
mod put;
mod remote;
mod rm;
mod verify;

use std::io;
use std::path::{Path, PathBuf};

use capcache::{Cache, CacheOptions};

use crate::cli::{Cli, Command};
use crate::error::{CliError, Result};
use crate::output;

/// What every command may need besides its own arguments.
pub struct Ctx {
    /// `--cache` / `CAPCACHE_DIR`.
    cache: Option<PathBuf>,
    /// `--quiet`: no progress bars or notes.
    pub quiet: bool,
}

impl Ctx {
    /// The cache directory: the command's own DIR argument if it has one,
    /// else `--cache`, else `CAPCACHE_DIR` (clap folds those two together).
    pub fn cache_dir<'a>(&'a self, positional: Option<&'a Path>) -> Result<&'a Path> {
        positional.or(self.cache.as_deref()).ok_or_else(|| {
            CliError::Usage(
                "no cache directory: give DIR, --cache DIR or set CAPCACHE_DIR".to_owned(),
            )
        })
    }

    /// Opens an existing cache; `None` (with a note) if the directory does not
    /// exist. Reading and maintenance commands treat a missing directory as
    /// an empty cache and must not create it: a mistyped path should not
    /// leave a new directory behind.
    pub fn open_existing(&self, positional: Option<&Path>) -> Result<Option<Cache>> {
        let dir = self.cache_dir(positional)?;
        match CacheOptions::new().create(false).open(dir) {
            Ok(cache) => Ok(Some(cache)),
            Err(capcache::Error::Io { path, source })
                if source.kind() == io::ErrorKind::NotFound && path == dir =>
            {
                output::note(
                    self.quiet,
                    format_args!("{} does not exist; it is an empty cache", dir.display()),
                );
                Ok(None)
            }
            // Anything else (not a directory, no permission) is the
            // library's error, with the path.
            Err(e) => Err(e.into()),
        }
    }

    /// Opens the cache, creating the directory if needed (for writes).
    pub fn open_or_create(&self, positional: Option<&Path>) -> Result<Cache> {
        Ok(Cache::open(self.cache_dir(positional)?)?)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        cache: cli.cache,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Ls(args) => ls::run(&ctx, args),
        Command::Get(args) => get::run(&ctx, args),
        Command::Put(args) => put::run(&ctx, args),
        Command::Rm(args) => rm::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Gc(args) => gc::run(&ctx, args),
        Command::Info(args) => info::run(&ctx, args),
        Command::Remote(args) => remote::run(&ctx, args),
    }
}
