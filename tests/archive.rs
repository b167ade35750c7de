//! Sealed archives end to end: shares and quorums, bad shares, what sealing shreds,
//! tampering, destruction, and the command-line round trip.
//!
//! The library-level tests use `fixture` (case `IOMed-2026-014`, every role); the CLI
//! tests use `common` (a sandbox per test, case `C-1`, escrow 2 of 3). Exit codes:
//! 1 refused, 2 usage, 3 integrity, 4 not found, 5 wrong key, 6 system.

mod common;
mod fixture;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use fixture::{spec, World, CASE};
use sealroom_engine::archive::destroy::{destroy_on, Certificate};
use sealroom_engine::archive::release::{open, release, Release};
use sealroom_engine::archive::verify::verify_archive;
use sealroom_engine::internal::case::charter::MemberRecord;
use sealroom_engine::internal::crypto::body::{open_small, seal_small};
use sealroom_engine::internal::crypto::escrow::{self, Share, ShareRecord};
use sealroom_engine::internal::format::Manifest;
use sealroom_engine::policy::{Category, Role};
use sealroom_engine::{Card, ErrorKind, Identity, Result, Vault};

const RETAIN: &str = "2036-12-31";
const ROOT: &str = "sealroom-archive/";
/// The signature domain of a share release (docs/formats.md): the custodian signs
/// this prefix followed by the release body's compact JSON. Tests that forge a
/// release with keys they hold (a corrupted share, a party member's release) use it.
const RELEASE_DOMAIN: &[u8] = b"sealroom share release v1\0";
/// The mediator note's plaintext and title marker, which must leave no trace.
const NOTE_MARKER: &[u8] = b"NOTE-MARKER-7f3a9c: the respondent would accept 2.1m";

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// One deposited document and what went in.
#[derive(Clone, Debug)]
struct Doc {
    num: u64,
    category: Category,
    title: String,
    bytes: Vec<u8>,
}

impl Doc {
    fn disposition(&self) -> &'static str {
        match self.category {
            Category::MediatorNote => "destroyed",
            Category::Settlement | Category::Procedural => "retained",
            _ => "escrowed",
        }
    }
}

/// A closed-then-sealed case: the world, the archive's path, the documents.
struct Sealed {
    w: World,
    archive: PathBuf,
    docs: Vec<Doc>,
}

impl Sealed {
    fn doc(&self, category: Category) -> &Doc {
        self.docs
            .iter()
            .find(|d| d.category == category)
            .unwrap_or_else(|| panic!("no {category} document"))
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.archive).unwrap()
    }

    /// Releases by custodians `which` to `requester`.
    fn releases(&self, which: &[usize], requester: &Card) -> Vec<Release> {
        which
            .iter()
            .map(|&i| release(self.reader(), &self.w.custodians[i], requester).unwrap())
            .collect()
    }

    fn reader(&self) -> std::io::BufReader<std::fs::File> {
        std::io::BufReader::new(std::fs::File::open(&self.archive).unwrap())
    }
}

/// Deposit one document of every category (the evidence is incompressible binary,
/// the brief compressible text), each with a distinct title marker.
fn deposit_all(w: &mut World) -> Vec<Doc> {
    let plan: Vec<(Category, &Identity, String, Vec<u8>)> = vec![
        (
            Category::Caucus,
            &w.claimant,
            "TITLE-caucus bottom line".into(),
            b"Caucus: we would settle at 4.2m, not below.\n".to_vec(),
        ),
        (
            Category::Brief,
            &w.respondent,
            "TITLE-brief statement of position".into(),
            "The respondent's position, paragraph after paragraph.\n"
                .repeat(300)
                .into_bytes(),
        ),
        (
            Category::Evidence,
            &w.claimant,
            "TITLE-evidence site photographs".into(),
            common::pseudo_random(70_000, 7),
        ),
        (
            Category::Settlement,
            &w.claimant,
            "TITLE-settlement agreement".into(),
            b"Settlement agreement: 3.9m payable in two instalments.\n".to_vec(),
        ),
        (
            Category::Procedural,
            &w.mediator,
            "TITLE-procedural order no 1".into(),
            b"Procedural order no. 1: sessions on 3 and 4 March.\n".to_vec(),
        ),
        (
            Category::MediatorNote,
            &w.mediator,
            format!("TITLE-note {}", String::from_utf8_lossy(NOTE_MARKER)),
            NOTE_MARKER.to_vec(),
        ),
    ];
    plan.into_iter()
        .map(|(category, who, title, bytes)| {
            let d = w
                .vault
                .deposit(who, CASE, spec(category, &title), &bytes[..])
                .unwrap();
            Doc {
                num: d.num,
                category,
                title,
                bytes,
            }
        })
        .collect()
}

/// A world with `n` custodians, threshold `m`, a document of every category, closed
/// and sealed into `archive.sealed` in its folder.
fn sealed_world(n: usize, m: u32) -> Sealed {
    let mut w = World::new(n, m);
    let docs = deposit_all(&mut w);
    w.vault.close_case(&w.mediator, CASE).unwrap();
    let archive = w.dir.path().join("archive.sealed");
    w.vault.seal(&w.archivist, CASE, RETAIN, &archive).unwrap();
    Sealed { w, archive, docs }
}

/// Every `k`-subset of `0..n`.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..(1 << n))
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

/// An archive's members, in order: path and bytes.
type Members = Vec<(String, Vec<u8>)>;

/// The members of a tar, in order: path and bytes.
fn members_of(bytes: &[u8]) -> Members {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_str().unwrap().to_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            (path, data)
        })
        .collect()
}

/// A new tar holding `members`, in order, written the way sealroom writes archives
/// (the same headers), so only the change under test differs.
fn build_tar(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer =
        sealroom_engine::internal::format::ArchiveWriter::new(Vec::new(), 1_700_000_000);
    for (path, data) in members {
        writer.add_bytes(path, data).unwrap();
    }
    writer.finish().unwrap()
}

fn verify_bytes(bytes: &[u8], cert: Option<&Certificate>) -> Result<String> {
    verify_archive(bytes, cert).map(|r| r.manifest_sha256)
}

/// `result` must be an error of `kind`; its message.
fn expect_err<T: std::fmt::Debug>(what: &str, result: Result<T>, kind: ErrorKind) -> String {
    match result {
        Ok(v) => panic!("{what}: expected a {kind:?} error, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{what}: wrong kind of error: {e:?}");
            assert!(!e.message().is_empty(), "{what}: empty error message");
            e.message().to_owned()
        }
    }
}

/// A folder `parent` that holds nothing at all (no output, no `.sealroom-open-*`).
fn assert_empty_folder(what: &str, parent: &Path) {
    let left = common::names_in(parent);
    assert!(
        left.is_empty(),
        "{what}: the refused open left {left:?} in {}",
        parent.display()
    );
}

/// Re-sign a release's body with `signer` (which the tests hold), as a custodian's
/// software would.
fn resign(mut r: Release, signer: &Identity) -> Release {
    let mut msg = RELEASE_DOMAIN.to_vec();
    msg.extend_from_slice(&serde_json::to_vec(&r.release).unwrap());
    r.signature = B64.encode(signer.sign(&msg));
    r
}

/// Every file under `root`, recursively, with its bytes.
fn all_files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p, bytes));
            }
        }
    }
    out
}

