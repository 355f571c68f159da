//! Copies, hard links and reflinks of cached content to other places: the
//! [`Export`](crate::Export) builder's operation, and cacache-rs's 32 names
//! for its common cases, generated with their docs by `exports!`.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::engine::content;
use crate::error::{Error, Result};
use crate::export::{self, Dest, Export, Source};
use ssri::Integrity;
use std::path::Path;

/// Runs one export off the executor. A cache path that does not exist
/// holds nothing to export and is not created.
#[maybe]
pub(crate) async fn export_to<C: IntoCache>(cache: C, export: Export, dest: Dest) -> Result<u64> {
    let cache = cache.into_source();
    rt::run(move || match cache.open_existing()? {
        Some(cache) => export::export(&cache, export, dest),
        None => Err(match export.source {
            Source::Key(key) => Error::EntryNotFound { key },
            Source::Hash(sri) => content::not_found(sri),
        }),
    })
    .await
}

/// Generates one cacache-rs-named export per line: its source (`key` or
/// `hash`), what it returns (`u64` bytes or `()`), the method, whether it
/// verifies, and the prose of its first paragraph. The `# Errors` and
/// `# Examples` sections are composed from those, so they hold for each.
macro_rules! exports {
    ($(
        $name:ident($source:ident) -> $ret:ident, $method:ident, verify: $verify:tt,
        $what:literal;
    )*) => {$(
        exports!(@fn $name, $source, $ret, $method, $verify, $what);
    )*};

    (@fn $name:ident, key, $ret:ident, $method:ident, $verify:tt, $what:literal) => {
        #[doc = concat!($what, " the value of `key` to `to`.")]
        #[doc = exports!(@verify $verify)]
        ///
        #[doc = concat!("`", stringify!($name), "` awaits; `", stringify!($name), "_sync` blocks.")]
        ///
        /// # Errors
        ///
        /// [`Error::EntryNotFound`](crate::Error::EntryNotFound) if `key` has no
        /// entry, [`Error::ContentNotFound`](crate::Error::ContentNotFound) if its
        /// content is gone, [`Error::BadIndex`](crate::Error::BadIndex) if its
        /// integrity cannot name content;
        #[doc = exports!(@errors $method, $verify)]
        ///
        /// # Examples
        ///
        #[doc = exports!(@example $name, "\"k\"", $ret, $method)]
        #[maybe]
        pub async fn $name<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
            cache: C,
            key: K,
            to: Q,
        ) -> Result<exports!(@ret $ret)> {
            let export = Export::key(key.as_ref()).$method().verify($verify);
            let dest = Dest::Ambient(to.as_ref().to_path_buf());
            let bytes = export_to(cache, export, dest).await?;
            Ok(exports!(@value $ret, bytes))
        }
    };

    (@fn $name:ident, hash, $ret:ident, $method:ident, $verify:tt, $what:literal) => {
        #[doc = concat!($what, " the content with integrity `sri` to `to`.")]
        #[doc = exports!(@verify $verify)]
        ///
        #[doc = concat!("`", stringify!($name), "` awaits; `", stringify!($name), "_sync` blocks.")]
        ///
        /// # Errors
        ///
        /// [`Error::InvalidIntegrity`](crate::Error::InvalidIntegrity) if `sri`
        /// cannot name content, [`Error::ContentNotFound`](crate::Error::ContentNotFound)
        /// if it is not stored;
        #[doc = exports!(@errors $method, $verify)]
        ///
        /// # Examples
        ///
        #[doc = exports!(@example $name, "&sri", $ret, $method)]
        #[maybe]
        pub async fn $name<C: IntoCache, Q: AsRef<Path>>(
            cache: C,
            sri: &Integrity,
            to: Q,
        ) -> Result<exports!(@ret $ret)> {
            let export = Export::hash(sri.clone()).$method().verify($verify);
            let dest = Dest::Ambient(to.as_ref().to_path_buf());
            let bytes = export_to(cache, export, dest).await?;
            Ok(exports!(@value $ret, bytes))
        }
    };

    (@verify true) => {
        "The content is verified against its integrity first (a copy: while \
         it is written, and the file is removed on a mismatch)."
    };
    (@verify false) => {
        "Skips verification: only for content you trust (reads through the \
         cache still verify)."
    };

    (@errors $method:ident, true) => {
        concat!(
            "[`Error::IntegrityMismatch`](crate::Error::IntegrityMismatch) or ",
            "[`Error::SizeMismatch`](crate::Error::SizeMismatch) if the content is damaged; ",
            exports!(@io $method)
        )
    };
    (@errors $method:ident, false) => {
        exports!(@io $method)
    };
    (@io reflink) => {
        "[`Error::Io`](crate::Error::Io) with the destination's path if it cannot be \
         created, of kind `Unsupported` where the filesystem has no reflinks \
         (ext4, NTFS, WASI)."
    };
    (@io hard_link) => {
        "[`Error::Io`](crate::Error::Io) with the destination's path if it exists or \
         cannot be created (another filesystem than the cache's)."
    };
    (@io $method:ident) => {
        "[`Error::Io`](crate::Error::Io) with the destination's path if it cannot be \
         written."
    };

    (@ret bytes) => { u64 };
    (@ret unit) => { () };
    (@value bytes, $bytes:ident) => { $bytes };
    (@value unit, $bytes:ident) => { { let _ = $bytes; } };

    (@example $name:ident, $arg:literal, $ret:ident, reflink) => {
        concat!(
            "```\n",
            "# fn main() -> Result<(), Box<dyn std::error::Error>> {\n",
            "# let tmp = tempfile::tempdir()?;\n",
            "# let (dir, out) = (tmp.path().join(\"cache\"), tmp.path().join(\"out\"));\n",
            "let sri = capcache::write_sync(&dir, \"k\", b\"file body\")?;\n",
            "match capcache::", stringify!($name), "_sync(&dir, ", $arg, ", &out) {\n",
            "    Ok(_) => assert_eq!(std::fs::read(&out)?, b\"file body\"),\n",
            "    // Only some filesystems have reflinks (btrfs, XFS, APFS).\n",
            "    Err(e) => assert!(e.io_error().is_some(), \"{e}\"),\n",
            "}\n",
            "#[cfg(feature = \"async\")]\n",
            "smol::block_on(async {\n",
            "    std::fs::remove_file(&out).ok();\n",
            "    let linked = capcache::", stringify!($name), "(&dir, ", $arg, ", &out).await;\n",
            "    assert_eq!(linked.is_ok(), out.exists());\n",
            "});\n",
            "# Ok(())\n",
            "# }\n",
            "```"
        )
    };
    (@example $name:ident, $arg:literal, $ret:ident, $method:ident) => {
        concat!(
            "```\n",
            "# fn main() -> Result<(), Box<dyn std::error::Error>> {\n",
            "# let tmp = tempfile::tempdir()?;\n",
            "# let (dir, out) = (tmp.path().join(\"cache\"), tmp.path().join(\"out\"));\n",
            "let sri = capcache::write_sync(&dir, \"k\", b\"file body\")?;\n",
            "capcache::", stringify!($name), "_sync(&dir, ", $arg, ", &out)?;\n",
            "assert_eq!(std::fs::read(&out)?, b\"file body\");\n",
            "#[cfg(feature = \"async\")]\n",
            "smol::block_on(async {\n",
            "    std::fs::remove_file(&out)?;\n",
            "    capcache::", stringify!($name), "(&dir, ", $arg, ", &out).await?;\n",
            "    assert_eq!(std::fs::read(&out)?, b\"file body\");\n",
            "    Ok::<_, Box<dyn std::error::Error>>(())\n",
            "})?;\n",
            "# Ok(())\n",
            "# }\n",
            "```"
        )
    };
}

