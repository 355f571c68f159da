//! `remote`: runs `capcache-remote` (the capcache-remote crate's tool), as
//! `git` runs `git-<command>`, so the object-store stack (OpenDAL, tokio, an
//! HTTP client) stays out of this tool.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use crate::cli::RemoteArgs;
use crate::commands::Ctx;
use crate::error::{CliError, Result};

/// The program's name on this platform.
fn program() -> String {
    format!("capcache-remote{}", std::env::consts::EXE_SUFFIX)
}

/// `capcache-remote` next to this executable (installed together), else
/// the bare name for a PATH search.
fn find() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(program())))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(program()))
}

/// The arguments for `capcache-remote`: `--cache` (from `--cache` or
/// `CAPCACHE_DIR`) unless the user passed one after `remote`, then theirs.
fn arguments(cache: Option<&std::path::Path>, args: &[OsString]) -> Vec<OsString> {
    let given = args.iter().any(|a| {
        a.to_str()
            .is_some_and(|a| a == "--cache" || a.starts_with("--cache="))
    });
    let mut out = Vec::new();
    if let (Some(dir), false) = (cache, given) {
        out.push(OsString::from("--cache"));
        out.push(dir.as_os_str().to_owned());
    }
    out.extend(args.iter().cloned());
    out
}

pub fn run(ctx: &Ctx, args: RemoteArgs) -> Result<()> {
    let program = find();
    let status = Command::new(&program)
        .args(arguments(ctx.cache_dir(None).ok(), &args.args))
        .status()
        .map_err(|e| {
            CliError::Usage(format!(
                "cannot run {}: {e} (install it with `cargo install capcache-remote \
                 --features cli`; WASI cannot start programs)",
                program.display()
            ))
        })?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(CliError::Exited(u8::try_from(code).unwrap_or(1))),
        // Killed by a signal.
        None => Err(CliError::Exited(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_directory_goes_first_unless_given_after_remote() {
        let dir = std::path::Path::new("/c");
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            arguments(Some(dir), &args(&["--scheme", "fs", "push"])),
            args(&["--cache", "/c", "--scheme", "fs", "push"])
        );
        assert_eq!(
            arguments(Some(dir), &args(&["--cache=/d", "stat"])),
            args(&["--cache=/d", "stat"])
        );
        assert_eq!(arguments(None, &args(&["stat"])), args(&["stat"]));
    }
}
