//! Crash injection for `sealroom deposit`, `disclose` and `revoke --rekey` (the seal
//! has its own test, `crash_seal.rs`): "a crash at any point loses nothing that was
//! acknowledged and leaves nothing half-visible".
//!
//! For each act one vault is prepared: the fixture's case with a few documents already
//! deposited (acknowledged), among them a large incompressible one. Each run of the act
//! is the real binary on a fresh copy of the prepared vault folder, watched from
//! outside while it runs (no hook in the binary): the bytes it has read and written so
//! far (`/proc/PID/io`), the new body growing as a `.tmp-*` file in `blobs/` and then
//! appearing under its hash name, the act's transaction appearing whole in the
//! database's `-wal` file (committed: recovery after a crash finds it), and, for
//! `revoke --rekey`, the old body going. One uninterrupted run (the baseline) measures
//! that progress and passes the same checks as the killed runs. The kill points are
//! points of the act's own progress, not of the clock: at the start, at shares of the
//! baseline's I/O, at shares of the new body written, once the body is renamed into
//! place, once the commit is in the `-wal` file, once the old body is gone. Each run is
//! sent SIGKILL as soon as its point is seen. Every run must then find:
//!
//! - `doctor --json` exits 0 with no problems, and its leftovers (the files in `blobs/`
//!   that no live document references) are only what the killed act could leave: for
//!   `deposit`, at most one unreferenced blob or `.tmp-*` file (and none once the
//!   deposit committed); for `revoke --rekey`, at most one: the new body or a temp file
//!   when it did not commit, the old body when it did; for `disclose`, none;
//! - `log C-1 --verify` exits 0, and the log grew by exactly the act's statement or
//!   not at all, agreeing with the database;
//! - every live `documents` row names a blob that exists;
//! - every prepared document reads back byte for byte by its depositor;
//! - `deposit`: if committed, the new document has the next number and reads back
//!   byte for byte (and its depositor lists it); if not, the case holds exactly the
//!   prepared documents;
//! - `disclose`: the receiving party reads the exact bytes (committed) or is refused
//!   with exit 1 (not committed), never an integrity error;
//! - `revoke --rekey`: if committed, the revoked party is refused (exit 1) and those
//!   who keep access read the exact bytes; if not, everyone, the revoked party
//!   included, still reads them; never exit 3 for anyone;
//! - `doctor --repair` removes the leftovers, and a second `doctor --json` lists none.
//!
//! A run killed once the commit was seen in the `-wal` file, or once the old body was
//! gone, must find the act committed. The outcomes (killed before the commit, killed
//! after it, ended on its own; leftovers) are counted and printed per act and per kill
//! point; each act must have at least one run killed before its commit and at least one
//! killed after it (its statement is in the log after the kill). Where the I/O of a
//! process cannot be seen (no `/proc/PID/io`), the kill points placed by it are left
//! out and the test says so, or fails under CI.
//!
//! These tests copy and hash tens of megabytes per run, about 90 runs in all, so they
//! are `#[ignore]`d in the normal run; CI runs them with `cargo test --release --test
//! crash_acts -- --ignored`.

#![cfg(unix)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::crash::{
    exited_unreaped, io_so_far, missing_prerequisite, ms, CrashRun, WalCommits, BLOB_TEMP_PREFIX,
};
use common::*;

/// The large document already in every prepared vault (and, for `revoke --rekey`,
/// the one re-encrypted).
const BIG_SIZE: usize = 16 * 1024 * 1024;
/// The large document `deposit` adds.
const NEW_SIZE: usize = 24 * 1024 * 1024;

/// The acts are heavy and watched closely while they run; one at a time keeps the
/// watching close on a shared machine (and the reports readable).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// One acknowledged document.
struct Doc {
    num: u64,
    depositor: &'static str,
    bytes: Vec<u8>,
}

/// A prepared vault, before the act.
struct Prepared {
    fx: Fixture,
    docs: Vec<Doc>,
    /// Number of log statements of the case.
    statements: u64,
    /// The blob of each live document, by number.
    blobs: BTreeMap<u64, String>,
    /// The files in `blobs/`.
    files: BTreeSet<String>,
}

