//! Replay's rules, one forged statement at a time: a member (or a vault that holds
//! a member's key) signs an act the case's rules forbid, and replay must refuse it,
//! naming why; the honest acts beside them must replay and change the state as the
//! rules say. The statements are built in memory (replay checks signatures and rules,
//! not blobs), on a charter opened by a real vault.

use std::collections::BTreeSet;

use super::{replay, Replay, ESCROW};
use crate::case::charter::MemberRecord;
use crate::case::policy::{CaseState, Category, Policy, Role, EXTERNAL};
use crate::crypto::digest::hex;
use crate::error::ErrorKind;
use crate::identity::Identity;
use crate::log::statement::{
    Act, Deposit, Destroy, Disclosure, Grant, Rekey, Rekeying, Revocation, Seal, SignedStatement,
    Statement, VERSION,
};
use crate::vault::{CaseSpec, Vault};

/// Everyone in case C-1, and two people outside it.
struct People {
    registrar: Identity,
    mediator: Identity,
    claimant: Identity,
    claimant2: Identity,
    respondent: Identity,
    archivist: Identity,
    outsider: Identity,
    newcomer: Identity,
}

fn fpr(id: &Identity) -> String {
    id.fingerprint().to_hex()
}

fn set(ids: &[&Identity]) -> BTreeSet<String> {
    ids.iter().map(|i| fpr(i)).collect()
}

fn h(c: char) -> String {
    c.to_string().repeat(64)
}

/// Case C-1 (policy consent) opened by a real vault: two claimant members, one
/// respondent; its charter statement replayed.
fn opened() -> (Replay, People, SignedStatement) {
    let dir = tempfile::tempdir().unwrap();
    Vault::init(&dir.path().join("v")).unwrap();
    let mut vault = Vault::open(&dir.path().join("v")).unwrap();
    let [registrar, mediator, claimant, claimant2, respondent, archivist, outsider, newcomer] =
        ["R", "M", "C", "C2", "D", "A", "X", "N"].map(|n| Identity::generate(n).unwrap());
    vault
        .open_case(
            &registrar,
            CaseSpec {
                reference: "C-1".into(),
                title: None,
                policy: Policy::Consent,
                threshold: 1,
                mediators: vec![mediator.card()],
                parties: vec![
                    ("claimant".into(), claimant.card()),
                    ("claimant".into(), claimant2.card()),
                    ("respondent".into(), respondent.card()),
                ],
                archivist: archivist.card(),
                custodians: vec![],
            },
        )
        .unwrap();
    let log = vault.statements("C-1").unwrap();
    let r = replay("C-1", &log).unwrap();
    let people = People {
        registrar,
        mediator,
        claimant,
        claimant2,
        respondent,
        archivist,
        outsider,
        newcomer,
    };
    (r, people, log[0].clone())
}

/// `act` by `who` at the next position, naming the log before it.
fn signed(r: &Replay, who: &Identity, act: Act) -> SignedStatement {
    let statement = Statement {
        v: VERSION,
        case: r.reference.clone(),
        seq: r.len,
        at: "2026-12-01T10:00:00Z".into(),
        actor: fpr(who),
        head: Some(hex(&r.tree.root())),
        act,
    };
    SignedStatement::sign(&statement, who).unwrap()
}

/// Replays; returns the act's sequence number.
fn ok(r: &mut Replay, who: &Identity, act: Act) -> u64 {
    let seq = r.len;
    let s = signed(r, who, act.clone());
    r.push(&s)
        .unwrap_or_else(|e| panic!("{act:?} by {} refused: {}", who.name(), e.message()));
    seq
}

