//! cacache-rs 13.1's `Error` as its users match on it (`src/errors.rs` has
//! no tests): the capcache variant returned for each failure a cacache-rs
//! user matches on.

#[allow(unused_imports)]
use capcache as cacache;

use crate::cacache_compat::support::tempfile;

/// The capcache variant for each failure cacache-rs reports.
// differs by design (README, "Migrating from cacache-rs"): named fields and
// more variants; cacache-rs's are tuple variants (`EntryNotFound(PathBuf,
// String)`, `SizeMismatch(usize, usize)`, `IoError(io::Error, String)`,
// `SerdeError(..)`, `IntegrityError(ssri::Error)`) and missing content is
// `IoError` of kind `NotFound`.
mod variants {
    use super::*;
    use cacache::{Algorithm, Integrity, WriteOpts};
    #[allow(unused_imports)]
    use capcache as cacache;

    /// cacache-rs: `Error::EntryNotFound(cache: PathBuf, key: String)`.
    #[test]
    fn entry_not_found() {
        let tmp = tempfile::tempdir().unwrap();
        match cacache::read_sync(tmp.path(), "nope") {
            Err(cacache::Error::EntryNotFound { key }) => assert_eq!(key, "nope"),
            other => panic!("{other:?}"),
        }
    }

    /// cacache-rs: `Error::SizeMismatch(wanted: usize, actual: usize)`.
    #[test]
    fn size_mismatch() {
        let tmp = tempfile::tempdir().unwrap();
        let res =
            cacache::write_with_opts_sync(tmp.path(), "k", b"hello", WriteOpts::new().size(3));
        match res {
            Err(cacache::Error::SizeMismatch {
                expected, found, ..
            }) => assert_eq!((expected, found), (3, 5)),
            other => panic!("{other:?}"),
        }
    }

    /// cacache-rs: `Error::IntegrityError(ssri::Error::IntegrityCheckError(wanted, actual))`
    /// from `commit` when `WriteOpts::integrity` does not match.
    #[test]
    fn integrity_mismatch_on_write() {
        use std::io::Write;
        let tmp = tempfile::tempdir().unwrap();
        let wanted = Integrity::from(b"other");
        let mut w = WriteOpts::new()
            .algorithm(Algorithm::Sha256)
            .integrity(wanted.clone())
            .open_sync(tmp.path(), "k")
            .unwrap();
        w.write_all(b"hello").unwrap();
        match w.commit() {
            Err(cacache::Error::IntegrityMismatch {
                expected, found, ..
            }) => {
                assert_eq!(expected, wanted);
                assert_eq!(found, Integrity::from(b"hello"));
            }
            other => panic!("{other:?}"),
        }
    }

    /// cacache-rs: `Error::IntegrityError(ssri::Error::IntegrityCheckError(..))`
    /// from `read` of damaged content.
    // differs by design: damaged content is an error, never the bytes (and
    // cacache-rs reports it the same way, as an integrity error).
    #[test]
    fn integrity_mismatch_on_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let sri = cacache::write_sync(dir, "k", b"hello").unwrap();
        std::fs::write(
            crate::cacache_compat::support::content_path(dir, &sri),
            b"jello",
        )
        .unwrap();
        match cacache::read_sync(dir, "k") {
            Err(cacache::Error::IntegrityMismatch { .. }) => {}
            other => panic!("{other:?}"),
        }
    }

    /// cacache-rs: `Error::IoError(io::Error /* NotFound */, String)` from
    /// `read_hash` of absent content.
    #[test]
    fn content_not_found() {
        let tmp = tempfile::tempdir().unwrap();
        match cacache::read_hash_sync(tmp.path(), &Integrity::from(b"absent")) {
            Err(cacache::Error::ContentNotFound { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}

/// `impl From<ssri::Error> for Error` (cacache-rs: `#[from]` on
/// `IntegrityError`).
mod from_ssri {
    use cacache::{Algorithm, Integrity};
    #[allow(unused_imports)]
    use capcache as cacache;

    /// `?` on an `ssri::Error` in a function returning `cacache::Result`.
    #[test]
    fn from_ssri_error() {
        fn check(data: &[u8]) -> cacache::Result<Algorithm> {
            Ok(Integrity::from(b"hello").check(data)?)
        }
        assert!(check(b"hello").is_ok());
        match check(b"jello") {
            Err(cacache::Error::IntegrityMismatch { path: None, .. }) => {}
            other => panic!("expected an integrity mismatch, got {other:?}"),
        }
    }
}
