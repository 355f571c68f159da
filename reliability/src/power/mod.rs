//! Power-loss checking of `durable(true)`, ALICE-style (Pillai et al.,
//! OSDI 2014): record the file-system calls of a durable workload, compute
//! every state a power loss could leave on disk, rebuild each one in a
//! fresh directory and check that capcache recovers from it without losing
//! an acknowledged operation. A SIGKILL cannot show this: the page cache
//! outlives the process, so a missing `fsync` goes unnoticed.
//!
//! 1. **Workload** (`worker power`, in [`record_run`]): whole and streamed
//!    writes, rewrites of a key's value, removes, compactions of a bucket
//!    made long beforehand, and zero-grace `verify`, on a cache opened
//!    with `durable(true)` that already holds keys. The worker logs `B`
//!    before and `A` after each operation with one `write(2)` to a log
//!    file, so the acknowledgments appear in the trace among the cache's
//!    own calls.
//! 2. **Trace** ([`trace`]): `strace -f -y -xx` records the calls; the
//!    parser follows descriptors (cap-std's `openat2` relative to directory
//!    descriptors, whose paths `-y` prints) and yields logical operations
//!    on the cache directory: create, mkdir, link, unlink, rmdir, rename,
//!    truncate, write (with the offset an append landed at, and the bytes),
//!    fsync, and the log marks.
//! 3. **Crash states** ([`crash`]), under two models, each stated
//!    conservatively (what it lets a crash lose is at least what the
//!    filesystem may lose):
//!
//!    **[`Fs::Ext4Ordered`]**, ext4 with `data=ordered` (its default):
//!    - *Metadata* (creates, mkdirs, links, unlinks, renames, truncations)
//!      is journaled in program order: a crash before step `t` leaves a
//!      **prefix** of the metadata operations, of a length `p ≤ t`.
//!    - An `fsync` of an inode commits the journal up to the last
//!      operation that touched that inode (its creation, an entry added
//!      to or removed from a directory, a write or truncation of a file);
//!      so `p` is at least what the fsyncs that returned before `t`
//!      forced (its *floor*). (`fdatasync` would force only its file's
//!      data and size; capcache calls none.)
//!    - *File data* persists only when made durable: writes to a file
//!      before its last `fsync` preceding `t` are kept. Its other writes
//!      before `p` (appends and fresh files, as capcache makes them; in
//!      ordered mode a size grows only with its data, so no garbage or
//!      zeros appear) may be lost **per file as a suffix**, the first lost
//!      write possibly **torn** (a prefix of its bytes kept). Writes after
//!      `p` are lost. A file renamed before its data was
//!      synced does not take its data along (ext4's `auto_da_alloc`
//!      heuristic is *not* assumed): it may read short or empty.
//!    - Under this model directory fsyncs are redundant: the journal's
//!      order persists a name before anything that follows it.
//!
//!    **[`Fs::DirSync`]**, only what `fsync` promises on Linux (POSIX plus
//!    directory fsync), for filesystems that do not order metadata:
//!    - A crash at moment `t` keeps, for each **directory**, a prefix of
//!      the changes to *its* entries made before `t` (creates, links,
//!      unlinks, mkdirs, rmdirs in it; a rename is a removal from one
//!      directory and an insertion into the other, each kept or lost with
//!      its own directory, so a renamed file may end under both names or
//!      neither), independently of every other directory; at least up to
//!      the last change before the directory's last `fsync` before `t`.
//!      A name whose directory's own name was lost is lost with it.
//!    - An `fsync` of a file makes its data and size durable, *not* its
//!      name. File data follows the same suffix-and-tear rule as above,
//!      relative to `t`. Truncations are kept (capcache makes none of
//!      existing files).
//!
//!    In both, every operation acknowledged before `t` must be present.
//!    Every crash point `t` from 0 to the end of the run is visited (the
//!    end first, then in a seeded random order, so that a time budget
//!    leaves an even sample), each in its mildest state (prefix `t`, every
//!    droppable write kept, every directory change kept), its harshest
//!    (the floor, every droppable write dropped, every directory back to
//!    its last `fsync`), and random ones between (prefix, floor per
//!    directory, kept count and tear per file).
//!
//!    Not modelled: file data reaching disk *before* an earlier write to
//!    another file (harmless here: every write capcache relies on is
//!    synced), in-place overwrites (capcache makes none), `fdatasync`'s
//!    finer rule (none are made), disks that lie about flushes, and the
//!    behaviour of macOS, Windows and WASI.
//! 4. **Check** ([`check`]) of each distinct state, materialized from the
//!    snapshot taken before the run plus the persisted operations: the
//!    cache opens; every key reads its last acknowledged state (value or
//!    absence) or the state of an operation begun but not acknowledged,
//!    never other bytes or an error; a zero-grace `verify` succeeds,
//!    empties `tmp/` and changes no key's state. Panics are caught and
//!    reported.

