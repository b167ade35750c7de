//! The age v1 payload sealed and opened with ring, its chunks spread over threads.
//!
//! An age file is a header (the file key wrapped to each recipient, and a MAC) followed
//! by a 16-byte nonce and the payload: STREAM, ChaCha20-Poly1305 over 64 KiB chunks,
//! chunk `i` under the nonce `i` (11 bytes, big-endian) followed by a flag byte that is
//! 1 on the last chunk only. Every chunk is sealed and opened on its own, so a batch of
//! them can go to several cores at once; the age crate's own stream works one chunk at
//! a time, and its ChaCha20-Poly1305 costs about twice ring's on this kind of machine.
//!
//! The header stays the age crate's: writing goes through `age::Encryptor` with the
//! caller's recipient, reading through `age::Decryptor` with the caller's identity,
//! each wrapped only to keep a copy of the file key it sees (the header MAC is checked
//! by the crate before that key is used). From the file key and the nonce the payload
//! key is derived as age derives it (HKDF-SHA-256, salt the nonce, info `payload`).
//! Nothing here is a new primitive: ring does the AEAD and the HKDF.
//!
//! The files written are standard age v1 files (stock `age -d` opens them), and the
//! reader accepts exactly what the spec allows: the last chunk is flagged, only an
//! empty file ends in an empty chunk, nothing follows the last chunk, and a stream
//! that stops at a chunk boundary without its last chunk is truncated. What a chunk
//! that fails authentication would have given is never released; the chunks before it
//! are, as with any streaming age reader.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{self, BufRead, Read, Write};
use std::thread;

use age::secrecy::ExposeSecret as _;
use age_core::format::{FileKey, Stanza};
use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, CHACHA20_POLY1305};
use ring::hkdf;
use zeroize::Zeroizing;

/// Plaintext bytes per STREAM chunk.
pub const CHUNK_LEN: usize = 64 * 1024;
/// The Poly1305 tag each chunk grows by.
pub const TAG_LEN: usize = 16;
/// One sealed chunk: its plaintext and its tag.
pub const SEALED_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;
/// The payload nonce between the header and the first chunk.
const NONCE_LEN: usize = 16;
/// Chunks sealed or opened together, spread over the lanes: 1 MiB of plaintext, large
/// enough that starting threads costs little beside the work, small enough that the
/// pipeline stays a few MiB.
pub const BATCH_CHUNKS: usize = 16;
/// The most header (and nonce) read before giving up: far above any honest header
/// (sealroom's are under 1 KiB) and small enough that a hostile one costs nothing.
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// Chunks fewer than this per lane are not worth a thread of their own.
const MIN_CHUNKS_PER_LANE: usize = 4;

/// How many threads seal or open one batch: half the cores (the rest of a deposit's or
/// a read's pipeline, hashing, compressing, reading and writing, keeps about two busy),
/// up to a batch's worth of lanes of [`MIN_CHUNKS_PER_LANE`] chunks. 1 works on the
/// calling thread alone; more start that many threads per batch (tens of
/// microseconds, about 2% of a 1 MiB batch's work). Measured on 2 cores: the same
/// deposit and read times with 1 lane and with 2.
pub fn default_lanes() -> usize {
    (thread::available_parallelism().map_or(1, |n| n.get()) / 2)
        .clamp(1, BATCH_CHUNKS / MIN_CHUNKS_PER_LANE)
}

/// The key of one file's payload.
struct PayloadKey(LessSafeKey);

impl PayloadKey {
    /// Derive it as age does: HKDF-SHA-256 of the file key, salted with the nonce.
    fn derive(file_key: &[u8; 16], nonce: &[u8; NONCE_LEN]) -> PayloadKey {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, nonce).extract(file_key);
        let okm = prk
            .expand(&[b"payload"], &CHACHA20_POLY1305)
            .expect("32 bytes is within HKDF-SHA-256's output length");
        PayloadKey(LessSafeKey::new(UnboundKey::from(okm)))
    }
}

