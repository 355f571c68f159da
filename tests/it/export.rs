//! Getting content out of the cache as a file: verified and unchecked
//! copies, hard links, reflinks and `reflink_or_copy`, by key and by
//! integrity, to an ambient path or into a `Dir` capability.
//!
//! Every scenario takes a `common::Api` and runs blocking and async, with
//! the cache given by path and by `Cache` handle.

use std::path::{Path, PathBuf};

use crate::common::{content_path, new_cache, root, Api};
use cap_std::fs::Dir;
use capcache::{Cache, Error, Integrity};

#[cfg(feature = "async")]
use crate::common::block_on;

// ---------------------------------------------------------------------------
// Every export function behind one enum.

/// How an export materialises the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    Copy,
    HardLink,
    Reflink,
    ReflinkOrCopy,
}

/// One of the export functions taking an ambient destination path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Export {
    Copy,
    CopyUnchecked,
    CopyHash,
    CopyHashUnchecked,
    HardLink,
    HardLinkUnchecked,
    HardLinkHash,
    HardLinkHashUnchecked,
    Reflink,
    ReflinkUnchecked,
    ReflinkHash,
    ReflinkHashUnchecked,
    ReflinkOrCopy,
    ReflinkOrCopyHash,
}

const EXPORTS: [Export; 14] = [
    Export::Copy,
    Export::CopyUnchecked,
    Export::CopyHash,
    Export::CopyHashUnchecked,
    Export::HardLink,
    Export::HardLinkUnchecked,
    Export::HardLinkHash,
    Export::HardLinkHashUnchecked,
    Export::Reflink,
    Export::ReflinkUnchecked,
    Export::ReflinkHash,
    Export::ReflinkHashUnchecked,
    Export::ReflinkOrCopy,
    Export::ReflinkOrCopyHash,
];

/// Calls `capcache::$f` (async) or `capcache::$f_sync` with the cache as a
/// path or a handle, per `$api`.
macro_rules! export_call {
    ($api:expr, $c:expr, $f:ident / $f_sync:ident ($($arg:expr),*)) => {
        dispatch!($api,
            sync_path: capcache::$f_sync(root($c), $($arg),*),
            sync_handle: capcache::$f_sync($c, $($arg),*),
            async_path: capcache::$f(root($c), $($arg),*),
            async_handle: capcache::$f($c, $($arg),*),
        )
    };
}

impl Export {
    fn how(self) -> How {
        use Export::*;
        match self {
            Copy | CopyUnchecked | CopyHash | CopyHashUnchecked => How::Copy,
            HardLink | HardLinkUnchecked | HardLinkHash | HardLinkHashUnchecked => How::HardLink,
            Reflink | ReflinkUnchecked | ReflinkHash | ReflinkHashUnchecked => How::Reflink,
            ReflinkOrCopy | ReflinkOrCopyHash => How::ReflinkOrCopy,
        }
    }

    fn verified(self) -> bool {
        use Export::*;
        !matches!(
            self,
            CopyUnchecked
                | CopyHashUnchecked
                | HardLinkUnchecked
                | HardLinkHashUnchecked
                | ReflinkUnchecked
                | ReflinkHashUnchecked
        )
    }

    fn by_hash(self) -> bool {
        use Export::*;
        matches!(
            self,
            CopyHash
                | CopyHashUnchecked
                | HardLinkHash
                | HardLinkHashUnchecked
                | ReflinkHash
                | ReflinkHashUnchecked
                | ReflinkOrCopyHash
        )
    }

