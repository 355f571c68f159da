//! The JSON an entry's index metadata holds, and what `get` returns.

use capcache::{Integrity, Metadata, Value};
use http_cache_semantics::CachePolicy;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::parts::ResponseParts;

/// Format version of the metadata, so a later layout can tell old entries.
const FORMAT: u32 = 1;

/// The index metadata of an entry: `{"capcache-http": 1, "response": …,
/// "policy": …}`.
#[derive(Serialize)]
struct EncodeMeta<'a> {
    #[serde(rename = "capcache-http")]
    format: u32,
    response: &'a ResponseParts,
    policy: &'a CachePolicy,
}

#[derive(Deserialize)]
struct DecodeMeta {
    #[serde(rename = "capcache-http")]
    format: u32,
    response: ResponseParts,
    policy: CachePolicy,
}

/// Encodes parts and policy as the entry's metadata.
pub(crate) fn encode(key: &str, parts: &ResponseParts, policy: &CachePolicy) -> Result<Value> {
    serde_json::to_value(EncodeMeta {
        format: FORMAT,
        response: parts,
        policy,
    })
    .map_err(|source| Error::Encode {
        key: key.to_owned(),
        source,
    })
}

/// Decodes an entry's metadata; `None` for anything this crate did not
/// write (another program's entry, damaged or future JSON): a miss.
pub(crate) fn decode(value: &Value) -> Option<(ResponseParts, CachePolicy)> {
    let meta = DecodeMeta::deserialize(value).ok()?;
    (meta.format == FORMAT).then_some((meta.response, meta.policy))
}

/// A cached response as [`HttpStore::get_sync`](crate::HttpStore::get_sync)
/// (body [`SyncBody`](crate::SyncBody)) and
/// [`HttpStore::get`](crate::HttpStore::get) (body [`Body`](crate::Body))
/// return it.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let store = capcache_http::HttpStore::open(tmp.path())?;
/// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
/// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
/// # store.store_bytes_sync("k", &Default::default(), &policy, b"body")?;
/// let mut cached = store.get_sync("k")?.expect("stored above");
/// assert_eq!(cached.parts.status, 200);
/// assert_eq!(cached.size, 4);
/// let mut body = Vec::new();
/// cached.body.read_to_end(&mut body)?; // verified: the last read fails on damage
/// assert_eq!(body, b"body");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Cached<B> {
    /// Status, version, headers and URL.
    pub parts: ResponseParts,
    /// The cache policy stored with the response.
    pub policy: CachePolicy,
    /// The body's integrity: what a revalidation
    /// ([`HttpStore::put_sync`](crate::HttpStore::put_sync)) names.
    pub integrity: Integrity,
    /// The body's length in bytes, as recorded in the index.
    pub size: u64,
    /// When the entry was written, in milliseconds since the Unix epoch.
    pub time: u128,
    /// The body, streamed from disk and verified as it is read.
    pub body: B,
}

impl<B> Cached<B> {
    /// `parts`/`policy` and the index fields of `meta`, with `body`.
    pub(crate) fn new(parts: ResponseParts, policy: CachePolicy, meta: Metadata, body: B) -> Self {
        Cached {
            parts,
            policy,
            integrity: meta.integrity,
            size: meta.size as u64,
            time: meta.time,
            body,
        }
    }

    /// The same response with its body mapped by `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let store = capcache_http::HttpStore::open(tmp.path())?;
    /// # let req = capcache_http::http::Request::get("https://example.com/").body(())?;
    /// # let policy = capcache_http::CachePolicy::new(&req, &capcache_http::http::Response::new(()));
    /// # store.store_bytes_sync("k", &Default::default(), &policy, b"body")?;
    /// let cached = store.get_sync("k")?.expect("stored above");
    /// let bytes = cached.map_body(|body| body.bytes()).body?;
    /// assert_eq!(bytes, b"body");
    /// # Ok(())
    /// # }
    /// ```
    pub fn map_body<C>(self, f: impl FnOnce(B) -> C) -> Cached<C> {
        Cached {
            parts: self.parts,
            policy: self.policy,
            integrity: self.integrity,
            size: self.size,
            time: self.time,
            body: f(self.body),
        }
    }
}
