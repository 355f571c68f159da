//! The guest: run by wasmtime as `wasm-tests.wasm <mode> [root]` with the
//! cache directory preopened as `/cache` (the default root). It also runs
//! natively with a root path, which is how the host compares behaviour.
//!
//! Modes print libtest's format (`test <name> ... ok`, `test result: …`)
//! and exit non-zero when a test fails.

use std::path::PathBuf;
use std::process::ExitCode;

use wasm_tests::{bench, cross, harness, hostile, suite};

const USAGE: &str = "usage: wasm-tests <run-all|hostile|write-cross|read-cross|bench> [root]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    println!("guest features: {}", wasm_tests::features());
    let root = PathBuf::from(args.get(1).map_or("/cache", String::as_str));
    let summary = match mode.as_str() {
        "run-all" => suite::run(&root),
        "hostile" => hostile::run(&root),
        "write-cross" => cross::run_write(&root),
        "read-cross" => cross::run_read(&root),
        "bench" => return bench::main(&root, &args[2..]),
        _ => {
            eprintln!("unknown mode {mode:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    report(summary)
}

/// Prints the summary and turns it into the exit status.
fn report(summary: harness::Summary) -> ExitCode {
    summary.print_report();
    if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
