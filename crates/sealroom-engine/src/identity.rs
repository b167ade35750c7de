//! Identities (a person's secret keys, in one passphrase-protected file) and cards
//! (the public half, a short text file that registers the person in a case).
//!
//! An identity holds an age X25519 secret key, which opens document-key wraps addressed
//! to the person, and an Ed25519 signing key (ring), which signs every statement the
//! person makes. A card carries the matching public keys and a fingerprint that covers
//! every line of the card, short enough to read out over the phone.

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};
use zeroize::Zeroizing;

use crate::crypto::digest::sha256;
use crate::error::{io_error, Error, Result};

const IDENTITY_HEADER: &str = "# sealroom identity v1 (secret: never share this file)";
const CARD_HEADER: &str = "sealroom card v1";
const FINGERPRINT_DOMAIN: &[u8] = b"sealroom card fingerprint v1\0";
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1";
/// Longest display name accepted; a name is one line a person reads.
pub const MAX_NAME_LEN: usize = 200;

/// A person's secret keys. Has no `Debug`: nothing about it may end up in a log.
pub struct Identity {
    name: String,
    decryption: age::x25519::Identity,
    signing: Ed25519KeyPair,
    // Kept so the identity can be written again; wiped on drop.
    pkcs8: Zeroizing<Vec<u8>>,
}

/// The public card of a person: name, age recipient, Ed25519 key, fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct Card {
    name: String,
    recipient: String,
    verifying_key: [u8; 32],
    fingerprint: Fingerprint,
}

/// SHA-256 over every field of a card; the stable identifier of a person in a vault.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Full hex form, used as the member identifier in statements and the database.
    pub fn to_hex(&self) -> String {
        crate::crypto::digest::hex(&self.0)
    }

    /// Parse the full hex form.
    pub fn from_hex(s: &str) -> Result<Self> {
        crate::crypto::digest::parse_hex32(s)
            .map(Fingerprint)
            .ok_or_else(|| Error::usage(format!("`{s}` is not a fingerprint (64 hex digits)")))
    }

    /// The short form people compare: 80 bits as five groups of four hex digits.
    pub fn short(&self) -> String {
        let hex = self.to_hex().to_uppercase();
        hex.as_bytes()[..20]
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.short())
    }
}

fn check_name(name: &str) -> Result<()> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(Error::usage("a name must not be empty"));
    }
    if trimmed != name || name.chars().any(char::is_control) {
        return Err(Error::usage(
            "a name must be one line without leading or trailing spaces or control characters",
        ));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(Error::usage(format!(
            "a name must be at most {MAX_NAME_LEN} characters"
        )));
    }
    Ok(())
}

