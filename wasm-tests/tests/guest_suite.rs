//! The sandbox suite (`wasm_tests::suite`) under wasmtime and natively.
// Host side: these tests start wasmtime, so they are not built for wasm.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::Guest;
use wasm_tests::suite;

/// The sandbox suite passes in a WASI guest that holds only `/cache`.
#[test]
fn api_suite_under_wasmtime() {
    let Some(guest) = Guest::from_env("api_suite_under_wasmtime") else {
        return;
    };
    let preopen = tempfile::tempdir().expect("tempdir");
    let run = guest.run(preopen.path(), &["run-all"]);
    let shared: Vec<&str> = suite::tests()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| !suite::NATIVE_ONLY.contains(name))
        .collect();
    run.assert_passed(shared.len());
    let names: Vec<String> = run.tests().into_iter().map(|(name, _)| name).collect();
    for name in shared {
        assert!(
            names.iter().any(|n| n == name),
            "guest did not run {name}\n{}",
            run.relay()
        );
    }
}

/// The same suite natively, as the baseline the guest is compared with.
#[test]
fn api_suite_natively() {
    let root = tempfile::tempdir().expect("tempdir");
    let summary = suite::run(root.path());
    assert!(summary.ok(), "native suite failed: {:#?}", summary.failed);
}
