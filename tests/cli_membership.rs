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

/// The number of statements in [`CASE`]'s log.
fn entries(fx: &Fixture) -> usize {
    parse_json(&fx.ok(&["--json", "log", CASE]))
        .as_array()
        .map(|a| a.len())
        .or_else(|| {
            parse_json(&fx.ok(&["--json", "log", CASE]))["entries"]
                .as_array()
                .map(|a| a.len())
        })
        .expect("log entries")
}

fn read_ok(fx: &Fixture, who: &str, num: u64) -> Vec<u8> {
    fx.read_stdout(who, num)
}

#[test]
fn later_co_counsel_is_granted_their_partys_earlier_documents() {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes(
        "claimant",
        "c.txt",
        b"our bottom line",
        &["--category", "caucus"],
    );
    let brief = fx.deposit_bytes("claimant", "b.txt", b"our brief", &[]);
    let theirs = fx.deposit_bytes("respondent", "r.txt", b"their brief", &[]);
    fx.add_person("dana", "Dana Kim");
    fx.ok_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("dana")),
        ],
    );
    // Added later: earlier documents are not hers yet.
    fx.fails_as("dana", &["read", CASE, &caucus.to_string()], 1);
    // The respondent cannot grant her anything of the claimant's, nor she herself.
    let err = fx.fails_as(
        "respondent",
        &[
            "grant",
            CASE,
            &caucus.to_string(),
            "--to-member",
            &fx.card("dana"),
        ],
        1,
    );
    assert!(err.contains("cannot read"), "{err}");
    // Ana cannot grant her the respondent's brief (not disclosed to the claimant).
    let err = fx.fails_as(
        "mediator",
        &[
            "grant",
            CASE,
            &theirs.to_string(),
            "--to-member",
            &fx.card("dana"),
        ],
        1,
    );
    assert!(err.contains("not entitled"), "{err}");
    // An outsider is no member to grant to.
    let err = fx.fails_as(
        "claimant",
        &[
            "grant",
            CASE,
            &caucus.to_string(),
            "--to-member",
            &fx.card("outsider"),
        ],
        1,
    );
    assert!(err.contains("not a member"), "{err}");
    let before = entries(&fx);
    let out = fx.ok_as(
        "claimant",
        &["grant", CASE, "--all", "--to-member", &fx.card("dana")],
    );
    assert!(
        out.contains(&format!("#{caucus}")) && out.contains(&format!("#{brief}")),
        "{out}"
    );
    assert!(!out.contains(&format!("#{theirs}")), "{out}");
    assert_eq!(entries(&fx), before + 2, "one grant statement per document");
    assert_eq!(read_ok(&fx, "dana", caucus), b"our bottom line");
    assert_eq!(read_ok(&fx, "dana", brief), b"our brief");
    fx.fails_as("dana", &["read", CASE, &theirs.to_string()], 1);
    // Nothing left to grant: said so, nothing logged.
    let out = fx.ok_as(
        "claimant",
        &["grant", CASE, "--all", "--to-member", &fx.card("dana")],
    );
    assert!(out.contains("nothing changed"), "{out}");
    fx.ok(&["log", CASE, "--verify"]);
}

