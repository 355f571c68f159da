//! Hostile caches: entries planted by someone who wants the cache to hand
//! out, or change, files outside its directory.
//!
//! The host plants each case (see `plant`, native only) in its own cache
//! directory, next to an `outside/` directory holding a secret. The guest
//! (`hostile` mode) and the host (natively, through a capability-only
//! `Cache::from_dir`) then run the same probes over the same planting with
//! [`run_probes`]. Every probe must be refused or harmless; the host checks
//! afterwards that nothing outside the cache changed.

use std::path::Path;

use capcache::Cache;

use crate::harness::{self, Check, Failure, Summary, Test};

#[cfg(all(unix, not(target_family = "wasm")))]
pub mod plant;
mod probe;

pub use probe::{Observed, Op};

/// The file outside the cache that no probe may return. Longer than any
/// value inside the hostile caches, so byte counts can tell them apart.
pub const SECRET: &[u8] = b"capcache sandbox secret: this file lives OUTSIDE the cache \
directory. A cache operation that returns these bytes, copies them out, or \
counts them as verified content has followed a path out of its capability.\n";

/// A value stored inside the cache, reachable only through an index that
/// lives outside it.
pub const INSIDE: &[u8] = b"inside value, listed only by an index outside\n";

/// The key whose index entry points at the secret's integrity.
pub const SECRET_KEY: &str = "secret";

/// The key whose only index entry lives outside the cache.
pub const PLANTED_KEY: &str = "planted";

/// What a probe must do for the case to be safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Fail with an error that shows the planted entry was reached and
    /// refused (not "nothing here").
    Refused,
    /// Fail with "no such entry/content": the hostile name was treated as a
    /// plain name.
    NotFound,
    /// Succeed without leaking.
    Succeeds,
    /// Succeed or fail, but leak nothing (the probe's own leak check).
    NoLeak,
}

/// One probe of a case.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// Name of the probe within its case.
    pub label: &'static str,
    /// The operation.
    pub op: Op,
    /// What it must do.
    pub expect: Expect,
}

const fn p(label: &'static str, op: Op, expect: Expect) -> Probe {
    Probe { label, op, expect }
}

/// How a case is planted (see `plant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A content file is a symlink to the secret by absolute host path.
    ContentLinkAbsolute,
    /// A content file is a symlink to the secret by a relative `../..` path.
    ContentLinkRelative,
    /// A content file links to `/cache/../outside/secret.txt`: the secret's
    /// path as the guest would spell it, one `..` above the preopen.
    ContentLinkGuestPath,
    /// A content shard directory (`content-v2/sha512/xx`) is a symlink to an
    /// outside directory holding the secret under its hash name.
    ContentShardLink,
    /// `content-v2` itself is a symlink to an outside content tree.
    ContentAreaLink,
    /// A content shard directory is a relative symlink to a sibling of the
    /// cache directory, inside the preopen: only a runtime that confines
    /// paths to the descriptor they are resolved against (as WASI requires,
    /// and capcache's one-call opens rely on) refuses it.
    ContentShardSiblingLink,
    /// A bucket file is a symlink to an outside file with a valid line.
    BucketLink,
    /// An index shard directory is a symlink to an outside directory.
    IndexShardLink,
    /// An index shard directory is a relative symlink to a sibling of the
    /// cache directory, inside the preopen (see `ContentShardSiblingLink`).
    IndexShardSiblingLink,
    /// `index-v5` itself is a symlink to an outside index tree.
    IndexAreaLink,
    /// `tmp` is a symlink to an outside directory with a stale file in it.
    TmpAreaLink,
    /// `_lastverified` and the index lock file (`index-v5/.capcache.lock`)
    /// are symlinks to outside files.
    RootFileLinks,
    /// Index lines whose integrity or key looks like a path: `..`, absolute.
    PathLikeEntries,
}

/// A planted hostile cache and what to try on it.
#[derive(Debug, Clone)]
pub struct Case {
    /// Directory name of the case, and prefix of its test names.
    pub name: &'static str,
    /// How it is planted.
    pub kind: Kind,
    /// Keys whose entries exist only outside the cache: seeing them is a leak.
    pub outside_keys: &'static [&'static str],
    /// What to try, in order (reads first, then writes, then maintenance).
    pub probes: Vec<Probe>,
}

