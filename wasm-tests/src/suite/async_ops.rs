//! The async API, driven by `futures_lite::future::block_on` (smol does not
//! build for WASI; there the work runs inline when the future is polled).

use std::path::Path;
use std::time::Duration;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use capcache::{Algorithm, Error, GcOpts, Reader, VerifyOpts, WriteOpts, Writer};
use futures_lite::future::block_on;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use futures_lite::StreamExt;

use super::{listed_keys, open_cache};
use crate::data::{pattern, sha512};
use crate::harness::{expect_err, same_bytes, Check, Failure, TestResult};
use crate::{ensure, ensure_eq};

/// Whole-value operations: free functions and `Cache` methods.
pub(super) fn roundtrip(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    block_on(async {
        let sri = capcache::write(&cache, "k", b"async value").await?;
        ensure_eq!(sri, sha512(b"async value"), "write");
        same_bytes(&capcache::read(&cache, "k").await?, b"async value", "read")?;
        same_bytes(
            &capcache::read_hash(&root, &sri).await?,
            b"async value",
            "read_hash",
        )?;
        ensure_eq!(
            capcache::metadata(&cache, "k").await?.map(|m| m.size),
            Some(11),
            "metadata"
        );
        ensure!(capcache::try_exists(&cache, &sri).await?, "exists");

        let algo = capcache::write_with_algo(Algorithm::Sha256, &cache, "k256", b"x").await?;
        ensure_eq!(algo.pick_algorithm(), Algorithm::Sha256, "write_with_algo");
        let only = capcache::write_hash(&cache, b"only").await?;
        let only1 = capcache::write_hash_with_algo(Algorithm::Sha1, &cache, b"only").await?;
        same_bytes(
            &capcache::read_hash(&cache, &only1).await?,
            b"only",
            "write_hash_with_algo",
        )?;
        let opts = WriteOpts::new().size(3).metadata(serde_json::json!("m"));
        capcache::write_with_opts(&cache, "opts", b"abc", opts).await?;
        let wrong =
            capcache::write_with_opts(&cache, "bad", b"abc", WriteOpts::new().size(2)).await;
        expect_err(wrong, "size mismatch", |e| {
            matches!(e, Error::SizeMismatch { .. })
        })?;

        capcache::remove(&cache, "k").await?;
        expect_err(
            capcache::read(&cache, "k").await,
            "read after remove",
            |e| e.is_not_found(),
        )?;
        capcache::remove_hash(&cache, &only).await?;
        ensure!(
            !capcache::try_exists(&cache, &only).await?,
            "exists after remove_hash"
        );

        let m = cache.write("method", b"via method").await?;
        same_bytes(&cache.read("method").await?, b"via method", "Cache::read")?;
        same_bytes(
            &cache.read_hash(&m).await?,
            b"via method",
            "Cache::read_hash",
        )?;
        ensure!(cache.metadata("method").await?.is_some(), "Cache::metadata");
        ensure!(cache.try_exists(&m).await?, "Cache::exists");
        cache
            .write_with_opts("method2", b"y", WriteOpts::new())
            .await?;
        cache
            .write_with_algo(Algorithm::Sha384, "method3", b"z")
            .await?;
        let h = cache.write_hash(b"h").await?;
        cache.write_hash_with_algo(Algorithm::Sha256, b"h").await?;
        cache.remove("method2").await?;
        cache.remove_hash(&h).await?;
        ensure_eq!(cache.compact("method").await?, 0, "Cache::compact");
        cache.clear().await?;
        ensure!(cache.metadata("method").await?.is_none(), "Cache::clear");
        capcache::clear(&root).await?;
        Ok::<_, Failure>(())
    })
}

