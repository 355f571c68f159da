//! `capcache get`: a value, by key or integrity, to stdout or a file.

use std::path::Path;

use capcache::{Cache, Error};

use super::Ctx;
use crate::cli::GetArgs;
use crate::error::Result;
use crate::output::Out;

/// What to read.
enum Target<'a> {
    Key(&'a str),
    Hash(&'a capcache::Integrity),
}

pub fn run(ctx: &Ctx, args: GetArgs) -> Result<()> {
    let target = match (&args.key, &args.hash) {
        (_, Some(sri)) => Target::Hash(sri),
        (Some(key), None) => Target::Key(key),
        (None, None) => unreachable!("clap requires a key or --hash"),
    };
    let cache = ctx.open_existing(None)?;
    match args.output.as_deref() {
        Some(file) if file != Path::new("-") => to_file(cache.as_ref(), &target, file),
        _ => to_stdout(cache.as_ref(), &target),
    }
}

/// Reads the whole value, verified, before writing a byte: a script piping
/// the output must never receive data that turns out to be corrupt.
fn to_stdout(cache: Option<&Cache>, target: &Target<'_>) -> Result<()> {
    let cache = cache.ok_or_else(|| not_found(target))?;
    let data = match target {
        Target::Key(key) => capcache::read_sync(cache, key)?,
        Target::Hash(sri) => capcache::read_hash_sync(cache, sri)?,
    };
    let mut out = Out::stdout();
    out.bytes(&data)?;
    out.finish()
}

/// Streams into `file`, verifying on the way; the library removes the file
/// if the check fails.
fn to_file(cache: Option<&Cache>, target: &Target<'_>, file: &Path) -> Result<()> {
    let cache = cache.ok_or_else(|| not_found(target))?;
    match target {
        Target::Key(key) => capcache::copy_sync(cache, key, file)?,
        Target::Hash(sri) => capcache::copy_hash_sync(cache, sri, file)?,
    };
    Ok(())
}

/// The error for a cache directory that does not exist: nothing is cached.
fn not_found(target: &Target<'_>) -> Error {
    match target {
        Target::Key(key) => Error::EntryNotFound {
            key: (*key).to_owned(),
        },
        Target::Hash(sri) => Error::ContentNotFound {
            integrity: (*sri).clone(),
        },
    }
}
