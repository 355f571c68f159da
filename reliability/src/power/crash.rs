//! Crash states of a recorded run under the ext4 `data=ordered` model (see
//! the [module docs](super) for the rules), and their materialization into
//! a directory.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;

use super::trace::{Ino, Mark, Op, Snapshot, Step};

/// One crash state: the metadata prefix `prefix` (operations `0..prefix`
/// persisted, in order) and, per file with data that was not yet durable,
/// how many of its droppable writes persisted (`keep`, the rest dropped as
/// a suffix) and whether the first dropped one left a prefix of its bytes
/// (`torn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashState {
    /// Operations `0..prefix` of the metadata persisted.
    pub prefix: usize,
    /// Per inode: `(keep, torn)`; inodes not named keep every write.
    pub cuts: BTreeMap<Ino, (usize, Option<usize>)>,
}

/// The crash model of one recorded run.
pub struct Model<'a> {
    steps: &'a [Step],
    snapshot: &'a Snapshot,
    /// Per `fsync` step: the metadata prefix it forces (one past the last
    /// step before it that touched its inode).
    forced: Vec<(usize, usize)>,
}

impl<'a> Model<'a> {
    /// The model of `steps` run on `snapshot`.
    pub fn new(steps: &'a [Step], snapshot: &'a Snapshot) -> Model<'a> {
        let mut last_touch: HashMap<Ino, usize> = HashMap::new();
        let mut last_data: HashMap<Ino, usize> = HashMap::new();
        let mut forced = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            if let Op::Fsync { ino, data_only, .. } = &step.op {
                let seen = if *data_only { &last_data } else { &last_touch };
                forced.push((i, seen.get(ino).map_or(0, |&t| t + 1)));
            }
            for &ino in &step.touches {
                last_touch.insert(ino, i);
                if matches!(step.op, Op::Write { .. } | Op::Truncate { .. }) {
                    last_data.insert(ino, i);
                }
            }
        }
        Model {
            steps,
            snapshot,
            forced,
        }
    }

    /// The number of steps (prefixes run from 0 to this, inclusive).
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the run recorded no step.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The latest moment a crash can leave metadata prefix `prefix`: the
    /// first `fsync` that forces a longer prefix (the crash came before it
    /// returned), or the end of the run.
    pub fn latest_crash(&self, prefix: usize) -> usize {
        self.forced
            .iter()
            .find(|&&(_, forced)| forced > prefix)
            .map_or(self.steps.len(), |&(at, _)| at)
    }

    /// Per inode, the writes of prefix `prefix` a crash may drop (step
    /// indices, in order): those after the inode's last `fsync` before
    /// [`latest_crash`](Self::latest_crash).
    pub fn droppable(&self, prefix: usize) -> BTreeMap<Ino, Vec<usize>> {
        let crash = self.latest_crash(prefix);
        let mut synced: HashMap<Ino, usize> = HashMap::new();
        for (i, step) in self.steps[..crash].iter().enumerate() {
            if let Op::Fsync { ino, .. } = step.op {
                synced.insert(ino, i);
            }
        }
        let mut out: BTreeMap<Ino, Vec<usize>> = BTreeMap::new();
        for (i, step) in self.steps[..prefix].iter().enumerate() {
            if let Op::Write { ino, .. } = step.op {
                if synced.get(&ino).is_none_or(|&s| i > s) {
                    out.entry(ino).or_default().push(i);
                }
            }
        }
        out
    }

    /// The marks a crash at prefix `prefix` must honour: every mark before
    /// its [latest crash](Self::latest_crash) (acknowledged operations
    /// must be there; begun ones may be).
    pub fn marks_before(&self, prefix: usize) -> impl Iterator<Item = &Mark> {
        self.steps[..self.latest_crash(prefix)]
            .iter()
            .filter_map(|s| match &s.op {
                Op::Mark(m) => Some(m),
                _ => None,
            })
    }

    /// The tree a crash state leaves. Errors if the steps do not apply (a
    /// bug of the model, not of the cache).
    pub fn tree(&self, state: &CrashState) -> Result<Tree<'_>, String> {
        let droppable = self.droppable(state.prefix);
        let mut ordinal: HashMap<usize, usize> = HashMap::new();
        for writes in droppable.values() {
            for (n, &i) in writes.iter().enumerate() {
                ordinal.insert(i, n);
            }
        }
        let mut names: BTreeMap<String, Ino> = BTreeMap::new();
        let mut nodes: HashMap<Ino, Node> = HashMap::new();
        for (ino, (path, bytes)) in self.snapshot.entries.iter().enumerate() {
            names.insert(path.clone(), ino);
            let node = match bytes {
                None => Node::Dir,
                Some(_) => Node::File {
                    base: Some(ino),
                    edits: Vec::new(),
                },
            };
            nodes.insert(ino, node);
        }
        let missing = |p: &str| format!("model: {p:?} missing");
        let under = |root: &str, p: &str| p == root || p.starts_with(&format!("{root}/"));
        for (i, step) in self.steps[..state.prefix].iter().enumerate() {
            match &step.op {
                Op::Create { path, ino } => {
                    names.insert(path.clone(), *ino);
                    let file = Node::File {
                        base: None,
                        edits: Vec::new(),
                    };
                    nodes.insert(*ino, file);
                }
                Op::Mkdir { path, ino } => {
                    names.insert(path.clone(), *ino);
                    nodes.insert(*ino, Node::Dir);
                }
                Op::Link { from, to } => {
                    let ino = *names.get(from).ok_or_else(|| missing(from))?;
                    names.insert(to.clone(), ino);
                }
                Op::Unlink { path } | Op::Rmdir { path } => {
                    names.remove(path).ok_or_else(|| missing(path))?;
                }
                Op::Rename { from, to } => {
                    let moved: Vec<(String, Ino)> = names
                        .iter()
                        .filter(|(p, _)| under(from, p))
                        .map(|(p, &i)| (p.clone(), i))
                        .collect();
                    if moved.is_empty() {
                        return Err(missing(from));
                    }
                    names.retain(|p, _| !under(to, p) && !under(from, p));
                    for (p, ino) in moved {
                        names.insert(format!("{to}{}", &p[from.len()..]), ino);
                    }
                }
                Op::Truncate { ino, len } => {
                    if let Some(Node::File { edits, .. }) = nodes.get_mut(ino) {
                        edits.push(Edit::Truncate(*len));
                    }
                }
                Op::Write { ino, data, .. } => {
                    let take = match (ordinal.get(&i), state.cuts.get(ino)) {
                        (Some(&n), Some(&(keep, torn))) if n >= keep => match torn {
                            Some(torn) if n == keep => torn.min(data.len()),
                            _ => 0,
                        },
                        _ => data.len(),
                    };
                    if take == 0 {
                        continue;
                    }
                    match nodes.get_mut(ino) {
                        Some(Node::File { edits, .. }) => edits.push(Edit::Write { step: i, take }),
                        _ => return Err(format!("model: write to inode {ino}, not a file")),
                    }
                }
                Op::Fsync { .. } | Op::Mark(_) => {}
            }
        }
        let entries = names
            .into_iter()
            .map(|(path, ino)| {
                let node = nodes.get(&ino).cloned().ok_or_else(|| missing(&path))?;
                Ok((path, node))
            })
            .collect::<Result<_, String>>()?;
        Ok(Tree {
            entries,
            model: self,
        })
    }
}