/// `index::*_async`.
pub(super) fn index(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    block_on(async {
        let sri = cache.write_hash(b"indexed").await?;
        let opts = WriteOpts::new().integrity(sri.clone()).size(7);
        capcache::index::insert_async(&cache, "k", opts).await?;
        let found = capcache::index::find_async(&cache, "k")
            .await?
            .ctx("find_async")?;
        ensure_eq!(found.integrity, sri, "find_async");
        cache.write("k", b"second").await?;
        ensure_eq!(
            capcache::index::compact_async(&cache, "k").await?,
            1,
            "compact_async"
        );
        capcache::index::delete_async(&cache, "k").await?;
        ensure!(
            capcache::index::find_async(&cache, "k").await?.is_none(),
            "delete_async"
        );
        Ok::<_, Failure>(())
    })
}

/// `list` as a stream, free function and method.
pub(super) fn list(dir: &Path) -> TestResult {
    let (cache, root) = open_cache(dir)?;
    block_on(async {
        for i in 0..4u8 {
            cache.write(format!("key-{i}"), [i]).await?;
        }
        let mut keys: Vec<String> = capcache::list(&root)
            .map(|m| m.map(|m| m.key))
            .try_collect()
            .await?;
        keys.sort();
        ensure_eq!(keys, ["key-0", "key-1", "key-2", "key-3"], "list");
        let listed: Vec<_> = cache.list().collect().await;
        ensure_eq!(listed_keys(listed.into_iter())?.len(), 4, "Cache::list");
        Ok::<_, Failure>(())
    })
}

/// `Writer` / `Reader` (`AsyncWrite` / `AsyncRead`).
pub(super) fn streams(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let data = pattern(2 * 1024 * 1024 + 3, 11);
    block_on(async {
        let mut writer = Writer::create(&cache, "streamed").await?;
        for chunk in data.chunks(64 * 1024 + 1) {
            writer.write_all(chunk).await?;
        }
        let sri = writer.commit().await?;
        ensure_eq!(sri, sha512(&data), "Writer::commit");

        let mut reader = Reader::open(&cache, "streamed").await?;
        let mut got = Vec::new();
        reader.read_to_end(&mut got).await?;
        ensure_eq!(reader.check()?, Algorithm::Sha512, "Reader::check");
        same_bytes(&got, &data, "Reader")?;
        let mut head = [0u8; 5];
        let mut by_hash = Reader::open_hash(&cache, sri).await?;
        by_hash.read_exact(&mut head).await?;
        by_hash.check()?;

        let mut algo = Writer::create_with_algo(Algorithm::Sha256, &cache, "sha256").await?;
        algo.write_all(b"x").await?;
        ensure_eq!(
            algo.commit().await?.pick_algorithm(),
            Algorithm::Sha256,
            "create_with_algo"
        );
        let mut sized = WriteOpts::new().size(2).open(&cache, "sized").await?;
        sized.write_all(b"abc").await?;
        expect_err(sized.commit().await, "sized commit", |e| {
            matches!(e, Error::SizeMismatch { .. })
        })?;
        let mut only = WriteOpts::new().open_hash(&cache).await?;
        only.write_all(b"content only").await?;
        let only = only.commit().await?;
        same_bytes(&cache.read_hash(&only).await?, b"content only", "open_hash")?;
        Ok::<_, Failure>(())
    })
}

