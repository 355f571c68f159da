//! The cells of the test matrix: which commands run for which target and
//! feature set, and which cells are skipped for want of a tool.
//!
//! Every target's builds use their own target dir, `target/matrix/<triple>`,
//! with a fixed environment per dir, so that the builds of one target never
//! invalidate those of another (notably the `RUSTC_BOOTSTRAP=1` that wasm
//! needs, which some build scripts react to). The host's dir is kept apart
//! from the developer's own `target/debug` too: the matrix builds with line
//! tables only and without incremental caches, to stay small on disk.

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::cmd::Cmd;
use crate::features::{FeatureSet, COMPANIONS, FEATURES};
use crate::tools::{Tools, Wine};
use crate::wine;
use crate::workspace::{Package, Workspace};

pub const WASI: &str = "wasm32-wasip1";
pub const WINDOWS_GNU: &str = "x86_64-pc-windows-gnu";
pub const MACOS: [&str; 2] = ["x86_64-apple-darwin", "aarch64-apple-darwin"];

/// The library package, always tested under every feature set.
const LIBRARY: &str = "capcache";
/// The package holding the WASI guest program and its host-side tests.
const WASM_TESTS: &str = "wasm-tests";
/// This tool; linted and unit-tested on the host only.
const XTASK: &str = "xtask";
/// The command-line tool.
const CLI: &str = "capcache-cli";
/// The reliability suite (crashes, injected damage, concurrent processes,
/// resource limits): one bounded cell on the host only, see [`Planner::host`].
const RELIABILITY: &str = "capcache-reliability";

/// A workspace crate with a heavy dependency tree of its own (an HTTP stack,
/// object-store SDKs), built on the core: it gets its own few cells instead
/// of one per feature set of the core (see [`Planner::tiers`]).
struct Tier {
    package: &'static str,
    wasi: TierWasi,
    /// Its tests start the S3-compatible server found as `Tools::s3s_fs`.
    s3: bool,
}

/// What a [`Tier`] does on wasm32-wasip1.
#[derive(PartialEq)]
enum TierWasi {
    /// Its tests run under wasmtime (the parts that build there).
    Test,
    /// It does not build there (and says so in its README).
    Unsupported,
}

const TIERS: [Tier; 2] = [
    Tier {
        package: "capcache-http",
        wasi: TierWasi::Test,
        s3: false,
    },
    // tokio's multi-threaded runtime, which OpenDAL's services need, does
    // not build for WASI.
    Tier {
        package: "capcache-remote",
        wasi: TierWasi::Unsupported,
        s3: true,
    },
];

fn is_tier(package: &str) -> bool {
    TIERS.iter().any(|t| t.package == package)
}

/// The names of the [`TIERS`], for `--crate`.
pub fn tier_names() -> impl Iterator<Item = &'static str> {
    TIERS.iter().map(|t| t.package)
}

/// A package whose binary is built for wasm32-wasip1 and then run under
/// wasmtime by the package's own host-side tests, which find the module
/// through the environment variable `env` (and wasmtime through `WASMTIME`).
struct Guest {
    package: &'static str,
    env: &'static str,
    /// The one integration test that drives the module; `None` for all tests.
    test: Option<&'static str>,
}

const GUESTS: [Guest; 2] = [
    Guest {
        package: WASM_TESTS,
        env: "CAPCACHE_WASM_GUEST",
        test: None,
    },
    // The tool's other tests run natively in the host cells.
    Guest {
        package: CLI,
        env: "CAPCACHE_CLI_WASM",
        test: Some("wasm"),
    },
];

/// What the user asked to run; `None` means everything.
#[derive(Debug, Default)]
pub struct Selection {
    pub targets: Option<Vec<String>>,
    pub feature_sets: Option<Vec<FeatureSet>>,
    /// The [`COMPANIONS`]' cells, also run when no feature set is selected.
    pub companions: bool,
    /// Only the cells of these [`TIERS`] (`--crate`); all of them when
    /// nothing else is selected either.
    pub tiers: Option<Vec<String>>,
}

