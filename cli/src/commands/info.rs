//! `capcache info`: counts, sizes and the index format.

use std::collections::HashMap;

use capcache::{Algorithm, IndexFormat};
use serde_json::json;

use super::Ctx;
use crate::cli::InfoArgs;
use crate::error::{CliError, Result};
use crate::output::{self, Out};
use crate::units::format_size;

/// What `info` reports.
#[derive(Default)]
struct Info {
    /// Whether the directory exists at all.
    exists: bool,
    format: Option<IndexFormat>,
    entries: u64,
    /// Distinct content the entries refer to.
    content: u64,
    content_bytes: u64,
    last_verified: Option<u128>,
    unreadable: u64,
}

pub fn run(ctx: &Ctx, args: InfoArgs) -> Result<()> {
    let dir = ctx.cache_dir(args.dir.dir.as_deref())?.to_path_buf();
    let info = match ctx.open_existing(Some(&dir))? {
        Some(cache) => gather(&cache)?,
        None => Info::default(),
    };
    report(&dir.display().to_string(), &info, args.json)?;
    match info.unreadable {
        0 => Ok(()),
        failed => Err(CliError::Partial {
            failed,
            what: "entries could not be read",
        }),
    }
}

fn gather(cache: &capcache::Cache) -> Result<Info> {
    let format = cache.index_format()?;
    let (entries, unreadable) = super::ls::collect(cache);
    // Content is named by the strongest hash of its integrity, so that hash
    // identifies a content file; keys sharing content count it once. Sizes
    // come from the index (0 where the writer recorded none).
    let mut content: HashMap<(Algorithm, String), u64> = HashMap::new();
    for entry in &entries {
        content
            .entry(entry.integrity.to_hex())
            .or_insert(entry.size as u64);
    }
    Ok(Info {
        exists: true,
        format: Some(format),
        entries: entries.len() as u64,
        content: content.len() as u64,
        content_bytes: content.values().sum(),
        last_verified: capcache::last_verified_sync(cache)?,
        unreadable,
    })
}

fn format_name(format: IndexFormat) -> &'static str {
    match format {
        IndexFormat::Npm => "npm",
        IndexFormat::CacacheRs => "cacache-rs",
    }
}

fn report(dir: &str, info: &Info, json: bool) -> Result<()> {
    let mut out = Out::stdout();
    if json {
        let value = json!({
            "path": dir,
            "exists": info.exists,
            "index_format": info.format.map(format_name),
            "entries": info.entries,
            "content": info.content,
            "content_bytes": info.content_bytes,
            "last_verified": info.last_verified.map(output::json_time),
        });
        out.line(format_args!("{value}"))?;
        return out.finish();
    }
    let format = match (info.exists, info.format) {
        (false, _) | (_, None) => "none (no cache directory)".to_owned(),
        // The library detects the format from bucket files and falls back to
        // npm's: with no entries that is a default, not a finding.
        (true, Some(f)) if info.entries == 0 => {
            format!(
                "{} (no entries; new writes use this format)",
                format_name(f)
            )
        }
        (true, Some(f)) => format_name(f).to_owned(),
    };
    let last = info
        .last_verified
        .map_or_else(|| "never".to_owned(), output::rfc3339);
    let rows = [
        ("cache", dir.to_owned()),
        ("index format", format),
        ("entries", info.entries.to_string()),
        (
            "content",
            format!(
                "{} files, {} ({} bytes)",
                info.content,
                format_size(info.content_bytes),
                info.content_bytes
            ),
        ),
        ("last verified", last),
    ];
    for (name, value) in rows {
        out.line(format_args!("{name:<15}{value}"))?;
    }
    out.finish()
}
