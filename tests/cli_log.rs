//! CLI scenario tests of the tamper-evident case log: receipts for every act,
//! `sealroom log` (history without secrets), `log --verify`, `receipt verify` (with and
//! without the vault), detection of every kind of tampering with the stored log, and
//! failing closed when the log cannot be written.
//!
//! The design (DESIGN.md, "Audit log"): every act appends a statement signed by its
//! actor to the case's RFC 6962 Merkle log, and in the same transaction the vault signs a
//! C2SP checkpoint with its own log key (`log.key` in the vault folder). Every act
//! leaves the actor a receipt (entry, inclusion proof, signed checkpoint); a receipt
//! checked later against the vault proves by a consistency proof that the log was not
//! rewritten. If the log entry cannot be written the act fails: nothing is released or
//! changed unlogged.
//!
//! The database is tampered with directly (rusqlite) only while no command runs, as an
//! attacker with write access to the vault folder would.
//!
//! Exit codes: 1 refused, 2 usage, 3 integrity, 4 not found, 5 wrong key, 6 system.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use common::*;

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// The vault's database, opened read-write (only ever while no command runs).
fn db(fx: &Fixture) -> rusqlite::Connection {
    rusqlite::Connection::open(fx.vault.join("sealroom.db")).expect("open the vault database")
}

/// The row id of [`CASE`].
fn case_id(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT id FROM cases WHERE reference = ?1", [CASE], |r| {
        r.get(0)
    })
    .expect("the case's row")
}

