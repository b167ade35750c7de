//! Document bodies: the original bytes, zstd-compressed where that pays, inside a
//! standard age v1 file addressed to the document key. Streams in bounded memory.
//!
//! The body is deliberately plain: `age -d -i DOCKEY blob | zstd -d` (or without
//! `zstd -d` when the encoding is `none`) gives the document back with stock tools.

use std::io::{self, BufReader, Read, Write};

use age::secrecy::ExposeSecret as _;
use zeroize::Zeroizing;

use super::digest::{HashingReader, HashingWriter};
use crate::error::{Error, Result};

/// How much of the input is compressed on trial to decide whether compression pays.
const PROBE_LEN: usize = 128 * 1024;
/// zstd level for bodies (the same as `zstd -3`, the stock default).
pub const ZSTD_LEVEL: i32 = 3;
/// Compression must save at least this share of the probe to be used.
const MIN_SAVING: f64 = 0.05;
/// Copy buffer size for streaming.
const BUF_LEN: usize = 256 * 1024;

/// How the plaintext is encoded inside the age file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// One zstd frame.
    Zstd,
    /// The original bytes, uncompressed (compression did not pay).
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

/// Encrypt everything from `input` to `document_key`, writing the age file to `output`.
pub fn seal(
    input: impl Read,
    document_key: &age::x25519::Recipient,
    output: impl Write,
) -> Result<SealedBody> {
    let mut input = HashingReader::new(input);
    let mut probe = Vec::with_capacity(PROBE_LEN);
    (&mut input)
        .take(PROBE_LEN as u64)
        .read_to_end(&mut probe)
        .map_err(|e| crate::error::io_error("reading the document", e))?;
    let encoding = if compression_pays(&probe) {
        Encoding::Zstd
    } else {
        Encoding::None
    };
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(document_key as &dyn age::Recipient))
            .map_err(|_| Error::io("could not set up encryption to the document key"))?;
    let write_err = |e| crate::error::io_error("writing the encrypted document", e);
    let mut age_out = encryptor.wrap_output(output).map_err(write_err)?;
    match encoding {
        Encoding::Zstd => {
            let mut z = zstd::Encoder::new(&mut age_out, ZSTD_LEVEL).map_err(write_err)?;
            z.write_all(&probe).map_err(write_err)?;
            copy(&mut input, &mut z)?;
            z.finish().map_err(write_err)?;
        }
        Encoding::None => {
            age_out.write_all(&probe).map_err(write_err)?;
            copy(&mut input, &mut age_out)?;
        }
    }
    age_out.finish().map_err(write_err)?;
    let (plain_sha256, plain_size) = input.finish();
    Ok(SealedBody {
        encoding,
        plain_sha256,
        plain_size,
    })
}

/// Copy with a large buffer, telling read failures from write failures.
fn copy(input: &mut impl Read, output: &mut impl Write) -> Result<()> {
    let mut buf = vec![0u8; BUF_LEN];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(crate::error::io_error("reading the document", e)),
        };
        output
            .write_all(&buf[..n])
            .map_err(|e| crate::error::io_error("writing the encrypted document", e))?;
    }
}

/// What opening a body observed; the caller compares it with the signed statement.
#[derive(Clone, Debug)]
pub struct OpenedBody {
    /// SHA-256 of the ciphertext read.
    pub blob_sha256: [u8; 32],
    /// SHA-256 of the plaintext written.
    pub plain_sha256: [u8; 32],
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
    let mut hashed_blob = HashingReader::new(blob);
    let plain = {
        let decryptor = age::Decryptor::new_buffered(BufReader::new(&mut hashed_blob))
            .map_err(|_| Error::integrity("the document's ciphertext is damaged (bad header)"))?;
        let reader = decryptor
            .decrypt(std::iter::once(document_key as &dyn age::Identity))
            .map_err(|_| {
                Error::integrity(
                    "the document key does not open the body: the blob was replaced or damaged",
                )
            })?;
        let mut out = HashingWriter::new(output);
        match encoding {
            Encoding::Zstd => {
                let mut z = zstd::Decoder::new(reader).map_err(|_| {
                    Error::integrity("the document body is damaged (bad compression)")
                })?;
                copy_out(&mut z, &mut out)?;
            }
            Encoding::None => {
                let mut reader = reader;
                copy_out(&mut reader, &mut out)?;
            }
        }
        out.flush()
            .map_err(|e| crate::error::io_error("writing the document", e))?;
        let (_, hash, size) = out.finish();
        (hash, size)
    };
    // Drain anything after the age file's end so the ciphertext hash covers it all.
    io::copy(&mut hashed_blob, &mut io::sink())
        .map_err(|e| crate::error::io_error("reading the document's ciphertext", e))?;
    let (blob_sha256, _) = hashed_blob.finish();
    Ok(OpenedBody {
        blob_sha256,
        plain_sha256: plain.0,
        plain_size: plain.1,
    })
}

/// A reader of the plaintext of the age file in `blob`. Unlike [`open`] it checks no
/// hashes: the caller hashes what it reads and compares before trusting it.
pub fn decrypting_reader<'a, R: Read + 'a>(
    blob: R,
    document_key: &age::x25519::Identity,
    encoding: Encoding,
) -> Result<Box<dyn Read + 'a>> {
    let decryptor = age::Decryptor::new_buffered(BufReader::new(blob))
        .map_err(|_| Error::integrity("the document's ciphertext is damaged (bad header)"))?;
    let reader = decryptor
        .decrypt(std::iter::once(document_key as &dyn age::Identity))
        .map_err(|_| {
            Error::integrity(
                "the document key does not open the body: the blob was replaced or damaged",
            )
        })?;
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
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(Error::integrity(
                    "the document's ciphertext is truncated: the blob is damaged",
                ))
            }
            Err(_) => {
                return Err(Error::integrity(
                    "the document's ciphertext failed authentication: the blob is damaged or was altered",
                ))
            }
        };
        output
            .write_all(&buf[..n])
            .map_err(|e| crate::error::io_error("writing the document", e))?;
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
        assert_eq!(opened.plain_sha256, sealed.plain_sha256);
        assert_eq!(opened.blob_sha256, super::super::digest::sha256(&blob));
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
    fn random_bytes_skip_compression() {
        let mut data = vec![0u8; 300_000];
        getrandom::fill(&mut data).unwrap();
        let (enc, out, _) = round_trip(&data);
        assert_eq!(enc, Encoding::None);
        assert_eq!(out, data);
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
}