exports! {
    copy(key) -> bytes, copy, verify: true,
        "Copies (creating or truncating the file) and returns the number of bytes of";
    copy_unchecked(key) -> bytes, copy, verify: false,
        "Copies (creating or truncating the file) and returns the number of bytes of";
    copy_hash(hash) -> bytes, copy, verify: true,
        "Copies (creating or truncating the file) and returns the number of bytes of";
    copy_hash_unchecked(hash) -> bytes, copy, verify: false,
        "Copies (creating or truncating the file) and returns the number of bytes of";
    hard_link(key) -> unit, hard_link, verify: true,
        "Hard-links (no copy; `to` must not exist and must be on the cache's filesystem)";
    hard_link_unchecked(key) -> unit, hard_link, verify: false,
        "Hard-links (no copy; `to` must not exist and must be on the cache's filesystem)";
    hard_link_hash(hash) -> unit, hard_link, verify: true,
        "Hard-links (no copy; `to` must not exist and must be on the cache's filesystem)";
    hard_link_hash_unchecked(hash) -> unit, hard_link, verify: false,
        "Hard-links (no copy; `to` must not exist and must be on the cache's filesystem)";
    reflink(key) -> unit, reflink, verify: true,
        "Reflinks (a copy-on-write clone; `to` must not exist)";
    reflink_unchecked(key) -> unit, reflink, verify: false,
        "Reflinks (a copy-on-write clone; `to` must not exist)";
    reflink_hash(hash) -> unit, reflink, verify: true,
        "Reflinks (a copy-on-write clone; `to` must not exist)";
    reflink_hash_unchecked(hash) -> unit, reflink, verify: false,
        "Reflinks (a copy-on-write clone; `to` must not exist)";
    reflink_or_copy(key) -> bytes, reflink_or_copy, verify: true,
        "Reflinks where the filesystem can, else copies, and returns the number of bytes of";
    reflink_or_copy_hash(hash) -> bytes, reflink_or_copy, verify: true,
        "Reflinks where the filesystem can, else copies, and returns the number of bytes of";
}