/// Must be refused, naming the entry and `says`; the replay is left as it was.
fn refused(r: &Replay, who: &Identity, act: Act, says: &str) {
    let mut copy = r.clone();
    let err = copy
        .push(&signed(r, who, act.clone()))
        .expect_err(&format!("{act:?} by {} was accepted", who.name()));
    assert_eq!(err.kind(), ErrorKind::Integrity, "{}", err.message());
    let entry = format!("entry {} of case C-1 is bad", r.len);
    assert!(
        err.message().contains(&entry) && err.message().contains(says),
        "{act:?} by {}: expected `{says}`, got: {}",
        who.name(),
        err.message()
    );
}

fn deposit(num: u64, owner: &str, category: Category, share: bool, readers: &[&Identity]) -> Act {
    Act::Deposit(Deposit {
        num,
        owner: owner.into(),
        category,
        confidential: false,
        share_with_all: share,
        encoding: "none".into(),
        blob_sha256: h('b'),
        blob_size: 100,
        meta_sha256: h('m'),
        commitment: h('c'),
        readers: readers.iter().map(|i| fpr(i)).collect(),
        wraps: vec![h('w'); readers.len()],
        escrow_wrap: category.escrowed().then(|| h('e')),
    })
}

fn rekey(readers: &[&Identity], escrow: bool) -> Rekey {
    Rekey {
        encoding: "zstd".into(),
        blob_sha256: h('n'),
        blob_size: 99,
        meta_sha256: h('o'),
        readers: readers.iter().map(|i| fpr(i)).collect(),
        wraps: vec![h('v'); readers.len()],
        escrow_wrap: escrow.then(|| h('f')),
    }
}

fn grant(num: u64, to: &Identity) -> Act {
    Act::Grant(Grant {
        num,
        to: fpr(to),
        wrap: h('g'),
    })
}

fn disclose(num: u64, to: &str, readers: &[&Identity], consent: Option<u64>) -> Act {
    Act::Disclose(Disclosure {
        num,
        to: to.into(),
        readers: readers.iter().map(|i| fpr(i)).collect(),
        wraps: vec![h('d'); readers.len()],
        consent,
    })
}

fn member(role: Role, who: &Identity) -> MemberRecord {
    MemberRecord::new(&role, &who.card())
}

fn party(label: &str) -> Role {
    Role::Party(label.into())
}

/// The case with the claimant's caucus #1 (readers: mediator, both claimants).
fn with_caucus() -> (Replay, People) {
    let (mut r, p, _) = opened();
    let act = deposit(
        1,
        "claimant",
        Category::Caucus,
        false,
        &[&p.mediator, &p.claimant, &p.claimant2],
    );
    ok(&mut r, &p.claimant, act);
    (r, p)
}

#[test]
fn the_charter_must_come_first_in_its_place_signed_by_its_registrar() {
    let (honest, p, first) = opened();
    let charter = first.statement().unwrap();
    let resigned = |f: &dyn Fn(&mut Statement), by: &Identity| {
        let mut s = charter.clone();
        f(&mut s);
        SignedStatement::sign(&s, by).unwrap()
    };
    let begin = |s: &SignedStatement| Replay::begin("C-1", s).map(|_| ()).unwrap_err();
    let cases: Vec<(&str, SignedStatement, &str)> = vec![
        (
            "at position 1",
            resigned(&|s| s.seq = 1, &p.registrar),
            "out of place",
        ),
        (
            "of another case",
            resigned(&|s| s.case = "C-2".into(), &p.registrar),
            "out of place",
        ),
        (
            "not a charter",
            resigned(&|s| s.act = Act::Close {}, &p.registrar),
            "does not start with the case's charter",
        ),
        (
            "signed by the mediator as actor",
            resigned(&|s| s.actor = fpr(&p.mediator), &p.mediator),
            "not signed by its registrar",
        ),
        (
            "the registrar as actor, signed by another",
            resigned(&|_| {}, &p.mediator),
            "not signed by its registrar",
        ),
        (
            "naming a head before the first entry",
            resigned(&|s| s.head = Some(h('0')), &p.registrar),
            "names a log head",
        ),
    ];
    for (what, s, says) in cases {
        let err = begin(&s);
        assert_eq!(err.kind(), ErrorKind::Integrity, "{what}");
        assert!(
            err.message().contains("entry 0 of case C-1 is bad") && err.message().contains(says),
            "{what}: {}",
            err.message()
        );
    }
    // The honest one, re-signed by its registrar, begins a replay.
    let r = Replay::begin("C-1", &resigned(&|_| {}, &p.registrar)).unwrap();
    assert_eq!((r.len, r.state), (1, CaseState::Open));
    assert_eq!(r.members, honest.members);
    assert_eq!(r.members.len(), 6);
    assert_eq!(replay("C-1", &[]).unwrap_err().kind(), ErrorKind::Integrity);
}