/// One number from the database (`?1` is the case's row id).
fn count(fx: &Fixture, sql: &str) -> i64 {
    let conn = db(fx);
    let id = case_id(&conn);
    conn.query_row(sql, [id], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// How many statements the case log has.
fn statements(fx: &Fixture) -> i64 {
    count(fx, "SELECT COUNT(*) FROM statements WHERE case_id = ?1")
}

/// How many document rows the case has.
fn documents(fx: &Fixture) -> i64 {
    count(fx, "SELECT COUNT(*) FROM documents WHERE case_id = ?1")
}

/// How many key wraps the case has.
fn wraps(fx: &Fixture) -> i64 {
    count(fx, "SELECT COUNT(*) FROM wraps WHERE case_id = ?1")
}

/// The full fingerprint (hex) of the fixture person `who`, from the `members` table.
fn fingerprint(fx: &Fixture, who: &str) -> String {
    let conn = db(fx);
    let id = case_id(&conn);
    conn.query_row(
        "SELECT DISTINCT fingerprint FROM members WHERE case_id = ?1 AND name = ?2",
        rusqlite::params![id, fx.name(who)],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("the fingerprint of {who}: {e}"))
}

/// `SHA-256(0x00 ‖ body ‖ "\n" ‖ base64(signature))`: a statement's leaf hash.
fn leaf_hash(body: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&[0u8]);
    ctx.update(body);
    ctx.update(b"\n");
    ctx.update(
        base64::engine::general_purpose::STANDARD
            .encode(signature)
            .as_bytes(),
    );
    ctx.finish().as_ref().to_vec()
}

/// The body and signature of statement `seq`.
fn statement_row(conn: &rusqlite::Connection, seq: i64) -> (Vec<u8>, Vec<u8>) {
    conn.query_row(
        "SELECT body, signature FROM statements WHERE case_id = ?1 AND seq = ?2",
        rusqlite::params![case_id(conn), seq],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap_or_else(|e| panic!("statement {seq}: {e}"))
}

/// Change one character of a statement body: the last digit of its timestamp.
fn bump_timestamp(body: &mut [u8]) {
    let z = body
        .windows(2)
        .position(|w| w == b"Z\"")
        .expect("a timestamp in the body");
    let d = body[z - 1];
    assert!(d.is_ascii_digit(), "no digit before the timestamp's Z");
    body[z - 1] = b'0' + (d - b'0' + 1) % 10;
}

/// The default receipts folder the commands see: `$XDG_STATE_HOME/sealroom/receipts`.
fn receipts_dir(fx: &Fixture) -> PathBuf {
    fx.sandbox.state_dir().join("receipts")
}

/// The names in the default receipts folder (none if it does not exist yet).
fn receipt_names(fx: &Fixture) -> BTreeSet<String> {
    let dir = receipts_dir(fx);
    if dir.exists() {
        names_in(&dir)
    } else {
        BTreeSet::new()
    }
}

/// The receipt of entry `seq` of [`CASE`] in the default receipts folder.
fn receipt_of(fx: &Fixture, seq: u64) -> PathBuf {
    let infix = format!("-{CASE}-{seq:06}-");
    let found: Vec<String> = receipt_names(fx)
        .into_iter()
        .filter(|n| n.contains(&infix))
        .collect();
    assert_eq!(found.len(), 1, "receipts of entry {seq}: {found:?}");
    receipts_dir(fx).join(&found[0])
}

/// Parse a receipt file and check its shape: format, index `seq`, a checkpoint of
/// `seq + 1` entries for this case, an inclusion proof; the parsed JSON.
fn check_receipt_file(path: &Path, seq: u64, act: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read the receipt {}: {e}", path.display()));
    let r = parse_json(&text);
    assert_eq!(r["format"], "sealroom-receipt-v1", "{}", path.display());
    assert_eq!(r["index"], seq, "{}", path.display());
    assert_eq!(r["case"], CASE, "{}", path.display());
    assert!(r["inclusion_proof"].is_array(), "{r}");
    let checkpoint = r["checkpoint"].as_str().expect("a checkpoint note");
    let lines: Vec<&str> = checkpoint.lines().collect();
    assert!(
        lines.len() >= 5 && lines[0].ends_with(&format!("/{CASE}")),
        "not a checkpoint note for the case: {checkpoint:?}"
    );
    assert_eq!(
        lines[1],
        (seq + 1).to_string(),
        "the receipt's checkpoint is not the one signed right after entry {seq}"
    );
    // The entry is the signed statement of this act.
    let entry = base64::engine::general_purpose::STANDARD
        .decode(r["entry"].as_str().expect("an entry"))
        .expect("the entry is base64");
    let entry = String::from_utf8(entry).expect("the entry is text");
    assert!(
        entry.contains(&format!("\"act\":\"{act}\"")),
        "receipt {} is not for a {act}: {entry}",
        path.display()
    );
    r
}

/// The one receipt that appeared in the default folder since `before`: named for entry
/// `seq` and `act`, and well formed.
fn new_receipt(fx: &Fixture, before: &BTreeSet<String>, seq: u64, act: &str) -> PathBuf {
    let new: Vec<String> = receipt_names(fx).difference(before).cloned().collect();
    assert_eq!(new.len(), 1, "new receipts after the {act}: {new:?}");
    assert!(
        new[0].ends_with(&format!("-{CASE}-{seq:06}-{act}.json")),
        "unexpected receipt name for the {act} (entry {seq}): {}",
        new[0]
    );
    let path = receipts_dir(fx).join(&new[0]);
    check_receipt_file(&path, seq, act);
    path
}

/// `who` runs `args`, an act that must succeed and leave exactly one new receipt in the
/// default folder, for the next log entry; (standard output, receipt path).
fn act(fx: &Fixture, who: &str, args: &[&str], act: &str) -> (String, PathBuf) {
    let before = receipt_names(fx);
    let seq = statements(fx) as u64;
    let out = fx.ok_as(who, args);
    assert_eq!(
        statements(fx) as u64,
        seq + 1,
        "the {act} did not add one statement"
    );
    let path = new_receipt(fx, &before, seq, act);
    (out, path)
}

/// `receipt verify FILE` against the vault must say OK.
fn receipt_ok(fx: &Fixture, path: &Path) -> String {
    let out = fx.ok(&["receipt", "verify", &path_arg(path)]);
    assert!(
        out.starts_with("OK"),
        "receipt verify did not say OK:\n{out}"
    );
    out
}

/// `receipt verify FILE` against the vault must fail with exit 3; the error.
fn receipt_bad(fx: &Fixture, path: &Path) -> String {
    fx.fails(&["receipt", "verify", &path_arg(path)], 3)
}

/// `log C-1 --verify` must say OK.
fn log_ok(fx: &Fixture) -> String {
    let out = fx.ok(&["log", CASE, "--verify"]);
    assert!(
        out.starts_with(&format!("OK: case {CASE}")),
        "log --verify did not say OK:\n{out}"
    );
    out
}

/// `log C-1 --verify` must fail with exit 3 naming entry `seq` of the case; the error.
fn log_bad_at(fx: &Fixture, seq: u64) -> String {
    let err = fx.fails(&["log", CASE, "--verify"], 3);
    assert!(
        err.contains(&format!("entry {seq} of case {CASE} is bad")),
        "log --verify did not name entry {seq}: {err}"
    );
    err
}

/// `out` must be a failure (any exit code of sealroom's but 0) with one line
/// `sealroom: …` on standard error; that line.
fn failed(what: &str, out: &Output) -> String {
    let code = out.status.code();
    assert!(
        matches!(code, Some(1..=6)),
        "expected a failure: {what}\n  exit: {code:?}\n  stdout: {}\n  stderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.starts_with("sealroom: ") && stderr.lines().count() == 1,
        "expected one line `sealroom: …` on stderr: {what}\n  stderr: {stderr}"
    );
    stderr.trim_end().to_owned()
}

/// Files in `dir` whose name starts with `.sealroom` (temp files left behind).
fn temp_leftovers(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| n.starts_with(".sealroom"))
        .collect()
}

/// A case whose log is, by entry:
/// 0 open, 1 deposit #1 (claimant, brief), 2 deposit #2 (claimant, caucus),
/// 3 read #1 (claimant), 4 read #2 (mediator), 5 read #1 (co-counsel),
/// 6 read #2 (claimant); with a receipt for each in the default folder, and
/// `log --verify` OK.
fn tamper_fixture() -> Fixture {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"our brief", &[]);
    fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"our bottom line",
        &["--category", "caucus"],
    );
    for (who, num) in [
        ("claimant", 1),
        ("mediator", 2),
        ("cocounsel", 1),
        ("claimant", 2),
    ] {
        fx.read_stdout(who, num);
    }
    assert_eq!(statements(&fx), 7);
    for seq in 0..7 {
        receipt_of(&fx, seq);
    }
    log_ok(&fx);
    fx
}

