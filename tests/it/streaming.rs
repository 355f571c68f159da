//! Streaming writes and reads (`SyncWriter`/`Writer`, `SyncReader`/`Reader`):
//! chunked round trips, nothing visible before `commit`, cleanup on drop,
//! failed expectations, and verification of what is read.
//!
//! Every scenario takes a `common::Api` and runs blocking and async, by path
//! and by `Cache` handle (`sync_path::*`, `async_handle::*`, …).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::common::{
    content_files, content_path, flip_byte, index_files, new_cache, pattern, root, sha512_hex,
    tmp_files, Api,
};
use capcache::{Algorithm, Cache, Error, Integrity, SyncReader, SyncWriter, WriteOpts};
use sha2::Digest;

#[cfg(feature = "async")]
use crate::common::block_on;
#[cfg(feature = "async")]
use capcache::{Reader, Writer};
#[cfg(feature = "async")]
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------
// The stream types of both APIs behind one interface.

// Short-lived test values: their size does not matter.
#[allow(clippy::large_enum_variant)]
enum AnyWriter {
    Sync(SyncWriter),
    #[cfg(feature = "async")]
    Async(Writer),
}

enum AnyReader {
    Sync(SyncReader),
    #[cfg(feature = "async")]
    Async(Reader),
}

/// The streaming constructors, for each [`Api`] variant.
trait Streams {
    fn create(self, c: &Cache, key: &str) -> capcache::Result<AnyWriter>;
    fn create_with_algo(self, algo: Algorithm, c: &Cache, key: &str)
        -> capcache::Result<AnyWriter>;
    fn open(self, opts: WriteOpts, c: &Cache, key: &str) -> capcache::Result<AnyWriter>;
    fn open_hash(self, opts: WriteOpts, c: &Cache) -> capcache::Result<AnyWriter>;
    fn reader(self, c: &Cache, key: &str) -> capcache::Result<AnyReader>;
    fn hash_reader(self, c: &Cache, sri: &Integrity) -> capcache::Result<AnyReader>;
}

impl Streams for Api {
    fn create(self, c: &Cache, key: &str) -> capcache::Result<AnyWriter> {
        dispatch!(self,
            sync_path: SyncWriter::create(root(c), key).map(AnyWriter::Sync),
            sync_handle: SyncWriter::create(c, key).map(AnyWriter::Sync),
            async_path: async { Writer::create(root(c), key).await.map(AnyWriter::Async) },
            async_handle: async { Writer::create(c, key).await.map(AnyWriter::Async) },
        )
    }

    fn create_with_algo(
        self,
        algo: Algorithm,
        c: &Cache,
        key: &str,
    ) -> capcache::Result<AnyWriter> {
        dispatch!(self,
            sync_path: SyncWriter::create_with_algo(algo, root(c), key).map(AnyWriter::Sync),
            sync_handle: SyncWriter::create_with_algo(algo, c, key).map(AnyWriter::Sync),
            async_path: async {
                Writer::create_with_algo(algo, root(c), key).await.map(AnyWriter::Async)
            },
            async_handle: async {
                Writer::create_with_algo(algo, c, key).await.map(AnyWriter::Async)
            },
        )
    }

    fn open(self, opts: WriteOpts, c: &Cache, key: &str) -> capcache::Result<AnyWriter> {
        dispatch!(self,
            sync_path: opts.open_sync(root(c), key).map(AnyWriter::Sync),
            sync_handle: opts.open_sync(c, key).map(AnyWriter::Sync),
            async_path: async { opts.open(root(c), key).await.map(AnyWriter::Async) },
            async_handle: async { opts.open(c, key).await.map(AnyWriter::Async) },
        )
    }

