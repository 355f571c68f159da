//! `capcache ls`: list live entries.

use capcache::Metadata;
use serde_json::json;

use super::Ctx;
use crate::cli::LsArgs;
use crate::error::{Chain, CliError, Result};
use crate::output::{self, Out};

pub fn run(ctx: &Ctx, args: LsArgs) -> Result<()> {
    let Some(cache) = ctx.open_existing(args.dir.dir.as_deref())? else {
        return Ok(());
    };
    let (mut entries, failed) = collect(&cache);
    // Bucket order is hash order, which means nothing to a reader; sorted
    // output is stable across runs and diffable.
    entries.sort_by(|a, b| a.key.cmp(&b.key));

    let mut out = Out::stdout();
    for entry in &entries {
        if args.json {
            out.line(format_args!("{}", entry_json(entry)))?;
        } else {
            out.line(format_args!(
                "{}\t{}\t{}\t{}",
                entry.key,
                entry.size,
                output::rfc3339(entry.time),
                entry.integrity
            ))?;
        }
    }
    out.finish()?;
    match failed {
        0 => Ok(()),
        failed => Err(CliError::Partial {
            failed,
            what: "entries could not be read",
        }),
    }
}

/// Every live entry, and how many could not be read. Each failure is
/// reported on stderr as it is met: one bad line must not hide the rest of
/// the cache.
pub fn collect(cache: &capcache::Cache) -> (Vec<Metadata>, u64) {
    let mut entries = Vec::new();
    let mut failed = 0;
    for entry in capcache::list_sync(cache) {
        match entry {
            Ok(entry) => entries.push(entry),
            Err(e) => {
                eprintln!("capcache: {}", Chain(&e));
                failed += 1;
            }
        }
    }
    (entries, failed)
}

/// The JSON form of an entry: npm's index fields, `time` in ms.
fn entry_json(entry: &Metadata) -> serde_json::Value {
    json!({
        "key": entry.key,
        "integrity": entry.integrity.to_string(),
        "size": entry.size,
        "time": output::json_time(entry.time),
        "metadata": entry.metadata,
    })
}
