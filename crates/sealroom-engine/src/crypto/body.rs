//! Document bodies: the original bytes, zstd-compressed where that pays, inside a
//! standard age v1 file addressed to the document key. Streams in bounded memory.
//!
//! The body is deliberately plain: `age -d -i DOCKEY blob | zstd -d` (or without
//! `zstd -d` when the encoding is `none`) gives the document back with stock tools.
//!
//! Small bodies are sealed and opened on the calling thread. Larger ones stream
//! through a pipeline so that every core works, as `zstd -T0 | age` does with two
//! processes: the calling thread alone reads the input, writes the output (neither has
//! to be `Send`) and hashes the plaintext on its way in or out, while worker threads
//! compress (zstd's own worker threads), encrypt or decrypt, and decompress. Stages
//! hand each other owned 1 MiB buffers through channels, and every stage owns a fixed
//! number of them, so memory stays bounded whatever the size of the document. The bytes
//! produced are the same format either way: one age file holding one zstd frame (or
//! the plain bytes for `none`).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::{self, Scope, ScopedJoinHandle};

use age::secrecy::ExposeSecret as _;
use zeroize::Zeroizing;

use super::digest::{sha256, HashingReader};
use super::stream;
use crate::error::{io_error, Error, Result};
use crate::pool::Pool;

/// How much of the input is compressed on trial to decide whether compression pays.
const PROBE_LEN: usize = 128 * 1024;
/// zstd level for bodies (the same as `zstd -3`, the stock default).
pub const ZSTD_LEVEL: i32 = 3;
/// zstd level for bodies that do not compress: zstd's fastest, which stores them in raw
/// blocks at little cost. Every new body is a zstd stream so that it can be padded
/// (a skippable frame) and its size hidden, and `zstd -d` still gives the original.
pub const ZSTD_FAST_LEVEL: i32 = -1;
/// The smallest padded body: small documents all look alike.
pub const MIN_PADDED: u64 = 1024;
/// Compression must save at least this share of the probe to be used.
const MIN_SAVING: f64 = 0.05;
/// Copy buffer size for streaming on the calling thread.
const BUF_LEN: usize = 256 * 1024;
/// Size of the buffers the pipeline's threads hand each other; also the most of a blob
/// that is opened on the calling thread alone.
const CHUNK_LEN: usize = 1024 * 1024;
/// Largest single write the pipeline makes to its output (the plaintext of a read).
/// The kernel backs a buffered write to a file with page-cache folios as large as the
/// write; on a virtual machine that hands free memory back to its host, those large
/// folios come from memory the host has reclaimed. Measured here (`read -o` of 256 MiB
/// of text, after the memory was touched and freed): 0.55 s with 256 KiB writes, 0.31 s
/// with 64 KiB ones (system time 0.40 s against 0.12 s), 0.33 s with 16 KiB ones.
pub const WRITE_LEN: usize = 64 * 1024;
/// How many buffers each producing stage of the pipeline owns: with [`CHUNK_LEN`] this
/// bounds the pipeline's memory (a few MiB per stage).
const IN_FLIGHT: usize = 4;
/// Input per zstd job when compressing on worker threads. zstd's default for level 3
/// is 8 MiB, with several jobs (input and output) in memory per worker; 2 MiB keeps
/// the compressor within a few tens of MiB at a ratio within a fraction of a percent.
const ZSTD_JOB_LEN: u32 = 2 * 1024 * 1024;
/// At most this many zstd worker threads (each adds a few MiB of jobs and tables).
const MAX_ZSTD_WORKERS: usize = 4;

/// How the plaintext is encoded inside the age file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// One zstd frame.
    Zstd,
    /// The original bytes, uncompressed: bodies deposited before every body became a
    /// padded zstd stream (still read; never written now).
    None,
}

impl Encoding {
    /// The name used in statements and metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Zstd => "zstd",
            Encoding::None => "none",
        }
    }

    /// Parse the name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "zstd" => Ok(Encoding::Zstd),
            "none" => Ok(Encoding::None),
            _ => Err(Error::integrity(format!("unknown body encoding `{s}`"))),
        }
    }
}

/// What sealing a body produced.
#[derive(Clone, Debug)]
pub struct SealedBody {
    /// Encoding chosen.
    pub encoding: Encoding,
    /// SHA-256 of the original bytes.
    pub plain_sha256: [u8; 32],
    /// Length of the original bytes.
    pub plain_size: u64,
}

/// Decide whether compressing a sample pays.
fn compression_pays(sample: &[u8]) -> bool {
    if sample.len() < 64 {
        return false;
    }
    match zstd::bulk::compress(sample, ZSTD_LEVEL) {
        Ok(c) => (c.len() as f64) < (sample.len() as f64) * (1.0 - MIN_SAVING),
        Err(_) => false,
    }
}

/// The Padmé length of `len` (Nikitin et al., "Reducing Metadata Leakage from Encrypted
/// Files and Communication with PURBs", 2019): `len` rounded up so that only the top
/// O(log log len) bits of it may be non-zero, at most about 12% more. A padded body
/// reveals only its size class.
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = 63 - u64::from(len.leading_zeros());
    let s = 64 - u64::from(e.leading_zeros());
    let mask = (1u64 << (e - s)) - 1;
    (len + mask) & !mask
}

/// The zstd skippable frame that pads a compressed stream of `len` bytes to its size
/// class (at least [`MIN_PADDED`]); `zstd -d` skips it.
fn padding_frame(len: u64) -> Vec<u8> {
    const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
    let target = padme(len + 8).max(MIN_PADDED);
    let size = target - len - 8;
    let mut frame = Vec::with_capacity(target as usize - len as usize);
    frame.extend_from_slice(&SKIPPABLE_MAGIC.to_le_bytes());
    frame.extend_from_slice(&(size as u32).to_le_bytes());
    frame.resize(frame.len() + size as usize, 0);
    frame
}

