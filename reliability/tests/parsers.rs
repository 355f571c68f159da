//! Parsers under arbitrary input (proptest, stable Rust): bucket files of
//! arbitrary lines planted under `index-v5/`, arbitrary integrity strings,
//! arbitrary metadata JSON and keys. No panic, only documented error
//! variants, and where the input determines the answer, that answer: the
//! last intact line for a key wins whatever garbage surrounds it, metadata
//! and keys round-trip exactly, an integrity never yields bytes that do not
//! hash to it, and removing one never removes other content.
//!
//! Each property runs from a seed printed at its start
//! (`CAPCACHE_RELIABILITY_SEED` replays it); proptest shrinks a failure to a
//! minimal input before reporting it.

use capcache::{Cache, Integrity, Value, WriteOpts};
use capcache_reliability::{variant, Mode};
use capcache_test_support::format::{bucket_path, entry_json, index_line, Index};
use capcache_test_support::fs::plant;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn runner(part: &str) -> (TestRunner, u64) {
    let seed = capcache_reliability::seed(part);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases: Mode::from_env().pick(256, 5_000),
        failure_persistence: None,
        ..Config::default()
    };
    (
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)),
        seed,
    )
}

/// Arbitrary JSON (no floats: their text form need not round-trip).
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A cache holding two values under other keys, whose content the planted
/// lines point at.
struct Fixture {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
    cache: Cache,
    values: [(Vec<u8>, Integrity); 2],
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("cache");
    let cache = Cache::open(&root).expect("open cache");
    let values = [b"value A".to_vec(), vec![0xb; 70 * 1024]].map(|v| {
        let sri = cache.write_hash_sync(&v).expect("store content");
        (v, sri)
    });
    Fixture {
        _tmp: tmp,
        root,
        cache,
        values,
    }
}

/// One line of a planted bucket (each its own line: they start with `\n`).
#[derive(Debug, Clone)]
enum Segment {
    /// An intact entry for the key under test, pointing at value 0 or 1.
    Entry { value: usize, metadata: Value },
    /// An intact tombstone for the key under test.
    Tombstone,
    /// An intact entry for another key.
    Other,
    /// An intact entry whose integrity is an arbitrary string.
    BadIntegrity(String),
    /// Intact hash, JSON that is not an entry.
    NotEntry(Value),
    /// An entry cut short (a torn append).
    Torn { value: usize, cut: usize },
    /// Arbitrary bytes (invalid UTF-8 included).
    Garbage(Vec<u8>),
}

const KEY: &str = "key under test";

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        3 => (0..2usize, json()).prop_map(|(value, metadata)| Segment::Entry { value, metadata }),
        1 => Just(Segment::Tombstone),
        1 => Just(Segment::Other),
        1 => any::<String>().prop_map(Segment::BadIntegrity),
        // Arrays, scalars and objects without a string `key`.
        1 => json().prop_filter("not an entry", |v| !v.get("key").is_some_and(Value::is_string))
            .prop_map(Segment::NotEntry),
        1 => (0..2usize, 1..200usize).prop_map(|(value, cut)| Segment::Torn { value, cut }),
        2 => prop::collection::vec(any::<u8>(), 0..120).prop_map(Segment::Garbage),
    ]
}

/// One bucket line as npm writes it.
fn npm_line(json: &str) -> Vec<u8> {
    index_line(Index::Npm, json).into_bytes()
}

fn entry_line(f: &Fixture, value: usize, metadata: &Value) -> Vec<u8> {
    let (v, sri) = &f.values[value];
    npm_line(&entry_json(KEY, &sri.to_string(), v.len() as u64, metadata))
}

fn bucket_bytes(f: &Fixture, segments: &[Segment]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in segments {
        match s {
            Segment::Entry { value, metadata } => out.extend(entry_line(f, *value, metadata)),
            Segment::Tombstone => out.extend(npm_line(
                &serde_json::json!({"key": KEY, "integrity": null, "time": 1, "size": 0})
                    .to_string(),
            )),
            Segment::Other => out.extend(npm_line(&entry_json(
                "another key",
                &f.values[0].1.to_string(),
                7,
                &Value::Null,
            ))),
            Segment::BadIntegrity(s) => out.extend(npm_line(&entry_json(KEY, s, 3, &Value::Null))),
            Segment::NotEntry(v) => out.extend(npm_line(&v.to_string())),
            Segment::Torn { value, cut } => {
                let line = entry_line(f, *value, &Value::Null);
                out.extend(&line[..line.len().saturating_sub(*cut).max(1)]);
            }
            Segment::Garbage(bytes) => {
                out.push(b'\n');
                // A stray newline would start a line of its own: still garbage.
                out.extend(bytes);
            }
        }
    }
    out
}

/// What the last decisive line for the key says.
enum Expect<'a> {
    Absent,
    Value(usize, &'a Value),
    /// A bad integrity string: some documented error, or an older value.
    Unusable,
}

fn expected(segments: &[Segment]) -> Expect<'_> {
    for s in segments.iter().rev() {
        match s {
            Segment::Entry { value, metadata } => return Expect::Value(*value, metadata),
            Segment::Tombstone => return Expect::Absent,
            Segment::BadIntegrity(_) => return Expect::Unusable,
            _ => {}
        }
    }
    Expect::Absent
}