pub mod check;
pub mod crash;
pub mod trace;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use capcache::Cache;

use crate::values;
use check::{State, Violation};
pub use crash::Fs;
use crash::{CrashState, Model};
use trace::{Snapshot, Step, TraceError};

/// Keys of the power-loss workload.
pub const POWER_KEYS: [&str; 4] = ["p0", "p1", "p2", "p3"];

/// A value length for the power-loss workload: mostly small, some above the
/// 64 KiB small-write threshold (kept moderate: the trace holds every byte
/// written, four times over in hex).
pub fn power_len(rng: &mut fastrand::Rng) -> usize {
    match rng.u32(0..10) {
        0..=6 => rng.usize(40..4096),
        _ => rng.usize(64 * 1024..96 * 1024),
    }
}

/// One recorded run of the workload.
#[derive(Debug, Clone)]
pub struct Run {
    /// The keys' states before the run.
    pub before: BTreeMap<String, State>,
    /// The cache directory before the run.
    pub snapshot: Snapshot,
    /// The logical operations the run made.
    pub steps: Vec<Step>,
    /// Operations the worker ran and had acknowledged.
    pub acked: usize,
}

/// Times `p0` is written before the run: its bucket then holds that many
/// lines, which a compaction in the run rewrites.
const LONG_BUCKET: u64 = 40;

/// Prepares a cache under `dir` (keys `p0`, with a long bucket, to `p2`;
/// `p3` absent), then runs `worker power` on it for `ops` operations
/// (opened with `durable(durable)`) under `strace`, and parses the trace.
///
/// # Errors
///
/// If `strace` cannot run, the worker fails, or the trace holds a call the
/// model does not cover.
pub fn record_run(
    worker: &Path,
    dir: &Path,
    seed: u64,
    ops: u64,
    durable: bool,
) -> Result<Run, TraceError> {
    let root = dir.join("cache");
    let log = dir.join("log");
    let out = dir.join("trace");
    let terr = |what: &str, e: &dyn std::fmt::Display| TraceError(format!("{what}: {e}"));
    let cache = Cache::open(&root).map_err(|e| terr("open", &e))?;
    let mut before = BTreeMap::new();
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed);
    for (i, key) in POWER_KEYS.iter().enumerate() {
        let times = match i {
            0 => LONG_BUCKET,
            3 => 0,
            _ => 1,
        };
        let mut state = None;
        for t in 0..times {
            let (version, len) = (1_000_000 + t, power_len(&mut rng));
            cache
                .write_sync(key, values::value(key, version, len))
                .map_err(|e| terr("prepare", &e))?;
            state = Some((version, len));
        }
        before.insert(key.to_string(), state);
    }
    drop(cache);
    let snapshot = Snapshot::read(&root)?;
    let mut command = Command::new(worker);
    command.arg("power").arg(&root).arg(&log).args([
        seed.to_string(),
        ops.to_string(),
        u8::from(durable).to_string(),
    ]);
    let status = trace::record(command, &out)?;
    let log_text = std::fs::read_to_string(&log).map_err(|e| terr("read log", &e))?;
    if !status.success() {
        return Err(TraceError(format!("worker failed ({status}): {log_text}")));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| terr("read trace", &e))?;
    let steps = trace::parse(&text, &root, &log, &snapshot)?;
    let acked = log_text.lines().filter(|l| l.starts_with("A ")).count();
    // The trace is large (every byte written, in hex): keep only the steps.
    let _ = std::fs::remove_file(&out);
    Ok(Run {
        before,
        snapshot,
        steps,
        acked,
    })
}

