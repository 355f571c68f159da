//! Remote gc and stat.

use std::time::Duration;

use capcache_remote::{GcOptions, Lookup};
use capcache_test_support::env::now_ms;

use crate::common::remotes;

fn put_at(m: &capcache_remote::RemoteCache, key: &str, value: &[u8], time: u128) {
    m.put_with_opts_sync(key, value, capcache::WriteOpts::new().time(time))
        .unwrap();
}

#[test]
fn gc_by_size_evicts_the_oldest_and_leaves_no_dangling_entry() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let now = now_ms();
        put_at(&one, "oldest", &[1; 1000], now - 3000);
        put_at(&one, "middle", &[2; 1000], now - 2000);
        // Shares its content with "newest": counted once.
        put_at(&one, "shared", &[3; 1000], now - 1500);
        put_at(&one, "newest", &[3; 1000], now - 1000);
        one.flush_sync().unwrap();

        let gc = one
            .gc_sync(&GcOptions::new().max_size(2000).grace(Duration::ZERO))
            .unwrap();
        assert_eq!(
            (gc.evicted, gc.index_deleted),
            (1, 1),
            "{}: {gc:?}",
            remote.label
        );
        assert_eq!((gc.content_deleted, gc.bytes_freed), (1, 1000));

        let stat = one.stat_sync().unwrap();
        assert_eq!(
            (stat.keys, stat.dangling, stat.unreferenced_content),
            (3, 0, 0),
            "{stat:?}"
        );
        assert_eq!((stat.content_objects, stat.content_bytes), (2, 2000));
        let (_b, two) = remote.machine();
        assert!(matches!(two.get_sync("oldest").unwrap(), Lookup::Miss));
        assert_eq!(
            two.get_sync("newest").unwrap().into_value().unwrap(),
            [3; 1000]
        );
    }
}

#[test]
fn gc_by_age_evicts_old_entries() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        let now = now_ms();
        put_at(&one, "old", b"old", now - 10 * 86_400_000);
        put_at(&one, "new", b"new", now);
        one.flush_sync().unwrap();
        let gc = one
            .gc_sync(
                &GcOptions::new()
                    .max_age(Duration::from_secs(86_400))
                    .grace(Duration::ZERO),
            )
            .unwrap();
        assert_eq!((gc.evicted, gc.content_deleted), (1, 1), "{}", remote.label);
        assert_eq!(one.stat_sync().unwrap().keys, 1);
    }
}

#[test]
fn gc_drops_entries_whose_content_is_gone_and_old_removals() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        one.put_sync("lost", b"lost value").unwrap();
        one.put_sync("removed", b"removed value").unwrap();
        one.flush_sync().unwrap();
        one.remove_sync("removed").unwrap();
        one.flush_sync().unwrap();
        // Delete the content of "lost" behind the index's back.
        let sri = capcache::metadata_sync(one.local(), "lost")
            .unwrap()
            .unwrap()
            .integrity;
        let path = remote
            .files("content-v2/")
            .into_iter()
            .find(|p| p.ends_with(&sri.to_hex().1[4..]))
            .unwrap();
        remote.delete(&path);
        let before = one.stat_sync().unwrap();
        assert_eq!(
            (before.dangling, before.removed, before.keys),
            (1, 1, 1),
            "{}: {before:?}",
            remote.label
        );

        let gc = one
            .gc_sync(&GcOptions::new().grace(Duration::ZERO))
            .unwrap();
        assert_eq!(gc.dangling, 1, "{}", remote.label);
        assert_eq!(gc.index_deleted, 2, "{gc:?}");
        assert_eq!(gc.content_deleted, 1, "the removed key's content");
        assert!(remote.files("index-v5/").is_empty());
        assert!(remote.files("content-v2/").is_empty());
    }
}

#[test]
fn gc_keeps_fresh_unreferenced_content_for_uploads_in_flight() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        one.put_sync("k", b"v").unwrap();
        one.flush_sync().unwrap();
        // Content uploaded whose index object is not written yet.
        let sri = capcache::Integrity::from(b"in flight");
        let (algo, hex) = sri.to_hex();
        remote.write(
            &format!(
                "content-v2/{algo}/{}/{}/{}",
                &hex[..2],
                &hex[2..4],
                &hex[4..]
            ),
            b"in flight".to_vec(),
        );
        let gc = one.gc_sync(&GcOptions::new()).unwrap();
        assert_eq!(gc.content_deleted, 0, "{}", remote.label);
        assert_eq!(remote.files("content-v2/").len(), 2);
        // With no grace it goes; the referenced one stays.
        let gc = one
            .gc_sync(&GcOptions::new().grace(Duration::ZERO))
            .unwrap();
        assert_eq!(gc.content_deleted, 1, "{}", remote.label);
        assert_eq!(remote.files("content-v2/").len(), 1);
    }
}

#[test]
fn stat_counts_what_the_store_holds() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        one.put_sync("a", b"12345").unwrap();
        one.put_sync("b", b"12345").unwrap();
        one.put_sync("c", b"123").unwrap();
        one.flush_sync().unwrap();
        remote.write(
            "index-v5/00/00/junk/00000000000000000001-0000000000000000",
            b"junk".to_vec(),
        );
        let stat = one.stat_sync().unwrap();
        assert_eq!(
            (
                stat.keys,
                stat.index_objects,
                stat.bad_index_objects,
                stat.content_objects,
                stat.content_bytes
            ),
            (3, 4, 1, 2, 8),
            "{}: {stat:?}",
            remote.label
        );
    }
}
