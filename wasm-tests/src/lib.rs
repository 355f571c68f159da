//! capcache under WASI.
//!
//! This crate is two programs sharing one library:
//!
//! - the **guest** (`src/main.rs`), built for `wasm32-wasip1` and run by
//!   wasmtime with only the cache directory preopened as `/cache`; it runs
//!   the sandbox suite, probes hostile caches, writes and reads caches for
//!   cross-checks, and times workloads, printing libtest's output format;
//! - the **host tests** (`tests/`), native, which plant the caches, run the
//!   guest, parse what it printed, and run the same library code natively
//!   for comparison.
//!
//! Everything both sides need (the suite, the hostile cases, the
//! cross-check data set, the benchmark workloads) lives here, so the guest
//! and the native run execute the same code.

pub mod bench;
pub mod cross;
pub mod harness;
pub mod hostile;
pub mod suite;

/// The capcache features this build has, comma-separated (printed by the
/// guest so the host can tell a guest built for another feature set).
pub fn features() -> String {
    let on = [
        ("async", cfg!(feature = "async")),
        ("link_to", cfg!(feature = "link_to")),
        ("mmap", cfg!(feature = "mmap")),
    ];
    let names: Vec<&str> = on.iter().filter(|(_, on)| *on).map(|(n, _)| *n).collect();
    names.join(",")
}
