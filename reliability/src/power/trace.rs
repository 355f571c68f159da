//! Recording a worker's file-system calls with `strace` and turning them
//! into the logical operations on the cache directory that a crash may or
//! may not persist ([`Op`]).
//!
//! The worker runs under `strace -f -y -xx`: `-y` prints the path behind
//! every descriptor (cap-std opens every path relative to a directory
//! descriptor, so `openat2(5</…/index-v5>, "ab/cd/…")` resolves to an
//! absolute path), `-xx` prints every string, paths and written bytes alike,
//! as `\xHH` escapes (so no quote, comma or bracket inside one can confuse
//! the parser), and a large `-s` keeps written buffers whole. Calls that
//! failed change nothing and are skipped. Which inode a descriptor writes
//! to is tracked here, from the opens (not from `-y`, which would show a
//! temp file under its later name).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

/// An inode of the traced cache: files and directories get numbers in the
/// order they are first seen (the snapshot's first).
pub type Ino = usize;

/// One logical operation on the cache directory, in the order the calls
/// returned. Paths are relative to the cache root (`""` is the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A new empty file (an open with `O_CREAT` of a missing name).
    Create { path: String, ino: Ino },
    /// A new directory.
    Mkdir { path: String, ino: Ino },
    /// A second name for inode `ino`.
    Link { from: String, to: String, ino: Ino },
    /// A name removed (`unlink`).
    Unlink { path: String },
    /// A directory removed.
    Rmdir { path: String },
    /// The name of inode `ino` moved, replacing what was at `to`.
    Rename { from: String, to: String, ino: Ino },
    /// A file's size set (`O_TRUNC`, `ftruncate`).
    Truncate { ino: Ino, len: u64 },
    /// Bytes written at `offset` (appends resolved to their offset).
    Write {
        ino: Ino,
        offset: u64,
        data: Vec<u8>,
    },
    /// `fsync` (or `fdatasync`, `data_only`) of a file or directory; `path`
    /// is its name then.
    Fsync {
        ino: Ino,
        path: String,
        data_only: bool,
    },
    /// A line the worker wrote to its log: where an operation began or
    /// was acknowledged among the cache's calls.
    Mark(Mark),
}

/// A worker log line (see the worker's `power` mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// `B`: operation `id` starts; `op` is `Write`, `Stream`, `Rewrite`,
    /// `Remove`, `Compact` or `Verify`; `version`/`len` name the value
    /// written.
    Begin {
        id: u64,
        op: String,
        key: String,
        version: u64,
        len: usize,
    },
    /// `A`: operation `id` returned `Ok`.
    Ack { id: u64 },
}

/// One operation with the inodes whose state it changes (for the
/// crash model: an `fsync` of an inode commits every metadata operation up
/// to the last one touching it).
#[derive(Debug, Clone)]
pub struct Step {
    /// The operation.
    pub op: Op,
    /// Inodes it changes: the file and the directories whose entries change.
    pub touches: Vec<Ino>,
    /// The directories whose entries it changes: one, or for a rename the
    /// one it leaves and the one it enters, in that order.
    pub dirs: Vec<Ino>,
}

/// What the cache directory held before the traced run: paths relative to
/// the root, sorted (parents before children), with files' bytes.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// `(path, None)` for a directory, `(path, Some(bytes))` for a file.
    pub entries: Vec<(String, Option<Vec<u8>>)>,
}

impl Snapshot {
    /// Reads the tree under `root` (the root itself is `""`). Symlinks and
    /// other special files are refused: the workload makes none.
    pub fn read(root: &Path) -> Result<Snapshot, TraceError> {
        let mut entries = vec![(String::new(), None)];
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let dir = std::fs::read_dir(root.join(&rel)).map_err(|e| err(&rel, e))?;
            for entry in dir {
                let entry = entry.map_err(|e| err(&rel, e))?;
                let path = rel.join(entry.file_name());
                let name = path.to_string_lossy().into_owned();
                let ty = entry.file_type().map_err(|e| err(&path, e))?;
                if ty.is_dir() {
                    entries.push((name, None));
                    stack.push(path);
                } else if ty.is_file() {
                    let bytes = std::fs::read(root.join(&path)).map_err(|e| err(&path, e))?;
                    entries.push((name, Some(bytes)));
                } else {
                    return Err(TraceError(format!("snapshot: {name} is not a file")));
                }
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Snapshot { entries })
    }
}

