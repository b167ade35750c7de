//! CLI scenario tests: the real `sealroom` binary, driven as people would drive it.
//!
//! Each test builds its own sandbox (see `common`), so the tests run in parallel and
//! nothing of the developer's environment (`SEALROOM_*`, `HOME`, `XDG_DATA_HOME`)
//! leaks in. Exit codes: 1 refused by the case's rules, 2 usage, 3 integrity,
//! 4 not found, 5 wrong key or passphrase, 6 system error.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;

// ---------------------------------------------------------------------------------
// 1. init
// ---------------------------------------------------------------------------------

#[test]
fn init_makes_database_blobs_folder_and_log_key() {
    let sb = Sandbox::new();
    let out = sb.ok(&["init", "--vault", &sb.arg("v")]);
    assert!(
        out.contains("sealroom keygen"),
        "init should say what to do next:\n{out}"
    );
    let v = sb.join("v");
    assert!(v.join("sealroom.db").is_file());
    assert!(v.join("blobs").is_dir());
    assert!(v.join("log.key").is_file());
    assert!(
        names_in(&v.join("blobs")).is_empty(),
        "a new vault has no blobs"
    );
    // The new vault works: no cases yet.
    let list = sb.ok(&["case", "list", "--vault", &sb.arg("v")]);
    assert!(list.contains("No cases"), "{list}");
}

#[test]
fn second_init_on_a_vault_is_refused_and_changes_nothing() {
    let sb = Sandbox::new();
    let v = sb.join("v");
    sb.ok(&["init", "--vault", &sb.arg("v")]);
    let before = tree_digest(&v);
    let err = sb.fails(&["init", "--vault", &sb.arg("v")], 1);
    assert!(err.contains("already"), "{err}");
    assert_eq!(tree_digest(&v), before, "a refused init changed the vault");
}

#[test]
fn init_into_a_non_empty_folder_is_refused_and_changes_nothing() {
    let sb = Sandbox::new();
    let dir = sb.join("papers");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), b"mine, not a vault").unwrap();
    let before = tree_digest(&dir);
    let err = sb.fails(&["init", "--vault", &sb.arg("papers")], 1);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(tree_digest(&dir), before);
}

#[test]
fn init_onto_an_existing_file_is_refused_and_leaves_the_file_alone() {
    let sb = Sandbox::new();
    std::fs::write(sb.join("thesis.txt"), b"years of work").unwrap();
    let out = sb.run(&["init", "--vault", &sb.arg("thesis.txt")]);
    assert_eq!(
        std::fs::read(sb.join("thesis.txt")).unwrap(),
        b"years of work"
    );
    // A file where the vault should go is a refusal (like a non-empty folder) or a
    // usage error, not a failure of the system (exit 6).
    let code = out.status.code();
    assert!(
        code == Some(1) || code == Some(2),
        "init onto a file: exit {code:?}, stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    expect_failure("init onto a file", &out, code.unwrap_or(-1));
}

#[cfg(unix)]
#[test]
fn secrets_on_disk_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt as _;
    let fx = Fixture::without_case();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for p in [
        fx.vault.clone(),
        fx.vault.join("blobs"),
        fx.vault.join("log.key"),
        fx.sandbox.join("people/claimant.id"),
    ] {
        assert_eq!(
            mode(&p) & 0o077,
            0,
            "{} is mode {:o}",
            p.display(),
            mode(&p)
        );
    }
}

#[test]
fn help_and_version_exit_0_and_no_command_is_a_usage_error() {
    let sb = Sandbox::new();
    let help = sb.ok(&["--help"]);
    for word in ["init", "keygen", "deposit", "read", "Exit codes"] {
        assert!(help.contains(word), "--help lacks {word}");
    }
    assert!(sb.ok(&["--version"]).starts_with("sealroom "));
    expect_clap_usage("no command", &sb.run::<&str>(&[]));
    expect_clap_usage("unknown command", &sb.run(&["frobnicate"]));
}

#[test]
fn init_into_an_existing_empty_folder_works() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.join("empty")).unwrap();
    sb.ok(&["init", "--vault", &sb.arg("empty")]);
    assert!(sb.join("empty/sealroom.db").is_file());
}

#[test]
fn commands_on_a_missing_vault_exit_4_and_point_to_init() {
    let sb = Sandbox::new();
    sb.keygen("Ana Ruiz", "ana.id");
    std::fs::write(sb.join("brief.txt"), b"our position").unwrap();
    let missing = sb.arg("no-vault-here");
    let id = sb.arg("ana.id");
    let brief = sb.arg("brief.txt");
    let commands: [Vec<&str>; 5] = [
        vec!["case", "list"],
        vec!["case", "show", "C-1"],
        vec!["-i", &id, "list", "C-1"],
        vec!["-i", &id, "deposit", "C-1", &brief],
        vec!["-i", &id, "read", "C-1", "1"],
    ];
    for cmd in commands {
        let mut args = vec!["--vault", &missing];
        args.extend(cmd);
        let err = sb.fails(&args, 4);
        assert!(err.contains("sealroom init"), "{args:?}: {err}");
    }
    assert!(
        !sb.join("no-vault-here").exists(),
        "a command other than init created the vault folder"
    );
}

#[test]
fn vault_defaults_to_xdg_data_home_and_env_vars_name_vault_and_identity() {
    let sb = Sandbox::new();
    // No --vault: $XDG_DATA_HOME/sealroom.
    sb.ok(&["init"]);
    assert!(sb.default_vault().join("sealroom.db").is_file());
    sb.ok(&["case", "list"]);
    // SEALROOM_VAULT and SEALROOM_IDENTITY stand in for --vault and -i.
    sb.ok(&["init", "--vault", &sb.arg("other")]);
    sb.keygen("Ana Ruiz", "ana.id");
    let card = std::fs::read_to_string(sb.join("ana.card")).unwrap();
    let out = exec(
        sb.cmd()
            .env("SEALROOM_VAULT", sb.join("other"))
            .env("SEALROOM_IDENTITY", sb.join("ana.id"))
            .args(["card"]),
    );
    assert_eq!(expect_ok("card with SEALROOM_IDENTITY", &out), card);
    let out = exec(
        sb.cmd()
            .env("SEALROOM_VAULT", sb.join("missing"))
            .args(["case", "list"]),
    );
    expect_failure("case list with SEALROOM_VAULT at a missing vault", &out, 4);
    // A relative --vault is taken from the working directory.
    sb.ok(&["init", "--vault", "relative-vault"]);
    assert!(sb.join("relative-vault/sealroom.db").is_file());
    sb.ok(&["case", "list", "--vault", "relative-vault"]);
    // No --vault, no SEALROOM_VAULT, no XDG_DATA_HOME and no HOME: say what to do.
    let out = exec(
        sb.cmd()
            .env_remove("HOME")
            .env_remove("XDG_DATA_HOME")
            .args(["case", "list"]),
    );
    let err = expect_failure("case list with no way to find a vault", &out, 2);
    assert!(err.contains("--vault"), "{err}");
}

// ---------------------------------------------------------------------------------
// 2. keygen and card
// ---------------------------------------------------------------------------------

#[test]
fn card_prints_exactly_the_card_keygen_printed() {
    let sb = Sandbox::new();
    let card = sb.keygen("Ana Ruiz", "ana.id");
    assert!(card.starts_with("sealroom card v1\n"), "{card}");
    assert!(card.contains("name: Ana Ruiz\n"), "{card}");
    assert!(card.contains("fingerprint: "), "{card}");
    assert_eq!(sb.ok(&["card", "-i", &sb.arg("ana.id")]), card);
    // The identity is secret and is not the card.
    let id = std::fs::read_to_string(sb.join("ana.id")).unwrap();
    assert_ne!(id, card);
    // A second person gets a different card.
    let other = sb.keygen("Ana Ruiz", "ana2.id");
    assert_ne!(
        other, card,
        "two keygens with the same name made the same card"
    );
}