/// Counts what is written through it (the compressed stream, to pad it).
struct Counted<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Encrypt everything from `input` to `document_key`, writing the age file to `output`:
/// a zstd stream (compressed, or in zstd's fastest mode when compression does not pay),
/// padded with a skippable frame to its Padmé size class.
pub fn seal(
    input: impl Read,
    document_key: &age::x25519::Recipient,
    output: impl Write,
) -> Result<SealedBody> {
    let mut input = input;
    let mut output = output;
    let mut probe = Vec::with_capacity(PROBE_LEN);
    (&mut input)
        .take(PROBE_LEN as u64)
        .read_to_end(&mut probe)
        .map_err(|e| io_error("reading the document", e))?;
    let level = if compression_pays(&probe) {
        ZSTD_LEVEL
    } else {
        ZSTD_FAST_LEVEL
    };
    if probe.len() < PROBE_LEN {
        // The whole document is in the probe: not worth a thread.
        seal_serial(&probe, level, document_key, &mut output)
    } else {
        seal_pipelined(&mut input, probe, level, document_key, &mut output)
    }
}

/// Seal a document held in memory, on the calling thread.
fn seal_serial(
    plain: &[u8],
    level: i32,
    document_key: &age::x25519::Recipient,
    output: &mut dyn Write,
) -> Result<SealedBody> {
    let write_err = |e| io_error("writing the encrypted document", e);
    let age_out = age_writer(document_key, Direct(output), Vec::new())?;
    let counted = Counted {
        inner: age_out,
        written: 0,
    };
    let mut z = zstd::Encoder::new(counted, level).map_err(write_err)?;
    z.write_all(plain).map_err(write_err)?;
    let mut counted = z.finish().map_err(write_err)?;
    let frame = padding_frame(counted.written);
    counted.write_all(&frame).map_err(write_err)?;
    counted
        .inner
        .finish()
        .and_then(EmitWriter::finish)
        .map_err(write_err)?;
    Ok(SealedBody {
        encoding: Encoding::Zstd,
        plain_sha256: sha256(plain),
        plain_size: plain.len() as u64,
    })
}

/// Seal a large document: the calling thread reads `input`, hashing it as it goes,
/// and writes `output`; another thread compresses (with zstd's workers) and encrypts.
fn seal_pipelined(
    input: &mut dyn Read,
    probe: Vec<u8>,
    level: i32,
    document_key: &age::x25519::Recipient,
    output: &mut dyn Write,
) -> Result<SealedBody> {
    let mut input = HashingReader::new(input);
    input.include(&probe);
    thread::scope(|s| {
        let (seal_tx, seal_rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let (pool, recycle) = Pool::new(SEALED_BUF_LEN, IN_FLIGHT);
        let sealer = spawn(s, "sealroom-seal", move || {
            seal_stage(seal_rx, document_key, level, pool, events_tx)
        })?;
        let driven = drive(
            &mut input,
            probe,
            seal_tx,
            events_rx,
            recycle,
            output,
            "reading the document",
            "writing the encrypted document",
        );
        join(sealer);
        driven?;
        let (plain_sha256, plain_size) = input.finish();
        Ok(SealedBody {
            encoding: Encoding::Zstd,
            plain_sha256,
            plain_size,
        })
    })
}

/// Compress (for `zstd`) and encrypt what arrives, handing the ciphertext to the
/// calling thread; each input buffer goes back to it once consumed.
fn seal_stage(
    input: Receiver<Msg>,
    document_key: &age::x25519::Recipient,
    level: i32,
    mut pool: Pool,
    events: Sender<Event>,
) {
    let write_err = |e| io_error("writing the encrypted document", e);
    let feed = |w: &mut dyn Write| -> Result<()> {
        for msg in &input {
            match msg {
                Msg::Data(buf) => {
                    w.write_all(&buf).map_err(write_err)?;
                    let _ = events.send(Event::Free(buf));
                }
                Msg::Fail(e) => return Err(e),
                Msg::End => return Ok(()),
            }
        }
        Err(stopped())
    };
    let result = (|| -> Result<()> {
        let mut first = pool.take().ok_or_else(stopped)?;
        first.clear();
        let sink = ToMain {
            pool,
            events: events.clone(),
        };
        let age_out = age_writer(document_key, sink, first)?;
        let counted = Counted {
            inner: age_out,
            written: 0,
        };
        let mut z = zstd::Encoder::new(counted, level).map_err(write_err)?;
        let workers = thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_ZSTD_WORKERS);
        z.multithread(workers as u32).map_err(write_err)?;
        z.set_parameter(zstd::zstd_safe::CParameter::JobSize(ZSTD_JOB_LEN))
            .map_err(write_err)?;
        feed(&mut z)?;
        let mut counted = z.finish().map_err(write_err)?;
        let frame = padding_frame(counted.written);
        counted.write_all(&frame).map_err(write_err)?;
        counted
            .inner
            .finish()
            .and_then(EmitWriter::finish)
            .map(drop)
            .map_err(write_err)
    })();
    let _ = events.send(match result {
        Ok(()) => Event::Done,
        Err(e) => Event::Fail(e),
    });
}

/// What opening a body observed; the caller compares it with the signed statement.
///
/// The ciphertext's SHA-256, equal to the hash the depositor signed, proves the bytes
/// written are the ones deposited: decryption with the one document key is a function
/// of the ciphertext. It is the cheaper of the two hashes (a third of the plaintext's
/// for text), so the plaintext is only counted here; callers that also want the
/// plaintext's hash wrap `output` in a hashing writer.
#[derive(Clone, Debug)]
pub struct OpenedBody {
    /// SHA-256 of the ciphertext read (every byte of the blob, up to its end).
    pub blob_sha256: [u8; 32],
    /// Bytes of plaintext written.
    pub plain_size: u64,
}

/// Decrypt the age file from `blob` with `document_key`, decode, and write the
/// plaintext to `output`. Fails with an integrity error on any authentication failure;
/// what age has not authenticated is never written.
pub fn open(
    blob: impl Read,
    document_key: &age::x25519::Identity,
    encoding: Encoding,
    output: impl Write,
) -> Result<OpenedBody> {
    open_limited(blob, document_key, encoding, output, u64::MAX)
}