/// The nonce of chunk `counter`.
fn chunk_nonce(counter: u64, last: bool) -> Nonce {
    let mut nonce = [0u8; 12];
    nonce[3..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    Nonce::assume_unique_for_key(nonce)
}

/// A copy of a file key, wiped on drop.
type KeptKey = RefCell<Option<Zeroizing<[u8; 16]>>>;

fn keep(kept: &KeptKey, file_key: &FileKey) {
    *kept.borrow_mut() = Some(Zeroizing::new(*file_key.expose_secret()));
}

/// The caller's recipient, keeping a copy of the file key it wraps.
struct KeepingRecipient<'a> {
    inner: &'a dyn age::Recipient,
    kept: KeptKey,
}

impl age::Recipient for KeepingRecipient<'_> {
    fn wrap_file_key(
        &self,
        file_key: &FileKey,
    ) -> Result<(Vec<Stanza>, HashSet<String>), age::EncryptError> {
        keep(&self.kept, file_key);
        self.inner.wrap_file_key(file_key)
    }
}

/// The caller's identity, keeping a copy of the file key it unwraps.
struct KeepingIdentity<'a> {
    inner: &'a dyn age::Identity,
    kept: KeptKey,
}

impl age::Identity for KeepingIdentity<'_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        let unwrapped = self.inner.unwrap_stanzas(stanzas);
        if let Some(Ok(file_key)) = &unwrapped {
            keep(&self.kept, file_key);
        }
        unwrapped
    }
}

/// Start an age file to `recipient` on `output`: the age crate writes the header and
/// the nonce, and the returned writer seals the payload on `lanes` threads.
pub fn encrypt<W: Write>(
    recipient: &dyn age::Recipient,
    mut output: W,
    lanes: usize,
) -> Result<PayloadWriter<W>, age::EncryptError> {
    let keeping = KeepingRecipient {
        inner: recipient,
        kept: RefCell::new(None),
    };
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&keeping as _))?;
    let mut head = Vec::with_capacity(256);
    // The crate's stream writer is dropped unused: only its header and nonce are kept.
    drop(
        encryptor
            .wrap_output(&mut head)
            .map_err(age::EncryptError::Io)?,
    );
    let file_key = keeping
        .kept
        .into_inner()
        .ok_or_else(|| age::EncryptError::Io(io::Error::other("no file key was wrapped")))?;
    let nonce: [u8; NONCE_LEN] = head[head.len() - NONCE_LEN..]
        .try_into()
        .expect("the header ends with the nonce");
    output.write_all(&head).map_err(age::EncryptError::Io)?;
    Ok(PayloadWriter {
        key: PayloadKey::derive(&file_key, &nonce),
        output,
        counter: 0,
        held: 0,
        batch: Zeroizing::new(vec![0u8; BATCH_CHUNKS * SEALED_CHUNK_LEN]),
        lanes: lanes.max(1),
    })
}

/// Seals what is written to it into STREAM chunks, a batch at a time. Call
/// [`PayloadWriter::finish`]: without it the file has no last chunk and is truncated.
pub struct PayloadWriter<W: Write> {
    key: PayloadKey,
    output: W,
    /// The next chunk's number.
    counter: u64,
    /// Plaintext bytes in `batch`, not sealed yet: up to a batch, held until more
    /// arrives or the end, since only then is it known whether its last chunk is the
    /// file's last.
    held: usize,
    /// The batch, laid out as it is sealed: each chunk's plaintext where its ciphertext
    /// goes, room for its tag after it, so sealing needs no copy.
    batch: Zeroizing<Vec<u8>>,
    lanes: usize,
}

impl<W: Write> PayloadWriter<W> {
    /// Seal what is held, its last chunk flagged as the file's last, and return the
    /// output. An empty file is one empty last chunk.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal_held(true)?;
        Ok(self.output)
    }

    fn seal_held(&mut self, last: bool) -> io::Result<()> {
        let chunks = self.held.div_ceil(CHUNK_LEN).max(1);
        // Every chunk but the last is full, so the sealed chunks lie end to end.
        let sealed_len = self.held + chunks * TAG_LEN;
        seal_batch(
            &self.key.0,
            self.counter,
            &mut self.batch[..sealed_len],
            self.held,
            last,
            self.lanes,
        );
        self.counter += chunks as u64;
        self.held = 0;
        self.output.write_all(&self.batch[..sealed_len])
    }
}

