//! Crash injection for `sealroom seal`: "a crash during seal leaves either the unsealed
//! case or the sealed one, never a half".
//!
//! One vault is prepared with a closed case holding a document of every category,
//! among them 24 MiB of incompressible evidence so that sealing takes long enough to
//! be interrupted. One uninterrupted seal of a throwaway copy measures how long sealing
//! takes here (and checks the sealed vault, as a baseline for the checks). Then, for
//! each kill delay (0, a few milliseconds, and fractions of the measured duration,
//! dense near its end where the archive is renamed into place and the transaction
//! commits), a fresh copy of the prepared vault folder is sealed by the real binary,
//! which is sent SIGKILL after the delay. The vault must then be consistent:
//!
//! - `log C-1 --verify` succeeds, and the case is `closed` or `sealed`, nothing else;
//! - closed: every document reads back byte for byte by its depositor; the archive is
//!   absent, or (killed after the rename, before the commit) verifies; sealing again
//!   to a new path succeeds and leaves a properly sealed vault;
//! - sealed: the archive exists and verifies; escrowed documents and the mediator note
//!   are refused (exit 1) to their former readers; settlement and procedural documents
//!   still read back for the parties and the archivist, and no longer for the mediator;
//! - every live blob exists, and no file in `blobs/` is unreferenced except `.tmp-*`
//!   files and, in a sealed vault, the blobs the killed seal was about to delete;
//!   no `.sealroom-seal-*` temp file is left beside the archive except by the killed
//!   run (such leftovers are counted and printed).

#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::crash::{ms, CrashRun, BLOB_TEMP_PREFIX};
use common::*;

const RETAIN_UNTIL: &str = "2036-12-31";
const EVIDENCE_SIZE: usize = 24 * 1024 * 1024;
const SEAL_TEMP_PREFIX: &str = ".sealroom-seal-";

/// One deposited document and what sealing does to it.
struct Doc {
    num: u64,
    depositor: &'static str,
    category: &'static str,
    /// The file name it was deposited from.
    name: &'static str,
    bytes: Vec<u8>,
    /// Who could read it before the seal (besides the depositor).
    readers: &'static [&'static str],
}

impl Doc {
    fn retained(&self) -> bool {
        matches!(self.category, "settlement" | "procedural")
    }
}

/// The prepared vault: the fixture's case with one document of each category, closed.
struct Prepared {
    fx: Fixture,
    docs: Vec<Doc>,
}

fn prepare() -> Prepared {
    let fx = Fixture::new();
    let doc = |depositor, category, name, bytes: Vec<u8>, readers| Doc {
        num: 0,
        depositor,
        category,
        name,
        bytes,
        readers,
    };
    let specs = [
        doc(
            "claimant",
            "brief",
            "brief.txt",
            b"Claimant's brief: the quay wall was built to specification.".to_vec(),
            &["cocounsel", "mediator"],
        ),
        doc(
            "respondent",
            "caucus",
            "caucus.txt",
            b"In caucus: we could go to 4.2 million, not a cent more.".to_vec(),
            &["mediator"],
        ),
        doc(
            "claimant",
            "evidence",
            "survey.bin",
            pseudo_random(EVIDENCE_SIZE, 0x5EA1_0000_0000_0024),
            &["cocounsel", "mediator"],
        ),
        doc(
            "claimant",
            "settlement",
            "settlement.txt",
            b"Settlement: the City pays 3.9 million within 60 days.".to_vec(),
            &["cocounsel", "respondent", "mediator", "archivist"],
        ),
        doc(
            "mediator",
            "procedural",
            "schedule.txt",
            b"Procedural order 1: joint session on 3 March, caucuses after lunch.".to_vec(),
            &["claimant", "respondent", "archivist"],
        ),
        doc(
            "mediator",
            "mediator-note",
            "note.txt",
            b"Note to self: the respondent's counsel is bluffing about the budget.".to_vec(),
            &[],
        ),
    ];
    let mut docs = Vec::new();
    for mut d in specs {
        d.num = fx.deposit_bytes(d.depositor, d.name, &d.bytes, &["--category", d.category]);
        docs.push(d);
    }
    fx.ok_as("mediator", &["case", "close", CASE]);
    Prepared { fx, docs }
}

