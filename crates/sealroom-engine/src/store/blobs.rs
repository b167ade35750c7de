//! The blob half of the storage interface: ciphertexts named by their SHA-256, behind
//! the [`BlobStore`] trait, and the embedded implementation, [`FolderBlobs`] (one file
//! per blob in the vault's `blobs/` folder).
//!
//! The contract every blob store keeps (the folder here; an object store later), which
//! the engine relies on and [`conformance`] checks:
//!
//! - [`BlobStore::put`] hashes what it is given itself and names the blob by that
//!   hash (it never takes a hash from its caller); when it returns, the blob is
//!   durable (it survives a crash or power loss). A put whose producer fails leaves no
//!   blob under any name. The engine puts a blob before the records transaction that
//!   names it commits, so a crash leaves at worst an unreferenced blob, never a row
//!   pointing at a missing or partial one.
//! - [`BlobStore::get`] of a blob that is not there is an integrity failure (the
//!   records name it, so it was lost or removed), never an empty read. What it returns
//!   reads the blob's bytes from any position, and keeps reading them even if the
//!   blob is removed meanwhile (a read that began before a seal or rekey finishes).
//! - [`BlobStore::remove`] of a blob that is not there succeeds (removal is retried
//!   after crashes). The engine removes a blob only after the commit that stopped
//!   naming it.
//! - [`BlobStore::list`] names every blob and every leftover of an interrupted put,
//!   so `doctor` can tell the two apart and `doctor --repair` remove the leftovers.
//! - A name that is not 64 lowercase hex digits is refused, never looked up.
//!
//! In the folder store a blob is written to a temp file in the same directory,
//! fsynced, renamed to its hash, and the directory fsynced. A large blob is hashed and
//! written on a thread of its own, so that the producer (the body pipeline's calling
//! thread) only copies, and the kernel is asked to start writing it back to the disk
//! as it grows, so that the final fsync finds little left.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};

use ring::digest::{Context, SHA256};

use crate::crypto::digest::{hex, parse_hex32};
use crate::error::{io_error, Error, Result};
use crate::pool::Pool;
use crate::store::fsutil;

/// Prefix of blob temp files (never a valid hash, so never mistaken for a blob).
pub const TEMP_PREFIX: &str = ".tmp-";

