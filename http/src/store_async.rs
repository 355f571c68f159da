//! The async operations of [`HttpStore`]: the blocking ones on smol's
//! blocking pool (inline on WASI), one hop per call; the tee writes its
//! batches through capcache's `SyncWriter` there too.

use std::io::Read;
use std::path::Path;

use cap_std::fs::Dir;
use capcache::Integrity;
use futures_lite::Stream;
use http_cache_semantics::CachePolicy;

use crate::body::{Body, CAPACITY};
use crate::entry::{self, Cached};
use crate::error::{Error, Result};
use crate::parts::ResponseParts;
use crate::rt;
use crate::store::HttpStore;
use crate::tee::{Sink, Tee};

impl HttpStore {
    /// [`HttpStore::get_sync`] off the executor thread; the body is a
    /// [`Body`] (`AsyncRead`).
    ///
    /// # Errors
    ///
    /// As [`HttpStore::get_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let store = capcache_http::HttpStore::open(tmp.path())?;
    /// let cached = futures_lite::future::block_on(store.get("k"))?;
    /// assert!(cached.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, key: impl AsRef<str>) -> Result<Option<Cached<Body>>> {
        let (store, key) = (self.clone(), key.as_ref().to_owned());
        rt::run(move || {
            let cached = store.get_sync(key)?;
            Ok(cached.map(|cached| {
                // Size 0 is what an entry without a recorded size says
                // (`index::insert` from other programs): unknown, streamed.
                if cached.size == 0 || cached.size > CAPACITY as u64 {
                    let size = cached.size;
                    return cached.map_body(|sync| Body::new(sync, size));
                }
                cached.map_body(|mut sync| {
                    let mut data = Vec::new();
                    let result = sync.read_to_end(&mut data).map(drop);
                    Body::read(data, result)
                })
            }))
        })
        .await
    }

    /// [`HttpStore::get_bytes_sync`] off the executor thread (one hop for
    /// lookup and read).
    ///
    /// # Errors
    ///
    /// As [`HttpStore::get_bytes_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// futures_lite::future::block_on(async {
    ///     store.store_bytes("k", &Default::default(), &policy, b"x").await?;
    ///     assert_eq!(store.get_bytes("k").await?.expect("stored").body, b"x");
    ///     Ok::<_, capcache_http::Error>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_bytes(&self, key: impl AsRef<str>) -> Result<Option<Cached<Vec<u8>>>> {
        let (store, key) = (self.clone(), key.as_ref().to_owned());
        rt::run(move || store.get_bytes_sync(key)).await
    }

    /// Starts storing a response whose body is a `Stream` of chunks:
    /// returns a [`Tee`] that yields them, each queued for the cache first
    /// (written in batches of 1 MiB), and commits the entry when the stream
    /// ends (see
    /// [`HttpStore::store_sync`]). Never fails: if caching cannot start,
    /// the tee passes `body` on and [`Tee::outcome`] holds the error. The
    /// entry's temp file is opened in the same trip to the blocking pool
    /// as the first batch written (one trip for a body of at most 1 MiB),
    /// so a cache that cannot be written shows by then; an empty key, which
    /// capcache refuses, shows at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::stream;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// futures_lite::future::block_on(async {
    ///     let chunks = stream::iter([Ok::<_, std::io::Error>(vec![1u8; 10])]);
    ///     let tee = store.store("k", &Default::default(), &policy, chunks).await;
    ///     tee.finish().await?;
    ///     assert_eq!(store.get("k").await?.expect("stored").size, 10);
    ///     Ok::<_, capcache_http::Error>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn store<S, T, E>(
        &self,
        key: impl AsRef<str>,
        parts: &ResponseParts,
        policy: &CachePolicy,
        body: S,
    ) -> Tee<S>
    where
        S: Stream<Item = std::result::Result<T, E>>,
        T: AsRef<[u8]> + Unpin,
        E: Unpin,
    {
        let key = key.as_ref().to_owned();
        // What opening the writer would answer, without the trip.
        if let Err(refused) = capcache::index::check_key(&key) {
            return Tee::failed(body, Error::cache(key, refused));
        }
        match entry::encode(&key, parts, policy) {
            Ok(meta) => {
                let sink = Sink::new(key.clone(), self.write_opts(meta), self.cache().clone());
                Tee::new(body, sink, key)
            }
            Err(error) => Tee::failed(body, error),
        }
    }

    /// [`HttpStore::store_bytes_sync`] off the executor thread.
    ///
    /// # Errors
    ///
    /// As [`HttpStore::store_bytes_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = futures_lite::future::block_on(
    ///     store.store_bytes("k", &Default::default(), &policy, b"x".to_vec()),
    /// )?;
    /// assert_eq!(store.get_sync("k")?.expect("stored").integrity, sri);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn store_bytes(
        &self,
        key: impl AsRef<str>,
        parts: &ResponseParts,
        policy: &CachePolicy,
        body: impl AsRef<[u8]> + Send + 'static,
    ) -> Result<Integrity> {
        let key = key.as_ref().to_owned();
        let meta = entry::encode(&key, parts, policy)?;
        let (cache, opts) = (self.cache().clone(), self.write_opts(meta));
        rt::run(move || {
            capcache::write_with_opts_sync(&cache, &key, body, opts)
                .map_err(|e| Error::cache(key, e))
        })
        .await
    }

    /// [`HttpStore::put_sync`] (revalidation) off the executor thread.
    ///
    /// # Errors
    ///
    /// As [`HttpStore::put_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// futures_lite::future::block_on(async {
    ///     let sri = store.store_bytes("k", &Default::default(), &policy, b"x").await?;
    ///     store.put("k2", &Default::default(), &policy, &sri).await?;
    ///     assert_eq!(store.get_bytes("k2").await?.expect("put").body, b"x");
    ///     Ok::<_, capcache_http::Error>(())
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn put(
        &self,
        key: impl AsRef<str>,
        parts: &ResponseParts,
        policy: &CachePolicy,
        integrity: &Integrity,
    ) -> Result<()> {
        let (store, key) = (self.clone(), key.as_ref().to_owned());
        let (parts, policy, integrity) = (parts.clone(), policy.clone(), integrity.clone());
        rt::run(move || store.put_sync(key, &parts, &policy, &integrity)).await
    }

    /// [`HttpStore::delete_sync`] off the executor thread.
    ///
    /// # Errors
    ///
    /// As [`HttpStore::delete_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// let store = capcache_http::HttpStore::open(tmp.path())?;
    /// futures_lite::future::block_on(store.delete("absent"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, key: impl AsRef<str>) -> Result<()> {
        let key = key.as_ref();
        capcache::remove(self.cache(), key)
            .await
            .map_err(|e| Error::cache(key.to_owned(), e))
    }

    /// [`HttpStore::link_body_sync`] off the executor thread.
    ///
    /// # Ambient Authority
    ///
    /// As [`HttpStore::link_body_sync`].
    ///
    /// # Errors
    ///
    /// As [`HttpStore::link_body_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path().join("c"))?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// futures_lite::future::block_on(store.link_body(&sri, tmp.path().join("l")))?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn link_body(&self, integrity: &Integrity, to: impl AsRef<Path>) -> Result<u64> {
        capcache::Export::hash(integrity.clone())
            .hard_link()
            .to_path(self.cache(), to)
            .await
            .map_err(|e| Error::cache(None, e))
    }

    /// [`HttpStore::copy_body_to_dir_sync`] off the executor thread.
    ///
    /// # Errors
    ///
    /// As [`HttpStore::link_body_sync`].
    ///
    /// # Examples
    ///
    /// ```
    /// use cap_std::{ambient_authority, fs::Dir};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path().join("c"))?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// let sri = store.store_bytes_sync("k", &Default::default(), &policy, b"x")?;
    /// let out = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
    /// futures_lite::future::block_on(store.copy_body_to_dir(&sri, &out, "b"))?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn copy_body_to_dir(
        &self,
        integrity: &Integrity,
        dir: &Dir,
        path: impl AsRef<Path>,
    ) -> Result<u64> {
        capcache::Export::hash(integrity.clone())
            .reflink_or_copy()
            .to_dir(self.cache(), dir, path)
            .await
            .map_err(|e| Error::cache(None, e))
    }
}
