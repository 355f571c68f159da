//! The private tokio runtime every remote operation runs on.
//!
//! OpenDAL's S3, fs and HTTP services need tokio, and its blocking operator
//! panics inside another runtime. So the crate owns one small runtime
//! (two workers, created on first use, shared by every `RemoteCache` of the
//! process) and spawns each operation there: the async API awaits the
//! `JoinHandle` (which any executor can poll: smol, tokio, a plain
//! `block_on`), the blocking API parks the calling thread on it, which is
//! also safe inside another tokio runtime (no nested `Runtime::block_on`).

use std::future::{Future, IntoFuture};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

use crate::error::{Error, Result};

/// Worker threads: remote work is I/O-bound; local file work and hashing go
/// to tokio's blocking pool.
const WORKERS: usize = 2;

fn runtime() -> Result<&'static Runtime> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .thread_name("capcache-remote")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|reason| Error::Runtime {
            reason: format!("cannot start the tokio runtime: {reason}"),
        })
}

/// Starts `fut` on the private runtime (a detached background task).
///
/// # Errors
///
/// [`Error::Runtime`] if the runtime cannot start.
pub(crate) fn spawn<F>(fut: F) -> Result<tokio::task::JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(runtime()?.spawn(fut))
}

/// Runs `fut` on the private runtime and awaits its result from any
/// executor.
///
/// # Errors
///
/// [`Error::Runtime`] if the runtime cannot start or the task panicked;
/// otherwise the task's own result.
pub(crate) async fn run<T, F>(fut: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let handle = runtime()?.spawn(fut);
    handle.await.map_err(|e| Error::Runtime {
        reason: format!("a remote task failed: {e}"),
    })?
}

/// Runs `fut` on the private runtime and blocks the calling thread until it
/// is done. Safe from plain threads and from inside any async runtime.
pub(crate) fn block_on<T, F>(fut: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    futures_lite::future::block_on(run(fut))
}

/// Runs blocking local work (capcache file I/O and hashing) on the runtime's
/// blocking pool; call from inside a task on the runtime.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Runtime {
            reason: format!("a local task failed: {e}"),
        })?
}

/// One remote call under the per-operation deadline.
///
/// # Errors
///
/// [`Error::Timeout`] when the deadline passes, [`Error::Remote`] when
/// OpenDAL fails.
pub(crate) async fn timed<T>(
    deadline: Duration,
    op: &'static str,
    path: &str,
    fut: impl IntoFuture<Output = opendal::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(deadline, fut.into_future()).await {
        Ok(result) => result.map_err(|e| Error::remote(op, path, e)),
        Err(_) => Err(Error::Timeout {
            op,
            path: path.to_owned(),
            after: deadline,
        }),
    }
}

/// [`timed`] for idempotent calls (list, stat, read, delete), tried up to
/// three times while OpenDAL calls the failure temporary (a 5xx, a reset
/// connection, s3s-fs listing a directory whose file was just deleted).
/// Each try has the full deadline; a timeout is not retried.
///
/// # Errors
///
/// As [`timed`], for the last try.
pub(crate) async fn retried<T, F, Fut>(
    deadline: Duration,
    op: &'static str,
    path: &str,
    mut call: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = opendal::Result<T>>,
{
    let mut tries = 1;
    loop {
        match timed(deadline, op, path, call()).await {
            Err(Error::Remote { source, .. }) if source.is_temporary() && tries < 3 => {
                tokio::time::sleep(Duration::from_millis(10 << tries)).await;
                tries += 1;
            }
            other => return other,
        }
    }
}
