//! Hostile caches (see `wasm_tests::hostile`): symlinks and index entries
//! that point outside the cache. Neither the WASI guest nor a native
//! capability-only cache may return outside bytes or change anything
//! outside the cache directory.
// Host side (planting needs Unix symlinks; the tests start wasmtime).
#![cfg(all(unix, not(target_family = "wasm")))]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use capcache::Cache;
use common::Guest;
use wasm_tests::hostile::{self, plant, Report};

/// A planted base directory and the snapshot of its outside half.
struct Planting {
    _dir: tempfile::TempDir,
    planted: plant::Planted,
    before: BTreeMap<std::path::PathBuf, plant::Node>,
}

fn plant_fresh() -> Planting {
    let dir = tempfile::tempdir().expect("tempdir");
    let planted = plant::plant_all(dir.path()).expect("planting the hostile caches");
    let before = plant::snapshot(&planted.outside).expect("snapshot before");
    Planting {
        _dir: dir,
        planted,
        before,
    }
}

impl Planting {
    /// Panics if anything outside the cache directory changed, or if
    /// anything appeared next to `outside/` and `preopen/`.
    fn assert_outside_untouched(&self, who: &str) {
        let after = plant::snapshot(&self.planted.outside).expect("snapshot after");
        let changes = plant::diff(&self.before, &after);
        assert!(
            changes.is_empty(),
            "{who} changed files outside the cache:\n{}",
            changes.join("\n")
        );
        let mut top: Vec<String> = std::fs::read_dir(&self.planted.base)
            .expect("listing the base")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        assert_eq!(
            top,
            ["outside", "preopen"],
            "{who} created files next to the cache"
        );
    }
}

/// Opens a case's cache as a capability-only handle: no ambient authority.
fn capability_only(path: &Path) -> capcache::Result<Cache> {
    Dir::open_ambient_dir(path, ambient_authority())
        .map(Cache::from_dir)
        .map_err(|source| capcache::Error::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Panics listing every report whose verdict failed.
fn assert_all_safe(who: &str, reports: &[Report]) {
    let failures: Vec<String> = reports
        .iter()
        .filter_map(|r| r.verdict.as_ref().err().map(|f| format!("{}: {f}", r.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{who}: unsafe outcomes:\n{}",
        failures.join("\n")
    );
}

fn total_probes() -> usize {
    hostile::cases().iter().map(|c| c.probes.len()).sum()
}

/// Every hostile case, natively, through `Cache::from_dir`.
#[test]
fn hostile_caches_natively_capability_only() {
    let planting = plant_fresh();
    let reports = hostile::run_probes(&planting.planted.preopen, capability_only);
    assert_eq!(reports.len(), total_probes());
    for r in &reports {
        println!("{:<60} {}", r.name, r.observed.class);
    }
    assert_all_safe("native capability-only cache", &reports);
    planting.assert_outside_untouched("native capability-only cache");
}

/// Every hostile case in the WASI guest (`Cache::open("/cache/…")`), next
/// to the native capability-only run on a fresh planting; the table of both
/// is printed with `--nocapture`.
#[test]
fn hostile_caches_under_wasmtime() {
    let Some(guest) = Guest::from_env("hostile_caches_under_wasmtime") else {
        return;
    };
    let planting = plant_fresh();
    let run = guest.run(&planting.planted.preopen, &["hostile"]);
    run.assert_passed(total_probes());
    planting.assert_outside_untouched("the WASI guest");
    let guest_outcomes: BTreeMap<String, String> = run.outcomes().into_iter().collect();

    let native_planting = plant_fresh();
    let native = hostile::run_probes(&native_planting.planted.preopen, capability_only);
    native_planting.assert_outside_untouched("native capability-only cache");

    // Both sides have already been judged against the same expectations;
    // the guest's outcomes must cover the same probes, and the table shows
    // where the error kinds differ (e.g. `OutsideCache` natively, an I/O
    // error from WASI when the guest has `link_to`'s ambient fallback).
    println!(
        "{:<60} {:<28} native capability-only",
        "probe", "WASI guest"
    );
    for report in &native {
        let in_guest = guest_outcomes.get(&report.name).unwrap_or_else(|| {
            panic!(
                "guest reported no outcome for {}\n{}",
                report.name,
                run.relay()
            )
        });
        println!(
            "{:<60} {in_guest:<28} {}",
            report.name, report.observed.class
        );
    }
    assert_eq!(
        guest_outcomes.len(),
        native.len(),
        "guest and native ran different probes"
    );
    assert_all_safe("native capability-only cache", &native);
}

/// The leak detector is live: a cache with ambient authority and the
/// `link_to` feature follows a content link out of the cache by design,
/// and the probes must flag exactly that as a leak.
#[cfg(feature = "link_to")]
#[test]
fn leak_detector_flags_an_ambient_cache() {
    let planting = plant_fresh();
    let reports = hostile::run_probes(&planting.planted.preopen, |p: &Path| Cache::open(p));
    let read = reports
        .iter()
        .find(|r| r.name == "hostile::content_link_absolute::read_sync")
        .expect("probe exists");
    let verdict = read
        .verdict
        .as_ref()
        .expect_err("an ambient cache reads the secret");
    assert!(
        verdict.to_string().contains("returned the outside secret"),
        "{verdict}"
    );
}
