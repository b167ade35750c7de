//! Signed tree heads of the log as C2SP `tlog-checkpoint` notes, signed and
//! verified with Ed25519 in the C2SP `signed-note` format.
//!
//! A signed checkpoint looks like this (`—` is U+2014 EM DASH):
//!
//! ```text
//! <origin>
//! <tree size in decimal>
//! <base64 root hash>
//!
//! — <key name> <base64(4-byte key ID || 64-byte Ed25519 signature)>
//! ```
//!
//! The signature covers the note body: the first three lines, each with its
//! newline. The key ID is the first 4 bytes of
//! `SHA-256(key name || "\n" || 0x01 || public key)`, so that verifiers can
//! pick the right signature line without trying every key.
//!
//! Parsing is strict: this log writes exactly one canonical form, and accepting
//! variants (leading zeros, non-canonical base64, extension lines that the
//! [`Checkpoint`] type cannot carry) would only open room for confusion.

use super::merkle::Hash;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};
use std::fmt;
use std::str::FromStr;

/// Start of every signature line: EM DASH (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// Signature type byte of Ed25519 keys in signed notes.
const ED25519_ALGORITHM: u8 = 0x01;
/// Upper bound on signature lines, as in the Go reference implementation, so
/// that a hostile note cannot make a verifier do unbounded work.
const MAX_SIGNATURES: usize = 100;

/// Why a checkpoint, key or signed note was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// The origin is empty or spans more than one line or has control
    /// characters.
    InvalidOrigin,
    /// The key name is empty or has whitespace, `+` or control characters.
    InvalidKeyName,
    /// The private key bytes are not a PKCS#8 v2 Ed25519 key.
    InvalidPrivateKey,
    /// The system random number generator failed.
    KeyGenerationFailed,
    /// A verifier key string is not of the form `<name>+<hex key ID>+<base64 key>`.
    MalformedVerifierKey(&'static str),
    /// A verifier key is for a signature algorithm other than Ed25519.
    UnsupportedKeyAlgorithm(u8),
    /// The key ID in a verifier key string does not match its name and key.
    VerifierKeyIdMismatch,
    /// The note text breaks the signed-note structure.
    MalformedNote(&'static str),
    /// The tree size line is not a canonical decimal `u64`.
    InvalidTreeSize,
    /// The root hash line is not the canonical base64 of 32 bytes.
    InvalidRootHash,
    /// The note body has lines after the root hash.
    UnsupportedExtensionLines,
    /// The note has a blank line but no signature line after it.
    MissingSignature,
    /// The note has more signature lines than a verifier will look at.
    TooManySignatures,
    /// A signature line is not `— <key name> <base64>` with a valid name and
    /// at least one signature byte after the key ID.
    MalformedSignatureLine,
    /// No signature line names the expected key.
    NoSignatureFromKey,
    /// A signature line names the expected key but its signature is wrong.
    InvalidSignature,
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::InvalidOrigin => write!(
                f,
                "the checkpoint origin must be a single non-empty line without control characters"
            ),
            CheckpointError::InvalidKeyName => write!(
                f,
                "a key name must be non-empty and free of whitespace, '+' and control characters"
            ),
            CheckpointError::InvalidPrivateKey => {
                write!(f, "the private key is not a valid PKCS#8 v2 Ed25519 key")
            }
            CheckpointError::KeyGenerationFailed => write!(
                f,
                "the system random number generator failed while generating a log key"
            ),
            CheckpointError::MalformedVerifierKey(why) => {
                write!(f, "the verifier key is malformed: {why}")
            }
            CheckpointError::UnsupportedKeyAlgorithm(alg) => write!(
                f,
                "the verifier key has algorithm byte {alg:#04x}, but only Ed25519 (0x01) is supported"
            ),
            CheckpointError::VerifierKeyIdMismatch => write!(
                f,
                "the key ID in the verifier key does not match its name and public key"
            ),
            CheckpointError::MalformedNote(why) => write!(f, "the signed note is malformed: {why}"),
            CheckpointError::InvalidTreeSize => write!(
                f,
                "the tree size must be a decimal number without leading zeros that fits in 64 bits"
            ),
            CheckpointError::InvalidRootHash => write!(
                f,
                "the root hash must be the canonical base64 encoding of exactly 32 bytes"
            ),
            CheckpointError::UnsupportedExtensionLines => write!(
                f,
                "the checkpoint has extension lines after the root hash, which this log never writes"
            ),
            CheckpointError::MissingSignature => {
                write!(f, "the signed note has no signature lines")
            }
            CheckpointError::TooManySignatures => write!(
                f,
                "the signed note has more than {MAX_SIGNATURES} signature lines"
            ),
            CheckpointError::MalformedSignatureLine => write!(
                f,
                "a signature line is not of the form '\u{2014} <key name> <base64 key ID and signature>'"
            ),
            CheckpointError::NoSignatureFromKey => {
                write!(f, "the signed note carries no signature from the expected log key")
            }
            CheckpointError::InvalidSignature => write!(
                f,
                "a signature that claims to be from the expected log key does not verify"
            ),
        }
    }
}

impl std::error::Error for CheckpointError {}

