//! Caches cross the sandbox boundary intact, in both index formats.
// Host side: these tests start wasmtime, so they are not built for wasm.
#![cfg(not(target_family = "wasm"))]

mod common;

use common::Guest;
use wasm_tests::cross;

/// A cache written inside wasmtime is read and verified natively through a
/// capability-only handle: every entry, every field, no corrupt content.
#[test]
fn guest_written_caches_read_natively() {
    let Some(guest) = Guest::from_env("guest_written_caches_read_natively") else {
        return;
    };
    let preopen = tempfile::tempdir().expect("tempdir");
    guest.run(preopen.path(), &["write-cross"]).assert_passed(2);
    if let Err(failure) = cross::check_capability_only(preopen.path()) {
        panic!("native read of the guest's caches: {failure}");
    }
}

/// A cache written natively is read and verified inside wasmtime.
#[test]
fn native_written_caches_read_in_guest() {
    let Some(guest) = Guest::from_env("native_written_caches_read_in_guest") else {
        return;
    };
    let preopen = tempfile::tempdir().expect("tempdir");
    let written = cross::run_write(preopen.path());
    assert!(written.ok(), "native write: {:#?}", written.failed);
    guest.run(preopen.path(), &["read-cross"]).assert_passed(2);
}

/// Native write, native read: the data set and its checks on their own.
#[test]
fn native_round_trip() {
    let root = tempfile::tempdir().expect("tempdir");
    let written = cross::run_write(root.path());
    assert!(written.ok(), "write: {:#?}", written.failed);
    let read = cross::run_read(root.path());
    assert!(read.ok(), "read: {:#?}", read.failed);
}
