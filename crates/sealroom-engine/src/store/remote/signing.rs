//! Signed requests: HTTP Message Signatures (RFC 9421) with Ed25519 over the method,
//! the path, the body's digest (RFC 9530 `Content-Digest`), the requester's card, the
//! creation time and a nonce. The server knows who asks only from this signature, and
//! refuses a request that is stale or whose nonce it has seen.
//!
//! One profile, checked strictly: the label is `sig1`, the algorithm `ed25519`, the key
//! id the card's fingerprint, and the covered components exactly those this module
//! writes (a blob upload streams, so it covers no digest: its body is named by its
//! SHA-256, which the server computes and a signed statement must name before anyone
//! relies on it).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use super::wire::CARD_HEADER;
use crate::identity::{Card, Identity};

/// The header names.
pub const SIGNATURE_INPUT: &str = "signature-input";
/// The signature header.
pub const SIGNATURE: &str = "signature";
/// The body digest header (RFC 9530).
pub const CONTENT_DIGEST: &str = "content-digest";

/// How far a request's creation time may be from the server's clock, in seconds.
pub const MAX_SKEW_SECS: u64 = 300;

/// The signature headers of one request, ready to send.
#[derive(Clone, Debug)]
pub struct Headers {
    /// `Content-Digest`, when the body is covered.
    pub content_digest: Option<String>,
    /// The card header (base64 of the card's text).
    pub card: String,
    /// `Signature-Input`.
    pub signature_input: String,
    /// `Signature`.
    pub signature: String,
}

/// The value of a `Content-Digest` header for a body of this SHA-256.
pub fn content_digest(sha256: &[u8; 32]) -> String {
    format!("sha-256=:{}:", B64.encode(sha256))
}

fn components(with_digest: bool) -> &'static str {
    if with_digest {
        "(\"@method\" \"@path\" \"content-digest\" \"sealroom-card\")"
    } else {
        "(\"@method\" \"@path\" \"sealroom-card\")"
    }
}

fn base(method: &str, path: &str, digest: Option<&str>, card: &str, params: &str) -> String {
    let mut base = format!("\"@method\": {method}\n\"@path\": {path}\n");
    if let Some(d) = digest {
        base.push_str(&format!("\"content-digest\": {d}\n"));
    }
    base.push_str(&format!("\"{CARD_HEADER}\": {card}\n"));
    base.push_str(&format!("\"@signature-params\": {params}"));
    base
}

/// Sign a request by `identity`: `body_sha256` is the body's digest when the body is
/// covered, `created` the time (Unix seconds), `nonce` fresh randomness (hex).
pub fn sign(
    identity: &Identity,
    method: &str,
    path: &str,
    body_sha256: Option<&[u8; 32]>,
    created: u64,
    nonce: &str,
) -> Headers {
    let card = B64.encode(identity.card().to_text());
    let digest = body_sha256.map(content_digest);
    let params = format!(
        "{};created={created};nonce=\"{nonce}\";keyid=\"{}\";alg=\"ed25519\"",
        components(digest.is_some()),
        identity.fingerprint().to_hex()
    );
    let signature = identity.sign(base(method, path, digest.as_deref(), &card, &params).as_bytes());
    Headers {
        content_digest: digest,
        card,
        signature_input: format!("sig1={params}"),
        signature: format!("sig1=:{}:", B64.encode(signature)),
    }
}

/// A request as received: the parts the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct Received<'a> {
    /// Method.
    pub method: &'a str,
    /// Path (without query).
    pub path: &'a str,
    /// `Content-Digest`, if sent.
    pub content_digest: Option<&'a str>,
    /// The card header, if sent.
    pub card: Option<&'a str>,
    /// `Signature-Input`, if sent.
    pub signature_input: Option<&'a str>,
    /// `Signature`, if sent.
    pub signature: Option<&'a str>,
}

/// Who signed a request, and its freshness parameters.
#[derive(Clone, Debug)]
pub struct Signer {
    /// Their card (its fingerprint is the key id).
    pub card: Card,
    /// When they made the request.
    pub created: u64,
    /// The nonce (for the server's replay check).
    pub nonce: String,
}