/// A log's signed statement of its state: the tree of `size` leaves has root
/// hash `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Identifies the log, e.g. `example.com/sealroom/case-42`. Must be a
    /// single non-empty line without control characters.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// Merkle tree root hash of those leaves.
    pub root: Hash,
}

impl Checkpoint {
    /// A checkpoint with a validated origin.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        let checkpoint = Checkpoint {
            origin: origin.into(),
            size,
            root,
        };
        checkpoint.validate()?;
        Ok(checkpoint)
    }

    /// Checks the invariants that the public fields cannot enforce: the
    /// origin is one non-empty line without control characters (which also
    /// keeps the note free of the characters signed notes forbid).
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() || self.origin.chars().any(char::is_control) {
            return Err(CheckpointError::InvalidOrigin);
        }
        Ok(())
    }

    /// The note body that is signed: `<origin>\n<size>\n<base64 root>\n`.
    ///
    /// Only meaningful for a checkpoint that passes [`Checkpoint::validate`];
    /// [`LogKey::sign`] checks that before signing.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }
}

/// A checkpoint together with its full signed-note text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint that was signed.
    pub checkpoint: Checkpoint,
    /// The signed note: the body, a blank line and one signature line.
    pub text: String,
}

/// One signature line of a signed note, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    /// Name of the key that claims to have signed.
    pub key_name: String,
    /// Key ID (first 4 bytes of the key hash, big-endian).
    pub key_id: u32,
    /// Signature bytes after the key ID (64 bytes for Ed25519; other key
    /// types may differ, so the length is not checked here).
    pub signature: Vec<u8>,
}

/// Whether `name` may be a key name: non-empty, no Unicode whitespace (it
/// ends the name on a signature line), no `+` (it separates the parts of a
/// verifier key) and no control characters.
fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// Key ID of an Ed25519 key: the first 4 bytes, big-endian, of
/// `SHA-256(name || "\n" || 0x01 || public key)`.
fn ed25519_key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[ED25519_ALGORITHM]);
    ctx.update(public_key);
    let hash = ctx.finish();
    let h = hash.as_ref();
    // SHA-256 output is 32 bytes, so the first four exist.
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// The log's Ed25519 signing key and the name it signs under.
pub struct LogKey {
    name: String,
    key_pair: Ed25519KeyPair,
}

impl fmt::Debug for LogKey {
    // Shows only public information, never the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.public().key_id()))
            .finish()
    }
}

impl LogKey {
    /// Generates a fresh key named `name`. Also returns the PKCS#8 v2 encoding
    /// of the private key, to be stored (protected) and reloaded with
    /// [`LogKey::from_pkcs8`]; the caller is responsible for wiping it.
    pub fn generate(name: &str) -> Result<(LogKey, Vec<u8>), CheckpointError> {
        if !is_valid_key_name(name) {
            return Err(CheckpointError::InvalidKeyName);
        }
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| CheckpointError::KeyGenerationFailed)?;
        let key = LogKey::from_pkcs8(name, pkcs8.as_ref())?;
        Ok((key, pkcs8.as_ref().to_vec()))
    }

    /// Loads a key from its PKCS#8 v2 encoding (as made by
    /// [`LogKey::generate`]).
    pub fn from_pkcs8(name: &str, pkcs8: &[u8]) -> Result<LogKey, CheckpointError> {
        if !is_valid_key_name(name) {
            return Err(CheckpointError::InvalidKeyName);
        }
        let key_pair =
            Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CheckpointError::InvalidPrivateKey)?;
        Ok(LogKey {
            name: name.to_owned(),
            key_pair,
        })
    }

    /// The key name that appears on signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The matching verifier, to be published to whoever checks checkpoints.
    pub fn public(&self) -> LogVerifier {
        let mut public_key = [0u8; 32];
        // An Ed25519 public key is always 32 bytes, so this copy cannot panic.
        public_key.copy_from_slice(self.key_pair.public_key().as_ref());
        LogVerifier {
            name: self.name.clone(),
            public_key,
        }
    }

    /// Signs `checkpoint`, after checking its origin.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<SignedCheckpoint, CheckpointError> {
        checkpoint.validate()?;
        let text = self.sign_note(&checkpoint.body());
        Ok(SignedCheckpoint {
            checkpoint: checkpoint.clone(),
            text,
        })
    }

    /// Sign a record that is not a checkpoint (the vault's refusal records): Ed25519
    /// over `domain` then `message`. A domain holds a NUL byte, which no note body
    /// can, so such a signature never passes for a checkpoint's.
    pub fn sign_record(&self, domain: &[u8], message: &[u8]) -> Vec<u8> {
        let mut m = domain.to_vec();
        m.extend_from_slice(message);
        self.key_pair.sign(&m).as_ref().to_vec()
    }

    /// `body` followed by a blank line and this key's signature line over it.
    fn sign_note(&self, body: &str) -> String {
        let signature = self.key_pair.sign(body.as_bytes());
        let key_id = self.public().key_id();
        let mut blob = Vec::with_capacity(4 + signature.as_ref().len());
        blob.extend_from_slice(&key_id.to_be_bytes());
        blob.extend_from_slice(signature.as_ref());
        format!(
            "{body}\n{SIGNATURE_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(blob)
        )
    }
}

/// A log's public key and key name, as needed to verify its checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogVerifier {
    name: String,
    public_key: [u8; 32],
}