/// What a name holds in a crash state: a directory, or a file described by
/// how to rebuild its bytes (cheap to hash and compare; the bytes are made
/// only when the state is materialized).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
    Dir,
    File {
        /// The snapshot entry it started as, if any.
        base: Option<usize>,
        /// Writes and truncations applied since, in order.
        edits: Vec<Edit>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Edit {
    /// The first `take` bytes of the write at step `step`.
    Write {
        step: usize,
        take: usize,
    },
    Truncate(u64),
}

/// The tree a crash state leaves, by path (sorted: a directory before what
/// it holds).
pub struct Tree<'a> {
    entries: BTreeMap<String, Node>,
    model: &'a Model<'a>,
}

impl Tree<'_> {
    /// A hash of the tree (names and how each file's bytes are made), to
    /// skip states already checked.
    pub fn digest(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.entries.hash(&mut h);
        h.finish()
    }

    /// Writes the tree under `dest` (which must not exist yet).
    pub fn materialize(&self, dest: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dest)?;
        for (path, node) in &self.entries {
            let Node::File { base, edits } = node else {
                if !path.is_empty() {
                    std::fs::create_dir(dest.join(path))?;
                }
                continue;
            };
            let mut bytes = base
                .and_then(|b| self.model.snapshot.entries[b].1.clone())
                .unwrap_or_default();
            for edit in edits {
                match *edit {
                    Edit::Truncate(len) => bytes.resize(len as usize, 0),
                    Edit::Write { step, take } => {
                        if let Op::Write { offset, data, .. } = &self.model.steps[step].op {
                            let start = *offset as usize;
                            if bytes.len() < start + take {
                                bytes.resize(start + take, 0);
                            }
                            bytes[start..start + take].copy_from_slice(&data[..take]);
                        }
                    }
                }
            }
            std::fs::write(dest.join(path), bytes)?;
        }
        Ok(())
    }
}

/// The crash states the checker visits for one prefix: every droppable
/// write kept, every one dropped, and `random` more with a random kept
/// count and tear per file.
pub fn states_for(
    model: &Model,
    prefix: usize,
    random: usize,
    rng: &mut fastrand::Rng,
) -> Vec<CrashState> {
    let droppable = model.droppable(prefix);
    let mut out = vec![CrashState {
        prefix,
        cuts: BTreeMap::new(),
    }];
    if droppable.is_empty() {
        return out;
    }
    out.push(CrashState {
        prefix,
        cuts: droppable.keys().map(|&ino| (ino, (0, None))).collect(),
    });
    for _ in 0..random {
        let cuts = droppable
            .iter()
            .map(|(&ino, writes)| {
                let keep = rng.usize(..=writes.len());
                let torn = (keep < writes.len() && rng.bool()).then(|| {
                    let len = match &model.steps[writes[keep]].op {
                        Op::Write { data, .. } => data.len(),
                        _ => 0,
                    };
                    rng.usize(..len.max(1))
                });
                (ino, (keep, torn))
            })
            .collect();
        out.push(CrashState { prefix, cuts });
    }
    out
}
