//! Signed statements: the canonical, domain-separated encoding of each act and its
//! Ed25519 signature by the actor.
//!
//! A statement body is compact JSON with a fixed field order (serde's struct order).
//! Parsing is strict: a body whose re-encoding differs from its bytes is refused, so
//! there is exactly one accepted encoding of each statement. The signature covers
//! `DOMAIN || body`, so a signature made for anything else never verifies here.

use serde::{Deserialize, Serialize};

use crate::case::charter::{Charter, MemberRecord};
use crate::case::policy::Category;
use crate::error::{Error, Result};
use crate::identity::{Card, Identity};

/// Domain separation prefix for statement signatures.
pub const DOMAIN: &[u8] = b"sealroom statement v1\0";
/// The statement format version written: 2, which names the log head its actor saw.
/// Version 1 (no head) is still read.
pub const VERSION: u32 = 2;

/// One act in a case, as signed by its actor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// Format version (1, or 2 with `head`).
    pub v: u32,
    /// Case reference.
    pub case: String,
    /// Position in the case log, from 0.
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// The actor's card fingerprint (hex).
    pub actor: String,
    /// The log head the actor saw (version 2): the Merkle root (hex) of the case's log
    /// of size `seq`, the log this statement extends. A vault that shows two members
    /// different histories gets, from each, a signed statement naming the history it
    /// was shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// What was done.
    #[serde(flatten)]
    pub act: Act,
}

/// The acts a statement can record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "act", rename_all = "kebab-case")]
pub enum Act {
    /// The case was opened under this charter (signed by the registrar).
    Open {
        /// The charter.
        charter: Charter,
    },
    /// A member joined.
    AddMember {
        /// The new member.
        member: MemberRecord,
    },
    /// A document was deposited.
    Deposit(Deposit),
    /// A document was read.
    Read {
        /// Case number.
        num: u64,
    },
    /// A member of the owner party consented to disclosing a document to a party.
    Consent {
        /// Case number.
        num: u64,
        /// The party the document may go to.
        to: String,
    },
    /// A document key was wrapped for the members of a party.
    Disclose(Disclosure),
    /// A party's access to a document was removed (and the body perhaps re-keyed).
    Revoke(Revocation),
    /// A document was exported as a standard age file to an outside recipient.
    Export {
        /// Case number.
        num: u64,
        /// The recipient it was encrypted to (`age1…`, or an SSH public key without
        /// its comment).
        recipient: String,
    },
    /// The case was closed.
    Close {},
    /// A member was removed (by a registrar): from this entry on they get no new
    /// wraps or grants and may not act.
    RemoveMember {
        /// The member removed, in the role they held.
        member: MemberRecord,
    },
    /// A member's identity was replaced by a new one in the same role (by a
    /// registrar): the old is removed, the new added.
    ReplaceMember {
        /// The identity removed.
        old: MemberRecord,
        /// The identity added, in the same role.
        new: MemberRecord,
    },
    /// A current reader gave one member a wrap of a document the member is entitled to
    /// (their own party's, or one disclosed to their party, or one their role reads).
    Grant(Grant),
    /// A current reader re-encrypted a document under a new key for its readers who
    /// are still members, dropping those who are not.
    Rekey(Rekeying),
    /// The archivist sealed the closed case into an archive.
    Seal(Seal),
    /// The archivist destroyed the archive's key material after retention ended.
    Destroy(Destroy),
}

/// What a seal statement binds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// Last day of retention, `YYYY-MM-DD`.
    pub retain_until: String,
    /// SHA-256 (hex) over the archive's contents other than the log itself: the sorted
    /// `path NUL sha256 LF` lines of those members.
    pub contents_sha256: String,
}

/// What a destruction statement binds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destroy {
    /// SHA-256 (hex) of the archive's signed manifest.
    pub manifest_sha256: String,
    /// The retention date that had passed.
    pub retain_until: String,
}

/// What a disclosure statement grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// Case number.
    pub num: u64,
    /// The receiving party.
    pub to: String,
    /// Fingerprints of the readers given a wrap.
    pub readers: Vec<String>,
    /// SHA-256 (hex) of each reader's wrap, in the order of `readers`.
    pub wraps: Vec<String>,
    /// The consent statement relied on, where one was needed.
    pub consent: Option<u64>,
}

/// What a grant statement gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Case number.
    pub num: u64,
    /// The member's fingerprint (hex).
    pub to: String,
    /// SHA-256 (hex) of the member's new wrap.
    pub wrap: String,
}

/// What a rekey statement drops, and the new body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rekeying {
    /// Case number.
    pub num: u64,
    /// Fingerprints of the readers dropped (no longer members).
    pub dropped: Vec<String>,
    /// The new body and wraps.
    pub rekey: Rekey,
}

/// What a revocation statement removes, and the new body when re-keyed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// Case number.
    pub num: u64,
    /// The party whose access is removed.
    pub from: String,
    /// Fingerprints whose wraps were removed.
    pub removed: Vec<String>,
    /// Present when the body was re-encrypted under a new document key.
    pub rekey: Option<Rekey>,
}