    fn open_hash(self, opts: WriteOpts, c: &Cache) -> capcache::Result<AnyWriter> {
        dispatch!(self,
            sync_path: opts.open_hash_sync(root(c)).map(AnyWriter::Sync),
            sync_handle: opts.open_hash_sync(c).map(AnyWriter::Sync),
            async_path: async { opts.open_hash(root(c)).await.map(AnyWriter::Async) },
            async_handle: async { opts.open_hash(c).await.map(AnyWriter::Async) },
        )
    }

    fn reader(self, c: &Cache, key: &str) -> capcache::Result<AnyReader> {
        dispatch!(self,
            sync_path: SyncReader::open(root(c), key).map(AnyReader::Sync),
            sync_handle: SyncReader::open(c, key).map(AnyReader::Sync),
            async_path: async { Reader::open(root(c), key).await.map(AnyReader::Async) },
            async_handle: async { Reader::open(c, key).await.map(AnyReader::Async) },
        )
    }

    fn hash_reader(self, c: &Cache, sri: &Integrity) -> capcache::Result<AnyReader> {
        let sri = sri.clone();
        dispatch!(self,
            sync_path: SyncReader::open_hash(root(c), sri).map(AnyReader::Sync),
            sync_handle: SyncReader::open_hash(c, sri).map(AnyReader::Sync),
            async_path: async { Reader::open_hash(root(c), sri).await.map(AnyReader::Async) },
            async_handle: async { Reader::open_hash(c, sri).await.map(AnyReader::Async) },
        )
    }
}

impl AnyWriter {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            AnyWriter::Sync(w) => w.write_all(buf),
            #[cfg(feature = "async")]
            AnyWriter::Async(w) => block_on(w.write_all(buf)),
        }
    }

    fn commit(self) -> capcache::Result<Integrity> {
        match self {
            AnyWriter::Sync(w) => w.commit(),
            #[cfg(feature = "async")]
            AnyWriter::Async(w) => block_on(w.commit()),
        }
    }
}

