//! Where authority comes from (DESIGN.md, "Where authority comes from (must)"; issue 12):
//! the signed log is the only source of authority, the tables are caches, and whoever
//! can write the vault folder (`sealroom.db`, `log.key`) can delete and withhold but
//! never add a reader, revive a consent or a grant, or forge an act.
//!
//! Each test is one attack, driven the way an attacker who can write the vault folder
//! would drive it: while no command runs, edit `sealroom.db` with SQLite (rusqlite),
//! and where the edit touches the log, sign the changed statement with an identity of
//! the attacker's own and re-sign the checkpoints with the vault's `log.key`. Then the
//! honest members act through the real `sealroom` binary, and the test checks that the
//! act is refused before anything is released (exit 3, one line naming what is wrong),
//! that nothing is added to the log, that no plaintext reaches the attacker or the
//! revoked party, and that `log --verify` and `doctor` report the tampering.
//!
//! Every test gathers all the expectations it finds broken and reports them together,
//! so a run against an unfixed engine shows the whole attack, not only its first step.

mod common;

use std::path::Path;
use std::process::Output;

use common::*;
use rusqlite::{params, Connection, OptionalExtension};
use sealroom_engine::internal::case::charter::MemberRecord;
use sealroom_engine::internal::log::checkpoint::{Checkpoint, LogKey};
use sealroom_engine::internal::log::merkle;
use sealroom_engine::internal::log::statement::{Act, SignedStatement};
use sealroom_engine::policy::Role;
use sealroom_engine::receipt;
use sealroom_engine::{Card, Identity};

// ---------------------------------------------------------------------------------
// Expectations, gathered
// ---------------------------------------------------------------------------------

/// The broken expectations of one test, reported together at the end.
#[derive(Default)]
struct Verdict {
    failures: Vec<String>,
}

impl Verdict {
    /// Record `what` unless `ok`.
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) -> bool {
        if !ok {
            self.failures.push(what());
        }
        ok
    }

    /// `out` must have failed with one of `codes` and one line `sealroom: …` on
    /// standard error containing one of `names` (any, case-insensitive; none given:
    /// no requirement). Returns whether it did.
    fn refused(&mut self, what: &str, out: &Output, codes: &[i32], names: &[&str]) -> bool {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code_ok = out.status.code().is_some_and(|c| codes.contains(&c));
        let one_line = stderr.starts_with("sealroom: ")
            && stderr.ends_with('\n')
            && stderr.lines().count() == 1;
        let lower = stderr.to_lowercase();
        let named = names.is_empty() || names.iter().any(|n| lower.contains(&n.to_lowercase()));
        self.check(code_ok && one_line && named, || {
            format!(
                "{what}: expected exit {codes:?} with one line `sealroom: …` naming one of {names:?}; got {}",
                outcome(out)
            )
        })
    }

    /// Panic with every broken expectation, if any.
    fn finish(self) {
        if !self.failures.is_empty() {
            panic!(
                "{} expectation(s) not met:\n  - {}",
                self.failures.len(),
                self.failures.join("\n  - ")
            );
        }
    }
}

/// A command's exit and output, short, for a failure message.
fn outcome(out: &Output) -> String {
    let cut = |b: &[u8]| {
        let s = String::from_utf8_lossy(&b[..b.len().min(600)]).into_owned();
        s.trim_end().replace('\n', "⏎ ")
    };
    format!(
        "exit {:?}, stdout `{}`, stderr `{}`",
        out.status.code(),
        cut(&out.stdout),
        cut(&out.stderr)
    )
}

// ---------------------------------------------------------------------------------
// The attacker's tools
// ---------------------------------------------------------------------------------

/// The vault's database, opened read-write as an attacker would (no command runs).
fn db(fx: &Fixture) -> Connection {
    let conn = Connection::open(fx.vault.join("sealroom.db")).expect("open the vault database");
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .expect("set a busy timeout");
    conn
}

fn case_id(conn: &Connection) -> i64 {
    conn.query_row("SELECT id FROM cases WHERE reference = ?1", [CASE], |r| {
        r.get(0)
    })
    .expect("case C-1 is in the database")
}