/// The new body after a rekey; the old document key opens nothing current.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rekey {
    /// Body encoding.
    pub encoding: String,
    /// SHA-256 of the new body ciphertext (hex).
    pub blob_sha256: String,
    /// Size of the new body ciphertext.
    pub blob_size: u64,
    /// SHA-256 of the re-encrypted metadata (hex).
    pub meta_sha256: String,
    /// Fingerprints of the readers rewrapped under the new key (escrow not included).
    pub readers: Vec<String>,
    /// SHA-256 (hex) of each reader's new wrap, in the order of `readers`.
    pub wraps: Vec<String>,
    /// SHA-256 (hex) of the new wrap to the case escrow key, when escrowed.
    pub escrow_wrap: Option<String>,
}

impl Act {
    /// The SHA-256 this statement signs for `reader`'s wrap of document `num` (reader
    /// `escrow` for the escrow wrap), if it grants one.
    pub fn granted_wrap(&self, num: u64, reader: &str) -> Option<&str> {
        fn find<'a>(readers: &[String], wraps: &'a [String], reader: &str) -> Option<&'a str> {
            readers
                .iter()
                .position(|r| r == reader)
                .and_then(|i| wraps.get(i))
                .map(String::as_str)
        }
        match self {
            Act::Deposit(d) if d.num == num => match reader {
                "escrow" => d.escrow_wrap.as_deref(),
                _ => find(&d.readers, &d.wraps, reader),
            },
            Act::Disclose(d) if d.num == num => find(&d.readers, &d.wraps, reader),
            Act::Revoke(r) if r.num == num => r.rekey.as_ref().and_then(|k| match reader {
                "escrow" => k.escrow_wrap.as_deref(),
                _ => find(&k.readers, &k.wraps, reader),
            }),
            Act::Rekey(r) if r.num == num => match reader {
                "escrow" => r.rekey.escrow_wrap.as_deref(),
                _ => find(&r.rekey.readers, &r.rekey.wraps, reader),
            },
            Act::Grant(g) if g.num == num && g.to == reader => Some(g.wrap.as_str()),
            _ => None,
        }
    }

    /// The act's name, as in the log.
    pub fn name(&self) -> &'static str {
        match self {
            Act::Open { .. } => "open",
            Act::AddMember { .. } => "add-member",
            Act::Deposit(_) => "deposit",
            Act::Read { .. } => "read",
            Act::Consent { .. } => "consent",
            Act::Disclose(_) => "disclose",
            Act::Revoke(_) => "revoke",
            Act::Export { .. } => "export",
            Act::Close {} => "close",
            Act::RemoveMember { .. } => "remove-member",
            Act::ReplaceMember { .. } => "replace-member",
            Act::Grant(_) => "grant",
            Act::Rekey(_) => "rekey",
            Act::Seal(_) => "seal",
            Act::Destroy(_) => "destroy",
        }
    }
}

/// What a deposit statement binds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deposit {
    /// Case number.
    pub num: u64,
    /// Owner label (party label, `mediators` or `registrar`).
    pub owner: String,
    /// Category.
    pub category: Category,
    /// Deposited with `--confidential`.
    pub confidential: bool,
    /// Deposited with `--share-with-all`.
    pub share_with_all: bool,
    /// Body encoding inside the age file (`zstd` or `none`).
    pub encoding: String,
    /// SHA-256 of the body ciphertext (hex); also the blob's name.
    pub blob_sha256: String,
    /// Size of the body ciphertext.
    pub blob_size: u64,
    /// SHA-256 of the encrypted metadata (hex).
    pub meta_sha256: String,
    /// The depositor's commitment to the contents: SHA-256 of a domain and the metadata
    /// plaintext (salt, title, file name, type, size, SHA-256 of the original bytes).
    pub commitment: String,
    /// Fingerprints of the readers given a wrap at deposit (escrow not included).
    pub readers: Vec<String>,
    /// SHA-256 (hex) of each reader's wrap, in the order of `readers`.
    pub wraps: Vec<String>,
    /// SHA-256 (hex) of the wrap to the case escrow key, when escrowed.
    pub escrow_wrap: Option<String>,
}

/// A statement's exact bytes and its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedStatement {
    /// Canonical JSON body.
    pub body: Vec<u8>,
    /// Ed25519 signature over `DOMAIN || body`.
    pub signature: Vec<u8>,
}

impl SignedStatement {
    /// Encode and sign `statement` with the actor's identity.
    pub fn sign(statement: &Statement, actor: &Identity) -> Result<Self> {
        let body = serde_json::to_vec(statement)
            .map_err(|e| Error::io(format!("encoding a statement failed: {e}")))?;
        let signature = crate::signed::signature(DOMAIN, &body, actor);
        Ok(SignedStatement { body, signature })
    }

