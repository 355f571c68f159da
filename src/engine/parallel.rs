//! Overlapping a large copy with hashing, and spreading many files over
//! the cores.
//!
//! Hashing (sha512: about 500 MB/s here) bounds large reads and writes; the
//! file write or memory copy that goes with it would add a third on top if
//! done after it. Above [`PARALLEL_MIN`] bytes the two run on two threads.
//! Maintenance that hashes or reads many files ([`map`]) runs on one thread
//! per core. WASI preview 1 has no threads: there everything runs in turn.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Below this, a thread costs more than it saves.
pub(crate) const PARALLEL_MIN: usize = 1024 * 1024;

/// Runs `side` and `main` and returns both results; concurrently (`side`
/// on a thread of [`pool`]) when `len` is at least [`PARALLEL_MIN`] and
/// threads exist.
///
/// A thread started per call did not overlap on this 2-core VM when the
/// caller was not the main thread, as an async write's blocking-pool thread
/// is not: hashing 1 MiB while writing it took 1.06–1.11 ms that way, no
/// better than both in turn (1.0 ms), against 0.73 ms with `side` handed to
/// a thread that is already running (0.65 ms from the main thread).
pub(crate) fn join<A, B>(
    len: usize,
    side: impl FnOnce() -> A + Send,
    main: impl FnOnce() -> B,
) -> (A, B)
where
    A: Send,
{
    // The length first: `pool()` starts the threads on its first call.
    #[cfg(not(target_family = "wasm"))]
    if let Some(pool) = (len >= PARALLEL_MIN).then(pool).flatten() {
        let mut a = None;
        let b = pool.in_place_scope(|scope| {
            scope.spawn(|_| a = Some(side()));
            main()
        });
        // The scope ends once `side` has run; a panic in it resumes here.
        return (a.expect("the scope ran side"), b);
    }
    let _ = len;
    (side(), main())
}

/// The threads [`join`] hands its side to: one per core, started on the
/// first large read or write and kept (asleep when idle); `None` where
/// they cannot be started, and then the two sides run in turn. A pool of
/// its own, so that an application's rayon pool is neither used nor
/// configured by capcache.
#[cfg(not(target_family = "wasm"))]
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("capcache-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Pieces [`read_pipelined`] reads and hands over: big enough that the
/// hand-over is rare, small enough that the two threads overlap early.
#[cfg(not(target_family = "wasm"))]
const PIECE: usize = 1024 * 1024;

/// Fills `buf` from `reader` and feeds each filled piece to `consume`: on
/// two threads (a thread of [`pool`] reading the next piece while the
/// caller's `consume` works on the last) when `buf` is at least
/// [`PARALLEL_MIN`] bytes and threads exist. `read_sizes` in
/// `benches/store.rs` without `mmap`: 1, 2, 4 and 16 MiB in 1.85, 3.60,
/// 7.28 and 28.7 ms, against 1.92, 3.82, 7.48 and 29.8 ms with a thread
/// started per read.
///
/// Fails with `UnexpectedEof` if `reader` ends before `buf` is full.
pub(crate) fn read_pipelined<R: std::io::Read + Send>(
    mut reader: R,
    buf: &mut [u8],
    mut consume: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    #[cfg(not(target_family = "wasm"))]
    if let Some(pool) = (buf.len() >= PARALLEL_MIN).then(pool).flatten() {
        let mut read = Ok(());
        pool.in_place_scope(|scope| {
            let (filled, pieces) = std::sync::mpsc::sync_channel(4);
            let read = &mut read;
            scope.spawn(move |_| {
                for piece in buf.chunks_mut(PIECE) {
                    if let Err(e) = reader.read_exact(piece) {
                        *read = Err(e);
                        return;
                    }
                    // The consumer is gone only if it panicked.
                    if filled.send(&*piece).is_err() {
                        return;
                    }
                }
            });
            for piece in pieces {
                consume(piece);
            }
        });
        return read;
    }
    reader.read_exact(buf)?;
    consume(buf);
    Ok(())
}

/// How many threads [`map`] uses: one per core (at most 16), one where
/// there are no threads.
pub(crate) fn workers() -> usize {
    #[cfg(not(target_family = "wasm"))]
    return std::thread::available_parallelism().map_or(1, |n| n.get().min(16));
    #[cfg(target_family = "wasm")]
    1
}

/// `work` applied to every item, on [`workers`] threads that each take the
/// next unclaimed item; the results in the items' order. After the first
/// error no new item is started, and that error is returned.
pub(crate) fn map<I, T, E>(
    items: &[I],
    work: impl Fn(&I) -> Result<T, E> + Sync,
) -> Result<Vec<T>, E>
where
    I: Sync,
    T: Send,
    E: Send,
{
    let threads = workers().min(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let run = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let result = work(item);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((i, result));
        }
        done
    };
    let parts = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(run)).collect();
        let mut parts = vec![run()];
        for helper in helpers {
            match helper.join() {
                Ok(part) => parts.push(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, result) in parts.into_iter().flatten() {
        slots[i] = Some(result?);
    }
    // Without an error every item was taken, so every slot is full.
    Ok(slots.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelined_reads_fill_the_buffer_and_feed_every_byte_in_order() {
        let data: Vec<u8> = (0..3 * PARALLEL_MIN + 5).map(|i| (i % 251) as u8).collect();
        for len in [0, 10, PARALLEL_MIN, data.len()] {
            let mut buf = vec![0u8; len];
            let mut fed = Vec::new();
            read_pipelined(&data[..], &mut buf, |piece| fed.extend_from_slice(piece)).unwrap();
            assert_eq!(buf, data[..len]);
            assert_eq!(fed, data[..len]);
        }
        let mut too_long = vec![0u8; data.len() + 1];
        let err = read_pipelined(&data[..], &mut too_long, |_| {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn map_keeps_the_order_and_stops_at_an_error() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = map(&items, |&i| Ok::<_, ()>(i * 2)).unwrap();
        assert_eq!(doubled, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(
            map(&[] as &[u32], |&i| Ok::<_, ()>(i)).unwrap(),
            Vec::<u32>::new()
        );
        let err = map(&items, |&i| if i == 500 { Err(i) } else { Ok(i) });
        assert_eq!(err, Err(500));
    }
}