fn err(path: &Path, e: std::io::Error) -> TraceError {
    TraceError(format!("snapshot: {}: {e}", path.display()))
}

/// A trace that could not be run or understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError(pub String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

/// The calls traced: every one that can change a file or name, plus those
/// the parser needs to follow descriptors (`close`, `dup*`, `fcntl`,
/// `lseek`). Reads are left out (they change nothing and would fill the
/// trace with their bytes).
pub const TRACED: &str = "open,openat,openat2,creat,write,pwrite64,writev,pwritev,pwritev2,\
rename,renameat,renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,rmdir,symlink,symlinkat,\
fsync,fdatasync,sync,syncfs,ftruncate,truncate,fallocate,copy_file_range,sendfile,splice,\
close,close_range,lseek,dup,dup2,dup3,fcntl";

/// Whether an `strace` that can trace children is available here.
pub fn strace_available() -> bool {
    Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=none", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` under `strace`, writing the trace to `out`. Returns the
/// command's exit status (strace passes it through).
pub fn record(command: Command, out: &Path) -> Result<std::process::ExitStatus, TraceError> {
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let mut strace = Command::new("strace");
    strace
        .args([
            "-f",
            "-y",
            "-xx",
            "-qq",
            "-s",
            "1000000000",
            "-e",
            "signal=none",
        ])
        .arg("-e")
        .arg(format!("trace={TRACED}"))
        .arg("-o")
        .arg(out)
        .arg("--")
        .arg(program)
        .args(args);
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => strace.env(k, v),
            None => strace.env_remove(k),
        };
    }
    strace
        .status()
        .map_err(|e| TraceError(format!("run strace: {e}")))
}

/// What the parser knows about an open descriptor of the cache.
#[derive(Debug)]
struct OpenFile {
    ino: Ino,
    offset: u64,
    append: bool,
}

/// Parses a trace recorded by [`record`] of a run on the cache at `root`
/// (absolute, as the worker was given it) whose tree before the run was
/// `snapshot`; `log` is the worker's log file, whose writes become
/// [`Op::Mark`]s.
pub fn parse(
    text: &str,
    root: &Path,
    log: &Path,
    snapshot: &Snapshot,
) -> Result<Vec<Step>, TraceError> {
    let mut parser = Parser {
        root: root.to_string_lossy().into_owned(),
        log: log.to_string_lossy().into_owned(),
        names: BTreeMap::new(),
        dirs: Default::default(),
        sizes: HashMap::new(),
        fds: HashMap::new(),
        next_ino: 0,
        steps: Vec::new(),
    };
    for (path, bytes) in &snapshot.entries {
        let ino = parser.new_ino();
        parser.names.insert(path.clone(), ino);
        match bytes {
            None => {
                parser.dirs.insert(ino);
            }
            Some(b) => {
                parser.sizes.insert(ino, b.len() as u64);
            }
        }
    }
    let mut pending: HashMap<String, String> = HashMap::new();
    for (n, raw) in text.lines().enumerate() {
        let (pid, rest) = raw.split_once(' ').unwrap_or(("", raw));
        let rest = rest.trim_start();
        let call = if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid.to_owned(), head.to_owned());
            continue;
        } else if let Some(tail) = rest.strip_prefix("<... ") {
            let tail = tail
                .split_once(" resumed>")
                .map(|(_, t)| t)
                .ok_or_else(|| TraceError(format!("trace line {}: {raw}", n + 1)))?;
            let head = pending
                .remove(pid)
                .ok_or_else(|| TraceError(format!("trace line {}: resumed alone", n + 1)))?;
            // strace pads a short resumed line's result to a column:
            // `<... close resumed>)      = 0`.
            let tail = match tail.strip_prefix(')') {
                Some(result) => format!(") {}", result.trim_start()),
                None => tail.to_owned(),
            };
            format!("{head}{tail}")
        } else {
            rest.to_owned()
        };
        parser
            .call(&call)
            .map_err(|e| TraceError(format!("trace line {}: {e}: {call:.300}", n + 1)))?;
    }
    Ok(parser.steps)
}

struct Parser {
    root: String,
    log: String,
    /// The cache's names now (relative), as the calls left them.
    names: BTreeMap<String, Ino>,
    dirs: std::collections::HashSet<Ino>,
    sizes: HashMap<Ino, u64>,
    fds: HashMap<i64, Rc<RefCell<OpenFile>>>,
    next_ino: Ino,
    steps: Vec<Step>,
}

