//! CLI scenario tests of controlled disclosure: `consent`, `disclose`, `revoke` (with
//! and without `--rekey`) and `export`, driven through the real `sealroom` binary as
//! the people of a mediation would drive it.
//!
//! The rules (DESIGN.md, "Documents and categories"): a member of the owner party
//! consents per document and per receiving party; the owner party may always disclose
//! its own documents; a mediator discloses under the `consent` policy only with that
//! consent, under `discretion` freely except `caucus` and `--confidential` deposits;
//! a `mediator-note` never reaches a party. `revoke` removes future access and
//! withdraws any consent; `--rekey` re-encrypts the body so copies of old key wraps
//! open nothing current. `export` writes a standard age file for an outside recipient.
//!
//! Exit codes: 1 refused by the case's rules, 2 usage, 3 integrity, 4 not found,
//! 5 wrong key or passphrase, 6 system error. Where the product's database is read
//! directly (rusqlite), it is only to look at what an attacker with a copy of the
//! vault would see, or to check that a refused command changed nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use common::*;

/// The second case of the discretion-policy test.
const CASE2: &str = "C-2";

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// `who` deposits `bytes` (as a fresh file `name`) in case `case` with `extra` flags;
/// the new number.
fn deposit_in(
    fx: &Fixture,
    case: &str,
    who: &str,
    name: &str,
    bytes: &[u8],
    extra: &[&str],
) -> u64 {
    let path = fx.write(&format!("in/{case}/{who}/{name}"), bytes);
    let mut args = vec!["deposit", case, path.as_str()];
    args.extend_from_slice(extra);
    first_line_num(&fx.ok_as(who, &args))
}

/// The vault's database, opened read-only.
fn db(fx: &Fixture) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        fx.vault.join("sealroom.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the vault database read-only")
}

/// Every row of the tables a disclosure act could touch, one string per row (blobs
/// shown by their SHA-256, so a difference stays readable).
fn db_rows(fx: &Fixture) -> Vec<String> {
    let conn = db(fx);
    let queries = [
        "SELECT 'case', id, reference, state, policy FROM cases ORDER BY id",
        "SELECT 'member', case_id, role, label, fingerprint FROM members ORDER BY 2, 3, 4, 5",
        "SELECT 'statement', case_id, seq, act, actor, at, body, signature FROM statements ORDER BY 2, 3",
        "SELECT 'document', case_id, num, owner, category, confidential, encoding, blob, blob_size, meta, body_seq FROM documents ORDER BY 2, 3",
        "SELECT 'wrap', case_id, num, reader, wrap, grant_seq FROM wraps ORDER BY 2, 3, 4",
        "SELECT 'consent', case_id, num, to_label, seq FROM consents ORDER BY 2, 3, 4",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let mut stmt = conn.prepare(sql).expect("prepare a snapshot query");
        let columns = stmt.column_count();
        let mut query = stmt.query([]).expect("run a snapshot query");
        while let Some(row) = query.next().expect("read a snapshot row") {
            let mut line = String::new();
            for i in 0..columns {
                match row.get_ref(i).expect("a column") {
                    rusqlite::types::ValueRef::Blob(b) => {
                        let _ = write!(line, "blob:{} ", &sha256_hex(b)[..16]);
                    }
                    other => {
                        let _ = write!(line, "{other:?} ");
                    }
                }
            }
            rows.push(line);
        }
    }
    rows
}

/// What a refused command must not change.
#[derive(Debug, PartialEq, Eq)]
struct VaultState {
    /// `list --json CASE` as the respondent, the claimant and the mediator.
    listings: Vec<String>,
    /// `case show --json CASE`.
    show: String,
    /// Every file under `blobs/` with the SHA-256 of its contents.
    blobs: BTreeMap<PathBuf, String>,
    /// The database rows of every case.
    rows: Vec<String>,
}

fn vault_state(fx: &Fixture, case: &str) -> VaultState {
    VaultState {
        listings: ["respondent", "claimant", "mediator"]
            .iter()
            .map(|who| fx.ok_as(who, &["--json", "list", case]))
            .collect(),
        show: fx.ok(&["--json", "case", "show", case]),
        blobs: tree_digest(&fx.vault.join("blobs")),
        rows: db_rows(fx),
    }
}

/// Assert `after` equals `before`, naming the part that changed.
fn assert_unchanged(what: &str, before: &VaultState, after: &VaultState) {
    assert_eq!(
        after.listings, before.listings,
        "{what}: a member's listing changed"
    );
    assert_eq!(after.show, before.show, "{what}: the case changed");
    assert_eq!(after.blobs, before.blobs, "{what}: blobs/ changed");
    if after.rows != before.rows {
        let gone: Vec<&String> = before
            .rows
            .iter()
            .filter(|r| !after.rows.contains(r))
            .collect();
        let new: Vec<&String> = after
            .rows
            .iter()
            .filter(|r| !before.rows.contains(r))
            .collect();
        panic!("{what}: the database changed\n  rows gone: {gone:#?}\n  rows new: {new:#?}");
    }
}

/// Run `args` (as `who`, or with no identity), which must fail with exit `code` and a
/// one-line error, and leave case `case` and the vault exactly as they were; the error.
fn refused(fx: &Fixture, case: &str, who: Option<&str>, args: &[&str], code: i32) -> String {
    let before = vault_state(fx, case);
    let err = match who {
        Some(who) => fx.fails_as(who, args, code),
        None => fx.fails(args, code),
    };
    let what = format!(
        "`sealroom {}` as {}",
        args.join(" "),
        who.unwrap_or("nobody")
    );
    assert_unchanged(&what, &before, &vault_state(fx, case));
    err
}