    /// Exports `key` (or `sri`, for the `_hash` functions) to `to`. Returns
    /// the byte count for the functions that report one.
    fn run(
        self,
        api: Api,
        c: &Cache,
        key: &str,
        sri: &Integrity,
        to: &Path,
    ) -> capcache::Result<Option<u64>> {
        let count = |r: capcache::Result<u64>| r.map(Some);
        let unit = |r: capcache::Result<()>| r.map(|()| None);
        match self {
            Export::Copy => count(export_call!(api, c, copy / copy_sync(key, to))),
            Export::CopyUnchecked => count(export_call!(
                api,
                c,
                copy_unchecked / copy_unchecked_sync(key, to)
            )),
            Export::CopyHash => count(export_call!(api, c, copy_hash / copy_hash_sync(sri, to))),
            Export::CopyHashUnchecked => count(export_call!(
                api,
                c,
                copy_hash_unchecked / copy_hash_unchecked_sync(sri, to)
            )),
            Export::HardLink => unit(export_call!(api, c, hard_link / hard_link_sync(key, to))),
            Export::HardLinkUnchecked => unit(export_call!(
                api,
                c,
                hard_link_unchecked / hard_link_unchecked_sync(key, to)
            )),
            Export::HardLinkHash => unit(export_call!(
                api,
                c,
                hard_link_hash / hard_link_hash_sync(sri, to)
            )),
            Export::HardLinkHashUnchecked => unit(export_call!(
                api,
                c,
                hard_link_hash_unchecked / hard_link_hash_unchecked_sync(sri, to)
            )),
            Export::Reflink => unit(export_call!(api, c, reflink / reflink_sync(key, to))),
            Export::ReflinkUnchecked => unit(export_call!(
                api,
                c,
                reflink_unchecked / reflink_unchecked_sync(key, to)
            )),
            Export::ReflinkHash => unit(export_call!(
                api,
                c,
                reflink_hash / reflink_hash_sync(sri, to)
            )),
            Export::ReflinkHashUnchecked => unit(export_call!(
                api,
                c,
                reflink_hash_unchecked / reflink_hash_unchecked_sync(sri, to)
            )),
            Export::ReflinkOrCopy => count(export_call!(
                api,
                c,
                reflink_or_copy / reflink_or_copy_sync(key, to)
            )),
            Export::ReflinkOrCopyHash => count(export_call!(
                api,
                c,
                reflink_or_copy_hash / reflink_or_copy_hash_sync(sri, to)
            )),
        }
    }
}

/// `copy_to_dir` (by key) or `copy_hash_to_dir` (by integrity).
fn copy_into(
    api: Api,
    by_hash: bool,
    c: &Cache,
    key: &str,
    sri: &Integrity,
    dir: &Dir,
    path: &str,
) -> capcache::Result<u64> {
    if by_hash {
        export_call!(
            api,
            c,
            copy_hash_to_dir / copy_hash_to_dir_sync(sri, dir, path)
        )
    } else {
        export_call!(api, c, copy_to_dir / copy_to_dir_sync(key, dir, path))
    }
}

// ---------------------------------------------------------------------------
// Helpers.

