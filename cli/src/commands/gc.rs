//! `capcache gc`: evict by size and age, remove unused content.

use capcache::{GcOpts, GcStats};
use serde_json::json;

use super::Ctx;
use crate::cli::GcArgs;
use crate::error::Result;
use crate::output::Out;
use crate::progress::{self, Bar};
use crate::units::format_size;

pub fn run(ctx: &Ctx, args: GcArgs) -> Result<()> {
    let stats = match ctx.open_existing(args.dir.dir.as_deref())? {
        Some(cache) => {
            let mut opts = GcOpts::new();
            if let Some(max) = args.max_size {
                opts = opts.max_size(max);
            }
            if let Some(age) = args.max_age {
                opts = opts.max_age(age);
            }
            if let Some(grace) = args.grace {
                opts = opts.grace(grace);
            }
            // gc reports no progress of its own: a spinner shows it is alive.
            let spinner = Bar::spinner(progress::wanted(ctx.quiet), "collecting garbage");
            let stats = capcache::gc_sync(&cache, opts);
            spinner.finish();
            stats?
        }
        // Nothing to collect, and gc must not create the directory.
        None => GcStats::default(),
    };
    report(&stats, args.json)
}

fn report(stats: &GcStats, json: bool) -> Result<()> {
    let mut out = Out::stdout();
    if json {
        let value = json!({
            "entries_evicted": stats.entries_evicted,
            "entries_kept": stats.entries_kept,
            "content_removed": stats.content_removed,
            "bytes_removed": stats.bytes_removed,
            "bytes_kept": stats.bytes_kept,
        });
        out.line(format_args!("{value}"))?;
    } else {
        let rows = [
            ("entries evicted", stats.entries_evicted.to_string()),
            ("entries kept", stats.entries_kept.to_string()),
            (
                "content removed",
                format!(
                    "{} files, {}",
                    stats.content_removed,
                    format_size(stats.bytes_removed)
                ),
            ),
            ("content kept", format_size(stats.bytes_kept)),
        ];
        for (name, value) in rows {
            out.line(format_args!("{name:<20}{value}"))?;
        }
    }
    out.finish()
}
