//! `vault backup` and `vault restore`: a consistent copy of a whole vault, checked in
//! full before it gets its name.
//!
//! The copy is taken under the vault's write lock (acts wait; nothing can commit or
//! delete a body meanwhile): SQLite's online backup of the database, every body the
//! database refers to, and the log key. It is built in a hidden folder beside the
//! destination, checked like `doctor` checks a vault (every blob's hash, every case
//! log), and only then renamed into place; a failure leaves no half-made vault behind.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Vault;
use crate::error::{io_error, Error, Result};
use crate::store::{folder, fsutil};

/// What a backup or restore made.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct CopyReport {
    /// The new vault folder.
    pub path: PathBuf,
    /// Cases copied (every log verified in the copy).
    pub cases: usize,
    /// Bodies copied (every one hashed in the copy).
    pub blobs: usize,
    /// Bytes of bodies copied.
    pub blob_bytes: u64,
}

/// Refuse a destination that exists (an empty folder is allowed).
pub(super) fn check_destination(dest: &Path) -> Result<()> {
    if !dest.exists() {
        return Ok(());
    }
    let empty = dest.is_dir()
        && std::fs::read_dir(dest)
            .map_err(|e| io_error(format!("reading {}", dest.display()), e))?
            .next()
            .is_none();
    if empty {
        Ok(())
    } else {
        Err(Error::refused(format!(
            "{} already exists; a backup or restore never overwrites anything (choose a new folder)",
            dest.display()
        )))
    }
}

/// A private folder, under a hidden name beside `dest` (on the same file system, so
/// that it can be renamed to `dest` when it is finished); removed when dropped.
pub(super) fn work_folder_beside(dest: &Path) -> Result<tempfile::TempDir> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| io_error(format!("creating {}", parent.display()), e))?;
    tempfile::Builder::new()
        .prefix(".sealroom-copy-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir_in(&parent)
        .map_err(|e| io_error(format!("creating a folder in {}", parent.display()), e))
}

impl Vault {
    /// Copy this vault to a new folder `dest`, consistently and checked (see the module
    /// documentation).
    pub fn backup_to(&self, dest: &Path) -> Result<CopyReport> {
        if self.remote.is_some() || crate::store::scaleout::is_scaleout(&self.root) {
            return Err(Error::refused(
                "`vault backup` copies a vault folder; a scale-out vault is backed up by its database's and bucket's own backups, or copied whole into a folder with `sealroom vault copy --from DIR --to NEW-DIR`",
            ));
        }
        check_destination(dest)?;
        let work = work_folder_beside(dest)?;
        let (blobs, blob_bytes) = {
            // The write lock: no act commits, and so no body is deleted, until the
            // copy holds everything the copied records refer to. (In a vault folder any
            // case's lock is the whole database's.)
            let lock = self.write_tx("")?;
            let mut referenced: Vec<String> = lock
                .bodies()?
                .into_iter()
                .filter(|b| b.body_state == super::records::BodyState::Live.as_str())
                .map(|b| b.blob)
                .collect();
            referenced.sort();
            referenced.dedup();
            folder::copy_into(&self.root, &*self.blobs, &*lock, &referenced, work.path())?
        };

        // The full check, on the copy as it lies on disk.
        let report = Vault::open(work.path())?.doctor(None)?;
        if !report.problems.is_empty() {
            return Err(Error::integrity(format!(
                "the copy failed its check, so it was removed: {}",
                super::unhealthy(&report).message()
            )));
        }
        let made = work.keep();
        if dest.exists() {
            // An empty folder given as the destination.
            std::fs::remove_dir(dest)
                .map_err(|e| io_error(format!("replacing the empty {}", dest.display()), e))?;
        }
        std::fs::rename(&made, dest).map_err(|e| {
            let _ = std::fs::remove_dir_all(&made);
            io_error(format!("naming the copy {}", dest.display()), e)
        })?;
        fsutil::sync_parent(dest).map_err(|e| io_error("flushing the copy's folder", e))?;
        Ok(CopyReport {
            path: dest.to_owned(),
            cases: report.cases,
            blobs,
            blob_bytes,
        })
    }
}

/// Restore the backup at `backup` as a new vault at `dest`: the backup is checked in
/// full first (a damaged one is refused), then copied and checked again.
pub fn restore(backup: &Path, dest: &Path) -> Result<CopyReport> {
    check_destination(dest)?;
    let source = Vault::open(backup)?;
    let report = source.doctor(None)?;
    if !report.problems.is_empty() {
        return Err(Error::integrity(format!(
            "the backup at {} failed its check, so nothing was restored: {}",
            backup.display(),
            super::unhealthy(&report).message()
        )));
    }
    source.backup_to(dest)
}
