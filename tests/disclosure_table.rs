//! The disclosure rules of DESIGN.md, cell by cell: policy × category × actor × act
//! (consent, disclose, revoke, export, the last with and without the owner's consent
//! to `external`), and the membership acts: grant (to a later member of either party)
//! and remove or replace a member (the registrar only). Each cell asserts the answer and the state
//! after it: a refused act writes no statement and creates or removes no wrap.
//!
//! The expectations below restate DESIGN.md's rules directly; they do not call the
//! policy module, so a wrong rule there fails here.

mod fixture;

use fixture::{World, CASE};
use sealroom_engine::policy::{Category, Policy};
use sealroom_engine::vault::DepositSpec;
use sealroom_engine::{ErrorKind, Identity};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Actor {
    Owner,
    CoCounsel,
    OtherParty,
    Mediator,
    Registrar,
    Archivist,
    Custodian,
    Outsider,
}

const ACTORS: [Actor; 8] = [
    Actor::Owner,
    Actor::CoCounsel,
    Actor::OtherParty,
    Actor::Mediator,
    Actor::Registrar,
    Actor::Archivist,
    Actor::Custodian,
    Actor::Outsider,
];

/// A document kind: category and the confidential flag.
#[derive(Clone, Copy, Debug)]
struct Kind(Category, bool);

const KINDS: [Kind; 7] = [
    Kind(Category::Caucus, false),
    Kind(Category::Brief, false),
    Kind(Category::Brief, true),
    Kind(Category::Evidence, false),
    Kind(Category::Settlement, false),
    Kind(Category::Procedural, false),
    Kind(Category::MediatorNote, false),
];

/// An owned copy of the actor's identity (so the vault can be borrowed mutably).
fn who(w: &World, a: Actor) -> Identity {
    let id = match a {
        Actor::Owner => &w.claimant,
        Actor::CoCounsel => &w.co_counsel,
        Actor::OtherParty => &w.respondent,
        Actor::Mediator => &w.mediator,
        Actor::Registrar => &w.registrar,
        Actor::Archivist => &w.archivist,
        Actor::Custodian => &w.custodians[0],
        Actor::Outsider => &w.outsider,
    };
    let bytes = id.to_file_bytes(None).unwrap();
    Identity::from_file_bytes(&bytes, || unreachable!("no passphrase")).unwrap()
}

fn owner_member(a: Actor) -> bool {
    matches!(a, Actor::Owner | Actor::CoCounsel)
}

/// Party-owned documents are deposited by the claimant; mediator notes by the mediator.
fn deposit(w: &mut World, kind: Kind) -> u64 {
    let depositor = if kind.0 == Category::MediatorNote {
        &w.mediator
    } else {
        &w.claimant
    };
    let spec = DepositSpec::new("doc.txt")
        .category(kind.0)
        .title(format!("{kind:?}"))
        .confidential(kind.1);
    w.vault
        .deposit(depositor, CASE, spec, &b"the document"[..])
        .unwrap()
        .num
}

/// Who reads a document on deposit (DESIGN.md's category table).
fn reads_on_deposit(kind: Kind, a: Actor) -> bool {
    match kind.0 {
        Category::MediatorNote => a == Actor::Mediator,
        Category::Caucus | Category::Brief | Category::Evidence => {
            owner_member(a) || a == Actor::Mediator
        }
        Category::Settlement => {
            owner_member(a) || matches!(a, Actor::Mediator | Actor::OtherParty | Actor::Archivist)
        }
        Category::Procedural => !matches!(a, Actor::Custodian | Actor::Outsider),
        // The engine's categories may grow; this table must then grow with them.
        other => panic!("the category table has no row for {other:?}"),
    }
}

/// Whether a mediator needs the owner's consent to disclose (DESIGN.md: consent policy,
/// or caucus, or confidential; settlement and procedural are already shared).
fn needs_consent(policy: Policy, kind: Kind) -> bool {
    match kind.0 {
        Category::Settlement | Category::Procedural => false,
        Category::Caucus => true,
        _ => policy == Policy::Consent || kind.1,
    }
}