#[test]
fn planted_buckets_read_their_last_intact_line_or_fail_cleanly() {
    let (mut runner, seed) = runner("parsers/buckets");
    let f = fixture();
    let bucket = bucket_path(&f.root, Index::Npm, KEY);
    let strategy = prop::collection::vec(segment(), 0..12);
    let result = runner.run(&strategy, |segments| {
        plant(&bucket, &bucket_bytes(&f, &segments));
        let read = f.cache.read_sync(KEY);
        let meta = f.cache.metadata_sync(KEY);
        match expected(&segments) {
            Expect::Absent => {
                prop_assert!(
                    matches!(read, Err(capcache::Error::EntryNotFound { .. })),
                    "read: {:?}",
                    read.map(|b| b.len())
                );
                prop_assert!(matches!(meta, Ok(None)), "metadata: {meta:?}");
            }
            Expect::Value(i, metadata) => {
                let (v, sri) = &f.values[i];
                prop_assert_eq!(read.as_ref().map_err(variant), Ok(v));
                let m = meta
                    .expect("metadata of an intact entry")
                    .expect("an entry");
                prop_assert_eq!(&m.key, KEY);
                prop_assert_eq!(&m.integrity, sri);
                prop_assert_eq!(&m.metadata, metadata);
            }
            Expect::Unusable => match read {
                Ok(bytes) => prop_assert!(
                    f.values.iter().any(|(v, _)| *v == bytes),
                    "a bad integrity read {} bytes never stored",
                    bytes.len()
                ),
                Err(e) => prop_assert!(
                    [
                        "BadIndex",
                        "InvalidIntegrity",
                        "ContentNotFound",
                        "EntryNotFound",
                        "IntegrityMismatch",
                        "SizeMismatch"
                    ]
                    .contains(&variant(&e)),
                    "undocumented error: {e:?}"
                ),
            },
        }
        // Listing walks the same bucket: entries or documented errors.
        for item in capcache::index::ls(&f.cache).take(100) {
            match item {
                Ok(m) => prop_assert!(m.key == KEY || m.key == "another key", "listed {:?}", m.key),
                Err(e) => prop_assert!(
                    ["BadIndex", "InvalidIntegrity"].contains(&variant(&e)),
                    "list error: {e:?}"
                ),
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("seed {seed}: {e}");
    }
}

/// Strings that look like integrities, and ones that do not.
fn integrity_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(sha512|sha384|sha256|sha1|xxh3|md5|SHA512|x)-[A-Za-z0-9+/=._-]{0,100}( [a-z0-9]+-[A-Za-z0-9+/=]{0,90})?",
        "(sha512|sha1)-(\\.\\./)*(etc/passwd|\\.\\.|/|content-v2)?[A-Za-z0-9+/=]{0,8}",
    ]
}

#[test]
fn arbitrary_integrities_never_yield_other_bytes_or_remove_other_content() {
    let (mut runner, seed) = runner("parsers/integrity");
    let f = fixture();
    let result = runner.run(&integrity_string(), |text| {
        let Ok(sri) = text.parse::<Integrity>() else {
            return Ok(());
        };
        let names = |i: usize| sri.matches(&f.values[i].1).is_some();
        match f.cache.read_hash_sync(&sri) {
            Ok(bytes) => prop_assert!(
                (0..2).any(|i| names(i) && bytes == f.values[i].0),
                "{text:?} read {} bytes it does not name",
                bytes.len()
            ),
            Err(e) => prop_assert!(
                [
                    "ContentNotFound",
                    "InvalidIntegrity",
                    "IntegrityMismatch",
                    "SizeMismatch"
                ]
                .contains(&variant(&e)),
                "read_hash {text:?}: {e:?}"
            ),
        }
        let _ = f.cache.exists_sync(&sri);
        match f.cache.try_exists_sync(&sri) {
            Ok(_) => {}
            Err(e) => prop_assert!(variant(&e) == "InvalidIntegrity", "exists {text:?}: {e:?}"),
        }
        match f.cache.remove_hash_sync(&sri) {
            Ok(()) => {}
            Err(e) => prop_assert!(
                ["InvalidIntegrity", "ContentNotFound"].contains(&variant(&e)),
                "remove_hash {text:?}: {e:?}"
            ),
        }
        for (i, (v, s)) in f.values.iter().enumerate() {
            match f.cache.read_hash_sync(s) {
                Ok(bytes) => prop_assert!(bytes == *v),
                Err(e) => {
                    prop_assert!(names(i), "removing {text:?} removed other content: {e:?}");
                    f.cache.write_hash_sync(v).expect("restore");
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("seed {seed}: {e}");
    }
}

#[test]
fn arbitrary_keys_and_metadata_round_trip() {
    let (mut runner, seed) = runner("parsers/metadata");
    let f = fixture();
    let strategy = (
        any::<String>(),
        json(),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
        prop::collection::vec(any::<u8>(), 0..300),
    );
    let result = runner.run(&strategy, |(key, metadata, raw, value)| {
        let mut opts = WriteOpts::new().metadata(metadata.clone());
        if let Some(raw) = &raw {
            opts = opts.raw_metadata(raw.clone());
        }
        match f.cache.write_with_opts_sync(&key, &value, opts) {
            Err(capcache::Error::InvalidKey { .. }) if key.is_empty() => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(format!("write {key:?}: {e:?}"))),
            Ok(_) => {}
        }
        prop_assert_eq!(
            f.cache.read_sync(&key).map_err(|e| variant(&e)),
            Ok(value.clone())
        );
        let m = f
            .cache
            .metadata_sync(&key)
            .expect("metadata")
            .expect("entry");
        prop_assert_eq!(&m.key, &key);
        prop_assert_eq!(&m.metadata, &metadata);
        prop_assert_eq!(&m.raw_metadata, &raw);
        prop_assert_eq!(m.size, value.len());
        let listed = capcache::list_sync(&f.cache)
            .filter_map(Result::ok)
            .filter(|m| m.key == key)
            .count();
        prop_assert_eq!(listed, 1);
        // Empty again, so that listing stays one bucket long.
        f.cache.clear_sync().expect("clear");
        Ok(())
    });
    if let Err(e) = result {
        panic!("seed {seed}: {e}");
    }
}