/// The entry of document `num` in `who`'s `list --json CASE`, if listed.
fn listed(fx: &Fixture, case: &str, who: &str, num: u64) -> Option<serde_json::Value> {
    let listing = parse_json(&fx.ok_as(who, &["--json", "list", case]));
    listing["readable"]
        .as_array()
        .expect("a readable array")
        .iter()
        .find(|d| d["num"].as_u64() == Some(num))
        .cloned()
}

/// `who` reads `num` of `case`, which must be refused (exit 1) and print nothing.
fn read_refused(fx: &Fixture, case: &str, who: &str, num: u64) -> String {
    let out = fx.run_as(who, &["read", case, &num.to_string()]);
    let err = expect_failure(&format!("{who} reading #{num} of {case}"), &out, 1);
    assert!(out.stdout.is_empty(), "a refused read wrote to stdout");
    err
}

/// `who` reads `num` of `case` to standard output; the bytes.
fn read_in(fx: &Fixture, case: &str, who: &str, num: u64) -> Vec<u8> {
    let out = fx.run_as(who, &["read", case, &num.to_string()]);
    assert!(
        out.status.success(),
        "{who} could not read #{num} of {case}: {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The current blob (SHA-256 name) and encoding of document `num` of `case`.
fn current_blob(fx: &Fixture, case: &str, num: u64) -> (String, String) {
    db(fx)
        .query_row(
            "SELECT d.blob, d.encoding FROM documents d JOIN cases c ON c.id = d.case_id
             WHERE c.reference = ?1 AND d.num = ?2",
            rusqlite::params![case, num],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the document's row")
}

/// The full fingerprint (hex) of the only member of party `label` in `case`.
fn party_fingerprint(fx: &Fixture, case: &str, label: &str) -> String {
    db(fx)
        .query_row(
            "SELECT m.fingerprint FROM members m JOIN cases c ON c.id = m.case_id
             WHERE c.reference = ?1 AND m.role = 'party' AND m.label = ?2",
            rusqlite::params![case, label],
            |r| r.get(0),
        )
        .expect("exactly one member of that party")
}

/// The wraps of document `num` of `case` that a `disclose` statement granted:
/// (reader fingerprint, wrap bytes).
fn disclosure_wraps(fx: &Fixture, case: &str, num: u64) -> Vec<(String, Vec<u8>)> {
    let conn = db(fx);
    let mut stmt = conn
        .prepare(
            "SELECT w.reader, w.wrap FROM wraps w
             JOIN statements s ON s.case_id = w.case_id AND s.seq = w.grant_seq
             JOIN cases c ON c.id = w.case_id
             WHERE s.act = 'disclose' AND c.reference = ?1 AND w.num = ?2
             ORDER BY w.reader",
        )
        .expect("prepare the wraps query");
    let rows = stmt
        .query_map(rusqlite::params![case, num], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query the wraps")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("read the wraps");
    rows
}

/// The X25519 age identity in an identity file written with `--no-passphrase` (a
/// plain-text file with an `age: AGE-SECRET-KEY-…` line).
fn age_identity_of(fx: &Fixture, who: &str) -> age::x25519::Identity {
    let text = std::fs::read_to_string(fx.sandbox.join(format!("people/{who}.id")))
        .expect("read the identity file");
    let secret = text
        .lines()
        .find_map(|l| l.strip_prefix("age: "))
        .unwrap_or_else(|| panic!("{who}'s identity file has no `age: ` line"));
    age::x25519::Identity::from_str(secret.trim()).expect("a valid age secret key")
}

/// Decrypt a standard age file with one identity.
fn age_decrypt(
    ciphertext: &[u8],
    key: &age::x25519::Identity,
) -> Result<Vec<u8>, age::DecryptError> {
    let decryptor = age::Decryptor::new_buffered(ciphertext)?;
    let mut reader = decryptor.decrypt(std::iter::once(key as &dyn age::Identity))?;
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .expect("an age file that opens also reads to its end");
    Ok(out)
}

/// A fresh outside age recipient (`age1…`) and its identity.
fn outside_recipient() -> (age::x25519::Identity, String) {
    let key = age::x25519::Identity::generate();
    let recipient = key.to_public().to_string();
    (key, recipient)
}

/// Files of the sandbox folder whose name starts with `.sealroom` (temp files).
fn temp_leftovers(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.starts_with(".sealroom"))
        .collect()
}

/// Open case [`CASE2`] with the discretion policy and the fixture's people.
fn open_discretion_case(fx: &Fixture) {
    fx.ok_as(
        "registrar",
        &[
            "case",
            "open",
            CASE2,
            "--policy",
            "discretion",
            "--mediator",
            &fx.card("mediator"),
            "--party",
            &format!("claimant={}", fx.card("claimant")),
            "--party",
            &format!("claimant={}", fx.card("cocounsel")),
            "--party",
            &format!("respondent={}", fx.card("respondent")),
            "--archivist",
            &fx.card("archivist"),
            "--custodian",
            &fx.card("custodian1"),
            "--custodian",
            &fx.card("custodian2"),
            "--threshold",
            "2",
        ],
    );
    let show = parse_json(&fx.ok(&["--json", "case", "show", CASE2]));
    assert_eq!(show["policy"], "discretion", "{show}");
}

// ---------------------------------------------------------------------------------
// 1. The consent policy: consent, then disclosure
// ---------------------------------------------------------------------------------

#[test]
fn consent_policy_mediator_discloses_a_caucus_only_after_the_owner_party_consents() {
    let fx = Fixture::new();
    let body = b"Caucus: we would settle at 1.2 million, not a cent less.\n".repeat(40);
    let num = fx.deposit_bytes(
        "claimant",
        "limit.txt",
        &body,
        &["--category", "caucus", "--title", "Our real limit"],
    );
    let n = num.to_string();
    assert!(listed(&fx, CASE, "respondent", num).is_none());

    // Without consent the mediator is refused, told what is missing and what to run.
    let err = refused(
        &fx,
        CASE,
        Some("mediator"),
        &["disclose", CASE, &n, "--to", "respondent"],
        1,
    );
    assert!(err.contains("sealroom consent"), "{err}");
    assert!(err.contains(CASE), "{err}");
    assert!(
        err.contains("claimant") && err.contains("respondent"),
        "{err}"
    );
    assert!(!err.contains("1.2 million"), "{err}");
    read_refused(&fx, CASE, "respondent", num);

    // The claimant consents; the mediator may now disclose.
    let out = fx.ok_as("claimant", &["consent", CASE, &n, "--to", "respondent"]);
    assert!(out.contains("respondent"), "{out}");
    assert!(
        !out.contains("nothing changed"),
        "a first consent says nothing changed:\n{out}"
    );
    // Consent alone gives no access.
    read_refused(&fx, CASE, "respondent", num);
    let out = fx.ok_as("mediator", &["disclose", CASE, &n, "--to", "respondent"]);
    assert!(out.contains(fx.name("respondent")), "{out}");
    assert!(out.contains("consent"), "the basis is not named:\n{out}");

    // The respondent reads the exact bytes and now lists the document.
    assert_same_bytes(
        "the respondent reading the disclosed caucus",
        &read_in(&fx, CASE, "respondent", num),
        &body,
    );
    let entry = listed(&fx, CASE, "respondent", num).expect("the respondent lists it");
    assert_eq!(entry["title"], "Our real limit", "{entry}");
    assert_eq!(entry["category"], "caucus", "{entry}");
    let readers: Vec<&str> = entry["readers"]
        .as_array()
        .expect("readers")
        .iter()
        .filter_map(|m| m["label"].as_str())
        .collect();
    assert!(
        readers.contains(&"respondent") && readers.contains(&"claimant"),
        "{readers:?}"
    );
    let text = fx.ok_as("respondent", &["list", CASE]);
    assert!(text.contains("Our real limit"), "{text}");
    let by = text
        .lines()
        .find(|l| l.contains("readable by"))
        .unwrap_or_else(|| panic!("no `readable by` in the listing:\n{text}"));
    assert!(by.contains("respondent"), "{text}");

    // The same consent again, by the same member or by co-counsel: success, no change.
    for who in ["claimant", "cocounsel"] {
        let before = vault_state(&fx, CASE);
        let out = fx.ok_as(who, &["consent", CASE, &n, "--to", "respondent"]);
        assert!(out.contains("nothing changed"), "{who}:\n{out}");
        assert_unchanged(
            &format!("a repeated consent by {who}"),
            &before,
            &vault_state(&fx, CASE),
        );
    }
    let again = parse_json(&fx.ok_as(
        "claimant",
        &["--json", "consent", CASE, &n, "--to", "respondent"],
    ));
    assert_eq!(again["new"], false, "{again}");
    // A repeated disclosure changes nothing either.
    let before = vault_state(&fx, CASE);
    let out = fx.ok_as("mediator", &["disclose", CASE, &n, "--to", "respondent"]);
    assert!(out.contains("nothing changed"), "{out}");
    assert_unchanged("a repeated disclosure", &before, &vault_state(&fx, CASE));
}

// ---------------------------------------------------------------------------------
// 2. The discretion policy
// ---------------------------------------------------------------------------------

#[test]
fn discretion_policy_mediator_discloses_briefs_freely_but_not_caucus_or_confidential() {
    let fx = Fixture::without_case();
    open_discretion_case(&fx);
    let brief = b"Claimant's brief: the harbour wall was built to spec.\n".to_vec();
    let caucus = b"Caucus: the spec was never checked.\n".to_vec();
    let secret = b"Confidential brief: the engineer's report, annex 4.\n".to_vec();
    let b = deposit_in(&fx, CASE2, "claimant", "brief.txt", &brief, &[]);
    let c = deposit_in(
        &fx,
        CASE2,
        "claimant",
        "caucus.txt",
        &caucus,
        &["--category", "caucus"],
    );
    let s = deposit_in(
        &fx,
        CASE2,
        "claimant",
        "annex.txt",
        &secret,
        &["--confidential"],
    );

    // A plain brief: the mediator may disclose it without any consent.
    let out = fx.ok_as(
        "mediator",
        &["disclose", CASE2, &b.to_string(), "--to", "respondent"],
    );
    assert!(out.contains("discretion"), "the basis is not named:\n{out}");
    assert_same_bytes(
        "the respondent reading the brief",
        &read_in(&fx, CASE2, "respondent", b),
        &brief,
    );

    // A caucus and a confidential brief always need consent: refused, nothing changed.
    for (num, why) in [(c, "caucus"), (s, "confidential")] {
        let n = num.to_string();
        let respondent_list = fx.ok_as("respondent", &["--json", "list", CASE2]);
        let blobs = tree_digest(&fx.vault.join("blobs"));
        let err = refused(
            &fx,
            CASE2,
            Some("mediator"),
            &["disclose", CASE2, &n, "--to", "respondent"],
            1,
        );
        assert!(err.contains("sealroom consent"), "{err}");
        assert!(err.contains(CASE2), "{err}");
        assert!(err.contains(why), "the refusal does not say why:\n{err}");
        assert_eq!(
            fx.ok_as("respondent", &["--json", "list", CASE2]),
            respondent_list
        );
        assert_eq!(tree_digest(&fx.vault.join("blobs")), blobs);
        read_refused(&fx, CASE2, "respondent", num);
    }

    // With the owner's consent the mediator may disclose them after all.
    for (num, body) in [(c, &caucus), (s, &secret)] {
        let n = num.to_string();
        fx.ok_as("cocounsel", &["consent", CASE2, &n, "--to", "respondent"]);
        fx.ok_as("mediator", &["disclose", CASE2, &n, "--to", "respondent"]);
        assert_same_bytes(
            &format!("the respondent reading #{num} after consent"),
            &read_in(&fx, CASE2, "respondent", num),
            body,
        );
    }
}

// ---------------------------------------------------------------------------------
// 3. Refusals: each with its exit code, and the vault unchanged
// ---------------------------------------------------------------------------------

/// A case with a claimant caucus (#1), a claimant brief (#2) and a mediator note (#3).
fn fixture_with_documents() -> Fixture {
    let fx = Fixture::new();
    let caucus = fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"our limit",
        &["--category", "caucus"],
    );
    let brief = fx.deposit_bytes("claimant", "brief.txt", b"our position", &[]);
    let note = fx.deposit_bytes(
        "mediator",
        "note.txt",
        b"the parties are close",
        &["--category", "mediator-note"],
    );
    assert_eq!((caucus, brief, note), (1, 2, 3));
    fx
}

#[test]
fn consent_refusals_exit_with_their_code_and_change_nothing() {
    let fx = fixture_with_documents();
    // Only a member of the owner party consents.
    let err = refused(
        &fx,
        CASE,
        Some("respondent"),
        &["consent", CASE, "1", "--to", "respondent"],
        1,
    );
    assert!(err.contains("claimant"), "{err}");
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["consent", CASE, "1", "--to", "respondent"],
        1,
    );
    for who in ["registrar", "archivist", "custodian1", "outsider"] {
        refused(
            &fx,
            CASE,
            Some(who),
            &["consent", CASE, "2", "--to", "respondent"],
            1,
        );
    }
    // Not to the owner's own party.
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &["consent", CASE, "1", "--to", "claimant"],
        1,
    );
    assert!(err.contains("claimant"), "{err}");
    // A mediator note is no party's document: there is no consent to give.
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["consent", CASE, "3", "--to", "respondent"],
        1,
    );
    // An unknown party label is a usage error.
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &["consent", CASE, "1", "--to", "nobody"],
        2,
    );
    assert!(err.contains("nobody"), "{err}");
    // An unknown document, a number that is not one, an unknown case.
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &["consent", CASE, "99", "--to", "respondent"],
        4,
    );
    assert!(err.contains("99"), "{err}");
    refused(
        &fx,
        CASE,
        Some("claimant"),
        &["consent", CASE, "#99", "--to", "respondent"],
        4,
    );
    for bad in ["abc", "0", "#", "1.5", "one"] {
        refused(
            &fx,
            CASE,
            Some("claimant"),
            &["consent", CASE, bad, "--to", "respondent"],
            2,
        );
    }
    refused(
        &fx,
        CASE,
        Some("claimant"),
        &["consent", "C-404", "1", "--to", "respondent"],
        4,
    );
    // No identity at all.
    refused(
        &fx,
        CASE,
        None,
        &["consent", CASE, "1", "--to", "respondent"],
        2,
    );
}

