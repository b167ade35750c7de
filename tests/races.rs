//! Honest people racing (DESIGN.md, "Where authority comes from (must)"; issue 12):
//! "every act checks its preconditions and writes its statement inside one write
//! transaction: two honest people acting at once never produce a log that fails
//! verification, a success message that is false, or a case that cannot be sealed."
//!
//! Each round opens a fresh case in one vault, prepares a document, then starts
//! several `sealroom` processes doing conflicting acts at the same time (all threads
//! wait behind one barrier, then each sleeps a short random delay before it starts its
//! process). After the race:
//! - every act ended in success or in a refusal by the rules (exit 1), never in an
//!   integrity failure or a system error;
//! - `log REF --verify` succeeds;
//! - every success message was true, checked against the case log (`--json log`):
//!   the statement it named is there and is its act; a disclosure "with consent"
//!   follows a consent that no revocation withdrew in between; a deposit's number
//!   exists and precedes the close; nothing is logged after a seal; and who can read
//!   the document now agrees with the last grant or revocation in the log (a revoke
//!   that printed success really removed access, a disclose that printed success
//!   really gave it);
//! - the case can still be closed by the mediator and sealed by the archivist
//!   (`seal REF --retain-until 2030-01-01 -o FILE`), and its log then verifies.
//!
//! The random choices come from a seeded xorshift generator: a failing round prints
//! its seed, and `SEALROOM_RACE_SEED=N` replays a run (`SEALROOM_RACE_ROUNDS=N` sets
//! the rounds per scenario of the long tests). The un-ignored test runs a few rounds
//! of every scenario; the long ones are `#[ignore]`d and CI runs them with
//! `cargo test --test races -- --ignored`.

mod common;

use std::collections::BTreeMap;
use std::process::Output;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::*;

/// Rounds per scenario of the un-ignored test.
const SHORT_ROUNDS: usize = 4;
/// Rounds per scenario of each long (ignored) test, unless `SEALROOM_RACE_ROUNDS`.
const LONG_ROUNDS: usize = 150;
/// The longest random delay before a racing process starts.
const MAX_DELAY_MS: u64 = 12;
/// The seed of a run, unless `SEALROOM_RACE_SEED`.
const DEFAULT_SEED: u64 = 0x5EA1_2004_1212_0001;

// ---------------------------------------------------------------------------------
// Randomness that replays
// ---------------------------------------------------------------------------------

/// xorshift64*: small, seeded, the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

fn base_seed() -> u64 {
    env_u64("SEALROOM_RACE_SEED").unwrap_or(DEFAULT_SEED)
}

fn long_rounds() -> usize {
    env_u64("SEALROOM_RACE_ROUNDS").map_or(LONG_ROUNDS, |n| n as usize)
}

// ---------------------------------------------------------------------------------
// Racing processes
// ---------------------------------------------------------------------------------

/// One command of a racing job: who runs it, with which arguments.
#[derive(Clone, Debug)]
struct Step {
    who: &'static str,
    args: Vec<String>,
}

fn step(who: &'static str, args: &[&str]) -> Step {
    Step {
        who,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
    }
}

/// What a job's commands did, and when the job ran.
struct Ran {
    steps: Vec<(Step, Output)>,
    start: Instant,
    end: Instant,
}

impl Ran {
    fn output(&self, i: usize) -> &Output {
        &self.steps[i].1
    }
}

