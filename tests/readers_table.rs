//! The category table of DESIGN.md, cell by cell: for every category and every role,
//! who can read a document right after it is deposited.

mod fixture;

use fixture::{spec, World, CASE};
use sealroom_engine::policy::Category;
use sealroom_engine::ErrorKind;

/// Roles in column order.
const ROLES: [&str; 8] = [
    "registrar",
    "mediator",
    "claimant",
    "co-counsel",
    "respondent",
    "archivist",
    "custodian",
    "outsider",
];

/// (category, share_with_all, depositor, readable by each role in `ROLES` order)
const TABLE: [(Category, bool, &str, [bool; 8]); 8] = [
    (
        Category::Caucus,
        false,
        "claimant",
        [false, true, true, true, false, false, false, false],
    ),
    (
        Category::Brief,
        false,
        "claimant",
        [false, true, true, true, false, false, false, false],
    ),
    (
        Category::Brief,
        true,
        "claimant",
        [false, true, true, true, true, false, false, false],
    ),
    (
        Category::Evidence,
        false,
        "claimant",
        [false, true, true, true, false, false, false, false],
    ),
    (
        Category::Evidence,
        true,
        "claimant",
        [false, true, true, true, true, false, false, false],
    ),
    (
        Category::Settlement,
        false,
        "claimant",
        [false, true, true, true, true, true, false, false],
    ),
    (
        Category::Procedural,
        false,
        "claimant",
        [true, true, true, true, true, true, false, false],
    ),
    (
        Category::MediatorNote,
        false,
        "mediator",
        [false, true, false, false, false, false, false, false],
    ),
];

#[test]
fn who_can_read_each_category_on_deposit() {
    let mut w = World::new(1, 1);
    for (row, (category, share_with_all, depositor, expected)) in TABLE.iter().enumerate() {
        let content = format!("row {row}: {category} document").into_bytes();
        let mut s = spec(*category, &format!("row {row}"));
        s.share_with_all = *share_with_all;
        let depositor = match *depositor {
            "claimant" => &w.claimant,
            _ => &w.mediator,
        };
        let deposited = w.vault.deposit(depositor, CASE, s, &content[..]).unwrap();
        for (col, role) in ROLES.iter().enumerate() {
            let who = match *role {
                "registrar" => &w.registrar,
                "mediator" => &w.mediator,
                "claimant" => &w.claimant,
                "co-counsel" => &w.co_counsel,
                "respondent" => &w.respondent,
                "archivist" => &w.archivist,
                "custodian" => &w.custodians[0],
                _ => &w.outsider,
            };
            let mut out = Vec::new();
            let res = w.vault.read(who, CASE, deposited.num, &mut out);
            let cell = format!("{category} (share_with_all={share_with_all}) × {role}");
            if expected[col] {
                res.unwrap_or_else(|e| panic!("{cell}: should read, got: {e}"));
                assert_eq!(out, content, "{cell}: wrong bytes");
            } else {
                let err = res
                    .err()
                    .unwrap_or_else(|| panic!("{cell}: should be refused"));
                assert_eq!(err.kind(), ErrorKind::Refused, "{cell}: {err}");
                assert!(out.is_empty(), "{cell}: bytes were released on refusal");
            }
            // The listing agrees with read.
            if *role != "outsider" {
                let listing = w.vault.list(who, CASE).unwrap();
                assert_eq!(
                    listing.readable.iter().any(|d| d.num == deposited.num),
                    expected[col],
                    "{cell}: list disagrees with read"
                );
            }
        }
    }
}

#[test]
fn refusals_name_who_can_read() {
    let mut w = World::new(0, 1);
    let d = w
        .vault
        .deposit(
            &w.claimant,
            CASE,
            spec(Category::Caucus, "bottom line"),
            &b"x"[..],
        )
        .unwrap();
    let err = w
        .vault
        .read(&w.respondent, CASE, d.num, &mut Vec::new())
        .unwrap_err();
    assert!(err.message().contains("the claimant party"), "{err}");
    assert!(err.message().contains("the mediators"), "{err}");
    assert!(
        !err.message().contains("bottom line"),
        "the title leaked: {err}"
    );
}

#[test]
fn deposit_rights_by_role() {
    let mut w = World::new(1, 1);
    let cases: [(&str, Category, bool); 11] = [
        ("mediator", Category::MediatorNote, true),
        ("mediator", Category::Procedural, true),
        // The mediator tables draft settlement terms to every party.
        ("mediator", Category::Settlement, true),
        ("registrar", Category::Settlement, false),
        ("mediator", Category::Brief, false),
        ("mediator", Category::Caucus, false),
        ("claimant", Category::MediatorNote, false),
        ("claimant", Category::Settlement, true),
        ("registrar", Category::Procedural, true),
        ("archivist", Category::Procedural, false),
        ("outsider", Category::Brief, false),
    ];
    for (who, category, allowed) in cases {
        let actor = match who {
            "mediator" => &w.mediator,
            "claimant" => &w.claimant,
            "registrar" => &w.registrar,
            "archivist" => &w.archivist,
            _ => &w.outsider,
        };
        let before = w.vault.statements(CASE).unwrap().len();
        let res = w
            .vault
            .deposit(actor, CASE, spec(category, "t"), &b"body"[..]);
        assert_eq!(res.is_ok(), allowed, "{who} depositing {category}");
        if !allowed {
            assert_eq!(res.unwrap_err().kind(), ErrorKind::Refused);
            assert_eq!(
                w.vault.statements(CASE).unwrap().len(),
                before,
                "a refusal was logged as an act"
            );
        }
    }
    let blobs = std::fs::read_dir(w.vault_dir().join("blobs"))
        .unwrap()
        .count();
    assert_eq!(blobs, 5, "refused deposits left blobs behind");
}

#[test]
fn a_mediators_draft_settlement_reaches_every_party_and_the_archivist() {
    let mut w = World::new(1, 1);
    let d = w
        .vault
        .deposit(
            &w.mediator,
            CASE,
            spec(Category::Settlement, "Draft terms"),
            &b"terms"[..],
        )
        .unwrap();
    assert_eq!(d.owner, "mediators");
    for reader in [&w.claimant, &w.respondent, &w.mediator, &w.archivist] {
        let mut out = Vec::new();
        w.vault.read(reader, CASE, d.num, &mut out).unwrap();
        assert_eq!(out, b"terms");
    }
    let err = w
        .vault
        .read(&w.outsider, CASE, d.num, &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    // The log verifies: the replay applies the same rule.
    w.vault.verify_log(CASE).unwrap();
}