impl LogVerifier {
    /// A verifier for the Ed25519 `public_key` signing under `name`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, CheckpointError> {
        if !is_valid_key_name(name) {
            return Err(CheckpointError::InvalidKeyName);
        }
        Ok(LogVerifier {
            name: name.to_owned(),
            public_key,
        })
    }

    /// The key name expected on signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// Check a signature made by [`LogKey::sign_record`].
    pub fn verify_record(&self, domain: &[u8], message: &[u8], signature: &[u8]) -> bool {
        let mut m = domain.to_vec();
        m.extend_from_slice(message);
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &self.public_key)
            .verify(&m, signature)
            .is_ok()
    }

    /// The 4-byte key ID (as a big-endian number) that prefixes signatures.
    pub fn key_id(&self) -> u32 {
        ed25519_key_id(&self.name, &self.public_key)
    }

    /// The verifier key string `<name>+<8 hex digits key ID>+<base64(0x01 ||
    /// public key)>`, as used by the Go `note` package and C2SP.
    pub fn to_verifier_string(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ED25519_ALGORITHM);
        key.extend_from_slice(&self.public_key);
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id(),
            STANDARD.encode(key)
        )
    }

    /// Parses a verifier key string (see [`LogVerifier::to_verifier_string`]),
    /// checking that its key ID matches its name and key.
    pub fn parse(s: &str) -> Result<Self, CheckpointError> {
        // The name has no '+', the hex ID has none, the base64 may have some:
        // so split at the first two.
        let (name, rest) = s
            .split_once('+')
            .ok_or(CheckpointError::MalformedVerifierKey(
                "missing '+' separators",
            ))?;
        let (id_hex, key_b64) =
            rest.split_once('+')
                .ok_or(CheckpointError::MalformedVerifierKey(
                    "missing '+' separators",
                ))?;
        if !is_valid_key_name(name) {
            return Err(CheckpointError::InvalidKeyName);
        }
        // from_str_radix would also accept a leading sign; insist on 8 digits.
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CheckpointError::MalformedVerifierKey(
                "the key ID is not 8 hex digits",
            ));
        }
        let key_id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| CheckpointError::MalformedVerifierKey("the key ID is not 8 hex digits"))?;
        let key = STANDARD
            .decode(key_b64)
            .map_err(|_| CheckpointError::MalformedVerifierKey("the key is not valid base64"))?;
        let (&algorithm, public_key) = key
            .split_first()
            .ok_or(CheckpointError::MalformedVerifierKey("the key is empty"))?;
        if algorithm != ED25519_ALGORITHM {
            return Err(CheckpointError::UnsupportedKeyAlgorithm(algorithm));
        }
        let public_key: [u8; 32] = public_key.try_into().map_err(|_| {
            CheckpointError::MalformedVerifierKey("an Ed25519 public key must be 32 bytes")
        })?;
        let verifier = LogVerifier::new(name, public_key)?;
        if verifier.key_id() != key_id {
            return Err(CheckpointError::VerifierKeyIdMismatch);
        }
        Ok(verifier)
    }

    /// Parses a signed checkpoint and returns it if at least one signature
    /// line names this key (name and key ID) and every such line verifies.
    ///
    /// Signature lines of other keys (witnesses, other logs) are ignored. The
    /// caller must still check that `origin` is the log it expects, and that
    /// the size never goes backwards.
    pub fn verify(&self, text: &str) -> Result<Checkpoint, CheckpointError> {
        let note = parse_parts(text)?;
        let key_id = self.key_id();
        let public_key = signature::UnparsedPublicKey::new(&signature::ED25519, &self.public_key);
        let mut verified = false;
        for line in note
            .signatures
            .iter()
            .filter(|line| line.key_id == key_id && line.key_name == self.name)
        {
            // As in the Go implementation, a bad signature that claims to be
            // from our key is an error rather than something to skip: it means
            // tampering or a key mix-up that someone should look at.
            public_key
                .verify(note.body.as_bytes(), &line.signature)
                .map_err(|_| CheckpointError::InvalidSignature)?;
            verified = true;
        }
        if !verified {
            return Err(CheckpointError::NoSignatureFromKey);
        }
        Ok(note.checkpoint)
    }
}

impl fmt::Display for LogVerifier {
    /// Writes the verifier key string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_verifier_string())
    }
}

impl FromStr for LogVerifier {
    type Err = CheckpointError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogVerifier::parse(s)
    }
}

/// A parsed note: the checkpoint, the exact body text that signatures cover,
/// and the signature lines.
struct ParsedNote<'a> {
    checkpoint: Checkpoint,
    body: &'a str,
    signatures: Vec<SignatureLine>,
}

/// Parses a signed checkpoint note without verifying any signature.
///
/// Strict: the text must be exactly three body lines (origin, decimal size
/// without leading zeros, canonical base64 of a 32-byte root), a blank line
/// and one to 100 well-formed signature lines, each ending in a newline, with
/// no control characters other than newlines and nothing after the last
/// signature line.
pub fn parse_note(text: &str) -> Result<(Checkpoint, Vec<SignatureLine>), CheckpointError> {
    let note = parse_parts(text)?;
    Ok((note.checkpoint, note.signatures))
}