impl Prepared {
    /// The fixture's case with a brief, a caucus note, a large piece of evidence (all
    /// acknowledged) and a procedural order.
    fn new(big: usize) -> Self {
        let fx = Fixture::new();
        let specs: [(&str, &str, &str, Vec<u8>); 4] = [
            (
                "claimant",
                "brief",
                "brief.txt",
                b"Claimant's brief: the quay wall was built to specification.".to_vec(),
            ),
            (
                "respondent",
                "caucus",
                "caucus.txt",
                b"In caucus: we could go to 4.2 million, not a cent more.".to_vec(),
            ),
            (
                "claimant",
                "evidence",
                "survey.bin",
                pseudo_random(big, 0xC4A5_0000_0000_0016),
            ),
            (
                "mediator",
                "procedural",
                "schedule.txt",
                b"Procedural order 1: joint session on 3 March, caucuses after lunch.".to_vec(),
            ),
        ];
        let mut docs = Vec::new();
        for (depositor, category, name, bytes) in specs {
            let num = fx.deposit_bytes(depositor, name, &bytes, &["--category", category]);
            docs.push(Doc {
                num,
                depositor,
                bytes,
            });
        }
        let mut p = Prepared {
            fx,
            docs,
            statements: 0,
            blobs: BTreeMap::new(),
            files: BTreeSet::new(),
        };
        p.snapshot();
        p
    }

    /// Record the log length and blobs once the preparation is complete.
    fn snapshot(&mut self) {
        let db = Db::open(&self.fx.vault);
        self.statements = db.statements();
        self.blobs = db.live_blobs();
        self.files = names_in(&self.fx.vault.join("blobs"));
    }

    fn doc(&self, num: u64) -> &Doc {
        self.docs.iter().find(|d| d.num == num).unwrap()
    }

    fn next_num(&self) -> u64 {
        self.docs.iter().map(|d| d.num).max().unwrap() + 1
    }
}

/// Read-only queries on a vault's database.
struct Db(rusqlite::Connection);

impl Db {
    fn open(vault: &Path) -> Self {
        Db(rusqlite::Connection::open(vault.join("sealroom.db")).unwrap())
    }

    fn statements(&self) -> u64 {
        self.0
            .query_row("SELECT COUNT(*) FROM statements", [], |r| r.get(0))
            .unwrap()
    }

    fn live_blobs(&self) -> BTreeMap<u64, String> {
        let mut stmt = self
            .0
            .prepare("SELECT num, blob FROM documents WHERE body_state = 'live'")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?)))
            .unwrap();
        rows.map(|r| r.unwrap()).collect()
    }

    fn nums(&self) -> BTreeSet<u64> {
        let mut stmt = self.0.prepare("SELECT num FROM documents").unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, u64>(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    }
}

/// One copy of a prepared vault ([`CrashRun`]) and what was prepared in it.
struct Run<'a> {
    p: &'a Prepared,
    r: CrashRun<'a>,
}

impl<'a> std::ops::Deref for Run<'a> {
    type Target = CrashRun<'a>;
    fn deref(&self) -> &CrashRun<'a> {
        &self.r
    }
}

/// What the common checks found after an act.
struct After {
    /// Log statements added since the preparation (counted before any read).
    new_statements: u64,
    /// The live blob of each document.
    live: BTreeMap<u64, String>,
    /// Files in `blobs/` that no live document references.
    extra: BTreeSet<String>,
}

impl After {
    fn temps(&self) -> usize {
        self.extra
            .iter()
            .filter(|f| f.starts_with(BLOB_TEMP_PREFIX))
            .count()
    }

    fn unreferenced(&self) -> usize {
        self.extra.len() - self.temps()
    }
}

impl<'a> Run<'a> {
    fn new(p: &'a Prepared, name: &str) -> Self {
        Run {
            p,
            r: CrashRun::new(&p.fx, name),
        }
    }

