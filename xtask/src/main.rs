//! Project automation, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`). Plain Rust with no dependencies, because CI builds it
//! on every run.
//!
//! `test-matrix` tests the crate under every combination of its optional
//! features, on the host and on the other targets this machine can reach:
//! wasm32-wasip1 under wasmtime, x86_64-pc-windows-gnu under wine, and the
//! macOS targets through clippy.
//!
//! `wasi-bench` builds the WASI bench's guest and runs it beside the native
//! side (see `wasi_bench.rs`).

mod cmd;
mod disk;
mod features;
mod json;
mod matrix;
mod report;
mod runner;
mod tools;
mod wasi_bench;
mod wine;
mod workspace;

use std::process::ExitCode;
use std::time::Instant;

use features::FeatureSet;
use matrix::Selection;
use tools::Tools;
use workspace::Workspace;

const USAGE: &str = "\
Usage: cargo xtask test-matrix [--strict] [--target T]... [--features SET]... [--crate C]... [--jobs N] [--list]

Runs the test matrix: formatting, clippy, docs and tests on the host; tests on
wasm32-wasip1 (wasmtime) and x86_64-pc-windows-gnu (wine); clippy for the macOS
targets. Every feature set is built with --no-default-features.

Options:
  --target T      Only the cells of target T (repeatable): `host` (the host triple;
                  its cells include fmt, clippy and doc), wasm32-wasip1,
                  x86_64-pc-windows-gnu, x86_64-apple-darwin, aarch64-apple-darwin.
  --features SET  Only feature set SET (repeatable), e.g. `async,mmap`; `none` or an
                  empty string is the empty set. Default: all 8 subsets of
                  async, mmap and link_to. `tokio,miette` selects the cells of
                  those two features instead (with the default features: host
                  clippy and tests, a wasm32-wasip1 clippy); a full run has them.
  --crate C       Only the cells of workspace crate C (repeatable), one of the
                  crates with heavy dependency trees that get their own cells
                  instead of one per feature set: capcache-http, capcache-remote.
                  A full run has them.
  --jobs N        Run up to N lanes of cells at once (default: 2, or 1 on a single core).
  --strict        Fail when any cell is skipped (for CI, where every tool is installed).
  --list          Print the cells and their commands instead of running them.

Logs go to target/matrix/logs/. The last line of output is
`N passed, N failed, N skipped` (cells).";

#[derive(Debug)]
struct Options {
    selection: Selection,
    strict: bool,
    list: bool,
    jobs: usize,
}

impl Default for Options {
    fn default() -> Options {
        // Two lanes keep two cores busy while tests run single-threaded;
        // more mostly makes concurrent builds fight over the same cores.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Options {
            selection: Selection::default(),
            strict: false,
            list: false,
            jobs: cores.min(2),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    match command {
        Some("test-matrix" | "wasi-bench") => {}
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}\n\n{}", wasi_bench::USAGE);
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}\n\n{}", wasi_bench::USAGE);
            return ExitCode::from(2);
        }
    }
    let ws = match Workspace::load() {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if command == Some("wasi-bench") {
        return wasi_bench::run(&ws, &args[1..]);
    }
    let options = match parse_options(&args[1..], &ws.host) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    test_matrix(&ws, &options)
}

/// Parses the options after `test-matrix`; `None` when help was asked for.
fn parse_options(args: &[String], host: &str) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag {
            "--strict" => options.strict = true,
            "--list" => options.list = true,
            "-h" | "--help" => return Ok(None),
            "--target" => {
                let target = value()?;
                let target = if target == "host" {
                    host.to_owned()
                } else {
                    target
                };
                let known = matrix::known_targets(host);
                if !known.contains(&target) {
                    return Err(format!(
                        "unknown target `{target}` (known: host, {})",
                        known.join(", ")
                    ));
                }
                options
                    .selection
                    .targets
                    .get_or_insert_with(Vec::new)
                    .push(target);
            }
            "-j" | "--jobs" => {
                let jobs = value()?;
                options.jobs = jobs
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(format!("--jobs {jobs}: expected a positive number"))?;
            }
            "--crate" => {
                let name = value()?;
                if !matrix::tier_names().any(|t| t == name) {
                    let known: Vec<&str> = matrix::tier_names().collect();
                    return Err(format!(
                        "`--crate {name}`: not a crate with cells of its own (known: {})",
                        known.join(", ")
                    ));
                }
                options
                    .selection
                    .tiers
                    .get_or_insert_with(Vec::new)
                    .push(name);
            }
            "--features" => {
                let text = value()?;
                let sets = options.selection.feature_sets.get_or_insert_with(Vec::new);
                if features::names_companions(&text) {
                    options.selection.companions = true;
                    continue;
                }
                let set = FeatureSet::parse(&text)?;
                if !sets.contains(&set) {
                    sets.push(set);
                }
            }
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok(Some(options))
}

