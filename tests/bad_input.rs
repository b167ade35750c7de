//! The bad-input catalogue: for each kind of wrong input a person can give, the real
//! binary ends with one clear line `sealroom: …` on standard error, the right exit code
//! (1 refused, 2 usage, 3 integrity, 4 not found, 5 wrong key, 6 system), and a vault
//! exactly as it was: every file in the vault folder has the same contents before and
//! after (the database compared row by row, so only committed state counts). The one
//! thing a refusal (exit 1) may add is its own record in the vault's `refusals` table,
//! which is what `log --refusals` shows.

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

/// Every table's schema and rows but the refusal records', in a stable order.
fn database_dump(conn: &rusqlite::Connection) -> String {
    let mut tables: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name != 'refusals' ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    tables.sort();
    let mut dump = String::new();
    for (name, sql) in tables {
        dump.push_str(&sql);
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{name}\" ORDER BY rowid"))
            .unwrap();
        let columns = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..columns)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        for row in rows {
            dump.push_str(&format!("\n{:?}", row.unwrap()));
        }
        dump.push('\n');
    }
    dump
}

/// How many refusal records the vault holds.
fn refusal_count(vault: &Path) -> u64 {
    let conn = rusqlite::Connection::open(vault.join("sealroom.db")).expect("open the db");
    conn.query_row("SELECT count(*) FROM refusals", [], |r| r.get(0))
        .unwrap_or(0)
}

/// The committed state of a vault: the contents of every file in its folder, with the
/// database as its rows (the `-wal`/`-shm` files are left out).
fn vault_state(vault: &Path) -> BTreeMap<PathBuf, String> {
    let dump = {
        let conn = rusqlite::Connection::open(vault.join("sealroom.db")).expect("open the db");
        sha256_hex(database_dump(&conn).as_bytes())
    };
    tree_digest(vault)
        .into_iter()
        .filter(|(p, _)| {
            let name = p.to_string_lossy();
            !name.ends_with("-wal") && !name.ends_with("-shm")
        })
        .map(|(p, digest)| {
            if p == Path::new("sealroom.db") {
                (p, format!("rows {dump}"))
            } else {
                (p, digest)
            }
        })
        .collect()
}

/// Run `sealroom --vault VAULT ARGS`, which must fail with `code` and one line, and
/// leave the vault unchanged (but for one refusal record after a refusal); returns the
/// error line.
fn fails_unchanged(fx: &Fixture, args: &[&str], code: i32) -> String {
    let before = vault_state(&fx.vault);
    let refusals = refusal_count(&fx.vault);
    let err = fx.fails(args, code);
    assert_eq!(
        vault_state(&fx.vault),
        before,
        "`sealroom {}` failed ({err}) but changed the vault",
        args.join(" ")
    );
    let added = refusal_count(&fx.vault) - refusals;
    assert!(
        added == 0 || (code == 1 && added == 1),
        "`sealroom {}` failed with {code} ({err}) and added {added} refusal records",
        args.join(" ")
    );
    err
}

/// `fails_unchanged` for a command as `who`.
fn fails_unchanged_as(fx: &Fixture, who: &str, args: &[&str], code: i32) -> String {
    let id = fx.id(who);
    let mut all = vec!["-i", &id];
    all.extend_from_slice(args);
    fails_unchanged(fx, &all, code)
}

fn assert_mentions(err: &str, words: &[&str]) {
    for w in words {
        assert!(err.contains(w), "the error should mention `{w}`: {err}");
    }
}

/// An empty file in the sandbox; returns its path.
fn empty_file(fx: &Fixture, name: &str) -> String {
    fx.write(name, b"")
}

/// A folder in the sandbox; returns its path.
fn folder(fx: &Fixture, name: &str) -> String {
    let p = fx.sandbox.join(name);
    std::fs::create_dir_all(&p).unwrap();
    path_arg(&p)
}

