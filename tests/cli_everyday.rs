//! The everyday commands a new user looked for (issue 15), driven as a person would:
//! `list` and `log` filters, the refused-attempt records (`log --refusals`), `passwd`,
//! `vault backup` and `vault restore`, exports to SSH recipients, and the help and
//! completion that show only what applies.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command as Process;

use common::*;

/// The numbers a `list --json` shows.
fn nums(listing: &serde_json::Value) -> Vec<u64> {
    listing["readable"]
        .as_array()
        .expect("readable is an array")
        .iter()
        .map(|d| d["num"].as_u64().expect("num"))
        .collect()
}

/// `list C-1 --json FILTERS` as the mediator.
fn mediator_list(fx: &Fixture, filters: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "list", CASE];
    args.extend_from_slice(filters);
    parse_json(&fx.ok_as("mediator", &args))
}

/// `log C-1 --json FILTERS`: the entries as (act, num).
fn log_entries(fx: &Fixture, filters: &[&str]) -> Vec<(String, Option<u64>, String)> {
    let mut args = vec!["--json", "log", CASE];
    args.extend_from_slice(filters);
    parse_json(&fx.ok(&args))
        .as_array()
        .expect("the log is an array")
        .iter()
        .map(|l| {
            (
                l["act"].as_str().unwrap().to_owned(),
                l["num"].as_u64(),
                l["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The fingerprint (hex) of one of the fixture's people, from `card --json`.
fn fingerprint_hex(fx: &Fixture, who: &str) -> String {
    let card = parse_json(&fx.ok_as(who, &["--json", "card"]));
    card["fingerprint"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

#[test]
fn list_and_log_filters_keep_exactly_what_they_name() {
    let fx = Fixture::new();
    let brief = fx.deposit_bytes("claimant", "brief.txt", b"claimant brief", &[]);
    let caucus = fx.deposit_bytes(
        "claimant",
        "range.txt",
        b"claimant caucus",
        &["--category", "caucus"],
    );
    let evidence = fx.deposit_bytes(
        "respondent",
        "invoice.txt",
        b"respondent evidence",
        &["--category", "evidence"],
    );
    let note = fx.deposit_bytes(
        "mediator",
        "note.txt",
        b"mediator note",
        &["--category", "mediator-note"],
    );
    fx.read_stdout("respondent", evidence);

    // Everything the mediator reads, then each filter alone, then combined.
    assert_eq!(
        nums(&mediator_list(&fx, &[])),
        [brief, caucus, evidence, note]
    );
    let claimant = mediator_list(&fx, &["--party", "claimant"]);
    assert_eq!(nums(&claimant), [brief, caucus]);
    assert_eq!(claimant["filtered_out"], 2);
    assert_eq!(claimant["unreadable"], 0);
    assert_eq!(
        nums(&mediator_list(&fx, &["--category", "caucus"])),
        [caucus]
    );
    assert_eq!(
        nums(&mediator_list(&fx, &["--actor", fx.name("respondent")])),
        [evidence]
    );
    // A name in other letter case, and the start of a fingerprint, name the same person.
    assert_eq!(
        nums(&mediator_list(
            &fx,
            &["--actor", &fx.name("claimant").to_uppercase()]
        )),
        [brief, caucus]
    );
    let fpr = fingerprint_hex(&fx, "respondent");
    assert_eq!(
        nums(&mediator_list(&fx, &["--actor", &fpr[..12]])),
        [evidence]
    );
    assert_eq!(
        nums(&mediator_list(
            &fx,
            &["--party", "claimant", "--category", "brief"]
        )),
        [brief]
    );
    // Dates: today's deposits are in "since yesterday" and not in "until yesterday".
    let now = std::time::SystemTime::now();
    let day = |offset_days: i64| {
        let t = if offset_days < 0 {
            now - std::time::Duration::from_secs(86_400 * (-offset_days) as u64)
        } else {
            now + std::time::Duration::from_secs(86_400 * offset_days as u64)
        };
        humantime::format_rfc3339_seconds(t).to_string()[..10].to_owned()
    };
    assert_eq!(nums(&mediator_list(&fx, &["--since", &day(-1)])).len(), 4);
    let none = mediator_list(&fx, &["--until", &day(-1)]);
    assert_eq!(nums(&none), Vec::<u64>::new());
    assert_eq!(none["filtered_out"], 4);
    let text = fx.ok_as("mediator", &["list", CASE, "--since", &day(1)]);
    assert!(
        text.contains("0 document(s) you can read match (4 others you can read do not)"),
        "{text}"
    );
    // The respondent's own view: a filter never shows what they cannot read.
    let mut args = vec!["--json", "list", CASE, "--party", "claimant"];
    let theirs = parse_json(&fx.ok_as("respondent", &args));
    assert_eq!(nums(&theirs), Vec::<u64>::new());
    args.truncate(3);

    // Bad filters: one sentence, the right code.
    let err = fx.fails_as("mediator", &["list", CASE, "--party", "intervener"], 4);
    assert!(err.contains("no party `intervener`"), "{err}");
    let err = fx.fails_as("mediator", &["list", CASE, "--actor", "Nobody Known"], 4);
    assert!(
        err.contains("nobody in case C-1 is called `Nobody Known`"),
        "{err}"
    );
    let err = fx.fails_as("mediator", &["list", CASE, "--since", "30/11/2026"], 2);
    assert!(err.contains("is not a date"), "{err}");
    let err = fx.fails_as(
        "mediator",
        &[
            "list",
            CASE,
            "--since",
            "2026-12-02",
            "--until",
            "2026-12-01",
        ],
        2,
    );
    assert!(
        err.contains("--since: the start of the period is after its end"),
        "{err}"
    );
    let out = fx.run_as("mediator", &["list", CASE, "--category", "memo"]);
    let err = expect_clap_usage("an unknown category", &out);
    assert!(err.contains("memo"), "{err}");

    // The log: by actor, by party (their acts and acts on their documents), by category.
    let all = log_entries(&fx, &[]);
    let respondent = log_entries(&fx, &["--actor", fx.name("respondent")]);
    assert_eq!(
        respondent
            .iter()
            .map(|(a, n, _)| (a.as_str(), *n))
            .collect::<Vec<_>>(),
        [("deposit", Some(evidence)), ("read", Some(evidence))]
    );
    assert!(respondent
        .iter()
        .all(|(_, _, who)| who == fx.name("respondent")));
    let caucus_entries = log_entries(&fx, &["--category", "caucus"]);
    assert_eq!(
        caucus_entries
            .iter()
            .map(|(a, n, _)| (a.as_str(), *n))
            .collect::<Vec<_>>(),
        [("deposit", Some(caucus))]
    );
    let claimant_entries = log_entries(&fx, &["--party", "claimant"]);
    assert!(
        claimant_entries
            .iter()
            .all(|(_, n, _)| *n == Some(brief) || *n == Some(caucus)),
        "{claimant_entries:?}"
    );
    assert_eq!(claimant_entries.len(), 2);
    assert!(log_entries(&fx, &["--since", &day(1)]).is_empty());
    assert_eq!(log_entries(&fx, &["--since", &day(-1)]).len(), all.len());
    let err = fx.fails(&["log", CASE, "--verify", "--party", "claimant"], 2);
    assert!(err.contains("--verify checks the whole log"), "{err}");
}

#[test]
fn refused_attempts_are_recorded_signed_and_chained() {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes(
        "claimant",
        "range.txt",
        b"our walk-away number",
        &["--category", "caucus"],
    );
    assert_eq!(
        fx.ok(&["log", CASE, "--refusals"]).lines().count(),
        1,
        "no refusals yet"
    );

    // The respondent tries to read the claimant's caucus; an outsider tries to list.
    let err = fx.fails_as("respondent", &["read", CASE, &caucus.to_string()], 1);
    fx.fails_as("outsider", &["list", CASE], 1);
    fx.fails_as(
        "respondent",
        &["disclose", CASE, &caucus.to_string(), "--to", "respondent"],
        1,
    );

    let shown = parse_json(&fx.ok(&["--json", "log", CASE, "--refusals"]));
    let records = shown.as_array().expect("an array");
    assert_eq!(records.len(), 3, "{shown:#}");
    let first = &records[0];
    assert_eq!(first["act"], "read");
    assert_eq!(first["num"], caucus);
    assert_eq!(first["actor_name"], fx.name("respondent"));
    assert!(
        first["actor"]
            .as_str()
            .unwrap()
            .starts_with(&fingerprint_hex(&fx, "respondent")),
        "{first}"
    );
    assert_eq!(first["seq"], 0);
    assert_eq!(first["prev"], "");
    assert!(
        err.contains(first["reason"].as_str().unwrap()),
        "the record keeps the sentence the user saw: {err} / {first}"
    );
    assert_eq!(records[1]["act"], "list");
    assert_eq!(records[1]["actor_name"], fx.name("outsider"));
    assert_ne!(records[1]["prev"], "");
    assert_eq!(records[2]["act"], "disclose");

    // Filters work on refusals too, a stranger's name included.
    let by_outsider = parse_json(&fx.ok(&[
        "--json",
        "log",
        CASE,
        "--refusals",
        "--actor",
        fx.name("outsider"),
    ]));
    assert_eq!(by_outsider.as_array().unwrap().len(), 1);
    let text = fx.ok(&["log", CASE, "--refusals", "--category", "caucus"]);
    assert!(text.contains("read") && text.contains("disclose"), "{text}");
    assert!(!text.contains(" list "), "{text}");

    // Refusals are not in the members' log, which still verifies.
    assert!(log_entries(&fx, &[]).iter().all(|(a, _, _)| a != "read"));
    fx.ok(&["log", CASE, "--verify"]);

    // Whoever edits or removes a record is caught.
    let db = fx.vault.join("sealroom.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE refusals SET record = replace(record, 'read', 'list') WHERE seq = 0",
        [],
    )
    .unwrap();
    let err = fx.fails(&["log", CASE, "--refusals"], 3);
    assert!(
        err.contains("refusal record 0") && err.contains("not signed"),
        "{err}"
    );
    let report = fx
        .sandbox
        .run(&["--json", "doctor", "--vault", &path_arg(&fx.vault)]);
    assert_eq!(
        report.status.code(),
        Some(3),
        "doctor misses an edited refusal record"
    );
    assert!(String::from_utf8_lossy(&report.stdout).contains("\"refusals\""));
    conn.execute("DELETE FROM refusals WHERE seq = 0", [])
        .unwrap();
    let err = fx.fails(&["log", CASE, "--refusals"], 3);
    assert!(err.contains("out of place"), "{err}");
}

/// An identity file made with `keygen` under `pass`.
fn keygen_with(sb: &Sandbox, rel: &str, pass: &str, extra: &[&str]) -> std::process::Output {
    let mut cmd = sb.cmd();
    cmd.env("SEALROOM_PASSPHRASE", pass)
        .args(["keygen", "--name", "Ana Ruiz", "-o", &sb.arg(rel)])
        .args(extra);
    exec(&mut cmd)
}

/// `card -i FILE` with `SEALROOM_PASSPHRASE=pass` (or none).
fn card_with(sb: &Sandbox, rel: &str, pass: Option<&str>) -> std::process::Output {
    let mut cmd = sb.cmd();
    if let Some(p) = pass {
        cmd.env("SEALROOM_PASSPHRASE", p);
    }
    cmd.args(["card", "-i", &sb.arg(rel)]);
    exec(&mut cmd)
}

/// `passwd -i FILE` with the old and new passphrases in the environment.
fn passwd(
    sb: &Sandbox,
    rel: &str,
    old: Option<&str>,
    new: Option<&str>,
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = sb.cmd();
    if let Some(p) = old {
        cmd.env("SEALROOM_PASSPHRASE", p);
    }
    if let Some(p) = new {
        cmd.env("SEALROOM_NEW_PASSPHRASE", p);
    }
    cmd.args(["passwd", "-i", &sb.arg(rel)]).args(extra);
    exec(&mut cmd)
}

const OLD: &str = "granite orbit velvet kestrel";
const NEW: &str = "lantern mosaic quarry thimble";

#[test]
fn keygen_refuses_a_weak_passphrase_unless_told() {
    let sb = Sandbox::new();
    for weak in ["password", "x", "Ana Ruiz 1", "sealroom"] {
        let out = keygen_with(&sb, "weak.id", weak, &[]);
        let err = expect_failure(&format!("keygen with {weak:?}"), &out, 2);
        assert!(
            err.contains("weak") && err.contains("--allow-weak-passphrase"),
            "{err}"
        );
        assert!(
            !sb.join("weak.id").exists(),
            "a refused keygen wrote a file"
        );
    }
    let out = keygen_with(&sb, "weak.id", "password", &["--allow-weak-passphrase"]);
    expect_ok("keygen --allow-weak-passphrase", &out);
    let out = keygen_with(&sb, "strong.id", OLD, &[]);
    expect_ok("keygen with a strong passphrase", &out);
    let out = sb.run(&[
        "keygen",
        "--name",
        "x",
        "-o",
        "y",
        "--no-passphrase",
        "--allow-weak-passphrase",
    ]);
    expect_clap_usage("--no-passphrase with --allow-weak-passphrase", &out);
}

#[test]
fn passwd_changes_adds_and_removes_a_passphrase_in_place() {
    let sb = Sandbox::new();
    let card = expect_ok("keygen", &keygen_with(&sb, "ana.id", OLD, &[]));
    let before = std::fs::read(sb.join("ana.id")).unwrap();

    // Refusals leave the file as it was: wrong old passphrase, weak new one, none.
    let err = expect_failure(
        "passwd, wrong old",
        &passwd(&sb, "ana.id", Some("wrong horse"), Some(NEW), &[]),
        5,
    );
    assert!(err.contains("passphrase"), "{err}");
    let err = expect_failure(
        "passwd, weak new",
        &passwd(&sb, "ana.id", Some(OLD), Some("password"), &[]),
        2,
    );
    assert!(
        err.contains("SEALROOM_NEW_PASSPHRASE") && err.contains("--allow-weak-passphrase"),
        "{err}"
    );
    let err = expect_failure(
        "passwd, no new",
        &passwd(&sb, "ana.id", Some(OLD), None, &[]),
        2,
    );
    assert!(err.contains("SEALROOM_NEW_PASSPHRASE"), "{err}");
    assert_eq!(std::fs::read(sb.join("ana.id")).unwrap(), before);

    // Change it: the old passphrase no longer opens it, the new one opens the same card.
    let out = expect_ok("passwd", &passwd(&sb, "ana.id", Some(OLD), Some(NEW), &[]));
    assert!(out.contains("Changed the passphrase"), "{out}");
    expect_failure(
        "card with the old passphrase",
        &card_with(&sb, "ana.id", Some(OLD)),
        5,
    );
    assert_eq!(
        expect_ok("card with the new", &card_with(&sb, "ana.id", Some(NEW))),
        card
    );
    let mode = std::fs::metadata(sb.join("ana.id"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the identity file stays private");

    // Remove it, then add one back.
    let json = parse_json(&expect_ok(
        "passwd --no-passphrase",
        &passwd(
            &sb,
            "ana.id",
            Some(NEW),
            None,
            &["--json", "--no-passphrase"],
        ),
    ));
    assert_eq!(json["passphrase_protected"], false);
    assert_eq!(json["was_passphrase_protected"], true);
    assert_eq!(
        expect_ok("card, no passphrase", &card_with(&sb, "ana.id", None)),
        card
    );
    let err = expect_failure(
        "passwd --no-passphrase twice",
        &passwd(&sb, "ana.id", None, None, &["--no-passphrase"]),
        2,
    );
    assert!(err.contains("no passphrase already"), "{err}");
    let out = expect_ok("passwd, add", &passwd(&sb, "ana.id", None, Some(OLD), &[]));
    assert!(out.contains("Added the passphrase"), "{out}");
    assert_eq!(
        expect_ok("card after adding", &card_with(&sb, "ana.id", Some(OLD))),
        card
    );

    // No temp file stays behind.
    let left: Vec<String> = names_in(sb.path())
        .into_iter()
        .filter(|n| n.starts_with(".sealroom"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let err = sb.fails(&["passwd"], 2);
    assert!(err.contains("-i FILE"), "{err}");
}

#[test]
fn vault_backup_and_restore_make_checked_copies_and_never_overwrite() {
    let fx = Fixture::new();
    let brief = fx.deposit_bytes("claimant", "brief.txt", b"the claimant's brief", &[]);
    let copy = fx.sandbox.join("backups/2026-11-30");
    let out = fx.ok(&["vault", "backup", &path_arg(&copy)]);
    assert!(out.contains("1 case(s), 1 bodies"), "{out}");
    for file in ["sealroom.db", "log.key", "blobs"] {
        assert!(copy.join(file).exists(), "the backup lacks {file}");
    }
    // Refusals: onto itself, onto anything that exists.
    let err = fx.fails(&["vault", "backup", &path_arg(&copy)], 1);
    assert!(err.contains("never overwrites"), "{err}");
    let err = fx.fails(&["vault", "restore", &path_arg(&copy)], 1);
    assert!(err.contains("never overwrites"), "{err}");

    // A restore is a working vault: doctor passes, the document reads back.
    let restored = fx.sandbox.join("restored");
    let out = fx.sandbox.ok(&[
        "vault",
        "restore",
        &path_arg(&copy),
        "--vault",
        &path_arg(&restored),
    ]);
    assert!(out.contains("Restored"), "{out}");
    fx.sandbox.ok(&["doctor", "--vault", &path_arg(&restored)]);
    let got = fx.sandbox.run(&[
        "read",
        CASE,
        &brief.to_string(),
        "--vault",
        &path_arg(&restored),
        "-i",
        &fx.id("claimant"),
    ]);
    assert_eq!(
        expect_ok("read from the restored vault", &got),
        "the claimant's brief"
    );

    // A damaged backup is refused and nothing is made.
    let blob = std::fs::read_dir(copy.join("blobs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let again = fx.sandbox.join("again");
    let err = fx.sandbox.fails(
        &[
            "vault",
            "restore",
            &path_arg(&copy),
            "--vault",
            &path_arg(&again),
        ],
        3,
    );
    assert!(err.contains("failed its check"), "{err}");
    assert!(!again.exists());
    let left: Vec<String> = names_in(&fx.sandbox.join("backups"))
        .into_iter()
        .chain(names_in(fx.sandbox.path()))
        .filter(|n| n.starts_with(".sealroom"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn vault_copy_makes_a_checked_folder_and_a_damaged_body_stops_it() {
    let fx = Fixture::new();
    let brief = fx.deposit_bytes("claimant", "brief.txt", b"the claimant's brief", &[]);
    let copy = fx.sandbox.join("moved/vault");
    let out = fx.sandbox.ok(&[
        "vault",
        "copy",
        "--from",
        &path_arg(&fx.vault),
        "--to",
        &path_arg(&copy),
    ]);
    assert!(
        out.contains("Copied the vault into") && out.contains("1 case(s), 1 bodies"),
        "{out}"
    );
    let got = fx.sandbox.run(&[
        "read",
        CASE,
        &brief.to_string(),
        "--vault",
        &path_arg(&copy),
        "-i",
        &fx.id("claimant"),
    ]);
    assert_eq!(
        expect_ok("read from the copy", &got),
        "the claimant's brief"
    );
    // --database without --blobs is a usage error, before anything is made.
    let out = fx.sandbox.run(&[
        "vault",
        "copy",
        "--from",
        &path_arg(&fx.vault),
        "--to",
        &fx.sandbox.arg("half"),
        "--database",
        "postgres://sealroom@127.0.0.1/sealroom",
    ]);
    expect_clap_usage("--database alone", &out);
    assert!(!fx.sandbox.join("half").exists());

    // A damaged body in the source stops the copy, and nothing is left of it.
    let blob = fx.blob_names().into_iter().next().unwrap();
    let path = fx.blob(&blob);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let again = fx.sandbox.join("moved/again");
    let err = fx.sandbox.fails(
        &[
            "vault",
            "copy",
            "--from",
            &path_arg(&fx.vault),
            "--to",
            &path_arg(&again),
        ],
        3,
    );
    assert!(err.contains("damaged"), "{err}");
    assert!(!again.exists());
    let left: Vec<String> = names_in(&fx.sandbox.join("moved"))
        .into_iter()
        .filter(|n| n.starts_with(".sealroom"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn export_to_ssh_recipients_opens_with_stock_age_and_ssh_keys() {
    if !(tool_installed("age") && tool_installed("ssh-keygen")) {
        if std::env::var_os("CI").is_some() {
            panic!("the stock age and ssh-keygen tools are not installed, and CI must have them");
        }
        eprintln!("SKIPPED: the stock age or ssh-keygen tool is not installed");
        return;
    }
    let fx = Fixture::new();
    let text = b"exported to counsel's ssh key".repeat(100);
    let num = fx.deposit_bytes("claimant", "brief.txt", &text, &[]);
    for (kind, bits) in [("ed25519", None), ("rsa", Some("2048"))] {
        let key = fx.sandbox.join(format!("counsel_{kind}"));
        let mut keygen = Process::new("ssh-keygen");
        keygen
            .args([
                "-q",
                "-t",
                kind,
                "-N",
                "",
                "-C",
                "counsel@example.org",
                "-f",
            ])
            .arg(&key);
        if let Some(b) = bits {
            keygen.args(["-b", b]);
        }
        assert!(keygen.status().expect("run ssh-keygen").success());
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let out_file = fx.sandbox.join(format!("brief-{kind}.age"));
        let json = parse_json(&fx.ok_as(
            "claimant",
            &[
                "--json",
                "export",
                CASE,
                &num.to_string(),
                "--recipient",
                public.trim(),
                "-o",
                &path_arg(&out_file),
            ],
        ));
        assert!(
            json["recipient"]
                .as_str()
                .unwrap()
                .starts_with(&format!("ssh-{kind}")),
            "{json}"
        );
        let opened = Process::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&key)
            .arg(&out_file)
            .output()
            .expect("run age");
        assert!(
            opened.status.success(),
            "{}",
            String::from_utf8_lossy(&opened.stderr)
        );
        assert_same_bytes(
            &format!("age -d with the {kind} key"),
            &opened.stdout,
            &text,
        );
    }
    let history = fx.ok(&["log", CASE]);
    assert!(history.contains("to ssh-ed25519 AAAA"), "{history}");

    // Mistakes, each with its own sentence; nothing written, nothing logged.
    let entries = log_entries(&fx, &[]).len();
    for (recipient, says) in [
        ("ssh-ed25519 AAAAC3Nza", "malformed"),
        ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=", "ecdsa"),
        ("age1xyz", "starts like an age recipient"),
        ("AGE-SECRET-KEY-1XYZ", "secret key"),
        ("bob@example.org", "is not a recipient"),
    ] {
        let out_file = fx.sandbox.join("never.age");
        let err = fx.fails_as(
            "claimant",
            &["export", CASE, &num.to_string(), "--recipient", recipient, "-o", &path_arg(&out_file)],
            2,
        );
        assert!(err.contains(says), "{recipient}: {err}");
        assert!(!out_file.exists());
    }
    assert_eq!(log_entries(&fx, &[]).len(), entries);
}

#[test]
fn help_shows_only_the_options_a_command_takes_and_categories_complete() {
    let sb = Sandbox::new();
    let keygen = sb.ok(&["keygen", "--help"]);
    for absent in ["--identity", "--receipt", "--vault"] {
        assert!(
            !keygen.contains(absent),
            "keygen --help shows {absent}:\n{keygen}"
        );
    }
    let deposit = sb.ok(&["deposit", "--help"]);
    for present in ["--identity", "--receipt", "--vault", "--json"] {
        assert!(deposit.contains(present), "deposit --help lacks {present}");
    }
    let verify = sb.ok(&["archive", "verify", "--help"]);
    assert!(
        !verify.contains("--identity") && !verify.contains("--vault"),
        "{verify}"
    );
    let log = sb.ok(&["log", "--help"]);
    assert!(
        !log.contains("--identity") && !log.contains("--receipt"),
        "{log}"
    );
    // Hidden is still accepted where the environment sets it for every command.
    let out = sb.run(&[
        "keygen",
        "--name",
        "Ana",
        "-o",
        &sb.arg("a.id"),
        "--no-passphrase",
        "-i",
        "whatever.id",
    ]);
    expect_ok("keygen with a stray -i", &out);

    // Tab completion after --category offers the categories, not file names.
    let bash = sb.ok(&["completions", "bash"]);
    assert!(
        bash.contains("caucus brief evidence settlement procedural mediator-note"),
        "the bash completion does not list the categories"
    );
    let zsh = sb.ok(&["completions", "zsh"]);
    assert!(
        zsh.contains(r#"mediator-note\:"the mediators only""#),
        "zsh lacks the categories' help"
    );
}

#[test]
fn a_vault_with_a_sealed_case_backs_up_and_restores() {
    // Sealing moves most bodies out of the vault (their blobs are removed, their rows
    // stay as `archived`); a backup copies only the bodies still in the vault.
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"the brief", &[]);
    let settlement = fx.deposit_bytes(
        "mediator",
        "settlement.txt",
        b"the settlement",
        &["--category", "settlement"],
    );
    fx.ok_as("mediator", &["case", "close", CASE]);
    let archive = fx.sandbox.join("C-1.sealed");
    fx.ok_as(
        "archivist",
        &[
            "seal",
            CASE,
            "--retain-until",
            "2036-12-31",
            "-o",
            &path_arg(&archive),
        ],
    );
    let copy = fx.sandbox.join("backup");
    let out = fx.ok(&["vault", "backup", &path_arg(&copy)]);
    assert!(out.contains("1 case(s), 1 bodies"), "{out}");
    let restored = fx.sandbox.join("restored");
    fx.sandbox.ok(&[
        "vault",
        "restore",
        &path_arg(&copy),
        "--vault",
        &path_arg(&restored),
    ]);
    fx.sandbox.ok(&["doctor", "--vault", &path_arg(&restored)]);
    let got = fx.sandbox.run(&[
        "read",
        CASE,
        &settlement.to_string(),
        "--vault",
        &path_arg(&restored),
        "-i",
        &fx.id("claimant"),
    ]);
    assert_eq!(
        expect_ok("read the settlement kept in the vault", &got),
        "the settlement"
    );
}

#[test]
fn the_archive_ledger_records_releases_and_openings_and_catches_edits() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"the brief", &[]);
    fx.ok_as("mediator", &["case", "close", CASE]);
    let archive = fx.sandbox.join("C-1.sealed");
    let a = path_arg(&archive);
    fx.ok_as(
        "archivist",
        &["seal", CASE, "--retain-until", "2036-12-31", "-o", &a],
    );
    let ledger = fx.sandbox.join("C-1.sealed.ledger");
    assert!(!ledger.exists(), "sealing writes no ledger line");
    for c in ["custodian1", "custodian2"] {
        let out = fx.ok_as(
            c,
            &[
                "archive",
                "release",
                &a,
                "--to",
                &fx.card("outsider"),
                "-o",
                &fx.arg(format!("{c}.release")),
            ],
        );
        assert!(out.contains("Recorded in the ledger"), "{out}");
    }
    let opened = fx.sandbox.join("opened");
    fx.ok_as(
        "outsider",
        &[
            "archive",
            "open",
            &a,
            "--share",
            &fx.arg("custodian1.release"),
            "--share",
            &fx.arg("custodian2.release"),
            "-o",
            &path_arg(&opened),
        ],
    );

    let shown = parse_json(&fx.ok(&["--json", "archive", "show", &a, "--ledger"]));
    let records = shown["ledger"].as_array().expect("the ledger in JSON");
    let acts: Vec<(&str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["act"].as_str().unwrap(),
                r["actor_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        acts,
        [
            ("release", fx.name("custodian1")),
            ("release", fx.name("custodian2")),
            ("open", fx.name("outsider")),
        ]
    );
    assert!(records[0]["to"]
        .as_str()
        .unwrap()
        .starts_with(fx.name("outsider")));
    let shares: Vec<&str> = records[2]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        shares[0].starts_with(fx.name("custodian1"))
            && shares[1].starts_with(fx.name("custodian2")),
        "{shares:?}"
    );
    let text = fx.ok(&["archive", "show", &a, "--ledger"]);
    assert!(
        text.contains("3 records, every signature and link checked"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "opened it with the shares of {}",
            fx.name("custodian1")
        )),
        "{text}"
    );
    // Without --ledger, no ledger in the output.
    assert!(parse_json(&fx.ok(&["--json", "archive", "show", &a]))
        .get("ledger")
        .is_none());

    // Nothing leaves unrecorded: no ledger, no release file, no opened folder.
    let nowhere = path_arg(&fx.sandbox.join("no/such/folder/x.ledger"));
    let c3 = fx.sandbox.join("c3.release");
    fx.fails_as(
        "custodian3",
        &[
            "archive",
            "release",
            &a,
            "--to",
            &fx.card("outsider"),
            "-o",
            &path_arg(&c3),
            "--ledger",
            &nowhere,
        ],
        4,
    );
    assert!(
        !c3.exists(),
        "a release was written without its ledger line"
    );
    let opened2 = fx.sandbox.join("opened2");
    let err = fx.fails_as(
        "outsider",
        &[
            "archive",
            "open",
            &a,
            "--share",
            &fx.arg("custodian1.release"),
            "--share",
            &fx.arg("custodian2.release"),
            "-o",
            &path_arg(&opened2),
            "--ledger",
            &nowhere,
        ],
        4,
    );
    assert!(err.contains("removed again"), "{err}");
    assert!(
        !opened2.exists(),
        "an opening stayed without its ledger line"
    );

    // Edits and removals are caught, naming the line.
    let original = std::fs::read_to_string(&ledger).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    assert_eq!(lines.len(), 3);
    let edited = original.replacen(fx.name("custodian2"), "Someone Else", 1);
    std::fs::write(&ledger, &edited).unwrap();
    let err = fx.fails(&["archive", "show", &a, "--ledger"], 3);
    assert!(err.contains("line 2"), "{err}");
    std::fs::write(&ledger, format!("{}\n{}\n", lines[1], lines[2])).unwrap();
    let err = fx.fails(&["archive", "show", &a, "--ledger"], 3);
    assert!(
        err.contains("line 1") && err.contains("out of place"),
        "{err}"
    );
    // Another ledger file can be named.
    std::fs::write(&ledger, &original).unwrap();
    let copy = fx.sandbox.join("kept.ledger");
    std::fs::copy(&ledger, &copy).unwrap();
    let shown = parse_json(&fx.ok(&[
        "--json",
        "archive",
        "show",
        &a,
        "--ledger",
        &path_arg(&copy),
    ]));
    assert_eq!(shown["ledger"].as_array().unwrap().len(), 3);
}
