//! Planting the hostile caches on the host, and snapshotting what lies
//! outside them (native Unix only: planting needs symlinks).
//!
//! The index lines are written here with npm's hashes computed
//! independently of capcache, and every planted link is checked by
//! following it with plain `std::fs`: a probe that is refused is refused
//! because of the sandbox, not because the planting was wrong.
//!
//! Layout under a base directory:
//!
//! ```text
//! base/outside/secret.txt          the secret (SECRET)
//! base/outside/<case>/…            outside halves of each case
//! base/preopen/<case>/cache/       the hostile cache (guest: /cache/<case>/cache)
//! base/preopen/<case>/out/         export destinations
//! base/preopen/<case>/sibling/     the secret inside the preopen (sibling cases)
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use capcache_test_support::format::{self, entry_json, sha256_hex, sha512, sharded, Index};

use super::{case_dirs, cases, path_like, Case, Kind, INSIDE, PLANTED_KEY, SECRET, SECRET_KEY};

/// Where a planting lives.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The directory holding `outside/` and `preopen/`.
    pub base: PathBuf,
    /// The directory to preopen as `/cache` (the probes' root).
    pub preopen: PathBuf,
    /// Everything that must not change or be read.
    pub outside: PathBuf,
}

/// Plants every case of [`cases`] under `base` (which should be empty).
pub fn plant_all(base: &Path) -> io::Result<Planted> {
    let base = fs::canonicalize(base)?;
    let planted = Planted {
        preopen: base.join("preopen"),
        outside: base.join("outside"),
        base,
    };
    fs::create_dir_all(&planted.outside)?;
    fs::write(planted.outside.join("secret.txt"), SECRET)?;
    for case in cases() {
        plant_case(&planted, &case)?;
    }
    Ok(planted)
}

/// npm's bucket path (under `index-v5`) for `key`: SHA-256 of the key.
pub fn bucket_rel(key: &str) -> PathBuf {
    sharded(&format::key_hash(Index::Npm, key))
}

/// The content path (under `content-v2`) of the secret.
fn secret_rel() -> PathBuf {
    Path::new("sha512").join(sharded(&sha512(SECRET).to_hex().1))
}

/// One npm index line (leading newline included): SHA-1 of the JSON, a
/// tab, the JSON.
pub fn index_line(key: &str, integrity: &str, size: usize) -> String {
    let json = entry_json(key, integrity, size as u64, &serde_json::Value::Null);
    format::index_line(Index::Npm, &json)
}

/// Writes `contents` at `path`, creating parents.
fn put(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents)
}

/// Makes `link` a symlink to `target`, creating the link's parents.
fn link(target: &Path, link: &Path) -> io::Result<()> {
    if let Some(parent) = link.parent() {
        fs::create_dir_all(parent)?;
    }
    symlink(target, link)
}

/// `../` enough times to climb from `dir` to `base`, then `rest`.
fn relative_from(dir: &Path, base: &Path, rest: &Path) -> io::Result<PathBuf> {
    let below = dir.strip_prefix(base).map_err(|_| {
        io::Error::other(format!("{} is not under {}", dir.display(), base.display()))
    })?;
    let ups = below
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count();
    Ok((0..ups)
        .map(|_| Path::new(".."))
        .collect::<PathBuf>()
        .join(rest))
}

/// Fails unless reading `path` (following links, as an ambient program
/// would) gives bytes containing `want`: proof that the planting is live.
fn check_live(path: &Path, want: &[u8]) -> io::Result<()> {
    let got = fs::read(path)?;
    if got.windows(want.len()).any(|w| w == want) {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "planted {} does not lead to the expected bytes",
            path.display()
        )))
    }
}

