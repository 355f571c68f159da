//! A tiny test runner that prints libtest's output format.
//!
//! The guest cannot use libtest: it is a plain WASI command run by wasmtime,
//! and the host has to see, per test, what passed. So the guest prints the
//! lines libtest prints (`test <name> ... ok`, the failures section and the
//! `test result:` summary) and the host parses them.
//!
//! `wasm32-wasip1` compiles with `panic = "abort"`: a panic ends the whole
//! program, not one test. Tests therefore report failures as
//! `Err(Failure)` and avoid `unwrap`; the `catch_unwind` below only helps
//! natively. An aborted guest prints no summary line, which the host treats
//! as a failure.

use std::fmt::{self, Display};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Why a test failed: a message for the failures section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(String);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

impl Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<capcache::Error> for Failure {
    fn from(e: capcache::Error) -> Self {
        Failure(format!("unexpected capcache error: {e} ({e:?})"))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(format!("unexpected I/O error: {e} ({:?})", e.kind()))
    }
}

/// What every test returns.
pub type TestResult = Result<(), Failure>;

/// Adds what was being done to an error, turning it into a [`Failure`].
pub trait Check<T> {
    /// `Err(e)` / `None` become a `Failure` that names `what`.
    fn ctx(self, what: impl Display) -> Result<T, Failure>;
}

impl<T, E: Display> Check<T> for Result<T, E> {
    fn ctx(self, what: impl Display) -> Result<T, Failure> {
        self.map_err(|e| Failure(format!("{what}: {e}")))
    }
}

impl<T> Check<T> for Option<T> {
    fn ctx(self, what: impl Display) -> Result<T, Failure> {
        self.ok_or_else(|| Failure(format!("{what}: got None")))
    }
}

/// Fails the test with a formatted message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::harness::Failure::new(format!($($msg)+)));
        }
    };
}

/// Fails the test unless `left == right`, showing both (`Debug`).
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($msg:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                if left != right {
                    return Err($crate::harness::Failure::new(format!(
                        "{}: {:?} != {:?}",
                        format!($($msg)+),
                        left,
                        right
                    )));
                }
            }
        }
    };
}

/// Fails unless `got` is `Err` and `pred` accepts the error; returns it.
pub fn expect_err<T: fmt::Debug>(
    got: capcache::Result<T>,
    what: &str,
    pred: impl FnOnce(&capcache::Error) -> bool,
) -> Result<capcache::Error, Failure> {
    match got {
        Err(e) if pred(&e) => Ok(e),
        Err(e) => Err(Failure(format!("{what}: wrong error: {e} ({e:?})"))),
        Ok(v) => Err(Failure(format!(
            "{what}: expected an error, got Ok({})",
            short_debug(&v)
        ))),
    }
}

/// Compares two byte strings without printing megabytes of them.
pub fn same_bytes(got: &[u8], want: &[u8], what: &str) -> TestResult {
    if got == want {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    Err(Failure(format!(
        "{what}: got {} bytes, want {}; first difference at byte {at}",
        got.len(),
        want.len()
    )))
}

/// `Debug` of a value, cut to a readable length.
pub fn short_debug(v: &impl fmt::Debug) -> String {
    let text = format!("{v:?}");
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// One named test, ready to run.
pub struct Test<'a> {
    name: String,
    body: Box<dyn FnOnce() -> TestResult + 'a>,
}

impl<'a> Test<'a> {
    /// A test called `name` that runs `body`.
    pub fn new(name: impl Into<String>, body: impl FnOnce() -> TestResult + 'a) -> Self {
        Test {
            name: name.into(),
            body: Box::new(body),
        }
    }
}

/// What a run of tests did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Names of the tests that passed.
    pub passed: Vec<String>,
    /// Names and messages of the tests that failed.
    pub failed: Vec<(String, String)>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Summary {
    /// Whether every test passed.
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// Adds another run's results to this one.
    pub fn merge(&mut self, other: Summary) {
        self.passed.extend(other.passed);
        self.failed.extend(other.failed);
        self.elapsed += other.elapsed;
    }

    /// Prints the failures section and the `test result:` line.
    pub fn print_report(&self) {
        if !self.failed.is_empty() {
            println!("\nfailures:\n");
            for (name, message) in &self.failed {
                println!("---- {name} stdout ----\n{message}\n");
            }
            println!("\nfailures:");
            for (name, _) in &self.failed {
                println!("    {name}");
            }
        }
        println!(
            "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
            if self.ok() { "ok" } else { "FAILED" },
            self.passed.len(),
            self.failed.len(),
            self.elapsed.as_secs_f64()
        );
        let _ = std::io::stdout().flush();
    }
}

/// Runs `tests` in order, printing libtest's per-test lines as it goes.
/// The caller prints the report (so several runs can share one summary).
pub fn run(tests: Vec<Test<'_>>) -> Summary {
    let start = Instant::now();
    let mut summary = Summary::default();
    println!("\nrunning {} tests", tests.len());
    for test in tests {
        let outcome = panic::catch_unwind(AssertUnwindSafe(test.body))
            .unwrap_or_else(|payload| Err(Failure(format!("panicked: {}", panic_text(&*payload)))));
        match outcome {
            Ok(()) => {
                println!("test {} ... ok", test.name);
                summary.passed.push(test.name);
            }
            Err(failure) => {
                println!("test {} ... FAILED", test.name);
                summary.failed.push((test.name, failure.0));
            }
        }
    }
    summary.elapsed = start.elapsed();
    summary
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
