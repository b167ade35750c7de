//! The embedded default vault: one folder holding the SQLite records
//! (`sealroom.db`), the blob folder (`blobs/`) and the vault's log key (`log.key`).
//! Every path inside a vault folder is named here.

use std::path::Path;
use std::sync::Arc;

use super::blobs::{BlobStore, FolderBlobs};
use super::fsutil;
use super::records::sqlite::SqliteStore;
use super::records::{RecordStore, RecordsTx};
use crate::error::{io_error, Error, Result};

/// File name of the database inside a vault.
pub const DB_FILE: &str = "sealroom.db";
/// Folder of ciphertext blobs inside a vault.
pub const BLOBS_DIR: &str = "blobs";
/// The vault's Ed25519 log key (PKCS#8), which signs checkpoints.
pub const LOG_KEY_FILE: &str = "log.key";

/// The two stores of a vault folder.
pub struct Stores {
    /// The records (SQLite).
    pub records: Box<dyn RecordStore>,
    /// The blobs (`blobs/`).
    pub blobs: Arc<dyn BlobStore>,
}

/// Whether `root` holds a vault.
pub fn is_vault(root: &Path) -> bool {
    root.join(DB_FILE).is_file()
}

/// Whether `root` holds a vault's database (even a damaged one).
pub fn has_database(root: &Path) -> bool {
    root.join(DB_FILE).exists()
}

/// Make the stores of a new vault in the existing, empty, private folder `root`, with
/// its log key (PKCS#8) and the facts recorded at init.
pub fn create(root: &Path, log_key: &[u8], vault_id: &str, log_verifier: &str) -> Result<Stores> {
    fsutil::create_private_dir(&root.join(BLOBS_DIR))
        .map_err(|e| io_error("creating the blobs folder", e))?;
    fsutil::write_new_private(&root.join(LOG_KEY_FILE), log_key)
        .map_err(|e| io_error("writing the vault's log key", e))?;
    let records = SqliteStore::create(&root.join(DB_FILE), vault_id, log_verifier)?;
    fsutil::sync_dir(root).map_err(|e| io_error("flushing the vault folder", e))?;
    Ok(Stores {
        records: Box::new(records),
        blobs: Arc::new(FolderBlobs::new(root.join(BLOBS_DIR))),
    })
}

/// Open the stores of the vault in `root` (which [`is_vault`]).
pub fn open(root: &Path) -> Result<Stores> {
    Ok(Stores {
        records: Box::new(SqliteStore::open(&root.join(DB_FILE))?),
        blobs: Arc::new(FolderBlobs::new(root.join(BLOBS_DIR))),
    })
}

/// The vault's log key (PKCS#8), read for one append.
pub fn read_log_key(root: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let path = root.join(LOG_KEY_FILE);
    Ok(zeroize::Zeroizing::new(std::fs::read(&path).map_err(|e| {
        Error::io(format!(
            "the vault's log key {} cannot be read ({}), so the act cannot be logged and was not done; restore log.key from the vault's backup",
            path.display(),
            if e.kind() == std::io::ErrorKind::NotFound { "it is missing".to_owned() } else { e.to_string() }
        ))
    })?))
}

/// Copy the vault in `root` into the empty folder `to`: its database (SQLite's online
/// backup), the bodies `blobs` names (each hashed again as it is written) and its log
/// key. `lock` is a write transaction of the vault's records, held by the caller so
/// that nothing commits, and so no body is deleted, until the copy holds everything
/// the copied database refers to. The number and bytes of bodies copied.
pub fn copy_into(
    root: &Path,
    from_blobs: &dyn BlobStore,
    lock: &dyn RecordsTx,
    blobs: &[String],
    to: &Path,
) -> Result<(usize, u64)> {
    fsutil::create_private_dir(&to.join(BLOBS_DIR))
        .map_err(|e| io_error("creating the copy's blobs folder", e))?;
    let _ = lock;
    super::records::sqlite::copy_database(&root.join(DB_FILE), &to.join(DB_FILE))?;
    let copy_blobs = FolderBlobs::new(to.join(BLOBS_DIR));
    let mut bytes = 0;
    for blob in blobs {
        bytes += from_blobs.copy_to(blob, &copy_blobs)?;
    }
    let key = read_log_key(root)?;
    fsutil::write_new_private(&to.join(LOG_KEY_FILE), &key)
        .map_err(|e| io_error("writing the copy's log key", e))?;
    for dir in [to.join(BLOBS_DIR), to.to_owned()] {
        fsutil::sync_dir(&dir).map_err(|e| io_error("flushing the copy", e))?;
    }
    Ok((blobs.len(), bytes))
}
