//! Reads: local hits, remote hits verified into the local cache, misses.

use capcache_remote::{Lookup, Source};
use capcache_test_support::fs::only_content_file;
use serde_json::json;

use crate::common::remotes;

#[test]
fn a_value_written_on_one_machine_is_served_on_another() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let (b, two) = remote.machine();
        let opts = capcache::WriteOpts::new()
            .time(1_700_000_000_000)
            .metadata(json!({"etag": "abc"}));
        let sri = one.put_with_opts_sync("key", b"value", opts).unwrap();
        one.flush_sync().unwrap();

        match two.get_sync("key").unwrap() {
            Lookup::Hit { value, source } => {
                assert_eq!(value, b"value", "{}", remote.label);
                assert_eq!(source, Source::Remote, "{}", remote.label);
            }
            other => panic!("{}: {other:?}", remote.label),
        }
        // Now in the second local cache, with the entry as written.
        let meta = capcache::metadata_sync(b.path(), "key").unwrap().unwrap();
        assert_eq!(meta.integrity, sri);
        assert_eq!(meta.time, 1_700_000_000_000);
        assert_eq!(meta.metadata, json!({"etag": "abc"}));
        assert_eq!(two.get_sync("key").unwrap().source(), Some(Source::Local));
        let stats = two.stats();
        assert_eq!(
            (stats.remote_hits, stats.local_hits),
            (1, 1),
            "{}",
            remote.label
        );
        assert_eq!(one.stats().uploads, 1);
    }
}

#[test]
fn a_key_found_nowhere_is_a_miss() {
    for remote in remotes() {
        let (_d, machine) = remote.machine();
        assert!(
            matches!(machine.get_sync("absent").unwrap(), Lookup::Miss),
            "{}",
            remote.label
        );
        assert!(matches!(
            machine.fetch_sync("absent").unwrap(),
            Lookup::Miss
        ));
        let stats = machine.stats();
        assert_eq!((stats.misses, stats.remote_errors), (2, 0));
    }
}

#[test]
fn fetch_brings_an_entry_local_without_reading_it() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let (b, two) = remote.machine();
        one.put_sync("k", b"some bytes").unwrap();
        one.flush_sync().unwrap();
        let meta = two.fetch_sync("k").unwrap().into_value().unwrap();
        assert_eq!(meta.size, 10, "{}", remote.label);
        assert_eq!(capcache::read_sync(b.path(), "k").unwrap(), b"some bytes");
    }
}

#[test]
fn values_larger_than_one_request_stream_both_ways() {
    // Past the 4 MiB one-request limit: streamed from the local cache and
    // down through capcache's writer.
    let big: Vec<u8> = (0..9 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let (_b, two) = remote.machine();
        one.put_sync("big", &big).unwrap();
        one.flush_sync().unwrap();
        let got = two.get_sync("big").unwrap().into_value().unwrap();
        assert!(
            got == big,
            "{}: the large value came back different",
            remote.label
        );
    }
}

#[test]
fn the_newest_version_wins_and_older_ones_are_pruned() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let (_b, two) = remote.machine();
        let (_c, three) = remote.machine();
        one.put_with_opts_sync("k", b"old", capcache::WriteOpts::new().time(1_000))
            .unwrap();
        one.flush_sync().unwrap();
        two.put_with_opts_sync("k", b"new", capcache::WriteOpts::new().time(2_000))
            .unwrap();
        two.flush_sync().unwrap();
        assert_eq!(
            three.get_sync("k").unwrap().into_value().unwrap(),
            b"new",
            "{}",
            remote.label
        );
        assert_eq!(remote.files("index-v5/").len(), 1, "{}", remote.label);
    }
}

#[test]
fn a_removal_reaches_other_machines() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let (_b, two) = remote.machine();
        one.put_sync("k", b"v").unwrap();
        one.flush_sync().unwrap();
        one.remove_sync("k").unwrap();
        assert!(matches!(one.get_sync("k").unwrap(), Lookup::Miss));
        one.flush_sync().unwrap();
        assert!(
            matches!(two.get_sync("k").unwrap(), Lookup::Miss),
            "{}",
            remote.label
        );
        // One object left: the tombstone.
        let index = remote.files("index-v5/");
        assert_eq!(index.len(), 1, "{}", remote.label);
        assert!(String::from_utf8(remote.read(&index[0]))
            .unwrap()
            .contains("\"integrity\":null"));
    }
}

#[test]
fn a_damaged_local_copy_is_fetched_again_from_the_remote() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let (b, two) = remote.machine();
        one.put_sync("k", b"good value").unwrap();
        one.flush_sync().unwrap();
        two.get_sync("k").unwrap().into_value().unwrap();
        // Damage the second machine's content file in place.
        std::fs::write(only_content_file(b.path()), b"evil value").unwrap();
        match two.get_sync("k").unwrap() {
            Lookup::Hit { value, source } => {
                assert_eq!(value, b"good value", "{}", remote.label);
                assert_eq!(source, Source::Remote);
            }
            other => panic!("{}: {other:?}", remote.label),
        }
    }
}

#[test]
fn a_removal_right_after_a_write_wins_remotely() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        // In the same millisecond as the write (most of the time), and
        // after a write that recorded a time in the future.
        for i in 0..20 {
            one.put_sync(&format!("k{i}"), b"v").unwrap();
            one.remove_sync(&format!("k{i}")).unwrap();
        }
        let future = capcache::WriteOpts::new().time(u64::MAX as u128);
        one.put_with_opts_sync("future", b"v", future).unwrap();
        one.remove_sync("future").unwrap();
        one.flush_sync().unwrap();
        // Each key's newest (and, pruned, only) remote version is its
        // tombstone: the removals went up, after the writes.
        let objects = remote.files("index-v5/");
        assert_eq!(objects.len(), 21, "{}: {objects:?}", remote.label);
        for path in &objects {
            let bytes = remote.read(path);
            let line = capcache::index::Line::decode(capcache::IndexFormat::Npm, &bytes).last();
            assert_eq!(
                line.map(|l| l.integrity),
                Some(None),
                "{}: {path}",
                remote.label
            );
        }
        let (_b, two) = remote.machine();
        for key in (0..20)
            .map(|i| format!("k{i}"))
            .chain(["future".to_owned()])
        {
            assert!(
                matches!(two.get_sync(&key).unwrap(), Lookup::Miss),
                "{}: {key}",
                remote.label
            );
        }
    }
}
