//! The content store: `content-v2/<algo>/<h[0..2]>/<h[2..4]>/<h[4..]>`.
//!
//! Content files are immutable once named: a write goes to a temp file, is
//! hashed on the way, and is linked into place only if no file has that name
//! yet. Reads always re-hash what they return.

mod path;
mod read;
mod write;

pub(crate) use path::{checked_integrity, content_path, lenient_content_path};
pub(crate) use read::{exists, hash_file, holds, not_found, open, read, remove, verify_result};
pub(crate) use write::{stage, ContentWriter};
