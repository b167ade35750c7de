//! Random tampering, seeded and deterministic: hundreds of trials that flip bytes in
//! a document's blob, in the vault database and in a sealed archive, and check that
//! sealroom notices, says so cleanly, and never hands out wrong plaintext.
//!
//! - Blobs: every read of the damaged document fails as an integrity error (exit 3);
//!   what reached the caller before the failure is a prefix of the original (age
//!   authenticates 64 KiB chunks), never the whole document; `read -o` leaves no file;
//!   `doctor` names the damaged document.
//! - Database (closed, WAL checkpointed): every command fails cleanly (a non-zero exit
//!   other than 101, one `sealroom:` line) or succeeds with exactly the right data;
//!   when a statement, document or wrap row changed, `doctor` or `log --verify` says so.
//! - Archive: `archive verify` fails for every flipped byte and its message names the
//!   damaged member or says the archive is damaged or truncated.
//!
//! The random source is a xorshift64 generator with fixed seeds, so a failure replays.

#![cfg(unix)]

mod common;
mod fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{expect_failure, Fixture};
use sealroom_engine::policy::Category;
use sealroom_engine::{ErrorKind, Vault};

/// Blob trials through the library, and through the command line.
const BLOB_TRIALS: usize = 240;
const BLOB_CLI_TRIALS: usize = 24;
/// Database trials (each runs five commands).
const DB_TRIALS: usize = 160;
/// Archive trials through the library, and through the command line.
const ARCHIVE_TRIALS: usize = 320;
const ARCHIVE_CLI_TRIALS: usize = 12;

const CHUNK: usize = 64 * 1024;

/// xorshift64: tiny, deterministic, good enough to pick positions.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// In `range` (not empty).
    fn within(&mut self, range: Range<usize>) -> usize {
        range.start + self.below(range.end - range.start)
    }

    /// In one of `ranges` (none empty), each range equally likely.
    fn in_one_of(&mut self, ranges: &[Range<usize>]) -> usize {
        let range = ranges[self.below(ranges.len())].clone();
        self.within(range)
    }

    /// A byte to XOR with that changes something.
    fn mask(&mut self) -> u8 {
        1 + self.below(255) as u8
    }
}

/// Flip `1..=max` bytes of `bytes` at positions drawn by `pick`; returns the positions.
fn flip(
    bytes: &mut [u8],
    rng: &mut Rng,
    max: usize,
    mut pick: impl FnMut(&mut Rng) -> usize,
) -> Vec<usize> {
    let n = 1 + rng.below(max);
    let mut at = Vec::new();
    for _ in 0..n {
        let pos = pick(rng).min(bytes.len() - 1);
        bytes[pos] ^= rng.mask();
        at.push(pos);
    }
    at
}

/// Whether a failed command failed cleanly: not a panic (101) or a signal, an exit code
/// of sealroom's (1-6), and exactly one line `sealroom: …` on standard error.
fn unclean_failure(out: &Output) -> Option<String> {
    let code = out.status.code();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match code {
        None => Some(format!("killed by a signal: {:?}", out.status)),
        Some(101) => Some(format!("panicked: {}", stderr.trim())),
        Some(c) if !(1..=6).contains(&c) => Some(format!("exit {c}: {}", stderr.trim())),
        Some(_) if !(stderr.starts_with("sealroom: ") && stderr.lines().count() == 1) => {
            Some(format!("not one `sealroom:` line on stderr: {stderr:?}"))
        }
        Some(_) => None,
    }
}

/// Checkpoint the database's WAL into the main file and truncate the WAL, so the file
/// alone is the whole vault state (the vault must be closed).
fn checkpoint(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open the vault database");
    let (busy, _, _): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("checkpoint the WAL");
    assert_eq!(busy, 0, "the WAL checkpoint was blocked");
}

