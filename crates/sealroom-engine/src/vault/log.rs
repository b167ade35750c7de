//! The case log seen from the vault: history for people, receipts for actors, and the
//! full verification that replays every statement against the charter and the rules.
//!
//! `verify_log` trusts nothing in the database but the statements' signatures: it
//! rebuilds membership, document readers and consents from the log alone, checks each
//! act was allowed when it was made, compares every wrap in the database with what the
//! log authorised, and checks the Merkle root against the vault's signed checkpoint.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;

use super::records::ESCROW_READER;
use super::{Joined, Vault};
use crate::case::policy::CaseState;
use crate::crypto::digest::hex;
use crate::error::{Error, Result};
use crate::log::merkle::{self, Hash, RootBuilder};
use crate::log::receipt::{self, Receipt};
use crate::log::replay;
use crate::log::statement::{Act, SignedStatement};
use crate::store::records::{CaseKey, Records};

/// One line of a case's history, for people.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct LogLine {
    /// Position in the log.
    pub seq: u64,
    /// When.
    pub at: String,
    /// Who (name from their card).
    pub actor: String,
    /// The act.
    pub act: String,
    /// The document, where the act concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num: Option<u64>,
    /// A few public words about the act.
    pub detail: String,
}

/// The outcome of `log --verify`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct LogReport {
    /// Case reference.
    pub case: String,
    /// Statements checked.
    pub statements: u64,
    /// Wraps compared with the log.
    pub wraps: u64,
    /// The Merkle root (hex) of the whole log.
    pub root: String,
    /// The size of the latest signed checkpoint.
    pub checkpoint_size: u64,
    /// Statements that name the log head they extend (format version 2), each checked
    /// to name the log before it; older statements name none.
    pub heads: u64,
}

/// The outcome of checking a receipt against the vault.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ReceiptReport {
    /// Always false here: checked against the vault (`--offline` checks the receipt only).
    pub offline: bool,
    /// Case reference.
    pub case: String,
    /// The entry's position.
    pub index: u64,
    /// The act it records.
    pub act: String,
    /// When the act was made.
    pub at: String,
    /// The log size the receipt's checkpoint commits to.
    pub receipt_size: u64,
    /// The log size now.
    pub current_size: u64,
}

/// Statements of a case as (position, statement, stored leaf hash).
type Rows = Vec<(u64, SignedStatement, Vec<u8>)>;
/// The columns a statement row copies from its body, as stored: (position, act,
/// actor, time).
type Columns = Vec<(u64, String, String, String)>;

/// Every statement of a case.
fn statement_rows(db: &dyn Records, case_id: CaseKey) -> Result<Rows> {
    Ok(statement_rows_and_columns(db, case_id)?.0)
}

/// Every statement of a case, and the columns its rows copy from the bodies.
fn statement_rows_and_columns(db: &dyn Records, case_id: CaseKey) -> Result<(Rows, Columns)> {
    let (mut out, mut columns) = (Vec::new(), Vec::new());
    db.statements(case_id, 0, &mut |row| {
        columns.push((row.seq, row.act, row.actor, row.at));
        out.push((
            row.seq,
            SignedStatement {
                body: row.body,
                signature: row.signature,
            },
            row.leaf_hash,
        ));
        Ok(())
    })?;
    Ok((out, columns))
}

fn label_of(m: &crate::case::charter::MemberRecord) -> String {
    m.label
        .as_ref()
        .map(|l| format!(" {l}"))
        .unwrap_or_default()
}

