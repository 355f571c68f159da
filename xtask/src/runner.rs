//! Runs the planned cells, several lanes at a time.
//!
//! The cells of a lane (see [`Lane`]) run one after another, in plan order (a
//! cell may need an earlier one, like the wine prefix). Lanes run in parallel
//! (`--jobs`, default 2): much of the matrix is test binaries that keep one
//! core busy (wasmtime, wine, hashing a GiB), and another lane's build fills
//! the other. A failed cell does not stop the matrix, so that one run shows
//! every failure.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::cmd::Log;
use crate::matrix::{Cell, Lane, Step};
use crate::report::{self, Outcome, Status, TestCounts};
use crate::wine;
use crate::workspace::Workspace;

/// How much of a failed cell's log is printed; the rest is in the file.
const LOG_TAIL_LINES: usize = 300;

/// Runs `cells` in up to `jobs` lanes at once; the outcomes are in plan order.
pub fn run(ws: &Workspace, cells: &[Cell], jobs: usize) -> Vec<Outcome> {
    let lanes = lanes(cells);
    let next_lane = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> = Mutex::new(cells.iter().map(|_| None).collect());
    let finished = Mutex::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, lanes.len().max(1)) {
            scope.spawn(|| {
                while let Some(lane) = lanes.get(next_lane.fetch_add(1, Ordering::Relaxed)) {
                    for &index in lane {
                        let cell = &cells[index];
                        let needed = cell.needs.and_then(|i| {
                            let outcomes = outcomes.lock().unwrap();
                            let needed = outcomes[i].as_ref().expect("a lane runs in plan order");
                            (needed.status != Status::Passed).then(|| needed.name.clone())
                        });
                        let ran = cell.skip.is_none() && needed.is_none();
                        let outcome = run_one(cell, needed, &ws.root);
                        // One lock for the whole report, so lanes do not interleave lines.
                        let mut finished = finished.lock().unwrap();
                        *finished += 1;
                        print_outcome(ws, cell, &outcome, ran, (*finished, cells.len()));
                        outcomes.lock().unwrap()[index] = Some(outcome);
                    }
                }
            });
        }
    });
    outcomes
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every cell ran"))
        .collect()
}

/// The cells of each lane, in plan order; the lanes in the order they start.
fn lanes(cells: &[Cell]) -> Vec<Vec<usize>> {
    let mut lanes: BTreeMap<&Lane, Vec<usize>> = BTreeMap::new();
    for (index, cell) in cells.iter().enumerate() {
        lanes.entry(&cell.lane).or_default().push(index);
    }
    lanes.into_values().collect()
}

/// Runs one cell, unless it is skipped or `needed` names a cell it needs that failed.
fn run_one(cell: &Cell, needed: Option<String>, root: &Path) -> Outcome {
    let start = Instant::now();
    let (status, tests) = if let Some(reason) = &cell.skip {
        (Status::Skipped(reason.clone()), TestCounts::default())
    } else if let Some(needed) = needed {
        let reason = format!("needs `{needed}`, which did not pass");
        (Status::Failed(reason), TestCounts::default())
    } else {
        run_cell(cell, root)
    };
    Outcome {
        name: cell.name.clone(),
        status,
        elapsed: start.elapsed(),
        tests,
    }
}

/// One line per finished cell and, if it `ran`, its log path and (if it
/// failed) the log's tail.
fn print_outcome(
    ws: &Workspace,
    cell: &Cell,
    outcome: &Outcome,
    ran: bool,
    (finished, total): (usize, usize),
) {
    let width = total.to_string().len();
    let mut line = format!(
        "[{finished:>width$}/{total}] {}: {}",
        cell.name,
        outcome.status.word()
    );
    if ran {
        line += &format!(" in {}", report::duration(outcome.elapsed));
    }
    if outcome.tests != TestCounts::default() {
        line += &format!(
            " ({} tests passed, {} failed)",
            outcome.tests.passed, outcome.tests.failed
        );
    }
    if !outcome.status.reason().is_empty() {
        line += &format!(": {}", outcome.status.reason());
    }
    println!("{line}");
    if ran {
        println!("    log: {}", ws.display(&cell.log));
        if matches!(outcome.status, Status::Failed(_)) {
            print_tail(ws, &cell.log);
        }
    }
    let _ = std::io::stdout().flush();
}