/// Put `bytes` back as the vault database, with no WAL or shared-memory file that
/// could replay stale pages over it.
/// Every file of a folder tree, with its bytes (a member's state folder is small).
fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(snapshot_tree(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// Put a folder tree back as [`snapshot_tree`] saw it. A database restored from a
/// backup is a rollback that every member's pin would refuse; the trials restore the
/// members' state with it, as a member restoring both from one backup would.
fn restore_tree(dir: &Path, files: &[(PathBuf, Vec<u8>)]) {
    let _ = std::fs::remove_dir_all(dir);
    for (path, bytes) in files {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn restore_db(db: &Path, bytes: &[u8]) {
    for suffix in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::write(db, bytes).expect("restore the vault database");
}

// ---------------------------------------------------------------------------------
// (a) flipped bytes in a document's blob
// ---------------------------------------------------------------------------------

#[test]
fn flipped_blob_bytes_fail_every_read_release_only_a_prefix_and_doctor_names_the_document() {
    let mut w = fixture::World::new(0, 1);
    let case = fixture::CASE;
    let vdir = w.vault_dir();
    // Incompressible (stored as is, 5 chunks), compressible (zstd), and tiny (1 chunk).
    let blobs: Vec<(u64, PathBuf, Vec<u8>, Vec<u8>)> = [
        common::pseudo_random(300_000, 11),
        "Clause 14.2: the respondent's counter-offer stands at 4.1m. "
            .repeat(9_000)
            .into_bytes(),
        b"a short caucus note".to_vec(),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, plain)| {
        let d = w
            .vault
            .deposit(
                &w.claimant,
                case,
                fixture::spec(Category::Brief, &format!("doc{i}")),
                &plain[..],
            )
            .unwrap();
        let path = vdir.join("blobs").join(&d.blob_sha256);
        let ciphertext = std::fs::read(&path).unwrap();
        (d.num, path, ciphertext, plain)
    })
    .collect();
    // Close the vault: each trial opens its own handle on the same database and blobs.
    let fixture::World {
        dir: _dir,
        vault,
        claimant,
        co_counsel,
        mediator,
        ..
    } = w;
    drop(vault);
    let db = vdir.join("sealroom.db");
    checkpoint(&db);
    let pristine_db = std::fs::read(&db).unwrap();

    let mut rng = Rng::new(0x5EA1_B10B);
    let readers = [&claimant, &co_counsel, &mediator];
    let mut partial_releases = 0;
    let mut released_bytes = BTreeMap::new();
    for trial in 0..BLOB_TRIALS {
        let (num, path, original, plain) = &blobs[trial % blobs.len()];
        let mut bad = original.clone();
        let len = bad.len();
        // A quarter of the flips in the header, a quarter in the last chunk's tail.
        let at = flip(&mut bad, &mut rng, 3, |r| match r.below(4) {
            0 => r.below(len.min(200)),
            1 => len - 1 - r.below(64.min(len)),
            _ => r.below(len),
        });
        std::fs::write(path, &bad).unwrap();

        let mut vault = Vault::open(&vdir).unwrap();
        let reader = readers[trial % readers.len()];
        let mut out = Vec::new();
        let res = vault.read(reader, case, *num, &mut out);
        let err = match res {
            Ok(_) => panic!(
                "trial {trial}: #{num} read successfully with bytes flipped at {at:?} \
                 ({} bytes out, {} correct)",
                out.len(),
                out == *plain
            ),
            Err(e) => e,
        };
        assert_eq!(
            err.kind(),
            ErrorKind::Integrity,
            "trial {trial}: flips at {at:?} in #{num}: {err:?}"
        );
        assert!(
            plain.starts_with(&out) && out.len() < plain.len(),
            "trial {trial}: flips at {at:?} in #{num}: {} bytes were written before the \
             error and they are not a proper prefix of the document",
            out.len()
        );
        if !out.is_empty() {
            partial_releases += 1;
        }
        *released_bytes
            .entry(out.len().div_ceil(CHUNK))
            .or_insert(0usize) += 1;

        let report = vault.doctor(None).unwrap();
        let named = format!("#{num} of case {case}");
        assert!(
            report
                .problems
                .iter()
                .any(|f| f.kind == "damaged-blob" && f.detail.contains(&named)),
            "trial {trial}: doctor did not name {named}: {:?}",
            report.problems
        );
        drop(vault);
        std::fs::write(path, original).unwrap();
        restore_db(&db, &pristine_db);
    }
    // The vault is whole again.
    let vault = Vault::open(&vdir).unwrap();
    assert!(vault.doctor(None).unwrap().healthy());
    eprintln!(
        "blob tampering (library): {BLOB_TRIALS} trials, every read failed with an integrity \
         error; {partial_releases} released an authenticated prefix first \
         (plaintext released, in 64 KiB units rounded up → trials: {released_bytes:?}); doctor named the document every time"
    );
}

#[test]
fn flipped_blob_bytes_make_read_o_exit_3_with_no_file_and_doctor_exit_3_naming_it() {
    let fx = Fixture::new();
    let original = common::pseudo_random(200_000, 7);
    let input = fx.write("in/evidence.bin", &original);
    let dep = fx.deposit_json("claimant", &input, &["--category", "evidence"]);
    let num = dep["num"].as_u64().unwrap();
    let blob = fx.blob(dep["blob_sha256"].as_str().unwrap());
    let pristine = std::fs::read(&blob).unwrap();
    let out_dir = fx.sandbox.join("out");
    std::fs::create_dir(&out_dir).unwrap();

    let mut rng = Rng::new(0xC11_B10B);
    for trial in 0..BLOB_CLI_TRIALS {
        let mut bad = pristine.clone();
        let len = bad.len();
        let at = flip(&mut bad, &mut rng, 2, |r| {
            if r.below(3) == 0 {
                r.below(200)
            } else {
                r.below(len)
            }
        });
        std::fs::write(&blob, &bad).unwrap();
        let target = out_dir.join(format!("trial-{trial}.bin"));
        let err = fx.fails_as(
            "claimant",
            &[
                "read",
                common::CASE,
                &num.to_string(),
                "-o",
                &common::path_arg(&target),
            ],
            3,
        );
        assert!(
            !target.exists() && common::names_in(&out_dir).is_empty(),
            "trial {trial} (flips at {at:?}): read -o left {:?} behind after: {err}",
            common::names_in(&out_dir)
        );
        let out = fx.run(&["doctor"]);
        expect_failure(&format!("doctor after trial {trial}"), &out, 3);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("#{num} of case {}", common::CASE)),
            "trial {trial}: doctor did not name #{num}:\n{stdout}"
        );
        std::fs::write(&blob, &pristine).unwrap();
    }
    fx.ok(&["doctor"]);
    assert_eq!(fx.read_stdout("claimant", num), original);
    eprintln!(
        "blob tampering (CLI): {BLOB_CLI_TRIALS} trials, read -o exit 3 and no file each \
         time; doctor exit 3 naming #{num}"
    );
}

// ---------------------------------------------------------------------------------
// (b) flipped bytes in sealroom.db
// ---------------------------------------------------------------------------------

const TABLES: [&str; 9] = [
    "meta",
    "cases",
    "members",
    "statements",
    "checkpoints",
    "documents",
    "wraps",
    "consents",
    "escrow_shares",
];

/// Columns of `statements` that repeat what the signed body says and that nothing
/// reads (`act`, `actor`, `at`): a change there is harmless and is counted apart.
const UNREAD_COLUMNS: [&str; 3] = ["statements.act", "statements.actor", "statements.at"];

/// One stored value, compared byte for byte (damaged text need not be UTF-8).
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl From<rusqlite::types::ValueRef<'_>> for Cell {
    fn from(v: rusqlite::types::ValueRef<'_>) -> Self {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(t) => Cell::Text(t.to_vec()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        }
    }
}

