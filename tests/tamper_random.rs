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
//!   damaged member or says the archive is damaged or truncated (a flip in the first
//!   member's name gets "not a sealroom archive, or its first header is damaged").
//!
//! # Replay
//!
//! Each test has a fixed seed. Its choices come from a xorshift64 generator started
//! from that seed, and its fixture is built from the seed too: the people's keys (age
//! X25519 and Ed25519) are derived from it ([`seeded_identity`]), so their cards,
//! fingerprints and member rows are the same each run; the documents are fixed bytes.
//!
//! The vault's bytes are not the same each run, and cannot be without changing
//! production code: the engine takes the vault's ID and log key, each document key and
//! the escrow shares from the system's random source and stamps statements with the
//! current time, and every age encryption draws its own randomness inside the `age`
//! crate, which takes no random source from its caller: file key, ephemeral key, nonce,
//! and a "grease" stanza of random length in each header. So ciphertexts, signatures,
//! hashes and timestamps differ from run to run, and so does the length of everything
//! age-encrypted (blobs, wraps, metadata, escrow shares, archive members), by up to a
//! few hundred bytes, and with it where later things sit in a database or an archive.
//!
//! So a flip's place is not drawn as an offset into the file but as a [`Part`] of it
//! and an offset into that part, where the parts are the same in number, order and
//! meaning every run: the pieces of an age file ([`age_parts`]: version line and first
//! stanza, grease stanza, MAC line, payload), the headers, contents and padding of a
//! tar file's members, the values of the database's rows. Parts are drawn with weights
//! that do not depend on the run and every choice takes the same number of draws, so
//! the choices never drift apart. What replays, with the same trial number and XOR
//! mask:
//!
//! - blob trials: every flip's part and offset, except the offset of a flip in the
//!   grease stanza (its length varies);
//! - archive trials: likewise, by member; also not the offset in the padding after an
//!   age-encrypted member;
//! - database trials aimed at a value: the value (table, column, row) and the byte of
//!   it (but within a grease stanza), found in this run's file wherever SQLite stored
//!   it; the other database trials: the page (among those in use) and the draw within
//!   its used bytes, or the offset in the file, but what lies there can differ, since
//!   values of other lengths move cells within and between pages.
//!
//! What never replays is the byte under a flip, and so the byte it becomes: a flip in
//! base64 text can make an invalid character in one run and a valid one in the next,
//! which can change the wording (never the kind) of an error, or whether SQLite or
//! sealroom catches a database flip. Each trial's assertions hold whatever the bytes.
//! `seeded_fixtures_have_the_same_structure_every_run` builds each fixture twice and
//! checks that the parts are the same. Each test prints its seed and a digest of what
//! replays of its flips (run with `--nocapture`): the same on every run for the blob
//! and archive tests and the database test's aimed flips; for its other flips, only
//! when its file came out with the same pages in use.

#![cfg(unix)]

mod common;
mod fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use common::{expect_failure, Fixture};
use sealroom_engine::policy::{Category, Policy};
use sealroom_engine::vault::CaseSpec;
use sealroom_engine::{ErrorKind, Identity, Vault};

/// The seed of each test: its choices and its people's keys come from it.
const BLOB_SEED: u64 = 0x5EA1_B10B;
const BLOB_CLI_SEED: u64 = 0xC11_B10B;
const DB_SEED: u64 = 0xDB_F11F;
const ARCHIVE_SEED: u64 = 0xA4C_41FE;
const ARCHIVE_CLI_SEED: u64 = 0xC11_A4C;

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

    /// A part drawn by [`Part::weight`], then a byte of it (always two draws).
    fn spot(&mut self, parts: &[Part]) -> usize {
        let total: usize = parts.iter().map(Part::weight).sum();
        let mut k = self.below(total);
        let raw = self.next();
        for part in parts {
            if k < part.weight() {
                return part.at(raw);
            }
            k -= part.weight();
        }
        unreachable!("k < total")
    }

    /// A part drawn uniformly, then a byte of it (always two draws).
    fn spot_in_one_of(&mut self, parts: &[Part]) -> usize {
        let part = &parts[self.below(parts.len())];
        part.at(self.next())
    }

    /// A byte to XOR with that changes something.
    fn mask(&mut self) -> u8 {
        1 + self.below(255) as u8
    }
}

/// One flipped byte: its position and the mask it was XORed with (shown as
/// `position^mask`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Flip(usize, u8);

impl std::fmt::Debug for Flip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}^{:#04x}", self.0, self.1)
    }
}

/// Flip `1..=max` bytes of `bytes` at positions drawn by `pick`; returns the flips.
fn flip(
    bytes: &mut [u8],
    rng: &mut Rng,
    max: usize,
    mut pick: impl FnMut(&mut Rng) -> usize,
) -> Vec<Flip> {
    let n = 1 + rng.below(max);
    let mut at = Vec::new();
    for _ in 0..n {
        let pos = pick(rng).min(bytes.len() - 1);
        let mask = rng.mask();
        bytes[pos] ^= mask;
        at.push(Flip(pos, mask));
    }
    at
}

