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
    /// The crash came before step `crash`: every operation acknowledged
    /// before it must be present.
    pub crash: usize,
    /// Steps `0..prefix` are replayed: for [`Fs::Ext4Ordered`] the
    /// metadata prefix that persisted (from [`Model::ext4_floor`] up to
    /// `crash`), for [`Fs::DirSync`] `crash` itself.
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

    /// ext4: the shortest metadata prefix a crash before step `crash` can
    /// leave: what the fsyncs that returned before it forced.
    pub fn ext4_floor(&self, crash: usize) -> usize {
        self.forced
            .iter()
            .take_while(|&&(at, _)| at < crash)
            .map(|&(_, forced)| forced)
            .max()
            .unwrap_or(0)
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
        let droppable = self.droppable(state.prefix, state.crash);
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

/// The crash states the checker visits for a crash before step `crash`:
/// the mildest (the longest metadata prefix, every droppable write kept,
/// every directory change kept), the harshest (the shortest prefix, every
/// droppable write dropped, every directory back to its last `fsync`), and
/// `random` more with a random prefix (ext4) or floor per directory
/// (`DirSync`) and a random kept count and tear per file.
pub fn states_for(
    model: &Model,
    fs: Fs,
    crash: usize,
    random: usize,
    rng: &mut fastrand::Rng,
) -> Vec<CrashState> {
    let (floor, dir_floors): (usize, Vec<(Ino, usize)>) = match fs {
        Fs::Ext4Ordered => (model.ext4_floor(crash), Vec::new()),
        Fs::DirSync => (
            crash,
            model
                .dir_floors(crash)
                .into_iter()
                .filter(|&(_, (_, changed))| changed)
                .map(|(dir, (floor, _))| (dir, floor))
                .collect(),
        ),
    };
    // `rng`: random cuts; none: every droppable write kept (`mild`) or
    // dropped.
    let state =
        |prefix: usize, dirs: BTreeMap<Ino, usize>, mild: bool, rng: Option<&mut fastrand::Rng>| {
            let droppable = model.droppable(prefix, crash);
            let cuts = match rng {
                None if mild => BTreeMap::new(),
                None => droppable.keys().map(|&ino| (ino, (0, None))).collect(),
                Some(rng) => droppable
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
                    .collect(),
            };
            CrashState {
                fs,
                crash,
                prefix,
                dirs,
                cuts,
            }
        };
    let mut out = vec![
        state(crash, BTreeMap::new(), true, None),
        state(floor, dir_floors.iter().copied().collect(), false, None),
    ];
    for _ in 0..random {
        let prefix = rng.usize(floor..=crash);
        let dirs = dir_floors
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
        out.push(state(prefix, dirs, false, Some(rng)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Root (inode 0) holding `tmp/` (1); a file written in `tmp/`,
    /// synced, linked into the root, the root synced, acknowledged.
    fn run() -> (Snapshot, Vec<Step>) {
        let snapshot = Snapshot {
            entries: vec![("".into(), None), ("tmp".into(), None)],
        };
        let step = |op, touches: &[Ino], dirs: &[Ino]| Step {
            op,
            touches: touches.to_vec(),
            dirs: dirs.to_vec(),
        };
        let fsync = |ino, path: &str| Op::Fsync {
            ino,
            path: path.into(),
            data_only: false,
        };
        let steps = vec![
            step(
                Op::Create {
                    path: "tmp/a".into(),
                    ino: 2,
                },
                &[2, 1],
                &[1],
            ),
            step(
                Op::Write {
                    ino: 2,
                    offset: 0,
                    data: b"value".to_vec(),
                },
                &[2],
                &[],
            ),
            step(fsync(2, "tmp/a"), &[], &[]),
            step(
                Op::Link {
                    from: "tmp/a".into(),
                    to: "c".into(),
                    ino: 2,
                },
                &[2, 1, 0],
                &[0],
            ),
            step(fsync(0, ""), &[], &[]),
            step(Op::Mark(Mark::Ack { id: 0 }), &[], &[]),
        ];
        (snapshot, steps)
    }

    fn files(tree: &Tree) -> Vec<(String, Option<usize>)> {
        tree.entries
            .iter()
            .map(|(p, n)| {
                let len = match n {
                    Node::Dir => None,
                    Node::File { edits, .. } => Some(
                        edits
                            .iter()
                            .map(|e| match e {
                                Edit::Write { take, .. } => *take,
                                Edit::Truncate(_) => 0,
                            })
                            .sum(),
                    ),
                };
                (p.clone(), len)
            })
            .collect()
    }

    #[test]
    fn ext4_fsync_of_a_file_forces_the_prefix_up_to_its_last_write() {
        let (snapshot, steps) = run();
        let model = Model::new(&steps, &snapshot);
        // The file's fsync (step 2) forces its creation and write; the
        // root's (step 4) the link.
        let floors: Vec<usize> = (0..=6).map(|t| model.ext4_floor(t)).collect();
        assert_eq!(floors, vec![0, 0, 0, 2, 2, 4, 4]);
        // Before its fsync the write may be lost; after, it may not.
        assert_eq!(model.droppable(2, 2), BTreeMap::from([(2, vec![1])]));
        assert_eq!(model.droppable(2, 3), BTreeMap::new());
        let rng = &mut fastrand::Rng::with_seed(1);
        // A crash before the fsync: the harshest state lost the creation
        // too; one that kept it may have lost the data.
        let states = states_for(&model, Fs::Ext4Ordered, 2, 0, rng);
        assert_eq!(states.len(), 2);
        assert_eq!(
            files(&model.tree(&states[1]).unwrap()),
            vec![("".into(), None), ("tmp".into(), None)]
        );
        let created = CrashState {
            prefix: 2,
            cuts: BTreeMap::from([(2, (0, None))]),
            ..states[1].clone()
        };
        assert_eq!(
            files(&model.tree(&created).unwrap()),
            vec![
                ("".into(), None),
                ("tmp".into(), None),
                ("tmp/a".into(), Some(0))
            ]
        );
        // At the end: even the harshest state has the link and the data.
        let states = states_for(&model, Fs::Ext4Ordered, 6, 0, rng);
        assert_eq!((states[0].prefix, states[1].prefix), (6, 4));
        for state in &states {
            assert_eq!(
                files(&model.tree(state).unwrap()),
                vec![
                    ("".into(), None),
                    ("c".into(), Some(5)),
                    ("tmp".into(), None),
                    ("tmp/a".into(), Some(5))
                ]
            );
        }
    }

    #[test]
    fn dirsync_keeps_names_only_in_synced_directories() {
        let (snapshot, steps) = run();
        let model = Model::new(&steps, &snapshot);
        // `tmp/` changed and was never synced; the root was, after its link.
        assert_eq!(
            model.dir_floors(6),
            BTreeMap::from([(0, (4, false)), (1, (0, true))])
        );
        let states = states_for(&model, Fs::DirSync, 6, 0, &mut fastrand::Rng::with_seed(1));
        assert_eq!(states.len(), 2);
        // Harshest: the name in `tmp/` is lost, the synced link and the
        // synced data are not.
        assert_eq!(states[1].dirs, BTreeMap::from([(1, 0)]));
        assert_eq!(
            files(&model.tree(&states[1]).unwrap()),
            vec![
                ("".into(), None),
                ("c".into(), Some(5)),
                ("tmp".into(), None)
            ]
        );
        // Without the root's fsync, the link may be lost too.
        let unsynced: Vec<Step> = steps
            .iter()
            .filter(|s| !matches!(s.op, Op::Fsync { ino: 0, .. }))
            .cloned()
            .collect();
        let model = Model::new(&unsynced, &snapshot);
        let states = states_for(&model, Fs::DirSync, 5, 0, &mut fastrand::Rng::with_seed(1));
        assert_eq!(
            files(&model.tree(&states[1]).unwrap()),
            vec![("".into(), None), ("tmp".into(), None)]
        );
    }
}