fn state(w: &World, num: u64) -> (usize, bool) {
    let statements = w.vault.statements(CASE).unwrap().len();
    let respondent_reads = w
        .vault
        .list(&w.respondent, CASE)
        .unwrap()
        .readable
        .iter()
        .any(|d| d.num == num);
    (statements, respondent_reads)
}

fn check<T>(cell: &str, res: sealroom_engine::Result<T>, allowed: bool) {
    match res {
        Ok(_) => assert!(allowed, "{cell}: allowed, should be refused"),
        Err(e) => {
            assert!(!allowed, "{cell}: refused ({e}), should be allowed");
            assert!(
                matches!(e.kind(), ErrorKind::Refused),
                "{cell}: refused with the wrong kind: {e:?}"
            );
        }
    }
}

fn world(policy: Policy) -> World {
    World::with_policy(1, 1, policy)
}

#[test]
fn consent_cells() {
    for policy in [Policy::Consent, Policy::Discretion] {
        for kind in KINDS {
            // A fresh case per kind keeps each listing short.
            let mut w = world(policy);
            for actor in ACTORS {
                let num = deposit(&mut w, kind);
                let cell = format!("{policy:?} × {kind:?} × {actor:?} × consent");
                let before = state(&w, num);
                let res = w.vault.consent(&who(&w, actor), CASE, num, "respondent");
                let allowed = owner_member(actor) && kind.0 != Category::MediatorNote;
                check(&cell, res, allowed);
                let after = state(&w, num);
                assert_eq!(
                    after.0,
                    before.0 + usize::from(allowed),
                    "{cell}: statements"
                );
                assert_eq!(
                    after.1, before.1,
                    "{cell}: consent alone must not give access"
                );
            }
        }
    }
}

#[test]
fn disclose_cells_without_and_with_consent() {
    for policy in [Policy::Consent, Policy::Discretion] {
        for kind in KINDS {
            // A fresh case per kind keeps each listing short.
            let mut w = world(policy);
            for actor in ACTORS {
                for with_consent in [false, true] {
                    if with_consent && kind.0 == Category::MediatorNote {
                        continue; // nobody can consent to a mediator note (consent_cells)
                    }
                    let num = deposit(&mut w, kind);
                    if with_consent {
                        w.vault
                            .consent(&w.claimant, CASE, num, "respondent")
                            .unwrap();
                    }
                    let cell = format!(
                        "{policy:?} × {kind:?} × {actor:?} × disclose (consent given: {with_consent})"
                    );
                    let before = state(&w, num);
                    let res = w.vault.disclose(&who(&w, actor), CASE, num, "respondent");
                    let allowed = kind.0 != Category::MediatorNote
                        && (owner_member(actor)
                            || (actor == Actor::Mediator
                                && (with_consent || !needs_consent(policy, kind))));
                    let already = reads_on_deposit(kind, Actor::OtherParty);
                    // When the respondent can already read it, a reader is told so
                    // (nothing changes) rather than refused for a basis it need not have.
                    let moot = already && reads_on_deposit(kind, actor);
                    check(&cell, res, allowed || moot);
                    let after = state(&w, num);
                    let wrote = allowed && !already;
                    assert_eq!(after.0, before.0 + usize::from(wrote), "{cell}: statements");
                    assert_eq!(after.1, already || allowed, "{cell}: respondent access");
                    if allowed {
                        let mut out = Vec::new();
                        w.vault.read(&w.respondent, CASE, num, &mut out).unwrap();
                        assert_eq!(out, b"the document", "{cell}: disclosed bytes");
                    }
                }
            }
        }
    }
}