/// One line of the final table: a named list of steps with one log.
pub struct Cell {
    pub name: String,
    pub lane: Lane,
    pub log: PathBuf,
    pub steps: Vec<Step>,
    /// Why the cell cannot run here, with an install hint.
    pub skip: Option<String>,
    /// Index of a cell that must have passed before this one can run.
    pub needs: Option<usize>,
    /// A directory where the tests leave their temporary files, emptied
    /// before and after the cell: a test that aborts (every failing test on
    /// wasm, where panics abort) leaves GiBs behind otherwise.
    pub scratch: Option<PathBuf>,
    /// Delete the test binaries the cell built once it ran: each feature set
    /// builds its own, and keeping them all would take ~10 GiB. Only set for
    /// cells whose binaries no other cell (of another lane) runs.
    pub prune_binaries: bool,
}

pub enum Step {
    Run(Cmd),
    /// Creates or checks the wine prefix at the path.
    WinePrefix(Wine, PathBuf),
}

/// A chain of cells that run one after another; lanes run in parallel.
///
/// Cells of different lanes may share a target dir: cargo holds its lock
/// while building but not while the tests run, so one lane's build overlaps
/// another's test run. Lanes start in the order of this enum, longest first
/// (as measured on 2 cores), so that the short ones fill in at the end.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    /// The wine prefix, then the windows-gnu tests (~15 min).
    Windows,
    /// Host tests, doc tests included (~9 min).
    HostTests,
    /// The library's tests under wasmtime (~8 min).
    WasiTests,
    /// The [`GUESTS`], one at a time: each build overwrites the module (~4 min).
    WasiGuests,
    /// fmt, clippy and doc on the host (~2 min).
    HostLints,
    /// Clippy for a target that cannot run here (~2 min each).
    Clippy(String),
}

/// The targets the matrix knows, host first.
pub fn known_targets(host: &str) -> Vec<String> {
    let mut targets = vec![host.to_owned()];
    for t in [WASI, WINDOWS_GNU].into_iter().chain(MACOS) {
        if t != host {
            targets.push(t.to_owned());
        }
    }
    targets
}

/// Lists the cells for `selection`, in the order they run.
pub fn plan(ws: &Workspace, tools: &Tools, selection: &Selection) -> Vec<Cell> {
    let planner = Planner::new(ws, tools, selection);
    let mut cells = Vec::new();
    for target in known_targets(&ws.host) {
        if selection
            .targets
            .as_ref()
            .is_some_and(|ts| !ts.contains(&target))
        {
            continue;
        }
        if let Some(tiers) = &selection.tiers {
            planner.tiers(&target, tiers, &mut cells);
            continue;
        }
        match target.as_str() {
            t if t == ws.host => planner.host(&mut cells),
            WASI => planner.wasi(&mut cells),
            WINDOWS_GNU => planner.windows(&mut cells),
            t => planner.clippy_only(t, &mut cells),
        }
        if selection.companions || selection.feature_sets.is_none() {
            planner.companions(&target, &mut cells);
        }
        if selection.feature_sets.is_none() {
            let all: Vec<String> = tier_names().map(str::to_owned).collect();
            planner.tiers(&target, &all, &mut cells);
        }
    }
    cells
}

struct Planner<'a> {
    ws: &'a Workspace,
    tools: &'a Tools,
    sets: Vec<FeatureSet>,
    /// Packages that declare all of [`FEATURES`]: built with each feature set.
    /// Their features must mean the same as the library's (they forward them),
    /// so building them together leaves the library with exactly the set.
    matrixed: Vec<&'a Package>,
    /// The remaining packages: built once, with their default features.
    others: Vec<&'a Package>,
}