impl Identity {
    /// Make a new identity with fresh keys.
    pub fn generate(name: &str) -> Result<Self> {
        check_name(name)?;
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| Error::io("the system random number generator failed"))?;
        let pkcs8 = Zeroizing::new(pkcs8.as_ref().to_vec());
        let signing = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::io("a freshly generated signing key was rejected"))?;
        Ok(Identity {
            name: name.to_owned(),
            decryption: age::x25519::Identity::generate(),
            signing,
            pkcs8,
        })
    }

    /// The person's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public card of this identity.
    pub fn card(&self) -> Card {
        let mut verifying_key = [0u8; 32];
        verifying_key.copy_from_slice(self.signing.public_key().as_ref());
        Card::new(
            self.name.clone(),
            self.decryption.to_public().to_string(),
            verifying_key,
        )
    }

    /// The fingerprint of this identity's card.
    pub fn fingerprint(&self) -> Fingerprint {
        self.card().fingerprint
    }

    /// The age identity that opens wraps addressed to this person.
    pub fn decryption_key(&self) -> &age::x25519::Identity {
        &self.decryption
    }

    /// Sign `message` with the person's Ed25519 key.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.signing.sign(message).as_ref());
        out
    }

    /// The plain-text form of the identity (secret), wiped when dropped.
    fn to_text(&self) -> Zeroizing<String> {
        let age_secret = self.decryption.to_string();
        Zeroizing::new(format!(
            "{IDENTITY_HEADER}\nname: {}\nage: {}\ned25519: {}\n",
            self.name,
            age_secret.expose_secret(),
            B64.encode(&*self.pkcs8)
        ))
    }

    /// Parse the plain-text form.
    fn from_text(text: &str) -> Result<Self> {
        let bad = || Error::usage("the identity file is damaged or is not a sealroom identity");
        let mut lines = text.lines();
        let first = lines.next();
        if first == Some("sealroom card v1") {
            return Err(Error::usage(
                "this is a card (the public half of an identity), not an identity",
            )
            .with_hint(crate::error::Hint::MakeIdentity));
        }
        if first.is_some_and(|l| l.starts_with("AGE-SECRET-KEY-1") || l.starts_with("# created:")) {
            return Err(
                Error::usage("this is a plain age key, not a sealroom identity")
                    .with_hint(crate::error::Hint::MakeIdentity),
            );
        }
        if first != Some(IDENTITY_HEADER) {
            return Err(bad());
        }
        let name = field(lines.next(), "name").ok_or_else(bad)?;
        let age_secret = field(lines.next(), "age").ok_or_else(bad)?;
        let pkcs8_b64 = field(lines.next(), "ed25519").ok_or_else(bad)?;
        if lines.next().is_some() {
            return Err(bad());
        }
        check_name(name).map_err(|_| bad())?;
        let decryption = age::x25519::Identity::from_str(age_secret).map_err(|_| bad())?;
        let pkcs8 = Zeroizing::new(B64.decode(pkcs8_b64).map_err(|_| bad())?);
        let signing = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&pkcs8).map_err(|_| bad())?;
        Ok(Identity {
            name: name.to_owned(),
            decryption,
            signing,
            pkcs8,
        })
    }

    /// Parse an identity file's bytes. `passphrase` is called only when the file is
    /// passphrase-protected.
    pub fn from_file_bytes(
        bytes: &[u8],
        passphrase: impl FnOnce() -> Result<SecretString>,
    ) -> Result<Self> {
        if bytes.starts_with(AGE_MAGIC) {
            // Bounded before any work: one scrypt stanza, a capped work factor, and
            // the memory it needs within what this process may use.
            let factor = crate::crypto::header::scrypt_work_factor(bytes)?;
            check_memory_for_scrypt(factor)?;
            let pass = passphrase()?;
            let decryptor = age::Decryptor::new_buffered(bytes).map_err(|_| {
                Error::usage("the identity file is damaged or is not a sealroom identity")
            })?;
            let mut scrypt = age::scrypt::Identity::new(pass);
            scrypt.set_max_work_factor(crate::crypto::header::MAX_SCRYPT_WORK_FACTOR);
            let mut reader = decryptor
                .decrypt(std::iter::once(&scrypt as &dyn age::Identity))
                .map_err(|err| match err {
                    age::DecryptError::ExcessiveWork { .. } => Error::usage(
                        "the identity file asks for more passphrase work than this machine allows",
                    ),
                    _ => Error::wrong_key("the passphrase does not open this identity file"),
                })?;
            let mut plain = Zeroizing::new(Vec::new());
            reader
                .read_to_end(&mut plain)
                .map_err(|_| Error::integrity("the identity file is damaged (truncated?)"))?;
            let text = std::str::from_utf8(&plain)
                .map_err(|_| Error::usage("the identity file is not a sealroom identity"))?;
            Self::from_text(text)
        } else {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::usage("the identity file is not a sealroom identity"))?;
            Self::from_text(text)
        }
    }

    /// Load an identity from `path`.
    pub fn load(path: &Path, passphrase: impl FnOnce() -> Result<SecretString>) -> Result<Self> {
        let bytes = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| io_error(format!("reading identity {}", path.display()), e))?,
        );
        Self::from_file_bytes(&bytes, passphrase).map_err(|e| {
            let shown = path.display().to_string();
            if e.message().contains(&shown) {
                e
            } else {
                e.reword(|m| format!("{m} ({shown})"))
            }
        })
    }

    /// The bytes of an identity file: age scrypt-encrypted under `passphrase`, or the
    /// plain text when `passphrase` is `None`.
    pub fn to_file_bytes(&self, passphrase: Option<SecretString>) -> Result<Zeroizing<Vec<u8>>> {
        let text = self.to_text();
        match passphrase {
            None => Ok(Zeroizing::new(text.as_bytes().to_vec())),
            Some(pass) => {
                // age's standard work factor (2^18, 256 MiB, about a second), not the
                // age crate's calibration to this machine, which other machines may
                // find too costly to open.
                let mut recipient = age::scrypt::Recipient::new(pass);
                recipient.set_work_factor(IDENTITY_WORK_FACTOR);
                let encryptor = age::Encryptor::with_recipients(std::iter::once(
                    &recipient as &dyn age::Recipient,
                ))
                .map_err(|_| Error::io("could not set up passphrase encryption"))?;
                let mut out = Vec::new();
                let mut writer = encryptor
                    .wrap_output(&mut out)
                    .map_err(|e| io_error("encrypting the identity", e))?;
                writer
                    .write_all(text.as_bytes())
                    .and_then(|_| writer.finish().map(|_| ()))
                    .map_err(|e| io_error("encrypting the identity", e))?;
                Ok(Zeroizing::new(out))
            }
        }
    }

    /// Write the identity to a new file at `path` (never overwrites), readable only by
    /// its owner.
    pub fn save(&self, path: &Path, passphrase: Option<SecretString>) -> Result<()> {
        let bytes = self.to_file_bytes(passphrase)?;
        crate::store::fsutil::write_new_private(path, &bytes)
            .map_err(|e| io_error(format!("writing identity {}", path.display()), e))
    }
}