fn vault_id(conn: &Connection) -> String {
    conn.query_row("SELECT value FROM meta WHERE key = 'vault_id'", [], |r| {
        r.get(0)
    })
    .expect("the vault has an id")
}

fn statement_count(fx: &Fixture) -> u64 {
    let conn = db(fx);
    let id = case_id(&conn);
    conn.query_row(
        "SELECT COUNT(*) FROM statements WHERE case_id = ?1",
        [id],
        |r| r.get(0),
    )
    .expect("count statements")
}

/// How many statements of C-1 record `act` (by their signed body, not the act column).
fn acts_logged(fx: &Fixture, act: &str) -> usize {
    let conn = db(fx);
    let id = case_id(&conn);
    load_statements(&conn, id)
        .iter()
        .filter(|(_, s)| s.statement().map(|s| s.act.name() == act).unwrap_or(false))
        .count()
}

/// Every statement of C-1, by sequence number.
fn load_statements(conn: &Connection, case_id: i64) -> Vec<(u64, SignedStatement)> {
    let mut stmt = conn
        .prepare("SELECT seq, body, signature FROM statements WHERE case_id = ?1 ORDER BY seq")
        .expect("prepare");
    stmt.query_map([case_id], |r| {
        Ok((
            r.get::<_, u64>(0)?,
            SignedStatement {
                body: r.get(1)?,
                signature: r.get(2)?,
            },
        ))
    })
    .expect("query statements")
    .collect::<rusqlite::Result<_>>()
    .expect("read statements")
}

/// Replace the checkpoints of C-1 with fresh ones over the stored leaf hashes, one
/// per size, signed with the vault's own `log.key`: what anyone who can read the
/// vault folder can do.
fn resign_checkpoints(fx: &Fixture, conn: &Connection) {
    let id = case_id(conn);
    let vault = vault_id(conn);
    let pkcs8 = std::fs::read(fx.vault.join("log.key")).expect("read the vault's log.key");
    let key = LogKey::from_pkcs8(&receipt::key_name(&vault), &pkcs8).expect("load log.key");
    let leaves: Vec<merkle::Hash> = {
        let mut stmt = conn
            .prepare("SELECT leaf_hash FROM statements WHERE case_id = ?1 ORDER BY seq")
            .expect("prepare");
        stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0))
            .expect("query leaves")
            .map(|h| <[u8; 32]>::try_from(h.expect("a leaf").as_slice()).expect("32 bytes"))
            .collect()
    };
    conn.execute("DELETE FROM checkpoints WHERE case_id = ?1", [id])
        .expect("delete checkpoints");
    for size in 1..=leaves.len() {
        let root = merkle::root(&leaves[..size]);
        let checkpoint = Checkpoint::new(receipt::origin(&vault, CASE), size as u64, root)
            .expect("a checkpoint");
        let note = key.sign(&checkpoint).expect("sign a checkpoint");
        conn.execute(
            "INSERT INTO checkpoints (case_id, size, root, note) VALUES (?1, ?2, ?3, ?4)",
            params![id, size as u64, root.to_vec(), note.text],
        )
        .expect("insert a checkpoint");
    }
}

/// Store `signed` as statement `seq` of C-1 (body, signature, copied columns, leaf).
fn replace_statement(conn: &Connection, seq: u64, signed: &SignedStatement) {
    let id = case_id(conn);
    let s = signed.statement().expect("a well-formed statement");
    let leaf = merkle::leaf_hash(&signed.entry());
    let changed = conn
        .execute(
            "UPDATE statements SET act = ?3, actor = ?4, at = ?5, body = ?6, signature = ?7, leaf_hash = ?8
             WHERE case_id = ?1 AND seq = ?2",
            params![
                id,
                seq,
                s.act.name(),
                s.actor,
                s.at,
                signed.body,
                signed.signature,
                leaf.to_vec()
            ],
        )
        .expect("update the statement");
    assert_eq!(changed, 1, "statement {seq} was not there to replace");
}