/// A blob written to the store.
#[derive(Clone, Debug)]
pub struct StoredBlob {
    /// SHA-256 of the contents, hex; also its name.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// A blob opened for reading, from any position.
pub trait BlobRead: Read + Seek + Send {
    /// Its size in bytes.
    fn size(&self) -> Result<u64>;
}

impl BlobRead for File {
    fn size(&self) -> Result<u64> {
        Ok(self
            .metadata()
            .map_err(|e| io_error("reading the document's ciphertext", e))?
            .len())
    }
}

/// Where ciphertexts are kept (see the module's contract).
pub trait BlobStore: Send + Sync {
    /// Store the bytes `fill` produces (it is called once) under their SHA-256. The
    /// blob is durable when this returns.
    fn put(&self, fill: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<StoredBlob>;
    /// Open a blob for reading.
    fn get(&self, sha256: &str) -> Result<Box<dyn BlobRead>>;
    /// Remove a blob; nothing if it is not there.
    fn remove(&self, sha256: &str) -> Result<()>;
    /// Every entry of the store: blobs, leftovers of interrupted puts, and anything
    /// else found where only blobs belong, by name.
    fn list(&self) -> Result<Vec<Listed>>;
    /// Remove listed entries (blobs or leftovers; never a foreign one), durably.
    fn remove_listed(&self, entries: &[&Listed]) -> Result<()>;
    /// What the operator should know about how this store keeps data, each as one
    /// sentence for `doctor` (for instance a bucket that keeps removed blobs as old
    /// versions, which seal and destroy then do not erase). Nothing, by default.
    fn cautions(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

impl dyn BlobStore + '_ {
    /// [`BlobStore::put`] with a producer that returns a value, handed back with the
    /// blob.
    pub fn write<T>(
        &self,
        fill: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(StoredBlob, T)> {
        let mut fill = Some(fill);
        let mut value = None;
        let stored = self.put(&mut |w| {
            let fill = fill
                .take()
                .ok_or_else(|| Error::io("a blob store called its producer twice"))?;
            value = Some(fill(w)?);
            Ok(())
        })?;
        let value = value.ok_or_else(|| Error::io("a blob store never called its producer"))?;
        Ok((stored, value))
    }

    /// Hash a blob as it lies in the store: its SHA-256 (hex) and size, or `None` if
    /// it is missing.
    pub fn measure(&self, sha256: &str) -> Result<Option<(String, u64)>> {
        let blob = match self.get(sha256) {
            Ok(b) => b,
            Err(e) if e.kind() == crate::error::ErrorKind::Integrity => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut hashed = crate::crypto::digest::HashingReader::new(io::BufReader::with_capacity(
            256 * 1024,
            blob,
        ));
        io::copy(&mut hashed, &mut io::sink())
            .map_err(|e| io_error(format!("reading blob {}", &sha256[..12]), e))?;
        let (hash, size) = hashed.finish();
        Ok(Some((hex(&hash), size)))
    }

    /// Copy a blob into another store (which hashes it again as it writes). Its size.
    pub fn copy_to(&self, sha256: &str, other: &dyn BlobStore) -> Result<u64> {
        let mut from = self.get(sha256)?;
        let (stored, _) = other.write(|w| {
            io::copy(&mut from, w)
                .map_err(|e| io_error(format!("copying blob {}", &sha256[..12]), e))
        })?;
        if stored.sha256 != sha256 {
            let _ = other.remove(&stored.sha256);
            return Err(Error::integrity(format!(
                "blob {} does not match its name: it is damaged",
                &sha256[..12]
            )));
        }
        Ok(stored.size)
    }
}

/// The embedded blob store: the `blobs/` folder of a vault.
#[derive(Clone, Debug)]
pub struct FolderBlobs {
    dir: PathBuf,
}

impl FolderBlobs {
    /// The store in `dir` (which must exist).
    pub fn new(dir: PathBuf) -> Self {
        FolderBlobs { dir }
    }

    /// Where the blob with this hash lives.
    pub fn path(&self, sha256: &str) -> Result<PathBuf> {
        if parse_hex32(sha256).is_none() {
            return Err(Error::integrity(format!("`{sha256}` is not a blob hash")));
        }
        Ok(self.dir.join(sha256))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl BlobStore for FolderBlobs {
    fn put(&self, fill: &mut dyn FnMut(&mut dyn Write) -> Result<()>) -> Result<StoredBlob> {
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&self.dir)
            .map_err(|e| io_error("creating a file in the vault's blobs folder", e))?;
        let file = temp
            .as_file()
            .try_clone()
            .map_err(|e| io_error("opening a file in the vault's blobs folder", e))?;
        let mut writer = BlobWriter::new(file);
        fill(&mut writer)?;
        let (hash, size) = writer
            .finish()
            .map_err(|e| io_error("writing to the vault's blobs folder", e))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| io_error("flushing a blob to disk", e))?;
        let sha256 = hex(&hash);
        let target = self.dir.join(&sha256);
        temp.persist(&target)
            .map_err(|e| io_error("naming a blob in the vault", e.error))?;
        fsutil::sync_dir(&self.dir).map_err(|e| io_error("flushing the blobs folder", e))?;
        Ok(StoredBlob { sha256, size })
    }

    fn get(&self, sha256: &str) -> Result<Box<dyn BlobRead>> {
        let path = self.path(sha256)?;
        let file = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::integrity(format!(
                "the document's ciphertext (blob {}) is missing from the vault",
                &sha256[..12]
            )),
            _ => io_error(format!("opening blob {}", path.display()), e),
        })?;
        Ok(Box::new(file))
    }

    fn remove(&self, sha256: &str) -> Result<()> {
        let path = self.path(sha256)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("removing a blob", e)),
        }
    }