impl<'a> Planner<'a> {
    fn new(ws: &'a Workspace, tools: &'a Tools, selection: &Selection) -> Self {
        let (matrixed, others) = ws
            .members
            .iter()
            .filter(|p| !is_tier(&p.name))
            .partition(|p| p.name != XTASK && p.has_features(&FEATURES));
        let sets = selection
            .feature_sets
            .clone()
            .unwrap_or_else(|| FeatureSet::all().collect());
        Planner {
            ws,
            tools,
            sets,
            matrixed,
            others,
        }
    }

    fn names(packages: &[&Package]) -> Vec<String> {
        packages.iter().map(|p| p.name.clone()).collect()
    }

    /// Matrixed packages whose tests run on the target itself (the
    /// wasm-tests package is a guest plus host-side tests, run by its own cells).
    fn matrixed_tests(&self) -> Vec<String> {
        self.matrixed
            .iter()
            .filter(|p| p.name != WASM_TESTS)
            .map(|p| p.name.clone())
            .collect()
    }

    /// Other packages with tests to run on the target, besides the xtask
    /// and the reliability suite (its own host cell).
    fn other_tests(&self) -> Vec<String> {
        self.others
            .iter()
            .filter(|p| p.name != WASM_TESTS && p.name != XTASK && p.name != RELIABILITY)
            .map(|p| p.name.clone())
            .collect()
    }

    fn cell(&self, lane: Lane, target: &str, what: &str, steps: Vec<Step>) -> Cell {
        let slug: String = format!("{target}-{what}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        Cell {
            name: format!("{target} {what}"),
            lane,
            log: self
                .ws
                .matrix_dir()
                .join("logs")
                .join(format!("{slug}.log")),
            steps,
            skip: None,
            needs: None,
            scratch: None,
            prune_binaries: false,
        }
    }

    /// A cargo command for `target`, with the target dir and environment that
    /// target's builds always use.
    fn cargo(&self, target: &str, subcommand: &str) -> Cmd {
        let cmd = Cmd::new(&self.ws.cargo)
            .shown_as("cargo")
            .cwd(&self.ws.root)
            .label(subcommand)
            .arg(subcommand);
        if subcommand == "fmt" {
            return cmd;
        }
        // Line tables are enough for backtraces; full debug info and
        // incremental caches would take tens of GiB over all the feature sets.
        let cmd = cmd
            .arg("--target-dir")
            .arg(self.target_dir(target))
            .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
            .env("CARGO_INCREMENTAL", "0");
        if target == self.ws.host {
            // No `--target`: build scripts and proc macros are then shared
            // with the host's own artifacts instead of built twice.
            return cmd.env_remove("RUSTC_BOOTSTRAP");
        }
        let cmd = cmd.args(["--target", target]);
        if target == WASI {
            // cap-std uses the unstable `wasi_ext` library feature on WASI, which
            // stable rustc allows only with RUSTC_BOOTSTRAP=1. It is set for this
            // target's builds alone, in their own target dir: some build scripts
            // (proc-macro2's and thiserror's, for two) probe for nightly features
            // when it is set, and would rebuild on every switch between targets.
            return cmd.env("RUSTC_BOOTSTRAP", "1");
        }
        if MACOS.contains(&target) {
            // Build scripts that compile C for the target (criterion's `alloca`
            // dependency) get the host's C compiler, which rejects the Apple
            // flags `cc` adds by default. Clippy links nothing, so any object
            // file will do: leave those flags out.
            return cmd
                .env_remove("RUSTC_BOOTSTRAP")
                .env("CRATE_CC_NO_DEFAULTS", "1");
        }
        cmd.env_remove("RUSTC_BOOTSTRAP")
    }

    fn target_dir(&self, target: &str) -> PathBuf {
        self.ws.matrix_dir().join(target)
    }

    fn packages(cmd: Cmd, packages: &[String]) -> Cmd {
        packages.iter().fold(cmd, |cmd, p| cmd.args(["-p", p]))
    }

