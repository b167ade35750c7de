//! Receipts: what an actor keeps to prove later that their act is in the case log and
//! that the log was not rewritten since: the log entry, its index and leaf hash, an
//! inclusion proof, and the checkpoint the vault signed right after the append.
//!
//! A receipt is one JSON document (`docs/formats.md`). [`Receipt::verify`] checks it on
//! its own (no vault needed); the vault adds a consistency proof from the receipt's
//! checkpoint to its current one, which fails if history was changed.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::checkpoint::{Checkpoint, LogVerifier};
use super::merkle::{self, Hash};
use super::statement::{SignedStatement, Statement};
use crate::crypto::digest::{hex, parse_hex32};
use crate::error::{Error, Result};

/// The format tag of receipts.
pub const FORMAT: &str = "sealroom-receipt-v1";

/// A receipt for one log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Always [`FORMAT`].
    pub format: String,
    /// The vault's identifier.
    pub vault: String,
    /// The vault's log key, as a signed-note verifier string.
    pub log_key: String,
    /// Case reference.
    pub case: String,
    /// Index of the entry in the case log (its statement's `seq`).
    pub index: u64,
    /// The log entry (statement body, newline, base64 signature), base64.
    pub entry: String,
    /// `SHA-256(0x00 ‖ entry)`, hex.
    pub leaf_hash: String,
    /// Inclusion proof of the leaf in the checkpoint's tree, hex hashes.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP tlog-checkpoint signed note).
    pub checkpoint: String,
}

/// What a receipt proves once verified.
#[derive(Clone, Debug)]
pub struct VerifiedReceipt {
    /// The statement the receipt is for.
    pub statement: Statement,
    /// The checkpoint it is included in.
    pub checkpoint: Checkpoint,
    /// The key that signed the checkpoint.
    pub verifier: LogVerifier,
}

/// The checkpoint origin of a case in a vault.
pub fn origin(vault_id: &str, case: &str) -> String {
    format!("sealroom/{vault_id}/{case}")
}

/// The log key name of a vault.
pub fn key_name(vault_id: &str) -> String {
    format!("sealroom-{vault_id}")
}

fn bad(what: &str) -> Error {
    Error::integrity(format!("the receipt does not verify: {what}"))
}