#[test]
fn a_statement_out_of_place_or_not_signed_by_a_member_is_refused() {
    let (r, p, first) = opened();
    let read = || Act::Close {};
    let at = |seq: u64, case: &str, actor: &Identity, by: &Identity| {
        let s = Statement {
            v: VERSION,
            case: case.into(),
            seq,
            at: "2026-12-01T10:00:00Z".into(),
            actor: fpr(actor),
            head: Some(hex(&r.tree.root())),
            act: read(),
        };
        SignedStatement::sign(&s, by).unwrap()
    };
    let push = |s: SignedStatement| r.clone().push(&s).unwrap_err().message().to_owned();
    assert!(push(at(2, "C-1", &p.mediator, &p.mediator)).contains("out of place"));
    assert!(push(at(1, "C-2", &p.mediator, &p.mediator)).contains("out of place"));
    assert!(push(at(1, "C-1", &p.outsider, &p.outsider)).contains("its signer is not a member"));
    assert!(push(at(1, "C-1", &p.mediator, &p.claimant)).contains("its signature does not verify"));
    // The honest form of the same statement is accepted: only the one change refused.
    r.clone()
        .push(&at(1, "C-1", &p.mediator, &p.mediator))
        .unwrap();
    refused(
        &r,
        &p.registrar,
        first.statement().unwrap().act,
        "a second charter",
    );
}

#[test]
fn deposits_must_name_their_place_owner_readers_and_wraps() {
    let (mut r, p, _) = opened();
    let (m, c, c2, d) = (&p.mediator, &p.claimant, &p.claimant2, &p.respondent);
    let caucus = |readers: &[&Identity]| deposit(1, "claimant", Category::Caucus, false, readers);
    refused(
        &r,
        c,
        deposit(2, "claimant", Category::Caucus, false, &[m, c, c2]),
        "out of sequence",
    );
    refused(&r, d, caucus(&[m, c, c2]), "it was not allowed");
    refused(
        &r,
        c,
        deposit(1, "mediators", Category::Caucus, false, &[m]),
        "its depositor could not deposit for that owner",
    );
    refused(
        &r,
        c,
        caucus(&[m, c]),
        "other readers than the category allows",
    );
    refused(
        &r,
        c,
        caucus(&[m, c, c2, d]),
        "other readers than the category allows",
    );
    let Act::Deposit(honest) = caucus(&[m, c, c2]) else {
        unreachable!()
    };
    let mut fewer_wraps = honest.clone();
    fewer_wraps.wraps.pop();
    refused(
        &r,
        c,
        Act::Deposit(fewer_wraps),
        "its wraps do not match its readers",
    );
    let mut no_escrow = honest.clone();
    no_escrow.escrow_wrap = None;
    refused(
        &r,
        c,
        Act::Deposit(no_escrow),
        "its wraps do not match its readers",
    );
    let mut note = match deposit(1, "mediators", Category::MediatorNote, false, &[m]) {
        Act::Deposit(d) => d,
        _ => unreachable!(),
    };
    note.escrow_wrap = Some(h('e'));
    refused(
        &r,
        m,
        Act::Deposit(note),
        "its wraps do not match its readers",
    );

    let seq = ok(&mut r, c, Act::Deposit(honest));
    let doc = &r.docs[&1];
    assert_eq!(doc.readers, set(&[m, c, c2]));
    assert_eq!(doc.wraps.len(), 4);
    assert_eq!(doc.wraps[ESCROW], h('e'));
    assert_eq!((doc.deposit_seq, doc.body_seq), (seq, seq));
    assert_eq!(doc.depositor, fpr(c));
    assert_eq!(doc.body.blob_sha256, h('b'));
    // Numbers continue from the last one; share-with-all reaches every party.
    refused(
        &r,
        c,
        deposit(1, "claimant", Category::Brief, true, &[m, c, c2, d]),
        "out of sequence",
    );
    ok(
        &mut r,
        c,
        deposit(2, "claimant", Category::Brief, true, &[m, c, c2, d]),
    );
    assert!(r.docs[&2].share_with_all);
    ok(
        &mut r,
        m,
        deposit(3, "mediators", Category::MediatorNote, false, &[m]),
    );
    assert!(!r.docs[&3].wraps.contains_key(ESCROW));
    ok(&mut r, m, Act::Close {});
    refused(
        &r,
        c,
        deposit(4, "claimant", Category::Caucus, false, &[m, c, c2]),
        "the case is closed",
    );
}