/// Check an opened folder: exactly the escrowed and retained documents, byte for
/// byte (matched by INDEX.json's `num` and `file`), plus INDEX.txt and INDEX.json.
fn assert_opened(what: &str, out: &Path, docs: &[Doc]) {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("INDEX.json")).unwrap()).unwrap();
    let index_txt = std::fs::read_to_string(out.join("INDEX.txt")).unwrap();
    let listed = index["documents"].as_array().expect("INDEX.json documents");
    let mut by_num: BTreeMap<u64, String> = BTreeMap::new();
    for d in listed {
        let num = d["num"].as_u64().expect("num");
        let file = d["file"].as_str().expect("file").to_owned();
        assert!(
            by_num.insert(num, file).is_none(),
            "{what}: #{num} listed twice"
        );
    }
    let expected: BTreeSet<u64> = docs
        .iter()
        .filter(|d| d.category != Category::MediatorNote)
        .map(|d| d.num)
        .collect();
    assert_eq!(
        by_num.keys().copied().collect::<BTreeSet<_>>(),
        expected,
        "{what}: INDEX.json should list every escrowed and retained document, no note"
    );
    let mut names: BTreeSet<String> = ["INDEX.txt", "INDEX.json"].map(String::from).into();
    for d in docs.iter().filter(|d| expected.contains(&d.num)) {
        let file = &by_num[&d.num];
        assert!(
            !file.contains('/') && !file.starts_with('.'),
            "{what}: unsafe name {file}"
        );
        let got = std::fs::read(out.join(file))
            .unwrap_or_else(|e| panic!("{what}: #{} ({file}) not written: {e}", d.num));
        common::assert_same_bytes(&format!("{what}: #{} {file}", d.num), &got, &d.bytes);
        assert!(
            index_txt.contains(file.as_str()),
            "{what}: INDEX.txt does not name {file}:\n{index_txt}"
        );
        names.insert(file.clone());
    }
    assert_eq!(
        common::names_in(out),
        names,
        "{what}: the opened folder holds something else"
    );
}

// ---------------------------------------------------------------------------------
// 1. Shares at the archive level
// ---------------------------------------------------------------------------------

#[test]
fn every_quorum_of_custodians_opens_the_archive_and_no_smaller_set_does() {
    for (n, m) in [(3usize, 2u32), (5, 3)] {
        let s = sealed_world(n, m);
        let requester = &s.w.outsider;
        let all = s.releases(&(0..n).collect::<Vec<_>>(), &requester.card());
        let parent = s.w.dir.path().join(format!("opened-{m}-of-{n}"));
        std::fs::create_dir(&parent).unwrap();
        for (k, set) in subsets(n, m as usize).into_iter().enumerate() {
            let what = format!("{m} of {n}, custodians {set:?}");
            let out = parent.join(format!("quorum-{k}"));
            let picked: Vec<Release> = set.iter().map(|&i| all[i].clone()).collect();
            let opened = open(&s.archive, &picked, requester, &out)
                .unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert_eq!(opened.case, CASE);
            assert_eq!(opened.custodians.len(), m as usize, "{what}");
            assert_opened(&what, &out, &s.docs);
        }
        let short = s.w.dir.path().join(format!("short-{m}-of-{n}"));
        std::fs::create_dir(&short).unwrap();
        for set in subsets(n, m as usize - 1) {
            let what = format!("{} of {n} (needs {m}), custodians {set:?}", m - 1);
            let out = short.join("docs");
            let picked: Vec<Release> = set.iter().map(|&i| all[i].clone()).collect();
            let msg = expect_err(
                &what,
                open(&s.archive, &picked, requester, &out),
                ErrorKind::Refused,
            );
            assert!(
                msg.contains(&format!("needs {m}")),
                "{what}: the error should say how many are needed: {msg}"
            );
            assert!(!out.exists(), "{what}: the output folder exists");
            assert_empty_folder(&what, &short);
        }
        // No shares at all.
        let msg = expect_err(
            "no shares",
            open(&s.archive, &[], requester, &short.join("docs")),
            ErrorKind::Refused,
        );
        assert!(msg.contains("needs"), "{msg}");
        assert_empty_folder("no shares", &short);
    }
}

// ---------------------------------------------------------------------------------
// 2. Bad shares
// ---------------------------------------------------------------------------------

#[test]
fn a_flipped_bit_anywhere_in_a_share_never_rebuilds_the_escrow_key() {
    let (recipient, shares) = escrow::make(2, 3).unwrap();
    let copy = |s: &Share| Share {
        index: s.index,
        bytes: s.bytes.clone(),
    };
    for pair in subsets(3, 2) {
        let good: Vec<Share> = pair.iter().map(|&i| copy(&shares[i])).collect();
        assert!(escrow::combine(&good, &recipient).is_ok(), "{pair:?}");
        for victim in 0..2 {
            for byte in 0..good[victim].bytes.len() {
                for bit in 0..8 {
                    let mut bad: Vec<Share> = good.iter().map(copy).collect();
                    bad[victim].bytes[byte] ^= 1 << bit;
                    let r = escrow::combine(&bad, &recipient);
                    assert!(
                        r.is_err(),
                        "shares {pair:?} with bit {bit} of byte {byte} of share {victim} flipped rebuilt a key"
                    );
                    assert_eq!(r.err().map(|e| e.kind()), Some(ErrorKind::Integrity));
                }
            }
        }
    }
}