// ---------------------------------------------------------------------------------
// 1. Receipts for every act
// ---------------------------------------------------------------------------------

#[test]
fn every_act_writes_a_receipt_that_verifies_with_and_without_the_vault() {
    let fx = Fixture::new();
    let mut receipts: Vec<(PathBuf, u64, &str)> = Vec::new();

    // case open (by the fixture, into the default folder).
    let open = receipt_of(&fx, 0);
    check_receipt_file(&open, 0, "open");
    assert!(open
        .file_name()
        .unwrap()
        .to_string_lossy()
        .ends_with(&format!("-{CASE}-000000-open.json")));
    receipts.push((open.clone(), 0, "open"));

    // case add-member
    fx.add_person("dana", "Dana Fourth");
    let party = format!("respondent={}", fx.card("dana"));
    let (_, p) = act(
        &fx,
        "registrar",
        &["case", "add-member", CASE, "--party", &party],
        "add-member",
    );
    receipts.push((p, 1, "add-member"));

    // deposit, with --json: the receipt and its path are in the output.
    let file = fx.write("in/brief.txt", b"the claimant's brief");
    let before = receipt_names(&fx);
    let json = parse_json(&fx.ok_as("claimant", &["--json", "deposit", CASE, &file]));
    let p = new_receipt(&fx, &before, 2, "deposit");
    assert_eq!(json["num"], 1, "{json}");
    assert_eq!(
        json["receipt"]["path"].as_str(),
        Some(path_arg(&p).as_str()),
        "deposit --json does not name its receipt: {json}"
    );
    assert_eq!(json["receipt"]["format"], "sealroom-receipt-v1", "{json}");
    assert_eq!(json["receipt"]["index"], 2, "{json}");
    receipts.push((p, 2, "deposit"));

    // deposit with --receipt FILE: written there, not in the default folder.
    let chosen = fx.sandbox.join("kept-receipt.json");
    let before = receipt_names(&fx);
    let out = fx.ok_as(
        "claimant",
        &["--receipt", &path_arg(&chosen), "deposit", CASE, &file],
    );
    assert!(out.starts_with("#2"), "{out}");
    assert_eq!(
        receipt_names(&fx),
        before,
        "--receipt also wrote the default"
    );
    assert!(
        out.contains(&format!("Receipt: {}", path_arg(&chosen))),
        "the deposit does not name its receipt:\n{out}"
    );
    check_receipt_file(&chosen, 3, "deposit");
    receipts.push((chosen.clone(), 3, "deposit"));

    // --receipt onto an existing file is refused before the act.
    let kept = std::fs::read(&chosen).unwrap();
    let (n_statements, n_documents, blobs) = (statements(&fx), documents(&fx), fx.blob_names());
    let err = fx.fails_as(
        "claimant",
        &["--receipt", &path_arg(&chosen), "deposit", CASE, &file],
        1,
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(statements(&fx), n_statements, "a refused act was logged");
    assert_eq!(documents(&fx), n_documents, "a refused deposit was stored");
    assert_eq!(fx.blob_names(), blobs, "a refused deposit left a blob");
    assert_eq!(std::fs::read(&chosen).unwrap(), kept, "the receipt changed");
    assert_eq!(receipt_names(&fx), before);

    // read -o FILE
    let out_file = fx.arg("out/read.txt");
    std::fs::create_dir(fx.sandbox.join("out")).unwrap();
    let (out, p) = act(
        &fx,
        "claimant",
        &["read", CASE, "1", "-o", &out_file],
        "read",
    );
    assert!(out.contains(&format!("Receipt: {}", path_arg(&p))), "{out}");
    assert_eq!(
        std::fs::read(&out_file).unwrap(),
        b"the claimant's brief".to_vec()
    );
    receipts.push((p, 4, "read"));

    // read to standard output: the document on stdout, the receipt path on stderr.
    let before = receipt_names(&fx);
    let run = fx.run_as("cocounsel", &["read", CASE, "1"]);
    let stdout = expect_ok("read to stdout", &run);
    assert_eq!(
        stdout, "the claimant's brief",
        "stdout is not just the document"
    );
    let p = new_receipt(&fx, &before, 5, "read");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!("Receipt: {}", path_arg(&p))),
        "the read to stdout does not name its receipt on stderr: {stderr}"
    );
    receipts.push((p, 5, "read"));

    // consent, disclose, revoke, export, close
    let (_, p) = act(
        &fx,
        "claimant",
        &["consent", CASE, "1", "--to", "respondent"],
        "consent",
    );
    receipts.push((p, 6, "consent"));
    let (_, p) = act(
        &fx,
        "mediator",
        &["disclose", CASE, "1", "--to", "respondent"],
        "disclose",
    );
    receipts.push((p, 7, "disclose"));
    let (_, p) = act(
        &fx,
        "claimant",
        &["revoke", CASE, "1", "--from", "respondent"],
        "revoke",
    );
    receipts.push((p, 8, "revoke"));
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let age_file = fx.arg("out/brief.age");
    let (_, p) = act(
        &fx,
        "claimant",
        &[
            "export",
            CASE,
            "1",
            "--recipient",
            &recipient,
            "-o",
            &age_file,
        ],
        "export",
    );
    receipts.push((p, 9, "export"));
    let (_, p) = act(&fx, "mediator", &["case", "close", CASE], "close");
    receipts.push((p, 10, "close"));
    assert_eq!(statements(&fx), 11);

    // Every receipt verifies against the vault, and on its own with no vault at all.
    let elsewhere = Sandbox::new();
    for (path, seq, act) in &receipts {
        let ok = receipt_ok(&fx, path);
        assert!(
            ok.contains(&format!("entry {seq} ({act},")),
            "receipt verify names another entry:\n{ok}"
        );
        let copy = elsewhere.join(format!("{seq}.json"));
        std::fs::copy(path, &copy).unwrap();
        let out = elsewhere.ok(&["receipt", "verify", "--offline", &path_arg(&copy)]);
        assert!(
            out.contains(&format!("entry {seq} ({act},")) && out.contains("sound"),
            "receipt verify --offline:\n{out}"
        );
    }
    assert!(
        !elsewhere.default_vault().exists(),
        "receipt verify --offline made a vault"
    );
    log_ok(&fx);

    // receipt get fetches the very same receipts again.
    let again = fx.arg("again-0.json");
    fx.ok(&["receipt", "get", CASE, "0", "-o", &again]);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&open).unwrap(),
        "receipt get 0 differs from the receipt of the case open"
    );
    let printed = fx.ok(&["receipt", "get", CASE, "3"]);
    assert_eq!(printed.as_bytes(), kept.as_slice(), "receipt get 3 differs");
}

