//! WASI overhead: the workloads of `wasm_tests::bench` natively and in the
//! guest under wasmtime, best of `runs`, with the guest/native ratio.
//!
//! `cargo xtask wasi-bench [small] [big_mib] [runs] [kept]` builds the
//! guest and runs this with it, on tmpfs; by hand:
//!
//! ```text
//! RUSTC_BOOTSTRAP=1 cargo build -p wasm-tests --release --no-default-features \
//!     --target wasm32-wasip1 --target-dir target/matrix/wasm32-wasip1
//! CAPCACHE_WASM_GUEST=target/matrix/wasm32-wasip1/wasm32-wasip1/release/wasm-tests.wasm \
//!     cargo run -p wasm-tests --release --no-default-features --example bench -- [small] [big_mib] [runs] [kept]
//! ```
//!
//! Both sides work in a fresh directory under `TMPDIR`; with
//! `TMPDIR=/dev/shm` (tmpfs) the disk's variance (`mkdir` times that vary
//! tenfold between runs here) stays out of the ratio.
//!
//! Without `CAPCACHE_WASM_GUEST` only the native column is printed. The
//! guest side is the `bench` mode of the wasm-tests binary; this program is
//! the native driver and does nothing when built for wasm.

#[cfg(not(target_family = "wasm"))]
fn main() {
    native::main();
}

#[cfg(target_family = "wasm")]
fn main() {
    eprintln!("run natively; the guest's side is `wasm-tests.wasm bench`");
}

/// The native driver (needs processes and a temporary directory).
#[cfg(not(target_family = "wasm"))]
mod native {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use wasm_tests::bench::{workloads, Timing};

    pub fn main() {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        let small = args.first().copied().unwrap_or(1000);
        let big = args.get(1).copied().unwrap_or(64);
        let runs = args.get(2).copied().unwrap_or(3).max(1);
        // Shard directories kept open (CacheOptions::keep_open_dirs); each
        // side's own default when absent.
        let kept = args.get(3).copied();

        let guest_wasm = std::env::var_os("CAPCACHE_WASM_GUEST");
        let wasmtime = std::env::var_os("WASMTIME").unwrap_or_else(|| "wasmtime".into());
        // Native and guest runs alternate, so that a disk whose speed drifts
        // (directory creation here varies tenfold over minutes) weighs on
        // both sides alike.
        let (mut native_runs, mut guest_runs) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let dir = tempfile::tempdir().expect("tempdir");
            native_runs.push(
                workloads(dir.path(), small, big, kept)
                    .unwrap_or_else(|e| panic!("native run: {e}")),
            );
            drop(dir);
            if let Some(wasm) = &guest_wasm {
                guest_runs.push(run_guest(
                    Path::new(wasm),
                    Path::new(&wasmtime),
                    small,
                    big,
                    kept,
                ));
            }
        }
        let native = best_of(native_runs);
        let guest = guest_wasm.map(|_| best_of(guest_runs));

        let kept = kept.map_or("defaults".to_owned(), |k| k.to_string());
        println!(
            "{small} small values of 11 bytes; one value of {big} MiB; best of {runs} runs; \
             shard dirs kept open: {kept}"
        );
        println!(
            "{:<18} {:>11} {:>11} {:>7}  {:>14}",
            "workload", "native", "wasi", "ratio", "native rate"
        );
        for t in &native {
            let in_guest = guest
                .as_ref()
                .and_then(|g| g.iter().find(|g| g.name == t.name));
            let (wasi, ratio) = match in_guest {
                Some(g) => (
                    format!("{:.3}s", g.elapsed.as_secs_f64()),
                    format!("{:.2}x", g.elapsed.as_secs_f64() / t.elapsed.as_secs_f64()),
                ),
                None => ("-".into(), "-".into()),
            };
            println!(
                "{:<18} {:>10.3}s {:>11} {:>7}  {:>14}",
                t.name,
                t.elapsed.as_secs_f64(),
                wasi,
                ratio,
                rate(t)
            );
        }
    }

    /// Ops/s for small workloads, MiB/s for big ones.
    fn rate(t: &Timing) -> String {
        let secs = t.elapsed.as_secs_f64().max(1e-9);
        if t.count > 1 {
            format!("{:.0} op/s", t.count as f64 / secs)
        } else {
            format!("{:.0} MiB/s", t.bytes as f64 / secs / (1024.0 * 1024.0))
        }
    }

    /// Each workload's fastest time over `runs`.
    fn best_of(runs: Vec<Vec<Timing>>) -> Vec<Timing> {
        let mut best: BTreeMap<String, Timing> = BTreeMap::new();
        let mut order = Vec::new();
        for run in runs {
            for t in run {
                if !order.contains(&t.name) {
                    order.push(t.name.clone());
                }
                let slot = best.entry(t.name.clone()).or_insert_with(|| t.clone());
                if t.elapsed < slot.elapsed {
                    *slot = t;
                }
            }
        }
        order.iter().filter_map(|name| best.remove(name)).collect()
    }

    /// One guest run in a fresh preopened directory; its `bench` lines.
    fn run_guest(
        wasm: &Path,
        wasmtime: &Path,
        small: usize,
        big: usize,
        kept: Option<usize>,
    ) -> Vec<Timing> {
        let dir = tempfile::tempdir().expect("tempdir");
        let start = Instant::now();
        // With RUST_BACKTRACE set, wasmtime captures a backtrace for every
        // host call that fails (~24 µs each here), and a write meets a few
        // expected `NotFound`s: a cost of the runtime's setting, not of WASI.
        let output = Command::new(wasmtime)
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .arg("run")
            .arg("--dir")
            .arg(format!("{}::/cache", dir.path().display()))
            .arg(wasm)
            .args(["bench", "/cache", &small.to_string(), &big.to_string()])
            .args(kept.map(|k| k.to_string()))
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", wasmtime.display()));
        let wall: Duration = start.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "guest bench failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!(
            "guest run: {:.2}s wall, including wasmtime start-up",
            wall.as_secs_f64()
        );
        stdout.lines().filter_map(Timing::parse).collect()
    }
}