/// Insert `m` into the members cache as the engine does.
fn insert_member(conn: &Connection, m: &MemberRecord, seq: u64) {
    let id = case_id(conn);
    conn.execute(
        "INSERT INTO members (case_id, role, label, fingerprint, name, recipient, verifying_key, added_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            m.role,
            m.label.clone().unwrap_or_default(),
            m.fingerprint().expect("a fingerprint").to_hex(),
            m.name,
            m.age,
            m.ed25519,
            seq
        ],
    )
    .expect("insert a member row");
}

/// A person's identity (made with `keygen --no-passphrase`).
fn identity(fx: &Fixture, who: &str) -> Identity {
    Identity::load(Path::new(&fx.id(who)), || {
        panic!("{who}'s identity has no passphrase")
    })
    .expect("load an identity")
}

fn card(fx: &Fixture, who: &str) -> Card {
    Card::load(Path::new(&fx.card(who))).expect("load a card")
}

/// `args` as `who`, with a marker-bearing file deposited as `name`; the output.
fn deposit_out(fx: &Fixture, who: &str, name: &str, bytes: &[u8], extra: &[&str]) -> Output {
    let path = fx.write(&format!("in/{who}/{name}"), bytes);
    let mut args = vec!["--json", "deposit", CASE, path.as_str()];
    args.extend_from_slice(extra);
    fx.run_as(who, &args)
}

/// `who` tries to read `num` to standard output: must not succeed, and must not put
/// `marker` on standard output.
fn cannot_read(v: &mut Verdict, fx: &Fixture, who: &str, num: u64, marker: &[u8], codes: &[i32]) {
    let out = fx.run_as(who, &["read", CASE, &num.to_string()]);
    v.check(!contains_bytes(&out.stdout, marker), || {
        format!(
            "{who} got the plaintext of #{num} on standard output ({})",
            outcome(&out)
        )
    });
    v.refused(&format!("{who} reading #{num}"), &out, codes, &[]);
}

/// `log C-1 --verify` and `doctor` must both report tampering (exit 3), the first
/// naming one of `names`.
fn verify_and_doctor_report(v: &mut Verdict, fx: &Fixture, names: &[&str]) {
    let out = fx.run(&["log", CASE, "--verify"]);
    v.refused("log C-1 --verify after the tampering", &out, &[3], names);
    let out = fx.run(&["doctor"]);
    v.refused("doctor after the tampering", &out, &[3], &[]);
}

// ---------------------------------------------------------------------------------
// The attacks
// ---------------------------------------------------------------------------------

