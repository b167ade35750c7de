//! A vault that lies by forking: it shows two members different histories of one case
//! (here, two copies of the vault folder, one for each member's machine, as a forking
//! server would keep two branches). Each member's own view stays consistent, so the
//! fork is caught where the histories meet: when members compare checkpoints
//! (`checkpoint show` / `checkpoint check`), or when the vault shows one member a
//! statement made on the other branch (its log head names the other history).

mod common;

use std::path::Path;
use std::process::Output;

use common::crash::copy_tree;
use common::*;

/// `sealroom --vault VAULT [-i WHO.id] ARGS` from the machine whose member state is
/// `state`.
fn on(fx: &Fixture, vault: &Path, state: &str, who: Option<&str>, args: &[&str]) -> Output {
    fx.run_on(state, Some(vault), who, args)
}

fn charter_of(fx: &Fixture) -> String {
    let v = parse_json(&fx.ok(&["--json", "case", "show", CASE]));
    v["charter_fingerprint"].as_str().unwrap().to_owned()
}

/// The claimant's machine (`state-a`) and the mediator's (`state-b`), both joined with
/// the charter fingerprint, after one deposit.
fn two_machines() -> Fixture {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"the claimant's brief", &[]);
    let fp = charter_of(&fx);
    for state in ["state-a", "state-b"] {
        let out = on(
            &fx,
            &fx.vault,
            state,
            None,
            &["case", "join", CASE, "--charter", &fp],
        );
        expect_ok("join", &out);
    }
    fx
}

/// `checkpoint show` on `vault` from `state`, written to a file; its path.
fn show(fx: &Fixture, vault: &Path, state: &str, name: &str) -> String {
    let out = on(fx, vault, state, None, &["checkpoint", "show", CASE]);
    let text = expect_ok("checkpoint show", &out);
    let path = fx.sandbox.join(name);
    std::fs::write(&path, &text).unwrap();
    path_arg(&path)
}

#[test]
fn members_comparing_checkpoints_of_one_history_find_them_consistent() {
    let fx = two_machines();
    let a = show(&fx, &fx.vault, "state-a", "a.txt");
    let text = std::fs::read_to_string(fx.sandbox.join("a.txt")).unwrap();
    assert!(text.contains("2 entries"), "{text}");
    // The mediator's machine checks it now, after one more act (a longer log).
    fx.read_stdout("mediator", 1);
    let out = on(
        &fx,
        &fx.vault,
        "state-b",
        None,
        &["checkpoint", "check", CASE, &a],
    );
    let said = expect_ok("check a consistent checkpoint", &out);
    assert!(said.starts_with("Consistent: "), "{said}");
    assert!(
        said.contains("(2 entries)") && said.contains("(3 entries)"),
        "{said}"
    );
    // In JSON, and from an e-mail with CRLF line ends and text around it.
    let mail = format!(
        "Dear colleagues,\r\n\r\n{}\r\nBest,\r\nAna\r\n",
        text.replace('\n', "\r\n")
    );
    let mail_path = fx.sandbox.join("mail.txt");
    std::fs::write(&mail_path, mail).unwrap();
    let out = on(
        &fx,
        &fx.vault,
        "state-b",
        None,
        &["--json", "checkpoint", "check", CASE, &path_arg(&mail_path)],
    );
    let v = parse_json(&expect_ok("check from an e-mail", &out));
    assert_eq!(v["theirs"], 2);
    assert_eq!(v["yours"], 3);
    assert_eq!(v["case"], CASE);
    let shown = parse_json(&expect_ok(
        "show in JSON",
        &on(
            &fx,
            &fx.vault,
            "state-b",
            None,
            &["--json", "checkpoint", "show", CASE],
        ),
    ));
    assert_eq!(shown["size"], 3);
    assert_eq!(shown["root"], v["your_root"]);
    assert!(shown["note"].as_str().unwrap().contains("\n3\n"));
}

#[test]
fn an_altered_or_foreign_checkpoint_is_refused() {
    let fx = two_machines();
    show(&fx, &fx.vault, "state-a", "a.txt");
    let text = std::fs::read_to_string(fx.sandbox.join("a.txt")).unwrap();
    // The size line changed: the signature no longer verifies.
    let altered = text.replacen("\n2\n", "\n1\n", 1);
    assert_ne!(altered, text);
    let path = fx.sandbox.join("altered.txt");
    std::fs::write(&path, altered).unwrap();
    let out = on(
        &fx,
        &fx.vault,
        "state-b",
        None,
        &["checkpoint", "check", CASE, &path_arg(&path)],
    );
    let err = expect_failure("an altered checkpoint", &out, 3);
    assert!(
        err.contains("not signed by the vault's log key you pinned"),
        "{err}"
    );
    // Text with no checkpoint of this case in it.
    let path = fx.sandbox.join("nothing.txt");
    std::fs::write(&path, "no checkpoint here\n").unwrap();
    let out = on(
        &fx,
        &fx.vault,
        "state-b",
        None,
        &["checkpoint", "check", CASE, &path_arg(&path)],
    );
    let err = expect_failure("no checkpoint", &out, 2);
    assert!(err.contains("there is no checkpoint of case"), "{err}");
    // A missing file.
    let out = on(
        &fx,
        &fx.vault,
        "state-b",
        None,
        &["checkpoint", "check", CASE, "missing.txt"],
    );
    expect_failure("a missing file", &out, 4);
}

