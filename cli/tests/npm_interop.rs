//! The tool and npm share caches both ways, on a cache that npm itself
//! filled.
//!
//! npm writes (`npm pack` + `npm cache add` of local tarballs) and capcache
//! lists, reads and verifies; capcache writes and npm verifies and lists the
//! cache, and npm's own bundled `cacache` library reads capcache's entry.
//!
//! Offline by construction: the packages are local tarballs, every npm call
//! gets `--offline`, and the registry points at a closed local port, so a
//! network access would fail instead of passing unnoticed.
//!
//! # When npm is missing
//!
//! A missing npm must never look like a pass. Without `node`/`npm` on PATH
//! the test fails if `CI` is set (CI is expected to install Node.js), and
//! otherwise prints `SKIPPED: npm not found` on stderr (uncaptured, so it
//! shows in a plain `cargo test`) and returns: libtest has no "skipped"
//! outcome and still counts it as passed, so look for that line (or run
//! with `CI=1`) before concluding that interop was checked.

// These tests spawn the native binary (and npm, wasmtime): nothing to run
// when the test crate itself is built for wasm.
// Not on Windows: the matrix runs Windows tests under wine, where node
// cannot be started; the Linux and macOS runs cover npm interop.
#![cfg(not(any(target_family = "wasm", windows)))]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn npm_program() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

/// Whether node and npm can run; see the module docs for what happens if not.
fn npm_or_skip() -> bool {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs("node") && runs(npm_program()) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "node/npm not found on PATH, and CI is set: install Node.js with npm \
             (e.g. actions/setup-node) so the npm interop test runs"
        );
    }
    // Written to the stderr handle, not with eprintln!: the test harness
    // captures the print macros (shown only on failure), and a skip must be
    // visible in a normal `cargo test` run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: npm not found (install Node.js with npm to run the npm interop test)"
    );
    false
}

/// An npm invocation isolated from the user's configuration and the network.
fn npm(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(npm_program());
    cmd.args(args)
        .current_dir(cwd)
        .env("npm_config_userconfig", cwd.join("empty-npmrc"))
        .env("npm_config_registry", "http://127.0.0.1:9/")
        .env("npm_config_offline", "true")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_loglevel", "error");
    cmd
}

#[track_caller]
fn check(what: &str, out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A packed local package: its tarball and the integrity npm computed.
struct Tarball {
    file: PathBuf,
    integrity: String,
}

/// Makes a tiny package under `work` and packs it with `npm pack`.
fn pack(work: &Path, name: &str) -> Tarball {
    let dir = work.join("src").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = serde_json::json!({
        "name": format!("capcache-test-{name}"),
        "version": "1.0.0",
        "main": "index.js",
        "license": "MIT",
    });
    std::fs::write(dir.join("package.json"), manifest.to_string()).unwrap();
    std::fs::write(
        dir.join("index.js"),
        format!("module.exports = {name:?};\n"),
    )
    .unwrap();
    let dest = work.to_str().unwrap();
    let out = npm(&dir, &["pack", "--json", "--pack-destination", dest])
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&check("npm pack", out)).unwrap();
    Tarball {
        file: work.join(report[0]["filename"].as_str().unwrap()),
        integrity: report[0]["integrity"].as_str().unwrap().to_owned(),
    }
}

/// Reads `key` with npm's own cacache (the copy bundled with npm): the hex
/// of the data, and the entry's metadata.
fn read_with_npm_cacache(work: &Path, cache: &Path, key: &str) -> (String, Value) {
    let root = check("npm root -g", npm(work, &["root", "-g"]).output().unwrap());
    let cacache = Path::new(root.trim()).join("npm/node_modules/cacache");
    assert!(
        cacache.join("package.json").is_file(),
        "npm's bundled cacache not found at {}",
        cacache.display()
    );
    let script = "const [lib, dir, key] = process.argv.slice(1);\
        require(lib).get(dir, key).then(r => process.stdout.write(JSON.stringify(\
        {hex: r.data.toString('hex'), metadata: r.metadata ?? null})))";
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&cacache)
        .arg(cache)
        .arg(key)
        .output()
        .unwrap();
    let result: Value = serde_json::from_str(&check("node cacache.get", out)).unwrap();
    (
        result["hex"].as_str().unwrap().to_owned(),
        result["metadata"].clone(),
    )
}

