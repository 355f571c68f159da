//! Crash consistency: worker processes doing writes (whole, streamed, async,
//! rewrites), removes, compactions, verify and gc are SIGKILLed at random
//! moments, one at a time, on one cache. Each logs an operation before it
//! starts (`B`) and after it returned `Ok` (`A`, one `write(2)`).
//!
//! After every kill, each key must read as its last acknowledged state, or
//! as the state of the one operation that was in flight (it may or may not
//! have taken effect): 0 acknowledged operations lost, 0 reads of bytes
//! never written, no error but "not found" for an absent key. Every few
//! kills and at the end, `verify` with zero grace must keep every entry
//! and leave `tmp/` empty.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use capcache::{Cache, Integrity, VerifyOpts};
use capcache_reliability::{values, variant, worker, Mode, CRASH_KEYS};
use capcache_test_support::format::sha512;
use capcache_test_support::fs::tmp_entries;

/// A key's state: absent, or the value (version, length).
type State = Option<(u64, usize)>;

#[derive(Debug)]
struct InFlight {
    op: String,
    key: String,
    state: State,
}

/// Applies one child's log to `model`; returns the acknowledged count and
/// the operation in flight when it died, if it changes a key.
fn replay(log: &str, model: &mut BTreeMap<String, State>, ctx: &str) -> (u64, Option<InFlight>) {
    let mut acked = 0;
    let mut pending: Option<(String, String, String, u64, usize)> = None;
    for line in log.lines() {
        let f: Vec<&str> = line.splitn(6, ' ').collect();
        match f[0] {
            "S" => {}
            "B" => {
                let num = |i: usize| -> u64 {
                    f.get(i)
                        .and_then(|s| s.parse().ok())
                        .expect("number in log")
                };
                pending = Some((
                    f[1].to_owned(),
                    f[2].to_owned(),
                    f[3].to_owned(),
                    num(4),
                    num(5) as usize,
                ));
            }
            "A" => {
                let (id, op, key, version, len) = pending.take().expect("A after B");
                assert_eq!(f[1], id, "{ctx}: log out of order");
                acked += 1;
                match op.as_str() {
                    "Write" | "Stream" | "Async" | "Rewrite" => {
                        let sri: Integrity = f[2].parse().expect("sri in log");
                        let expected = sha512(values::value(&key, version, len));
                        assert_eq!(
                            sri, expected,
                            "{ctx}: {op} {key} returned the wrong integrity"
                        );
                        model.insert(key, Some((version, len)));
                    }
                    "Remove" => {
                        model.insert(key, None);
                    }
                    _ => {}
                }
            }
            "E" => panic!("{ctx}: a child's operation failed: {line}"),
            // A torn last line: the kill hit the log write itself.
            _ => {}
        }
    }
    let in_flight = pending.and_then(|(_, op, key, version, len)| match op.as_str() {
        "Write" | "Stream" | "Async" | "Rewrite" => Some(InFlight {
            op,
            key,
            state: Some((version, len)),
        }),
        "Remove" => Some(InFlight {
            op,
            key,
            state: None,
        }),
        _ => None,
    });
    (acked, in_flight)
}

/// Checks every key against the model (or the in-flight alternative) and
/// adopts the alternative where it took effect.
fn check(
    cache: &Cache,
    model: &mut BTreeMap<String, State>,
    in_flight: Option<&InFlight>,
    ctx: &str,
) {
    for (key, state) in model.iter_mut() {
        let alt = in_flight.filter(|f| &f.key == key).map(|f| f.state);
        let found: State = match cache.read_sync(key) {
            Ok(bytes) => match values::parse(&bytes) {
                Some((k, v)) if &k == key => Some((v, bytes.len())),
                other => panic!(
                    "{ctx}: {key} read {} bytes never written under it ({other:?})",
                    bytes.len()
                ),
            },
            Err(capcache::Error::EntryNotFound { .. }) => None,
            Err(e) => panic!(
                "{ctx}: {key} (acknowledged {state:?}): {} error: {e}",
                variant(&e)
            ),
        };
        if found != *state {
            assert_eq!(
                Some(found),
                alt,
                "{ctx}: {key} lost its acknowledged state {state:?} (in flight: {in_flight:?})"
            );
            *state = found;
        }
        if let Some((v, len)) = *state {
            let sri = sha512(values::value(key, v, len));
            match cache.read_hash_sync(&sri) {
                Ok(bytes) if bytes.len() == len => {}
                other => panic!(
                    "{ctx}: {key}'s content by integrity: {:?}",
                    other.map(|b| b.len())
                ),
            }
        }
    }
}

