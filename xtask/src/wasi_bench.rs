//! `cargo xtask wasi-bench`: the WASI bench in one command. Builds the
//! release guest (`wasm-tests` for wasm32-wasip1, in the matrix's target dir
//! for that target, so a matrix run and this share its build) and runs the
//! native driver, `wasm-tests/examples/bench.rs`, against it under
//! wasmtime. Both sides work under `TMPDIR`, which defaults here to
//! `/dev/shm` where it exists, so that the disk's drift stays out of the
//! ratio (the driver's doc says why).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode};

use crate::tools;
use crate::workspace::Workspace;

pub const USAGE: &str = "\
Usage: cargo xtask wasi-bench [SMALL [BIG_MIB [RUNS [KEPT]]]]

Times the WASI bench's workloads natively and in the guest under wasmtime
(best of RUNS, default 3) and prints each guest/native ratio: SMALL small
values (default 1000), one value of BIG_MIB MiB (default 64), KEPT shard
directories kept open (default: each side's own).";

const WASI: &str = "wasm32-wasip1";

pub fn run(ws: &Workspace, args: &[String]) -> ExitCode {
    if let Some(bad) = args.iter().find(|a| a.parse::<usize>().is_err()) {
        eprintln!("error: {bad:?} is not a number\n\n{USAGE}");
        return ExitCode::from(2);
    }
    if !ws.has_target(WASI) {
        eprintln!("error: the {WASI} standard library is missing: rustup target add {WASI}");
        return ExitCode::FAILURE;
    }
    let wasmtime = match tools::find_wasmtime() {
        Ok(path) => path,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let target_dir = ws.matrix_dir().join(WASI);
    // cap-std uses the unstable `wasi_ext` library feature on WASI, which
    // stable rustc allows only with RUSTC_BOOTSTRAP=1 (as in the matrix).
    let guest = Command::new(&ws.cargo)
        .args([
            "build",
            "-p",
            "wasm-tests",
            "--release",
            "--no-default-features",
        ])
        .args(["--target", WASI, "--target-dir"])
        .arg(&target_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(&ws.root)
        .status();
    if !guest.is_ok_and(|s| s.success()) {
        eprintln!("error: building the guest failed");
        return ExitCode::FAILURE;
    }
    let wasm = target_dir
        .join(WASI)
        .join("release")
        .join("wasm-tests.wasm");
    let mut driver = Command::new(&ws.cargo);
    driver
        .args([
            "run",
            "-p",
            "wasm-tests",
            "--release",
            "--no-default-features",
        ])
        .args(["--example", "bench", "--"])
        .args(args)
        .env("CAPCACHE_WASM_GUEST", &wasm)
        .env("WASMTIME", &wasmtime)
        .env_remove("RUSTC_BOOTSTRAP")
        .current_dir(&ws.root);
    if let Some(tmp) = default_tmpdir() {
        driver.env("TMPDIR", tmp);
    }
    match driver.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

/// `/dev/shm` unless `TMPDIR` is set or there is no such directory.
fn default_tmpdir() -> Option<OsString> {
    let shm = Path::new("/dev/shm");
    (std::env::var_os("TMPDIR").is_none() && shm.is_dir()).then(|| shm.into())
}