#[test]
fn bad_releases_are_refused_and_nothing_is_written() {
    let s = sealed_world(3, 2);
    let w = &s.w;
    let requester = &w.outsider;
    let rc = requester.card();
    let good = s.releases(&[0, 1, 2], &rc);
    let parent = w.dir.path().join("opened");
    std::fs::create_dir(&parent).unwrap();
    let out = parent.join("docs");
    let try_open = |what: &str, releases: &[Release], kind: ErrorKind| -> String {
        let msg = expect_err(what, open(&s.archive, releases, requester, &out), kind);
        assert!(!out.exists(), "{what}: output written");
        assert_empty_folder(what, &parent);
        msg
    };

    // Sanity: the helper that re-signs with a key the test holds reproduces a valid
    // release, so the forgeries below fail for what they change, not for the helper.
    let resigned = resign(good[1].clone(), &w.custodians[1]);
    let ok_out = w.dir.path().join("sanity");
    open(&s.archive, &[good[0].clone(), resigned], requester, &ok_out).unwrap();
    assert_opened("re-signed release", &ok_out, &s.docs);

    // A bit flipped in the released (encrypted) share: the signature no longer holds.
    let mut flipped = good[1].clone();
    let mut raw = B64.decode(&flipped.release.share).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x08;
    flipped.release.share = B64.encode(&raw);
    let msg = try_open(
        "flipped bit in the share",
        &[good[0].clone(), flipped],
        ErrorKind::Integrity,
    );
    assert!(msg.contains("not signed"), "{msg}");
    // Same through a release file's text.
    let text = good[2].to_text();
    let parsed = Release::parse(&text).unwrap();
    assert_eq!(parsed, good[2]);

    // A corrupt share, properly signed by its custodian (a bit flipped inside the
    // decrypted share, re-encrypted and re-signed): the rebuilt key is checked.
    let mut corrupt = good[1].clone();
    let sealed = B64.decode(&corrupt.release.share).unwrap();
    let plain = open_small(&sealed, requester.decryption_key())
        .unwrap()
        .expect("the share opens for its requester");
    let mut record = ShareRecord::parse(std::str::from_utf8(&plain).unwrap()).unwrap();
    let last = record.share.bytes.len() - 1;
    record.share.bytes[last] ^= 0x01;
    corrupt.release.share =
        B64.encode(seal_small(record.to_text().as_bytes(), &rc.age_recipient()).unwrap());
    let corrupt = resign(corrupt, &w.custodians[1]);
    let msg = try_open(
        "corrupt share, signed",
        &[good[0].clone(), corrupt],
        ErrorKind::Integrity,
    );
    assert!(msg.contains("escrow key"), "{msg}");

    // A custodian's release whose share record claims this case with another escrow
    // key, or names another case with this one's key (each signed by the custodian):
    // either alone is refused before any share is combined.
    let other_escrow = age::x25519::Identity::generate().to_public().to_string();
    let forge_record = |edit: &dyn Fn(&mut ShareRecord)| {
        let mut forged = good[1].clone();
        let sealed = B64.decode(&forged.release.share).unwrap();
        let plain = open_small(&sealed, requester.decryption_key())
            .unwrap()
            .unwrap();
        let mut record = ShareRecord::parse(std::str::from_utf8(&plain).unwrap()).unwrap();
        edit(&mut record);
        forged.release.share =
            B64.encode(seal_small(record.to_text().as_bytes(), &rc.age_recipient()).unwrap());
        resign(forged, &w.custodians[1])
    };
    let forgeries = [
        (
            "a share record of another case",
            forge_record(&|r| r.case = "OTHER-2026-001".into()),
        ),
        (
            "a share record of another escrow key",
            forge_record(&|r| r.escrow = other_escrow.clone()),
        ),
    ];
    for (what, forged) in forgeries {
        let msg = try_open(what, &[good[0].clone(), forged], ErrorKind::Integrity);
        assert!(msg.contains("belongs to another case"), "{what}: {msg}");
    }

    // A release made out to someone else (the claimant), used by the requester.
    let to_claimant = release(s.reader(), &w.custodians[2], &w.claimant.card()).unwrap();
    let msg = try_open(
        "release made out to another person",
        &[good[0].clone(), to_claimant.clone()],
        ErrorKind::Refused,
    );
    assert!(msg.contains("not to you"), "{msg}");
    // …and with its requester field edited to the requester: the signature breaks.
    let mut redirected = to_claimant;
    redirected.release.requester = rc.fingerprint().to_hex();
    redirected.release.requester_name = rc.name().to_owned();
    let msg = try_open(
        "release redirected to the requester",
        &[good[0].clone(), redirected],
        ErrorKind::Integrity,
    );
    assert!(msg.contains("not signed"), "{msg}");

    // A party member holds no share and cannot release.
    for who in [&w.claimant, &w.mediator, &w.archivist, &w.outsider] {
        let msg = expect_err(
            &format!("release by {}", who.name()),
            release(s.reader(), who, &rc),
            ErrorKind::Refused,
        );
        assert!(msg.contains("holds no escrow share"), "{msg}");
    }
    // A forged release naming a party member as custodian: as is, and re-signed by
    // that party member.
    let mut forged = good[1].clone();
    forged.release.custodian = MemberRecord::new(&Role::Custodian, &w.claimant.card());
    let msg = try_open(
        "forged custodian field",
        &[good[0].clone(), forged.clone()],
        ErrorKind::Refused,
    );
    assert!(msg.contains("not a custodian"), "{msg}");
    let forged = resign(forged, &w.claimant);
    let msg = try_open(
        "forged custodian field, re-signed by the party member",
        &[good[0].clone(), forged],
        ErrorKind::Refused,
    );
    assert!(msg.contains("not a custodian"), "{msg}");

    // The same custodian twice counts once: two copies, and two separate releases.
    let again = release(s.reader(), &w.custodians[0], &rc).unwrap();
    for (what, pair) in [
        (
            "one release given twice",
            [good[0].clone(), good[0].clone()],
        ),
        ("two releases by one custodian", [good[0].clone(), again]),
    ] {
        let e = open(&s.archive, &pair, requester, &out)
            .err()
            .unwrap_or_else(|| panic!("{what}: opened with one custodian's share"));
        assert!(
            e.message().contains("once") || e.message().contains("needs 2"),
            "{what}: {e:?}"
        );
        assert!(!out.exists(), "{what}: output written");
        assert_empty_folder(what, &parent);
    }

    // A release for another archive of the same case: a second vault, same case
    // reference and same people, sealed separately.
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Vault::init(&other_dir.path().join("vault")).unwrap();
    other.open_case(&w.registrar, w.other_case(CASE)).unwrap();
    other
        .deposit(
            &w.claimant,
            CASE,
            spec(Category::Brief, "other brief"),
            &b"another archive"[..],
        )
        .unwrap();
    other.close_case(&w.mediator, CASE).unwrap();
    let other_archive = other_dir.path().join("other.sealed");
    other
        .seal(&w.archivist, CASE, RETAIN, &other_archive)
        .unwrap();
    let other_file = || std::fs::File::open(&other_archive).unwrap();
    let foreign = release(other_file(), &w.custodians[1], &rc).unwrap();
    let msg = try_open(
        "release for another archive of the same case",
        &[good[0].clone(), foreign.clone()],
        ErrorKind::Refused,
    );
    assert!(msg.contains("another archive"), "{msg}");
    let foreign0 = release(other_file(), &w.custodians[0], &rc).unwrap();
    try_open(
        "two releases for another archive",
        &[foreign0, foreign],
        ErrorKind::Refused,
    );

    // After all that, the good releases still open it.
    open(&s.archive, &good[1..], requester, &out).unwrap();
    assert_opened("good releases", &out, &s.docs);
}

// ---------------------------------------------------------------------------------
// 3. What sealing does
// ---------------------------------------------------------------------------------

