//! The conformance checks every records backend must pass (the contract in
//! [`super`]): run on SQLite by its tests, and to be run on every other backend by
//! theirs. Each check says which promise it tests; the first broken one is returned as
//! a sentence.
//!
//! The checks open the backend several times through `open` (each call a new handle on
//! the same, initially empty, storage), because the promises that matter most are
//! between handles: another process's writer must wait for the case's lock, must see
//! what was committed before it, and must never see what was not.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{
    BodyRow, CaseKey, CaseRow, CheckpointRow, ConsentRow, DocumentRow, MemberRow, RecordStore,
    Records, RecordsTx, RefusalRow, ShareRow, StatementRow, WrapRow,
};
use crate::error::{Error, Result as EngineResult};

type Check = Result<(), String>;

/// Opens a new handle on the storage under test.
pub type Open<'a> = &'a dyn Fn() -> EngineResult<Box<dyn RecordStore>>;

fn fail(what: &str) -> Check {
    Err(format!("records contract: {what}"))
}

fn err(what: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("records contract: {what}: {}", e.message())
}

/// Every byte value, so that nothing is stored as text or trimmed.
fn all_bytes(salt: u8) -> Vec<u8> {
    (0..=255u8).map(|b| b ^ salt).chain([0, 0, b'\n']).collect()
}

fn case_row(reference: &str) -> CaseRow {
    CaseRow {
        reference: reference.to_owned(),
        title: Some("Ünïcode title, with a\nnewline".to_owned()),
        policy: "consent".to_owned(),
        state: "open".to_owned(),
        threshold: 2,
        escrow_recipient: "age1escrow".to_owned(),
        opened_at: "2026-11-30T12:00:00Z".to_owned(),
    }
}

fn member(role: &str, label: &str, fingerprint: &str, added_seq: u64) -> MemberRow {
    MemberRow {
        role: role.to_owned(),
        label: label.to_owned(),
        fingerprint: fingerprint.to_owned(),
        name: format!("{role} {fingerprint}"),
        recipient: format!("age1{fingerprint}"),
        verifying_key: format!("key-{fingerprint}"),
        added_seq,
    }
}

fn statement(seq: u64) -> StatementRow {
    StatementRow {
        seq,
        act: "deposit".to_owned(),
        actor: "aa".repeat(32),
        at: format!("2026-11-30T12:00:{seq:02}Z"),
        body: all_bytes(seq as u8),
        signature: all_bytes(0x5a),
        leaf_hash: vec![seq as u8; 32],
    }
}

fn checkpoint(size: u64) -> CheckpointRow {
    CheckpointRow {
        size,
        root: vec![size as u8 ^ 0xff; 32],
        note: format!("sealroom.example/C\n{size}\nroot\n\n— vault sig\n"),
    }
}

fn document(num: u64) -> DocumentRow {
    DocumentRow {
        num,
        owner: "party:claimant".to_owned(),
        category: "caucus".to_owned(),
        confidential: num.is_multiple_of(2),
        depositor: "bb".repeat(32),
        encoding: "zstd".to_owned(),
        blob: format!("{:064x}", num),
        blob_size: 1 << 40,
        meta: all_bytes(num as u8),
        deposited_at: "2026-11-30T12:01:00Z".to_owned(),
        statement_seq: num,
        body_seq: num,
        body_state: "live".to_owned(),
    }
}

fn wrap(num: u64, reader: &str) -> WrapRow {
    WrapRow {
        num,
        reader: reader.to_owned(),
        wrap: all_bytes(reader.len() as u8),
        grant_seq: num,
    }
}

