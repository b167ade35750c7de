//! Case invitations: `case invite` (the registrar signs, for a member, the vault's
//! identity and log key and the charter fingerprint) and `case join FILE` on the
//! member's machine, checked against the registrar card the member trusts; and every
//! refusal (wrong registrar card, altered file, another vault, a non-member, a
//! non-registrar). "Another machine" is a separate `XDG_STATE_HOME`.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

/// `sealroom [--vault VAULT] ARGS` from the machine whose member state is `state`.
fn on(fx: &Fixture, state: &str, vault: Option<&Path>, args: &[&str]) -> Output {
    fx.run_on(state, vault, None, args)
}

fn has_pin(fx: &Fixture, state: &str) -> bool {
    !fx.pins_on(state).is_empty()
}

/// The registrar's invitation for `who`, written to `name`; its path.
fn invite(fx: &Fixture, who: &str, name: &str) -> String {
    let path = fx.arg(name);
    fx.ok_as(
        "registrar",
        &["case", "invite", CASE, "--to", &fx.card(who), "-o", &path],
    );
    path
}

#[test]
fn an_invited_member_joins_with_the_registrar_card_and_can_act() {
    let fx = Fixture::new();
    let out = fx.run_as(
        "registrar",
        &[
            "--json",
            "case",
            "invite",
            CASE,
            "--to",
            &fx.card("claimant"),
            "-o",
            &fx.arg("ana.invite"),
        ],
    );
    let v = parse_json(&expect_ok("invite", &out));
    let inv = &v["invitation"];
    assert_eq!(inv["format"], "sealroom-invitation-v1");
    assert_eq!(inv["case"], CASE);
    assert_eq!(inv["to_name"], fx.name("claimant"));
    assert_eq!(
        inv["vault"],
        std::path::absolute(&fx.vault)
            .unwrap()
            .display()
            .to_string()
    );
    let fp = parse_json(&fx.ok(&["--json", "case", "show", CASE]))["charter_fingerprint"]
        .as_str()
        .unwrap()
        .replace(' ', "")
        .to_lowercase();
    assert_eq!(inv["charter_fingerprint"], fp.as_str());
    // The file is private to its owner and never overwritten.
    let file = fx.sandbox.join("ana.invite");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions())
            & 0o777,
        0o600
    );
    let again = fx.run_as(
        "registrar",
        &[
            "case",
            "invite",
            CASE,
            "--to",
            &fx.card("claimant"),
            "-o",
            &fx.arg("ana.invite"),
        ],
    );
    expect_failure("invite over an existing file", &again, 1);

    // On the claimant's own machine, naming the vault.
    let out = on(
        &fx,
        "state-a",
        Some(&fx.vault),
        &[
            "case",
            "join",
            &path_arg(&file),
            "--registrar",
            &fx.card("registrar"),
        ],
    );
    let said = expect_ok("join with the invitation", &out);
    assert!(said.contains(&format!("Joined case {CASE}")), "{said}");
    assert!(
        said.contains("signed with the registrar card you gave"),
        "{said}"
    );
    assert!(has_pin(&fx, "state-a"));
    let out = on(
        &fx,
        "state-a",
        Some(&fx.vault),
        &["-i", &fx.id("claimant"), "list", CASE],
    );
    expect_ok("list after joining", &out);

    // Without --vault, the folder the invitation names; without --registrar, a warning
    // with the signer's fingerprint.
    let out = on(&fx, "state-c", None, &["case", "join", &path_arg(&file)]);
    let said = expect_ok("join without --vault or --registrar", &out);
    assert!(said.contains(&format!("Joined case {CASE}")), "{said}");
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains("compare that fingerprint with the registrar card"),
        "{warning}"
    );
    assert!(has_pin(&fx, "state-c"));
}