/// Check a request's signature: covered components exactly as this profile writes
/// them (`with_digest` says whether the body digest must be among them), the key id
/// the card's fingerprint, the creation time within [`MAX_SKEW_SECS`] of `now`. The
/// caller then checks the nonce and, when covered, the digest against the body.
pub fn verify(
    r: &Received<'_>,
    with_digest: bool,
    now: u64,
) -> std::result::Result<Signer, String> {
    let input = r
        .signature_input
        .ok_or("the request is not signed (no Signature-Input)")?;
    let signature = r
        .signature
        .ok_or("the request is not signed (no Signature)")?;
    let card_b64 = r.card.ok_or("the request names no card")?;
    let params = input
        .strip_prefix("sig1=")
        .ok_or("the signature label must be sig1")?;
    let rest = params
        .strip_prefix(components(with_digest))
        .ok_or("the signature does not cover the components this service requires")?;
    let mut created = None;
    let mut nonce = None;
    let mut keyid = None;
    let mut alg = None;
    for item in rest.split(';').skip(1) {
        let (k, v) = item
            .split_once('=')
            .ok_or("a signature parameter is malformed")?;
        let quoted = || {
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.contains('"'))
                .map(str::to_owned)
        };
        let slot = match k {
            "created" => &mut created,
            "nonce" => &mut nonce,
            "keyid" => &mut keyid,
            "alg" => &mut alg,
            _ => return Err("the signature has a parameter this service does not know".into()),
        };
        if slot.is_some() {
            return Err("a signature parameter is repeated".into());
        }
        *slot = Some(if k == "created" {
            Some(v.to_owned())
        } else {
            quoted()
        });
    }
    let created: u64 = created
        .flatten()
        .and_then(|c| c.parse().ok())
        .ok_or("the signature has no creation time")?;
    let nonce = nonce
        .flatten()
        .filter(|n| (16..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("the signature has no nonce of 16 to 64 hex digits")?;
    if alg.flatten().as_deref() != Some("ed25519") {
        return Err("the signature algorithm must be ed25519".into());
    }
    if now.abs_diff(created) > MAX_SKEW_SECS {
        return Err(format!(
            "the request was made {} seconds from the server's time (at most {MAX_SKEW_SECS} allowed): check the clock",
            now.abs_diff(created)
        ));
    }
    if with_digest != r.content_digest.is_some() {
        return Err("the request's Content-Digest is missing".into());
    }
    let card_text = B64
        .decode(card_b64)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or("the request's card is not base64 text")?;
    let card = Card::parse(&card_text).map_err(|_| "the request's card is malformed")?;
    if keyid.flatten().as_deref() != Some(card.fingerprint().to_hex().as_str()) {
        return Err("the signature's key id is not the card's fingerprint".into());
    }
    let sig = signature
        .strip_prefix("sig1=:")
        .and_then(|s| s.strip_suffix(':'))
        .and_then(|s| B64.decode(s).ok())
        .ok_or("the Signature header is malformed")?;
    let signed = base(r.method, r.path, r.content_digest, card_b64, params);
    if !card.verify(signed.as_bytes(), &sig) {
        return Err("the request's signature does not verify".into());
    }
    Ok(Signer {
        card,
        created,
        nonce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received<'a>(h: &'a Headers, method: &'a str, path: &'a str) -> Received<'a> {
        Received {
            method,
            path,
            content_digest: h.content_digest.as_deref(),
            card: Some(&h.card),
            signature_input: Some(&h.signature_input),
            signature: Some(&h.signature),
        }
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_to_it_does_not() {
        let id = Identity::generate("Ana").unwrap();
        let other = Identity::generate("Eve").unwrap();
        let digest = [7u8; 32];
        let h = sign(
            &id,
            "POST",
            "/v1/read",
            Some(&digest),
            1000,
            "00112233445566778899aabb",
        );
        let ok = verify(&received(&h, "POST", "/v1/read"), true, 1010).unwrap();
        assert_eq!(ok.card.fingerprint(), id.fingerprint());
        assert_eq!(ok.nonce, "00112233445566778899aabb");

        // Method, path, digest, card, time: each is covered.
        assert!(verify(&received(&h, "PUT", "/v1/read"), true, 1010).is_err());
        assert!(verify(&received(&h, "POST", "/v1/commit"), true, 1010).is_err());
        let other_digest = content_digest(&[8u8; 32]);
        let mut r = received(&h, "POST", "/v1/read");
        r.content_digest = Some(&other_digest);
        assert!(verify(&r, true, 1010).is_err());
        let eve_card = B64.encode(other.card().to_text());
        let mut r = received(&h, "POST", "/v1/read");
        r.card = Some(&eve_card);
        assert!(verify(&r, true, 1010).unwrap_err().contains("key id"));
        let later = h.signature_input.replace("created=1000", "created=1005");
        let mut r = received(&h, "POST", "/v1/read");
        r.signature_input = Some(&later);
        assert!(verify(&r, true, 1010)
            .unwrap_err()
            .contains("does not verify"));

        // Stale, or from the future.
        assert!(verify(
            &received(&h, "POST", "/v1/read"),
            true,
            1000 + MAX_SKEW_SECS + 1
        )
        .unwrap_err()
        .contains("clock"));
        assert!(verify(
            &received(&h, "POST", "/v1/read"),
            true,
            1000 - MAX_SKEW_SECS - 1
        )
        .is_err());

        // Signed by someone else under Ana's card.
        let forged = sign(
            &other,
            "POST",
            "/v1/read",
            Some(&digest),
            1000,
            "00112233445566778899aabb",
        );
        let mut r = received(&h, "POST", "/v1/read");
        r.signature = Some(&forged.signature);
        assert!(verify(&r, true, 1010).is_err());

        // A request without a digest where one is required, and unsigned ones.
        let bare = sign(
            &id,
            "POST",
            "/v1/read",
            None,
            1000,
            "00112233445566778899aabb",
        );
        assert!(verify(&received(&bare, "POST", "/v1/read"), true, 1010).is_err());
        assert!(verify(&received(&bare, "POST", "/v1/read"), false, 1010).is_ok());
        let mut r = received(&h, "POST", "/v1/read");
        r.signature = None;
        assert!(verify(&r, true, 1010).is_err());
    }
}