/// Charter rewrite. Right after `case open`, the attacker replaces statement 0 with a
/// charter signed by a look-alike registrar (same display name, the attacker's key)
/// that also names the attacker as a mediator, recomputes its leaf, re-signs every
/// checkpoint with `log.key` and rewrites the `members` cache to match. The
/// claimant's next caucus deposit must be refused (exit 3, naming entry 0 or the
/// charter) with nothing added to the log, and the attacker must read nothing.
#[test]
fn a_rewritten_charter_with_a_look_alike_registrar_is_refused_before_any_deposit() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    fx.add_person("fake-registrar", fx.name("registrar"));
    fx.add_person("mallory", "Mallory Marsh");
    let fake = identity(&fx, "fake-registrar");
    let mallory = card(&fx, "mallory");
    assert_eq!(fake.name(), fx.name("registrar"), "a look-alike");

    {
        let conn = db(&fx);
        let id = case_id(&conn);
        let statements = load_statements(&conn, id);
        assert_eq!(
            statements.len(),
            1,
            "right after case open: the charter only"
        );
        let mut s = statements[0].1.statement().expect("the charter parses");
        let Act::Open { charter } = &mut s.act else {
            panic!("statement 0 is not the charter");
        };
        assert_eq!(charter.members[0].role, "registrar");
        charter.members[0] = MemberRecord::new(&Role::Registrar, &fake.card());
        let after_mediator = charter
            .members
            .iter()
            .position(|m| m.role == "mediator")
            .expect("a mediator")
            + 1;
        charter
            .members
            .insert(after_mediator, MemberRecord::new(&Role::Mediator, &mallory));
        charter
            .validate_signed()
            .expect("the forged charter is valid");
        let members = charter.members.clone();
        s.actor = fake.fingerprint().to_hex();
        let forged = SignedStatement::sign(&s, &fake).expect("sign the forged charter");
        replace_statement(&conn, 0, &forged);
        conn.execute("DELETE FROM members WHERE case_id = ?1", [id])
            .expect("clear members");
        for m in &members {
            insert_member(&conn, m, 0);
        }
        resign_checkpoints(&fx, &conn);
    }

    let before = statement_count(&fx);
    let marker = b"CAUCUS-MARKER-a: our walk-away price is 3.1m";
    let out = deposit_out(
        &fx,
        "claimant",
        "caucus.txt",
        marker,
        &["--category", "caucus"],
    );
    if !v.refused(
        "the claimant's caucus deposit after the charter was rewritten",
        &out,
        &[3],
        &["entry 0", "charter"],
    ) && out.status.success()
    {
        // What the signed deposit statement wrapped the document key for.
        let conn = db(&fx);
        let wrapped_for_attacker = load_statements(&conn, case_id(&conn))
            .iter()
            .filter_map(|(_, s)| s.statement().ok())
            .any(|s| matches!(&s.act, Act::Deposit(d) if d.readers.contains(&mallory.fingerprint().to_hex())));
        v.check(!wrapped_for_attacker, || {
            "the deposit statement wraps the caucus document's key for the attacker's card (the forged charter's extra mediator)".to_owned()
        });
    }
    v.check(statement_count(&fx) == before, || {
        format!(
            "the log grew from {before} to {} statements after the refused deposit",
            statement_count(&fx)
        )
    });
    // The attacker reads nothing: neither the deposit nor any listing of it.
    cannot_read(&mut v, &fx, "mallory", 1, marker, &[1, 3, 4]);
    let list = fx.run_as("mallory", &["--json", "list", CASE]);
    if list.status.success() {
        let json: serde_json::Value =
            serde_json::from_slice(&list.stdout).unwrap_or(serde_json::Value::Null);
        v.check(
            json["readable"].as_array().is_some_and(|a| a.is_empty()),
            || {
                format!(
                    "the attacker's listing shows documents: {}",
                    json["readable"]
                )
            },
        );
    }
    verify_and_doctor_report(&mut v, &fx, &["entry 0", "charter"]);
    v.finish();
}

/// Revived consent. The claimant consents to the respondent seeing caucus #1 and then
/// revokes (withdrawing the consent); the attacker puts the old `consents` row back.
/// An honest mediator's `disclose` must be refused (exit 3, naming the consent), no
/// disclosure logged, and the respondent must not be able to read #1.
#[test]
fn a_consent_row_put_back_after_revoke_authorises_no_disclosure() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    let marker = b"CAUCUS-MARKER-b: we could accept 60% in instalments";
    let num = fx.deposit_bytes("claimant", "caucus.txt", marker, &["--category", "caucus"]);
    fx.ok_as(
        "claimant",
        &["consent", CASE, &num.to_string(), "--to", "respondent"],
    );
    let saved: (i64, u64, String, u64) = {
        let conn = db(&fx);
        conn.query_row(
            "SELECT case_id, num, to_label, seq FROM consents",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("the consent row")
    };
    let out = fx.ok_as(
        "claimant",
        &[
            "--json",
            "revoke",
            CASE,
            &num.to_string(),
            "--from",
            "respondent",
        ],
    );
    assert_eq!(parse_json(&out)["consent_withdrawn"], true, "{out}");
    {
        let conn = db(&fx);
        conn.execute(
            "INSERT INTO consents (case_id, num, to_label, seq) VALUES (?1, ?2, ?3, ?4)",
            params![saved.0, saved.1, saved.2, saved.3],
        )
        .expect("put the consent row back");
    }

    // The cache now disagrees with the log: verify and doctor must say so.
    verify_and_doctor_report(&mut v, &fx, &["consent"]);

    let out = fx.run_as(
        "mediator",
        &[
            "--json",
            "disclose",
            CASE,
            &num.to_string(),
            "--to",
            "respondent",
        ],
    );
    // The refusal names the row that differs from the log.
    v.refused(
        "the mediator's disclose relying on the revived consent",
        &out,
        &[3],
        &[&format!("consents row for #{num} to respondent")],
    );
    v.check(acts_logged(&fx, "disclose") == 0, || {
        "a disclosure was logged on the strength of a withdrawn consent".to_owned()
    });
    cannot_read(&mut v, &fx, "respondent", num, marker, &[1, 3]);
    v.finish();
}