#[test]
fn disclose_refusals_exit_with_their_code_and_change_nothing() {
    let fx = fixture_with_documents();
    // A mediator note is never disclosed, to either party.
    for to in ["respondent", "claimant"] {
        let err = refused(
            &fx,
            CASE,
            Some("mediator"),
            &["disclose", CASE, "3", "--to", to],
            1,
        );
        assert!(err.contains("mediator-note"), "{err}");
    }
    // No one but the owner party and a mediator discloses; not the receiving party.
    for who in [
        "archivist",
        "registrar",
        "outsider",
        "custodian1",
        "respondent",
    ] {
        refused(
            &fx,
            CASE,
            Some(who),
            &["disclose", CASE, "2", "--to", "respondent"],
            1,
        );
    }
    // Not to the owner's own party.
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["disclose", CASE, "2", "--to", "claimant"],
        1,
    );
    // An unknown party, an unknown document, a number that is not one.
    for who in ["mediator", "claimant"] {
        let err = refused(
            &fx,
            CASE,
            Some(who),
            &["disclose", CASE, "2", "--to", "nobody"],
            2,
        );
        assert!(err.contains("nobody"), "{err}");
    }
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &["disclose", CASE, "99", "--to", "respondent"],
        4,
    );
    assert!(err.contains("99"), "{err}");
    for bad in ["x", "-", "2a", "#2#"] {
        refused(
            &fx,
            CASE,
            Some("claimant"),
            &["disclose", CASE, bad, "--to", "respondent"],
            2,
        );
    }
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["disclose", "C-404", "2", "--to", "respondent"],
        4,
    );
    read_refused(&fx, CASE, "respondent", 2);
    read_refused(&fx, CASE, "respondent", 3);
}