type Dump = BTreeMap<String, Vec<Cell>>;

/// Every column of every table (`table.column`, rowid included), in rowid order,
/// read through an immutable read-only connection that writes nothing anywhere.
fn dump(db: &Path) -> Result<Dump, String> {
    let uri = format!("file:{}?immutable=1", db.display());
    let conn = rusqlite::Connection::open_with_flags(
        uri,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|e| e.to_string())?;
    let mut out = Dump::new();
    for table in TABLES {
        let mut stmt = conn
            .prepare(&format!("SELECT rowid, * FROM {table} ORDER BY rowid"))
            .map_err(|e| e.to_string())?;
        // The column names from the schema as values: a flip there can leave a name that
        // is not UTF-8, which rusqlite's `column_name` would panic on; as a value it is an
        // error, and the table counts as unreadable.
        let mut names = vec!["rowid".to_owned()];
        let mut info = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ))
            .map_err(|e| e.to_string())?;
        for name in info
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?
        {
            names.push(name.map_err(|e| e.to_string())?);
        }
        if names.len() != stmt.column_count() {
            return Err(format!("{table}: the schema and the rows disagree"));
        }
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); names.len()];
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            for (i, col) in columns.iter_mut().enumerate() {
                col.push(row.get_ref(i).map_err(|e| e.to_string())?.into());
            }
        }
        for (name, col) in names.into_iter().zip(columns) {
            out.insert(format!("{table}.{name}"), col);
        }
    }
    Ok(out)
}

