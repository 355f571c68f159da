//! A 256 MiB body stored through the tee and read back through the
//! streaming body, blocking and async, with flat memory: the process's peak
//! resident set (`VmHWM` in /proc/self/status) may grow by at most 32 MiB
//! over its value before the first byte. This binary holds this one test,
//! so nothing else runs in the process meanwhile.
#![cfg(all(target_os = "linux", feature = "async"))]

mod common;

use std::io::{self, Read};

use futures_lite::{stream, AsyncReadExt, StreamExt};

const SIZE: u64 = 256 << 20;
const BOUND: u64 = 32 << 20;

/// Peak resident set of this process so far, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM value");
    kib * 1024
}

/// A deterministic, incompressible-enough body: a counter pattern.
struct Pattern {
    left: u64,
    n: u8,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(self.left as usize);
        for b in &mut buf[..len] {
            *b = self.n;
            self.n = self.n.wrapping_mul(31).wrapping_add(7);
        }
        self.left -= len as u64;
        Ok(len)
    }
}

#[test]
fn a_256_mib_body_streams_through_in_bounded_memory() {
    let (_tmp, store) = common::new_store();
    let (parts, policy) = common::response("https://example.com/big", &[]);
    let base = peak_rss();

    // Blocking: tee in, verified body out.
    let mut tee = store.store_sync("big", &parts, &policy, Pattern { left: SIZE, n: 1 });
    assert_eq!(io::copy(&mut tee, &mut io::sink()).unwrap(), SIZE);
    let sri = tee.finish().unwrap();
    let cached = store.get_sync("big").unwrap().expect("stored");
    assert_eq!((cached.size, &cached.integrity), (SIZE, &sri));
    let mut body = cached.body;
    assert_eq!(io::copy(&mut body, &mut io::sink()).unwrap(), SIZE);
    let blocking_growth = peak_rss().saturating_sub(base);
    store.delete_sync("big").unwrap();
    capcache::remove_hash_sync(store.cache(), &sri).unwrap();

    // Async: a stream of 64 KiB chunks through the tee, read back as AsyncRead.
    futures_lite::future::block_on(async {
        let mut pattern = Pattern { left: SIZE, n: 1 };
        let chunks = stream::iter(std::iter::from_fn(move || {
            let mut chunk = vec![0u8; 64 * 1024];
            match pattern.read(&mut chunk) {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some(Ok::<_, io::Error>(chunk))
                }
                Err(e) => Some(Err(e)),
            }
        }));
        let mut tee = store.store("big2", &parts, &policy, chunks).await;
        let mut served = 0u64;
        while let Some(chunk) = tee.next().await {
            served += chunk.unwrap().len() as u64;
        }
        assert_eq!(served, SIZE);
        assert_eq!(tee.outcome().unwrap().as_ref().unwrap(), &sri);
        let mut body = store.get("big2").await.unwrap().expect("stored").body;
        let mut buf = vec![0u8; 64 * 1024];
        let mut read = 0u64;
        loop {
            let n = body.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            read += n as u64;
        }
        assert_eq!(read, SIZE);
    });
    let growth = peak_rss().saturating_sub(base);
    eprintln!(
        "peak RSS growth: blocking {} KiB, blocking+async {} KiB (bound {} KiB)",
        blocking_growth >> 10,
        growth >> 10,
        BOUND >> 10
    );
    assert!(
        growth <= BOUND,
        "peak RSS grew by {growth} bytes for a {SIZE}-byte body"
    );
}