#[test]
fn keygen_refuses_to_overwrite_an_existing_file() {
    let sb = Sandbox::new();
    sb.keygen("Ana Ruiz", "ana.id");
    let before = std::fs::read(sb.join("ana.id")).unwrap();
    let err = sb.fails(
        &[
            "keygen",
            "--name",
            "Mallory",
            "-o",
            &sb.arg("ana.id"),
            "--no-passphrase",
        ],
        1,
    );
    assert!(err.contains("ana.id"), "{err}");
    assert_eq!(std::fs::read(sb.join("ana.id")).unwrap(), before);
    // Not even a plain file of someone else's is overwritten.
    std::fs::write(sb.join("thesis.txt"), b"years of work").unwrap();
    sb.fails(
        &[
            "keygen",
            "--name",
            "Ana",
            "-o",
            &sb.arg("thesis.txt"),
            "--no-passphrase",
        ],
        1,
    );
    assert_eq!(
        std::fs::read(sb.join("thesis.txt")).unwrap(),
        b"years of work"
    );
}

#[test]
fn passphrase_identity_is_age_encrypted_and_opens_only_with_its_passphrase() {
    let sb = Sandbox::new();
    let id = sb.arg("ana.id");
    let out = exec(
        sb.cmd()
            .env("SEALROOM_PASSPHRASE", "correct horse battery staple")
            .args(["keygen", "--name", "Ana Ruiz", "-o", &id]),
    );
    let card = expect_ok("keygen with SEALROOM_PASSPHRASE", &out);
    let bytes = std::fs::read(sb.join("ana.id")).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1"),
        "the identity is not age-encrypted"
    );
    assert!(
        !contains_bytes(&bytes, b"sealroom identity"),
        "the identity is in the clear"
    );

    // The right passphrase opens it and gives the same card.
    let out = exec(
        sb.cmd()
            .env("SEALROOM_PASSPHRASE", "correct horse battery staple")
            .args(["card", "-i", &id]),
    );
    assert_eq!(expect_ok("card with the right passphrase", &out), card);

    // A wrong one: exit 5, one sentence.
    let out = exec(
        sb.cmd()
            .env("SEALROOM_PASSPHRASE", "correct horse battery stapler")
            .args(["card", "-i", &id]),
    );
    let err = expect_failure("card with a wrong passphrase", &out, 5);
    assert!(err.contains("passphrase"), "{err}");

    // None at all (no terminal, no env): exit 2, naming the variable.
    let err = sb.fails(&["card", "-i", &id], 2);
    assert!(err.contains("SEALROOM_PASSPHRASE"), "{err}");

    // A truncated encrypted identity: its ciphertext does not authenticate.
    std::fs::write(sb.join("cut.id"), &bytes[..bytes.len() * 3 / 4]).unwrap();
    let out = exec(
        sb.cmd()
            .env("SEALROOM_PASSPHRASE", "correct horse battery staple")
            .args(["card", "-i", &sb.arg("cut.id")]),
    );
    let err = expect_failure("card with a truncated encrypted identity", &out, 3);
    assert!(err.contains("cut.id"), "{err}");
}

#[test]
fn keygen_without_a_passphrase_or_no_passphrase_flag_exits_2_and_writes_nothing() {
    let sb = Sandbox::new();
    let err = sb.fails(
        &["keygen", "--name", "Ana Ruiz", "-o", &sb.arg("ana.id")],
        2,
    );
    assert!(err.contains("SEALROOM_PASSPHRASE"), "{err}");
    assert!(err.contains("--no-passphrase"), "{err}");
    assert!(
        !sb.join("ana.id").exists(),
        "keygen wrote an identity after failing"
    );

    // An empty passphrase is no passphrase.
    let out = exec(sb.cmd().env("SEALROOM_PASSPHRASE", "").args([
        "keygen",
        "--name",
        "Ana Ruiz",
        "-o",
        &sb.arg("ana.id"),
    ]));
    expect_failure("keygen with an empty SEALROOM_PASSPHRASE", &out, 2);
    assert!(!sb.join("ana.id").exists());
}

#[test]
fn keygen_rejects_bad_names() {
    let sb = Sandbox::new();
    for name in ["", " Ana", "Ana\nRuiz"] {
        sb.fails(
            &[
                "keygen",
                "--name",
                name,
                "-o",
                &sb.arg("x.id"),
                "--no-passphrase",
            ],
            2,
        );
        assert!(!sb.join("x.id").exists());
    }
}

#[test]
fn truncated_identity_file_is_refused() {
    let sb = Sandbox::new();
    sb.keygen("Ana Ruiz", "ana.id");
    let bytes = std::fs::read(sb.join("ana.id")).unwrap();
    for (name, cut) in [("half.id", bytes.len() / 2), ("empty.id", 0)] {
        std::fs::write(sb.join(name), &bytes[..cut]).unwrap();
        let err = sb.fails(&["card", "-i", &sb.arg(name)], 2);
        assert!(err.contains("identity") && err.contains(name), "{err}");
    }
    // A missing identity file is "not found".
    let err = sb.fails(&["card", "-i", &sb.arg("nobody.id")], 4);
    assert!(err.contains("nobody.id"), "{err}");
    // No identity at all is a usage error that says how to give one.
    let err = sb.fails(&["card"], 2);
    assert!(err.contains("-i"), "{err}");
}

#[test]
fn truncated_or_altered_card_is_refused() {
    let fx = Fixture::without_case();
    let card = fx.cards["mediator"].clone();
    let truncated: String = card.lines().take(3).map(|l| format!("{l}\n")).collect();
    fx.write("bad/truncated.card", truncated.as_bytes());
    // The same card under another name: the fingerprint no longer matches.
    let renamed = card.replace("name: Mona Lindqvist", "name: Mona Lindquist");
    assert_ne!(renamed, card);
    fx.write("bad/renamed.card", renamed.as_bytes());
    // The mediator's name and fingerprint with the outsider's key: a key swap.
    let age_line = |c: &str| {
        c.lines()
            .find(|l| l.starts_with("age: "))
            .unwrap()
            .to_owned()
    };
    let swapped = card.replace(&age_line(&card), &age_line(&fx.cards["outsider"]));
    assert_ne!(swapped, card);
    fx.write("bad/swapped.card", swapped.as_bytes());

    let open_with = |mediator_card: &str| {
        vec![
            "case".to_owned(),
            "open".to_owned(),
            "C-2".to_owned(),
            "--mediator".to_owned(),
            mediator_card.to_owned(),
            "--party".to_owned(),
            format!("claimant={}", fx.card("claimant")),
            "--party".to_owned(),
            format!("respondent={}", fx.card("respondent")),
            "--archivist".to_owned(),
            fx.card("archivist"),
        ]
    };
    let err = fx.fails_as("registrar", &open_with(&fx.arg("bad/truncated.card")), 2);
    assert!(err.contains("truncated.card"), "{err}");
    for name in ["renamed", "swapped"] {
        let err = fx.fails_as(
            "registrar",
            &open_with(&fx.arg(format!("bad/{name}.card"))),
            3,
        );
        assert!(err.contains(&format!("{name}.card")), "{err}");
        assert!(err.contains("fingerprint"), "{err}");
    }
    let cases = parse_json(&fx.ok(&["--json", "case", "list"]));
    assert_eq!(
        cases,
        serde_json::json!([]),
        "a case was opened with a bad card"
    );
    // An identity given where a card belongs is refused without echoing its secrets.
    let secret = std::fs::read_to_string(fx.sandbox.join("people/claimant.id")).unwrap();
    let err = fx.fails_as("registrar", &open_with(&fx.id("claimant")), 2);
    for line in secret.lines().skip(2) {
        let value = line.split_once(": ").map(|(_, v)| v).unwrap_or(line);
        assert!(!err.contains(value), "the error echoes a secret: {err}");
    }
    assert!(!err.contains("AGE-SECRET-KEY"), "{err}");
    // And a card given as an identity is refused.
    fx.fails(&["card", "-i", &fx.card("claimant")], 2);
    // The good card still works, also with Windows line endings (CRLF).
    fx.write("bad/crlf.card", card.replace('\n', "\r\n").as_bytes());
    fx.ok_as("registrar", &open_with(&fx.arg("bad/crlf.card")));
}

// ---------------------------------------------------------------------------------
// 3. case open, show, list, add-member, close
// ---------------------------------------------------------------------------------

