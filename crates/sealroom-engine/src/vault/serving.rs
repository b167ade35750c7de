//! The vault service's side of a vault across the network: who may read what, and the
//! check of each commit a client sends. The service holds the records, blobs and log
//! key but never a member's key; it trusts nothing a client says that a signature does
//! not back.
//!
//! A commit is accepted only when, inside the case's write transaction:
//! - the requester is a member of the case (or, opening it, a registrar the service's
//!   configuration names, whose signed charter begins the log);
//! - every new statement is the requester's, names the log head it was made on (the
//!   service's current one: otherwise the commit is a conflict and the client acts
//!   again), and replays under the case's rules like every statement before it;
//! - every other write is what those statements make: a document row the deposit
//!   binds, a wrap whose hash the log names for that reader, a consent the log holds,
//!   a member the log added; removals only by acts that remove;
//! - the service, not the client, makes and signs the checkpoint after each statement.

use super::authority::{append_signed, record_first, Joined};
use super::{CaseContext, Vault};
use crate::crypto::digest::{hex, sha256};
use crate::error::{Error, Hint, Result};
use crate::identity::Card;
use crate::log::statement::{Act, SignedStatement};
use crate::store::records::{CaseKey, Records, RecordsTx, StatementRow};
use crate::store::remote::wire::{CaseView, Commit, Committed, ReadCall, VaultFacts, WriteOp};
use std::sync::Arc;

/// The service's memory of each case as it last verified it, so that a commit replays
/// only the statements since (the log is still checked to extend it), and so that
/// deciding what to serve (who is a member, who recorded a read) costs no replay.
/// Shared by all of the service's open vaults.
#[derive(Default)]
pub struct ServiceCache {
    cases: std::sync::Mutex<std::collections::HashMap<String, Arc<CaseContext>>>,
}

impl ServiceCache {
    fn get(&self, reference: &str) -> Option<Arc<CaseContext>> {
        self.cases.lock().ok()?.get(reference).cloned()
    }

    /// A copy of the case as last verified, to extend to a longer log. The cache
    /// keeps its own meanwhile: requests that arrive while one extends it (a commit
    /// holding the case's lock, or the log grown by another service process) are
    /// answered from it or extend a copy too, instead of replaying the whole log.
    fn prior(&self, reference: &str, fits: impl Fn(&CaseContext) -> bool) -> Option<CaseContext> {
        let shared = self.get(reference)?;
        fits(&shared).then(|| (*shared).clone())
    }

    /// Keep a verified state, unless the cache holds a longer one of the same case
    /// (verified meanwhile by another request).
    fn keep(&self, ctx: Arc<CaseContext>) {
        if let Ok(mut cases) = self.cases.lock() {
            let newer = cases
                .get(&ctx.reference)
                .is_some_and(|known| known.id == ctx.id && known.replay.len > ctx.replay.len);
            if !newer {
                cases.insert(ctx.reference.clone(), ctx);
            }
        }
    }
}

impl Vault {
    /// The vault's public facts.
    pub fn service_facts(&self) -> Result<VaultFacts> {
        Ok(VaultFacts {
            vault_id: self.vault_id()?,
            log_verifier: self.log_verifier()?.to_verifier_string(),
        })
    }

    /// Case `reference`'s writer lease shared by every service process on these
    /// records, waiting at most `wait` (see [`crate::store::records::RecordStore::lease`]);
    /// `None` for a vault that one process serves.
    pub fn service_lease(
        &self,
        reference: &str,
        wait: std::time::Duration,
    ) -> Result<Option<Box<dyn crate::store::records::Lease>>> {
        self.records.lease(reference, wait)
    }

    /// What the service needs before it takes requests: the vault's log key, present
    /// and the one recorded at init (each service process of a scale-out vault has
    /// its own copy of the folder that holds it).
    pub fn service_check(&self) -> Result<()> {
        self.log_signer().map(|_| ())
    }

    /// Whether `who` may use the service at all: a registrar it is configured with, or
    /// a member of some case (as the case's replayed log says).
    pub fn service_knows(&self, who: &Card, registrar: bool, cache: &ServiceCache) -> Result<bool> {
        if registrar {
            return Ok(true);
        }
        let db = self.read_tx()?;
        Ok(!self
            .cases_of(&*db, &who.fingerprint().to_hex(), cache)?
            .is_empty())
    }

    /// Whether `who` may queue to write to case `reference`: a member of it (as its
    /// replayed log says), or, for a case not yet on the vault, a registrar.
    pub fn service_may_lock(
        &self,
        who: &Card,
        registrar: bool,
        reference: &str,
        cache: &ServiceCache,
    ) -> Result<bool> {
        let db = self.read_tx()?;
        Ok(match self.served_case(&*db, reference, cache)? {
            Some(ctx) => member_of(&ctx, &who.fingerprint().to_hex()),
            None => registrar,
        })
    }

