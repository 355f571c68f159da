//! A process killed (aborted: no destructors, no unwinding) while a tee is
//! storing a body leaves the key's previous entry in place and the new
//! body nowhere but a temp file, which `capcache::verify_sync` removes.
//! The test runs itself as the child process that crashes.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::io::{self, Read};
use std::process::Command;

const CHILD_ENV: &str = "CAPCACHE_HTTP_CRASH_CHILD";
const TEST_NAME: &str = "crash_mid_body_leaves_the_old_entry";

/// Serves `left` bytes, then aborts the process mid-body.
struct AbortAfter {
    left: usize,
}

impl Read for AbortAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            std::process::abort();
        }
        let n = buf.len().min(self.left);
        buf[..n].fill(0xab);
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn crash_mid_body_leaves_the_old_entry() {
    let (parts, policy) = common::response("https://example.com/crash", &[]);
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        // The child: store a new body for "k" and die halfway through it.
        let store = capcache_http::HttpStore::open(dir).unwrap();
        let mut tee = store.store_sync("k", &parts, &policy, AbortAfter { left: 3 << 20 });
        let _ = io::copy(&mut tee, &mut io::sink());
        unreachable!("the reader aborts the process");
    }

    let tmp = common::tempdir();
    let cache = tmp.path().join("cache");
    let store = capcache_http::HttpStore::open(&cache).unwrap();
    store
        .store_bytes_sync("k", &parts, &policy, b"old body")
        .unwrap();

    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--test-threads=1"])
        .env(CHILD_ENV, &cache)
        .status()
        .unwrap();
    assert!(!status.success(), "the child must have crashed");
    assert!(
        common::temp_files(&cache) >= 1,
        "the crash left its temp file"
    );

    assert_eq!(
        store.get_bytes_sync("k").unwrap().unwrap().body,
        b"old body"
    );
    assert_eq!(
        common::content_files(&cache).len(),
        1,
        "no partial body in content-v2"
    );
    let opts = capcache::VerifyOpts::new().grace(std::time::Duration::ZERO);
    let stats = capcache::verify_sync(store.cache(), opts).unwrap();
    assert!(stats.tmp_removed >= 1);
    assert_eq!(common::temp_files(&cache), 0);
    assert_eq!(
        store.get_bytes_sync("k").unwrap().unwrap().body,
        b"old body"
    );
}
