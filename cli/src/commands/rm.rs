//! `capcache rm`: remove a key's entry.

use capcache::Error;

use super::Ctx;
use crate::cli::RmArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, args: RmArgs) -> Result<()> {
    let exists = match ctx.open_existing(None)? {
        Some(cache) => {
            // The library's remove succeeds for a missing key; the tool
            // reports it (exit 3) like rm(1), unless --force.
            let exists = capcache::metadata_sync(&cache, &args.key)?.is_some();
            if exists {
                capcache::remove_sync(&cache, &args.key)?;
            }
            exists
        }
        None => false,
    };
    if exists || args.force {
        Ok(())
    } else {
        Err(Error::EntryNotFound { key: args.key }.into())
    }
}