// ---------------------------------------------------------------------------------
// 2. The history
// ---------------------------------------------------------------------------------

#[test]
fn log_shows_one_line_per_act_with_actor_and_number_but_no_title_or_file_name() {
    let fx = Fixture::new();
    let title = "Zanzibar Walrus Memorandum";
    let name = "quokka-harbour-offer.txt";
    let num = fx.deposit_bytes(
        "claimant",
        name,
        b"we would accept 40%",
        &["--category", "caucus", "--title", title],
    );
    assert_eq!(num, 1);
    fx.read_stdout("mediator", 1);
    fx.ok_as("claimant", &["consent", CASE, "1", "--to", "respondent"]);
    fx.ok_as("mediator", &["disclose", CASE, "1", "--to", "respondent"]);
    fx.read_stdout("respondent", 1);

    let text = fx.ok(&["log", CASE]);
    let json = fx.ok(&["--json", "log", CASE]);
    for out in [&text, &json] {
        for secret in [title, "Zanzibar", "Walrus", name, "quokka", "40%"] {
            assert!(
                !out.contains(secret),
                "the log shows `{secret}` of the document:\n{out}"
            );
        }
    }

    let expected = [
        ("registrar", "open", None),
        ("claimant", "deposit", Some(1)),
        ("mediator", "read", Some(1)),
        ("claimant", "consent", Some(1)),
        ("mediator", "disclose", Some(1)),
        ("respondent", "read", Some(1)),
    ];
    assert_eq!(statements(&fx) as usize, expected.len());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        1 + expected.len(),
        "not one line per statement (plus a heading):\n{text}"
    );
    assert!(lines[0].contains(CASE), "{text}");
    for (i, ((who, act, num), line)) in expected.iter().zip(&lines[1..]).enumerate() {
        assert!(
            line.trim_start().starts_with(&i.to_string()),
            "line {i} is not entry {i}: {line}"
        );
        assert!(line.contains(fx.name(who)), "line {i} lacks {who}: {line}");
        assert!(
            line.split_whitespace().any(|w| w == *act),
            "line {i} lacks `{act}`: {line}"
        );
        match num {
            Some(n) => assert!(
                line.split_whitespace().any(|w| w == format!("#{n}")),
                "line {i} lacks #{n}: {line}"
            ),
            None => assert!(!line.contains('#'), "line {i} names a document: {line}"),
        }
    }

    let json = parse_json(&json);
    let entries = json.as_array().expect("log --json is an array");
    assert_eq!(entries.len(), expected.len(), "{json}");
    for (i, ((who, act, num), e)) in expected.iter().zip(entries).enumerate() {
        assert_eq!(e["seq"], i, "{e}");
        assert_eq!(e["actor"], fx.name(who), "{e}");
        assert_eq!(e["act"], *act, "{e}");
        assert_eq!(e["num"].as_u64(), *num, "{e}");
    }
}

