//! http-cache-reqwest 0.16's own test cases (its `src/test.rs`, written
//! there against `MokaManager` and wiremock), rewritten against `HttpStore`
//! and a real local server; the server's request count stands in for
//! wiremock's `expect(n)`.
#![cfg(all(feature = "http-cache", not(target_family = "wasm")))]

mod common;
mod server;

use std::sync::Arc;

use capcache_http::{http, HttpStore};
use http_cache::{CacheManager, XCACHE, XCACHELOOKUP};
use http_cache_reqwest::{Cache, CacheMode, CacheOptions, HttpCache, HttpCacheOptions};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use server::Server;

const BODY: &[u8] = b"test";
const CACHEABLE_PUBLIC: &str = "max-age=86400, public";

fn client(store: &HttpStore, mode: CacheMode, options: HttpCacheOptions) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(Cache(HttpCache {
            mode,
            manager: store.clone(),
            options,
        }))
        .build()
}

fn private_cache() -> HttpCacheOptions {
    HttpCacheOptions {
        cache_options: Some(CacheOptions {
            shared: false,
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn cached(store: &HttpStore, url: &str) -> bool {
    CacheManager::get(store, &format!("GET:{}", url::Url::parse(url).unwrap()))
        .await
        .unwrap()
        .is_some()
}

async fn setup(cache_control: &str) -> (tempfile::TempDir, HttpStore, Server) {
    let tmp = common::tempdir();
    let store = HttpStore::open(tmp.path()).unwrap();
    (tmp, store, Server::fixed(cache_control, BODY).await)
}

#[tokio::test]
async fn default_mode() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let client = client(&store, CacheMode::Default, HttpCacheOptions::default());
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap(), BODY);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn default_mode_with_options() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let client = client(&store, CacheMode::Default, private_cache());
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    // A private cache serves the fresh response again without the server.
    client.get(&url).send().await.unwrap();
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn no_cache_mode() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let client = client(&store, CacheMode::NoCache, HttpCacheOptions::default());
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    client.get(&url).send().await.unwrap();
    assert_eq!(server.hits(), 2, "NoCache always asks the server");
}

#[tokio::test]
async fn reload_mode() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let client = client(&store, CacheMode::Reload, private_cache());
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    client.get(&url).send().await.unwrap();
    assert_eq!(server.hits(), 2, "Reload always asks the server");
}

#[tokio::test]
async fn custom_cache_key() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let options = HttpCacheOptions {
        cache_key: Some(Arc::new(|req: &http::request::Parts| {
            format!("{}:{}:{:?}:test", req.method, req.uri, req.version)
        })),
        ..Default::default()
    };
    let client = client(&store, CacheMode::Default, options);
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    let key = format!("GET:{url}:{:?}:test", http::Version::HTTP_11);
    assert!(CacheManager::get(&store, &key).await.unwrap().is_some());
    assert!(!cached(&store, &url).await, "not under the default key");
}

#[tokio::test]
async fn custom_cache_mode_fn() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let options = HttpCacheOptions {
        cache_mode_fn: Some(Arc::new(|req: &http::request::Parts| {
            if req.uri.path().ends_with(".css") {
                CacheMode::Default
            } else {
                CacheMode::NoStore
            }
        })),
        ..Default::default()
    };
    let client = client(&store, CacheMode::NoStore, options);
    let css = server.url("/test.css");
    client.get(&css).send().await.unwrap();
    assert!(cached(&store, &css).await);
    let root = server.url("/");
    client.get(&root).send().await.unwrap();
    assert!(!cached(&store, &root).await);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn override_cache_mode() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let client = client(&store, CacheMode::Default, HttpCacheOptions::default());
    let css = server.url("/test.css");
    client.get(&css).send().await.unwrap();
    assert!(cached(&store, &css).await);
    let root = server.url("/");
    client
        .get(&root)
        .with_extension(CacheMode::NoStore)
        .send()
        .await
        .unwrap();
    assert!(!cached(&store, &root).await);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn no_status_headers() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let options = HttpCacheOptions {
        cache_status_headers: false,
        ..Default::default()
    };
    let client = client(&store, CacheMode::Default, options);
    let url = server.url("/test.css");
    let res = client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    assert!(res.headers().get(XCACHELOOKUP).is_none());
    assert!(res.headers().get(XCACHE).is_none());
    // The stored response carries none either.
    let stored = store.get(format!("GET:{url}")).await.unwrap().unwrap();
    assert!(stored.parts.headers.get(XCACHE).is_none());
}

#[tokio::test]
async fn cache_bust() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let options = HttpCacheOptions {
        cache_bust: Some(Arc::new(|req: &http::request::Parts, _, _| {
            if req.uri.path().ends_with("/bust-cache") {
                vec![format!(
                    "GET:{}://{}:{}/",
                    req.uri.scheme_str().unwrap_or("http"),
                    req.uri.host().unwrap_or_default(),
                    req.uri.port_u16().unwrap_or(80)
                )]
            } else {
                Vec::new()
            }
        })),
        ..Default::default()
    };
    let client = client(&store, CacheMode::Default, options);
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    client.get(server.url("/bust-cache")).send().await.unwrap();
    assert!(!cached(&store, &url).await, "busted");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn delete_after_non_get_head_method_request() {
    let (_tmp, store, server) = setup(CACHEABLE_PUBLIC).await;
    let client = client(&store, CacheMode::Default, HttpCacheOptions::default());
    let url = server.url("/");
    client.get(&url).send().await.unwrap();
    assert!(cached(&store, &url).await);
    client.post(&url).send().await.unwrap();
    assert!(
        !cached(&store, &url).await,
        "a POST invalidates the GET entry"
    );
    assert_eq!(server.seen()[1].method, "POST");
}
