//! Crash states of a recorded run under two models (see the [module
//! docs](super) for the rules): ext4 `data=ordered` ([`Fs::Ext4Ordered`])
//! and a weaker one where only fsyncs order anything ([`Fs::DirSync`]),
//! and their materialization into a directory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;

use super::trace::{Ino, Mark, Op, Snapshot, Step};

/// Which file-system behaviour a crash state follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fs {
    /// ext4 `data=ordered`: metadata persists as a prefix, in program
    /// order; an `fsync` of an inode commits the journal up to the last
    /// operation that touched it.
    Ext4Ordered,
    /// Only what fsyncs promise by POSIX and Linux: an `fsync` of a file
    /// makes its data durable, an `fsync` of a directory its entries;
    /// each directory's entries persist as a prefix of that directory's
    /// changes, independently of every other directory (a rename is a
    /// removal in one and an insertion in the other, each persisting with
    /// its own directory).
    DirSync,
}

/// One crash state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashState {
    /// The model.
    pub fs: Fs,
    /// [`Fs::Ext4Ordered`]: steps `0..prefix` of the metadata persisted.
    /// [`Fs::DirSync`]: the crash came before step `prefix`.
    pub prefix: usize,
    /// [`Fs::DirSync`] only: per directory, its changes made before this
    /// step persisted (directories not named: all of them).
    pub dirs: BTreeMap<Ino, usize>,
    /// Per file whose data was not durable: how many of its droppable
    /// writes persisted (`keep`; the rest dropped as a suffix), and
    /// whether the first dropped one left a prefix of its bytes (`torn`).
    /// Files not named keep every write.
    pub cuts: BTreeMap<Ino, (usize, Option<usize>)>,
}

impl CrashState {
    /// The moment of the crash: every operation acknowledged before it
    /// must be present.
    pub fn crash(&self, model: &Model) -> usize {
        match self.fs {
            Fs::Ext4Ordered => model.latest_crash(self.prefix),
            Fs::DirSync => self.prefix,
        }
    }
}

