//! Running the built `capcache` binary and inspecting caches on disk,
//! shared by the integration tests.

#![allow(dead_code, unused_imports)] // each test file uses its own subset

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Child, Command, Stdio};

pub use capcache_test_support::fs::{files_under, only_content_file};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_capcache");

/// The outcome of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_str(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Panics with both streams unless the exit status is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "exit status; stdout: {:?}; stderr: {}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }
}

/// A `capcache` command line being built.
pub struct Cmd {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

/// `capcache ARGS...`, with `CAPCACHE_DIR` cleared so the developer's
/// environment cannot leak into a test.
pub fn capcache<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("CAPCACHE_DIR");
    Cmd { cmd, stdin: None }
}

/// Starts `cmd`. Under wine (the xtask sets `CAPCACHE_UNDER_WINE`),
/// process creation now and then fails with `ERROR_INTERNAL_ERROR` (1359)
/// when the machine is busy (seen once in ~300 spawns of a matrix run);
/// Windows itself does not do that, so only there is it tried again.
fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    let under_wine = std::env::var_os("CAPCACHE_UNDER_WINE").is_some();
    let mut attempt = 0;
    loop {
        match cmd.spawn() {
            Err(e) if under_wine && e.raw_os_error() == Some(1359) && attempt < 3 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

impl Cmd {
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn run(mut self) -> Run {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut self.cmd).expect("spawn capcache");
        if let Some(data) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("piped stdin");
            // Fed from a thread so a large input cannot deadlock against
            // unread output.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&data);
            });
        }
        let out = child.wait_with_output().expect("wait for capcache");
        Run {
            code: out.status.code().expect("exited normally, not by a signal"),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `cmd!("ls", &dir, "--json")`: [`capcache`] with arguments of mixed types
/// (`&str`, `&Path`, `&String`, ...).
#[macro_export]
macro_rules! cmd {
    ($($arg:expr),+ $(,)?) => {
        $crate::common::capcache([$(::std::ffi::OsStr::new($arg)),+])
    };
}
