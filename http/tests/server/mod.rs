//! A real HTTP/1.1 server on 127.0.0.1:0 for the end-to-end tests (hyper 1
//! on the test's tokio runtime), answering with a closure and counting the
//! requests it receives.
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What the server saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub if_none_match: Option<String>,
}

/// How the server answers: status, headers, body.
pub type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A running server; it stops with the runtime.
pub struct Server {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server answering every request with `handler`.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let seen = Seen {
                            method: req.method().to_string(),
                            path: req.uri().path().to_owned(),
                            if_none_match: req
                                .headers()
                                .get("if-none-match")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned),
                        };
                        let (status, headers, body) = handler(&seen);
                        log.lock().expect("log").push(seen);
                        let mut response = Response::builder().status(status);
                        for (name, value) in headers {
                            response = response.header(name, value);
                        }
                        let response = response
                            .body(Full::new(Bytes::from(body)))
                            .expect("response");
                        async move { Ok::<_, Infallible>(response) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server { base, seen }
    }

    /// A server answering 200 with `cache-control` and `body`.
    pub async fn fixed(cache_control: &str, body: &[u8]) -> Server {
        let (cc, body) = (cache_control.to_owned(), body.to_vec());
        Server::start(move |_| (200, vec![("cache-control", cc.clone())], body.clone())).await
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.seen.lock().expect("log").len()
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}