/// Keys of the path-like index entries (see [`Kind::PathLikeEntries`]).
pub mod path_like {
    /// Integrity `sha512-` + a relative path out of the cache.
    pub const DOTDOT_INTEGRITY: &str = "dotdot-integrity";
    /// The relative-path integrity string itself.
    pub const DOTDOT_SRI: &str = "sha512-../../../../../outside/secret.txt";
    /// Integrity that is an absolute path.
    pub const ABSOLUTE_INTEGRITY: &str = "absolute-integrity";
    /// Integrity `sha256-/etc/passwd`.
    pub const ALGO_ABSOLUTE_INTEGRITY: &str = "algo-absolute-integrity";
    /// A key that is a relative path out of the cache (its integrity is
    /// the secret's, whose content is not in the cache).
    pub const DOTDOT_KEY: &str = "../../../../../outside/secret.txt";
    /// A key that is an absolute path.
    pub const ABSOLUTE_KEY: &str = "/etc/passwd";
    /// A key written by the probe itself.
    pub const WRITTEN_KEY: &str = "../../outside/written-by-probe";
}

/// Every case, in run order.
pub fn cases() -> Vec<Case> {
    use Expect::*;
    use Op::*;
    let content_link = |name, kind| Case {
        name,
        kind,
        outside_keys: &[],
        probes: vec![
            p("read_sync", Read(SECRET_KEY), Refused),
            p("read_hash_sync", ReadSecretHash, Refused),
            p("stream_read", Stream(SECRET_KEY), Refused),
            p("copy_sync", Copy(SECRET_KEY), Refused),
            p("copy_to_dir_sync", CopyToDir(SECRET_KEY), Refused),
            p("hard_link_sync", HardLink(SECRET_KEY), Refused),
            p("reflink_or_copy_sync", ReflinkOrCopy(SECRET_KEY), Refused),
            p("verify_sync", Verify, NoLeak),
            p("gc_sync", Gc, NoLeak),
            p("write_same_content", Write(SECRET_KEY, SECRET), Succeeds),
            p("clear_sync", Clear, Succeeds),
        ],
    };
    // A write whose bucket is itself a symlink out of the cache removes the
    // link (never following it) and writes a bucket of its own; a link
    // higher up (shard, area) stays refused.
    let outside_index = |name, kind| Case {
        name,
        kind,
        outside_keys: &[PLANTED_KEY],
        probes: vec![
            p("metadata_sync", Metadata(PLANTED_KEY), Refused),
            p("read_sync", Read(PLANTED_KEY), Refused),
            p("stream_read", Stream(PLANTED_KEY), Refused),
            p("copy_sync", Copy(PLANTED_KEY), Refused),
            p("list_sync", List, NoLeak),
            p("verify_sync", Verify, NoLeak),
            p("gc_sync", Gc, NoLeak),
            p(
                "write_sync",
                Write(PLANTED_KEY, b"new value"),
                mutation(kind),
            ),
            p("remove_sync", Remove(PLANTED_KEY), mutation(kind)),
            p("compact", Compact(PLANTED_KEY), mutation(kind)),
            p("clear_sync", Clear, NoLeak),
        ],
    };
    let outside_content = |name, kind| Case {
        name,
        kind,
        outside_keys: &[],
        probes: vec![
            p("read_sync", Read(SECRET_KEY), Refused),
            p("read_hash_sync", ReadSecretHash, Refused),
            p("try_exists_sync", ExistsSecret, Refused),
            p("copy_sync", Copy(SECRET_KEY), Refused),
            p("hard_link_sync", HardLink(SECRET_KEY), Refused),
            p("verify_sync", Verify, NoLeak),
            p("gc_sync", Gc, NoLeak),
            p("write_same_content", Write(SECRET_KEY, SECRET), Refused),
            p("remove_hash_sync", RemoveSecretHash, Refused),
            p("clear_sync", Clear, NoLeak),
        ],
    };
    vec![
        content_link("content_link_absolute", Kind::ContentLinkAbsolute),
        content_link("content_link_relative", Kind::ContentLinkRelative),
        content_link("content_link_guest_path", Kind::ContentLinkGuestPath),
        outside_content("content_shard_link", Kind::ContentShardLink),
        outside_content("content_area_link", Kind::ContentAreaLink),
        outside_content("content_shard_sibling_link", Kind::ContentShardSiblingLink),
        outside_index("bucket_link", Kind::BucketLink),
        outside_index("index_shard_link", Kind::IndexShardLink),
        outside_index("index_shard_sibling_link", Kind::IndexShardSiblingLink),
        outside_index("index_area_link", Kind::IndexAreaLink),
        Case {
            name: "tmp_area_link",
            kind: Kind::TmpAreaLink,
            outside_keys: &[],
            probes: vec![
                p("write_sync", Write("k", b"value"), Refused),
                p("stream_write", StreamWrite("k"), Refused),
                p("verify_sync", Verify, NoLeak),
                p("clear_sync", Clear, NoLeak),
            ],
        },
        Case {
            name: "root_file_links",
            kind: Kind::RootFileLinks,
            outside_keys: &[],
            probes: vec![
                p("last_verified_sync", LastVerified, Refused),
                p("write_sync", Write("k", b"value"), NoLeak),
                p("verify_sync", Verify, Refused),
            ],
        },
        Case {
            name: "path_like_entries",
            kind: Kind::PathLikeEntries,
            outside_keys: &[],
            probes: vec![
                p(
                    "read_dotdot_integrity",
                    Read(path_like::DOTDOT_INTEGRITY),
                    Refused,
                ),
                p(
                    "read_absolute_integrity",
                    Read(path_like::ABSOLUTE_INTEGRITY),
                    Refused,
                ),
                p(
                    "read_algo_absolute_integrity",
                    Read(path_like::ALGO_ABSOLUTE_INTEGRITY),
                    Refused,
                ),
                p(
                    "read_hash_dotdot",
                    ReadHashText(path_like::DOTDOT_SRI),
                    Refused,
                ),
                p("read_dotdot_key", Read(path_like::DOTDOT_KEY), NotFound),
                p("read_absolute_key", Read(path_like::ABSOLUTE_KEY), NotFound),
                p("list_sync", List, NoLeak),
                p(
                    "write_dotdot_key",
                    Write(path_like::WRITTEN_KEY, INSIDE),
                    Succeeds,
                ),
                p(
                    "read_written_dotdot_key",
                    ReadExpect(path_like::WRITTEN_KEY, INSIDE),
                    Succeeds,
                ),
                p("verify_sync", Verify, Succeeds),
                p("gc_sync", Gc, Succeeds),
            ],
        },
    ]
}

