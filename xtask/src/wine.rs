//! The matrix's own wine prefix, which runs the `x86_64-pc-windows-gnu` tests.
//!
//! The prefix lives under `target/matrix/wine`, never in the user's `~/.wine`:
//! the matrix may delete and recreate it at will, and it must not depend on
//! (or change) whatever else the user runs under wine.
//!
//! Debian's wine 8 has no `bcryptprimitives.dll`, whose `ProcessPrng` every
//! Rust executable imports, so test binaries fail to load there. When a fresh
//! prefix has no such DLL, a small replacement built from `prng_shim.c` with
//! mingw goes into its `system32`. Measured on wine 8: no DLL override is
//! needed, as wine has no builtin DLL of that name to prefer over the file.
//! Wine 8.13 and later ship the DLL, `ProcessPrng` included; wineboot then
//! puts it in `system32`, the shim is left out and wine's own is used.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{Cmd, Log};
use crate::tools::Wine;
use crate::workspace::output;

const SHIM_SOURCE: &str = include_str!("prng_shim.c");

/// Records what a prefix was built with; a mismatch means it is rebuilt.
const STAMP_FILE: &str = "capcache-xtask.stamp";

/// Changes whenever `prepare` sets prefixes up differently, so old ones are rebuilt.
const SETUP_VERSION: u32 = 2;

/// Sets up the environment every wine process of the matrix runs in.
pub fn env(cmd: Cmd, prefix: &Path) -> Cmd {
    cmd.env("WINEPREFIX", prefix)
        // `-all` silences wine's "fixme" chatter (and the Debian wrapper's hint
        // about a missing 32-bit wine); `err+module` keeps "library not found"
        // errors, which explain a test binary that does not start.
        .env("WINEDEBUG", "-all,err+module")
        // Tests cannot reach Linux programs (node, wasmtime) from inside wine;
        // this tells them why such a tool is missing.
        .env("CAPCACHE_UNDER_WINE", "1")
        // No windows or dialogs: wine then runs headless and never waits for input.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
}

/// Where Windows programs in `prefix` put temporary files (`C:\temp`).
pub fn temp_dir(prefix: &Path) -> PathBuf {
    prefix.join("drive_c").join("temp")
}

/// Makes sure `prefix` is an initialised wine prefix that can run Rust
/// executables, (re)creating it when it is missing or was made by another wine
/// version or shim. Commands and notes go to `log`.
pub fn prepare(wine: &Wine, prefix: &Path, log: &mut Log) -> Result<(), String> {
    let version = output(
        Command::new(&wine.loader)
            .arg("--version")
            .env("WINEDEBUG", "-all"),
    )?;
    let stamp = format!("setup {SETUP_VERSION}, {}\n{SHIM_SOURCE}", version.trim());
    let stamp_path = prefix.join(STAMP_FILE);
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return log.note(format_args!(
            "wine prefix {} is up to date ({})",
            prefix.display(),
            version.trim()
        ));
    }
    if prefix.exists() {
        log.note(format_args!(
            "removing outdated wine prefix {}",
            prefix.display()
        ))?;
        std::fs::remove_dir_all(prefix)
            .map_err(|e| format!("cannot remove {}: {e}", prefix.display()))?;
    }
    std::fs::create_dir_all(prefix)
        .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;

    // Leaving mscoree and mshtml out keeps wineboot from offering to download
    // Mono and Gecko, which the tests do not need.
    let init = Cmd::new(&wine.loader)
        .args(["wineboot", "--init"])
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    log.run(&env(init, prefix).label("wineboot --init"))?;

    // Windows programs take their temp dir from the registry, not from the
    // Unix TMP: point it at a directory the runner can empty between cells.
    std::fs::create_dir_all(temp_dir(prefix))
        .map_err(|e| format!("cannot create the temp dir: {e}"))?;
    for name in ["TEMP", "TMP"] {
        let set = Cmd::new(&wine.loader)
            .args([
                "reg",
                "add",
                r"HKCU\Environment",
                "/v",
                name,
                "/d",
                r"C:\temp",
                "/f",
            ])
            .label("reg add");
        log.run(&env(set, prefix))?;
    }
    if let Some(server) = &wine.server {
        // Let wineserver exit, which writes the registry files.
        log.run(&env(Cmd::new(server).arg("--wait"), prefix).label("wineserver --wait"))?;
    }

    let system32 = prefix.join("drive_c/windows/system32");
    if !system32.is_dir() {
        return Err(format!("wineboot did not create {}", system32.display()));
    }
    let dll = system32.join("bcryptprimitives.dll");
    if dll.exists() {
        log.note("this wine provides bcryptprimitives.dll; no shim needed")?;
    } else {
        let source = prefix.join("capcache-prng-shim.c");
        std::fs::write(&source, SHIM_SOURCE)
            .map_err(|e| format!("cannot write {}: {e}", source.display()))?;
        let build = Cmd::new(&wine.mingw_gcc)
            .args(["-shared", "-O2", "-s", "-o"])
            .arg(&dll)
            .arg(&source)
            .arg("-ladvapi32")
            .label("building the ProcessPrng shim");
        log.run(&build)?;
    }
    std::fs::write(&stamp_path, stamp)
        .map_err(|e| format!("cannot write {}: {e}", stamp_path.display()))
}
