//! Helpers shared by the integration tests: those that need capcache's
//! types or features, on top of `capcache_test_support` (re-exported here,
//! so a test file imports everything from `common`).
//!
//! Every test crate includes this module with `#[macro_use] mod common;` and
//! uses a different subset of it.
#![allow(dead_code, unused_imports, unused_macros)]

use std::path::{Path, PathBuf};

use capcache::{Algorithm, Cache, IndexFormat, Integrity, Metadata, Result, WriteOpts};
use capcache_test_support::format::Index;

pub use capcache_test_support::data::pattern;
pub use capcache_test_support::env::{now_ms, tempdir};
pub use capcache_test_support::format::{
    bucket_lines, content_path, sha1_hex, sha256_hex, sha384_hex, sha512, sha512_hex, sharded,
};
pub use capcache_test_support::fs::{
    append, content_files, corrupt, flip_byte, index_files, only_content_file, tmp_files,
};

/// A new cache in `<tmp>/cache`, opened from its path. Keep the `TempDir`
/// alive for the test; the parent lets a test check nothing leaks outside.
pub fn new_cache() -> (tempfile::TempDir, Cache) {
    let tmp = tempdir();
    let cache = Cache::open(tmp.path().join("cache")).expect("open cache");
    (tmp, cache)
}

/// Drives a capcache future: smol natively, futures-lite's `block_on` on
/// WASI (smol does not build there).
#[cfg(all(feature = "async", not(target_family = "wasm")))]
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    smol::block_on(future)
}

/// Drives a capcache future: smol natively, futures-lite's `block_on` on
/// WASI (smol does not build there).
#[cfg(all(feature = "async", target_family = "wasm"))]
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    futures_lite::future::block_on(future)
}

/// test-support's own name for `format` (it does not depend on capcache).
fn index(format: IndexFormat) -> Index {
    match format {
        IndexFormat::Npm => Index::Npm,
        IndexFormat::CacacheRs => Index::CacacheRs,
    }
}

/// Hex hash naming a key's bucket, computed independently of capcache.
pub fn key_hash(format: IndexFormat, key: &str) -> String {
    capcache_test_support::format::key_hash(index(format), key)
}

/// Hex hash guarding an index line's JSON.
pub fn line_hash(format: IndexFormat, json: &str) -> String {
    capcache_test_support::format::line_hash(index(format), json)
}

/// The path of `key`'s bucket file under the cache root `root`.
pub fn bucket_path(root: &Path, format: IndexFormat, key: &str) -> PathBuf {
    capcache_test_support::format::bucket_path(root, index(format), key)
}

/// One appendable index line, `"\n" + hash(json) + "\t" + json`.
pub fn index_line(format: IndexFormat, json: &str) -> String {
    capcache_test_support::format::index_line(index(format), json)
}

/// The root path of a cache opened from a path.
pub fn root(cache: &Cache) -> &Path {
    cache.path().expect("cache opened from a path")
}

/// Sorts listed entries by key, failing on any `Err` item.
pub fn sorted_ok(entries: Vec<Result<Metadata>>) -> Vec<Metadata> {
    let mut entries: Vec<Metadata> = entries
        .into_iter()
        .collect::<Result<_>>()
        .expect("every listed entry is readable");
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    entries
}

/// The five algorithms capcache can store content under.
pub const ALGORITHMS: [Algorithm; 5] = [
    Algorithm::Sha1,
    Algorithm::Sha256,
    Algorithm::Sha384,
    Algorithm::Sha512,
    Algorithm::Xxh3,
];

/// One way of calling the cache: blocking or async, and through a path (the
/// free functions as cacache-rs callers use them, opening the cache on every
/// call) or through a `Cache` handle (its methods, and the free functions of
/// the `index` module given `&Cache`).
///
/// Scenarios are written once against these methods and run for every
/// variant with [`api_tests!`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    SyncPath,
    SyncHandle,
    #[cfg(feature = "async")]
    AsyncPath,
    #[cfg(feature = "async")]
    AsyncHandle,
}

