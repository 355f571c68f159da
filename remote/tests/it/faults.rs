//! Damage and failure: never wrong bytes, never a hang, never a failure
//! passed off as a miss.

#[cfg(feature = "s3")]
use std::time::{Duration, Instant};

use capcache_remote::{Error, Lookup, QueuePolicy, RemoteOptions};
use capcache_test_support::fs::{content_files, only_content_file};

use crate::common::{remotes, Remote};

/// One machine uploads `value` under `key`; returns the content object's path.
fn uploaded(remote: &Remote, key: &str, value: &[u8]) -> String {
    let (_d, one) = remote.machine();
    one.put_sync(key, value).unwrap();
    one.flush_sync().unwrap();
    let content = remote.files("content-v2/");
    assert_eq!(content.len(), 1, "{}", remote.label);
    content.into_iter().next().unwrap()
}

/// Asserts that the second machine's read is a RemoteError and that
/// nothing was stored locally.
fn assert_not_served(remote: &Remote, dir: &std::path::Path, lookup: Lookup<Vec<u8>>) -> Error {
    let err = match lookup {
        Lookup::RemoteError(e) => e,
        other => panic!("{}: expected a remote error, got {other:?}", remote.label),
    };
    assert!(
        capcache::metadata_sync(dir, "k").unwrap().is_none(),
        "{}",
        remote.label
    );
    assert!(
        content_files(dir).is_empty(),
        "{}: damaged content was stored",
        remote.label
    );
    err
}

#[test]
fn truncated_remote_content_is_never_served_or_stored() {
    for remote in remotes() {
        let path = uploaded(&remote, "k", b"the whole value");
        remote.write(&path, b"the whole".to_vec());
        let (dir, two) = remote.machine();
        let err = assert_not_served(&remote, dir.path(), two.get_sync("k").unwrap());
        match err {
            Error::Corrupt {
                key,
                path: p,
                source,
            } => {
                assert_eq!((key.as_str(), p.as_str()), ("k", path.as_str()));
                assert!(
                    matches!(*source, capcache::Error::SizeMismatch { .. }),
                    "{source:?}"
                );
            }
            other => panic!("{}: {other:?}", remote.label),
        }
        let stats = two.stats();
        assert_eq!(
            (stats.corrupt, stats.remote_errors, stats.misses),
            (1, 1, 0)
        );
    }
}

#[test]
fn altered_remote_content_of_the_same_length_is_never_served_or_stored() {
    for remote in remotes() {
        let path = uploaded(&remote, "k", b"the whole value");
        remote.write(&path, b"THE WHOLE VALUE".to_vec());
        let (dir, two) = remote.machine();
        match assert_not_served(&remote, dir.path(), two.get_sync("k").unwrap()) {
            Error::Corrupt { source, .. } => {
                assert!(
                    matches!(*source, capcache::Error::IntegrityMismatch { .. }),
                    "{source:?}"
                )
            }
            other => panic!("{}: {other:?}", remote.label),
        }
    }
}

#[test]
fn longer_remote_content_is_refused() {
    for remote in remotes() {
        let path = uploaded(&remote, "k", b"value");
        remote.write(&path, vec![b'x'; 100_000]);
        let (dir, two) = remote.machine();
        match assert_not_served(&remote, dir.path(), two.get_sync("k").unwrap()) {
            Error::Corrupt { source, .. } => {
                assert!(
                    matches!(*source, capcache::Error::SizeMismatch { .. }),
                    "{source:?}"
                )
            }
            other => panic!("{}: {other:?}", remote.label),
        }
    }
}

#[test]
fn an_entry_whose_content_is_gone_is_a_remote_error() {
    for remote in remotes() {
        let path = uploaded(&remote, "k", b"value");
        remote.delete(&path);
        let (dir, two) = remote.machine();
        match assert_not_served(&remote, dir.path(), two.get_sync("k").unwrap()) {
            Error::ContentMissing { key, path: p } => assert_eq!((key, p), ("k".to_owned(), path)),
            other => panic!("{}: {other:?}", remote.label),
        }
        assert_eq!(two.stats().dangling, 1);
    }
}