fn describe(act: &Act) -> (Option<u64>, String) {
    match act {
        Act::Open { charter } => (
            None,
            format!(
                "opened under the {} policy, escrow {} of {}",
                charter.policy.as_str(),
                charter.threshold,
                charter
                    .members
                    .iter()
                    .filter(|m| m.role == "custodian")
                    .count()
                    .max(1)
            ),
        ),
        Act::AddMember { member } => (
            None,
            format!(
                "added {} as {}{}",
                member.name,
                member.role,
                member
                    .label
                    .as_ref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default()
            ),
        ),
        Act::Deposit(d) => (
            Some(d.num),
            format!(
                "{} for {}{}",
                d.category,
                d.owner,
                if d.confidential { ", confidential" } else { "" }
            ),
        ),
        Act::Read { num } => (Some(*num), String::new()),
        Act::Consent { num, to } => (Some(*num), format!("to the {to} party")),
        Act::Disclose(d) => (
            Some(d.num),
            format!(
                "to the {} party ({} reader(s){})",
                d.to,
                d.readers.len(),
                if d.consent.is_some() {
                    ", with consent"
                } else {
                    ""
                }
            ),
        ),
        Act::Revoke(r) => (
            Some(r.num),
            format!(
                "from the {} party{}",
                r.from,
                if r.rekey.is_some() { ", re-keyed" } else { "" }
            ),
        ),
        Act::Export { num, recipient } => {
            // An ssh-rsa key runs to hundreds of characters; its start tells it apart.
            let shown: String = recipient.chars().take(72).collect();
            let more = if shown.len() < recipient.len() {
                "…"
            } else {
                ""
            };
            (Some(*num), format!("to {shown}{more}"))
        }
        Act::RemoveMember { member } => (
            None,
            format!(
                "removed {} ({}{})",
                member.name,
                member.role,
                label_of(member)
            ),
        ),
        Act::ReplaceMember { old, new } => (
            None,
            format!(
                "replaced {} by {} ({}{})",
                old.name,
                new.name,
                new.role,
                label_of(new)
            ),
        ),
        Act::Grant(g) => (Some(g.num), "to one member".to_owned()),
        Act::Rekey(k) => (
            Some(k.num),
            format!("re-keyed, {} former member(s) dropped", k.dropped.len()),
        ),
        Act::Close {} => (None, String::new()),
        Act::Seal(seal) => (
            None,
            format!("sealed, retained until {}", seal.retain_until),
        ),
        Act::Destroy(d) => (
            None,
            format!(
                "archive key material destroyed (retention ended {})",
                d.retain_until
            ),
        ),
    }
}

impl Vault {
    /// A case's history, readable by a person; no secret is shown.
    pub fn history(&self, reference: &str) -> Result<Vec<LogLine>> {
        self.history_filtered(reference, &super::Filter::default())
    }

