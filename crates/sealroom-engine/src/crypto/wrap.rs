//! Document keys and their wraps: each document has its own X25519 key; a wrap is that
//! key's secret age-encrypted to one reader. A grant writes one small wrap, so its cost
//! does not depend on the document's size.
//!
//! A wrap's plaintext is an age identity file: the key's `AGE-SECRET-KEY-1…` line and,
//! in a reader's wrap, a comment line holding a copy of the document's metadata
//! (base64), so that `list` learns a document's title with one X25519 operation
//! instead of two. The copy is checked against the depositor's signed commitment like
//! the metadata record itself, and stock `age -d -i` reads past the comment.

use std::str::FromStr as _;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use zeroize::Zeroizing;

use super::body::{open_small, seal_small, secret_string};
use crate::error::{Error, Result};

/// Starts the comment line that carries the metadata copy in a reader's wrap.
const METADATA_LINE: &str = "# sealroom-metadata: ";

/// What a wrap holds.
pub struct Unwrapped {
    /// The document key.
    pub key: DocumentKey,
    /// The metadata copy, exactly as the depositor committed to it (unchecked here);
    /// `None` in escrow wraps and in wraps written before copies were kept.
    pub metadata: Option<Zeroizing<Vec<u8>>>,
}

/// A document's own key. Has no `Debug`; the secret is wiped on drop (x25519-dalek).
pub struct DocumentKey(age::x25519::Identity);

impl DocumentKey {
    /// A fresh random document key.
    pub fn generate() -> Self {
        DocumentKey(age::x25519::Identity::generate())
    }

    /// The public recipient bodies and metadata are encrypted to.
    pub fn recipient(&self) -> age::x25519::Recipient {
        self.0.to_public()
    }

    /// The age identity that opens the body.
    pub fn identity(&self) -> &age::x25519::Identity {
        &self.0
    }

    /// Wrap this key alone to `reader` (the escrow wrap).
    pub fn wrap_to(&self, reader: &dyn age::Recipient) -> Result<Vec<u8>> {
        let secret = secret_string(&self.0);
        seal_small(secret.as_bytes(), reader)
    }

    /// Wrap this key to a reader, with a copy of the document's `metadata` plaintext.
    pub fn wrap_with_metadata(
        &self,
        reader: &dyn age::Recipient,
        metadata: &[u8],
    ) -> Result<Vec<u8>> {
        let secret = secret_string(&self.0);
        let mut plain = Zeroizing::new(String::with_capacity(
            secret.len() + METADATA_LINE.len() + metadata.len() * 4 / 3 + 8,
        ));
        plain.push_str(&secret);
        plain.push('\n');
        plain.push_str(METADATA_LINE);
        STANDARD.encode_string(metadata, &mut plain);
        plain.push('\n');
        seal_small(plain.as_bytes(), reader)
    }

    /// Open a wrap with `reader`'s identity. `Ok(None)` when the wrap is not addressed
    /// to this identity.
    pub fn unwrap_with(wrap: &[u8], reader: &dyn age::Identity) -> Result<Option<Self>> {
        Ok(Self::unwrap_all(wrap, reader)?.map(|u| u.key))
    }

    /// Open a wrap with `reader`'s identity, keeping its metadata copy if it has one.
    pub fn unwrap_all(wrap: &[u8], reader: &dyn age::Identity) -> Result<Option<Unwrapped>> {
        let Some(plain) = open_small(wrap, reader)? else {
            return Ok(None);
        };
        parse_wrap(&plain).map(Some)
    }
}