impl<W: Write> Write for PayloadWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        if self.held == BATCH_CHUNKS * CHUNK_LEN {
            // More follows, so none of these chunks is the last.
            self.seal_held(false)?;
        }
        let (chunk, offset) = (self.held / CHUNK_LEN, self.held % CHUNK_LEN);
        let n = data.len().min(CHUNK_LEN - offset);
        let at = chunk * SEALED_CHUNK_LEN + offset;
        self.batch[at..at + n].copy_from_slice(&data[..n]);
        self.held += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.output.flush()
    }
}

/// Seal in place the `plain_len` bytes of plaintext laid out in `batch` as chunks
/// `counter..` (each chunk's plaintext followed by room for its tag), the last one
/// flagged if `last`, over up to `lanes` threads.
fn seal_batch(
    key: &LessSafeKey,
    counter: u64,
    batch: &mut [u8],
    plain_len: usize,
    last: bool,
    lanes: usize,
) {
    let chunks = plain_len.div_ceil(CHUNK_LEN).max(1);
    let seal_range = |first: usize, sealed: &mut [u8]| {
        for (i, chunk) in sealed.chunks_mut(SEALED_CHUNK_LEN).enumerate() {
            let index = first + i;
            let (body, tag) = chunk.split_at_mut(chunk.len() - TAG_LEN);
            let nonce = chunk_nonce(counter + index as u64, last && index + 1 == chunks);
            let t: Tag = key
                .seal_in_place_separate_tag(nonce, Aad::empty(), body)
                .expect("a 64 KiB chunk is within ChaCha20-Poly1305's limits");
            tag.copy_from_slice(t.as_ref());
        }
    };
    let lanes = lanes.min(chunks / MIN_CHUNKS_PER_LANE).max(1);
    if lanes == 1 {
        seal_range(0, batch);
        return;
    }
    let per_lane = chunks.div_ceil(lanes);
    thread::scope(|s| {
        for (lane, part) in batch.chunks_mut(per_lane * SEALED_CHUNK_LEN).enumerate() {
            let seal_range = &seal_range;
            s.spawn(move || seal_range(lane * per_lane, part));
        }
    });
}

/// An age file's header and nonce, read and checked by the age crate; its payload not
/// yet touched.
pub struct Header<R> {
    input: R,
    /// The header's bytes and the nonce, as read.
    head: Vec<u8>,
}

impl<R: BufRead> Header<R> {
    /// Read the header (its lines up to the MAC line, at most [`MAX_HEADER_LEN`] bytes)
    /// and the nonce from `input`, and have the age crate parse them.
    pub fn read(mut input: R) -> Result<Header<R>, age::DecryptError> {
        let mut head = Vec::with_capacity(256);
        loop {
            let start = head.len();
            let room = (MAX_HEADER_LEN - start) as u64;
            let n = (&mut input).take(room).read_until(b'\n', &mut head)?;
            if n == 0 || !head.ends_with(b"\n") {
                // Cut short, or too long to be a header sealroom would read.
                return Err(if head.len() >= MAX_HEADER_LEN {
                    age::DecryptError::InvalidHeader
                } else {
                    age::DecryptError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the age header is cut short",
                    ))
                });
            }
            // Stanza lines start with "->" and their bodies are base64: the first line
            // starting with "---" can only be the MAC line (the crate checks it is).
            if head[start..].starts_with(b"---") {
                break;
            }
        }
        let mut nonce = [0u8; NONCE_LEN];
        input.read_exact(&mut nonce)?;
        head.extend_from_slice(&nonce);
        let header = Header { input, head };
        header.parsed()?;
        Ok(header)
    }

    /// The age crate's decryptor of the header and nonce alone (the payload is ours).
    fn parsed(&self) -> Result<age::Decryptor<&[u8]>, age::DecryptError> {
        let mut rest = &self.head[..];
        age::Decryptor::new_buffered(&mut rest)?;
        if !rest.is_empty() {
            // The crate read the header differently from the line scan above.
            return Err(age::DecryptError::InvalidHeader);
        }
        Ok(age::Decryptor::new_buffered(&self.head[..]).expect("it parsed once"))
    }

    /// Unwrap the file key with `identity` (the age crate checks the header MAC with
    /// it) and return the reader of the payload, opened on `lanes` threads.
    pub fn decrypt(
        self,
        identity: &dyn age::Identity,
        lanes: usize,
    ) -> Result<PayloadReader<R>, age::DecryptError> {
        let keeping = KeepingIdentity {
            inner: identity,
            kept: RefCell::new(None),
        };
        // The crate's stream reader is dropped unread: it only proves the MAC checked.
        drop(self.parsed()?.decrypt(std::iter::once(&keeping as _))?);
        let file_key = keeping
            .kept
            .into_inner()
            .ok_or(age::DecryptError::NoMatchingKeys)?;
        let nonce: [u8; NONCE_LEN] = self.head[self.head.len() - NONCE_LEN..]
            .try_into()
            .expect("the head ends with the nonce");
        Ok(PayloadReader {
            key: PayloadKey::derive(&file_key, &nonce),
            input: self.input,
            counter: 0,
            buf: Zeroizing::new(Vec::new()),
            chunks: Vec::with_capacity(BATCH_CHUNKS),
            current: 0,
            pos: 0,
            failure: None,
            ended: false,
            lanes: lanes.max(1),
        })
    }
}

