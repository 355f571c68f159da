//! [`ResponseParts`]: what an HTTP response is besides its body.

use http::{HeaderMap, StatusCode, Version};
use serde::{Deserialize, Serialize};

/// A response without its body: status, version, every header value (in
/// order, repeated names kept) and the URL it was fetched from.
///
/// Stored as JSON in the entry's metadata: `status` a number, `version`
/// `"HTTP/1.1"`, `headers` an object from name to value (an array of values
/// for a repeated name; a value that is not UTF-8 as `{"base64": ...}`),
/// `url` a string.
///
/// # Examples
///
/// ```
/// use capcache_http::ResponseParts;
/// use capcache_http::http::{Response, StatusCode};
///
/// let response = Response::builder()
///     .status(StatusCode::OK)
///     .header("set-cookie", "a=1")
///     .header("set-cookie", "b=2")
///     .body(())
///     .unwrap();
/// let (parts, ()) = response.into_parts();
/// let stored = ResponseParts::from_http(&parts, Some("https://example.com/".into()));
/// assert_eq!(stored.headers.get_all("set-cookie").iter().count(), 2);
/// let rebuilt = stored.into_response(b"body".to_vec());
/// assert_eq!(rebuilt.status(), StatusCode::OK);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseParts {
    /// The status code.
    #[serde(with = "http_serde::status_code")]
    pub status: StatusCode,
    /// The HTTP version.
    #[serde(with = "http_serde::version")]
    pub version: Version,
    /// Every header value.
    #[serde(with = "crate::headers")]
    pub headers: HeaderMap,
    /// The URL the response came from, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl ResponseParts {
    /// Copies status, version and headers from `http` response parts.
    ///
    /// # Examples
    ///
    /// ```
    /// let (parts, ()) = capcache_http::http::Response::new(()).into_parts();
    /// let stored = capcache_http::ResponseParts::from_http(&parts, None);
    /// assert_eq!(stored.status, 200);
    /// ```
    pub fn from_http(parts: &http::response::Parts, url: Option<String>) -> ResponseParts {
        ResponseParts {
            status: parts.status,
            version: parts.version,
            headers: parts.headers.clone(),
            url,
        }
    }

    /// A response with these parts and `body` (the URL is not part of an
    /// `http::Response`).
    ///
    /// # Examples
    ///
    /// ```
    /// let parts = capcache_http::ResponseParts::default();
    /// assert_eq!(parts.into_response("hi").into_body(), "hi");
    /// ```
    pub fn into_response<B>(self, body: B) -> http::Response<B> {
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        response
    }
}
