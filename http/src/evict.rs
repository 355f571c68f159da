//! Evicting an entry whose body cannot be served (missing, damaged, or a
//! link out of the cache), so the next `get` misses and the client refetches.

use capcache::{Cache, Integrity};

/// Why an entry is evicted: whether its content file is to go too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The content file is absent: only the index entry goes.
    Missing,
    /// The content file is damaged or unusable: it goes too (no key can
    /// serve it; a later store of the same body writes it afresh).
    Unusable,
}

/// Removes `key`'s entry if it still names `sri`, and with
/// [`Cause::Unusable`] the content file.
///
/// Best effort: the caller reports the damage or the miss either way, and
/// a cache on a read-only filesystem cannot evict. The "still names" check
/// and the removal are two steps (capcache has no conditional remove), so a
/// store racing in between may lose its fresh entry: the next `get` misses
/// and refetches, and nothing damaged is ever served.
pub(crate) fn evict(cache: &Cache, key: &str, sri: &Integrity, cause: Cause) {
    let current = capcache::metadata_sync(cache, key);
    if matches!(&current, Ok(Some(meta)) if meta.integrity == *sri) {
        let _ = capcache::remove_sync(cache, key);
    }
    if cause == Cause::Unusable {
        let _ = capcache::remove_hash_sync(cache, sri);
    }
}
