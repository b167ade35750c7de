//! Entry points for fuzzing every parser of outside input (hidden from the docs).
//! Each function takes arbitrary bytes and must never panic; errors are expected.
//!
//! The cargo-fuzz crate in `fuzz/` has one target per function here, each a one-liner,
//! and `tests/fuzz_corpus.rs` replays the committed seeds and crash files through the
//! same functions on the stable toolchain, so a crash found by fuzzing stays a failing
//! test until it is fixed.
//!
//! Fixed keys make the targets deterministic: [`DOCUMENT_KEY`] opens the body seeds,
//! [`log_key`] signs the checkpoint seeds, and [`IDENTITY_PASSPHRASE`] opens the
//! passphrase-protected identity seeds. They are test fixtures, never used elsewhere.
//!
//! Besides "no panic", some targets assert properties whose failure is a real bug:
//! [`body`] (after [`BODY_ROUND_TRIP`] or [`BODY_ROUND_TRIP_LARGE`]) that what is
//! sealed opens again to the same bytes and hashes, and that it no longer opens once
//! cut short or with one bit flipped, and of any other input that sealroom's own age
//! payload reader (on one lane and on several) accepts exactly what the age crate's
//! accepts, with the same plaintext; [`identity_file`], [`card`],
//! [`statement`], [`checkpoint`] and [`invitation`] that what was accepted prints to
//! text that parses back to the same value (a card or key that sealroom prints must
//! load again).

use std::io::{self, Read, Write};
use std::str::FromStr as _;
use std::sync::OnceLock;

use age::secrecy::SecretString;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::archive::destroy::Certificate;
use crate::archive::release::Release;
use crate::crypto::body::{self, Encoding};
use crate::crypto::digest::sha256;
use crate::crypto::escrow::{self, ShareRecord};
use crate::crypto::stream;
use crate::crypto::wrap::DocumentKey;
use crate::error::Error;
use crate::identity::{Card, Identity};
use crate::log::checkpoint::{self, LogKey, LogVerifier};
use crate::log::receipt::Receipt;
use crate::log::replay;
use crate::log::statement::SignedStatement;

/// The fixed document key of the [`body`] target (an X25519 age identity made once with
/// `age-keygen`; public key [`DOCUMENT_RECIPIENT`]). A fuzzing fixture, not a secret.
pub const DOCUMENT_KEY: &str =
    "AGE-SECRET-KEY-1EEHJWRZPM27PN8ZDHX3N8LPN56U855UZM8HSYUERW6QTRYY4J8WS2WDHCT";
/// The public half of [`DOCUMENT_KEY`].
pub const DOCUMENT_RECIPIENT: &str =
    "age1sve9z2gn5wx4z3s5f555gz8we5urgu2p8tdusezk02jkwmrxxq9spz26as";
/// The name of the fixed log key of the [`checkpoint`] target.
pub const LOG_KEY_NAME: &str = "sealroom-fuzz";
/// PKCS#8 v2 (base64) of the fixed Ed25519 log key of the [`checkpoint`] target, made
/// once by a throwaway vault. A fuzzing fixture, not a secret.
const LOG_KEY_PKCS8: &str = "MFECAQEwBQYDK2VwBCIEIKxy/mnV6+sIQkc3e6mUoKoXb9OHT/cZAfLg/zQiVlLXgSEAk0sHyq0EyrN/NkVcd/00Bf9xsIc5GHRm3iOcCcoqIbI=";
/// The passphrase the [`identity_file`] target gives to passphrase-protected files.
pub const IDENTITY_PASSPHRASE: &str = "fuzzing passphrase";
/// The highest scrypt work factor (`log2 N`) for which [`identity_file`] gives its
/// passphrase; above it the callback refuses, so one input costs at most a few ms
/// (the library itself accepts up to about 16 s of work, age's own bound).
pub const MAX_FUZZ_WORK_FACTOR: u8 = 10;
/// An input to [`body`] that starts with this is a plaintext to round-trip.
pub const BODY_ROUND_TRIP: &[u8] = b"#seal\n";
/// An input to [`body`] that starts with this is a pattern for a large plaintext (1 to
/// 3 MiB, past the size at which `seal` and `open` stream through worker threads) to
/// round-trip: the next two bytes choose the size, the rest is repeated, and an odd
/// first pattern byte scrambles it so that compression does not pay.
pub const BODY_ROUND_TRIP_LARGE: &[u8] = b"#large\n";
/// An input to [`body`] that starts with this is a decrypted body in zstd encoding:
/// the rest is encrypted as is to [`DOCUMENT_KEY`] and opened as `zstd`, so the zstd
/// decoder sees arbitrary bytes, as it would from a depositor who crafts a body.
pub const BODY_ZSTD_PLAINTEXT: &[u8] = b"#zstd\n";
/// An input to [`body`] that starts with this is the plaintext of a document-key wrap:
/// the rest is encrypted as is to [`DOCUMENT_KEY`] and unwrapped, so the wrap parser
/// sees arbitrary bytes, as it would from a granter who crafts a wrap.
pub const BODY_WRAP_PLAINTEXT: &[u8] = b"#wrap\n";
/// Most plaintext bytes a body target writes per input: bounds decompression bombs so
/// that one input stays fast (opening is streamed, so the library has no such bound).
const MAX_BODY_OUTPUT: u64 = 4 * 1024 * 1024;

