//! Helpers: local caches, the services every test runs against, a local
//! S3 server (s3s-fs) and a TCP endpoint that never answers.

#[cfg(feature = "s3")]
use std::net::{TcpListener, TcpStream};
use std::process::Child;
#[cfg(feature = "s3")]
use std::process::{Command, Stdio};
#[cfg(feature = "s3")]
use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(feature = "s3")]
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::Duration;
#[cfg(feature = "s3")]
use std::time::Instant;

use capcache::Cache;
use capcache_remote::opendal::Operator;
use capcache_remote::{RemoteCache, RemoteOptions};
use tempfile::TempDir;

/// A runtime for the tests' own direct calls on an operator (planting
/// damage, listing); the crate under test uses its private one.
pub fn block<T>(fut: impl std::future::IntoFuture<Output = T>) -> T {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("test runtime")
    })
    .block_on(fut.into_future())
}

/// A temp dir and a capcache in it.
pub fn local() -> (TempDir, Cache) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = Cache::open(dir.path()).expect("open cache");
    (dir, cache)
}

/// A remote store for one test, with whatever keeps it alive.
pub struct Remote {
    pub label: &'static str,
    pub op: Operator,
    _dirs: Vec<TempDir>,
    _server: Option<Server>,
}

impl Remote {
    /// A RemoteCache over a fresh local cache and this store.
    pub fn machine(&self) -> (TempDir, RemoteCache) {
        // Parts past the tests' values: s3s-fs cannot do multipart
        // uploads of capcache's long content names.
        self.machine_with(
            RemoteOptions::new()
                .deadline(Duration::from_secs(10))
                .part_size(32 << 20),
        )
    }

    pub fn machine_with(&self, opts: RemoteOptions) -> (TempDir, RemoteCache) {
        let (dir, cache) = local();
        let remote = RemoteCache::with_options(cache, self.op.clone(), opts).expect("remote cache");
        (dir, remote)
    }

    /// Every file under `prefix`, sorted.
    pub fn files(&self, prefix: &str) -> Vec<String> {
        let mut files: Vec<String> = block(self.op.list_with(prefix).recursive(true))
            .expect("list")
            .into_iter()
            .map(|e| e.path().to_owned())
            .filter(|p| !p.ends_with('/'))
            .collect();
        files.sort();
        files
    }

    pub fn read(&self, path: &str) -> Vec<u8> {
        block(self.op.read(path)).expect("read").to_vec()
    }

    pub fn write(&self, path: &str, bytes: Vec<u8>) {
        block(self.op.write(path, bytes)).expect("write");
    }

    pub fn delete(&self, path: &str) {
        block(self.op.delete(path)).expect("delete");
    }
}

pub fn memory() -> Remote {
    Remote {
        label: "memory",
        op: capcache_remote::operator("memory", []).expect("memory operator"),
        _dirs: vec![],
        _server: None,
    }
}

#[cfg(feature = "fs")]
pub fn fs() -> Remote {
    let (root, tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let opts = [
        ("root".to_owned(), root.path().display().to_string()),
        (
            "atomic_write_dir".to_owned(),
            tmp.path().display().to_string(),
        ),
    ];
    Remote {
        label: "fs",
        op: capcache_remote::operator("fs", opts).expect("fs operator"),
        _dirs: vec![root, tmp],
        _server: None,
    }
}

#[cfg(feature = "s3")]
/// s3s-fs: `$CAPCACHE_S3S_FS`, else `s3s-fs` on the PATH.
fn s3s_binary() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("CAPCACHE_S3S_FS") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("s3s-fs"))
        .find(|p| p.is_file())
}

/// A running s3s-fs, killed on drop.
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(feature = "s3")]
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[cfg(feature = "s3")]
pub fn s3_operator(endpoint: &str, bucket: &str) -> Operator {
    let opts = [
        ("bucket", bucket),
        ("endpoint", endpoint),
        ("region", "us-east-1"),
        ("access_key_id", "capcache"),
        ("secret_access_key", "capcache-secret"),
        ("disable_config_load", "true"),
        ("disable_ec2_metadata", "true"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    capcache_remote::operator("s3", opts).expect("s3 operator")
}

#[cfg(feature = "s3")]
/// A fresh s3s-fs on 127.0.0.1 with an empty bucket, or `None` (with the
/// reason printed) when the binary is absent; under `CI` its absence fails.
pub fn s3() -> Option<Remote> {
    let Some(bin) = s3s_binary() else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but s3s-fs is not installed (cargo install s3s-fs@0.14.1 --features binary --locked, or set CAPCACHE_S3S_FS)");
        }
        // Once per run, past the harness's output capture (which only takes
        // the print macros), so the reason shows without --nocapture.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "capcache-remote tests: skipping the S3 cases: s3s-fs not found (set CAPCACHE_S3S_FS or put s3s-fs on the PATH; under CI its absence fails)"
            );
        });
        return None;
    };
    let dir = tempfile::tempdir().expect("s3 dir");
    std::fs::create_dir(dir.path().join("cache")).expect("bucket dir");
    let port = free_port();
    let child = Command::new(&bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--access-key",
            "capcache",
            "--secret-key",
            "capcache-secret",
        ])
        .arg(dir.path())
        .stdout(if std::env::var_os("CAPCACHE_S3S_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stderr(if std::env::var_os("CAPCACHE_S3S_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let server = Server { child };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "s3s-fs did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Remote {
        label: "s3",
        op: s3_operator(&format!("http://127.0.0.1:{port}"), "cache"),
        _dirs: vec![dir],
        _server: Some(server),
    })
}

/// Every store a test runs against: memory, fs, and s3 (with the `s3`
/// feature, when s3s-fs is there).
pub fn remotes() -> Vec<Remote> {
    #[allow(unused_mut)]
    let mut all = vec![memory()];
    #[cfg(feature = "fs")]
    all.push(fs());
    #[cfg(feature = "s3")]
    all.extend(s3());
    all
}

/// A TCP endpoint that accepts connections and never answers, until dropped.
#[cfg(feature = "s3")]
pub struct BlackHole {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[cfg(feature = "s3")]
impl BlackHole {
    pub fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                if let Ok((stream, _)) = listener.accept() {
                    held.push(stream);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        BlackHole {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

#[cfg(feature = "s3")]
impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