#[test]
fn a_fork_is_caught_by_comparing_checkpoints_and_at_the_next_act_that_sees_the_other_branch() {
    let fx = two_machines();
    // The vault forks: from here on the claimant's machine is shown `vault`, the
    // mediator's `fork`.
    let fork = fx.sandbox.join("fork");
    copy_tree(&fx.vault, &fork);
    let out = on(
        &fx,
        &fx.vault,
        "state-a",
        Some("claimant"),
        &[
            "deposit",
            CASE,
            &fx.write("a.txt", b"branch A"),
            "--category",
            "caucus",
        ],
    );
    expect_ok("deposit on branch A", &out);
    let out = on(
        &fx,
        &fork,
        "state-b",
        Some("mediator"),
        &[
            "deposit",
            CASE,
            &fx.write("b.txt", b"branch B"),
            "--category",
            "mediator-note",
        ],
    );
    expect_ok("deposit on branch B", &out);
    // Alone, each member sees a sound log.
    expect_ok(
        "log on A",
        &on(&fx, &fx.vault, "state-a", None, &["log", CASE, "--verify"]),
    );
    expect_ok(
        "log on B",
        &on(&fx, &fork, "state-b", None, &["log", CASE, "--verify"]),
    );

    // Compared, the two signed checkpoints prove the fork, either way round.
    let a = show(&fx, &fx.vault, "state-a", "a.txt");
    let b = show(&fx, &fork, "state-b", "b.txt");
    let err = expect_failure(
        "B checks A's checkpoint",
        &on(
            &fx,
            &fork,
            "state-b",
            None,
            &["checkpoint", "check", CASE, &a],
        ),
        3,
    );
    assert!(
        err.contains(&format!("the vault forked case {CASE}")),
        "{err}"
    );
    let err = expect_failure(
        "A checks B's checkpoint",
        &on(
            &fx,
            &fx.vault,
            "state-a",
            None,
            &["checkpoint", "check", CASE, &b],
        ),
        3,
    );
    assert!(
        err.contains("not a prefix of the log the vault shows you"),
        "{err}"
    );

    // Branch B goes on (the mediator reads #1); the vault then shows that statement
    // to the claimant too, after the claimant's own entry 2. Its head names branch B's
    // history, so the claimant's next act refuses the log, naming the entry.
    let out = on(
        &fx,
        &fork,
        "state-b",
        Some("mediator"),
        &["read", CASE, "1"],
    );
    expect_ok("read on branch B", &out);
    {
        let b_db = rusqlite::Connection::open(fork.join("sealroom.db")).unwrap();
        let row: (String, String, String, Vec<u8>, Vec<u8>, Vec<u8>) = b_db
            .query_row(
                "SELECT act, actor, at, body, signature, leaf_hash FROM statements WHERE seq = 3",
                [],
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
            .unwrap();
        let a_db = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
        a_db.execute(
            "INSERT INTO statements (case_id, seq, act, actor, at, body, signature, leaf_hash)
             VALUES (1, 3, ?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![row.0, row.1, row.2, row.3, row.4, row.5],
        )
        .unwrap();
    }
    let out = on(&fx, &fx.vault, "state-a", Some("claimant"), &["list", CASE]);
    let err = expect_failure("the claimant's next act", &out, 3);
    assert!(
        err.contains(&format!(
            "entry 3 of case {CASE} is bad: it names a log head that is not the log before it"
        )),
        "{err}"
    );
}

#[test]
fn a_vault_withholding_entries_from_one_member_is_caught_by_the_others_checkpoint() {
    let fx = two_machines();
    // The mediator's machine is shown a copy frozen at two entries.
    let frozen = fx.sandbox.join("frozen");
    copy_tree(&fx.vault, &frozen);
    fx.read_stdout("claimant", 1);
    let out = on(
        &fx,
        &fx.vault,
        "state-a",
        Some("claimant"),
        &["read", CASE, "1"],
    );
    expect_ok("read on the live vault", &out);
    let a = show(&fx, &fx.vault, "state-a", "a.txt");
    let err = expect_failure(
        "the frozen view checks a longer checkpoint",
        &on(
            &fx,
            &frozen,
            "state-b",
            None,
            &["checkpoint", "check", CASE, &a],
        ),
        3,
    );
    assert!(err.contains("withholding entries from you"), "{err}");
}
