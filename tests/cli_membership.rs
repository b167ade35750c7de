//! Who may be a member, and in which roles, at `case open` and `case add-member`: one
//! identity belongs to at most one party; a mediator, the archivist or a custodian is
//! never also a party; the registrar may hold another role. Every refusal names both
//! places the card would appear and changes nothing.

mod common;

use common::*;

/// `case open C-2` followed by `extra`.
fn open_args(extra: &[String]) -> Vec<String> {
    let mut args = vec!["case".to_owned(), "open".to_owned(), "C-2".to_owned()];
    args.extend_from_slice(extra);
    args
}

fn arg(flag: &str, value: String) -> [String; 2] {
    [flag.to_owned(), value]
}

#[test]
fn case_open_refuses_one_card_in_two_parties_or_a_neutral_who_is_also_a_party() {
    let fx = Fixture::without_case();
    let party = |label: &str, who: &str| arg("--party", format!("{label}={}", fx.card(who)));
    let base = |claimant: &str, respondent: &str, mediator: &str, archivist: &str| {
        let mut a = Vec::new();
        a.extend(arg("--mediator", fx.card(mediator)));
        a.extend(party("claimant", claimant));
        a.extend(party("respondent", respondent));
        a.extend(arg("--archivist", fx.card(archivist)));
        a
    };
    // Ana on both sides.
    let err = fx.fails_as(
        "registrar",
        &open_args(&base("claimant", "claimant", "mediator", "archivist")),
        1,
    );
    assert!(
        err.contains(fx.name("claimant"))
            && err.contains("a member of the claimant party")
            && err.contains("a member of the respondent party"),
        "{err}"
    );
    // The mediator also counsel for a party.
    let err = fx.fails_as(
        "registrar",
        &open_args(&base("mediator", "respondent", "mediator", "archivist")),
        1,
    );
    assert!(
        err.contains("a mediator") && err.contains("claimant party"),
        "{err}"
    );
    // The archivist also a party.
    let err = fx.fails_as(
        "registrar",
        &open_args(&base("claimant", "archivist", "mediator", "archivist")),
        1,
    );
    assert!(
        err.contains("the archivist") && err.contains("respondent party"),
        "{err}"
    );
    // A custodian also a party.
    let mut a = base("claimant", "respondent", "mediator", "archivist");
    a.extend(arg("--custodian", fx.card("respondent")));
    a.extend(["--threshold".to_owned(), "1".to_owned()]);
    let err = fx.fails_as("registrar", &open_args(&a), 1);
    assert!(
        err.contains("a custodian") && err.contains("respondent party"),
        "{err}"
    );
    // None of these opened anything.
    assert_eq!(
        fx.ok(&["case", "list"]).trim(),
        "No cases yet; open one with `sealroom case open`."
    );

    // Allowed: the archivist as a custodian too, the registrar as counsel.
    let mut a = base("claimant", "respondent", "mediator", "archivist");
    a.extend(arg("--custodian", fx.card("archivist")));
    a.extend(party("claimant", "registrar"));
    a.extend(["--threshold".to_owned(), "1".to_owned()]);
    fx.ok_as("registrar", &open_args(&a));
}

#[test]
fn add_member_refuses_the_other_sides_counsel_and_changes_nothing() {
    let fx = Fixture::new();
    let before = fx.ok(&["log", CASE]);
    // The respondent's counsel named for the claimant.
    let err = fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("respondent")),
        ],
        1,
    );
    assert!(
        err.contains(fx.name("respondent"))
            && err.contains("a member of the respondent party")
            && err.contains("a member of the claimant party"),
        "{err}"
    );
    // A party member made a mediator.
    let err = fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--mediator",
            &fx.card("cocounsel"),
        ],
        1,
    );
    assert!(
        err.contains("a mediator") && err.contains("claimant party"),
        "{err}"
    );
    // A custodian made a party member.
    let err = fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("respondent={}", fx.card("custodian1")),
        ],
        1,
    );
    assert!(err.contains("a custodian"), "{err}");
    assert_eq!(
        fx.ok(&["log", CASE]),
        before,
        "a refused add-member changed the log"
    );

    // Ana's caucus deposit is still readable by her side and the mediator only.
    let num = fx.deposit_bytes("claimant", "c.txt", b"caucus", &["--category", "caucus"]);
    fx.fails_as("respondent", &["read", CASE, &num.to_string()], 1);
}