#[test]
fn revoke_refusals_exit_with_their_code_and_change_nothing() {
    let fx = fixture_with_documents();
    // The claimant shares its brief with the respondent (an owner's own disclosure).
    let out = fx.ok_as("claimant", &["disclose", CASE, "2", "--to", "respondent"]);
    assert!(out.contains("owner"), "{out}");
    // The receiving party cannot revoke; nor can anyone outside the rules.
    for who in ["respondent", "archivist", "registrar", "outsider"] {
        refused(
            &fx,
            CASE,
            Some(who),
            &["revoke", CASE, "2", "--from", "respondent"],
            1,
        );
    }
    // A party that has no access and no consent, without --rekey: nothing to revoke.
    for who in ["mediator", "claimant"] {
        let err = refused(
            &fx,
            CASE,
            Some(who),
            &["revoke", CASE, "1", "--from", "respondent"],
            1,
        );
        assert!(err.contains("respondent"), "{err}");
        assert!(err.contains("add --rekey to re-encrypt it anyway"), "{err}");
    }
    // Never from the owner party itself.
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["revoke", CASE, "2", "--from", "claimant"],
        1,
    );
    // An unknown party, an unknown document, a number that is not one.
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["revoke", CASE, "2", "--from", "nobody"],
        2,
    );
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &["revoke", CASE, "99", "--from", "respondent"],
        4,
    );
    assert!(err.contains("99"), "{err}");
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["revoke", CASE, "99", "--from", "respondent", "--rekey"],
        4,
    );
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["revoke", "C-404", "2", "--from", "respondent"],
        4,
    );
    for bad in ["two", "#", "2.0"] {
        refused(
            &fx,
            CASE,
            Some("claimant"),
            &["revoke", CASE, bad, "--from", "respondent"],
            2,
        );
    }
    // The respondent still reads the brief.
    assert_eq!(read_in(&fx, CASE, "respondent", 2), b"our position");
}

