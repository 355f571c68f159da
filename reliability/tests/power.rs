//! Power loss in durable mode, ALICE-style (see `src/power/mod.rs` for the
//! crash model): a durable workload runs under `strace`; every metadata
//! prefix of its recorded calls, with un-synced file data kept, dropped or
//! torn, is rebuilt in a fresh directory and must recover with every
//! acknowledged operation present, every key reading an old or new value,
//! and `verify` clean. Two more runs show the check has teeth: the same
//! workload without `durable`, and the durable trace with the temp files'
//! fsyncs taken out, must each lose an acknowledged write.
//!
//! Needs `strace` (Debian package `strace`) and permission to ptrace a
//! child: skipped with a message where it is missing, a failure when `CI`
//! is set.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use capcache_reliability::power::{
    self, check::Violation, explore, record_run, trace, Explore, Fs, Run,
};
use capcache_reliability::{worker, Mode};

/// Whether to run: strace present, or a failure in CI.
fn strace_or_skip(test: &str) -> bool {
    if trace::strace_available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: strace is missing or cannot trace (install the `strace` package); CI is set, so this fails"
    );
    eprintln!("{test}: SKIPPED: strace is missing or cannot trace children (install `strace`)");
    false
}

/// A scratch directory, in memory where possible: the checker writes and
/// removes thousands of small trees, which a busy disk slows tenfold.
fn scratch() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    match shm.is_dir() {
        true => tempfile::tempdir_in(shm).or_else(|_| tempfile::tempdir()),
        false => tempfile::tempdir(),
    }
    .expect("temp dir")
}

fn record(dir: &std::path::Path, seed: u64, ops: u64, durable: bool) -> Run {
    record_run(std::path::Path::new(worker!()), dir, seed, ops, durable)
        .unwrap_or_else(|e| panic!("seed {seed}: recording the workload: {e}"))
}

/// Records the durable workload and checks its crash states under `fs`.
fn durable_run_survives(fs: Fs) {
    let part = format!("power {fs:?}");
    if !strace_or_skip(&part) {
        return;
    }
    let mode = Mode::from_env();
    let seed = capcache_reliability::seed(&part);
    let started = Instant::now();
    let tmp = scratch();
    let run = record(tmp.path(), seed, mode.pick(40, 200), true);
    let recorded = started.elapsed();
    let opts = Explore {
        fs,
        random_per_point: mode.pick(2, 6),
        budget: mode.pick(Duration::from_secs(50), Duration::from_secs(4 * 3600)),
        stop_at_first: false,
    };
    let report = explore(&run, opts, seed, tmp.path());
    let count = |f: fn(&trace::Op) -> bool| run.steps.iter().filter(|s| f(&s.op)).count();
    let fsyncs = count(|op| matches!(op, trace::Op::Fsync { .. }));
    let bucket_renames =
        count(|op| matches!(op, trace::Op::Rename { to, .. } if to.starts_with("index-v5/")));
    let writes = count(
        |op| matches!(op, trace::Op::Mark(trace::Mark::Begin { op, .. }) if op != "Compact" && op != "Verify"),
    );
    assert!(bucket_renames > 0, "seed {seed}: no bucket was rewritten");
    eprintln!(
        "{part}: {} acknowledged operations ({writes} writes and removes), {} recorded steps \
         ({fsyncs} fsyncs, {bucket_renames} bucket rewrites) in {recorded:.1?}; \
         {} of {} crash points, {} crash states generated, {} distinct states checked, \
         {} violations; {:.1?}{}",
        run.acked,
        run.steps.len(),
        report.points,
        run.steps.len() + 1,
        report.generated,
        report.checked,
        report.violations.len(),
        started.elapsed(),
        if report.out_of_time {
            " (time budget reached)"
        } else {
            ""
        },
    );
    let shown: Vec<String> = report
        .violations
        .iter()
        .take(5)
        .map(|(state, v)| {
            format!(
                "crash point {} prefix {} dirs {:?} cuts {:?}: {v}",
                state.crash, state.prefix, state.dirs, state.cuts
            )
        })
        .collect();
    assert!(
        report.violations.is_empty(),
        "seed {seed}: {} crash states break the durability promise, first ones:\n{}",
        report.violations.len(),
        shown.join("\n")
    );
    assert!(
        report.checked > 100,
        "seed {seed}: only {} states checked",
        report.checked
    );
}

#[test]
fn durable_writes_survive_every_ext4_crash_state() {
    durable_run_survives(Fs::Ext4Ordered);
}

#[test]
fn durable_writes_survive_every_dirsync_crash_state() {
    durable_run_survives(Fs::DirSync);
}

/// The first violation a run shows, which must be a lost acknowledged
/// operation.
fn expect_loss(what: &str, fs: Fs, seed: u64, run: &Run) {
    let tmp = scratch();
    let opts = Explore {
        fs,
        random_per_point: 1,
        budget: Duration::from_secs(60),
        stop_at_first: true,
    };
    let report = explore(run, opts, seed, tmp.path());
    match report.violations.first() {
        Some((state, v @ Violation::Lost { .. })) => eprintln!(
            "{what}: found after {} states, crash point {} of {}: {v}",
            report.checked,
            state.crash,
            run.steps.len()
        ),
        Some((state, other)) => panic!(
            "seed {seed}: {what}: expected a lost acknowledged write, found at crash point {}: {other}",
            state.crash
        ),
        None => panic!(
            "seed {seed}: {what}: {} states checked and no acknowledged write lost: the check has no teeth",
            report.checked
        ),
    }
}

#[test]
fn the_checker_catches_writes_that_are_not_durable() {
    if !strace_or_skip("power teeth") {
        return;
    }
    let seed = capcache_reliability::seed("power teeth");
    let tmp = scratch();
    // Without `durable`, nothing is synced: a crash may keep none of the
    // run's data, under either model.
    let plain = record(&tmp.path().join("plain"), seed, 12, false);
    expect_loss("durable(false), ext4", Fs::Ext4Ordered, seed, &plain);
    expect_loss("durable(false), dirsync", Fs::DirSync, seed, &plain);
    let durable = record(&tmp.path().join("durable"), seed, 12, true);
    // The durable trace without the fsyncs of temp files (content before
    // its link, a rewritten bucket before its rename).
    let steps = power::without_temp_fsyncs(&durable.steps);
    assert!(
        steps.len() < durable.steps.len(),
        "seed {seed}: no temp fsync in the trace"
    );
    let mutated = Run {
        steps,
        ..durable.clone()
    };
    expect_loss(
        "without temp-file fsyncs, ext4",
        Fs::Ext4Ordered,
        seed,
        &mutated,
    );
    // Without the directory fsyncs: ext4's ordered journal makes them
    // redundant, the weaker model must miss them.
    let steps = power::without_dir_fsyncs(&durable.steps);
    assert!(
        steps.len() < durable.steps.len(),
        "seed {seed}: no directory fsync in the trace"
    );
    let mutated = Run {
        steps,
        ..durable.clone()
    };
    expect_loss(
        "without directory fsyncs, dirsync",
        Fs::DirSync,
        seed,
        &mutated,
    );
}