// ---------------------------------------------------------------------------------
// 3. log --verify on an honest case
// ---------------------------------------------------------------------------------

#[test]
fn log_verify_says_ok_on_an_untampered_case() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"brief", &[]);
    fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"caucus",
        &["--category", "caucus"],
    );
    fx.deposit_bytes(
        "mediator",
        "note.txt",
        b"note",
        &["--category", "mediator-note"],
    );
    fx.deposit_bytes("respondent", "answer.txt", b"answer", &[]);
    fx.ok_as("claimant", &["consent", CASE, "1", "--to", "respondent"]);
    fx.ok_as("mediator", &["disclose", CASE, "1", "--to", "respondent"]);
    assert_eq!(fx.read_stdout("respondent", 1), b"brief");
    fx.ok_as(
        "mediator",
        &["revoke", CASE, "1", "--from", "respondent", "--rekey"],
    );
    assert_eq!(fx.read_stdout("claimant", 1), b"brief");
    let out = log_ok(&fx);
    assert!(out.contains("Merkle root"), "{out}");
    let report = parse_json(&fx.ok(&["--json", "log", CASE, "--verify"]));
    let n = statements(&fx);
    assert_eq!(report["statements"], n, "{report}");
    assert_eq!(report["checkpoint_size"], n, "{report}");
    assert_eq!(report["wraps"], wraps(&fx), "{report}");
}

// ---------------------------------------------------------------------------------
// 4. Tampering
// ---------------------------------------------------------------------------------

#[test]
fn tamper_a_modified_body_is_caught_at_its_entry() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    let (mut body, _) = statement_row(&conn, 3);
    bump_timestamp(&mut body);
    conn.execute(
        "UPDATE statements SET body = ?1 WHERE case_id = ?2 AND seq = 3",
        rusqlite::params![body, case_id(&conn)],
    )
    .unwrap();
    drop(conn);
    log_bad_at(&fx, 3);
    receipt_bad(&fx, &receipt_of(&fx, 3));
}

#[test]
fn tamper_b_a_modified_body_with_its_leaf_hash_recomputed_is_caught_by_the_checkpoint() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    let (mut body, signature) = statement_row(&conn, 3);
    bump_timestamp(&mut body);
    conn.execute(
        "UPDATE statements SET body = ?1, leaf_hash = ?2 WHERE case_id = ?3 AND seq = 3",
        rusqlite::params![body, leaf_hash(&body, &signature), case_id(&conn)],
    )
    .unwrap();
    drop(conn);
    log_bad_at(&fx, 3);
    receipt_bad(&fx, &receipt_of(&fx, 3));
    receipt_bad(&fx, &receipt_of(&fx, 1));
}

#[test]
fn tamper_the_copied_columns_of_a_statement_row_are_caught() {
    // `act`, `actor` and `at` are copied from the signed body for queries; each one
    // edited alone is named by `log --verify` (the body and its leaf stay intact).
    for (column, value) in [
        ("act", "deposit"),
        ("actor", "00".repeat(32).as_str()),
        ("at", "2020-01-01T00:00:00Z"),
    ] {
        let fx = tamper_fixture();
        let conn = db(&fx);
        let changed = conn
            .execute(
                &format!("UPDATE statements SET {column} = ?1 WHERE case_id = ?2 AND seq = 3"),
                rusqlite::params![value, case_id(&conn)],
            )
            .unwrap();
        assert_eq!(changed, 1);
        drop(conn);
        let err = fx.fails(&["log", CASE, "--verify"], 3);
        assert!(
            err.contains(&format!(
                "the statements row 3 of case {CASE} was altered: its {column} column differs"
            )),
            "{column}: {err}"
        );
        // The receipt is a proof over the signed bytes, which are intact.
        receipt_ok(&fx, &receipt_of(&fx, 3));
    }
}

#[test]
fn tamper_c_a_deleted_entry_is_caught() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    conn.execute(
        "DELETE FROM statements WHERE case_id = ?1 AND seq = 3",
        [case_id(&conn)],
    )
    .unwrap();
    drop(conn);
    log_bad_at(&fx, 3);
    receipt_bad(&fx, &receipt_of(&fx, 3));
    receipt_bad(&fx, &receipt_of(&fx, 6));
}

