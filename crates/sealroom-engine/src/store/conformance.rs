//! The conformance checks every blob store must pass (the contract in
//! [`super::blobs`]): run on the folder store by its tests, and to be run on every
//! other implementation by theirs. Each check says which promise it tests; the first
//! broken one is returned as a sentence.

use std::io::Read as _;

use super::blobs::{BlobStore, FolderBlobs, ListedKind};
use crate::crypto::digest::{hex, sha256};
use crate::error::{Error, ErrorKind};

/// Run every check on an empty `store`. `Ok` when the store keeps the contract.
pub fn run(store: &dyn BlobStore) -> Result<(), String> {
    let fail = |what: &str| Err(format!("blob store contract: {what}"));
    let e = |what: &str, err: Error| format!("blob store contract: {what}: {}", err.message());

    // Names are the hash of what was written, computed by the store.
    let bytes = b"a ciphertext, as far as the store knows".repeat(1000);
    let (stored, value) = store
        .write(|w| {
            w.write_all(&bytes)
                .map_err(|err| crate::error::io_error("writing", err))?;
            Ok(7)
        })
        .map_err(|err| e("write", err))?;
    if value != 7 || stored.sha256 != hex(&sha256(&bytes)) || stored.size != bytes.len() as u64 {
        return fail(
            "write must name a blob by the SHA-256 of its bytes and return the producer's value",
        );
    }
    // What is read back is what was written.
    let mut back = Vec::new();
    store
        .get(&stored.sha256)
        .map_err(|err| e("open", err))?
        .read_to_end(&mut back)
        .map_err(|err| format!("blob store contract: reading back: {err}"))?;
    if back != bytes {
        return fail("open must return the bytes written");
    }
    match store.measure(&stored.sha256) {
        Ok(Some((hash, size))) if hash == stored.sha256 && size == stored.size => {}
        _ => return fail("measure must hash the blob as stored"),
    }
    // Writing the same bytes again is the same blob.
    let (again, _) = store
        .write(|w| {
            w.write_all(&bytes)
                .map_err(|err| crate::error::io_error("writing", err))
        })
        .map_err(|err| e("write again", err))?;
    if again.sha256 != stored.sha256 {
        return fail("the same bytes must make the same blob");
    }
    // A producer that fails leaves nothing behind.
    let before = store.list().map_err(|err| e("list", err))?.len();
    let failed = store.write(|w| {
        w.write_all(b"half a ciphertext")
            .map_err(|err| crate::error::io_error("writing", err))?;
        Err::<(), _>(Error::io("the producer failed"))
    });
    if failed.is_ok() {
        return fail("a write whose producer fails must fail");
    }
    let after = store.list().map_err(|err| e("list", err))?;
    if after.len() != before {
        return fail("a failed write must leave no blob and no leftover");
    }
    // Listing names the blob as a blob.
    if !after
        .iter()
        .any(|l| l.name == stored.sha256 && l.kind == ListedKind::Blob)
    {
        return fail("list must name every blob");
    }
    // Removing is idempotent; a removed blob is missing, and missing is an integrity failure.
    store
        .remove(&stored.sha256)
        .map_err(|err| e("remove", err))?;
    store
        .remove(&stored.sha256)
        .map_err(|err| e("remove twice", err))?;
    match store.get(&stored.sha256) {
        Err(err) if err.kind() == ErrorKind::Integrity => {}
        _ => return fail("opening a missing blob must be an integrity failure"),
    }
    if store
        .measure(&stored.sha256)
        .map_err(|err| e("measure", err))?
        .is_some()
    {
        return fail("measure must say a missing blob is missing");
    }
    // A name that is not a hash is refused, never looked up.
    if store.get("../sealroom.db").is_ok() || store.remove("../sealroom.db").is_ok() {
        return fail("a name that is not a SHA-256 must be refused");
    }
    // Copies are checked: the copy has the same name and bytes.
    let (one, _) = store
        .write(|w| {
            w.write_all(b"to be copied")
                .map_err(|err| crate::error::io_error("writing", err))
        })
        .map_err(|err| e("write", err))?;
    let other_dir = tempfile::tempdir().map_err(|err| format!("a temp folder: {err}"))?;
    let other = FolderBlobs::new(other_dir.path().to_owned());
    let other: &dyn BlobStore = &other;
    store
        .copy_to(&one.sha256, other)
        .map_err(|err| e("copy_to", err))?;
    match other.measure(&one.sha256) {
        Ok(Some((hash, _))) if hash == one.sha256 => Ok(()),
        _ => fail("copy_to must make the same blob in the other store"),
    }
}
