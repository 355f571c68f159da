//! Port of cacache-rs 13.1 `src/rm.rs`: `mod tests` and the doc examples
//! of `remove*` and `clear*`.

#[allow(unused_imports)]
use capcache as cacache;

mod tests {
    use capcache as cacache;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::tempfile;

    #[cfg(feature = "async")]
    #[test]
    fn test_remove() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri = cacache::write(&dir, "key", b"my-data").await.unwrap();

            cacache::remove(&dir, "key").await.unwrap();

            let entry = cacache::metadata(&dir, "key").await.unwrap();
            assert_eq!(entry, None);

            let data_exists = cacache::exists(&dir, &sri).await;
            assert!(data_exists);
        });
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_remove_data() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri = cacache::write(&dir, "key", b"my-data").await.unwrap();

            cacache::remove_hash(&dir, &sri).await.unwrap();

            let entry = cacache::metadata(&dir, "key").await.unwrap();
            assert!(entry.is_some());

            let data_exists = cacache::exists(&dir, &sri).await;
            assert!(!data_exists);
        });
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_clear() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri = cacache::write(&dir, "key", b"my-data").await.unwrap();

            cacache::clear(&dir).await.unwrap();

            let entry = cacache::metadata(&dir, "key").await.unwrap();
            assert!(entry.is_none());

            let data_exists = cacache::exists(&dir, &sri).await;
            assert!(!data_exists);
        });
    }

    #[test]
    fn test_remove_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri = cacache::write_sync(&dir, "key", b"my-data").unwrap();

        cacache::remove_sync(&dir, "key").unwrap();

        let new_entry = cacache::metadata_sync(&dir, "key").unwrap();
        assert!(new_entry.is_none());

        let data_exists = cacache::exists_sync(&dir, &sri);
        assert!(data_exists);
    }

    #[test]
    fn test_remove_data_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri = cacache::write_sync(&dir, "key", b"my-data").unwrap();

        cacache::remove_hash_sync(&dir, &sri).unwrap();

        let entry = cacache::metadata_sync(&dir, "key").unwrap();
        assert!(entry.is_some());

        let data_exists = cacache::exists_sync(&dir, &sri);
        assert!(!data_exists);
    }

    #[test]
    fn test_clear_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri = cacache::write_sync(&dir, "key", b"my-data").unwrap();

        cacache::clear_sync(&dir).unwrap();

        let entry = cacache::metadata_sync(&dir, "key").unwrap();
        assert_eq!(entry, None);

        let data_exists = cacache::exists_sync(&dir, &sri);
        assert!(!data_exists);
    }
}

/// The `no_run` doc examples, run on a temporary `./my-cache`. Their
/// "This fails" lines (which would end the example's `main` with the error)
/// are asserted to fail, with the error variant.
mod docs {
    use super::cacache;
    use crate::cacache_compat::support::tempfile;
    use std::path::PathBuf;

    fn here() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("my-cache");
        (tmp, cache)
    }

    /// cacache-rs: `Err(Error::EntryNotFound(cache, key))`.
    fn entry_not_found<T: std::fmt::Debug>(res: cacache::Result<T>, want: &str) {
        match res {
            Err(cacache::Error::EntryNotFound { key }) => assert_eq!(key, want),
            other => panic!("expected EntryNotFound, got {other:?}"),
        }
    }

    /// cacache-rs: `Err(Error::IoError(e, _))` with `e.kind() == NotFound`.
    fn content_not_found<T: std::fmt::Debug>(res: cacache::Result<T>) {
        match res {
            Err(cacache::Error::ContentNotFound { .. }) => {}
            other => panic!("expected ContentNotFound, got {other:?}"),
        }
    }

    #[test]
    fn remove_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let sri = cacache::write_sync(&my_cache, "my-key", b"hello")?;

        cacache::remove_sync(&my_cache, "my-key")?;

        // This fails:
        entry_not_found(cacache::read_sync(&my_cache, "my-key"), "my-key");

        // But this succeeds:
        cacache::read_hash_sync(&my_cache, &sri)?;

        Ok(())
    }

    #[test]
    fn remove_hash_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let sri = cacache::write_sync(&my_cache, "my-key", b"hello")?;

        cacache::remove_hash_sync(&my_cache, &sri)?;

        // These fail:
        content_not_found(cacache::read_sync(&my_cache, "my-key"));
        content_not_found(cacache::read_hash_sync(&my_cache, &sri));

        // But this succeeds:
        cacache::metadata_sync(&my_cache, "my-key")?;
        assert!(cacache::metadata_sync(&my_cache, "my-key")?.is_some()); // added

        Ok(())
    }

    #[test]
    fn clear_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        let sri = cacache::write_sync(&my_cache, "my-key", b"hello")?;

        cacache::clear_sync(&my_cache)?;

        // These all fail:
        entry_not_found(cacache::read_sync(&my_cache, "my-key"), "my-key");
        content_not_found(cacache::read_hash_sync(&my_cache, &sri));
        // The example says this fails too, but in cacache-rs it returns
        // Ok(None) (no entry is not an error for `metadata`); so here.
        assert_eq!(cacache::metadata_sync(&my_cache, "my-key")?, None);

        Ok(())
    }

    #[cfg(feature = "async")]
    mod asynchronous {
        use super::*;
        use crate::cacache_compat::support::block_on;
        #[allow(unused_imports)]
        use capcache as cacache;

        #[test]
        fn remove() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let sri = cacache::write(&my_cache, "my-key", b"hello").await?;

                cacache::remove(&my_cache, "my-key").await?;

                // This fails:
                entry_not_found(cacache::read(&my_cache, "my-key").await, "my-key");

                // But this succeeds:
                cacache::read_hash(&my_cache, &sri).await?;

                Ok(())
            })
        }

        #[test]
        fn remove_hash() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let sri = cacache::write(&my_cache, "my-key", b"hello").await?;

                cacache::remove_hash(&my_cache, &sri).await?;

                // These fail:
                content_not_found(cacache::read(&my_cache, "my-key").await);
                content_not_found(cacache::read_hash(&my_cache, &sri).await);

                // But this succeeds:
                cacache::metadata(&my_cache, "my-key").await?;
                assert!(cacache::metadata(&my_cache, "my-key").await?.is_some()); // added

                Ok(())
            })
        }

        #[test]
        fn clear() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                let sri = cacache::write(&my_cache, "my-key", b"hello").await?;

                cacache::clear(&my_cache).await?;

                // These all fail:
                entry_not_found(cacache::read(&my_cache, "my-key").await, "my-key");
                // The example says this fails too; cacache-rs returns Ok(None).
                assert_eq!(cacache::metadata(&my_cache, "my-key").await?, None);
                content_not_found(cacache::read_hash(&my_cache, &sri).await);

                Ok(())
            })
        }
    }
}
