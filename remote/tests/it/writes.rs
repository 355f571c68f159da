//! Writes: local first, content before index, if-not-exists.

use capcache_remote::RemoteCache;
use capcache_test_support::fs::{content_files, index_files};

use crate::common::{local, remotes};

#[test]
fn content_is_shared_and_uploaded_once() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        // Flushed one by one: two uploads racing for one new content
        // object may both write it (the same bytes) on stores whose
        // if-not-exists is a check, not an atomic condition.
        one.put_sync("a", b"same bytes").unwrap();
        one.flush_sync().unwrap();
        one.put_sync("b", b"same bytes").unwrap();
        one.flush_sync().unwrap();
        let (_b, two) = remote.machine();
        two.put_sync("c", b"same bytes").unwrap();
        two.flush_sync().unwrap();
        assert_eq!(remote.files("content-v2/").len(), 1, "{}", remote.label);
        assert_eq!(remote.files("index-v5/").len(), 3);
        let (s1, s2) = (one.stats(), two.stats());
        assert_eq!(s1.uploads + s2.uploads, 3);
        assert_eq!(
            s1.content_uploads + s2.content_uploads,
            1,
            "{}",
            remote.label
        );
        assert_eq!(s1.content_present + s2.content_present, 2);
    }
}

#[test]
fn the_remote_layout_is_the_local_one() {
    for remote in remotes() {
        let (dir, one) = remote.machine();
        one.put_sync("k", b"v").unwrap();
        one.flush_sync().unwrap();
        let local_content: Vec<String> = content_files(dir.path())
            .iter()
            .map(|p| format!("content-v2/{}", slashed(p)))
            .collect();
        assert_eq!(
            remote.files("content-v2/"),
            local_content,
            "{}",
            remote.label
        );
        // The index object sits under the key's bucket path and holds the
        // local bucket's line, byte for byte.
        let local_bucket = index_files(dir.path()).into_iter().next().unwrap();
        let bucket = format!("index-v5/{}", slashed(&local_bucket));
        let index = remote.files("index-v5/");
        assert_eq!(index.len(), 1);
        assert!(
            index[0].starts_with(&format!("{bucket}/")),
            "{index:?} vs {bucket}"
        );
        assert_eq!(
            remote.read(&index[0]),
            std::fs::read(dir.path().join("index-v5").join(&local_bucket)).unwrap()
        );
    }
}

#[test]
fn a_damaged_remote_content_object_is_replaced_by_the_next_upload() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        one.put_sync("k", b"the value").unwrap();
        one.flush_sync().unwrap();
        let path = remote.files("content-v2/").pop().unwrap();
        remote.write(&path, b"the".to_vec());
        let (_b, two) = remote.machine();
        two.put_sync("k2", b"the value").unwrap();
        two.flush_sync().unwrap();
        assert_eq!(remote.read(&path), b"the value", "{}", remote.label);
    }
}

#[test]
fn push_uploads_what_was_written_without_the_remote_and_pull_fetches_it() {
    for remote in remotes() {
        let (_a, cache) = local();
        for i in 0..5 {
            capcache::write_sync(&cache, format!("k{i}"), format!("v{i}")).unwrap();
        }
        let one = RemoteCache::new(cache, remote.op.clone()).unwrap();
        let push = one.push_sync().unwrap();
        assert_eq!(
            (push.uploaded, push.up_to_date, push.errors.len()),
            (5, 0, 0),
            "{}",
            remote.label
        );
        assert_eq!(one.push_sync().unwrap().up_to_date, 5);

        let (b, two) = remote.machine();
        let pull = two.pull_sync().unwrap();
        assert_eq!((pull.pulled, pull.up_to_date, pull.errors.len()), (5, 0, 0));
        for i in 0..5 {
            assert_eq!(
                capcache::read_sync(b.path(), format!("k{i}")).unwrap(),
                format!("v{i}").as_bytes()
            );
        }
        assert_eq!(two.pull_sync().unwrap().up_to_date, 5);
    }
}

/// A relative path as an object key: `/`-separated on every platform.
fn slashed(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