#[test]
fn export_refusals_exit_with_their_code_write_no_file_and_change_nothing() {
    let fx = fixture_with_documents();
    let (_, recipient) = outside_recipient();
    std::fs::create_dir(fx.sandbox.join("exports")).unwrap();
    let target = fx.arg("exports/doc.age");
    let exports = fx.sandbox.join("exports");
    let export = |num: &'static str, recipient: &str| -> Vec<String> {
        ["export", CASE, num, "--recipient", recipient, "-o", &target]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let refused_export = |who: &str, args: Vec<String>, code: i32| -> String {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = refused(&fx, CASE, Some(who), &args, code);
        assert!(
            names_in(&exports).is_empty(),
            "a refused export left files: {:?}",
            names_in(&exports)
        );
        err
    };

    // Someone who cannot read it: the respondent (a caucus), the archivist, an outsider.
    refused_export("respondent", export("1", &recipient), 1);
    refused_export("archivist", export("2", &recipient), 1);
    refused_export("claimant", export("3", &recipient), 1);
    let err = refused_export("outsider", export("2", &recipient), 1);
    assert!(err.contains("not a member"), "{err}");
    // A malformed recipient is a usage error.
    for bad in [
        "not-a-recipient",
        "age1",
        &recipient[..recipient.len() - 1],
        "AGE-SECRET-KEY-1QQQQ",
        "",
    ] {
        let err = refused_export("claimant", export("2", bad), 2);
        assert!(err.contains("recipient"), "{err}");
    }
    // An unknown document, a number that is not one.
    refused_export("claimant", export("99", &recipient), 4);
    refused_export("claimant", export("x", &recipient), 2);
    refused_export("claimant", export("#", &recipient), 2);
    // An unknown case; an output folder that does not exist.
    let mut args = export("2", &recipient);
    args[1] = "C-404".to_owned();
    refused_export("claimant", args, 4);
    let missing = fx.arg("no-such-folder/doc.age");
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &[
            "export",
            CASE,
            "2",
            "--recipient",
            &recipient,
            "-o",
            &missing,
        ],
        4,
    );
    assert!(err.contains("no-such-folder"), "{err}");
    assert!(!fx.sandbox.join("no-such-folder").exists());
    // No identity at all.
    let args = export("2", &recipient);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&fx, CASE, None, &args, 2);

    // An existing file is not overwritten without --force (a usage error naming it),
    // and no temp file is left beside it.
    let existing = fx.write("exports/keep.age", b"precious");
    let err = refused(
        &fx,
        CASE,
        Some("claimant"),
        &[
            "export",
            CASE,
            "2",
            "--recipient",
            &recipient,
            "-o",
            &existing,
        ],
        2,
    );
    assert!(err.contains("keep.age") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
    assert_eq!(names_in(&exports), BTreeSet::from(["keep.age".to_owned()]));
    assert!(temp_leftovers(&exports).is_empty());
}

// ---------------------------------------------------------------------------------
// 4. Revoke, with and without --rekey
// ---------------------------------------------------------------------------------