/// Run each job (its steps one after another) on its own thread; all threads start
/// together behind a barrier, then wait their own delay.
fn race(fx: &Fixture, jobs: &[Vec<Step>], delays: &[Duration]) -> Vec<Ran> {
    let barrier = Barrier::new(jobs.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .zip(delays)
            .map(|(job, delay)| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    std::thread::sleep(*delay);
                    let start = Instant::now();
                    let steps = job
                        .iter()
                        .map(|st| (st.clone(), fx.run_as(st.who, &st.args)))
                        .collect();
                    Ran {
                        steps,
                        start,
                        end: Instant::now(),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a racing thread"))
            .collect()
    })
}

/// Whether at least two jobs ran at the same time.
fn overlapped(ran: &[Ran]) -> bool {
    ran.iter().enumerate().any(|(i, a)| {
        ran.iter()
            .skip(i + 1)
            .any(|b| a.start < b.end && b.start < a.end)
    })
}

fn describe(st: &Step) -> String {
    let args: Vec<&str> = st
        .args
        .iter()
        .filter(|a| *a != "--json")
        .map(String::as_str)
        .collect();
    format!("{} `{}`", st.who, args.join(" "))
}

fn outcome(out: &Output) -> String {
    let cut = |b: &[u8]| {
        let s = String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned();
        s.trim_end().replace('\n', "⏎ ")
    };
    format!(
        "exit {:?}, stdout `{}`, stderr `{}`",
        out.status.code(),
        cut(&out.stdout),
        cut(&out.stderr)
    )
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

// ---------------------------------------------------------------------------------
// One round
// ---------------------------------------------------------------------------------

/// One entry of `--json log`.
#[derive(Clone, Debug)]
struct Entry {
    act: String,
    num: Option<u64>,
}

/// A round: its case, its randomness, and what it found wrong.
struct Round<'a> {
    fx: &'a Fixture,
    case: String,
    seed: u64,
    rng: Rng,
    problems: Vec<String>,
    overlapped: bool,
}

impl<'a> Round<'a> {
    /// Open a fresh case `case` (registrar; mediator; claimant party of two; respondent
    /// party; archivist holding the escrow key alone).
    fn open(fx: &'a Fixture, case: String, seed: u64) -> Self {
        let claimant = format!("claimant={}", fx.card("claimant"));
        let cocounsel = format!("claimant={}", fx.card("cocounsel"));
        let respondent = format!("respondent={}", fx.card("respondent"));
        fx.ok_as(
            "registrar",
            &[
                "case",
                "open",
                &case,
                "--mediator",
                &fx.card("mediator"),
                "--party",
                &claimant,
                "--party",
                &cocounsel,
                "--party",
                &respondent,
                "--archivist",
                &fx.card("archivist"),
                "--threshold",
                "1",
            ],
        );
        Round {
            fx,
            case,
            seed,
            rng: Rng::new(seed),
            problems: Vec::new(),
            overlapped: false,
        }
    }

    fn problem(&mut self, what: String) {
        self.problems.push(what);
    }

    /// A setup command that must succeed; its standard output.
    fn ok(&self, who: &str, args: &[&str]) -> String {
        self.fx.ok_as(who, args)
    }

    /// `who` deposits `bytes` as a fresh file with `extra` flags; the new number.
    fn deposit(&self, who: &str, name: &str, bytes: &[u8], extra: &[&str]) -> u64 {
        let path = self
            .fx
            .write(&format!("in/{}/{who}/{name}", self.case), bytes);
        let mut args = vec!["deposit", self.case.as_str(), path.as_str()];
        args.extend_from_slice(extra);
        first_line_num(&self.ok(who, &args))
    }

    /// A file for a racing deposit; its path.
    fn file(&self, who: &str, name: &str, bytes: &[u8]) -> String {
        self.fx
            .write(&format!("in/{}/{who}/{name}", self.case), bytes)
    }

    /// Race `jobs`, each after a random delay; check every command ended in success
    /// or a refusal by the rules.
    fn race(&mut self, jobs: Vec<Vec<Step>>) -> Vec<Ran> {
        let delays: Vec<Duration> = jobs
            .iter()
            .map(|_| Duration::from_millis(self.rng.below(MAX_DELAY_MS + 1)))
            .collect();
        let ran = race(self.fx, &jobs, &delays);
        self.overlapped = overlapped(&ran);
        for r in &ran {
            for (st, out) in &r.steps {
                let code = out.status.code();
                if !matches!(code, Some(0) | Some(1)) {
                    self.problem(format!(
                        "{} ended in neither success nor a refusal by the rules: {}",
                        describe(st),
                        outcome(out)
                    ));
                }
            }
        }
        ran
    }

    /// The case log, as `--json log` shows it.
    fn log(&mut self) -> Vec<Entry> {
        let out = self.fx.run(&["--json", "log", &self.case]);
        if !out.status.success() {
            self.problem(format!("`log {}` failed: {}", self.case, outcome(&out)));
            return Vec::new();
        }
        json_of(&out)
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| Entry {
                        act: e["act"].as_str().unwrap_or("").to_owned(),
                        num: e["num"].as_u64(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `log REF --verify` must succeed.
    fn verify(&mut self, when: &str) -> bool {
        let out = self.fx.run(&["log", &self.case, "--verify"]);
        let ok = out.status.success();
        if !ok {
            self.problem(format!(
                "`log {} --verify` {when} failed: {}",
                self.case,
                outcome(&out)
            ));
        }
        ok
    }

    /// The statement `seq` a success message named must be `act` (on `num`).
    fn logged_as(
        &mut self,
        log: &[Entry],
        what: &str,
        seq: Option<u64>,
        act: &str,
        num: Option<u64>,
    ) {
        let Some(seq) = seq else {
            self.problem(format!(
                "{what} printed success without naming its statement"
            ));
            return;
        };
        match log.get(seq as usize) {
            Some(e) if e.act == act && (num.is_none() || e.num == num) => {}
            other => self.problem(format!(
                "{what} printed success as statement {seq}, but the log has {other:?} there"
            )),
        }
    }

    /// Whether `who` can read `num` now, as the last grant or revocation in the log
    /// says, must agree with what `read` does; a read that works gives `marker`.
    fn access_agrees(&mut self, who: &str, num: u64, marker: &[u8], expected: bool, why: &str) {
        let out = self.fx.run_as(who, &["read", &self.case, &num.to_string()]);
        let read = out.status.success() && out.stdout == marker;
        if expected && !read {
            self.problem(format!(
                "{who} should read #{num} ({why}) but cannot: {}",
                outcome(&out)
            ));
        }
        if !expected && (out.status.success() || contains_bytes(&out.stdout, marker)) {
            self.problem(format!(
                "{who} still reads #{num} although {why}: {}",
                outcome(&out)
            ));
        }
    }

    /// Close (if still open) and seal the case; both must succeed and the log then
    /// verify, ending in the seal.
    fn close_and_seal(&mut self) {
        let show = self.fx.run(&["--json", "case", "show", &self.case]);
        let state = json_of(&show)["state"].as_str().unwrap_or("").to_owned();
        if state == "sealed" {
            return;
        }
        if state == "open" {
            let out = self.fx.run_as("mediator", &["case", "close", &self.case]);
            if !out.status.success() {
                self.problem(format!(
                    "the mediator could not close the case after the race: {}",
                    outcome(&out)
                ));
                return;
            }
        }
        let archive = self.fx.sandbox.join(format!("{}.final.sealed", self.case));
        let out = self.fx.run_as(
            "archivist",
            &[
                "seal",
                &self.case,
                "--retain-until",
                "2030-01-01",
                "-o",
                &path_arg(&archive),
            ],
        );
        if !out.status.success() {
            self.problem(format!(
                "the archivist could not seal the case after the race: {}",
                outcome(&out)
            ));
            return;
        }
        if self.verify("after the final seal") {
            let log = self.log();
            if log.last().map(|e| e.act.as_str()) != Some("seal") {
                self.problem("the log does not end in the seal".to_owned());
            }
        }
    }
}

/// A revocation that printed success as statement `seq` must have removed the
/// respondent party if, by the log, they could read `num` just before it.
fn revoke_removed_access(
    r: &mut Round,
    log: &[Entry],
    what: &str,
    json: &serde_json::Value,
    num: u64,
) {
    let Some(seq) = json["statement"].as_u64() else {
        return;
    };
    let before = &log[..(seq as usize).min(log.len())];
    let (had_access, why) = granted_by_log(before, num);
    let removed = json["removed"].as_array().map_or(0, Vec::len);
    if had_access && removed == 0 {
        r.problem(format!(
            "{what} printed success as statement {seq} but removed nobody, though the respondent party could read #{num} then ({why})"
        ));
    }
}

/// Where in `log` the last `act` on `num` is.
fn last_of(log: &[Entry], act: &str, num: u64) -> Option<usize> {
    log.iter().rposition(|e| e.act == act && e.num == Some(num))
}

/// Whether the respondent should read `num` now by the log: the last disclosure to
/// them is later than the last revocation (in these rounds, every disclosure goes to
/// and every revocation comes from the respondent party).
fn granted_by_log(log: &[Entry], num: u64) -> (bool, String) {
    let grant = last_of(log, "disclose", num);
    let revoke = last_of(log, "revoke", num);
    let yes = match (grant, revoke) {
        (Some(g), Some(r)) => g > r,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let why = format!(
        "the last disclosure of #{num} is statement {grant:?} and the last revocation {revoke:?}"
    );
    (yes, why)
}

// ---------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------

/// A caucus statement of the claimant; the owner party consents and revokes, the
/// mediator discloses (consent policy: only with a consent in force).
fn consent_revoke_disclose(r: &mut Round) {
    let marker = format!("CAUCUS {}: our real floor is 2.2m", r.case).into_bytes();
    let num = r.deposit("claimant", "caucus.txt", &marker, &["--category", "caucus"]);
    let n = num.to_string();
    let case = r.case.clone();
    // A random starting point: nothing, a consent, or a consent and a disclosure.
    let start = r.rng.below(3);
    if start >= 1 {
        r.ok("claimant", &["consent", &case, &n, "--to", "respondent"]);
    }
    if start == 2 {
        r.ok("mediator", &["disclose", &case, &n, "--to", "respondent"]);
    }
    let mut jobs = vec![
        vec![step(
            "claimant",
            &["--json", "consent", &case, &n, "--to", "respondent"],
        )],
        vec![step(
            "cocounsel",
            &["--json", "revoke", &case, &n, "--from", "respondent"],
        )],
        vec![step(
            "mediator",
            &["--json", "disclose", &case, &n, "--to", "respondent"],
        )],
    ];
    if r.rng.chance(1, 2) {
        // A second disclosure attempt, as a busy mediator's retry would be.
        jobs.push(vec![step(
            "mediator",
            &["--json", "disclose", &case, &n, "--to", "respondent"],
        )]);
    }
    let ran = r.race(jobs);
    r.verify("after the race");
    let log = r.log();
    for job in &ran {
        let (st, out) = &job.steps[0];
        if !out.status.success() {
            continue;
        }
        let json = json_of(out);
        let what = describe(st);
        match st.args[1].as_str() {
            "consent" => r.logged_as(
                &log,
                &what,
                json["statement"].as_u64(),
                "consent",
                Some(num),
            ),
            "revoke" => {
                r.logged_as(&log, &what, json["statement"].as_u64(), "revoke", Some(num));
                revoke_removed_access(r, &log, &what, &json, num);
            }
            "disclose" => {
                let Some(d) = json["statement"].as_u64() else {
                    continue; // nothing granted: everyone could already read it
                };
                r.logged_as(&log, &what, Some(d), "disclose", Some(num));
                if json["basis"] == "consent" {
                    let before = &log[..(d as usize).min(log.len())];
                    let consent = last_of(before, "consent", num);
                    let revoke = last_of(before, "revoke", num);
                    if consent.is_none() || revoke > consent {
                        r.problem(format!(
                            "{what} printed success with basis consent as statement {d}, but the last consent before it is {consent:?} and the last revocation {revoke:?}"
                        ));
                    }
                }
            }
            _ => unreachable!(),
        }
    }
    let (expected, why) = granted_by_log(&log, num);
    r.access_agrees("respondent", num, &marker, expected, &why);
    r.access_agrees("claimant", num, &marker, true, "it is the claimant's own");
    r.close_and_seal();
}

/// A brief of the claimant; the mediator revokes the respondent's access re-keying it,
/// while the claimant's co-counsel discloses it to them.
fn rekey_vs_disclose(r: &mut Round) {
    let marker = format!("BRIEF {}: the delay was caused by the city", r.case).into_bytes();
    let num = r.deposit("claimant", "brief.txt", &marker, &[]);
    let n = num.to_string();
    let case = r.case.clone();
    if r.rng.chance(1, 2) {
        r.ok("claimant", &["disclose", &case, &n, "--to", "respondent"]);
    }
    let ran = r.race(vec![
        vec![step(
            "mediator",
            &[
                "--json",
                "revoke",
                &case,
                &n,
                "--from",
                "respondent",
                "--rekey",
            ],
        )],
        vec![step(
            "cocounsel",
            &["--json", "disclose", &case, &n, "--to", "respondent"],
        )],
    ]);
    r.verify("after the race");
    let log = r.log();
    for job in &ran {
        let (st, out) = &job.steps[0];
        if !out.status.success() {
            continue;
        }
        let json = json_of(out);
        let what = describe(st);
        match st.args[1].as_str() {
            "revoke" => {
                r.logged_as(&log, &what, json["statement"].as_u64(), "revoke", Some(num));
                revoke_removed_access(r, &log, &what, &json, num);
            }
            "disclose" => {
                if let Some(d) = json["statement"].as_u64() {
                    r.logged_as(&log, &what, Some(d), "disclose", Some(num));
                }
            }
            _ => unreachable!(),
        }
    }
    let (expected, why) = granted_by_log(&log, num);
    r.access_agrees("respondent", num, &marker, expected, &why);
    r.access_agrees("claimant", num, &marker, true, "it is the claimant's own");
    r.access_agrees("mediator", num, &marker, true, "mediators read every brief");
    r.close_and_seal();
}

/// A brief disclosed to the respondent; the mediator closes and the archivist seals,
/// while the mediator reads it, the claimant revokes (perhaps re-keying) and the
/// respondent deposits.
fn seal_vs_read_revoke_deposit(r: &mut Round) {
    let marker = format!("BRIEF {}: the soil report", r.case).into_bytes();
    let num = r.deposit("claimant", "brief.txt", &marker, &[]);
    let n = num.to_string();
    let case = r.case.clone();
    r.ok("claimant", &["disclose", &case, &n, "--to", "respondent"]);
    let archive = r.fx.sandbox.join(format!("{case}.raced.sealed"));
    let archive_arg = path_arg(&archive);
    let mut revoke = vec![
        "--json",
        "revoke",
        case.as_str(),
        &n,
        "--from",
        "respondent",
    ];
    if r.rng.chance(1, 2) {
        revoke.push("--rekey");
    }
    let late = r.file("respondent", "late.txt", b"a late respondent brief");
    let ran = r.race(vec![
        vec![
            step("mediator", &["--json", "case", "close", &case]),
            step(
                "archivist",
                &[
                    "--json",
                    "seal",
                    &case,
                    "--retain-until",
                    "2030-01-01",
                    "-o",
                    &archive_arg,
                ],
            ),
        ],
        vec![step("mediator", &["read", &case, &n])],
        vec![step("claimant", &revoke)],
        vec![step("respondent", &["--json", "deposit", &case, &late])],
    ]);
    r.verify("after the race");
    let log = r.log();
    let close = log.iter().position(|e| e.act == "close");
    let seal = log.iter().position(|e| e.act == "seal");
    if let Some(s) = seal {
        if s + 1 != log.len() {
            r.problem(format!(
                "{} statement(s) were logged after the seal (statement {s}): {:?}",
                log.len() - s - 1,
                &log[s + 1..]
            ));
        }
    }
    // The closing job.
    let closing = &ran[0];
    if closing.output(0).status.success() {
        let what = describe(&closing.steps[0].0);
        r.logged_as(
            &log,
            &what,
            json_of(closing.output(0))["statement"].as_u64(),
            "close",
            None,
        );
    }
    let sealed = closing.steps.get(1).map(|(_, out)| out);
    match sealed {
        Some(out) if out.status.success() => {
            let what = describe(&closing.steps[1].0);
            let st = json_of(out)["statement"].as_u64();
            r.logged_as(&log, &what, st, "seal", None);
            if st.map(|s| s as usize + 1) != Some(log.len()) {
                r.problem(format!(
                    "{what} printed success as statement {st:?}, but the log has {} entries",
                    log.len()
                ));
            }
            if !archive.is_file() {
                r.problem(format!("{what} printed success but wrote no archive"));
            }
        }
        _ => {
            if archive.exists() {
                r.problem("a seal that failed left its archive behind".to_owned());
            }
        }
    }
    // The reader.
    let (st, out) = &ran[1].steps[0];
    if out.status.success() && out.stdout != marker {
        r.problem(format!("{} succeeded with other bytes", describe(st)));
    }
    // The revoker.
    let (st, out) = &ran[2].steps[0];
    if out.status.success() {
        let what = describe(st);
        let rs = json_of(out)["statement"].as_u64();
        r.logged_as(&log, &what, rs, "revoke", Some(num));
        revoke_removed_access(r, &log, &what, &json_of(out), num);
        if let (Some(rs), Some(s)) = (rs, seal) {
            if rs as usize > s {
                r.problem(format!("{what} was logged after the seal"));
            }
        }
    }
    // The depositor.
    let (st, out) = &ran[3].steps[0];
    if out.status.success() {
        let what = describe(st);
        let json = json_of(out);
        let ds = json["statement"].as_u64();
        r.logged_as(&log, &what, ds, "deposit", json["num"].as_u64());
        if let (Some(ds), Some(c)) = (ds, close) {
            if ds as usize > c {
                r.problem(format!("{what} was logged after the close (statement {c})"));
            }
        }
    }
    r.close_and_seal();
}

/// The mediator closes the case while both parties deposit.
fn close_vs_deposit(r: &mut Round) {
    let case = r.case.clone();
    let markers: Vec<Vec<u8>> = ["claimant", "respondent"]
        .iter()
        .map(|who| format!("BRIEF {case} by the {who}: racing the close").into_bytes())
        .collect();
    let files: Vec<String> = ["claimant", "respondent"]
        .iter()
        .zip(&markers)
        .map(|(who, m)| r.file(who, "brief.txt", m))
        .collect();
    let ran = r.race(vec![
        vec![step("mediator", &["--json", "case", "close", &case])],
        vec![step("claimant", &["--json", "deposit", &case, &files[0]])],
        vec![step("respondent", &["--json", "deposit", &case, &files[1]])],
    ]);
    r.verify("after the race");
    let log = r.log();
    let close = log.iter().position(|e| e.act == "close");
    let (st, out) = &ran[0].steps[0];
    if out.status.success() {
        r.logged_as(
            &log,
            &describe(st),
            json_of(out)["statement"].as_u64(),
            "close",
            None,
        );
    }
    let mut succeeded = 0;
    for (i, job) in ran[1..].iter().enumerate() {
        let (st, out) = &job.steps[0];
        if !out.status.success() {
            continue;
        }
        succeeded += 1;
        let what = describe(st);
        let json = json_of(out);
        let (ds, num) = (json["statement"].as_u64(), json["num"].as_u64());
        r.logged_as(&log, &what, ds, "deposit", num);
        if let (Some(ds), Some(c)) = (ds, close) {
            if ds as usize > c {
                r.problem(format!("{what} was logged after the close (statement {c})"));
            }
        }
        if let Some(num) = num {
            r.access_agrees(
                "mediator",
                num,
                &markers[i],
                true,
                "mediators read every brief",
            );
        }
    }
    let logged = log.iter().filter(|e| e.act == "deposit").count();
    if logged != succeeded {
        r.problem(format!(
            "{succeeded} deposit(s) printed success but the log holds {logged}"
        ));
    }
    r.close_and_seal();
}

/// The registrar adds two members at once (sometimes the same card twice, sometimes a
/// mediator and a party member).
fn two_add_members(r: &mut Round) {
    let case = r.case.clone();
    let extra1 = format!("respondent={}", r.fx.card("extra1"));
    let extra2 = format!("respondent={}", r.fx.card("extra2"));
    let mediator2 = r.fx.card("extra2");
    let variant = r.rng.below(3);
    let second: Vec<&str> = match variant {
        0 => vec!["--party", &extra2],
        1 => vec!["--party", &extra1],
        _ => vec!["--mediator", &mediator2],
    };
    let mut a = vec![
        "--json",
        "case",
        "add-member",
        case.as_str(),
        "--party",
        &extra1,
    ];
    let mut b = vec!["--json", "case", "add-member", case.as_str()];
    b.extend(second);
    if r.rng.chance(1, 2) {
        std::mem::swap(&mut a, &mut b);
    }
    let ran = r.race(vec![
        vec![step("registrar", &a)],
        vec![step("registrar", &b)],
    ]);
    r.verify("after the race");
    let log = r.log();
    let mut added: BTreeMap<String, usize> = BTreeMap::new();
    for job in &ran {
        let (st, out) = &job.steps[0];
        if !out.status.success() {
            continue;
        }
        let what = describe(st);
        r.logged_as(
            &log,
            &what,
            json_of(out)["statement"].as_u64(),
            "add-member",
            None,
        );
        *added.entry(st.args[4..].join(" ")).or_default() += 1;
    }
    for (member, times) in &added {
        if *times > 1 {
            r.problem(format!(
                "`add-member {member}` printed success {times} times for the same card and role"
            ));
        }
    }
    let logged = log.iter().filter(|e| e.act == "add-member").count();
    if logged != added.values().sum::<usize>() {
        r.problem(format!(
            "{} add-member(s) printed success but the log holds {logged}",
            added.values().sum::<usize>()
        ));
    }
    // Everyone added receives the next brief shared with all parties.
    let marker = format!("BRIEF {case}: shared with every party").into_bytes();
    let num = r.deposit("claimant", "shared.txt", &marker, &["--share-with-all"]);
    let show = json_of(&r.fx.run(&["--json", "case", "show", &case]));
    for who in ["extra1", "extra2"] {
        let name = if who == "extra1" {
            "Dana Kim"
        } else {
            "Emil Novak"
        };
        let listed = show["members"]
            .as_array()
            .map(|m| m.iter().filter(|m| m["name"] == name).count())
            .unwrap_or(0);
        let printed = added
            .keys()
            .filter(|k| k.contains(&format!("{who}.card")))
            .count();
        if listed != printed {
            r.problem(format!(
                "{name} printed as added {printed} time(s) but the case lists them {listed} time(s)"
            ));
        }
        if printed > 0 {
            r.access_agrees(
                who,
                num,
                &marker,
                true,
                "they were added before the deposit",
            );
        }
    }
    r.close_and_seal();
}

// ---------------------------------------------------------------------------------
// Driving the rounds
// ---------------------------------------------------------------------------------

type Scenario = (&'static str, fn(&mut Round));

const SCENARIOS: [Scenario; 5] = [
    ("consent-revoke-disclose", consent_revoke_disclose),
    ("rekey-vs-disclose", rekey_vs_disclose),
    ("seal-vs-read-revoke-deposit", seal_vs_read_revoke_deposit),
    ("close-vs-deposit", close_vs_deposit),
    ("two-add-members", two_add_members),
];

/// A fixture for racing: the people of C-1 and two more who can be added.
fn racing_fixture() -> Fixture {
    let fx = Fixture::new();
    fx.add_person("extra1", "Dana Kim");
    fx.add_person("extra2", "Emil Novak");
    fx
}

/// Run `rounds` rounds of each scenario in `which` on one vault; panic with every
/// round that found something wrong, or if the processes seldom overlapped.
fn run_rounds(which: &[Scenario], rounds: usize, salt: u64) {
    let fx = racing_fixture();
    let seed = base_seed() ^ salt;
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut overlapping = 0;
    let mut total = 0;
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for i in 0..rounds {
        for (k, (name, scenario)) in which.iter().enumerate() {
            let round_seed = seed
                .wrapping_add((i * which.len() + k) as u64)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut r = Round::open(&fx, format!("R{i}-{k}"), round_seed);
            scenario(&mut r);
            total += 1;
            overlapping += usize::from(r.overlapped);
            let e = per.entry(name).or_default();
            e.0 += 1;
            if !r.problems.is_empty() {
                e.1 += 1;
                failures.push(format!(
                    "round {} ({name}, case {}, round seed {:#x}):\n      {}",
                    i,
                    r.case,
                    r.seed,
                    r.problems.join("\n      ")
                ));
            }
        }
    }
    let summary: Vec<String> = per
        .iter()
        .map(|(name, (n, bad))| format!("{name}: {bad} of {n} rounds failed"))
        .collect();
    eprintln!(
        "races (seed {seed:#x}): {total} rounds in {:.1} s, {overlapping} with overlapping processes; {}",
        started.elapsed().as_secs_f64(),
        summary.join("; ")
    );
    assert!(
        failures.is_empty(),
        "{} of {total} rounds broke the contract (seed {seed:#x}; {}):\n  {}",
        failures.len(),
        summary.join("; "),
        failures.join("\n  ")
    );
    assert!(
        overlapping * 2 >= total,
        "only {overlapping} of {total} rounds had processes running at the same time"
    );
}

/// A few rounds of every scenario (runs in the default test run).
#[test]
fn honest_races_keep_the_log_true_and_the_case_sealable() {
    run_rounds(&SCENARIOS, SHORT_ROUNDS, 0);
}

// The long runs: `cargo test --test races -- --ignored` (CI does).

#[test]
#[ignore = "long: CI runs it with --ignored"]
fn long_consent_revoke_disclose() {
    run_rounds(&SCENARIOS[0..1], long_rounds(), 1);
}

#[test]
#[ignore = "long: CI runs it with --ignored"]
fn long_rekey_vs_disclose() {
    run_rounds(&SCENARIOS[1..2], long_rounds(), 2);
}

#[test]
#[ignore = "long: CI runs it with --ignored"]
fn long_seal_vs_read_revoke_deposit() {
    run_rounds(&SCENARIOS[2..3], long_rounds(), 3);
}

#[test]
#[ignore = "long: CI runs it with --ignored"]
fn long_close_vs_deposit() {
    run_rounds(&SCENARIOS[3..4], long_rounds(), 4);
}

#[test]
#[ignore = "long: CI runs it with --ignored"]
fn long_two_add_members() {
    run_rounds(&SCENARIOS[4..5], long_rounds(), 5);
}