/// The fixture's case, closed and sealed by the archivist; returns the archive path.
fn sealed(fx: &Fixture) -> String {
    fx.deposit_bytes("claimant", "brief.txt", b"our position", &[]);
    fx.ok_as("mediator", &["case", "close", CASE]);
    let archive = fx.arg("case.sealed");
    fx.ok_as(
        "archivist",
        &["seal", CASE, "--retain-until", "2036-12-31", "-o", &archive],
    );
    archive
}

// ---------------------------------------------------------------------------------
// Empty files
// ---------------------------------------------------------------------------------

#[test]
fn an_empty_identity_file_is_a_usage_error() {
    let fx = Fixture::new();
    let empty = empty_file(&fx, "empty.id");
    let err = fails_unchanged(&fx, &["-i", &empty, "list", CASE], 2);
    assert_mentions(&err, &["identity", "empty.id"]);
}

#[test]
fn an_empty_card_file_is_a_usage_error() {
    let fx = Fixture::new();
    let empty = empty_file(&fx, "empty.card");
    let err = fails_unchanged_as(
        &fx,
        "registrar",
        &[
            "case",
            "add-member",
            CASE,
            "--party",
            &format!("claimant={empty}"),
        ],
        2,
    );
    assert_mentions(&err, &["card", "empty.card"]);
}

#[test]
fn an_empty_receipt_file_is_a_usage_error() {
    let fx = Fixture::new();
    let empty = empty_file(&fx, "empty.json");
    let err = fails_unchanged(&fx, &["receipt", "verify", &empty], 2);
    assert_mentions(&err, &["receipt"]);
}

#[test]
fn an_empty_share_file_is_a_usage_error_and_opens_nothing() {
    let fx = Fixture::new();
    let archive = sealed(&fx);
    let empty = empty_file(&fx, "empty.release");
    let out = fx.arg("opened");
    let err = fails_unchanged_as(
        &fx,
        "outsider",
        &["archive", "open", &archive, "--share", &empty, "-o", &out],
        2,
    );
    assert_mentions(&err, &["share"]);
    assert!(!fx.sandbox.join("opened").exists(), "a folder was made");
}

#[test]
fn an_empty_archive_fails_verification_with_exit_3() {
    let fx = Fixture::new();
    let empty = empty_file(&fx, "empty.sealed");
    for cmd in ["verify", "show"] {
        let err = fails_unchanged(&fx, &["archive", cmd, &empty], 3);
        assert_mentions(&err, &["archive"]);
    }
}

// ---------------------------------------------------------------------------------
// A folder where a file is expected
// ---------------------------------------------------------------------------------