/// Deterministic bytes, longer than the exporter's 64 KiB copy buffer.
fn value() -> Vec<u8> {
    (0..200_003u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// A cache holding `value()` under "k", and an empty `out/` directory next
/// to (not inside) it.
fn setup(api: Api) -> (tempfile::TempDir, Cache, Integrity, PathBuf) {
    let (tmp, cache) = new_cache();
    let sri = api.write(&cache, "k", &value()).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    (tmp, cache, sri, out)
}

/// Overwrites the content file of `sri` in place with same-length garbage;
/// returns the garbage.
fn corrupt(c: &Cache, sri: &Integrity) -> Vec<u8> {
    crate::common::corrupt(&content_path(root(c), sri))
}

fn destination(out: &Path, export: Export) -> PathBuf {
    out.join(format!("{export:?}.bin"))
}

/// What a reflink that the filesystem cannot do must look like: an
/// `Error::Io` that says so, and no destination file.
fn assert_clear_reflink_refusal(err: &Error, to: &Path, export: Export) {
    assert!(
        matches!(err, Error::Io { .. }),
        "{export:?}: reflink failed with {err:?}, expected Error::Io"
    );
    assert!(
        err.to_string().to_lowercase().contains("reflink"),
        "{export:?}: the error does not say reflink is the problem: {err}"
    );
    assert!(!to.exists(), "{export:?}: failed reflink left {to:?}");
}

// ---------------------------------------------------------------------------
// Scenarios.

api_tests!(
    every_export_yields_the_bytes,
    verified_exports_refuse_corrupt_content_and_leave_no_file,
    unchecked_exports_do_not_verify,
    exports_of_missing_entries_fail_without_creating_files,
    copies_replace_an_existing_destination,
    copy_to_dir_writes_inside_the_dir,
    copy_to_dir_refuses_paths_leaving_the_dir,
    copy_to_dir_of_corrupt_content_fails_and_leaves_no_file,
);

/// Every export function produces a file with exactly the value's bytes;
/// copies report the byte count; a hard link is the content file itself; a
/// reflink either works or fails clearly without leaving a file.
fn every_export_yields_the_bytes(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    let bytes = value();
    let mut copies = Vec::new();
    for export in EXPORTS {
        let to = destination(&out, export);
        let result = export.run(api, &cache, "k", &sri, &to);
        match (export.how(), result) {
            (How::Copy | How::ReflinkOrCopy, Ok(count)) => {
                assert_eq!(count, Some(bytes.len() as u64), "{export:?}");
                copies.push(to.clone());
            }
            (How::HardLink, Ok(count)) => {
                assert_eq!(count, None);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    let link = std::fs::metadata(&to).unwrap();
                    let content = std::fs::metadata(content_path(root(&cache), &sri)).unwrap();
                    assert_eq!(
                        (link.dev(), link.ino()),
                        (content.dev(), content.ino()),
                        "{export:?}: not a hard link of the content file"
                    );
                }
            }
            (How::Reflink, Ok(_)) => {}
            (How::Reflink, Err(err)) => {
                assert_clear_reflink_refusal(&err, &to, export);
                continue;
            }
            (_, Err(err)) => panic!("{export:?} failed: {err:?}"),
        }
        assert!(
            std::fs::read(&to).unwrap() == bytes,
            "{export:?}: destination holds other bytes"
        );
    }
    // Copies are independent files: changing them leaves the cache intact.
    for copy in copies {
        std::fs::write(&copy, b"changed").unwrap();
    }
    assert_eq!(api.read(&cache, "k").unwrap(), bytes);
}

/// Content damaged in place: every verifying export fails with
/// `IntegrityMismatch` and leaves no destination file (a copy removes the
/// file it was writing).
fn verified_exports_refuse_corrupt_content_and_leave_no_file(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    corrupt(&cache, &sri);
    for export in EXPORTS.into_iter().filter(|e| e.verified()) {
        let to = destination(&out, export);
        match export.run(api, &cache, "k", &sri, &to) {
            Err(Error::IntegrityMismatch { expected, .. }) => {
                assert_eq!(expected, sri, "{export:?}")
            }
            other => panic!("{export:?}: expected IntegrityMismatch, got {other:?}"),
        }
        assert!(!to.exists(), "{export:?} left {to:?} behind");
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

/// The `_unchecked` functions trust the cache: on damaged content they
/// succeed and export the damaged bytes (this documents that they do not
/// verify). A reflink may still be refused by the filesystem.
fn unchecked_exports_do_not_verify(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    let garbage = corrupt(&cache, &sri);
    for export in EXPORTS.into_iter().filter(|e| !e.verified()) {
        let to = destination(&out, export);
        match (export.how(), export.run(api, &cache, "k", &sri, &to)) {
            (How::Copy, Ok(count)) => assert_eq!(count, Some(garbage.len() as u64)),
            (How::HardLink | How::Reflink, Ok(count)) => assert_eq!(count, None),
            (How::Reflink, Err(err)) => {
                assert_clear_reflink_refusal(&err, &to, export);
                continue;
            }
            (_, other) => panic!("{export:?}: expected success, got {other:?}"),
        }
        assert!(
            std::fs::read(&to).unwrap() == garbage,
            "{export:?}: destination does not hold the stored bytes"
        );
    }
}

/// Nothing to export: an unknown key is `EntryNotFound`, unknown content is
/// `ContentNotFound`, and no destination file appears.
fn exports_of_missing_entries_fail_without_creating_files(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    // Content that was never stored in this cache, and a key without entry.
    let (_other_tmp, other) = new_cache();
    let elsewhere = other.write_hash_sync(b"stored elsewhere").unwrap();
    assert_ne!(elsewhere, sri);
    for export in EXPORTS {
        let to = destination(&out, export);
        let result = export.run(api, &cache, "missing", &elsewhere, &to);
        if export.by_hash() {
            assert!(
                matches!(result, Err(Error::ContentNotFound { ref integrity }) if *integrity == elsewhere),
                "{export:?}: {result:?}"
            );
        } else {
            assert!(
                matches!(result, Err(Error::EntryNotFound { ref key }) if key == "missing"),
                "{export:?}: {result:?}"
            );
        }
        assert!(!to.exists(), "{export:?} created {to:?}");
    }
    for by_hash in [false, true] {
        let dir = Dir::open_ambient_dir(&out, cap_std::ambient_authority()).unwrap();
        let result = copy_into(api, by_hash, &cache, "missing", &elsewhere, &dir, "x");
        assert!(result.unwrap_err().is_not_found());
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

/// A copy over an existing, longer file leaves exactly the value (the
/// destination is truncated, not overwritten in part).
fn copies_replace_an_existing_destination(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    let bytes = value();
    let exports = EXPORTS
        .into_iter()
        .filter(|e| matches!(e.how(), How::Copy | How::ReflinkOrCopy));
    for export in exports {
        let to = destination(&out, export);
        std::fs::write(&to, vec![b'x'; bytes.len() * 2]).unwrap();
        let count = export.run(api, &cache, "k", &sri, &to).unwrap();
        assert_eq!(count, Some(bytes.len() as u64), "{export:?}");
        assert!(
            std::fs::read(&to).unwrap() == bytes,
            "{export:?}: old bytes remain"
        );
    }
}

/// `copy_to_dir` / `copy_hash_to_dir` write the value at a path inside the
/// given `Dir` (also in a subdirectory) and return the byte count.
fn copy_to_dir_writes_inside_the_dir(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    let bytes = value();
    std::fs::create_dir(out.join("sub")).unwrap();
    let dir = Dir::open_ambient_dir(&out, cap_std::ambient_authority()).unwrap();
    for (by_hash, name) in [(false, "by-key.bin"), (true, "sub/by-hash.bin")] {
        let count = copy_into(api, by_hash, &cache, "k", &sri, &dir, name).unwrap();
        assert_eq!(count, bytes.len() as u64);
        assert!(dir.read(name).unwrap() == bytes, "{name}: other bytes");
        assert!(std::fs::read(out.join(name)).unwrap() == bytes);
    }
}

/// The `Dir` is a capability: `..`, an absolute path, and (on Unix) a
/// symlink inside the dir that points out of it are all refused, and
/// nothing is written outside.
fn copy_to_dir_refuses_paths_leaving_the_dir(api: Api) {
    let (tmp, cache, sri, out) = setup(api);
    let inside = out.join("inside");
    std::fs::create_dir(&inside).unwrap();
    let dir = Dir::open_ambient_dir(&inside, cap_std::ambient_authority()).unwrap();

    let absolute = tmp.path().join("absolute.bin");
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut attempts = vec![
        ("../escape.bin".to_owned(), out.join("escape.bin")),
        ("sub/../../escape2.bin".to_owned(), out.join("escape2.bin")),
        (absolute.to_str().unwrap().to_owned(), absolute.clone()),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&out, inside.join("link-out")).unwrap();
        attempts.push(("link-out/via-link.bin".to_owned(), out.join("via-link.bin")));
    }
    std::fs::create_dir(inside.join("sub")).unwrap();

    for by_hash in [false, true] {
        for (path, outside) in &attempts {
            let result = copy_into(api, by_hash, &cache, "k", &sri, &dir, path);
            assert!(
                matches!(result, Err(Error::Io { .. })),
                "{path:?} (by_hash {by_hash}) was not refused: {result:?}"
            );
            assert!(!outside.exists(), "{path:?} wrote {outside:?}");
        }
    }
    // Nothing but what the test made itself is in `out/`.
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["inside"]);
}

/// A verified copy into a `Dir` of damaged content fails with
/// `IntegrityMismatch` and removes the file it was writing.
fn copy_to_dir_of_corrupt_content_fails_and_leaves_no_file(api: Api) {
    let (_tmp, cache, sri, out) = setup(api);
    corrupt(&cache, &sri);
    let dir = Dir::open_ambient_dir(&out, cap_std::ambient_authority()).unwrap();
    for by_hash in [false, true] {
        let result = copy_into(api, by_hash, &cache, "k", &sri, &dir, "copy.bin");
        assert!(
            matches!(result, Err(Error::IntegrityMismatch { .. })),
            "by_hash {by_hash}: {result:?}"
        );
        assert!(!out.join("copy.bin").exists());
    }
}

/// The `Export` builder: every method, by key and by hash, to a path and
/// into a `Dir`; verification refuses damaged content and leaves nothing,
/// `verify(false)` exports what is stored.
#[test]
fn the_export_builder_runs_every_combination() {
    use capcache::Export;
    let (tmp, cache) = new_cache();
    let sri = cache.write_sync("k", b"exported").unwrap();
    let out = Dir::open_ambient_dir(tmp.path(), cap_std::ambient_authority()).unwrap();
    type Method = fn(Export) -> Export;
    let methods: [(&str, Method); 4] = [
        ("copy", Export::copy),
        ("hard_link", Export::hard_link),
        ("reflink", Export::reflink),
        ("reflink_or_copy", Export::reflink_or_copy),
    ];
    for (name, method) in methods {
        for (source, export) in [
            ("key", Export::key("k")),
            ("hash", Export::hash(sri.clone())),
        ] {
            let file = format!("{name}-{source}");
            let results = [
                method(export.clone()).to_path_sync(&cache, tmp.path().join(&file)),
                method(export.clone()).to_dir_sync(&cache, &out, format!("{file}-dir")),
            ];
            for (result, path) in results
                .into_iter()
                .zip([file.clone(), format!("{file}-dir")])
            {
                match result {
                    Ok(bytes) => {
                        assert_eq!(bytes, 8, "{path}");
                        assert_eq!(out.read(&path).unwrap(), b"exported", "{path}");
                    }
                    // Reflinks exist on some filesystems only.
                    Err(Error::Io { source, .. }) if name == "reflink" => {
                        assert!(!out.exists(&path), "{path}: {source}");
                    }
                    Err(e) => panic!("{path}: {e}"),
                }
            }
        }
    }

    std::fs::write(content_path(root(&cache), &sri), b"EXPORTED").unwrap();
    let refused = Export::key("k").to_path_sync(&cache, tmp.path().join("damaged"));
    assert!(
        matches!(refused, Err(Error::IntegrityMismatch { .. })),
        "{refused:?}"
    );
    assert!(!tmp.path().join("damaged").exists());
    let trusted = Export::key("k").verify(false);
    assert_eq!(trusted.to_dir_sync(&cache, &out, "trusted").unwrap(), 8);
    assert_eq!(out.read("trusted").unwrap(), b"EXPORTED");
    #[cfg(feature = "async")]
    block_on(async {
        let refused = Export::hash(sri.clone())
            .hard_link()
            .to_dir(&cache, &out, "h")
            .await;
        assert!(
            matches!(refused, Err(Error::IntegrityMismatch { .. })),
            "{refused:?}"
        );
        assert!(!out.exists("h"));
    });
}