#[test]
fn reads_and_exports_need_access_and_a_basis() {
    let (mut r, p) = with_caucus();
    let (m, c, d) = (&p.mediator, &p.claimant, &p.respondent);
    let export = |num| Act::Export {
        num,
        recipient: "age1example".into(),
    };
    refused(
        &r,
        d,
        Act::Read { num: 1 },
        "its actor had no access to the document then",
    );
    refused(&r, c, Act::Read { num: 9 }, "never deposited");
    ok(&mut r, c, Act::Read { num: 1 });
    refused(&r, d, export(1), "its actor had no access");
    // The mediator reads a caucus document but exports it only with consent.
    refused(&r, m, export(1), "has not consented");
    ok(&mut r, c, export(1));
    ok(
        &mut r,
        c,
        Act::Consent {
            num: 1,
            to: EXTERNAL.into(),
        },
    );
    ok(&mut r, m, export(1));
    // A reader who is neither of the owner party nor a mediator exports nothing.
    let a = &p.archivist;
    ok(
        &mut r,
        c,
        deposit(
            2,
            "claimant",
            Category::Settlement,
            false,
            &[m, a, c, &p.claimant2, d],
        ),
    );
    refused(&r, d, export(2), "takes it out of the case");
    ok(&mut r, d, Act::Read { num: 2 });
    // A mediator-note leaves the case only by the mediator who wrote it.
    ok(
        &mut r,
        m,
        deposit(3, "mediators", Category::MediatorNote, false, &[m]),
    );
    ok(&mut r, m, export(3));
    ok(&mut r, m, Act::Close {});
    ok(&mut r, c, export(1));
    ok(&mut r, &p.archivist, seal("2030-01-01"));
    refused(&r, c, export(2), "the case is sealed");
}

fn seal(until: &str) -> Act {
    Act::Seal(Seal {
        retain_until: until.into(),
        contents_sha256: h('s'),
    })
}

