//! Progress display for the long-running commands (`verify`, `gc`).
//!
//! Drawn on stderr, and only when stderr is a terminal and `--quiet` is not
//! given, so logs and pipes never collect bar redraws. indicatif does not
//! build for WASI, so on wasm the same interface draws nothing (the layout
//! of `tempfile`'s `imp` modules: one file per platform, same signatures).

use std::io::IsTerminal;

#[cfg(not(target_family = "wasm"))]
#[path = "native.rs"]
mod imp;
#[cfg(target_family = "wasm")]
#[path = "none.rs"]
mod imp;

pub use imp::Bar;

/// Whether progress should be drawn: stderr is a terminal and not `--quiet`.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// What each verify phase is shown as.
#[cfg_attr(target_family = "wasm", allow(dead_code))]
fn phase_label(phase: capcache::Phase) -> &'static str {
    match phase {
        capcache::Phase::ScanIndex => "scanning index",
        capcache::Phase::VerifyContent => "verifying content",
        capcache::Phase::RebuildIndex => "rebuilding index",
        capcache::Phase::CleanTmp => "cleaning tmp",
        _ => "working",
    }
}