#[test]
fn revoke_cells() {
    for policy in [Policy::Consent, Policy::Discretion] {
        for kind in KINDS {
            // A fresh case per kind keeps each listing short.
            let mut w = world(policy);
            for actor in ACTORS {
                for rekey in [false, true] {
                    let num = deposit(&mut w, kind);
                    if kind.0 != Category::MediatorNote {
                        w.vault
                            .disclose(&w.claimant, CASE, num, "respondent")
                            .unwrap();
                    }
                    let cell =
                        format!("{policy:?} × {kind:?} × {actor:?} × revoke (rekey {rekey})");
                    let before = state(&w, num);
                    let res = w
                        .vault
                        .revoke(&who(&w, actor), CASE, num, "respondent", rekey);
                    // Owner-party members and mediators may revoke; a mediator note
                    // gives the respondent nothing to revoke unless re-keyed anyway,
                    // and only a mediator can re-key it (nobody else reads it).
                    let may = owner_member(actor) || actor == Actor::Mediator;
                    let allowed = may
                        && match kind.0 {
                            Category::MediatorNote => rekey && actor == Actor::Mediator,
                            _ => !rekey || reads_on_deposit(kind, actor),
                        };
                    check(&cell, res, allowed);
                    let after = state(&w, num);
                    assert_eq!(
                        after.0,
                        before.0 + usize::from(allowed),
                        "{cell}: statements"
                    );
                    assert_eq!(after.1, before.1 && !allowed, "{cell}: respondent access");
                    // Whoever kept access still reads the current body.
                    let mut out = Vec::new();
                    w.vault.read(&w.mediator, CASE, num, &mut out).unwrap();
                    assert_eq!(out, b"the document", "{cell}: mediator lost the document");
                }
            }
        }
    }
}

#[test]
fn export_cells_without_and_with_consent() {
    let outside = age::x25519::Identity::generate();
    for policy in [Policy::Consent, Policy::Discretion] {
        for kind in KINDS {
            // A fresh case per kind keeps each listing short.
            let mut w = world(policy);
            for actor in ACTORS {
                for with_consent in [false, true] {
                    if with_consent && kind.0 == Category::MediatorNote {
                        continue; // nobody can consent to a mediator note
                    }
                    let num = deposit(&mut w, kind);
                    if with_consent {
                        w.vault.consent(&w.claimant, CASE, num, "external").unwrap();
                    }
                    let cell = format!(
                        "{policy:?} × {kind:?} × {actor:?} × export (consent to external: {with_consent})"
                    );
                    let before = state(&w, num);
                    let mut out = Vec::new();
                    let res = w.vault.export(
                        &who(&w, actor),
                        CASE,
                        num,
                        &outside.to_public().into(),
                        &mut out,
                    );
                    // Export is disclosure outside the case (DESIGN.md, issue 13): the
                    // owner party may; a mediator as for a disclosure (consent where one
                    // would be needed); a mediator note only by its author (the
                    // mediator who deposited it); nobody else.
                    let allowed = match kind.0 {
                        Category::MediatorNote => actor == Actor::Mediator,
                        _ => {
                            owner_member(actor)
                                || (actor == Actor::Mediator
                                    && (with_consent || !needs_consent(policy, kind)))
                        }
                    };
                    check(&cell, res, allowed);
                    let after = state(&w, num);
                    assert_eq!(
                        after.0,
                        before.0 + usize::from(allowed),
                        "{cell}: statements"
                    );
                    if allowed {
                        let plain =
                            sealroom_engine::internal::crypto::body::open_small(&out, &outside)
                                .unwrap()
                                .unwrap();
                        assert_eq!(plain.as_slice(), b"the document", "{cell}: export contents");
                    } else {
                        assert!(out.is_empty(), "{cell}: bytes released on refusal");
                    }
                }
            }
        }
    }
}