/// What a write, remove or compaction of the planted key must do: a bucket
/// that is itself a link out is replaced by a bucket of the cache's own;
/// behind a linked shard or area directory the planted entry is refused.
fn mutation(kind: Kind) -> Expect {
    match kind {
        Kind::BucketLink => Expect::Succeeds,
        _ => Expect::Refused,
    }
}

/// The outcome of one probe, judged.
#[derive(Debug)]
pub struct Report {
    /// `hostile::<case>::<probe>`.
    pub name: String,
    /// What happened.
    pub observed: Observed,
    /// Whether that was acceptable.
    pub verdict: Result<(), Failure>,
}

/// The cache root and export directory of `case` under `root`.
pub fn case_dirs(root: &Path, case: &Case) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = root.join(case.name);
    (dir.join("cache"), dir.join("out"))
}

/// Runs every probe of every case against the planting under `root`,
/// opening each case's cache with `open`.
pub fn run_probes(root: &Path, open: impl Fn(&Path) -> capcache::Result<Cache>) -> Vec<Report> {
    let mut reports = Vec::new();
    for case in cases() {
        let (cache_root, out) = case_dirs(root, &case);
        let cache = open(&cache_root).ctx(format!("opening {}", cache_root.display()));
        for probe in &case.probes {
            let name = format!("hostile::{}::{}", case.name, probe.label);
            let (observed, verdict) = match &cache {
                Ok(cache) => {
                    let observed = probe::run(cache, &out, &case, probe.op);
                    let verdict = probe::judge(&case, probe, &observed);
                    (observed, verdict)
                }
                Err(e) => (Observed::setup_failed(e), Err(e.clone())),
            };
            reports.push(Report {
                name,
                observed,
                verdict,
            });
        }
    }
    reports
}

/// Guest mode `hostile`: probes with `Cache::open` (the way a WASI plugin
/// opens its preopened cache), printing an `outcome` line per probe for the
/// host's comparison table, then the libtest lines.
pub fn run(root: &Path) -> Summary {
    let reports = run_probes(root, |path: &Path| Cache::open(path));
    for report in &reports {
        println!("outcome {}: {}", report.name, report.observed.class);
    }
    let tests = reports
        .into_iter()
        .map(|report| Test::new(report.name, move || report.verdict))
        .collect();
    harness::run(tests)
}
