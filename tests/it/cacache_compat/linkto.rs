//! Port of cacache-rs 13.1 `src/linkto.rs`: `mod tests` and the doc
//! examples of `link_to*` and `SyncToLinker`.
// Unix only, as capcache's own link_to tests: Windows needs the symlink
// privilege (developer mode), and WASI runtimes refuse symlinks to absolute
// paths (capcache returns `Unsupported` there; see the README).
#![cfg(all(feature = "link_to", unix))]

#[allow(unused_imports)]
use capcache as cacache;

mod tests {
    use capcache as cacache;
    use std::fs::File;
    use std::io::Write;
    use std::path::PathBuf;

    #[cfg(feature = "async")]
    use crate::cacache_compat::support::block_on;
    use crate::cacache_compat::support::tempfile;

    pub(super) fn create_tmpfile(tmp: &tempfile::TempDir, buf: &[u8]) -> PathBuf {
        let dir = tmp.path().to_owned();
        let target = dir.join("target-file");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let mut file = File::create(&target).unwrap();
        file.write_all(buf).unwrap();
        file.flush().unwrap();
        target
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_link() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let target = create_tmpfile(&tmp, b"hello world");

            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            cacache::link_to(&dir, "my-key", target).await.unwrap();

            let buf = cacache::read(&dir, "my-key").await.unwrap();
            assert_eq!(buf, b"hello world");
        })
    }

    #[cfg(feature = "async")]
    #[test]
    fn test_link_to_hash() {
        block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let target = create_tmpfile(&tmp, b"hello world");

            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let sri = cacache::link_to_hash(&dir, target).await.unwrap();

            let buf = cacache::read_hash(&dir, &sri).await.unwrap();
            assert_eq!(buf, b"hello world");
        })
    }

    #[test]
    fn test_link_to_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let target = create_tmpfile(&tmp, b"hello world");

        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        cacache::link_to_sync(&dir, "my-key", target).unwrap();

        let buf = cacache::read_sync(&dir, "my-key").unwrap();
        assert_eq!(buf, b"hello world");
    }

    #[test]
    fn test_link_to_hash_sync() {
        let tmp = tempfile::tempdir().unwrap();
        let target = create_tmpfile(&tmp, b"hello world");

        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let sri = cacache::link_to_hash_sync(&dir, target).unwrap();

        let buf = cacache::read_hash_sync(&dir, &sri).unwrap();
        assert_eq!(buf, b"hello world");
    }

    /// `SyncToLinker` (`open`, `open_hash`, `io::Read`, `commit`).
    mod sync_to_linker {
        use super::*;
        #[allow(unused_imports)]
        use capcache as cacache;
        use std::io::Read;

        #[test]
        fn test_open_sync() {
            let tmp = tempfile::tempdir().unwrap();
            let target = create_tmpfile(&tmp, b"hello world");

            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let mut handle = cacache::SyncToLinker::open(&dir, "my-key", target).unwrap();

            let mut buf = Vec::new();
            handle.read_to_end(&mut buf).unwrap();
            handle.commit().unwrap();
            assert_eq!(buf, b"hello world");

            let buf = cacache::read_sync(&dir, "my-key").unwrap();
            assert_eq!(buf, b"hello world");
        }

        #[test]
        fn test_open_hash_sync() {
            let tmp = tempfile::tempdir().unwrap();
            let target = create_tmpfile(&tmp, b"hello world");

            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            let mut handle = cacache::SyncToLinker::open_hash(&dir, target).unwrap();

            let mut buf = Vec::new();
            handle.read_to_end(&mut buf).unwrap();
            let sri = handle.commit().unwrap();
            assert_eq!(buf, b"hello world");

            let buf = cacache::read_hash_sync(&dir, &sri).unwrap();
            assert_eq!(buf, b"hello world");
        }
    }

    /// `ToLinker` (`open`, `open_hash`, `AsyncRead`, async `commit`).
    #[cfg(feature = "async")]
    mod to_linker {
        use super::*;
        #[allow(unused_imports)]
        use capcache as cacache;
        use futures_lite::io::AsyncReadExt; // cacache-rs: crate::async_lib::AsyncReadExt

        #[test]
        fn test_open() {
            block_on(async {
                let tmp = tempfile::tempdir().unwrap();
                let target = create_tmpfile(&tmp, b"hello world");

                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path().to_owned();
                let mut handle = cacache::ToLinker::open(&dir, "my-key", target)
                    .await
                    .unwrap();

                let mut buf = Vec::new();
                handle.read_to_end(&mut buf).await.unwrap();
                handle.commit().await.unwrap();
                assert_eq!(buf, b"hello world");

                let buf = cacache::read_sync(&dir, "my-key").unwrap();
                assert_eq!(buf, b"hello world");
            })
        }

        #[test]
        fn test_open_hash() {
            block_on(async {
                let tmp = tempfile::tempdir().unwrap();
                let target = create_tmpfile(&tmp, b"hello world");

                let tmp = tempfile::tempdir().unwrap();
                let dir = tmp.path().to_owned();
                let mut handle = cacache::ToLinker::open_hash(&dir, target).await.unwrap();

                let mut buf = Vec::new();
                handle.read_to_end(&mut buf).await.unwrap();
                let sri = handle.commit().await.unwrap();
                assert_eq!(buf, b"hello world");

                let buf = cacache::read_hash_sync(&dir, &sri).unwrap();
                assert_eq!(buf, b"hello world");
            })
        }
    }
}