/// The fixed document key, parsed.
pub fn document_key() -> &'static age::x25519::Identity {
    static KEY: OnceLock<age::x25519::Identity> = OnceLock::new();
    KEY.get_or_init(|| {
        age::x25519::Identity::from_str(DOCUMENT_KEY)
            .unwrap_or_else(|_| unreachable!("DOCUMENT_KEY is a valid age identity"))
    })
}

/// The fixed log key that signs checkpoint seeds.
pub fn log_key() -> &'static LogKey {
    static KEY: OnceLock<LogKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let pkcs8 = B64
            .decode(LOG_KEY_PKCS8)
            .unwrap_or_else(|_| unreachable!("LOG_KEY_PKCS8 is base64"));
        LogKey::from_pkcs8(LOG_KEY_NAME, &pkcs8)
            .unwrap_or_else(|_| unreachable!("LOG_KEY_PKCS8 is an Ed25519 PKCS#8 v2 key"))
    })
}

/// The verifier of [`log_key`].
pub fn log_verifier() -> &'static LogVerifier {
    static VERIFIER: OnceLock<LogVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| log_key().public())
}

/// Bytes as text, as the commands read text files (strict UTF-8; anything else is
/// refused before any parser sees it).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The largest scrypt work factor named in an age header's `scrypt` stanzas, or `None`
/// when there is none or one is unreadable.
fn scrypt_work_factor(data: &[u8]) -> Option<u8> {
    let header_end = data
        .windows(4)
        .position(|w| w == b"\n---")
        .unwrap_or(data.len());
    let mut max = None;
    for line in data[..header_end].split(|b| *b == b'\n') {
        let Some(args) = line.strip_prefix(b"-> scrypt ") else {
            continue;
        };
        let last = args.split(|b| *b == b' ').next_back()?;
        let log_n: u8 = std::str::from_utf8(last).ok()?.parse().ok()?;
        max = max.max(Some(log_n));
    }
    max
}

/// An identity file (`keygen`'s output), plain or passphrase-protected. The passphrase
/// is [`IDENTITY_PASSPHRASE`], given only for work factors up to
/// [`MAX_FUZZ_WORK_FACTOR`].
pub fn identity_file(data: &[u8]) {
    let passphrase = || match scrypt_work_factor(data) {
        Some(log_n) if log_n <= MAX_FUZZ_WORK_FACTOR => {
            Ok(SecretString::from(IDENTITY_PASSPHRASE.to_owned()))
        }
        _ => Err(Error::usage("fuzzing: no passphrase for this work factor")),
    };
    if let Ok(identity) = Identity::from_file_bytes(data, passphrase) {
        // A parsed identity must give a card that parses back to itself.
        let card = identity.card();
        assert_eq!(Card::parse(&card.to_text()).ok().as_ref(), Some(&card));
    }
}

/// A card (`card`'s output): parsed, and when valid, printed and parsed again.
pub fn card(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(card) = Card::parse(text) {
        assert_eq!(Card::parse(&card.to_text()).ok().as_ref(), Some(&card));
    }
}