#[test]
fn a_damaged_index_object_is_skipped_and_counted() {
    for remote in remotes() {
        uploaded(&remote, "k", b"value");
        let index = remote.files("index-v5/");
        let mut line = remote.read(&index[0]);
        // Flip a byte inside the JSON: its hash no longer matches.
        let at = line.len() - 5;
        line[at] ^= 0x20;
        remote.write(&index[0], line);
        let (_d, two) = remote.machine();
        assert!(
            matches!(two.get_sync("k").unwrap(), Lookup::Miss),
            "{}",
            remote.label
        );
        assert_eq!(two.stats().bad_index_objects, 1);
    }
}

#[test]
fn a_damaged_newest_version_falls_back_to_the_previous_one() {
    for remote in remotes() {
        let (_a, one) = remote.machine();
        one.put_with_opts_sync("k", b"first", capcache::WriteOpts::new().time(1))
            .unwrap();
        one.flush_sync().unwrap();
        let first = remote.files("index-v5/");
        let kept = remote.read(&first[0]);
        one.put_with_opts_sync("k", b"second", capcache::WriteOpts::new().time(2))
            .unwrap();
        one.flush_sync().unwrap();
        // Pruning removed the first version; put it back, then truncate the newest.
        remote.write(&first[0], kept);
        let newest = remote.files("index-v5/").pop().unwrap();
        let line = remote.read(&newest);
        remote.write(&newest, line[..line.len() / 2].to_vec());
        let (_b, two) = remote.machine();
        assert_eq!(
            two.get_sync("k").unwrap().into_value().unwrap(),
            b"first",
            "{}",
            remote.label
        );
        assert_eq!(two.stats().bad_index_objects, 1);
    }
}

#[test]
fn two_machines_with_skewed_clocks_agree_on_one_value() {
    for remote in remotes() {
        let (_a, ahead) = remote.machine();
        let (_b, behind) = remote.machine();
        let now = 1_750_000_000_000u128;
        // The machine whose clock runs an hour ahead writes first; the one
        // behind writes later but records an earlier time.
        ahead
            .put_with_opts_sync(
                "k",
                b"from ahead",
                capcache::WriteOpts::new().time(now + 3_600_000),
            )
            .unwrap();
        ahead.flush_sync().unwrap();
        behind
            .put_with_opts_sync("k", b"from behind", capcache::WriteOpts::new().time(now))
            .unwrap();
        behind.flush_sync().unwrap();
        // Every fresh reader gets the same winner (newest recorded time),
        // with its own bytes: never a mix.
        for _ in 0..3 {
            let (_c, reader) = remote.machine();
            assert_eq!(
                reader.get_sync("k").unwrap().into_value().unwrap(),
                b"from ahead",
                "{}",
                remote.label
            );
        }
        // Pruning by both left one version: the winner.
        assert_eq!(remote.files("index-v5/").len(), 1, "{}", remote.label);
        // Both contents stay until gc: the loser's is unreferenced.
        assert_eq!(remote.files("content-v2/").len(), 2);
    }
}

#[test]
fn damaged_local_content_is_never_uploaded() {
    for remote in remotes() {
        let (dir, cache) = crate::common::local();
        capcache::write_sync(&cache, "k", b"local value").unwrap();
        std::fs::write(only_content_file(dir.path()), b"LOCAL VALUE").unwrap();
        let machine = capcache_remote::RemoteCache::new(cache, remote.op.clone()).unwrap();
        let push = machine.push_sync().unwrap();
        assert_eq!(push.uploaded, 0);
        match &push.errors[..] {
            [Error::Local { key, source }] => {
                assert_eq!(key.as_deref(), Some("k"));
                assert!(
                    matches!(**source, capcache::Error::IntegrityMismatch { .. }),
                    "{source:?}"
                );
            }
            other => panic!("{}: {other:?}", remote.label),
        }
        assert!(remote.files("content-v2/").is_empty(), "{}", remote.label);
        assert!(remote.files("index-v5/").is_empty());
    }
}