fn parse_parts(text: &str) -> Result<ParsedNote<'_>, CheckpointError> {
    // Signed notes forbid control characters other than newline anywhere;
    // this also rules out "\r\n" line endings.
    if text.chars().any(|c| c != '\n' && c.is_control()) {
        return Err(CheckpointError::MalformedNote(
            "it contains a control character",
        ));
    }
    let Some(without_final_newline) = text.strip_suffix('\n') else {
        return Err(CheckpointError::MalformedNote(
            "it does not end with a newline",
        ));
    };
    let lines: Vec<&str> = without_final_newline.split('\n').collect();

    // The body ends at the first blank line; the checkpoint body is exactly
    // three lines.
    let blank =
        lines
            .iter()
            .position(|line| line.is_empty())
            .ok_or(CheckpointError::MalformedNote(
                "there is no blank line before the signatures",
            ))?;
    let body_shape_error = CheckpointError::MalformedNote(
        "the body must be exactly an origin, a size and a root hash line",
    );
    match blank {
        3 => {}
        0..=2 => return Err(body_shape_error),
        _ => return Err(CheckpointError::UnsupportedExtensionLines),
    }
    let &[origin, size, root, _blank, ref signature_lines @ ..] = lines.as_slice() else {
        // Unreachable: line 3 exists, it is the blank line.
        return Err(body_shape_error);
    };
    if signature_lines.is_empty() {
        return Err(CheckpointError::MissingSignature);
    }
    if signature_lines.len() > MAX_SIGNATURES {
        return Err(CheckpointError::TooManySignatures);
    }

    let checkpoint = Checkpoint::new(origin, parse_size(size)?, parse_root(root)?)?;
    let signatures = signature_lines
        .iter()
        .map(|line| parse_signature_line(line))
        .collect::<Result<Vec<_>, _>>()?;

    // Three lines plus their newlines: exactly what the signatures cover.
    let body_len = origin.len() + size.len() + root.len() + 3;
    let body = text.get(..body_len).ok_or(CheckpointError::MalformedNote(
        "the body is not where it was found",
    ))?;
    // Each field was checked to be canonical, so re-serialising must give the
    // signed bytes back; this guards that invariant against future edits.
    if body != checkpoint.body() {
        return Err(CheckpointError::MalformedNote(
            "the body is not in canonical form",
        ));
    }
    Ok(ParsedNote {
        checkpoint,
        body,
        signatures,
    })
}

/// A decimal `u64` without sign or leading zeros ("0" itself is fine).
fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let canonical = !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::InvalidTreeSize);
    }
    line.parse().map_err(|_| CheckpointError::InvalidTreeSize)
}

/// Canonical standard base64 (with padding) of exactly 32 bytes.
fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    let bytes = STANDARD
        .decode(line)
        .map_err(|_| CheckpointError::InvalidRootHash)?;
    let root: Hash = bytes
        .try_into()
        .map_err(|_| CheckpointError::InvalidRootHash)?;
    // The engine already rejects non-zero trailing bits; comparing with the
    // re-encoding also pins down padding, so each root has one spelling.
    if STANDARD.encode(root) != line {
        return Err(CheckpointError::InvalidRootHash);
    }
    Ok(root)
}