impl AnyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            AnyReader::Sync(r) => r.read(buf),
            #[cfg(feature = "async")]
            AnyReader::Async(r) => block_on(r.read(buf)),
        }
    }

    fn read_to_end(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        match self {
            AnyReader::Sync(r) => r.read_to_end(out),
            #[cfg(feature = "async")]
            AnyReader::Async(r) => block_on(r.read_to_end(out)),
        }
    }

    fn check(self) -> capcache::Result<Algorithm> {
        match self {
            AnyReader::Sync(r) => r.check(),
            #[cfg(feature = "async")]
            AnyReader::Async(r) => r.check(),
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers.

/// The integrity string of `bytes`, computed here (not by the crate).
fn sri_of<D: Digest>(name: &str, bytes: &[u8]) -> Integrity {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(D::digest(bytes));
    format!("{name}-{b64}").parse().unwrap()
}

/// `content-v2/`-relative path of the content of `sri`, as `content_files`
/// lists it.
fn content_rel(c: &Cache, sri: &Integrity) -> PathBuf {
    content_path(root(c), sri)
        .strip_prefix(root(c).join("content-v2"))
        .unwrap()
        .to_owned()
}

/// Overwrites the content file of `sri` with garbage of the same length.
fn corrupt(c: &Cache, sri: &Integrity) {
    crate::common::corrupt(&content_path(root(c), sri));
}

/// Asserts the cache holds no entry, no content and no temp file.
fn assert_nothing_stored(c: &Cache, key: &str) {
    assert!(
        c.metadata_sync(key).expect("metadata").is_none(),
        "an index entry exists for {key:?}"
    );
    assert_eq!(c.list_sync().count(), 0, "list is not empty");
    assert_eq!(content_files(root(c)), Vec::<PathBuf>::new());
    assert_eq!(index_files(root(c)), Vec::<PathBuf>::new());
    assert_tmp_empty(root(c));
}

fn assert_tmp_empty(root: &Path) {
    assert_eq!(tmp_files(root), Vec::<PathBuf>::new(), "temp files left");
}

/// Writes `bytes` in chunks whose sizes cycle through awkward values.
fn write_in_odd_chunks(writer: &mut AnyWriter, bytes: &[u8]) {
    const SIZES: [usize; 8] = [1, 7, 4096, 3, 65_537, 0, 13, 8191];
    let mut rest = bytes;
    for size in SIZES.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at((*size).min(rest.len()));
        writer.write_all(chunk).expect("write chunk");
        rest = tail;
    }
}

fn write_value(api: Api, c: &Cache, key: &str, bytes: &[u8]) -> Integrity {
    let mut writer = api.create(c, key).expect("create writer");
    writer.write_all(bytes).expect("write");
    writer.commit().expect("commit")
}

#[track_caller]
fn assert_integrity_mismatch(result: capcache::Result<Algorithm>) {
    assert!(
        matches!(result, Err(Error::IntegrityMismatch { .. })),
        "expected Error::IntegrityMismatch, got {result:?}"
    );
}

// ---------------------------------------------------------------------------
// Writers.

api_tests!(
    chunked_writes_round_trip,
    nothing_visible_before_commit,
    dropped_writer_leaves_nothing,
    size_mismatch_fails_commit_and_stores_nothing,
    integrity_mismatch_fails_commit_and_stores_nothing,
    expected_integrity_and_size_that_match_commit,
    open_hash_writes_content_only,
    create_with_algo_sha256_gives_sha256_integrity,
    reader_returns_good_data_and_checks_ok,
    reader_of_corrupted_content_fails_at_end,
    reader_check_without_reading_still_verifies,
    reader_check_after_partial_read_verifies_whole_value,
    readers_on_missing_entries_fail,
);

/// Many small writes of odd sizes produce exactly the bytes written, under
/// the sha512 integrity of the whole value.
fn chunked_writes_round_trip(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(300_001, 1);
    let mut writer = api.create(&cache, "chunked").unwrap();
    write_in_odd_chunks(&mut writer, &bytes);
    let sri = writer.commit().unwrap();

    assert_eq!(sri.to_hex(), (Algorithm::Sha512, sha512_hex(&bytes)));
    assert_eq!(api.read(&cache, "chunked").unwrap(), bytes);
    let meta = api.metadata(&cache, "chunked").unwrap().unwrap();
    assert_eq!((meta.size, meta.integrity), (bytes.len(), sri.clone()));
    assert_eq!(
        std::fs::read(content_path(root(&cache), &sri)).unwrap(),
        bytes
    );

    // And back through a reader, in small odd reads.
    let mut reader = api.reader(&cache, "chunked").unwrap();
    let mut back = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        back.extend_from_slice(&buf[..n]);
    }
    assert!(back == bytes, "reader returned other bytes");
    assert_eq!(reader.check().unwrap(), Algorithm::Sha512);
    assert_tmp_empty(root(&cache));
}

/// Until `commit` nothing is in the index or the content store; after it the
/// entry, its content and only its content are there.
fn nothing_visible_before_commit(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(200_000, 2);
    let mut writer = api.create(&cache, "pending").unwrap();
    writer.write_all(&bytes[..100_000]).unwrap();
    writer.write_all(&bytes[100_000..]).unwrap();

    assert!(api.metadata(&cache, "pending").unwrap().is_none());
    assert!(api.list(&cache).is_empty());
    assert!(matches!(
        api.read(&cache, "pending"),
        Err(Error::EntryNotFound { .. })
    ));
    assert_eq!(content_files(root(&cache)), Vec::<PathBuf>::new());
    assert_eq!(index_files(root(&cache)), Vec::<PathBuf>::new());

    let sri = writer.commit().unwrap();
    let meta = api.metadata(&cache, "pending").unwrap().expect("entry");
    assert_eq!(meta.integrity, sri);
    assert_eq!(meta.size, bytes.len());
    let keys: Vec<String> = api
        .list(&cache)
        .into_iter()
        .map(|m| m.unwrap().key)
        .collect();
    assert_eq!(keys, ["pending"]);
    assert_eq!(content_files(root(&cache)), [content_rel(&cache, &sri)]);
    assert_eq!(api.read(&cache, "pending").unwrap(), bytes);
    assert_tmp_empty(root(&cache));
}

