//! Concurrent processes: 8 workers run mixed operations on one cache at
//! once (own keys: write, streamed and async writes, exact reads, removes,
//! compaction; shared keys: writes and reads; verify and gc, with zero
//! grace too). Expected: 0 errors in any worker, every read of an own key
//! exact, and a consistent final state: own keys as each worker last left
//! them, shared keys holding a value some worker's acknowledged write
//! stored, `verify` (zero grace) keeping exactly those entries, finding no
//! corrupt content and leaving `tmp/` empty, and `list` naming them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use capcache::{Cache, VerifyOpts};
use capcache_reliability::{values, variant, worker, Mode};
use capcache_test_support::fs::tmp_entries;

const WORKERS: u64 = 8;

#[test]
fn eight_processes_mixed_operations_zero_errors_consistent_end_state() {
    let mode = Mode::from_env();
    let seed = capcache_reliability::seed("concurrency");
    let ops = mode.pick(300, 1_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("cache");
    let started = Instant::now();
    let children: Vec<_> = (0..WORKERS)
        .map(|id| {
            let log = tmp.path().join(format!("log-{id}"));
            let child = Command::new(worker!())
                .arg("concurrent")
                .arg(&root)
                .arg(&log)
                .args([seed.to_string(), id.to_string(), ops.to_string()])
                .spawn()
                .expect("spawn worker");
            (id, log, child)
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(mode.pick(300, 1800));
    let mut errors = Vec::new();
    let mut own: BTreeMap<String, Option<(u64, usize)>> = BTreeMap::new();
    let mut shared: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for (id, log, mut child) in children {
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait worker") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("seed {seed}: worker {id} still running at the deadline");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let log = fs::read_to_string(&log).unwrap_or_default();
        for line in log.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            match f[0] {
                "E" => errors.push(format!("worker {id}: {line}")),
                "W" => {
                    shared
                        .entry(f[1].to_owned())
                        .or_default()
                        .insert(f[2].parse().expect("version"));
                }
                "F" if f[2] == "absent" => {
                    own.insert(f[1].to_owned(), None);
                }
                "F" => {
                    own.insert(
                        f[1].to_owned(),
                        Some((f[2].parse().expect("v"), f[3].parse().expect("len"))),
                    );
                }
                _ => panic!("seed {seed}: worker {id} logged {line:?}"),
            }
        }
        if !status.success() && errors.is_empty() {
            errors.push(format!("worker {id} exited with {status}"));
        }
    }
    let elapsed = started.elapsed();
    assert!(
        errors.is_empty(),
        "seed {seed}: {} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert_eq!(
        own.len() as u64,
        WORKERS * 8,
        "seed {seed}: every worker reported its final state"
    );

    let cache = Cache::open(&root).expect("open cache");
    for (key, state) in &own {
        match (cache.read_sync(key), state) {
            (Ok(bytes), Some((v, len))) => {
                assert!(
                    bytes == values::value(key, *v, *len),
                    "seed {seed}: {key} is not its last value"
                )
            }
            (Err(capcache::Error::EntryNotFound { .. }), None) => {}
            (other, _) => panic!(
                "seed {seed}: {key} should be {state:?}, reads {:?}",
                other.map(|b| values::parse(&b)).map_err(|e| variant(&e))
            ),
        }
    }
    for (key, versions) in &shared {
        let bytes = cache
            .read_sync(key)
            .unwrap_or_else(|e| panic!("seed {seed}: {key}: {e}"));
        match values::parse(&bytes) {
            Some((k, v)) if &k == key && versions.contains(&v) => {}
            other => panic!("seed {seed}: {key} holds {other:?}, not an acknowledged write"),
        }
    }
    let live = own.values().filter(|s| s.is_some()).count() + shared.len();
    let stats = capcache::verify_sync(&cache, VerifyOpts::new().grace(Duration::ZERO))
        .unwrap_or_else(|e| panic!("seed {seed}: final verify: {e}"));
    assert_eq!(stats.entries_kept, live as u64, "seed {seed}: {stats:?}");
    assert_eq!(stats.corrupt_content, 0, "seed {seed}: {stats:?}");
    assert!(
        tmp_entries(&root).is_empty(),
        "seed {seed}: tmp/ not empty after verify"
    );
    let mut listed: Vec<String> = cache
        .list_sync()
        .map(|m| m.map(|m| m.key))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("seed {seed}: list: {e}"));
    listed.sort();
    let mut expected: Vec<String> = own
        .iter()
        .filter(|(_, s)| s.is_some())
        .map(|(k, _)| k.clone())
        .chain(shared.keys().cloned())
        .collect();
    expected.sort();
    assert_eq!(listed, expected, "seed {seed}: listed keys");
    eprintln!(
        "concurrency: {WORKERS} processes x {ops} ops = {} ops, 0 errors, {live} live keys at the end; {elapsed:.1?}",
        WORKERS * ops
    );
}