#[test]
fn a_full_queue_that_blocks_loses_nothing() {
    for remote in remotes() {
        let opts = RemoteOptions::new()
            .queue_capacity(1)
            .upload_concurrency(1)
            .queue_policy(QueuePolicy::Block);
        let (_a, one) = remote.machine_with(opts);
        for i in 0..40 {
            one.put_sync(&format!("k{i}"), format!("v{i}").as_bytes())
                .unwrap();
        }
        one.flush_sync().unwrap();
        let stats = one.stats();
        assert_eq!((stats.uploads, stats.dropped), (40, 0), "{}", remote.label);
        assert_eq!(remote.files("index-v5/").len(), 40);
    }
}

/// A store whose endpoint accepts connections and never answers.
#[cfg(feature = "s3")]
fn black_hole() -> (crate::common::BlackHole, capcache_remote::opendal::Operator) {
    let hole = crate::common::BlackHole::start();
    let op = crate::common::s3_operator(&format!("http://127.0.0.1:{}", hole.port), "cache");
    (hole, op)
}

#[cfg(feature = "s3")]
#[test]
fn a_remote_that_never_answers_times_out_as_a_remote_error() {
    let (_hole, op) = black_hole();
    let (_d, cache) = crate::common::local();
    let deadline = Duration::from_millis(300);
    let machine = capcache_remote::RemoteCache::with_options(
        cache,
        op,
        RemoteOptions::new().deadline(deadline),
    )
    .unwrap();
    let started = Instant::now();
    match machine.get_sync("k").unwrap() {
        Lookup::RemoteError(Error::Timeout { op, after, .. }) => {
            assert_eq!((op, after), ("list", deadline));
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(machine.stats().timeouts, 1);

    // The write is local and returns; the upload fails by the deadline.
    machine.put_sync("k", b"v").unwrap();
    assert_eq!(capcache::read_sync(machine.local(), "k").unwrap(), b"v");
    match machine.flush_sync() {
        Err(Error::Uploads { failures }) => {
            assert!(
                matches!(&failures[..], [Error::Timeout { .. }]),
                "{failures:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(machine.stats().upload_errors, 1);
}

#[cfg(feature = "s3")]
#[test]
fn a_full_queue_that_drops_counts_and_reports_every_drop() {
    let (_hole, op) = black_hole();
    let (_d, cache) = crate::common::local();
    let opts = RemoteOptions::new()
        .deadline(Duration::from_millis(300))
        .queue_capacity(1)
        .upload_concurrency(1)
        .queue_policy(QueuePolicy::Drop);
    let machine = capcache_remote::RemoteCache::with_options(cache, op, opts).unwrap();
    // One upload in flight (stuck) and one waiting at most: of five puts,
    // at least three are dropped, none blocks.
    let started = Instant::now();
    for i in 0..5 {
        machine.put_sync(&format!("k{i}"), b"v").unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a put blocked on the full queue"
    );
    let dropped = machine.stats().dropped;
    assert!((3..=5).contains(&dropped), "dropped {dropped}");
    let failures = match machine.flush_sync() {
        Err(Error::Uploads { failures }) => failures,
        other => panic!("{other:?}"),
    };
    let full = failures
        .iter()
        .filter(|e| matches!(e, Error::QueueFull { .. }))
        .count();
    let timeouts = failures.iter().filter(|e| e.is_timeout()).count();
    assert_eq!(full as u64, dropped);
    assert_eq!(full + timeouts, 5, "{failures:?}");
    // Every value is still served locally.
    for i in 0..5 {
        assert_eq!(
            capcache::read_sync(machine.local(), format!("k{i}")).unwrap(),
            b"v"
        );
    }
}