#[test]
fn consents_and_disclosures_follow_the_owner_and_the_consent_in_force() {
    let (mut r, p) = with_caucus();
    let (m, c, d, n) = (&p.mediator, &p.claimant, &p.respondent, &p.newcomer);
    let consent = || Act::Consent {
        num: 1,
        to: "respondent".into(),
    };
    refused(
        &r,
        d,
        consent(),
        "only a member of the claimant party may consent",
    );
    refused(
        &r,
        c,
        Act::Consent {
            num: 1,
            to: "claimant".into(),
        },
        "concerns other parties",
    );
    refused(
        &r,
        c,
        Act::Consent {
            num: 7,
            to: "respondent".into(),
        },
        "never deposited",
    );
    // Without consent (a caucus document) the mediator may not disclose.
    refused(
        &r,
        m,
        disclose(1, "respondent", &[d], None),
        "has not consented",
    );
    let given = ok(&mut r, c, consent());
    assert_eq!(r.consents[&(1, "respondent".to_owned())], given);
    // A second consent keeps the first in force.
    ok(&mut r, &p.claimant2, consent());
    assert_eq!(r.consents[&(1, "respondent".to_owned())], given);
    refused(
        &r,
        m,
        disclose(1, "respondent", &[d], Some(given + 1)),
        "relies on a consent that is not in force",
    );
    refused(
        &r,
        m,
        disclose(1, "respondent", &[&p.claimant2], Some(given)),
        "someone outside the receiving party",
    );
    let Act::Disclose(mut short) = disclose(1, "respondent", &[d], Some(given)) else {
        unreachable!()
    };
    short.wraps.clear();
    refused(
        &r,
        m,
        Act::Disclose(short),
        "its wraps do not match its readers",
    );
    refused(
        &r,
        d,
        disclose(1, "respondent", &[d], Some(given)),
        "only a member of the claimant party or a mediator may disclose",
    );
    // An owner party member who cannot read it has nothing to pass on.
    ok(
        &mut r,
        &p.registrar,
        Act::AddMember {
            member: member(party("claimant"), n),
        },
    );
    refused(
        &r,
        n,
        disclose(1, "respondent", &[d], None),
        "could not read the document to pass it on",
    );
    ok(&mut r, m, disclose(1, "respondent", &[d], Some(given)));
    assert!(r.docs[&1].readers.contains(&fpr(d)));
    assert_eq!(r.docs[&1].wraps[&fpr(d)], h('d'));
    // Revoked: the respondent's wrap and the consent go; the old consent is spent.
    let revoke = Act::Revoke(Revocation {
        num: 1,
        from: "respondent".into(),
        removed: vec![fpr(d)],
        rekey: None,
    });
    refused(&r, d, revoke.clone(), "may revoke access to #1");
    ok(&mut r, c, revoke);
    assert!(!r.docs[&1].readers.contains(&fpr(d)));
    assert!(!r.docs[&1].wraps.contains_key(&fpr(d)));
    assert!(r.consents.is_empty());
    refused(
        &r,
        m,
        disclose(1, "respondent", &[d], Some(given)),
        "not in force",
    );
}

#[test]
fn a_revocation_that_rekeys_keeps_only_readers_who_had_access() {
    let (mut r, p) = with_caucus();
    let (m, c, c2, d, n) = (
        &p.mediator,
        &p.claimant,
        &p.claimant2,
        &p.respondent,
        &p.newcomer,
    );
    let given = ok(
        &mut r,
        c,
        Act::Consent {
            num: 1,
            to: "respondent".into(),
        },
    );
    ok(&mut r, m, disclose(1, "respondent", &[d], Some(given)));
    ok(
        &mut r,
        &p.registrar,
        Act::AddMember {
            member: member(party("claimant"), n),
        },
    );
    let revoke = |k: Rekey| {
        Act::Revoke(Revocation {
            num: 1,
            from: "respondent".into(),
            removed: vec![fpr(d)],
            rekey: Some(k),
        })
    };
    refused(
        &r,
        n,
        revoke(rekey(&[m, c, c2], true)),
        "re-keys a document its actor could not read",
    );
    refused(
        &r,
        c,
        revoke(rekey(&[m, c, c2, d], true)),
        "gives access to someone who had none",
    );
    refused(
        &r,
        c,
        revoke(rekey(&[m, c, n], true)),
        "gives access to someone who had none",
    );
    let mut k = rekey(&[m, c, c2], true);
    k.wraps.pop();
    refused(&r, c, revoke(k), "its wraps do not match its readers");
    refused(
        &r,
        c,
        revoke(rekey(&[m, c, c2], false)),
        "its wraps do not match its readers",
    );
    let seq = ok(&mut r, c, revoke(rekey(&[m, c], true)));
    let doc = &r.docs[&1];
    assert_eq!(doc.readers, set(&[m, c]));
    let wraps: BTreeSet<String> = doc.wraps.keys().cloned().collect();
    assert_eq!(wraps, BTreeSet::from([fpr(m), fpr(c), ESCROW.to_owned()]));
    assert_eq!(doc.wraps[ESCROW], h('f'));
    assert_eq!((doc.body.blob_sha256.clone(), doc.body_seq), (h('n'), seq));
    assert_eq!(doc.body.encoding, "zstd");
}

