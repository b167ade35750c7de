//! Several processes depositing into one vault at once: 4 people each run 50
//! `sealroom deposit` commands one after another, the 4 sequences concurrently. Every
//! deposit must be there afterwards with its own number (1..=200, no gaps, no repeats,
//! increasing within each person's sequence), read back byte for byte, and the log and
//! the vault must verify.
//!
//! That the sequences really ran at the same time is checked too, or the test would
//! pass just as well with the writers one after another: they start together (a gate
//! all 4 threads wait at), each command's start and end are recorded in the test
//! process, and deposits of different writers must have been running at the same
//! moment (intervals that intersect), many times over.

mod common;

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use common::*;

const WRITERS: [(&str, &str); 4] = [
    ("claimant", "brief"),
    ("cocounsel", "evidence"),
    ("respondent", "brief"),
    ("mediator", "procedural"),
];
const PER_WRITER: usize = 50;

/// How long a writer waits at the start gate for the others before going ahead alone
/// (so that writers started one after another fail the overlap check, not hang).
const GATE_TIMEOUT: Duration = Duration::from_secs(10);

/// The gate the writers start from together: each waits until all have arrived.
struct StartGate {
    /// Writers arrived so far, or `None` once one gave up waiting (the others then go
    /// ahead without waiting).
    arrived: Mutex<Option<usize>>,
    all_here: Condvar,
    writers: usize,
}

impl StartGate {
    fn new(writers: usize) -> Self {
        StartGate {
            arrived: Mutex::new(Some(0)),
            all_here: Condvar::new(),
            writers,
        }
    }

    /// Wait for every writer; whether they all arrived (rather than a wait timing out).
    fn wait(&self) -> bool {
        let mut arrived = self.arrived.lock().unwrap();
        let Some(n) = arrived.as_mut() else {
            return false;
        };
        *n += 1;
        if *n == self.writers {
            self.all_here.notify_all();
            return true;
        }
        let (mut arrived, timeout) = self
            .all_here
            .wait_timeout_while(arrived, GATE_TIMEOUT, |a| {
                a.is_some_and(|n| n < self.writers)
            })
            .unwrap();
        if timeout.timed_out() {
            *arrived = None;
            self.all_here.notify_all();
            return false;
        }
        arrived.is_some()
    }
}

