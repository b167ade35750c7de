//! Refused attempts: what the case log cannot hold (a member signs only what they are
//! allowed to do), recorded by the vault's operator under its log key, one hash-chained
//! record per attempt, so "who tried to read the claimant's caucus" has an answer.
//!
//! A refusal record is the operator's word, not a member's: it proves that this vault
//! refused the attempt, and its chain shows whether records were later removed or
//! changed; it cannot prove who held the identity file.

use serde::{Deserialize, Serialize};

use super::{CaseId, Joined, Vault};
use crate::crypto::digest::{hex, sha256};
use crate::error::{Error, Result};
use crate::store::records::RefusalRow;

/// Signature domain of refusal records.
const DOMAIN: &[u8] = b"sealroom refusal v1\0";
/// The record format tag.
pub(crate) const FORMAT: &str = "sealroom-refusal-v1";

/// One refused attempt, as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    /// Always [`FORMAT`].
    pub format: String,
    /// The vault.
    pub vault: String,
    /// Case reference.
    pub case: String,
    /// Position among this case's refusals, from 0.
    pub seq: u64,
    /// When (RFC 3339).
    pub at: String,
    /// The identity's fingerprint (hex).
    pub actor: String,
    /// The name on the identity.
    pub actor_name: String,
    /// What was attempted (`read`, `disclose`, …).
    pub act: String,
    /// The document, where the attempt concerned one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub num: Option<u64>,
    /// The sentence the attempt was refused with.
    pub reason: String,
    /// SHA-256 (hex) of the previous record's signed bytes; empty for the first.
    pub prev: String,
}

/// What a caller tells the vault about a refused attempt.
#[derive(Clone, Debug)]
pub struct Attempt<'a> {
    /// Case reference.
    pub case: &'a str,
    /// The identity's fingerprint (hex).
    pub actor: &'a str,
    /// The name on the identity.
    pub actor_name: &'a str,
    /// What was attempted.
    pub act: &'a str,
    /// The document, if any.
    pub num: Option<u64>,
    /// Why it was refused.
    pub reason: &'a str,
}

impl Vault {
    /// Record a refused attempt in a case, signed with the vault's log key. Returns its
    /// position among the case's refusals.
    pub fn record_refusal(&self, attempt: &Attempt<'_>) -> Result<u64> {
        let signer = self.log_signer()?;
        let tx = self.write_tx(attempt.case)?;
        let case = CaseId::find(&*tx, attempt.case)?;
        let (seq, prev) = match tx.last_refusal(case.id)? {
            Some(last) => (last.seq + 1, hex(&sha256(last.record.as_bytes()))),
            None => (0, String::new()),
        };
        let refusal = Refusal {
            format: FORMAT.to_owned(),
            vault: signer.vault_id.clone(),
            case: attempt.case.to_owned(),
            seq,
            at: crate::log::statement::now(),
            actor: attempt.actor.to_owned(),
            actor_name: attempt.actor_name.to_owned(),
            act: attempt.act.to_owned(),
            num: attempt.num,
            reason: attempt.reason.to_owned(),
            prev,
        };
        let record = serde_json::to_string(&refusal)
            .map_err(|e| Error::io(format!("encoding a refusal record failed: {e}")))?;
        // Across the network the service signs the record (and numbers it again).
        let signature = signer
            .key
            .as_ref()
            .map(|k| k.sign_record(DOMAIN, record.as_bytes()))
            .unwrap_or_default();
        tx.insert_refusal(
            case.id,
            &RefusalRow {
                seq,
                record,
                signature,
            },
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// The refused attempts recorded in a case that `filter` keeps, each checked:
    /// signed by the vault's log key (the one the caller pinned, if they joined),
    /// numbered without gaps, each naming the one before it.
    pub fn refusals(&self, reference: &str, filter: &super::Filter) -> Result<Vec<Refusal>> {
        let facts = self.facts()?;
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::IfPinned)?;
        let rows = tx.refusals(ctx.id)?;
        drop(tx);
        self.remember(&ctx);
        let filter = filter.resolve(&ctx.replay, true)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut prev = String::new();
        for (
            i,
            RefusalRow {
                seq,
                record,
                signature,
            },
        ) in rows.into_iter().enumerate()
        {
            let bad = |why: &str| {
                Error::integrity(format!(
                    "refusal record {i} of case {reference} {why}: the refusals table was altered"
                ))
            };
            if !facts
                .log_verifier
                .verify_record(DOMAIN, record.as_bytes(), &signature)
            {
                return Err(bad("is not signed by the vault's log key"));
            }
            let r: Refusal = serde_json::from_str(&record).map_err(|_| bad("is malformed"))?;
            if r.format != FORMAT
                || r.seq != i as u64
                || seq != r.seq
                || r.case != reference
                || r.vault != facts.vault_id
            {
                return Err(bad("is out of place (a record was removed or moved)"));
            }
            if r.prev != prev {
                return Err(bad("does not follow the one before it"));
            }
            prev = hex(&sha256(record.as_bytes()));
            if filter.keeps_refusal(&ctx.replay, &r) {
                out.push(r);
            }
        }
        Ok(out)
    }
}