/// Open a case and fill it with one of every row, in one committed transaction.
fn fill(store: &dyn RecordStore, reference: &str) -> Result<CaseKey, String> {
    let tx = store.write(reference).map_err(err("write"))?;
    let case = tx
        .insert_case(&case_row(reference))
        .map_err(err("insert_case"))?;
    // Inserted out of order: members come back by added_seq, then as inserted.
    for m in [
        member("party", "respondent", "f2", 3),
        member("mediator", "", "f9", 0),
        member("party", "claimant", "f1", 0),
    ] {
        tx.insert_member(case, &m).map_err(err("insert_member"))?;
    }
    for seq in 0..4 {
        tx.insert_statement(case, &statement(seq))
            .map_err(err("insert_statement"))?;
        tx.insert_checkpoint(case, &checkpoint(seq + 1))
            .map_err(err("insert_checkpoint"))?;
    }
    for num in [2, 1] {
        tx.insert_document(case, &document(num))
            .map_err(err("insert_document"))?;
        for reader in ["escrow", "f1", "f9"] {
            tx.insert_wrap(case, &wrap(num, reader))
                .map_err(err("insert_wrap"))?;
        }
    }
    for (num, to) in [(2, "respondent"), (1, "respondent"), (1, "co-counsel")] {
        tx.insert_consent(
            case,
            &ConsentRow {
                num,
                to_label: to.to_owned(),
                seq: 3,
            },
        )
        .map_err(err("insert_consent"))?;
    }
    for custodian in ["c2", "c1"] {
        tx.insert_escrow_share(
            case,
            &ShareRow {
                custodian: custodian.to_owned(),
                share: all_bytes(7),
            },
        )
        .map_err(err("insert_escrow_share"))?;
    }
    for seq in 0..2 {
        tx.insert_refusal(
            case,
            &RefusalRow {
                seq,
                record: format!("{{\"seq\":{seq}}}"),
                signature: all_bytes(seq as u8),
            },
        )
        .map_err(err("insert_refusal"))?;
    }
    tx.commit().map_err(err("commit"))?;
    Ok(case)
}

/// What [`fill`] wrote reads back byte for byte and in the promised order.
fn check_filled(db: &dyn Records, reference: &str) -> Check {
    let Some((case, row)) = db.case(reference).map_err(err("case"))? else {
        return fail("a committed case must be found by its reference");
    };
    if row != case_row(reference) {
        return fail("a case must read back as written");
    }
    let roles: Vec<_> = db
        .members(case)
        .map_err(err("members"))?
        .into_iter()
        .map(|m| m.fingerprint)
        .collect();
    if roles != ["f9", "f1", "f2"] {
        return fail("members must come by added_seq, then in the order inserted");
    }
    if db.members(case).map_err(err("members"))?[0] != member("mediator", "", "f9", 0) {
        return fail("a member must read back as written");
    }
    let leaves = db.leaf_hashes(case).map_err(err("leaf_hashes"))?;
    if leaves != (0..4).map(|s| (s, vec![s as u8; 32])).collect::<Vec<_>>() {
        return fail("leaf hashes must come by position, as written");
    }
    let mut seen = Vec::new();
    db.statements(case, 2, &mut |s| {
        seen.push(s);
        Ok(())
    })
    .map_err(err("statements"))?;
    if seen != [statement(2), statement(3)] {
        return fail(
            "statements from a position must be exactly those, by position, byte for byte",
        );
    }
    // An error from the callback ends the walk and is returned.
    let mut calls = 0;
    let stopped = db.statements(case, 0, &mut |_| {
        calls += 1;
        Err(Error::io("stop"))
    });
    if stopped.is_ok() || calls != 1 {
        return fail("an error from the statements callback must end the walk and be returned");
    }
    if db.checkpoint(case, 3).map_err(err("checkpoint"))? != Some(checkpoint(3))
        || db.checkpoint(case, 9).map_err(err("checkpoint"))?.is_some()
    {
        return fail("a checkpoint must be found by its size, byte for byte");
    }
    if db.latest_checkpoint(case).map_err(err("latest"))? != Some(checkpoint(4)) {
        return fail("the latest checkpoint is the one of the largest size");
    }
    if db.checkpoints(case).map_err(err("checkpoints"))?
        != (1..=4).map(checkpoint).collect::<Vec<_>>()
    {
        return fail("checkpoints must come by size");
    }
    if db.document(case, 2).map_err(err("document"))? != Some(document(2))
        || db.document(case, 3).map_err(err("document"))?.is_some()
    {
        return fail("a document must read back as written (and a missing one as none)");
    }
    if db.documents(case).map_err(err("documents"))? != [document(1), document(2)] {
        return fail("documents must come by number");
    }
    let wraps = db.wraps(case).map_err(err("wraps"))?;
    let order: Vec<_> = wraps.iter().map(|w| (w.num, w.reader.as_str())).collect();
    if order
        != [
            (1, "escrow"),
            (1, "f1"),
            (1, "f9"),
            (2, "escrow"),
            (2, "f1"),
            (2, "f9"),
        ]
        || wraps[4] != wrap(2, "f1")
    {
        return fail("wraps must come by number, then reader, byte for byte");
    }
    if db.document_wraps(case, 2).map_err(err("document_wraps"))? != wraps[3..] {
        return fail("a document's wraps must come by reader");
    }
    if db.wrap(case, 1, "f9").map_err(err("wrap"))? != Some(wrap(1, "f9"))
        || db.wrap(case, 1, "f3").map_err(err("wrap"))?.is_some()
    {
        return fail("a wrap must be found by document and reader");
    }
    if db.reader_wraps(case, "f1").map_err(err("reader_wraps"))? != [wrap(1, "f1"), wrap(2, "f1")] {
        return fail("a reader's wraps must come by number");
    }
    let consents: Vec<_> = db
        .consents(case)
        .map_err(err("consents"))?
        .into_iter()
        .map(|c| (c.num, c.to_label))
        .collect();
    if consents
        != [
            (1, "co-counsel".to_owned()),
            (1, "respondent".to_owned()),
            (2, "respondent".to_owned()),
        ]
    {
        return fail("consents must come by number, then label");
    }
    if db
        .document_consents(case, 1)
        .map_err(err("document_consents"))?
        .len()
        != 2
    {
        return fail("a document's consents must be all of its own");
    }
    let shares = db.escrow_shares(case).map_err(err("escrow_shares"))?;
    if shares
        .iter()
        .map(|s| s.custodian.as_str())
        .collect::<Vec<_>>()
        != ["c1", "c2"]
        || shares[0].share != all_bytes(7)
    {
        return fail("escrow shares must come by custodian, byte for byte");
    }
    if db
        .escrow_share(case, "c2")
        .map_err(err("escrow_share"))?
        .is_none()
        || db
            .escrow_share(case, "c3")
            .map_err(err("escrow_share"))?
            .is_some()
    {
        return fail("an escrow share must be found by its custodian");
    }
    let refusals = db.refusals(case).map_err(err("refusals"))?;
    if refusals.len() != 2
        || refusals[1].signature != all_bytes(1)
        || db
            .last_refusal(case)
            .map_err(err("last_refusal"))?
            .map(|r| r.seq)
            != Some(1)
    {
        return fail("refusals must come by position, and the last be the largest");
    }
    let bodies = db.bodies().map_err(err("bodies"))?;
    if !bodies
        .iter()
        .any(|b| b.reference == reference && b.num == 2 && b.blob == document(2).blob)
    {
        return fail("bodies must name the blob of every document");
    }
    Ok(())
}

