//! Running the guest under wasmtime and reading its libtest-format output.

#![allow(dead_code)] // Each test file uses a different part.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// The guest module and the wasmtime to run it with.
pub struct Guest {
    wasm: PathBuf,
    wasmtime: PathBuf,
}

impl Guest {
    /// The guest named by `CAPCACHE_WASM_GUEST` (and `WASMTIME`, default
    /// `wasmtime` on `PATH`), as `cargo xtask test-matrix` sets them.
    ///
    /// Without `CAPCACHE_WASM_GUEST` (a plain `cargo test --workspace`) this
    /// says so on the terminal and returns `None`: the test is skipped, as
    /// building a WASI guest needs a target and a runtime the host may not
    /// have. The xtask always sets it, so CI never skips.
    pub fn from_env(test: &str) -> Option<Guest> {
        let Some(wasm) = std::env::var_os("CAPCACHE_WASM_GUEST") else {
            // Straight to the process's stderr: libtest captures `eprintln!`
            // of passing tests, and a silent skip would look like a pass.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: CAPCACHE_WASM_GUEST not set \
                 (run via `cargo xtask test-matrix`, or set CAPCACHE_WASM_GUEST and WASMTIME)"
            );
            return None;
        };
        let wasm = PathBuf::from(wasm);
        assert!(
            wasm.is_file(),
            "CAPCACHE_WASM_GUEST={} is not a file; build it with \
             `RUSTC_BOOTSTRAP=1 cargo build -p wasm-tests --target wasm32-wasip1`",
            wasm.display()
        );
        let wasmtime = capcache_test_support::env::wasmtime();
        Some(Guest { wasm, wasmtime })
    }

    /// Runs `wasmtime run --dir <preopen>::/cache <guest> <args>`: the
    /// guest sees that one directory, no environment, no network.
    pub fn run(&self, preopen: &Path, args: &[&str]) -> GuestRun {
        let mut command = Command::new(&self.wasmtime);
        command
            .arg("run")
            .arg("--dir")
            .arg(format!("{}::/cache", preopen.display()))
            .arg(&self.wasm)
            .args(args);
        let shown = format!("{command:?}");
        let mode = args.first().copied().unwrap_or_default().to_owned();
        let output = command.output().unwrap_or_else(|e| {
            panic!("cannot run {}: {e} (set WASMTIME)", self.wasmtime.display())
        });
        GuestRun {
            mode,
            command: shown,
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// What a guest run printed.
pub struct GuestRun {
    /// The guest mode (first argument).
    pub mode: String,
    /// The command line, for messages.
    pub command: String,
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl GuestRun {
    /// `(name, passed)` for every `test <name> ... ok|FAILED` line.
    pub fn tests(&self) -> Vec<(String, bool)> {
        self.stdout
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("test ")?;
                if let Some(name) = rest.strip_suffix(" ... ok") {
                    Some((name.to_owned(), true))
                } else {
                    rest.strip_suffix(" ... FAILED")
                        .map(|name| (name.to_owned(), false))
                }
            })
            .collect()
    }

    /// `(passed, failed)` from the `test result:` line, if there is one.
    pub fn summary(&self) -> Option<(usize, usize)> {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with("test result: "))?;
        let count = |what: &str| -> Option<usize> {
            let end = line.find(what)?;
            line[..end]
                .trim_end()
                .rsplit([' ', '.'])
                .next()?
                .parse()
                .ok()
        };
        Some((count(" passed")?, count(" failed")?))
    }

    /// The value of each `outcome <name>: <class>` line.
    pub fn outcomes(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .filter_map(|line| {
                let (name, class) = line.strip_prefix("outcome ")?.split_once(": ")?;
                Some((name.to_owned(), class.to_owned()))
            })
            .collect()
    }

    /// The feature list from the guest's `guest features:` line.
    pub fn features(&self) -> Option<&str> {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix("guest features: "))
    }

    /// The guest's everything, for a failure message. Each line is marked
    /// `guest|`, so tools that sum libtest's `test result:` lines in the log
    /// (the xtask does) do not count the guest's summary as the host's.
    pub fn relay(&self) -> String {
        let mark = |text: &str| {
            text.lines()
                .map(|l| format!("guest| {l}\n"))
                .collect::<String>()
        };
        format!(
            "{}\nexit: {}\n--- guest stdout ---\n{}--- guest stderr ---\n{}",
            self.command,
            self.status,
            mark(&self.stdout),
            mark(&self.stderr)
        )
    }

    /// Asserts a clean run: exit 0, a summary line, no failed test, and at
    /// least `min_tests` tests, all counted by the summary.
    /// Also checks the guest was built with this crate's features, so a
    /// stale guest from another feature set is caught.
    pub fn assert_passed(&self, min_tests: usize) {
        assert_eq!(
            self.features(),
            Some(wasm_tests::features().as_str()),
            "guest built with other features than this test\n{}",
            self.relay()
        );
        let tests = self.tests();
        let failed: Vec<&str> = tests
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(n, _)| n.as_str())
            .collect();
        let summary = self.summary();
        let clean = self.status.success()
            && failed.is_empty()
            && summary == Some((tests.len(), 0))
            && tests.len() >= min_tests;
        assert!(
            clean,
            "guest run failed: {} failed {failed:?}, summary {summary:?}, {} tests (want at least {min_tests})\n{}",
            failed.len(),
            tests.len(),
            self.relay()
        );
        // Straight to stderr (not captured): what ran inside the guest.
        let _ = writeln!(
            std::io::stderr(),
            "wasm guest `{}`: {} passed; 0 failed",
            self.mode,
            tests.len()
        );
    }
}