#[test]
fn a_wrong_registrar_card_an_altered_file_or_another_vault_pins_nothing() {
    let fx = Fixture::new();
    let path = invite(&fx, "respondent", "r.invite");
    // Signed by the registrar, but the member trusts another card as the registrar's.
    let out = on(
        &fx,
        "state-b",
        Some(&fx.vault),
        &["case", "join", &path, "--registrar", &fx.card("mediator")],
    );
    let err = expect_failure("the wrong registrar card", &out, 3);
    assert!(err.contains("not by the registrar card you gave"), "{err}");
    assert!(!has_pin(&fx, "state-b"));

    // Altered: one digit of the charter fingerprint.
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let fp = v["invitation"]["charter_fingerprint"].as_str().unwrap();
    let flipped = format!(
        "{}{}",
        if fp.starts_with('0') { "1" } else { "0" },
        &fp[1..]
    );
    let altered = fx.sandbox.join("altered.invite");
    std::fs::write(&altered, text.replace(fp, &flipped)).unwrap();
    let out = on(
        &fx,
        "state-b",
        Some(&fx.vault),
        &[
            "case",
            "join",
            &path_arg(&altered),
            "--registrar",
            &fx.card("registrar"),
        ],
    );
    let err = expect_failure("an altered invitation", &out, 3);
    assert!(
        err.contains("not signed by the registrar it names"),
        "{err}"
    );
    assert!(!has_pin(&fx, "state-b"));

    // Another vault with a case of the same reference and people: its identity differs.
    let other = fx.sandbox.join("other-vault");
    fx.sandbox.ok(&["init", "--vault", &path_arg(&other)]);
    let out = on(
        &fx,
        "state-b",
        Some(&other),
        &["case", "join", &path, "--registrar", &fx.card("registrar")],
    );
    let err = expect_failure("another vault", &out, 3);
    assert!(err.contains("is not the one the invitation names"), "{err}");
    assert!(!has_pin(&fx, "state-b"));

    // Not an invitation at all.
    let card = fx.card("claimant");
    let out = on(&fx, "state-b", Some(&fx.vault), &["case", "join", &card]);
    let err = expect_failure("a card given as an invitation", &out, 2);
    assert!(err.contains("not a sealroom case invitation"), "{err}");
}

#[test]
fn only_the_registrar_invites_and_only_members() {
    let fx = Fixture::new();
    let out = fx.run_as(
        "registrar",
        &[
            "case",
            "invite",
            CASE,
            "--to",
            &fx.card("outsider"),
            "-o",
            &fx.arg("o.invite"),
        ],
    );
    let err = expect_failure("inviting a non-member", &out, 1);
    assert!(err.contains("is not a member of case"), "{err}");
    assert!(!fx.sandbox.join("o.invite").exists());
    let out = fx.run_as(
        "mediator",
        &[
            "case",
            "invite",
            CASE,
            "--to",
            &fx.card("claimant"),
            "-o",
            &fx.arg("m.invite"),
        ],
    );
    let err = expect_failure("a mediator inviting", &out, 1);
    assert!(err.contains("only the registrar"), "{err}");
    assert!(!fx.sandbox.join("m.invite").exists());
    // Usage: an invitation with --charter, --registrar without an invitation, neither.
    let path = invite(&fx, "claimant", "c.invite");
    let fp = "00".repeat(32);
    let out = on(
        &fx,
        "state-b",
        Some(&fx.vault),
        &["case", "join", &path, "--charter", &fp],
    );
    expect_failure("an invitation with --charter", &out, 2);
    let out = on(
        &fx,
        "state-b",
        Some(&fx.vault),
        &["case", "join", CASE, "--registrar", &fx.card("registrar")],
    );
    expect_failure("--registrar without an invitation", &out, 2);
    let out = on(&fx, "state-b", Some(&fx.vault), &["case", "join", CASE]);
    let err = expect_failure("join with nothing to check", &out, 2);
    assert!(err.contains("--charter FP"), "{err}");
}
