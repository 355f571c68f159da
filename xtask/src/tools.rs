//! Finding the external programs the matrix runs, and saying how to install
//! the ones that are missing.
//!
//! A missing tool never aborts the matrix: the cells that need it are skipped
//! with a reason that includes the install command (and `--strict` turns those
//! skips into a failure).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workspace::Workspace;

/// A tool that was found, or why it was not and how to get it.
pub type Found = Result<PathBuf, String>;

/// Every external program a cell may need, looked up once.
#[derive(Debug)]
pub struct Tools {
    pub rustfmt: Result<(), String>,
    pub clippy: Result<(), String>,
    pub wasmtime: Found,
    pub wine: Result<Wine, String>,
    /// The S3-compatible server the remote tier's S3 tests start (they skip
    /// without it outside CI and fail without it in CI).
    pub s3s_fs: Found,
}

/// The wine installation used to run `x86_64-pc-windows-gnu` test binaries.
#[derive(Debug, Clone)]
pub struct Wine {
    /// `wine` or `wine64`: runs a PE executable.
    pub loader: PathBuf,
    /// Used to wait until a freshly created prefix is fully written.
    pub server: Option<PathBuf>,
    /// mingw's C compiler: the default linker rustc uses for windows-gnu, and
    /// the compiler for the `ProcessPrng` shim DLL.
    pub mingw_gcc: PathBuf,
}

impl Tools {
    pub fn discover(ws: &Workspace) -> Tools {
        Tools {
            rustfmt: cargo_subcommand(ws, "fmt", "rustup component add rustfmt"),
            clippy: cargo_subcommand(ws, "clippy", "rustup component add clippy"),
            wasmtime: find_wasmtime(),
            wine: find_wine(&ws.host),
            s3s_fs: find_installed(
                "CAPCACHE_S3S_FS",
                "s3s-fs",
                "cargo install s3s-fs@0.14.1 --features binary --locked",
            ),
        }
    }
}

/// Checks that `cargo <name>` works (rustfmt and clippy are optional rustup components).
fn cargo_subcommand(ws: &Workspace, name: &str, hint: &str) -> Result<(), String> {
    let works = Command::new(&ws.cargo)
        .args([name, "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        Ok(())
    } else {
        Err(format!("cargo {name} not found: {hint}"))
    }
}

/// wasmtime: `$WASMTIME`, else on `PATH` or in cargo's bin dir.
pub fn find_wasmtime() -> Found {
    find_installed(
        "WASMTIME",
        "wasmtime",
        "cargo install wasmtime-cli --locked",
    )
}

/// `$<var>` if set, else `program` on `PATH` or in cargo's bin dir (where
/// `cargo install` puts it, which may not be on `PATH` in CI).
fn find_installed(var: &str, program: &str, install: &str) -> Found {
    if let Some(path) = std::env::var_os(var) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "${var}={} does not exist: unset it or {install}",
                path.display()
            ))
        };
    }
    find_program(program)
        .or_else(|| {
            cargo_home()
                .map(|h| h.join("bin").join(exe(program)))
                .filter(|p| p.is_file())
        })
        .ok_or_else(|| format!("{program} not found: {install}"))
}

fn find_wine(host: &str) -> Result<Wine, String> {
    if !host.contains("linux") {
        return Err(format!(
            "windows-gnu runs under wine on Linux hosts only; this host is {host}"
        ));
    }
    let install = "apt-get install wine64 gcc-mingw-w64-x86-64";
    let mingw_gcc = find_program("x86_64-w64-mingw32-gcc")
        .ok_or_else(|| format!("x86_64-w64-mingw32-gcc (mingw linker) not found: {install}"))?;
    // Debian's `wine64` package alone installs the loader outside PATH;
    // `wine` (a wrapper that picks wine64 for 64-bit programs) comes with the `wine` package.
    let loader = find_program("wine")
        .or_else(|| find_program("wine64"))
        .or_else(|| Some(PathBuf::from("/usr/lib/wine/wine64")).filter(|p| p.is_file()))
        .ok_or_else(|| format!("wine not found: {install}"))?;
    let server = find_program("wineserver")
        .or_else(|| find_program("wineserver64"))
        .or_else(|| {
            ["/usr/lib/wine/wineserver", "/usr/lib/wine/wineserver64"]
                .map(PathBuf::from)
                .into_iter()
                .find(|p| p.is_file())
        });
    Ok(Wine {
        loader,
        server,
        mingw_gcc,
    })
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .map(|h| Path::new(&h).join(".cargo"))
        })
}

/// The file name of an executable on this host.
fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Looks `name` up on `PATH`, like a shell would.
pub fn find_program(name: impl AsRef<OsStr>) -> Option<PathBuf> {
    let name = exe(&name.as_ref().to_string_lossy());
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(&name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}
