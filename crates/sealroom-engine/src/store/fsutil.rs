//! File-system care: private permissions, fsync of files and directories, and writes
//! that either happen whole or not at all.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Create `path` (which must not exist) readable only by its owner, write `bytes`,
/// and fsync the file and its directory. On failure the partial file is removed.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path)?;
    let res = file.write_all(bytes).and_then(|_| file.sync_all());
    if let Err(e) = res {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    sync_parent(path)
}

/// fsync the directory holding `path`, so a create or rename in it is durable.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    sync_dir(parent)
}

/// fsync a directory.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Create a directory readable only by its owner.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// The prefix of every partial output sealroom writes beside its final name (`read -o`,
/// `export`, `seal`, `archive open`): hidden, and never mistaken for a finished file.
pub const PARTIAL_PREFIX: &str = ".sealroom-";

/// Hold an exclusive advisory lock on an open partial output (file or folder) for as
/// long as `handle` lives: a later run knows a locked partial output is in use, and an
/// unlocked one was abandoned by a run that was killed.
pub fn lock_partial(handle: &File) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    rustix::fs::flock(handle, rustix::fs::FlockOperation::NonBlockingLockExclusive)?;
    let _ = handle;
    Ok(())
}

/// Remove the partial outputs in `dir` that no running command holds (left by a run
/// that was killed: they may hold plaintext); returns what was removed. Called before
/// writing a new output there.
pub fn remove_abandoned_partials(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(PARTIAL_PREFIX) {
            continue;
        }
        let path = entry.path();
        let Ok(handle) = File::open(&path) else {
            continue;
        };
        // Locked: a command is writing it now. Unlocked: abandoned.
        if lock_partial(&handle).is_err() {
            continue;
        }
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if gone.is_ok() {
            removed.push(path);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unlocked_partials_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let abandoned = dir.path().join(".sealroom-abandoned");
        std::fs::write(&abandoned, b"plaintext prefix").unwrap();
        let busy = dir.path().join(".sealroom-busy");
        std::fs::write(&busy, b"being written").unwrap();
        let held = File::open(&busy).unwrap();
        lock_partial(&held).unwrap();
        let folder = dir.path().join(".sealroom-open-x");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("doc.txt"), b"opened").unwrap();
        let other = dir.path().join("finished.txt");
        std::fs::write(&other, b"kept").unwrap();
        let mut removed = remove_abandoned_partials(dir.path());
        removed.sort();
        assert_eq!(removed, vec![abandoned.clone(), folder.clone()]);
        assert!(busy.exists() && other.exists());
        drop(held);
        assert_eq!(remove_abandoned_partials(dir.path()), vec![busy]);
    }
}