fn field<'a>(line: Option<&'a str>, key: &str) -> Option<&'a str> {
    let line = line?;
    let rest = line.strip_prefix(key)?.strip_prefix(": ")?;
    if rest.is_empty() {
        None
    } else {
        Some(rest)
    }
}

impl Card {
    fn new(name: String, recipient: String, verifying_key: [u8; 32]) -> Self {
        let fingerprint = Self::compute_fingerprint(&name, &recipient, &verifying_key);
        Card {
            name,
            recipient,
            verifying_key,
            fingerprint,
        }
    }

    fn compute_fingerprint(name: &str, recipient: &str, key: &[u8; 32]) -> Fingerprint {
        let mut input = Vec::with_capacity(128);
        input.extend_from_slice(FINGERPRINT_DOMAIN);
        input.extend_from_slice(name.as_bytes());
        input.push(0);
        input.extend_from_slice(recipient.as_bytes());
        input.push(0);
        input.extend_from_slice(key);
        Fingerprint(sha256(&input))
    }

    /// Build a card from its parts as recorded in a charter, checking each.
    pub fn from_parts(name: &str, recipient: &str, verifying_key_b64: &str) -> Result<Self> {
        check_name(name)?;
        age::x25519::Recipient::from_str(recipient)
            .map_err(|_| Error::usage(format!("`{recipient}` is not an age recipient")))?;
        let key = B64
            .decode(verifying_key_b64)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| Error::usage("the card's ed25519 key is not 32 bytes of base64"))?;
        Ok(Card::new(name.to_owned(), recipient.to_owned(), key))
    }

    /// The person's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The age recipient (`age1…`) that document keys are wrapped to.
    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    /// The age recipient, parsed.
    pub fn age_recipient(&self) -> age::x25519::Recipient {
        // Invariant: `recipient` was parsed successfully when the card was built.
        age::x25519::Recipient::from_str(&self.recipient)
            .unwrap_or_else(|_| unreachable!("card recipient was validated at construction"))
    }

    /// The Ed25519 public key, base64.
    pub fn verifying_key_b64(&self) -> String {
        B64.encode(self.verifying_key)
    }

    /// The fingerprint covering every field of the card.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Check an Ed25519 signature made by this card's owner.
    pub fn verify(&self, message: &[u8], signature_bytes: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.verifying_key)
            .verify(message, signature_bytes)
            .is_ok()
    }

    /// The text form of the card (what `keygen` and `card` print).
    pub fn to_text(&self) -> String {
        format!(
            "{CARD_HEADER}\nname: {}\nage: {}\ned25519: {}\nfingerprint: {}\n",
            self.name,
            self.recipient,
            self.verifying_key_b64(),
            self.fingerprint.short()
        )
    }

    /// Parse the text form; the fingerprint line must match the card's contents.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::usage("this is not a sealroom card (expected the text `sealroom keygen` or `sealroom card` prints)")
        };
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        if lines.next() != Some(CARD_HEADER) {
            return Err(bad());
        }
        let name = field(lines.next(), "name").ok_or_else(bad)?;
        let recipient = field(lines.next(), "age").ok_or_else(bad)?;
        let key = field(lines.next(), "ed25519").ok_or_else(bad)?;
        let fpr = field(lines.next(), "fingerprint").ok_or_else(bad)?;
        if lines.next().is_some() {
            return Err(bad());
        }
        let card = Card::from_parts(name, recipient, key)?;
        if card.fingerprint.short() != fpr {
            return Err(Error::integrity(
                "the card's fingerprint does not match its contents: the card was altered",
            ));
        }
        Ok(card)
    }

    /// Read and parse a card file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| io_error(format!("reading card {}", path.display()), e))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::usage(format!("{} is not a sealroom card", path.display())))?;
        Card::parse(text).map_err(|e| {
            let kind = e.kind();
            Error::new(kind, format!("{} ({})", e.message(), path.display()))
        })
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Card({} {})", self.name, self.fingerprint)
    }
}