/// `— <key name> <base64(key ID || signature)>`, without the newline.
fn parse_signature_line(line: &str) -> Result<SignatureLine, CheckpointError> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(CheckpointError::MalformedSignatureLine)?;
    let (name, blob_b64) = rest
        .split_once(' ')
        .ok_or(CheckpointError::MalformedSignatureLine)?;
    if !is_valid_key_name(name) {
        return Err(CheckpointError::MalformedSignatureLine);
    }
    let blob = STANDARD
        .decode(blob_b64)
        .map_err(|_| CheckpointError::MalformedSignatureLine)?;
    // A key ID and at least one signature byte.
    match blob.split_first_chunk::<4>() {
        Some((id, signature)) if !signature.is_empty() => Ok(SignatureLine {
            key_name: name.to_owned(),
            key_id: u32::from_be_bytes(*id),
            signature: signature.to_vec(),
        }),
        _ => Err(CheckpointError::MalformedSignatureLine),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write as _;

    /// Interop vector of golang.org/x/mod/sumdb/note (package doc and
    /// note_test.go). The private key's last part is base64(0x01 || seed).
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                              then you don't know what your problem is.\n";
    const PETER_SIGNATURE_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    /// Real signed tree heads of the Go checksum database (sum.golang.org),
    /// as quoted in public test code and docs, with its published key.
    const SUMDB_VKEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
    const SUMDB_NOTE: &str = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n\
        \u{2014} sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n";
    /// The same log's checkpoint with a witness cosignature from a key the
    /// verifier does not know, which must be ignored.
    const SUMDB_NOTE_COSIGNED: &str = "go.sum database tree\n15067302\ngJyioq6dwR9n+NjEWORfYmH+ubeYm3kH42BBQ0bTpYI=\n\n\
        \u{2014} sum.golang.org Az3grp1rvWOs5NKlr/xR4GLN/CDyzzakmt1o61uSxYKpK1SerqOP2ClbX/peKUZjYnyomH5Xz7GZG3TpB7OeKn4E2ww=\n\
        \u{2014} test.example.com qTGhC/xIPQ0AXKHK6Y+9ypRfuvMZWPjRXM8NiOg5M1WREn07VQXyuIXM3NRNav3ieVFLUqDRK77PWDmL6w8w84UqeAw=\n";

    fn peter_key() -> LogKey {
        // PRIVATE+KEY+<name>+<key ID>+<key>; the base64 key may contain '+'.
        let key = STANDARD
            .decode(PETER_SKEY.splitn(5, '+').nth(4).unwrap())
            .unwrap();
        assert_eq!(key[0], ED25519_ALGORITHM);
        LogKey {
            name: "PeterNeumann".to_owned(),
            key_pair: Ed25519KeyPair::from_seed_unchecked(&key[1..]).unwrap(),
        }
    }

    fn sample_checkpoint() -> Checkpoint {
        Checkpoint::new("example.com/sealroom/case-42", 42, [0x11; 32]).unwrap()
    }

    fn signed_sample() -> (LogKey, SignedCheckpoint) {
        let (key, _) = LogKey::generate("example.com/sealroom").unwrap();
        let signed = key.sign(&sample_checkpoint()).unwrap();
        (key, signed)
    }

    #[test]
    fn go_note_interop_vector() {
        let key = peter_key();
        assert_eq!(key.public().to_verifier_string(), PETER_VKEY);
        assert_eq!(LogVerifier::parse(PETER_VKEY).unwrap(), key.public());
        // Ed25519 signatures are deterministic, so the whole note must match
        // the one the Go implementation produces, byte for byte.
        assert_eq!(
            key.sign_note(PETER_TEXT),
            format!("{PETER_TEXT}\n{PETER_SIGNATURE_LINE}")
        );
    }

    #[test]
    fn sumdb_checkpoints_verify() {
        let verifier = LogVerifier::parse(SUMDB_VKEY).unwrap();
        assert_eq!(verifier.name(), "sum.golang.org");
        assert_eq!(verifier.to_verifier_string(), SUMDB_VKEY);

        let checkpoint = verifier.verify(SUMDB_NOTE).unwrap();
        assert_eq!(checkpoint.origin, "go.sum database tree");
        assert_eq!(checkpoint.size, 6_476_701);
        assert_eq!(
            STANDARD.encode(checkpoint.root),
            "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
        );

        let checkpoint = verifier.verify(SUMDB_NOTE_COSIGNED).unwrap();
        assert_eq!(checkpoint.size, 15_067_302);
        let (_, signatures) = parse_note(SUMDB_NOTE_COSIGNED).unwrap();
        assert_eq!(signatures.len(), 2);
        assert_eq!(signatures[1].key_name, "test.example.com");
        assert_eq!(signatures[1].signature.len(), 64);
    }

    #[test]
    fn round_trip() {
        let (key, signed) = signed_sample();
        assert_eq!(signed.checkpoint, sample_checkpoint());
        let verifier = LogVerifier::parse(&key.public().to_verifier_string()).unwrap();
        assert_eq!(verifier, key.public());
        assert_eq!(verifier.verify(&signed.text), Ok(sample_checkpoint()));
        let (parsed, signatures) = parse_note(&signed.text).unwrap();
        assert_eq!(parsed, sample_checkpoint());
        assert_eq!(signatures.len(), 1);
        assert_eq!(signatures[0].key_name, "example.com/sealroom");
        assert_eq!(signatures[0].key_id, verifier.key_id());
        assert_eq!(signatures[0].signature.len(), 64);
    }

    #[test]
    fn text_layout() {
        let key = peter_key();
        let signed = key.sign(&sample_checkpoint()).unwrap();
        // 32 bytes of 0x11: ten "ERER" groups for 30 bytes, then "ERE=".
        let body =
            "example.com/sealroom/case-42\n42\nERERERERERERERERERERERERERERERERERERERERERE=\n";
        assert_eq!(sample_checkpoint().body(), body);
        let signature_line = signed
            .text
            .strip_prefix(body)
            .and_then(|rest| rest.strip_prefix("\n\u{2014} PeterNeumann "))
            .and_then(|rest| rest.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("unexpected layout:\n{}", signed.text));
        // 4-byte key ID + 64-byte signature = 68 bytes = 92 base64 chars.
        assert_eq!(signature_line.len(), 92);
        let blob = STANDARD.decode(signature_line).unwrap();
        assert_eq!(blob[..4], [0xc7, 0x4f, 0x20, 0xa3]);
        assert_eq!(signed.text.lines().count(), 5);
    }

    #[test]
    fn tampering_is_rejected() {
        let (key, signed) = signed_sample();
        let verifier = key.public();
        let text = &signed.text;
        let tampered = [
            text.replacen("\n42\n", "\n43\n", 1),
            text.replacen("ERER", "EREr", 1),
            text.replacen("case-42", "case-43", 1),
        ];
        for t in &tampered {
            assert_ne!(t, text);
            assert_eq!(
                verifier.verify(t),
                Err(CheckpointError::InvalidSignature),
                "{t}"
            );
        }

        // Flip one bit of the signature itself.
        let (body, line) = text.split_once("\n\n").unwrap();
        let (prefix, b64) = line.trim_end().rsplit_once(' ').unwrap();
        let mut blob = STANDARD.decode(b64).unwrap();
        blob[10] ^= 0x01;
        let forged = format!("{body}\n\n{prefix} {}\n", STANDARD.encode(&blob));
        assert_eq!(
            verifier.verify(&forged),
            Err(CheckpointError::InvalidSignature)
        );
        // A changed key ID makes the line someone else's.
        let mut blob = STANDARD.decode(b64).unwrap();
        blob[0] ^= 0x01;
        let other_id = format!("{body}\n\n{prefix} {}\n", STANDARD.encode(&blob));
        assert_eq!(
            verifier.verify(&other_id),
            Err(CheckpointError::NoSignatureFromKey)
        );
        // A good signature next to a bad one from the same key is still an
        // error.
        let both = format!("{text}{}", forged.split_once("\n\n").unwrap().1);
        assert_eq!(
            verifier.verify(&both),
            Err(CheckpointError::InvalidSignature)
        );
    }

    #[test]
    fn wrong_key_is_rejected() {
        let (key, signed) = signed_sample();
        // Same name, different key: the key ID differs, so the line is not ours.
        let (same_name, _) = LogKey::generate("example.com/sealroom").unwrap();
        assert_eq!(
            same_name.public().verify(&signed.text),
            Err(CheckpointError::NoSignatureFromKey)
        );
        let (other, _) = LogKey::generate("other.example").unwrap();
        assert_eq!(
            other.public().verify(&signed.text),
            Err(CheckpointError::NoSignatureFromKey)
        );
        // The same checkpoint signed by another key only.
        let foreign = other.sign(&signed.checkpoint).unwrap();
        assert_eq!(
            key.public().verify(&foreign.text),
            Err(CheckpointError::NoSignatureFromKey)
        );
    }

    #[test]
    fn truncated_text_is_rejected() {
        let (key, signed) = signed_sample();
        let verifier = key.public();
        for (end, _) in signed.text.char_indices() {
            let prefix = &signed.text[..end];
            assert!(verifier.verify(prefix).is_err(), "accepted {prefix:?}");
        }
        assert!(verifier.verify(&signed.text).is_ok());
    }

    #[test]
    fn strict_parsing() {
        let (key, signed) = signed_sample();
        let text = &signed.text;
        let (body, sig) = text.split_once("\n\n").unwrap();
        let root = "ERERERERERERERERERERERERERERERERERERERERERE=";
        let with_body = |b: &str| format!("{b}\n\n{sig}");
        let cases: Vec<(String, CheckpointError)> = vec![
            (
                body.replace("\n42\n", "\n042\n"),
                CheckpointError::InvalidTreeSize,
            ),
            (
                body.replace("\n42\n", "\n+42\n"),
                CheckpointError::InvalidTreeSize,
            ),
            (
                body.replace("\n42\n", "\n42 \n"),
                CheckpointError::InvalidTreeSize,
            ),
            (
                body.replace("\n42\n", "\n18446744073709551616\n"),
                CheckpointError::InvalidTreeSize,
            ),
            (
                body.replace(root, "ERERERERERERERERERERERERERERERERERERERERERE"),
                CheckpointError::InvalidRootHash,
            ),
            (
                body.replace(root, "ERERERERERERERERERERERERERERERERERERERERERF="),
                CheckpointError::InvalidRootHash,
            ),
            (
                body.replace(root, "ERERERERERERERERERERERERERERERERERERERERER=="),
                CheckpointError::InvalidRootHash,
            ),
            (
                format!("{body}\nextension line"),
                CheckpointError::UnsupportedExtensionLines,
            ),
        ]
        .into_iter()
        .map(|(b, e)| (with_body(&b), e))
        .collect();
        for (t, want) in &cases {
            assert_eq!(parse_note(t).map(|_| ()), Err(want.clone()), "{t:?}");
            assert!(key.public().verify(t).is_err());
        }

        let malformed = [
            format!("{body}\n{sig}"),                    // no blank line
            format!("{text}garbage"),                    // trailing garbage, no newline
            format!("{text}garbage\n"),                  // trailing garbage line
            format!("{text}\n"),                         // trailing blank line
            text.replace('\n', "\r\n"),                  // CRLF
            text.replacen("case-42", "case\t42", 1),     // control character
            text.replacen('\u{2014}', "--", 1),          // not an em dash
            text.replacen("\u{2014} ", "\u{2014}  ", 1), // double space
            format!("{body}\n\n"),                       // no signatures
            format!("\n{text}"),                         // leading blank line
            String::new(),
        ];
        for t in &malformed {
            assert!(parse_note(t).is_err(), "accepted {t:?}");
            assert!(key.public().verify(t).is_err(), "verified {t:?}");
        }
        assert_eq!(
            parse_note(&format!("{body}\n\n")).map(|_| ()),
            Err(CheckpointError::MissingSignature)
        );
        // A blank line inside the three-line body.
        assert_eq!(
            parse_note("example.com/log\n42\n\n\u{2014} k AAAAAAA=\n").map(|_| ()),
            Err(CheckpointError::MalformedNote(
                "the body must be exactly an origin, a size and a root hash line"
            ))
        );

        // Bounded number of signature lines; unknown ones are fine below it.
        let many = |n: usize| format!("{text}{}", "\u{2014} witness AAAAAAA=\n".repeat(n));
        assert!(key.public().verify(&many(MAX_SIGNATURES - 1)).is_ok());
        assert_eq!(
            parse_note(&many(MAX_SIGNATURES)).map(|_| ()),
            Err(CheckpointError::TooManySignatures)
        );
        // Signature blobs need a key ID and at least one more byte.
        assert_eq!(
            parse_note(&format!("{body}\n\n\u{2014} witness AAAAAA==\n")).map(|_| ()),
            Err(CheckpointError::MalformedSignatureLine)
        );
        // Key names with '+' are not allowed.
        assert_eq!(
            parse_note(&format!("{body}\n\n\u{2014} a+b AAAAAAA=\n")).map(|_| ()),
            Err(CheckpointError::MalformedSignatureLine)
        );
    }

    #[test]
    fn origin_and_key_name_validation() {
        for origin in [
            "",
            "two\nlines",
            "tab\there",
            "cr\r",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            assert_eq!(
                Checkpoint::new(origin, 1, [0; 32]),
                Err(CheckpointError::InvalidOrigin),
                "{origin:?}"
            );
        }
        assert!(Checkpoint::new("go.sum database tree", 0, [0; 32]).is_ok());
        // The fields are public, so sign() checks them again.
        let (key, _) = LogKey::generate("k").unwrap();
        let bad = Checkpoint {
            origin: "evil\n0".into(),
            size: 1,
            root: [0; 32],
        };
        assert_eq!(key.sign(&bad), Err(CheckpointError::InvalidOrigin));

        for name in ["", "a b", "a+b", "a\u{a0}b", "a\nb"] {
            assert_eq!(
                LogKey::generate(name).map(|_| ()).unwrap_err(),
                CheckpointError::InvalidKeyName,
                "{name:?}"
            );
            assert_eq!(
                LogVerifier::new(name, [0; 32]),
                Err(CheckpointError::InvalidKeyName)
            );
        }
    }

    #[test]
    fn pkcs8_round_trip() {
        let (key, pkcs8) = LogKey::generate("example.com/log").unwrap();
        let reloaded = LogKey::from_pkcs8("example.com/log", &pkcs8).unwrap();
        assert_eq!(reloaded.public(), key.public());
        let signed = reloaded.sign(&sample_checkpoint()).unwrap();
        assert!(key.public().verify(&signed.text).is_ok());
        assert_eq!(
            LogKey::from_pkcs8("example.com/log", &pkcs8[1..]).map(|_| ()),
            Err(CheckpointError::InvalidPrivateKey)
        );
        let debug = format!("{key:?}");
        assert!(debug.contains("example.com/log"), "{debug}");
    }

    #[test]
    fn records_signed_by_the_log_key_verify_only_as_signed() {
        let (key, _) = LogKey::generate("example.com/log").unwrap();
        assert_eq!(key.name(), "example.com/log");
        let verifier = key.public();
        // The raw public key is the one the verifier string carries (after the name
        // and the key ID; base64 may itself hold a '+').
        let encoded = verifier.to_verifier_string();
        let raw = STANDARD
            .decode(encoded.splitn(3, '+').nth(2).unwrap())
            .unwrap();
        assert_eq!(&raw[1..], verifier.public_key());

        let (domain, message) = (b"sealroom refusal\0".as_slice(), b"record 0".as_slice());
        let signature = key.sign_record(domain, message);
        assert_eq!(signature.len(), 64);
        assert!(verifier.verify_record(domain, message, &signature));
        // Another record, another domain, a damaged signature or another key: no.
        assert!(!verifier.verify_record(domain, b"record 1", &signature));
        assert!(!verifier.verify_record(b"other\0", message, &signature));
        let mut damaged = signature.clone();
        damaged[10] ^= 1;
        assert!(!verifier.verify_record(domain, message, &damaged));
        let (other, _) = LogKey::generate("example.com/log").unwrap();
        assert!(!other.public().verify_record(domain, message, &signature));
    }

    #[test]
    fn verifier_string_errors() {
        let good = PETER_VKEY;
        let name_and_id = "PeterNeumann+c74f20a3";
        let mut key = STANDARD.decode(&good[name_and_id.len() + 1..]).unwrap();
        let cases = [
            (
                "PeterNeumann",
                CheckpointError::MalformedVerifierKey("missing '+' separators"),
            ),
            (
                "PeterNeumann+c74f20a3",
                CheckpointError::MalformedVerifierKey("missing '+' separators"),
            ),
            (
                "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                CheckpointError::MalformedVerifierKey("the key ID is not 8 hex digits"),
            ),
            (
                "PeterNeumann++74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                CheckpointError::MalformedVerifierKey("the key ID is not 8 hex digits"),
            ),
            (
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                CheckpointError::VerifierKeyIdMismatch,
            ),
            (
                "PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                CheckpointError::VerifierKeyIdMismatch,
            ),
            (
                "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
                CheckpointError::MalformedVerifierKey("the key is not valid base64"),
            ),
            (
                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                CheckpointError::InvalidKeyName,
            ),
            (
                "PeterNeumann+c74f20a3+",
                CheckpointError::MalformedVerifierKey("the key is empty"),
            ),
        ];
        for (s, want) in cases {
            assert_eq!(LogVerifier::parse(s), Err(want), "{s}");
        }
        key[0] = 0x02;
        let other_algorithm = format!("{name_and_id}+{}", STANDARD.encode(&key));
        assert_eq!(
            LogVerifier::parse(&other_algorithm),
            Err(CheckpointError::UnsupportedKeyAlgorithm(0x02))
        );
        key[0] = ED25519_ALGORITHM;
        key.push(0);
        let too_long = format!("{name_and_id}+{}", STANDARD.encode(&key));
        assert!(matches!(
            LogVerifier::parse(&too_long),
            Err(CheckpointError::MalformedVerifierKey(_))
        ));
        // Upper-case hex is accepted, as by the Go implementation.
        assert!(LogVerifier::parse(&good.replace("c74f20a3", "C74F20A3")).is_ok());
        assert_eq!(good.parse::<LogVerifier>().unwrap().to_string(), good);
    }

    #[test]
    fn errors_read_as_sentences() {
        let all = [
            CheckpointError::InvalidOrigin,
            CheckpointError::InvalidKeyName,
            CheckpointError::InvalidPrivateKey,
            CheckpointError::KeyGenerationFailed,
            CheckpointError::MalformedVerifierKey("the key is empty"),
            CheckpointError::UnsupportedKeyAlgorithm(2),
            CheckpointError::VerifierKeyIdMismatch,
            CheckpointError::MalformedNote("it does not end with a newline"),
            CheckpointError::InvalidTreeSize,
            CheckpointError::InvalidRootHash,
            CheckpointError::UnsupportedExtensionLines,
            CheckpointError::MissingSignature,
            CheckpointError::TooManySignatures,
            CheckpointError::MalformedSignatureLine,
            CheckpointError::NoSignatureFromKey,
            CheckpointError::InvalidSignature,
        ];
        for e in all {
            let s = e.to_string();
            assert!(
                !s.is_empty() && !s.contains('\n') && !s.ends_with('.'),
                "{s}"
            );
        }
    }

    proptest! {
        /// Arbitrary bytes (as text) never panic the parser or the verifier.
        #[test]
        fn parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse_note(&text);
            let _ = peter_key().public().verify(&text);
            let _ = LogVerifier::parse(&text);
        }

        /// Text built from note-like pieces reaches deeper into the parser.
        #[test]
        fn parser_never_panics_on_note_like_text(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("\n".to_owned()),
                    Just("\u{2014} ".to_owned()),
                    Just(" ".to_owned()),
                    Just("+".to_owned()),
                    Just("0".to_owned()),
                    Just("AAAAAAA=".to_owned()),
                    Just("ERERERERERERERERERERERERERERERERERERERERERE=".to_owned()),
                    "[a-z0-9./=+]{0,12}",
                    any::<String>(),
                ],
                0..24,
            )
        ) {
            let text = pieces.concat();
            let _ = parse_note(&text);
            let _ = LogVerifier::parse(&text);
        }
    }

    /// Every change of one byte of a signed note, to each of the 255 other
    /// values, is rejected, including the changes that leave invalid UTF-8.
    ///
    /// [`LogVerifier::verify`] takes `&str`, so bytes reach it only through a
    /// UTF-8 decoding: a strict one (what sealroom does with every note it
    /// reads) must refuse them, and a lossy one, which turns the bad sequence
    /// into U+FFFD, must give a text that does not verify either.
    #[test]
    fn any_single_byte_change_is_rejected() {
        let key = peter_key();
        let verifier = key.public();
        let text = key.sign(&sample_checkpoint()).unwrap().text;
        assert_eq!(verifier.verify(&text), Ok(sample_checkpoint()));
        let original = text.as_bytes();
        let (mut as_text, mut not_utf8) = (0usize, 0usize);
        for i in 0..original.len() {
            for value in (0..=u8::MAX).filter(|v| *v != original[i]) {
                let mut bytes = original.to_vec();
                bytes[i] = value;
                match std::str::from_utf8(&bytes) {
                    Ok(changed) => {
                        assert!(
                            verifier.verify(changed).is_err(),
                            "byte {i} set to {value:#04x} was accepted: {changed:?}"
                        );
                        as_text += 1;
                    }
                    Err(_) => {
                        let lossy = String::from_utf8_lossy(&bytes);
                        assert!(
                            lossy.contains('\u{fffd}'),
                            "byte {i} set to {value:#04x}: the lossy text has no U+FFFD"
                        );
                        assert!(
                            verifier.verify(&lossy).is_err(),
                            "byte {i} set to {value:#04x} (invalid UTF-8) was accepted after a \
                             lossy decoding: {lossy:?}"
                        );
                        not_utf8 += 1;
                    }
                }
            }
        }
        assert_eq!(as_text + not_utf8, original.len() * 255);
        let _ = writeln!(
            std::io::stderr(),
            "single byte changes: {} of a {}-byte note rejected, {not_utf8} of them not UTF-8",
            as_text + not_utf8,
            original.len()
        );
        // Each ASCII byte has 128 replacements that are not UTF-8, so both
        // kinds are well covered.
        assert!(
            not_utf8 >= original.len() * 128,
            "{not_utf8} non-UTF-8 cases"
        );
        assert!(as_text >= original.len() * 100, "{as_text} UTF-8 cases");
    }
}