#[test]
fn case_show_lists_every_member_and_the_policy() {
    let fx = Fixture::new();
    let out = fx.ok(&["case", "show", CASE]);
    for (stem, name) in PEOPLE {
        if stem == "outsider" {
            assert!(!out.contains(name), "the outsider is listed:\n{out}");
        } else {
            assert!(out.contains(name), "{name} is missing:\n{out}");
        }
    }
    for word in [
        "consent",
        "open",
        "registrar",
        "mediator",
        "party claimant",
        "party respondent",
        "archivist",
        "custodian",
        "2 of 3",
        "Harbour Works v. City of Lindau",
    ] {
        assert!(out.contains(word), "`{word}` is missing:\n{out}");
    }
    // The claimant party has two members: Ana and her co-counsel.
    let claimant_rows = out.lines().filter(|l| l.contains("party claimant")).count();
    assert_eq!(claimant_rows, 2, "{out}");
}

#[test]
fn case_list_shows_the_case() {
    let fx = Fixture::new();
    let out = fx.ok(&["case", "list"]);
    assert!(out.contains(CASE), "{out}");
    assert!(out.contains("open") && out.contains("consent"), "{out}");
}

#[test]
fn case_open_refuses_a_reference_already_in_use() {
    let fx = Fixture::new();
    let before = fx.ok(&["--json", "case", "show", CASE]);
    let err = fx.fails_as(
        "registrar",
        &[
            "case",
            "open",
            CASE,
            "--mediator",
            &fx.card("outsider"),
            "--party",
            &format!("a={}", fx.card("claimant")),
            "--party",
            &format!("b={}", fx.card("respondent")),
            "--archivist",
            &fx.card("archivist"),
        ],
        1,
    );
    assert!(err.contains(CASE), "{err}");
    assert_eq!(fx.ok(&["--json", "case", "show", CASE]), before);
}

/// `case open C-2` with the fixture's people and `extra` arguments.
fn open_c2_args(fx: &Fixture, party: &str, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = [
        "case",
        "open",
        "C-2",
        "--mediator",
        &fx.card("mediator"),
        "--party",
        party,
        "--party",
        &format!("respondent={}", fx.card("respondent")),
        "--archivist",
        &fx.card("archivist"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend_from_slice(extra);
    args
}

#[test]
fn case_open_usage_errors_exit_2_and_open_nothing() {
    let fx = Fixture::without_case();
    let claimant = format!("claimant={}", fx.card("claimant"));
    let c = |who: &str| ["--custodian".to_owned(), fx.card(who)];
    let two_custodians: Vec<String> = c("custodian1").into_iter().chain(c("custodian2")).collect();
    let with = |extra: &[&str]| -> Vec<String> {
        two_custodians
            .iter()
            .cloned()
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "--party without =",
            open_c2_args(&fx, &fx.card("claimant"), &[]),
        ),
        (
            "custodians without --threshold",
            open_c2_args(&fx, &claimant, &with(&[])),
        ),
        (
            "threshold above the custodians",
            open_c2_args(&fx, &claimant, &with(&["--threshold", "3"])),
        ),
        (
            "threshold 0",
            open_c2_args(&fx, &claimant, &with(&["--threshold", "0"])),
        ),
        (
            "a party label in capitals",
            open_c2_args(&fx, &format!("Claimant={}", fx.card("claimant")), &[]),
        ),
        (
            "a reserved party label",
            open_c2_args(&fx, &format!("mediators={}", fx.card("claimant")), &[]),
        ),
        (
            "only one party",
            open_c2_args(&fx, &format!("respondent={}", fx.card("cocounsel")), &[]),
        ),
        ("a reference with a space", {
            let mut args = open_c2_args(&fx, &claimant, &[]);
            args[2] = "C 2".to_owned();
            args
        }),
        ("an empty reference", {
            let mut args = open_c2_args(&fx, &claimant, &[]);
            args[2] = String::new();
            args
        }),
    ];
    for (what, args) in cases {
        let out = fx.run_as("registrar", &args);
        let err = expect_failure(what, &out, 2);
        // The engine says which input was wrong; the command line names its flag.
        if what.starts_with("threshold") {
            assert!(
                err.contains("--threshold: the threshold must be between 1"),
                "{err}"
            );
        }
        if what == "only one party" {
            assert!(err.contains("--party LABEL=CARD: "), "{err}");
        }
    }
    // A threshold above one with no custodians (the archivist alone holds the key).
    let out = fx.run_as(
        "registrar",
        &open_c2_args(&fx, &claimant, &["--threshold".into(), "2".into()]),
    );
    expect_failure("threshold 2 without custodians", &out, 2);
    // Clap's own usage errors: unknown policy, missing archivist.
    let mut bad_policy = open_c2_args(&fx, &claimant, &[]);
    bad_policy.extend(["--policy".to_owned(), "whatever".to_owned()]);
    expect_clap_usage("unknown --policy", &fx.run_as("registrar", &bad_policy));
    let no_archivist: Vec<String> = open_c2_args(&fx, &claimant, &[])[..7].to_vec();
    expect_clap_usage("no --archivist", &fx.run_as("registrar", &no_archivist));

    let cases = parse_json(&fx.ok(&["--json", "case", "list"]));
    assert_eq!(
        cases,
        serde_json::json!([]),
        "a refused case open left a case"
    );
    // And the right arguments work.
    fx.ok_as(
        "registrar",
        &open_c2_args(&fx, &claimant, &with(&["--threshold", "2"])),
    );
}

#[test]
fn case_open_with_a_missing_card_exits_4() {
    let fx = Fixture::without_case();
    let err = fx.fails_as(
        "registrar",
        &open_c2_args(
            &fx,
            &format!("claimant={}", fx.arg("people/nobody.card")),
            &[],
        ),
        4,
    );
    assert!(err.contains("nobody.card"), "{err}");
    let mut args = open_c2_args(&fx, &format!("claimant={}", fx.card("claimant")), &[]);
    args.extend([
        "--custodian".to_owned(),
        fx.arg("gone.card"),
        "--threshold".into(),
        "1".into(),
    ]);
    let err = fx.fails_as("registrar", &args, 4);
    assert!(err.contains("gone.card"), "{err}");
    let cases = parse_json(&fx.ok(&["--json", "case", "list"]));
    assert_eq!(cases, serde_json::json!([]));
}

#[test]
fn add_member_is_for_the_registrar_only() {
    let fx = Fixture::new();
    fx.add_person("newcounsel", "Nadia Newcounsel");
    let party = format!("respondent={}", fx.card("newcounsel"));
    let before = fx.ok(&["--json", "case", "show", CASE]);
    for who in [
        "mediator",
        "claimant",
        "respondent",
        "archivist",
        "custodian1",
        "outsider",
    ] {
        fx.fails_as(who, &["case", "add-member", CASE, "--party", &party], 1);
    }
    // Neither or both of --party and --mediator: usage.
    fx.fails_as("registrar", &["case", "add-member", CASE], 2);
    fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &party,
            "--mediator",
            &fx.card("newcounsel"),
        ],
        2,
    );
    assert_eq!(fx.ok(&["--json", "case", "show", CASE]), before);
    // Someone already in that role cannot be added again.
    fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("cocounsel")),
        ],
        1,
    );
    assert_eq!(fx.ok(&["--json", "case", "show", CASE]), before);
}

#[test]
fn member_added_by_the_registrar_can_deposit_and_read_their_own_deposit() {
    let fx = Fixture::new();
    // A respondent document from before the new member joins.
    let earlier = fx.deposit_bytes("respondent", "earlier.txt", b"before Nadia joined", &[]);
    fx.add_person("newcounsel", "Nadia Newcounsel");
    let out = fx.ok_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("respondent={}", fx.card("newcounsel")),
        ],
    );
    assert!(out.contains("Nadia Newcounsel"), "{out}");
    let show = fx.ok(&["case", "show", CASE]);
    assert!(show.contains("Nadia Newcounsel"), "{show}");

    let body = b"Nadia's first brief".to_vec();
    let num = fx.deposit_bytes("newcounsel", "nadia.txt", &body, &[]);
    assert_same_bytes(
        "the new member's own deposit",
        &fx.read_stdout("newcounsel", num),
        &body,
    );
    // Her party reads it too; the other side does not.
    assert_same_bytes("her co-counsel", &fx.read_stdout("respondent", num), &body);
    fx.fails_as("claimant", &["read", CASE, &num.to_string()], 1);
    // Earlier documents reach a new member only by disclosure.
    fx.fails_as("newcounsel", &["read", CASE, &earlier.to_string()], 1);

    // A new mediator joins the same way and reads new caucus documents.
    fx.add_person("comediator", "Kofi Comediator");
    fx.ok_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--mediator",
            &fx.card("comediator"),
        ],
    );
    let caucus = fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"our real limit",
        &["--category", "caucus"],
    );
    assert_same_bytes(
        "the co-mediator",
        &fx.read_stdout("comediator", caucus),
        b"our real limit",
    );
}