/// The crash model of one recorded run.
pub struct Model<'a> {
    steps: &'a [Step],
    snapshot: &'a Snapshot,
    /// Per `fsync` step: the metadata prefix it forces on ext4 (one past
    /// the last step before it that touched its inode).
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

    /// ext4: the latest moment a crash can leave metadata prefix `prefix`:
    /// the first `fsync` that forces a longer prefix (the crash came
    /// before it returned), or the end of the run.
    pub fn latest_crash(&self, prefix: usize) -> usize {
        self.forced
            .iter()
            .find(|&&(_, forced)| forced > prefix)
            .map_or(self.steps.len(), |&(at, _)| at)
    }

    /// Per inode, the writes a crash at `crash` may drop (step indices, in
    /// order): those before `until` and after the inode's last `fsync`
    /// before `crash`.
    pub fn droppable(&self, until: usize, crash: usize) -> BTreeMap<Ino, Vec<usize>> {
        let mut synced: HashMap<Ino, usize> = HashMap::new();
        for (i, step) in self.steps[..crash].iter().enumerate() {
            if let Op::Fsync { ino, .. } = step.op {
                synced.insert(ino, i);
            }
        }
        let mut out: BTreeMap<Ino, Vec<usize>> = BTreeMap::new();
        for (i, step) in self.steps[..until].iter().enumerate() {
            if let Op::Write { ino, .. } = step.op {
                if synced.get(&ino).is_none_or(|&s| i > s) {
                    out.entry(ino).or_default().push(i);
                }
            }
        }
        out
    }

    /// [`Fs::DirSync`]: per directory changed before `crash`, the least it
    /// keeps (one past its last change before its last `fsync` before
    /// `crash`) and whether it changed since.
    pub fn dir_floors(&self, crash: usize) -> BTreeMap<Ino, (usize, bool)> {
        let mut last_change: HashMap<Ino, usize> = HashMap::new();
        let mut out: BTreeMap<Ino, (usize, bool)> = BTreeMap::new();
        for (i, step) in self.steps[..crash].iter().enumerate() {
            for &dir in &step.dirs {
                last_change.insert(dir, i);
                out.entry(dir).or_insert((0, false)).1 = true;
            }
            if let Op::Fsync { ino, .. } = step.op {
                if let Some(&last) = last_change.get(&ino) {
                    out.insert(ino, (last + 1, false));
                }
            }
        }
        out
    }

    /// The marks before step `crash` (acknowledged operations must be
    /// there; begun ones may be).
    pub fn marks_before(&self, crash: usize) -> impl Iterator<Item = &Mark> {
        self.steps[..crash].iter().filter_map(|s| match &s.op {
            Op::Mark(m) => Some(m),
            _ => None,
        })
    }

    /// The tree a crash state leaves. Errors if the steps do not apply (a
    /// bug of the model, not of the cache).
    pub fn tree(&self, state: &CrashState) -> Result<Tree<'_>, String> {
        let crash = state.crash(self);
        let droppable = self.droppable(state.prefix, crash);
        let mut ordinal: HashMap<usize, usize> = HashMap::new();
        for writes in droppable.values() {
            for (n, &i) in writes.iter().enumerate() {
                ordinal.insert(i, n);
            }
        }
        let strict = state.fs == Fs::Ext4Ordered;
        // Whether step `i`'s change to directory `dir` persisted (every
        // step replayed is before the prefix).
        let kept = |i: usize, dir: Ino| state.dirs.get(&dir).is_none_or(|&until| i < until);
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
            let dir = |n: usize| step.dirs.get(n).copied().unwrap_or(usize::MAX);
            match &step.op {
                Op::Create { path, ino } | Op::Mkdir { path, ino } => {
                    // The inode exists (another name may reach it); this
                    // name only if its directory kept the change.
                    let node = match step.op {
                        Op::Mkdir { .. } => Node::Dir,
                        _ => Node::File {
                            base: None,
                            edits: Vec::new(),
                        },
                    };
                    nodes.insert(*ino, node);
                    if kept(i, dir(0)) {
                        names.insert(path.clone(), *ino);
                    }
                }
                Op::Link { to, ino, .. } => {
                    if kept(i, dir(0)) {
                        names.insert(to.clone(), *ino);
                    }
                }
                Op::Unlink { path } | Op::Rmdir { path } => {
                    if kept(i, dir(0)) && names.remove(path).is_none() && strict {
                        return Err(missing(path));
                    }
                }
                Op::Rename { from, to, ino } => {
                    let (leave, enter) = (kept(i, dir(0)), kept(i, dir(1)));
                    if matches!(nodes.get(ino), Some(Node::Dir)) {
                        if !(leave && enter) {
                            return Err(format!("model: partial rename of directory {from:?}"));
                        }
                        let moved: Vec<(String, Ino)> = names
                            .iter()
                            .filter(|(p, _)| under(from, p))
                            .map(|(p, &i)| (p.clone(), i))
                            .collect();
                        names.retain(|p, _| !under(to, p) && !under(from, p));
                        for (p, ino) in moved {
                            names.insert(format!("{to}{}", &p[from.len()..]), ino);
                        }
                        continue;
                    }
                    if leave && names.remove(from).is_none() && strict {
                        return Err(missing(from));
                    }
                    if enter {
                        names.insert(to.clone(), *ino);
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
        // A name whose directory's own name was lost is unreachable.
        let dirs: BTreeSet<&String> = names
            .iter()
            .filter(|(_, ino)| matches!(nodes.get(ino), Some(Node::Dir)))
            .map(|(p, _)| p)
            .collect();
        let reachable = |path: &str| {
            let mut p = path;
            while let Some((parent, _)) = p.rsplit_once('/') {
                if !dirs.contains(&parent.to_owned()) {
                    return false;
                }
                p = parent;
            }
            path.is_empty() || dirs.contains(&String::new())
        };
        let mut entries = BTreeMap::new();
        for (path, ino) in &names {
            if !reachable(path) {
                continue;
            }
            let node = nodes.get(ino).cloned().ok_or_else(|| missing(path))?;
            entries.insert(path.clone(), node);
        }
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

/// The crash states the checker visits for one prefix (ext4) or crash
/// moment (`DirSync`): the mildest (every droppable write kept, every
/// directory's changes kept), the harshest (every droppable write dropped,
/// every directory back to its last `fsync`), and `random` more with a
/// random kept count and tear per file and, for `DirSync`, a random floor
/// per directory.
pub fn states_for(
    model: &Model,
    fs: Fs,
    prefix: usize,
    random: usize,
    rng: &mut fastrand::Rng,
) -> Vec<CrashState> {
    let base = CrashState {
        fs,
        prefix,
        dirs: BTreeMap::new(),
        cuts: BTreeMap::new(),
    };
    let crash = base.crash(model);
    let droppable = model.droppable(prefix, crash);
    // Directories with changes a crash may lose, and the least each keeps.
    let floors: Vec<(Ino, usize)> = match fs {
        Fs::Ext4Ordered => Vec::new(),
        Fs::DirSync => model
            .dir_floors(crash)
            .into_iter()
            .filter(|&(_, (_, changed))| changed)
            .map(|(dir, (floor, _))| (dir, floor))
            .collect(),
    };
    let mut out = vec![base.clone()];
    if droppable.is_empty() && floors.is_empty() {
        return out;
    }
    out.push(CrashState {
        dirs: floors.iter().copied().collect(),
        cuts: droppable.keys().map(|&ino| (ino, (0, None))).collect(),
        ..base.clone()
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
        let dirs = floors
            .iter()
            .map(|&(dir, floor)| {
                let until = match rng.u32(0..3) {
                    0 => floor,
                    1 => crash,
                    _ => rng.usize(floor..=crash),
                };
                (dir, until)
            })
            .collect();
        out.push(CrashState {
            dirs,
            cuts,
            ..base.clone()
        });
    }
    out
}