/// Each key is unique: a second row with a taken key fails.
fn check_unique_keys(store: &dyn RecordStore, reference: &str, case: CaseKey) -> Check {
    type Insert = Box<dyn Fn(&dyn RecordsTx) -> EngineResult<()>>;
    let reference_owned = reference.to_owned();
    let duplicates: Vec<(&str, Insert)> = vec![
        (
            "a case reference",
            Box::new(move |tx| tx.insert_case(&case_row(&reference_owned)).map(|_| ())),
        ),
        (
            "a statement position",
            Box::new(move |tx| tx.insert_statement(case, &statement(1))),
        ),
        (
            "a checkpoint size",
            Box::new(move |tx| tx.insert_checkpoint(case, &checkpoint(2))),
        ),
        (
            "a document number",
            Box::new(move |tx| tx.insert_document(case, &document(1))),
        ),
        (
            "a wrap per document and reader",
            Box::new(move |tx| tx.insert_wrap(case, &wrap(1, "f1"))),
        ),
        (
            "a consent per document and label",
            Box::new(move |tx| {
                tx.insert_consent(
                    case,
                    &ConsentRow {
                        num: 2,
                        to_label: "respondent".to_owned(),
                        seq: 3,
                    },
                )
            }),
        ),
        (
            "an escrow share per custodian",
            Box::new(move |tx| {
                tx.insert_escrow_share(
                    case,
                    &ShareRow {
                        custodian: "c1".to_owned(),
                        share: vec![1],
                    },
                )
            }),
        ),
        (
            "a refusal position",
            Box::new(move |tx| {
                tx.insert_refusal(
                    case,
                    &RefusalRow {
                        seq: 0,
                        record: "{}".to_owned(),
                        signature: vec![],
                    },
                )
            }),
        ),
        (
            "a member per role, label and fingerprint",
            Box::new(move |tx| tx.insert_member(case, &member("party", "claimant", "f1", 5))),
        ),
    ];
    for (key, insert) in duplicates {
        let tx = store.write(reference).map_err(err("write"))?;
        if insert(&*tx).is_ok() {
            return fail(&format!(
                "inserting a row with a taken key ({key}) must fail"
            ));
        }
    }
    Ok(())
}