#[test]
fn close_is_for_a_mediator_or_the_registrar_once_and_reading_goes_on() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "brief.txt", b"position", &[]);
    for who in [
        "claimant",
        "cocounsel",
        "respondent",
        "archivist",
        "custodian1",
        "outsider",
    ] {
        fx.fails_as(who, &["case", "close", CASE], 1);
    }
    assert!(fx.ok(&["case", "show", CASE]).contains("open"));
    let out = fx.ok_as("mediator", &["case", "close", CASE]);
    assert!(out.contains("Closed"), "{out}");
    let show = fx.ok(&["--json", "case", "show", CASE]);
    assert_eq!(parse_json(&show)["state"], "closed", "{show}");
    let err = fx.fails_as("registrar", &["case", "close", CASE], 1);
    assert!(err.contains("closed"), "{err}");
    fx.fails_as("mediator", &["case", "close", CASE], 1);
    // Reading still works after closing; membership is fixed.
    assert_same_bytes(
        "read after close",
        &fx.read_stdout("claimant", num),
        b"position",
    );
    fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--mediator",
            &fx.card("outsider"),
        ],
        1,
    );
}

#[test]
fn registrar_may_close_a_case() {
    let fx = Fixture::new();
    fx.ok_as("registrar", &["case", "close", CASE]);
    assert_eq!(
        parse_json(&fx.ok(&["--json", "case", "show", CASE]))["state"],
        "closed"
    );
}

#[test]
fn case_show_of_an_unknown_case_exits_4() {
    let fx = Fixture::new();
    let err = fx.fails(&["case", "show", "C-404"], 4);
    assert!(err.contains("C-404"), "{err}");
    fx.fails(&["case", "close", "C-404", "-i", &fx.id("mediator")], 4);
    fx.fails_as(
        "registrar",
        &[
            "case",
            "add-member",
            "C-404",
            "--mediator",
            &fx.card("outsider"),
        ],
        4,
    );
}

// ---------------------------------------------------------------------------------
// 4. deposit, list, read: round trips
// ---------------------------------------------------------------------------------

/// `who` reads `num` with `-o` into a fresh folder; returns the bytes written.
fn read_via_file(fx: &Fixture, who: &str, num: u64) -> Vec<u8> {
    let dir = fx.sandbox.join(format!("out-{who}-{num}"));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("doc.bin");
    fx.ok_as(
        who,
        &["read", CASE, &num.to_string(), "-o", &path_arg(&path)],
    );
    assert_eq!(
        names_in(&dir),
        BTreeSet::from(["doc.bin".to_owned()]),
        "read -o left other files"
    );
    std::fs::read(&path).unwrap()
}

#[test]
fn deposit_prints_its_number_on_the_first_line() {
    let fx = Fixture::new();
    for expected in 1..=3u64 {
        let path = fx.write(&format!("d{expected}.txt"), b"text");
        let out = fx.ok_as("claimant", &["deposit", CASE, &path]);
        assert_eq!(
            out.lines().next(),
            Some(format!("#{expected}").as_str()),
            "{out}"
        );
    }
}

#[test]
fn binary_and_empty_files_round_trip_byte_for_byte() {
    let fx = Fixture::new();
    let every_byte: Vec<u8> = (0..=255u8)
        .chain((0..=255u8).rev())
        .cycle()
        .take(256 * 64)
        .collect();
    let exact_256: Vec<u8> = (0..=255u8).collect();
    let cases: [(&str, &[u8]); 4] = [
        ("every-byte.bin", &every_byte),
        ("256.bin", &exact_256),
        ("empty.bin", b""),
        ("one.bin", b"\0"),
    ];
    for (name, body) in cases {
        let num = fx.deposit_bytes("claimant", name, body, &[]);
        assert_same_bytes(name, &read_via_file(&fx, "claimant", num), body);
        assert_same_bytes(name, &fx.read_stdout("mediator", num), body);
    }
}

#[test]
fn five_mib_random_and_compressible_files_round_trip_via_file_and_stdout() {
    let fx = Fixture::new();
    let random = pseudo_random(5 << 20, 42);
    let mut text = Vec::with_capacity(5 << 20);
    let mut i = 0u64;
    while text.len() < 5 << 20 {
        text.extend_from_slice(
            format!("§{i}. The respondent shall pay the claimant EUR {i},00 — Ülkü/田中.\n")
                .as_bytes(),
        );
        i += 1;
    }
    text.truncate(5 << 20);

    let r = fx.deposit_json("claimant", &fx.write("in/random.bin", &random), &[]);
    let t = fx.deposit_json("claimant", &fx.write("in/text.txt", &text), &[]);
    assert_eq!(r["size"], 5 << 20);
    assert_eq!(t["size"], 5 << 20);
    // Every new body is a zstd stream (random data in zstd's fast mode), padded.
    assert_eq!(r["encoding"], "zstd", "{r}");
    assert_eq!(t["encoding"], "zstd", "text was not compressed: {t}");
    let text_blob = std::fs::metadata(fx.blob(t["blob_sha256"].as_str().unwrap())).unwrap();
    assert!(
        text_blob.len() < (1 << 20),
        "compressible text took {} bytes",
        text_blob.len()
    );

    let rn = r["num"].as_u64().unwrap();
    let tn = t["num"].as_u64().unwrap();
    assert_same_bytes(
        "random via -o",
        &read_via_file(&fx, "cocounsel", rn),
        &random,
    );
    assert_same_bytes("text via -o", &read_via_file(&fx, "mediator", tn), &text);
    assert_same_bytes(
        "random via stdout",
        &fx.read_stdout("claimant", rn),
        &random,
    );
}

#[test]
fn non_ascii_file_name_and_title_show_up_in_list() {
    let fx = Fixture::new();
    let file = fx.write("in/Schriftsatz – Ülkü 田中.pdf", b"%PDF-1.7 not really");
    let n1 = fx.deposit("claimant", &file, &[]);
    let n2 = fx.deposit(
        "claimant",
        &fx.write("in/plain.txt", b"x"),
        &["--title", "Stellungnahme – Çağrı Åström 東京 🕊"],
    );
    for who in ["claimant", "mediator"] {
        let out = fx.ok_as(who, &["list", CASE]);
        assert!(out.contains("Schriftsatz – Ülkü 田中.pdf"), "{who}:\n{out}");
        assert!(
            out.contains("Stellungnahme – Çağrı Åström 東京 🕊"),
            "{who}:\n{out}"
        );
        let json = fx.listing(who);
        let docs = json["readable"].as_array().unwrap();
        let by_num = |n: u64| docs.iter().find(|d| d["num"] == n).unwrap().clone();
        assert_eq!(by_num(n1)["title"], "Schriftsatz – Ülkü 田中.pdf");
        assert_eq!(by_num(n1)["file_name"], "Schriftsatz – Ülkü 田中.pdf");
        assert_eq!(by_num(n1)["media_type"], "application/pdf");
        assert_eq!(by_num(n2)["title"], "Stellungnahme – Çağrı Åström 東京 🕊");
    }
    // The respondent's listing holds neither title.
    let out = fx.ok_as("respondent", &["list", CASE]);
    assert!(
        !out.contains("Schriftsatz") && !out.contains("Stellungnahme"),
        "{out}"
    );
}

#[test]
fn deposit_from_stdin_round_trips() {
    let fx = Fixture::new();
    let body: Vec<u8> = pseudo_random(300_000, 7);
    let out = exec(
        fx.cmd_as("respondent")
            .args([
                "deposit",
                CASE,
                "-",
                "--title",
                "Piped exhibit",
                "--category",
                "evidence",
            ])
            .write_stdin(body.clone()),
    );
    let num = first_line_num(&expect_ok("deposit -", &out));
    assert_same_bytes(
        "stdin deposit",
        &read_via_file(&fx, "respondent", num),
        &body,
    );
    let list = fx.listing("respondent");
    assert_eq!(list["readable"][0]["title"], "Piped exhibit");
    assert_eq!(list["readable"][0]["size"], 300_000);
    // An empty standard input makes an empty document.
    let out = exec(
        fx.cmd_as("respondent")
            .args(["deposit", CASE, "-"])
            .write_stdin(Vec::new()),
    );
    let num = first_line_num(&expect_ok("deposit - (empty)", &out));
    assert!(fx.read_stdout("respondent", num).is_empty());
}