/// Opens the STREAM chunks of a payload a batch at a time and reads out their
/// plaintext. Ends (`Ok(0)`) only after the last chunk; a failure is reported once
/// every chunk before it has been read.
pub struct PayloadReader<R> {
    key: PayloadKey,
    input: R,
    /// The next batch's first chunk number.
    counter: u64,
    /// The batch: sealed chunks, opened in place (each chunk's plaintext where its
    /// ciphertext was).
    buf: Zeroizing<Vec<u8>>,
    /// The plaintext ranges of the batch's authenticated chunks, in order.
    chunks: Vec<(usize, usize)>,
    /// The chunk being read, and the read position in `buf`.
    current: usize,
    pos: usize,
    /// What went wrong after the chunks in `chunks`: reported when they are read.
    failure: Option<io::Error>,
    /// The last chunk has been opened.
    ended: bool,
    lanes: usize,
}

/// The error of a chunk that fails to authenticate.
fn unauthentic() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "an age payload chunk failed authentication",
    )
}

/// The error of a payload that stops before its last chunk.
fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the age file is truncated")
}

impl<R: BufRead> PayloadReader<R> {
    /// Read the next batch of sealed chunks and open them.
    fn next_batch(&mut self) -> io::Result<()> {
        let want = BATCH_CHUNKS * SEALED_CHUNK_LEN;
        self.buf.clear();
        self.chunks.clear();
        (&mut self.input)
            .take(want as u64)
            .read_to_end(&mut self.buf)?;
        let at_end = self.buf.len() < want || self.input.fill_buf()?.is_empty();
        if self.buf.is_empty() {
            // Everything before had more after it: the last chunk never came.
            self.ended = true;
            self.failure = Some(truncated());
            return Ok(());
        }
        let count = self.buf.len().div_ceil(SEALED_CHUNK_LEN);
        let mut opened = vec![Opened::Failed; count];
        open_batch(
            &self.key.0,
            self.counter,
            &mut self.buf,
            &mut opened,
            at_end,
            self.lanes,
        );
        for (i, how) in opened.iter().enumerate() {
            let start = i * SEALED_CHUNK_LEN;
            let last = at_end && i + 1 == count;
            match *how {
                Opened::Chunk(0) if last && self.counter + i as u64 > 0 => {
                    // Only an empty file may end in an empty chunk.
                    self.failure = Some(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the age file ends in an empty chunk",
                    ));
                }
                Opened::Chunk(len) => {
                    self.chunks.push((start, start + len));
                    continue;
                }
                Opened::LastTooEarly => {
                    self.chunks.push((start, start + CHUNK_LEN));
                    self.failure = Some(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "data follows the last chunk of the age file",
                    ));
                }
                Opened::CutAfter => {
                    self.chunks.push((start, start + CHUNK_LEN));
                    self.failure = Some(truncated());
                }
                Opened::Failed => self.failure = Some(unauthentic()),
            }
            break;
        }
        self.counter += count as u64;
        self.ended = at_end || self.failure.is_some();
        self.current = 0;
        self.pos = self.chunks.first().map_or(0, |c| c.0);
        Ok(())
    }
}