/// A folder given where a file is expected is malformed input (exit 2), as `deposit`
/// already treats it, and the error says it is a folder/directory.
#[test]
fn a_folder_where_a_file_is_expected_is_a_usage_error() {
    let fx = Fixture::new();
    let archive = sealed(&fx);
    let dir = folder(&fx, "a-folder");
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "deposit FOLDER",
            vec![
                "-i".into(),
                fx.id("claimant"),
                "deposit".into(),
                CASE.into(),
                dir.clone(),
            ],
        ),
        (
            "-i FOLDER",
            vec!["-i".into(), dir.clone(), "list".into(), CASE.into()],
        ),
        (
            "a card that is a folder",
            vec![
                "-i".into(),
                fx.id("registrar"),
                "case".into(),
                "add-member".into(),
                CASE.into(),
                "--mediator".into(),
                dir.clone(),
            ],
        ),
        (
            "--share FOLDER",
            vec![
                "-i".into(),
                fx.id("outsider"),
                "archive".into(),
                "open".into(),
                archive.clone(),
                "--share".into(),
                dir.clone(),
                "-o".into(),
                fx.arg("opened"),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, args) in &cases {
        let before = vault_state(&fx.vault);
        let out = fx.run(args);
        let code = out.status.code();
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if code != Some(2) {
            wrong.push(format!("{what}: exit {code:?}, want 2: {stderr}"));
        }
        if !(stderr.starts_with("sealroom: ") && stderr.lines().count() == 1) {
            wrong.push(format!("{what}: not one `sealroom:` line: {stderr:?}"));
        }
        if !(stderr.contains("folder") || stderr.contains("directory")) {
            wrong.push(format!("{what}: does not say it is a folder: {stderr}"));
        }
        assert_eq!(vault_state(&fx.vault), before, "{what} changed the vault");
    }
    assert!(!fx.sandbox.join("opened").exists());
    assert!(
        wrong.is_empty(),
        "a folder where a file is expected:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn read_o_onto_an_existing_folder_is_refused_and_writes_nothing_into_it() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "brief.txt", b"our position", &[]);
    let dir = folder(&fx, "out-folder");
    let before = vault_state(&fx.vault);
    let err = fx.fails_as("claimant", &["read", CASE, &num.to_string(), "-o", &dir], 2);
    assert_mentions(&err, &["out-folder", "exists"]);
    assert!(names_in(Path::new(&dir)).is_empty());
    assert_eq!(vault_state(&fx.vault), before);
}

// ---------------------------------------------------------------------------------
// An unreadable file
// ---------------------------------------------------------------------------------

/// The user everything unprivileged runs as.
const NOBODY: u32 = 65534;

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn setpriv_available() -> bool {
    Command::new("setpriv")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn chown_tree(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

/// A plain `Command` with the sandbox's clean environment (what `Sandbox::cmd` sets).
fn sandbox_command(sb: &Sandbox, program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(sb.path())
        .env_remove("SEALROOM_VAULT")
        .env_remove("SEALROOM_IDENTITY")
        .env_remove("SEALROOM_PASSPHRASE")
        .env_remove("RUST_BACKTRACE")
        .env("HOME", sb.join("home"))
        .env("XDG_DATA_HOME", sb.join("xdg"))
        .env("TMPDIR", sb.tmpdir())
        .env("LC_ALL", "C.UTF-8");
    cmd
}

/// Reading a file the caller may not read is a failure of the system (exit 6) that
/// says "permission denied". Root ignores file modes, so under root the one command
/// runs as `nobody` through `setpriv`, with the sandbox made accessible to it.
#[test]
fn an_unreadable_file_is_a_system_error_saying_permission_denied() {
    let fx = Fixture::new();
    let as_root = running_as_root();
    if as_root && !setpriv_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "setpriv (util-linux) is needed to test unreadable files as root on CI"
        );
        eprintln!("SKIPPED: running as root and setpriv is not installed");
        return;
    }
    let secret = fx.write("secret.txt", b"for my eyes only");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let unreadable_id = fx.sandbox.join("people/locked.id");
    std::fs::copy(fx.id("claimant"), &unreadable_id).unwrap();
    std::fs::set_permissions(&unreadable_id, std::fs::Permissions::from_mode(0o000)).unwrap();
    if as_root {
        // The sandbox root is private to root: open it, and hand the vault, the
        // claimant's identity and the home folders to `nobody`.
        std::fs::set_permissions(fx.sandbox.path(), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        for p in ["home", "xdg", "tmp"] {
            chown_tree(&fx.sandbox.join(p), NOBODY);
        }
        chown_tree(&fx.vault, NOBODY);
        std::os::unix::fs::chown(fx.id("claimant"), Some(NOBODY), Some(NOBODY)).unwrap();
        std::os::unix::fs::chown(&unreadable_id, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let run = |args: &[&str]| -> Output {
        let mut cmd = if as_root {
            let mut c = sandbox_command(&fx.sandbox, "setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                BIN,
            ]);
            c
        } else {
            sandbox_command(&fx.sandbox, BIN)
        };
        cmd.arg("--vault").arg(&fx.vault).args(args);
        cmd.output().expect("run sealroom")
    };
    // The unprivileged user can use the vault at all (so a failure below is the file's).
    let listed = run(&["-i", &fx.id("claimant"), "list", CASE]);
    expect_ok("list as the unprivileged user", &listed);

    let before = vault_state(&fx.vault);
    let out = run(&["-i", &fx.id("claimant"), "deposit", CASE, &secret]);
    let err = expect_failure("deposit an unreadable file", &out, 6);
    assert_mentions(&err, &["secret.txt", "permission denied"]);
    let out = run(&["-i", &path_arg(&unreadable_id), "list", CASE]);
    let err = expect_failure("an unreadable identity", &out, 6);
    assert_mentions(&err, &["locked.id", "permission denied"]);
    assert_eq!(vault_state(&fx.vault), before, "the vault changed");
}

// ---------------------------------------------------------------------------------
// Non-UTF-8 paths
// ---------------------------------------------------------------------------------

#[test]
fn a_non_utf8_file_name_deposits_with_its_name_stored_lossily() {
    let fx = Fixture::new();
    let mut raw = fx.sandbox.path().as_os_str().as_bytes().to_vec();
    raw.extend_from_slice(b"/caf\xe9 \xff.txt");
    let path = PathBuf::from(OsStr::from_bytes(&raw));
    std::fs::write(&path, b"menu du jour").unwrap();
    let mut cmd = fx.sandbox.cmd();
    cmd.arg("--vault")
        .arg(&fx.vault)
        .arg("-i")
        .arg(fx.id("claimant"))
        .args(["deposit", CASE])
        .arg(&path);
    let out = exec(&mut cmd);
    let num = first_line_num(&expect_ok("deposit from a non-UTF-8 path", &out));
    let listing = fx.listing("claimant");
    let doc = listing["readable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["num"] == num)
        .expect("the document is listed");
    assert_eq!(doc["file_name"], "caf\u{FFFD} \u{FFFD}.txt");
    assert_eq!(doc["title"], "caf\u{FFFD} \u{FFFD}.txt");
    assert_eq!(fx.read_stdout("claimant", num), b"menu du jour");
}

#[test]
fn read_o_writes_to_a_non_utf8_path() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "brief.txt", b"our position", &[]);
    let mut raw = fx.sandbox.path().as_os_str().as_bytes().to_vec();
    raw.extend_from_slice(b"/out-\xff\xfe.txt");
    let target = PathBuf::from(OsString::from(OsStr::from_bytes(&raw)));
    let mut cmd = fx.sandbox.cmd();
    cmd.arg("--vault")
        .arg(&fx.vault)
        .arg("-i")
        .arg(fx.id("claimant"))
        .args(["read", CASE, &num.to_string(), "-o"])
        .arg(&target);
    let out = exec(&mut cmd);
    expect_ok("read -o to a non-UTF-8 path", &out);
    assert_eq!(std::fs::read(&target).unwrap(), b"our position");
    // And refusing to overwrite it works for such a name too.
    let mut cmd = fx.sandbox.cmd();
    cmd.arg("--vault")
        .arg(&fx.vault)
        .arg("-i")
        .arg(fx.id("claimant"))
        .args(["read", CASE, &num.to_string(), "-o"])
        .arg(&target);
    let err = expect_failure("read -o onto the same non-UTF-8 path", &exec(&mut cmd), 2);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"our position");
}

// ---------------------------------------------------------------------------------
// Arguments and state the vault refuses
// ---------------------------------------------------------------------------------

#[test]
fn a_10000_character_title_is_a_usage_error() {
    let fx = Fixture::new();
    let file = fx.write("in/brief.txt", b"our position");
    let title = "t".repeat(10_000);
    let err = fails_unchanged_as(
        &fx,
        "claimant",
        &["deposit", CASE, &file, "--title", &title],
        2,
    );
    assert_mentions(&err, &["title", "500"]);
    assert!(
        err.len() < 300,
        "the error repeats the title: {} bytes",
        err.len()
    );
}

#[test]
fn a_missing_vault_exits_4_and_names_sealroom_init() {
    let fx = Fixture::new();
    let missing = fx.arg("no-vault-here");
    for args in [
        vec!["case", "list"],
        vec!["doctor"],
        vec!["log", CASE, "--verify"],
    ] {
        let mut all = vec!["--vault", &missing];
        all.extend(args);
        let err = fx.sandbox.fails(&all, 4);
        assert_mentions(&err, &["sealroom init", "no-vault-here"]);
    }
    let id = fx.id("claimant");
    let err = fx
        .sandbox
        .fails(&["--vault", &missing, "-i", &id, "list", CASE], 4);
    assert_mentions(&err, &["sealroom init"]);
    assert!(!fx.sandbox.join("no-vault-here").exists());
}

#[test]
fn a_vault_of_a_newer_format_exits_2_and_says_to_upgrade() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "brief.txt", b"our position", &[]);
    {
        let conn = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
        let n = conn
            .execute(
                "UPDATE meta SET value = '99' WHERE key = 'format_version'",
                [],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    let file = fx.write("in/more.txt", b"more");
    let num = num.to_string();
    let commands: [Vec<&str>; 6] = [
        vec!["case", "list"],
        vec!["doctor"],
        vec!["log", CASE, "--verify"],
        vec!["-i", "CLAIMANT", "list", CASE],
        vec!["-i", "CLAIMANT", "read", CASE, &num],
        vec!["-i", "CLAIMANT", "deposit", CASE, &file],
    ];
    let id = fx.id("claimant");
    for args in commands {
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "CLAIMANT" { id.as_str() } else { a })
            .collect();
        let err = fails_unchanged(&fx, &args, 2);
        assert_mentions(&err, &["99", "upgrade"]);
    }
}

