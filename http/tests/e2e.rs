//! End to end: reqwest through http-cache-reqwest 0.16 with `HttpStore` as
//! its `CacheManager`, against a real local HTTP server.
#![cfg(all(feature = "http-cache", not(target_family = "wasm")))]

mod common;
mod server;

use std::fs;

use capcache_http::HttpStore;
use common::{content_files, index_lines};
use http_cache_reqwest::{Cache, CacheMode, HttpCache, HttpCacheOptions};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use server::Server;

/// The file's inode (unix) or its modification time: a rewrite changes it.
fn file_id(path: &std::path::Path) -> u128 {
    let meta = fs::metadata(path).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::ino(&meta).into()
    }
    #[cfg(not(unix))]
    {
        meta.modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    }
}

fn client(store: &HttpStore) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(Cache(HttpCache {
            mode: CacheMode::Default,
            manager: store.clone(),
            options: HttpCacheOptions::default(),
        }))
        .build()
}

async fn fetch(client: &ClientWithMiddleware, url: &str) -> (u16, Vec<u8>) {
    let res = client.get(url).send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn fresh_response_is_served_from_the_cache() {
    let tmp = common::tempdir();
    let store = HttpStore::open(tmp.path()).unwrap();
    let server = Server::fixed("max-age=86400, public", b"fresh body").await;
    let client = client(&store);
    let url = server.url("/fresh");

    assert_eq!(fetch(&client, &url).await, (200, b"fresh body".to_vec()));
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.headers()["x-cache"], "HIT");
    assert_eq!(res.bytes().await.unwrap(), b"fresh body".as_slice());
    assert_eq!(server.hits(), 1, "the second GET never reached the server");

    let cached = store
        .get_bytes(format!("GET:{url}"))
        .await
        .unwrap()
        .expect("cached");
    assert_eq!(cached.body, b"fresh body");
    assert_eq!(cached.parts.url.as_deref(), Some(url.as_str()));
}