/// A wrap's plaintext: the key line alone (escrow wraps, older wraps), or the key line
/// and the metadata line, each ending in a newline. Nothing else is accepted.
fn parse_wrap(plain: &[u8]) -> Result<Unwrapped> {
    let bad = || Error::integrity("a document-key wrap holds no valid key");
    let text = std::str::from_utf8(plain).map_err(|_| bad())?;
    let (key_line, metadata) = match text.split_once('\n') {
        None => (text, None),
        Some((key_line, rest)) => {
            let encoded = rest
                .strip_prefix(METADATA_LINE)
                .and_then(|r| r.strip_suffix('\n'))
                .filter(|r| !r.contains('\n'))
                .ok_or_else(bad)?;
            let copy = Zeroizing::new(STANDARD.decode(encoded).map_err(|_| bad())?);
            (key_line, Some(copy))
        }
    };
    let key = age::x25519::Identity::from_str(key_line).map_err(|_| bad())?;
    Ok(Unwrapped {
        key: DocumentKey(key),
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrap_opens_only_for_its_reader_and_gives_the_same_key() {
        let key = DocumentKey::generate();
        let reader = age::x25519::Identity::generate();
        let stranger = age::x25519::Identity::generate();
        let wrap = key.wrap_to(&reader.to_public()).unwrap();
        let back = DocumentKey::unwrap_with(&wrap, &reader).unwrap().unwrap();
        assert_eq!(back.recipient().to_string(), key.recipient().to_string());
        assert!(DocumentKey::unwrap_with(&wrap, &stranger)
            .unwrap()
            .is_none());
        let mut bad = wrap.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x80;
        assert!(DocumentKey::unwrap_with(&bad, &reader).is_err());
    }

    #[test]
    fn a_readers_wrap_carries_the_metadata_and_stays_an_age_identity_file() {
        let key = DocumentKey::generate();
        let reader = age::x25519::Identity::generate();
        let metadata = br#"{"title":"Brief \u00e9\n","size":3}"#;
        let wrap = key
            .wrap_with_metadata(&reader.to_public(), metadata)
            .unwrap();
        let back = DocumentKey::unwrap_all(&wrap, &reader).unwrap().unwrap();
        assert_eq!(
            back.key.recipient().to_string(),
            key.recipient().to_string()
        );
        assert_eq!(
            back.metadata.as_deref().map(Vec::as_slice),
            Some(&metadata[..])
        );
        // What stock `age -d -i` would be given: an identity file it parses.
        let plain = open_small(&wrap, &reader).unwrap().unwrap();
        let file = age::IdentityFile::from_buffer(&plain[..]).unwrap();
        assert_eq!(file.into_identities().unwrap().len(), 1);
    }

    #[test]
    fn escrow_wraps_hold_the_key_alone() {
        let key = DocumentKey::generate();
        let escrow = age::x25519::Identity::generate();
        let wrap = key.wrap_to(&escrow.to_public()).unwrap();
        let back = DocumentKey::unwrap_all(&wrap, &escrow).unwrap().unwrap();
        assert!(back.metadata.is_none());
        let plain = open_small(&wrap, &escrow).unwrap().unwrap();
        assert!(plain.starts_with(b"AGE-SECRET-KEY-1") && !plain.contains(&b'\n'));
    }

    #[test]
    fn anything_else_in_a_wrap_is_refused() {
        let key = DocumentKey::generate();
        let secret = secret_string(&key.0);
        let reader = age::x25519::Identity::generate();
        for plain in [
            format!("{}\n", &*secret),
            format!("{}\n# comment\n", &*secret),
            format!("{}\n{METADATA_LINE}e30=", &*secret),
            format!("{}\n{METADATA_LINE}e30=\n\n", &*secret),
            format!("{}\n{METADATA_LINE}not base64!\n", &*secret),
            format!("{METADATA_LINE}e30=\n{}\n", &*secret),
            "AGE-SECRET-KEY-1NOTAKEY".to_owned(),
        ] {
            let wrap = seal_small(plain.as_bytes(), &reader.to_public()).unwrap();
            let err = DocumentKey::unwrap_all(&wrap, &reader)
                .err()
                .unwrap_or_else(|| panic!("accepted {plain:?}"));
            assert_eq!(err.kind(), crate::ErrorKind::Integrity);
        }
    }
}