#[test]
fn tamper_d_two_reordered_entries_are_caught() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    let id = case_id(&conn);
    type Row = (String, String, String, Vec<u8>, Vec<u8>, Vec<u8>);
    let row = |seq: i64| -> Row {
        conn.query_row(
            "SELECT act, actor, at, body, signature, leaf_hash FROM statements
             WHERE case_id = ?1 AND seq = ?2",
            rusqlite::params![id, seq],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap()
    };
    let (three, four) = (row(3), row(4));
    assert_ne!(three.3, four.3);
    for (seq, r) in [(3, four), (4, three)] {
        conn.execute(
            "UPDATE statements SET act = ?1, actor = ?2, at = ?3, body = ?4, signature = ?5,
             leaf_hash = ?6 WHERE case_id = ?7 AND seq = ?8",
            rusqlite::params![r.0, r.1, r.2, r.3, r.4, r.5, id, seq],
        )
        .unwrap();
    }
    drop(conn);
    log_bad_at(&fx, 3);
    receipt_bad(&fx, &receipt_of(&fx, 4));
}

#[test]
fn tamper_e_an_inserted_entry_is_caught() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    conn.execute(
        "INSERT INTO statements (case_id, seq, act, actor, at, body, signature, leaf_hash)
         SELECT case_id, seq + 1, act, actor, at, body, signature, leaf_hash
         FROM statements WHERE case_id = ?1 AND seq = 6",
        [case_id(&conn)],
    )
    .unwrap();
    drop(conn);
    log_bad_at(&fx, 7);
    receipt_bad(&fx, &receipt_of(&fx, 6));
}

#[test]
fn tamper_f_a_forged_signature_is_caught_even_under_a_re_signed_checkpoint() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    let id = case_id(&conn);
    let (body, mut signature) = statement_row(&conn, 2);
    signature[17] ^= 0x40;
    conn.execute(
        "UPDATE statements SET signature = ?1 WHERE case_id = ?2 AND seq = 2",
        rusqlite::params![signature, id],
    )
    .unwrap();
    drop(conn);
    log_bad_at(&fx, 2);
    receipt_bad(&fx, &receipt_of(&fx, 2));

    // Worse: the attacker also fixes the leaf hash and drops every checkpoint that
    // covers the forged entry, hoping the next real act makes the vault sign a new one
    // over the forged log. The members pinned the entry as it was: the act is refused
    // before anything happens, naming the entry.
    let conn = db(&fx);
    conn.execute(
        "UPDATE statements SET leaf_hash = ?1 WHERE case_id = ?2 AND seq = 2",
        rusqlite::params![leaf_hash(&body, &signature), id],
    )
    .unwrap();
    conn.execute(
        "DELETE FROM checkpoints WHERE case_id = ?1 AND size > 2",
        [id],
    )
    .unwrap();
    drop(conn);
    let receipt = fx.arg("after-forgery.json");
    let err = fx.fails_as("claimant", &["--receipt", &receipt, "read", CASE, "1"], 3);
    assert!(err.contains("entry 2 of case"), "{err}");
    assert!(
        !Path::new(&receipt).exists(),
        "a refused act wrote a receipt"
    );
    assert_eq!(statements(&fx), 7);
    let err = log_bad_at(&fx, 2);
    assert!(err.contains("signature"), "{err}");
    // The receipts from before the forgery no longer agree with the vault; since no
    // act re-signed a checkpoint over the forged log, the vault's log does not even
    // match its own latest checkpoint, so an untouched entry's receipt fails too.
    receipt_bad(&fx, &receipt_of(&fx, 2));
    receipt_bad(&fx, &receipt_of(&fx, 6));
    receipt_bad(&fx, &receipt_of(&fx, 1));
}

#[test]
fn tamper_g_a_truncated_log_fails_the_receipts_of_the_removed_entries() {
    let fx = tamper_fixture();
    let conn = db(&fx);
    let id = case_id(&conn);
    conn.execute(
        "DELETE FROM statements WHERE case_id = ?1 AND seq >= 5",
        [id],
    )
    .unwrap();
    conn.execute(
        "DELETE FROM checkpoints WHERE case_id = ?1 AND size > 5",
        [id],
    )
    .unwrap();
    drop(conn);
    // The remaining log is self-consistent, so log --verify may well pass: only a
    // receipt someone kept can prove the truncation.
    let out = fx.run(&["log", CASE, "--verify"]);
    if !out.status.success() {
        expect_failure("log --verify after truncation", &out, 3);
    }
    for seq in [5, 6] {
        let err = receipt_bad(&fx, &receipt_of(&fx, seq));
        assert!(err.contains("truncated"), "entry {seq}: {err}");
    }
    for seq in [0, 4] {
        receipt_ok(&fx, &receipt_of(&fx, seq));
    }
}

