//! Crash injection for `sealroom deposit`, `disclose` and `revoke --rekey` (the seal
//! has its own test, `crash_seal.rs`): "a crash at any point loses nothing that was
//! acknowledged and leaves nothing half-visible".
//!
//! For each act one vault is prepared: the fixture's case with a few documents already
//! deposited (acknowledged), among them a large incompressible one. One uninterrupted
//! run of the act on a throwaway copy measures how long the act takes here and passes
//! the same checks as the killed runs (as a baseline). Then, for each kill delay (0 ms
//! and a few milliseconds, then spread up to 1.2 times the measured duration), a fresh
//! copy of the prepared vault folder runs the act in the real binary, which is sent
//! SIGKILL after the delay. Every run must then find:
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
//! The outcomes (committed or not, killed or finished, leftovers) are counted and
//! printed per act; each act must see both a committed and an uncommitted outcome.
//!
//! These tests copy and hash tens of megabytes per run, 85 runs in all (about a
//! minute in a debug build), so they are `#[ignore]`d in the normal run; CI runs them
//! with `cargo test --test crash_acts -- --ignored`.

#![cfg(unix)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::crash::{ms, CrashRun, BLOB_TEMP_PREFIX};
use common::*;

/// The large document already in every prepared vault (and, for `revoke --rekey`,
/// the one re-encrypted).
const BIG_SIZE: usize = 16 * 1024 * 1024;
/// The large document `deposit` adds.
const NEW_SIZE: usize = 24 * 1024 * 1024;

/// The acts measure their own duration to place the kills; running them one at a
/// time keeps the measurement meaningful on a shared machine.
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
        };
        p.snapshot();
        p
    }

    /// Record the log length and blobs once the preparation is complete.
    fn snapshot(&mut self) {
        let db = Db::open(&self.fx.vault);
        self.statements = db.statements();
        self.blobs = db.live_blobs();
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

/// Outcomes of the runs of one act.
#[derive(Default)]
struct Tally {
    runs: usize,
    killed: usize,
    committed: usize,
    killed_committed: usize,
    with_temp: usize,
    with_unreferenced: usize,
}

/// Run the act once uninterrupted (the baseline), then once per kill delay; `spread`
/// turns the measured duration into the delays. More runs are added at the end if
/// no run committed or none did not.
fn crash_act<A: Act>(
    p: &Prepared,
    act: &A,
    started: Instant,
    spread: impl Fn(Duration) -> Vec<Duration>,
) {
    let prepared_in = started.elapsed();
    let (who, args) = act.command();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let baseline = Run::new(p, "baseline");
    let t0 = Instant::now();
    let out = baseline.spawn(who, &args).wait_with_output().unwrap();
    let duration = t0.elapsed();
    assert!(
        out.status.success(),
        "the uninterrupted {} failed: {:?}: {}",
        A::NAME,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let after = baseline.check_common();
    assert!(
        act.check(&baseline, &after),
        "the uninterrupted {} did not commit",
        A::NAME
    );
    assert!(
        after.extra.is_empty(),
        "the uninterrupted {} left {:?} in blobs/",
        A::NAME,
        after.extra
    );
    baseline.check_repair(&after);
    std::fs::remove_dir_all(&baseline.dir).unwrap();
    eprintln!(
        "{}: prepared the vault in {:.0} ms; one uninterrupted run takes {:.1} ms",
        A::NAME,
        ms(prepared_in),
        ms(duration)
    );

    let mut delays = spread(duration);
    let mut tally = Tally::default();
    let mut extra_runs = 0;
    let mut i = 0;
    while i < delays.len() {
        let delay = delays[i];
        let run = Run::new(p, &format!("run-{i:02}"));
        let t0 = Instant::now();
        let mut child = run.spawn(who, &args);
        std::thread::sleep(delay);
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
        run.check_repair(&after);
        tally.runs += 1;
        tally.killed += usize::from(killed);
        tally.committed += usize::from(committed);
        tally.killed_committed += usize::from(killed && committed);
        tally.with_temp += usize::from(after.temps() > 0);
        tally.with_unreferenced += usize::from(after.unreferenced() > 0);
        eprintln!(
            "{} {}: delay {:7.1} ms, kill at {:7.1} ms, {:<7} -> {}{}{}",
            A::NAME,
            run.name(),
            ms(delay),
            ms(killed_at),
            if killed { "killed" } else { "exited" },
            if committed {
                "committed"
            } else {
                "not committed"
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
        // A machine slower or faster than the measurement suggested: one more run,
        // later (until one commits) or at 0 ms (until one does not).
        let uncommitted = tally.runs - tally.committed;
        if i == delays.len() && (tally.committed == 0 || uncommitted == 0) && extra_runs < 6 {
            extra_runs += 1;
            delays.push(if tally.committed == 0 {
                delays[i - 1] * 2 + Duration::from_millis(100)
            } else {
                Duration::ZERO
            });
        }
    }
    eprintln!(
        "{}: {} runs ({} killed, {} finished first): {} committed ({} of them killed after \
         the commit), {} not committed; {} left a temp file, {} an unreferenced blob; \
         {:.1} s in all",
        A::NAME,
        tally.runs,
        tally.killed,
        tally.runs - tally.killed,
        tally.committed,
        tally.killed_committed,
        tally.runs - tally.committed,
        tally.with_temp,
        tally.with_unreferenced,
        started.elapsed().as_secs_f64()
    );
    assert!(tally.runs >= 25, "only {} runs", tally.runs);
    assert!(tally.committed > 0, "no run of {} committed", A::NAME);
    assert!(
        tally.committed < tally.runs,
        "every run of {} committed",
        A::NAME
    );
}

/// `zeros` kills at 0 ms and a few at `early_ms`, then `even` spread evenly up to
/// 0.8 times the measured duration and `dense` more densely from there to 1.2 times
/// it (where the blob is renamed into place and the transaction commits).
fn spread(
    zeros: usize,
    early_ms: &[u64],
    even: u32,
    dense: u32,
    duration: Duration,
) -> Vec<Duration> {
    let mut delays = vec![Duration::ZERO; zeros];
    delays.extend(early_ms.iter().copied().map(Duration::from_millis));
    for k in 1..=even {
        delays.push(duration.mul_f64(0.8 * f64::from(k) / f64::from(even)));
    }
    for k in 1..=dense {
        delays.push(duration.mul_f64(0.8 + 0.4 * f64::from(k) / f64::from(dense)));
    }
    delays.sort();
    delays
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
    crash_act(&p, &act, started, |d| spread(1, &[1, 3], 12, 14, d));
}

#[test]
#[ignore = "heavy: about 30 runs copying and hashing ~16 MiB each; CI runs it with --ignored"]
fn a_killed_disclose_either_grants_access_or_not() {
    let _serial = serial();
    let started = Instant::now();
    let p = Prepared::new(BIG_SIZE);
    let num = p.docs[2].num;
    let act = Disclose { num };
    // Disclosing is quick whatever the size: many kills at 0 ms and spread thin.
    crash_act(&p, &act, started, |d| spread(3, &[1, 2], 22, 0, d));
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
    crash_act(&p, &act, started, |d| spread(1, &[1, 3], 12, 14, d));
}
