//! `Error`'s conversions for cacache-rs users: `From<ssri::Error>` (the
//! variant each ssri error becomes, with its data) and, with the `miette`
//! feature, `miette::Diagnostic` (a `capcache::…` code per variant, help,
//! docs.rs links).

use crate::common::sha512;
use capcache::{Algorithm, Error, Integrity};

#[test]
fn ssri_integrity_check_error_becomes_integrity_mismatch() {
    let expected = sha512(b"right");
    let found = sha512(b"wrong");
    let err = ssri::IntegrityChecker::new(expected.clone())
        .chain(b"wrong")
        .result()
        .unwrap_err();
    assert_eq!(
        err,
        ssri::Error::IntegrityCheckError(expected.clone(), found.clone())
    );
    let err = Error::from(err);
    match &err {
        Error::IntegrityMismatch {
            path,
            expected: e,
            found: f,
        } => {
            assert_eq!((e, f), (&expected, &found));
            assert_eq!(path, &None);
        }
        other => panic!("expected Error::IntegrityMismatch, got {other:?}"),
    }
    // No path to speak of: none in `path()` or the message.
    assert_eq!(err.path(), None);
    assert_eq!(
        err.to_string(),
        format!("integrity check failed: expected {expected}, found {found}")
    );
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::InvalidData
    );
}

#[test]
fn ssri_parse_error_becomes_invalid_integrity_with_the_input() {
    fn parse(text: &str) -> capcache::Result<Integrity> {
        Ok(text.parse::<Integrity>()?)
    }
    // ssri reports the part it could not parse, not the whole string.
    for (text, part) in [
        ("garbage", "garbage"),
        ("md5-rL0Y20zC+Fzt72VPzMSk2A==", "md5"),
        ("sha512-AAAA sha3-AAAA", "sha3"),
    ] {
        match parse(text) {
            Err(Error::InvalidIntegrity { input, reason }) => {
                assert_eq!(input.as_deref(), Some(part), "{text:?}");
                assert!(reason.contains("sha512"), "{reason}");
            }
            other => panic!("{text:?}: expected Error::InvalidIntegrity, got {other:?}"),
        }
    }
    assert_eq!(parse(&sha512(b"x").to_string()).unwrap(), sha512(b"x"));
}

#[test]
fn ssri_hex_error_becomes_invalid_integrity_with_the_reason() {
    let err = Integrity::from_hex("zz", Algorithm::Sha256).unwrap_err();
    assert!(matches!(err, ssri::Error::HexDecodeError(_)), "{err:?}");
    match Error::from(err) {
        Error::InvalidIntegrity { input, reason } => {
            assert_eq!(input, None);
            assert!(reason.starts_with("not a hexadecimal digest: "), "{reason}");
        }
        other => panic!("expected Error::InvalidIntegrity, got {other:?}"),
    }
}

/// Errors from the cache itself still name their content path.
#[test]
fn mismatches_from_a_read_keep_their_path() {
    let (_tmp, cache) = crate::common::new_cache();
    let sri = cache.write_sync("k", b"value").unwrap();
    let file = crate::common::content_path(crate::common::root(&cache), &sri);
    std::fs::write(&file, b"VALUE").unwrap();
    let err = cache.read_sync("k").unwrap_err();
    let path = err.path().expect("a read's mismatch has a path").to_owned();
    assert!(file.ends_with(&path), "{file:?} does not end with {path:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("integrity check failed for {}: ", path.display())),
        "{err}"
    );
}

#[cfg(feature = "miette")]
mod diagnostic {
    use std::path::PathBuf;

    use super::*;
    use miette::Diagnostic;

    fn code(err: &Error) -> String {
        err.code().expect("every variant has a code").to_string()
    }

    fn url(err: &Error) -> String {
        err.url().expect("every variant has a url").to_string()
    }

    fn help(err: &Error) -> Option<String> {
        err.help().map(|h| h.to_string())
    }