/// Picks the expression for `api`; the async ones are driven by [`block_on`].
macro_rules! dispatch {
    ($api:expr,
     sync_path: $sp:expr,
     sync_handle: $sh:expr,
     async_path: $ap:expr,
     async_handle: $ah:expr $(,)?) => {
        match $api {
            Api::SyncPath => $sp,
            Api::SyncHandle => $sh,
            #[cfg(feature = "async")]
            Api::AsyncPath => block_on($ap),
            #[cfg(feature = "async")]
            Api::AsyncHandle => block_on($ah),
        }
    };
}

impl Api {
    /// Every variant built with the current features.
    pub const ALL: &'static [Api] = &[
        Api::SyncPath,
        Api::SyncHandle,
        #[cfg(feature = "async")]
        Api::AsyncPath,
        #[cfg(feature = "async")]
        Api::AsyncHandle,
    ];

    /// The variants that use the `Cache` handle (and so its options).
    pub const HANDLES: &'static [Api] = &[
        Api::SyncHandle,
        #[cfg(feature = "async")]
        Api::AsyncHandle,
    ];

    pub fn write(self, c: &Cache, key: &str, data: &[u8]) -> Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::write_sync(root(c), key, data),
            sync_handle: c.write_sync(key, data),
            async_path: capcache::write(root(c), key, data),
            async_handle: c.write(key, data),
        )
    }

    pub fn write_with_algo(
        self,
        c: &Cache,
        algo: Algorithm,
        key: &str,
        data: &[u8],
    ) -> Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::write_with_algo_sync(algo, root(c), key, data),
            sync_handle: c.write_with_algo_sync(algo, key, data),
            async_path: capcache::write_with_algo(algo, root(c), key, data),
            async_handle: c.write_with_algo(algo, key, data),
        )
    }

    pub fn write_with_opts(
        self,
        c: &Cache,
        key: &str,
        data: &[u8],
        opts: WriteOpts,
    ) -> Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::write_with_opts_sync(root(c), key, data, opts),
            sync_handle: c.write_with_opts_sync(key, data, opts),
            async_path: capcache::write_with_opts(root(c), key, data, opts),
            async_handle: c.write_with_opts(key, data, opts),
        )
    }

    pub fn write_hash(self, c: &Cache, data: &[u8]) -> Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::write_hash_sync(root(c), data),
            sync_handle: c.write_hash_sync(data),
            async_path: capcache::write_hash(root(c), data),
            async_handle: c.write_hash(data),
        )
    }

    pub fn write_hash_with_algo(
        self,
        c: &Cache,
        algo: Algorithm,
        data: &[u8],
    ) -> Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::write_hash_with_algo_sync(algo, root(c), data),
            sync_handle: c.write_hash_with_algo_sync(algo, data),
            async_path: capcache::write_hash_with_algo(algo, root(c), data),
            async_handle: c.write_hash_with_algo(algo, data),
        )
    }

    pub fn read(self, c: &Cache, key: &str) -> Result<Vec<u8>> {
        dispatch!(self,
            sync_path: capcache::read_sync(root(c), key),
            sync_handle: c.read_sync(key),
            async_path: capcache::read(root(c), key),
            async_handle: c.read(key),
        )
    }

    pub fn read_hash(self, c: &Cache, sri: &Integrity) -> Result<Vec<u8>> {
        dispatch!(self,
            sync_path: capcache::read_hash_sync(root(c), sri),
            sync_handle: c.read_hash_sync(sri),
            async_path: capcache::read_hash(root(c), sri),
            async_handle: c.read_hash(sri),
        )
    }

    pub fn metadata(self, c: &Cache, key: &str) -> Result<Option<Metadata>> {
        dispatch!(self,
            sync_path: capcache::metadata_sync(root(c), key),
            sync_handle: c.metadata_sync(key),
            async_path: capcache::metadata(root(c), key),
            async_handle: c.metadata(key),
        )
    }

    pub fn exists(self, c: &Cache, sri: &Integrity) -> Result<bool> {
        dispatch!(self,
            sync_path: capcache::try_exists_sync(root(c), sri),
            sync_handle: c.try_exists_sync(sri),
            async_path: capcache::try_exists(root(c), sri),
            async_handle: c.try_exists(sri),
        )
    }

    pub fn remove(self, c: &Cache, key: &str) -> Result<()> {
        dispatch!(self,
            sync_path: capcache::remove_sync(root(c), key),
            sync_handle: c.remove_sync(key),
            async_path: capcache::remove(root(c), key),
            async_handle: c.remove(key),
        )
    }

    pub fn remove_hash(self, c: &Cache, sri: &Integrity) -> Result<()> {
        dispatch!(self,
            sync_path: capcache::remove_hash_sync(root(c), sri),
            sync_handle: c.remove_hash_sync(sri),
            async_path: capcache::remove_hash(root(c), sri),
            async_handle: c.remove_hash(sri),
        )
    }

    pub fn clear(self, c: &Cache) -> Result<()> {
        dispatch!(self,
            sync_path: capcache::clear_sync(root(c)),
            sync_handle: c.clear_sync(),
            async_path: capcache::clear(root(c)),
            async_handle: c.clear(),
        )
    }

    /// Every item the listing yields (`list_sync` / `list`).
    pub fn list(self, c: &Cache) -> Vec<Result<Metadata>> {
        #[cfg(feature = "async")]
        use futures_lite::StreamExt;
        dispatch!(self,
            sync_path: capcache::list_sync(root(c)).collect(),
            sync_handle: c.list_sync().collect(),
            async_path: capcache::list(root(c)).collect::<Vec<_>>(),
            async_handle: c.list().collect::<Vec<_>>(),
        )
    }

    /// `index::insert` / `index::insert_async` (on a handle: `Cache::index_insert*`).
    pub fn insert(self, c: &Cache, key: &str, opts: WriteOpts) -> Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::index::insert(root(c), key, opts),
            sync_handle: c.index_insert_sync(key, opts),
            async_path: capcache::index::insert_async(root(c), key, opts),
            async_handle: c.index_insert(key, opts),
        )
    }

    /// `index::find` / `index::find_async`.
    pub fn find(self, c: &Cache, key: &str) -> Result<Option<Metadata>> {
        dispatch!(self,
            sync_path: capcache::index::find(root(c), key),
            sync_handle: capcache::index::find(c, key),
            async_path: capcache::index::find_async(root(c), key),
            async_handle: capcache::index::find_async(c, key),
        )
    }

    /// `index::delete` / `index::delete_async`.
    pub fn delete(self, c: &Cache, key: &str) -> Result<()> {
        dispatch!(self,
            sync_path: capcache::index::delete(root(c), key),
            sync_handle: capcache::index::delete(c, key),
            async_path: capcache::index::delete_async(root(c), key),
            async_handle: capcache::index::delete_async(c, key),
        )
    }

    /// `index::compact(_async)` with a path; `Cache::compact_sync` /
    /// `Cache::index_compact` with a handle.
    pub fn compact(self, c: &Cache, key: &str) -> Result<usize> {
        dispatch!(self,
            sync_path: capcache::index::compact(root(c), key),
            sync_handle: c.compact_sync(key),
            async_path: capcache::index::compact_async(root(c), key),
            async_handle: c.compact(key),
        )
    }

    /// `index::ls` (blocking only: its async form is `list`).
    pub fn ls(self, c: &Cache) -> Vec<Result<Metadata>> {
        if self.by_path() {
            capcache::index::ls(root(c)).collect()
        } else {
            capcache::index::ls(c).collect()
        }
    }

    fn by_path(self) -> bool {
        match self {
            Api::SyncPath => true,
            Api::SyncHandle => false,
            #[cfg(feature = "async")]
            Api::AsyncPath => true,
            #[cfg(feature = "async")]
            Api::AsyncHandle => false,
        }
    }
}

/// Generates one `#[test]` per [`Api`] variant for each scenario function
/// `fn name(api: Api)`, in modules named after the variant
/// (`sync_path::name`, `async_handle::name`, …).
macro_rules! api_tests {
    ($($name:ident),* $(,)?) => {
        mod sync_path {
            $( #[test] fn $name() { super::$name(crate::common::Api::SyncPath) } )*
        }
        mod sync_handle {
            $( #[test] fn $name() { super::$name(crate::common::Api::SyncHandle) } )*
        }
        #[cfg(feature = "async")]
        mod async_path {
            $( #[test] fn $name() { super::$name(crate::common::Api::AsyncPath) } )*
        }
        #[cfg(feature = "async")]
        mod async_handle {
            $( #[test] fn $name() { super::$name(crate::common::Api::AsyncHandle) } )*
        }
    };
}