#[test]
fn a_removed_member_acts_no_more_and_rekey_cuts_their_old_keys_off() {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes(
        "claimant",
        "c.txt",
        b"caucus one",
        &["--category", "caucus"],
    );
    let cocounsel = fingerprint_of(&fx, "cocounsel");
    // Only the registrar may remove.
    fx.fails_as(
        "claimant",
        &[
            "case",
            "remove-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("cocounsel")),
        ],
        1,
    );
    let out = fx.ok_as(
        "registrar",
        &[
            "case",
            "remove-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("cocounsel")),
            "--rekey",
        ],
    );
    // The registrar cannot read the caucus: it is left for a reader, and said so.
    assert!(
        out.contains(&format!("#{caucus}")) && out.contains("sealroom rekey"),
        "{out}"
    );
    // Ben may no longer act, nor receive new documents.
    let err = fx.fails_as("cocounsel", &["list", CASE], 1);
    assert!(err.contains("not a member"), "{err}");
    let later = fx.deposit_bytes("claimant", "d.txt", b"later", &["--category", "caucus"]);
    let json = parse_json(&fx.ok_as("claimant", &["--json", "list", CASE]));
    let doc = json["readable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["num"] == later)
        .unwrap()
        .clone();
    assert!(
        !doc["readers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == fx.name("cocounsel")),
        "{doc}"
    );
    // His wrap of the caucus is still stored until a reader re-keys it.
    let db = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
    let wraps_for = |num: u64| -> i64 {
        db.query_row(
            "SELECT COUNT(*) FROM wraps WHERE num = ?1 AND reader = ?2",
            rusqlite::params![num, cocounsel],
            |r| r.get(0),
        )
        .unwrap()
    };
    let blob_of = |num: u64| -> String {
        db.query_row("SELECT blob FROM documents WHERE num = ?1", [num], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(wraps_for(caucus), 1);
    let old_blob = blob_of(caucus);
    let out = fx.ok_as("mediator", &["rekey", CASE, "--all"]);
    assert!(
        out.contains(&format!("#{caucus}")) && out.contains("1 removed member"),
        "{out}"
    );
    assert_eq!(wraps_for(caucus), 0);
    assert_ne!(blob_of(caucus), old_blob, "the body was not re-encrypted");
    assert!(
        !fx.vault.join("blobs").join(&old_blob).exists(),
        "the old body is still there"
    );
    assert_eq!(read_ok(&fx, "claimant", caucus), b"caucus one");
    assert_eq!(read_ok(&fx, "mediator", caucus), b"caucus one");
    // Nothing more to re-key.
    let out = fx.ok_as("mediator", &["rekey", CASE, "--all"]);
    assert!(out.contains("nothing changed"), "{out}");
    fx.ok(&["log", CASE, "--verify"]);
    // The last member of a party and the last mediator stay: replace them instead.
    let err = fx.fails_as(
        "registrar",
        &[
            "case",
            "remove-member",
            CASE,
            "--mediator",
            &fx.card("mediator"),
        ],
        1,
    );
    assert!(err.contains("replace"), "{err}");
}

#[test]
fn a_lost_identity_is_replaced_and_its_party_grants_the_new_one_access() {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes(
        "claimant",
        "c.txt",
        b"ana's caucus",
        &["--category", "caucus"],
    );
    let procedural = fx.deposit_bytes(
        "registrar",
        "p.txt",
        b"order 1",
        &["--category", "procedural"],
    );
    fx.add_person("ana2", "Ana Ruiz (new laptop)");
    // The new card may not be the other side's counsel.
    let err = fx.fails_as(
        "registrar",
        &[
            "case",
            "replace-member",
            CASE,
            "--old",
            &fx.card("claimant"),
            "--new",
            &fx.card("respondent"),
        ],
        1,
    );
    assert!(err.contains("respondent party"), "{err}");
    let out = fx.ok_as(
        "registrar",
        &[
            "case",
            "replace-member",
            CASE,
            "--old",
            &fx.card("claimant"),
            "--new",
            &fx.card("ana2"),
        ],
    );
    // The registrar reads the procedural order and grants it; the caucus is pending.
    assert!(out.contains(&format!("Granted #{procedural}")), "{out}");
    assert!(
        out.contains("sealroom grant") && out.contains(&format!("#{caucus}")),
        "{out}"
    );
    assert_eq!(read_ok(&fx, "ana2", procedural), b"order 1");
    fx.fails_as("ana2", &["read", CASE, &caucus.to_string()], 1);
    // The old identity acts no more.
    fx.fails_as("claimant", &["list", CASE], 1);
    // Her co-counsel grants the rest, and re-keys away from the lost key.
    fx.ok_as(
        "cocounsel",
        &["grant", CASE, "--all", "--to-member", &fx.card("ana2")],
    );
    assert_eq!(read_ok(&fx, "ana2", caucus), b"ana's caucus");
    fx.ok_as("cocounsel", &["rekey", CASE, "--all"]);
    assert_eq!(read_ok(&fx, "ana2", caucus), b"ana's caucus");
    let show = parse_json(&fx.ok(&["--json", "case", "show", CASE]));
    let names: Vec<&str> = show["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Ana Ruiz (new laptop)") && !names.contains(&fx.name("claimant")));
    fx.ok(&["log", CASE, "--verify"]);
    fx.ok(&["doctor"]);
    // And the case still closes and seals.
    fx.ok_as("mediator", &["case", "close", CASE]);
    fx.ok_as(
        "archivist",
        &[
            "seal",
            CASE,
            "--retain-until",
            "2036-12-31",
            "-o",
            &fx.arg("c1.sealed"),
        ],
    );
}

fn fingerprint_of(fx: &Fixture, who: &str) -> String {
    let card = std::fs::read_to_string(fx.card(who)).unwrap();
    let card = sealroom_engine::Card::parse(&card).unwrap();
    card.fingerprint().to_hex()
}

#[test]
fn membership_changes_in_json() {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes("claimant", "c.txt", b"x", &["--category", "caucus"]);
    fx.add_person("dana", "Dana Kim");
    fx.ok_as(
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("dana")),
        ],
    );
    let g = parse_json(&fx.ok_as(
        "claimant",
        &[
            "--json",
            "grant",
            CASE,
            "--all",
            "--to-member",
            &fx.card("dana"),
        ],
    ));
    assert_eq!(g["case"], CASE);
    assert_eq!(g["to"]["label"], "claimant");
    assert_eq!(g["to"]["name"], "Dana Kim");
    assert_eq!(g["granted"][0][0], caucus);
    assert!(g["receipt"].is_object(), "{g}");
    let r = parse_json(&fx.ok_as(
        "registrar",
        &[
            "--json",
            "case",
            "remove-member",
            CASE,
            "--party",
            &format!("claimant={}", fx.card("dana")),
        ],
    ));
    assert_eq!(r["removed"]["name"], "Dana Kim");
    assert_eq!(r["could_read"], serde_json::json!([caucus]));
    assert_eq!(r["pending"], serde_json::json!([caucus]));
    assert_eq!(r["rekeyed"], serde_json::json!([]));
    assert!(r.get("added").is_none(), "{r}");
    let k = parse_json(&fx.ok_as("mediator", &["--json", "rekey", CASE, "--all"]));
    assert_eq!(k["rekeyed"][0][0], caucus);
    assert_eq!(k["dropped"].as_array().unwrap().len(), 1);
}