/// [`open`], writing at most `max_plain` bytes: a body that decrypts (or decompresses)
/// to more than its depositor signed is stopped there with an integrity error, so a
/// decompression bomb under the document key writes no more than the signed size.
pub fn open_limited(
    blob: impl Read,
    document_key: &age::x25519::Identity,
    encoding: Encoding,
    output: impl Write,
    max_plain: u64,
) -> Result<OpenedBody> {
    let mut blob = blob;
    let mut output = output;
    // Grown as the blob is read (not zero-filled to 1 MiB first): a small blob costs
    // only its own size.
    let mut first = Vec::new();
    (&mut blob)
        .take(CHUNK_LEN as u64)
        .read_to_end(&mut first)
        .map_err(|e| io_error("reading the document's ciphertext", e))?;
    if first.len() < CHUNK_LEN {
        // The whole blob is in memory: not worth a thread.
        open_serial(&first, document_key, encoding, &mut output, max_plain)
    } else {
        open_pipelined(
            &mut blob,
            first,
            document_key,
            encoding,
            &mut output,
            max_plain,
        )
    }
}

/// Open a blob held in memory, on the calling thread.
fn open_serial(
    blob: &[u8],
    document_key: &age::x25519::Identity,
    encoding: Encoding,
    output: &mut dyn Write,
    max_plain: u64,
) -> Result<OpenedBody> {
    let reader = decrypt(blob, document_key)?;
    let mut out = CountingWriter(output, 0, max_plain);
    match encoding {
        Encoding::Zstd => {
            let mut z = zstd::Decoder::new(reader)
                .map_err(|_| Error::integrity("the document body is damaged (bad compression)"))?;
            copy_out(&mut z, &mut out)?;
        }
        Encoding::None => {
            let mut reader = reader;
            copy_out(&mut reader, &mut out)?;
        }
    }
    out.flush().map_err(output_error)?;
    Ok(OpenedBody {
        blob_sha256: sha256(blob),
        plain_size: out.1,
    })
}

/// Counts what passes through to a writer, and refuses to pass more than a limit.
struct CountingWriter<W>(W, u64, u64);

/// The plaintext went past the size its depositor signed.
#[derive(Debug)]
struct OverSigned;

impl std::fmt::Display for OverSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the plaintext is longer than its signed size")
    }
}

impl std::error::Error for OverSigned {}

/// The error for a failed write of the plaintext: an integrity failure when it was
/// [`OverSigned`], else the output's own error.
fn output_error(e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<OverSigned>()) {
        Error::integrity(
            "the document decrypts to more bytes than its depositor signed (it was replaced, perhaps by a decompression bomb); stopped at the signed size",
        )
    } else {
        io_error("writing the document", e)
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.1.saturating_add(data.len() as u64) > self.2 {
            return Err(io::Error::other(OverSigned));
        }
        let n = self.0.write(data)?;
        self.1 += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The reader of the payload of the age file `blob`, or the integrity error for a bad
/// header or another key.
fn decrypt<R: BufRead>(
    blob: R,
    document_key: &age::x25519::Identity,
) -> Result<stream::PayloadReader<R>> {
    let header = stream::Header::read(blob)
        .map_err(|_| Error::integrity("the document's ciphertext is damaged (bad header)"))?;
    header
        .decrypt(document_key, stream::default_lanes())
        .map_err(|_| {
            Error::integrity(
                "the document key does not open the body: the blob was replaced or damaged",
            )
        })
}

/// Open a large blob: the calling thread reads and hashes `blob` and writes the
/// plaintext to `output`; worker threads decrypt and decompress (for `zstd`).
fn open_pipelined(
    blob: &mut dyn Read,
    first: Vec<u8>,
    document_key: &age::x25519::Identity,
    encoding: Encoding,
    output: &mut dyn Write,
    max_plain: u64,
) -> Result<OpenedBody> {
    let mut output = CountingWriter(output, 0, max_plain);
    let mut blob = HashingReader::new(blob);
    blob.include(&first);
    thread::scope(|s| {
        let (decrypt_tx, decrypt_rx) = mpsc::channel();
        let (events_tx, events_rx) = mpsc::channel();
        let (decrypt_pool, decrypt_recycle) = Pool::new(CHUNK_LEN, IN_FLIGHT);
        let to_main = events_tx.clone();
        let ciphertext = ChanReader::new(decrypt_rx, move |buf| {
            let _ = to_main.send(Event::Free(buf));
        });
        let mut workers = Vec::with_capacity(2);
        let recycle = match encoding {
            Encoding::Zstd => {
                let (zstd_tx, zstd_rx) = mpsc::channel();
                workers.push(spawn(s, "sealroom-decrypt", move || {
                    decrypt_stage(ciphertext, document_key, decrypt_pool, Next::Stage(zstd_tx))
                })?);
                let (zstd_pool, zstd_recycle) = Pool::new(CHUNK_LEN, IN_FLIGHT);
                let compressed = ChanReader::new(zstd_rx, move |buf| {
                    let _ = decrypt_recycle.send(buf);
                });
                workers.push(spawn(s, "sealroom-unzstd", move || {
                    decompress_stage(compressed, zstd_pool, Next::Main(events_tx))
                })?);
                zstd_recycle
            }
            Encoding::None => {
                workers.push(spawn(s, "sealroom-decrypt", move || {
                    decrypt_stage(
                        ciphertext,
                        document_key,
                        decrypt_pool,
                        Next::Main(events_tx),
                    )
                })?);
                decrypt_recycle
            }
        };
        let driven = drive(
            &mut blob,
            first,
            decrypt_tx,
            events_rx,
            recycle,
            &mut output,
            "reading the document's ciphertext",
            "writing the document",
        )
        .and_then(|()| output.flush().map_err(output_error));
        for worker in workers {
            join(worker);
        }
        driven?;
        let (blob_sha256, _) = blob.finish();
        Ok(OpenedBody {
            blob_sha256,
            plain_size: output.1,
        })
    })
}

/// Decrypt the age file arriving on `ciphertext`, passing the plaintext on. Whatever
/// follows the end of the age file is still taken (and given back), unread.
fn decrypt_stage<F: FnMut(Vec<u8>)>(
    mut ciphertext: ChanReader<F>,
    document_key: &age::x25519::Identity,
    pool: Pool,
    next: Next,
) {
    let result = decrypt(&mut ciphertext, document_key)
        .and_then(|mut reader| produce(&mut reader, pool, &next));
    finish_stage(result, ciphertext, &next);
}

/// Decompress the zstd frame arriving on `compressed`, passing the plaintext on.
fn decompress_stage<F: FnMut(Vec<u8>)>(mut compressed: ChanReader<F>, pool: Pool, next: Next) {
    let result = zstd::Decoder::with_buffer(&mut compressed)
        .map_err(|_| Error::integrity("the document body is damaged (bad compression)"))
        .and_then(|mut z| produce(&mut z, pool, &next));
    finish_stage(result, compressed, &next);
}

/// Read `reader` to its end into buffers from `pool`, passing each on. On a failure,
/// what was read before it (authenticated) is passed on first, as a serial copy would.
fn produce(reader: &mut dyn Read, mut pool: Pool, next: &Next) -> Result<()> {
    loop {
        let mut buf = pool.take().ok_or_else(stopped)?;
        let (ended, read) = fill(reader, &mut buf);
        if !buf.is_empty() && next.send(Msg::Data(buf)).is_err() {
            return Err(stopped());
        }
        read.map_err(stream_error)?;
        if ended {
            return Ok(());
        }
    }
}

/// Tell the next stage how this one ended (an upstream failure is reported as itself),
/// then take and give back whatever still arrives, so the stage before never stalls.
fn finish_stage<F: FnMut(Vec<u8>)>(result: Result<()>, mut input: ChanReader<F>, next: &Next) {
    let _ = next.send(match result {
        Ok(()) => Msg::End,
        Err(e) => Msg::Fail(input.failed.take().unwrap_or(e)),
    });
    input.drain();
}

/// The integrity error for a failure while reading decrypted (or decompressed) bytes.
fn stream_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::integrity("the document's ciphertext is truncated: the blob is damaged")
    } else {
        Error::integrity(
            "the document's ciphertext failed authentication: the blob is damaged or was altered",
        )
    }
}

