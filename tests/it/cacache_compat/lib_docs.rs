//! Port of cacache-rs 13.1 `src/lib.rs`'s crate-level doc examples (all
//! `no_run`), run on a temporary `./my-cache`.

#[allow(unused_imports)]
use capcache as cacache;

#[allow(unused_imports)]
use crate::cacache_compat::support::tempfile;
use std::path::PathBuf;

#[allow(dead_code)]
fn here() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("my-cache");
    (tmp, cache)
}

/// "Examples": data goes in, data comes out.
#[cfg(feature = "async")]
#[test]
fn examples() -> cacache::Result<()> {
    crate::cacache_compat::support::block_on(async {
        let (_tmp, my_cache) = here();
        // Data goes in...
        cacache::write(&my_cache, "key", b"hello").await?;

        // ...data comes out!
        let data = cacache::read(&my_cache, "key").await?;
        assert_eq!(data, b"hello");

        Ok(())
    })
}

/// "Lookup by hash".
#[cfg(feature = "async")]
#[test]
fn lookup_by_hash() -> cacache::Result<()> {
    crate::cacache_compat::support::block_on(async {
        let (_tmp, my_cache) = here();
        // Data goes in...
        let sri = cacache::write(&my_cache, "key", b"hello").await?;

        // ...data gets looked up by `sri` ("Subresource Integrity").
        let data = cacache::read_hash(&my_cache, &sri).await?;
        assert_eq!(data, b"hello");

        Ok(())
    })
}

/// "Large file support".
#[cfg(feature = "async")]
#[test]
fn large_file_support() -> cacache::Result<()> {
    use futures_lite::io::{AsyncReadExt, AsyncWriteExt}; // cacache-rs: async_std::prelude::*
    crate::cacache_compat::support::block_on(async {
        let (_tmp, my_cache) = here();
        let mut fd = cacache::Writer::create(&my_cache, "key").await?;
        for _ in 0..10 {
            fd.write_all(b"very large data")
                .await
                .expect("Failed to write to cache");
        }
        // Data is only committed to the cache after you do `fd.commit()`!
        let sri = fd.commit().await?;
        println!("integrity: {}", &sri);

        let mut fd = cacache::Reader::open(&my_cache, "key").await?;
        let mut buf = String::new();
        fd.read_to_string(&mut buf)
            .await
            .expect("Failed to read to string");

        // Make sure to call `.check()` when you're done! It makes sure that what
        // you just read is actually valid. `cacache` always verifies the data
        // you get out is what it's supposed to be. The check is very cheap!
        fd.check()?;
        assert_eq!(buf, "very large data".repeat(10)); // added

        Ok(())
    })
}

/// "Sync API".
#[test]
fn sync_api() -> cacache::Result<()> {
    let (_tmp, my_cache) = here();
    cacache::write_sync(&my_cache, "key", b"my-data").unwrap();
    let data = cacache::read_sync(&my_cache, "key").unwrap();
    assert_eq!(data, b"my-data");
    Ok(())
}

/// "Linking to existing files" (the target is made, holding `my-data`).
#[cfg(all(feature = "async", feature = "link_to", unix))]
#[test]
fn linking_to_existing_files() -> cacache::Result<()> {
    crate::cacache_compat::support::block_on(async {
        let (tmp, my_cache) = here();
        let my_other_file = tmp.path().join("path/to/my-other-file.txt"); // setup
        std::fs::create_dir_all(my_other_file.parent().unwrap()).unwrap();
        std::fs::write(&my_other_file, b"my-data").unwrap();

        cacache::link_to(&my_cache, "key", &my_other_file).await?;
        let data = cacache::read(&my_cache, "key").await?;
        assert_eq!(data, b"my-data");
        Ok(())
    })
}

/// cacache-rs's README example. It calls `cacache::rm::all`, which cacache-rs
/// 13.1 does not have (its `rm` module is private; the function is `clear`),
/// and lacks the final `Ok(())`: it compiles against neither crate as
/// written. Ported with `clear`.
#[cfg(feature = "async")]
#[test]
fn readme() -> Result<(), cacache::Error> {
    crate::cacache_compat::support::block_on(async {
        let (_tmp, my_cache) = here();
        let dir = my_cache.to_string_lossy().into_owned(); // cacache-rs: String::from("./my-cache")

        // Write some data!
        cacache::write(&dir, "key", b"my-async-data").await?;

        // Get the data back!
        let data = cacache::read(&dir, "key").await?;
        assert_eq!(data, b"my-async-data");

        // Clean up the data!
        cacache::clear(&dir).await?; // cacache-rs README: cacache::rm::all(&dir).await?;
        assert!(cacache::metadata(&dir, "key").await?.is_none()); // added
        Ok(())
    })
}
