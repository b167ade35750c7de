//! One envelope for every signed document sealroom writes: statements, the archive
//! manifest, share releases, destruction certificates and archive ledger lines. What is
//! signed is a domain that says what the document is, then the document's exact bytes;
//! the bytes are kept as they were signed (in the database, the archive, the file), a
//! signature is only checked over those bytes, and the value is read from them.
//!
//! Share releases and destruction certificates written before this envelope (by the
//! sealroom of 2026-11-30 and earlier) carried their body pretty-printed, so the bytes
//! signed (the compact encoding) are not in the file; [`Signed::parse_legacy`] accepts
//! exactly that case: the compact encoding of the body as parsed must carry the
//! signature.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::identity::{Card, Identity};

/// What an Ed25519 signature of a document covers: `domain || bytes`.
pub fn message(domain: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(domain.len() + bytes.len());
    m.extend_from_slice(domain);
    m.extend_from_slice(bytes);
    m
}

/// Sign a document's exact `bytes` under `domain`.
pub fn signature(domain: &[u8], bytes: &[u8], signer: &Identity) -> Vec<u8> {
    signer.sign(&message(domain, bytes)).to_vec()
}

/// Whether `signature` is `card`'s over `domain || bytes`.
pub fn verify(domain: &[u8], bytes: &[u8], signature: &[u8], card: &Card) -> bool {
    card.verify(&message(domain, bytes), signature)
}

/// A signed document file's two parts as written, `{ "<key>": BODY, "signature":
/// "<base64>" }`: the body's exact bytes and the signature's text. `None` when the text
/// is not such a file.
pub(crate) fn file_parts<'a>(text: &'a str, key: &str) -> Option<(&'a [u8], String)> {
    let map: std::collections::BTreeMap<String, &'a serde_json::value::RawValue> =
        serde_json::from_str(text).ok()?;
    if map.len() != 2 {
        return None;
    }
    let body = map.get(key)?;
    let signature: String = serde_json::from_str(map.get("signature")?.get()).ok()?;
    Some((body.get().as_bytes(), signature))
}

/// A signed document file: the body's compact JSON exactly as signed, then the
/// signature, one per line for people.
pub(crate) fn file_text<T: Serialize>(key: &str, value: &T, signature_b64: &str) -> String {
    file_text_of(
        key,
        &serde_json::to_string(value).unwrap_or_default(),
        signature_b64,
    )
}

/// [`file_text`] of a body's exact JSON text, as signed.
pub(crate) fn file_text_of(key: &str, body: &str, signature_b64: &str) -> String {
    format!("{{\n  \"{key}\": {body},\n  \"signature\": \"{signature_b64}\"\n}}\n")
}

/// Check a document that its file carried as `kept` bytes (while those bytes still say
/// `value`), or, for the files written before this envelope, as `value`'s compact
/// encoding (what was signed).
pub(crate) fn verify_document<T: Serialize + DeserializeOwned + PartialEq>(
    domain: &[u8],
    kept: Option<&[u8]>,
    value: &T,
    signature: &[u8],
    card: &Card,
) -> bool {
    let kept_ok = kept.is_some_and(|bytes| {
        serde_json::from_slice::<T>(bytes).ok().as_ref() == Some(value)
            && verify(domain, bytes, signature, card)
    });
    kept_ok || serde_json::to_vec(value).is_ok_and(|bytes| verify(domain, &bytes, signature, card))
}

/// A value with the exact bytes it was signed as, and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed<T> {
    value: T,
    bytes: Vec<u8>,
    signature: Vec<u8>,
}

impl<T: Serialize + DeserializeOwned> Signed<T> {
    /// Encode `value` as compact JSON and sign those bytes under `domain`.
    pub fn sign(domain: &[u8], value: T, signer: &Identity) -> Result<Self> {
        let bytes = serde_json::to_vec(&value)
            .map_err(|e| Error::io(format!("encoding a signed document failed: {e}")))?;
        let signature = signature(domain, &bytes, signer);
        Ok(Signed {
            value,
            bytes,
            signature,
        })
    }

    /// Rebuild from the exact bytes and the signature as stored; the value is read
    /// from the bytes. The signature is not checked here ([`Signed::verify`]).
    pub fn from_parts(bytes: Vec<u8>, signature: Vec<u8>) -> Option<Self> {
        let value = serde_json::from_slice(&bytes).ok()?;
        Some(Signed {
            value,
            bytes,
            signature,
        })
    }

    /// A document of the earlier files, whose signed bytes were not kept: the body's
    /// compact encoding, which is what was signed, becomes its bytes. Only for reading
    /// files written before this envelope; [`Signed::verify`] then checks it as any.
    pub fn parse_legacy(body: &[u8], signature: Vec<u8>) -> Option<Self> {
        let value: T = serde_json::from_slice(body).ok()?;
        let bytes = serde_json::to_vec(&value).ok()?;
        Some(Signed {
            value,
            bytes,
            signature,
        })
    }

    /// Whether the signature is `card`'s over `domain` and these bytes.
    pub fn verify(&self, domain: &[u8], card: &Card) -> bool {
        verify(domain, &self.bytes, &self.signature, card)
    }

    /// The value, as read from the signed bytes.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The exact bytes signed.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signed bytes as text (they are JSON, so UTF-8).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
    struct Doc {
        what: String,
        n: u64,
    }

    const DOMAIN: &[u8] = b"sealroom test document v1\0";

    #[test]
    fn the_signature_covers_the_exact_bytes_and_the_domain() {
        let me = Identity::generate("Signer").unwrap();
        let other = Identity::generate("Other").unwrap();
        let doc = Doc {
            what: "terms".into(),
            n: 4,
        };
        let s = Signed::sign(DOMAIN, doc.clone(), &me).unwrap();
        assert!(s.verify(DOMAIN, &me.card()));
        assert!(!s.verify(b"sealroom other document v1\0", &me.card()));
        assert!(!s.verify(DOMAIN, &other.card()));
        // Rebuilt from what is stored: the same value, still verifying.
        let back: Signed<Doc> =
            Signed::from_parts(s.bytes().to_vec(), s.signature().to_vec()).unwrap();
        assert_eq!(back.value(), &doc);
        assert!(back.verify(DOMAIN, &me.card()));
        // Other bytes for the same value (pretty, reordered) are not what was signed.
        let pretty = serde_json::to_vec_pretty(&doc).unwrap();
        let moved: Signed<Doc> =
            Signed::from_parts(pretty.clone(), s.signature().to_vec()).unwrap();
        assert_eq!(moved.value(), &doc);
        assert!(!moved.verify(DOMAIN, &me.card()));
        // The legacy reading re-encodes, as the files of 2026-11-30 need.
        let legacy: Signed<Doc> = Signed::parse_legacy(&pretty, s.signature().to_vec()).unwrap();
        assert!(legacy.verify(DOMAIN, &me.card()));
        // A changed byte breaks it.
        let mut bytes = s.bytes().to_vec();
        let at = bytes.iter().position(|&b| b == b'4').unwrap();
        bytes[at] = b'5';
        let changed: Signed<Doc> = Signed::from_parts(bytes, s.signature().to_vec()).unwrap();
        assert!(!changed.verify(DOMAIN, &me.card()));
    }
}