/// What a flip changed, as far as SQL can see.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Hit {
    /// SQLite cannot read the tables any more.
    Unreadable(String),
    /// These `table.column`s changed.
    Columns(BTreeSet<String>),
    /// No row changed (free space, an index, page bookkeeping).
    NoRow,
}

/// Whether SQLite's own integrity check passes on `db`.
fn integrity_ok(db: &Path) -> bool {
    let uri = format!("file:{}?immutable=1", db.display());
    rusqlite::Connection::open_with_flags(
        uri,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .and_then(|conn| conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)))
    .is_ok_and(|first| first == "ok")
}

fn classify(pristine: &Dump, db: &Path) -> Hit {
    match dump(db) {
        Err(e) => Hit::Unreadable(e),
        Ok(now) => {
            let changed: BTreeSet<String> = pristine
                .iter()
                .filter(|(k, v)| now.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .collect();
            if changed.is_empty() {
                Hit::NoRow
            } else {
                Hit::Columns(changed)
            }
        }
    }
}

/// The byte ranges in `file` of stored values worth aiming at: `(table.column, range)`.
fn value_targets(db: &Path, file: &[u8]) -> Vec<(String, Range<usize>)> {
    let conn = rusqlite::Connection::open_with_flags(
        format!("file:{}?immutable=1", db.display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap();
    let columns = [
        ("statements", "body"),
        ("statements", "signature"),
        ("statements", "leaf_hash"),
        ("documents", "blob"),
        ("documents", "meta"),
        ("documents", "owner"),
        ("documents", "category"),
        ("documents", "depositor"),
        ("documents", "deposited_at"),
        ("wraps", "wrap"),
        ("wraps", "reader"),
        ("members", "name"),
        ("members", "recipient"),
        ("members", "verifying_key"),
        ("checkpoints", "note"),
        ("checkpoints", "root"),
        ("cases", "reference"),
        ("cases", "escrow_recipient"),
        ("escrow_shares", "share"),
        ("consents", "to_label"),
        ("meta", "value"),
    ];
    let mut out = Vec::new();
    for (table, column) in columns {
        let mut stmt = conn
            .prepare(&format!("SELECT CAST({column} AS BLOB) FROM {table}"))
            .unwrap();
        let values: Vec<Vec<u8>> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for v in values {
            // Values longer than a page spill onto overflow pages: aim at a 24-byte
            // window of each value, found where it is stored.
            for start in (0..v.len()).step_by(512) {
                let window = &v[start..(start + 24).min(v.len())];
                if window.len() < 8 {
                    continue;
                }
                if let Some(pos) = file.windows(window.len()).position(|w| w == window) {
                    out.push((format!("{table}.{column}"), pos..pos + window.len()));
                }
            }
        }
    }
    out
}

/// What the commands of one trial print when nothing is damaged.
struct Expected {
    doctor: String,
    verify: String,
    list: String,
    show: String,
    document: Vec<u8>,
}

#[test]
fn flipped_database_bytes_fail_cleanly_or_give_right_data_and_row_damage_is_reported() {
    let fx = Fixture::new();
    let doc1 = common::pseudo_random(90_000, 3);
    let n1 = fx.deposit_bytes("claimant", "brief.bin", &doc1, &[]);
    fx.deposit_bytes(
        "claimant",
        "caucus.txt",
        b"we would accept 3.2m",
        &["--category", "caucus"],
    );
    let n3 = fx.deposit_bytes("respondent", "position.txt", b"no liability", &[]);
    fx.deposit_bytes(
        "mediator",
        "note.txt",
        b"both sides near 3.5m",
        &["--category", "mediator-note"],
    );
    fx.ok_as(
        "respondent",
        &["consent", common::CASE, &n3.to_string(), "--to", "claimant"],
    );
    fx.ok_as(
        "mediator",
        &[
            "disclose",
            common::CASE,
            &n3.to_string(),
            "--to",
            "claimant",
        ],
    );
    let db = fx.vault.join("sealroom.db");
    checkpoint(&db);
    let pristine = std::fs::read(&db).unwrap();
    let state_dir = fx.sandbox.state_dir();
    let pristine_state = snapshot_tree(&state_dir);
    let pristine_dump = dump(&db).expect("dump the pristine database");
    let targets = value_targets(&db, &pristine);
    assert!(targets.len() > 50, "too few values located in the file");

    let n1s = n1.to_string();
    let commands = |out: &Path| -> Vec<(&'static str, Vec<String>)> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        vec![
            ("doctor", s(&["doctor"])),
            ("log --verify", s(&["log", common::CASE, "--verify"])),
            (
                "list",
                s(&["-i", &fx.id("claimant"), "--json", "list", common::CASE]),
            ),
            ("case show", s(&["case", "show", common::CASE])),
            (
                "read -o",
                s(&[
                    "-i",
                    &fx.id("claimant"),
                    "read",
                    common::CASE,
                    &n1s,
                    "-o",
                    &common::path_arg(out),
                ]),
            ),
        ]
    };
    let out_dir = fx.sandbox.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let expected = {
        let text = |args: &[String]| fx.ok(args);
        let cmds = commands(&out_dir.join("pristine.bin"));
        let e = Expected {
            doctor: text(&cmds[0].1),
            verify: text(&cmds[1].1),
            list: text(&cmds[2].1),
            show: text(&cmds[3].1),
            document: {
                text(&cmds[4].1);
                std::fs::read(out_dir.join("pristine.bin")).unwrap()
            },
        };
        assert_eq!(e.document, doc1);
        restore_db(&db, &pristine);
        restore_tree(&state_dir, &pristine_state);
        e
    };

    let mut rng = Rng::new(0xDB_F11F);
    let mut violations = Vec::new();
    // (what was hit) → (trials, detected by doctor or log --verify)
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for trial in 0..DB_TRIALS {
        let mut bad = pristine.clone();
        let len = bad.len();
        let at = match trial % 5 {
            // Aimed at a stored value.
            0..=1 => {
                let (_, range) = targets[rng.below(targets.len())].clone();
                let pos = rng.within(range);
                bad[pos] ^= rng.mask();
                vec![pos]
            }
            // A random non-zero byte (most zero bytes are free space).
            2..=3 => flip(&mut bad, &mut rng, 1, |r| {
                (0..64)
                    .map(|_| r.below(len))
                    .find(|p| pristine[*p] != 0)
                    .unwrap_or(0)
            }),
            // Anywhere, one to three bytes.
            _ => flip(&mut bad, &mut rng, 3, |r| r.below(len)),
        };
        // With several flips, one of them may have hit only SQLite's page structure (an
        // index, say: no row changes, SQLite's integrity check fails) while another
        // changed a row: note it, to judge wrong output below.
        let structural = at.len() > 1
            && at.iter().any(|&pos| {
                let mut one = pristine.clone();
                one[pos] = bad[pos];
                restore_db(&db, &one);
                matches!(classify(&pristine_dump, &db), Hit::NoRow) && !integrity_ok(&db)
            });
        restore_db(&db, &bad);
        let hit = classify(&pristine_dump, &db);

        let target = out_dir.join(format!("trial-{trial}.bin"));
        let mut results = BTreeMap::new();
        let mut wrong_output = Vec::new();
        let mut stderr_of = BTreeMap::new();
        for (name, args) in commands(&target) {
            let out = fx.run(&args);
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let ok = out.status.success();
            let wrong = ok
                && match name {
                    "doctor" => stdout != expected.doctor,
                    "log --verify" => stdout != expected.verify,
                    "list" => stdout != expected.list,
                    "case show" => stdout != expected.show,
                    _ => std::fs::read(&target).ok().as_deref() != Some(&expected.document[..]),
                };
            if wrong {
                wrong_output.push(name);
            }
            stderr_of.insert(name, String::from_utf8_lossy(&out.stderr).trim().to_owned());
            if !ok {
                if let Some(why) = unclean_failure(&out) {
                    violations.push(format!(
                        "trial {trial} (flips at {at:?}, hit {hit:?}): `{name}` {why}"
                    ));
                }
                if name == "read -o" && target.exists() {
                    violations.push(format!(
                        "trial {trial}: a failed read -o left {} behind",
                        target.display()
                    ));
                }
            }
            results.insert(name, ok);
        }
        let detected = !results["doctor"] || !results["log --verify"];
        // A flip that changed no row value (alone, or beside others that did) hit
        // SQLite's own page structure (an index, a free list): a query may then miss a row. That is storage corruption, which
        // only SQLite's integrity check sees; sealroom's promise there is that `doctor`
        // reports it, not that every display command re-checks every page.
        if (matches!(hit, Hit::NoRow) || structural) && detected {
            wrong_output.clear();
        }
        for name in wrong_output {
            violations.push(format!(
                "trial {trial} (flips at {at:?}, hit {hit:?}): `{name}` succeeded with wrong \
                 output (doctor or log --verify noticed: {detected})"
            ));
        }
        let key = match &hit {
            Hit::Unreadable(_) => "unreadable by SQLite".to_owned(),
            Hit::NoRow => "no row changed".to_owned(),
            Hit::Columns(cols) => cols.iter().cloned().collect::<Vec<_>>().join("+"),
        };
        let entry = tally.entry(key).or_default();
        entry.0 += 1;
        entry.1 += usize::from(detected);
        if let Hit::Columns(cols) = &hit {
            let must_detect = cols.iter().any(|c| {
                (c.starts_with("statements.")
                    || c.starts_with("documents.")
                    || c.starts_with("wraps."))
                    && !UNREAD_COLUMNS.contains(&c.as_str())
            });
            if must_detect && !detected {
                violations.push(format!(
                    "trial {trial} (flips at {at:?}): {} changed, but doctor and log --verify \
                     both say OK (list: {}; read #{n1}: {})",
                    cols.iter().cloned().collect::<Vec<_>>().join(", "),
                    if results["list"] {
                        "ok"
                    } else {
                        &stderr_of["list"]
                    },
                    if results["read -o"] {
                        "ok"
                    } else {
                        &stderr_of["read -o"]
                    },
                ));
            }
        }
        restore_db(&db, &pristine);
        restore_tree(&state_dir, &pristine_state);
        let _ = std::fs::remove_file(&target);
    }

    let (mut hits, mut found) = (0, 0);
    eprintln!("database tampering: {DB_TRIALS} trials (what changed → trials, detected by doctor or log --verify):");
    for (what, (n, d)) in &tally {
        eprintln!("  {n:>4} {d:>4}  {what}");
        if what != "no row changed" {
            hits += n;
            found += d;
        }
    }
    eprintln!(
        "  {found} of {hits} flips that changed something SQL can see were detected; {} changed no row (benign, or an index that doctor's integrity check may catch)",
        tally.get("no row changed").map_or(0, |t| t.0)
    );
    fx.ok(&["doctor"]);
    assert!(
        violations.is_empty(),
        "{} violation(s) in {DB_TRIALS} database trials:\n  {}",
        violations.len(),
        violations.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------
// (c) flipped bytes in a sealed archive
// ---------------------------------------------------------------------------------

/// Which part of a tar file a byte is in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Region {
    /// The 512-byte header of this member.
    Header(String),
    /// The contents of this member.
    Data(String),
    /// The zero padding after this member's contents, up to the next 512 bytes.
    Padding(String),
    /// The first all-zero block that ends the archive.
    EndMarker,
    /// The rest of the file after the end marker (the second zero block and the
    /// padding to the record size).
    AfterEnd,
}

fn tar_regions(bytes: &[u8]) -> Vec<(Range<usize>, Region)> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 512 <= bytes.len() {
        let block = &bytes[off..off + 512];
        if block.iter().all(|b| *b == 0) {
            out.push((off..off + 512, Region::EndMarker));
            if off + 512 < bytes.len() {
                out.push((off + 512..bytes.len(), Region::AfterEnd));
            }
            return out;
        }
        let name_len = block[..100].iter().position(|b| *b == 0).unwrap_or(100);
        let name = String::from_utf8_lossy(&block[..name_len]).into_owned();
        let size_field = std::str::from_utf8(&block[124..136])
            .unwrap()
            .trim_matches(|c: char| c == '\0' || c == ' ');
        let size = usize::from_str_radix(size_field, 8).expect("an octal tar size");
        let data = off + 512;
        let padded = size.div_ceil(512) * 512;
        out.push((off..data, Region::Header(name.clone())));
        if size > 0 {
            out.push((data..data + size, Region::Data(name.clone())));
        }
        if padded > size {
            out.push((data + size..data + padded, Region::Padding(name)));
        }
        off = data + padded;
    }
    out
}

fn region_of(regions: &[(Range<usize>, Region)], pos: usize) -> Region {
    regions
        .iter()
        .find(|(r, _)| r.contains(&pos))
        .map(|(_, region)| region.clone())
        .expect("every byte is in a region")
}

/// A short name for tallies: the kind of region, and the member's last path part.
fn region_kind(region: &Region) -> String {
    let tail = |n: &str| n.rsplit('/').next().unwrap_or(n).to_owned();
    match region {
        Region::Header(n) => format!("header of {}", tail(n)),
        Region::Data(n) => format!("data of {}", tail(n)),
        Region::Padding(_) => "padding after a member".to_owned(),
        Region::EndMarker => "end-of-archive marker".to_owned(),
        Region::AfterEnd => "after the end marker".to_owned(),
    }
}

/// A message says what is damaged: it names a member (or the manifest), or says the
/// archive is damaged or truncated.
fn names_the_damage(message: &str) -> bool {
    [
        "sealroom-archive/",
        "manifest",
        "damaged",
        "truncated",
        "member",
    ]
    .iter()
    .any(|w| message.contains(w))
}

/// A closed and sealed copy of the library fixture's case, with documents of each
/// kind; returns the archive's bytes.
fn sealed_archive(dir: &Path) -> Vec<u8> {
    let mut w = fixture::World::new(3, 2);
    let case = fixture::CASE;
    let deposits: [(&sealroom_engine::Identity, Category, Vec<u8>); 5] = [
        (
            &w.claimant,
            Category::Brief,
            common::pseudo_random(150_000, 5),
        ),
        (&w.claimant, Category::Caucus, b"bottom line 3m".to_vec()),
        (&w.respondent, Category::Settlement, b"draft terms".to_vec()),
        (&w.mediator, Category::Procedural, b"order no. 1".to_vec()),
        (
            &w.mediator,
            Category::MediatorNote,
            b"close to a deal".to_vec(),
        ),
    ];
    for (i, (who, category, bytes)) in deposits.into_iter().enumerate() {
        w.vault
            .deposit(
                who,
                case,
                fixture::spec(category, &format!("d{i}")),
                &bytes[..],
            )
            .unwrap();
    }
    w.vault.close_case(&w.mediator, case).unwrap();
    let path = dir.join("case.sealed");
    w.vault
        .seal(&w.archivist, case, "2036-12-31", &path)
        .unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn every_flipped_archive_byte_fails_verify_naming_the_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = sealed_archive(tmp.path());
    sealroom_engine::archive::verify::verify_archive(&archive[..], None)
        .expect("the untouched archive verifies");
    let regions = tar_regions(&archive);
    let len = archive.len();
    // Aim a share of the flips at each kind of region, so that small ones are covered.
    let headers: Vec<Range<usize>> = regions
        .iter()
        .filter(|(_, r)| matches!(r, Region::Header(_)))
        .map(|(r, _)| r.clone())
        .collect();
    let between: Vec<Range<usize>> = regions
        .iter()
        .filter(|(_, r)| matches!(r, Region::Padding(_) | Region::EndMarker | Region::AfterEnd))
        .map(|(r, _)| r.clone())
        .collect();
    let smalls: Vec<Range<usize>> = regions
        .iter()
        .filter(|(r, reg)| matches!(reg, Region::Data(_)) && r.len() < 20_000)
        .map(|(r, _)| r.clone())
        .collect();

    let mut rng = Rng::new(0xA4C_41FE);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut messages: BTreeMap<String, usize> = BTreeMap::new();
    let mut violations = Vec::new();
    for trial in 0..ARCHIVE_TRIALS {
        let mut bad = archive.clone();
        let pos = match trial % 8 {
            0 | 1 => rng.in_one_of(&headers),
            2 | 3 => rng.in_one_of(&smalls),
            4 => rng.in_one_of(&between),
            _ => rng.below(len),
        };
        bad[pos] ^= rng.mask();
        let region = region_of(&regions, pos);
        *tally.entry(region_kind(&region)).or_default() += 1;
        match sealroom_engine::archive::verify::verify_archive(&bad[..], None) {
            Ok(_) => violations.push(format!(
                "trial {trial}: verify passed with byte {pos} flipped ({region:?})"
            )),
            Err(e) => {
                if e.kind() != ErrorKind::Integrity {
                    violations.push(format!(
                        "trial {trial}: byte {pos} ({region:?}): {:?} error, want integrity",
                        e.kind()
                    ));
                }
                if !names_the_damage(e.message()) {
                    violations.push(format!(
                        "trial {trial}: byte {pos} ({region:?}): the message names nothing: {}",
                        e.message()
                    ));
                }
                // Tally messages without the member name, to keep the list short.
                let shape = e
                    .message()
                    .split(": sealroom-archive/")
                    .next()
                    .unwrap_or("")
                    .to_owned();
                *messages.entry(shape).or_default() += 1;
            }
        }
    }
    eprintln!(
        "archive tampering: {ARCHIVE_TRIALS} trials in a {len}-byte archive; flips by region:"
    );
    for (what, n) in &tally {
        eprintln!("  {n:>4}  {what}");
    }
    eprintln!("messages (member names cut):");
    for (what, n) in &messages {
        eprintln!("  {n:>4}  {what}");
    }
    assert!(
        violations.is_empty(),
        "{} of {ARCHIVE_TRIALS} flipped archives were not rejected as they should be:\n  {}",
        violations.len(),
        violations.join("\n  ")
    );
}

#[test]
fn flipped_archive_bytes_make_archive_verify_exit_3_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = sealed_archive(tmp.path());
    let regions = tar_regions(&archive);
    let sb = common::Sandbox::new();
    let mut rng = Rng::new(0xC11_A4C);
    for trial in 0..ARCHIVE_CLI_TRIALS {
        // Inside a member or its header (not the first member's: the library test
        // above covers it and its message): the bytes every reader of the archive uses.
        let mut bad = archive.clone();
        let pos = loop {
            let p = rng.within(512..archive.len());
            if matches!(region_of(&regions, p), Region::Header(_) | Region::Data(_)) {
                break p;
            }
        };
        bad[pos] ^= rng.mask();
        let path = sb.join(format!("trial-{trial}.sealed"));
        std::fs::write(&path, &bad).unwrap();
        let err = sb.fails(&["archive", "verify", &common::path_arg(&path)], 3);
        assert!(
            names_the_damage(&err),
            "trial {trial} ({:?}): {err}",
            region_of(&regions, pos)
        );
    }
}