    /// Parse the body strictly (canonical encoding only).
    pub fn statement(&self) -> Result<Statement> {
        let bad = || Error::integrity("a statement in the case log is malformed");
        let statement: Statement = serde_json::from_slice(&self.body).map_err(|_| bad())?;
        let again = serde_json::to_vec(&statement).map_err(|_| bad())?;
        let head_ok = match (statement.v, &statement.head) {
            (1, None) => true,
            (2, Some(head)) => crate::crypto::digest::parse_hex32(head)
                .is_some_and(|h| crate::crypto::digest::hex(&h) == *head),
            _ => false,
        };
        if again != self.body || !head_ok {
            return Err(bad());
        }
        Ok(statement)
    }

    /// The log entry: the body, a newline, and the base64 signature. Compact JSON
    /// never contains a raw newline, so the split is unambiguous. This is what the
    /// Merkle tree's leaves hash (`SHA-256(0x00 ‖ entry)`).
    pub fn entry(&self) -> Vec<u8> {
        use base64::Engine as _;
        let sig = base64::engine::general_purpose::STANDARD.encode(&self.signature);
        let mut out = Vec::with_capacity(self.body.len() + 1 + sig.len());
        out.extend_from_slice(&self.body);
        out.push(b'\n');
        out.extend_from_slice(sig.as_bytes());
        out
    }

    /// Parse a log entry back into body and signature (the body is not parsed).
    pub fn from_entry(entry: &[u8]) -> Result<Self> {
        use base64::Engine as _;
        let bad = || Error::integrity("a log entry is malformed");
        let split = entry.iter().position(|b| *b == b'\n').ok_or_else(bad)?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(&entry[split + 1..])
            .map_err(|_| bad())?;
        if signature.len() != 64 {
            return Err(bad());
        }
        Ok(SignedStatement {
            body: entry[..split].to_vec(),
            signature,
        })
    }

    /// Whether `card`'s owner signed this statement.
    pub fn verified_by(&self, card: &Card) -> bool {
        crate::signed::verify(DOMAIN, &self.body, &self.signature, card)
    }
}

/// Now, as RFC 3339 UTC to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(actor: &Identity) -> Statement {
        Statement {
            v: VERSION,
            case: "C-1".into(),
            seq: 3,
            at: "2026-11-27T10:00:00Z".into(),
            actor: actor.fingerprint().to_hex(),
            head: Some("ab".repeat(32)),
            act: Act::Read { num: 2 },
        }
    }

    #[test]
    fn a_head_goes_with_version_2_only_and_in_lower_case() {
        let a = Identity::generate("A").unwrap();
        let parse = |v: u32, head: Option<String>| {
            let s = Statement {
                v,
                head,
                ..sample(&a)
            };
            SignedStatement::sign(&s, &a).unwrap().statement()
        };
        assert!(parse(2, Some("ab".repeat(32))).is_ok());
        assert!(
            parse(1, None).is_ok(),
            "version 1 statements are still read"
        );
        for (v, head) in [
            (2, None),
            (1, Some("ab".repeat(32))),
            (2, Some("AB".repeat(32))),
            (2, Some("ab".repeat(31))),
            (2, Some("zz".repeat(32))),
            (3, Some("ab".repeat(32))),
        ] {
            assert!(
                parse(v, head.clone()).is_err(),
                "v{v} with {head:?} was accepted"
            );
        }
    }

    #[test]
    fn round_trip_and_verify() {
        let a = Identity::generate("A").unwrap();
        let s = SignedStatement::sign(&sample(&a), &a).unwrap();
        assert_eq!(s.statement().unwrap(), sample(&a));
        assert!(s.verified_by(&a.card()));
        let b = Identity::generate("B").unwrap();
        assert!(!s.verified_by(&b.card()));
    }

    #[test]
    fn any_change_to_the_body_breaks_the_signature_or_parse() {
        let a = Identity::generate("A").unwrap();
        let s = SignedStatement::sign(&sample(&a), &a).unwrap();
        let mut t = s.clone();
        t.body = String::from_utf8(t.body)
            .unwrap()
            .replace("\"num\":2", "\"num\":3")
            .into_bytes();
        assert!(!t.verified_by(&a.card()));
        let mut u = s.clone();
        u.body = String::from_utf8(u.body)
            .unwrap()
            .replace(",", ", ")
            .into_bytes();
        assert!(u.statement().is_err(), "non-canonical body accepted");
    }

    #[test]
    fn entries_round_trip_and_reject_damage() {
        let a = Identity::generate("A").unwrap();
        let s = SignedStatement::sign(&sample(&a), &a).unwrap();
        let entry = s.entry();
        assert_eq!(SignedStatement::from_entry(&entry).unwrap(), s);
        assert!(SignedStatement::from_entry(&entry[..entry.len() - 4]).is_err());
        assert!(SignedStatement::from_entry(&s.body).is_err());
    }

    #[test]
    fn act_names_are_stable() {
        let json = serde_json::to_string(&Act::Close {}).unwrap();
        assert_eq!(json, r#"{"act":"close"}"#);
    }
}
