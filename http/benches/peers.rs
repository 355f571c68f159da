//! capcache-http side by side with the stores it replaces, in one run:
//! http-cache 0.21's `CACacheManager` (cacache-rs, whole responses as
//! bincode blobs) and http-cache-stream 0.4's `DefaultCacheStorage` (its own
//! streaming API). capcache-http appears twice: through its streaming store
//! API (the peer of DefaultCacheStorage) and through its
//! `http_cache::CacheManager` impl (the peer of CACacheManager).
//!
//! capcache-http with sha512 bodies (`HttpStore::algorithm`, npm's
//! default; the store's default is sha256, as cacache-rs's) is a fifth
//! contender for get and store.
//!
//! Rows: get (lookup + whole body read) and store (a new body each
//! iteration) of 1 KiB and 1 MiB responses, and a revalidation (new parts
//! and policy for the cached body) of both sizes.
//!
//! Run: `cargo bench -p capcache-http --all-features --bench peers`

// The peers need tokio, reqwest's stack and cacache-rs: native only (the
// bench target still has to build for wasm32-wasip1 under `--all-targets`).
#[cfg(target_family = "wasm")]
fn main() {}

#[cfg(not(target_family = "wasm"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_family = "wasm"))]
mod native {
    use std::hint::black_box;
    use std::io;
    use std::sync::atomic::{AtomicU64, Ordering};

    use bytes::Bytes;
    use capcache_http::{CachePolicy, HttpStore, ResponseParts};
    use criterion::{criterion_group, BenchmarkId, Criterion};
    use futures_lite::{stream, StreamExt};
    use http_body_util::{BodyExt, Full};
    use http_cache::{CACacheManager, CacheManager, HttpResponse, HttpVersion};
    use http_cache_stream::storage::{CacheStorage, DefaultCacheStorage};
    use tokio::runtime::Runtime;

    const URL: &str = "https://example.com/bench";
    const KEY: &str = "GET:https://example.com/bench";
    /// http-cache-stream's keys are hex strings.
    const HEX_KEY: &str = "0123456789abcdef";

    const SIZES: [(usize, &str); 2] = [(1 << 10, "1KiB"), (1 << 20, "1MiB")];

    /// The names of the five contenders, as the report prints them.
    const STORE_API: &str = "capcache-http";
    /// The store API with sha512 bodies (`HttpStore::algorithm`), npm's
    /// hash; without SHA-512 extensions it is slower than sha256 here.
    const STORE_512: &str = "capcache-http sha512";
    const MANAGER: &str = "capcache-http as CacheManager";
    const STREAM: &str = "DefaultCacheStorage";
    const CACACHE: &str = "CACacheManager";

    fn response_parts() -> http::response::Parts {
        let response = http::Response::builder()
            .status(200)
            .header("cache-control", "max-age=3600")
            .header("content-type", "application/octet-stream")
            .header("etag", "\"bench\"")
            .body(())
            .expect("response");
        response.into_parts().0
    }

    fn request() -> http::Request<()> {
        http::Request::get(URL).body(()).expect("request")
    }

    /// The policy in both http-cache-semantics majors (2 for capcache-http and
    /// http-cache, 3 for http-cache-stream).
    fn policies() -> (CachePolicy, http_cache_semantics_3::CachePolicy) {
        let parts = response_parts();
        (
            CachePolicy::new(&request(), &parts),
            http_cache_semantics_3::CachePolicy::new(&request(), &parts),
        )
    }

    fn http_cache_response(body: Vec<u8>) -> HttpResponse {
        let parts = response_parts();
        HttpResponse {
            body,
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect(),
            status: 200,
            url: url::Url::parse(URL).expect("url"),
            version: HttpVersion::Http11,
        }
    }

    /// A fresh body each call: a counter in the first bytes, so no store can
    /// skip the write as a duplicate.
    fn new_body(size: usize, counter: &AtomicU64) -> Vec<u8> {
        let mut body = vec![0x5a; size];
        let n = counter.fetch_add(1, Ordering::Relaxed).to_le_bytes();
        body[..8].copy_from_slice(&n);
        body
    }

