//! Joining a case from a member's own machine: the charter fingerprint printed at
//! `case open`, `case join --charter` and its refusals, `--trust-on-first-use`, and
//! acts refused until the case is joined. "Another machine" is a separate
//! `XDG_STATE_HOME` against the same vault.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::*;

/// `sealroom --vault VAULT [-i WHO.id] ARGS` with the member state of another machine.
fn elsewhere(fx: &Fixture, state: &str, who: Option<&str>, args: &[&str]) -> Output {
    fx.run_on(state, Some(&fx.vault), who, args)
}

fn charter_of(fx: &Fixture) -> String {
    let v = parse_json(&fx.ok(&["--json", "case", "show", CASE]));
    v["charter_fingerprint"].as_str().unwrap().to_owned()
}

fn pins(fx: &Fixture, state: &str) -> Vec<PathBuf> {
    fx.pins_on(state)
}

#[test]
fn case_open_prints_the_fingerprint_that_case_show_and_json_repeat() {
    let fx = Fixture::without_case();
    let out = fx.ok_as(
        "registrar",
        &[
            "case",
            "open",
            CASE,
            "--mediator",
            &fx.card("mediator"),
            "--party",
            &format!("claimant={}", fx.card("claimant")),
            "--party",
            &format!("respondent={}", fx.card("respondent")),
            "--archivist",
            &fx.card("archivist"),
        ],
    );
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("Charter fingerprint: "))
        .expect("case open prints the charter fingerprint");
    assert_eq!(line.split(' ').count(), 16, "{line}");
    assert!(
        out.contains(&format!("sealroom case join {CASE} --charter '{line}'")),
        "{out}"
    );
    assert_eq!(charter_of(&fx), line);
    assert!(fx
        .ok(&["case", "show", CASE])
        .contains(&format!("charter:   {line}")));
}

#[test]
fn acts_in_a_case_not_joined_are_refused_with_how_to_join() {
    let fx = Fixture::new();
    let file = fx.write("in/brief.txt", b"a brief");
    for args in [
        vec!["list", CASE],
        vec!["deposit", CASE, file.as_str()],
        vec!["read", CASE, "1"],
    ] {
        let out = elsewhere(&fx, "state-b", Some("claimant"), &args);
        let err = expect_failure(&args.join(" "), &out, 1);
        assert!(
            err.contains(&format!("sealroom case join {CASE} --charter")),
            "{err}"
        );
    }
    // Nothing was deposited by the refused attempt.
    let v = parse_json(&fx.ok(&["--json", "case", "show", CASE]));
    assert_eq!(v["documents"], 0);
    // A case that does not exist is "not found", not "not joined".
    let out = elsewhere(&fx, "state-b", Some("claimant"), &["list", "NO-SUCH"]);
    expect_failure("list of a missing case", &out, 4);
}

#[test]
fn joining_checks_the_fingerprint_and_a_wrong_one_pins_nothing() {
    let fx = Fixture::new();
    let fp = charter_of(&fx);
    // Malformed: a usage error.
    let out = elsewhere(
        &fx,
        "state-b",
        None,
        &["case", "join", CASE, "--charter", "abcd"],
    );
    let err = expect_failure("join with a short fingerprint", &out, 2);
    assert!(err.contains("64 hex digits"), "{err}");
    // Well formed but not this charter: integrity failure, no pin written.
    let wrong = "00".repeat(32);
    let out = elsewhere(
        &fx,
        "state-b",
        None,
        &["case", "join", CASE, "--charter", &wrong],
    );
    let err = expect_failure("join with another fingerprint", &out, 3);
    assert!(err.contains("nothing was pinned"), "{err}");
    assert!(
        pins(&fx, "state-b").is_empty(),
        "a refused join wrote a pin"
    );
    // Neither --charter nor --trust-on-first-use: clap says what is missing.
    let out = elsewhere(&fx, "state-b", None, &["case", "join", CASE]);
    assert_eq!(out.status.code(), Some(2));
    // The right one, typed without spaces and in capitals, joins.
    let typed = fp.replace(' ', "").to_uppercase();
    let out = elsewhere(
        &fx,
        "state-b",
        None,
        &["--json", "case", "join", CASE, "--charter", &typed],
    );
    let v = parse_json(&expect_ok("join", &out));
    assert_eq!(v["charter_fingerprint"], fp.as_str());
    assert_eq!(v["trusted_on_first_use"], false);
    assert_eq!(v["already_joined"], false);
    assert_eq!(v["entries"], 1);
    assert_eq!(pins(&fx, "state-b").len(), 1);
    // Now acts work from that machine.
    let out = elsewhere(&fx, "state-b", Some("claimant"), &["list", CASE]);
    expect_ok("list after joining", &out);
    // Joining again only advances the pin.
    let out = elsewhere(
        &fx,
        "state-b",
        None,
        &["--json", "case", "join", CASE, "--charter", &fp],
    );
    let v = parse_json(&expect_ok("join again", &out));
    assert_eq!(v["already_joined"], true);
}

