//! `link_to`: adding an existing file to the cache by symlink, re-verified on
//! every read, and followed outside the cache root only by a cache that holds
//! ambient authority.
//!
//! Every scenario takes a `common::Api` and runs blocking and async, with
//! the cache given by path and by `Cache` handle.
// Unix only: Windows needs the symlink privilege (developer mode) for
// link_to, which CI under wine does not have; the README says so.
#![cfg(all(feature = "link_to", unix))]

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::common::{content_files, content_path, index_files, new_cache, root, sha512_hex, Api};
use cap_std::fs::Dir;
use capcache::{Algorithm, Cache, CacheOptions, Error, Integrity, SyncReader};

#[cfg(feature = "async")]
use crate::common::block_on;

/// `link_to` / `link_to_hash` for each [`Api`] variant (the handle variants
/// call the `Cache` methods).
trait Links {
    fn link_to(self, c: &Cache, key: &str, target: &Path) -> capcache::Result<Integrity>;
    fn link_to_hash(self, c: &Cache, target: &Path) -> capcache::Result<Integrity>;
}

impl Links for Api {
    fn link_to(self, c: &Cache, key: &str, target: &Path) -> capcache::Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::link_to_sync(root(c), key, target),
            sync_handle: c.link_to_sync(key, target),
            async_path: capcache::link_to(root(c), key, target),
            async_handle: c.link_to(key, target),
        )
    }

    fn link_to_hash(self, c: &Cache, target: &Path) -> capcache::Result<Integrity> {
        dispatch!(self,
            sync_path: capcache::link_to_hash_sync(root(c), target),
            sync_handle: c.link_to_hash_sync(target),
            async_path: capcache::link_to_hash(root(c), target),
            async_handle: c.link_to_hash(target),
        )
    }
}

/// The handle variant of `api`, blocking or async alike: a capability-only
/// cache has no path to pass.
fn handle_api(api: Api) -> Api {
    match api {
        Api::SyncPath | Api::SyncHandle => Api::SyncHandle,
        #[cfg(feature = "async")]
        Api::AsyncPath | Api::AsyncHandle => Api::AsyncHandle,
    }
}

const BYTES: &[u8] = b"a file that lives outside the cache";

/// A cache in `<tmp>/cache` and a target file `<tmp>/outside/target.bin`.
fn setup() -> (tempfile::TempDir, Cache, PathBuf) {
    let (tmp, cache) = new_cache();
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let target = outside.join("target.bin");
    std::fs::write(&target, BYTES).unwrap();
    (tmp, cache, target)
}

/// A cache over the same directory that holds only its `Dir` capability.
fn capability_only(c: &Cache) -> Cache {
    let dir = Dir::open_ambient_dir(root(c), cap_std::ambient_authority()).unwrap();
    Cache::from_dir(dir)
}

/// The value of `key` through a `SyncReader`, read to the end and checked.
fn streamed(c: &Cache, key: &str) -> capcache::Result<Vec<u8>> {
    let mut reader = SyncReader::open(c, key)?;
    let mut out = Vec::new();
    if let Err(e) = reader.read_to_end(&mut out) {
        // A failed check at the end carries the crate's own error.
        let shown = format!("{e:?}");
        return match e.into_inner().map(|inner| inner.downcast::<Error>()) {
            Some(Ok(err)) => Err(*err),
            _ => panic!("streamed read failed without a capcache::Error: {shown}"),
        };
    }
    reader.check()?;
    Ok(out)
}

fn assert_outside_cache<T: std::fmt::Debug>(
    result: capcache::Result<T>,
    target: &Path,
    what: &str,
) {
    match result {
        Err(Error::OutsideCache { target: t, .. }) => assert_eq!(t, target, "{what}"),
        other => panic!("{what}: expected OutsideCache, got {other:?}"),
    }
}

api_tests!(
    link_then_read_returns_the_bytes_through_a_symlink,
    changed_target_is_never_returned,
    capability_only_cache_refuses_to_read_links_out,
    ambient_authority_option_lets_from_dir_follow_links,
    link_to_hash_links_content_only,
);

/// The content file of a linked value is a symlink to the (absolute)
/// target; reads by key, by integrity and streamed return its bytes.
fn link_then_read_returns_the_bytes_through_a_symlink(api: Api) {
    let (_tmp, cache, target) = setup();
    let sri = api.link_to(&cache, "k", &target).unwrap();

    assert_eq!(sri.to_hex(), (Algorithm::Sha512, sha512_hex(BYTES)));
    let link = content_path(root(&cache), &sri);
    let kind = std::fs::symlink_metadata(&link).unwrap().file_type();
    assert!(kind.is_symlink(), "content is not a symlink: {kind:?}");
    assert_eq!(std::fs::read_link(&link).unwrap(), target);

    assert_eq!(api.read(&cache, "k").unwrap(), BYTES);
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), BYTES);
    assert_eq!(streamed(&cache, "k").unwrap(), BYTES);
    let meta = api.metadata(&cache, "k").unwrap().unwrap();
    assert_eq!((meta.integrity, meta.size), (sri, BYTES.len()));
    // The target itself is left alone.
    assert_eq!(std::fs::read(&target).unwrap(), BYTES);
}

