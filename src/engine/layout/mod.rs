//! The cache's directory tree, as npm's cacache lays it out:
//!
//! ```text
//! <root>/
//!   content-v2/<algorithm>/<2 hex>/<2 hex>/<rest of the digest>   immutable values
//!   index-v5/<2 hex>/<2 hex>/<rest of the key's hash>             buckets of entry lines
//!   tmp/                                                          writes in progress
//! ```
//!
//! [`Area`] names the three top-level directories, [`shard`] creates and
//! keeps the two-level shard directories under them, and [`Layout`] holds
//! the root capability and the handles kept under it. Everything that
//! touches a file goes through here or [`crate::engine::sys`].

pub(crate) mod shard;
mod tree;

pub(crate) use tree::Layout;

/// The fixed top-level directories of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Area {
    Content = 0,
    Index = 1,
    Tmp = 2,
}

impl Area {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Area::Content => "content-v2",
            Area::Index => "index-v5",
            Area::Tmp => "tmp",
        }
    }
}