    /// [`Vault::history`], keeping only the entries `filter` matches.
    pub fn history_filtered(
        &self,
        reference: &str,
        filter: &super::Filter,
    ) -> Result<Vec<LogLine>> {
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::IfPinned)?;
        let rows = statement_rows(&*tx, ctx.id)?;
        drop(tx);
        self.remember(&ctx);
        let filter = filter.resolve(&ctx.replay, false)?;
        let mut out = Vec::new();
        for (seq, signed, _) in rows {
            let s = signed.statement()?;
            let (num, detail) = describe(&s.act);
            if !filter.keeps_entry(&ctx.replay, &s.actor, &s.at, num) {
                continue;
            }
            out.push(LogLine {
                seq,
                at: s.at.clone(),
                actor: ctx
                    .card_of(&s.actor)
                    .map(|c| c.name().to_owned())
                    .unwrap_or_else(|| format!("unknown {}", &s.actor[..16.min(s.actor.len())])),
                act: s.act.name().to_owned(),
                num,
                detail,
            });
        }
        Ok(out)
    }

    /// The receipt of statement `seq` of a case: its entry, the checkpoint the vault
    /// signed right after appending it, and the inclusion proof.
    pub fn receipt(&self, reference: &str, seq: u64) -> Result<Receipt> {
        // The receipt is a proof that its holder checks; nothing here is decided.
        let db = self.read_tx()?;
        let ctx = super::CaseId::find(&*db, reference)?;
        let size = seq + 1;
        let note = db
            .checkpoint(ctx.id, size)?
            .map(|c| c.note)
            .ok_or_else(|| {
                Error::not_found(format!(
                    "case {reference} has no checkpoint for entry {seq}"
                ))
            })?;
        let rows = statement_rows(&*db, ctx.id)?;
        drop(db);
        let leaves: Vec<Hash> = rows
            .iter()
            .take(size as usize)
            .map(|(_, s, _)| merkle::leaf_hash(&s.entry()))
            .collect();
        let (_, signed, _) = rows
            .get(seq as usize)
            .ok_or_else(|| Error::not_found(format!("case {reference} has no entry {seq}")))?;
        let proof = merkle::inclusion_proof(&leaves, seq)
            .map_err(|e| Error::integrity(format!("cannot prove entry {seq}: {e}")))?;
        let vault_id = self.vault_id()?;
        Ok(Receipt {
            format: receipt::FORMAT.to_owned(),
            vault: vault_id,
            log_key: self.log_verifier()?.to_verifier_string(),
            case: reference.to_owned(),
            index: seq,
            entry: B64.encode(signed.entry()),
            leaf_hash: hex(&leaves[seq as usize]),
            inclusion_proof: proof.iter().map(|h| hex(h)).collect(),
            checkpoint: note,
        })
    }

    /// Check a receipt against this vault: it verifies by itself, it was signed by
    /// this vault's log key, and the vault's current log is a consistent extension of
    /// the log the receipt saw (RFC 9162 consistency proof). A rewritten, truncated or
    /// re-signed history fails here.
    pub fn check_receipt(&self, r: &Receipt) -> Result<ReceiptReport> {
        let verified = r.verify()?;
        let bad = |what: &str| {
            Error::integrity(format!(
                "the vault's log does not agree with this receipt: {what}"
            ))
        };
        if r.vault != self.vault_id()? {
            return Err(Error::usage(format!(
                "this receipt is from vault {}, not this one ({})",
                r.vault,
                self.vault_id()?
            ))
            .with_hint(crate::error::Hint::OtherVault));
        }
        if verified.verifier.to_verifier_string() != self.log_verifier()?.to_verifier_string() {
            return Err(bad(
                "the vault's log key changed since the receipt was issued",
            ));
        }
        let db = self.read_tx()?;
        let ctx = super::CaseId::find(&*db, &r.case)?;
        let rows = statement_rows(&*db, ctx.id)?;
        let leaves: Vec<Hash> = rows
            .iter()
            .map(|(_, s, _)| merkle::leaf_hash(&s.entry()))
            .collect();
        let (current_size, current_root) = self.latest_checkpoint(&*db, ctx.id, &r.case)?;
        drop(db);
        if current_size != leaves.len() as u64 || merkle::root(&leaves) != current_root {
            return Err(bad("its statements do not match its own latest checkpoint"));
        }
        let old_size = verified.checkpoint.size;
        if current_size < old_size {
            return Err(bad(&format!(
                "the log has {current_size} entries now but the receipt saw {old_size}: it was truncated"
            )));
        }
        let proof = merkle::consistency_proof(&leaves, old_size)
            .map_err(|e| bad(&format!("no consistency proof ({e})")))?;
        merkle::verify_consistency(
            old_size,
            current_size,
            &proof,
            &verified.checkpoint.root,
            &current_root,
        )
        .map_err(|_| bad("the history the receipt saw was rewritten"))?;
        Ok(ReceiptReport {
            offline: false,
            case: r.case.clone(),
            index: r.index,
            act: verified.statement.act.name().to_owned(),
            at: verified.statement.at,
            receipt_size: old_size,
            current_size,
        })
    }

    /// The latest checkpoint of a case, its signature checked with the vault's key.
    fn latest_checkpoint(
        &self,
        db: &dyn Records,
        case_id: CaseKey,
        reference: &str,
    ) -> Result<(u64, Hash)> {
        let note = db
            .latest_checkpoint(case_id)?
            .map(|c| c.note)
            .ok_or_else(|| {
                Error::integrity(format!("case {reference} has no signed checkpoint"))
            })?;
        let checkpoint = self.log_verifier()?.verify(&note).map_err(|e| {
            Error::integrity(format!(
                "the latest checkpoint of case {reference} is not signed by the vault's log key ({e})"
            ))
        })?;
        if checkpoint.origin != receipt::origin(&self.vault_id()?, reference) {
            return Err(Error::integrity(format!(
                "the latest checkpoint of case {reference} names another vault or case"
            )));
        }
        Ok((checkpoint.size, checkpoint.root))
    }

    /// Verify a case's whole log (see the module documentation). Names the first bad
    /// entry on failure.
    pub fn verify_log(&self, reference: &str) -> Result<LogReport> {
        // One consistent view of the records for the whole check.
        let tx = self.read_tx()?;
        self.verify_log_in(&*tx, reference)
    }

    /// [`Vault::verify_log`] on the view `db` (an act's transaction, or a snapshot).
    pub(crate) fn verify_log_in(&self, db: &dyn Records, reference: &str) -> Result<LogReport> {
        // Against the member's pin (read before anything of the database, see
        // `Vault::facts`), but reported after the full check below, whose findings
        // are more precise (a bad signature rather than "rewritten").
        let pinned = self.load(db, reference, Joined::IfPinned);
        let report = self.verify_log_from_charter(db, reference)?;
        let pinned = pinned?;
        self.remember(&pinned);
        Ok(report)
    }

    /// Verify everything from the charter on, as if no one had verified anything.
    fn verify_log_from_charter(&self, db: &dyn Records, reference: &str) -> Result<LogReport> {
        let ctx =
            super::authority::load_case(db, None, &self.facts()?, reference, Joined::IfPinned)?;
        let (rows, columns) = statement_rows_and_columns(db, ctx.id)?;
        let checkpoints: BTreeMap<u64, Vec<u8>> = db
            .checkpoints(ctx.id)?
            .into_iter()
            .map(|c| (c.size, c.root))
            .collect();
        // Leaves first: a changed entry is named by its position even before replay.
        let mut tree = RootBuilder::new();
        for (i, (seq, signed, stored_leaf)) in rows.iter().enumerate() {
            let bad = |why: &str| {
                Error::integrity(format!("entry {i} of case {reference} is bad: {why}"))
            };
            if *seq != i as u64 {
                return Err(bad(
                    "it is out of place: an entry was deleted, reordered or inserted",
                ));
            }
            let leaf = merkle::leaf_hash(&signed.entry());
            if stored_leaf.as_slice() != leaf {
                return Err(bad("its stored leaf hash does not match its contents"));
            }
            tree.push(leaf);
            if let Some(root) = checkpoints.get(&tree.size()) {
                if root.as_slice() != tree.root() {
                    return Err(bad(
                        "the checkpoint after it commits to a different history",
                    ));
                }
            }
        }
        drop(rows);
        // `load_case` without a member replays the whole log from its charter.
        let replayed = &ctx.replay;
        let docs = &replayed.docs;

        // The Merkle root against the vault's latest signed checkpoint.
        let (size, root) = self.latest_checkpoint(db, ctx.id, reference)?;
        if size != tree.size() || root != tree.root() {
            return Err(Error::integrity(format!(
                "the log of case {reference} does not match the vault's latest signed checkpoint ({} entries stored, checkpoint says {size})",
                tree.size()
            )));
        }

        self.check_checkpoint_signatures(db, ctx.id, reference)?;
        // The `cases` and `members` rows were compared with the replay by `load_case`.
        check_escrow_shares(db, &ctx, replayed)?;
        check_statement_columns(&columns, &ctx, replayed)?;
        check_consents(db, &ctx, replayed)?;

        // Every document row must carry exactly what the log signs.
        let rows = super::records::load_rows(db, ctx.id)?;
        if rows.len() != docs.len() {
            return Err(Error::integrity(format!(
                "case {reference} holds {} document(s) but its log deposited {}",
                rows.len(),
                docs.len()
            )));
        }
        for row in &rows {
            // The same comparison every read makes (`documents::check_row`).
            super::documents::check_row(&ctx, row)?;
        }

        // Every wrap must be one the log grants, byte for byte; and none may be missing.
        let wraps = db.wraps(ctx.id)?;
        let mut seen = std::collections::BTreeSet::new();
        for crate::store::records::WrapRow {
            num,
            reader,
            wrap,
            grant_seq,
        } in &wraps
        {
            let who = || {
                if reader == ESCROW_READER {
                    "the escrow key".to_owned()
                } else {
                    ctx.card_of(reader)
                        .map(|c| c.name().to_owned())
                        .unwrap_or_else(|| "someone who is not a member".to_owned())
                }
            };
            let Some(expected) = docs.get(num).and_then(|d| d.wraps.get(reader)) else {
                return Err(Error::integrity(format!(
                    "#{num} of case {reference} has an unauthorised wrap for {}: no statement in the log grants it",
                    who()
                )));
            };
            let granted = replayed
                .statements
                .get(*grant_seq as usize)
                .and_then(|s| s.act.granted_wrap(*num, reader));
            if hex(&crate::crypto::digest::sha256(wrap)) != *expected
                || granted != Some(expected.as_str())
            {
                return Err(Error::integrity(format!(
                    "#{num} of case {reference} has a damaged or replaced wrap for {}: it is not the one its grant signs",
                    who()
                )));
            }
            seen.insert((*num, reader.clone()));
        }
        for (num, doc) in docs {
            for reader in doc.wraps.keys() {
                if !seen.contains(&(*num, reader.clone())) {
                    return Err(Error::integrity(format!(
                        "#{num} of case {reference} is missing a wrap its log grants (for {}): it was deleted",
                        ctx.card_of(reader).map(|c| c.name().to_owned()).unwrap_or_else(|| reader.clone())
                    )));
                }
            }
        }
        Ok(LogReport {
            case: reference.to_owned(),
            statements: tree.size(),
            wraps: wraps.len() as u64,
            root: hex(&tree.root()),
            checkpoint_size: size,
            heads: replayed
                .statements
                .iter()
                .filter(|s| s.head.is_some())
                .count() as u64,
        })
    }

    /// Every stored checkpoint is signed by the vault's log key and names this case.
    fn check_checkpoint_signatures(
        &self,
        db: &dyn Records,
        case_id: CaseKey,
        reference: &str,
    ) -> Result<()> {
        let verifier = self.log_verifier()?;
        let origin = receipt::origin(&self.vault_id()?, reference);
        for crate::store::records::CheckpointRow { size, root, note } in db.checkpoints(case_id)? {
            let ok = verifier
                .verify(&note)
                .map(|c| c.size == size && c.root.as_slice() == root && c.origin == origin)
                .unwrap_or(false);
            if !ok {
                return Err(Error::integrity(format!(
                    "the checkpoint of case {reference} at size {size} is not validly signed by the vault's log key"
                )));
            }
        }
        Ok(())
    }
}