#[test]
fn sealing_shreds_live_access_drops_mediator_notes_and_refuses_bad_requests() {
    let mut w = World::new(3, 2);
    let docs = deposit_all(&mut w);
    let dir = w.dir.path().to_owned();
    let archive = dir.join("archive.sealed");

    // An open case is not sealed.
    let msg = expect_err(
        "seal an open case",
        w.vault.seal(&w.archivist, CASE, RETAIN, &archive),
        ErrorKind::Refused,
    );
    assert!(msg.contains("open"), "{msg}");
    assert!(!archive.exists());
    w.vault.close_case(&w.mediator, CASE).unwrap();

    // Only the archivist seals.
    let others = [
        &w.mediator,
        &w.registrar,
        &w.claimant,
        &w.custodians[0],
        &w.outsider,
    ];
    for who in others {
        let r = w.vault.seal(who, CASE, RETAIN, &archive);
        let e = r.err().unwrap_or_else(|| panic!("{} sealed", who.name()));
        assert!(
            matches!(e.kind(), ErrorKind::Refused | ErrorKind::NotFound),
            "seal by {}: {e:?}",
            who.name()
        );
        assert!(!archive.exists(), "seal by {} wrote a file", who.name());
    }

    // Never onto an existing file.
    let existing = dir.join("precious.txt");
    std::fs::write(&existing, b"someone's file").unwrap();
    expect_err(
        "seal onto an existing file",
        w.vault.seal(&w.archivist, CASE, RETAIN, &existing),
        ErrorKind::Refused,
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"someone's file");

    // Retention dates in the past or malformed are usage errors.
    for date in [
        "2020-01-01",
        "2036-13-01",
        "2036-02-30",
        "31/12/2036",
        "2036-12-31x",
        "2036-1-31",
        "",
    ] {
        expect_err(
            &format!("retain until `{date}`"),
            w.vault.seal(&w.archivist, CASE, date, &archive),
            ErrorKind::Usage,
        );
        assert!(!archive.exists(), "retain until `{date}` wrote a file");
    }
    assert_eq!(w.vault.case_summary(CASE).unwrap().state, "closed");

    let sealed = w.vault.seal(&w.archivist, CASE, RETAIN, &archive).unwrap();
    let temps: Vec<String> = common::names_in(&dir)
        .into_iter()
        .filter(|n| n.starts_with(".sealroom-"))
        .collect();
    assert!(temps.is_empty(), "sealing left {temps:?} behind");
    let by_cat = |c: Category| docs.iter().find(|d| d.category == c).unwrap().clone();
    let note = by_cat(Category::MediatorNote);
    assert_eq!(sealed.destroyed, vec![note.num]);
    assert_eq!(w.vault.case_summary(CASE).unwrap().state, "sealed");

    // Once only.
    let again = dir.join("again.sealed");
    expect_err(
        "seal twice",
        w.vault.seal(&w.archivist, CASE, RETAIN, &again),
        ErrorKind::Refused,
    );
    assert!(!again.exists());
    w.vault
        .verify_log(CASE)
        .expect("the log verifies after sealing");

    // Escrowed documents: every former reader is refused.
    let escrowed_readers: [(Category, Vec<&Identity>); 3] = [
        (
            Category::Caucus,
            vec![&w.mediator, &w.claimant, &w.co_counsel],
        ),
        (Category::Brief, vec![&w.mediator, &w.respondent]),
        (Category::Evidence, vec![&w.mediator, &w.claimant]),
    ];
    for (cat, readers) in &escrowed_readers {
        let d = by_cat(*cat);
        for who in readers {
            let mut sink = Vec::new();
            expect_err(
                &format!("{} reads escrowed #{} ({cat})", who.name(), d.num),
                w.vault.read(who, CASE, d.num, &mut sink),
                ErrorKind::Refused,
            );
            assert!(sink.is_empty(), "a refused read wrote bytes");
        }
    }
    let mut sink = Vec::new();
    expect_err(
        "the mediator reads the destroyed note",
        w.vault.read(&w.mediator, CASE, note.num, &mut sink),
        ErrorKind::Refused,
    );
    assert!(sink.is_empty());

    // Retained documents: the parties and the archivist still read them, exactly;
    // the mediator no longer does.
    for cat in [Category::Settlement, Category::Procedural] {
        let d = by_cat(cat);
        for who in [&w.claimant, &w.co_counsel, &w.respondent, &w.archivist] {
            let mut got = Vec::new();
            w.vault
                .read(who, CASE, d.num, &mut got)
                .unwrap_or_else(|e| panic!("{} reads retained {cat}: {e:?}", who.name()));
            common::assert_same_bytes(&format!("{} reads {cat}", who.name()), &got, &d.bytes);
        }
        let mut sink = Vec::new();
        expect_err(
            &format!("the mediator reads retained {cat}"),
            w.vault.read(&w.mediator, CASE, d.num, &mut sink),
            ErrorKind::Refused,
        );
        assert!(sink.is_empty());
    }
    w.vault
        .verify_log(CASE)
        .expect("the log verifies after reads");

    // The archive: no member at all for the note, and its plaintext nowhere.
    let bytes = std::fs::read(&archive).unwrap();
    let members = members_of(&bytes);
    let paths: BTreeSet<&str> = members.iter().map(|(p, _)| p.as_str()).collect();
    let note_prefix = format!("{ROOT}docs/{}/", note.num);
    assert!(
        !paths.iter().any(|p| p.starts_with(&note_prefix)),
        "the mediator note has members in the archive: {paths:?}"
    );
    for d in docs.iter().filter(|d| d.category != Category::MediatorNote) {
        for name in ["body.age", "meta.age", "escrow.age"] {
            let p = format!("{ROOT}docs/{}/{name}", d.num);
            assert!(paths.contains(p.as_str()), "{p} is missing: {paths:?}");
        }
        let wrap = format!("{ROOT}docs/{}/archivist.age", d.num);
        assert_eq!(
            paths.contains(wrap.as_str()),
            d.disposition() == "retained",
            "{wrap}: only retained documents keep the archivist's wrap"
        );
    }
    assert!(
        !common::contains_bytes(&bytes, NOTE_MARKER),
        "the note's plaintext is in the archive"
    );
    for d in &docs {
        assert!(
            !common::contains_bytes(&bytes, d.title.as_bytes()),
            "the title of #{} is readable in the archive",
            d.num
        );
    }
    let index: serde_json::Value = serde_json::from_slice(
        &members
            .iter()
            .find(|(p, _)| p == &format!("{ROOT}documents.json"))
            .unwrap()
            .1,
    )
    .unwrap();
    let note_blob = index
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["num"].as_u64() == Some(note.num))
        .unwrap()["body_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob_of = |num: u64| {
        index
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["num"].as_u64() == Some(num))
            .unwrap()["body_sha256"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(blob_of(note.num), note_blob);
    assert!(
        !w.vault_dir().join("blobs").join(&note_blob).exists(),
        "the mediator note's ciphertext is still in the vault"
    );
    for d in &docs {
        let live = w.vault_dir().join("blobs").join(blob_of(d.num));
        assert_eq!(
            live.exists(),
            d.disposition() == "retained",
            "#{} ({}): only retained bodies stay in the vault after sealing",
            d.num,
            d.category
        );
    }
    for (path, file) in all_files(&w.vault_dir()) {
        assert!(
            !common::contains_bytes(&file, NOTE_MARKER),
            "the note's plaintext is in {}",
            path.display()
        );
    }
}

// ---------------------------------------------------------------------------------
// 4. Tampering
// ---------------------------------------------------------------------------------