/// A decoded argument.
enum Arg {
    /// A descriptor with its `-y` path (`AT_FDCWD` is -100).
    Fd(i64, String),
    /// A string's bytes.
    Str(Vec<u8>),
    /// Anything else, as printed.
    Other(String),
}

impl Parser {
    fn new_ino(&mut self) -> Ino {
        self.next_ino += 1;
        self.next_ino - 1
    }

    fn push(&mut self, op: Op, touches: Vec<Ino>) -> Result<(), String> {
        let dirs = match &op {
            Op::Create { path, .. }
            | Op::Mkdir { path, .. }
            | Op::Unlink { path }
            | Op::Rmdir { path } => vec![self.parent_ino(path)?],
            Op::Link { to, .. } => vec![self.parent_ino(to)?],
            Op::Rename { from, to, .. } => vec![self.parent_ino(from)?, self.parent_ino(to)?],
            _ => Vec::new(),
        };
        self.steps.push(Step { op, touches, dirs });
        Ok(())
    }

    /// `abs` relative to the cache root, if inside it.
    fn rel(&self, abs: &str) -> Option<String> {
        let mut parts: Vec<&str> = Vec::new();
        for part in abs.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        let norm = format!("/{}", parts.join("/"));
        if norm == self.root {
            Some(String::new())
        } else {
            norm.strip_prefix(&format!("{}/", self.root))
                .map(str::to_owned)
        }
    }

    /// The path a `(dirfd, name)` pair names, relative to the root.
    fn at(&self, dir: &Arg, name: &Arg) -> Result<Option<String>, String> {
        let name = match name {
            Arg::Str(b) => String::from_utf8(b.clone()).map_err(|_| "non-UTF-8 path")?,
            _ => return Err("expected a path".into()),
        };
        let abs = if name.starts_with('/') {
            name
        } else {
            match dir {
                Arg::Fd(_, path) => format!("{path}/{name}"),
                _ => return Err("expected a directory descriptor".into()),
            }
        };
        Ok(self.rel(&abs))
    }

    fn ino(&self, path: &str) -> Result<Ino, String> {
        self.names
            .get(path)
            .copied()
            .ok_or_else(|| format!("{path:?} is not in the model of the cache"))
    }

    fn parent_ino(&self, path: &str) -> Result<Ino, String> {
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        self.ino(parent)
    }

    fn fd(&self, arg: &Arg) -> Option<Rc<RefCell<OpenFile>>> {
        match arg {
            Arg::Fd(n, _) => self.fds.get(n).cloned(),
            _ => None,
        }
    }