/// A writer dropped without `commit` removes its temp file and stores
/// nothing. (An async writer that has not been flushed hands its last bytes
/// to a blocking thread, so its drop may finish shortly after `drop`
/// returns; the wait below is bounded.)
fn dropped_writer_leaves_nothing(api: Api) {
    use std::time::{Duration, Instant};

    let (_tmp, cache) = new_cache();
    let mut writer = api.create(&cache, "abandoned").unwrap();
    writer.write_all(&pattern(150_000, 3)).unwrap();
    assert_eq!(
        tmp_files(root(&cache)).len(),
        1,
        "the write in progress lives in one temp file"
    );
    drop(writer);

    let deadline = Instant::now() + Duration::from_secs(10);
    while !tmp_files(root(&cache)).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_nothing_stored(&cache, "abandoned");
}

/// A write whose length differs from `WriteOpts::size` fails at `commit`
/// with `SizeMismatch` and stores nothing; too short and too long alike.
fn size_mismatch_fails_commit_and_stores_nothing(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(10_000, 4);
    for expected in [bytes.len() + 1, bytes.len() - 1] {
        let opts = WriteOpts::new().size(expected);
        let mut writer = api.open(opts, &cache, "sized").unwrap();
        write_in_odd_chunks(&mut writer, &bytes);
        match writer.commit() {
            Err(Error::SizeMismatch {
                expected: e, found, ..
            }) => assert_eq!((e, found), (expected as u64, bytes.len() as u64)),
            other => panic!("expected SizeMismatch for size {expected}, got {other:?}"),
        }
        assert_nothing_stored(&cache, "sized");
    }
}

/// A write whose data does not hash to `WriteOpts::integrity` fails at
/// `commit` with `IntegrityMismatch` and stores nothing.
fn integrity_mismatch_fails_commit_and_stores_nothing(api: Api) {
    let (_tmp, cache) = new_cache();
    let wanted = sri_of::<sha2::Sha512>("sha512", &pattern(5_000, 5));
    let written = pattern(5_000, 6);

    let opts = WriteOpts::new().integrity(wanted.clone());
    let mut writer = api.open(opts, &cache, "pinned").unwrap();
    writer.write_all(&written).unwrap();
    match writer.commit() {
        Err(Error::IntegrityMismatch {
            expected, found, ..
        }) => {
            assert_eq!(expected, wanted);
            assert_eq!(found, sri_of::<sha2::Sha512>("sha512", &written));
        }
        other => panic!("expected IntegrityMismatch, got {other:?}"),
    }
    assert_nothing_stored(&cache, "pinned");
}

/// Expectations that the data meets do not get in the way (the positive
/// control of the two tests above); an expected sha256 integrity makes the
/// writer hash with sha256.
fn expected_integrity_and_size_that_match_commit(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(70_000, 7);
    let wanted = sri_of::<sha2::Sha256>("sha256", &bytes);

    let opts = WriteOpts::new().integrity(wanted.clone()).size(bytes.len());
    let mut writer = api.open(opts, &cache, "pinned").unwrap();
    write_in_odd_chunks(&mut writer, &bytes);
    assert_eq!(writer.commit().unwrap(), wanted);
    assert_eq!(api.read(&cache, "pinned").unwrap(), bytes);
}

/// `open_hash` stores content (readable by integrity) and no index entry.
fn open_hash_writes_content_only(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(123_457, 8);
    let mut writer = api.open_hash(WriteOpts::new(), &cache).unwrap();
    write_in_odd_chunks(&mut writer, &bytes);
    let sri = writer.commit().unwrap();

    assert_eq!(sri, sri_of::<sha2::Sha512>("sha512", &bytes));
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), bytes);
    assert!(api.list(&cache).is_empty());
    assert_eq!(index_files(root(&cache)), Vec::<PathBuf>::new());
    assert_eq!(content_files(root(&cache)), [content_rel(&cache, &sri)]);
    assert_tmp_empty(root(&cache));
}