#[test]
fn tamper_h_a_log_rewritten_and_re_signed_by_the_vault_fails_the_old_receipt() {
    let fx = tamper_fixture();
    let charter = parse_json(&fx.ok(&["--json", "case", "show", CASE]))["charter_fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let conn = db(&fx);
    let id = case_id(&conn);
    conn.execute(
        "DELETE FROM statements WHERE case_id = ?1 AND seq = 6",
        [id],
    )
    .unwrap();
    conn.execute(
        "DELETE FROM checkpoints WHERE case_id = ?1 AND size = 7",
        [id],
    )
    .unwrap();
    drop(conn);
    // On this machine the members pinned the 7-entry log: the truncation is refused
    // at once, naming where the log was cut.
    let err = fx.fails_as("mediator", &["read", CASE, "1"], 3);
    assert!(
        err.contains("truncated") && err.contains("entry 6"),
        "{err}"
    );
    assert_eq!(statements(&fx), 6);
    // A member on another machine, who joins only now, cannot see what was removed: a
    // real act refills entry 6 (a different one: the mediator reads #1) and the vault
    // signs a checkpoint of 7 entries again.
    let elsewhere = fx.sandbox.join("elsewhere-state");
    let on_other_machine = |args: &[&str]| {
        let mut cmd = fx.sandbox.cmd();
        cmd.env("XDG_STATE_HOME", &elsewhere)
            .args(["--vault", &path_arg(&fx.vault)])
            .args(args);
        exec(&mut cmd)
    };
    let out = on_other_machine(&["case", "join", CASE, "--charter", &charter]);
    expect_ok("join on another machine", &out);
    let replacement = fx.arg("replacement.json");
    let out = on_other_machine(&[
        "-i",
        &fx.id("mediator"),
        "--receipt",
        &replacement,
        "read",
        CASE,
        "1",
    ]);
    expect_ok("read on another machine", &out);
    assert_eq!(statements(&fx), 7);
    // The rewritten log verifies on its own (it is a consistent history)…
    let out = on_other_machine(&["log", CASE, "--verify"]);
    expect_ok("log --verify on another machine", &out);
    // …but not against this machine's pin, nor against the receipt of the old entry 6.
    let err = fx.fails(&["log", CASE, "--verify"], 3);
    assert!(err.contains("rewritten"), "{err}");
    let err = receipt_bad(&fx, &receipt_of(&fx, 6));
    assert!(err.contains("rewritten"), "{err}");
    // Receipts from before the removed entry stay valid, as does the new one.
    receipt_ok(&fx, &receipt_of(&fx, 5));
    receipt_ok(&fx, &receipt_of(&fx, 2));
    receipt_ok(&fx, Path::new(&replacement));
}

#[test]
fn tamper_i_a_wrap_added_without_a_grant_is_caught_and_opens_nothing() {
    let fx = tamper_fixture();
    let mediator = fingerprint(&fx, "mediator");
    let respondent = fingerprint(&fx, "respondent");
    let conn = db(&fx);
    let id = case_id(&conn);
    // #2 is the claimant's caucus document: the mediator has a wrap, the respondent not.
    let added = conn
        .execute(
            "INSERT INTO wraps (case_id, num, reader, wrap, grant_seq)
             SELECT case_id, num, ?1, wrap, grant_seq FROM wraps
             WHERE case_id = ?2 AND num = 2 AND reader = ?3",
            rusqlite::params![respondent, id, mediator],
        )
        .unwrap();
    assert_eq!(added, 1);
    drop(conn);
    let err = fx.fails(&["log", CASE, "--verify"], 3);
    assert!(err.contains("unauthorised wrap"), "{err}");
    assert!(err.contains("#2"), "{err}");

    let n = statements(&fx);
    let target = fx.sandbox.join("stolen.txt");
    fx.fails_as(
        "respondent",
        &["read", CASE, "2", "-o", &path_arg(&target)],
        3,
    );
    assert!(!target.exists(), "a refused read left {}", target.display());
    assert_eq!(temp_leftovers(fx.sandbox.path()), Vec::<String>::new());
    let out = fx.run_as("respondent", &["read", CASE, "2"]);
    expect_failure("respondent reads #2 to stdout", &out, 3);
    assert!(out.stdout.is_empty(), "a refused read printed something");
    assert_eq!(statements(&fx), n, "a refused read was logged");
}

// ---------------------------------------------------------------------------------
// 5. Failing closed
// ---------------------------------------------------------------------------------

#[test]
fn acts_fail_closed_when_the_log_cannot_be_written() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"the brief", &[]);
    let conn = db(&fx);
    conn.execute_batch(
        "CREATE TRIGGER no_log BEFORE INSERT ON statements
         BEGIN SELECT RAISE(ABORT, 'log unwritable'); END;",
    )
    .unwrap();
    drop(conn);
    let (n_statements, n_documents, n_wraps, blobs) =
        (statements(&fx), documents(&fx), wraps(&fx), fx.blob_names());
    let receipts = receipt_names(&fx);

    // read -o: no file.
    let target = fx.sandbox.join("read.txt");
    let out = fx.run_as("claimant", &["read", CASE, "1", "-o", &path_arg(&target)]);
    failed("read -o with the log unwritable", &out);
    assert!(!target.exists(), "an unlogged read wrote its file");
    assert_eq!(temp_leftovers(fx.sandbox.path()), Vec::<String>::new());
    // read to stdout: nothing on stdout.
    let out = fx.run_as("claimant", &["read", CASE, "1"]);
    failed("read with the log unwritable", &out);
    assert!(
        out.stdout.is_empty(),
        "an unlogged read printed {} bytes",
        out.stdout.len()
    );
    // deposit: no document, no blob.
    let file = fx.write("in/new.txt", b"a new document");
    let out = fx.run_as("claimant", &["deposit", CASE, &file]);
    failed("deposit with the log unwritable", &out);
    assert_eq!(
        documents(&fx),
        n_documents,
        "an unlogged deposit was stored"
    );
    assert_eq!(fx.blob_names(), blobs, "an unlogged deposit left a blob");
    // disclose (the owner party may always disclose its own): no wrap.
    let out = fx.run_as("claimant", &["disclose", CASE, "1", "--to", "respondent"]);
    failed("disclose with the log unwritable", &out);
    assert_eq!(wraps(&fx), n_wraps, "an unlogged disclosure added a wrap");
    assert_eq!(statements(&fx), n_statements);
    assert_eq!(receipt_names(&fx), receipts, "a failed act left a receipt");

    // Without the trigger everything works again.
    db(&fx).execute_batch("DROP TRIGGER no_log;").unwrap();
    fx.ok_as("claimant", &["read", CASE, "1", "-o", &path_arg(&target)]);
    assert_eq!(std::fs::read(&target).unwrap(), b"the brief".to_vec());
    assert_eq!(fx.read_stdout("claimant", 1), b"the brief");
    assert_eq!(fx.deposit("claimant", &file, &[]), 2);
    fx.ok_as("claimant", &["disclose", CASE, "1", "--to", "respondent"]);
    assert_eq!(fx.read_stdout("respondent", 1), b"the brief");
    log_ok(&fx);
}