    /// `who` reads `num`: the bytes, or the exit code of a failure (never 3).
    fn try_read(&self, who: &str, num: u64) -> Result<Vec<u8>, i32> {
        let n = num.to_string();
        let (what, out) = self.run(Some(who), &["read", CASE, &n]);
        if out.status.success() {
            return Ok(out.stdout);
        }
        let code = out.status.code().unwrap_or(-1);
        assert_ne!(
            code,
            3,
            "{what}: an integrity error after a crash: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Err(code)
    }

    /// `who` reads `num` and gets exactly `want`.
    fn reads_exactly(&self, who: &str, num: u64, want: &[u8], why: &str) {
        match self.try_read(who, num) {
            Ok(got) => assert_same_bytes(
                &format!("[{}] #{num} read back by {who} ({why})", self.name()),
                &got,
                want,
            ),
            Err(code) => panic!(
                "[{}] {who} cannot read #{num} ({why}): exit {code}",
                self.name()
            ),
        }
    }

    /// `who` is refused `num` with exit 1.
    fn refused(&self, who: &str, num: u64, why: &str) {
        match self.try_read(who, num) {
            Ok(got) => panic!(
                "[{}] {who} still reads #{num} ({} bytes) although {why}",
                self.name(),
                got.len()
            ),
            Err(code) => assert_eq!(
                code,
                1,
                "[{}] {who} reading #{num} ({why}): exit {code}, want 1 (refused)",
                self.name()
            ),
        }
    }

    /// `doctor --json` (with `--repair`): must exit 0 with no problems; the report.
    fn doctor(&self, repair: bool) -> serde_json::Value {
        let args: &[&str] = if repair {
            // Nothing runs after the kill, so nothing young is an act under way.
            &["--json", "doctor", "--repair", "--grace", "0"]
        } else {
            &["--json", "doctor"]
        };
        let (what, out) = self.run(None, args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{what}: the vault is not consistent after the killed act: exit {:?}\nstdout: {stdout}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let report = parse_json(&stdout);
        assert_eq!(
            report["problems"].as_array().map(Vec::len),
            Some(0),
            "{what}: problems in a vault reported consistent: {report}"
        );
        report
    }

    fn blob_files(&self) -> BTreeSet<String> {
        names_in(&self.vault.join("blobs"))
    }

    /// The checks every act faces before its own: the log length (before any read
    /// adds to it), `doctor`, `log --verify`, rows against blob files, and every
    /// prepared document read back by its depositor.
    fn check_common(&self) -> After {
        let db = Db::open(&self.vault);
        let statements = db.statements();
        let live = db.live_blobs();
        drop(db);
        assert!(
            statements >= self.p.statements,
            "[{}] the log shrank from {} to {statements} statements",
            self.name(),
            self.p.statements
        );
        let new_statements = statements - self.p.statements;

        let report = self.doctor(false);
        self.ok(None, &["log", CASE, "--verify"]);

        let files = self.blob_files();
        for (num, blob) in &live {
            assert!(
                files.contains(blob),
                "[{}] live document #{num} points at blob {blob}, missing from blobs/",
                self.name()
            );
        }
        let referenced: BTreeSet<&String> = live.values().collect();
        let extra: BTreeSet<String> = files
            .iter()
            .filter(|f| !referenced.contains(f))
            .cloned()
            .collect();
        let listed = report["leftovers"].as_array().map_or(0, Vec::len);
        assert_eq!(
            listed,
            extra.len(),
            "[{}] doctor lists {listed} leftovers, but blobs/ holds {extra:?} unreferenced: {report}",
            self.name()
        );

        for d in &self.p.docs {
            self.reads_exactly(d.depositor, d.num, &d.bytes, "prepared by its depositor");
        }
        After {
            new_statements,
            live,
            extra,
        }
    }

    /// `doctor --repair` removes the leftovers; a second `doctor` finds none.
    fn check_repair(&self, after: &After) {
        let report = self.doctor(true);
        let removed = report["removed"].as_array().map_or(0, Vec::len);
        assert_eq!(
            removed,
            after.extra.len(),
            "[{}] doctor --repair removed {removed} files, want {}: {report}",
            self.name(),
            after.extra.len()
        );
        let report = self.doctor(false);
        assert_eq!(
            report["leftovers"].as_array().map(Vec::len),
            Some(0),
            "[{}] leftovers after doctor --repair: {report}",
            self.name()
        );
        let referenced: BTreeSet<String> = after.live.values().cloned().collect();
        assert_eq!(
            self.blob_files(),
            referenced,
            "[{}] blobs/ after doctor --repair holds more than the live bodies",
            self.name()
        );
    }
}

/// One of the three acts: how to run it and what must hold after it.
trait Act {
    /// For messages: `deposit`, `disclose`, `revoke --rekey`.
    const NAME: &'static str;
    /// Who acts, and the arguments.
    fn command(&self) -> (&'static str, Vec<String>);
    /// The act-specific checks; whether the act committed.
    fn check(&self, run: &Run<'_>, after: &After) -> bool;
}

/// The claimant deposits 24 MiB of new evidence.
struct Deposit {
    file: String,
    bytes: Vec<u8>,
}

impl Act for Deposit {
    const NAME: &'static str = "deposit";

    fn command(&self) -> (&'static str, Vec<String>) {
        let args = ["deposit", CASE, &self.file, "--category", "evidence"];
        ("claimant", args.iter().map(|a| (*a).to_owned()).collect())
    }

    fn check(&self, run: &Run<'_>, after: &After) -> bool {
        let p = run.p;
        let next = p.next_num();
        let prepared: BTreeSet<u64> = p.docs.iter().map(|d| d.num).collect();
        let nums = Db::open(&run.vault).nums();
        let committed = nums.len() > prepared.len();
        for (num, blob) in &p.blobs {
            assert_eq!(
                after.live.get(num),
                Some(blob),
                "[{}] deposit changed the blob of #{num}",
                run.name()
            );
        }
        let listing = parse_json(&run.ok(Some("claimant"), &["--json", "list", CASE]));
        let listed: BTreeSet<u64> = listing["readable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["num"].as_u64().unwrap())
            .collect();
        if committed {
            let mut want = prepared.clone();
            want.insert(next);
            assert_eq!(
                nums,
                want,
                "[{}] the committed deposit is not the next number #{next}",
                run.name()
            );
            assert_eq!(
                after.new_statements,
                1,
                "[{}] the committed deposit is not one statement in the log",
                run.name()
            );
            assert!(
                listed.contains(&next),
                "[{}] the committed deposit #{next} is not listed for its depositor: {listing}",
                run.name()
            );
            run.reads_exactly("claimant", next, &self.bytes, "the committed deposit");
            assert!(
                after.extra.is_empty(),
                "[{}] the committed deposit left {:?} in blobs/",
                run.name(),
                after.extra
            );
        } else {
            assert_eq!(
                nums,
                prepared,
                "[{}] the case does not hold exactly the prepared documents",
                run.name()
            );
            assert_eq!(
                after.new_statements,
                0,
                "[{}] the log has a statement of a deposit that has no document",
                run.name()
            );
            assert!(
                !listed.contains(&next),
                "[{}] #{next} is listed but has no row: {listing}",
                run.name()
            );
            assert!(
                after.extra.len() <= 1,
                "[{}] one interrupted deposit left {:?} in blobs/",
                run.name(),
                after.extra
            );
        }
        committed
    }
}

/// The claimant discloses the large evidence to the respondent.
struct Disclose {
    num: u64,
}

impl Act for Disclose {
    const NAME: &'static str = "disclose";

    fn command(&self) -> (&'static str, Vec<String>) {
        let n = self.num.to_string();
        let args = ["disclose", CASE, &n, "--to", "respondent"];
        ("claimant", args.iter().map(|a| (*a).to_owned()).collect())
    }

    fn check(&self, run: &Run<'_>, after: &After) -> bool {
        let bytes = &run.p.doc(self.num).bytes;
        assert!(
            after.extra.is_empty(),
            "[{}] disclose left {:?} in blobs/",
            run.name(),
            after.extra
        );
        assert_eq!(
            after.live,
            run.p.blobs,
            "[{}] disclose changed a document's blob",
            run.name()
        );
        let committed = match run.try_read("respondent", self.num) {
            Ok(got) => {
                assert_same_bytes(
                    &format!("[{}] #{} disclosed to the respondent", run.name(), self.num),
                    &got,
                    bytes,
                );
                true
            }
            Err(code) => {
                assert_eq!(
                    code,
                    1,
                    "[{}] the respondent reading #{} after the killed disclose: exit {code}, want 0 or 1",
                    run.name(),
                    self.num
                );
                false
            }
        };
        assert_eq!(
            after.new_statements,
            u64::from(committed),
            "[{}] the log does not agree with the respondent's access (committed: {committed})",
            run.name()
        );
        committed
    }
}

/// The claimant revokes the respondent's access to the large evidence, re-keying it.
struct Revoke {
    num: u64,
}

impl Act for Revoke {
    const NAME: &'static str = "revoke --rekey";

    fn command(&self) -> (&'static str, Vec<String>) {
        let n = self.num.to_string();
        let args = ["revoke", CASE, &n, "--from", "respondent", "--rekey"];
        ("claimant", args.iter().map(|a| (*a).to_owned()).collect())
    }

    fn check(&self, run: &Run<'_>, after: &After) -> bool {
        let p = run.p;
        let bytes = &p.doc(self.num).bytes;
        let old = &p.blobs[&self.num];
        let now = &after.live[&self.num];
        let committed = now != old;
        for (num, blob) in &after.live {
            if *num != self.num {
                assert_eq!(
                    Some(blob),
                    p.blobs.get(num),
                    "[{}] revoke changed the blob of #{num}",
                    run.name()
                );
            }
        }
        assert_eq!(
            after.new_statements,
            u64::from(committed),
            "[{}] the log does not agree with the document's body (committed: {committed})",
            run.name()
        );
        assert!(
            after.extra.len() <= 1,
            "[{}] one interrupted revoke --rekey left {:?} in blobs/",
            run.name(),
            after.extra
        );
        for f in &after.extra {
            if committed {
                assert_eq!(
                    f,
                    old,
                    "[{}] after the committed re-key, blobs/ holds {f}, not the old body",
                    run.name()
                );
            } else {
                assert_ne!(f, old, "[{}] the live old body is unreferenced", run.name());
            }
        }
        for who in ["claimant", "cocounsel", "mediator"] {
            run.reads_exactly(who, self.num, bytes, "keeps access");
        }
        if committed {
            run.refused("respondent", self.num, "the revoke committed");
        } else {
            run.reads_exactly("respondent", self.num, bytes, "the revoke did not commit");
        }
        committed
    }
}

/// A point in an act's own progress, seen from outside its process, at which the
/// process is killed (as soon as the point is seen).
#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// As soon as it is started.
    Start,
    /// Once it has read and written this share of the bytes an uninterrupted run does.
    Io(f64),
    /// Once a blob temp file holds this share of the new body (0: once it exists).
    TempFill(f64),
    /// Once the new body is in `blobs/` under its hash name (renamed into place; the
    /// transaction that names it comes next).
    BlobNamed,
    /// Once the act's transaction is whole in the database's `-wal` file: committed.
    Committed,
    /// Once a prepared body is gone from `blobs/` (`revoke --rekey` removes the old
    /// one after its commit).
    OldBodyGone,
}

impl KillAt {
    /// `n` points at shares 1/(n+1) .. n/(n+1) of the I/O.
    fn io_shares(n: u32) -> Vec<KillAt> {
        (1..=n)
            .map(|k| KillAt::Io(f64::from(k) / f64::from(n + 1)))
            .collect()
    }

    fn label(&self) -> String {
        match self {
            KillAt::Start => "at the start".to_owned(),
            KillAt::Io(f) => format!("at {:.0}% of its I/O", f * 100.0),
            KillAt::TempFill(f) if *f == 0.0 => "once the body is being written".to_owned(),
            KillAt::TempFill(f) => format!("at {:.0}% of the body written", f * 100.0),
            KillAt::BlobNamed => "once the body is renamed into place".to_owned(),
            KillAt::Committed => "once the commit is in the -wal".to_owned(),
            KillAt::OldBodyGone => "once the old body is gone".to_owned(),
        }
    }

    /// Whether a kill here comes after the act's commit whatever the timing (the
    /// run must then find the act committed).
    fn after_commit(&self) -> bool {
        matches!(self, KillAt::Committed | KillAt::OldBodyGone)
    }

    fn reached(&self, seen: &Seen, base: &Baseline) -> bool {
        let share = |now: Option<u64>, of: Option<u64>, f: f64| {
            let of = of.expect("a kill point by a share of what the baseline did not see");
            now.is_some_and(|n| n as f64 >= f * of as f64)
        };
        match *self {
            KillAt::Start => true,
            KillAt::Io(f) => share(seen.io, base.io, f),
            KillAt::TempFill(f) => share(seen.temp, base.new_body, f),
            KillAt::BlobNamed => seen.named,
            KillAt::Committed => seen.committed,
            KillAt::OldBodyGone => seen.old_gone,
        }
    }
}

/// What can be seen of a running act from outside its process.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    /// Bytes read and written so far (`/proc/PID/io`).
    io: Option<u64>,
    /// The size of the largest blob temp file.
    temp: Option<u64>,
    /// A body under its hash name that the prepared vault did not have.
    named: bool,
    /// A prepared body is gone.
    old_gone: bool,
    /// A transaction committed in the `-wal` file since the act started.
    committed: bool,
}

/// A running act in a copy of a prepared vault, watched from outside.
struct Watch<'a> {
    vault: &'a Path,
    pid: u32,
    /// The files of `blobs/` before the act.
    prepared: &'a BTreeSet<String>,
    /// The write-ahead log before the act.
    wal: WalCommits,
}

impl<'a> Watch<'a> {
    /// Before the act's process starts.
    fn before(vault: &'a Path, prepared: &'a BTreeSet<String>) -> Self {
        Watch {
            vault,
            pid: 0,
            prepared,
            wal: WalCommits::of(&vault.join("sealroom.db")),
        }
    }

    fn look(&self) -> Seen {
        let mut seen = Seen {
            io: io_so_far(self.pid),
            committed: WalCommits::of(&self.vault.join("sealroom.db")).since(&self.wal) > 0,
            ..Seen::default()
        };
        if let Ok(entries) = std::fs::read_dir(self.vault.join("blobs")) {
            let mut kept = 0;
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(BLOB_TEMP_PREFIX) {
                    let size = entry.metadata().map_or(0, |m| m.len());
                    seen.temp = Some(seen.temp.map_or(size, |t| t.max(size)));
                } else if self.prepared.contains(&name) {
                    kept += 1;
                } else {
                    seen.named = true;
                }
            }
            seen.old_gone = kept < self.prepared.len();
        }
        seen
    }
}

/// The watch's polling interval.
const POLL: Duration = Duration::from_micros(50);
/// An act that neither ends nor reaches its kill point in this long is a failure.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// The uninterrupted run: what the kill points are measured against.
struct Baseline {
    duration: Duration,
    /// Bytes read and written in all (`None` without `/proc/PID/io`).
    io: Option<u64>,
    /// The size of the new body it wrote, if any.
    new_body: Option<u64>,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Run the act once uninterrupted, watching its progress (the baseline), and check it.
fn baseline<A: Act>(p: &Prepared, act: &A) -> Baseline {
    let (who, args) = act.command();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = Run::new(p, "baseline");
    let mut watch = Watch::before(&run.vault, &p.files);
    let t0 = Instant::now();
    let mut child = run.spawn(who, &args);
    watch.pid = child.id();
    // The first I/O and time at which each milestone was seen.
    let mut milestones: Vec<(&str, Option<u64>, Duration)> = Vec::new();
    let mut mark = |name: &'static str, seen: &Seen| {
        if !milestones.iter().any(|m| m.0 == name) {
            milestones.push((name, seen.io, t0.elapsed()));
        }
    };
    let io = loop {
        let seen = watch.look();
        if seen.temp.is_some() {
            mark("the body being written", &seen);
        }
        if seen.named {
            mark("renamed into place", &seen);
        }
        if seen.committed {
            mark("committed", &seen);
        }
        if seen.old_gone {
            mark("the old body gone", &seen);
        }
        // An exited child is read once more before it is reaped, for its whole I/O.
        let ended =
            exited_unreaped(watch.pid).unwrap_or_else(|| child.try_wait().unwrap().is_some());
        if ended {
            break io_so_far(watch.pid);
        }
        assert!(
            t0.elapsed() < RUN_LIMIT,
            "the uninterrupted {} hangs",
            A::NAME
        );
        std::thread::sleep(POLL);
    };
    let out = child.wait_with_output().unwrap();
    let duration = t0.elapsed();
    assert!(
        out.status.success(),
        "the uninterrupted {} failed: {:?}: {}",
        A::NAME,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let after = run.check_common();
    assert!(
        act.check(&run, &after),
        "the uninterrupted {} did not commit",
        A::NAME
    );
    assert!(
        after.extra.is_empty(),
        "the uninterrupted {} left {:?} in blobs/",
        A::NAME,
        after.extra
    );
    let new_body = after
        .live
        .values()
        .filter(|b| !p.files.contains(*b))
        .map(|b| {
            std::fs::metadata(run.vault.join("blobs").join(b))
                .unwrap()
                .len()
        })
        .max();
    run.check_repair(&after);
    std::fs::remove_dir_all(&run.dir).unwrap();
    let seen: Vec<String> = milestones
        .iter()
        .map(|(name, at_io, at)| match (at_io, io) {
            (Some(n), Some(total)) if total > 0 => format!(
                "{name} at {:.0}% of its I/O ({:.1} ms)",
                *n as f64 * 100.0 / total as f64,
                ms(*at)
            ),
            _ => format!("{name} at {:.1} ms", ms(*at)),
        })
        .collect();
    eprintln!(
        "{}: one uninterrupted run takes {:.1} ms{}{}; seen from outside: {}",
        A::NAME,
        ms(duration),
        io.map_or(String::new(), |n| format!(
            ", reading and writing {:.1} MiB",
            mib(n)
        )),
        new_body.map_or(String::new(), |n| format!(
            ", a new body of {:.1} MiB",
            mib(n)
        )),
        if seen.is_empty() {
            "nothing".to_owned()
        } else {
            seen.join(", ")
        }
    );
    Baseline {
        duration,
        io,
        new_body,
    }
}

/// Outcomes of the runs of one act.
#[derive(Default)]
struct Tally {
    runs: usize,
    /// Killed, and the act did not commit.
    killed_before: usize,
    /// Killed, and the act is committed: killed after its commit.
    killed_after: usize,
    /// Ended on its own before its kill point (committed).
    finished: usize,
    with_temp: usize,
    with_unreferenced: usize,
    /// The same three counts by kill point, in the order of the points.
    by_point: Vec<(String, [usize; 3])>,
}

impl Tally {
    fn count(&mut self, at: KillAt, outcome: usize) {
        let label = at.label();
        match self.by_point.iter_mut().find(|(l, _)| *l == label) {
            Some((_, counts)) => counts[outcome] += 1,
            None => {
                let mut counts = [0; 3];
                counts[outcome] = 1;
                self.by_point.push((label, counts));
            }
        }
    }