/// After the target changes, reads fail with an integrity or size error and
/// never return the new bytes: same length, other length, and exports.
fn changed_target_is_never_returned(api: Api) {
    let (tmp, cache, target) = setup();
    let sri = api.link_to(&cache, "k", &target).unwrap();

    let same_len: Vec<u8> = BYTES.iter().map(|b| b ^ 1).collect();
    let longer = [BYTES, b" and then some"].concat();
    for changed in [same_len, longer] {
        std::fs::write(&target, &changed).unwrap();
        let read = api.read(&cache, "k");
        assert!(
            matches!(
                read,
                Err(Error::IntegrityMismatch { .. } | Error::SizeMismatch { .. })
            ),
            "read by key: {read:?}"
        );
        let read_hash = api.read_hash(&cache, &sri);
        assert!(
            matches!(read_hash, Err(Error::IntegrityMismatch { .. })),
            "read by integrity: {read_hash:?}"
        );
        let streamed = streamed(&cache, "k");
        assert!(
            matches!(streamed, Err(Error::IntegrityMismatch { .. })),
            "streamed: {streamed:?}"
        );
        let out = tmp.path().join("copy.bin");
        let copied = capcache::copy_sync(&cache, "k", &out);
        assert!(
            matches!(copied, Err(Error::IntegrityMismatch { .. })),
            "copy: {copied:?}"
        );
        assert!(!out.exists());
    }
}

/// A cache built from a `Dir` alone cannot link to files outside it: both
/// link functions fail with `OutsideCache` naming the target and store
/// nothing. (Handles only: a cache opened from a path has ambient
/// authority.)
#[test]
fn capability_only_cache_refuses_to_link_sync() {
    capability_only_cache_refuses_to_link(Api::SyncHandle);
}

#[cfg(feature = "async")]
#[test]
fn capability_only_cache_refuses_to_link_async() {
    capability_only_cache_refuses_to_link(Api::AsyncHandle);
}

fn capability_only_cache_refuses_to_link(api: Api) {
    let (_tmp, cache, target) = setup();
    let cap = capability_only(&cache);
    assert!(!cap.has_ambient_authority());

    assert_outside_cache(api.link_to(&cap, "k", &target), &target, "link_to");
    assert_outside_cache(api.link_to_hash(&cap, &target), &target, "link_to_hash");
    assert!(api.metadata(&cache, "k").unwrap().is_none());
    assert_eq!(index_files(root(&cache)), Vec::<PathBuf>::new());
    assert_eq!(content_files(root(&cache)), Vec::<PathBuf>::new());
}

/// A link made by an ambient cache is refused by a capability-only cache
/// over the same directory: by key, by integrity, streamed and exported,
/// with `OutsideCache` naming the link and its target.
fn capability_only_cache_refuses_to_read_links_out(api: Api) {
    let (tmp, cache, target) = setup();
    let sri = api.link_to(&cache, "k", &target).unwrap();
    let cap = capability_only(&cache);

    let on_cap = handle_api(api);
    let reads: [(&str, capcache::Result<Vec<u8>>); 3] = [
        ("read", on_cap.read(&cap, "k")),
        ("read_hash", on_cap.read_hash(&cap, &sri)),
        ("SyncReader", streamed(&cap, "k")),
    ];
    for (what, result) in reads {
        match result {
            Err(Error::OutsideCache { path, target: t }) => {
                assert_eq!(t, target, "{what}");
                assert!(path.starts_with("content-v2"), "{what}: path {path:?}");
            }
            other => panic!("{what}: expected OutsideCache, got {other:?}"),
        }
    }
    let out = tmp.path().join("copy.bin");
    assert_outside_cache(capcache::copy_sync(&cap, "k", &out), &target, "copy");
    assert!(!out.exists());
    // The ambient cache still reads it.
    assert_eq!(api.read(&cache, "k").unwrap(), BYTES);
}

/// `CacheOptions::ambient_authority` gives a `from_dir` cache the authority
/// to follow links out (and to make them); plain `from_dir` has none and
/// `Cache::open` has it.
fn ambient_authority_option_lets_from_dir_follow_links(api: Api) {
    let (_tmp, cache, target) = setup();
    assert!(cache.has_ambient_authority());
    let sri = api.link_to(&cache, "k", &target).unwrap();

    let dir = Dir::open_ambient_dir(root(&cache), cap_std::ambient_authority()).unwrap();
    let trusted = CacheOptions::new()
        .ambient_authority(cap_std::ambient_authority())
        .from_dir(dir);
    assert!(trusted.has_ambient_authority());
    assert!(!capability_only(&cache).has_ambient_authority());

    let on_trusted = handle_api(api);
    assert_eq!(on_trusted.read(&trusted, "k").unwrap(), BYTES);
    assert_eq!(on_trusted.read_hash(&trusted, &sri).unwrap(), BYTES);
    assert_eq!(streamed(&trusted, "k").unwrap(), BYTES);

    // It may make links too.
    let second = target.with_file_name("second.bin");
    std::fs::write(&second, b"second").unwrap();
    on_trusted.link_to(&trusted, "second", &second).unwrap();
    assert_eq!(api.read(&cache, "second").unwrap(), b"second");
}