#[test]
fn acts_fail_closed_without_the_log_key() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"the brief", &[]);
    let key = fx.vault.join("log.key");
    let away = fx.sandbox.join("log.key.away");
    std::fs::rename(&key, &away).unwrap();
    let (n_statements, n_documents, blobs) = (statements(&fx), documents(&fx), fx.blob_names());

    let file = fx.write("in/new.txt", b"a new document");
    let out = fx.run_as("claimant", &["deposit", CASE, &file]);
    let err = failed("deposit without the log key", &out);
    assert!(err.contains("log key"), "the error does not say why: {err}");
    assert_eq!(documents(&fx), n_documents, "a deposit was stored unlogged");
    assert_eq!(fx.blob_names(), blobs, "a failed deposit left a blob");

    let target = fx.sandbox.join("read.txt");
    let out = fx.run_as("claimant", &["read", CASE, "1", "-o", &path_arg(&target)]);
    let err = failed("read -o without the log key", &out);
    assert!(err.contains("log key"), "the error does not say why: {err}");
    assert!(!target.exists(), "an unlogged read wrote its file");
    assert_eq!(temp_leftovers(fx.sandbox.path()), Vec::<String>::new());
    let out = fx.run_as("claimant", &["read", CASE, "1"]);
    failed("read without the log key", &out);
    assert!(out.stdout.is_empty(), "an unlogged read printed something");
    assert_eq!(statements(&fx), n_statements, "something was logged");

    std::fs::rename(&away, &key).unwrap();
    assert_eq!(fx.deposit("claimant", &file, &[]), 2);
    fx.ok_as("claimant", &["read", CASE, "1", "-o", &path_arg(&target)]);
    assert_eq!(std::fs::read(&target).unwrap(), b"the brief".to_vec());
    log_ok(&fx);
}

#[test]
fn a_receipt_named_bare_is_found_in_the_receipts_folder_or_the_old_one() {
    let fx = Fixture::new();
    let open = receipt_of(&fx, 0);
    let name = open.file_name().unwrap().to_string_lossy().into_owned();
    // In today's folder ($XDG_STATE_HOME/sealroom/receipts).
    let out = fx.ok(&["receipt", "verify", &name]);
    assert!(out.starts_with("OK: entry 0 (open"), "{out}");
    // Moved to where receipts were kept before ($XDG_DATA_HOME/sealroom/receipts).
    let old = fx.sandbox.default_vault().join("receipts");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::rename(&open, old.join(&name)).unwrap();
    let out = fx.ok(&["receipt", "verify", &name]);
    assert!(out.starts_with("OK: entry 0 (open"), "{out}");
    // A name found nowhere is "not found", naming what was looked for.
    let err = fx.fails(&["receipt", "verify", "no-such-receipt.json"], 4);
    assert!(err.contains("no-such-receipt.json"), "{err}");
}