#[test]
fn someone_elses_identity_is_refused_as_a_non_member() {
    let fx = Fixture::new();
    let num = fx
        .deposit_bytes("claimant", "brief.txt", b"our position", &[])
        .to_string();
    let file = fx.write("in/theirs.txt", b"not theirs to give");
    for args in [
        vec!["list", CASE],
        vec!["read", CASE, &num],
        vec!["deposit", CASE, &file],
        vec!["disclose", CASE, &num, "--to", "respondent"],
    ] {
        let err = fails_unchanged_as(&fx, "outsider", &args, 1);
        assert_mentions(&err, &["not a member", CASE]);
    }
}

#[test]
fn a_wrong_passphrase_exits_5() {
    let fx = Fixture::without_case();
    let id = fx.sandbox.join("people/guarded.id");
    let out = exec(
        fx.sandbox
            .cmd()
            .env("SEALROOM_PASSPHRASE", "correct horse battery staple")
            .args(["keygen", "--name", "Gita Guarded", "-o"])
            .arg(&id),
    );
    expect_ok("keygen with a passphrase", &out);
    let before = vault_state(&fx.vault);
    let out = exec(
        fx.sandbox
            .cmd()
            .env("SEALROOM_PASSPHRASE", "incorrect horse")
            .arg("--vault")
            .arg(&fx.vault)
            .arg("-i")
            .arg(&id)
            .args(["case", "open", "C-9", "--mediator"])
            .arg(fx.card("mediator"))
            .args(["--party"])
            .arg(format!("claimant={}", fx.card("claimant")))
            .args(["--archivist"])
            .arg(fx.card("archivist")),
    );
    let err = expect_failure("a wrong passphrase", &out, 5);
    assert_mentions(&err, &["passphrase", "guarded.id"]);
    assert_eq!(vault_state(&fx.vault), before);
}

