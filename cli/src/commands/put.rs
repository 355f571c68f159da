//! `capcache put`: store a file or stdin under a key.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use capcache::WriteOpts;

use super::Ctx;
use crate::cli::PutArgs;
use crate::error::{CliError, Result};
use crate::output::{self, Out};

/// Read size: large enough that hashing, not syscalls, sets the pace.
const CHUNK: usize = 256 * 1024;

pub fn run(ctx: &Ctx, args: PutArgs) -> Result<()> {
    let (mut input, name): (Box<dyn Read>, String) = match args.file.as_deref() {
        // Opened before the cache so a missing input file creates nothing.
        Some(p) if p != Path::new("-") => {
            let file =
                File::open(p).map_err(|e| CliError::io(format!("opening {}", p.display()), e))?;
            (Box::new(file), p.display().to_string())
        }
        _ => stdin(ctx),
    };
    let cache = ctx.open_or_create(None)?;
    let mut opts = WriteOpts::new().algorithm(args.algorithm.into());
    if let Some(metadata) = args.metadata {
        opts = opts.metadata(metadata);
    }
    let mut writer = opts.open_sync(&cache, &args.key)?;
    // A loop rather than io::copy, to tell a failing input (the user's
    // file) from a failing cache write in the message.
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CliError::io(format!("reading {name}"), e)),
        };
        writer
            .write_all(&buf[..n])
            .map_err(|e| CliError::io("writing to the cache", e))?;
    }
    // Dropping the writer on an error path above removes its temp file.
    let sri = writer.commit()?;
    let mut out = Out::stdout();
    out.line(format_args!("{sri}"))?;
    out.finish()
}

/// Stdin as the input. Someone who forgot the FILE argument at a terminal
/// would otherwise face a silent wait.
fn stdin(ctx: &Ctx) -> (Box<dyn Read>, String) {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        output::note(
            ctx.quiet,
            format_args!("reading the value from stdin (end it with Ctrl-D)"),
        );
    }
    (Box::new(stdin.lock()), "stdin".into())
}