    /// Builds the test binaries (`--no-run`), then runs them: the log and the
    /// failure reason then tell a build failure from a test failure.
    fn test_steps(
        &self,
        target: &str,
        packages: &[String],
        extra: &[String],
        run: impl Fn(Cmd) -> Cmd,
    ) -> Vec<Step> {
        let test = || Self::packages(self.cargo(target, "test"), packages).args(extra);
        vec![
            Step::Run(test().arg("--no-run").label("build")),
            Step::Run(run(test().arg("--no-fail-fast").label("tests"))),
        ]
    }

    fn clippy_cell(&self, target: &str, what: &str, packages: &[String], extra: &[String]) -> Cell {
        let cmd = Self::packages(self.cargo(target, "clippy"), packages)
            .arg("--all-targets")
            .args(extra);
        let lane = if target == self.ws.host {
            Lane::HostLints
        } else {
            Lane::Clippy(target.to_owned())
        };
        let mut cell = self.cell(
            lane,
            target,
            what,
            vec![Step::Run(cmd.args(["--", "-D", "warnings"]))],
        );
        cell.skip = self.tools.clippy.clone().err();
        cell
    }

    /// Clippy under every feature set, plus the other packages once.
    fn clippy_cells(&self, target: &str, cells: &mut Vec<Cell>) {
        let matrixed = Self::names(&self.matrixed);
        for set in &self.sets {
            cells.push(self.clippy_cell(
                target,
                &format!("clippy {set}"),
                &matrixed,
                &set.cargo_args(),
            ));
        }
        let others = Self::names(&self.others);
        if !others.is_empty() {
            cells.push(self.clippy_cell(
                target,
                &format!("clippy {}", others.join(",")),
                &others,
                &[],
            ));
        }
    }

