//! Commands the matrix runs, and the per-cell log their output goes to.
//!
//! Children write straight into the cell's log file instead of the terminal:
//! fifty cells of compiler output would bury the one that failed. The runner
//! prints a log only when its cell fails.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A program with arguments and environment changes, shown in logs and by `--list`.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    /// How the program is shown: `cargo` rather than the toolchain's full path.
    shown: String,
    args: Vec<OsString>,
    /// Variables to set (`Some`) or remove (`None`) for the child.
    env: Vec<(String, Option<OsString>)>,
    cwd: Option<PathBuf>,
    /// Names the step in failure reasons, e.g. "build" or "tests".
    label: String,
}

impl Cmd {
    pub fn new(program: impl Into<OsString>) -> Cmd {
        let program = program.into();
        let shown = program.to_string_lossy().into_owned();
        Cmd {
            label: shown.clone(),
            program,
            shown,
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
        }
    }

    /// Shows the program as `name` (used for `$CARGO`, whose path is long).
    pub fn shown_as(mut self, name: &str) -> Cmd {
        self.shown = name.to_owned();
        self
    }

    pub fn label(mut self, label: &str) -> Cmd {
        self.label = label.to_owned();
        self
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Cmd {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Cmd {
        self.env.push((key.to_owned(), Some(value.into())));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Cmd {
        self.env.push((key.to_owned(), None));
        self
    }

    pub fn cwd(mut self, dir: &Path) -> Cmd {
        self.cwd = Some(dir.to_owned());
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        command
    }
}

/// Shell-like rendering: `KEY=value program args`, quoting where needed.
/// Removed variables are not shown.
impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.env {
            if let Some(value) = value {
                write!(f, "{key}={} ", quote(value))?;
            }
        }
        write!(f, "{}", quote(OsStr::new(&self.shown)))?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

fn quote(text: &OsStr) -> String {
    let text = text.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_=+,./:@%^".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// One cell's log file.
pub struct Log {
    file: File,
    path: PathBuf,
}

impl Log {
    /// Creates (or truncates) the log at `path`.
    pub fn create(path: &Path) -> io::Result<Log> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(Log {
            file: File::create(path)?,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a line of the xtask's own.
    pub fn note(&mut self, text: impl fmt::Display) -> Result<(), String> {
        writeln!(self.file, "{text}")
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    /// Runs `cmd` with its output appended to the log (stdin is empty, as in CI).
    /// The error is a one-line reason for the cell's table row.
    pub fn run(&mut self, cmd: &Cmd) -> Result<(), String> {
        self.note(format_args!("\n$ {cmd}"))?;
        let out = self.file.try_clone().and_then(|o| Ok((o.try_clone()?, o)));
        let (stdout, stderr) =
            out.map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        let start = Instant::now();
        let status = cmd
            .command()
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .status();
        let status = status.map_err(|e| format!("cannot run {}: {e}", cmd.shown))?;
        self.note(format_args!(
            "[{status} after {:.1}s]",
            start.elapsed().as_secs_f64()
        ))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{} failed ({status})", cmd.label))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_only_what_needs_it() {
        let cmd = Cmd::new("/x/cargo")
            .shown_as("cargo")
            .args(["test", "--features", "", "--config", "a=[\"b c\"]", "it's"])
            .env("RUSTC_BOOTSTRAP", "1")
            .env_remove("DISPLAY");
        assert_eq!(
            cmd.to_string(),
            r#"RUSTC_BOOTSTRAP=1 cargo test --features '' --config 'a=["b c"]' 'it'\''s'"#
        );
    }
}