/// Copies the value of `key` into `dir` at `path` (a capability: no
/// ambient authority involved), verifying it while copying. Returns the
/// number of bytes.
///
/// `copy_to_dir` awaits; `copy_to_dir_sync` blocks. Errors as [`copy`].
/// [`Export`](crate::Export) offers links and reflinks into a `Dir` too.
///
/// # Examples
///
/// ```
/// use cap_std::{ambient_authority, fs::Dir};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let cache_dir = tmp.path().join("cache");
/// capcache::write_sync(&cache_dir, "k", b"file body")?;
/// let out = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
/// assert_eq!(capcache::copy_to_dir_sync(&cache_dir, "k", &out, "copy.bin")?, 9);
/// assert_eq!(out.read("copy.bin")?, b"file body");
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_to_dir<C: IntoCache, K: AsRef<str>, Q: AsRef<Path>>(
    cache: C,
    key: K,
    dir: &cap_std::fs::Dir,
    path: Q,
) -> Result<u64> {
    let dest = Dest::in_dir(dir, path.as_ref())?;
    export_to(cache, Export::key(key.as_ref()), dest).await
}

/// Copies the content `sri` into `dir` at `path`, verifying it while
/// copying. Returns the number of bytes.
///
/// `copy_hash_to_dir` awaits; `copy_hash_to_dir_sync` blocks. Errors as
/// [`copy_hash`].
///
/// # Examples
///
/// ```
/// use cap_std::{ambient_authority, fs::Dir};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let cache_dir = tmp.path().join("cache");
/// let sri = capcache::write_hash_sync(&cache_dir, b"file body")?;
/// let out = Dir::open_ambient_dir(tmp.path(), ambient_authority())?;
/// capcache::copy_hash_to_dir_sync(&cache_dir, &sri, &out, "copy.bin")?;
/// assert_eq!(out.read("copy.bin")?, b"file body");
/// # Ok(())
/// # }
/// ```
#[maybe]
pub async fn copy_hash_to_dir<C: IntoCache, Q: AsRef<Path>>(
    cache: C,
    sri: &Integrity,
    dir: &cap_std::fs::Dir,
    path: Q,
) -> Result<u64> {
    let dest = Dest::in_dir(dir, path.as_ref())?;
    export_to(cache, Export::hash(sri.clone()), dest).await
}
