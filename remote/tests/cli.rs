//! The `capcache-remote` tool against the fs service: push from one cache,
//! stat, pull into another, gc.
#![cfg(all(feature = "cli", feature = "fs"))]

use std::path::Path;
use std::process::{Command, Output};

use capcache_test_support::fs::only_content_file;

fn tool(cache: &Path, store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capcache-remote"))
        .arg("--cache")
        .arg(cache)
        .args(["--scheme", "fs", "-o"])
        .arg(format!("root={}", store.display()))
        .args(args)
        .env_remove("CAPCACHE_DIR")
        .env_remove("CAPCACHE_REMOTE_SCHEME")
        .output()
        .expect("run capcache-remote")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn push_stat_pull_and_gc_through_the_tool() {
    let (a, b, store) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    capcache::write_sync(a.path(), "one", b"1").unwrap();
    capcache::write_sync(a.path(), "two", b"22").unwrap();

    let push = stdout(&tool(a.path(), store.path(), &["push"]));
    assert_eq!(push.trim(), "uploaded 2, up to date 0, failed 0");

    let stat = stdout(&tool(a.path(), store.path(), &["stat"]));
    assert!(stat.contains("keys                 2"), "{stat}");
    assert!(stat.contains("content bytes        3"), "{stat}");

    let pull = stdout(&tool(b.path(), store.path(), &["pull"]));
    assert_eq!(
        pull.trim(),
        "pulled 2, up to date 0, removed remotely 0, failed 0"
    );
    assert_eq!(capcache::read_sync(b.path(), "two").unwrap(), b"22");

    let gc = stdout(&tool(
        b.path(),
        store.path(),
        &["gc", "--max-size", "0", "--grace", "0s"],
    ));
    assert_eq!(
        gc.trim(),
        "evicted 2, dangling 0, index objects deleted 2, content objects deleted 2 (3 bytes)"
    );
}

#[test]
fn a_pull_that_meets_damaged_content_fails_with_status_1() {
    let (a, b, store) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    capcache::write_sync(a.path(), "k", b"value").unwrap();
    stdout(&tool(a.path(), store.path(), &["push"]));
    std::fs::write(only_content_file(store.path()), b"VALUE").unwrap();
    let out = tool(b.path(), store.path(), &["pull"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed verification"), "{stderr}");
    assert!(capcache::metadata_sync(b.path(), "k").unwrap().is_none());
}

#[test]
fn an_unknown_scheme_is_reported() {
    let a = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capcache-remote"))
        .arg("--cache")
        .arg(a.path())
        .args(["--scheme", "nosuch", "stat"])
        .env_remove("CAPCACHE_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid remote configuration"));
}