#[test]
fn revoke_removes_access_withdraws_consent_and_rekey_replaces_the_blob() {
    let fx = Fixture::new();
    let body = pseudo_random(70_000, 4);
    let num = fx.deposit_bytes(
        "claimant",
        "offer.bin",
        &body,
        &["--category", "caucus", "--title", "Offer"],
    );
    let n = num.to_string();
    let disclose = ["disclose", CASE, &n, "--to", "respondent"];
    fx.ok_as("claimant", &["consent", CASE, &n, "--to", "respondent"]);
    fx.ok_as("mediator", &disclose);
    assert_same_bytes("disclosed", &read_in(&fx, CASE, "respondent", num), &body);

    // The owner revokes without --rekey.
    let blob_before = current_blob(&fx, CASE, num).0;
    let out = fx.ok_as("claimant", &["revoke", CASE, &n, "--from", "respondent"]);
    assert!(out.contains("cannot be unread"), "{out}");
    assert!(out.contains(fx.name("respondent")), "{out}");
    read_refused(&fx, CASE, "respondent", num);
    assert!(listed(&fx, CASE, "respondent", num).is_none());
    assert_eq!(
        current_blob(&fx, CASE, num).0,
        blob_before,
        "a revoke without --rekey re-encrypted the body"
    );
    // The consent went with it: the mediator is refused again.
    let err = refused(&fx, CASE, Some("mediator"), &disclose, 1);
    assert!(err.contains("sealroom consent"), "{err}");

    // Consent anew, disclose again; then the mediator revokes with --rekey.
    fx.ok_as("claimant", &["consent", CASE, &n, "--to", "respondent"]);
    fx.ok_as("mediator", &disclose);
    assert_same_bytes(
        "disclosed again",
        &read_in(&fx, CASE, "respondent", num),
        &body,
    );
    let blobs_before = fx.blob_names();
    assert!(blobs_before.contains(&blob_before));
    let out = parse_json(&fx.ok_as(
        "mediator",
        &[
            "--json",
            "revoke",
            CASE,
            &n,
            "--from",
            "respondent",
            "--rekey",
        ],
    ));
    assert_eq!(out["rekeyed"], true, "{out}");
    assert_eq!(out["consent_withdrawn"], true, "{out}");

    // The old blob is gone and exactly one new one took its place.
    let blob_after = current_blob(&fx, CASE, num).0;
    assert_ne!(blob_after, blob_before, "--rekey kept the same blob");
    let blobs_after = fx.blob_names();
    assert!(
        !blobs_after.contains(&blob_before),
        "the old blob is still there"
    );
    assert!(blobs_after.contains(&blob_after), "the new blob is missing");
    let mut expected = blobs_before.clone();
    expected.remove(&blob_before);
    expected.insert(blob_after.clone());
    assert_eq!(blobs_after, expected);

    // Those who keep access read the exact bytes; the respondent cannot.
    for who in ["claimant", "cocounsel", "mediator"] {
        assert_same_bytes(
            &format!("{who} after the rekey"),
            &read_in(&fx, CASE, who, num),
            &body,
        );
    }
    read_refused(&fx, CASE, "respondent", num);
    // The consent given before was withdrawn: refused until the claimant consents anew.
    let err = refused(&fx, CASE, Some("mediator"), &disclose, 1);
    assert!(
        err.contains("sealroom consent") && err.contains(CASE),
        "{err}"
    );
    fx.ok_as("cocounsel", &["consent", CASE, &n, "--to", "respondent"]);
    fx.ok_as("mediator", &disclose);
    assert_same_bytes(
        "disclosed after the rekey",
        &read_in(&fx, CASE, "respondent", num),
        &body,
    );

    // The text output of a rekeying revoke says so, and that reading cannot be undone.
    let out = fx.ok_as(
        "claimant",
        &["revoke", CASE, &n, "--from", "respondent", "--rekey"],
    );
    assert!(out.contains("cannot be unread"), "{out}");
    assert!(out.contains("new key"), "{out}");
    read_refused(&fx, CASE, "respondent", num);
    assert_same_bytes(
        "claimant at the end",
        &read_in(&fx, CASE, "claimant", num),
        &body,
    );

    // A consent with no access yet: revoking (without --rekey) withdraws just the consent.
    fx.ok_as("claimant", &["consent", CASE, &n, "--to", "respondent"]);
    let out = fx.ok_as("mediator", &["revoke", CASE, &n, "--from", "respondent"]);
    assert!(out.contains("Withdrew the consent"), "{out}");
    assert!(
        out.contains("No member of the respondent party held access"),
        "{out}"
    );
    assert!(out.contains("cannot be unread"), "{out}");
    let err = refused(&fx, CASE, Some("mediator"), &disclose, 1);
    assert!(err.contains("sealroom consent"), "{err}");
    // And now there is nothing left to revoke.
    refused(
        &fx,
        CASE,
        Some("mediator"),
        &["revoke", CASE, &n, "--from", "respondent"],
        1,
    );
}

// ---------------------------------------------------------------------------------
// 5. A copy of an old key wrap after --rekey
// ---------------------------------------------------------------------------------

/// Unwrap a saved wrap with the respondent's own age identity: the document key.
fn unwrap_document_key(fx: &Fixture, wrap: &[u8]) -> age::x25519::Identity {
    let secret = age_decrypt(wrap, &age_identity_of(fx, "respondent"))
        .expect("the respondent's identity opens their own wrap");
    let text = String::from_utf8(secret).expect("a document key is text");
    // The wrap's plaintext is an age identity file: the key line and comment lines.
    let (keys, others): (Vec<&str>, Vec<&str>) = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .partition(|l| l.starts_with("AGE-SECRET-KEY-1"));
    assert_eq!(
        (keys.len(), others.len()),
        (1, 0),
        "{} lines",
        text.lines().count()
    );
    age::x25519::Identity::from_str(keys[0]).expect("the wrap holds an age secret key")
}

/// Disclose `num` to the respondent (by its owner, the claimant) and return the
/// respondent's wrap from the database, as someone who copied the vault would.
fn disclose_and_copy_respondent_wrap(fx: &Fixture, num: u64) -> Vec<u8> {
    fx.ok_as(
        "claimant",
        &["disclose", CASE, &num.to_string(), "--to", "respondent"],
    );
    let respondent = party_fingerprint(fx, CASE, "respondent");
    let wraps = disclosure_wraps(fx, CASE, num);
    let readers: Vec<&str> = wraps.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        readers,
        vec![respondent.as_str()],
        "the disclosure should add exactly the respondent's wrap"
    );
    wraps.into_iter().next().unwrap().1
}

/// The original bytes of a decrypted blob, given the document's encoding.
fn decode_body(decrypted: &[u8], encoding: &str) -> Vec<u8> {
    match encoding {
        "zstd" => zstd::decode_all(decrypted).expect("a zstd frame"),
        "none" => decrypted.to_vec(),
        other => panic!("unknown encoding {other}"),
    }
}

