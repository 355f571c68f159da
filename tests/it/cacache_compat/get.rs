//! Port of cacache-rs 13.1 `src/get.rs`: `mod tests` and the doc examples
//! of `Reader`, `SyncReader`, `read*`, `copy*` and `reflink*`.

#[allow(unused_imports)]
use capcache as cacache;

mod tests {
    use capcache as cacache;
    use std::fs;

    #[cfg(feature = "async")]
    #[allow(unused_imports)]
    use futures_lite::io::AsyncReadExt; // cacache-rs: crate::async_lib::AsyncReadExt

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    #[allow(unused_imports)]
    use crate::cacache_compat::support::tempfile;

    #[test]
    fn test_open_sync() {
        use std::io::prelude::*;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        cacache::write_sync(&dir, "my-key", b"hello world").unwrap();

        let mut handle = cacache::SyncReader::open(&dir, "my-key").unwrap();
        let mut str = String::new();
        handle.read_to_string(&mut str).unwrap();
        handle.check().unwrap();
        assert_eq!(str, String::from("hello world"));
    }

    #[test]
    fn test_open_hash_sync() {
        use std::io::prelude::*;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri = cacache::write_sync(&dir, "my-key", b"hello world").unwrap();

        let mut handle = cacache::SyncReader::open_hash(&dir, sri).unwrap();
        let mut str = String::new();
        handle.read_to_string(&mut str).unwrap();
        handle.check().unwrap();
        assert_eq!(str, String::from("hello world"));
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_read() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            cacache::write(&dir, "my-key", b"hello world")
                .await
                .unwrap();

            let data = cacache::read(&dir, "my-key").await.unwrap();
            assert_eq!(data, b"hello world");
        })
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_read_hash() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri = cacache::write(&dir, "my-key", b"hello world")
                .await
                .unwrap();

            let data = cacache::read_hash(&dir, &sri).await.unwrap();
            assert_eq!(data, b"hello world");
        })
    }

    #[test]
    fn test_read_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        cacache::write_sync(&dir, "my-key", b"hello world").unwrap();

        let data = cacache::read_sync(&dir, "my-key").unwrap();
        assert_eq!(data, b"hello world");
    }

    #[test]
    fn test_read_hash_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri = cacache::write_sync(&dir, "my-key", b"hello world").unwrap();

        let data = cacache::read_hash_sync(&dir, &sri).unwrap();
        assert_eq!(data, b"hello world");
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_copy() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            let dest = dir.join("data");
            cacache::write(&dir, "my-key", b"hello world")
                .await
                .unwrap();

            cacache::copy(&dir, "my-key", &dest).await.unwrap();
            // cacache-rs: crate::async_lib::read(&dest).await (its private fs shim)
            let data = fs::read(&dest).unwrap();
            assert_eq!(data, b"hello world");
        })
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_copy_hash() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            let dest = dir.join("data");
            let sri = cacache::write(&dir, "my-key", b"hello world")
                .await
                .unwrap();

            cacache::copy_hash(&dir, &sri, &dest).await.unwrap();
            // cacache-rs: crate::async_lib::read(&dest).await (its private fs shim)
            let data = fs::read(&dest).unwrap();
            assert_eq!(data, b"hello world");
        })
    }

    #[test]
    fn test_copy_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let dest = dir.join("data");
        cacache::write_sync(dir, "my-key", b"hello world").unwrap();

        cacache::copy_sync(dir, "my-key", &dest).unwrap();
        let data = fs::read(&dest).unwrap();
        assert_eq!(data, b"hello world");
    }

    #[test]
    fn test_copy_hash_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let dest = dir.join("data");
        let sri = cacache::write_sync(dir, "my-key", b"hello world").unwrap();

        cacache::copy_hash_sync(dir, &sri, &dest).unwrap();
        let data = fs::read(&dest).unwrap();
        assert_eq!(data, b"hello world");
    }

    /// `Reader` (`check` is a plain fn, as in cacache-rs).
    #[cfg(feature = "async")]
    mod reader {
        use super::*;
        #[allow(unused_imports)]
        use capcache as cacache;

        #[test]
        fn test_open() {
            block_on(async {
                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path().to_owned();
                cacache::write(&dir, "my-key", b"hello world")
                    .await
                    .unwrap();

                let mut handle = cacache::Reader::open(&dir, "my-key").await.unwrap();
                let mut str = String::new();
                handle.read_to_string(&mut str).await.unwrap();
                handle.check().unwrap();
                assert_eq!(str, String::from("hello world"));
            })
        }

        #[test]
        fn test_open_hash() {
            block_on(async {
                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path().to_owned();
                let sri = cacache::write(&dir, "my-key", b"hello world")
                    .await
                    .unwrap();

                let mut handle = cacache::Reader::open_hash(&dir, sri).await.unwrap();
                let mut str = String::new();
                handle.read_to_string(&mut str).await.unwrap();
                handle.check().unwrap();
                assert_eq!(str, String::from("hello world"));
            })
        }
    }

    /// cacache-rs's async tests as they run under its `tokio-runtime`
    /// feature: reading with `tokio::io::AsyncReadExt` (capcache feature
    /// `tokio`). Native only: the `tokio` dev-dependency does not build for
    /// wasm32-wasip1.
    #[cfg(all(feature = "tokio", not(target_family = "wasm")))]
    mod tokio_io {
        use capcache as cacache;
        use tokio::io::AsyncReadExt;

        use crate::cacache_compat::support::{block_on, tempfile};

        #[test]
        fn test_open_tokio() {
            block_on(async {
                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path().to_owned();
                cacache::write(&dir, "my-key", b"hello world")
                    .await
                    .unwrap();

                let mut handle = cacache::Reader::open(&dir, "my-key").await.unwrap();
                let mut str = String::new();
                handle.read_to_string(&mut str).await.unwrap();
                handle.check().unwrap();
                assert_eq!(str, String::from("hello world"));
            })
        }

        #[test]
        fn test_open_hash_tokio() {
            block_on(async {
                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path().to_owned();
                let sri = cacache::write(&dir, "my-key", b"hello world")
                    .await
                    .unwrap();

                let mut handle = cacache::Reader::open_hash(&dir, sri).await.unwrap();
                let mut str = String::new();
                handle.read_to_string(&mut str).await.unwrap();
                handle.check().unwrap();
                assert_eq!(str, String::from("hello world"));
            })
        }
    }
}