#[test]
fn every_kind_of_tampering_is_detected_and_named() {
    let s = sealed_world(3, 2);
    let original = s.bytes();
    let members = members_of(&original);
    let sb = common::Sandbox::new();
    let body = format!("{ROOT}docs/{}/body.age", s.doc(Category::Caucus).num);
    let escrow_wrap = format!("{ROOT}docs/{}/escrow.age", s.doc(Category::Brief).num);
    let meta = format!("{ROOT}docs/{}/meta.age", s.doc(Category::Evidence).num);
    let entries = format!("{ROOT}log/entries");
    let manifest = format!("{ROOT}manifest.json");

    // Sanity: rewriting every member unchanged keeps a valid archive.
    let same = build_tar(&members);
    assert_eq!(
        verify_bytes(&same, None).expect("a faithful rewrite verifies"),
        verify_bytes(&original, None).unwrap()
    );

    let edit = |f: &dyn Fn(&mut Members)| {
        let mut m = members.clone();
        f(&mut m);
        build_tar(&m)
    };
    let change = |path: &str, g: &dyn Fn(&mut Vec<u8>)| {
        edit(&|m| {
            let (_, data) = m.iter_mut().find(|(p, _)| p == path).unwrap();
            g(data);
        })
    };
    let cases: Vec<(&str, Vec<u8>, Vec<String>)> = vec![
        (
            "a body byte changed",
            change(&body, &|d| {
                let i = d.len() / 2;
                d[i] ^= 0x01
            }),
            vec![body.clone(), "changed".into()],
        ),
        (
            "a member removed",
            edit(&|m| m.retain(|(p, _)| p != &escrow_wrap)),
            vec![escrow_wrap.clone(), "missing".into()],
        ),
        (
            "a member added",
            edit(&|m| {
                let at = m.len() - 2;
                m.insert(
                    at,
                    (format!("{ROOT}docs/99/body.age"), b"smuggled".to_vec()),
                )
            }),
            vec![format!("{ROOT}docs/99/body.age"), "added".into()],
        ),
        (
            "a member renamed",
            edit(&|m| {
                let (p, _) = m.iter_mut().find(|(p, _)| p == &meta).unwrap();
                *p = format!("{ROOT}docs/moved/meta.age");
            }),
            vec![
                meta.clone(),
                format!("{ROOT}docs/moved/meta.age"),
                "renamed".into(),
            ],
        ),
        (
            "manifest.json edited (retain_until)",
            change(&manifest, &|d| {
                let text = String::from_utf8(d.clone()).unwrap();
                let edited = text.replace(
                    &format!("\"retain_until\": \"{RETAIN}\""),
                    "\"retain_until\": \"2099-12-31\"",
                );
                assert_ne!(text, edited, "the manifest names its retention date");
                *d = edited.into_bytes();
            }),
            vec!["signature".into()],
        ),
        (
            "a log entry altered",
            change(&entries, &|d| {
                let text = String::from_utf8(d.clone()).unwrap();
                let mut lines: Vec<String> = text.lines().map(String::from).collect();
                let raw = B64.decode(&lines[1]).unwrap();
                let mut raw = raw;
                let i = raw.len() / 2;
                raw[i] ^= 0x20;
                lines[1] = B64.encode(&raw);
                *d = format!("{}\n", lines.join("\n")).into_bytes();
            }),
            vec![entries.clone(), "changed".into()],
        ),
        (
            "manifest re-signed by someone else, naming them archivist",
            edit(&|m| {
                let forger = &s.w.outsider;
                let at = m.iter().position(|(p, _)| p == &manifest).unwrap();
                let mut man = Manifest::parse(&m[at].1).unwrap();
                man.archivist = MemberRecord::new(&Role::Archivist, &forger.card());
                let bytes = man.to_bytes().unwrap();
                let sig = Manifest::sign(&bytes, forger);
                m[at].1 = bytes;
                let (_, s) = m
                    .iter_mut()
                    .find(|(p, _)| p == &format!("{ROOT}manifest.sig"))
                    .unwrap();
                *s = sig.into_bytes();
            }),
            vec!["seal".into()],
        ),
        (
            "the checkpoint signed with the vault's log key for another case, the manifest re-signed by the archivist",
            edit(&|m| {
                use sealroom_engine::internal::crypto::digest::{hex, sha256};
                use sealroom_engine::internal::log::checkpoint::{Checkpoint, LogKey, LogVerifier};
                use sealroom_engine::internal::log::receipt;
                let find = |m: &Members, path: &str| m.iter().position(|(p, _)| p == path).unwrap();
                let checkpoint_path = format!("{ROOT}log/checkpoint");
                let at = find(m, &manifest);
                let mut man = Manifest::parse(&m[at].1).unwrap();
                // The vault operator holds the log key; the archivist signs manifests.
                let pkcs8 = std::fs::read(s.w.dir.path().join("vault/log.key")).unwrap();
                let key = LogKey::from_pkcs8(&receipt::key_name(&man.vault), &pkcs8).unwrap();
                let verifier = m[find(m, &format!("{ROOT}log/verifier"))].1.clone();
                let verifier = LogVerifier::parse(std::str::from_utf8(&verifier).unwrap().trim_end())
                    .unwrap();
                let cp = find(m, &checkpoint_path);
                let honest = verifier.verify(std::str::from_utf8(&m[cp].1).unwrap()).unwrap();
                let other = receipt::origin(&man.vault, "OTHER-2026-001");
                let forged = Checkpoint::new(other, honest.size, honest.root).unwrap();
                m[cp].1 = key.sign(&forged).unwrap().text.into_bytes();
                let entry = man.members.iter_mut().find(|e| e.path == checkpoint_path).unwrap();
                entry.sha256 = hex(&sha256(&m[cp].1));
                entry.size = m[cp].1.len() as u64;
                let bytes = man.to_bytes().unwrap();
                let sig = Manifest::sign(&bytes, &s.w.archivist);
                m[at].1 = bytes;
                let sig_at = find(m, &format!("{ROOT}manifest.sig"));
                m[sig_at].1 = sig.into_bytes();
            }),
            vec!["names another vault or case".into()],
        ),
        (
            "a member twice",
            edit(&|m| {
                let dup = m.iter().find(|(p, _)| p == &meta).unwrap().clone();
                m.insert(1, dup);
            }),
            vec![meta.clone(), "twice".into()],
        ),
    ];
    for (what, bytes, needles) in &cases {
        let msg = expect_err(what, verify_bytes(bytes, None), ErrorKind::Integrity);
        for n in needles {
            assert!(msg.contains(n.as_str()), "{what}: `{n}` not in: {msg}");
        }
        let file = format!("{}.sealed", what.replace([' ', '(', ')', '.'], "_"));
        std::fs::write(sb.join(&file), bytes).unwrap();
        let err = sb.fails(&["archive", "verify", &sb.arg(&file)], 3);
        for n in needles {
            assert!(err.contains(n.as_str()), "CLI, {what}: `{n}` not in: {err}");
        }
    }

    // Damaged files: truncated, empty, not a tar, a tar of something else.
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        (
            "truncated by 1000 bytes",
            original[..original.len() - 1000].to_vec(),
        ),
        ("truncated by half", original[..original.len() / 2].to_vec()),
        ("empty", Vec::new()),
        (
            "not a tar",
            b"%PDF-1.7 this is a PDF, not an archive\n".repeat(40),
        ),
        (
            "a tar of something else",
            build_tar(&[("notes.txt".into(), b"hello".to_vec())]),
        ),
    ];
    for (what, bytes) in &damaged {
        let msg = expect_err(what, verify_bytes(bytes, None), ErrorKind::Integrity);
        assert!(msg.len() > 15, "{what}: unclear error: {msg}");
        let file = format!("{}.sealed", what.replace(' ', "_"));
        std::fs::write(sb.join(&file), bytes).unwrap();
        sb.fails(&["archive", "verify", &sb.arg(&file)], 3);
    }

    // The untouched archive verifies on the command line, with no vault and no key.
    std::fs::write(sb.join("good.sealed"), &original).unwrap();
    let ok = sb.ok(&["archive", "verify", &sb.arg("good.sealed")]);
    assert!(ok.contains("OK"), "{ok}");

    // `archive show`: every number with category and disposition, no title.
    let summary = sealroom_engine::archive::show(&original[..], None).unwrap();
    let listed: BTreeMap<u64, (String, String)> = summary
        .documents
        .iter()
        .map(|d| (d.num, (d.category.clone(), d.disposition.clone())))
        .collect();
    let want: BTreeMap<u64, (String, String)> = s
        .docs
        .iter()
        .map(|d| {
            (
                d.num,
                (d.category.as_str().to_owned(), d.disposition().to_owned()),
            )
        })
        .collect();
    assert_eq!(listed, want);
    let text = sb.ok(&["archive", "show", &sb.arg("good.sealed")]);
    let json = sb.ok(&["--json", "archive", "show", &sb.arg("good.sealed")]);
    for d in &s.docs {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("#{} ", d.num)))
            .unwrap_or_else(|| panic!("show does not list #{}:\n{text}", d.num));
        assert!(
            line.contains(d.category.as_str()) && line.contains(d.disposition()),
            "show's line for #{}: {line}",
            d.num
        );
        for out in [&text, &json] {
            assert!(
                !out.contains(&d.title) && !out.contains("TITLE-"),
                "show reveals a title:\n{out}"
            );
        }
    }
}

/// A case without custodians: the archivist holds the one escrow share, releases it,
/// and no other member holds one.
#[test]
fn without_custodians_the_archivist_alone_holds_the_escrow_share() {
    let s = sealed_world(0, 1);
    let w = &s.w;
    let rc = w.outsider.card();
    for who in [&w.mediator, &w.claimant, &w.registrar] {
        let msg = expect_err(
            &format!("release by {}", who.name()),
            release(s.reader(), who, &rc),
            ErrorKind::Refused,
        );
        assert!(msg.contains("holds no escrow share"), "{msg}");
    }
    let r = release(s.reader(), &w.archivist, &rc).unwrap();
    let out = w.dir.path().join("opened");
    let opened = open(&s.archive, &[r], &w.outsider, &out).unwrap();
    assert_eq!(opened.custodians, vec![w.archivist.name().to_owned()]);
    // Each written document is described as its own (number, category, title).
    for d in &opened.documents {
        let doc = s.docs.iter().find(|x| x.num == d.num).unwrap();
        assert_eq!(
            (d.category.as_str(), &d.title),
            (doc.category.as_str(), &doc.title)
        );
    }
    assert_opened("opened with the archivist's share", &out, &s.docs);
}