    fn call(&mut self, call: &str) -> Result<(), String> {
        let open = call.find('(').ok_or("no call")?;
        let name = &call[..open];
        let close = call.rfind(") = ").ok_or("no result")?;
        let ret_text = &call[close + 4..];
        let ret: i64 = parse_int(ret_text.split([' ', '<']).next().unwrap_or(""))
            .ok_or_else(|| format!("result {ret_text:?}"))?;
        if ret < 0 {
            return Ok(());
        }
        let args: Vec<Arg> = split_args(&call[open + 1..close])
            .into_iter()
            .map(decode_arg)
            .collect::<Result<_, _>>()?;
        let arg = |i: usize| args.get(i).ok_or_else(|| format!("argument {i} missing"));
        let cwd = Arg::Fd(-100, String::new());
        match name {
            "open" | "openat" | "openat2" | "creat" => {
                let (dir, path, flags) = match name {
                    "open" => (&cwd, arg(0)?, other(arg(1)?)),
                    "creat" => (&cwd, arg(0)?, "O_CREAT|O_WRONLY|O_TRUNC".to_owned()),
                    "openat" => (arg(0)?, arg(1)?, other(arg(2)?)),
                    _ => {
                        let how = other(arg(2)?);
                        let flags = how
                            .strip_prefix("{flags=")
                            .and_then(|s| s.split([',', '}']).next())
                            .unwrap_or("")
                            .to_owned();
                        (arg(0)?, arg(1)?, flags)
                    }
                };
                // A descriptor number is reused once closed: forget it.
                self.fds.remove(&ret);
                let Some(path) = self.at(dir, path)? else {
                    return Ok(());
                };
                let has = |f: &str| flags.split('|').any(|x| x == f);
                if has("O_PATH") {
                    return Ok(());
                }
                let ino = match self.names.get(&path) {
                    Some(&ino) => ino,
                    None if has("O_CREAT") => {
                        let ino = self.new_ino();
                        let parent = self.parent_ino(&path)?;
                        self.names.insert(path.clone(), ino);
                        self.sizes.insert(ino, 0);
                        self.push(Op::Create { path, ino }, vec![ino, parent])?;
                        ino
                    }
                    None => return Err(format!("opened {path:?}, unknown to the model")),
                };
                if has("O_TRUNC") && self.sizes.get(&ino).is_some_and(|&s| s > 0) {
                    self.sizes.insert(ino, 0);
                    self.push(Op::Truncate { ino, len: 0 }, vec![ino])?;
                }
                self.fds.insert(
                    ret,
                    Rc::new(RefCell::new(OpenFile {
                        ino,
                        offset: 0,
                        append: has("O_APPEND"),
                    })),
                );
            }
            "write" | "pwrite64" | "writev" | "pwritev" | "pwritev2" => {
                let mut data = match (name, arg(1)?) {
                    ("write" | "pwrite64", Arg::Str(b)) => b.clone(),
                    ("writev" | "pwritev" | "pwritev2", Arg::Other(iov)) => iov_bytes(iov)?,
                    _ => return Err("unexpected write buffer".into()),
                };
                if data.len() < ret as usize {
                    return Err("written buffer truncated in the trace (raise -s)".into());
                }
                data.truncate(ret as usize);
                let Some(file) = self.fd(arg(0)?) else {
                    if let Arg::Fd(_, path) = arg(0)? {
                        if *path == self.log {
                            self.log_lines(&data)?;
                        } else if self.rel(path).is_some() {
                            return Err(format!("write to untracked descriptor of {path:?}"));
                        }
                    }
                    return Ok(());
                };
                let mut file = file.borrow_mut();
                let size = self.sizes.get(&file.ino).copied().unwrap_or(0);
                let offset = match name {
                    "pwrite64" | "pwritev" | "pwritev2" => {
                        parse_int(&other(arg(3)?)).ok_or("offset")? as u64
                    }
                    _ if file.append => size,
                    _ => file.offset,
                };
                if !matches!(name, "pwrite64" | "pwritev" | "pwritev2") {
                    file.offset = offset + ret as u64;
                }
                let ino = file.ino;
                drop(file);
                self.sizes.insert(ino, size.max(offset + ret as u64));
                self.push(Op::Write { ino, offset, data }, vec![ino])?;
            }
            "lseek" => {
                if let Some(file) = self.fd(arg(0)?) {
                    file.borrow_mut().offset = ret as u64;
                }
            }
            "ftruncate" | "truncate" => {
                let ino = match name {
                    "ftruncate" => match self.fd(arg(0)?) {
                        Some(f) => f.borrow().ino,
                        None => return Ok(()),
                    },
                    _ => match self.at(&cwd, arg(0)?)? {
                        Some(p) => self.ino(&p)?,
                        None => return Ok(()),
                    },
                };
                let len = parse_int(&other(arg(1)?)).ok_or("length")? as u64;
                self.sizes.insert(ino, len);
                self.push(Op::Truncate { ino, len }, vec![ino])?;
            }
            "fsync" | "fdatasync" => {
                if let (Some(file), Arg::Fd(_, path)) = (self.fd(arg(0)?), arg(0)?) {
                    let ino = file.borrow().ino;
                    let path = self.rel(path).unwrap_or_default();
                    self.push(
                        Op::Fsync {
                            ino,
                            path,
                            data_only: name == "fdatasync",
                        },
                        vec![],
                    )?;
                }
            }
            "close" => {
                if let Arg::Fd(n, _) = arg(0)? {
                    self.fds.remove(n);
                }
            }
            "close_range" => {
                let lo = parse_int(&other(arg(0)?)).ok_or("close_range")?;
                let hi = parse_int(&other(arg(1)?)).unwrap_or(i64::MAX);
                self.fds.retain(|&fd, _| fd < lo || fd > hi);
            }
            "dup" | "dup2" | "dup3" | "fcntl" => {
                if name == "fcntl" && !other(arg(1)?).starts_with("F_DUPFD") {
                    return Ok(());
                }
                self.fds.remove(&ret);
                if let Some(file) = self.fd(arg(0)?) {
                    self.fds.insert(ret, file);
                }
            }
            "mkdir" | "mkdirat" => {
                let path = match name {
                    "mkdir" => self.at(&cwd, arg(0)?)?,
                    _ => self.at(arg(0)?, arg(1)?)?,
                };
                if let Some(path) = path {
                    let ino = self.new_ino();
                    let parent = self.parent_ino(&path)?;
                    self.names.insert(path.clone(), ino);
                    self.dirs.insert(ino);
                    self.push(Op::Mkdir { path, ino }, vec![ino, parent])?;
                }
            }
            "unlink" | "unlinkat" | "rmdir" => {
                let (path, dir) = match name {
                    "unlink" => (self.at(&cwd, arg(0)?)?, false),
                    "rmdir" => (self.at(&cwd, arg(0)?)?, true),
                    _ => (
                        self.at(arg(0)?, arg(1)?)?,
                        other(arg(2)?).contains("AT_REMOVEDIR"),
                    ),
                };
                if let Some(path) = path {
                    let ino = self.ino(&path)?;
                    let parent = self.parent_ino(&path)?;
                    self.names.remove(&path);
                    let op = match dir {
                        true => Op::Rmdir { path },
                        false => Op::Unlink { path },
                    };
                    self.push(op, vec![ino, parent])?;
                }
            }
            "link" | "linkat" | "rename" | "renameat" | "renameat2" => {
                let (from, to) = match name {
                    "link" | "rename" => (self.at(&cwd, arg(0)?)?, self.at(&cwd, arg(1)?)?),
                    _ => (self.at(arg(0)?, arg(1)?)?, self.at(arg(2)?, arg(3)?)?),
                };
                if name == "renameat2" && other(arg(4)?).contains("RENAME_EXCHANGE") {
                    return Err("RENAME_EXCHANGE is not modelled".into());
                }
                let (from, to) = match (from, to) {
                    (Some(f), Some(t)) => (f, t),
                    (None, None) => return Ok(()),
                    _ => return Err("a link or rename across the cache's border".into()),
                };
                let ino = self.ino(&from)?;
                let mut touches = vec![ino, self.parent_ino(&from)?, self.parent_ino(&to)?];
                touches.extend(self.names.get(&to).copied());
                if name.starts_with("link") {
                    self.names.insert(to.clone(), ino);
                    self.push(Op::Link { from, to, ino }, touches)?;
                } else {
                    // A directory moves with everything under it.
                    let moved: Vec<(String, Ino)> = self
                        .names
                        .range(from.clone()..)
                        .take_while(|(p, _)| **p == from || p.starts_with(&format!("{from}/")))
                        .map(|(p, &i)| (p.clone(), i))
                        .collect();
                    let gone: Vec<String> = self
                        .names
                        .range(to.clone()..)
                        .take_while(|(p, _)| **p == to || p.starts_with(&format!("{to}/")))
                        .map(|(p, _)| p.clone())
                        .collect();
                    for p in gone {
                        self.names.remove(&p);
                    }
                    for (p, i) in moved {
                        self.names.remove(&p);
                        self.names.insert(format!("{to}{}", &p[from.len()..]), i);
                    }
                    self.push(Op::Rename { from, to, ino }, touches)?;
                }
            }
            "sync" | "syncfs" => return Err(format!("{name} is not modelled")),
            _ => {
                // symlink, fallocate, copy_file_range, sendfile, splice: the
                // workload makes none inside the cache; refuse rather than
                // model them wrongly.
                let inside = args.iter().any(|a| match a {
                    Arg::Fd(_, p) => self.rel(p).is_some(),
                    Arg::Str(b) => std::str::from_utf8(b)
                        .ok()
                        .is_some_and(|s| self.rel(s).is_some()),
                    Arg::Other(_) => false,
                });
                if inside {
                    return Err(format!("{name} in the cache is not modelled"));
                }
            }
        }
        Ok(())
    }