/// The choices of one test, digested: two runs with the same seed and the same
/// fixture structure print the same digest.
struct Plan(ring::digest::Context);

impl Plan {
    fn new(seed: u64) -> Self {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&seed.to_le_bytes());
        Plan(ctx)
    }

    /// Note what replays of trial `trial`'s flips (see [`describe`]).
    fn record(&mut self, trial: usize, what: &str) {
        self.0.update(format!("{trial}: {what}\n").as_bytes());
    }

    fn digest(self) -> String {
        digest_hex(self.0.finish().as_ref())
    }
}

/// The first 8 bytes of a digest, in hex.
fn digest_hex(d: &[u8]) -> String {
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------
// Where flips go: parts that every run has
// ---------------------------------------------------------------------------------

/// A stretch of a file that every run's file has, in the same place among the others
/// (a tar member's header, the MAC line of an age file, …). A flip's place is drawn
/// as a part and an offset into it, so it replays wherever the part sits in this run's
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Part {
    /// What the part is.
    what: String,
    /// Where it is in this run's bytes.
    range: Range<usize>,
    /// Whether its length is the same every run. Only age's grease stanza varies, and
    /// what depends on its length (the padding after a tar member that is an age file).
    stable: bool,
}

/// The weight of a part whose length varies when parts are drawn by size (about the
/// mean length of age's grease stanza), so that the draw never depends on this run's
/// bytes.
const VARIABLE_PART_WEIGHT: usize = 100;

impl Part {
    fn new(what: impl Into<String>, range: Range<usize>, stable: bool) -> Part {
        Part {
            what: what.into(),
            range,
            stable,
        }
    }

    /// Its weight when parts are drawn by size: its length if that is the same every
    /// run, [`VARIABLE_PART_WEIGHT`] otherwise.
    fn weight(&self) -> usize {
        if self.stable {
            self.range.len()
        } else {
            VARIABLE_PART_WEIGHT
        }
    }

    /// The byte that the draw `raw` picks: the same byte of a stable part every run;
    /// in a part whose length varies, `raw` reduced by this run's length. An empty
    /// part (a padding that this run does not need) gives the byte right after it.
    fn at(&self, raw: u64) -> usize {
        if self.range.is_empty() {
            self.range.start
        } else {
            self.range.start + (raw % self.range.len() as u64) as usize
        }
    }

    /// What replays of it: its name, and its length if that is the same every run.
    fn signature(&self) -> (String, Option<usize>) {
        (self.what.clone(), self.stable.then_some(self.range.len()))
    }
}

/// The parts of an age file (`bytes`, found at `base` of a larger file), or `None`
/// when it is not one:
/// - the version line and the first recipient stanza (sealroom encrypts each file to
///   one X25519 recipient, whose stanza has a fixed length);
/// - the other stanzas: the "grease" stanza that age adds with a random tag, random
///   arguments and a random body, the only part of an age file whose length varies;
/// - the MAC line;
/// - the payload (nonce and chunks), whose length depends only on the plaintext.
fn age_parts(what: &str, bytes: &[u8], base: usize) -> Option<Vec<Part>> {
    const VERSION: &[u8] = b"age-encryption.org/v1\n";
    if !bytes.starts_with(VERSION) {
        return None;
    }
    let mut line = VERSION.len();
    let mut stanzas = Vec::new();
    let mac = loop {
        let rest = bytes.get(line..)?;
        if rest.starts_with(b"--- ") {
            break line;
        }
        if rest.starts_with(b"-> ") {
            stanzas.push(line);
        }
        line += rest.iter().position(|b| *b == b'\n')? + 1;
    };
    let payload = mac + bytes[mac..].iter().position(|b| *b == b'\n')? + 1;
    let first_end = stanzas.get(1).copied().unwrap_or(mac);
    let at = |r: Range<usize>| base + r.start..base + r.end;
    Some(vec![
        Part::new(
            format!("{what}: age version line and first stanza"),
            at(0..first_end),
            true,
        ),
        Part::new(
            format!("{what}: age grease stanza"),
            at(first_end..mac),
            false,
        ),
        Part::new(format!("{what}: age MAC line"), at(mac..payload), true),
        Part::new(
            format!("{what}: age payload"),
            at(payload..bytes.len()),
            true,
        ),
    ])
}

/// What replays of a flip at `pos` (a byte of one of `parts`): the part, the offset in
/// it if the part's length is the same every run, and the mask.
fn describe(parts: &[Part], flip: Flip) -> String {
    let Flip(pos, mask) = flip;
    match parts.iter().find(|p| p.range.contains(&pos)) {
        Some(p) if p.stable => format!("{}+{}^{mask:#04x}", p.what, pos - p.range.start),
        Some(p) => format!("{}^{mask:#04x}", p.what),
        None => format!("byte {pos}, in no part^{mask:#04x}"),
    }
}

/// [`describe`] for several flips.
fn describe_all(parts: &[Part], flips: &[Flip]) -> String {
    let all: Vec<String> = flips.iter().map(|f| describe(parts, *f)).collect();
    all.join(", ")
}

/// The signatures of `parts` (see [`Part::signature`]).
fn signatures(parts: &[Part]) -> Vec<(String, Option<usize>)> {
    parts.iter().map(Part::signature).collect()
}

// ---------------------------------------------------------------------------------
// Fixtures with keys from a seed
// ---------------------------------------------------------------------------------

/// Bech32 (BIP 173) of `data` under `hrp`, in upper case: how age writes its secret
/// keys.
fn bech32_upper(hrp: &str, data: &[u8]) -> String {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut five = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in data {
        acc = (acc << 8 | u32::from(*b)) & 0xfff;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            five.push(((acc >> bits) & 31) as u8);
        }
    }
    if bits > 0 {
        five.push(((acc << (5 - bits)) & 31) as u8);
    }
    let mut values: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
    values.push(0);
    values.extend(hrp.bytes().map(|c| c & 31));
    values.extend(&five);
    values.extend([0u8; 6]);
    let mut chk = 1u32;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    let checksum = chk ^ 1;
    let data_part: String = five
        .iter()
        .copied()
        .chain((0..6).map(|i| ((checksum >> (5 * (5 - i))) & 31) as u8))
        .map(|d| CHARSET[usize::from(d)] as char)
        .collect();
    format!("{hrp}1{data_part}").to_uppercase()
}

