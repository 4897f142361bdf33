//! Files that hold audit evidence or raw input (the evidence store and its `-wal`/`-shm`, the
//! follower's position, rejected lines, signing keys) are created readable by their owner
//! only: mode 0600, and a directory callpulse has to create for them 0700.
//!
//! The mode is given at creation (`open(2)` with `O_CREAT`), so the process's umask can only
//! take permissions away, never add them: a umask of 000 still gives 0600. An existing file
//! keeps the mode it has: an operator who opened one up for an auditors' group on purpose
//! keeps that choice.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Mode of the files callpulse creates for evidence and raw input.
pub const FILE_MODE: u32 = 0o600;
/// Mode of a directory callpulse creates to hold them.
pub const DIR_MODE: u32 = 0o700;
/// Mode of a public key written by `callpulse evidence keygen`.
pub const PUBLIC_MODE: u32 = 0o644;

/// Creates the directory `path` is in, and any missing parent, with [`DIR_MODE`].
pub fn create_parent(path: &Path) -> io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// `options` with [`FILE_MODE`] for a file they create (its directory created too).
pub fn open(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    open_mode(path, options, FILE_MODE)
}

/// `options` with `mode` for a file they create (its directory created with [`DIR_MODE`]).
pub fn open_mode(path: &Path, options: &mut OpenOptions, mode: u32) -> io::Result<File> {
    create_parent(path)?;
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

/// Creates (or truncates) `path` for writing, [`FILE_MODE`] when new.
pub fn create(path: &Path) -> io::Result<File> {
    open(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )
}

/// Opens `path` for appending, created with [`FILE_MODE`] when missing.
pub fn append(path: &Path) -> io::Result<File> {
    open(path, OpenOptions::new().create(true).append(true))
}

/// Creates `path` empty with [`FILE_MODE`] unless it exists: done before SQLite opens a
/// database, whose `-wal` and `-shm` files then take the database file's mode.
pub fn touch(path: &Path) -> io::Result<()> {
    match open(path, OpenOptions::new().write(true).create_new(true)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_are_owner_only_and_new_directories_too() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/rejected.tsv");
        append(&file).unwrap();
        assert_eq!(mode(&file), FILE_MODE);
        assert_eq!(mode(&dir.path().join("a")), DIR_MODE);
        assert_eq!(mode(&dir.path().join("a/b")), DIR_MODE);
        let other = dir.path().join("position");
        create(&other).unwrap();
        assert_eq!(mode(&other), FILE_MODE);
        // An existing file keeps its mode.
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o640)).unwrap();
        touch(&other).unwrap();
        append(&other).unwrap();
        assert_eq!(mode(&other), 0o640);
    }
}