/// Set `field` of document `num`'s entry in the archive's index (documents.json).
fn edit_index(m: &mut Members, num: u64, field: &str, value: serde_json::Value) {
    let (_, data) = m
        .iter_mut()
        .find(|(p, _)| p == &format!("{ROOT}documents.json"))
        .unwrap();
    let mut index: serde_json::Value = serde_json::from_slice(data).unwrap();
    let doc = index
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|d| d["num"] == num)
        .unwrap();
    assert_ne!(doc[field], value, "{field} is changed");
    doc[field] = value;
    *data = serde_json::to_vec_pretty(&index).unwrap();
}

/// The archive with `change` made to its members and manifest, then made whole again by
/// everyone whose signature an archive carries except the depositors and the charter's
/// registrar: the archivist re-signs the seal statement (binding the changed contents)
/// and the manifest, and the vault's operator signs a checkpoint with `log.key`, for
/// `extra` more entries than the log holds. What still refuses such an archive is what
/// the depositors signed.
fn resealed(s: &Sealed, extra: u64, change: &dyn Fn(&mut Members, &mut Manifest)) -> Vec<u8> {
    use sealroom_engine::internal::crypto::digest::{hex, sha256};
    use sealroom_engine::internal::format::{self, MemberEntry};
    use sealroom_engine::internal::log::checkpoint::{Checkpoint, LogKey};
    use sealroom_engine::internal::log::statement::{Act, SignedStatement};
    use sealroom_engine::internal::log::{merkle, receipt};
    let mut m = members_of(&s.bytes());
    let at = |m: &Members, path: &str| m.iter().position(|(p, _)| p == path).unwrap();
    let mut man = Manifest::parse(&m[at(&m, format::MANIFEST)].1).unwrap();
    change(&mut m, &mut man);
    let entry = |path: &str, data: &[u8]| MemberEntry {
        path: path.to_owned(),
        sha256: hex(&sha256(data)),
        size: data.len() as u64,
    };
    // The seal statement binds the contents as they are now.
    let covered: BTreeMap<String, MemberEntry> = m
        .iter()
        .filter(|(p, _)| format::in_contents_digest(p))
        .map(|(p, d)| (p.clone(), entry(p, d)))
        .collect();
    let log_at = at(&m, format::LOG_ENTRIES);
    let mut entries = format::decode_entries(&m[log_at].1).unwrap();
    let last = SignedStatement::from_entry(entries.last().unwrap()).unwrap();
    let mut statement = last.statement().unwrap();
    let Act::Seal(seal) = &mut statement.act else {
        panic!("the log ends with its seal")
    };
    seal.contents_sha256 = format::contents_digest(&covered);
    *entries.last_mut().unwrap() = SignedStatement::sign(&statement, &s.w.archivist)
        .unwrap()
        .entry();
    m[log_at].1 = format::encode_entries(&entries);
    // The operator's checkpoint over the new log.
    let leaves: Vec<_> = entries.iter().map(|e| merkle::leaf_hash(e)).collect();
    let pkcs8 = std::fs::read(s.w.dir.path().join("vault/log.key")).unwrap();
    let key = LogKey::from_pkcs8(&receipt::key_name(&man.vault), &pkcs8).unwrap();
    let origin = receipt::origin(&man.vault, &man.case);
    let size = leaves.len() as u64 + extra;
    let checkpoint = Checkpoint::new(origin, size, merkle::root(&leaves)).unwrap();
    let cp_at = at(&m, format::LOG_CHECKPOINT);
    m[cp_at].1 = key.sign(&checkpoint).unwrap().text.into_bytes();
    // The archivist's manifest over every member.
    let mut listed: Vec<MemberEntry> = m
        .iter()
        .filter(|(p, _)| p != format::MANIFEST && p != format::MANIFEST_SIG)
        .map(|(p, d)| entry(p, d))
        .collect();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    man.members = listed;
    let bytes = man.to_bytes().unwrap();
    let sig = Manifest::sign(&bytes, &s.w.archivist);
    let man_at = at(&m, format::MANIFEST);
    m[man_at].1 = bytes;
    let sig_at = at(&m, format::MANIFEST_SIG);
    m[sig_at].1 = sig.into_bytes();
    build_tar(&m)
}