/// Runs a cell's steps until one fails, then reads the test counts from its
/// log. Commands run in `root`, which cargo's paths are relative to.
fn run_cell(cell: &Cell, root: &Path) -> (Status, TestCounts) {
    let mut log = match Log::create(&cell.log) {
        Ok(log) => log,
        Err(e) => {
            return (
                Status::Failed(format!("cannot create {}: {e}", cell.log.display())),
                TestCounts::default(),
            )
        }
    };
    let mut result = match &cell.scratch {
        Some(dir) => empty_dir(dir, &mut log),
        None => Ok(()),
    };
    for step in &cell.steps {
        if result.is_err() {
            break;
        }
        result = match step {
            Step::Run(cmd) => log.run(cmd),
            Step::WinePrefix(w, prefix) => wine::prepare(w, prefix, &mut log),
        };
    }
    if let Some(dir) = &cell.scratch {
        // Whatever the outcome: the log says what failed, the files rarely do.
        let cleaned = empty_dir(dir, &mut log);
        result = result.and(cleaned);
    }
    let text = std::fs::read(log.path())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    if cell.prune_binaries {
        for binary in test_binaries(&text) {
            // Best effort: a binary that is gone already costs nothing.
            let _ = std::fs::remove_file(root.join(binary));
        }
    }
    let tests = TestCounts::parse(&text);
    let status = match result {
        Ok(()) => Status::Passed,
        Err(reason) => {
            let mut reason = explain(reason, tests, &report::failed_targets(&text));
            if text.contains("No space left on device") {
                reason += &match crate::disk::free_bytes(root) {
                    Some(free) => {
                        format!("; the disk was full ({} free now)", crate::disk::gib(free))
                    }
                    None => "; the disk was full".to_owned(),
                };
            }
            Status::Failed(reason)
        }
    };
    (status, tests)
}

/// The test binaries that `cargo test --no-run` reported building, from
/// its `Executable <source> (<path>)` lines (a path may hold " (", a
/// source file name does not).
fn test_binaries(log: &str) -> Vec<&str> {
    log.lines()
        .filter_map(|line| line.trim_start().strip_prefix("Executable "))
        .filter_map(|rest| rest.strip_suffix(')'))
        .filter_map(|rest| rest.split_once(" (").map(|(_, path)| path))
        .collect()
}

/// Adds what failed, from the log, to a step's failure reason.
fn explain(mut reason: String, tests: TestCounts, failed_targets: &[String]) -> String {
    if tests.failed > 0 {
        reason += &format!("; {} tests failed", tests.failed);
    }
    if let [first, rest @ ..] = failed_targets {
        reason += &format!("; failing: {first}");
        for target in rest.iter().take(3) {
            reason += &format!(", {target}");
        }
        if rest.len() > 3 {
            reason += &format!(" and {} more", rest.len() - 3);
        }
    }
    reason
}

/// Empties `dir`, creating it if needed.
fn empty_dir(dir: &Path, log: &mut Log) -> Result<(), String> {
    log.note(format_args!("emptying {}", dir.display()))?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn print_tail(ws: &Workspace, log: &Path) {
    let text = std::fs::read(log)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let skip = lines.len().saturating_sub(LOG_TAIL_LINES);
    let shown = if skip > 0 {
        format!("last {LOG_TAIL_LINES} of {} lines of ", lines.len())
    } else {
        String::new()
    };
    println!("----- {shown}{} -----", ws.display(log));
    for line in &lines[skip..] {
        println!("{line}");
    }
    println!("----- end of {} -----", ws.display(log));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_binaries_cargo_built() {
        let log = "\
   Compiling capcache v0.1.0 (/w)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 9.1s
  Executable unittests src/lib.rs (target/matrix/h/debug/deps/capcache-0f1e)
  Executable tests/api.rs (/abs (1)/deps/api-77aa.exe)
     Running tests/api.rs (target/matrix/h/debug/deps/api-77aa)
";
        assert_eq!(
            test_binaries(log),
            [
                "target/matrix/h/debug/deps/capcache-0f1e",
                "/abs (1)/deps/api-77aa.exe"
            ]
        );
    }
}