    /// Answer one read for `who` (JSON), from one snapshot. A case is served only to
    /// those its replayed log makes members; to anyone else it does not exist.
    pub fn service_read(
        &self,
        who: &Card,
        call: &ReadCall,
        cache: &ServiceCache,
    ) -> Result<Vec<u8>> {
        use crate::store::remote::wire::encode;
        let db = self.read_tx()?;
        let me = who.fingerprint().to_hex();
        let member = |case: CaseKey| -> Result<()> {
            match self.served_by_key(&*db, case, cache)? {
                Some(ctx) if member_of(&ctx, &me) => Ok(()),
                _ => Err(Error::not_found("no such case among the requester's cases")),
            }
        };
        Ok(match call {
            ReadCall::CaseReferences => {
                let mine: Vec<String> = self
                    .cases_of(&*db, &me, cache)?
                    .iter()
                    .map(|ctx| ctx.reference.clone())
                    .collect();
                encode(&mine)
            }
            ReadCall::Case { reference } => {
                let found = match self.served_case(&*db, reference, cache)? {
                    Some(ctx) if member_of(&ctx, &me) => db.case(reference)?,
                    _ => None,
                };
                encode(&found)
            }
            ReadCall::CaseView { case } => {
                member(*case)?;
                encode(&CaseView {
                    log_size: db.leaf_hashes(*case)?.len() as u64,
                    latest_checkpoint: db.latest_checkpoint(*case)?,
                    members: db.members(*case)?,
                    documents: db.documents(*case)?,
                    consents: db.consents(*case)?,
                    refusals: db.refusals(*case)?,
                })
            }
            ReadCall::Statements { case, from, upto } => {
                member(*case)?;
                let mut rows: Vec<StatementRow> = Vec::new();
                db.statements(*case, *from, &mut |row| {
                    if row.seq < *upto {
                        rows.push(row);
                    }
                    Ok(())
                })?;
                encode(&rows)
            }
            ReadCall::LeafHashes { case, upto } => {
                member(*case)?;
                let mut all = db.leaf_hashes(*case)?;
                all.retain(|(seq, _)| seq < upto);
                encode(&all)
            }
            ReadCall::Checkpoint { case, size } => {
                member(*case)?;
                encode(&db.checkpoint(*case, *size)?)
            }
            ReadCall::Checkpoints { case, upto } => {
                member(*case)?;
                let mut all = db.checkpoints(*case)?;
                all.retain(|c| c.size <= *upto);
                encode(&all)
            }
            ReadCall::Wrap { case, num, reader } => {
                member(*case)?;
                encode(&db.wrap(*case, *num, reader)?)
            }
            ReadCall::ReaderWraps { case, reader } => {
                member(*case)?;
                encode(&db.reader_wraps(*case, reader)?)
            }
            ReadCall::DocumentWraps { case, num } => {
                member(*case)?;
                encode(&db.document_wraps(*case, *num)?)
            }
            ReadCall::Wraps { case } => {
                member(*case)?;
                encode(&db.wraps(*case)?)
            }
            ReadCall::EscrowShares { case } => {
                member(*case)?;
                encode(&db.escrow_shares(*case)?)
            }
        })
    }