/// `create_with_algo(Sha256, ..)` stores under a sha256 integrity that is
/// the sha256 of the data, in `content-v2/sha256/`.
fn create_with_algo_sha256_gives_sha256_integrity(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(50_000, 9);
    let mut writer = api
        .create_with_algo(Algorithm::Sha256, &cache, "sha256")
        .unwrap();
    write_in_odd_chunks(&mut writer, &bytes);
    let sri = writer.commit().unwrap();

    assert_eq!(sri, sri_of::<sha2::Sha256>("sha256", &bytes));
    assert!(content_rel(&cache, &sri).starts_with("sha256"));
    assert_eq!(
        std::fs::read(content_path(root(&cache), &sri)).unwrap(),
        bytes
    );
    assert_eq!(api.read(&cache, "sha256").unwrap(), bytes);
    let reader = api.reader(&cache, "sha256").unwrap();
    assert_eq!(reader.check().unwrap(), Algorithm::Sha256);
}

// ---------------------------------------------------------------------------
// Readers.

/// A reader of intact content returns it, by key and by integrity, and
/// `check` reports the algorithm; an empty value reads as empty.
fn reader_returns_good_data_and_checks_ok(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(3 * 1024 * 1024 + 5, 10);
    let sri = write_value(api, &cache, "good", &bytes);

    for mut reader in [
        api.reader(&cache, "good").unwrap(),
        api.hash_reader(&cache, &sri).unwrap(),
    ] {
        let mut back = Vec::new();
        assert_eq!(reader.read_to_end(&mut back).unwrap(), bytes.len());
        assert!(back == bytes, "reader returned other bytes");
        assert_eq!(reader.check().unwrap(), Algorithm::Sha512);
    }

    write_value(api, &cache, "empty", b"");
    let mut reader = api.reader(&cache, "empty").unwrap();
    let mut back = Vec::new();
    assert_eq!(reader.read_to_end(&mut back).unwrap(), 0);
    assert_eq!(reader.check().unwrap(), Algorithm::Sha512);
}

/// Content overwritten with same-length garbage: reading to the end fails
/// with `InvalidData` carrying the `IntegrityMismatch`, and `check` on the
/// same reader reports `IntegrityMismatch`.
fn reader_of_corrupted_content_fails_at_end(api: Api) {
    let (_tmp, cache) = new_cache();
    let sri = write_value(api, &cache, "bad", &pattern(200_000, 11));
    corrupt(&cache, &sri);

    for mut reader in [
        api.reader(&cache, "bad").unwrap(),
        api.hash_reader(&cache, &sri).unwrap(),
    ] {
        let mut back = Vec::new();
        let err = reader
            .read_to_end(&mut back)
            .expect_err("read_to_end of corrupted content succeeded");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        let inner = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<Error>())
            .unwrap_or_else(|| panic!("the io::Error carries no capcache::Error: {err:?}"));
        assert!(
            matches!(inner, Error::IntegrityMismatch { .. }),
            "{inner:?}"
        );
        assert_integrity_mismatch(reader.check());
    }
}

/// `check` alone (no read first) reads and verifies the whole value: Ok for
/// intact content, `IntegrityMismatch` for corrupted content.
fn reader_check_without_reading_still_verifies(api: Api) {
    let (_tmp, cache) = new_cache();
    let good = write_value(api, &cache, "good", &pattern(100_000, 12));
    let bad = write_value(api, &cache, "bad", &pattern(100_000, 13));
    corrupt(&cache, &bad);

    assert_eq!(
        api.reader(&cache, "good").unwrap().check().unwrap(),
        Algorithm::Sha512
    );
    assert_eq!(
        api.hash_reader(&cache, &good).unwrap().check().unwrap(),
        Algorithm::Sha512
    );
    assert_integrity_mismatch(api.reader(&cache, "bad").unwrap().check());
    assert_integrity_mismatch(api.hash_reader(&cache, &bad).unwrap().check());
}