#[test]
fn grants_go_from_a_reader_to_an_entitled_member_who_lacks_the_document() {
    let (mut r, p) = with_caucus();
    let (m, c, c2, d, n) = (
        &p.mediator,
        &p.claimant,
        &p.claimant2,
        &p.respondent,
        &p.newcomer,
    );
    ok(
        &mut r,
        &p.registrar,
        Act::AddMember {
            member: member(party("claimant"), n),
        },
    );
    refused(
        &r,
        d,
        grant(1, n),
        "its actor could not read the document to pass it on",
    );
    refused(&r, c, grant(1, &p.outsider), "someone who is not a member");
    refused(&r, c, grant(1, c2), "someone who had it");
    refused(&r, c, grant(1, d), "the rules do not entitle");
    refused(&r, c, grant(4, n), "never deposited");
    ok(&mut r, c, grant(1, n));
    assert!(r.docs[&1].readers.contains(&fpr(n)));
    assert_eq!(r.docs[&1].wraps[&fpr(n)], h('g'));
    // Disclosed to the respondent party: a respondent member added later is entitled
    // because another member of that party reads it, not by the category table.
    let given = ok(
        &mut r,
        c,
        Act::Consent {
            num: 1,
            to: "respondent".into(),
        },
    );
    let late = &p.outsider;
    ok(&mut r, m, disclose(1, "respondent", &[d], Some(given)));
    ok(
        &mut r,
        &p.registrar,
        Act::AddMember {
            member: member(party("respondent"), late),
        },
    );
    assert!(r.entitled(1, &[party("respondent")], &fpr(late)).unwrap());
    // Their own reading is no such reason: only another member's.
    assert!(!r.entitled(1, &[party("respondent")], &fpr(d)).unwrap());
    ok(&mut r, d, grant(1, late));
    // Not live after sealing.
    ok(&mut r, m, Act::Close {});
    ok(&mut r, &p.archivist, seal("2030-01-01"));
    refused(&r, c, grant(1, c2), "the case is sealed");
}