#[test]
fn npm_and_capcache_share_a_cache_both_ways() {
    if !npm_or_skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    std::fs::write(work.join("empty-npmrc"), "").unwrap();
    let tarballs: Vec<Tarball> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|name| pack(work, name))
        .collect();

    // npm fills the cache. `--cache C` puts cacache's directory at C/_cacache.
    let npm_cache = work.join("npm-cache");
    let mut add = npm(work, &["cache", "add", "--cache"]);
    add.arg(&npm_cache);
    for t in &tarballs {
        add.arg(t.file.file_name().unwrap());
    }
    check("npm cache add", add.output().unwrap());
    let dir = npm_cache.join("_cacache");

    // capcache lists npm's entries: `pacote:tarball:file:<spec>` keys (a
    // registry download would add `make-fetch-happen:request-cache:<url>`
    // ones, which need the network).
    let run = cmd!("ls", "--json", &dir).run();
    run.ok();
    let entries: Vec<Value> = run
        .stdout_str()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 3, "{}", run.stdout_str());
    for t in &tarballs {
        let name = t.file.file_name().unwrap().to_str().unwrap();
        let entry = entries
            .iter()
            .find(|e| e["key"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no entry for {name} in {entries:?}"));
        let key = entry["key"].as_str().unwrap();
        assert!(key.starts_with("pacote:tarball:file:"), "{key}");
        assert_eq!(entry["integrity"], t.integrity.as_str());
        let bytes = std::fs::read(&t.file).unwrap();
        assert_eq!(entry["size"], bytes.len());

        // capcache reads the tarball npm stored, by key and by integrity.
        let run = cmd!("get", "-C", &dir, key).run();
        run.ok();
        assert!(run.stdout == bytes, "{key}: not the tarball's bytes");
        let run = cmd!("get", "-C", &dir, "--hash", &t.integrity).run();
        run.ok();
        assert!(
            run.stdout == bytes,
            "{key} by hash: not the tarball's bytes"
        );
    }
    let run = cmd!("info", "--json", &dir).run();
    run.ok();
    let info: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(info["index_format"], "npm");
    assert_eq!(info["entries"], 3);

    let run = cmd!("verify", "--json", &dir).run();
    run.ok();
    let stats: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(stats["content_verified"], 3, "{stats}");
    assert_eq!(stats["corrupt_content"], 0, "{stats}");
    assert_eq!(stats["entries_kept"], 3, "{stats}");

    // capcache writes; npm verifies, lists and reads.
    let payload: Vec<u8> = (0..=255u8).chain(*b"written by capcache").collect();
    let key = "capcache-test:written-by-capcache";
    cmd!(
        "put",
        "-C",
        &dir,
        key,
        "--metadata",
        r#"{"from":"capcache"}"#
    )
    .stdin(payload.clone())
    .run()
    .ok();

    let mut verify = npm(work, &["cache", "verify", "--cache"]);
    verify.arg(&npm_cache);
    let report = check("npm cache verify", verify.output().unwrap());
    assert!(report.contains("Content verified: 4"), "{report}");
    assert!(report.contains("Index entries: 4"), "{report}");
    assert!(!report.contains("Corrupted content"), "{report}");
    assert!(!report.contains("Missing content"), "{report}");

    let mut ls = npm(work, &["cache", "ls", "--cache"]);
    ls.arg(&npm_cache);
    let listed = check("npm cache ls", ls.output().unwrap());
    let listed: Vec<&str> = listed.lines().collect();
    for entry in &entries {
        assert!(
            listed.contains(&entry["key"].as_str().unwrap()),
            "{listed:?}"
        );
    }
    assert!(listed.contains(&key), "{listed:?}");

    let (hex, metadata) = read_with_npm_cacache(work, &dir, key);
    assert_eq!(hex, hex::encode(&payload));
    assert_eq!(metadata, serde_json::json!({"from": "capcache"}));

    // And capcache still reads everything after npm's verify rewrote the index.
    let run = cmd!("ls", &dir).run();
    run.ok();
    assert_eq!(run.stdout_str().lines().count(), 4);
    let run = cmd!("get", "-C", &dir, key).run();
    run.ok();
    assert!(run.stdout == payload);
}