    /// Whether `who` may download blob `sha256`. It must be the current body of a
    /// document in a case the replayed log makes `who` a member of, and the log must
    /// already hold `who`'s signed reason to take it, made since that body was set: a
    /// read or an export of that document, or the case's seal (whose archive carries
    /// the body). So every body that leaves the service is on the record first.
    pub fn service_may_fetch(
        &self,
        who: &Card,
        sha256: &str,
        cache: &ServiceCache,
    ) -> Result<bool> {
        let db = self.read_tx()?;
        let me = who.fingerprint().to_hex();
        for ctx in self.cases_of(&*db, &me, cache)? {
            for (num, doc) in &ctx.replay.docs {
                if doc.body.blob_sha256 == sha256
                    && recorded_since(&*db, &ctx, doc.body_seq, &me, &|act| match act {
                        Act::Read { num: n } | Act::Export { num: n, .. } => n == num,
                        Act::Seal(_) => true,
                        _ => false,
                    })?
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Case `reference` as the service's own replay of its log makes it (from the
    /// cache when the log has not grown since), or `None` if the vault has no such case.
    fn served_case(
        &self,
        db: &dyn Records,
        reference: &str,
        cache: &ServiceCache,
    ) -> Result<Option<Arc<CaseContext>>> {
        let Some((key, _)) = db.case(reference)? else {
            return Ok(None);
        };
        let size = db.leaf_hashes(key)?.len() as u64;
        if let Some(known) = cache.get(reference) {
            if known.id == key && known.replay.len == size {
                return Ok(Some(known));
            }
        }
        // A cached state newer than this snapshot (a commit landed since it began)
        // cannot be extended to it: replay afresh.
        let prior = cache.prior(reference, |p| p.id == key && p.replay.len <= size);
        // The detail is for the operator (`doctor` names it), not for a requester who
        // may not be a member.
        let ctx = self
            .load_from(db, reference, Joined::IfPinned, prior)
            .map_err(|_| unservable())?;
        let ctx = Arc::new(ctx);
        cache.keep(ctx.clone());
        Ok(Some(ctx))
    }

    /// [`Vault::served_case`] by the backend's key for the case.
    fn served_by_key(
        &self,
        db: &dyn Records,
        key: CaseKey,
        cache: &ServiceCache,
    ) -> Result<Option<Arc<CaseContext>>> {
        let known = cache.cases.lock().ok().and_then(|cases| {
            cases
                .values()
                .find(|c| c.id == key)
                .map(|c| c.reference.clone())
        });
        let reference = match known {
            Some(r) => Some(r),
            None => {
                let mut found = None;
                for reference in db.case_references()? {
                    if matches!(db.case(&reference)?, Some((k, _)) if k == key) {
                        found = Some(reference);
                        break;
                    }
                }
                found
            }
        };
        match reference {
            Some(r) => self.served_case(db, &r, cache),
            None => Ok(None),
        }
    }

    /// The cases whose replayed log makes `me` a member. The members table only
    /// narrows the search: a row grants nothing the log does not.
    fn cases_of(
        &self,
        db: &dyn Records,
        me: &str,
        cache: &ServiceCache,
    ) -> Result<Vec<Arc<CaseContext>>> {
        let mut mine = Vec::new();
        for reference in db.case_references()? {
            let Some((key, _)) = db.case(&reference)? else {
                continue;
            };
            if !db.members(key)?.iter().any(|m| m.fingerprint == me) {
                continue;
            }
            if let Some(ctx) = self.served_case(db, &reference, cache)? {
                if member_of(&ctx, me) {
                    mine.push(ctx);
                }
            }
        }
        Ok(mine)
    }

    /// Check and apply one commit from `who` (`registrar`: named in the service's
    /// configuration, so allowed to open cases). See the module's rules.
    pub fn service_commit(
        &self,
        who: &Card,
        registrar: bool,
        commit: Commit,
        cache: &ServiceCache,
    ) -> Result<Committed> {
        let me = who.fingerprint().to_hex();
        let signer = self.log_signer()?;
        let Commit { reference, ops, .. } = commit;
        let mut ops = ops.into_iter().peekable();

        // A refused attempt: the service numbers and signs the record itself.
        if let Some(WriteOp::InsertRefusal(row)) = ops.peek() {
            let refusal: super::Refusal = serde_json::from_str(&row.record)
                .map_err(|_| Error::usage("the refusal record is malformed"))?;
            if ops.len() != 1 || refusal.actor != me || refusal.case != reference {
                return Err(Error::refused(
                    "a refusal record must be the requester's own, alone, for the case named",
                ));
            }
            let db = self.read_tx()?;
            match self.served_case(&*db, &reference, cache)? {
                Some(ctx) if member_of(&ctx, &me) => {}
                _ => return Err(Error::not_found("no such case among the requester's cases")),
            }
            drop(db);
            self.record_refusal(&super::Attempt {
                case: &reference,
                actor: &refusal.actor,
                actor_name: &refusal.actor_name,
                act: &refusal.act,
                num: refusal.num,
                reason: &refusal.reason,
            })?;
            return Ok(Committed::default());
        }

        let tx = self.write_tx(&reference)?;
        let mut opening = false;
        let mut ctx: CaseContext = if let Some(WriteOp::InsertCase(row)) = ops.peek() {
            if !registrar {
                return Err(Error::refused(
                    "only the institution's registrars (named in the service's configuration) may open cases on this vault",
                ));
            }
            let row = row.clone();
            ops.next();
            let Some(WriteOp::InsertStatement(first)) = ops.next() else {
                return Err(Error::refused("a case must open with its charter"));
            };
            let signed = signed_of(&first);
            check_actor(&signed, &me)?;
            if let Some((key, _)) = tx.case(&reference)? {
                // The same charter again (a retry whose answer was lost): done.
                let leaf = crate::log::merkle::leaf_hash(&signed.entry());
                let recorded = tx.leaf_hashes(key)?.first().map(|(_, h)| h.clone());
                if row.reference == reference && recorded.as_deref() == Some(&leaf[..]) {
                    return Ok(Committed {
                        checkpoints: tx.checkpoint(key, 1)?.into_iter().collect(),
                    });
                }
            }
            if row.reference != reference || tx.case(&reference)?.is_some() {
                return Err(Error::refused(format!(
                    "case {reference} already exists on this vault"
                )));
            }
            let key = tx.insert_case(&row)?;
            let mut ctx = CaseContext::opening(key, &reference, &signed)?;
            record_first(&*tx, &signer, &mut ctx, &signed)?;
            opening = true;
            ctx
        } else {
            if tx.case(&reference)?.is_none() {
                return Err(Error::not_found("no such case among the requester's cases"));
            }
            let prior = cache.prior(&reference, |_| true);
            let ctx = self
                .load_from(&*tx, &reference, Joined::IfPinned, prior)
                .map_err(|_| unservable())?;
            if !member_of(&ctx, &me) {
                cache.keep(Arc::new(ctx));
                return Err(Error::not_found("no such case among the requester's cases"));
            }
            ctx
        };
        let first_new = if opening { 0 } else { ctx.replay.len };

        // The statements first, each replayed under the rules; then the rest, each
        // checked against what the statements made.
        let (statements, rest): (Vec<WriteOp>, Vec<WriteOp>) =
            ops.partition(|op| matches!(op, WriteOp::InsertStatement(_)));
        if !opening {
            if let Some(done) = already_recorded(&*tx, &ctx, &statements)? {
                return Ok(done);
            }
        }
        let mut acts = Vec::new();
        for op in statements {
            let WriteOp::InsertStatement(row) = op else {
                continue;
            };
            let signed = signed_of(&row);
            check_actor(&signed, &me)?;
            let statement = signed.statement()?;
            if statement.head.is_none() {
                return Err(Error::refused(
                    "a statement sent to the vault service must name the log head it was made on (statement format 2)",
                ));
            }
            if statement.seq != ctx.replay.len {
                return Err(conflict(&reference));
            }
            if statement.head != Some(hex(&ctx.tree.root())) {
                return Err(conflict(&reference));
            }
            acts.push(statement.act.clone());
            append_signed(&*tx, &signer, &mut ctx, &signed)?;
        }
        if acts.is_empty() && !opening {
            return Err(Error::refused(
                "a commit must record at least one statement of the requester's",
            ));
        }
        let new = first_new..ctx.replay.len;
        for op in &rest {
            check_write(op, &ctx, &new, opening, &acts)?;
            self.check_body_present(op)?;
            apply(&*tx, ctx.id, op)?;
        }
        let mut checkpoints = Vec::new();
        for size in new.start + 1..=new.end {
            if let Some(c) = tx.checkpoint(ctx.id, size)? {
                checkpoints.push(c);
            }
        }
        tx.commit()?;
        cache.keep(Arc::new(ctx));
        Ok(Committed { checkpoints })
    }
}

/// A commit whose statements are all in the log already, at their positions (a retry
/// whose answer was lost: a statement is identified by its hash), is answered as
/// done, with the checkpoints after each. `None` when it is not one.
fn already_recorded(
    tx: &dyn RecordsTx,
    ctx: &CaseContext,
    statements: &[WriteOp],
) -> Result<Option<Committed>> {
    let mut sizes = Vec::new();
    for op in statements {
        let WriteOp::InsertStatement(row) = op else {
            continue;
        };
        let signed = signed_of(row);
        let seq = signed.statement()?.seq;
        let leaf = crate::log::merkle::leaf_hash(&signed.entry());
        if ctx.leaves.get(seq as usize) != Some(&leaf) {
            return Ok(None);
        }
        sizes.push(seq + 1);
    }
    if sizes.is_empty() {
        return Ok(None);
    }
    let mut checkpoints = Vec::new();
    for size in sizes {
        checkpoints.extend(tx.checkpoint(ctx.id, size)?);
    }
    Ok(Some(Committed { checkpoints }))
}

/// A case whose records fail the service's own replay. The detail is for the operator
/// (`doctor` names it), not for a requester who may not be a member.
fn unservable() -> Error {
    Error::integrity(
        "the vault service's records of a case fail its own checks, so it serves none of that case; its operator must run `sealroom doctor` on the vault",
    )
}

fn conflict(reference: &str) -> Error {
    Error::io(format!(
        "case {reference} moved on while the act was being prepared; it was not recorded"
    ))
    .with_hint(Hint::Conflict)
}

fn signed_of(row: &StatementRow) -> SignedStatement {
    SignedStatement {
        body: row.body.clone(),
        signature: row.signature.clone(),
    }
}

fn check_actor(signed: &SignedStatement, me: &str) -> Result<()> {
    if signed.statement()?.actor != me {
        return Err(Error::refused(
            "a statement must be signed by the member who sends it",
        ));
    }
    Ok(())
}

/// Whether the case's replayed log makes `fingerprint` a member.
fn member_of(ctx: &CaseContext, fingerprint: &str) -> bool {
    ctx.replay.card_of(fingerprint).is_some()
}

/// Whether the log holds, after entry `after`, a statement of `actor`'s whose act
/// `wanted` accepts.
fn recorded_since(
    db: &dyn Records,
    ctx: &CaseContext,
    after: u64,
    actor: &str,
    wanted: &dyn Fn(&Act) -> bool,
) -> Result<bool> {
    let held = &ctx.replay.statements;
    let first = ctx.replay.len - held.len() as u64;
    if first <= after + 1 {
        return Ok(held
            .iter()
            .skip((after + 1 - first) as usize)
            .any(|s| s.actor == actor && wanted(&s.act)));
    }
    // The replay began from a snapshot after that entry: read the log itself.
    let mut found = false;
    db.statements(ctx.id, after + 1, &mut |row| {
        if row.seq < ctx.replay.len && !found {
            let s = signed_of(&row).statement()?;
            found = s.actor == actor && wanted(&s.act);
        }
        Ok(())
    })?;
    Ok(found)
}

/// Whether one non-statement write is what the commit's statements make.
fn check_write(
    op: &WriteOp,
    ctx: &CaseContext,
    new: &std::ops::Range<u64>,
    opening: bool,
    acts: &[Act],
) -> Result<()> {
    let replay = &ctx.replay;
    let any = |f: &dyn Fn(&Act) -> bool| acts.iter().any(f);
    let removes_readers = |a: &Act| {
        matches!(
            a,
            Act::Revoke(_)
                | Act::Rekey(_)
                | Act::Seal(_)
                | Act::Destroy(_)
                | Act::RemoveMember { .. }
                | Act::ReplaceMember { .. }
        )
    };
    let doc = |num: u64| {
        replay
            .docs
            .get(&num)
            .ok_or_else(|| refuse(&format!("document {num} is not in the log")))
    };
    let ok = match op {
        WriteOp::InsertCase(_) | WriteOp::InsertStatement(_) | WriteOp::InsertRefusal(_) => false,
        WriteOp::SetCaseState { state } => *state == replay.state.as_str(),
        WriteOp::InsertMember(row) => {
            (opening || new.contains(&row.added_seq))
                && replay
                    .members
                    .iter()
                    .any(|(_, card)| card.fingerprint().to_hex() == row.fingerprint)
        }
        WriteOp::DeleteMember { fingerprint, .. } => {
            any(&|a| matches!(a, Act::RemoveMember { .. } | Act::ReplaceMember { .. }))
                && !fingerprint.is_empty()
        }
        WriteOp::InsertDocument(row) => {
            let d = doc(row.num)?;
            new.contains(&d.deposit_seq)
                && row.blob == d.body.blob_sha256
                && row.blob_size == d.body.blob_size
                && hex(&sha256(&row.meta)) == d.body.meta_sha256
                && row.depositor == d.depositor
        }
        WriteOp::ReplaceBody { num, body } => {
            let d = doc(*num)?;
            new.contains(&d.body_seq)
                && body.blob == d.body.blob_sha256
                && body.blob_size == d.body.blob_size
                && hex(&sha256(&body.meta)) == d.body.meta_sha256
        }
        WriteOp::RetireBody { .. } => any(&|a| matches!(a, Act::Seal(_) | Act::Destroy(_))),
        WriteOp::InsertWrap(row) => {
            let d = doc(row.num)?;
            d.wraps.get(&row.reader) == Some(&hex(&sha256(&row.wrap)))
                && (new.contains(&row.grant_seq) || any(&removes_readers))
        }
        WriteOp::DeleteWrap { .. } | WriteOp::DeleteDocumentWraps { .. } => any(&removes_readers),
        WriteOp::InsertConsent(row) => {
            new.contains(&row.seq)
                && replay.consents.get(&(row.num, row.to_label.clone())) == Some(&row.seq)
        }
        WriteOp::DeleteConsent { num, to_label } => {
            !replay.consents.contains_key(&(*num, to_label.clone()))
        }
        WriteOp::DeleteConsents => any(&|a| removes_readers(a) || matches!(a, Act::Close {})),
        // The signed charter names each holder's share by its hash.
        WriteOp::InsertEscrowShare(row) => {
            opening
                && replay
                    .charter
                    .escrow_shares
                    .iter()
                    .any(|d| d.holder == row.custodian && d.sha256 == hex(&sha256(&row.share)))
        }
        WriteOp::DeleteEscrowShares => any(&|a| matches!(a, Act::Seal(_) | Act::Destroy(_))),
    };
    if ok {
        Ok(())
    } else {
        Err(refuse(&format!(
            "a write ({}) is not what the commit's statements make",
            op_name(op)
        )))
    }
}

fn refuse(why: &str) -> Error {
    Error::refused(format!("the vault service refused the commit: {why}"))
}

fn op_name(op: &WriteOp) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.get("op").and_then(|o| o.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

fn apply(tx: &dyn RecordsTx, case: CaseKey, op: &WriteOp) -> Result<()> {
    match op {
        WriteOp::SetCaseState { state } => tx.set_case_state(case, state),
        WriteOp::InsertMember(row) => tx.insert_member(case, row),
        WriteOp::DeleteMember {
            role,
            label,
            fingerprint,
        } => tx.delete_member(case, role, label, fingerprint),
        WriteOp::InsertDocument(row) => tx.insert_document(case, row),
        WriteOp::ReplaceBody { num, body } => tx.replace_body(case, *num, body),
        WriteOp::RetireBody { num, body_state } => tx.retire_body(case, *num, body_state),
        WriteOp::InsertWrap(row) => tx.insert_wrap(case, row),
        WriteOp::DeleteWrap { num, reader } => tx.delete_wrap(case, *num, reader),
        WriteOp::DeleteDocumentWraps { num } => tx.delete_document_wraps(case, *num),
        WriteOp::InsertConsent(row) => tx.insert_consent(case, row),
        WriteOp::DeleteConsent { num, to_label } => tx.delete_consent(case, *num, to_label),
        WriteOp::DeleteConsents => tx.delete_consents(case),
        WriteOp::InsertEscrowShare(row) => tx.insert_escrow_share(case, row),
        WriteOp::DeleteEscrowShares => tx.delete_escrow_shares(case),
        WriteOp::InsertCase(_) | WriteOp::InsertStatement(_) | WriteOp::InsertRefusal(_) => Err(
            Error::io("a case, statement or refusal write reached the wrong place"),
        ),
    }
}

impl Vault {
    /// A row that names a new body commits only if the body is stored whole: an
    /// acknowledged deposit must never name an upload that was lost.
    fn check_body_present(&self, op: &WriteOp) -> Result<()> {
        let (blob, size) = match op {
            WriteOp::InsertDocument(row) => (&row.blob, row.blob_size),
            WriteOp::ReplaceBody { body, .. } => (&body.blob, body.blob_size),
            _ => return Ok(()),
        };
        // A missing blob is an integrity finding to a reader; here it is a lost upload.
        let stored = self.blobs.get(blob).and_then(|b| b.size()).ok();
        if stored != Some(size) {
            return Err(refuse(
                "the body it names is not stored whole on the vault (its upload was lost); nothing was recorded, run the command again",
            ));
        }
        Ok(())
    }

    /// Store a blob a member uploads, hashing it as it lands (its name is its hash; a
    /// blob no statement names is unreferenced, and `doctor --repair` removes it).
    pub fn service_store_blob(
        &self,
        source: &mut dyn std::io::Read,
    ) -> Result<crate::store::blobs::StoredBlob> {
        self.blobs.put(&mut |w| {
            std::io::copy(source, w).map(|_| ()).map_err(|e| {
                Error::io(format!(
                    "the upload did not arrive whole ({e}); nothing was stored"
                ))
            })
        })
    }

    /// Open a blob for `who`, if [`Vault::service_may_fetch`] allows it.
    pub fn service_open_blob(
        &self,
        who: &Card,
        sha256: &str,
        cache: &ServiceCache,
    ) -> Result<Box<dyn crate::store::blobs::BlobRead>> {
        if crate::crypto::digest::parse_hex32(sha256).is_none()
            || !self.service_may_fetch(who, sha256, cache)?
        {
            return Err(Error::not_found(
                "no such document body among the requester's cases",
            ));
        }
        self.blobs.get(sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::policy::{Category, Policy};
    use crate::log::statement::{Statement, VERSION};
    use crate::store::records::WrapRow;
    use crate::vault::{CaseSpec, DepositSpec};
    use crate::{ErrorKind, Identity};

    struct Served {
        _dir: tempfile::TempDir,
        vault: Vault,
        claimant: Identity,
        mediator: Identity,
        outsider: Identity,
    }

    /// A served vault (no member state: the service's view) with case C-1 and one
    /// document of the claimant's.
    fn served() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = Vault::init(&dir.path().join("v")).unwrap();
        let [registrar, mediator, claimant, respondent, archivist, outsider] =
            ["R", "M", "C", "D", "A", "O"].map(|n| Identity::generate(n).unwrap());
        let mut spec = CaseSpec::new("C-1", archivist.card());
        spec.policy = Policy::Consent;
        spec.threshold = 1;
        spec.mediators = vec![mediator.card()];
        spec.parties = vec![
            ("claimant".into(), claimant.card()),
            ("respondent".into(), respondent.card()),
        ];
        vault.open_case(&registrar, spec).unwrap();
        let mut d = DepositSpec::new("d.txt");
        d.category = Category::Brief;
        vault.deposit(&claimant, "C-1", d, &b"brief"[..]).unwrap();
        Served {
            _dir: dir,
            vault,
            claimant,
            mediator,
            outsider,
        }
    }

    /// `actor`'s signed statement of `act` on the log as the service holds it now.
    fn statement(s: &Served, actor: &Identity, act: Act, head: bool) -> StatementRow {
        let db = s.vault.read_tx().unwrap();
        let ctx = s.vault.load(&*db, "C-1", Joined::IfPinned).unwrap();
        let statement = Statement {
            v: if head { VERSION } else { 1 },
            case: "C-1".into(),
            seq: ctx.replay.len,
            at: crate::log::statement::now(),
            actor: actor.fingerprint().to_hex(),
            head: head.then(|| hex(&ctx.tree.root())),
            act,
        };
        let signed = SignedStatement::sign(&statement, actor).unwrap();
        StatementRow {
            seq: statement.seq,
            act: statement.act.name().to_owned(),
            actor: statement.actor.clone(),
            at: statement.at.clone(),
            body: signed.body,
            signature: signed.signature,
            leaf_hash: Vec::new(),
        }
    }

    fn commit(ops: Vec<WriteOp>) -> Commit {
        Commit {
            reference: "C-1".into(),
            lease: None,
            ops,
        }
    }

    fn log_len(s: &Served) -> usize {
        let db = s.vault.read_tx().unwrap();
        let (key, _) = db.case("C-1").unwrap().unwrap();
        db.leaf_hashes(key).unwrap().len()
    }

    #[test]
    fn a_commit_is_applied_once_and_its_retry_is_answered_as_done() {
        let s = served();
        let before = log_len(&s);
        let read = statement(&s, &s.mediator, Act::Read { num: 1 }, true);
        let c = commit(vec![WriteOp::InsertStatement(read)]);
        let first = s
            .vault
            .service_commit(
                &s.mediator.card(),
                false,
                c.clone(),
                &ServiceCache::default(),
            )
            .unwrap();
        assert_eq!(first.checkpoints.len(), 1);
        assert_eq!(log_len(&s), before + 1);
        let again = s
            .vault
            .service_commit(&s.mediator.card(), false, c, &ServiceCache::default())
            .unwrap();
        assert_eq!(log_len(&s), before + 1, "a retry appended again");
        assert_eq!(again.checkpoints, first.checkpoints);
    }

    #[test]
    fn a_statement_made_on_an_older_log_is_a_conflict() {
        let s = served();
        let stale = statement(&s, &s.mediator, Act::Read { num: 1 }, true);
        let other = statement(&s, &s.claimant, Act::Read { num: 1 }, true);
        s.vault
            .service_commit(
                &s.claimant.card(),
                false,
                commit(vec![WriteOp::InsertStatement(other)]),
                &ServiceCache::default(),
            )
            .unwrap();
        let before = log_len(&s);
        let e = s
            .vault
            .service_commit(
                &s.mediator.card(),
                false,
                commit(vec![WriteOp::InsertStatement(stale)]),
                &ServiceCache::default(),
            )
            .unwrap_err();
        assert!(matches!(e.hint(), Some(Hint::Conflict)), "{e:?}");
        assert_eq!(log_len(&s), before);
    }

    #[test]
    fn the_service_refuses_what_no_signature_backs() {
        let s = served();
        let before = log_len(&s);
        let refuse = |who: &Identity, ops: Vec<WriteOp>| {
            s.vault
                .service_commit(&who.card(), false, commit(ops), &ServiceCache::default())
                .unwrap_err()
        };
        // Another member's statement, sent by the mediator.
        let theirs = statement(&s, &s.claimant, Act::Read { num: 1 }, true);
        let e = refuse(&s.mediator, vec![WriteOp::InsertStatement(theirs)]);
        assert_eq!(e.kind(), ErrorKind::Refused, "{e:?}");
        // A statement that names no log head (format 1).
        let headless = statement(&s, &s.mediator, Act::Read { num: 1 }, false);
        let e = refuse(&s.mediator, vec![WriteOp::InsertStatement(headless)]);
        assert!(e.message().contains("log head"), "{e:?}");
        // A wrap the log does not name, slipped in beside a read.
        let read = statement(&s, &s.mediator, Act::Read { num: 1 }, true);
        let wrap = WrapRow {
            num: 1,
            reader: s.mediator.fingerprint().to_hex(),
            wrap: b"not the wrap the log names".to_vec(),
            grant_seq: read.seq,
        };
        let e = refuse(
            &s.mediator,
            vec![WriteOp::InsertStatement(read), WriteOp::InsertWrap(wrap)],
        );
        assert!(e.message().contains("insert_wrap"), "{e:?}");
        // No statement at all; a non-member; a commit opening a case by a non-registrar.
        let e = refuse(
            &s.mediator,
            vec![WriteOp::SetCaseState {
                state: "closed".into(),
            }],
        );
        assert_eq!(e.kind(), ErrorKind::Refused, "{e:?}");
        let outsiders = statement(&s, &s.outsider, Act::Read { num: 1 }, true);
        let e = refuse(&s.outsider, vec![WriteOp::InsertStatement(outsiders)]);
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e:?}");
        assert_eq!(log_len(&s), before, "a refused commit changed the log");
        // A non-member sees no case and no case data.
        let answer = s
            .vault
            .service_read(
                &s.outsider.card(),
                &ReadCall::CaseReferences,
                &ServiceCache::default(),
            )
            .unwrap();
        assert_eq!(answer, b"[]");
        let e = s
            .vault
            .service_read(
                &s.outsider.card(),
                &ReadCall::CaseView { case: 1 },
                &ServiceCache::default(),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn a_body_is_served_only_after_its_requester_recorded_a_read_of_it() {
        let s = served();
        let cache = ServiceCache::default();
        let blob = {
            let db = s.vault.read_tx().unwrap();
            let (key, _) = db.case("C-1").unwrap().unwrap();
            db.documents(key).unwrap()[0].blob.clone()
        };
        let may = |who: &Identity| {
            s.vault
                .service_may_fetch(&who.card(), &blob, &cache)
                .unwrap()
        };
        // Readers of the document all, but none has a read on the record yet (the
        // depositor's deposit is not a read).
        assert!(!may(&s.mediator));
        assert!(!may(&s.claimant));
        assert!(!may(&s.outsider));
        let read = statement(&s, &s.mediator, Act::Read { num: 1 }, true);
        s.vault
            .service_commit(
                &s.mediator.card(),
                false,
                commit(vec![WriteOp::InsertStatement(read)]),
                &cache,
            )
            .unwrap();
        assert!(
            may(&s.mediator),
            "the mediator's recorded read did not count"
        );
        assert!(!may(&s.claimant), "one member's read served another");
        assert!(!may(&s.outsider));
        // A read of another document is no reason to serve this one.
        let mut d = DepositSpec::new("e.txt");
        d.category = Category::Brief;
        let mut vault = Vault::open(s.vault.root()).unwrap();
        vault.deposit(&s.claimant, "C-1", d, &b"other"[..]).unwrap();
        let other = statement(&s, &s.claimant, Act::Read { num: 2 }, true);
        s.vault
            .service_commit(
                &s.claimant.card(),
                false,
                commit(vec![WriteOp::InsertStatement(other)]),
                &cache,
            )
            .unwrap();
        assert!(!may(&s.claimant), "a read of #2 served the body of #1");
        assert!(s
            .vault
            .service_open_blob(&s.claimant.card(), &blob, &cache)
            .is_err());
    }

    #[test]
    fn a_members_row_the_log_does_not_make_grants_nothing() {
        let s = served();
        let cache = ServiceCache::default();
        // The operator (or anyone with the database) adds a member row by hand.
        let card = s.outsider.card();
        let tx = s.vault.write_tx("C-1").unwrap();
        let (key, _) = tx.case("C-1").unwrap().unwrap();
        tx.insert_member(
            key,
            &crate::store::records::MemberRow {
                role: "mediator".into(),
                label: String::new(),
                fingerprint: card.fingerprint().to_hex(),
                name: card.name().to_owned(),
                recipient: card.recipient().to_string(),
                verifying_key: String::new(),
                added_seq: 0,
            },
        )
        .unwrap();
        tx.commit().unwrap();
        // The service's replay finds the row it does not make and serves nothing of
        // the case, without naming it to the requester.
        let granted_nothing = |answer: Result<Vec<u8>>| match answer {
            Ok(bytes) => assert_eq!(bytes, b"[]"),
            Err(e) => assert!(!e.message().contains("C-1"), "{e:?}"),
        };
        granted_nothing(
            s.vault
                .service_read(&card, &ReadCall::CaseReferences, &cache),
        );
        granted_nothing(
            s.vault
                .service_read(&card, &ReadCall::CaseView { case: key }, &cache),
        );
        granted_nothing(s.vault.service_read(
            &card,
            &ReadCall::Case {
                reference: "C-1".into(),
            },
            &cache,
        ));
        assert!(!s.vault.service_knows(&card, false, &cache).unwrap_or(false));
        assert!(!s
            .vault
            .service_may_lock(&card, false, "C-1", &cache)
            .unwrap_or(false));
        // A registrar may queue to open a new case, not to write to one it is not in.
        assert!(s
            .vault
            .service_may_lock(&card, true, "C-2", &cache)
            .unwrap());
        assert!(!s
            .vault
            .service_may_lock(&card, true, "C-1", &cache)
            .unwrap_or(false));
    }

    /// Copy a vault folder (the test's stand-in for a client that prepared an act on
    /// the same log).
    fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }

    #[test]
    fn a_deposit_whose_body_was_not_stored_is_not_recorded() {
        let s = served();
        let cache = ServiceCache::default();
        let copy = tempfile::tempdir().unwrap();
        copy_dir(s.vault.root(), copy.path());
        let mut prepared = Vault::open(copy.path()).unwrap();
        let mut d = DepositSpec::new("late.txt");
        d.category = Category::Brief;
        prepared
            .deposit(&s.claimant, "C-1", d, &b"a body the service never got"[..])
            .unwrap();
        let (statement, document) = {
            let db = prepared.read_tx().unwrap();
            let (key, _) = db.case("C-1").unwrap().unwrap();
            let mut last = None;
            db.statements(key, 0, &mut |row| {
                last = Some(row);
                Ok(())
            })
            .unwrap();
            let docs = db.documents(key).unwrap();
            (last.unwrap(), docs.last().unwrap().clone())
        };
        let deposit = commit(vec![
            WriteOp::InsertStatement(statement),
            WriteOp::InsertDocument(document.clone()),
        ]);
        let before = log_len(&s);
        let e = s
            .vault
            .service_commit(&s.claimant.card(), false, deposit.clone(), &cache)
            .unwrap_err();
        assert!(e.message().contains("not stored whole"), "{e:?}");
        assert_eq!(
            log_len(&s),
            before,
            "a deposit without its body was recorded"
        );
        // With the body in place, the very same commit is recorded.
        std::fs::copy(
            copy.path().join("blobs").join(&document.blob),
            s.vault.root().join("blobs").join(&document.blob),
        )
        .unwrap();
        s.vault
            .service_commit(&s.claimant.card(), false, deposit, &cache)
            .unwrap();
        assert_eq!(log_len(&s), before + 1);
    }
}
