//! Results: per-cell outcomes, libtest's test counts, and the final table.
//!
//! The last line printed is always `N passed, N failed, N skipped` (cells),
//! which CI parses; the line before it sums the individual tests.

use std::ops::AddAssign;
use std::time::Duration;

/// How a cell ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Passed,
    Failed(String),
    Skipped(String),
}

impl Status {
    pub fn word(&self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed(_) => "FAILED",
            Status::Skipped(_) => "skipped",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Status::Passed => "",
            Status::Failed(r) | Status::Skipped(r) => r,
        }
    }
}

/// The result of one cell.
#[derive(Debug)]
pub struct Outcome {
    pub name: String,
    pub status: Status,
    pub elapsed: Duration,
    pub tests: TestCounts,
}

/// Individual tests, summed over libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct TestCounts {
    pub passed: u64,
    pub failed: u64,
}

impl TestCounts {
    /// Sums every `test result: ok. 3 passed; 1 failed; ...` line in `output`
    /// (one per test binary, and one for the doc tests).
    pub fn parse(output: &str) -> TestCounts {
        let mut total = TestCounts::default();
        for line in output.lines() {
            let Some(rest) = line.trim().strip_prefix("test result: ") else {
                continue;
            };
            let Some((_, counts)) = rest.split_once(". ") else {
                continue;
            };
            for part in counts.split(';') {
                match part.trim().split_once(' ') {
                    Some((n, "passed")) => total.passed += n.parse().unwrap_or(0),
                    Some((n, "failed")) => total.failed += n.parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        total
    }
}

/// The test targets cargo reports as failed, as in
/// ``error: test failed, to rerun pass `-p capcache --test api` `` → `api`
/// (`lib` and `doc` for the unit and doc tests). On wasm, where a panic aborts
/// the whole test binary before its `test result:` line, this is the only
/// record of what failed.
pub fn failed_targets(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| l.starts_with("error: ") && l.contains("failed, to rerun pass `"))
        .filter_map(|l| l.split('`').nth(1)?.split_whitespace().last())
        .map(|t| t.trim_start_matches('-').to_owned())
        .collect()
}

impl AddAssign for TestCounts {
    fn add_assign(&mut self, other: TestCounts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// `12.3s` under a minute, `4m05s` above.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// Prints the table of all cells and the summary lines; returns the number of
/// (failed, skipped) cells. Under `strict`, says that skips fail the run.
pub fn print(outcomes: &[Outcome], wall: Duration, strict: bool) -> (usize, usize) {
    let name_width = outcomes
        .iter()
        .map(|o| o.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    println!();
    println!(
        "{:<name_width$}  {:<7}  {:>7}  reason",
        "cell", "status", "time"
    );
    let mut tests = TestCounts::default();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for o in outcomes {
        let time = if matches!(o.status, Status::Skipped(_)) {
            "-".to_owned()
        } else {
            duration(o.elapsed)
        };
        let line = format!(
            "{:<name_width$}  {:<7}  {:>7}  {}",
            o.name,
            o.status.word(),
            time,
            o.status.reason()
        );
        println!("{}", line.trim_end());
        tests += o.tests;
        match o.status {
            Status::Passed => passed += 1,
            Status::Failed(_) => failed += 1,
            Status::Skipped(_) => skipped += 1,
        }
    }
    println!();
    println!("wall time: {}", duration(wall));
    if strict && skipped > 0 {
        println!("--strict: the {skipped} skipped cells fail the run");
    }
    println!("tests: {} passed, {} failed", tests.passed, tests.failed);
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    (failed, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_result_lines() {
        let log = "\
running 2 tests
test a ... ok
test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s\r
   Doc-tests capcache
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
test result: garbage
";
        assert_eq!(
            TestCounts::parse(log),
            TestCounts {
                passed: 7,
                failed: 2
            }
        );
    }

    #[test]
    fn names_failed_targets() {
        let log = "\
error: test failed, to rerun pass `-p capcache --test api`
error: test failed, to rerun pass `-p capcache --lib`
error: doctest failed, to rerun pass `-p capcache --doc`
error: 3 targets failed:
    `-p capcache --test api`
";
        assert_eq!(failed_targets(log), ["api", "lib", "doc"]);
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(duration(Duration::from_secs(245)), "4m05s");
    }
}