/// The `no_run` doc examples. Their targets (`../my-other-files/my-file.tgz`,
/// `../foo/bar.tgz`) are made next to a temporary `./my-cache`.
mod docs {
    use super::cacache;
    use crate::cacache_compat::support::tempfile;
    use std::path::PathBuf;

    /// `(tmp, my_cache, target)`: `target` = `<tmp>/<rel>` holding `data`.
    fn here(rel: &str, data: &[u8]) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("my-cache");
        let target = tmp.path().join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, data).unwrap();
        (tmp, cache, target)
    }

    #[test]
    fn link_to_sync() -> cacache::Result<()> {
        let (_tmp, my_cache, my_file) = here("my-other-files/my-file.tgz", b"tgz");
        cacache::link_to_sync(&my_cache, "my-key", &my_file)?;
        assert_eq!(cacache::read_sync(&my_cache, "my-key")?, b"tgz"); // added
        Ok(())
    }

    #[test]
    fn link_to_hash_sync() -> cacache::Result<()> {
        let (_tmp, my_cache, bar) = here("foo/bar.tgz", b"bar");
        let sri = cacache::link_to_hash_sync(&my_cache, &bar)?;
        assert_eq!(cacache::read_hash_sync(&my_cache, &sri)?, b"bar"); // added
        Ok(())
    }

    #[cfg(feature = "async")]
    #[test]
    fn link_to() -> cacache::Result<()> {
        crate::cacache_compat::support::block_on(async {
            let (_tmp, my_cache, my_file) = here("my-other-files/my-file.tgz", b"tgz");
            cacache::link_to(&my_cache, "my-key", &my_file).await?;
            assert_eq!(cacache::read(&my_cache, "my-key").await?, b"tgz"); // added
            Ok(())
        })
    }

    #[cfg(feature = "async")]
    #[test]
    fn link_to_hash() -> cacache::Result<()> {
        crate::cacache_compat::support::block_on(async {
            let (_tmp, my_cache, my_file) = here("my-other-files/my-file.tgz", b"tgz");
            let sri = cacache::link_to_hash(&my_cache, &my_file).await?;
            assert_eq!(cacache::read_hash(&my_cache, &sri).await?, b"tgz"); // added
            Ok(())
        })
    }

    /// `SyncToLinker::open` / `open_hash`.
    mod sync_to_linker {
        use super::*;
        #[allow(unused_imports)]
        use capcache as cacache;

        #[test]
        fn sync_to_linker_open() -> cacache::Result<()> {
            use std::io::prelude::*;
            let (_tmp, my_cache, path) = here("my-other-files/my-file.tgz", b"tgz");

            let mut fd = cacache::SyncToLinker::open(&my_cache, "my-key", path)?;
            let mut str = String::new();
            fd.read_to_string(&mut str)
                .expect("Failed to read to string");
            // The file is not linked into the cache until you commit it.
            assert!(cacache::metadata_sync(&my_cache, "my-key")?.is_none()); // added
            fd.commit()?;
            assert_eq!(str, "tgz");
            assert_eq!(cacache::read_sync(&my_cache, "my-key")?, b"tgz"); // added
            Ok(())
        }

        #[test]
        fn sync_to_linker_open_hash() -> cacache::Result<()> {
            use std::io::prelude::*;
            let (_tmp, my_cache, path) = here("my-other-files/my-file.tgz", b"tgz");

            let mut fd = cacache::SyncToLinker::open_hash(&my_cache, path)?;
            let mut str = String::new();
            fd.read_to_string(&mut str)
                .expect("Failed to read to string");
            // The file is not linked into the cache until you commit it.
            let sri = fd.commit()?;
            assert_eq!(cacache::read_hash_sync(&my_cache, &sri)?, b"tgz"); // added
            Ok(())
        }
    }
}