/// The copied columns of `statements` (act, actor, time) say what the signed
/// bodies say.
fn check_statement_columns(
    rows: &[(u64, String, String, String)],
    ctx: &super::CaseContext,
    replayed: &replay::Replay,
) -> Result<()> {
    for (seq, act, actor, at) in rows {
        let seq = *seq;
        let signed = replayed.statements.get(seq as usize);
        let column = match signed {
            None => Some("seq"),
            Some(s) if s.act.name() != act => Some("act"),
            Some(s) if s.actor != *actor => Some("actor"),
            Some(s) if s.at != *at => Some("at"),
            Some(_) => None,
        };
        if let Some(column) = column {
            return Err(Error::integrity(format!(
                "the statements row {seq} of case {} was altered: its {column} column differs from the signed statement",
                ctx.reference
            )));
        }
    }
    Ok(())
}

/// The `consents` rows are exactly the consents in force after replaying the log.
fn check_consents(
    db: &dyn Records,
    ctx: &super::CaseContext,
    replayed: &replay::Replay,
) -> Result<()> {
    let stored: BTreeMap<(u64, String), u64> = db
        .consents(ctx.id)?
        .into_iter()
        .map(|c| ((c.num, c.to_label), c.seq))
        .collect();
    if let Some(((num, to), _)) = stored
        .iter()
        .find(|(k, seq)| replayed.consents.get(*k) != Some(seq))
    {
        return Err(Error::integrity(format!(
            "the consents row for #{num} to {to} of case {} is not a consent in force in the signed log (it was added or revived)",
            ctx.reference
        )));
    }
    if let Some(((num, to), _)) = replayed
        .consents
        .iter()
        .find(|(k, _)| !stored.contains_key(*k))
    {
        return Err(Error::integrity(format!(
            "the consent for #{num} to {to} of case {} is missing from the consents table (it was deleted)",
            ctx.reference
        )));
    }
    Ok(())
}