    /// The worker's log lines in one write: `B …`/`A …` become marks.
    fn log_lines(&mut self, data: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(data).map_err(|_| "log not UTF-8")?;
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let num = |i: usize| -> Result<u64, String> {
                f.get(i)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("log line {line:?}"))
            };
            let mark = match f[0] {
                "B" if f.len() == 6 => Mark::Begin {
                    id: num(1)?,
                    op: f[2].to_owned(),
                    key: f[3].to_owned(),
                    version: num(4)?,
                    len: num(5)? as usize,
                },
                "A" => Mark::Ack { id: num(1)? },
                "S" => continue,
                _ => return Err(format!("worker log: {line}")),
            };
            self.push(Op::Mark(mark), vec![])?;
        }
        Ok(())
    }
}

fn other(arg: &Arg) -> String {
    match arg {
        Arg::Other(s) => s.clone(),
        Arg::Fd(n, _) => n.to_string(),
        Arg::Str(_) => String::new(),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Splits a call's arguments at top-level commas.
fn split_args(text: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' | '<' if !quoted => depth += 1,
            '}' | ']' | '>' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text.trim().is_empty() {
        out.push(text[start..].trim());
    }
    out
}

/// Decodes `\xHH` escapes (all `-xx` prints) and the few others.
fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            match bytes[i + 1] {
                b'x' if i + 3 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).map_err(|_| "escape")?;
                    out.push(u8::from_str_radix(hex, 16).map_err(|_| "escape")?);
                    i += 4;
                    continue;
                }
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'"' => out.push(b'"'),
                other => return Err(format!("escape \\{}", other as char)),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn decode_arg(text: &str) -> Result<Arg, String> {
    if let Some(body) = text.strip_prefix('"') {
        let body = body
            .strip_suffix('"')
            .ok_or("string truncated in the trace (raise -s)")?;
        return Ok(Arg::Str(unescape(body)?));
    }
    if let (Some(lt), true) = (text.find('<'), text.ends_with('>')) {
        let num = &text[..lt];
        let fd = match num {
            "AT_FDCWD" => -100,
            n => match n.parse() {
                Ok(n) => n,
                Err(_) => return Ok(Arg::Other(text.to_owned())),
            },
        };
        let path = String::from_utf8(unescape(&text[lt + 1..text.len() - 1])?)
            .map_err(|_| "non-UTF-8 descriptor path")?;
        return Ok(Arg::Fd(fd, path));
    }
    Ok(Arg::Other(text.to_owned()))
}

/// The bytes of a printed `iovec` array, in order.
fn iov_bytes(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for part in text.split("iov_base=\"").skip(1) {
        let end = part.find('"').ok_or("iovec truncated")?;
        out.extend(unescape(&part[..end])?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_at_calls_appends_and_marks() {
        let root = Path::new("/c");
        let snap = Snapshot {
            entries: vec![("".into(), None), ("tmp".into(), None)],
        };
        let hex = |s: &str| s.bytes().map(|b| format!("\\x{b:02x}")).collect::<String>();
        let trace = format!(
            "1 openat2({c}<{root}>, \"{t}\", {{flags=O_WRONLY|O_CREAT|O_EXCL, mode=0666}}, 24) = 5<{root}/{t}>\n\
             1 write(5<{root}/{t}>, \"{data}\", 3) = 3\n\
             1 write(9<{log}>, \"{ack}\", 4) = 4\n\
             2 fsync(5<{root}/{t}> <unfinished ...>\n\
             1 openat(AT_FDCWD<{root}>, \"{gone}\", O_RDONLY) = -1 ENOENT (No such file)\n\
             2 <... fsync resumed>)             = 0\n\
             1 renameat(4<{root}>, \"{t}\", 4<{root}>, \"{d}\") = 0\n\
             1 openat(4<{root}>, \"{d}\", O_WRONLY|O_APPEND) = 6<{root}/{d}>\n\
             1 write(6<{root}/{d}>, \"{data}\", 3) = 3\n",
            c = 3,
            root = hex("/c"),
            t = hex("tmp/x"),
            d = hex("y"),
            gone = hex("nope"),
            data = hex("abc"),
            log = hex("/log"),
            ack = hex("A 7\n"),
        );
        let steps = parse(&trace, root, Path::new("/log"), &snap).unwrap();
        let ops: Vec<Op> = steps.into_iter().map(|s| s.op).collect();
        assert_eq!(
            ops,
            vec![
                Op::Create {
                    path: "tmp/x".into(),
                    ino: 2
                },
                Op::Write {
                    ino: 2,
                    offset: 0,
                    data: b"abc".to_vec()
                },
                Op::Mark(Mark::Ack { id: 7 }),
                Op::Fsync {
                    ino: 2,
                    path: "tmp/x".into(),
                    data_only: false
                },
                Op::Rename {
                    from: "tmp/x".into(),
                    to: "y".into(),
                    ino: 2
                },
                Op::Write {
                    ino: 2,
                    offset: 3,
                    data: b"abc".to_vec()
                },
            ]
        );
    }
}