    /// Runs killed once their commit was seen in the `-wal` file.
    fn killed_at_commit(&self) -> usize {
        let label = KillAt::Committed.label();
        self.by_point
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0, |(_, counts)| counts[1])
    }
}

/// Run the act once uninterrupted (the baseline), then once per kill point on a fresh
/// copy of the prepared vault, and check what each kill left. More runs are added at
/// the end (at the start, or once committed) while no run was killed before the
/// commit, or none after it.
fn crash_act<A: Act>(p: &Prepared, act: &A, started: Instant, points: Vec<KillAt>) {
    let prepared_in = started.elapsed();
    let (who, args) = act.command();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    eprintln!(
        "{}: prepared the vault in {:.0} ms",
        A::NAME,
        ms(prepared_in)
    );
    let base = baseline(p, act);

    let mut points = points;
    let planned = points.len();
    if base.io.is_none() {
        missing_prerequisite(&format!(
            "the I/O of a process (/proc/PID/io, Linux) cannot be seen here, so the {} \
             kill points of {} placed by its I/O are left out",
            points.iter().filter(|k| matches!(k, KillAt::Io(_))).count(),
            A::NAME
        ));
        points.retain(|k| !matches!(k, KillAt::Io(_)));
    }
    let full = points.len() == planned;

    let mut tally = Tally::default();
    let mut extra_runs = 0;
    let mut i = 0;
    while i < points.len() {
        let at = points[i];
        let run = Run::new(p, &format!("run-{i:02}"));
        let mut watch = Watch::before(&run.vault, &p.files);
        let t0 = Instant::now();
        let mut child = run.spawn(who, &args);
        watch.pid = child.id();
        // The kill point, or the end of the act if it comes first.
        let reached = loop {
            let seen = watch.look();
            if at.reached(&seen, &base) {
                break Some(seen);
            }
            if child.try_wait().unwrap().is_some() {
                break None;
            }
            assert!(
                t0.elapsed() < RUN_LIMIT,
                "[{}] {} neither ended nor reached its kill point ({}) in {RUN_LIMIT:?}",
                run.name(),
                A::NAME,
                at.label()
            );
            std::thread::sleep(POLL);
        };
        let killed_at = t0.elapsed();
        // SIGKILL; a child that already finished is only reaped.
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let killed = out.status.signal() == Some(9);
        if !killed {
            assert!(
                out.status.success(),
                "[{}] {} ended on its own but failed: {:?}: {}",
                run.name(),
                A::NAME,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let after = run.check_common();
        let committed = act.check(&run, &after);
        if !killed {
            assert!(
                committed,
                "[{}] {} succeeded but did not commit",
                run.name(),
                A::NAME
            );
        }
        if killed && at.after_commit() {
            assert!(
                committed,
                "[{}] {} was killed {} ({reached:?}), yet it is not committed",
                run.name(),
                A::NAME,
                at.label()
            );
        }
        run.check_repair(&after);
        tally.runs += 1;
        let outcome = match (killed, committed) {
            (false, _) => 2,
            (true, true) => 1,
            (true, false) => 0,
        };
        tally.killed_before += usize::from(outcome == 0);
        tally.killed_after += usize::from(outcome == 1);
        tally.finished += usize::from(outcome == 2);
        tally.count(at, outcome);
        tally.with_temp += usize::from(after.temps() > 0);
        tally.with_unreferenced += usize::from(after.unreferenced() > 0);
        let io_at = match (reached.and_then(|s| s.io), base.io) {
            (Some(n), Some(total)) if total > 0 => {
                format!(", I/O {:3.0}%", n as f64 * 100.0 / total as f64)
            }
            _ => String::new(),
        };
        eprintln!(
            "{} {}: {:<38} {:7.1} ms{io_at}: {}{}{}",
            A::NAME,
            run.name(),
            at.label(),
            ms(killed_at),
            match outcome {
                0 => "killed before the commit",
                1 => "killed after the commit",
                _ => "ended on its own (committed)",
            },
            if after.temps() > 0 {
                format!(", {} temp file(s) left", after.temps())
            } else {
                String::new()
            },
            if after.unreferenced() > 0 {
                format!(", {} unreferenced blob(s) left", after.unreferenced())
            } else {
                String::new()
            },
        );
        std::fs::remove_dir_all(&run.dir).unwrap();
        i += 1;
        // No run was killed on one side of the commit (or at the commit, every act
        // having ended before it could be killed there): one more run, once committed
        // or at the start.
        if i == points.len()
            && (tally.killed_at_commit() == 0 || tally.killed_before == 0)
            && extra_runs < 6
        {
            extra_runs += 1;
            points.push(if tally.killed_at_commit() == 0 {
                KillAt::Committed
            } else {
                KillAt::Start
            });
        }
    }
    let by_point: Vec<String> = tally
        .by_point
        .iter()
        .map(|(point, [before, after, finished])| {
            format!(
                "\n  {point}: {before} killed before the commit, {after} after it, \
                 {finished} ended on their own"
            )
        })
        .collect();
    eprintln!(
        "{}: {} runs: {} killed before the commit, {} killed after it, {} ended on their \
         own; {} left a temp file, {} an unreferenced blob; {:.1} s in all (an \
         uninterrupted run: {:.1} ms); by kill point:{}",
        A::NAME,
        tally.runs,
        tally.killed_before,
        tally.killed_after,
        tally.finished,
        tally.with_temp,
        tally.with_unreferenced,
        started.elapsed().as_secs_f64(),
        ms(base.duration),
        by_point.concat()
    );
    if full {
        assert!(tally.runs >= 25, "only {} runs", tally.runs);
    }
    assert!(
        tally.killed_before > 0,
        "no run of {} was killed before its commit ({} runs: {} killed after it, {} ended \
         on their own)",
        A::NAME,
        tally.runs,
        tally.killed_after,
        tally.finished
    );
    assert!(
        tally.killed_at_commit() > 0,
        "no run of {} was killed once its commit was seen in the -wal file: every one ended \
         first, so the watch does not see commits ({} runs: {} killed before the commit, \
         {} after it, {} ended on their own)",
        A::NAME,
        tally.runs,
        tally.killed_before,
        tally.killed_after,
        tally.finished
    );
    assert!(
        tally.killed_after > 0,
        "no run of {} was killed after its commit ({} runs: {} killed before it, {} ended \
         on their own)",
        A::NAME,
        tally.runs,
        tally.killed_before,
        tally.finished
    );
}

/// The kill points of an act that writes a new body (`deposit`, `revoke --rekey`):
/// at the start, through its I/O, through the body being written, once it is renamed
/// into place, and once committed.
fn body_writing_points() -> Vec<KillAt> {
    let mut points = vec![KillAt::Start; 2];
    points.extend(KillAt::io_shares(15));
    points.extend([0.0, 0.5, 0.9].map(KillAt::TempFill));
    points.extend([KillAt::BlobNamed; 3]);
    points.extend([KillAt::Committed; 4]);
    points
}

#[test]
#[ignore = "heavy: about 30 runs copying and hashing ~40 MiB each; CI runs it with --ignored"]
fn a_killed_deposit_is_either_complete_or_absent() {
    let _serial = serial();
    let started = Instant::now();
    let p = Prepared::new(BIG_SIZE);
    let bytes = pseudo_random(NEW_SIZE, 0xC4A5_0000_0000_0024);
    let file = p.fx.write("in/claimant/new-survey.bin", &bytes);
    let act = Deposit { file, bytes };
    let mut points = body_writing_points();
    points.push(KillAt::Committed);
    crash_act(&p, &act, started, points);
}

#[test]
#[ignore = "heavy: about 30 runs copying and hashing ~16 MiB each; CI runs it with --ignored"]
fn a_killed_disclose_either_grants_access_or_not() {
    let _serial = serial();
    let started = Instant::now();
    let p = Prepared::new(BIG_SIZE);
    let num = p.docs[2].num;
    let act = Disclose { num };
    // Disclosing writes no body: its I/O and its commit are what can be seen.
    let mut points = vec![KillAt::Start; 3];
    points.extend(KillAt::io_shares(19));
    points.extend([KillAt::Committed; 6]);
    crash_act(&p, &act, started, points);
}

#[test]
#[ignore = "heavy: about 30 runs re-encrypting ~16 MiB each; CI runs it with --ignored"]
fn a_killed_rekeying_revoke_leaves_the_old_body_or_the_new_one() {
    let _serial = serial();
    let started = Instant::now();
    let mut p = Prepared::new(BIG_SIZE);
    let num = p.docs[2].num;
    p.fx.ok_as(
        "claimant",
        &["disclose", CASE, &num.to_string(), "--to", "respondent"],
    );
    assert_eq!(
        p.fx.read_stdout("respondent", num),
        p.doc(num).bytes,
        "the respondent reads the disclosed evidence before the revoke"
    );
    p.snapshot();
    let act = Revoke { num };
    let mut points = body_writing_points();
    points.extend([KillAt::OldBodyGone; 2]);
    crash_act(&p, &act, started, points);
}