/// A log entry (statement body, newline, base64 signature) as found in receipts and
/// archives: split, the body parsed strictly, and a one-entry log replayed (the charter
/// is validated before any signature is checked). Also the archive's entries member
/// (one base64 entry per line), and the bytes as a bare statement body.
pub fn statement(data: &[u8]) {
    if let Ok(signed) = SignedStatement::from_entry(data) {
        if let Ok(statement) = signed.statement() {
            assert_eq!(
                SignedStatement::from_entry(&signed.entry()).ok().as_ref(),
                Some(&signed)
            );
            let _ = replay::replay(&statement.case, std::slice::from_ref(&signed));
        }
    }
    let bare = SignedStatement {
        body: data.to_vec(),
        signature: vec![0; 64],
    };
    let _ = bare.statement();
    if let Ok(entries) = crate::archive::format::decode_entries(data) {
        let signed: Vec<SignedStatement> = entries
            .iter()
            .filter_map(|e| SignedStatement::from_entry(e).ok())
            .collect();
        if let Some(Ok(first)) = signed.first().map(SignedStatement::statement) {
            let _ = replay::replay(&first.case, &signed);
        }
    }
}

/// A signed checkpoint note: parsed, verified against the fixed [`log_verifier`], and,
/// when its first line is a verifier key (`name+id+key`), the rest verified against
/// that key too (so seeds can carry their own key, and `LogVerifier::parse` is covered).
pub fn checkpoint(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let parsed = checkpoint::parse_note(text);
    if let Ok(cp) = log_verifier().verify(text) {
        assert_eq!(parsed.map(|(p, _)| p).ok(), Some(cp));
    }
    if let Some((first, rest)) = text.split_once('\n') {
        if let Ok(verifier) = LogVerifier::parse(first) {
            assert_eq!(
                LogVerifier::parse(&verifier.to_verifier_string()).ok(),
                Some(verifier.clone())
            );
            if let Ok(cp) = verifier.verify(rest) {
                assert_eq!(checkpoint::parse_note(rest).map(|(p, _)| p).ok(), Some(cp));
            }
        }
    }
}

/// A receipt file: parsed, then verified on its own (entry, leaf hash, statement,
/// log key, checkpoint signature, inclusion proof).
pub fn receipt(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(receipt) = Receipt::parse(text) {
        let _ = receipt.verify();
        let _ = receipt.proof();
    }
}

/// Case invitations and checkpoints as members send them: the input as an invitation
/// file (parsed, its signature checked, printed and parsed back to the same body), and
/// as the text of an e-mail in which `checkpoint check` looks for a checkpoint of the
/// fixed [`log_key`]'s log `sealroom/fuzz/FUZZ-2026-001` (found notes must verify or be refused,
/// and what is found is found again in itself).
pub fn invitation(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(invitation) = crate::vault::Invitation::parse(text) {
        let _ = invitation.signer();
        let again = crate::vault::Invitation::parse(&invitation.to_text())
            .expect("a parsed invitation prints to text that parses");
        assert_eq!(again.body(), invitation.body());
    }
    let origin = "sealroom/fuzz/FUZZ-2026-001";
    if let Some(note) = crate::vault::checkpoints::find_note(&text.replace("\r\n", "\n"), origin) {
        assert!(note.starts_with(origin) && note.ends_with('\n'));
        assert_eq!(
            crate::vault::checkpoints::find_note(&note, origin).as_deref(),
            Some(note.as_str())
        );
        let _ = log_verifier().verify(&note);
    }
}

/// Escrow material: the input as a share text, a share release and a destruction
/// certificate; then the share texts found in it (separated by blank lines) combined
/// against the escrow recipient the first one names (or [`DOCUMENT_RECIPIENT`]).
pub fn share(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let _ = ShareRecord::parse(text);
    if let Ok(release) = Release::parse(text) {
        let _ = release.release.custodian.card();
        let _ = release.release.custodian.role();
        let _ = B64.decode(&release.release.share);
        let _ = Release::parse(&release.to_text());
    }
    if let Ok(certificate) = Certificate::parse(text) {
        if let Ok(archivist) = certificate.body.archivist.card() {
            let _ = certificate.verify(&archivist);
        }
        let _ = Certificate::parse(&certificate.to_text());
    }
    let shares: Vec<ShareRecord> = text
        .split("\n\n")
        .filter_map(|chunk| {
            let chunk = chunk.strip_suffix('\n').unwrap_or(chunk);
            ShareRecord::parse(&format!("{chunk}\n")).ok()
        })
        .collect();
    if let Some(first) = shares.first() {
        let expected = age::x25519::Recipient::from_str(&first.escrow)
            .unwrap_or_else(|_| document_key().to_public());
        let shares: Vec<escrow::Share> = shares.into_iter().map(|r| r.share).collect();
        let _ = escrow::combine(&shares, &expected);
    }
}

