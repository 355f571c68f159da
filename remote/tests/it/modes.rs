//! The write-once index, chosen for stores that cannot list.

use capcache_remote::opendal::layers::CapabilityOverrideLayer;
use capcache_remote::{Error, GcOptions, IndexMode, Lookup, RemoteCache};

use crate::common::{local, remotes};

/// The same store, advertising no `list` (as the GitHub Actions cache).
fn without_list(op: &capcache_remote::opendal::Operator) -> capcache_remote::opendal::Operator {
    op.clone().layer(CapabilityOverrideLayer::new(|mut cap| {
        cap.list = false;
        cap.list_with_recursive = false;
        cap
    }))
}

#[test]
fn a_store_that_cannot_list_gets_a_write_once_index() {
    for remote in remotes() {
        let op = without_list(&remote.op);
        let (_a, a) = local();
        let (_b, b) = local();
        let (_c, c) = local();
        let one = RemoteCache::new(a, op.clone()).unwrap();
        let two = RemoteCache::new(b, op.clone()).unwrap();
        assert_eq!(one.index_mode(), IndexMode::WriteOnce, "{}", remote.label);

        one.put_sync("k", b"first").unwrap();
        one.flush_sync().unwrap();
        two.put_sync("k", b"second").unwrap();
        two.flush_sync().unwrap();
        // The first writer won: one object, at the bucket's path.
        let index = remote.files("index-v5/");
        assert_eq!(index.len(), 1, "{}", remote.label);
        assert_eq!(
            index[0].matches('/').count(),
            3,
            "{}: {index:?}",
            remote.label
        );
        // The loser's body did not go up: nothing would ever collect it.
        let content = remote.files("content-v2/");
        assert_eq!(content.len(), 1, "{}: {content:?}", remote.label);
        let three = RemoteCache::new(c, op).unwrap();
        assert_eq!(three.get_sync("k").unwrap().into_value().unwrap(), b"first");
        assert!(matches!(three.get_sync("absent").unwrap(), Lookup::Miss));

        assert!(matches!(
            one.remove_sync("k"),
            Err(Error::Unsupported { op: "remove", .. })
        ));
        // Nothing was removed locally either.
        assert_eq!(one.get_sync("k").unwrap().into_value().unwrap(), b"first");
        assert!(matches!(
            one.gc_sync(&GcOptions::new()),
            Err(Error::Unsupported { op: "gc", .. })
        ));
        assert!(matches!(
            one.stat_sync(),
            Err(Error::Unsupported { op: "stat", .. })
        ));
        assert!(matches!(
            one.pull_sync(),
            Err(Error::Unsupported { op: "pull", .. })
        ));
    }
}

#[test]
fn a_damaged_write_once_object_is_a_remote_error() {
    for remote in remotes() {
        let op = without_list(&remote.op);
        let (_a, a) = local();
        let one = RemoteCache::new(a, op.clone()).unwrap();
        one.put_sync("k", b"v").unwrap();
        one.flush_sync().unwrap();
        let path = remote.files("index-v5/").pop().unwrap();
        remote.write(&path, b"garbage".to_vec());
        let (_b, b) = local();
        let two = RemoteCache::new(b, op).unwrap();
        match two.get_sync("k").unwrap() {
            Lookup::RemoteError(Error::BadIndex { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{}: {other:?}", remote.label),
        }
    }
}