    fn list(&self) -> Result<Vec<Listed>> {
        let mut out = Vec::new();
        for entry in
            std::fs::read_dir(&self.dir).map_err(|e| io_error("reading the blobs folder", e))?
        {
            let entry = entry.map_err(|e| io_error("reading the blobs folder", e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = if name.starts_with(TEMP_PREFIX) {
                ListedKind::Unfinished
            } else if parse_hex32(&name).is_some() {
                ListedKind::Blob
            } else {
                ListedKind::Foreign
            };
            let modified = entry.metadata().ok().and_then(|m| m.modified().ok());
            out.push(Listed {
                location: entry.path().display().to_string(),
                name,
                kind,
                modified,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn remove_listed(&self, entries: &[&Listed]) -> Result<()> {
        for e in entries {
            if e.kind == ListedKind::Foreign {
                return Err(Error::usage(format!(
                    "{} is not the store's to remove",
                    e.location
                )));
            }
            std::fs::remove_file(self.dir.join(&e.name))
                .map_err(|err| io_error(format!("removing {}", e.location), err))?;
        }
        fsutil::sync_dir(&self.dir).map_err(|e| io_error("flushing the blobs folder", e))
    }
}

/// What a blob store's listing holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListedKind {
    /// A blob, named by its hash.
    Blob,
    /// What an interrupted write left.
    Unfinished,
    /// Something that is neither.
    Foreign,
}

/// One entry of a blob store's listing.
#[derive(Clone, Debug)]
pub struct Listed {
    /// Its name in the store.
    pub name: String,
    /// What it is.
    pub kind: ListedKind,
    /// Where it is, for people (a path, or an object's address).
    pub location: String,
    /// When it was last written (a file's modification time, an object's
    /// `LastModified`, an unfinished upload's start), if the store says: `doctor
    /// --repair` leaves entries younger than its grace period alone, since they may
    /// belong to an act still under way.
    pub modified: Option<std::time::SystemTime>,
}

/// Size of the pieces a blob is written in.
const PIECE_LEN: usize = 1024 * 1024;
/// Pieces in flight between the producer and the writer thread (bounds its memory).
const PIECES_IN_FLIGHT: usize = 4;
/// Largest single write(2) of a blob. The kernel backs a buffered write with page-cache
/// folios as large as the write; on a virtual machine that hands free memory back to
/// its host, large folios come from large free blocks the host has reclaimed, and
/// filling them costs several times more system time than small writes (measured:
/// 2.2 s against 0.5 s of system time per GiB with 1 MiB writes against 256 KiB ones;
/// for a 256 MiB `read -o`, 0.40 s against 0.12 s with 256 KiB writes against 64 KiB
/// ones, the same size `crypto::body::WRITE_LEN` uses).
const WRITE_LEN: usize = 64 * 1024;
/// Start writing the blob back to the disk after every this many bytes.
const WRITEBACK_EVERY: u64 = 16 * 1024 * 1024;

/// Hashes and writes a blob: on the calling thread while it fits in one piece, then on
/// a writer thread of its own, fed copies of what is written in pieces from a pool.
struct BlobWriter {
    buf: Vec<u8>,
    state: WriterState,
}

enum WriterState {
    /// Nothing handed on yet: the file, still the calling thread's (a blob that never
    /// outgrows one piece is hashed and written there, by `finish`).
    Idle(File),
    /// The writer thread has the file.
    Threaded(Worker),
    /// Finished or failed.
    Gone,
}

/// The SHA-256 and size of what the writer thread wrote.
type Written = ([u8; 32], u64);

/// The writer thread and the channels to it.
struct Worker {
    pieces: Option<Sender<Vec<u8>>>,
    pool: Pool,
    handle: Option<JoinHandle<io::Result<Written>>>,
}

impl BlobWriter {
    fn new(file: File) -> Self {
        BlobWriter {
            buf: Vec::with_capacity(PIECE_LEN),
            state: WriterState::Idle(file),
        }
    }

    /// Hand the full buffer to the writer thread (starting it the first time) and
    /// take an empty one.
    fn hand_on(&mut self) -> io::Result<()> {
        if matches!(self.state, WriterState::Idle(_)) {
            if let WriterState::Idle(file) = std::mem::replace(&mut self.state, WriterState::Gone) {
                self.state = WriterState::Threaded(Worker::start(file)?);
            }
        }
        let WriterState::Threaded(worker) = &mut self.state else {
            return Err(io::Error::other("the blob writer has stopped"));
        };
        let full = std::mem::take(&mut self.buf);
        if worker
            .pieces
            .as_ref()
            .is_none_or(|tx| tx.send(full).is_err())
        {
            return Err(worker.stop());
        }
        self.buf = match worker.pool.take() {
            Some(buf) => buf,
            None => return Err(worker.stop()),
        };
        self.buf.clear();
        Ok(())
    }

    /// Write what is left; the SHA-256 and size of everything written.
    fn finish(mut self) -> io::Result<Written> {
        match std::mem::replace(&mut self.state, WriterState::Gone) {
            WriterState::Idle(mut file) => {
                file.write_all(&self.buf)?;
                let mut context = Context::new(&SHA256);
                context.update(&self.buf);
                Ok((digest(context), self.buf.len() as u64))
            }
            WriterState::Threaded(mut worker) => {
                let last = std::mem::take(&mut self.buf);
                if !last.is_empty()
                    && worker
                        .pieces
                        .as_ref()
                        .is_none_or(|tx| tx.send(last).is_err())
                {
                    return Err(worker.stop());
                }
                worker.pieces = None;
                worker.join()
            }
            WriterState::Gone => Err(io::Error::other("the blob writer has stopped")),
        }
    }
}

impl Write for BlobWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() == PIECE_LEN {
            self.hand_on()?;
        }
        let n = data.len().min(PIECE_LEN - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Worker {
    /// Start the writer thread on `file`.
    fn start(file: File) -> io::Result<Worker> {
        let (pieces_tx, pieces_rx) = mpsc::channel::<Vec<u8>>();
        // The writer's own first buffer is one of the pieces in flight.
        let (pool, back_tx) = Pool::new(PIECE_LEN, PIECES_IN_FLIGHT - 1);
        let handle = thread::Builder::new()
            .name("sealroom-blob".to_owned())
            .spawn(move || write_pieces(file, pieces_rx, back_tx))?;
        Ok(Worker {
            pieces: Some(pieces_tx),
            pool,
            handle: Some(handle),
        })
    }

    /// Wait for the thread: the hash and size of what it wrote, or its error.
    fn join(&mut self) -> io::Result<Written> {
        self.pieces = None;
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(outcome)) => outcome,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(io::Error::other("the blob writer has stopped")),
        }
    }

    /// The thread stopped early: its error.
    fn stop(&mut self) -> io::Error {
        match self.join() {
            Err(e) => e,
            Ok(_) => io::Error::other("the blob writer stopped early"),
        }
    }
}

impl Drop for Worker {
    /// A blob abandoned half way (its producer failed): let the thread end before the
    /// temp file goes.
    fn drop(&mut self) {
        self.pieces = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The writer thread: hash and write each piece, give its buffer back, and have the
/// kernel start writing the blob back to the disk as it grows.
fn write_pieces(
    mut file: File,
    pieces: Receiver<Vec<u8>>,
    back: Sender<Vec<u8>>,
) -> io::Result<Written> {
    let mut context = Context::new(&SHA256);
    let mut size = 0u64;
    let mut written_back = 0u64;
    for piece in pieces {
        context.update(&piece);
        for part in piece.chunks(WRITE_LEN) {
            file.write_all(part)?;
        }
        size += piece.len() as u64;
        if size - written_back >= WRITEBACK_EVERY {
            start_writeback(&file, written_back, size);
            written_back = size;
        }
        // The producer may have finished and gone: nothing to give back to.
        let _ = back.send(piece);
    }
    Ok((digest(context), size))
}

/// Ask the kernel to start writing bytes `from..to` of `file` to the disk now, without
/// waiting (`POSIX_FADV_DONTNEED` starts the writeback of dirty pages), so that the
/// final fsync finds little left to do and the disk works while the pipeline does. A
/// hint only: the final fsync is what makes the blob durable, and reports any error.
fn start_writeback(file: &File, from: u64, to: u64) {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{fadvise, Advice};
        let _ = fadvise(
            file,
            from,
            std::num::NonZeroU64::new(to - from),
            Advice::DontNeed,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, from, to);
}

fn digest(context: Context) -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash.copy_from_slice(context.finish().as_ref());
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_store_keeps_the_blob_store_contract() {
        let dir = tempfile::tempdir().unwrap();
        super::super::conformance::run(&FolderBlobs::new(dir.path().to_owned())).unwrap();
    }

    #[test]
    fn a_blob_is_named_by_its_hash_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderBlobs::new(dir.path().to_owned());
        let blobs: &dyn BlobStore = &store;
        let (blob, ()) = blobs
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
        let store = FolderBlobs::new(dir.path().to_owned());
        let blobs: &dyn BlobStore = &store;
        let res: Result<(StoredBlob, ())> = blobs.write(|_| Err(Error::io("boom")));
        assert!(res.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Deterministic bytes that no two pieces share.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + i / 4093) as u8).collect()
    }

    #[test]
    fn a_large_blob_written_in_odd_pieces_is_whole_and_named_by_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderBlobs::new(dir.path().to_owned());
        let blobs: &dyn BlobStore = &store;
        // Several pieces, past the first writeback, in writes that straddle pieces.
        let data = pattern(WRITEBACK_EVERY as usize + 3 * PIECE_LEN + 12_345);
        let (blob, ()) = blobs
            .write(|w| {
                for part in data.chunks(PIECE_LEN / 3 + 7) {
                    w.write_all(part).map_err(|e| io_error("w", e))?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(blob.size, data.len() as u64);
        assert_eq!(blob.sha256, hex(&crate::crypto::digest::sha256(&data)));
        let on_disk = std::fs::read(store.path(&blob.sha256).unwrap()).unwrap();
        assert!(
            on_disk == data,
            "the blob's bytes differ from what was written"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn blobs_of_every_size_near_a_piece_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderBlobs::new(dir.path().to_owned());
        let blobs: &dyn BlobStore = &store;
        for len in [0, 1, PIECE_LEN - 1, PIECE_LEN, PIECE_LEN + 1, 2 * PIECE_LEN] {
            let data = pattern(len);
            let (blob, ()) = blobs
                .write(|w| w.write_all(&data).map_err(|e| io_error("w", e)))
                .unwrap();
            assert_eq!(blob.size, len as u64, "size of a {len}-byte blob");
            assert_eq!(
                std::fs::read(store.path(&blob.sha256).unwrap()).unwrap(),
                data,
                "contents of a {len}-byte blob"
            );
        }
    }

    #[test]
    fn a_fill_failing_after_the_writer_thread_started_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderBlobs::new(dir.path().to_owned());
        let blobs: &dyn BlobStore = &store;
        let data = pattern(5 * PIECE_LEN);
        let res: Result<(StoredBlob, ())> = blobs.write(|w| {
            w.write_all(&data).map_err(|e| io_error("w", e))?;
            Err(Error::io("the document could not be read to its end"))
        });
        assert!(res.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