/// Invented consent. The claimant deposits caucus #1 and never consents; the attacker
/// adds a `consents` row for the respondent that points at a real statement of the log
/// (the deposit), so only the log's replay can tell it is no consent. An honest
/// mediator's `disclose` must be refused (exit 3, naming the consent), nothing logged,
/// and the respondent must not be able to read #1.
#[test]
fn a_consent_row_no_consent_statement_gave_authorises_no_disclosure() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    let marker = b"CAUCUS-MARKER-d: our walk-away price is 3.1 million";
    let num = fx.deposit_bytes("claimant", "caucus.txt", marker, &["--category", "caucus"]);
    {
        let conn = db(&fx);
        let case = case_id(&conn);
        let deposit_seq: u64 = conn
            .query_row(
                "SELECT statement_seq FROM documents WHERE case_id = ?1 AND num = ?2",
                params![case, num],
                |r| r.get(0),
            )
            .expect("the document row");
        conn.execute(
            "INSERT INTO consents (case_id, num, to_label, seq) VALUES (?1, ?2, 'respondent', ?3)",
            params![case, num, deposit_seq],
        )
        .expect("add a consent row");
    }
    let before = statement_count(&fx);
    let out = fx.run_as(
        "mediator",
        &[
            "--json",
            "disclose",
            CASE,
            &num.to_string(),
            "--to",
            "respondent",
        ],
    );
    v.refused(
        "the mediator's disclose relying on the invented consent",
        &out,
        &[3],
        &[&format!("consents row for #{num} to respondent")],
    );
    v.check(statement_count(&fx) == before, || {
        "something was logged on the strength of a consent never given".to_owned()
    });
    cannot_read(&mut v, &fx, "respondent", num, marker, &[1, 3]);
    v.finish();
}

/// Revived grant. The claimant discloses brief #1 to the respondent, then revokes
/// without `--rekey`; the attacker puts the deleted wrap row back. The respondent's
/// read must fail with exit 3 and no plaintext, and nothing be logged as read.
#[test]
fn a_wrap_row_put_back_after_revoke_opens_nothing() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    let marker = b"BRIEF-MARKER-c: exhibit 12 is a forgery";
    let num = fx.deposit_bytes("claimant", "brief.txt", marker, &[]);
    fx.ok_as(
        "claimant",
        &["disclose", CASE, &num.to_string(), "--to", "respondent"],
    );
    assert_same_bytes(
        "the respondent's read before the revoke",
        &fx.read_stdout("respondent", num),
        marker,
    );
    let respondent = card(&fx, "respondent").fingerprint().to_hex();
    let saved: (i64, u64, String, Vec<u8>, u64) = {
        let conn = db(&fx);
        conn.query_row(
            "SELECT case_id, num, reader, wrap, grant_seq FROM wraps WHERE reader = ?1",
            [&respondent],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("the respondent's wrap row")
    };
    fx.ok_as(
        "claimant",
        &["revoke", CASE, &num.to_string(), "--from", "respondent"],
    );
    let reads_before = acts_logged(&fx, "read");
    {
        let conn = db(&fx);
        let gone: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM wraps WHERE reader = ?1",
                [&respondent],
                |r| r.get(0),
            )
            .optional()
            .expect("query");
        assert!(gone.is_none(), "revoke left the respondent's wrap in place");
        conn.execute(
            "INSERT INTO wraps (case_id, num, reader, wrap, grant_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![saved.0, saved.1, saved.2, saved.3, saved.4],
        )
        .expect("put the wrap row back");
    }

    cannot_read(&mut v, &fx, "respondent", num, marker, &[3]);
    v.check(acts_logged(&fx, "read") == reads_before, || {
        "a read by the revoked respondent was logged".to_owned()
    });
    verify_and_doctor_report(&mut v, &fx, &[]);
    v.finish();
}