/// One copy of the prepared vault, in its own folder, with its own receipts folder
/// (copies share the vault id, so their receipts must not meet).
struct Run<'a> {
    p: &'a Prepared,
    r: CrashRun<'a>,
    /// The folder the archives are written to.
    out: PathBuf,
}

impl<'a> std::ops::Deref for Run<'a> {
    type Target = CrashRun<'a>;
    fn deref(&self) -> &CrashRun<'a> {
        &self.r
    }
}

/// What the checks found in one run.
#[derive(Default)]
struct Found {
    state: String,
    /// The archive of the killed seal exists although the case is still closed.
    archive_without_commit: bool,
    /// `.sealroom-seal-*` files the killed run left beside the archive.
    seal_temps: usize,
    /// Blobs the killed seal was about to delete.
    seal_orphans: usize,
    /// `.tmp-*` files in `blobs/`.
    blob_temps: usize,
}

impl<'a> Run<'a> {
    fn new(p: &'a Prepared, name: &str) -> Self {
        let r = CrashRun::new(&p.fx, name);
        let out = r.dir.join("out");
        std::fs::create_dir(&out).unwrap();
        Run { p, r, out }
    }

    fn archive(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }

    /// The seal command, as a child process that can be killed.
    fn spawn_seal(&self, archive: &Path) -> std::process::Child {
        let archive = path_arg(archive);
        self.spawn(
            "archivist",
            &["seal", CASE, "--retain-until", RETAIN_UNTIL, "-o", &archive],
        )
    }

    fn state(&self) -> String {
        let show = parse_json(&self.ok(None, &["--json", "case", "show", CASE]));
        show["state"]
            .as_str()
            .unwrap_or_else(|| panic!("[{}] case show has no state: {show}", self.name()))
            .to_owned()
    }

    fn read(&self, who: &str, num: u64) -> Vec<u8> {
        let (what, out) = self.run(Some(who), &["read", CASE, &num.to_string()]);
        assert!(
            out.status.success(),
            "{what}: exit {:?}, stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn verify_archive(&self, archive: &Path) {
        let (what, out) = self.run(None, &["archive", "verify", &path_arg(archive)]);
        let text = expect_ok(&what, &out);
        assert!(text.starts_with("OK"), "{what}: {text}");
    }

    /// A closed (unsealed) case: everything reads back as deposited.
    fn check_closed(&self) {
        for d in &self.p.docs {
            assert_same_bytes(
                &format!(
                    "[{}] #{} ({}) read back by its depositor {} in the unsealed vault",
                    self.name(),
                    d.num,
                    d.category,
                    d.depositor
                ),
                &self.read(d.depositor, d.num),
                &d.bytes,
            );
        }
    }

    /// A sealed case: the archive verifies; only settlement and procedural documents
    /// stay readable, by the parties and the archivist.
    fn check_sealed(&self, archive: &Path) {
        assert!(
            archive.is_file(),
            "[{}] the case is sealed but its archive {} does not exist",
            self.name(),
            archive.display()
        );
        self.verify_archive(archive);
        for d in &self.p.docs {
            let n = d.num.to_string();
            if d.retained() {
                for who in ["claimant", "respondent", "archivist"] {
                    assert_same_bytes(
                        &format!(
                            "[{}] retained #{} ({}) read by {who} after the seal",
                            self.name(),
                            d.num,
                            d.category
                        ),
                        &self.read(who, d.num),
                        &d.bytes,
                    );
                }
                // Live access of everyone else (the mediators) is shredded.
                self.fails(Some("mediator"), &["read", CASE, &n], 1);
            } else {
                for who in std::iter::once(&d.depositor).chain(d.readers) {
                    self.fails(Some(*who), &["read", CASE, &n], 1);
                }
            }
        }
    }

    /// The blob files against the database; returns (seal orphans, `.tmp-*` files).
    fn check_blobs(&self, state: &str) -> (usize, usize) {
        let conn = rusqlite::Connection::open(self.vault.join("sealroom.db")).unwrap();
        let blobs_of = |sql: &str| -> BTreeSet<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
            rows.map(|r| r.unwrap()).collect()
        };
        let live = blobs_of("SELECT blob FROM documents WHERE body_state = 'live'");
        let gone = blobs_of("SELECT blob FROM documents WHERE body_state <> 'live'");
        drop(conn);
        let files = names_in(&self.vault.join("blobs"));
        for blob in &live {
            assert!(
                files.contains(blob),
                "[{}] ({state}) a live document's blob {blob} is missing from blobs/",
                self.name()
            );
        }
        let (mut orphans, mut temps) = (0, 0);
        for f in &files {
            if live.contains(f) {
                continue;
            }
            if f.starts_with(BLOB_TEMP_PREFIX) {
                temps += 1;
            } else if state == "sealed" && gone.contains(f) {
                orphans += 1;
            } else {
                panic!(
                    "[{}] ({state}) blobs/{f} is referenced by no live document (live: {live:?}, sealed away: {gone:?})",
                    self.name()
                );
            }
        }
        (orphans, temps)
    }

