//! Where every decision comes from: a case loaded for one act is the replay of its
//! verified signed statements, checked against the member's pin, with the vault's
//! tables compared to it as caches.
//!
//! An act calls [`load_case`] inside its write transaction (so nothing it checks can
//! change before it commits), decides from [`CaseContext::replay`], appends its
//! statement with [`append_statement`] (which replays the new statement too, so the
//! engine never records an act its own rules reject), commits, and then advances the
//! member's pin with [`remember`].

use super::{CaseContext, LogSigner, Member};
use crate::case::policy::Role;
use crate::crypto::digest::hex;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::log::checkpoint::{Checkpoint, LogVerifier};
use crate::log::merkle::{self, Hash, RootBuilder};
use crate::log::receipt;
use crate::log::replay::Replay;
use crate::log::statement::{now, Act, SignedStatement, Statement, VERSION};
use crate::member::{format_fingerprint, MemberState, Pin, SNAPSHOT_EVERY};
use crate::store::records::{
    CaseKey, CaseRow, CheckpointRow, MemberRow, Records, RecordsTx, StatementRow,
};

/// Whether a case must have been joined (pinned) by the member for this command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Joined {
    /// Acts and anything that releases confidential data: refused without a pin.
    Required,
    /// Public views (`case show`, `log`): checked against a pin if there is one.
    IfPinned,
}

/// What the vault says about itself, for checking a case against a pin.
#[derive(Clone)]
pub(crate) struct VaultFacts {
    pub vault_id: String,
    pub log_verifier: LogVerifier,
}

/// The refusal for a member who has not joined a case.
pub(crate) fn not_joined(reference: &str) -> Error {
    Error::refused(format!(
        "you have not joined case {reference} on this machine"
    ))
    .with_hint(crate::error::Hint::JoinCase {
        case: reference.to_owned(),
    })
}

/// Load case `reference` for one act: every statement verified (from the member's
/// last verified point on), the log checked against the member's pin and the vault's
/// latest signed checkpoint, and the `cases` and `members` rows compared with the
/// replay. Call it inside the act's transaction.
pub(crate) fn load_case(
    conn: &dyn Records,
    member: Option<&MemberState>,
    vault: &VaultFacts,
    reference: &str,
    joined: Joined,
) -> Result<CaseContext> {
    load_case_from(conn, member, vault, reference, joined, None)
}