#[test]
fn a_truncated_identity_is_a_clear_error() {
    let fx = Fixture::new();
    // A plain identity cut in the middle of its age key.
    let whole = std::fs::read(fx.id("claimant")).unwrap();
    let cut = fx.write("people/cut.id", &whole[..whole.len() / 2]);
    let err = fails_unchanged(&fx, &["-i", &cut, "list", CASE], 2);
    assert_mentions(&err, &["identity", "damaged", "cut.id"]);
    // A passphrase-protected identity cut inside its encrypted payload.
    let guarded = fx.sandbox.join("people/guarded.id");
    expect_ok(
        "keygen with a passphrase",
        &exec(
            fx.sandbox
                .cmd()
                .env("SEALROOM_PASSPHRASE", "pass phrase")
                .args(["keygen", "--name", "Gita", "-o"])
                .arg(&guarded),
        ),
    );
    let whole = std::fs::read(&guarded).unwrap();
    for (name, len) in [("head.id", 30), ("tail.id", whole.len() - 20)] {
        let cut = fx.write(&format!("people/{name}"), &whole[..len]);
        let before = vault_state(&fx.vault);
        let out = exec(
            fx.sandbox
                .cmd()
                .env("SEALROOM_PASSPHRASE", "pass phrase")
                .args(["--vault", &path_arg(&fx.vault), "-i", &cut, "list", CASE]),
        );
        // Damaged input: a usage (2) or integrity (3) error, never "wrong passphrase".
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 2 || code == 3,
            "{name}: exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = expect_failure(name, &out, code);
        assert_mentions(&err, &["identity", name]);
        assert!(
            err.contains("damaged") || err.contains("truncated") || err.contains("cut short"),
            "{name}: {err}"
        );
        assert_eq!(vault_state(&fx.vault), before);
    }
}