/// A reader of the plaintext of the age file in `blob`. Unlike [`open`] it checks no
/// hashes: the caller hashes what it reads and compares before trusting it.
pub fn decrypting_reader<'a, R: Read + 'a>(
    blob: R,
    document_key: &age::x25519::Identity,
    encoding: Encoding,
) -> Result<Box<dyn Read + 'a>> {
    let reader = decrypt(BufReader::new(blob), document_key)?;
    Ok(match encoding {
        Encoding::Zstd => Box::new(
            zstd::Decoder::new(reader)
                .map_err(|_| Error::integrity("the document body is damaged (bad compression)"))?,
        ),
        Encoding::None => Box::new(reader),
    })
}

fn copy_out(input: &mut impl Read, output: &mut impl Write) -> Result<()> {
    let mut buf = vec![0u8; BUF_LEN];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(stream_error(e)),
        };
        output.write_all(&buf[..n]).map_err(output_error)?;
    }
}

// The pipeline's plumbing.

/// What one stage hands the next.
enum Msg {
    /// Bytes, in order.
    Data(Vec<u8>),
    /// The stream failed here or upstream; nothing follows.
    Fail(Error),
    /// The stream ended; nothing follows.
    End,
}

/// What the stages tell the calling thread, which alone reads the input and writes
/// the output.
enum Event {
    /// An input buffer, consumed: read into it again.
    Free(Vec<u8>),
    /// Bytes to write to the output, in order; then give the buffer back.
    Out(Vec<u8>),
    /// The pipeline failed; nothing follows.
    Fail(Error),
    /// Every byte of output has been sent.
    Done,
}

/// The error when the other end of a pipeline went away (its thread panicked, or the
/// stage it fed failed); the real cause is reported by whoever saw it.
fn stopped() -> Error {
    Error::io("the document pipeline stopped unexpectedly")
}

fn spawn<'scope, T: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    name: &str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> Result<ScopedJoinHandle<'scope, T>> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn_scoped(s, f)
        .map_err(|e| io_error("starting a thread", e))
}

fn join<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Read into `buf` (up to [`CHUNK_LEN`]) until it is full or `input` ends; says
/// whether it ended, and keeps what was read before any error. A recycled buffer is
/// not cleared, so only a new one is ever zeroed.
fn fill(input: &mut (impl Read + ?Sized), buf: &mut Vec<u8>) -> (bool, io::Result<()>) {
    if buf.len() < CHUNK_LEN {
        buf.resize(CHUNK_LEN, 0);
    }
    let mut n = 0;
    let outcome = loop {
        if n == CHUNK_LEN {
            break (false, Ok(()));
        }
        match input.read(&mut buf[n..]) {
            Ok(0) => break (true, Ok(())),
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break (true, Err(e)),
        }
    };
    buf.truncate(n);
    outcome
}

/// The calling thread's part: read `input` into free buffers for the first stage,
/// write what the last stage sends to `output` in order, and return once the last stage
/// is done and the input is exhausted (a blob is read to its end so that its hash covers
/// every byte). It never waits for anything but an event, so no stage can stall it.
#[allow(clippy::too_many_arguments)]
fn drive(
    input: &mut dyn Read,
    first: Vec<u8>,
    head: Sender<Msg>,
    events: Receiver<Event>,
    recycle: Sender<Vec<u8>>,
    output: &mut dyn Write,
    reading: &str,
    writing: &str,
) -> Result<()> {
    head.send(Msg::Data(first)).map_err(|_| stopped())?;
    let mut head = Some(head);
    let mut spare: Vec<Vec<u8>> = Vec::with_capacity(IN_FLIGHT);
    let mut made = 1;
    let mut done = false;
    while !(done && head.is_none()) {
        let event = match events.try_recv() {
            Ok(event) => event,
            Err(TryRecvError::Disconnected) => return Err(stopped()),
            Err(TryRecvError::Empty) => {
                if let Some(to_head) = &head {
                    let buf = spare.pop().or_else(|| {
                        (made < IN_FLIGHT).then(|| {
                            made += 1;
                            Vec::with_capacity(CHUNK_LEN)
                        })
                    });
                    if let Some(mut buf) = buf {
                        let (ended, read) = fill(input, &mut buf);
                        read.map_err(|e| io_error(reading, e))?;
                        if !buf.is_empty() {
                            to_head.send(Msg::Data(buf)).map_err(|_| stopped())?;
                        }
                        if ended {
                            to_head.send(Msg::End).map_err(|_| stopped())?;
                            head = None;
                        }
                        continue;
                    }
                }
                events.recv().map_err(|_| stopped())?
            }
        };
        match event {
            Event::Free(buf) => spare.push(buf),
            Event::Out(buf) => {
                for part in buf.chunks(WRITE_LEN) {
                    output.write_all(part).map_err(|e| {
                        if e.get_ref().is_some_and(|inner| inner.is::<OverSigned>()) {
                            output_error(e)
                        } else {
                            io_error(writing, e)
                        }
                    })?;
                }
                let _ = recycle.send(buf);
            }
            Event::Fail(e) => return Err(e),
            Event::Done => done = true,
        }
    }
    Ok(())
}