/// `verify` with zero grace (no child runs): keeps every entry, empties `tmp/`.
fn verify(cache: &Cache, root: &Path, model: &mut BTreeMap<String, State>, ctx: &str) {
    let stats = capcache::verify_sync(cache, VerifyOpts::new().grace(Duration::ZERO))
        .unwrap_or_else(|e| panic!("{ctx}: verify: {e}"));
    let live = model.values().filter(|s| s.is_some()).count() as u64;
    assert_eq!(
        stats.entries_kept, live,
        "{ctx}: verify kept {stats:?}, model has {live} live keys"
    );
    assert_eq!(
        stats.corrupt_content, 0,
        "{ctx}: verify found corrupt content: {stats:?}"
    );
    assert_eq!(
        tmp_entries(root),
        Vec::<std::path::PathBuf>::new(),
        "{ctx}: tmp/ after verify"
    );
    check(cache, model, None, &format!("{ctx}, after verify"));
}

#[test]
fn sigkilled_workers_lose_no_acknowledged_operation() {
    let mode = Mode::from_env();
    let seed = capcache_reliability::seed("crash");
    let mut rng = fastrand::Rng::with_seed(seed);
    let kills = mode.pick(100, 300);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("cache");
    let cache = Cache::open(&root).expect("open cache");
    let mut model: BTreeMap<String, State> =
        (0..CRASH_KEYS).map(|k| (format!("c{k}"), None)).collect();
    let started = Instant::now();
    let (mut acked, mut in_flight_ops, mut in_flight_applied) = (0u64, 0u64, 0u64);
    for kill in 0..kills {
        let ctx = format!("seed {seed}, kill {kill}");
        let log_path = tmp.path().join(format!("log-{kill}"));
        let mut child = Command::new(worker!())
            .args(["crash"])
            .arg(&root)
            .arg(&log_path)
            .args([rng.u64(..).to_string(), (kill + 1).to_string()])
            .spawn()
            .expect("spawn worker");
        // Kill only once it runs operations, at a random moment.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !fs::read_to_string(&log_path).is_ok_and(|l| l.starts_with("S\n")) {
            assert!(Instant::now() < deadline, "{ctx}: worker did not start");
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{ctx}: worker exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(rng.u64(0..80_000)));
        child.kill().expect("SIGKILL worker");
        let status = child.wait().expect("reap worker");
        let log = fs::read_to_string(&log_path).expect("read log");
        let (n, in_flight) = replay(&log, &mut model, &ctx);
        assert!(
            !status.success() || log.contains("\nE "),
            "{ctx}: worker ran out of operations"
        );
        acked += n;
        let before = model.clone();
        check(&cache, &mut model, in_flight.as_ref(), &ctx);
        if let Some(f) = &in_flight {
            in_flight_ops += 1;
            in_flight_applied += u64::from(before[&f.key] != model[&f.key]);
            let _ = &f.op;
        }
        if kill % 10 == 9 {
            verify(&cache, &root, &mut model, &ctx);
        }
    }
    let ctx = format!("seed {seed}, end");
    verify(&cache, &root, &mut model, &ctx);
    let mut listed: Vec<String> = cache
        .list_sync()
        .map(|m| m.map(|m| m.key))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{ctx}: list: {e}"));
    listed.sort();
    let live: Vec<String> = model
        .iter()
        .filter(|(_, s)| s.is_some())
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(listed, live, "{ctx}: listed keys");
    eprintln!(
        "crash: {kills} kills, {acked} acknowledged operations, 0 lost; {in_flight_ops} killed mid-operation on a key ({in_flight_applied} had taken effect); {:.1?}",
        started.elapsed()
    );
}
