//! Overlapping a large copy with hashing.
//!
//! Hashing (sha512: about 500 MB/s here) bounds large reads and writes; the
//! file write or memory copy that goes with it would add a third on top if
//! done after it. Above [`PARALLEL_MIN`] bytes the two run on two threads.
//! WASI preview 1 has no threads: there they run one after the other.

/// Below this, a thread costs more than it saves.
pub(crate) const PARALLEL_MIN: usize = 1024 * 1024;

/// Runs `side` and `main` and returns both results; concurrently (`side` on a
/// scoped thread) when `len` is at least [`PARALLEL_MIN`] and threads exist.
pub(crate) fn join<A, B>(
    len: usize,
    side: impl FnOnce() -> A + Send,
    main: impl FnOnce() -> B,
) -> (A, B)
where
    A: Send,
{
    #[cfg(not(target_family = "wasm"))]
    if len >= PARALLEL_MIN {
        return std::thread::scope(|scope| {
            let handle = scope.spawn(side);
            let b = main();
            match handle.join() {
                Ok(a) => (a, b),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
    }
    let _ = len;
    (side(), main())
}

/// Pieces [`read_pipelined`] reads and hands over: big enough that the
/// hand-over is rare, small enough that the two threads overlap early.
#[cfg(not(target_family = "wasm"))]
const PIECE: usize = 1024 * 1024;

/// Fills `buf` from `reader` and feeds each filled piece to `consume`: on
/// two threads (reading the next piece while `consume` works on the last)
/// when `buf` is at least [`PARALLEL_MIN`] bytes and threads exist.
///
/// Fails with `UnexpectedEof` if `reader` ends before `buf` is full.
pub(crate) fn read_pipelined<R: std::io::Read + Send>(
    mut reader: R,
    buf: &mut [u8],
    mut consume: impl FnMut(&[u8]),
) -> std::io::Result<()> {
    #[cfg(not(target_family = "wasm"))]
    if buf.len() >= PARALLEL_MIN {
        return std::thread::scope(|scope| {
            let (filled, pieces) = std::sync::mpsc::sync_channel(4);
            let reading = scope.spawn(move || {
                for piece in buf.chunks_mut(PIECE) {
                    reader.read_exact(piece)?;
                    // The reader is gone only if the consumer panicked.
                    if filled.send(&*piece).is_err() {
                        break;
                    }
                }
                Ok(())
            });
            for piece in pieces {
                consume(piece);
            }
            match reading.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
    }
    reader.read_exact(buf)?;
    consume(buf);
    Ok(())
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
}