#[test]
fn membership_changes_are_the_registrars_and_keep_every_role_filled() {
    let (mut r, p, _) = opened();
    let (reg, c, c2, d, n) = (
        &p.registrar,
        &p.claimant,
        &p.claimant2,
        &p.respondent,
        &p.newcomer,
    );
    let add = |role, who| Act::AddMember {
        member: member(role, who),
    };
    refused(
        &r,
        c,
        add(party("claimant"), n),
        "only the case's registrar may add members",
    );
    refused(
        &r,
        reg,
        add(Role::Archivist, n),
        "adds a role that can only be named in the charter",
    );
    refused(
        &r,
        reg,
        add(party("claimant"), d),
        "one identity belongs to at most one party",
    );
    let remove = |role, who| Act::RemoveMember {
        member: member(role, who),
    };
    refused(
        &r,
        reg,
        remove(party("respondent"), d),
        "removes the last member",
    );
    refused(
        &r,
        reg,
        remove(Role::Archivist, &p.archivist),
        "changes a role that only the charter names",
    );
    refused(
        &r,
        reg,
        remove(party("claimant"), &p.outsider),
        "not a member in that role",
    );
    refused(
        &r,
        reg,
        remove(party("respondent"), c2),
        "not a member in that role",
    );
    refused(
        &r,
        c,
        remove(party("claimant"), c2),
        "only the case's registrar may remove or replace",
    );
    let replace = |old: &Identity, role: Role, new: &Identity| Act::ReplaceMember {
        old: member(role.clone(), old),
        new: member(role, new),
    };
    refused(
        &r,
        reg,
        Act::ReplaceMember {
            old: member(party("claimant"), c2),
            new: member(party("respondent"), n),
        },
        "replaces a member by someone in another role",
    );
    refused(
        &r,
        reg,
        replace(c2, party("claimant"), c),
        "someone already in that role",
    );
    refused(
        &r,
        reg,
        replace(c2, party("claimant"), c2),
        "someone already in that role",
    );
    refused(
        &r,
        reg,
        replace(d, party("respondent"), &p.mediator),
        "cannot be both",
    );
    refused(
        &r,
        c,
        replace(c2, party("claimant"), n),
        "only the case's registrar",
    );

    let seq = ok(&mut r, reg, replace(c2, party("claimant"), n));
    assert_eq!(r.roles_of(&fpr(c2)), Vec::<Role>::new());
    assert_eq!(r.roles_of(&fpr(n)), vec![party("claimant")]);
    assert_eq!(r.member_seqs.last(), Some(&seq));
    assert_eq!(r.members.len(), r.member_seqs.len());
    let seq = ok(&mut r, reg, add(party("respondent"), c2));
    assert_eq!(r.member_seqs.last(), Some(&seq));
    ok(&mut r, reg, remove(party("respondent"), d));
    assert!(r.card_of(&fpr(d)).is_none());
    assert_eq!(r.members.len(), r.member_seqs.len());
    ok(&mut r, &p.mediator, Act::Close {});
    refused(
        &r,
        reg,
        add(party("claimant"), d),
        "its membership is fixed",
    );
    ok(&mut r, reg, replace(n, party("claimant"), d));
    ok(&mut r, &p.archivist, seal("2030-01-01"));
    refused(
        &r,
        reg,
        replace(d, party("claimant"), n),
        "the case is sealed",
    );
}

#[test]
fn a_rekey_drops_exactly_the_readers_who_left_and_rewraps_the_rest() {
    let (mut r, p) = with_caucus();
    let (m, c, c2, d) = (&p.mediator, &p.claimant, &p.claimant2, &p.respondent);
    ok(
        &mut r,
        &p.registrar,
        Act::RemoveMember {
            member: member(party("claimant"), c2),
        },
    );
    let rekeying = |dropped: &[&Identity], k: Rekey| {
        Act::Rekey(Rekeying {
            num: 1,
            dropped: dropped.iter().map(|i| fpr(i)).collect(),
            rekey: k,
        })
    };
    refused(
        &r,
        d,
        rekeying(&[c2], rekey(&[m, c], true)),
        "re-keys a document its actor could not read",
    );
    refused(
        &r,
        c,
        rekeying(&[], rekey(&[m, c], true)),
        "its readers are not the document's readers who are still members",
    );
    refused(
        &r,
        c,
        rekeying(&[c2], rekey(&[m], true)),
        "its readers are not",
    );
    refused(
        &r,
        c,
        rekeying(&[c2], rekey(&[m, c, c2], true)),
        "its readers are not",
    );
    let mut k = rekey(&[m, c], true);
    k.wraps.push(h('x'));
    refused(
        &r,
        c,
        rekeying(&[c2], k),
        "its wraps do not match its readers",
    );
    refused(
        &r,
        c,
        rekeying(&[c2], rekey(&[m, c], false)),
        "its wraps do not match its readers",
    );
    refused(
        &r,
        c,
        Act::Rekey(Rekeying {
            num: 5,
            dropped: vec![],
            rekey: rekey(&[m, c], true),
        }),
        "never deposited",
    );
    let seq = ok(&mut r, c, rekeying(&[c2], rekey(&[m, c], true)));
    let doc = &r.docs[&1];
    assert_eq!(doc.readers, set(&[m, c]));
    assert_eq!(doc.wraps.len(), 3);
    assert_eq!(doc.wraps[ESCROW], h('f'));
    assert_eq!(doc.wraps[&fpr(c)], h('v'));
    assert_eq!(
        (
            doc.body.blob_sha256.clone(),
            doc.body.blob_size,
            doc.body_seq
        ),
        (h('n'), 99, seq)
    );
    assert_eq!(doc.body.meta_sha256, h('o'));
    ok(&mut r, m, Act::Close {});
    ok(&mut r, &p.archivist, seal("2030-01-01"));
    refused(&r, c, rekeying(&[], rekey(&[], true)), "the case is sealed");
}