/// Where a stage of the opening pipeline sends what it produces: the next stage, or,
/// for the last one, the calling thread.
enum Next {
    Stage(Sender<Msg>),
    Main(Sender<Event>),
}

impl Next {
    /// Hand `msg` on; `Err` if the receiver has gone.
    fn send(&self, msg: Msg) -> std::result::Result<(), ()> {
        match self {
            Next::Stage(tx) => tx.send(msg).map_err(drop),
            Next::Main(tx) => tx
                .send(match msg {
                    Msg::Data(buf) => Event::Out(buf),
                    Msg::Fail(e) => Event::Fail(e),
                    Msg::End => Event::Done,
                })
                .map_err(drop),
        }
    }
}

/// Where an [`AgeWriter`] puts its full buffers.
trait Emit {
    /// Take `full`, and give back an empty buffer to go on with.
    fn emit(&mut self, full: Vec<u8>) -> io::Result<Vec<u8>>;
}

/// Straight into a writer, on the calling thread.
struct Direct<'a>(&'a mut dyn Write);

impl Emit for Direct<'_> {
    fn emit(&mut self, mut full: Vec<u8>) -> io::Result<Vec<u8>> {
        self.0.write_all(&full)?;
        full.clear();
        Ok(full)
    }
}

/// To the calling thread, as output events, in buffers from a pool.
struct ToMain {
    pool: Pool,
    events: Sender<Event>,
}

impl Emit for ToMain {
    fn emit(&mut self, full: Vec<u8>) -> io::Result<Vec<u8>> {
        let gone = || io::Error::new(io::ErrorKind::BrokenPipe, "the pipeline stopped");
        self.events.send(Event::Out(full)).map_err(|_| gone())?;
        let mut next = self.pool.take().ok_or_else(gone)?;
        next.clear();
        Ok(next)
    }
}

/// Collects what the age crate's encryptor writes into large buffers and hands each
/// full one to its sink, so the ciphertext travels between threads in a few big pieces.
struct EmitWriter<E: Emit> {
    buf: Vec<u8>,
    sink: E,
}

impl<E: Emit> EmitWriter<E> {
    /// Emit what is left and return the sink.
    fn finish(mut self) -> io::Result<E> {
        let last = std::mem::take(&mut self.buf);
        self.sink.emit(last)?;
        Ok(self.sink)
    }
}

impl<E: Emit> Write for EmitWriter<E> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() >= SEALED_BUF_LEN {
            let full = std::mem::take(&mut self.buf);
            self.buf = self.sink.emit(full)?;
        }
        let n = data.len().min(SEALED_BUF_LEN - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An age v1 writer to `recipient` over `sink`: the age crate writes the header, and
/// the payload is sealed on every core ([`stream`]).
fn age_writer<E: Emit>(
    recipient: &age::x25519::Recipient,
    sink: E,
    buf: Vec<u8>,
) -> Result<stream::PayloadWriter<EmitWriter<E>>> {
    stream::encrypt(recipient, EmitWriter { buf, sink }, stream::default_lanes()).map_err(|e| {
        match e {
            age::EncryptError::Io(e) => io_error("writing the encrypted document", e),
            _ => Error::io("could not set up encryption to the document key"),
        }
    })
}

/// A ChaCha20-Poly1305 tag: each 64 KiB age chunk grows by this much.
const AGE_TAG: usize = stream::TAG_LEN;
/// The plaintext of one age STREAM chunk.
const AGE_CHUNK: usize = stream::CHUNK_LEN;
/// Ciphertext is handed on in buffers of about this size (a batch of sealed chunks).
const SEALED_BUF_LEN: usize = stream::BATCH_CHUNKS * (AGE_CHUNK + AGE_TAG);

/// A `BufRead` over the buffers arriving from the stage before; each buffer, once
/// consumed, goes back through `give_back`.
struct ChanReader<F: FnMut(Vec<u8>)> {
    input: Receiver<Msg>,
    buf: Vec<u8>,
    pos: usize,
    give_back: F,
    ended: bool,
    /// The failure reported from upstream, if any.
    failed: Option<Error>,
}

impl<F: FnMut(Vec<u8>)> ChanReader<F> {
    fn new(input: Receiver<Msg>, give_back: F) -> Self {
        ChanReader {
            input,
            buf: Vec::new(),
            pos: 0,
            give_back,
            ended: false,
            failed: None,
        }
    }

    /// Take and give back everything still to come.
    fn drain(&mut self) {
        while self.fill_buf().is_ok_and(|b| !b.is_empty()) {
            self.pos = self.buf.len();
        }
        self.ended = true;
    }
}

impl<F: FnMut(Vec<u8>)> BufRead for ChanReader<F> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.buf.len() {
            if self.ended {
                return if self.failed.is_some() {
                    Err(io::Error::other("the stream failed upstream"))
                } else {
                    Ok(&[])
                };
            }
            let used = std::mem::take(&mut self.buf);
            if used.capacity() > 0 {
                (self.give_back)(used);
            }
            self.pos = 0;
            match self.input.recv() {
                Ok(Msg::Data(buf)) => self.buf = buf,
                Ok(Msg::End) => self.ended = true,
                Ok(Msg::Fail(e)) => {
                    self.failed = Some(e);
                    self.ended = true;
                }
                Err(_) => {
                    self.ended = true;
                    self.failed = Some(stopped());
                }
            }
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.buf.len());
    }
}