/// Each stored escrow share is the one the charter names, byte for byte.
fn check_escrow_shares(
    db: &dyn Records,
    ctx: &super::CaseContext,
    replayed: &replay::Replay,
) -> Result<()> {
    let stored: Vec<(String, Vec<u8>)> = db
        .escrow_shares(ctx.id)?
        .into_iter()
        .map(|s| (s.custodian, s.share))
        .collect();
    let live = matches!(replayed.state, CaseState::Open | CaseState::Closed);
    let expected = if live {
        replayed.charter.escrow_shares.len()
    } else {
        0
    };
    if stored.len() != expected {
        return Err(Error::integrity(format!(
            "case {} holds {} escrow share(s) where its charter names {expected}",
            ctx.reference,
            stored.len()
        )));
    }
    for (holder, share) in &stored {
        let named = replayed
            .charter
            .escrow_shares
            .iter()
            .find(|d| &d.holder == holder)
            .map(|d| d.sha256.as_str());
        if named != Some(hex(&crate::crypto::digest::sha256(share)).as_str()) {
            return Err(Error::integrity(format!(
                "the escrow share of {} in case {} is damaged or was replaced",
                ctx.card_of(holder)
                    .map(|c| c.name().to_owned())
                    .unwrap_or_else(|| holder.clone()),
                ctx.reference
            )));
        }
    }
    Ok(())
}