/// A sealed archive file: verified with no certificate, and when it verifies, shown.
pub fn archive(data: &[u8]) {
    if crate::archive::verify::verify_archive(data, None).is_ok() {
        let _ = crate::archive::show(data, None);
    }
}

/// A writer that discards what it is given and fails past [`MAX_BODY_OUTPUT`] bytes.
struct BoundedSink(u64);

impl Write for BoundedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        if self.0 > MAX_BODY_OUTPUT {
            return Err(io::Error::other("fuzzing: output bound reached"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Body ciphertexts and small encrypted records under the fixed [`DOCUMENT_KEY`].
///
/// - Input starting with [`BODY_ROUND_TRIP`]: the rest is sealed with `body::seal`,
///   opened again (with `open` and `decrypting_reader`), and must give back the same
///   bytes and hashes; the ciphertext with one bit flipped must not open.
/// - Input starting with [`BODY_ROUND_TRIP_LARGE`]: the same with a plaintext of 1 to
///   3 MiB made from the rest, so that the multi-threaded paths run.
/// - Input starting with [`BODY_ZSTD_PLAINTEXT`]: the rest is encrypted as is and
///   opened as `zstd`, so the decoder sees arbitrary bytes.
/// - Input starting with [`BODY_WRAP_PLAINTEXT`]: the rest is encrypted as is and
///   unwrapped; a wrap that parses must wrap again to the same key and metadata.
/// - Anything else is a body ciphertext: opened in both encodings, read through
///   `decrypting_reader`, and opened as a small record and as a document-key wrap.
pub fn body(data: &[u8]) {
    let key = document_key();
    if let Some(plain) = data.strip_prefix(BODY_ROUND_TRIP) {
        round_trip(plain, key);
    } else if let Some(pattern) = data.strip_prefix(BODY_ROUND_TRIP_LARGE) {
        round_trip(&large_plaintext(pattern), key);
    } else if let Some(plain) = data.strip_prefix(BODY_ZSTD_PLAINTEXT) {
        let Ok(blob) = body::seal_small(plain, &key.to_public()) else {
            return;
        };
        let _ = body::open(&blob[..], key, Encoding::Zstd, BoundedSink(0));
        drain(&blob, key, Encoding::Zstd);
    } else if let Some(plain) = data.strip_prefix(BODY_WRAP_PLAINTEXT) {
        wrap_round_trip(plain, key);
    } else {
        // As the vault reads a body, a wrap or metadata: the header's shape and size
        // first (a stanza bomb stops here), then age, with the output capped.
        if crate::crypto::header::check_own(data, "X25519", "a fuzzed body").is_err() {
            return;
        }
        for encoding in [Encoding::Zstd, Encoding::None] {
            let _ = body::open_limited(data, key, encoding, BoundedSink(0), MAX_BODY_OUTPUT);
            drain(data, key, encoding);
        }
        stream_agrees_with_age(data, key);
        let _ = body::open_small(data, key);
        let _ = DocumentKey::unwrap_with(data, key);
    }
}

/// Unwrap a wrap whose plaintext is `plain`; what parses must survive being wrapped again.
fn wrap_round_trip(plain: &[u8], key: &age::x25519::Identity) {
    let Ok(wrap) = body::seal_small(plain, &key.to_public()) else {
        return;
    };
    let Ok(Some(unwrapped)) = DocumentKey::unwrap_all(&wrap, key) else {
        return;
    };
    let again = match &unwrapped.metadata {
        Some(copy) => unwrapped.key.wrap_with_metadata(&key.to_public(), copy),
        None => unwrapped.key.wrap_to(&key.to_public()),
    }
    .expect("a parsed wrap wraps again");
    let back = DocumentKey::unwrap_all(&again, key)
        .expect("a rewrapped key opens")
        .expect("a rewrapped key is addressed to its reader");
    assert_eq!(
        back.key.recipient().to_string(),
        unwrapped.key.recipient().to_string()
    );
    assert_eq!(back.metadata, unwrapped.metadata);
}

/// A plaintext of 1 MiB to 3 MiB from `pattern`: two bytes of size, then the pattern
/// repeated, scrambled by a xorshift stream when its first byte is odd.
fn large_plaintext(pattern: &[u8]) -> Vec<u8> {
    let (size, pattern) = match pattern {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => (0, pattern),
    };
    let len = (1 << 20) + 1 + usize::from(size) * 32;
    let pattern = if pattern.is_empty() {
        &[0u8][..]
    } else {
        pattern
    };
    let mut plain: Vec<u8> = pattern.iter().copied().cycle().take(len).collect();
    if pattern[0] & 1 == 1 {
        let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(size);
        for b in &mut plain {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b ^= x as u8;
        }
    }
    plain
}

/// Read the plaintext of `blob` through `decrypting_reader`, up to the output bound.
/// sealroom's STREAM reader, on one lane and on three, and the age crate's reader
/// accept exactly the same age files and give the same plaintext (up to a cap).
fn stream_agrees_with_age(data: &[u8], key: &age::x25519::Identity) {
    let ours = |lanes| -> Option<Vec<u8>> {
        let reader = stream::Header::read(data).ok()?.decrypt(key, lanes).ok()?;
        let mut out = Vec::new();
        reader.take(MAX_BODY_OUTPUT).read_to_end(&mut out).ok()?;
        Some(out)
    };
    let theirs = || -> Option<Vec<u8>> {
        let reader = age::Decryptor::new_buffered(data)
            .ok()?
            .decrypt(std::iter::once(key as &dyn age::Identity))
            .ok()?;
        let mut out = Vec::new();
        reader.take(MAX_BODY_OUTPUT).read_to_end(&mut out).ok()?;
        Some(out)
    };
    let one_lane = ours(1);
    assert!(one_lane == ours(3), "one lane and three opened differently");
    assert!(
        one_lane == theirs(),
        "sealroom's payload reader and the age crate's disagree (sealroom: {:?} bytes)",
        one_lane.as_ref().map(Vec::len)
    );
}

fn drain(blob: &[u8], key: &age::x25519::Identity, encoding: Encoding) {
    if let Ok(reader) = body::decrypting_reader(blob, key, encoding) {
        let _ = io::copy(&mut reader.take(MAX_BODY_OUTPUT), &mut io::sink());
    }
}

/// Seal `plain` to `key`, open it back, and check every observation.
fn round_trip(plain: &[u8], key: &age::x25519::Identity) {
    let mut blob = Vec::new();
    let sealed = body::seal(plain, &key.to_public(), &mut blob)
        .unwrap_or_else(|e| panic!("sealing in memory failed: {}", e.message()));
    assert_eq!(sealed.plain_size, plain.len() as u64);
    assert_eq!(sealed.plain_sha256, sha256(plain));

    let mut out = Vec::new();
    let opened = body::open(&blob[..], key, sealed.encoding, &mut out)
        .unwrap_or_else(|e| panic!("a sealed body does not open: {}", e.message()));
    assert!(out == plain, "the body opened to other bytes");
    assert_eq!(opened.blob_sha256, sha256(&blob));
    assert_eq!(opened.plain_size, sealed.plain_size);

    let mut again = Vec::new();
    body::decrypting_reader(&blob[..], key, sealed.encoding)
        .and_then(|mut r| {
            r.read_to_end(&mut again)
                .map_err(|e| crate::error::io_error("reading", e))
        })
        .unwrap_or_else(|e| panic!("decrypting_reader failed: {}", e.message()));
    assert!(again == plain, "decrypting_reader gave other bytes");

    // Cut short, or with one bit flipped, at a place the input chooses: refused.
    let seed = plain.iter().fold(plain.len() as u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(*b))
    });
    let len = blob.len() as u64;
    let cut = (seed % len) as usize;
    let res = body::open(&blob[..cut], key, sealed.encoding, BoundedSink(0));
    assert!(
        res.is_err(),
        "a body cut to {cut} of {len} bytes still opened"
    );
    let pos = (seed / len % len) as usize;
    let bit = 1u8 << (seed / len / len % 8);
    blob[pos] ^= bit;
    let res = body::open(&blob[..], key, sealed.encoding, BoundedSink(0));
    assert!(
        res.is_err(),
        "a body with byte {pos} of {len} flipped (bit {bit:#04x}) still opened"
    );
}