/// [`load_case`], starting from a context this command verified a moment ago (e.g.
/// for an early refusal, before its transaction): only what came since is replayed,
/// and the log must extend what that context verified.
pub(crate) fn load_case_from(
    conn: &dyn Records,
    member: Option<&MemberState>,
    vault: &VaultFacts,
    reference: &str,
    joined: Joined,
    prior: Option<CaseContext>,
) -> Result<CaseContext> {
    // The member's own state first, before the transaction reads anything: a pin
    // only ever records a committed log, so the view taken below includes it.
    let pin = match member {
        Some(m) => m.pin(&vault.vault_id, reference)?,
        None => None,
    };
    // The pinned log key, not the vault's word for it.
    let verifier = match &pin {
        Some(p) => {
            if p.log_verifier != vault.log_verifier.to_verifier_string() {
                return Err(Error::integrity(format!(
                    "the vault's log key is not the one you pinned when you joined case {reference}: the vault was replaced or its key changed; do not act in it"
                )));
            }
            LogVerifier::parse(&p.log_verifier).map_err(|e| {
                Error::integrity(format!("your pin of case {reference} is damaged: {e}"))
            })?
        }
        None => vault.log_verifier.clone(),
    };
    // What this member verified before: every leaf (to name a rewritten entry) and,
    // now and then, the replayed state (to replay only what came since).
    let (known, verified, prior) = match (prior, member, &pin) {
        (Some(p), _, _) if p.reference == reference => (Vec::new(), None, Some(p)),
        (_, Some(m), Some(_)) => (
            m.leaves(&vault.vault_id, reference)?,
            m.verified(&vault.vault_id, reference),
            None,
        ),
        _ => (Vec::new(), None, None),
    };
    let known: Vec<Hash> = match &prior {
        Some(p) => p.leaves.clone(),
        None => known,
    };
    // Only now the database: its view is at least as new as the pin just read.
    let (case_id, row) = match conn.case(reference)? {
        Some(found) => found,
        // A vault service shows a case only to its current members: to someone who
        // joined it and was removed since, it is gone. (A folder shows every case, so
        // there this means the case was deleted under the member.)
        None if pin.is_some() => {
            return Err(Error::refused(format!(
                "the vault does not show you case {reference} any more: you are no longer a member of it (or the vault withholds it; compare checkpoints with another member)"
            )))
        }
        None => {
            return Err(
                Error::not_found(format!("there is no case `{reference}` in this vault"))
                    .with_hint(crate::error::Hint::ListCases),
            )
        }
    };
    if pin.is_none() && joined == Joined::Required && member.is_some() {
        return Err(not_joined(reference));
    }

    // The stored leaf hashes first (32 bytes an entry): they name a rewritten or
    // missing entry against what this member verified, without reading the bodies.
    let stored = conn.leaf_hashes(case_id)?;
    let mut leaves: Vec<Hash> = Vec::with_capacity(stored.len() + 1);
    for (i, (seq, leaf)) in stored.iter().enumerate() {
        if *seq != i as u64 {
            return Err(Error::integrity(format!(
                "entry {i} of case {reference} is bad: it is missing or out of place: an entry was deleted, reordered or inserted"
            )));
        }
        let leaf = <Hash>::try_from(leaf.as_slice()).map_err(|_| {
            Error::integrity(format!(
                "entry {i} of case {reference} is bad: its stored leaf hash is damaged"
            ))
        })?;
        if known.get(i).is_some_and(|k| *k != leaf) {
            return Err(rewritten(reference, i as u64));
        }
        leaves.push(leaf);
    }
    let count = leaves.len() as u64;
    if count < known.len() as u64 {
        return Err(truncated(reference, count, known.len() as u64));
    }
    // The roots this check needs (at the snapshot's size, at the pin's, and now) in one
    // pass over the leaves.
    let want: Vec<u64> = [
        verified.as_ref().map(|(_, s)| s.len()),
        pin.as_ref().map(|p| p.size),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut tree = RootBuilder::new();
    let mut roots_at = std::collections::BTreeMap::new();
    // The tree at the snapshot's size, on which a resumed replay continues.
    let snapshot_size = verified.as_ref().map(|(_, snap)| snap.len());
    let mut tree_at_snapshot = None;
    for leaf in &leaves {
        tree.push(*leaf);
        if want.contains(&tree.size()) {
            roots_at.insert(tree.size(), tree.root());
        }
        if Some(tree.size()) == snapshot_size {
            tree_at_snapshot = Some(tree.clone());
        }
    }
    // Resume from the state written down, if it was made from this very history (or
    // from the one this command verified a moment ago); the bodies it covers are not
    // read again (`log --verify` and `doctor` read them all).
    let mut file_snapshot_len = 0;
    let (mut replay, snapshot_len) = match (prior, verified) {
        (Some(p), _) => {
            file_snapshot_len = p.snapshot_len;
            let len = p.replay.len;
            (Some(p.replay), len)
        }
        (None, Some((root, snap))) if roots_at.get(&snap.len()) == Some(&root) => {
            let len = snap.len();
            file_snapshot_len = len;
            let at = tree_at_snapshot.take().unwrap_or_default();
            (Some(Replay::resume(snap, at)?), len)
        }
        _ => (None, 0),
    };
    // Every statement since: its contents must be its leaf, and it must replay.
    let mut next = snapshot_len;
    conn.statements(case_id, snapshot_len, &mut |row| {
        let seq = row.seq;
        let signed = SignedStatement {
            body: row.body,
            signature: row.signature,
        };
        if seq != next || seq >= count {
            return Err(Error::integrity(format!(
                "entry {next} of case {reference} is bad: the log changed while it was read"
            )));
        }
        let leaf = leaves[seq as usize];
        if merkle::leaf_hash(&signed.entry()) != leaf {
            return Err(Error::integrity(format!(
                "entry {seq} of case {reference} is bad: its stored leaf hash does not match its contents (the statements row was altered)"
            )));
        }
        match replay.as_mut() {
            None => replay = Some(Replay::begin(reference, &signed)?),
            Some(r) => r.push_leaf(&signed, leaf)?,
        }
        next += 1;
        Ok(())
    })?;
    if next != count {
        return Err(Error::integrity(format!(
            "entry {next} of case {reference} is bad: the log changed while it was read"
        )));
    }
    let replay =
        replay.ok_or_else(|| Error::integrity(format!("case {reference} has an empty log")))?;

    if let Some(p) = &pin {
        if count < p.size {
            return Err(truncated(reference, count, p.size));
        }
        if hex(&leaves[0]) != p.charter_fingerprint {
            return Err(Error::integrity(format!(
                "entry 0 of case {reference} (its charter) is not the one you joined (fingerprint {}): the case was rewritten; do not act in it",
                format_fingerprint(&leaves[0])
            )));
        }
        if roots_at.get(&p.size).map(|r| hex(r)) != Some(p.root.clone()) {
            return Err(Error::integrity(format!(
                "the log of case {reference} no longer extends the checkpoint you verified at size {}: an entry before it was rewritten; do not act in it",
                p.size
            )));
        }
    }
    check_latest_checkpoint(conn, case_id, reference, &vault.vault_id, &verifier, &tree)?;
    check_case_row(reference, &replay, &row)?;
    check_member_rows(conn, case_id, reference, &replay)?;

    Ok(context(
        case_id,
        reference,
        replay,
        (leaves, tree),
        pin.is_some(),
        file_snapshot_len,
    ))
}

fn members_of(replay: &Replay) -> Vec<Member> {
    replay
        .members
        .iter()
        .map(|(role, card)| Member {
            role: role.clone(),
            card: card.clone(),
        })
        .collect()
}

/// A case context whose every field comes from `replay`.
fn context(
    case_id: CaseKey,
    reference: &str,
    replay: Replay,
    (leaves, tree): (Vec<Hash>, RootBuilder),
    pinned: bool,
    snapshot_len: u64,
) -> CaseContext {
    let members = members_of(&replay);
    let charter = &replay.charter;
    CaseContext {
        id: case_id,
        reference: reference.to_owned(),
        title: charter.title.clone(),
        policy: charter.policy,
        state: replay.state,
        threshold: charter.threshold,
        escrow_recipient: charter.escrow_recipient.clone(),
        opened_at: replay.opened_at.clone(),
        members,
        pinned,
        snapshot_len,
        leaves,
        tree,
        replay,
    }
}

fn rewritten(reference: &str, i: u64) -> Error {
    if i == 0 {
        return Error::integrity(format!(
            "entry 0 of case {reference} is bad: it is not the charter you joined: the case was rewritten; do not act in it"
        ));
    }
    Error::integrity(format!(
        "entry {i} of case {reference} is bad: it is not the one you verified before: the log was rewritten from there on; do not act in it"
    ))
}

fn truncated(reference: &str, count: u64, verified: u64) -> Error {
    Error::integrity(format!(
        "the log of case {reference} was truncated: it holds {count} entries, but you verified {verified}; entry {count} onwards was removed"
    ))
}

/// The vault's latest checkpoint must be signed by the (pinned) log key and commit to
/// exactly the log that was replayed.
fn check_latest_checkpoint(
    conn: &dyn Records,
    case_id: CaseKey,
    reference: &str,
    vault_id: &str,
    verifier: &LogVerifier,
    tree: &RootBuilder,
) -> Result<()> {
    let note = conn.latest_checkpoint(case_id)?.map(|c| (c.size, c.note));
    let bad = |why: &str| {
        Error::integrity(format!(
            "the latest checkpoint of case {reference} {why}; do not act in it"
        ))
    };
    let Some((size, note)) = note else {
        return Err(bad("is missing"));
    };
    let checkpoint = verifier
        .verify(&note)
        .map_err(|_| bad("is not signed by the vault's log key"))?;
    if checkpoint.origin != receipt::origin(vault_id, reference)
        || checkpoint.size != size
        || size != tree.size()
        || checkpoint.root != tree.root()
    {
        return Err(bad("does not commit to the log as stored"));
    }
    Ok(())
}

/// The `cases` row is a cache of the charter and of the log's state.
fn check_case_row(reference: &str, replay: &Replay, row: &CaseRow) -> Result<()> {
    let c = &replay.charter;
    let mismatch = if row.policy != c.policy.as_str() {
        Some("policy")
    } else if row.title != c.title {
        Some("title")
    } else if row.threshold != i64::from(c.threshold) {
        Some("threshold")
    } else if row.escrow_recipient != c.escrow_recipient {
        Some("escrow_recipient")
    } else if row.state != replay.state.as_str() {
        Some("state")
    } else {
        None
    };
    match mismatch {
        Some(column) => Err(Error::integrity(format!(
            "the cases row of case {reference} was altered: its {column} differs from the signed log"
        ))),
        None => Ok(()),
    }
}

/// The `members` rows are a cache of the charter and the add-member statements.
fn check_member_rows(
    conn: &dyn Records,
    case_id: CaseKey,
    reference: &str,
    replay: &Replay,
) -> Result<()> {
    let stored = conn.members(case_id)?;
    let signed: Vec<MemberRow> = replay
        .members
        .iter()
        .zip(&replay.member_seqs)
        .map(|((role, card), seq)| MemberRow {
            role: role.kind().to_owned(),
            label: match role {
                Role::Party(l) => l.clone(),
                _ => String::new(),
            },
            fingerprint: card.fingerprint().to_hex(),
            name: card.name().to_owned(),
            recipient: card.recipient().to_owned(),
            verifying_key: card.verifying_key_b64(),
            added_seq: *seq,
        })
        .collect();
    if stored != signed {
        let at = stored
            .iter()
            .zip(&signed)
            .position(|(a, b)| a != b)
            .unwrap_or(stored.len().min(signed.len()));
        return Err(Error::integrity(format!(
            "the members rows of case {reference} were altered (row {} differs from the signed charter and add-member statements)",
            at + 1
        )));
    }
    Ok(())
}

/// Append a signed statement for `act` by `actor` to the case's log inside `tx`, and
/// sign the new checkpoint. The statement is replayed onto `ctx` first: an act the
/// case's rules would reject is never recorded. Returns its sequence number.
pub(crate) fn append_statement(
    tx: &dyn RecordsTx,
    signer: &LogSigner,
    ctx: &mut CaseContext,
    actor: &Identity,
    act: Act,
) -> Result<(u64, SignedStatement)> {
    let seq = ctx.replay.len;
    let statement = Statement {
        v: VERSION,
        case: ctx.reference.clone(),
        seq,
        at: now(),
        actor: actor.fingerprint().to_hex(),
        head: Some(hex(&ctx.tree.root())),
        act,
    };
    let signed = SignedStatement::sign(&statement, actor)?;
    append_signed(tx, signer, ctx, &signed)?;
    Ok((seq, signed))
}

/// Append a statement already signed (by a member across the network, checked here as
/// every statement is: replayed under the case's rules first) and the checkpoint
/// after it.
pub(crate) fn append_signed(
    tx: &dyn RecordsTx,
    signer: &LogSigner,
    ctx: &mut CaseContext,
    signed: &SignedStatement,
) -> Result<()> {
    let leaf = merkle::leaf_hash(&signed.entry());
    ctx.replay.push_leaf(signed, leaf).map_err(|e| {
        Error::refused(format!(
            "the case's rules do not allow this act now ({}); nothing was done",
            e.message()
        ))
    })?;
    // The copied fields follow the replay (an add-member, a replacement, a removal, a
    // close, a seal). Members are copied whatever the act: a replacement keeps their
    // number, so comparing lengths would leave the replaced member in `ctx.members`.
    ctx.state = ctx.replay.state;
    ctx.members = members_of(&ctx.replay);
    write_entry(tx, signer, ctx, signed, leaf)
}

/// Record the charter statement of a case being opened (its context made with
/// [`CaseContext::opening`]).
pub(crate) fn record_first(
    tx: &dyn RecordsTx,
    signer: &LogSigner,
    ctx: &mut CaseContext,
    signed: &SignedStatement,
) -> Result<()> {
    write_entry(tx, signer, ctx, signed, merkle::leaf_hash(&signed.entry()))
}

/// Insert a statement already replayed onto `ctx` (its last statement, of leaf hash
/// `leaf`) and the checkpoint after it.
fn write_entry(
    tx: &dyn RecordsTx,
    signer: &LogSigner,
    ctx: &mut CaseContext,
    signed: &SignedStatement,
    leaf: Hash,
) -> Result<()> {
    let row = {
        let statement = ctx
            .replay
            .statements
            .last()
            .ok_or_else(|| Error::integrity("a statement to write was not replayed"))?;
        StatementRow {
            seq: statement.seq,
            act: statement.act.name().to_owned(),
            actor: statement.actor.clone(),
            at: statement.at.clone(),
            body: signed.body.clone(),
            signature: signed.signature.clone(),
            leaf_hash: leaf.to_vec(),
        }
    };
    ctx.leaves.push(leaf);
    ctx.tree.push(leaf);
    tx.insert_statement(ctx.id, &row).map_err(|reason| {
        Error::io(format!(
            "the case log could not be written, so the act was not done ({})",
            reason.message()
        ))
    })?;
    // On a vault across the network the service signs the checkpoint at commit (the
    // client checks it against the log verifier on its next look).
    let Some(key) = &signer.key else {
        return Ok(());
    };
    let checkpoint = Checkpoint::new(
        receipt::origin(&signer.vault_id, &ctx.reference),
        ctx.tree.size(),
        ctx.tree.root(),
    )
    .map_err(|e| Error::usage(format!("the case reference cannot name a log: {e}")))?;
    let note = key
        .sign(&checkpoint)
        .map_err(|e| Error::io(format!("signing the checkpoint failed: {e}")))?;
    tx.insert_checkpoint(
        ctx.id,
        &CheckpointRow {
            size: checkpoint.size,
            root: checkpoint.root.to_vec(),
            note: note.text,
        },
    )?;
    Ok(())
}

/// After a commit (or a verified read-only look), move the member's pin forward to
/// what was just verified, and write the verified state down now and then. A failure
/// here changes nothing that happened: the next command verifies a longer tail.
pub(crate) fn remember(member: Option<&MemberState>, vault: &VaultFacts, ctx: &CaseContext) {
    let Some(m) = member else { return };
    if !ctx.pinned {
        return;
    }
    let _ = pin_now(m, vault, ctx);
}

/// Pin the case as `ctx` holds it (joining, or advancing an existing pin).
pub(crate) fn pin_now(m: &MemberState, vault: &VaultFacts, ctx: &CaseContext) -> Result<Pin> {
    let pin = Pin {
        vault_id: vault.vault_id.clone(),
        log_verifier: vault.log_verifier.to_verifier_string(),
        case: ctx.reference.clone(),
        charter_fingerprint: hex(&ctx.leaves[0]),
        size: ctx.tree.size(),
        root: hex(&ctx.tree.root()),
    };
    if ctx.replay.len >= ctx.snapshot_len + SNAPSHOT_EVERY || ctx.snapshot_len == 0 {
        m.save_verified(
            &vault.vault_id,
            &ctx.reference,
            &ctx.tree.root(),
            ctx.replay.snapshot(),
        )?;
    }
    // Leaves first, then the pin: a crash between leaves a pin older than the
    // leaves, which is harmless (both are prefixes of one verified history).
    m.save_leaves(&vault.vault_id, &ctx.reference, &ctx.leaves)?;
    m.save_pin(&pin)?;
    Ok(pin)
}

impl CaseContext {
    /// The context of a case being opened with the charter statement `signed`
    /// (not yet recorded).
    pub(crate) fn opening(
        case_id: CaseKey,
        reference: &str,
        signed: &SignedStatement,
    ) -> Result<CaseContext> {
        let replay = Replay::begin(reference, signed)?;
        Ok(context(
            case_id,
            reference,
            replay,
            (Vec::new(), RootBuilder::new()),
            false,
            0,
        ))
    }

    /// The charter fingerprint, as people read it aloud.
    pub(crate) fn charter_fingerprint(&self) -> String {
        format_fingerprint(&self.leaves[0])
    }
}

#[cfg(test)]
mod tests {
    use crate::case::policy::{Category, Policy};
    use crate::member::MemberState;
    use crate::vault::{CaseSpec, DepositSpec, Joined, Vault};
    use crate::{ErrorKind, Identity};

    struct Case {
        _dir: tempfile::TempDir,
        vault: Vault,
        registrar: Identity,
        claimant: Identity,
        mediator: Identity,
        spec: CaseSpec,
    }

    /// A vault with member state, case C-1 opened (and so pinned) by its registrar.
    fn case() -> Case {
        let dir = tempfile::tempdir().unwrap();
        Vault::init(&dir.path().join("v")).unwrap();
        let mut vault = Vault::open(&dir.path().join("v"))
            .unwrap()
            .with_member_state(MemberState::new(dir.path().join("state")));
        let [registrar, mediator, claimant, respondent, archivist] =
            ["R", "M", "C", "D", "A"].map(|n| Identity::generate(n).unwrap());
        let spec = CaseSpec {
            reference: "C-1".into(),
            title: None,
            policy: Policy::Consent,
            threshold: 1,
            mediators: vec![mediator.card()],
            parties: vec![
                ("claimant".into(), claimant.card()),
                ("respondent".into(), respondent.card()),
            ],
            archivist: archivist.card(),
            custodians: vec![],
        };
        vault.open_case(&registrar, spec.clone()).unwrap();
        Case {
            _dir: dir,
            vault,
            registrar,
            claimant,
            mediator,
            spec,
        }
    }

    fn deposit(c: &mut Case, i: usize) -> u64 {
        let spec = DepositSpec {
            category: Category::Caucus,
            title: Some(format!("doc {i}")),
            file_name: "d.txt".into(),
            confidential: false,
            share_with_all: false,
            as_party: None,
        };
        let body = format!("document {i}");
        c.vault
            .deposit(&c.claimant, "C-1", spec, body.as_bytes())
            .unwrap()
            .num
    }

    #[test]
    fn a_resumed_replay_decides_like_a_full_one() {
        let mut c = case();
        // Past one snapshot interval, so later acts resume from a written-down state.
        for i in 0..(super::SNAPSHOT_EVERY as usize + 5) {
            deposit(&mut c, i);
        }
        let tx = c.vault.read_tx().unwrap();
        let resumed = c.vault.load(&*tx, "C-1", Joined::Required).unwrap();
        drop(tx);
        assert!(resumed.snapshot_len > 1, "no snapshot was used");
        assert!(resumed.replay.statements.len() < resumed.replay.len as usize);
        let full = crate::log::replay::replay("C-1", &c.vault.statements("C-1").unwrap()).unwrap();
        assert_eq!(resumed.replay.len, full.len);
        assert_eq!(resumed.replay.state, full.state);
        assert_eq!(resumed.replay.consents, full.consents);
        assert_eq!(resumed.replay.members, full.members);
        for (num, doc) in &full.docs {
            let r = &resumed.replay.docs[num];
            assert_eq!(
                (&r.readers, &r.wraps, &r.body, &r.commitment, r.body_seq),
                (
                    &doc.readers,
                    &doc.wraps,
                    &doc.body,
                    &doc.commitment,
                    doc.body_seq
                )
            );
        }
        // And acting from it still works.
        let mut out = Vec::new();
        c.vault.read(&c.mediator, "C-1", 3, &mut out).unwrap();
        assert_eq!(out, b"document 2");
    }

    #[test]
    fn a_snapshot_of_another_history_is_not_used() {
        let mut c = case();
        for i in 0..3 {
            deposit(&mut c, i);
        }
        // The member's written-down state, swapped for one made from another case's
        // history (same size): its root does not match, so the log is replayed in full.
        let other = case();
        let facts = c.vault.facts().unwrap();
        let m = c.vault.member_state().unwrap().clone();
        let o = other.vault.member_state().unwrap();
        let (root, snap) = o
            .verified(&other.vault.facts().unwrap().vault_id, "C-1")
            .unwrap();
        m.save_verified(&facts.vault_id, "C-1", &root, snap)
            .unwrap();
        let tx = c.vault.read_tx().unwrap();
        let ctx = c.vault.load(&*tx, "C-1", Joined::Required).unwrap();
        assert_eq!(ctx.snapshot_len, 0);
        assert_eq!(ctx.replay.docs.len(), 3);
    }

    #[test]
    fn without_member_state_nothing_is_pinned_and_every_act_replays_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = case();
        deposit(&mut c, 0);
        // A library user without a state folder: no join needed, full replay.
        let bare = Vault::open(c.vault.root()).unwrap();
        let tx = bare.read_tx().unwrap();
        let ctx = bare.load(&*tx, "C-1", Joined::Required).unwrap();
        assert!(!ctx.pinned);
        assert_eq!(ctx.snapshot_len, 0);
        drop(tx);
        // A member state that has not joined: refused, with the hint to join (which
        // each front end words; the engine's message names no command).
        let other = Vault::open(c.vault.root())
            .unwrap()
            .with_member_state(MemberState::new(dir.path()));
        let err = other.list(&c.claimant, "C-1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Refused);
        assert_eq!(
            err.hint(),
            Some(&crate::error::Hint::JoinCase { case: "C-1".into() })
        );
        assert!(!err.message().contains("sealroom"), "{}", err.message());
    }

    /// A statement the claimant signs at the next position, naming `head`.
    fn next_read(c: &Case, head: Option<String>, v: u32) -> crate::log::statement::SignedStatement {
        use crate::log::statement::{Act, SignedStatement, Statement};
        let len = c.vault.statements("C-1").unwrap().len() as u64;
        let statement = Statement {
            v,
            case: "C-1".into(),
            seq: len,
            at: "2026-11-30T12:00:00Z".into(),
            actor: c.claimant.fingerprint().to_hex(),
            head,
            act: Act::Read { num: 1 },
        };
        SignedStatement::sign(&statement, &c.claimant).unwrap()
    }

    #[test]
    fn a_statement_must_name_the_log_before_it_as_its_head() {
        use crate::crypto::digest::hex;
        use crate::log::merkle;
        let mut c = case();
        deposit(&mut c, 1);
        deposit(&mut c, 2);
        let log = c.vault.statements("C-1").unwrap();
        let leaves: Vec<_> = log.iter().map(|s| merkle::leaf_hash(&s.entry())).collect();
        let replay_with = |extra| {
            let mut all = log.clone();
            all.push(extra);
            crate::log::replay::replay("C-1", &all)
        };
        // Every statement the vault wrote names the log before it.
        for (i, signed) in log.iter().enumerate() {
            let head = signed.statement().unwrap().head;
            assert_eq!(head, Some(hex(&merkle::root(&leaves[..i]))), "entry {i}");
        }
        // The right head replays; a head of another history (a shorter one, as a
        // forking vault would have shown) is refused, naming the entry.
        let right = Some(hex(&merkle::root(&leaves)));
        replay_with(next_read(&c, right, 2)).unwrap();
        let other = Some(hex(&merkle::root(&leaves[..leaves.len() - 1])));
        let err = replay_with(next_read(&c, other, 2)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Integrity);
        assert!(
            err.message().contains(&format!(
                "entry {} of case C-1 is bad: it names a log head",
                log.len()
            )),
            "{}",
            err.message()
        );
        // Version 1 (written before heads) names none and still replays.
        replay_with(next_read(&c, None, 1)).unwrap();
    }

    /// The vault's database, for tests that tamper with its caches.
    fn db(c: &Case) -> rusqlite::Connection {
        rusqlite::Connection::open(c.vault.root().join("sealroom.db")).unwrap()
    }

    const CASE_ID: &str = "(SELECT id FROM cases WHERE reference = 'C-1')";

    #[test]
    fn a_latest_checkpoint_signed_with_the_vaults_key_for_another_log_is_refused() {
        use crate::log::checkpoint::Checkpoint;
        use crate::log::{merkle, receipt};
        let mut c = case();
        deposit(&mut c, 0);
        let vault_id = c.vault.facts().unwrap().vault_id;
        let key = c.vault.log_signer().unwrap().key.unwrap();
        let log = c.vault.statements("C-1").unwrap();
        let leaves: Vec<_> = log.iter().map(|s| merkle::leaf_hash(&s.entry())).collect();
        let (size, root) = (leaves.len() as u64, merkle::root(&leaves));
        let db = db(&c);
        let latest = format!(
            "case_id = {CASE_ID} AND size = (SELECT max(size) FROM checkpoints WHERE case_id = {CASE_ID})"
        );
        let honest: String = db
            .query_row(
                &format!("SELECT note FROM checkpoints WHERE {latest}"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        let set = |row_size: u64, note: &str| {
            let sql = format!("UPDATE checkpoints SET size = ?1, note = ?2 WHERE {latest}");
            assert_eq!(
                db.execute(&sql, rusqlite::params![row_size as i64, note])
                    .unwrap(),
                1
            );
        };
        let origin = receipt::origin(&vault_id, "C-1");
        // Each is signed by the vault's own key (an operator can sign anything), and
        // each differs from the stored log in one way only.
        let cases = [
            (
                "another case's origin",
                receipt::origin(&vault_id, "C-2"),
                size,
                root,
                size,
            ),
            (
                "a note whose size is not its row's",
                origin.clone(),
                size + 1,
                root,
                size,
            ),
            (
                "a size the log does not have",
                origin.clone(),
                size + 1,
                root,
                size + 1,
            ),
            (
                "another root",
                origin,
                size,
                merkle::root(&leaves[..1]),
                size,
            ),
        ];
        for (what, origin, note_size, note_root, row_size) in cases {
            let checkpoint = Checkpoint::new(origin, note_size, note_root).unwrap();
            set(row_size, &key.sign(&checkpoint).unwrap().text);
            let err = c.vault.list(&c.claimant, "C-1").unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::Integrity,
                "{what}: {}",
                err.message()
            );
            assert!(
                err.message()
                    .contains("does not commit to the log as stored"),
                "{what}: {}",
                err.message()
            );
            set(size, &honest);
            c.vault.list(&c.claimant, "C-1").unwrap();
        }
    }

    #[test]
    fn an_altered_member_row_is_named_by_its_position() {
        let c = case();
        let db = db(&c);
        let rows: i64 = db
            .query_row(
                &format!("SELECT count(*) FROM members WHERE case_id = {CASE_ID}"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(rows > 2);
        // The last row (in the cache's order: statement, then insertion).
        let last = format!("SELECT max(rowid) FROM members WHERE case_id = {CASE_ID}");
        let changed = db
            .execute(
                &format!("UPDATE members SET name = 'Someone Else' WHERE rowid = ({last})"),
                [],
            )
            .unwrap();
        assert_eq!(changed, 1);
        let err = c.vault.list(&c.claimant, "C-1").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Integrity);
        assert!(
            err.message().contains(&format!("(row {rows} differs")),
            "{}",
            err.message()
        );
    }

    #[test]
    fn the_verified_state_is_written_down_once_per_interval() {
        let mut c = case();
        let facts = c.vault.facts().unwrap();
        let every = super::SNAPSHOT_EVERY;
        let snapshot = |c: &Case| {
            let m = c.vault.member_state().unwrap();
            m.verified(&facts.vault_id, "C-1").map(|(_, s)| s.len())
        };
        // Opening a case writes the first one down.
        assert_eq!(snapshot(&c), Some(1));
        let mut written = vec![1];
        for i in 0..(2 * every + 3) as usize {
            deposit(&mut c, i);
            let len = c.vault.statements("C-1").unwrap().len() as u64;
            let at = snapshot(&c).expect("a written-down state");
            // Never more than one interval behind the log...
            assert!(len - at < every, "log {len}, written down at {at}");
            if written.last() != Some(&at) {
                written.push(at);
            }
        }
        // ...and not rewritten at every act: once per interval.
        assert_eq!(written, vec![1, 1 + every, 1 + 2 * every]);
    }

    #[test]
    fn a_case_the_vault_does_not_hold_is_not_found_and_a_pinned_one_is_withheld() {
        let c = case();
        // Never joined, not in the vault: it does not exist.
        let err = c.vault.list(&c.claimant, "C-9").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{}", err.message());
        assert!(
            err.message().contains("there is no case `C-9`"),
            "{}",
            err.message()
        );
        // Pinned (joined) but not shown: the vault withholds it, or removed the member.
        let m = c.vault.member_state().unwrap();
        let mut pin = m
            .pin(&c.vault.facts().unwrap().vault_id, "C-1")
            .unwrap()
            .unwrap();
        pin.case = "C-9".into();
        m.save_pin(&pin).unwrap();
        let err = c.vault.list(&c.claimant, "C-9").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Refused, "{}", err.message());
        assert!(
            err.message()
                .contains("does not show you case C-9 any more"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn a_context_kept_from_another_case_is_not_resumed() {
        let mut c = case();
        deposit(&mut c, 0);
        let mut other = c.spec.clone();
        other.reference = "C-2".into();
        c.vault.open_case(&c.registrar, other).unwrap();
        let tx = c.vault.read_tx().unwrap();
        let kept = c.vault.load(&*tx, "C-1", Joined::Required).unwrap();
        assert_eq!(kept.replay.len, 2);
        // Handed C-1's context, C-2 is still loaded from its own log.
        let ctx = c
            .vault
            .load_from(&*tx, "C-2", Joined::Required, Some(kept))
            .unwrap();
        assert_eq!(ctx.reference, "C-2");
        assert_eq!(ctx.replay.len, 1);
        assert!(ctx.replay.docs.is_empty());
        // Handed its own, it resumes from it.
        let kept = c.vault.load(&*tx, "C-1", Joined::Required).unwrap();
        let ctx = c
            .vault
            .load_from(&*tx, "C-1", Joined::Required, Some(kept))
            .unwrap();
        assert_eq!(ctx.replay.len, 2);
    }

    #[test]
    fn a_rewritten_entry_is_named_by_its_position_and_the_charter_as_such() {
        let mut c = case();
        deposit(&mut c, 0);
        deposit(&mut c, 1);
        let db = db(&c);
        let cases = [
            (
                2,
                "entry 2 of case C-1 is bad: it is not the one you verified before",
            ),
            (
                0,
                "entry 0 of case C-1 is bad: it is not the charter you joined",
            ),
        ];
        for (seq, says) in cases {
            let leaf =
                format!("SELECT leaf_hash FROM statements WHERE case_id = {CASE_ID} AND seq = ?1");
            let saved: Vec<u8> = db.query_row(&leaf, [seq], |r| r.get(0)).unwrap();
            let set = format!(
                "UPDATE statements SET leaf_hash = ?2 WHERE case_id = {CASE_ID} AND seq = ?1"
            );
            db.execute(&set, rusqlite::params![seq, vec![0u8; 32]])
                .unwrap();
            let err = c.vault.list(&c.claimant, "C-1").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Integrity, "{}", err.message());
            assert!(err.message().contains(says), "{}", err.message());
            db.execute(&set, rusqlite::params![seq, saved]).unwrap();
            c.vault.list(&c.claimant, "C-1").unwrap();
        }
    }
}