    /// The four stores, each in its own temp dir.
    struct Peers {
        _dirs: [tempfile::TempDir; 4],
        store: HttpStore,
        store512: HttpStore,
        stream: DefaultCacheStorage,
        cacache: CACacheManager,
    }

    impl Peers {
        fn new() -> Peers {
            let dirs = [(); 4].map(|()| tempfile::tempdir().expect("tempdir"));
            Peers {
                store: HttpStore::open(dirs[0].path()).expect("store"),
                store512: HttpStore::open(dirs[3].path())
                    .expect("store")
                    .algorithm(capcache::Algorithm::Sha512),
                stream: DefaultCacheStorage::new(dirs[1].path()),
                cacache: CACacheManager::new(dirs[2].path().to_path_buf(), true),
                _dirs: dirs,
            }
        }
    }

    async fn stream_store(
        peers: &Peers,
        key: &str,
        policy: &http_cache_semantics_3::CachePolicy,
        body: Vec<u8>,
    ) {
        let response = peers
            .stream
            .store(
                key.to_owned(),
                response_parts(),
                Full::new(Bytes::from(body)),
                policy.clone(),
            )
            .await
            .expect("store");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        black_box(bytes);
    }

    async fn store_api_store(store: &HttpStore, policy: &CachePolicy, body: Vec<u8>) {
        let parts = ResponseParts::from_http(&response_parts(), Some(URL.to_owned()));
        let chunks = stream::iter([Ok::<_, io::Error>(Bytes::from(body))]);
        let mut tee = store.store(KEY, &parts, policy, chunks).await;
        while let Some(chunk) = tee.next().await {
            black_box(chunk.expect("chunk"));
        }
        assert!(matches!(tee.outcome(), Some(Ok(_))));
    }