/// The scrypt work factor of new passphrase-protected identities: age's standard.
pub const IDENTITY_WORK_FACTOR: u8 = 18;

/// Refuse, with one sentence and exit 6, a passphrase whose scrypt work would need more
/// memory than this process may use (`ulimit -v`): the allocation would otherwise abort
/// the process.
fn check_memory_for_scrypt(factor: u8) -> Result<()> {
    // scrypt with r = 8 uses 128 * r * N bytes.
    let needed: u64 = 1024u64 << factor;
    #[cfg(target_os = "linux")]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::As);
        if let Some(max) = limit.current {
            // What the rest of sealroom needs beside it, generously.
            let headroom = 64 << 20;
            if needed.saturating_add(headroom) > max {
                return Err(Error::io(format!(
                    "opening this identity's passphrase needs {} MiB of memory, but this process may use only {} MiB (ulimit -v); raise the limit or re-encrypt the identity with a lower work factor",
                    needed >> 20,
                    max >> 20
                )));
            }
        }
    }
    let _ = needed;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_round_trips_plain_and_with_passphrase() {
        let id = Identity::generate("Ana Ruiz").unwrap();
        let plain = id.to_file_bytes(None).unwrap();
        let back = Identity::from_file_bytes(&plain, || panic!("no passphrase needed")).unwrap();
        assert_eq!(back.card(), id.card());

        let sealed = id
            .to_file_bytes(Some(SecretString::from("correct horse".to_string())))
            .unwrap();
        assert!(sealed.starts_with(AGE_MAGIC));
        let back = Identity::from_file_bytes(&sealed, || {
            Ok(SecretString::from("correct horse".to_string()))
        })
        .unwrap();
        assert_eq!(back.fingerprint(), id.fingerprint());
        let wrong =
            Identity::from_file_bytes(&sealed, || Ok(SecretString::from("wrong".to_string())));
        assert_eq!(
            wrong.err().unwrap().kind(),
            crate::error::ErrorKind::WrongKey
        );
    }

    #[test]
    fn card_round_trips_and_detects_alteration() {
        let id = Identity::generate("Ana Ruiz").unwrap();
        let text = id.card().to_text();
        assert_eq!(Card::parse(&text).unwrap(), id.card());
        let altered = text.replace("Ana Ruiz", "Ana Ruis");
        assert_eq!(
            Card::parse(&altered).unwrap_err().kind(),
            crate::error::ErrorKind::Integrity
        );
        assert!(Card::parse(&text[..text.len() - 10]).is_err());
        assert!(Card::parse("").is_err());
    }

    #[test]
    fn signatures_verify_only_with_the_signers_card() {
        let a = Identity::generate("A").unwrap();
        let b = Identity::generate("B").unwrap();
        let sig = a.sign(b"statement");
        assert!(a.card().verify(b"statement", &sig));
        assert!(!b.card().verify(b"statement", &sig));
        assert!(!a.card().verify(b"statemenT", &sig));
    }

    #[test]
    fn names_are_one_clean_line() {
        assert!(Identity::generate("").is_err());
        assert!(Identity::generate("a\nb").is_err());
        assert!(Identity::generate(" a").is_err());
        assert!(Identity::generate(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
        assert!(Identity::generate("Amélie Đặng 田中").is_ok());
    }
}