/// `link_to_hash` links the content without an index entry; it reads back
/// by integrity.
fn link_to_hash_links_content_only(api: Api) {
    let (_tmp, cache, target) = setup();
    let sri = api.link_to_hash(&cache, &target).unwrap();

    assert_eq!(sri.to_hex(), (Algorithm::Sha512, sha512_hex(BYTES)));
    assert_eq!(api.read_hash(&cache, &sri).unwrap(), BYTES);
    assert!(api.list(&cache).is_empty());
    assert_eq!(index_files(root(&cache)), Vec::<PathBuf>::new());
    let link = content_path(root(&cache), &sri);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
}

/// cacache-rs's streaming linkers: the caller reads the target through the
/// linker, `commit` links it; `open` expects the size the file has when
/// opened, and `WriteOpts` expectations that do not hold link nothing.
#[test]
fn linkers_hash_what_is_read_and_check_expectations() {
    let (tmp, cache) = new_cache();
    let dir = root(&cache).to_path_buf();
    let target = tmp.path().join("target.bin");
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&target, &data).unwrap();

    let mut linker = capcache::SyncToLinker::open(&dir, "k", &target).unwrap();
    let mut head = [0u8; 1000];
    linker.read_exact(&mut head).unwrap();
    assert_eq!(head[..], data[..1000]);
    // The rest is read by commit itself.
    let sri = linker.commit().unwrap();
    assert_eq!(capcache::read_sync(&dir, "k").unwrap(), data);
    assert_eq!(
        capcache::metadata_sync(&dir, "k").unwrap().unwrap().size,
        data.len()
    );
    let only = capcache::SyncToLinker::open_hash(&dir, &target)
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(only, sri);

    let wrong_size = capcache::WriteOpts::new().size(5);
    let err = wrong_size
        .link_to_sync(&dir, "w", &target)
        .unwrap()
        .commit()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SizeMismatch {
                expected: 5,
                found: 200_000,
                ..
            }
        ),
        "{err:?}"
    );
    let other = Integrity::from(b"something else");
    let wrong_sri = capcache::WriteOpts::new().integrity(other);
    let err = wrong_sri
        .link_to_hash_sync(&dir, &target)
        .unwrap()
        .commit()
        .unwrap_err();
    assert!(matches!(err, Error::IntegrityMismatch { .. }), "{err:?}");
    assert_eq!(capcache::metadata_sync(&dir, "w").unwrap(), None);

    let capability_only =
        Cache::from_dir(Dir::open_ambient_dir(&dir, cap_std::ambient_authority()).unwrap());
    let err = capcache::SyncToLinker::open(&capability_only, "c", &target).unwrap_err();
    assert!(matches!(err, Error::OutsideCache { .. }), "{err:?}");

    #[cfg(feature = "async")]
    block_on(async {
        use futures_lite::io::AsyncReadExt;
        let mut linker = capcache::ToLinker::open(&dir, "a", &target).await.unwrap();
        let mut all = Vec::new();
        linker.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, data);
        assert_eq!(linker.commit().await.unwrap(), sri);
        let linker = capcache::ToLinker::open_hash(&dir, &target).await.unwrap();
        assert_eq!(linker.commit().await.unwrap(), sri);
        let opts = capcache::WriteOpts::new().algorithm(Algorithm::Sha256);
        let sha256 = opts
            .link_to(&dir, "a256", &target)
            .await
            .unwrap()
            .commit()
            .await
            .unwrap();
        assert_eq!(sha256.pick_algorithm(), Algorithm::Sha256);
        assert_eq!(capcache::read(&dir, "a256").await.unwrap(), data);
    });
}

/// Linking a file whose content is stored damaged replaces the damage, so
/// the link that returned `Ok` reads back.
#[test]
fn linking_over_damaged_content_replaces_it() {
    let (tmp, cache) = new_cache();
    let target = tmp.path().join("t");
    std::fs::write(&target, b"the value").unwrap();
    let sri = cache.write_sync("stored", b"the value").unwrap();
    std::fs::write(content_path(root(&cache), &sri), b"THE VALUE").unwrap();
    assert_eq!(
        capcache::link_to_sync(&cache, "linked", &target).unwrap(),
        sri
    );
    assert_eq!(cache.read_sync("linked").unwrap(), b"the value");
    assert_eq!(cache.read_sync("stored").unwrap(), b"the value");
}