#[test]
fn titles_file_names_and_contents_never_appear_in_clear_in_the_vault() {
    let fx = Fixture::new();
    let title = "Bottom line: accept EUR 4.2M";
    let name = "walk-away-ZQXJ.txt";
    let body = "CONFIDENTIAL-PLAINTEXT-MARKER ".repeat(2000);
    let file = fx.write(&format!("in/{name}"), body.as_bytes());
    fx.deposit(
        "claimant",
        &file,
        &["--category", "caucus", "--title", title],
    );
    fx.deposit("claimant", &file, &["--category", "brief"]);
    for (path, digest) in tree_digest(&fx.vault) {
        if digest == "dir" {
            continue;
        }
        let bytes = std::fs::read(fx.vault.join(&path)).unwrap();
        for secret in [title, name, "CONFIDENTIAL-PLAINTEXT-MARKER", "walk-away"] {
            assert!(
                !contains_bytes(&bytes, secret.as_bytes()),
                "`{secret}` is readable in {}",
                path.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// 5. deposit refusals leave the vault unchanged
// ---------------------------------------------------------------------------------

/// What a refused deposit must not change: a party member's listing, the public case
/// summary and every name under `blobs/`.
fn vault_state(fx: &Fixture) -> (String, String, String, BTreeSet<String>) {
    (
        fx.ok_as("claimant", &["--json", "list", CASE]),
        fx.ok_as("respondent", &["--json", "list", CASE]),
        fx.ok(&["--json", "case", "show", CASE]),
        fx.blob_names(),
    )
}

/// Run `deposit` as `who`, expect `code`, and check the vault did not change.
fn refused_deposit(fx: &Fixture, who: &str, args: &[&str], code: i32) -> String {
    let before = vault_state(fx);
    let mut all = vec!["deposit"];
    all.extend_from_slice(args);
    let err = fx.fails_as(who, &all, code);
    assert_eq!(
        vault_state(fx),
        before,
        "refused `{}` changed the vault",
        all.join(" ")
    );
    err
}

/// A fixture with one document already deposited, and a file to deposit.
fn fixture_with_a_document() -> (Fixture, String) {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "first.txt", b"first", &[]);
    let file = fx.write("in/next.txt", b"the next document");
    (fx, file)
}

#[test]
fn outsider_cannot_deposit() {
    let (fx, file) = fixture_with_a_document();
    let err = refused_deposit(&fx, "outsider", &[CASE, &file], 1);
    assert!(err.contains("not a member"), "{err}");
}

#[test]
fn mediator_deposits_only_mediator_notes_procedural_and_settlement_documents() {
    let (fx, file) = fixture_with_a_document();
    for cat in ["brief", "caucus", "evidence"] {
        let err = refused_deposit(&fx, "mediator", &[CASE, &file, "--category", cat], 1);
        assert!(err.contains("mediator"), "{err}");
    }
    let note = fx.deposit("mediator", &file, &["--category", "mediator-note"]);
    let order = fx.deposit("mediator", &file, &["--category", "procedural"]);
    // Draft settlement terms, tabled to every party.
    let terms = fx.deposit("mediator", &file, &["--category", "settlement"]);
    assert_eq!((note, order, terms), (2, 3, 4));
    for who in ["claimant", "respondent", "archivist"] {
        fx.read_stdout(who, terms);
    }
}

#[test]
fn party_cannot_deposit_a_mediator_note() {
    let (fx, file) = fixture_with_a_document();
    for who in ["claimant", "cocounsel", "respondent"] {
        let err = refused_deposit(&fx, who, &[CASE, &file, "--category", "mediator-note"], 1);
        assert!(err.contains("mediator"), "{err}");
    }
}

#[test]
fn other_roles_deposit_only_what_the_table_allows() {
    let (fx, file) = fixture_with_a_document();
    for cat in ["brief", "caucus", "settlement", "mediator-note"] {
        refused_deposit(&fx, "registrar", &[CASE, &file, "--category", cat], 1);
    }
    for who in ["archivist", "custodian1"] {
        for cat in ["brief", "procedural", "settlement"] {
            refused_deposit(&fx, who, &[CASE, &file, "--category", cat], 1);
        }
    }
    // A party member may not deposit for the other party.
    refused_deposit(
        &fx,
        "claimant",
        &[CASE, &file, "--as-party", "respondent"],
        1,
    );
    // The registrar may deposit procedural documents.
    fx.deposit("registrar", &file, &["--category", "procedural"]);
}

#[test]
fn deposit_usage_errors_exit_2_and_change_nothing() {
    let (fx, file) = fixture_with_a_document();
    let err = refused_deposit(&fx, "claimant", &[CASE, &file, "--category", "memo"], 2);
    assert!(err.contains("memo") && err.contains("caucus"), "{err}");
    std::fs::create_dir(fx.sandbox.join("a-folder")).unwrap();
    let folder = fx.arg("a-folder");
    let err = refused_deposit(&fx, "claimant", &[CASE, &folder], 2);
    assert!(err.contains("a-folder"), "{err}");
    let long = "x".repeat(501);
    let err = refused_deposit(&fx, "claimant", &[CASE, &file, "--title", &long], 2);
    assert!(err.contains("500"), "{err}");
    refused_deposit(&fx, "claimant", &[CASE, &file, "--title", "two\nlines"], 2);
    refused_deposit(&fx, "claimant", &[CASE, &file, "--title", "   "], 2);
    let err = refused_deposit(
        &fx,
        "claimant",
        &[CASE, &file, "--category", "caucus", "--share-with-all"],
        2,
    );
    assert!(
        err.contains("--share-with-all: sharing with every party"),
        "{err}"
    );
    // No identity given.
    let before = vault_state(&fx);
    fx.fails(&["deposit", CASE, &file], 2);
    assert_eq!(vault_state(&fx), before);
}

#[test]
fn a_title_of_500_characters_is_accepted_whatever_their_bytes() {
    let fx = Fixture::new();
    let title = "Ü".repeat(500);
    let num = fx.deposit_bytes("claimant", "t.txt", b"t", &["--title", &title]);
    assert_eq!(
        fx.listing("claimant")["readable"][0]["title"],
        title.as_str()
    );
    assert_eq!(num, 1);
}

#[test]
fn deposit_into_an_unknown_case_or_of_a_missing_file_exits_4() {
    let (fx, file) = fixture_with_a_document();
    let err = refused_deposit(&fx, "claimant", &["C-404", &file], 4);
    assert!(err.contains("C-404"), "{err}");
    let err = refused_deposit(&fx, "claimant", &[CASE, &fx.arg("in/nope.pdf")], 4);
    assert!(err.contains("nope.pdf"), "{err}");
}

#[test]
fn deposit_after_close_is_refused() {
    let (fx, file) = fixture_with_a_document();
    fx.ok_as("mediator", &["case", "close", CASE]);
    let err = refused_deposit(&fx, "claimant", &[CASE, &file], 1);
    assert!(err.contains("closed"), "{err}");
    refused_deposit(
        &fx,
        "mediator",
        &[CASE, &file, "--category", "mediator-note"],
        1,
    );
    refused_deposit(
        &fx,
        "registrar",
        &[CASE, &file, "--category", "procedural"],
        1,
    );
}

// ---------------------------------------------------------------------------------
// 6. reads and their refusals
// ---------------------------------------------------------------------------------

/// The members who try to read every document.
const READERS: [&str; 7] = [
    "registrar",
    "mediator",
    "claimant",
    "cocounsel",
    "respondent",
    "archivist",
    "custodian1",
];

#[test]
fn each_category_reaches_exactly_the_readers_the_table_gives() {
    let fx = Fixture::new();
    // (depositor, category, extra flags, who may read; anyone else is refused)
    let cases: [(&str, &str, &[&str], &[&str]); 8] = [
        (
            "claimant",
            "caucus",
            &[],
            &["mediator", "claimant", "cocounsel"],
        ),
        (
            "cocounsel",
            "brief",
            &[],
            &["mediator", "claimant", "cocounsel"],
        ),
        (
            "respondent",
            "brief",
            &["--share-with-all"],
            &["mediator", "claimant", "cocounsel", "respondent"],
        ),
        ("respondent", "evidence", &[], &["mediator", "respondent"]),
        (
            "cocounsel",
            "settlement",
            &[],
            &[
                "mediator",
                "claimant",
                "cocounsel",
                "respondent",
                "archivist",
            ],
        ),
        (
            "registrar",
            "procedural",
            &[],
            &[
                "registrar",
                "mediator",
                "claimant",
                "cocounsel",
                "respondent",
                "archivist",
            ],
        ),
        (
            "mediator",
            "procedural",
            &[],
            &[
                "registrar",
                "mediator",
                "claimant",
                "cocounsel",
                "respondent",
                "archivist",
            ],
        ),
        ("mediator", "mediator-note", &[], &["mediator"]),
        // (procedural: the parties, mediators, archivist and registrar, per the
        // README's table; custodians hold an escrow share, not a seat at the table.)
    ];
    let mut docs = Vec::new();
    for (i, (depositor, category, extra, allowed)) in cases.iter().enumerate() {
        let body = format!("document {i}: {category} by {depositor}\n").repeat(i + 1);
        let mut flags = vec!["--category", category];
        flags.extend_from_slice(extra);
        let num = fx.deposit_bytes(depositor, &format!("doc{i}.txt"), body.as_bytes(), &flags);
        docs.push((num, *category, body, *allowed));
    }
    for (num, category, body, allowed) in &docs {
        for who in READERS {
            if allowed.contains(&who) {
                let got = fx.read_stdout(who, *num);
                assert_same_bytes(
                    &format!("{who} reading #{num} ({category})"),
                    &got,
                    body.as_bytes(),
                );
            } else {
                let out = fx.run_as(who, &["read", CASE, &num.to_string()]);
                expect_failure(&format!("{who} reading #{num} ({category})"), &out, 1);
                assert!(out.stdout.is_empty(), "a refused read wrote to stdout");
            }
        }
    }
    // `list` agrees with `read`: each member sees exactly the numbers they may read.
    for who in READERS {
        let listing = fx.listing(who);
        let listed: BTreeSet<u64> = listing["readable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["num"].as_u64().unwrap())
            .collect();
        let expected: BTreeSet<u64> = docs
            .iter()
            .filter(|(.., allowed)| allowed.contains(&who))
            .map(|(n, ..)| *n)
            .collect();
        assert_eq!(listed, expected, "{who}'s listing");
        assert_eq!(
            listed.len() as u64 + listing["unreadable"].as_u64().unwrap(),
            docs.len() as u64,
            "{who}'s listing does not account for every document"
        );
    }
}

#[test]
fn caucus_refusal_names_who_can_read_it() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"our limit",
        &["--category", "caucus"],
    );
    let err = fx.fails_as("respondent", &["read", CASE, &num.to_string()], 1);
    assert!(err.contains("claimant"), "{err}");
    assert!(err.contains("mediators"), "{err}");
    assert!(!err.contains("our limit"), "{err}");
    // A refused read with -o leaves no file and no temp file.
    std::fs::create_dir(fx.sandbox.join("refused")).unwrap();
    let target = fx.arg("refused/caucus.txt");
    fx.fails_as(
        "respondent",
        &["read", CASE, &num.to_string(), "-o", &target],
        1,
    );
    assert!(names_in(&fx.sandbox.join("refused")).is_empty());
    // Co-counsel of the owner party reads it.
    assert_same_bytes(
        "co-counsel",
        &fx.read_stdout("cocounsel", num),
        b"our limit",
    );
}

#[test]
fn read_rejects_bad_numbers_unknown_documents_and_outsiders() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "a.txt", b"a", &[]);
    let err = fx.fails_as("claimant", &["read", CASE, "99"], 4);
    assert!(err.contains("99"), "{err}");
    fx.fails_as("claimant", &["read", CASE, "#99"], 4);
    for bad in ["abc", "0", "#", "1.5", "#x", "##1", " 1"] {
        fx.fails_as("claimant", &["read", CASE, bad], 2);
    }
    fx.fails_as("claimant", &["read", CASE, "--", "-1"], 2);
    // An -o folder that does not exist: nothing is read.
    let err = fx.fails_as(
        "claimant",
        &["read", CASE, "1", "-o", &fx.arg("no-such-folder/a.txt")],
        4,
    );
    assert!(err.contains("no-such-folder"), "{err}");
    fx.fails_as("claimant", &["read", "C-404", "1"], 4);
    fx.fails_as("outsider", &["read", CASE, "1"], 1);
    fx.fails_as("outsider", &["list", CASE], 1);
    fx.fails(&["read", CASE, "1"], 2);
}