/// The `no_run` doc examples, run on a temporary `./my-cache`. Each first
/// writes what the example assumes is cached (marked `// setup`).
mod docs {
    #[allow(unused_imports)]
    use super::cacache;
    use crate::cacache_compat::support::{reflink_outcome, tempfile};
    use std::path::PathBuf;

    /// A temp dir holding `my-cache` (not created) and room for `data.txt`.
    fn here() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("my-cache");
        (tmp, cache)
    }

    #[test]
    fn sync_reader_check() -> cacache::Result<()> {
        use std::io::Read;
        let (_tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello")?; // setup

        let mut fd = cacache::SyncReader::open(&my_cache, "my-key")?;
        let mut str = String::new();
        fd.read_to_string(&mut str)
            .expect("Failed to read to string");
        // Remember to check that the data you got was correct!
        fd.check()?;
        assert_eq!(str, "hello");
        Ok(())
    }

    #[test]
    fn sync_reader_open() -> cacache::Result<()> {
        use std::io::Read;
        let (_tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello")?; // setup

        let mut fd = cacache::SyncReader::open(&my_cache, "my-key")?;
        let mut str = String::new();
        fd.read_to_string(&mut str).expect("Failed to parse string");
        // Remember to check that the data you got was correct!
        fd.check()?;
        assert_eq!(str, "hello");
        Ok(())
    }

    #[test]
    fn sync_reader_open_hash() -> cacache::Result<()> {
        use std::io::Read;
        let (_tmp, my_cache) = here();

        let sri = cacache::write_sync(&my_cache, "key", b"hello world")?;
        let mut fd = cacache::SyncReader::open_hash(&my_cache, sri)?;
        let mut str = String::new();
        fd.read_to_string(&mut str)
            .expect("Failed to read to string");
        // Remember to check that the data you got was correct!
        fd.check()?;
        assert_eq!(str, "hello world");
        Ok(())
    }

    #[test]
    fn read_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello")?; // setup

        let data = cacache::read_sync(&my_cache, "my-key")?;
        assert_eq!(data, b"hello");
        Ok(())
    }

    #[test]
    fn read_hash_sync() -> cacache::Result<()> {
        let (_tmp, my_cache) = here();

        let sri = cacache::write_sync(&my_cache, "my-key", b"hello")?;
        let data = cacache::read_hash_sync(&my_cache, &sri)?;
        assert_eq!(data, b"hello");
        Ok(())
    }

    #[test]
    fn copy_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello")?; // setup
        let my_hello = tmp.path().join("my-hello.txt");

        let n = cacache::copy_sync(&my_cache, "my-key", &my_hello)?;
        assert_eq!(n, 5);
        assert_eq!(std::fs::read(&my_hello).unwrap(), b"hello");
        Ok(())
    }

    #[test]
    fn copy_unchecked_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello")?; // setup
        let my_hello = tmp.path().join("my-hello.txt");

        cacache::copy_unchecked_sync(&my_cache, "my-key", &my_hello)?;
        assert_eq!(std::fs::read(&my_hello).unwrap(), b"hello");
        Ok(())
    }

    #[test]
    fn copy_hash_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        let my_hello = tmp.path().join("my-hello.txt");

        let sri = cacache::write_sync(&my_cache, "my-key", b"hello")?;
        let n = cacache::copy_hash_sync(&my_cache, &sri, &my_hello)?;
        assert_eq!(n, 5);
        assert_eq!(std::fs::read(&my_hello).unwrap(), b"hello");
        Ok(())
    }

    #[test]
    fn copy_hash_unchecked_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        let my_hello = tmp.path().join("my-hello.txt");

        let sri = cacache::write_sync(&my_cache, "my-key", b"hello")?;
        cacache::copy_hash_unchecked_sync(&my_cache, &sri, &my_hello)?;
        assert_eq!(std::fs::read(&my_hello).unwrap(), b"hello");
        Ok(())
    }

    #[test]
    fn reflink_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello world")?; // setup
        let data_txt = tmp.path().join("data.txt");

        reflink_outcome(
            cacache::reflink_sync(&my_cache, "my-key", &data_txt),
            &data_txt,
            b"hello world",
        );
        Ok(())
    }

    #[test]
    fn reflink_hash_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        let data_txt = tmp.path().join("data.txt");

        let sri = cacache::write_sync(&my_cache, "my-key", b"hello world")?;
        reflink_outcome(
            cacache::reflink_hash_sync(&my_cache, &sri, &data_txt),
            &data_txt,
            b"hello world",
        );
        Ok(())
    }

    #[test]
    fn reflink_hash_unchecked_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        let data_txt = tmp.path().join("data.txt");

        let sri = cacache::write_sync(&my_cache, "my-key", b"hello world")?;
        reflink_outcome(
            cacache::reflink_hash_unchecked_sync(&my_cache, &sri, &data_txt),
            &data_txt,
            b"hello world",
        );
        Ok(())
    }

    #[test]
    fn reflink_unchecked_sync() -> cacache::Result<()> {
        let (tmp, my_cache) = here();
        cacache::write_sync(&my_cache, "my-key", b"hello world")?; // setup
        let data_txt = tmp.path().join("data.txt");

        reflink_outcome(
            cacache::reflink_unchecked_sync(&my_cache, "my-key", &data_txt),
            &data_txt,
            b"hello world",
        );
        Ok(())
    }

    #[cfg(feature = "async")]
    mod asynchronous {
        use super::*;
        use crate::cacache_compat::support::block_on;
        #[allow(unused_imports)]
        use capcache as cacache;

        #[test]
        fn read() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();
                cacache::write(&my_cache, "my-key", b"hello").await?; // setup

                let data: Vec<u8> = cacache::read(&my_cache, "my-key").await?;
                assert_eq!(data, b"hello");
                Ok(())
            })
        }

        #[test]
        fn read_hash() -> cacache::Result<()> {
            block_on(async {
                let (_tmp, my_cache) = here();

                let sri = cacache::write(&my_cache, "my-key", b"hello").await?;
                let data: Vec<u8> = cacache::read_hash(&my_cache, &sri).await?;
                assert_eq!(data, b"hello");
                Ok(())
            })
        }

        #[test]
        fn copy() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                cacache::write(&my_cache, "my-key", b"hello world").await?; // setup
                let data_txt = tmp.path().join("data.txt");

                cacache::copy(&my_cache, "my-key", &data_txt).await?;
                assert_eq!(std::fs::read(&data_txt).unwrap(), b"hello world");
                Ok(())
            })
        }

        #[test]
        fn copy_unchecked() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                cacache::write(&my_cache, "my-key", b"hello world").await?; // setup
                let data_txt = tmp.path().join("data.txt");

                cacache::copy_unchecked(&my_cache, "my-key", &data_txt).await?;
                assert_eq!(std::fs::read(&data_txt).unwrap(), b"hello world");
                Ok(())
            })
        }

        #[test]
        fn copy_hash() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                let data_txt = tmp.path().join("data.txt");

                let sri = cacache::write(&my_cache, "my-key", b"hello world").await?;
                cacache::copy_hash(&my_cache, &sri, &data_txt).await?;
                assert_eq!(std::fs::read(&data_txt).unwrap(), b"hello world");
                Ok(())
            })
        }

        #[test]
        fn copy_hash_unchecked() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                let data_txt = tmp.path().join("data.txt");

                let sri = cacache::write(&my_cache, "my-key", b"hello world").await?;
                cacache::copy_hash_unchecked(&my_cache, &sri, &data_txt).await?;
                assert_eq!(std::fs::read(&data_txt).unwrap(), b"hello world");
                Ok(())
            })
        }

        #[test]
        fn reflink() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                cacache::write(&my_cache, "my-key", b"hello world").await?; // setup
                let data_txt = tmp.path().join("data.txt");

                reflink_outcome(
                    cacache::reflink(&my_cache, "my-key", &data_txt).await,
                    &data_txt,
                    b"hello world",
                );
                Ok(())
            })
        }

        #[test]
        fn reflink_unchecked() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                cacache::write(&my_cache, "my-key", b"hello world").await?; // setup
                let data_txt = tmp.path().join("data.txt");

                reflink_outcome(
                    cacache::reflink_unchecked(&my_cache, "my-key", &data_txt).await,
                    &data_txt,
                    b"hello world",
                );
                Ok(())
            })
        }

        #[test]
        fn reflink_hash() -> cacache::Result<()> {
            block_on(async {
                let (tmp, my_cache) = here();
                let data_txt = tmp.path().join("data.txt");

                let sri = cacache::write(&my_cache, "my-key", b"hello world").await?;
                reflink_outcome(
                    cacache::reflink_hash(&my_cache, &sri, &data_txt).await,
                    &data_txt,
                    b"hello world",
                );
                Ok(())
            })
        }

        /// `Reader` (`fd.check()?`: a plain fn, as in cacache-rs).
        mod reader {
            use super::*;
            #[allow(unused_imports)]
            use capcache as cacache;
            use futures_lite::io::AsyncReadExt; // cacache-rs: async_std::prelude::*

            #[test]
            fn reader_check() -> cacache::Result<()> {
                block_on(async {
                    let (_tmp, my_cache) = here();
                    cacache::write(&my_cache, "my-key", b"hello").await?; // setup

                    let mut fd = cacache::Reader::open(&my_cache, "my-key").await?;
                    let mut str = String::new();
                    fd.read_to_string(&mut str)
                        .await
                        .expect("Failed to read to string");
                    // Remember to check that the data you got was correct!
                    fd.check()?;
                    assert_eq!(str, "hello");
                    Ok(())
                })
            }

            #[test]
            fn reader_open() -> cacache::Result<()> {
                block_on(async {
                    let (_tmp, my_cache) = here();
                    cacache::write(&my_cache, "my-key", b"hello").await?; // setup

                    let mut fd = cacache::Reader::open(&my_cache, "my-key").await?;
                    let mut str = String::new();
                    fd.read_to_string(&mut str)
                        .await
                        .expect("Failed to read to string");
                    // Remember to check that the data you got was correct!
                    fd.check()?;
                    assert_eq!(str, "hello");
                    Ok(())
                })
            }

            #[test]
            fn reader_open_hash() -> cacache::Result<()> {
                block_on(async {
                    let (_tmp, my_cache) = here();

                    let sri = cacache::write(&my_cache, "key", b"hello world").await?;
                    let mut fd = cacache::Reader::open_hash(&my_cache, sri).await?;
                    let mut str = String::new();
                    fd.read_to_string(&mut str)
                        .await
                        .expect("Failed to read to string");
                    // Remember to check that the data you got was correct!
                    fd.check()?;
                    assert_eq!(str, "hello world");
                    Ok(())
                })
            }
        }
    }
}
