//! The tool built for `wasm32-wasip1`, run under wasmtime with only the
//! cache directory preopened, sharing the cache with the native build.
//!
//! Needs the module built first and named by `CAPCACHE_CLI_WASM` (a path
//! absolute or relative to the workspace root):
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo build -p capcache-cli --target wasm32-wasip1
//! CAPCACHE_CLI_WASM=target/wasm32-wasip1/debug/capcache.wasm \
//!     cargo test -p capcache-cli --test wasm
//! ```
//!
//! Without the variable the test prints `SKIPPED: CAPCACHE_CLI_WASM not set`
//! on stderr and returns (libtest then counts it as passed: look for that
//! line). With it set, a missing wasmtime (`WASMTIME`, else `wasmtime` on
//! PATH) is a failure.

// These tests spawn the native binary (and npm, wasmtime): nothing to run
// when the test crate itself is built for wasm.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::Run;

/// The module and the wasmtime to run it with, or `None` to skip.
fn setup() -> Option<(PathBuf, PathBuf)> {
    let Some(module) = std::env::var_os("CAPCACHE_CLI_WASM") else {
        // Uncaptured stderr: a skip must show in a plain `cargo test`.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: CAPCACHE_CLI_WASM not set (see cli/tests/wasm.rs)"
        );
        return None;
    };
    // Relative to the workspace root, where the build command puts it.
    let module = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(module);
    assert!(module.is_file(), "no module at {}", module.display());
    let wasmtime = capcache_test_support::env::wasmtime();
    let works = Command::new(&wasmtime)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        works,
        "CAPCACHE_CLI_WASM is set but {} does not run",
        wasmtime.display()
    );
    Some((module, wasmtime))
}

/// `wasmtime run --dir CACHE::/cache [--dir OUT::/out] MODULE ARGS...`.
fn wasm(
    (module, wasmtime): &(PathBuf, PathBuf),
    cache: &Path,
    out: Option<&Path>,
    args: &[&str],
    stdin: &[u8],
) -> Run {
    let mut cmd = Command::new(wasmtime);
    cmd.arg("run")
        .arg("--dir")
        .arg(format!("{}::/cache", cache.display()));
    if let Some(out) = out {
        cmd.arg("--dir").arg(format!("{}::/out", out.display()));
    }
    cmd.arg(module)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn wasmtime");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_wasi_build_works_on_a_preopened_cache() {
    let Some(tools) = setup() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    cmd!("put", "-C", &cache, "native-key")
        .stdin(&b"from the native build"[..])
        .run()
        .ok();

    // The command from the README: list the cache given as DIR.
    let run = wasm(&tools, &cache, None, &["ls", "/cache"], b"");
    run.ok();
    assert!(
        run.stdout_str().starts_with("native-key\t21\t"),
        "{}",
        run.stdout_str()
    );

    // Written under WASI, read natively, and the other way round.
    let run = wasm(
        &tools,
        &cache,
        None,
        &["put", "-C", "/cache", "wasm-key"],
        b"from wasm",
    );
    run.ok();
    assert!(run.stdout_str().starts_with("sha512-"));
    let native = cmd!("get", "-C", &cache, "wasm-key").run();
    native.ok();
    assert_eq!(native.stdout, b"from wasm");
    let run = wasm(
        &tools,
        &cache,
        None,
        &["get", "-C", "/cache", "native-key"],
        b"",
    );
    run.ok();
    assert_eq!(run.stdout, b"from the native build");

    // To a file in a second preopened directory.
    let run = wasm(
        &tools,
        &cache,
        Some(&out),
        &["get", "-C", "/cache", "wasm-key", "-o", "/out/copy"],
        b"",
    );
    run.ok();
    assert_eq!(std::fs::read(out.join("copy")).unwrap(), b"from wasm");

    let run = wasm(&tools, &cache, None, &["info", "--json", "/cache"], b"");
    run.ok();
    let info: serde_json::Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(info["index_format"], "npm");
    assert_eq!(info["entries"], 2);
    wasm(&tools, &cache, None, &["verify", "/cache"], b"").ok();
    wasm(
        &tools,
        &cache,
        None,
        &["gc", "/cache", "--max-age", "30d"],
        b"",
    )
    .ok();

    // Exit statuses pass through wasmtime.
    wasm(
        &tools,
        &cache,
        None,
        &["get", "-C", "/cache", "missing"],
        b"",
    )
    .expect_code(3);
    wasm(
        &tools,
        &cache,
        None,
        &["gc", "/cache", "--max-size", "1X"],
        b"",
    )
    .expect_code(2);

    // Nothing outside the preopen is reachable.
    let run = wasm(&tools, &cache, None, &["ls", "/cache/.."], b"");
    run.expect_code(1);
    let run = wasm(
        &tools,
        &cache,
        None,
        &["put", "-C", "/cache", "k", "/etc/passwd"],
        b"",
    );
    run.expect_code(1);
    assert!(
        run.stderr.starts_with("capcache: opening /etc/passwd"),
        "{}",
        run.stderr
    );
}