/// Every async export; reflinks fail on WASI and the fallback copies.
pub(super) fn exports(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let out = dir.join("out");
    std::fs::create_dir_all(&out).ctx("creating out/")?;
    let target = Dir::open_ambient_dir(&out, ambient_authority()).ctx("opening out/")?;
    block_on(async {
        let sri = cache.write("k", b"body").await?;
        capcache::copy(&cache, "k", out.join("copy")).await?;
        capcache::copy_unchecked(&cache, "k", out.join("copy_unchecked")).await?;
        capcache::copy_hash(&cache, &sri, out.join("copy_hash")).await?;
        capcache::copy_hash_unchecked(&cache, &sri, out.join("copy_hash_unchecked")).await?;
        capcache::copy_to_dir(&cache, "k", &target, "copy_to_dir").await?;
        capcache::copy_hash_to_dir(&cache, &sri, &target, "copy_hash_to_dir").await?;
        capcache::hard_link(&cache, "k", out.join("hard_link")).await?;
        capcache::hard_link_unchecked(&cache, "k", out.join("hard_link_unchecked")).await?;
        capcache::hard_link_hash(&cache, &sri, out.join("hard_link_hash")).await?;
        capcache::hard_link_hash_unchecked(&cache, &sri, out.join("hard_link_hash_unchecked"))
            .await?;
        capcache::reflink_or_copy(&cache, "k", out.join("reflink_or_copy")).await?;
        capcache::reflink_or_copy_hash(&cache, &sri, out.join("reflink_or_copy_hash")).await?;
        let reflinks = [
            capcache::reflink(&cache, "k", out.join("reflink")).await,
            capcache::reflink_unchecked(&cache, "k", out.join("reflink_unchecked")).await,
            capcache::reflink_hash(&cache, &sri, out.join("reflink_hash")).await,
            capcache::reflink_hash_unchecked(&cache, &sri, out.join("reflink_hash_unchecked"))
                .await,
        ];
        for result in reflinks {
            let ok_here = match &result {
                Ok(()) => !cfg!(target_family = "wasm"),
                Err(Error::Io { source, .. }) => {
                    !cfg!(target_family = "wasm")
                        || source.kind() == std::io::ErrorKind::Unsupported
                }
                Err(_) => false,
            };
            ensure!(ok_here, "async reflink: {result:?}");
        }
        Ok::<_, Failure>(())
    })?;
    for entry in std::fs::read_dir(&out).ctx("listing out/")? {
        let path = entry.ctx("out/ entry")?.path();
        same_bytes(&std::fs::read(&path)?, b"body", &path.display().to_string())?;
    }
    // Twelve exports always work; the four reflinks only where supported.
    let made = std::fs::read_dir(&out).ctx("listing out/")?.count();
    let max = if cfg!(target_family = "wasm") { 12 } else { 16 };
    ensure!((12..=max).contains(&made), "{made} exported files");
    Ok(())
}

/// `verify`, `last_verified` and `gc`.
pub(super) fn maintenance(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    block_on(async {
        cache.write("a", b"1").await?;
        cache.write("a", b"2").await?;
        let stats = capcache::verify(&cache, VerifyOpts::new()).await?;
        ensure_eq!(
            (stats.entries_kept, stats.entries_removed),
            (1, 1),
            "verify"
        );
        ensure_eq!(
            capcache::last_verified(&cache).await?,
            Some(stats.started),
            "last_verified"
        );
        let gc = capcache::gc(&cache, GcOpts::new().max_size(0).grace(Duration::ZERO)).await?;
        ensure_eq!(gc.entries_evicted, 1, "gc");
        Ok::<_, Failure>(())
    })
}

/// `link_to` / `link_to_hash` (async): as the blocking test, linking works
/// natively and is refused by wasmtime in the guest.
#[cfg(feature = "link_to")]
pub(super) fn link_to(dir: &Path) -> TestResult {
    let (cache, _root) = open_cache(dir)?;
    let target = dir.join("target.bin");
    std::fs::write(&target, b"linked").ctx("writing the target")?;
    block_on(async {
        let linked = capcache::link_to(&cache, "k", &target).await;
        let hashed = capcache::link_to_hash(&cache, &target).await;
        if cfg!(target_family = "wasm") {
            let refused = |e: &Error| matches!(e, Error::Io { .. });
            expect_err(linked, "link_to under WASI", refused)?;
            expect_err(hashed, "link_to_hash under WASI", refused)?;
            ensure!(cache.metadata("k").await?.is_none(), "entry stored");
            return Ok(());
        }
        let sri = linked?;
        same_bytes(&cache.read("k").await?, b"linked", "read through the link")?;
        ensure_eq!(hashed?, sri, "link_to_hash");
        Ok::<_, Failure>(())
    })
}