#[test]
fn trust_on_first_use_warns_and_pins_what_the_vault_shows() {
    let fx = Fixture::new();
    let out = elsewhere(
        &fx,
        "state-c",
        None,
        &["case", "join", CASE, "--trust-on-first-use"],
    );
    let stdout = expect_ok("join --trust-on-first-use", &out);
    assert!(stdout.contains("unchecked"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains("without checking"),
        "{stderr}"
    );
    assert_eq!(pins(&fx, "state-c").len(), 1);
    let out = elsewhere(
        &fx,
        "state-c",
        None,
        &[
            "case",
            "join",
            CASE,
            "--trust-on-first-use",
            "--charter",
            &charter_of(&fx),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "--charter and --trust-on-first-use together"
    );
}

#[test]
fn a_pin_refuses_a_vault_whose_log_key_was_replaced() {
    let fx = Fixture::new();
    // Another vault's key put in place of this one's, with the record changed to match:
    // the pinned key differs, so the member refuses to act.
    let other = fx.sandbox.join("other-vault");
    fx.sandbox.ok(&["init", "--vault", &path_arg(&other)]);
    std::fs::copy(other.join("log.key"), fx.vault.join("log.key")).unwrap();
    let verifier: String = rusqlite::Connection::open(other.join("sealroom.db"))
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'log_verifier'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    rusqlite::Connection::open(fx.vault.join("sealroom.db"))
        .unwrap()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'log_verifier'",
            [verifier],
        )
        .unwrap();
    let err = fx.fails_as("claimant", &["list", CASE], 3);
    assert!(err.contains("log key is not the one you pinned"), "{err}");
}

/// The usual case for people on machines of their own: others acted since this member
/// last did, so the member's pin is behind the log. The member's next act verifies
/// that the log extends the pin and goes ahead, and the pin follows the log.
#[test]
fn a_member_whose_pin_is_behind_the_log_acts_and_the_pin_follows() {
    let fx = Fixture::new();
    let fp = charter_of(&fx);
    let out = elsewhere(
        &fx,
        "laptop",
        None,
        &["case", "join", CASE, "--charter", &fp],
    );
    expect_ok("join on the laptop", &out);
    let brief = fx.write("in/brief.txt", b"the claimant's brief");
    let out = elsewhere(&fx, "laptop", Some("claimant"), &["deposit", CASE, &brief]);
    expect_ok("deposit from the laptop", &out);
    let pin_size = || {
        let pins = pins(&fx, "laptop");
        assert_eq!(pins.len(), 1);
        let v = parse_json(&std::fs::read_to_string(&pins[0]).unwrap());
        v["size"].as_u64().unwrap()
    };
    let before = pin_size();
    // The other side acts twice from its own machine (the sandbox's default state).
    for n in 0..2 {
        let file = fx.write(&format!("in/r{n}.txt"), b"the respondent's evidence");
        fx.deposit("respondent", &file, &[]);
    }
    let out = elsewhere(&fx, "laptop", Some("claimant"), &["list", CASE]);
    expect_ok("list with a pin behind the log", &out);
    let out = elsewhere(&fx, "laptop", Some("claimant"), &["read", CASE, "1"]);
    assert_eq!(
        expect_ok("read with a pin behind the log", &out),
        "the claimant's brief"
    );
    assert!(
        pin_size() > before + 1,
        "the pin did not follow the log ({before} before)"
    );
}