impl<R: BufRead> Read for PayloadReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(&(_, end)) = self.chunks.get(self.current) {
                if self.pos < end {
                    let n = out.len().min(end - self.pos);
                    out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
                    self.pos += n;
                    return Ok(n);
                }
                self.current += 1;
                if let Some(&(start, _)) = self.chunks.get(self.current) {
                    self.pos = start;
                }
                continue;
            }
            if let Some(e) = self.failure.take() {
                // Reported once; later reads fail the same way.
                self.failure = Some(io::Error::new(e.kind(), e.to_string()));
                return Err(e);
            }
            if self.ended {
                return Ok(0);
            }
            self.next_batch()?;
        }
    }
}

/// How one sealed chunk of a batch opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opened {
    /// Authentic, with this many bytes of plaintext, under the flag it was opened with.
    Chunk(usize),
    /// Authentic only as a last chunk although more data follows it: its plaintext is
    /// released (as a streaming reader releases a chunk before it sees what follows),
    /// then the file is refused.
    LastTooEarly,
    /// The final chunk, full and authentic only as not last: the file was cut at a
    /// chunk boundary. Its plaintext is released, then the file is refused as truncated.
    CutAfter,
    /// Not authentic either way.
    Failed,
}

/// Open the sealed chunks in `buf` (chunks `counter..`) in place over up to `lanes`
/// threads, writing how each one opened to `opened`; a lane stops at its first chunk
/// that is not an ordinary one. With `at_end`, the final chunk is opened as the file's
/// last. A full chunk that fails is tried again with the other flag, from a copy (a
/// failed opening zeroes its bytes), so that a damaged file releases exactly the
/// chunks a one-chunk-at-a-time reader would.
fn open_batch(
    key: &LessSafeKey,
    counter: u64,
    buf: &mut [u8],
    opened: &mut [Opened],
    at_end: bool,
    lanes: usize,
) {
    let count = opened.len();
    let open_range = |first: usize, sealed: &mut [u8], opened: &mut [Opened]| {
        let mut copy = Vec::with_capacity(SEALED_CHUNK_LEN);
        for (i, (chunk, result)) in sealed
            .chunks_mut(SEALED_CHUNK_LEN)
            .zip(opened.iter_mut())
            .enumerate()
        {
            let index = first + i;
            let last = at_end && index + 1 == count;
            let counter = counter + index as u64;
            let full = chunk.len() == SEALED_CHUNK_LEN;
            if full {
                copy.clear();
                copy.extend_from_slice(chunk);
            }
            *result = match key.open_in_place(chunk_nonce(counter, last), Aad::empty(), chunk) {
                Ok(plain) => Opened::Chunk(plain.len()),
                Err(_) if full => {
                    chunk.copy_from_slice(&copy);
                    match key.open_in_place(chunk_nonce(counter, !last), Aad::empty(), chunk) {
                        Ok(_) if last => Opened::CutAfter,
                        Ok(_) => Opened::LastTooEarly,
                        Err(_) => Opened::Failed,
                    }
                }
                Err(_) => Opened::Failed,
            };
            if !matches!(result, Opened::Chunk(_)) {
                break;
            }
        }
    };
    let lanes = lanes.min(count / MIN_CHUNKS_PER_LANE).max(1);
    if lanes == 1 {
        open_range(0, buf, opened);
        return;
    }
    let per_lane = count.div_ceil(lanes);
    thread::scope(|s| {
        let parts = buf.chunks_mut(per_lane * SEALED_CHUNK_LEN);
        for (lane, (sealed, results)) in parts.zip(opened.chunks_mut(per_lane)).enumerate() {
            let open_range = &open_range;
            s.spawn(move || open_range(lane * per_lane, sealed, results));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> age::x25519::Identity {
        age::x25519::Identity::generate()
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    fn ours(plain: &[u8], id: &age::x25519::Identity, lanes: usize) -> Vec<u8> {
        let mut w = encrypt(&id.to_public(), Vec::new(), lanes).unwrap();
        // Uneven writes, to cross chunk and batch edges at odd places.
        for part in plain.chunks(70_001) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    fn open_ours(
        file: &[u8],
        id: &age::x25519::Identity,
        lanes: usize,
    ) -> (Vec<u8>, io::Result<()>) {
        let mut out = Vec::new();
        let mut reader = Header::read(file).unwrap().decrypt(id, lanes).unwrap();
        let mut buf = vec![0u8; 50_000];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return (out, Ok(())),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Err(e)),
            }
        }
    }

    fn open_with_age(file: &[u8], id: &age::x25519::Identity) -> Vec<u8> {
        let mut out = Vec::new();
        age::Decryptor::new_buffered(file)
            .unwrap()
            .decrypt(std::iter::once(id as &dyn age::Identity))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn seal_with_age(plain: &[u8], id: &age::x25519::Identity) -> Vec<u8> {
        let recipient = id.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let mut file = Vec::new();
        let mut w = encryptor.wrap_output(&mut file).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap();
        file
    }

    /// Sizes at every edge: empty, inside a chunk, at and across chunk and batch ends.
    const SIZES: [usize; 10] = [
        0,
        1,
        CHUNK_LEN - 1,
        CHUNK_LEN,
        CHUNK_LEN + 1,
        4 * CHUNK_LEN,
        BATCH_CHUNKS * CHUNK_LEN,
        BATCH_CHUNKS * CHUNK_LEN + 1,
        2 * BATCH_CHUNKS * CHUNK_LEN,
        3 * BATCH_CHUNKS * CHUNK_LEN + 12_345,
    ];

    #[test]
    fn what_it_seals_the_age_crate_opens_and_what_the_crate_seals_it_opens() {
        let id = key();
        for len in SIZES {
            let plain = pattern(len);
            for lanes in [1, 3] {
                let file = ours(&plain, &id, lanes);
                let chunks = len.div_ceil(CHUNK_LEN).max(1);
                assert_eq!(
                    file.len() - Header::read(&file[..]).unwrap().head.len(),
                    len + chunks * TAG_LEN,
                    "{len} bytes make {chunks} chunks"
                );
                assert_eq!(
                    open_with_age(&file, &id),
                    plain,
                    "{len} bytes, {lanes} lanes"
                );
                let (opened, result) = open_ours(&seal_with_age(&plain, &id), &id, lanes);
                result.unwrap();
                assert_eq!(opened, plain, "{len} bytes, {lanes} lanes");
            }
        }
    }

    #[test]
    fn another_key_is_refused_at_the_header() {
        let file = ours(b"for one key only", &key(), 1);
        let err = Header::read(&file[..])
            .unwrap()
            .decrypt(&key(), 1)
            .err()
            .unwrap();
        assert!(matches!(err, age::DecryptError::NoMatchingKeys), "{err:?}");
    }

    #[test]
    fn a_changed_header_byte_is_refused_by_the_mac() {
        let id = key();
        let mut file = ours(b"the header is authenticated", &id, 1);
        // The last character of the MAC line's base64, before its newline and the nonce.
        let at = file.len() - (27 + TAG_LEN) - NONCE_LEN - 2;
        file[at] ^= 0x01;
        let refused = Header::read(&file[..]).and_then(|h| h.decrypt(&id, 1).map(drop));
        assert!(refused.is_err());
    }

    #[test]
    fn a_flipped_byte_releases_only_the_chunks_before_it() {
        let id = key();
        let plain = pattern(2 * BATCH_CHUNKS * CHUNK_LEN + 100);
        let file = ours(&plain, &id, 1);
        let payload = Header::read(&file[..]).unwrap().head.len();
        for chunk in [0, 1, 5, BATCH_CHUNKS - 1, BATCH_CHUNKS, 2 * BATCH_CHUNKS] {
            for lanes in [1, 4] {
                let mut bad = file.clone();
                bad[payload + chunk * SEALED_CHUNK_LEN + 7] ^= 0x80;
                let (opened, result) = open_ours(&bad, &id, lanes);
                let err = result.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::InvalidData, "chunk {chunk}");
                assert_eq!(
                    opened,
                    plain[..chunk * CHUNK_LEN],
                    "chunk {chunk}, {lanes} lanes"
                );
            }
        }
    }

    #[test]
    fn a_file_cut_at_a_chunk_boundary_is_truncated_and_one_cut_inside_fails() {
        let id = key();
        let plain = pattern(BATCH_CHUNKS * CHUNK_LEN + 3 * CHUNK_LEN + 10);
        let file = ours(&plain, &id, 1);
        let payload = Header::read(&file[..]).unwrap().head.len();
        for chunks in [0, 1, 3, BATCH_CHUNKS, BATCH_CHUNKS + 2] {
            let cut = &file[..payload + chunks * SEALED_CHUNK_LEN];
            let (opened, result) = open_ours(cut, &id, 2);
            assert_eq!(
                result.unwrap_err().kind(),
                io::ErrorKind::UnexpectedEof,
                "{chunks}"
            );
            assert_eq!(opened, plain[..chunks * CHUNK_LEN], "{chunks} chunks kept");
        }
        let cut = &file[..file.len() - 1];
        let (opened, result) = open_ours(cut, &id, 2);
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(opened, plain[..(BATCH_CHUNKS + 3) * CHUNK_LEN]);
    }

    #[test]
    fn anything_after_the_last_chunk_is_refused() {
        let id = key();
        for len in [10, CHUNK_LEN, BATCH_CHUNKS * CHUNK_LEN] {
            let mut file = ours(&pattern(len), &id, 1);
            file.extend_from_slice(&[0u8; 40]);
            let (_, result) = open_ours(&file, &id, 1);
            assert!(result.is_err(), "{len} bytes and trailing data");
        }
    }

    #[test]
    fn an_empty_last_chunk_after_others_is_refused() {
        // Seal one full chunk as not last, then an empty last one, by hand.
        let id = key();
        let mut file = ours(b"", &id, 1);
        let head = Header::read(&file[..]).unwrap().head;
        let nonce: [u8; NONCE_LEN] = head[head.len() - NONCE_LEN..].try_into().unwrap();
        let file_key = {
            let keeping = KeepingIdentity {
                inner: &id,
                kept: RefCell::new(None),
            };
            drop(
                age::Decryptor::new_buffered(&head[..])
                    .unwrap()
                    .decrypt(std::iter::once(&keeping as &dyn age::Identity))
                    .unwrap(),
            );
            keeping.kept.into_inner().unwrap()
        };
        let key = PayloadKey::derive(&file_key, &nonce).0;
        file.truncate(head.len());
        let mut full = vec![7u8; CHUNK_LEN];
        let tag = key
            .seal_in_place_separate_tag(chunk_nonce(0, false), Aad::empty(), &mut full)
            .unwrap();
        file.extend_from_slice(&full);
        file.extend_from_slice(tag.as_ref());
        let mut empty = Vec::new();
        let tag = key
            .seal_in_place_separate_tag(chunk_nonce(1, true), Aad::empty(), &mut empty)
            .unwrap();
        file.extend_from_slice(tag.as_ref());
        let (opened, result) = open_ours(&file, &id, 1);
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(opened, vec![7u8; CHUNK_LEN]);
    }

    #[test]
    fn a_header_without_end_is_refused_within_the_cap() {
        let mut file = b"age-encryption.org/v1\n".to_vec();
        file.extend(std::iter::repeat_n(b"-> X25519 AAAA\n".as_slice(), 10_000).flatten());
        assert!(Header::read(&file[..]).is_err());
        assert!(Header::read(&b"age-encryption.org/v1\n-> X25519"[..]).is_err());
    }
}
