//! Port of cacache-rs 13.1's `src/content/` tests (`path.rs`, `write.rs`,
//! `linkto.rs`). They test private types (`content_path`, `Writer`,
//! `AsyncWriter`, `ToLinker`); here the same checks go through the public
//! API that wraps them (`write_hash_with_algo`, `WriteOpts::open_hash*`,
//! `WriteOpts::link_to_hash*`), with the content path computed from the
//! on-disk format.

#[allow(unused_imports)]
use capcache as cacache;

/// content/path.rs
mod path {
    use cacache::{Algorithm, Integrity};
    use capcache as cacache;
    use std::path::{Path, PathBuf};

    use crate::cacache_compat::support::{content_path, tempfile};

    const CONTENT_VERSION: &str = "2";

    #[test]
    fn basic_test() {
        let sri = Integrity::from(b"hello world");
        let cpath = content_path(Path::new("~/.my-cache"), &sri);
        let mut wanted = PathBuf::new();
        wanted.push("~/.my-cache");
        wanted.push(format!("content-v{CONTENT_VERSION}"));
        wanted.push("sha256");
        wanted.push("b9");
        wanted.push("4d");
        wanted.push("27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assert_eq!(cpath.to_str().unwrap(), wanted.to_str().unwrap());

        // Added: capcache stores the content there.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let written =
            cacache::write_hash_sync_with_algo(Algorithm::Sha256, dir, b"hello world").unwrap();
        assert_eq!(written, sri);
        assert_eq!(
            std::fs::read(content_path(dir, &sri)).unwrap(),
            b"hello world"
        );
    }
}

/// content/write.rs
mod write {
    use cacache::{Algorithm, Integrity, WriteOpts};
    use capcache as cacache;

    use crate::cacache_compat::support::{content_path, tempfile};

    #[test]
    fn basic_write() {
        use std::io::Write;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        // cacache-rs: content::write::Writer::new(&dir, Algorithm::Sha256, None)
        let mut writer = WriteOpts::new()
            .algorithm(Algorithm::Sha256)
            .open_hash_sync(&dir)
            .unwrap();
        writer.write_all(b"hello world").unwrap();
        let sri = writer.commit().unwrap();
        assert_eq!(sri.to_string(), Integrity::from(b"hello world").to_string());
        assert_eq!(
            std::fs::read(content_path(&dir, &sri)).unwrap(),
            b"hello world"
        );
    }

    #[cfg(feature = "async")]
    #[test]
    fn basic_async_write() {
        use futures_lite::io::AsyncWriteExt;
        crate::cacache_compat::support::block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            // cacache-rs: content::write::AsyncWriter::new(&dir, Algorithm::Sha256, None)
            let mut writer = WriteOpts::new()
                .algorithm(Algorithm::Sha256)
                .open_hash(&dir)
                .await
                .unwrap();
            writer.write_all(b"hello world").await.unwrap();
            let sri = writer.commit().await.unwrap();
            assert_eq!(sri.to_string(), Integrity::from(b"hello world").to_string());
            assert_eq!(
                std::fs::read(content_path(&dir, &sri)).unwrap(),
                b"hello world"
            );
        })
    }
}

/// content/linkto.rs, through `WriteOpts::link_to_hash_sync` ->
/// `SyncToLinker` and `WriteOpts::link_to_hash` -> `ToLinker`.
#[cfg(all(feature = "link_to", unix))]
mod linkto {
    use cacache::{Algorithm, Integrity, WriteOpts};
    use capcache as cacache;
    use std::fs::File;
    use std::io::{Read, Write};
    use std::path::PathBuf;

    use crate::cacache_compat::support::{content_path, tempfile};

    fn create_tmpfile(tmp: &tempfile::TempDir, buf: &[u8]) -> PathBuf {
        let dir = tmp.path().to_owned();
        let target = dir.join("target-file");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let mut file = File::create(&target).unwrap();
        file.write_all(buf).unwrap();
        file.flush().unwrap();
        target
    }

    #[test]
    fn basic_link() {
        let tmp = tempfile::tempdir().unwrap();
        let target = create_tmpfile(&tmp, b"hello world");

        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        // cacache-rs: content::linkto::ToLinker::new(&dir, Algorithm::Sha256, &target)
        let mut linker = WriteOpts::new()
            .algorithm(Algorithm::Sha256)
            .link_to_hash_sync(&dir, &target)
            .unwrap();

        // read all of the data from the linker, which will calculate the integrity
        // hash.
        let mut buf = Vec::new();
        linker.read_to_end(&mut buf).unwrap();
        assert_eq!(buf, b"hello world");

        // commit the linker, creating a symlink in the cache and an integrity
        // hash.
        let sri = linker.commit().unwrap();
        assert_eq!(sri.to_string(), Integrity::from(b"hello world").to_string());

        let cpath = content_path(&dir, &sri);
        assert!(cpath.exists());
        let metadata = std::fs::symlink_metadata(&cpath).unwrap();
        let file_type = metadata.file_type();
        assert!(file_type.is_symlink());
        assert_eq!(std::fs::read(cpath).unwrap(), b"hello world");
    }

    #[cfg(feature = "async")]
    #[test]
    fn basic_async_link() {
        use futures_lite::io::AsyncReadExt;
        crate::cacache_compat::support::block_on(async {
            let tmp = tempfile::tempdir().unwrap();
            let target = create_tmpfile(&tmp, b"hello world");

            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().to_owned();
            // cacache-rs: content::linkto::AsyncToLinker::new(&dir, Algorithm::Sha256, &target)
            let mut linker = WriteOpts::new()
                .algorithm(Algorithm::Sha256)
                .link_to_hash(&dir, &target)
                .await
                .unwrap();

            // read all of the data from the linker, which will calculate the integrity
            // hash.
            let mut buf: Vec<u8> = Vec::new();
            AsyncReadExt::read_to_end(&mut linker, &mut buf)
                .await
                .unwrap();
            assert_eq!(buf, b"hello world");

            // commit the linker, creating a symlink in the cache and an integrity
            // hash.
            let sri = linker.commit().await.unwrap();
            assert_eq!(sri.to_string(), Integrity::from(b"hello world").to_string());

            let cpath = content_path(&dir, &sri);
            assert!(cpath.exists());
            let metadata = std::fs::symlink_metadata(&cpath).unwrap();
            let file_type = metadata.file_type();
            assert!(file_type.is_symlink());
            assert_eq!(std::fs::read(cpath).unwrap(), b"hello world");
        })
    }
}