#[test]
fn closing_sealing_and_destroying_follow_the_lifecycle() {
    let (mut r, p) = with_caucus();
    let (m, c, c2, d, a) = (
        &p.mediator,
        &p.claimant,
        &p.claimant2,
        &p.respondent,
        &p.archivist,
    );
    ok(
        &mut r,
        c,
        deposit(
            2,
            "claimant",
            Category::Settlement,
            false,
            &[m, a, c, c2, d],
        ),
    );
    let given = ok(
        &mut r,
        c,
        Act::Consent {
            num: 1,
            to: "respondent".into(),
        },
    );
    let destroy = || {
        Act::Destroy(Destroy {
            manifest_sha256: h('z'),
            retain_until: "2030-01-01".into(),
        })
    };
    refused(
        &r,
        c,
        Act::Close {},
        "only a mediator or the registrar may close",
    );
    refused(&r, a, seal("2030-01-01"), "the case is still open");
    refused(&r, a, destroy(), "only a sealed case can be destroyed");
    ok(&mut r, &p.registrar, Act::Close {});
    assert_eq!(r.state, CaseState::Closed);
    refused(&r, m, Act::Close {}, "the case is already closed");
    refused(
        &r,
        m,
        seal("2030-01-01"),
        "only the case's archivist may seal it",
    );
    let mut bad_date = r.clone();
    let err = bad_date
        .push(&signed(&r, a, seal("2030-13-45")))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{}", err.message());
    assert!(err
        .message()
        .contains(&format!("entry {} of case C-1 is bad", r.len)));
    let wraps_before = r.docs[&1].wraps.clone();
    assert_eq!(r.consents[&(1, "respondent".to_owned())], given);
    ok(&mut r, a, seal("2030-01-01"));
    assert_eq!(r.state, CaseState::Sealed);
    // Live access ends: the caucus is in escrow only; the settlement stays with the
    // parties and the archivist (not the mediator); consents are spent.
    assert!(r.docs[&1].readers.is_empty() && r.docs[&1].wraps.is_empty());
    assert_eq!(r.docs[&1].sealed_wraps, wraps_before);
    assert!(!r.docs[&1].live_in(r.state));
    assert_eq!(r.docs[&2].readers, set(&[a, c, c2, d]));
    assert!(!r.docs[&2].wraps.contains_key(&fpr(m)));
    assert!(!r.docs[&2].wraps.contains_key(ESCROW));
    assert!(r.docs[&2].sealed_wraps.contains_key(ESCROW));
    assert!(r.docs[&2].live_in(r.state));
    assert!(r.consents.is_empty());
    refused(&r, a, seal("2030-01-01"), "the case is already sealed");
    refused(&r, c, destroy(), "only the archivist may destroy");
    ok(&mut r, a, destroy());
    assert_eq!(r.state, CaseState::Destroyed);
    refused(&r, a, destroy(), "only a sealed case can be destroyed");
}