fn plant_case(planted: &Planted, case: &Case) -> io::Result<()> {
    let (cache, out) = case_dirs(&planted.preopen, case);
    fs::create_dir_all(&cache)?;
    fs::create_dir_all(&out)?;
    let outside = planted.outside.join(case.name);
    let sibling = cache.parent().unwrap_or(&cache).join("sibling");
    let secret = planted.outside.join("secret.txt");
    let secret_line = index_line(SECRET_KEY, &sha512(SECRET).to_string(), SECRET.len());
    let planted_line = index_line(PLANTED_KEY, &sha512(INSIDE).to_string(), INSIDE.len());
    let index = cache.join("index-v5");
    let content = cache.join("content-v2");
    let inside_content = || {
        put(
            &content
                .join("sha512")
                .join(sharded(&sha512(INSIDE).to_hex().1)),
            INSIDE,
        )
    };
    match case.kind {
        Kind::ContentLinkAbsolute | Kind::ContentLinkRelative | Kind::ContentLinkGuestPath => {
            put(&index.join(bucket_rel(SECRET_KEY)), secret_line.as_bytes())?;
            let at = content.join(secret_rel());
            let target = match case.kind {
                Kind::ContentLinkAbsolute => secret.clone(),
                Kind::ContentLinkRelative => {
                    let parent = at.parent().unwrap_or(&cache);
                    relative_from(parent, &planted.base, Path::new("outside/secret.txt"))?
                }
                _ => PathBuf::from("/cache/../outside/secret.txt"),
            };
            link(&target, &at)?;
            if case.kind != Kind::ContentLinkGuestPath {
                check_live(&at, SECRET)?;
            }
        }
        Kind::ContentShardLink | Kind::ContentShardSiblingLink => {
            // The shard's files lie in `away`, which the link names as `target`.
            let (away, target) = match case.kind {
                Kind::ContentShardLink => (outside.clone(), outside.clone()),
                // From content-v2/sha512/: up to the case directory.
                _ => (sibling.clone(), PathBuf::from("../../../sibling")),
            };
            put(&index.join(bucket_rel(SECRET_KEY)), secret_line.as_bytes())?;
            let rel = secret_rel();
            let mut parts = rel.iter();
            let (Some(algo), Some(shard)) = (parts.next(), parts.next()) else {
                return Err(io::Error::other("short content path"));
            };
            put(&away.join(parts.collect::<PathBuf>()), SECRET)?;
            link(&target, &content.join(algo).join(shard))?;
            check_live(&content.join(&rel), SECRET)?;
        }
        Kind::ContentAreaLink => {
            put(&index.join(bucket_rel(SECRET_KEY)), secret_line.as_bytes())?;
            put(&outside.join("content-v2").join(secret_rel()), SECRET)?;
            link(&outside.join("content-v2"), &content)?;
            check_live(&content.join(secret_rel()), SECRET)?;
        }
        Kind::BucketLink => {
            inside_content()?;
            put(&outside.join("bucket.txt"), planted_line.as_bytes())?;
            link(
                &outside.join("bucket.txt"),
                &index.join(bucket_rel(PLANTED_KEY)),
            )?;
            check_live(
                &index.join(bucket_rel(PLANTED_KEY)),
                planted_line.as_bytes(),
            )?;
        }
        Kind::IndexShardLink | Kind::IndexShardSiblingLink => {
            // As for content shards, one level less deep.
            let (away, target) = match case.kind {
                Kind::IndexShardLink => (outside.clone(), outside.clone()),
                // From index-v5/: up to the case directory.
                _ => (sibling.clone(), PathBuf::from("../../sibling")),
            };
            inside_content()?;
            let rel = bucket_rel(PLANTED_KEY);
            let mut parts = rel.iter();
            let Some(shard) = parts.next() else {
                return Err(io::Error::other("short bucket path"));
            };
            put(
                &away.join(parts.collect::<PathBuf>()),
                planted_line.as_bytes(),
            )?;
            link(&target, &index.join(shard))?;
            check_live(&index.join(&rel), planted_line.as_bytes())?;
        }
        Kind::IndexAreaLink => {
            inside_content()?;
            put(
                &outside.join("index-v5").join(bucket_rel(PLANTED_KEY)),
                planted_line.as_bytes(),
            )?;
            link(&outside.join("index-v5"), &index)?;
            check_live(
                &index.join(bucket_rel(PLANTED_KEY)),
                planted_line.as_bytes(),
            )?;
        }
        Kind::TmpAreaLink => {
            let stale = outside.join("tmp").join("0123456789abcdef");
            put(&stale, b"an old temp file that verify would sweep")?;
            let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 86_400);
            fs::File::options()
                .write(true)
                .open(&stale)?
                .set_modified(two_days_ago)?;
            link(&outside.join("tmp"), &cache.join("tmp"))?;
            check_live(&cache.join("tmp").join("0123456789abcdef"), b"old temp")?;
        }
        Kind::RootFileLinks => {
            put(&outside.join("lastverified.txt"), b"1700000000000")?;
            put(&outside.join("lock.txt"), b"must not be truncated")?;
            link(
                &outside.join("lastverified.txt"),
                &cache.join("_lastverified"),
            )?;
            link(&outside.join("lock.txt"), &index.join(".capcache.lock"))?;
            check_live(&cache.join("_lastverified"), b"1700000000000")?;
        }
        Kind::PathLikeEntries => {
            let secret_sri = sha512(SECRET).to_string();
            let lines = [
                (path_like::DOTDOT_INTEGRITY, path_like::DOTDOT_SRI),
                (path_like::ABSOLUTE_INTEGRITY, "/etc/passwd"),
                (path_like::ALGO_ABSOLUTE_INTEGRITY, "sha256-/etc/passwd"),
                (path_like::DOTDOT_KEY, secret_sri.as_str()),
                (path_like::ABSOLUTE_KEY, secret_sri.as_str()),
            ];
            for (key, integrity) in lines {
                let bucket = index.join(bucket_rel(key));
                let mut existing = fs::read(&bucket).unwrap_or_default();
                existing.extend_from_slice(index_line(key, integrity, SECRET.len()).as_bytes());
                put(&bucket, &existing)?;
            }
        }
    }
    Ok(())
}

/// What is recorded about one path in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A directory and its modification time.
    Dir(Option<SystemTime>),
    /// A file: length, SHA-256 of its bytes, modification time.
    File(u64, String, Option<SystemTime>),
    /// A symlink and its target.
    Link(PathBuf),
}

/// Every path under `dir` (not following links) with its [`Node`].
pub fn snapshot(dir: &Path) -> io::Result<BTreeMap<PathBuf, Node>> {
    let mut nodes = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let meta = fs::symlink_metadata(&at)?;
        let rel = at.strip_prefix(dir).unwrap_or(&at).to_path_buf();
        let node = if meta.file_type().is_symlink() {
            Node::Link(fs::read_link(&at)?)
        } else if meta.is_dir() {
            for entry in fs::read_dir(&at)? {
                stack.push(entry?.path());
            }
            Node::Dir(meta.modified().ok())
        } else {
            let digest = sha256_hex(&fs::read(&at)?);
            Node::File(meta.len(), digest, meta.modified().ok())
        };
        nodes.insert(rel, node);
    }
    Ok(nodes)
}

/// Describes how two snapshots differ (empty if they do not).
pub fn diff(before: &BTreeMap<PathBuf, Node>, after: &BTreeMap<PathBuf, Node>) -> Vec<String> {
    let mut changes = Vec::new();
    for (path, node) in before {
        match after.get(path) {
            None => changes.push(format!("removed {}", path.display())),
            Some(now) if now != node => {
                changes.push(format!("changed {}: {node:?} -> {now:?}", path.display()))
            }
            Some(_) => {}
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        changes.push(format!("created {}", path.display()));
    }
    changes
}