fn test_matrix(ws: &Workspace, options: &Options) -> ExitCode {
    let tools = Tools::discover(ws);
    let cells = matrix::plan(ws, &tools, &options.selection);

    if options.list {
        for cell in &cells {
            match &cell.skip {
                Some(reason) => println!("{}  (skipped: {reason})", cell.name),
                None => println!("{}", cell.name),
            }
            if let Some(dir) = &cell.scratch {
                println!("    (empty {} before and after)", ws.display(dir));
            }
            for step in &cell.steps {
                println!("    {}", matrix::describe(ws, step));
            }
        }
        println!("{} cells", cells.len());
        return ExitCode::SUCCESS;
    }

    println!(
        "{} cells for host {}, up to {} lanes at a time; logs in {}",
        cells.len(),
        ws.host,
        options.jobs,
        ws.display(&ws.matrix_dir().join("logs"))
    );
    print_free_space(ws);
    let start = Instant::now();
    let outcomes = runner::run(ws, &cells, options.jobs);
    print_free_space(ws);
    let (failed, skipped) = report::print(&outcomes, start.elapsed(), options.strict);
    if failed > 0 || (options.strict && skipped > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The tests write GiB-sized values and each target's builds take a few GiB:
/// say how much room there is, so that a full disk is easy to tell.
fn print_free_space(ws: &Workspace) {
    if let Some(free) = disk::free_bytes(&ws.root) {
        println!("free disk space: {}", disk::gib(free));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        parse_options(&args, "x86_64-unknown-linux-gnu")
    }

    #[test]
    fn parses_repeated_and_inline_values() {
        let o = parse(&[
            "--strict",
            "--target",
            "host",
            "--target=wasm32-wasip1",
            "--features",
            "",
            "--features=mmap",
        ])
        .unwrap()
        .unwrap();
        assert!(o.strict && !o.list);
        assert_eq!(
            o.selection.targets.unwrap(),
            ["x86_64-unknown-linux-gnu", "wasm32-wasip1"]
        );
        let sets: Vec<String> = o
            .selection
            .feature_sets
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(sets, ["none", "mmap"]);
    }

    #[test]
    fn crates_select_only_their_cells() {
        let o = parse(&["--crate", "capcache-http", "--crate=capcache-remote"])
            .unwrap()
            .unwrap();
        assert_eq!(
            o.selection.tiers.unwrap(),
            ["capcache-http", "capcache-remote"]
        );
        let err = parse(&["--crate", "capcache"]).unwrap_err();
        assert!(err.contains("not a crate with cells of its own"), "{err}");
    }

    #[test]
    fn companions_select_their_cells_instead_of_every_set() {
        let o = parse(&["--features", "tokio,miette"]).unwrap().unwrap();
        assert!(o.selection.companions);
        assert_eq!(o.selection.feature_sets.unwrap(), []);
        let o = parse(&["--features=async"]).unwrap().unwrap();
        assert!(!o.selection.companions);
        assert!(!Options::default().selection.companions);
    }

    #[test]
    fn rejects_unknown_input() {
        assert!(parse(&["--target", "mips-unknown-none"]).is_err());
        assert!(parse(&["--features", "tokio"]).is_err());
        assert!(parse(&["--target"]).is_err());
        assert!(parse(&["--fast"]).is_err());
        assert!(parse(&["--jobs", "0"]).is_err());
        assert_eq!(parse(&["-j", "3"]).unwrap().unwrap().jobs, 3);
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}
