//! Several processes depositing into one vault at once: 4 people each run 50
//! `sealroom deposit` commands one after another, the 4 sequences concurrently. Every
//! deposit must be there afterwards with its own number (1..=200, no gaps, no repeats,
//! increasing within each person's sequence), read back byte for byte, and the log and
//! the vault must verify.

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::*;

const WRITERS: [(&str, &str); 4] = [
    ("claimant", "brief"),
    ("cocounsel", "evidence"),
    ("respondent", "brief"),
    ("mediator", "procedural"),
];
const PER_WRITER: usize = 50;

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
    // (number, writer, index) of every deposit, as each command reported it.
    let deposited: Vec<Vec<(u64, usize, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = WRITERS
            .iter()
            .enumerate()
            .map(|(w, (who, category))| {
                let fx = &fx;
                s.spawn(move || {
                    (0..PER_WRITER)
                        .map(|i| {
                            let num = fx.deposit_bytes(
                                who,
                                &format!("w{w}-{i}.bin"),
                                &contents(w, i),
                                &["--category", category, "--title", &format!("w{w} #{i}")],
                            );
                            (num, w, i)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let deposit_time = started.elapsed();

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
        "{} writers × {PER_WRITER} deposits in {:.1} s, then {total} reads; total {:.1} s",
        WRITERS.len(),
        deposit_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
