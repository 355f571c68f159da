//! capcache-remote against a local S3 server (s3s-fs), side by side with
//! sccache's approach: one plain object per key, written and read through
//! OpenDAL directly (no index, no verification, no local tier).
//!
//! ```text
//! cargo bench -p capcache-remote --features s3 --bench remote
//! CAPCACHE_BENCH_MIB=8 cargo bench -p capcache-remote --features s3 --bench remote   # quick
//! ```
//!
//! Needs s3s-fs (`$CAPCACHE_S3S_FS` or on the PATH); without it, or without
//! the `s3` feature, it prints why and measures nothing.

#[cfg(not(feature = "s3"))]
fn main() {
    eprintln!("skipping the remote bench: build with --features s3");
}

#[cfg(feature = "s3")]
fn main() {
    s3::main();
}

#[cfg(feature = "s3")]
mod s3 {
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use capcache_remote::opendal::Operator;
    use capcache_remote::{RemoteCache, RemoteOptions};
    use criterion::{BatchSize, Criterion};
    use tempfile::TempDir;

    /// The server and its data directory (removed after it stops).
    struct Server(Child, #[allow(dead_code)] TempDir);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn start() -> Option<(Server, Operator)> {
        let bin = std::env::var_os("CAPCACHE_S3S_FS")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::split_paths(&std::env::var_os("PATH")?)
                    .map(|d| d.join("s3s-fs"))
                    .find(|p| p.is_file())
            })?;
        let dir = tempfile::tempdir().ok()?;
        std::fs::create_dir(dir.path().join("bench")).ok()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "bench", "--secret-key", "bench-secret"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = Server(child, dir);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let opts = [
            ("bucket", "bench".to_owned()),
            ("endpoint", format!("http://127.0.0.1:{port}")),
            ("region", "us-east-1".to_owned()),
            ("access_key_id", "bench".to_owned()),
            ("secret_access_key", "bench-secret".to_owned()),
            ("disable_config_load", "true".to_owned()),
            ("disable_ec2_metadata", "true".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v));
        let op = capcache_remote::operator("s3", opts).ok()?;
        Some((server, op))
    }

    /// A fresh local cache over the store (and its directory).
    fn machine(op: &Operator) -> (TempDir, RemoteCache) {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = capcache::Cache::open(dir.path()).expect("cache");
        // One request per value: s3s-fs cannot complete multipart uploads
        // of capcache's long content names.
        let opts = RemoteOptions::new().part_size(256 << 20);
        (
            dir,
            RemoteCache::with_options(cache, op.clone(), opts).expect("remote"),
        )
    }

    fn random(len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        v.iter_mut().for_each(|b| *b = fastrand::u8(..));
        v
    }

    /// Empties the bucket (between timed iterations).
    fn clear(rt: &tokio::runtime::Runtime, op: &Operator) {
        rt.block_on(async {
            let entries = op.list_with("").recursive(true).await?;
            let files = entries
                .into_iter()
                .map(|e| e.path().to_owned())
                .filter(|p| !p.ends_with('/'));
            op.delete_iter(files.collect::<Vec<_>>()).await
        })
        .expect("clear the bucket");
    }

    /// sccache's write: one object per key, `concurrency` at a time.
    fn sccache_put_all(rt: &tokio::runtime::Runtime, op: &Operator, items: Vec<(String, Vec<u8>)>) {
        rt.block_on(async {
            let mut tasks = tokio::task::JoinSet::<capcache_remote::opendal::Result<()>>::new();
            for (key, value) in items {
                while tasks.len() >= 4 {
                    tasks
                        .join_next()
                        .await
                        .expect("task")
                        .expect("join")
                        .expect("write");
                }
                let op = op.clone();
                tasks.spawn(async move { op.write(&key, value).await.map(|_| ()) });
            }
            while let Some(done) = tasks.join_next().await {
                done.expect("join").expect("write");
            }
        });
    }

    pub fn main() {
        let Some((_server, op)) = start() else {
            eprintln!("skipping the remote bench: s3s-fs not found or did not start (set CAPCACHE_S3S_FS)");
            return;
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mib: usize = std::env::var("CAPCACHE_BENCH_MIB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64);
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5))
            .configure_from_args();

        // Reads of one 1 KiB value: a remote hit with a cold local cache,
        // and a miss.
        let value = random(1024);
        let (_w, writer) = machine(&op);
        writer.put_sync("bench/hit", &value).expect("put");
        writer.flush_sync().expect("flush");
        rt.block_on(op.write("sccache/hit", value.clone()))
            .expect("write");
        let mut g = c.benchmark_group("read_1KiB");
        g.sample_size(50);
        g.bench_function("capcache-remote/hit_cold_local", |b| {
            b.iter_batched(
                || machine(&op),
                |(dir, m)| {
                    let got = m
                        .get_sync("bench/hit")
                        .expect("get")
                        .into_value()
                        .expect("hit");
                    assert_eq!(got.len(), 1024);
                    (dir, m)
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function("sccache/hit", |b| {
            b.iter(|| {
                let got = rt.block_on(op.read("sccache/hit")).expect("read");
                assert_eq!(got.len(), 1024);
            })
        });
        let (_m, miss) = machine(&op);
        g.bench_function("capcache-remote/miss", |b| {
            b.iter(|| assert!(!miss.get_sync("bench/absent").expect("get").is_hit()))
        });
        g.bench_function("sccache/miss", |b| {
            b.iter(|| assert!(rt.block_on(op.read("sccache/absent")).is_err()))
        });
        g.finish();

        // Uploads: 1,000 values of 100 bytes, and 10 of `mib` MiB; each
        // iteration on an empty bucket, with fresh values.
        let mut g = c.benchmark_group("upload");
        g.sample_size(10);
        for (name, count, len) in [
            ("1000x100B", 1000usize, 100usize),
            ("10xMiB", 10, mib << 20),
        ] {
            let name = if count == 10 {
                format!("10x{mib}MiB")
            } else {
                name.to_owned()
            };
            g.bench_function(format!("capcache-remote/{name}"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        clear(&rt, &op);
                        let (_d, m) = machine(&op);
                        let values: Vec<Vec<u8>> = (0..count).map(|_| random(len)).collect();
                        let started = Instant::now();
                        for (i, v) in values.iter().enumerate() {
                            m.put_sync(&format!("k{i}"), v).expect("put");
                        }
                        m.flush_sync().expect("flush");
                        total += started.elapsed();
                    }
                    total
                })
            });
            g.bench_function(format!("sccache/{name}"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        clear(&rt, &op);
                        let items: Vec<(String, Vec<u8>)> = (0..count)
                            .map(|i| (format!("sccache/k{i}"), random(len)))
                            .collect();
                        let started = Instant::now();
                        sccache_put_all(&rt, &op, items);
                        total += started.elapsed();
                    }
                    total
                })
            });
        }
        g.finish();
        c.final_summary();
    }
}