/// `check` after reading part of a value hashes the rest too: damage in the
/// very last byte is caught, and intact content passes.
fn reader_check_after_partial_read_verifies_whole_value(api: Api) {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(500_000, 14);
    let sri = write_value(api, &cache, "v", &bytes);

    let mut head = [0u8; 1000];
    let mut reader = api.reader(&cache, "v").unwrap();
    let n = reader.read(&mut head).unwrap();
    assert!(n > 0 && head[..n] == bytes[..n]);
    assert_eq!(reader.check().unwrap(), Algorithm::Sha512);

    flip_byte(&content_path(root(&cache), &sri), bytes.len() - 1);

    let mut reader = api.reader(&cache, "v").unwrap();
    let n = reader.read(&mut head).unwrap();
    assert!(n > 0 && head[..n] == bytes[..n]);
    assert_integrity_mismatch(reader.check());
}

/// Opening a reader for a missing key is `EntryNotFound`; for content that
/// is not stored (never written, or removed under a live key) it is
/// `ContentNotFound`.
fn readers_on_missing_entries_fail(api: Api) {
    let (_tmp, cache) = new_cache();
    match api.reader(&cache, "nope") {
        Err(Error::EntryNotFound { key }) => assert_eq!(key, "nope"),
        Err(other) => panic!("expected EntryNotFound, got {other:?}"),
        Ok(_) => panic!("opened a reader for a missing key"),
    }

    let never_written = sri_of::<sha2::Sha512>("sha512", b"never written");
    assert!(matches!(
        api.hash_reader(&cache, &never_written),
        Err(Error::ContentNotFound { .. })
    ));

    let sri = write_value(api, &cache, "gone", b"content removed");
    api.remove_hash(&cache, &sri).unwrap();
    assert!(matches!(
        api.reader(&cache, "gone"),
        Err(Error::ContentNotFound { .. })
    ));
}

// ---------------------------------------------------------------------------
// Async only.

/// `AsyncWriteExt::close` ends the byte stream; `commit` afterwards still
/// stores the value (closing must neither lose the data nor panic).
#[cfg(feature = "async")]
#[test]
fn async_writer_close_then_commit_stores_the_value() {
    let (_tmp, cache) = new_cache();
    let bytes = pattern(100_000, 15);
    let sri = block_on(async {
        let mut writer = Writer::create(&cache, "closed").await.unwrap();
        writer.write_all(&bytes).await.unwrap();
        writer.close().await.unwrap();
        writer.commit().await
    })
    .expect("commit after close");
    assert_eq!(sri, sri_of::<sha2::Sha512>("sha512", &bytes));
    assert_eq!(cache.read_sync("closed").unwrap(), bytes);
    assert_tmp_empty(root(&cache));
}

/// After `flush` the async writer's data is in its temp file, and a flushed
/// writer dropped without `commit` cleans up before `drop` returns.
#[cfg(feature = "async")]
#[test]
fn async_writer_flushed_then_dropped_cleans_up_at_once() {
    let (_tmp, cache) = new_cache();
    let mut writer = block_on(Writer::create(&cache, "abandoned")).unwrap();
    block_on(async {
        writer.write_all(&pattern(100_000, 16)).await.unwrap();
        writer.flush().await.unwrap();
    });
    let pending = tmp_files(root(&cache));
    assert_eq!(pending.len(), 1);
    let len = std::fs::metadata(root(&cache).join("tmp").join(&pending[0]))
        .unwrap()
        .len();
    assert_eq!(len, 100_000);
    drop(writer);
    assert_nothing_stored(&cache, "abandoned");
}
