//! The blocking and async APIs from plain threads, smol and tokio.

use capcache_remote::{Lookup, Source};

use crate::common::memory;

#[test]
fn the_blocking_api_works_inside_a_tokio_runtime() {
    let remote = memory();
    let (_a, one) = remote.machine();
    let (_b, two) = remote.machine();
    for flavor in ["current_thread", "multi_thread"] {
        let rt = match flavor {
            "current_thread" => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
            _ => tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build(),
        }
        .unwrap();
        let key = format!("k-{flavor}");
        rt.block_on(async {
            one.put_sync(&key, b"v").unwrap();
            one.flush_sync().unwrap();
            let hit = two.get_sync(&key).unwrap();
            assert_eq!(hit.source(), Some(Source::Remote), "{flavor}");
        });
    }
}

#[test]
fn the_async_api_works_from_smol() {
    let remote = memory();
    let (_a, one) = remote.machine();
    let (_b, two) = remote.machine();
    smol::block_on(async {
        one.put("k", b"v").await.unwrap();
        one.flush().await.unwrap();
        match two.get("k").await.unwrap() {
            Lookup::Hit { value, source } => {
                assert_eq!((value.as_slice(), source), (&b"v"[..], Source::Remote));
            }
            other => panic!("{other:?}"),
        }
        let meta = two.fetch("k").await.unwrap();
        assert_eq!(meta.source(), Some(Source::Local));
        two.remove("k").await.unwrap();
        two.flush().await.unwrap();
        assert_eq!(two.stat().await.unwrap().removed, 1);
    });
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_api_works_from_a_current_thread_tokio_runtime() {
    let remote = memory();
    let (_a, one) = remote.machine();
    let (_b, two) = remote.machine();
    one.put("k", b"v".to_vec()).await.unwrap();
    one.flush().await.unwrap();
    assert_eq!(
        two.get("k").await.unwrap().into_value(),
        Some(b"v".to_vec())
    );
    assert_eq!(two.pull().await.unwrap().up_to_date, 1);
}

#[test]
fn many_threads_share_one_remote_cache() {
    let remote = memory();
    let (_a, one) = remote.machine();
    std::thread::scope(|s| {
        for t in 0..4 {
            let one = one.clone();
            s.spawn(move || {
                for i in 0..25 {
                    one.put_sync(&format!("t{t}-{i}"), format!("{t}/{i}").as_bytes())
                        .unwrap();
                }
            });
        }
    });
    one.flush_sync().unwrap();
    assert_eq!(one.stats().uploads, 100);
    let (_b, two) = remote.machine();
    assert_eq!(two.pull_sync().unwrap().pulled, 100);
}