/// One deposit as the test process saw it: who made it, and when its command ran.
#[derive(Clone, Copy, Debug)]
struct Span {
    writer: usize,
    start: Instant,
    end: Instant,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Pairs of deposits by different writers whose commands were running at the same
/// moment, and the most commands seen running at once.
fn overlaps(spans: &[Span]) -> (usize, usize) {
    let mut pairs = 0;
    for (k, a) in spans.iter().enumerate() {
        pairs += spans[k + 1..]
            .iter()
            .filter(|b| b.writer != a.writer && a.overlaps(b))
            .count();
    }
    // A sweep over the starts and ends (an end before a start at the same instant).
    let mut events: Vec<(Instant, i32)> = spans
        .iter()
        .flat_map(|s| [(s.start, 1), (s.end, -1)])
        .collect();
    events.sort();
    let (mut running, mut peak) = (0i32, 0i32);
    for (_, step) in events {
        running += step;
        peak = peak.max(running);
    }
    (pairs, peak as usize)
}

/// The distinct contents of deposit `i` by writer `w`: a header naming it, then
/// 1 to 4 KiB of pseudo-random bytes.
fn contents(w: usize, i: usize) -> Vec<u8> {
    let mut bytes = format!("writer {w} deposit {i}\n").into_bytes();
    let seed = (w * 1000 + i) as u64;
    bytes.extend(pseudo_random(1024 + (seed as usize * 37) % 3072, seed));
    bytes
}

#[test]
fn four_processes_depositing_at_once_lose_nothing_and_number_contiguously() {
    let fx = Fixture::new();
    let started = Instant::now();
    let gate = StartGate::new(WRITERS.len());
    // (number, writer, index, when its command ran) of every deposit, as each command
    // reported it; and whether each writer found all the others at the start gate.
    type Deposited = (u64, usize, usize, Span);
    let writers: Vec<(bool, Vec<Deposited>)> = std::thread::scope(|s| {
        let handles: Vec<_> = WRITERS
            .iter()
            .enumerate()
            .map(|(w, (who, category))| {
                let (fx, gate) = (&fx, &gate);
                s.spawn(move || {
                    // The input files are written before the gate, so that only the
                    // commands are timed.
                    let files: Vec<String> = (0..PER_WRITER)
                        .map(|i| fx.write(&format!("in/{who}/w{w}-{i}.bin"), &contents(w, i)))
                        .collect();
                    let together = gate.wait();
                    let deposits = files
                        .iter()
                        .enumerate()
                        .map(|(i, file)| {
                            let title = format!("w{w} #{i}");
                            let start = Instant::now();
                            let num =
                                fx.deposit(who, file, &["--category", category, "--title", &title]);
                            let end = Instant::now();
                            (
                                num,
                                w,
                                i,
                                Span {
                                    writer: w,
                                    start,
                                    end,
                                },
                            )
                        })
                        .collect::<Vec<_>>();
                    (together, deposits)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let deposit_time = started.elapsed();
    let deposited: Vec<Vec<(u64, usize, usize)>> = writers
        .iter()
        .map(|(_, d)| d.iter().map(|&(num, w, i, _)| (num, w, i)).collect())
        .collect();

    // The writers ran at the same time: deposits of different writers overlapped.
    let spans: Vec<Span> = writers
        .iter()
        .flat_map(|(_, d)| d.iter().map(|d| d.3))
        .collect();
    let (overlapping, peak) = overlaps(&spans);
    let together = writers.iter().filter(|(t, _)| *t).count();
    assert!(
        overlapping > 0,
        "the writers did not run at the same time: {overlapping} pairs of deposits by \
         different writers overlapped in time (at most {peak} command(s) running at once; \
         {together} of {} writers met at the start gate)",
        WRITERS.len()
    );
    // Each writer's sequence overlapped some other writer's, not just one pair.
    for w in 0..WRITERS.len() {
        let with_others = spans
            .iter()
            .filter(|a| a.writer == w)
            .filter(|a| spans.iter().any(|b| b.writer != w && a.overlaps(b)))
            .count();
        assert!(
            with_others > 0,
            "none of writer {w}'s {PER_WRITER} deposits overlapped another writer's \
             ({overlapping} overlapping pairs in all)"
        );
    }

    // Numbers: 1..=200, each once, increasing within each writer's own sequence.
    for (w, seq) in deposited.iter().enumerate() {
        assert!(
            seq.windows(2).all(|p| p[0].0 < p[1].0),
            "writer {w}'s numbers are not increasing: {:?}",
            seq.iter().map(|d| d.0).collect::<Vec<_>>()
        );
    }
    let total = WRITERS.len() * PER_WRITER;
    let by_num: BTreeMap<u64, (usize, usize)> = deposited
        .iter()
        .flatten()
        .map(|(num, w, i)| (*num, (*w, *i)))
        .collect();
    assert_eq!(by_num.len(), total, "some numbers were given twice");
    assert_eq!(
        by_num.keys().copied().collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>(),
        "the numbers are not 1..={total}"
    );

    // The mediator sees every one of them, under its own title.
    let listing = fx.listing("mediator");
    let readable = listing["readable"].as_array().unwrap();
    assert_eq!(readable.len(), total);
    assert_eq!(listing["unreadable"], 0);
    for d in readable {
        let (w, i) = by_num[&d["num"].as_u64().unwrap()];
        assert_eq!(d["title"], format!("w{w} #{i}"), "{d}");
    }
    assert_eq!(
        fx.blob_names().len(),
        total,
        "one blob per deposit, no temp files"
    );

    // Every document reads back byte for byte (4 readers at once, as the mediator).
    let nums: Vec<u64> = by_num.keys().copied().collect();
    std::thread::scope(|s| {
        for part in nums.chunks(total.div_ceil(4)) {
            let (fx, by_num) = (&fx, &by_num);
            s.spawn(move || {
                for num in part {
                    let (w, i) = by_num[num];
                    assert_same_bytes(
                        &format!("#{num} (writer {w}, deposit {i})"),
                        &fx.read_stdout("mediator", *num),
                        &contents(w, i),
                    );
                }
            });
        }
    });

    let verify = fx.ok(&["log", CASE, "--verify"]);
    assert!(verify.starts_with("OK"), "{verify}");
    let doctor = fx.ok(&["doctor"]);
    assert!(doctor.contains("The vault is consistent"), "{doctor}");
    eprintln!(
        "{} writers × {PER_WRITER} deposits in {:.1} s ({overlapping} overlapping pairs, \
         up to {peak} at once), then {total} reads; total {:.1} s",
        WRITERS.len(),
        deposit_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