#[test]
fn a_truncated_card_is_a_clear_error() {
    let fx = Fixture::new();
    let whole = std::fs::read_to_string(fx.card("outsider")).unwrap();
    // Cut inside the age recipient, and just before the fingerprint line ends.
    for (name, len) in [("cut1.card", 60), ("cut2.card", whole.len() - 8)] {
        let cut = fx.write(&format!("people/{name}"), &whole.as_bytes()[..len]);
        let before = vault_state(&fx.vault);
        let out = fx.run_as(
            "registrar",
            &[
                "case",
                "add-member",
                CASE,
                "--party",
                &format!("respondent={cut}"),
            ],
        );
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 2 || code == 3,
            "{name}: exit {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = expect_failure(name, &out, code);
        assert_mentions(&err, &["card", name]);
        assert_eq!(vault_state(&fx.vault), before);
    }
}

#[test]
fn an_unknown_case_exits_4() {
    let fx = Fixture::new();
    for args in [
        vec!["list", "C-404"],
        vec!["read", "C-404", "1"],
        vec!["log", "C-404", "--verify"],
        vec!["case", "show", "C-404"],
    ] {
        let err = fails_unchanged_as(&fx, "claimant", &args, 4);
        assert_mentions(&err, &["C-404"]);
    }
}

#[test]
fn an_unknown_document_number_exits_4() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "brief.txt", b"our position", &[]);
    for args in [
        vec!["read", CASE, "99"],
        vec!["read", CASE, "#99"],
        vec!["consent", CASE, "99", "--to", "respondent"],
        vec!["disclose", CASE, "99", "--to", "respondent"],
    ] {
        let err = fails_unchanged_as(&fx, "claimant", &args, 4);
        assert_mentions(&err, &["99"]);
    }
}

// ---------------------------------------------------------------------------------
// A full disk
// ---------------------------------------------------------------------------------