/// How many crash states to visit.
#[derive(Debug, Clone, Copy)]
pub struct Explore {
    /// The file-system model.
    pub fs: Fs,
    /// Random states per crash point, besides the mildest and the
    /// harshest.
    pub random_per_point: usize,
    /// Stop visiting (and say so) after this long.
    pub budget: Duration,
    /// Stop at the first violation.
    pub stop_at_first: bool,
}

/// What [`explore`] visited and found.
#[derive(Debug, Default)]
pub struct Report {
    /// Crash points visited, of `steps + 1`.
    pub points: usize,
    /// Crash states generated.
    pub generated: usize,
    /// Distinct states (tree and expectations) materialized and checked.
    pub checked: usize,
    /// Whether the budget ran out before every crash point was visited.
    pub out_of_time: bool,
    /// Violations, with the state that showed each.
    pub violations: Vec<(CrashState, Violation)>,
}

/// Visits crash states of `run` under `opts.fs` (every crash point, the
/// end first and then in a seeded random order, in the states of
/// [`crash::states_for`]), materializing each distinct one under `scratch`
/// and checking it.
pub fn explore(run: &Run, opts: Explore, seed: u64, scratch: &Path) -> Report {
    let model = Model::new(&run.steps, &run.snapshot);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut seen = HashSet::new();
    let mut report = Report::default();
    let started = Instant::now();
    // The end first (where most is at stake), then every other point in a
    // seeded random order, so that a budget cut leaves an even sample.
    let mut order: Vec<usize> = (0..model.len()).collect();
    rng.shuffle(&mut order);
    order.insert(0, model.len());
    for crash in order {
        if started.elapsed() > opts.budget {
            report.out_of_time = true;
            break;
        }
        report.points += 1;
        let allowed = check::allowed(&run.before, model.marks_before(crash));
        for state in crash::states_for(&model, opts.fs, crash, opts.random_per_point, &mut rng) {
            report.generated += 1;
            let tree = match model.tree(&state) {
                Ok(t) => t,
                Err(e) => {
                    report.violations.push((state, Violation::Model(e)));
                    return report;
                }
            };
            if !seen.insert((tree.digest(), format!("{allowed:?}"))) {
                // The same files and the same expectations: checked already.
                continue;
            }
            report.checked += 1;
            let dest: PathBuf = scratch.join(format!("state-{}", report.checked));
            if let Err(e) = tree.materialize(&dest) {
                report
                    .violations
                    .push((state, Violation::Model(format!("materialize: {e}"))));
                return report;
            }
            let result = check::check(&dest, &allowed);
            let _ = std::fs::remove_dir_all(&dest);
            if let Err(v) = result {
                report.violations.push((state, v));
                if opts.stop_at_first {
                    return report;
                }
            }
        }
    }
    report
}

/// The run's steps without the `fsync`s of files under `tmp/` (content
/// and bucket rewrites before they are linked or renamed into place): a
/// durable trace with those calls missing, which the checker must catch
/// under either model.
pub fn without_temp_fsyncs(steps: &[Step]) -> Vec<Step> {
    steps
        .iter()
        .filter(|s| !matches!(&s.op, trace::Op::Fsync { path, .. } if path.starts_with("tmp/")))
        .cloned()
        .collect()
}

/// The run's steps without the `fsync`s of directories: a durable trace
/// with those calls missing, which the [`Fs::DirSync`] model must catch
/// (ext4's ordered journal makes them redundant, so its model cannot).
pub fn without_dir_fsyncs(steps: &[Step]) -> Vec<Step> {
    let dirs: HashSet<trace::Ino> = steps
        .iter()
        .filter_map(|s| match &s.op {
            trace::Op::Mkdir { ino, .. } => Some(*ino),
            _ => None,
        })
        .chain(steps.iter().flat_map(|s| s.dirs.iter().copied()))
        .collect();
    steps
        .iter()
        .filter(|s| !matches!(&s.op, trace::Op::Fsync { ino, .. } if dirs.contains(ino)))
        .cloned()
        .collect()
}