/// Unchecked cache: the `act` column of `statements`. The registrar adds a second
/// respondent member; the attacker relabels that add-member statement as a `read`
/// (its signed body unchanged), first alone, then also deleting the member's row so
/// the caches agree with each other. Each time, the claimant's next brief deposited
/// `--share-with-all` must either be refused (exit 3) or reach the added member.
#[test]
fn an_add_member_hidden_by_its_act_column_is_not_skipped_by_later_deposits() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    fx.add_person("respondent2", "Dana Kim");
    let added = card(&fx, "respondent2").fingerprint().to_hex();
    let out = fx.ok_as(
        "registrar",
        &[
            "--json",
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("respondent={}", fx.card("respondent2")),
        ],
    );
    let seq = parse_json(&out)["statement"]
        .as_u64()
        .expect("add-member names its statement");
    {
        let conn = db(&fx);
        let changed = conn
            .execute(
                "UPDATE statements SET act = 'read' WHERE case_id = ?1 AND seq = ?2",
                params![case_id(&conn), seq],
            )
            .expect("relabel the add-member");
        assert_eq!(changed, 1);
    }

    let fail_closed_or_reach = |v: &mut Verdict, step: &str, name: &str, marker: &[u8]| {
        let out = deposit_out(&fx, "claimant", name, marker, &["--share-with-all"]);
        if out.status.success() {
            let num = parse_json(&String::from_utf8_lossy(&out.stdout))["num"]
                .as_u64()
                .expect("a number");
            let read = fx.run_as("respondent2", &["read", CASE, &num.to_string()]);
            v.check(read.status.success() && read.stdout == marker, || {
                format!(
                    "{step}: the deposit #{num} --share-with-all succeeded but skipped the added respondent member ({})",
                    outcome(&read)
                )
            });
        } else {
            v.refused(
                &format!("{step}: the claimant's --share-with-all deposit"),
                &out,
                &[3],
                &[],
            );
        }
    };
    fail_closed_or_reach(
        &mut v,
        "act column edited",
        "brief1.txt",
        b"BRIEF-MARKER-d1: first shared brief",
    );

    {
        let conn = db(&fx);
        let changed = conn
            .execute(
                "DELETE FROM members WHERE case_id = ?1 AND fingerprint = ?2",
                params![case_id(&conn), added],
            )
            .expect("delete the member row");
        assert_eq!(changed, 1);
    }
    fail_closed_or_reach(
        &mut v,
        "act column edited and member row deleted",
        "brief2.txt",
        b"BRIEF-MARKER-d1: second shared brief",
    );
    verify_and_doctor_report(&mut v, &fx, &[]);
    v.finish();
}

/// Unchecked cache: `cases.state`. After close and seal, the attacker sets the state
/// back to `closed`. `log --verify` and `doctor` must report it, and an `export` by a
/// party (of a settlement document, still readable after sealing) must be refused
/// (exit 1 or 3) without writing a file.
#[test]
fn a_sealed_case_set_back_to_closed_exports_nothing() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    let marker = b"SETTLEMENT-MARKER-d2: the parties agree on 2.4m";
    let num = fx.deposit_bytes(
        "claimant",
        "settlement.txt",
        marker,
        &["--category", "settlement"],
    );
    fx.ok_as("mediator", &["case", "close", CASE]);
    fx.ok_as(
        "archivist",
        &[
            "seal",
            CASE,
            "--retain-until",
            "2030-01-01",
            "-o",
            &fx.arg("C-1.sealed"),
        ],
    );
    {
        let conn = db(&fx);
        let changed = conn
            .execute(
                "UPDATE cases SET state = 'closed' WHERE reference = ?1",
                [CASE],
            )
            .expect("set the state back");
        assert_eq!(changed, 1);
    }
    verify_and_doctor_report(&mut v, &fx, &["state", "sealed", "closed"]);

    let exports_before = acts_logged(&fx, "export");
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let target = fx.sandbox.join("exported.age");
    let out = fx.run_as(
        "claimant",
        &[
            "export",
            CASE,
            &num.to_string(),
            "--recipient",
            &recipient,
            "-o",
            &path_arg(&target),
        ],
    );
    v.refused(
        "the claimant's export from the sealed case set back to closed",
        &out,
        &[1, 3],
        &[],
    );
    v.check(!target.exists(), || {
        format!(
            "the export wrote {} ({} bytes)",
            target.display(),
            std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0)
        )
    });
    v.check(acts_logged(&fx, "export") == exports_before, || {
        "an export was logged after the seal".to_owned()
    });
    v.finish();
}

