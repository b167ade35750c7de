//! The blob store: one file per ciphertext in `blobs/`, named by its SHA-256.
//!
//! A blob is written to a temp file in the same directory, fsynced, renamed to its
//! hash, and the directory fsynced, all before the database row that references it
//! commits. A crash therefore leaves at worst an unreferenced blob or temp file,
//! which `doctor` removes; never a row pointing at a missing or partial blob.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::crypto::digest::{hex, parse_hex32, HashingWriter};
use crate::error::{io_error, Error, Result};
use crate::store::fsutil;

/// Prefix of blob temp files (never a valid hash, so never mistaken for a blob).
pub const TEMP_PREFIX: &str = ".tmp-";

/// A blob written to disk.
#[derive(Clone, Debug)]
pub struct StoredBlob {
    /// SHA-256 of the contents, hex; also the file name.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The `blobs/` directory of a vault.
#[derive(Clone, Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// The store in `dir` (which must exist).
    pub fn new(dir: PathBuf) -> Self {
        BlobStore { dir }
    }

    /// Where the blob with this hash lives.
    pub fn path(&self, sha256: &str) -> Result<PathBuf> {
        if parse_hex32(sha256).is_none() {
            return Err(Error::integrity(format!("`{sha256}` is not a blob hash")));
        }
        Ok(self.dir.join(sha256))
    }

    /// Write a new blob produced by `fill`; returns its hash and size with `fill`'s
    /// result. The blob is durable when this returns.
    pub fn write<T>(
        &self,
        fill: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(StoredBlob, T)> {
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&self.dir)
            .map_err(|e| io_error("creating a file in the vault's blobs folder", e))?;
        let mut writer = HashingWriter::new(BufWriter::with_capacity(256 * 1024, temp));
        let value = fill(&mut writer)?;
        let (buffered, hash, size) = writer.finish();
        let temp = buffered
            .into_inner()
            .map_err(|e| io_error("writing to the vault's blobs folder", e.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| io_error("flushing a blob to disk", e))?;
        let sha256 = hex(&hash);
        let target = self.dir.join(&sha256);
        temp.persist(&target)
            .map_err(|e| io_error("naming a blob in the vault", e.error))?;
        fsutil::sync_dir(&self.dir).map_err(|e| io_error("flushing the blobs folder", e))?;
        Ok((StoredBlob { sha256, size }, value))
    }

    /// Open a blob for reading.
    pub fn open(&self, sha256: &str) -> Result<File> {
        let path = self.path(sha256)?;
        File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::integrity(format!(
                "the document's ciphertext (blob {}) is missing from the vault",
                &sha256[..12]
            )),
            _ => io_error(format!("opening blob {}", path.display()), e),
        })
    }

    /// Remove a blob (used when the transaction that would reference it fails).
    pub fn remove(&self, sha256: &str) -> Result<()> {
        let path = self.path(sha256)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("removing a blob", e)),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_is_named_by_its_hash_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().to_owned());
        let (blob, ()) = store
            .write(|w| w.write_all(b"ciphertext").map_err(|e| io_error("w", e)))
            .unwrap();
        assert_eq!(
            blob.sha256,
            hex(&crate::crypto::digest::sha256(b"ciphertext"))
        );
        assert_eq!(
            std::fs::read(store.path(&blob.sha256).unwrap()).unwrap(),
            b"ciphertext"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_failed_fill_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().to_owned());
        let res: Result<(StoredBlob, ())> = store.write(|_| Err(Error::io("boom")));
        assert!(res.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