#[test]
fn old_key_wrap_copied_before_revoke_rekey_opens_the_old_blob_but_not_the_new_one() {
    let fx = Fixture::new();
    let body = b"Annex 7: the defects list, page after page.\n".repeat(500);
    let num = fx.deposit_bytes("claimant", "annex7.txt", &body, &[]);
    let wrap = disclose_and_copy_respondent_wrap(&fx, num);
    let (old_blob, encoding) = current_blob(&fx, CASE, num);
    assert_eq!(
        encoding, "zstd",
        "repetitive text should be stored compressed"
    );
    let old_ciphertext = std::fs::read(fx.blob(&old_blob)).unwrap();
    assert_same_bytes(
        "the respondent reads it",
        &read_in(&fx, CASE, "respondent", num),
        &body,
    );

    // The wrap gives the respondent the document key, which opens the body.
    let old_key = unwrap_document_key(&fx, &wrap);
    let opened = age_decrypt(&old_ciphertext, &old_key).expect("the old key opens the old blob");
    assert_same_bytes(
        "the old blob opened with the old key",
        &decode_body(&opened, &encoding),
        &body,
    );

    // The mediator revokes with --rekey: the copied wrap opens nothing current.
    fx.ok_as(
        "mediator",
        &[
            "revoke",
            CASE,
            &num.to_string(),
            "--from",
            "respondent",
            "--rekey",
        ],
    );
    let (new_blob, _) = current_blob(&fx, CASE, num);
    assert_ne!(new_blob, old_blob);
    assert!(
        !fx.vault.join("blobs").join(&old_blob).exists(),
        "the old blob is still in the vault"
    );
    let new_ciphertext = std::fs::read(fx.blob(&new_blob)).unwrap();
    assert!(
        new_ciphertext.starts_with(b"age-encryption.org/v1\n"),
        "the new blob is not a standard age file"
    );
    match age_decrypt(&new_ciphertext, &old_key) {
        Err(age::DecryptError::NoMatchingKeys) => {}
        Err(e) => panic!("the old key should simply not match the new blob, got: {e}"),
        Ok(_) => panic!("the old document key still opens the re-keyed blob"),
    }
    // The respondent has no wrap of the new key, and cannot read through the vault.
    let respondent = party_fingerprint(&fx, CASE, "respondent");
    let remaining: i64 = db(&fx)
        .query_row(
            "SELECT COUNT(*) FROM wraps w JOIN cases c ON c.id = w.case_id
             WHERE c.reference = ?1 AND w.num = ?2 AND w.reader = ?3",
            rusqlite::params![CASE, num, respondent],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(remaining, 0);
    read_refused(&fx, CASE, "respondent", num);
    assert_same_bytes("claimant", &read_in(&fx, CASE, "claimant", num), &body);
}

#[test]
fn without_rekey_a_copied_wrap_still_opens_the_current_blob_as_the_output_warns() {
    let fx = Fixture::new();
    let body = b"Expert report, draft 3.\n".repeat(300);
    let num = fx.deposit_bytes("claimant", "report.txt", &body, &[]);
    let wrap = disclose_and_copy_respondent_wrap(&fx, num);
    let out = fx.ok_as(
        "claimant",
        &["revoke", CASE, &num.to_string(), "--from", "respondent"],
    );
    assert!(
        out.contains("--rekey"),
        "the output does not point to --rekey:\n{out}"
    );
    assert!(out.contains("cannot be unread"), "{out}");
    read_refused(&fx, CASE, "respondent", num);
    // The vault refuses the respondent, but the key in the copied wrap still opens
    // the unchanged blob: this is what --rekey is for.
    let (blob, encoding) = current_blob(&fx, CASE, num);
    let key = unwrap_document_key(&fx, &wrap);
    let opened = age_decrypt(&std::fs::read(fx.blob(&blob)).unwrap(), &key)
        .expect("without --rekey the old key still opens the blob");
    assert_same_bytes("the blob opened", &decode_body(&opened, &encoding), &body);
}

// ---------------------------------------------------------------------------------
// 6. export, opened with the stock age tool
// ---------------------------------------------------------------------------------

/// Run an external tool in the sandbox; it must succeed; its standard output.
fn run_tool(fx: &Fixture, tool: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(tool)
        .args(args)
        .current_dir(fx.sandbox.path())
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {}: {:?}\nstderr: {}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn export_writes_a_standard_age_file_the_stock_age_tool_decrypts_and_logs_it() {
    if !(tool_installed("age") && tool_installed("age-keygen")) {
        if std::env::var_os("CI").is_some() {
            panic!("the stock age tool (age, age-keygen) is not installed, and CI must have it");
        }
        eprintln!("SKIPPED: the stock age tool is not installed");
        return;
    }
    let fx = Fixture::new();
    // A few hundred KiB holding every byte value, partly incompressible.
    let mut body: Vec<u8> = (0..=255u8).cycle().take(128 * 1024).collect();
    body.extend(pseudo_random(256 * 1024, 6));
    assert_eq!(body.iter().collect::<BTreeSet<_>>().len(), 256);
    let num = fx.deposit_bytes(
        "claimant",
        "exhibit.bin",
        &body,
        &["--category", "evidence"],
    );

    run_tool(&fx, "age-keygen", &["-o", "court.key"]);
    let recipient = String::from_utf8(run_tool(&fx, "age-keygen", &["-y", "court.key"]))
        .expect("age-keygen -y prints text")
        .trim()
        .to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");

    // Co-counsel, a current reader, exports it.
    let out = fx.ok_as(
        "cocounsel",
        &[
            "export",
            CASE,
            &format!("#{num}"),
            "--recipient",
            &recipient,
            "-o",
            "exhibit.bin.age",
        ],
    );
    assert!(out.contains("exhibit.bin.age"), "{out}");
    let exported = std::fs::read(fx.sandbox.join("exhibit.bin.age")).unwrap();
    assert!(
        exported.starts_with(b"age-encryption.org/v1\n"),
        "the export is not a standard age file"
    );
    assert!(
        !contains_bytes(&exported, &body[128 * 1024..128 * 1024 + 64]),
        "the export holds the document in clear"
    );
    assert!(temp_leftovers(fx.sandbox.path()).is_empty());
    let decrypted = run_tool(&fx, "age", &["-d", "-i", "court.key", "exhibit.bin.age"]);
    assert_same_bytes("age -d of the export", &decrypted, &body);

    // The export is a signed act in the case log that names the recipient.
    let conn = db(&fx);
    let mut stmt = conn
        .prepare(
            "SELECT s.body FROM statements s JOIN cases c ON c.id = s.case_id
             WHERE c.reference = ?1 AND s.act = 'export'",
        )
        .unwrap();
    let bodies: Vec<Vec<u8>> = stmt
        .query_map([CASE], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(bodies.len(), 1, "one export, one export statement");
    assert!(
        contains_bytes(&bodies[0], recipient.as_bytes()),
        "the export statement does not name the recipient: {}",
        String::from_utf8_lossy(&bodies[0])
    );
}

// ---------------------------------------------------------------------------------
// 7. A closed case
// ---------------------------------------------------------------------------------

#[test]
fn closed_case_still_allows_consent_disclose_revoke_and_export() {
    let fx = Fixture::new();
    let body = b"Caucus after hours: we can move on the schedule.\n".to_vec();
    let num = fx.deposit_bytes("claimant", "late.txt", &body, &["--category", "caucus"]);
    let n = num.to_string();
    fx.ok_as("mediator", &["case", "close", CASE]);
    assert_eq!(
        parse_json(&fx.ok(&["--json", "case", "show", CASE]))["state"],
        "closed"
    );

    fx.ok_as("claimant", &["consent", CASE, &n, "--to", "respondent"]);
    fx.ok_as("mediator", &["disclose", CASE, &n, "--to", "respondent"]);
    assert_same_bytes(
        "the respondent after close",
        &read_in(&fx, CASE, "respondent", num),
        &body,
    );
    let (key, recipient) = outside_recipient();
    // Export is disclosure outside the case: the receiving party may not pass the
    // claimant's caucus on; the owner may.
    let export = |who: &str| {
        fx.run_as(
            who,
            &[
                "export",
                CASE,
                &n,
                "--recipient",
                &recipient,
                "-o",
                &fx.arg("late.age"),
            ],
        )
    };
    let err = expect_failure(
        "the respondent exports the claimant's caucus",
        &export("respondent"),
        1,
    );
    assert!(err.contains("claimant party"), "{err}");
    assert!(!fx.sandbox.join("late.age").exists());
    expect_ok(
        "the claimant exports its caucus after close",
        &export("claimant"),
    );
    let exported = std::fs::read(fx.sandbox.join("late.age")).unwrap();
    assert_same_bytes(
        "the export after close",
        &age_decrypt(&exported, &key).expect("the recipient opens the export"),
        &body,
    );
    let out = fx.ok_as(
        "claimant",
        &["revoke", CASE, &n, "--from", "respondent", "--rekey"],
    );
    assert!(out.contains("cannot be unread"), "{out}");
    read_refused(&fx, CASE, "respondent", num);
    assert_same_bytes(
        "the claimant after close",
        &read_in(&fx, CASE, "claimant", num),
        &body,
    );
    // The case stays closed to new deposits.
    let file = fx.write("in/after.txt", b"too late");
    fx.fails_as("claimant", &["deposit", CASE, &file], 1);
}

#[test]
fn a_mediator_exports_a_caucus_only_with_the_owners_consent_to_external() {
    let fx = Fixture::new();
    let body = b"Caucus: we could live with 3.9m.\n".to_vec();
    let num = fx.deposit_bytes("claimant", "c.txt", &body, &["--category", "caucus"]);
    let n = num.to_string();
    let (key, recipient) = outside_recipient();
    let out = fx.sandbox.join("court.age");
    let export = |who: &str| {
        fx.run_as(
            who,
            &[
                "export",
                CASE,
                &n,
                "--recipient",
                &recipient,
                "-o",
                &path_arg(&out),
            ],
        )
    };
    let err = expect_failure(
        "the mediator exports without consent",
        &export("mediator"),
        1,
    );
    assert!(
        err.contains(&format!("sealroom consent {CASE} {n} --to external")),
        "{err}"
    );
    assert!(!out.exists());
    // "external" is no party: a disclosure to it is a usage error.
    let err = expect_failure(
        "disclose to external",
        &fx.run_as("mediator", &["disclose", CASE, &n, "--to", "external"]),
        2,
    );
    assert!(err.contains("no party `external`"), "{err}");
    let said = fx.ok_as("claimant", &["consent", CASE, &n, "--to", "external"]);
    assert!(said.contains("leaving the case by export"), "{said}");
    expect_ok("the mediator exports with consent", &export("mediator"));
    let exported = std::fs::read(&out).unwrap();
    assert_same_bytes(
        "the mediator's export",
        &age_decrypt(&exported, &key).expect("the recipient opens the export"),
        &body,
    );
    std::fs::remove_file(&out).unwrap();
    // Withdrawn: refused again.
    let said = fx.ok_as("claimant", &["revoke", CASE, &n, "--from", "external"]);
    assert!(
        said.contains("Withdrew the consent for #1 to leave the case"),
        "{said}"
    );
    expect_failure(
        "the mediator exports after withdrawal",
        &export("mediator"),
        1,
    );
    assert!(!out.exists());
    fx.ok(&["log", CASE, "--verify"]);
}
