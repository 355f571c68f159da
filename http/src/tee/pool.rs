//! [`Batch`]: a tee's batch buffer, kept for the next body when it is done.
//!
//! A fresh 1 MiB buffer is 256 pages the kernel must fault in and zero
//! before the first body byte is copied into it. With a buffer per body,
//! `perf stat` counted about 425 page faults per 1 MiB store (the
//! allocator had handed the last one back to the kernel): half a
//! millisecond on this VM, close to the cost of hashing the body. At most
//! [`KEPT`] buffers are held, process-wide.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use super::BATCH;

/// Buffers held for reuse (4 MiB): two stores in flight, each with one
/// batch being written and one being gathered.
const KEPT: usize = 4;

static FREE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// An empty buffer with room for one batch, from the free list if it has
/// one; back on the list when dropped.
#[derive(Debug)]
pub(crate) struct Batch(Vec<u8>);

impl Batch {
    pub(crate) fn new() -> Batch {
        let kept = FREE.lock().ok().and_then(|mut free| free.pop());
        Batch(kept.unwrap_or_else(|| Vec::with_capacity(BATCH)))
    }
}

impl Deref for Batch {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for Batch {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Only a buffer of the size it was made with: one the caller grew
        // or shrank is not the pool's to keep.
        if self.0.capacity() != BATCH {
            return;
        }
        if let Ok(mut free) = FREE.lock() {
            if free.len() < KEPT {
                let mut buf = std::mem::take(&mut self.0);
                buf.clear();
                free.push(buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_buffer_comes_back_empty_and_whole() {
        // One response's bytes must never start the next one's body.
        let mut used = Vec::new();
        for _ in 0..KEPT + 1 {
            let mut batch = Batch::new();
            batch.extend_from_slice(b"last response");
            used.push(batch);
        }
        drop(used);
        for _ in 0..KEPT + 1 {
            let batch = Batch::new();
            assert!(batch.is_empty());
            assert_eq!(batch.capacity(), BATCH);
        }
    }

    #[test]
    fn a_grown_buffer_is_not_kept() {
        let mut batch = Batch::new();
        batch.extend_from_slice(&vec![1; BATCH + 1]);
        drop(batch);
        let kept = FREE.lock().expect("free list");
        assert!(kept.iter().all(|buf| buf.capacity() == BATCH));
    }
}
