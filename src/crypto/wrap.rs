//! Document keys and their wraps: each document has its own X25519 key; a wrap is that
//! key's secret age-encrypted to one reader. A grant writes one small wrap, so its cost
//! does not depend on the document's size.

use std::str::FromStr as _;

use super::body::{open_small, seal_small, secret_string};
use crate::error::{Error, Result};

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

    /// Wrap this key to `reader`.
    pub fn wrap_to(&self, reader: &dyn age::Recipient) -> Result<Vec<u8>> {
        let secret = secret_string(&self.0);
        seal_small(secret.as_bytes(), reader)
    }

    /// Open a wrap with `reader`'s identity. `Ok(None)` when the wrap is not addressed
    /// to this identity.
    pub fn unwrap_with(wrap: &[u8], reader: &dyn age::Identity) -> Result<Option<Self>> {
        let Some(secret) = open_small(wrap, reader)? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&secret)
            .map_err(|_| Error::integrity("a document-key wrap holds no valid key"))?;
        age::x25519::Identity::from_str(text)
            .map(|k| Some(DocumentKey(k)))
            .map_err(|_| Error::integrity("a document-key wrap holds no valid key"))
    }
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
}