impl Receipt {
    /// Parse a receipt file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let r: Receipt = serde_json::from_str(text)
            .map_err(|_| Error::usage("this is not a sealroom receipt (expected its JSON)"))?;
        if r.format != FORMAT {
            return Err(Error::usage(format!(
                "this receipt has format `{}`, which this sealroom does not read",
                r.format
            )));
        }
        Ok(r)
    }

    /// The receipt as pretty JSON, ending in a newline.
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The inclusion proof, parsed.
    pub fn proof(&self) -> Result<Vec<Hash>> {
        self.inclusion_proof
            .iter()
            .map(|h| parse_hex32(h).ok_or_else(|| bad("a proof hash is malformed")))
            .collect()
    }

    /// Check the receipt by itself: the entry hashes to the leaf, the statement is for
    /// this case at this index, the checkpoint is signed by the log key and names this
    /// vault and case, and the inclusion proof leads from the leaf to its root.
    pub fn verify(&self) -> Result<VerifiedReceipt> {
        let entry = B64
            .decode(&self.entry)
            .map_err(|_| bad("the entry is not base64"))?;
        let leaf = merkle::leaf_hash(&entry);
        if hex(&leaf) != self.leaf_hash {
            return Err(bad("the entry does not hash to the leaf hash"));
        }
        let statement = SignedStatement::from_entry(&entry)?
            .statement()
            .map_err(|_| bad("the entry's statement is malformed"))?;
        if statement.case != self.case || statement.seq != self.index {
            return Err(bad("the entry is for another case or position"));
        }
        let verifier = LogVerifier::parse(&self.log_key)
            .map_err(|e| bad(&format!("the log key is malformed ({e})")))?;
        if verifier.name() != key_name(&self.vault) {
            return Err(bad("the log key is not this vault's"));
        }
        let checkpoint = verifier
            .verify(&self.checkpoint)
            .map_err(|e| bad(&format!("the checkpoint signature ({e})")))?;
        if checkpoint.origin != origin(&self.vault, &self.case) {
            return Err(bad("the checkpoint is for another vault or case"));
        }
        merkle::verify_inclusion(
            &leaf,
            self.index,
            checkpoint.size,
            &self.proof()?,
            &checkpoint.root,
        )
        .map_err(|e| bad(&format!("the inclusion proof ({e})")))?;
        Ok(VerifiedReceipt {
            statement,
            checkpoint,
            verifier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::checkpoint::LogKey;
    use super::super::statement::{Act, VERSION};
    use super::*;
    use crate::identity::Identity;

    fn receipt_for(index: usize, size: usize) -> (Receipt, LogKey) {
        let actor = Identity::generate("A").unwrap();
        let (key, _) = LogKey::generate(&key_name("v1")).unwrap();
        let entries: Vec<Vec<u8>> = (0..size)
            .map(|seq| {
                let st = Statement {
                    v: VERSION,
                    case: "C".into(),
                    seq: seq as u64,
                    at: "2026-11-27T00:00:00Z".into(),
                    actor: actor.fingerprint().to_hex(),
                    head: Some(crate::crypto::digest::hex(&merkle::empty_root())),
                    act: Act::Read { num: 1 },
                };
                SignedStatement::sign(&st, &actor).unwrap().entry()
            })
            .collect();
        let leaves: Vec<Hash> = entries.iter().map(|e| merkle::leaf_hash(e)).collect();
        let cp = Checkpoint::new(origin("v1", "C"), size as u64, merkle::root(&leaves)).unwrap();
        let signed = key.sign(&cp).unwrap();
        let proof = merkle::inclusion_proof(&leaves, index as u64).unwrap();
        let receipt = Receipt {
            format: FORMAT.into(),
            vault: "v1".into(),
            log_key: key.public().to_verifier_string(),
            case: "C".into(),
            index: index as u64,
            entry: B64.encode(&entries[index]),
            leaf_hash: hex(&leaves[index]),
            inclusion_proof: proof.iter().map(|h| hex(h)).collect(),
            checkpoint: signed.text,
        };
        (receipt, key)
    }

    #[test]
    fn a_receipt_round_trips_and_verifies() {
        let (r, _) = receipt_for(3, 7);
        let back = Receipt::parse(&r.to_text()).unwrap();
        assert_eq!(back, r);
        let v = back.verify().unwrap();
        assert_eq!(v.checkpoint.size, 7);
        assert_eq!(v.statement.seq, 3);
    }

    #[test]
    fn any_tampering_is_caught() {
        let (r, _) = receipt_for(2, 5);
        let mut t = r.clone();
        t.index = 1;
        assert!(t.verify().is_err(), "index");
        let mut t = r.clone();
        t.inclusion_proof[0] = hex(&[0u8; 32]);
        assert!(t.verify().is_err(), "proof");
        let mut t = r.clone();
        t.checkpoint = t.checkpoint.replace("\n5\n", "\n6\n");
        assert!(t.verify().is_err(), "checkpoint size");
        let mut t = r.clone();
        let mut entry = B64.decode(&t.entry).unwrap();
        entry[10] ^= 1;
        t.entry = B64.encode(&entry);
        assert!(t.verify().is_err(), "entry");
        let (other, _) = receipt_for(2, 5);
        let mut t = r.clone();
        t.log_key = other.log_key;
        assert!(t.verify().is_err(), "another key");
        assert!(Receipt::parse("{}").is_err());
        assert!(Receipt::parse(&r.to_text().replace(FORMAT, "x")).is_err());
    }
}
