//! `capcache verify`: check all content and repair the index.

use std::time::Duration;

use capcache::{VerifyOpts, VerifyStats};
use serde_json::json;

use super::Ctx;
use crate::cli::VerifyArgs;
use crate::error::Result;
use crate::output::Out;
use crate::progress::{self, Bar};
use crate::units::format_size;

pub fn run(ctx: &Ctx, args: VerifyArgs) -> Result<()> {
    let stats = match ctx.open_existing(args.dir.dir.as_deref())? {
        Some(cache) => {
            let bar = Bar::verify(progress::wanted(ctx.quiet));
            let mut opts = VerifyOpts::new();
            if let Some(grace) = args.grace {
                opts = opts.grace(grace);
            }
            if let Some(callback) = bar.verify_callback() {
                opts = opts.progress(callback);
            }
            let stats = capcache::verify_sync(&cache, opts);
            bar.finish();
            stats?
        }
        // Nothing to verify, and verify must not create the directory.
        None => VerifyStats::default(),
    };
    report(&stats, args.json)
}

fn report(stats: &VerifyStats, json: bool) -> Result<()> {
    let mut out = Out::stdout();
    if json {
        let value = json!({
            "entries_kept": stats.entries_kept,
            "entries_removed": stats.entries_removed,
            "content_verified": stats.content_verified,
            "content_bytes": stats.content_bytes,
            "content_reclaimed": stats.content_reclaimed,
            "reclaimed_bytes": stats.reclaimed_bytes,
            "corrupt_content": stats.corrupt_content,
            "corrupt_bytes": stats.corrupt_bytes,
            "tmp_removed": stats.tmp_removed,
            "started": crate::output::json_time(stats.started),
            "duration_ms": stats.duration.as_millis() as u64,
        });
        out.line(format_args!("{value}"))?;
    } else {
        let files = |n: u64, bytes: u64| format!("{n} files, {}", format_size(bytes));
        let took = Duration::from_millis(stats.duration.as_millis() as u64);
        let rows = [
            ("entries kept", stats.entries_kept.to_string()),
            ("entries removed", stats.entries_removed.to_string()),
            (
                "content verified",
                files(stats.content_verified, stats.content_bytes),
            ),
            (
                "content reclaimed",
                files(stats.content_reclaimed, stats.reclaimed_bytes),
            ),
            (
                "corrupt content",
                files(stats.corrupt_content, stats.corrupt_bytes),
            ),
            ("temp files removed", stats.tmp_removed.to_string()),
            ("took", humantime::format_duration(took).to_string()),
        ];
        for (name, value) in rows {
            out.line(format_args!("{name:<20}{value}"))?;
        }
    }
    out.finish()
}