impl<F: FnMut(Vec<u8>)> Read for ChanReader<F> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Encrypt a small buffer (metadata, wraps) to one recipient.
pub fn seal_small(plaintext: &[u8], recipient: &dyn age::Recipient) -> Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient))
        .map_err(|_| Error::io("could not set up encryption"))?;
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| crate::error::io_error("encrypting", e))?;
    w.write_all(plaintext)
        .and_then(|_| w.finish().map(|_| ()))
        .map_err(|e| crate::error::io_error("encrypting", e))?;
    Ok(out)
}

/// Decrypt a small age file with one identity; `None` when the identity does not
/// open it, an error when the ciphertext is damaged.
pub fn open_small(
    ciphertext: &[u8],
    identity: &dyn age::Identity,
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let decryptor = age::Decryptor::new_buffered(ciphertext)
        .map_err(|_| Error::integrity("an encrypted record is damaged (bad header)"))?;
    let mut reader = match decryptor.decrypt(std::iter::once(identity)) {
        Ok(r) => r,
        Err(age::DecryptError::NoMatchingKeys) => return Ok(None),
        Err(_) => return Err(Error::integrity("an encrypted record is damaged")),
    };
    let mut out = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut out)
        .map_err(|_| Error::integrity("an encrypted record is damaged (authentication failed)"))?;
    Ok(Some(out))
}