#[test]
fn read_accepts_hash_and_plain_numbers() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "a.txt", b"first", &[]);
    fx.deposit_bytes("claimant", "b.txt", b"second", &[]);
    for arg in ["#2", "2"] {
        let out = fx.run_as("claimant", &["read", CASE, arg]);
        assert_eq!(expect_ok(arg, &out), "second");
    }
    let path = fx.arg("hash-two.txt");
    fx.ok_as("claimant", &["read", CASE, "#2", "-o", &path]);
    assert_eq!(
        std::fs::read(fx.sandbox.join("hash-two.txt")).unwrap(),
        b"second"
    );
    // A relative -o lands in the working directory.
    fx.ok_as("claimant", &["read", CASE, "1", "-o", "relative.txt"]);
    assert_eq!(
        std::fs::read(fx.sandbox.join("relative.txt")).unwrap(),
        b"first"
    );
}

#[test]
fn concurrent_deposits_get_distinct_numbers_and_all_read_back() {
    let fx = Fixture::new();
    let people = ["claimant", "cocounsel", "respondent", "mediator"];
    let nums: Vec<(u64, &str, Vec<u8>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let fx = &fx;
                let who = people[i % people.len()];
                s.spawn(move || {
                    let body = pseudo_random(50_000 + i, i as u64);
                    let cat: &[&str] = if who == "mediator" {
                        &["--category", "mediator-note"]
                    } else {
                        &[]
                    };
                    let num = fx.deposit_bytes(who, &format!("p{i}.bin"), &body, cat);
                    (num, who, body)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let distinct: BTreeSet<u64> = nums.iter().map(|(n, ..)| *n).collect();
    assert_eq!(distinct, (1..=8).collect::<BTreeSet<u64>>());
    for (num, who, body) in &nums {
        assert_same_bytes(&format!("#{num}"), &fx.read_stdout(who, *num), body);
    }
    assert_eq!(fx.blob_names().len(), 8);
}

#[test]
fn read_refuses_to_overwrite_an_existing_output_file() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "a.txt", b"new contents", &[]);
    let target = fx.write("keep.txt", b"precious");
    // A usage error (exit 2) that names the way to replace it.
    let err = fx.fails_as(
        "claimant",
        &["read", CASE, &num.to_string(), "-o", &target],
        2,
    );
    assert!(err.contains("keep.txt") && err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read(fx.sandbox.join("keep.txt")).unwrap(),
        b"precious"
    );
    let leftovers: Vec<String> = names_in(fx.sandbox.path())
        .into_iter()
        .filter(|n| n.starts_with(".sealroom"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn read_o_with_sync_writes_the_same_file_and_sync_needs_o() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "a.txt", b"flushed contents", &[]);
    let n = num.to_string();
    for (name, extra) in [("plain.txt", None), ("synced.txt", Some("--sync"))] {
        let target = fx.sandbox.arg(name);
        let mut args = vec!["read", CASE, n.as_str(), "-o", target.as_str()];
        args.extend(extra);
        fx.ok_as("claimant", &args);
        assert_eq!(
            std::fs::read(fx.sandbox.join(name)).unwrap(),
            b"flushed contents"
        );
    }
    // --sync is about the output file: without -o it is a usage error, and nothing is
    // read (no read statement lands in the log).
    let before = fx.ok_as("mediator", &["log", CASE]);
    let out = fx.run_as("claimant", &["read", CASE, &n, "--sync"]);
    expect_clap_usage("read --sync without -o", &out);
    assert_eq!(fx.ok_as("mediator", &["log", CASE]), before);
}

#[test]
fn list_counts_the_documents_the_caller_cannot_read() {
    let fx = Fixture::new();
    fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"c",
        &["--category", "caucus", "--title", "Limit"],
    );
    fx.deposit_bytes(
        "claimant",
        "brief.txt",
        b"b",
        &["--title", "Claimant brief"],
    );
    fx.deposit_bytes(
        "mediator",
        "note.txt",
        b"n",
        &["--category", "mediator-note"],
    );
    fx.deposit_bytes(
        "respondent",
        "resp.txt",
        b"r",
        &["--title", "Respondent brief"],
    );

    let out = fx.ok_as("respondent", &["list", CASE]);
    assert!(out.contains("1 document(s) you can read"), "{out}");
    assert!(out.contains("3 other document(s)"), "{out}");
    assert!(out.contains("Respondent brief"), "{out}");
    assert!(
        !out.contains("Limit") && !out.contains("Claimant brief"),
        "{out}"
    );
    assert_eq!(fx.listing("respondent")["unreadable"], 3);

    let out = fx.ok_as("claimant", &["list", CASE]);
    assert!(out.contains("2 document(s) you can read"), "{out}");
    assert!(out.contains("2 other document(s)"), "{out}");

    let out = fx.ok_as("mediator", &["list", CASE]);
    assert!(out.contains("4 document(s) you can read"), "{out}");
    assert!(!out.contains("other document(s)"), "{out}");
    assert_eq!(fx.listing("mediator")["unreadable"], 0);
}

// ---------------------------------------------------------------------------------
// 7. integrity of the stored ciphertext
// ---------------------------------------------------------------------------------

/// Deposit `body` as the claimant; returns its number and blob path.
fn deposit_for_tampering(fx: &Fixture, name: &str, body: &[u8]) -> (u64, PathBuf) {
    let d = fx.deposit_json("claimant", &fx.write(&format!("in/{name}"), body), &[]);
    let sha = d["blob_sha256"].as_str().expect("blob_sha256").to_owned();
    (d["num"].as_u64().unwrap(), fx.blob(&sha))
}

/// Reading `num` must fail with exit 3: with `-o` no file (nor temp file) appears,
/// and to standard output the exit is 3 too.
fn assert_read_fails_integrity(fx: &Fixture, num: u64, what: &str) {
    for who in ["claimant", "mediator"] {
        let dir = fx.sandbox.join(format!("out-{what}-{who}"));
        std::fs::create_dir(&dir).unwrap();
        let out_path = dir.join("out");
        let out = fx.run_as(
            who,
            &["read", CASE, &num.to_string(), "-o", &path_arg(&out_path)],
        );
        let err = expect_failure(&format!("{what}: {who} read -o"), &out, 3);
        assert!(
            !out_path.exists(),
            "{what}: read -o left its output file ({err})"
        );
        assert!(
            names_in(&dir).is_empty(),
            "{what}: read -o left {:?}",
            names_in(&dir)
        );
        let out = fx.run_as(who, &["read", CASE, &num.to_string()]);
        expect_failure(&format!("{what}: {who} read to stdout"), &out, 3);
    }
}

#[test]
fn a_flipped_byte_in_a_blob_fails_read_with_exit_3_and_leaves_no_file() {
    let fx = Fixture::new();
    let random = pseudo_random(300_000, 3);
    let text = "clause 7 shall survive termination\n".repeat(10_000);
    for (name, body) in [("random.bin", random), ("text.txt", text.into_bytes())] {
        let (num, blob) = deposit_for_tampering(&fx, name, &body);
        let mut bytes = std::fs::read(&blob).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x01;
        std::fs::write(&blob, &bytes).unwrap();
        assert_read_fails_integrity(&fx, num, name);
    }
    // The other documents are untouched and still read.
    let ok = fx.deposit_bytes("claimant", "fine.txt", b"fine", &[]);
    assert_eq!(fx.read_stdout("claimant", ok), b"fine");
}

#[test]
fn a_truncated_blob_fails_read_with_exit_3_and_leaves_no_file() {
    let fx = Fixture::new();
    let body = pseudo_random(300_000, 4);
    let (num, blob) = deposit_for_tampering(&fx, "cut-in-half.bin", &body);
    let len = std::fs::metadata(&blob).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&blob)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    assert_read_fails_integrity(&fx, num, "half");

    // Cut just at the end (the last chunk), and inside the header.
    let (num, blob) = deposit_for_tampering(&fx, "cut-at-end.bin", &body);
    let len = std::fs::metadata(&blob).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&blob)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    assert_read_fails_integrity(&fx, num, "end");
    let (num, blob) = deposit_for_tampering(&fx, "cut-in-header.bin", &body);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&blob)
        .unwrap()
        .set_len(40)
        .unwrap();
    assert_read_fails_integrity(&fx, num, "header");
}