/// An archivist and a vault operator together re-sign everything they hold keys for;
/// the deposit statements (signed by the depositors) still fix every body and index
/// entry, and the seal statement the manifest.
#[test]
fn an_archive_re_signed_by_its_archivist_and_operator_still_answers_to_the_depositors() {
    let s = sealed_world(3, 2);
    let caucus = s.doc(Category::Caucus).num;
    let brief = s.doc(Category::Brief).num;
    let body = |num: u64| format!("{ROOT}docs/{num}/body.age");
    // The harness itself: re-signing without a change gives an archive that verifies.
    let same = resealed(&s, 0, &|_, _| {});
    verify_bytes(&same, None).expect("a faithful re-signing verifies");

    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "the index lists the caucus document as a brief",
            resealed(&s, 0, &|m, _| {
                edit_index(m, caucus, "category", "brief".into())
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "the index gives the caucus document another owner",
            resealed(&s, 0, &|m, _| {
                edit_index(m, caucus, "owner", "respondent".into())
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "the index gives the caucus document another encoding",
            resealed(&s, 0, &|m, _| {
                edit_index(m, caucus, "encoding", "unknown".into())
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "the index gives the caucus document another body hash",
            resealed(&s, 0, &|m, _| {
                edit_index(m, caucus, "body_sha256", "00".repeat(32).into())
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "the index gives the caucus document another disposition",
            resealed(&s, 0, &|m, _| {
                edit_index(m, caucus, "disposition", "retained".into())
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "the caucus document's metadata replaced by the brief's",
            resealed(&s, 0, &|m, _| {
                let meta = |num: u64| format!("{ROOT}docs/{num}/meta.age");
                let other = m.iter().find(|(p, _)| p == &meta(brief)).unwrap().1.clone();
                m.iter_mut().find(|(p, _)| p == &meta(caucus)).unwrap().1 = other;
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "the manifest gives another retention date",
            resealed(&s, 0, &|_, man| man.retain_until = "2099-12-31".into()),
            "does not agree with the seal statement".to_owned(),
        ),
        (
            "the caucus document's body replaced by the brief's",
            resealed(&s, 0, &|m, _| {
                let other = m.iter().find(|(p, _)| p == &body(brief)).unwrap().1.clone();
                m.iter_mut().find(|(p, _)| p == &body(caucus)).unwrap().1 = other;
            }),
            format!("#{caucus} in the archive differs from what the case log signs"),
        ),
        (
            "one custodian's escrow share replaced by another's",
            resealed(&s, 0, &|m, _| {
                let shares: Vec<usize> = (0..m.len())
                    .filter(|&i| m[i].0.starts_with(&format!("{ROOT}shares/")))
                    .collect();
                assert!(shares.len() >= 2, "two shares to swap");
                m[shares[0]].1 = m[shares[1]].1.clone();
            }),
            "is not the escrow share the charter names".to_owned(),
        ),
        (
            "the settlement's archivist wrap replaced by the procedural document's",
            resealed(&s, 0, &|m, _| {
                let wrap = |num: u64| format!("{ROOT}docs/{num}/archivist.age");
                let from = wrap(s.doc(Category::Procedural).num);
                let other = m.iter().find(|(p, _)| p == &from).unwrap().1.clone();
                let to = wrap(s.doc(Category::Settlement).num);
                m.iter_mut().find(|(p, _)| p == &to).unwrap().1 = other;
            }),
            "is not the key wrap the case log signs".to_owned(),
        ),
        (
            "the manifest names another entry as the seal",
            resealed(&s, 0, &|_, man| man.seal_entry -= 1),
            "does not agree with the seal statement".to_owned(),
        ),
        (
            "the manifest gives another sealing time",
            resealed(&s, 0, &|_, man| {
                man.sealed_at = "2026-01-01T00:00:00Z".into()
            }),
            "does not agree with the seal statement".to_owned(),
        ),
        (
            "the checkpoint claims one entry more, with the log's own root",
            resealed(&s, 1, &|_, _| {}),
            "does not match its final checkpoint".to_owned(),
        ),
    ];
    for (what, bytes, says) in &cases {
        let msg = expect_err(what, verify_bytes(bytes, None), ErrorKind::Integrity);
        assert!(
            msg.contains(says.as_str()),
            "{what}: `{says}` not in: {msg}"
        );
    }
}

#[test]
fn a_file_that_is_not_an_archive_is_called_so_not_a_damaged_archive() {
    // Someone passes the wrong file (a PDF, a share release, random bytes): the error
    // must say this is not a sealroom archive, not that "the archive" is damaged.
    let sb = common::Sandbox::new();
    let files: [(&str, Vec<u8>); 3] = [
        (
            "a PDF",
            b"%PDF-1.7 this is a PDF, not an archive\n".repeat(40),
        ),
        (
            "a share release",
            br#"{"release": {"format": "sealroom-release-v1"}, "signature": ""}"#.repeat(20),
        ),
        ("random bytes", common::pseudo_random(4096, 9)),
    ];
    for (what, bytes) in &files {
        let msg = expect_err(what, verify_bytes(bytes, None), ErrorKind::Integrity);
        assert!(
            msg.contains("not a sealroom archive"),
            "{what}: the error should say the file is not a sealroom archive: {msg}"
        );
        let file = format!("{}.bin", what.replace(' ', "_"));
        std::fs::write(sb.join(&file), bytes).unwrap();
        let err = sb.fails(&["archive", "verify", &sb.arg(&file)], 3);
        assert!(err.contains("not a sealroom archive"), "CLI, {what}: {err}");
    }
}

// ---------------------------------------------------------------------------------
// 5. Destruction
// ---------------------------------------------------------------------------------

#[test]
fn destruction_waits_for_the_retention_date_then_removes_every_key() {
    let mut s = sealed_world(3, 2);
    let before = s.bytes();
    let dir = s.w.dir.path().to_owned();
    let cert_path = dir.join("destroyed.cert");
    let early_releases = s.releases(&[0, 2], &s.w.outsider.card());

    // On the command line, today (before 2036-12-31): refused, nothing changes.
    let sb = common::Sandbox::new();
    let id = sb.join("archivist.id");
    s.w.archivist.save(&id, None).unwrap();
    let err = sb.fails(
        &[
            "archive",
            "destroy",
            &common::path_arg(&s.archive),
            "-o",
            &sb.arg("cli.cert"),
            "-i",
            &common::path_arg(&id),
        ],
        1,
    );
    assert!(err.contains(RETAIN), "{err}");
    assert!(!sb.join("cli.cert").exists(), "a certificate was written");
    assert_eq!(
        s.bytes(),
        before,
        "a refused destruction changed the archive"
    );

    // On the retention date itself: still refused. By anyone but the archivist: refused.
    let msg = expect_err(
        "destroy on the retention date",
        destroy_on(&s.archive, &s.w.archivist, &cert_path, RETAIN),
        ErrorKind::Refused,
    );
    assert!(msg.contains(RETAIN), "{msg}");
    for who in [&s.w.mediator, &s.w.custodians[0], &s.w.registrar] {
        expect_err(
            &format!("destroy by {}", who.name()),
            destroy_on(&s.archive, who, &cert_path, "2037-01-01"),
            ErrorKind::Refused,
        );
    }
    assert!(!cert_path.exists());
    assert_eq!(s.bytes(), before);

    // After it: done.
    let cert = destroy_on(&s.archive, &s.w.archivist, &cert_path, "2037-01-01").unwrap();
    let parsed = Certificate::parse(&std::fs::read_to_string(&cert_path).unwrap()).unwrap();
    assert_eq!(
        parsed, cert,
        "the certificate file is the certificate returned"
    );
    assert_eq!(parsed.body.case, CASE);
    assert_eq!(parsed.body.retain_until, RETAIN);
    let key_material: BTreeSet<String> = members_of(&before)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            p.starts_with(&format!("{ROOT}shares/"))
                || p.ends_with("/escrow.age")
                || p.ends_with("/archivist.age")
        })
        .collect();
    let shares = key_material
        .iter()
        .filter(|p| p.starts_with(&format!("{ROOT}shares/")))
        .count();
    assert_eq!(shares, 3, "one share per custodian: {key_material:?}");
    assert_eq!(
        parsed.body.removed.iter().cloned().collect::<BTreeSet<_>>(),
        key_material,
        "the certificate names exactly the key material"
    );
    let after = s.bytes();
    let temps: Vec<String> = common::names_in(&dir)
        .into_iter()
        .filter(|n| n.starts_with(".sealroom-"))
        .collect();
    assert!(temps.is_empty(), "destruction left {temps:?} behind");
    let after_paths: BTreeSet<String> = members_of(&after).into_iter().map(|(p, _)| p).collect();
    assert!(after_paths.is_disjoint(&key_material), "{after_paths:?}");
    for d in s
        .docs
        .iter()
        .filter(|d| d.category != Category::MediatorNote)
    {
        assert!(after_paths.contains(&format!("{ROOT}docs/{}/body.age", d.num)));
    }

    // Verification: the archive carries its certificate, so without one it still checks
    // and says when it was destroyed; stripped of that certificate it is damaged
    // (missing members); with the certificate OK. The pre-destruction copy does not
    // match the certificate.
    let alone = verify_archive(&after[..], None).expect("checks against its own certificate");
    assert!(alone.destroyed && !alone.certificate_checked, "{alone:?}");
    assert_eq!(
        alone.destroyed_at.as_deref(),
        Some(cert.body.destroyed_at.as_str())
    );
    let stripped: Members = members_of(&after)
        .into_iter()
        .filter(|(p, _)| p != &format!("{ROOT}destruction.json"))
        .collect();
    assert_eq!(
        stripped.len() + 1,
        members_of(&after).len(),
        "the certificate is in the archive"
    );
    let msg = expect_err(
        "verify a destroyed archive stripped of its certificate",
        verify_bytes(&build_tar(&stripped), None),
        ErrorKind::Integrity,
    );
    assert!(msg.contains("missing"), "{msg}");
    let report = verify_archive(&after[..], Some(&cert)).expect("verifies with its certificate");
    assert!(report.destroyed && report.certificate_checked);
    let msg = expect_err(
        "the old copy with the certificate",
        verify_bytes(&before, Some(&cert)),
        ErrorKind::Integrity,
    );
    assert!(msg.contains("destroyed"), "{msg}");
    sealroom_engine::archive::show(&after[..], Some(&cert)).expect("show with the certificate");
    let archive_arg = common::path_arg(&s.archive);
    let cert_arg = common::path_arg(&cert_path);
    let ok = sb.ok(&[
        "archive",
        "verify",
        &archive_arg,
        "--certificate",
        &cert_arg,
    ]);
    assert!(ok.contains("OK"), "{ok}");
    let err = sb.fails(&["archive", "verify", &archive_arg], 7);
    let day = &cert.body.destroyed_at[..10];
    assert!(
        err.contains(&format!("destroyed on {day}")) && err.contains("certificate"),
        "{err}"
    );
    // Destroying it again is refused, naming the day; the archive stays as it is.
    let msg = expect_err(
        "destroy twice",
        destroy_on(
            &s.archive,
            &s.w.archivist,
            &dir.join("again.cert"),
            "2037-01-02",
        ),
        ErrorKind::Refused,
    );
    assert!(
        msg.contains(&format!("already destroyed on {day}")),
        "{msg}"
    );
    assert_eq!(s.bytes(), after);
    // An edited certificate does not verify.
    let mut edited = cert.clone();
    edited.body.removed.pop();
    expect_err(
        "an edited certificate",
        verify_bytes(&after, Some(&edited)),
        ErrorKind::Integrity,
    );

    // Nothing opens any more: no share to release, and old releases write nothing.
    let msg = expect_err(
        "a custodian releases a share after destruction",
        release(s.reader(), &s.w.custodians[1], &s.w.outsider.card()),
        ErrorKind::Refused,
    );
    assert!(msg.contains(&format!("destroyed on {day}")), "{msg}");
    let parent = dir.join("opened");
    std::fs::create_dir(&parent).unwrap();
    let out = parent.join("docs");
    assert!(open(&s.archive, &early_releases, &s.w.outsider, &out).is_err());
    assert!(!out.exists());
    assert_empty_folder("open after destruction", &parent);

    // A certificate for another archive (another case, same archivist) is refused.
    let w = &mut s.w;
    let other = "IOMed-2026-015";
    w.vault
        .open_case(&w.registrar, w.other_case(other))
        .unwrap();
    w.vault
        .deposit(
            &w.claimant,
            other,
            spec(Category::Brief, "b"),
            &b"other"[..],
        )
        .unwrap();
    w.vault.close_case(&w.mediator, other).unwrap();
    let other_archive = dir.join("other.sealed");
    w.vault
        .seal(&w.archivist, other, RETAIN, &other_archive)
        .unwrap();
    let other_cert = destroy_on(
        &other_archive,
        &w.archivist,
        &dir.join("other.cert"),
        "2037-01-01",
    )
    .unwrap();
    let msg = expect_err(
        "a certificate for another archive",
        verify_bytes(&after, Some(&other_cert)),
        ErrorKind::Integrity,
    );
    assert!(msg.contains("another archive"), "{msg}");

    // The vault records it; the log stays sound.
    expect_err(
        "record destruction by the mediator",
        w.vault.record_destruction(&w.mediator, &cert),
        ErrorKind::Refused,
    );
    w.vault.record_destruction(&w.archivist, &cert).unwrap();
    assert_eq!(w.vault.case_summary(CASE).unwrap().state, "destroyed");
    w.vault.verify_log(CASE).expect("the log verifies");
    expect_err(
        "record destruction twice",
        w.vault.record_destruction(&w.archivist, &cert),
        ErrorKind::Refused,
    );
}

// ---------------------------------------------------------------------------------
// 6. The command line, end to end
// ---------------------------------------------------------------------------------

#[test]
fn cli_seal_verify_show_release_open_round_trip() {
    let fx = common::Fixture::new();
    let c = common::CASE;
    let mut originals: BTreeMap<u64, (String, Vec<u8>)> = BTreeMap::new();
    let plan: [(&str, &str, &str, Vec<u8>); 6] = [
        (
            "claimant",
            "caucus",
            "range.txt",
            b"we would go to 4m".to_vec(),
        ),
        (
            "respondent",
            "brief",
            "position.md",
            "# Position\n".repeat(500).into_bytes(),
        ),
        (
            "claimant",
            "evidence",
            "photos.bin",
            common::pseudo_random(50_000, 3),
        ),
        (
            "respondent",
            "settlement",
            "deal.txt",
            b"3.9m, two instalments".to_vec(),
        ),
        (
            "mediator",
            "procedural",
            "order1.txt",
            b"sessions on 3 March".to_vec(),
        ),
        (
            "mediator",
            "mediator-note",
            "note.txt",
            NOTE_MARKER.to_vec(),
        ),
    ];
    for (who, category, name, bytes) in plan {
        let title = format!("TITLE-{category} secret title");
        let num = fx.deposit_bytes(
            who,
            name,
            &bytes,
            &["--category", category, "--title", &title],
        );
        originals.insert(num, (category.to_owned(), bytes));
    }
    fx.ok_as("mediator", &["case", "close", c]);
    let taken = fx.write("taken.sealed", b"not yours to overwrite");
    let seal = |date: &str, out: &str| {
        vec![
            "seal".to_owned(),
            c.to_owned(),
            "--retain-until".to_owned(),
            date.to_owned(),
            "-o".to_owned(),
            out.to_owned(),
        ]
    };
    fx.fails_as("archivist", &seal(RETAIN, &taken), 1);
    assert_eq!(std::fs::read(&taken).unwrap(), b"not yours to overwrite");
    let archive = fx.arg("case.sealed");
    fx.fails_as("archivist", &seal("2001-01-01", &archive), 2);
    fx.fails_as("archivist", &seal("next year", &archive), 2);
    fx.fails_as("mediator", &seal(RETAIN, &archive), 1);
    assert!(!fx.sandbox.join("case.sealed").exists());
    let out = fx.ok_as(
        "archivist",
        &["seal", c, "--retain-until", RETAIN, "-o", &archive],
    );
    assert!(out.contains(c), "{out}");

    // Verify and show need no vault and no key.
    let sb = &fx.sandbox;
    let ok = sb.ok(&["archive", "verify", &archive]);
    assert!(ok.contains("OK") && ok.contains(c), "{ok}");
    let json = common::parse_json(&sb.ok(&["--json", "archive", "verify", &archive]));
    assert_eq!(json["case"], c);
    let manifest_sha = json["manifest_sha256"].as_str().expect("manifest_sha256");
    let manifest = members_of(&std::fs::read(&archive).unwrap())
        .into_iter()
        .find(|(p, _)| p == &format!("{ROOT}manifest.json"))
        .unwrap()
        .1;
    assert_eq!(manifest_sha, common::sha256_hex(&manifest));
    let show = sb.ok(&["archive", "show", &archive]);
    for (num, (category, _)) in &originals {
        assert!(
            show.lines()
                .any(|l| l.trim_start().starts_with(&format!("#{num} ")) && l.contains(category)),
            "show does not list #{num} {category}:\n{show}"
        );
    }
    let show_json = sb.ok(&["--json", "archive", "show", &archive]);
    for out in [&show, &show_json] {
        assert!(!out.contains("TITLE-"), "show reveals a title:\n{out}");
    }

    // Two custodians release to the outsider (the requester).
    for who in ["custodian1", "custodian3"] {
        let out = fx.ok_as(
            who,
            &[
                "archive",
                "release",
                &archive,
                "--to",
                &fx.card("outsider"),
                "-o",
                &fx.arg(format!("{who}.release")),
            ],
        );
        assert!(out.contains(c), "{out}");
    }
    std::fs::create_dir(fx.sandbox.join("opened")).unwrap();
    let target = fx.arg("opened/case");
    let err = fx.fails_as(
        "outsider",
        &[
            "archive",
            "open",
            &archive,
            "--share",
            &fx.arg("custodian1.release"),
            "-o",
            &target,
        ],
        1,
    );
    assert!(err.contains("needs 2"), "{err}");
    assert!(common::names_in(&fx.sandbox.join("opened")).is_empty());

    fx.ok_as(
        "outsider",
        &[
            "archive",
            "open",
            &archive,
            "--share",
            &fx.arg("custodian1.release"),
            "--share",
            &fx.arg("custodian3.release"),
            "-o",
            &target,
        ],
    );
    let target = fx.sandbox.join("opened/case");
    let index = common::parse_json(&std::fs::read_to_string(target.join("INDEX.json")).unwrap());
    let mut seen = BTreeSet::new();
    for d in index["documents"].as_array().unwrap() {
        let num = d["num"].as_u64().unwrap();
        let (category, bytes) = &originals[&num];
        assert_ne!(category, "mediator-note", "a mediator note was opened");
        let got = std::fs::read(target.join(d["file"].as_str().unwrap())).unwrap();
        common::assert_same_bytes(&format!("#{num}"), &got, bytes);
        seen.insert(num);
    }
    let want: BTreeSet<u64> = originals
        .iter()
        .filter(|(_, (c, _))| c != "mediator-note")
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(seen, want);
    assert!(target.join("INDEX.txt").is_file());
    assert_eq!(common::names_in(&target).len(), want.len() + 2);
}