/// The identity of `name` under `seed`: its age X25519 key and its Ed25519 key come
/// from `seed` and `name` alone, so a fixture built from a seed has the same people
/// (same cards, same fingerprints) every run. Made through the identity file format,
/// as `keygen` writes it without a passphrase.
fn seeded_identity(name: &str, seed: u64) -> Identity {
    // FNV-1a of the name, so each person of one seed has other keys.
    let name_hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let key_bytes = common::pseudo_random(64, seed ^ name_hash);
    let age_secret = bech32_upper("age-secret-key-", &key_bytes[..32]);
    let ed_seed = &key_bytes[32..];
    let public = {
        use ring::signature::KeyPair as _;
        ring::signature::Ed25519KeyPair::from_seed_unchecked(ed_seed)
            .expect("an Ed25519 seed")
            .public_key()
            .as_ref()
            .to_vec()
    };
    // PKCS#8 v2, as ring's own key generation writes it: the seed, then the public key.
    let mut pkcs8 = vec![
        0x30, 0x53, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    pkcs8.extend_from_slice(ed_seed);
    pkcs8.extend_from_slice(&[0xa1, 0x23, 0x03, 0x21, 0x00]);
    pkcs8.extend_from_slice(&public);
    ring::signature::Ed25519KeyPair::from_pkcs8(&pkcs8).expect("a well-formed PKCS#8 v2 key");
    let text = format!(
        "# sealroom identity v1 (secret: never share this file)\nname: {name}\nage: {age_secret}\n\
         ed25519: {}\n",
        B64.encode(&pkcs8)
    );
    Identity::from_file_bytes(text.as_bytes(), || unreachable!("no passphrase"))
        .unwrap_or_else(|e| panic!("the seeded identity of {name} does not load: {e:?}"))
}

/// The library fixture of `fixture::World::new`, with the people's keys from `seed`.
fn seeded_world(custodians: usize, threshold: u32, seed: u64) -> fixture::World {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::init(&dir.path().join("vault")).unwrap();
    let id = |n: &str| seeded_identity(n, seed);
    let registrar = id("Registrar");
    let mediator = id("Mediator");
    let claimant = id("Claimant counsel");
    let co_counsel = id("Claimant co-counsel");
    let respondent = id("Respondent counsel");
    let archivist = id("Archivist");
    let custodians: Vec<Identity> = (0..custodians)
        .map(|i| id(&format!("Custodian {i}")))
        .collect();
    vault
        .open_case(
            &registrar,
            CaseSpec::new(fixture::CASE, archivist.card())
                .policy(Policy::Consent)
                .threshold(threshold)
                .mediator(mediator.card())
                .party("claimant", claimant.card())
                .party("claimant", co_counsel.card())
                .party("respondent", respondent.card())
                .custodians(custodians.iter().map(|c| c.card())),
        )
        .unwrap();
    fixture::World {
        dir,
        vault,
        registrar,
        mediator,
        claimant,
        co_counsel,
        respondent,
        archivist,
        custodians,
        outsider: id("Outsider"),
    }
}

/// The command-line fixture of `Fixture::new` (vault, people, case `C-1`), with the
/// people's identity files made from `seed` instead of by `keygen`.
fn seeded_fixture(seed: u64) -> Fixture {
    let sandbox = common::Sandbox::new();
    let vault = sandbox.join("vault");
    std::fs::create_dir(sandbox.join("people")).unwrap();
    sandbox.ok(&["init", "--vault", &common::path_arg(&vault)]);
    let mut cards = BTreeMap::new();
    for (stem, name) in common::PEOPLE {
        let identity = seeded_identity(name, seed);
        let path = sandbox.join(format!("people/{stem}.id"));
        identity.save(&path, None).unwrap();
        let card = identity.card().to_text();
        std::fs::write(path.with_extension("card"), &card).unwrap();
        cards.insert(stem, card);
    }
    let fx = Fixture {
        sandbox,
        vault,
        cards,
    };
    fx.ok_as("registrar", &fx.case_open_args());
    fx
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

/// The documents of the library blob trials, deposited by the claimant in `w`:
/// incompressible (stored as is, 5 chunks), compressible (zstd), and tiny (1 chunk).
/// For each: its number, its blob's path, the blob's bytes and the plaintext.
fn deposit_blob_documents(w: &mut fixture::World) -> Vec<(u64, PathBuf, Vec<u8>, Vec<u8>)> {
    let vdir = w.vault_dir();
    [
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
                fixture::CASE,
                fixture::spec(Category::Brief, &format!("doc{i}")),
                &plain[..],
            )
            .unwrap();
        let path = vdir.join("blobs").join(&d.blob_sha256);
        let ciphertext = std::fs::read(&path).unwrap();
        (d.num, path, ciphertext, plain)
    })
    .collect()
}

