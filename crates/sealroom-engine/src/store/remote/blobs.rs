//! The blobs of a vault across the network: an upload streams as the ciphertext is
//! made, a download lands in an unnamed temporary file (ciphertext only; the reader
//! needs to seek, and memory stays bounded) that vanishes when closed.

use std::io::{Seek, SeekFrom};
use std::sync::Arc;

use super::client::Connection;
use crate::crypto::digest::hex;
use crate::error::{io_error, Error, Result};
use crate::store::blobs::{BlobRead, BlobStore, Listed, StoredBlob};

/// A vault service's blobs.
pub struct RemoteBlobs {
    conn: Arc<Connection>,
}

impl RemoteBlobs {
    /// The blobs behind `conn`.
    pub fn new(conn: Arc<Connection>) -> Self {
        RemoteBlobs { conn }
    }
}

impl BlobStore for RemoteBlobs {
    fn put(
        &self,
        fill: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<()>,
    ) -> Result<StoredBlob> {
        let (put, sha256, size) = self.conn.put_blob(fill)?;
        // The service names the blob by the hash it computed: it must be ours.
        if put.sha256 != hex(&sha256) || put.size != size {
            return Err(Error::integrity(
                "the vault service stored different bytes from those sent; nothing was recorded",
            ));
        }
        Ok(StoredBlob {
            sha256: put.sha256,
            size,
        })
    }

    fn get(&self, sha256: &str) -> Result<Box<dyn BlobRead>> {
        let mut from = self.conn.get_blob(sha256)?;
        let mut file = tempfile::tempfile()
            .map_err(|e| io_error("making a temporary file for a download", e))?;
        std::io::copy(&mut from, &mut file).map_err(|e| {
            io_error(
                format!("downloading blob {}", &sha256[..sha256.len().min(12)]),
                e,
            )
        })?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| io_error("reading a download", e))?;
        Ok(Box::new(file))
    }

    fn remove(&self, _sha256: &str) -> Result<()> {
        // Blobs are the operator's to remove (`doctor --repair` on the server); a
        // client's leftover upload is unreferenced and removed there.
        Ok(())
    }

    fn list(&self) -> Result<Vec<Listed>> {
        Err(Error::refused(
            "listing the vault's blobs is the operator's: run `sealroom doctor` on the server's vault folder",
        ))
    }

    fn remove_listed(&self, _entries: &[&Listed]) -> Result<()> {
        Err(Error::refused(
            "removing the vault's blobs is the operator's: run `sealroom doctor --repair` on the server",
        ))
    }
}
