//! `http_cache::CacheManager` (http-cache 0.21) for [`HttpStore`].
//!
//! http-cache 0.21 hands whole bodies in memory (`HttpResponse::body`), so
//! this adapter reads and writes whole bodies; the streaming API is the
//! store's own. A `put` whose body the cache already holds (every 304
//! revalidation) writes one index line and no content.

use std::collections::HashMap;
use std::io::{self, Read};

use capcache::Integrity;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use http_cache::{CacheManager, HttpResponse, HttpVersion};
use http_cache_semantics::CachePolicy;

use crate::error::{Error, Result};
use crate::parts::ResponseParts;
use crate::rt;
use crate::store::HttpStore;

/// A damaged body is evicted and reads as a miss (the middleware refetches);
/// an entry the adapter cannot turn into an `HttpResponse` (stored without
/// a URL through the store's own API, say) is a miss too.
#[async_trait::async_trait]
impl CacheManager for HttpStore {
    async fn get(
        &self,
        cache_key: &str,
    ) -> http_cache::Result<Option<(HttpResponse, CachePolicy)>> {
        let cached = match self.get_bytes(cache_key).await {
            Ok(Some(cached)) => cached,
            Ok(None) | Err(Error::Damaged { .. }) => return Ok(None),
            Err(e) => return Err(Box::new(e)),
        };
        Ok(to_http_response(cached.parts, cached.body).map(|res| (res, cached.policy)))
    }

    async fn put(
        &self,
        cache_key: String,
        res: HttpResponse,
        policy: CachePolicy,
    ) -> http_cache::Result<HttpResponse> {
        let parts = from_http_response(&cache_key, &res)?;
        let store = self.clone();
        let body = res.body;
        let body = rt::run(move || {
            store.revalidate_or_store_sync(&cache_key, &parts, &policy, &body)?;
            Ok::<_, Error>(body)
        })
        .await?;
        Ok(HttpResponse { body, ..res })
    }

    async fn delete(&self, cache_key: &str) -> http_cache::Result<()> {
        HttpStore::delete(self, cache_key).await.map_err(Into::into)
    }
}

impl HttpStore {
    /// One index line if `key`'s current entry already holds `body` (a
    /// revalidation: http-cache hands the cached body back after a 304),
    /// else a full store. The body is compared with the stored file byte
    /// for byte, only when the sizes agree: no hash beyond the write's, and
    /// a new body of the same size is told apart by its first bytes.
    fn revalidate_or_store_sync(
        &self,
        key: &str,
        parts: &ResponseParts,
        policy: &CachePolicy,
        body: &[u8],
    ) -> Result<()> {
        let current = match capcache::metadata_sync(self.cache(), key) {
            Ok(current) => current,
            // An unusable entry is overwritten by the store below.
            Err(capcache::Error::BadIndex { .. }) => None,
            Err(e) => return Err(Error::cache(key.to_owned(), e)),
        };
        if let Some(current) = current {
            // A file damaged into exactly `body` would pass: the next read
            // checks it against the integrity, evicts it, and it is
            // refetched.
            if current.size == body.len() && self.holds_body(&current.integrity, body)? {
                let len = body.len() as u64;
                return self.insert_entry(key, parts, policy, &current.integrity, len);
            }
        }
        self.store_bytes_sync(key, parts, policy, body).map(drop)
    }

    /// Whether the body file of `integrity` holds exactly `body`, compared
    /// byte for byte (not verified against `integrity`: the next read of
    /// the entry does that). Cheaper than hashing `body`, and a different
    /// body of the same length usually differs within the first piece read.
    /// `false` when the cache holds no such body (or a symlink for it).
    fn holds_body(&self, integrity: &Integrity, body: &[u8]) -> Result<bool> {
        if self.body_len(integrity)? != Some(body.len() as u64) {
            return Ok(false);
        }
        let Ok(rel) = capcache::content_path(integrity) else {
            return Ok(false);
        };
        let io_error = |source| Error::Io {
            path: rel.clone(),
            source,
        };
        let mut file = match self.cache().root().open(&rel) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io_error(e)),
        };
        let mut piece = vec![0u8; body.len().min(64 * 1024)];
        for expected in body.chunks(piece.len().max(1)) {
            let piece = &mut piece[..expected.len()];
            match file.read_exact(piece) {
                Ok(()) if piece == expected => {}
                Ok(()) => return Ok(false),
                // Shortened since its length was read.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
                Err(e) => return Err(io_error(e)),
            }
        }
        Ok(true)
    }
}

/// The store's parts of an http-cache response.
fn from_http_response(key: &str, res: &HttpResponse) -> Result<ResponseParts> {
    let invalid = |reason: String| Error::InvalidParts {
        key: key.to_owned(),
        reason,
    };
    let status = StatusCode::from_u16(res.status).map_err(|e| invalid(e.to_string()))?;
    let mut headers = HeaderMap::with_capacity(res.headers.len());
    for (name, value) in &res.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let value = HeaderValue::from_str(value).map_err(|e| invalid(e.to_string()))?;
        headers.append(name, value);
    }
    Ok(ResponseParts {
        status,
        version: res.version.into(),
        headers,
        url: Some(res.url.to_string()),
    })
}

/// An http-cache response from stored parts; `None` if http-cache's type
/// cannot hold them (no URL, an HTTP version it lacks, a header value
/// that is not UTF-8).
fn to_http_response(parts: ResponseParts, body: Vec<u8>) -> Option<HttpResponse> {
    let url = url::Url::parse(parts.url.as_deref()?).ok()?;
    let version = HttpVersion::try_from(parts.version).ok()?;
    // http-cache keeps one value per name; repeated ones are joined as
    // RFC 9110 section 5.3 allows.
    let mut headers: HashMap<String, String> = HashMap::with_capacity(parts.headers.keys_len());
    for (name, value) in &parts.headers {
        let value = value.to_str().ok()?;
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    Some(HttpResponse {
        body,
        headers,
        status: parts.status.as_u16(),
        url,
        version,
    })
}