#[test]
fn a_consent_to_export_is_withdrawn_by_revoke_from_external() {
    let outside = age::x25519::Identity::generate();
    let mut w = world(Policy::Consent);
    let num = deposit(&mut w, Kind(Category::Caucus, false));
    w.vault.consent(&w.claimant, CASE, num, "external").unwrap();
    let revoked = w
        .vault
        .revoke(&w.claimant, CASE, num, "external", false)
        .unwrap();
    assert!(revoked.consent_withdrawn && revoked.removed.is_empty());
    let before = state(&w, num);
    let err = w
        .vault
        .export(
            &w.mediator,
            CASE,
            num,
            &outside.to_public().into(),
            &mut Vec::new(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(
        matches!(err.hint(), Some(sealroom_engine::Hint::Consent { to, .. }) if to == "external"),
        "{err:?}"
    );
    assert_eq!(state(&w, num), before);
    // "external" names no party: it cannot receive a disclosure, nor be a label.
    let err = w
        .vault
        .disclose(&w.claimant, CASE, num, "external")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
}

#[test]
fn grant_cells_to_a_later_member_of_each_party() {
    use sealroom_engine::policy::Role;
    for kind in KINDS {
        let mut w = world(Policy::Consent);
        for actor in ACTORS {
            for own_party in [true, false] {
                // The document first, then the newcomer: deposits before they joined
                // are not theirs until someone grants them.
                let num = deposit(&mut w, kind);
                let label = if own_party { "claimant" } else { "respondent" };
                let newcomer = Identity::generate(&format!("later {label} member")).unwrap();
                w.vault
                    .add_member(
                        &w.registrar,
                        CASE,
                        Role::Party(label.into()),
                        &newcomer.card(),
                    )
                    .unwrap();
                let cell = format!("{kind:?} × {actor:?} × grant to a later {label} member");
                assert!(
                    w.vault.read(&newcomer, CASE, num, &mut Vec::new()).is_err(),
                    "{cell}: the newcomer reads before any grant"
                );
                let before = w.vault.statements(CASE).unwrap().len();
                let res = w
                    .vault
                    .grant(&who(&w, actor), CASE, Some(&[num]), &newcomer.card());
                // Any current reader may grant what the newcomer is entitled to: their
                // own party's documents (not a mediator note), and what every party
                // reads (settlement, procedural).
                let entitled = match kind.0 {
                    Category::MediatorNote => false,
                    Category::Settlement | Category::Procedural => true,
                    _ => own_party,
                };
                let allowed = entitled && reads_on_deposit(kind, actor);
                check(&cell, res, allowed);
                let after = w.vault.statements(CASE).unwrap().len();
                assert_eq!(after, before + usize::from(allowed), "{cell}: statements");
                let reads = w.vault.read(&newcomer, CASE, num, &mut Vec::new()).is_ok();
                assert_eq!(reads, allowed, "{cell}: newcomer access");
            }
        }
    }
}

#[test]
fn only_the_registrar_removes_or_replaces_members() {
    use sealroom_engine::policy::Role;
    for actor in ACTORS {
        let mut w = world(Policy::Consent);
        let cell = format!("{actor:?} × remove-member / replace-member");
        let before = w.vault.statements(CASE).unwrap().len();
        let removed = w.vault.remove_member(
            &who(&w, actor),
            CASE,
            Role::Party("claimant".into()),
            &w.co_counsel.card(),
            false,
        );
        check(&cell, removed.map(|_| ()), actor == Actor::Registrar);
        let fresh = Identity::generate("Replacement").unwrap();
        let replaced =
            w.vault
                .replace_member(&who(&w, actor), CASE, &w.respondent.card(), &fresh.card());
        check(&cell, replaced.map(|_| ()), actor == Actor::Registrar);
        let after = w.vault.statements(CASE).unwrap().len();
        let expected = if actor == Actor::Registrar { 2 } else { 0 };
        // A replacement may add grants of what the registrar reads (none here).
        assert!(after >= before + expected, "{cell}: statements");
        if actor != Actor::Registrar {
            assert_eq!(after, before, "{cell}: a refusal wrote a statement");
        }
        w.vault.verify_log(CASE).unwrap();
    }
}
