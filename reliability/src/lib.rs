//! Shared pieces of capcache's reliability suite (`tests/`) and of its
//! worker binary (`src/bin/worker.rs`, the child processes the tests kill,
//! limit, race and trace), and the power-loss checker ([`power`], Linux).
//!
//! Everything here uses capcache's public API only. The suite's invariant:
//! after a `write*` returns `Ok(sri)`, reading that key or `sri` returns the
//! value unless the cache was damaged after the write; reads return the exact
//! value or an error, never other bytes, never a panic.
//!
//! Runs are bounded by default; `CAPCACHE_RELIABILITY=long` scales every part
//! up for releases. Every part prints its seed; `CAPCACHE_RELIABILITY_SEED=N`
//! replays it.

#[cfg(target_os = "linux")]
pub mod power;
pub mod read;
pub mod values;

use std::time::{SystemTime, UNIX_EPOCH};

/// Keys the crash children use (`c0`…): few, so that buckets grow and
/// get compacted while children are killed.
pub const CRASH_KEYS: u64 = 16;

/// The worker binary's path, for tests (cargo builds it for them).
#[macro_export]
macro_rules! worker {
    () => {
        env!("CARGO_BIN_EXE_worker")
    };
}

/// How much work each part does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bounded for the test matrix (the whole suite in about three minutes
    /// on a 2-core machine, debug build).
    Default,
    /// `CAPCACHE_RELIABILITY=long`: the release figures (≥ 200 kills,
    /// ≥ 10,000 injections, 8 × 1,000 concurrent ops).
    Long,
}

impl Mode {
    /// The mode from `CAPCACHE_RELIABILITY` (`long`, else the default).
    pub fn from_env() -> Mode {
        match std::env::var("CAPCACHE_RELIABILITY").as_deref() {
            Ok("long") => Mode::Long,
            _ => Mode::Default,
        }
    }

    /// `default` or `long`, by mode.
    pub fn pick<T>(self, default: T, long: T) -> T {
        match self {
            Mode::Default => default,
            Mode::Long => long,
        }
    }
}

/// The seed of one part of the suite: `CAPCACHE_RELIABILITY_SEED` if set,
/// else fresh from the clock. Printed so that a failure can be replayed
/// (the test harness shows a failing test's output).
pub fn seed(part: &str) -> u64 {
    let seed = match std::env::var("CAPCACHE_RELIABILITY_SEED") {
        Ok(s) => s
            .parse()
            .expect("CAPCACHE_RELIABILITY_SEED must be an unsigned integer"),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    };
    eprintln!(
        "{part}: seed {seed}, mode {:?} (replay: CAPCACHE_RELIABILITY_SEED={seed})",
        Mode::from_env()
    );
    seed
}

/// The variant name of an error, for messages and for matching sets of
/// expected variants.
pub fn variant(err: &capcache::Error) -> &'static str {
    use capcache::Error::*;
    match err {
        EntryNotFound { .. } => "EntryNotFound",
        ContentNotFound { .. } => "ContentNotFound",
        IntegrityMismatch { .. } => "IntegrityMismatch",
        SizeMismatch { .. } => "SizeMismatch",
        InvalidIntegrity { .. } => "InvalidIntegrity",
        InvalidKey { .. } => "InvalidKey",
        BadIndex { .. } => "BadIndex",
        OutsideCache { .. } => "OutsideCache",
        Io { .. } => "Io",
        _ => "unknown variant",
    }
}