#[tokio::test]
async fn stale_response_is_revalidated_by_a_304_without_new_content() {
    let tmp = common::tempdir();
    let store = HttpStore::open(tmp.path()).unwrap();
    let body = vec![b'x'; 100_000];
    let served = body.clone();
    let server = Server::start(move |seen| {
        let headers = vec![
            ("cache-control", "no-cache".to_owned()),
            ("etag", "\"v1\"".to_owned()),
        ];
        match seen.if_none_match.as_deref() {
            Some("\"v1\"") => (304, headers, Vec::new()),
            _ => (200, headers, served.clone()),
        }
    })
    .await;
    let client = client(&store);
    let url = server.url("/stale");

    assert_eq!(fetch(&client, &url).await, (200, body.clone()));
    let (files, lines) = (content_files(tmp.path()), index_lines(tmp.path()));
    assert_eq!(files.len(), 1);
    let inode = file_id(&files[0]);

    for round in 1..=2 {
        assert_eq!(
            fetch(&client, &url).await,
            (200, body.clone()),
            "round {round}"
        );
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[1].if_none_match.as_deref(),
        Some("\"v1\""),
        "a conditional request"
    );
    assert_eq!(seen[2].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(
        content_files(tmp.path()),
        files,
        "no content file added by the 304s"
    );
    assert_eq!(
        index_lines(tmp.path()),
        lines + 2,
        "one index line per revalidation"
    );
    assert_eq!(file_id(&files[0]), inode, "the body file was not rewritten");
}

#[tokio::test]
async fn corrupted_body_is_detected_refetched_and_recached() {
    let tmp = common::tempdir();
    let store = HttpStore::open(tmp.path()).unwrap();
    let server = Server::fixed("max-age=86400", b"pristine body").await;
    let client = client(&store);
    let url = server.url("/corrupt");
    let key = format!("GET:{url}");

    fetch(&client, &url).await;
    let sri = store.get(&key).await.unwrap().expect("cached").integrity;
    let path = store.body_path(&sri).expect("body file");
    fs::write(&path, b"pristine bodY").unwrap();

    assert_eq!(fetch(&client, &url).await, (200, b"pristine body".to_vec()));
    assert_eq!(server.hits(), 2, "the damaged entry was a miss: refetched");
    assert_eq!(
        fs::read(&path).unwrap(),
        b"pristine body",
        "re-cached intact"
    );
    assert_eq!(fetch(&client, &url).await, (200, b"pristine body".to_vec()));
    assert_eq!(server.hits(), 2, "served from the cache again");
}

#[tokio::test]
async fn no_store_response_is_not_cached() {
    let tmp = common::tempdir();
    let store = HttpStore::open(tmp.path()).unwrap();
    let server = Server::fixed("no-store", b"secret").await;
    let client = client(&store);
    let url = server.url("/private");

    assert_eq!(fetch(&client, &url).await, (200, b"secret".to_vec()));
    assert_eq!(fetch(&client, &url).await, (200, b"secret".to_vec()));
    assert_eq!(server.hits(), 2);
    assert!(store.get(format!("GET:{url}")).await.unwrap().is_none());
    assert!(content_files(tmp.path()).is_empty());
}

#[tokio::test]
async fn capability_store_serves_the_client_too() {
    let tmp = common::tempdir();
    let dir = cap_std::fs::Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
    let store = HttpStore::from_dir(dir);
    let server = Server::fixed("max-age=60", b"cap").await;
    let client = client(&store);
    let url = server.url("/cap");
    fetch(&client, &url).await;
    assert_eq!(fetch(&client, &url).await, (200, b"cap".to_vec()));
    assert_eq!(server.hits(), 1);
}

/// `CacheManager::put` tells a revalidation (the cached body handed back)
/// from a new body of the same size by the bytes, and a put of the right
/// body over a damaged file of the same length stores it again.
#[tokio::test]
async fn manager_put_recognises_the_cached_body_byte_for_byte() {
    use http_cache::{CacheManager, HttpResponse, HttpVersion};

    let tmp = common::tempdir();
    let store = HttpStore::open(tmp.path()).unwrap();
    let url = "https://example.com/same-size";
    let key = format!("GET:{url}");
    let request = capcache_http::http::Request::get(url).body(()).unwrap();
    let response200 = capcache_http::http::Response::new(());
    let policy = capcache_http::CachePolicy::new(&request, &response200);
    let response = |body: &[u8]| HttpResponse {
        body: body.to_vec(),
        headers: Default::default(),
        status: 200,
        url: url.parse().unwrap(),
        version: HttpVersion::Http11,
    };
    let first = common::pattern(200_000);
    let put = |body: &[u8]| CacheManager::put(&store, key.clone(), response(body), policy.clone());

    put(&first).await.unwrap();
    let files = content_files(tmp.path());
    let (lines, inode) = (index_lines(tmp.path()), file_id(&files[0]));
    put(&first).await.unwrap();
    assert_eq!(
        content_files(tmp.path()),
        files,
        "a revalidation adds no content"
    );
    assert_eq!(index_lines(tmp.path()), lines + 1, "one index line");
    assert_eq!(file_id(&files[0]), inode, "the body file was not rewritten");

    // Same size, one byte differs (at the end, past the first piece).
    let mut second = first.clone();
    *second.last_mut().unwrap() ^= 1;
    put(&second).await.unwrap();
    assert_eq!(content_files(tmp.path()).len(), 2, "a new body is stored");
    let cached = store.get_bytes(&key).await.unwrap().expect("cached");
    assert!(cached.body == second);

    // The stored file damaged, its length intact: the right body replaces it.
    let path = store.body_path(&cached.integrity).unwrap();
    let mut damaged = second.clone();
    damaged[0] ^= 1;
    fs::write(&path, &damaged).unwrap();
    put(&second).await.unwrap();
    assert!(
        fs::read(&path).unwrap() == second,
        "the damaged file was replaced"
    );
    let cached = store.get_bytes(&key).await.unwrap().expect("cached");
    assert!(cached.body == second);
}
