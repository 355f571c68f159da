//! Streaming a 1 GiB value through the writers and readers keeps the heap
//! small: a counting global allocator records the peak of live heap bytes
//! during each phase, and the growth over the phase's start must stay under
//! 16 MiB. Deterministic: no timing is asserted (durations are printed; run
//! with `--nocapture` to see them).
//!
//! Each API has one test that writes the value (one measured phase), reads
//! it back (another), then deletes it, so that at most one GiB is on disk
//! at a time. The tests run one at a time: they share a lock, since the
//! allocator counts every thread.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use capcache::{Algorithm, Cache, Integrity, SyncReader, SyncWriter};
use sha2::Digest;

// ---------------------------------------------------------------------------
// The counting allocator.

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::SeqCst) + n;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

fn shrank(n: usize) {
    CURRENT.fetch_sub(n, Ordering::SeqCst);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The live-heap baseline and clock of one measured phase.
struct Phase {
    name: &'static str,
    baseline: usize,
    start: Instant,
}

impl Phase {
    fn begin(name: &'static str) -> Phase {
        let baseline = CURRENT.load(Ordering::SeqCst);
        PEAK.store(baseline, Ordering::SeqCst);
        Phase {
            name,
            baseline,
            start: Instant::now(),
        }
    }

    /// Returns the peak heap growth in bytes, after printing it and the time.
    fn end(self) -> usize {
        let growth = PEAK.load(Ordering::SeqCst).saturating_sub(self.baseline);
        eprintln!(
            "{}: {:.2} s, peak heap growth {:.2} MiB",
            self.name,
            self.start.elapsed().as_secs_f64(),
            growth as f64 / MIB as f64
        );
        growth
    }
}

// ---------------------------------------------------------------------------
// The value: 1 GiB in 1 MiB chunks from one reused buffer.

const MIB: usize = 1024 * 1024;
const CHUNK: usize = MIB;
const CHUNKS: usize = 1024;
const TOTAL: u64 = (CHUNK * CHUNKS) as u64;
const LIMIT: usize = 16 * MIB;
const KEY: &str = "one-gib";

/// A 1 MiB buffer of pseudo-random bytes.
fn template() -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut buf = vec![0u8; CHUNK];
    for word in buf.chunks_exact_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        word.copy_from_slice(&x.to_le_bytes());
    }
    buf
}

/// Makes `buf` chunk number `i`: the template with `i` stamped in three places.
fn stamp(buf: &mut [u8], i: usize) {
    let tag = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes();
    for at in [0, CHUNK / 2, CHUNK - 8] {
        buf[at..at + 8].copy_from_slice(&tag);
    }
}

/// The sha512 integrity of the whole value, computed once, outside any phase.
fn expected_integrity() -> &'static Integrity {
    static EXPECTED: OnceLock<Integrity> = OnceLock::new();
    EXPECTED.get_or_init(|| {
        use base64::Engine;
        let mut hasher = sha2::Sha512::new();
        let mut buf = template();
        for i in 0..CHUNKS {
            stamp(&mut buf, i);
            hasher.update(&buf);
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(hasher.finalize());
        format!("sha512-{b64}").parse().unwrap()
    })
}

// ---------------------------------------------------------------------------
// The tests.

/// Held by each test: the allocator's counters are global.
static SERIAL: Mutex<()> = Mutex::new(());

/// A cache in a temporary dir, deleted when dropped (on a panic too).
struct Stored {
    _dir: tempfile::TempDir,
    cache: Cache,
}

#[derive(Clone, Copy, Debug)]
enum Api {
    Sync,
    #[cfg(feature = "async")]
    Async,
}

/// Streams the value into a new cache; returns it and the integrity.
fn write_value(api: Api) -> (Stored, Integrity) {
    let dir = common::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let sri = match api {
        Api::Sync => {
            let mut writer = SyncWriter::create(&cache, KEY).unwrap();
            let mut buf = template();
            for i in 0..CHUNKS {
                stamp(&mut buf, i);
                writer.write_all(&buf).unwrap();
            }
            writer.commit().unwrap()
        }
        #[cfg(feature = "async")]
        Api::Async => futures_lite::future::block_on(async {
            use futures_lite::io::AsyncWriteExt;
            let mut writer = capcache::Writer::create(&cache, KEY).await.unwrap();
            let mut buf = template();
            for i in 0..CHUNKS {
                stamp(&mut buf, i);
                writer.write_all(&buf).await.unwrap();
            }
            writer.commit().await.unwrap()
        }),
    };
    (Stored { _dir: dir, cache }, sri)
}

/// Streams the value back in 1 MiB reads, comparing every chunk, then
/// checks the end of the stream and the integrity.
fn read_value(api: Api, cache: &Cache) -> Algorithm {
    let mut expected = template();
    let mut buf = vec![0u8; CHUNK];
    match api {
        Api::Sync => {
            let mut reader = SyncReader::open(cache, KEY).unwrap();
            assert_eq!(reader.integrity(), expected_integrity());
            for i in 0..CHUNKS {
                reader.read_exact(&mut buf).unwrap();
                stamp(&mut expected, i);
                assert!(buf == expected, "chunk {i} differs");
            }
            assert_eq!(reader.read(&mut buf).unwrap(), 0, "value is too long");
            reader.check().unwrap()
        }
        #[cfg(feature = "async")]
        Api::Async => futures_lite::future::block_on(async {
            use futures_lite::io::AsyncReadExt;
            let mut reader = capcache::Reader::open(cache, KEY).await.unwrap();
            for i in 0..CHUNKS {
                reader.read_exact(&mut buf).await.unwrap();
                stamp(&mut expected, i);
                assert!(buf == expected, "chunk {i} differs");
            }
            assert_eq!(reader.read(&mut buf).await.unwrap(), 0, "value is too long");
            reader.check().unwrap()
        }),
    }
}

/// Writes the value through `api`, then reads it back through `api`,
/// measuring each phase.
fn round_trip(api: Api, [writing, reading]: [&'static str; 2]) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let expected = expected_integrity();

    let phase = Phase::begin(writing);
    let (stored, sri) = write_value(api);
    let write_growth = phase.end();
    assert_eq!(&sri, expected);
    let meta = stored.cache.metadata_sync(KEY).unwrap().unwrap();
    assert_eq!(meta.size as u64, TOTAL);
    assert!(
        write_growth < LIMIT,
        "{writing}: heap grew by {write_growth} bytes (limit {LIMIT})"
    );

    let phase = Phase::begin(reading);
    let algo = read_value(api, &stored.cache);
    let read_growth = phase.end();
    assert_eq!(algo, Algorithm::Sha512);
    assert!(
        read_growth < LIMIT,
        "{reading}: heap grew by {read_growth} bytes (limit {LIMIT})"
    );
}

#[test]
fn sync_writer_and_reader_stream_1_gib_in_bounded_memory() {
    round_trip(Api::Sync, ["SyncWriter 1 GiB", "SyncReader 1 GiB"]);
}

#[cfg(feature = "async")]
#[test]
fn async_writer_and_reader_stream_1_gib_in_bounded_memory() {
    round_trip(Api::Async, ["Writer (async) 1 GiB", "Reader (async) 1 GiB"]);
}
