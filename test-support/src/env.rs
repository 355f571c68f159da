//! The test process's surroundings: temp dirs (also under WASI), the
//! clock, and the wasmtime that runs WASI guests.

use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

/// A new temporary directory, natively and under WASI.
///
/// Under WASI `tempfile::tempdir()` fails (there is no temp dir), so there
/// the directory is made under `$CAPCACHE_TEST_TMP` (default `/tmp`), which
/// the runner must preopen (`wasmtime run --dir <host>::/tmp --env
/// CAPCACHE_TEST_TMP=/tmp`).
///
/// # Errors
///
/// The I/O error of creating the directory.
pub fn try_tempdir() -> io::Result<TempDir> {
    #[cfg(not(target_family = "wasm"))]
    {
        tempfile::tempdir()
    }
    #[cfg(target_family = "wasm")]
    {
        let base = std::env::var("CAPCACHE_TEST_TMP").unwrap_or_else(|_| "/tmp".into());
        tempfile::Builder::new().tempdir_in(base)
    }
}

/// [`try_tempdir`] for a test: panics (failing the test) if the directory
/// cannot be made. Keep the `TempDir` alive for as long as the test uses it.
#[track_caller]
pub fn tempdir() -> TempDir {
    try_tempdir().expect("create temp dir (under WASI: under $CAPCACHE_TEST_TMP, default /tmp)")
}

/// Milliseconds since the Unix epoch, the unit of an index entry's `time`.
pub fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis()
}

/// The wasmtime to run WASI guests with: `$WASMTIME`, else `wasmtime`
/// looked up on the `PATH` when it is run.
pub fn wasmtime() -> PathBuf {
    std::env::var_os("WASMTIME").map_or_else(|| "wasmtime".into(), PathBuf::from)
}