    fn bench(c: &mut Criterion) {
        let rt = Runtime::new().expect("runtime");
        let (policy, policy3) = policies();
        let parts = ResponseParts::from_http(&response_parts(), Some(URL.to_owned()));
        let counter = AtomicU64::new(0);

        for (size, label) in SIZES {
            let peers = Peers::new();
            // Seed every store with one response of this size.
            let body = new_body(size, &counter);
            for store in [&peers.store, &peers.store512] {
                rt.block_on(store.store_bytes(KEY, &parts, &policy, body.clone()))
                    .expect("seed");
            }
            rt.block_on(stream_store(&peers, HEX_KEY, &policy3, body.clone()));
            rt.block_on(CacheManager::put(
                &peers.cacache,
                KEY.to_owned(),
                http_cache_response(body.clone()),
                policy.clone(),
            ))
            .expect("seed cacache");
            let digest = rt
                .block_on(peers.stream.get::<Full<Bytes>>(HEX_KEY))
                .expect("get")
                .expect("seeded")
                .digest;

            let mut group = c.benchmark_group(format!("get/{label}"));
            group.bench_function(BenchmarkId::from_parameter(STORE_API), |b| {
                b.to_async(&rt).iter(|| async {
                    let cached = peers.store.get(KEY).await.expect("get").expect("hit");
                    black_box(cached.body.bytes().await.expect("body"))
                })
            });
            group.bench_function(BenchmarkId::from_parameter(STORE_512), |b| {
                b.to_async(&rt).iter(|| async {
                    let cached = peers.store512.get(KEY).await.expect("get").expect("hit");
                    black_box(cached.body.bytes().await.expect("body"))
                })
            });
            group.bench_function(BenchmarkId::from_parameter(MANAGER), |b| {
                b.to_async(&rt).iter(|| async {
                    black_box(
                        CacheManager::get(&peers.store, KEY)
                            .await
                            .expect("get")
                            .expect("hit"),
                    )
                })
            });
            group.bench_function(BenchmarkId::from_parameter(STREAM), |b| {
                b.to_async(&rt).iter(|| async {
                    let stored = peers
                        .stream
                        .get::<Full<Bytes>>(HEX_KEY)
                        .await
                        .expect("get")
                        .expect("hit");
                    black_box(
                        stored
                            .response
                            .into_body()
                            .collect()
                            .await
                            .expect("body")
                            .to_bytes(),
                    )
                })
            });
            group.bench_function(BenchmarkId::from_parameter(CACACHE), |b| {
                b.to_async(&rt).iter(|| async {
                    black_box(
                        CacheManager::get(&peers.cacache, KEY)
                            .await
                            .expect("get")
                            .expect("hit"),
                    )
                })
            });
            group.finish();

            let mut group = c.benchmark_group(format!("store/{label}"));
            group.bench_function(BenchmarkId::from_parameter(STORE_API), |b| {
                b.to_async(&rt)
                    .iter(|| store_api_store(&peers.store, &policy, new_body(size, &counter)))
            });
            group.bench_function(BenchmarkId::from_parameter(STORE_512), |b| {
                b.to_async(&rt)
                    .iter(|| store_api_store(&peers.store512, &policy, new_body(size, &counter)))
            });
            group.bench_function(BenchmarkId::from_parameter(MANAGER), |b| {
                b.to_async(&rt).iter(|| async {
                    let res = http_cache_response(new_body(size, &counter));
                    black_box(
                        CacheManager::put(&peers.store, KEY.to_owned(), res, policy.clone())
                            .await
                            .expect("put"),
                    )
                })
            });
            group.bench_function(BenchmarkId::from_parameter(STREAM), |b| {
                b.to_async(&rt)
                    .iter(|| stream_store(&peers, HEX_KEY, &policy3, new_body(size, &counter)))
            });
            group.bench_function(BenchmarkId::from_parameter(CACACHE), |b| {
                b.to_async(&rt).iter(|| async {
                    let res = http_cache_response(new_body(size, &counter));
                    black_box(
                        CacheManager::put(&peers.cacache, KEY.to_owned(), res, policy.clone())
                            .await
                            .expect("put"),
                    )
                })
            });
            group.finish();

            // Revalidation: the same body with new parts and policy. The two
            // CacheManagers are handed the whole response (http-cache 0.21's
            // API); the stores get the body's integrity / digest.
            let body = new_body(size, &counter);
            let sri = rt
                .block_on(peers.store.store_bytes(KEY, &parts, &policy, body.clone()))
                .expect("seed");
            rt.block_on(CacheManager::put(
                &peers.cacache,
                KEY.to_owned(),
                http_cache_response(body.clone()),
                policy.clone(),
            ))
            .expect("seed cacache");
            let response = http_cache_response(body);
            let stream_parts = response_parts();
            let mut group = c.benchmark_group(format!("revalidate/{label}"));
            group.bench_function(BenchmarkId::from_parameter(STORE_API), |b| {
                b.to_async(&rt).iter(|| async {
                    peers
                        .store
                        .put(KEY, &parts, &policy, &sri)
                        .await
                        .expect("put")
                })
            });
            group.bench_function(BenchmarkId::from_parameter(MANAGER), |b| {
                b.to_async(&rt).iter(|| async {
                    black_box(
                        CacheManager::put(
                            &peers.store,
                            KEY.to_owned(),
                            response.clone(),
                            policy.clone(),
                        )
                        .await
                        .expect("put"),
                    )
                })
            });
            group.bench_function(BenchmarkId::from_parameter(STREAM), |b| {
                b.to_async(&rt).iter(|| async {
                    peers
                        .stream
                        .put(HEX_KEY, &stream_parts, &policy3, &digest)
                        .await
                        .expect("put")
                })
            });
            group.bench_function(BenchmarkId::from_parameter(CACACHE), |b| {
                b.to_async(&rt).iter(|| async {
                    black_box(
                        CacheManager::put(
                            &peers.cacache,
                            KEY.to_owned(),
                            response.clone(),
                            policy.clone(),
                        )
                        .await
                        .expect("put"),
                    )
                })
            });
            group.finish();
        }
    }

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .sample_size(20)
            .warm_up_time(std::time::Duration::from_millis(500))
            .measurement_time(std::time::Duration::from_secs(2));
        targets = bench
    }
}
