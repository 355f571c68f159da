//! A verified, streaming store for HTTP response caches, on
//! [`capcache`]: the storage layer that `http_cache::CACacheManager`
//! (cacache-rs) and `http_cache_stream::DefaultCacheStorage` provide, with
//! every body checked on every read and every file access confined to the
//! cache's directory capability.
//!
//! An entry is a plain capcache entry: the response's [`ResponseParts`]
//! (status, version, every header value, URL) and its [`CachePolicy`]
//! (`http-cache-semantics` 2, the type http-cache 0.21 uses) are JSON in the
//! entry's index metadata; the body is content-addressed (sha256, as in
//! cacache-rs; [`HttpStore::algorithm`] picks another), shared by every key
//! with the same body. So a revalidation is one index line
//! ([`HttpStore::put_sync`]), a body is written once while the client reads
//! it ([`HttpStore::store_sync`], a tee), and `capcache ls --json`, npm's
//! cacache and `capcache::gc_sync` understand the cache.
//!
//! Reads stream from disk and hash as they go: the read that reaches the
//! end of a damaged body fails ([`Error::Damaged`]) and evicts the entry,
//! so damage is reported and refetched, never served.
//!
//! # Examples
//!
//! ```
//! use std::io::Read;
//! use capcache_http::{CachePolicy, HttpStore, ResponseParts};
//! use capcache_http::http::{Request, Response};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let tmp = tempfile::tempdir()?;
//! let store = HttpStore::open(tmp.path())?;
//! let request = Request::get("https://example.com/").body(())?;
//! let response = Response::builder().header("cache-control", "max-age=60").body(())?;
//! let policy = CachePolicy::new(&request, &response);
//! let parts = ResponseParts::from_http(&response.into_parts().0, None);
//!
//! let mut tee = store.store_sync("GET:https://example.com/", &parts, &policy, &b"<html>"[..]);
//! let mut served = Vec::new();
//! tee.read_to_end(&mut served)?; // handed on while it is written
//!
//! let cached = store.get_sync("GET:https://example.com/")?.expect("stored");
//! assert_eq!(cached.body.bytes()?, b"<html>");
//! # Ok(())
//! # }
//! ```
//!
//! # Cargo features
//!
//! - `async` (default): the async operations ([`HttpStore::get`],
//!   [`HttpStore::store`], ...), run on smol's blocking pool natively and
//!   inline on WASI.
//! - `mmap` (default): forwarded to capcache, for whole reads through
//!   [`HttpStore::cache`]; the store's bodies stream and do not use it.
//! - `http-cache`: `impl http_cache::CacheManager for HttpStore`
//!   (http-cache 0.21, used by http-cache-reqwest 0.16); native targets only.
//!
//! Without `async` the crate is the blocking store alone, and builds for
//! `wasm32-wasip1`.
#![warn(missing_docs, missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod entry;
mod error;
mod evict;
mod headers;
#[cfg(all(feature = "http-cache", not(target_family = "wasm")))]
mod manager;
mod parts;
#[cfg(feature = "async")]
mod rt;
mod store;
#[cfg(feature = "async")]
mod store_async;
mod tee;

#[cfg(feature = "async")]
pub use body::Body;
pub use body::SyncBody;
pub use entry::Cached;
pub use error::{Error, Result};
pub use parts::ResponseParts;
pub use store::HttpStore;
pub use tee::SyncTee;
#[cfg(feature = "async")]
pub use tee::Tee;

/// The `http` crate (1.x), whose types [`ResponseParts`] uses.
pub use http;
/// The `http-cache-semantics` crate (2.x), whose [`CachePolicy`] is stored.
pub use http_cache_semantics;
pub use http_cache_semantics::CachePolicy;

/// The README's examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "http-cache"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Compile-time proof that the async API's futures and bodies are `Send`
/// (http-cache's `#[async_trait]` needs it).
#[cfg(feature = "async")]
#[allow(dead_code)]
fn assert_send(store: &HttpStore, policy: &CachePolicy, parts: &ResponseParts) {
    fn send<T: Send>(_: &T) {}
    send(&store.get("k"));
    send(&store.get_bytes("k"));
    send(&store.put("k", parts, policy, &capcache::Integrity::from(b"")));
    send(&store.store_bytes("k", parts, policy, Vec::new()));
    let chunks = futures_lite::stream::iter([Ok::<_, std::io::Error>(Vec::<u8>::new())]);
    send(&store.store("k", parts, policy, chunks));
}