    /// One value of every variant, with the code and docs.rs anchor it
    /// must report.
    fn every_variant() -> Vec<(Error, &'static str, &'static str)> {
        let sri = sha512(b"x");
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        vec![
            (
                Error::EntryNotFound { key: "k".into() },
                "capcache::entry_not_found",
                "EntryNotFound",
            ),
            (
                Error::ContentNotFound {
                    integrity: sri.clone(),
                },
                "capcache::content_not_found",
                "ContentNotFound",
            ),
            (
                Error::IntegrityMismatch {
                    path: Some("content-v2/x".into()),
                    expected: sri.clone(),
                    found: sha512(b"y"),
                },
                "capcache::integrity_mismatch",
                "IntegrityMismatch",
            ),
            (
                Error::SizeMismatch {
                    path: "content-v2/x".into(),
                    expected: 1,
                    found: 2,
                },
                "capcache::size_mismatch",
                "SizeMismatch",
            ),
            (
                Error::InvalidIntegrity {
                    input: Some("?".into()),
                    reason: "r".into(),
                },
                "capcache::invalid_integrity",
                "InvalidIntegrity",
            ),
            (
                Error::InvalidKey {
                    key: String::new(),
                    reason: "empty",
                },
                "capcache::invalid_key",
                "InvalidKey",
            ),
            (
                Error::MissingIntegrity { key: "k".into() },
                "capcache::missing_integrity",
                "MissingIntegrity",
            ),
            (
                Error::BadIndex {
                    path: "index-v5/x".into(),
                    key: "k".into(),
                    reason: "r".into(),
                },
                "capcache::bad_index",
                "BadIndex",
            ),
            (
                Error::OutsideCache {
                    path: "content-v2/x".into(),
                    target: "/etc/passwd".into(),
                },
                "capcache::outside_cache",
                "OutsideCache",
            ),
            (
                Error::Io {
                    path: PathBuf::from("tmp"),
                    source: io,
                },
                "capcache::io_error",
                "Io",
            ),
        ]
    }

    #[test]
    fn every_variant_has_its_code_and_docs_link() {
        for (err, expected_code, variant) in every_variant() {
            assert_eq!(code(&err), expected_code, "{err:?}");
            assert_eq!(
                url(&err),
                format!(
                    "https://docs.rs/capcache/{}/capcache/enum.Error.html#variant.{variant}",
                    env!("CARGO_PKG_VERSION")
                )
            );
        }
    }

    #[test]
    fn help_points_at_what_to_do() {
        let by_code: Vec<(String, Option<String>)> = every_variant()
            .iter()
            .map(|(err, ..)| (code(err), help(err)))
            .collect();
        for (code, help) in &by_code {
            match code.as_str() {
                // The message says it all.
                "capcache::invalid_key" | "capcache::io_error" => {
                    assert_eq!(help, &None, "{code}")
                }
                "capcache::integrity_mismatch" | "capcache::size_mismatch" => {
                    assert!(
                        help.as_deref().unwrap().contains("capcache verify"),
                        "{code}"
                    )
                }
                "capcache::outside_cache" => {
                    assert!(help.as_deref().unwrap().contains("link_to"), "{code}")
                }
                _ => assert!(help.is_some(), "{code} has no help"),
            }
        }
    }

    /// A real failure through `?` into `miette::Result`, as cacache-rs
    /// users write it.
    #[test]
    fn question_mark_into_a_miette_report() {
        fn read(dir: &std::path::Path) -> miette::Result<Vec<u8>> {
            Ok(capcache::read_sync(dir, "missing")?)
        }
        let tmp = crate::common::tempdir();
        let report = read(tmp.path()).unwrap_err();
        assert_eq!(
            report.code().map(|c| c.to_string()).as_deref(),
            Some("capcache::entry_not_found")
        );
        match report.downcast_ref::<Error>() {
            Some(Error::EntryNotFound { key }) => assert_eq!(key, "missing"),
            other => panic!("expected Error::EntryNotFound, got {other:?}"),
        }
    }
}

/// An I/O error names its path in its message and gives its cause as its
/// `source`, so a reporter prints the cause once.
#[test]
fn io_errors_print_their_cause_once() {
    use std::error::Error as _;
    let tmp = crate::common::tempdir();
    std::fs::write(
        tmp.path().join("index-v5"),
        b"a file where a directory belongs",
    )
    .unwrap();
    let err = capcache::write_sync(tmp.path(), "k", b"v").unwrap_err();
    let cause = err
        .source()
        .expect("an I/O error has its cause as source")
        .to_string();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("index-v5"), "{err}");
    assert!(!err.to_string().contains(&cause), "{err} repeats {cause}");
}

/// `index::insert` without an integrity is its own error, naming the key.
#[test]
fn an_insert_without_integrity_is_missing_integrity() {
    let tmp = crate::common::tempdir();
    let err = capcache::index::insert(tmp.path(), "k", capcache::WriteOpts::new()).unwrap_err();
    assert!(
        matches!(&err, Error::MissingIntegrity { key } if key == "k"),
        "{err:?}"
    );
    assert_eq!(capcache::index::find(tmp.path(), "k").unwrap(), None);
}
