//! The blocking streaming types: `SyncWriter` and `SyncReader`.

use std::io::{Read, Write};
use std::path::Path;

use capcache::{Algorithm, Error, SyncReader, SyncWriter, WriteOpts};

use super::{count_entries, listed_keys, open_cache};
use crate::data::{pattern, sha512};
use crate::harness::{expect_err, same_bytes, TestResult};
use crate::{ensure, ensure_eq};

/// Chunked writes commit one value; streamed reads verify it; expectations
/// fail the commit; an abandoned writer leaves nothing behind.
pub(super) fn sync_writer_reader(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    let data = pattern(300_000, 7);
    let mut writer = SyncWriter::create(&cache, "streamed")?;
    for chunk in data.chunks(7 * 1024) {
        writer.write_all(chunk)?;
    }
    let sri = writer.commit()?;
    ensure_eq!(sri, sha512(&data), "streamed write's integrity");

    let mut reader = SyncReader::open(&cache, "streamed")?;
    ensure_eq!(reader.integrity(), &sri, "SyncReader::integrity");
    let mut got = Vec::new();
    reader.read_to_end(&mut got)?;
    ensure_eq!(
        reader.check()?,
        Algorithm::Sha512,
        "check after read_to_end"
    );
    same_bytes(&got, &data, "streamed read")?;

    let mut partial = SyncReader::open_hash(&cache, sri.clone())?;
    let mut head = [0u8; 10];
    partial.read_exact(&mut head)?;
    same_bytes(&head, &data[..10], "first bytes")?;
    partial.check()?;

    let mut sized = WriteOpts::new().size(4).open_sync(&cache, "sized")?;
    sized.write_all(b"abcd")?;
    sized.commit()?;
    let mut short = WriteOpts::new().size(4).open_sync(&cache, "short")?;
    short.write_all(b"abc")?;
    expect_err(short.commit(), "commit of 3 bytes sized 4", |e| {
        matches!(e, Error::SizeMismatch { .. })
    })?;
    ensure!(
        cache.metadata_sync("short")?.is_none(),
        "failed commit left an entry"
    );

    let mut only = WriteOpts::new().open_hash_sync(&cache)?;
    only.write_all(b"content only")?;
    let only_sri = only.commit()?;
    same_bytes(
        &cache.read_hash_sync(&only_sri)?,
        b"content only",
        "open_hash_sync",
    )?;

    let mut sha1 = SyncWriter::create_with_algo(Algorithm::Sha1, &cache, "sha1")?;
    sha1.write_all(b"x")?;
    ensure_eq!(
        sha1.commit()?.pick_algorithm(),
        Algorithm::Sha1,
        "create_with_algo"
    );

    let mut dropped = SyncWriter::create(&cache, "dropped")?;
    dropped.write_all(b"never committed")?;
    drop(dropped);
    ensure!(
        cache.metadata_sync("dropped")?.is_none(),
        "dropped writer left an entry"
    );
    ensure_eq!(
        count_entries(&root.join("tmp"))?,
        0,
        "temp files after a drop"
    );
    let keys = listed_keys(cache.list_sync())?;
    ensure_eq!(keys, ["sha1", "sized", "streamed"], "entries");
    Ok(())
}