/// The changing writes do what they say, and only to the rows named.
fn check_changes(store: &dyn RecordStore, reference: &str, case: CaseKey) -> Check {
    let tx = store.write(reference).map_err(err("write"))?;
    tx.set_case_state(case, "closed")
        .map_err(err("set_case_state"))?;
    tx.delete_member(case, "party", "respondent", "f2")
        .map_err(err("delete_member"))?;
    let body = BodyRow {
        encoding: "raw".to_owned(),
        blob: "e".repeat(64),
        blob_size: 9,
        meta: all_bytes(3),
        body_seq: 3,
    };
    tx.replace_body(case, 1, &body)
        .map_err(err("replace_body"))?;
    tx.retire_body(case, 2, "archived")
        .map_err(err("retire_body"))?;
    tx.delete_wrap(case, 1, "f9").map_err(err("delete_wrap"))?;
    tx.delete_wrap(case, 1, "nobody")
        .map_err(err("delete_wrap of a missing wrap"))?;
    tx.delete_document_wraps(case, 2)
        .map_err(err("delete_document_wraps"))?;
    tx.delete_consent(case, 1, "respondent")
        .map_err(err("delete_consent"))?;
    tx.commit().map_err(err("commit"))?;

    let db = store.now();
    let state = db
        .case(reference)
        .map_err(err("case"))?
        .map(|(_, row)| row.state);
    if state.as_deref() != Some("closed") {
        return fail("set_case_state must change the state");
    }
    if db.members(case).map_err(err("members"))?.len() != 2 {
        return fail("delete_member must delete exactly that member");
    }
    let one = db.document(case, 1).map_err(err("document"))?;
    if one
        .as_ref()
        .map(|d| (&d.encoding, &d.blob, d.blob_size, &d.meta, d.body_seq))
        != Some((
            &body.encoding,
            &body.blob,
            body.blob_size,
            &body.meta,
            body.body_seq,
        ))
        || one.map(|d| d.statement_seq) != Some(1)
    {
        return fail("replace_body must change the body's columns and nothing else");
    }
    let two = db.document(case, 2).map_err(err("document"))?;
    if two
        .as_ref()
        .map(|d| (d.body_state.as_str(), d.meta.is_empty()))
        != Some(("archived", true))
    {
        return fail("retire_body must set the body state and drop the metadata");
    }
    let readers: Vec<_> = db
        .wraps(case)
        .map_err(err("wraps"))?
        .into_iter()
        .map(|w| (w.num, w.reader))
        .collect();
    if readers != [(1, "escrow".to_owned()), (1, "f1".to_owned())] {
        return fail("delete_wrap and delete_document_wraps must delete exactly those wraps");
    }
    if db.consents(case).map_err(err("consents"))?.len() != 2 {
        return fail("delete_consent must delete exactly that consent");
    }

    let tx = store.write(reference).map_err(err("write"))?;
    tx.delete_consents(case).map_err(err("delete_consents"))?;
    tx.delete_escrow_shares(case)
        .map_err(err("delete_escrow_shares"))?;
    tx.commit().map_err(err("commit"))?;
    if !store
        .now()
        .consents(case)
        .map_err(err("consents"))?
        .is_empty()
        || !store
            .now()
            .escrow_shares(case)
            .map_err(err("shares"))?
            .is_empty()
    {
        return fail("delete_consents and delete_escrow_shares must delete every one of the case");
    }
    Ok(())
}