#[test]
fn flipped_blob_bytes_fail_every_read_release_only_a_prefix_and_doctor_names_the_document() {
    let mut w = seeded_world(0, 1, BLOB_SEED);
    let vdir = w.vault_dir();
    let blobs = deposit_blob_documents(&mut w);
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
    let case = fixture::CASE;

    let mut rng = Rng::new(BLOB_SEED);
    let mut plan = Plan::new(BLOB_SEED);
    let readers = [&claimant, &co_counsel, &mediator];
    let mut partial_releases = 0;
    let mut released_bytes = BTreeMap::new();
    for trial in 0..BLOB_TRIALS {
        let (num, path, original, plain) = &blobs[trial % blobs.len()];
        let mut bad = original.clone();
        let parts = age_parts("blob", original, 0).expect("a blob is an age file");
        let (header, payload) = (&parts[..3], parts[3].range.clone());
        // A quarter of the flips in the header, a quarter in the last chunk's tail, the
        // rest anywhere (by size: nearly all in the payload).
        let at = flip(&mut bad, &mut rng, 3, |r| match r.below(4) {
            0 => r.spot(header),
            1 => payload.end - 1 - r.below(64.min(payload.len())),
            _ => r.spot(&parts),
        });
        let at = (at.clone(), describe_all(&parts, &at));
        plan.record(trial, &at.1);
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
         (plaintext released, in 64 KiB units rounded up → trials: {released_bytes:?}); doctor named the document every time; \
         seed {BLOB_SEED:#x}, plan {}",
        plan.digest()
    );
}

/// The vault of the command-line blob trials (keys from `seed`), with one
/// incompressible document deposited by the claimant: the fixture, the document's
/// number, its blob's path and its plaintext.
fn cli_blob_fixture(seed: u64) -> (Fixture, u64, PathBuf, Vec<u8>) {
    let fx = seeded_fixture(seed);
    let original = common::pseudo_random(200_000, 7);
    let input = fx.write("in/evidence.bin", &original);
    let dep = fx.deposit_json("claimant", &input, &["--category", "evidence"]);
    let num = dep["num"].as_u64().unwrap();
    let blob = fx.blob(dep["blob_sha256"].as_str().unwrap());
    (fx, num, blob, original)
}

#[test]
fn flipped_blob_bytes_make_read_o_exit_3_with_no_file_and_doctor_exit_3_naming_it() {
    let (fx, num, blob, original) = cli_blob_fixture(BLOB_CLI_SEED);
    let pristine = std::fs::read(&blob).unwrap();
    let parts = age_parts("blob", &pristine, 0).expect("a blob is an age file");
    let out_dir = fx.sandbox.join("out");
    std::fs::create_dir(&out_dir).unwrap();

    let mut rng = Rng::new(BLOB_CLI_SEED);
    let mut plan = Plan::new(BLOB_CLI_SEED);
    for trial in 0..BLOB_CLI_TRIALS {
        let mut bad = pristine.clone();
        // A third of the flips in the header, the rest anywhere.
        let at = flip(&mut bad, &mut rng, 2, |r| {
            if r.below(3) == 0 {
                r.spot(&parts[..3])
            } else {
                r.spot(&parts)
            }
        });
        let at = (at.clone(), describe_all(&parts, &at));
        plan.record(trial, &at.1);
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
         time; doctor exit 3 naming #{num}; seed {BLOB_CLI_SEED:#x}, plan {}",
        plan.digest()
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

/// The stored values worth aiming at, in a fixed order: `(table.column, rowid, value)`
/// for each value of at least 8 bytes (shorter ones, such as a category, occur in too
/// many places to be found where they are stored).
fn value_cells(db: &Path) -> Vec<(String, i64, Vec<u8>)> {
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
            .prepare(&format!(
                "SELECT rowid, CAST({column} AS BLOB) FROM {table} ORDER BY rowid"
            ))
            .unwrap();
        let rows: Vec<(i64, Option<Vec<u8>>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (rowid, value) in rows {
            if let Some(value) = value.filter(|v| v.len() >= 8) {
                out.push((format!("{table}.{column}"), rowid, value));
            }
        }
    }
    out
}

/// A byte of a stored value to aim at: in an age-encrypted value, by its parts (see
/// [`age_parts`]); in any other (whose length is the same every run), any byte.
fn byte_of_value(rng: &mut Rng, value: &[u8]) -> usize {
    match age_parts("value", value, 0) {
        Some(parts) => rng.spot(&parts),
        None => rng.below(value.len()),
    }
}

/// Where byte `k` of `value` is stored in `file`: found by a window of the value around
/// it (24, 16 or 8 bytes, not across a page boundary) that occurs exactly once in the
/// file; failing that, the first place where such a window occurs (a value that is
/// repeated elsewhere may then be hit in another row).
fn locate(file: &[u8], value: &[u8], k: usize) -> Option<usize> {
    let mut first = None;
    for width in [24, 16, 8] {
        for start in (k.saturating_sub(width - 1)..=k).rev() {
            let end = (start + width).min(value.len());
            if end - start < 8 || end <= k {
                continue;
            }
            let window = &value[start..end];
            let mut found = file
                .windows(window.len())
                .enumerate()
                .filter(|(_, w)| *w == window)
                .map(|(at, _)| at + k - start);
            if let Some(at) = found.next() {
                if found.next().is_none() {
                    return Some(at);
                }
                first.get_or_insert(at);
            }
        }
    }
    first
}

/// What the commands of one trial print when nothing is damaged.
struct Expected {
    doctor: String,
    verify: String,
    list: String,
    show: String,
    document: Vec<u8>,
}

/// The page size of a SQLite database file (from its header).
fn sqlite_page_size(file: &[u8]) -> usize {
    match u16::from_be_bytes([file[16], file[17]]) {
        1 => 65_536,
        n => usize::from(n),
    }
}

/// The bytes that SQLite uses of each page of a database file, by its page layout
/// alone, for the pages not on the free list: the file header; in a b-tree page, its
/// header, cell pointers and cell content area (not the unallocated gap between them);
/// an overflow page or a free-list trunk page whole.
fn sqlite_used_bytes(file: &[u8]) -> Vec<Vec<Range<usize>>> {
    let u16_at = |at: usize| usize::from(u16::from_be_bytes([file[at], file[at + 1]]));
    let u32_at = |at: usize| u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
    let page_size = sqlite_page_size(file);
    assert!(
        page_size >= 512 && file.len().is_multiple_of(page_size),
        "not a SQLite file"
    );
    // Free-list leaf pages (1-based numbers), from the trunk pages' lists.
    let mut free = BTreeSet::new();
    let mut trunk = u32_at(32);
    while trunk != 0 {
        let base = (trunk - 1) * page_size;
        for i in 0..u32_at(base + 4) {
            free.insert(u32_at(base + 8 + 4 * i));
        }
        trunk = u32_at(base);
    }
    let mut out = Vec::new();
    for page in 1..=file.len() / page_size {
        let base = (page - 1) * page_size;
        let end = base + page_size;
        if free.contains(&page) {
            continue;
        }
        let header = base + if page == 1 { 100 } else { 0 };
        let mut used = Vec::new();
        let header_len = match file[header] {
            0x02 | 0x05 => 12,
            0x0a | 0x0d => 8,
            // An overflow or free-list trunk page: all of it.
            _ => {
                used.push(base..end);
                out.push(used);
                continue;
            }
        };
        let cells = u16_at(header + 3);
        let content = match u16_at(header + 5) {
            0 => 65_536,
            n => n,
        };
        used.push(base..header + header_len + 2 * cells);
        if base + content < end {
            used.push(base + content..end);
        }
        out.push(used);
    }
    out
}

/// The byte of `ranges` (not all empty) that the draw `raw` picks.
fn nth_byte(ranges: &[Range<usize>], raw: u64) -> usize {
    let total: usize = ranges.iter().map(|r| r.len()).sum();
    let mut k = (raw % total as u64) as usize;
    for r in ranges {
        if k < r.len() {
            return r.start + k;
        }
        k -= r.len();
    }
    unreachable!("k < total")
}

/// The vault of the database trials (the command-line fixture with keys from `seed`,
/// four documents, a consent and a disclosure), closed with its WAL checkpointed:
/// the fixture, the number and contents of the first document, and the database path.
fn db_fixture(seed: u64) -> (Fixture, u64, Vec<u8>, PathBuf) {
    let fx = seeded_fixture(seed);
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
    (fx, n1, doc1, db)
}

#[test]
fn flipped_database_bytes_fail_cleanly_or_give_right_data_and_row_damage_is_reported() {
    let (fx, n1, doc1, db) = db_fixture(DB_SEED);
    let pristine = std::fs::read(&db).unwrap();
    let used = sqlite_used_bytes(&pristine);
    let page_size = sqlite_page_size(&pristine);
    let state_dir = fx.sandbox.state_dir();
    let pristine_state = snapshot_tree(&state_dir);
    let pristine_dump = dump(&db).expect("dump the pristine database");
    let cells = value_cells(&db);
    assert!(cells.len() > 50, "too few values to aim at");

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

    let mut rng = Rng::new(DB_SEED);
    // What replays of the aimed flips, and of the others (see the module docs).
    let (mut aimed_plan, mut other_plan) = (Plan::new(DB_SEED), Plan::new(DB_SEED));
    let mut violations = Vec::new();
    // (what was hit) → (trials, detected by doctor or log --verify)
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for trial in 0..DB_TRIALS {
        let mut bad = pristine.clone();
        let len = bad.len();
        // What replays of the trial's flips goes into `plan` (see the module docs).
        let (at, what) = match trial % 5 {
            // Aimed at a byte of a stored value, found where the file holds it.
            0..=1 => {
                let (column, rowid, value) = &cells[rng.below(cells.len())];
                let k = byte_of_value(&mut rng, value);
                let mask = rng.mask();
                let pos = locate(&pristine, value, k).unwrap_or_else(|| {
                    panic!("trial {trial}: byte {k} of {column} (row {rowid}) is not in the file")
                });
                bad[pos] ^= mask;
                let parts = age_parts("value", value, 0)
                    .unwrap_or_else(|| vec![Part::new("value", 0..value.len(), true)]);
                let what = describe(&parts, Flip(k, mask));
                (
                    vec![Flip(pos, mask)],
                    format!("{column} row {rowid}: {what}"),
                )
            }
            // A byte that SQLite uses (most of the rest is free space), of a page drawn
            // among those not on the free list.
            2..=3 => {
                let page = &used[rng.below(used.len())];
                let pos = nth_byte(page, rng.next());
                let mask = rng.mask();
                bad[pos] ^= mask;
                let number = page[0].start / page_size + 1;
                (vec![Flip(pos, mask)], format!("page {number}^{mask:#04x}"))
            }
            // Anywhere, one to three bytes.
            _ => {
                let at = flip(&mut bad, &mut rng, 3, |r| r.below(len));
                let what = format!("{at:?} of {len}");
                (at, what)
            }
        };
        if trial % 5 <= 1 {
            aimed_plan.record(trial, &what);
        } else {
            other_plan.record(trial, &what);
        }
        // With several flips, one of them may have hit only SQLite's page structure (an
        // index, say: no row changes, SQLite's integrity check fails) while another
        // changed a row: note it, to judge wrong output below.
        let structural = at.len() > 1
            && at.iter().any(|&Flip(pos, _)| {
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
    eprintln!(
        "  seed {DB_SEED:#x}, plan of the aimed flips {}, of the others {}",
        aimed_plan.digest(),
        other_plan.digest()
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

/// The parts of a tar file (see [`Part`]), by member, in archive order.
struct TarParts {
    /// Each member's 512-byte header.
    headers: Vec<Part>,
    /// Each member's contents: the parts of an age file (see [`age_parts`]), or one
    /// part.
    data: Vec<Vec<Part>>,
    /// The zero padding after each member's contents (empty when the contents end on a
    /// block boundary).
    paddings: Vec<Part>,
    /// The end-of-archive marker and what follows it.
    end: Vec<Part>,
}

impl TarParts {
    fn of(bytes: &[u8]) -> TarParts {
        let mut parts = TarParts {
            headers: Vec::new(),
            data: Vec::new(),
            paddings: Vec::new(),
            end: Vec::new(),
        };
        let regions = tar_regions(bytes);
        for (i, (range, region)) in regions.iter().enumerate() {
            match region {
                Region::Header(name) => {
                    parts
                        .headers
                        .push(Part::new(format!("header of {name}"), range.clone(), true));
                    // The contents and padding that follow, each possibly empty.
                    let data = match regions.get(i + 1) {
                        Some((r, Region::Data(_))) => r.clone(),
                        _ => range.end..range.end,
                    };
                    let padding = match regions
                        .iter()
                        .find(|(_, r)| *r == Region::Padding(name.clone()))
                    {
                        Some((r, _)) => r.clone(),
                        None => data.end..data.end,
                    };
                    let age = age_parts(name, &bytes[data.clone()], data.start);
                    parts.paddings.push(Part::new(
                        format!("padding after {name}"),
                        padding,
                        age.is_none(),
                    ));
                    parts.data.push(
                        age.unwrap_or_else(|| {
                            vec![Part::new(format!("data of {name}"), data, true)]
                        }),
                    );
                }
                Region::EndMarker | Region::AfterEnd => {
                    parts
                        .end
                        .push(Part::new(format!("{region:?}"), range.clone(), true));
                }
                Region::Data(_) | Region::Padding(_) => {}
            }
        }
        parts
    }

    /// Every part, in file order.
    fn all(&self) -> Vec<Part> {
        let mut out = Vec::new();
        for ((header, data), padding) in self.headers.iter().zip(&self.data).zip(&self.paddings) {
            out.push(header.clone());
            out.extend(data.iter().cloned());
            out.push(padding.clone());
        }
        out.extend(self.end.iter().cloned());
        out
    }
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

/// A closed and sealed copy of the library fixture's case (keys from `seed`), with
/// documents of each kind; returns the archive's bytes.
fn sealed_archive(dir: &Path, seed: u64) -> Vec<u8> {
    let mut w = seeded_world(3, 2, seed);
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
    let archive = sealed_archive(tmp.path(), ARCHIVE_SEED);
    sealroom_engine::archive::verify::verify_archive(&archive[..], None)
        .expect("the untouched archive verifies");
    let regions = tar_regions(&archive);
    let len = archive.len();
    let parts = TarParts::of(&archive);
    let all = parts.all();
    // Aim a share of the flips at each kind of region, so that small ones are covered:
    // the headers; the small members (all but the large document's body); the padding
    // that a member needs (the padding of a stable member that needs none is left out)
    // and the end of the archive.
    let smalls: Vec<&Vec<Part>> = parts
        .data
        .iter()
        .filter(|data| data.iter().map(|p| p.range.len()).sum::<usize>() < 20_000)
        .collect();
    let between: Vec<Part> = parts
        .paddings
        .iter()
        .filter(|p| !p.stable || !p.range.is_empty())
        .chain(&parts.end)
        .cloned()
        .collect();

    let mut rng = Rng::new(ARCHIVE_SEED);
    let mut plan = Plan::new(ARCHIVE_SEED);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut messages: BTreeMap<String, usize> = BTreeMap::new();
    let mut violations = Vec::new();
    for trial in 0..ARCHIVE_TRIALS {
        let mut bad = archive.clone();
        let pos = match trial % 8 {
            0 | 1 => rng.spot_in_one_of(&parts.headers),
            2 | 3 => {
                let member = smalls[rng.below(smalls.len())];
                rng.spot(member)
            }
            4 => rng.spot_in_one_of(&between),
            _ => rng.spot(&all),
        };
        let mask = rng.mask();
        bad[pos] ^= mask;
        plan.record(trial, &describe(&all, Flip(pos, mask)));
        let region = region_of(&regions, pos);
        *tally.entry(region_kind(&region)).or_default() += 1;
        match sealroom_engine::archive::verify::verify_archive(&bad[..], None) {
            Ok(_) => violations.push(format!(
                "trial {trial}: verify passed with byte {pos} XORed with {mask:#04x} ({region:?})"
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
    eprintln!("seed {ARCHIVE_SEED:#x}, plan {}", plan.digest());
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
    let archive = sealed_archive(tmp.path(), ARCHIVE_CLI_SEED);
    let regions = tar_regions(&archive);
    let parts = TarParts::of(&archive);
    // Inside a member or its header (not the first member's: the library test above
    // covers it and its message): the bytes every reader of the archive uses.
    let inside: Vec<Part> = parts.headers[1..]
        .iter()
        .chain(parts.data.iter().flatten())
        .cloned()
        .collect();
    let sb = common::Sandbox::new();
    let mut rng = Rng::new(ARCHIVE_CLI_SEED);
    let mut plan = Plan::new(ARCHIVE_CLI_SEED);
    for trial in 0..ARCHIVE_CLI_TRIALS {
        let mut bad = archive.clone();
        let pos = rng.spot(&inside);
        let mask = rng.mask();
        bad[pos] ^= mask;
        let what = describe(&inside, Flip(pos, mask));
        plan.record(trial, &what);
        let path = sb.join(format!("trial-{trial}.sealed"));
        std::fs::write(&path, &bad).unwrap();
        let err = sb.fails(&["archive", "verify", &common::path_arg(&path)], 3);
        assert!(
            names_the_damage(&err),
            "trial {trial} (byte {pos} XORed with {mask:#04x}: {what}, {:?}): {err}",
            region_of(&regions, pos)
        );
    }
    eprintln!(
        "archive tampering (CLI): {ARCHIVE_CLI_TRIALS} trials, exit 3 naming the damage; \
         seed {ARCHIVE_CLI_SEED:#x}, plan {}",
        plan.digest()
    );
}

// ---------------------------------------------------------------------------------
// (d) what replays
// ---------------------------------------------------------------------------------

/// How many bytes of two equally long byte strings differ.
fn differing_bytes(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

/// The claim of the module docs: with the same seed, every fixture has the same people
/// and the same parts each time it is built (age files with the same pieces, archives
/// with the same members, databases with the same values in the same rows), so the
/// trials' choices replay. The bytes themselves differ.
#[test]
fn seeded_fixtures_have_the_same_structure_every_run() {
    // The people: the same keys for the same seed and name, other keys otherwise; the
    // age key is in age's own encoding (age prints it back the same).
    let card = |name: &str, seed: u64| seeded_identity(name, seed).card().to_text();
    assert_eq!(card("Ana Ruiz", 1), card("Ana Ruiz", 1));
    assert_ne!(card("Ana Ruiz", 1), card("Ana Ruiz", 2));
    assert_ne!(card("Ana Ruiz", 1), card("Ben Adeyemi", 1));
    for seed in 0..32u64 {
        let bytes = common::pseudo_random(32, seed);
        let text = bech32_upper("age-secret-key-", &bytes);
        let key: age::x25519::Identity = text.parse().expect("a valid age secret key");
        use age::secrecy::ExposeSecret as _;
        assert_eq!(key.to_string().expose_secret(), text);
    }

    let blob_signature = |blob: &[u8]| signatures(&age_parts("blob", blob, 0).expect("age"));
    // The library blobs.
    let library_blobs = || {
        let mut w = seeded_world(0, 1, BLOB_SEED);
        deposit_blob_documents(&mut w)
            .into_iter()
            .map(|(_, _, ciphertext, _)| ciphertext)
            .collect::<Vec<_>>()
    };
    let (first, second) = (library_blobs(), library_blobs());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(blob_signature(a), blob_signature(b), "library blob parts");
    }
    // The command-line blob.
    let cli_blob = || std::fs::read(cli_blob_fixture(BLOB_CLI_SEED).2).unwrap();
    let (a, b) = (cli_blob(), cli_blob());
    assert_eq!(
        blob_signature(&a),
        blob_signature(&b),
        "command-line blob parts"
    );

    // The database: the same values in the same rows, each with the same parts.
    let database = || {
        let (_fx, _, _, db) = db_fixture(DB_SEED);
        let values: Vec<_> = value_cells(&db)
            .into_iter()
            .map(|(column, rowid, value)| {
                let parts = age_parts("value", &value, 0)
                    .unwrap_or_else(|| vec![Part::new("value", 0..value.len(), true)]);
                (column, rowid, signatures(&parts))
            })
            .collect();
        (values, std::fs::read(&db).unwrap())
    };
    let ((values_a, db_a), (values_b, db_b)) = (database(), database());
    assert_eq!(values_a, values_b, "database values");
    let pages = |db: &[u8]| {
        sqlite_used_bytes(db)
            .iter()
            .map(|page| page[0].start)
            .collect::<Vec<_>>()
    };

    // The archives.
    let archive = || {
        let tmp = tempfile::tempdir().unwrap();
        sealed_archive(tmp.path(), ARCHIVE_SEED)
    };
    let (arch_a, arch_b) = (archive(), archive());
    assert_eq!(
        signatures(&TarParts::of(&arch_a).all()),
        signatures(&TarParts::of(&arch_b).all()),
        "archive parts"
    );

    let age_lengths = |v: &[Vec<u8>]| v.iter().map(Vec::len).collect::<Vec<_>>();
    eprintln!(
        "the same parts on building each fixture twice; what differs: library blob \
         lengths {:?} and {:?}, database {} of {} bytes (pages in use {}), archive {} of \
         {} bytes",
        age_lengths(&first),
        age_lengths(&second),
        differing_bytes(&db_a, &db_b),
        db_a.len(),
        if db_a.len() == db_b.len() && pages(&db_a) == pages(&db_b) {
            "the same"
        } else {
            "different"
        },
        differing_bytes(&arch_a, &arch_b),
        arch_a.len()
    );
}