/// Writing the blob fails part-way: the deposit runs under `ulimit -f 64` with
/// SIGXFSZ ignored, so a write past the limit returns EFBIG ("File too large"). In
/// dash (`sh` here) `ulimit -f` counts 512-byte blocks, in bash 1024-byte blocks: 32 or
/// 64 KiB, either way far below the 2 MiB (incompressible) document. One error line,
/// exit 6, no new document, and no blob left but a temp file `doctor --repair` removes.
#[test]
fn a_full_disk_during_deposit_fails_cleanly_and_leaves_no_document() {
    let fx = Fixture::new();
    fx.deposit_bytes("claimant", "small.txt", b"fits", &[]);
    let big = fx.write("in/big.bin", &pseudo_random(2 * 1024 * 1024, 99));
    let blobs_before = fx.blob_names();
    let listing_before = fx.listing("mediator");
    let before = vault_state(&fx.vault);

    let mut cmd = sandbox_command(&fx.sandbox, "sh");
    cmd.args([
        "-c",
        r#"trap "" XFSZ; ulimit -f 64; exec "$0" "$@""#,
        BIN,
        "--vault",
        &path_arg(&fx.vault),
        "-i",
        &fx.id("claimant"),
        "deposit",
        CASE,
        &big,
    ]);
    let out = cmd.output().expect("run sh");
    let err = expect_failure("deposit on a full disk", &out, 6);
    assert_mentions(&err, &["writing"]);
    assert!(
        ["too large", "disk is full", "space"]
            .iter()
            .any(|w| err.contains(w)),
        "the error should say the file could not be written for lack of room: {err}"
    );

    // Nothing committed; only a temp file may remain in blobs/.
    let leftovers: Vec<String> = fx.blob_names().difference(&blobs_before).cloned().collect();
    assert!(
        leftovers.iter().all(|n| n.starts_with(".tmp-")),
        "the failed deposit left blobs: {leftovers:?}"
    );
    let without_temp = |state: BTreeMap<PathBuf, String>| -> BTreeMap<PathBuf, String> {
        state
            .into_iter()
            .filter(|(p, _)| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
            })
            .collect()
    };
    assert_eq!(
        without_temp(vault_state(&fx.vault)),
        without_temp(before),
        "the failed deposit changed the vault"
    );
    assert_eq!(fx.listing("mediator"), listing_before);
    fx.ok(&["doctor", "--repair", "--grace", "0"]);
    assert_eq!(fx.blob_names(), blobs_before);
    fx.ok(&["log", CASE, "--verify"]);
    // The same deposit without the limit works.
    fx.deposit("claimant", &big, &[]);
}

#[test]
fn a_card_or_an_age_key_given_as_identity_says_what_to_pass_instead() {
    let fx = Fixture::new();
    let err = fx.fails(&["-i", &fx.card("claimant"), "list", CASE], 2);
    assert!(
        err.contains("this is a card") && err.contains("keygen"),
        "{err}"
    );
    let key = fx.write(
        "plain-age.key",
        b"# created: 2026-11-30T00:00:00Z\n# public key: age1x\nAGE-SECRET-KEY-1QQQQ\n",
    );
    let err = fx.fails(&["-i", &key, "list", CASE], 2);
    assert!(err.contains("plain age key"), "{err}");
}

#[test]
fn a_malformed_export_recipient_is_named_for_what_it_is() {
    let fx = Fixture::new();
    let num = fx
        .deposit_bytes("claimant", "b.txt", b"brief", &[])
        .to_string();
    for (recipient, expected) in [
        ("age1xyz", "starts like an age recipient"),
        (
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI",
            "that SSH public key is malformed",
        ),
        ("AGE-SECRET-KEY-1QQQQ", "secret key, not a recipient"),
        ("bob@example.org", "pass an age recipient (age1…"),
    ] {
        let out = fx.sandbox.join("x.age");
        let err = fx.fails_as(
            "claimant",
            &[
                "export",
                CASE,
                &num,
                "--recipient",
                recipient,
                "-o",
                &path_arg(&out),
            ],
            2,
        );
        assert!(err.contains(expected), "{recipient}: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn an_existing_output_is_replaced_only_with_force() {
    let fx = Fixture::new();
    let num = fx
        .deposit_bytes("claimant", "b.txt", b"the brief", &[])
        .to_string();
    let target = fx.write("out/b.txt", b"what was there before");
    let err = fx.fails_as("claimant", &["read", CASE, &num, "-o", &target], 2);
    assert!(
        err.contains("--force") && err.contains("already exists"),
        "{err}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"what was there before");
    fx.ok_as("claimant", &["read", CASE, &num, "-o", &target, "--force"]);
    assert_eq!(std::fs::read(&target).unwrap(), b"the brief");
    // The same for export.
    let age = fx.write("out/b.age", b"old");
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    let err = fx.fails_as(
        "claimant",
        &["export", CASE, &num, "--recipient", &recipient, "-o", &age],
        2,
    );
    assert!(err.contains("--force"), "{err}");
    fx.ok_as(
        "claimant",
        &[
            "export",
            CASE,
            &num,
            "--recipient",
            &recipient,
            "-o",
            &age,
            "--force",
        ],
    );
    assert!(std::fs::read(&age)
        .unwrap()
        .starts_with(b"age-encryption.org/v1"));
}