#[test]
fn a_missing_or_swapped_blob_fails_read_with_exit_3() {
    let fx = Fixture::new();
    let (a, blob_a) = deposit_for_tampering(&fx, "a.bin", &pseudo_random(100_000, 5));
    let (b, blob_b) = deposit_for_tampering(&fx, "b.bin", &pseudo_random(100_000, 6));
    // Document a's blob now holds b's ciphertext.
    std::fs::copy(&blob_b, &blob_a).unwrap();
    assert_read_fails_integrity(&fx, a, "swapped");
    std::fs::remove_file(&blob_b).unwrap();
    assert_read_fails_integrity(&fx, b, "missing");
    // Appending bytes after the age file is noticed too.
    let body = pseudo_random(100_000, 8);
    let (c, blob_c) = deposit_for_tampering(&fx, "c.bin", &body);
    let mut bytes = std::fs::read(&blob_c).unwrap();
    bytes.extend_from_slice(b"trailing garbage");
    std::fs::write(&blob_c, &bytes).unwrap();
    assert_read_fails_integrity(&fx, c, "appended");
}

#[test]
fn a_tampered_database_record_fails_read_with_exit_3() {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"our limit",
        &["--category", "caucus"],
    );
    let brief = fx.deposit_bytes("claimant", "brief.txt", b"our brief", &[]);
    let conn = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
    // Relabel the caucus statement as procedural, and the brief as the respondent's.
    conn.execute(
        "UPDATE documents SET category = 'procedural' WHERE num = ?1",
        [caucus],
    )
    .unwrap();
    conn.execute(
        "UPDATE documents SET owner = 'respondent' WHERE num = ?1",
        [brief],
    )
    .unwrap();
    drop(conn);
    for num in [caucus, brief] {
        assert_read_fails_integrity(&fx, num, &format!("relabelled-{num}"));
    }
}

#[test]
fn a_damaged_body_state_fails_list_and_read_instead_of_hiding_the_document() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "brief.txt", b"our brief", &[]);
    let conn = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
    // One flipped byte on disk: SQLite does not re-check a CHECK constraint on read.
    conn.execute_batch("PRAGMA ignore_check_constraints = ON")
        .unwrap();
    conn.execute(
        "UPDATE documents SET body_state = 'livd' WHERE num = ?1",
        [num],
    )
    .unwrap();
    drop(conn);
    let err = fx.fails_as("claimant", &["list", CASE], 3);
    assert!(err.contains(&format!("#{num}'s row is damaged")), "{err}");
    assert_read_fails_integrity(&fx, num, "body-state");
}

#[test]
fn case_show_gives_the_signed_opening_time_whatever_the_cases_row_says() {
    let fx = Fixture::new();
    let show = |fx: &Fixture| -> serde_json::Value {
        serde_json::from_str(&fx.ok(&["--json", "case", "show", CASE])).unwrap()
    };
    let signed = show(&fx)["opened_at"].as_str().unwrap().to_owned();
    let conn = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
    conn.execute(
        "UPDATE cases SET opened_at = '1999-01-01T00:00:00Z' WHERE reference = ?1",
        [CASE],
    )
    .unwrap();
    drop(conn);
    assert_eq!(show(&fx)["opened_at"].as_str(), Some(signed.as_str()));
}

// ---------------------------------------------------------------------------------
// 8. --json
// ---------------------------------------------------------------------------------

