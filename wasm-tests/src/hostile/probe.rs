//! Running one probe against a hostile cache and deciding whether what
//! happened leaked anything.

use std::io::{Read, Write};
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use capcache::{Cache, Error, GcOpts, SyncReader, SyncWriter, VerifyOpts};
use capcache_test_support::format::sha512;

use super::{Case, Expect, Probe, SECRET};
use crate::harness::{Failure, TestResult};

/// An operation a probe tries.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// `read_sync(key)`.
    Read(&'static str),
    /// `read_sync(key)`, which must return exactly these bytes.
    ReadExpect(&'static str, &'static [u8]),
    /// `read_hash_sync` of the secret's sha512.
    ReadSecretHash,
    /// `read_hash_sync` of an integrity given as text.
    ReadHashText(&'static str),
    /// `SyncReader::open(key)` and `read_to_end`.
    Stream(&'static str),
    /// `metadata_sync(key)`.
    Metadata(&'static str),
    /// `try_exists_sync` of the secret's sha512.
    ExistsSecret,
    /// `copy_sync(key, out/copy)`.
    Copy(&'static str),
    /// `copy_to_dir_sync(key, Dir(out), "copy_to_dir")`.
    CopyToDir(&'static str),
    /// `hard_link_sync(key, out/hard_link)`.
    HardLink(&'static str),
    /// `reflink_or_copy_sync(key, out/reflink_or_copy)`.
    ReflinkOrCopy(&'static str),
    /// `list_sync()`, every item.
    List,
    /// `write_sync(key, data)`.
    Write(&'static str, &'static [u8]),
    /// `SyncWriter::create(key)`, write, commit.
    StreamWrite(&'static str),
    /// `remove_sync(key)`.
    Remove(&'static str),
    /// `remove_hash_sync` of the secret's sha512.
    RemoveSecretHash,
    /// `index::compact(key)`.
    Compact(&'static str),
    /// `verify_sync` with default options.
    Verify,
    /// `gc_sync` with default options.
    Gc,
    /// `last_verified_sync`.
    LastVerified,
    /// `clear_sync`.
    Clear,
}

/// What a probe did: a short class for the comparison table (`Ok(…)` or
/// `Err(<variant>[: <io kind>])`) and, if it leaked, how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// `Ok(...)` or `Err(Variant)` / `Err(Io: Kind)`.
    pub class: String,
    /// The error, if any, for humans.
    pub error: Option<String>,
    /// Whether the result was an error.
    pub is_err: bool,
    /// Whether the error means "nothing here".
    pub not_found: bool,
    /// How the probe leaked outside data, or misbehaved, if it did.
    pub violation: Option<String>,
}

impl Observed {
    fn ok(what: impl Into<String>, violation: Option<String>) -> Self {
        Observed {
            class: format!("Ok({})", what.into()),
            error: None,
            is_err: false,
            not_found: false,
            violation,
        }
    }

    fn err(e: &Error) -> Self {
        Observed {
            class: format!("Err({})", error_class(e)),
            error: Some(e.to_string()),
            is_err: true,
            not_found: e.is_not_found(),
            violation: None,
        }
    }

    /// The case's cache could not even be opened.
    pub(crate) fn setup_failed(why: &Failure) -> Self {
        Observed {
            class: "setup failed".into(),
            error: Some(why.to_string()),
            is_err: true,
            not_found: false,
            violation: None,
        }
    }
}

/// `Variant` or `Io: Kind` for an error.
pub fn error_class(e: &Error) -> String {
    match e {
        Error::Io { source, .. } => format!("Io: {:?}", source.kind()),
        other => {
            let debug = format!("{other:?}");
            let end = debug.find([' ', '{', '(']).unwrap_or(debug.len());
            debug[..end].to_owned()
        }
    }
}

/// Whether returned bytes carry the secret.
fn has_secret(bytes: &[u8]) -> bool {
    bytes.windows(SECRET.len()).any(|w| w == SECRET)
}

/// Classifies a byte-returning result; reading an outside-only key at all,
/// or any bytes holding the secret, is a leak.
fn bytes_result(case: &Case, key: Option<&str>, result: capcache::Result<Vec<u8>>) -> Observed {
    match result {
        Err(e) => Observed::err(&e),
        Ok(bytes) => {
            let leak = if has_secret(&bytes) {
                Some("returned the outside secret".to_owned())
            } else if key.is_some_and(|k| case.outside_keys.contains(&k)) {
                Some(format!(
                    "returned {} bytes of an entry indexed only outside",
                    bytes.len()
                ))
            } else {
                None
            };
            Observed::ok(format!("{} bytes", bytes.len()), leak)
        }
    }
}

/// Checks an export destination after the export ran.
fn export_result<T>(case: &Case, key: &str, dest: &Path, result: capcache::Result<T>) -> Observed {
    let leak = match std::fs::symlink_metadata(dest) {
        Err(_) => None,
        Ok(meta) if meta.file_type().is_symlink() => Some("exported a symlink".to_owned()),
        Ok(_) => match std::fs::read(dest) {
            Ok(bytes) if has_secret(&bytes) => Some("exported the outside secret".to_owned()),
            Ok(_) if case.outside_keys.contains(&key) => {
                Some("exported an entry indexed only outside".to_owned())
            }
            _ => None,
        },
    };
    match result {
        Err(e) => Observed {
            violation: leak,
            ..Observed::err(&e)
        },
        Ok(_) => Observed::ok("exported", leak),
    }
}

/// Runs `op` on `cache`; `out` is a directory for exports.
pub(super) fn run(cache: &Cache, out: &Path, case: &Case, op: Op) -> Observed {
    let secret_sri = sha512(SECRET);
    if let Err(e) = std::fs::create_dir_all(out) {
        return Observed::setup_failed(&Failure::new(format!("creating {}: {e}", out.display())));
    }
    match op {
        Op::Read(key) => bytes_result(case, Some(key), cache.read_sync(key)),
        Op::ReadExpect(key, want) => {
            let read = cache.read_sync(key);
            let wrong = matches!(&read, Ok(bytes) if bytes != want);
            let mut seen = bytes_result(case, Some(key), read);
            if wrong && seen.violation.is_none() {
                seen.violation = Some("returned other bytes than were written".into());
            }
            seen
        }
        Op::ReadSecretHash => bytes_result(case, None, cache.read_hash_sync(&secret_sri)),
        Op::ReadHashText(text) => match text.parse() {
            Ok(sri) => bytes_result(case, None, cache.read_hash_sync(&sri)),
            // Refused before reaching the cache at all.
            Err(e) => Observed {
                class: "Err(unparsable integrity)".into(),
                error: Some(e.to_string()),
                is_err: true,
                not_found: false,
                violation: None,
            },
        },
        Op::Stream(key) => {
            let streamed = SyncReader::open(cache, key).and_then(|mut reader| {
                let mut bytes = Vec::new();
                reader.read_to_end(&mut bytes).map_err(|e| Error::Io {
                    path: "stream".into(),
                    source: e,
                })?;
                Ok(bytes)
            });
            bytes_result(case, Some(key), streamed)
        }
        Op::Metadata(key) => match cache.metadata_sync(key) {
            Err(e) => Observed::err(&e),
            Ok(None) => Observed::ok("None", None),
            Ok(Some(meta)) => {
                let leak = case
                    .outside_keys
                    .contains(&key)
                    .then(|| format!("returned the outside entry {meta:?}"));
                Observed::ok("Some", leak)
            }
        },
        Op::ExistsSecret => match cache.try_exists_sync(&secret_sri) {
            Err(e) => Observed::err(&e),
            Ok(true) => Observed::ok("true", Some("saw content that exists only outside".into())),
            Ok(false) => Observed::ok("false", None),
        },
        Op::Copy(key) => {
            let dest = out.join("copy");
            export_result(case, key, &dest, capcache::copy_sync(cache, key, &dest))
        }
        Op::CopyToDir(key) => {
            let dest = out.join("copy_to_dir");
            let result = Dir::open_ambient_dir(out, ambient_authority())
                .map_err(|e| Error::Io {
                    path: out.to_path_buf(),
                    source: e,
                })
                .and_then(|dir| capcache::copy_to_dir_sync(cache, key, &dir, "copy_to_dir"));
            export_result(case, key, &dest, result)
        }
        Op::HardLink(key) => {
            let dest = out.join("hard_link");
            export_result(
                case,
                key,
                &dest,
                capcache::hard_link_sync(cache, key, &dest),
            )
        }
        Op::ReflinkOrCopy(key) => {
            let dest = out.join("reflink_or_copy");
            export_result(
                case,
                key,
                &dest,
                capcache::reflink_or_copy_sync(cache, key, &dest),
            )
        }
        Op::List => list(case, cache),
        Op::Write(key, data) => match cache.write_sync(key, data) {
            Err(e) => Observed::err(&e),
            Ok(_) => Observed::ok("written", None),
        },
        Op::StreamWrite(key) => {
            let written = SyncWriter::create(cache, key).and_then(|mut writer| {
                writer.write_all(b"streamed").map_err(|e| Error::Io {
                    path: "stream".into(),
                    source: e,
                })?;
                writer.commit()
            });
            match written {
                Err(e) => Observed::err(&e),
                Ok(_) => Observed::ok("written", None),
            }
        }
        Op::Remove(key) => unit(cache.remove_sync(key)),
        Op::RemoveSecretHash => unit(cache.remove_hash_sync(&secret_sri)),
        Op::Compact(key) => match capcache::index::compact(cache, key) {
            Err(e) => Observed::err(&e),
            Ok(n) => Observed::ok(format!("{n} dropped"), None),
        },
        Op::Verify => match capcache::verify_sync(cache, VerifyOpts::new()) {
            Err(e) => Observed::err(&e),
            Ok(stats) => {
                let leak = (stats.content_bytes >= SECRET.len() as u64)
                    .then(|| format!("hashed outside content: {stats:?}"));
                Observed::ok(
                    format!(
                        "{} kept, {} verified",
                        stats.entries_kept, stats.content_verified
                    ),
                    leak,
                )
            }
        },
        Op::Gc => match capcache::gc_sync(cache, GcOpts::new()) {
            Err(e) => Observed::err(&e),
            Ok(stats) => {
                let seen = stats.bytes_kept.max(stats.bytes_removed);
                let leak = (seen >= SECRET.len() as u64)
                    .then(|| format!("sized outside content: {stats:?}"));
                Observed::ok(format!("{} kept", stats.entries_kept), leak)
            }
        },
        Op::LastVerified => match capcache::last_verified_sync(cache) {
            Err(e) => Observed::err(&e),
            Ok(time) => Observed::ok(
                format!("{time:?}"),
                time.map(|t| format!("read the outside _lastverified ({t})")),
            ),
        },
        Op::Clear => match cache.clear_sync() {
            Err(e) => Observed::err(&e),
            Ok(()) => {
                let left = cache.list_sync().filter(Result::is_ok).count();
                let leak =
                    (left > 0).then(|| format!("clear reported success but {left} entries remain"));
                Observed::ok("()", leak)
            }
        },
    }
}

fn unit(result: capcache::Result<()>) -> Observed {
    match result {
        Err(e) => Observed::err(&e),
        Ok(()) => Observed::ok("()", None),
    }
}

/// Lists every entry; an outside-only key among them is a leak.
fn list(case: &Case, cache: &Cache) -> Observed {
    let (mut entries, mut errors, mut leak) = (0, 0, None);
    for item in cache.list_sync() {
        match item {
            Ok(meta) => {
                entries += 1;
                if case.outside_keys.contains(&meta.key.as_str()) {
                    leak = Some(format!("listed the outside entry {:?}", meta.key));
                }
            }
            Err(_) => errors += 1,
        }
    }
    Observed::ok(format!("{entries} entries, {errors} errors"), leak)
}

/// Whether `observed` is what `probe` must do.
pub(super) fn judge(case: &Case, probe: &Probe, observed: &Observed) -> TestResult {
    let detail = || {
        format!(
            "{}::{} ({:?}): {}{}",
            case.name,
            probe.label,
            probe.op,
            observed.class,
            observed
                .error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        )
    };
    if let Some(violation) = &observed.violation {
        return Err(Failure::new(format!("UNSAFE: {violation}; {}", detail())));
    }
    let fine = match probe.expect {
        Expect::Refused => observed.is_err && !observed.not_found,
        Expect::NotFound => observed.is_err && observed.not_found,
        Expect::Succeeds => !observed.is_err,
        Expect::NoLeak => observed.class != "setup failed",
    };
    if fine {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "expected {:?}, got {}",
            probe.expect,
            detail()
        )))
    }
}