    /// The host: formatting, lints and docs once, then all tests (including doc tests).
    fn host(&self, cells: &mut Vec<Cell>) {
        let host = self.ws.host.as_str();
        let mut fmt = self.cell(
            Lane::HostLints,
            host,
            "fmt",
            vec![Step::Run(self.cargo(host, "fmt").args([
                "--all",
                "--check",
                "--",
                "--color=never",
            ]))],
        );
        fmt.skip = self.tools.rustfmt.clone().err();
        cells.push(fmt);

        self.clippy_cells(host, cells);

        let documented: Vec<String> = self
            .ws
            .members
            .iter()
            .filter(|p| p.name != XTASK && p.name != WASM_TESTS && !is_tier(&p.name))
            .map(|p| p.name.clone())
            .collect();
        // All features, so that every item is documented and intra-doc links to
        // feature-gated items resolve; warnings (broken links, say) fail the cell.
        let doc = Self::packages(self.cargo(host, "doc"), &documented)
            .args(["--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings");
        cells.push(self.cell(Lane::HostLints, host, "doc", vec![Step::Run(doc)]));

        let tested = self.matrixed_tests();
        for set in &self.sets {
            let mut cell = self.cell(
                Lane::HostTests,
                host,
                &format!("test {set}"),
                self.test_steps(host, &tested, &set.cargo_args(), |c| c),
            );
            cell.prune_binaries = true;
            cells.push(cell);
        }
        let mut others = vec![XTASK.to_owned()];
        others.extend(self.other_tests());
        cells.push(self.cell(
            Lane::HostTests,
            host,
            &format!("test {}", others.join(",")),
            self.test_steps(host, &others, &[], |c| c),
        ));

        // The reliability suite in its bounded default mode (~2 min; its
        // long mode, CAPCACHE_RELIABILITY=long, is for releases), with the
        // library's default features: it kills, limits and races processes,
        // so it runs on the host alone.
        if self.ws.package(RELIABILITY).is_some() {
            let suite = [RELIABILITY.to_owned()];
            cells.push(self.cell(
                Lane::HostTests,
                host,
                "reliability",
                self.test_steps(host, &suite, &[], |c| c.env_remove("CAPCACHE_RELIABILITY")),
            ));
        }
    }

    /// wasm32-wasip1: the library's unit and integration tests under wasmtime,
    /// then the [`GUESTS`] driven by their host-side tests.
    fn wasi(&self, cells: &mut Vec<Cell>) {
        for set in &self.sets {
            let mut cell = self.wasi_test_cell(LIBRARY, &set.cargo_args(), &format!("test {set}"));
            cell.prune_binaries = true;
            cells.push(cell);
        }
        let skip = self.wasi_skip();
        let wasmtime = self.wasmtime();
        for guest in &GUESTS {
            let Some(package) = self.ws.package(guest.package) else {
                continue;
            };
            if guest
                .test
                .is_some_and(|t| !package.tests.iter().any(|n| n == t))
            {
                continue;
            }
            let bin = package.bins.first().map_or(guest.package, String::as_str);
            let module = self
                .target_dir(WASI)
                .join(WASI)
                .join("debug")
                .join(format!("{bin}.wasm"));
            let sets: Vec<Option<FeatureSet>> =
                if self.matrixed.iter().any(|p| p.name == guest.package) {
                    self.sets.iter().copied().map(Some).collect()
                } else {
                    // The package does not forward the features: run it once, as it is.
                    vec![None]
                };
            for set in sets {
                let mut args = set.map(FeatureSet::cargo_args).unwrap_or_default();
                let build = self
                    .cargo(WASI, "build")
                    .args(["-p", guest.package])
                    .args(&args)
                    .label("guest build");
                if let Some(test) = guest.test {
                    args.extend(["--test".to_owned(), test.to_owned()]);
                }
                let drive = |cmd: Cmd| cmd.env(guest.env, &module).env("WASMTIME", &wasmtime);
                let mut steps = vec![Step::Run(build)];
                steps.extend(self.test_steps(
                    &self.ws.host,
                    &[guest.package.to_owned()],
                    &args,
                    drive,
                ));
                let what = set.map_or_else(
                    || guest.package.to_owned(),
                    |s| format!("{} {s}", guest.package),
                );
                let mut cell = self.cell(Lane::WasiGuests, WASI, &what, steps);
                cell.skip.clone_from(&skip);
                cells.push(cell);
            }
        }
    }

    /// Why nothing can run on wasm32-wasip1 here, if so.
    fn wasi_skip(&self) -> Option<String> {
        if !self.ws.has_target(WASI) {
            Some(format!("target not installed: rustup target add {WASI}"))
        } else {
            self.tools.wasmtime.clone().err()
        }
    }

    fn wasmtime(&self) -> PathBuf {
        self.tools
            .wasmtime
            .clone()
            .unwrap_or_else(|_| "wasmtime".into())
    }

    /// A cell that runs `package`'s unit and integration tests under wasmtime.
    /// Tests find their scratch space through CAPCACHE_TEST_TMP, a guest
    /// path; a fresh host dir under target/ is preopened there. Doc tests
    /// are left out: cargo cannot run them for wasm.
    fn wasi_test_cell(&self, package: &str, args: &[String], what: &str) -> Cell {
        let wasmtime = self.wasmtime();
        let tmp = self.target_dir(WASI).join("tmp");
        let guest_tmp = format!("{}::/tmp", tmp.display());
        let runner: [&OsStr; 6] = [
            wasmtime.as_ref(),
            "run".as_ref(),
            "--dir".as_ref(),
            guest_tmp.as_ref(),
            "--env".as_ref(),
            "CAPCACHE_TEST_TMP=/tmp".as_ref(),
        ];
        let mut args = args.to_vec();
        args.push("--tests".to_owned());
        let steps = self.test_steps(WASI, &[package.to_owned()], &args, |cmd| {
            with_runner(cmd, WASI, &runner)
        });
        let mut cell = self.cell(Lane::WasiTests, WASI, what, steps);
        cell.skip = self.wasi_skip();
        cell.scratch = Some(tmp);
        cell
    }

    /// x86_64-pc-windows-gnu: linked by mingw, run under wine in the matrix's
    /// own prefix. Doc tests are left out (cargo does not run them for
    /// cross targets).
    fn windows(&self, cells: &mut Vec<Cell>) {
        let skip = if !self.ws.has_target(WINDOWS_GNU) {
            Some(format!(
                "target not installed: rustup target add {WINDOWS_GNU}"
            ))
        } else {
            self.tools.wine.clone().err()
        };
        let prefix = self.ws.matrix_dir().join("wine");
        let prefix_index = cells.len();
        let setup = match &self.tools.wine {
            Ok(wine) => vec![Step::WinePrefix(wine.clone(), prefix.clone())],
            Err(_) => Vec::new(),
        };
        let mut cell = self.cell(Lane::Windows, WINDOWS_GNU, "wine prefix", setup);
        cell.skip.clone_from(&skip);
        cells.push(cell);

        let loader = self
            .tools
            .wine
            .as_ref()
            .map_or_else(|_| "wine".into(), |w| w.loader.clone());
        let under_wine = |cmd: Cmd| {
            wine::env(
                with_runner(cmd, WINDOWS_GNU, &[loader.as_os_str()]),
                &prefix,
            )
        };
        let mut add = |what: String, packages: &[String], args: Vec<String>| {
            let steps = self.test_steps(WINDOWS_GNU, packages, &args, under_wine);
            let mut cell = self.cell(Lane::Windows, WINDOWS_GNU, &what, steps);
            cell.skip.clone_from(&skip);
            cell.needs = Some(prefix_index);
            cell.scratch = Some(wine::temp_dir(&prefix));
            cell.prune_binaries = true;
            cells.push(cell);
        };
        let tested = self.matrixed_tests();
        for set in &self.sets {
            let mut args = set.cargo_args();
            args.push("--tests".to_owned());
            add(format!("test {set}"), &tested, args);
        }
        let others = self.other_tests();
        if !others.is_empty() {
            add(
                format!("test {}", others.join(",")),
                &others,
                vec!["--tests".to_owned()],
            );
        }
    }

    /// The [`COMPANIONS`] with the default features, for the library alone
    /// (no other package has them): clippy and all its tests on the host;
    /// clippy of the library and its tests for wasm32-wasip1, where tokio's
    /// traits build but no tokio runtime does (the tokio tests are native
    /// only). The other targets gain nothing these features change.
    fn companions(&self, target: &str, cells: &mut Vec<Cell>) {
        let what = format!("default,{}", COMPANIONS.join(","));
        let args = ["--features".to_owned(), COMPANIONS.join(",")];
        let library = [LIBRARY.to_owned()];
        if target == self.ws.host {
            cells.push(self.clippy_cell(target, &format!("clippy {what}"), &library, &args));
            let steps = self.test_steps(target, &library, &args, |c| c);
            let mut cell = self.cell(Lane::HostTests, target, &format!("test {what}"), steps);
            cell.prune_binaries = true;
            cells.push(cell);
        } else if target == WASI {
            cells.push(self.wasi_clippy_cell(&library, &args, &format!("clippy {what}")));
        }
    }

    /// Clippy of `packages`' libraries and tests for wasm32-wasip1; not
    /// `--all-targets`: the benches need criterion, a native-only dependency.
    fn wasi_clippy_cell(&self, packages: &[String], args: &[String], what: &str) -> Cell {
        let clippy = Self::packages(self.cargo(WASI, "clippy"), packages)
            .args(["--lib", "--tests"])
            .args(args)
            .args(["--", "-D", "warnings"]);
        let mut cell = self.cell(
            Lane::Clippy(WASI.to_owned()),
            WASI,
            what,
            vec![Step::Run(clippy)],
        );
        cell.skip = if self.ws.has_target(WASI) {
            self.tools.clippy.clone().err()
        } else {
            Some(format!("target not installed: rustup target add {WASI}"))
        };
        cell
    }

    /// The [`TIERS`] named in `names` that are in the workspace, each with
    /// all its features: on the host clippy, docs and tests; on
    /// wasm32-wasip1 its tests under wasmtime where it builds there;
    /// for windows-gnu a clippy (their tests need servers and runtimes wine
    /// adds nothing to). The macOS targets are left out: their C
    /// dependencies (ring) need an Apple toolchain even for clippy.
    fn tiers(&self, target: &str, names: &[String], cells: &mut Vec<Cell>) {
        let all = ["--all-features".to_owned()];
        for tier in TIERS
            .iter()
            .filter(|t| names.iter().any(|n| n == t.package))
        {
            if self.ws.package(tier.package).is_none() {
                continue;
            }
            let package = [tier.package.to_owned()];
            if target == self.ws.host {
                cells.push(self.clippy_cell(
                    target,
                    &format!("clippy {}", tier.package),
                    &package,
                    &all,
                ));
                let doc = Self::packages(self.cargo(target, "doc"), &package)
                    .args(["--no-deps", "--all-features"])
                    .env("RUSTDOCFLAGS", "-D warnings");
                cells.push(self.cell(
                    Lane::HostLints,
                    target,
                    &format!("doc {}", tier.package),
                    vec![Step::Run(doc)],
                ));
                let s3s = self.tools.s3s_fs.as_ref().ok().filter(|_| tier.s3);
                let steps = self.test_steps(target, &package, &all, |c| match s3s {
                    Some(path) => c.env("CAPCACHE_S3S_FS", path),
                    None => c,
                });
                let mut cell = self.cell(
                    Lane::HostTests,
                    target,
                    &format!("test {}", tier.package),
                    steps,
                );
                if tier.s3 {
                    cell.skip = self.tools.s3s_fs.clone().err();
                }
                cell.prune_binaries = true;
                cells.push(cell);
            } else if target == WASI && tier.wasi == TierWasi::Test {
                let what = format!("test {}", tier.package);
                cells.push(self.wasi_test_cell(tier.package, &[], &what));
            } else if target == WINDOWS_GNU {
                cells.push(self.clippy_cell(
                    target,
                    &format!("clippy {}", tier.package),
                    &package,
                    &all,
                ));
            }
        }
    }

    /// macOS targets from another host: nothing can be linked, so clippy it is.
    fn clippy_only(&self, target: &str, cells: &mut Vec<Cell>) {
        let first = cells.len();
        self.clippy_cells(target, cells);
        if !self.ws.has_target(target) {
            for cell in &mut cells[first..] {
                cell.skip = Some(format!("target not installed: rustup target add {target}"));
            }
        }
    }
}

/// Overrides the `.cargo/config.toml` runner for `target` for one cargo run.
/// Since cargo 1.86, a runner list given with `--config` replaces the config
/// file's instead of being appended to it (rust-lang/cargo#15066); unlike the
/// `CARGO_TARGET_<TRIPLE>_RUNNER` variable, it allows spaces in paths.
fn with_runner(cmd: Cmd, target: &str, runner: &[&OsStr]) -> Cmd {
    cmd.arg("--config")
        .arg(format!("target.{target}.runner={}", toml_array(runner)))
}

/// A TOML array of strings, for `cargo --config`.
fn toml_array(items: &[&OsStr]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| {
            let mut out = String::from('"');
            for c in item.to_string_lossy().chars() {
                match c {
                    '"' | '\\' => out.extend(['\\', c]),
                    c if c.is_control() => out += &format!("\\u{:04X}", c as u32),
                    c => out.push(c),
                }
            }
            out + "\""
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// A step as `--list` shows it.
pub fn describe(ws: &Workspace, step: &Step) -> String {
    match step {
        Step::Run(cmd) => cmd.to_string(),
        Step::WinePrefix(_, dir) => {
            format!("(create or check the wine prefix {})", ws.display(dir))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_arrays_quote_paths() {
        let a = toml_array(&[r"C:\wasmtime.exe".as_ref(), "say \"hi\"\n".as_ref()]);
        assert_eq!(a, r#"["C:\\wasmtime.exe", "say \"hi\"\u000A"]"#);
    }
}