#[test]
fn deposit_json_has_num_case_category_and_owner() {
    let fx = Fixture::new();
    let file = fx.write("in/c.txt", b"caucus");
    let d = fx.deposit_json("cocounsel", &file, &["--category", "caucus"]);
    assert_eq!(d["num"], 1);
    assert_eq!(d["case"], CASE);
    assert_eq!(d["category"], "caucus");
    assert_eq!(d["owner"], "claimant");
    let sha = d["blob_sha256"].as_str().unwrap();
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "{d}"
    );
    assert_eq!(fx.blob_names(), BTreeSet::from([sha.to_owned()]));
    let d = fx.deposit_json("mediator", &file, &["--category", "mediator-note"]);
    assert_eq!(
        (d["num"].as_u64(), d["owner"].as_str()),
        (Some(2), Some("mediators"))
    );
}

#[test]
fn list_json_has_readable_titles_and_an_unreadable_count() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "a.txt", b"a", &["--title", "Opening brief"]);
    fx.deposit_bytes("respondent", "b.txt", b"b", &["--title", "Reply"]);
    let l = fx.listing("claimant");
    assert_eq!(l["case"], CASE);
    let readable = l["readable"].as_array().expect("readable is an array");
    assert_eq!(readable.len(), 1);
    assert_eq!(readable[0]["title"], "Opening brief");
    assert_eq!(readable[0]["num"], 1);
    assert_eq!(l["unreadable"], 1);
    let l = fx.listing("mediator");
    let titles: Vec<&str> = l["readable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Opening brief", "Reply"]);
    assert_eq!(l["unreadable"], 0);
}

#[test]
fn read_json_with_output_file_describes_what_was_written() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "a.txt", b"abc", &["--title", "Alpha"]);
    let out = fx.ok_as(
        "claimant",
        &[
            "--json",
            "read",
            CASE,
            &num.to_string(),
            "-o",
            &fx.arg("a.out"),
        ],
    );
    let v = parse_json(&out);
    assert_eq!(v["document"]["title"], "Alpha", "{v}");
    assert_eq!(v["document"]["size"], 3, "{v}");
    assert_eq!(std::fs::read(fx.sandbox.join("a.out")).unwrap(), b"abc");
}

#[test]
fn case_show_json_has_members() {
    let fx = Fixture::new();
    let show = parse_json(&fx.ok(&["--json", "case", "show", CASE]));
    assert_eq!(show["case"], CASE);
    assert_eq!(show["policy"], "consent");
    assert_eq!(show["threshold"], 2);
    let members = show["members"].as_array().expect("members is an array");
    assert_eq!(members.len(), 9, "{show}");
    let names: BTreeSet<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for (stem, name) in PEOPLE {
        assert_eq!(names.contains(name), stem != "outsider", "{name} in {show}");
    }
    let claimants = members
        .iter()
        .filter(|m| m["role"] == "party" && m["label"] == "claimant")
        .count();
    assert_eq!(claimants, 2);
    let list = parse_json(&fx.ok(&["--json", "case", "list"]));
    assert_eq!(list[0]["case"], CASE);
    // keygen and card speak JSON too.
    let card = parse_json(&fx.ok(&["--json", "card", "-i", &fx.id("claimant")]));
    assert_eq!(card["name"], "Ana Ruiz");
    assert_eq!(card["card"], fx.cards["claimant"].as_str());
}

#[test]
fn errors_under_json_are_one_line_on_stderr_and_nothing_on_stdout() {
    let fx = Fixture::new();
    for (args, code) in [
        (vec!["--json", "read", CASE, "7", "-o", "never-written"], 4),
        (vec!["--json", "read", CASE, "1"], 2),
        (vec!["--json", "deposit", CASE, "/nonexistent/x"], 4),
        (vec!["--json", "case", "close", CASE], 1),
    ] {
        let out = fx.run_as("claimant", &args);
        expect_failure(&args.join(" "), &out, code);
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    }
}

// ---------------------------------------------------------------------------------
// 9. demo
// ---------------------------------------------------------------------------------

/// The demo's closing tally must say every step did what it says.
fn assert_demo_passed(out: &str) {
    assert!(!out.contains("  FAIL "), "a demo step failed:\n{out}");
    let tally = out
        .lines()
        .rev()
        .find(|l| l.ends_with("steps did what they say."))
        .unwrap_or_else(|| panic!("no closing tally:\n{out}"));
    let nums: Vec<u64> = tally
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        nums.len() == 2 && nums[0] == nums[1] && nums[0] > 0,
        "the tally is not N of N: {tally}"
    );
    let tail: Vec<&str> = out.lines().rev().take(4).collect();
    assert!(
        tail.contains(&tally),
        "the tally is not among the last lines:\n{out}"
    );
}

#[test]
fn demo_runs_every_step_and_removes_its_temp_folder() {
    let sb = Sandbox::new();
    let out = sb.ok(&["demo"]);
    assert_demo_passed(&out);
    assert!(
        names_in(&sb.tmpdir()).is_empty(),
        "demo left {:?} in TMPDIR",
        names_in(&sb.tmpdir())
    );
}

#[test]
fn demo_remote_runs_every_step_against_a_vault_service_on_loopback() {
    let sb = Sandbox::new();
    let out = sb.ok(&["demo", "--remote"]);
    assert_demo_passed(&out);
    assert!(
        out.contains("serves the vault at https://127.0.0.1:"),
        "the demo did not say where it served the vault:\n{out}"
    );
    assert!(
        names_in(&sb.tmpdir()).is_empty(),
        "demo --remote left files in TMPDIR"
    );
}

#[test]
fn demo_dir_keeps_a_vault_and_identities_that_work_afterwards() {
    let sb = Sandbox::new();
    let d = sb.join("kept demo");
    let out = sb.ok(&["demo", "--dir", &path_arg(&d)]);
    assert_demo_passed(&out);
    assert!(d.join("vault/sealroom.db").is_file());
    for who in [
        "registrar",
        "mediator",
        "claimant",
        "respondent",
        "archivist",
    ] {
        assert!(d.join(format!("identities/{who}.id")).is_file(), "{who}.id");
        assert!(
            d.join(format!("identities/{who}.card")).is_file(),
            "{who}.card"
        );
    }
    // This machine's user joins the case with the fingerprint the demo printed.
    let fingerprint = out
        .lines()
        .find_map(|l| l.split_once("read out by the registrar to every member: "))
        .map(|(_, fp)| fp.trim().to_owned())
        .expect("the demo prints the charter fingerprint");
    let vault_arg = path_arg(&d.join("vault"));
    sb.fails(
        &[
            "list",
            "DEMO-2026-001",
            "-i",
            &path_arg(&d.join("identities/claimant.id")),
            "--vault",
            &vault_arg,
        ],
        1,
    );
    sb.ok(&[
        "case",
        "join",
        "DEMO-2026-001",
        "--charter",
        &fingerprint,
        "--vault",
        &vault_arg,
    ]);
    let list = sb.ok(&[
        "list",
        "DEMO-2026-001",
        "-i",
        &path_arg(&d.join("identities/claimant.id")),
        "--vault",
        &path_arg(&d.join("vault")),
    ]);
    assert!(list.contains("DEMO-2026-001"), "{list}");
    assert!(list.contains("document(s) you can read"), "{list}");
    // The respondent cannot read the claimant's caucus document #1.
    let out = sb.run(&[
        "read",
        "DEMO-2026-001",
        "1",
        "-i",
        &path_arg(&d.join("identities/respondent.id")),
        "--vault",
        &path_arg(&d.join("vault")),
    ]);
    expect_failure("the respondent reads the demo's caucus #1", &out, 1);
}

#[test]
fn demo_dir_refuses_a_folder_it_already_used_and_leaves_it_alone() {
    let sb = Sandbox::new();
    let d = sb.join("demo");
    sb.ok(&["demo", "--dir", &path_arg(&d)]);
    let before = tree_digest(&d);
    let out = sb.run(&["demo", "--dir", &path_arg(&d)]);
    assert_eq!(
        tree_digest(&d),
        before,
        "a second demo changed the first one's folder"
    );
    // Like keygen and init, the demo never overwrites: that is a refusal (exit 1),
    // not a failure of the system (exit 6).
    let err = expect_failure("a second demo in the same folder", &out, 1);
    assert!(err.contains("exists"), "{err}");
}