    /// `.sealroom-seal-*` files beside the archives; nothing else but the named
    /// archives may be there.
    fn seal_temps(&self, archives: &[&Path]) -> usize {
        let mut temps = 0;
        for name in names_in(&self.out) {
            if name.starts_with(SEAL_TEMP_PREFIX) {
                temps += 1;
            } else {
                assert!(
                    archives
                        .iter()
                        .any(|a| a.file_name().unwrap() == name.as_str()),
                    "[{}] unexpected file {name} beside the archive",
                    self.name()
                );
            }
        }
        temps
    }

    /// Every check of a vault after a seal that may have been killed.
    fn check(&self, archive: &Path) -> Found {
        self.ok(None, &["log", CASE, "--verify"]);
        let state = self.state();
        let mut found = Found::default();
        match state.as_str() {
            "closed" => {
                self.check_closed();
                if archive.exists() {
                    self.verify_archive(archive);
                    found.archive_without_commit = true;
                }
            }
            "sealed" => self.check_sealed(archive),
            other => panic!(
                "[{}] after the killed seal the case is `{other}`, neither closed nor sealed",
                self.name()
            ),
        }
        found.seal_temps = self.seal_temps(&[archive]);
        assert!(
            found.seal_temps <= 1,
            "[{}] {} seal temp files beside the archive after one seal",
            self.name(),
            found.seal_temps
        );
        (found.seal_orphans, found.blob_temps) = self.check_blobs(&state);
        if state == "closed" {
            // Sealing again, to a new path, works and leaves a properly sealed vault.
            let again = self.archive("again.sealed");
            self.ok(
                Some("archivist"),
                &[
                    "seal",
                    CASE,
                    "--retain-until",
                    RETAIN_UNTIL,
                    "-o",
                    &path_arg(&again),
                ],
            );
            self.ok(None, &["log", CASE, "--verify"]);
            assert_eq!(
                self.state(),
                "sealed",
                "[{}] after sealing again",
                self.name()
            );
            self.check_sealed(&again);
            // The killed run's partial archive (escrow shares and wraps inside) is
            // removed by the next seal into the same folder, which leaves none of its own.
            assert_eq!(
                self.seal_temps(&[archive, &again]),
                0,
                "[{}] sealing again left a partial archive beside the archives",
                self.name()
            );
            let (orphans, _) = self.check_blobs("sealed");
            assert_eq!(
                orphans,
                0,
                "[{}] the completed second seal left sealed-away blobs in the vault",
                self.name()
            );
        }
        found.state = state;
        found
    }
}

