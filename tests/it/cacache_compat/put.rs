//! Port of cacache-rs 13.1 `src/put.rs`: `mod tests` and the doc examples
//! of `write*`, `Writer` and `SyncWriter`.

#[allow(unused_imports)]
use capcache as cacache;

mod tests {
    use capcache as cacache;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::tempfile;

    #[cfg(feature = "async")]
    #[test]
    fn round_trip() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            cacache::write(&dir, "hello", b"hello").await.unwrap();
            let data = cacache::read(&dir, "hello").await.unwrap();
            assert_eq!(data, b"hello");
        })
    }

    #[test]
    fn round_trip_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        cacache::write_sync(&dir, "hello", b"hello").unwrap();
        let data = cacache::read_sync(&dir, "hello").unwrap();
        assert_eq!(data, b"hello");
    }

    #[test]
    fn hash_write_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let original = format!("hello world{}", 5);
        let integrity = cacache::write_hash_sync(&dir, &original)
            .expect("should be able to write a hash synchronously");
        let bytes = cacache::read_hash_sync(&dir, &integrity)
            .expect("should be able to read the data we just wrote");
        let result =
            String::from_utf8(bytes).expect("we wrote valid utf8 but did not read valid utf8 back");
        assert_eq!(result, original, "we did not read back what we wrote");
    }

    #[cfg(feature = "async")]
    #[test]
    fn hash_write_async() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let original = format!("hello world{}", 12);
            let integrity = cacache::write_hash(&dir, &original)
                .await
                .expect("should be able to write a hash asynchronously");
            let bytes = cacache::read_hash(&dir, &integrity)
                .await
                .expect("should be able to read back what we wrote");
            let result = String::from_utf8(bytes)
                .expect("we wrote valid utf8 but did not read valid utf8 back");
            assert_eq!(result, original, "we did not read back what we wrote");
        })
    }
}

/// The `no_run` doc examples, run on a temporary `./my-cache`; each reads
/// back what it wrote (added).
mod docs {
    use super::cacache;
    use crate::cacache_compat::support::tempfile;
    use std::path::PathBuf;

    fn here() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("my-cache");
        (tmp, cache)
    }

    #[test]
    fn write_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let data = cacache::write_sync(&my_cache, "my-key", b"hello")?;
        // differs by design: sha512 is the default algorithm (cacache-rs: sha256)
        assert_eq!(data.pick_algorithm(), cacache::Algorithm::Sha512);
        assert_eq!(cacache::read_sync(&my_cache, "my-key")?, b"hello");
        Ok(())
    }

    #[test]
    fn write_sync_with_algo() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let data =
            cacache::write_sync_with_algo(cacache::Algorithm::Xxh3, &my_cache, "my-key", b"hello")?;
        assert_eq!(data.pick_algorithm(), cacache::Algorithm::Xxh3);
        assert_eq!(cacache::read_sync(&my_cache, "my-key")?, b"hello");
        Ok(())
    }

    #[test]
    fn write_hash_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let data = cacache::write_hash_sync(&my_cache, b"hello")?;
        assert_eq!(cacache::read_hash_sync(&my_cache, &data)?, b"hello");
        Ok(())
    }

    #[test]
    fn write_hash_sync_with_algo() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let data =
            cacache::write_hash_sync_with_algo(cacache::Algorithm::Xxh3, &my_cache, b"hello")?;
        assert_eq!(data.pick_algorithm(), cacache::Algorithm::Xxh3);
        assert_eq!(cacache::read_hash_sync(&my_cache, &data)?, b"hello");
        Ok(())
    }

    #[test]
    fn sync_writer_create() -> cacache::Result<()> {
        use std::io::prelude::*;
        let (_tmp, my_cache) = here();

        let mut fd = cacache::SyncWriter::create(&my_cache, "my-key")?;
        fd.write_all(b"hello world")
            .expect("Failed to write to cache");
        // Data is not saved into the cache until you commit it.
        assert!(cacache::metadata_sync(&my_cache, "my-key")?.is_none()); // added
        fd.commit()?;
        assert_eq!(cacache::read_sync(&my_cache, "my-key")?, b"hello world");
        Ok(())
    }

    #[test]
    fn sync_writer_create_with_algo() -> cacache::Result<()> {
        use std::io::prelude::*;
        let (_tmp, my_cache) = here();

        let mut fd =
            cacache::SyncWriter::create_with_algo(cacache::Algorithm::Xxh3, &my_cache, "my-key")?;
        fd.write_all(b"hello world")
            .expect("Failed to write to cache");
        // Data is not saved into the cache until you commit it.
        let sri = fd.commit()?;
        assert_eq!(sri.pick_algorithm(), cacache::Algorithm::Xxh3);
        assert_eq!(cacache::read_sync(&my_cache, "my-key")?, b"hello world");
        Ok(())
    }

    #[cfg(feature = "async")]
    mod asynchronous {
        use super::*;
        use crate::cacache_compat::support::block_on;
        #[allow(unused_imports)]
        use capcache as cacache;
        use futures_lite::io::AsyncWriteExt; // cacache-rs: async_std::prelude::*

        #[test]
        fn write() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                cacache::write(&my_cache, "my-key", b"hello").await?;
                assert_eq!(cacache::read(&my_cache, "my-key").await?, b"hello");
                Ok(())
            })
        }

        #[test]
        fn write_with_algo() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let sri = cacache::write_with_algo(
                    cacache::Algorithm::Xxh3,
                    &my_cache,
                    "my-key",
                    b"hello",
                )
                .await?;
                assert_eq!(sri.pick_algorithm(), cacache::Algorithm::Xxh3);
                assert_eq!(cacache::read(&my_cache, "my-key").await?, b"hello");
                Ok(())
            })
        }

        #[test]
        fn write_hash() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let sri = cacache::write_hash(&my_cache, b"hello").await?;
                assert_eq!(cacache::read_hash(&my_cache, &sri).await?, b"hello");
                Ok(())
            })
        }

        #[test]
        fn write_hash_with_algo() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let sri =
                    cacache::write_hash_with_algo(cacache::Algorithm::Xxh3, &my_cache, b"hello")
                        .await?;
                assert_eq!(sri.pick_algorithm(), cacache::Algorithm::Xxh3);
                assert_eq!(cacache::read_hash(&my_cache, &sri).await?, b"hello");
                Ok(())
            })
        }

        #[test]
        fn writer_create() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let mut fd = cacache::Writer::create(&my_cache, "my-key").await?;
                fd.write_all(b"hello world")
                    .await
                    .expect("Failed to write to cache");
                // Data is not saved into the cache until you commit it.
                assert!(cacache::metadata(&my_cache, "my-key").await?.is_none()); // added
                fd.commit().await?;
                assert_eq!(cacache::read(&my_cache, "my-key").await?, b"hello world");
                Ok(())
            })
        }

        #[test]
        fn writer_create_with_algo() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let mut fd = cacache::Writer::create_with_algo(
                    cacache::Algorithm::Xxh3,
                    &my_cache,
                    "my-key",
                )
                .await?;
                fd.write_all(b"hello world")
                    .await
                    .expect("Failed to write to cache");
                // Data is not saved into the cache until you commit it.
                let sri = fd.commit().await?;
                assert_eq!(sri.pick_algorithm(), cacache::Algorithm::Xxh3);
                assert_eq!(cacache::read(&my_cache, "my-key").await?, b"hello world");
                Ok(())
            })
        }
    }
}