/// The secret of a fresh document key, as its age string, wiped on drop.
pub fn secret_string(identity: &age::x25519::Identity) -> Zeroizing<String> {
    Zeroizing::new(identity.to_string().expose_secret().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) -> (Encoding, Vec<u8>, usize) {
        let key = age::x25519::Identity::generate();
        let mut blob = Vec::new();
        let sealed = seal(data, &key.to_public(), &mut blob).unwrap();
        assert_eq!(sealed.plain_size, data.len() as u64);
        let mut out = Vec::new();
        let opened = open(&blob[..], &key, sealed.encoding, &mut out).unwrap();
        assert_eq!(sealed.plain_sha256, sha256(data));
        assert_eq!(opened.blob_sha256, sha256(&blob));
        assert_eq!(opened.plain_size, data.len() as u64);
        (sealed.encoding, out, blob.len())
    }

    #[test]
    fn text_is_compressed_and_round_trips() {
        let data = "the respondent's position on clause 14 ".repeat(20_000);
        let (enc, out, blob_len) = round_trip(data.as_bytes());
        assert_eq!(enc, Encoding::Zstd);
        assert_eq!(out, data.as_bytes());
        assert!(blob_len < data.len() / 10);
    }

    #[test]
    fn random_bytes_are_stored_in_zstd_fast_mode_and_padded() {
        let mut data = vec![0u8; 300_000];
        getrandom::fill(&mut data).unwrap();
        let (enc, out, blob_len) = round_trip(&data);
        assert_eq!(enc, Encoding::Zstd);
        assert_eq!(out, data);
        // Stored, not expanded beyond the size class (Padmé: under 12%) and age's tags.
        assert!(blob_len < data.len() * 113 / 100, "{blob_len}");
    }

    #[test]
    fn padme_reveals_only_a_size_class() {
        assert_eq!(padme(1000), 1024);
        assert_eq!(padme(1024), 1024);
        assert_eq!(padme(1025), 1088);
        for len in [1u64, 2, 100, 1_000, 65_537, 1 << 20, (1 << 30) + 12_345] {
            let p = padme(len);
            assert!(
                p >= len && (p - len) as f64 <= len as f64 * 0.12 + 8.0,
                "{len} -> {p}"
            );
        }
        // Nearby lengths share a class: what a blob's size says is coarse.
        let classes: std::collections::BTreeSet<u64> =
            (1_000_000u64..1_010_000).map(padme).collect();
        assert!(classes.len() <= 2, "{classes:?}");
        // A body's compressed stream, padded, is in its class and never under 1 KiB.
        for len in [0u64, 10, 1000, 50_000, 3_000_001] {
            let total = len + padding_frame(len).len() as u64;
            assert_eq!(total, padme(len + 8).max(MIN_PADDED));
        }
    }

    #[test]
    fn documents_of_different_sizes_in_one_class_have_blobs_of_one_size_give_or_take_ages_header() {
        let key = age::x25519::Identity::generate();
        let mut sizes = Vec::new();
        // Padmé classes are 4 KiB wide here: 196,609 to 200,704 bytes share one.
        for len in [197_000usize, 198_500, 200_000] {
            let mut data = vec![0u8; len];
            getrandom::fill(&mut data).unwrap();
            let mut blob = Vec::new();
            seal(&data[..], &key.to_public(), &mut blob).unwrap();
            sizes.push(blob.len());
        }
        // age's random grease stanza varies the header by up to about 200 bytes.
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(max - min < 300, "{sizes:?}");
    }

    #[test]
    fn empty_and_tiny_round_trip() {
        assert_eq!(round_trip(b"").1, b"");
        assert_eq!(round_trip(b"x").1, b"x");
    }

    #[test]
    fn a_flipped_byte_never_yields_plaintext() {
        let key = age::x25519::Identity::generate();
        let data = "confidential ".repeat(10_000);
        let mut blob = Vec::new();
        let sealed = seal(data.as_bytes(), &key.to_public(), &mut blob).unwrap();
        for pos in [10, blob.len() / 2, blob.len() - 1] {
            let mut bad = blob.clone();
            bad[pos] ^= 1;
            let mut out = Vec::new();
            let res = open(&bad[..], &key, sealed.encoding, &mut out);
            assert!(res.is_err(), "flip at {pos} went unnoticed");
        }
    }

    #[test]
    fn open_limited_writes_no_more_than_its_limit_of_a_decompression_bomb() {
        let key = age::x25519::Identity::generate();
        // 64 MiB of zeros, compressed to a few kilobytes.
        let bomb = zstd::bulk::compress(&vec![0u8; 64 << 20], 1).unwrap();
        for big in [false, true] {
            // Small enough to open in memory, or past one chunk (the pipelined path).
            let mut payload = bomb.clone();
            if big {
                payload.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
                payload.extend_from_slice(&(CHUNK_LEN as u32).to_le_bytes());
                payload.extend(std::iter::repeat_n(0u8, CHUNK_LEN));
            }
            let blob = seal_small(&payload, &key.to_public()).unwrap();
            let mut out = CountingWriter(Vec::new(), 0, u64::MAX);
            let err = open_limited(&blob[..], &key, Encoding::Zstd, &mut out, 1000).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{}", err.message());
            assert!(err
                .message()
                .contains("more bytes than its depositor signed"));
            assert!(
                out.1 <= 1000,
                "{} bytes written past a limit of 1000",
                out.1
            );
        }
    }

    #[test]
    fn the_wrong_key_is_refused() {
        let key = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let mut blob = Vec::new();
        let sealed = seal(&b"abc"[..], &key.to_public(), &mut blob).unwrap();
        let mut out = Vec::new();
        assert!(open(&blob[..], &other, sealed.encoding, &mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn small_records_open_only_for_their_recipient() {
        let key = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let ct = seal_small(b"title", &key.to_public()).unwrap();
        assert_eq!(open_small(&ct, &key).unwrap().unwrap().as_slice(), b"title");
        assert!(open_small(&ct, &other).unwrap().is_none());
    }

    /// Text-like bytes that compress, large enough to go through the pipeline.
    fn big_text(len: usize) -> Vec<u8> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(format!("clause {} ", x % 5000).as_bytes());
        }
        out.truncate(len);
        out
    }

    fn random(len: usize) -> Vec<u8> {
        let mut data = vec![0u8; len];
        getrandom::fill(&mut data).unwrap();
        data
    }

    /// A reader that hands out at most `step` bytes per call, like a pipe.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn large_bodies_round_trip_through_the_pipeline() {
        for (data, expected) in [
            (big_text(5 * CHUNK_LEN + 12_345), Encoding::Zstd),
            (random(3 * CHUNK_LEN + 1), Encoding::Zstd),
            (big_text(PROBE_LEN), Encoding::Zstd),
            (random(CHUNK_LEN), Encoding::Zstd),
        ] {
            let (enc, out, _) = round_trip(&data);
            assert_eq!(enc, expected);
            assert!(out == data, "{} bytes came back different", data.len());
        }
    }

    #[test]
    fn pipelined_bodies_are_one_standard_zstd_frame_in_age() {
        let key = age::x25519::Identity::generate();
        let data = big_text(4 * CHUNK_LEN);
        let mut blob = Vec::new();
        let sealed = seal(&data[..], &key.to_public(), &mut blob).unwrap();
        assert_eq!(sealed.encoding, Encoding::Zstd);
        assert_eq!(sealed.plain_sha256, sha256(&data));
        // Plain age, then plain zstd, as the recovery guide does with the stock tools.
        let mut compressed = Vec::new();
        decrypting_reader(&blob[..], &key, Encoding::None)
            .unwrap()
            .read_to_end(&mut compressed)
            .unwrap();
        // One zstd frame, then the skippable frame that pads it to its size class.
        let frame = zstd::zstd_safe::find_frame_compressed_size(&compressed).unwrap();
        assert_eq!(
            zstd::zstd_safe::find_frame_compressed_size(&compressed[frame..]),
            Ok(compressed.len() - frame)
        );
        assert_eq!(&compressed[frame..frame + 4], &0x184D_2A50u32.to_le_bytes());
        assert_eq!(
            compressed.len() as u64,
            padme(frame as u64 + 8).max(MIN_PADDED)
        );
        assert!(zstd::bulk::decompress(&compressed[..frame], data.len()).unwrap() == data);
        // And the serial path opens what the pipeline sealed.
        let mut out = Vec::new();
        open_serial(&blob, &key, Encoding::Zstd, &mut out, u64::MAX).unwrap();
        assert!(out == data);
    }

    #[test]
    fn blobs_of_one_chunk_and_a_byte_either_side_open() {
        let key = age::x25519::Identity::generate();
        // Raw age bodies (encoding `none`, as older deposits are): the size of one is
        // the plaintext's plus age's overhead.
        let seal_none = |len: usize| {
            let plain = random(len);
            let blob = seal_small(&plain, &key.to_public()).unwrap();
            (plain, blob)
        };
        // The ciphertext grows by one byte per plaintext byte within an age chunk, but
        // age adds a random "grease" stanza to each header: aim at a size still missing,
        // and seal again until blobs of each size wanted have turned up.
        let wanted = [CHUNK_LEN - 1, CHUNK_LEN, CHUNK_LEN + 1];
        let mut found = std::collections::BTreeMap::new();
        let mut len = CHUNK_LEN - 4096;
        for _ in 0..5000 {
            let (plain, blob) = seal_none(len);
            let size = blob.len();
            if wanted.contains(&size) {
                found.entry(size).or_insert((plain, blob));
            }
            let Some(aim) = wanted.into_iter().find(|s| !found.contains_key(s)) else {
                break;
            };
            len = (len + aim).checked_sub(size).unwrap_or(len);
        }
        assert_eq!(found.len(), 3, "blob sizes found: {:?}", found.keys());
        for (size, (plain, blob)) in found {
            let mut out = Vec::new();
            let opened = open(&blob[..], &key, Encoding::None, &mut out).unwrap();
            assert!(out == plain, "a {size}-byte blob opened to other bytes");
            assert_eq!(opened.blob_sha256, sha256(&blob));
        }
    }

    #[test]
    fn the_pipeline_opens_what_the_serial_path_sealed() {
        let key = age::x25519::Identity::generate();
        for data in [big_text(3 * CHUNK_LEN), random(2 * CHUNK_LEN + 7)] {
            let level = if compression_pays(&data[..PROBE_LEN]) {
                ZSTD_LEVEL
            } else {
                ZSTD_FAST_LEVEL
            };
            let mut blob = Vec::new();
            let sealed = seal_serial(&data, level, &key.to_public(), &mut blob).unwrap();
            assert_eq!(sealed.encoding, Encoding::Zstd);
            let mut out = Vec::new();
            let opened = open(Trickle(&blob, 1000), &key, Encoding::Zstd, &mut out).unwrap();
            assert!(out == data);
            assert_eq!(opened.blob_sha256, sha256(&blob));
            assert_eq!(opened.plain_size, sealed.plain_size);
        }
    }

    #[test]
    fn a_trickling_input_seals_the_same_document() {
        let key = age::x25519::Identity::generate();
        let data = big_text(2 * CHUNK_LEN + 3);
        let mut blob = Vec::new();
        let sealed = seal(Trickle(&data, 4096), &key.to_public(), &mut blob).unwrap();
        assert_eq!(sealed.plain_sha256, sha256(&data));
        assert_eq!(sealed.plain_size, data.len() as u64);
        let mut out = Vec::new();
        open(&blob[..], &key, sealed.encoding, &mut out).unwrap();
        assert!(out == data);
    }

    #[test]
    fn damage_to_a_large_blob_is_refused_and_only_authenticated_bytes_come_out() {
        let key = age::x25519::Identity::generate();
        for data in [big_text(6 * CHUNK_LEN), random(3 * CHUNK_LEN)] {
            let mut blob = Vec::new();
            let sealed = seal(&data[..], &key.to_public(), &mut blob).unwrap();
            let mut damaged = Vec::new();
            for pos in [10, 200, blob.len() / 3, blob.len() / 2, blob.len() - 1] {
                let mut bad = blob.clone();
                bad[pos] ^= 0x20;
                damaged.push((format!("flip at {pos}"), bad));
            }
            damaged.push(("truncated".into(), blob[..blob.len() - 70_000].to_vec()));
            damaged.push(("cut at a chunk".into(), blob[..blob.len() / 2].to_vec()));
            let mut longer = blob.clone();
            longer.extend_from_slice(&[0u8; 100]);
            damaged.push(("extended".into(), longer));
            // Without a hash of the ciphertext on the way, age alone must notice these.
            let mut one_more = blob.clone();
            one_more.push(0);
            damaged.push(("extended by one byte".into(), one_more));
            let mut repeated = blob.clone();
            repeated.extend_from_slice(&blob[blob.len() - (AGE_CHUNK + AGE_TAG)..]);
            damaged.push(("last chunk repeated".into(), repeated));
            for (what, bad) in damaged {
                let mut out = Vec::new();
                let err = open(&bad[..], &key, sealed.encoding, &mut out)
                    .err()
                    .unwrap_or_else(|| panic!("{what} went unnoticed"));
                assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{what}");
                assert!(out.len() <= data.len(), "{what}");
                assert!(
                    out == data[..out.len()],
                    "{what}: bytes that are not the document"
                );
            }
        }
    }

    #[test]
    fn the_wrong_key_releases_nothing_from_a_large_blob() {
        let key = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let mut blob = Vec::new();
        let sealed = seal(&random(2 * CHUNK_LEN)[..], &key.to_public(), &mut blob).unwrap();
        let mut out = Vec::new();
        let err = open(&blob[..], &other, sealed.encoding, &mut out).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Integrity);
        assert!(out.is_empty());
    }

    /// Fails once `left` bytes have passed.
    struct Failing(usize);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(b'a');
            self.0 -= n;
            Ok(n)
        }
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = buf.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn io_failures_in_the_pipeline_end_it_with_an_io_error() {
        let key = age::x25519::Identity::generate();
        let err = seal(Failing(5 * CHUNK_LEN), &key.to_public(), Vec::new()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Io);
        assert!(err.message().contains("reading the document"));
        for data in [big_text(4 * CHUNK_LEN), random(4 * CHUNK_LEN)] {
            let err = seal(&data[..], &key.to_public(), Failing(1000)).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Io);
            let mut blob = Vec::new();
            let sealed = seal(&data[..], &key.to_public(), &mut blob).unwrap();
            let err = open(&blob[..], &key, sealed.encoding, Failing(CHUNK_LEN)).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Io);
            assert!(err.message().contains("writing the document"));
        }
    }

    #[test]
    fn the_buffered_age_writer_keeps_every_byte_in_order() {
        let key = age::x25519::Identity::generate();
        for len in [
            0,
            1,
            AGE_CHUNK - 1,
            AGE_CHUNK,
            AGE_CHUNK + 1,
            15 * AGE_CHUNK,
            16 * AGE_CHUNK,
            16 * AGE_CHUNK + 1,
            40 * AGE_CHUNK + 777,
        ] {
            let data = random(len);
            for step in [1000, AGE_CHUNK, 3 * AGE_CHUNK + 5] {
                let mut blob = Vec::new();
                let mut w = age_writer(&key.to_public(), Direct(&mut blob), Vec::new()).unwrap();
                for part in data.chunks(step) {
                    w.write_all(part).unwrap();
                }
                w.finish().and_then(EmitWriter::finish).unwrap();
                // Header, nonce, then whole chunks and one last (possibly short) chunk.
                let chunks = len.div_ceil(AGE_CHUNK).max(1);
                let header = blob.windows(4).position(|w| w == b"\n---").unwrap();
                let header_len =
                    header + blob[header + 1..].iter().position(|b| *b == b'\n').unwrap() + 2;
                assert_eq!(
                    blob.len(),
                    header_len + 16 + len + chunks * AGE_TAG,
                    "{len}"
                );
                let mut out = Vec::new();
                decrypting_reader(&blob[..], &key, Encoding::None)
                    .unwrap()
                    .read_to_end(&mut out)
                    .unwrap();
                assert!(out == data, "{len} bytes in steps of {step}");
            }
        }
    }

    #[test]
    fn two_encryptions_to_one_key_differ() {
        let key = age::x25519::Identity::generate();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        seal(&b"same"[..], &key.to_public(), &mut a).unwrap();
        seal(&b"same"[..], &key.to_public(), &mut b).unwrap();
        assert_ne!(a, b, "a fresh file key, share and nonce each time");
        assert!(a.starts_with(b"age-encryption.org/v1\n-> X25519 "));
    }

    #[test]
    fn the_stock_age_and_zstd_tools_open_a_pipelined_body() {
        let tool = |name: &str| {
            std::process::Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !(tool("age") && tool("zstd")) {
            eprintln!("SKIPPED: the stock age and zstd tools are not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let key = age::x25519::Identity::generate();
        std::fs::write(dir.path().join("key"), secret_string(&key).as_bytes()).unwrap();
        let data = big_text(3 * CHUNK_LEN + 99);
        let mut blob = Vec::new();
        let sealed = seal(&data[..], &key.to_public(), &mut blob).unwrap();
        assert_eq!(sealed.encoding, Encoding::Zstd);
        std::fs::write(dir.path().join("blob"), &blob).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("age -d -i key blob | zstd -d -c")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout == data);
    }
}
