//! Directory listings for the walks over shard trees: a directory opened
//! once, its names read whole (a shard holds a few hundred at most), and
//! its entries opened through the same handle.
//!
//! cap-std opens a directory `O_PATH`, which cannot be listed, so its
//! `entries` opens it twice more (once for the listing, once more inside
//! rustix's `Dir`): nine calls per directory with the `fcntl` and the
//! closes. On Linux the directory is opened readable through cap-std (one
//! `openat2` beneath its parent, as every open here) and listed by
//! `getdents64` on that same descriptor: four calls. A listing of 100,000
//! entries opens about 50,000 leaf directories, so this is a third of its
//! calls.

use std::ffi::OsString;
use std::io;
use std::path::Path;

use cap_std::fs::Dir;

/// What a directory entry is, as far as the walks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Dir,
    File,
    /// A symlink, a device, a socket...: opened as a file would be (and
    /// refused if it leads out of the cache).
    Other,
}

impl Kind {
    fn of(file_type: cap_std::fs::FileType) -> Kind {
        if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }
}

/// The names in a directory (without `.` and `..`), in the order the
/// filesystem gives them.
pub(crate) type Names = Vec<(OsString, Kind)>;

/// The names in `dir`, through cap-std.
pub(crate) fn names(dir: &Dir) -> io::Result<Names> {
    let mut names = Vec::new();
    for entry in dir.entries()? {
        let entry = entry?;
        names.push((entry.file_name(), Kind::of(entry.file_type()?)));
    }
    Ok(names)
}

/// The directories among `names` (a walk's next level).
pub(crate) fn subdirs(names: Names) -> impl Iterator<Item = OsString> {
    names
        .into_iter()
        .filter(|(_, kind)| *kind == Kind::Dir)
        .map(|(name, _)| name)
}

/// Opens the directory `name` in `parent` and reads its names.
#[cfg(not(target_os = "linux"))]
pub(crate) fn open(parent: &Dir, name: &Path) -> io::Result<(Dir, Names)> {
    let dir = parent.open_dir(name)?;
    let names = names(&dir)?;
    Ok((dir, names))
}

/// Opens the directory `name` in `parent` and reads its names.
#[cfg(target_os = "linux")]
pub(crate) fn open(parent: &Dir, name: &Path) -> io::Result<(Dir, Names)> {
    use cap_std::fs::{OpenOptions, OpenOptionsExt};
    use rustix::fs::{FileType, OFlags, RawDir};
    use std::os::unix::ffi::OsStringExt;

    let mut options = OpenOptions::new();
    options
        .read(true)
        .custom_flags(OFlags::DIRECTORY.bits() as i32);
    let dir = Dir::from_std_file(parent.open_with(name, &options)?.into_std());
    let mut names = Vec::new();
    // Room for about a hundred names per call; a larger directory takes
    // more calls, never a larger buffer (a name has at most 255 bytes).
    let mut buf = Vec::with_capacity(8192);
    let mut raw = RawDir::new(&dir, buf.spare_capacity_mut());
    while let Some(entry) = raw.next() {
        let entry = entry?;
        let bytes = entry.file_name().to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let name = OsString::from_vec(bytes.to_vec());
        let kind = match entry.file_type() {
            FileType::Directory => Kind::Dir,
            FileType::RegularFile => Kind::File,
            // Some filesystems do not say in the listing.
            FileType::Unknown => Kind::of(dir.symlink_metadata(&name)?.file_type()),
            _ => Kind::Other,
        };
        names.push((name, kind));
    }
    Ok((dir, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_names_with_their_kinds_and_opens_entries_through_the_handle() {
        let (_tmp, root) = crate::testing::tempdir();
        root.create_dir_all("ab/cd").unwrap();
        root.write("ab/file", b"x").unwrap();
        let (dir, mut names) = open(&root, Path::new("ab")).unwrap();
        names.sort();
        assert_eq!(
            names,
            [
                (OsString::from("cd"), Kind::Dir),
                ("file".into(), Kind::File)
            ]
        );
        assert_eq!(dir.read("file").unwrap(), b"x");
        let (_, inner) = open(&dir, Path::new("cd")).unwrap();
        assert!(inner.is_empty());

        let mut top = names_of_root(&root);
        top.sort();
        assert_eq!(top, [(OsString::from("ab"), Kind::Dir)]);

        assert_eq!(
            open(&root, Path::new("ab/file")).unwrap_err().kind(),
            io::ErrorKind::NotADirectory
        );
        assert_eq!(
            open(&root, Path::new("none")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    fn names_of_root(root: &Dir) -> Names {
        names(root).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_directory_is_refused_and_listed_as_other() {
        let (_tmp, root) = crate::testing::tempdir();
        root.create_dir_all("inner/ab").unwrap();
        root.symlink("../..", "inner/ab/out").unwrap();
        root.symlink("..", "inner/up").unwrap();
        let inner = root.open_dir("inner").unwrap();
        let (dir, names) = open(&inner, Path::new("ab")).unwrap();
        assert_eq!(names, [(OsString::from("out"), Kind::Other)]);
        assert_eq!(
            dir.open("out").unwrap_err().kind(),
            io::ErrorKind::PermissionDenied
        );
        assert_eq!(
            open(&inner, Path::new("up")).unwrap_err().kind(),
            io::ErrorKind::PermissionDenied
        );
    }
}
