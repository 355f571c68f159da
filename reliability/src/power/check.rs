//! Checking one crash state: what each key may read, and the reads,
//! `verify` and reads again on the materialized cache.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Duration;

use capcache::{Cache, VerifyOpts};
use capcache_test_support::fs::tmp_entries;

use super::trace::Mark;
use crate::{values, variant};

/// A key's state: absent, or the value `(version, len)`.
pub type State = Option<(u64, usize)>;

/// What each key may read after a crash: the state of its last
/// acknowledged operation (or its state before the run), or the state of
/// an operation on it that had begun but not been acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The state acknowledged last (must read unless `pending` did).
    pub acked: State,
    /// States of operations begun after that acknowledgment.
    pub pending: Vec<State>,
}

/// The allowed states of every key, from the keys' states before the run
/// and the marks a crash must honour (in order).
pub fn allowed<'m>(
    before: &BTreeMap<String, State>,
    marks: impl Iterator<Item = &'m Mark>,
) -> BTreeMap<String, Allowed> {
    let mut out: BTreeMap<String, Allowed> = before
        .iter()
        .map(|(k, s)| {
            (
                k.clone(),
                Allowed {
                    acked: *s,
                    pending: Vec::new(),
                },
            )
        })
        .collect();
    let mut begun: BTreeMap<u64, (String, State)> = BTreeMap::new();
    for mark in marks {
        match mark {
            Mark::Begin {
                id,
                op,
                key,
                version,
                len,
            } => {
                let state = match op.as_str() {
                    "Write" | "Stream" | "Rewrite" => Some((*version, *len)),
                    "Remove" => None,
                    _ => continue,
                };
                begun.insert(*id, (key.clone(), state));
                let entry = out.entry(key.clone()).or_insert(Allowed {
                    acked: None,
                    pending: Vec::new(),
                });
                entry.pending.push(state);
            }
            Mark::Ack { id } => {
                if let Some((key, state)) = begun.remove(id) {
                    if let Some(entry) = out.get_mut(&key) {
                        entry.acked = state;
                        entry.pending.clear();
                    }
                }
            }
        }
    }
    out
}

/// A broken promise found in one crash state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A key reads neither its acknowledged state nor a pending one: an
    /// acknowledged operation was lost (`found` says what it read instead).
    Lost {
        key: String,
        allowed: Allowed,
        found: String,
    },
    /// A key read bytes that were never written under it.
    ForeignBytes { key: String, len: usize },
    /// Opening the cache or `verify` failed, or `verify` changed what a
    /// key reads, or left temp files.
    Recovery(String),
    /// The library panicked.
    Panic(String),
    /// The recorded steps did not apply to the model (a bug of the
    /// checker, not of the cache).
    Model(String),
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::Lost {
                key,
                allowed,
                found,
            } => write!(
                f,
                "{key} lost its acknowledged state {:?} (pending {:?}): read {found}",
                allowed.acked, allowed.pending
            ),
            Violation::ForeignBytes { key, len } => {
                write!(f, "{key} read {len} bytes never written under it")
            }
            Violation::Recovery(m) => write!(f, "recovery: {m}"),
            Violation::Panic(m) => write!(f, "panic: {m}"),
            Violation::Model(m) => write!(f, "checker: {m}"),
        }
    }
}

/// Reads every key: its state, or a violation.
fn read_all(cache: &Cache, allowed: &BTreeMap<String, Allowed>) -> Result<Vec<State>, Violation> {
    let mut out = Vec::new();
    for (key, allow) in allowed {
        let found: Result<State, String> = match cache.read_sync(key) {
            Ok(bytes) => match values::parse(&bytes) {
                Some((k, v)) if &k == key => Ok(Some((v, bytes.len()))),
                _ => {
                    return Err(Violation::ForeignBytes {
                        key: key.clone(),
                        len: bytes.len(),
                    })
                }
            },
            Err(capcache::Error::EntryNotFound { .. }) => Ok(None),
            Err(e) => Err(format!("{} error: {e}", variant(&e))),
        };
        match found {
            Ok(s) if s == allow.acked || allow.pending.contains(&s) => out.push(s),
            other => {
                return Err(Violation::Lost {
                    key: key.clone(),
                    allowed: allow.clone(),
                    found: match other {
                        Ok(s) => format!("{s:?}"),
                        Err(e) => e,
                    },
                })
            }
        }
    }
    Ok(out)
}

/// Checks the cache materialized at `root`: every key reads an allowed
/// state; a zero-grace `verify` succeeds, leaves `tmp/` empty and changes
/// no key's state.
pub fn check(root: &Path, allowed: &BTreeMap<String, Allowed>) -> Result<(), Violation> {
    let run = || -> Result<(), Violation> {
        let cache = Cache::open(root).map_err(|e| Violation::Recovery(format!("open: {e}")))?;
        let first = read_all(&cache, allowed)?;
        capcache::verify_sync(&cache, VerifyOpts::new().grace(Duration::ZERO))
            .map_err(|e| Violation::Recovery(format!("verify: {} {e}", variant(&e))))?;
        let left = tmp_entries(root);
        if !left.is_empty() {
            return Err(Violation::Recovery(format!("tmp/ after verify: {left:?}")));
        }
        let second = read_all(&cache, allowed)?;
        if first != second {
            return Err(Violation::Recovery(format!(
                "verify changed the keys' states from {first:?} to {second:?}"
            )));
        }
        Ok(())
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(panic) => Err(Violation::Panic(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        )),
    }
}