/// Run every check. `open` opens a new handle on one empty storage each time it is
/// called (the first call may create it). `Ok` when the backend keeps the contract.
pub fn run(open: Open<'_>) -> Check {
    let a = open().map_err(err("open"))?;
    if a.now().meta("no such fact").map_err(err("meta"))?.is_some() {
        return fail("a fact never recorded must be none");
    }
    if !a
        .now()
        .case_references()
        .map_err(err("case_references"))?
        .is_empty()
    {
        return fail("the storage under test must start empty");
    }

    // All or nothing: a dropped transaction leaves no trace.
    {
        let tx = a.write("DROPPED").map_err(err("write"))?;
        tx.insert_case(&case_row("DROPPED"))
            .map_err(err("insert_case"))?;
        drop(tx);
    }
    if a.now().case("DROPPED").map_err(err("case"))?.is_some() {
        return fail("a transaction dropped without commit must leave nothing");
    }

    let case = fill(&*a, "C-1")?;
    check_filled(a.now(), "C-1")?;
    // Durable and visible to every handle once committed.
    let b = open().map_err(err("open a second handle"))?;
    check_filled(b.now(), "C-1")?;
    check_unique_keys(&*a, "C-1", case)?;
    check_filled(a.now(), "C-1")?;

    // A transaction's own writes are visible to it, and to no one else before commit.
    {
        let tx = a.write("C-2").map_err(err("write"))?;
        let key = tx
            .insert_case(&case_row("C-2"))
            .map_err(err("insert_case"))?;
        tx.insert_statement(key, &statement(0))
            .map_err(err("insert_statement"))?;
        if tx.case("C-2").map_err(err("case"))?.is_none()
            || tx.leaf_hashes(key).map_err(err("leaf_hashes"))?.len() != 1
        {
            return fail("a transaction must read its own writes");
        }
        if b.now().case("C-2").map_err(err("case"))?.is_some() {
            return fail("another handle must not see a write before its commit");
        }
        tx.commit().map_err(err("commit"))?;
    }
    if b.now().case("C-2").map_err(err("case"))?.is_none() {
        return fail("another handle must see a write once it is committed");
    }

    // A snapshot keeps answering from one state.
    {
        let snapshot = b.snapshot().map_err(err("snapshot"))?;
        let before = snapshot.case_references().map_err(err("case_references"))?;
        fill(&*a, "C-3")?;
        if snapshot.case_references().map_err(err("case_references"))? != before {
            return fail("a snapshot must not see what was committed after it began");
        }
        drop(snapshot);
        if b.now().case("C-3").map_err(err("case"))?.is_none() {
            return fail("the latest view must see every commit");
        }
    }

    // One writer per case: a second handle's writer waits for the first to finish,
    // and then sees what it committed.
    check_exclusive(&*a, open)?;
    check_changes(&*a, "C-1", case)?;
    if b.now().case_references().map_err(err("case_references"))? != ["C-1", "C-2", "C-3", "C-4"] {
        return fail("case references must come in the order the cases were opened");
    }
    Ok(())
}

/// A writer of case C-4 on another handle waits until the first writer commits, and
/// then reads the case that writer made.
fn check_exclusive(a: &dyn RecordStore, open: Open<'_>) -> Check {
    let b = open().map_err(err("open a second handle"))?;
    let tx = a.write("C-4").map_err(err("write"))?;
    tx.insert_case(&case_row("C-4"))
        .map_err(err("insert_case"))?;
    let committing = AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let flag = &committing;
        let waiter = scope.spawn(move || -> Result<(bool, bool), String> {
            let tx = b.write("C-4").map_err(err("second writer"))?;
            let waited = flag.load(Ordering::SeqCst);
            let found = tx.case("C-4").map_err(err("case"))?.is_some();
            Ok((waited, found))
        });
        // Long enough for a writer that does not wait to get through.
        std::thread::sleep(Duration::from_millis(300));
        committing.store(true, Ordering::SeqCst);
        let committed = tx.commit().map_err(err("commit"));
        let seen = waiter
            .join()
            .map_err(|_| "records contract: the second writer panicked".to_owned())?;
        committed?;
        seen
    })?;
    match seen {
        (false, _) => fail("a second writer of a case must wait until the first commits"),
        (true, false) => fail("a writer must see what the case's previous writer committed"),
        (true, true) => Ok(()),
    }
}
