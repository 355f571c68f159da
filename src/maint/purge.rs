//! Removing an entry fully (cacache-rs's `RemoveOpts::remove_fully`): its
//! lines leave the bucket, and its content goes too unless another entry
//! still uses it.

use super::sweep::{self, Candidate};
use crate::cache::Cache;
use crate::engine::index::bucket;
use crate::error::Result;

/// Drops every line of `key` from its bucket (the file goes when nothing is
/// left in it), then removes the content the entry pointed at if no live
/// entry references it. The content check reads the whole index under the
/// exclusive lock, as a sweep does: it costs a walk of the index.
pub(crate) fn purge(cache: &Cache, key: &str) -> Result<()> {
    bucket::check_key(key)?;
    let format = cache.index_format()?;
    let rel = bucket::bucket_rel(format, key);
    let mut content = None;
    bucket::rewrite(cache.store(), format, &rel, |entry| {
        if entry.key != key {
            return true;
        }
        // cacache-rs's own tests remove content stored under an
        // integrity no read would accept: take that too.
        let sri = entry.integrity.as_deref().and_then(|s| s.parse().ok());
        content = sri.and_then(|sri| crate::engine::content::lenient_content_path(&sri));
        false
    })?;
    if let Some(rel) = content {
        let candidate = Candidate {
            rel,
            len: 0,
            force: true,
        };
        sweep::content(cache, vec![candidate], None)?;
    }
    Ok(())
}
