//! What the matrix needs to know about the workspace and the toolchain.
//!
//! Package names, their features and the target directory come from
//! `cargo metadata`, so the matrix adapts when a package (such as
//! `capcache-cli`) is added or gains the matrix features, and honours a
//! `CARGO_TARGET_DIR` the user set.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::json;

/// A workspace member.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub features: Vec<String>,
    /// Names of its binary targets.
    pub bins: Vec<String>,
    /// Names of its integration tests.
    pub tests: Vec<String>,
}

impl Package {
    pub fn has_features(&self, names: &[&str]) -> bool {
        names.iter().all(|n| self.features.iter().any(|f| f == n))
    }
}

/// The workspace and the toolchain that builds it.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub members: Vec<Package>,
    /// The cargo that runs this xtask (`$CARGO`), so nested builds use the same toolchain.
    pub cargo: OsString,
    pub host: String,
    sysroot: PathBuf,
}

impl Workspace {
    /// Reads the workspace through `cargo metadata` and the toolchain through `rustc`.
    pub fn load() -> Result<Workspace, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let metadata =
            output(Command::new(&cargo).args(["metadata", "--format-version", "1", "--no-deps"]))?;
        let metadata = json::parse(&metadata).map_err(|e| format!("cargo metadata: {e}"))?;
        let path = |key: &str| {
            metadata
                .get(key)
                .and_then(json::Value::as_str)
                .map(PathBuf::from)
                .ok_or_else(|| format!("cargo metadata has no `{key}`"))
        };
        let root = path("workspace_root")?;
        let target_dir = path("target_directory")?;
        let members = metadata
            .get("packages")
            .map(json::Value::as_array)
            .unwrap_or_default()
            .iter()
            .map(package)
            .collect::<Result<Vec<_>, _>>()?;

        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let version = output(Command::new(&rustc).arg("-vV"))?;
        let host = version
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .ok_or("`rustc -vV` printed no host line")?
            .trim()
            .to_owned();
        let sysroot =
            PathBuf::from(output(Command::new(&rustc).args(["--print", "sysroot"]))?.trim());

        Ok(Workspace {
            root,
            target_dir,
            members,
            cargo,
            host,
            sysroot,
        })
    }

    pub fn package(&self, name: &str) -> Option<&Package> {
        self.members.iter().find(|p| p.name == name)
    }

    /// Whether the standard library for `triple` is installed. Checked in the
    /// sysroot rather than with `rustup`, so toolchains not managed by rustup work too.
    pub fn has_target(&self, triple: &str) -> bool {
        self.sysroot
            .join("lib/rustlib")
            .join(triple)
            .join("lib")
            .is_dir()
    }

    /// Where the matrix keeps its target dirs, logs, wine prefix and scratch dirs.
    pub fn matrix_dir(&self) -> PathBuf {
        self.target_dir.join("matrix")
    }

    /// `path` relative to the workspace root when it is inside it, for shorter messages.
    pub fn display<'a>(&self, path: &'a Path) -> std::path::Display<'a> {
        path.strip_prefix(&self.root).unwrap_or(path).display()
    }
}

fn package(value: &json::Value) -> Result<Package, String> {
    let name = value
        .get("name")
        .and_then(json::Value::as_str)
        .ok_or("a package without a name")?
        .to_owned();
    let features = value
        .get("features")
        .map(json::Value::as_object)
        .unwrap_or_default();
    let targets = |kind: &str| -> Vec<String> {
        let targets = value
            .get("targets")
            .map(json::Value::as_array)
            .unwrap_or_default();
        targets
            .iter()
            .filter(|t| {
                let kinds = t.get("kind").map(json::Value::as_array).unwrap_or_default();
                kinds.iter().any(|k| k.as_str() == Some(kind))
            })
            .filter_map(|t| {
                t.get("name")
                    .and_then(json::Value::as_str)
                    .map(str::to_owned)
            })
            .collect()
    };
    Ok(Package {
        name,
        features: features.iter().map(|(f, _)| f.clone()).collect(),
        bins: targets("bin"),
        tests: targets("test"),
    })
}

/// Runs a command to completion and returns its stdout; fails with its stderr.
pub fn output(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let out = command
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{shown} printed invalid UTF-8"))
}