#[test]
fn a_killed_seal_leaves_the_case_closed_or_sealed_never_half() {
    let started = Instant::now();
    let p = prepare();
    let prepared_in = started.elapsed();

    // One uninterrupted seal of a throwaway copy: how long sealing takes here. Its
    // vault must pass the checks (they are the ones the killed runs face).
    let baseline = Run::new(&p, "baseline");
    let archive = baseline.archive("C-1.sealed");
    let t0 = Instant::now();
    let child = baseline.spawn_seal(&archive);
    let out = child.wait_with_output().unwrap();
    let duration = t0.elapsed();
    assert!(
        out.status.success(),
        "the uninterrupted seal failed: {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let found = baseline.check(&archive);
    assert_eq!(found.state, "sealed");
    assert_eq!(
        (found.seal_temps, found.seal_orphans, found.blob_temps),
        (0, 0, 0),
        "the uninterrupted seal left temp files or orphan blobs"
    );
    std::fs::remove_dir_all(&baseline.dir).unwrap();
    eprintln!(
        "prepared the vault in {:.0} ms; one uninterrupted seal takes {:.1} ms",
        ms(prepared_in),
        ms(duration)
    );

    // Kill delays: immediately and a few milliseconds, then spread over the seal, dense
    // near its end (rename into place, commit, blob removal), and past it.
    let mut delays: Vec<Duration> = [0, 1, 2, 3, 5, 8]
        .into_iter()
        .map(Duration::from_millis)
        .collect();
    for k in 1..=7 {
        delays.push(duration.mul_f64(f64::from(k) / 10.0));
    }
    for k in 0..=14 {
        delays.push(duration.mul_f64(0.75 + 0.025 * f64::from(k)));
    }
    delays.push(duration.mul_f64(1.5));
    delays.push(duration.mul_f64(3.0));
    delays.sort();

    let (mut closed, mut sealed) = (0, 0);
    let (mut exited, mut with_archive, mut temps_left, mut orphans_left) = (0, 0, 0, 0);
    let mut i = 0;
    let mut extra = 0;
    while i < delays.len() {
        let delay = delays[i];
        let run = Run::new(&p, &format!("run-{i:02}"));
        let archive = run.archive("C-1.sealed");
        let t0 = Instant::now();
        let mut child = run.spawn_seal(&archive);
        std::thread::sleep(delay);
        let killed_at = t0.elapsed();
        // SIGKILL; a child that already finished is only reaped.
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let killed = out.status.signal() == Some(9);
        if !killed {
            exited += 1;
            assert!(
                out.status.success(),
                "[{}] the seal ended on its own but failed: {:?}: {}",
                run.name(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let found = run.check(&archive);
        match found.state.as_str() {
            "closed" => closed += 1,
            _ => sealed += 1,
        }
        with_archive += usize::from(found.archive_without_commit);
        temps_left += usize::from(found.seal_temps > 0);
        orphans_left += usize::from(found.seal_orphans > 0);
        eprintln!(
            "{}: delay {:6.1} ms, kill at {:6.1} ms, {:<7} -> {}{}{}{}{}",
            run.name(),
            ms(delay),
            ms(killed_at),
            if killed { "killed" } else { "exited" },
            found.state,
            if found.archive_without_commit {
                ", archive in place but not committed"
            } else {
                ""
            },
            if found.seal_temps > 0 {
                ", seal temp file left"
            } else {
                ""
            },
            if found.seal_orphans > 0 {
                format!(", {} sealed-away blobs left", found.seal_orphans)
            } else {
                String::new()
            },
            if found.blob_temps > 0 {
                format!(", {} blob temp files", found.blob_temps)
            } else {
                String::new()
            },
        );
        std::fs::remove_dir_all(&run.dir).unwrap();
        i += 1;
        // A slower machine than the measurement suggested: wait longer until one
        // seal completes (and a kill at 0 ms always finds the case closed).
        if i == delays.len() && (sealed == 0 || closed == 0) && extra < 6 {
            extra += 1;
            let next = if sealed == 0 {
                delays[i - 1] * 2 + Duration::from_millis(100)
            } else {
                Duration::ZERO
            };
            delays.push(next);
        }
    }
    eprintln!(
        "{} runs: {closed} closed, {sealed} sealed ({exited} finished before the kill); \
         {with_archive} closed with the archive in place, {temps_left} left a \
         .sealroom-seal-* temp file, {orphans_left} sealed with blobs left to delete; \
         {:.1} s in all",
        delays.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(closed > 0, "no run ended with the case closed");
    assert!(sealed > 0, "no run ended with the case sealed");
}