/// Unchecked key: `log.key` replaced by another Ed25519 key (so checkpoints signed
/// from now on would not verify under the vault's recorded `log_verifier`). `doctor`
/// must report it (exit 3, a finding naming log.key), and no act may be logged.
#[test]
fn a_replaced_log_key_is_reported_by_doctor() {
    let fx = Fixture::new();
    let mut v = Verdict::default();
    {
        let conn = db(&fx);
        let vault = vault_id(&conn);
        let (_, pkcs8) = LogKey::generate(&receipt::key_name(&vault)).expect("a new key");
        std::fs::write(fx.vault.join("log.key"), pkcs8).expect("replace log.key");
    }

    let out = fx.run(&["--json", "doctor"]);
    v.refused(
        "doctor with a replaced log.key",
        &out,
        &[3],
        &["log.key", "log key"],
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    let names_key = report["problems"].as_array().is_some_and(|problems| {
        problems.iter().any(|p| {
            let detail = p["detail"].as_str().unwrap_or("").to_lowercase();
            detail.contains("log.key") || detail.contains("log key")
        })
    });
    v.check(names_key, || {
        format!(
            "doctor's report has no finding naming log.key: {}",
            report["problems"]
        )
    });

    let before = statement_count(&fx);
    let out = deposit_out(&fx, "claimant", "brief.txt", b"BRIEF-MARKER-d3", &[]);
    v.refused(
        "a deposit with a replaced log.key",
        &out,
        &[3],
        &["log key", "log.key"],
    );
    v.check(statement_count(&fx) == before, || {
        "an act was logged with a replaced log.key".to_owned()
    });
    v.finish();
}

/// The vault's latest signed checkpoint must commit to the log as stored: one set back
/// to an older size (the newest row deleted) or taken away altogether is refused at
/// the next act, and nothing is recorded.
#[test]
fn a_latest_checkpoint_set_back_or_removed_is_refused_at_the_next_act() {
    let fx = Fixture::new();
    let brief = fx.write("in/brief.txt", b"the claimant's brief");
    fx.deposit("claimant", &brief, &[]);
    fx.deposit("claimant", &brief, &[]);
    for (what, sql, says) in [
        (
            "set back",
            "DELETE FROM checkpoints WHERE case_id = ?1 \
             AND size = (SELECT max(size) FROM checkpoints WHERE case_id = ?1)",
            "does not commit to the log as stored",
        ),
        (
            "removed",
            "DELETE FROM checkpoints WHERE case_id = ?1",
            "is missing",
        ),
    ] {
        {
            let conn = db(&fx);
            let id = case_id(&conn);
            conn.execute(sql, [id])
                .expect("tamper with the checkpoints");
        }
        let before = statement_count(&fx);
        let out = fx.run_as("claimant", &["list", CASE]);
        assert_eq!(out.status.code(), Some(3), "{what}: {}", outcome(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{what}: {err}");
        let out = deposit_out(&fx, "claimant", "more.txt", b"MORE-MARKER", &[]);
        assert_eq!(out.status.code(), Some(3), "{what}: {}", outcome(&out));
        assert_eq!(statement_count(&fx), before, "{what}: an act was recorded");
    }
}
