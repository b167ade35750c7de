//! Replays the committed fuzz seeds (`fuzz/seeds/<target>/`) and crash files
//! (`fuzz/artifacts/<target>/`) through `sealroom_engine::fuzzing` on the stable toolchain, so
//! `cargo test` keeps every input the fuzzers were given or found without cargo-fuzz.
//!
//! `regenerate_seeds` (ignored) rebuilds the seed set from the library alone: a small
//! real case in a temporary vault, sealed, released and destroyed. See fuzz/README.md.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use sealroom_engine::fuzzing;

/// A fuzz target's entry point.
type Target = fn(&[u8]);

/// Every fuzz target: its name (as in `fuzz/fuzz_targets/`) and its entry point.
const TARGETS: &[(&str, Target)] = &[
    ("identity_file", fuzzing::identity_file),
    ("card", fuzzing::card),
    ("statement", fuzzing::statement),
    ("checkpoint", fuzzing::checkpoint),
    ("receipt", fuzzing::receipt),
    ("share", fuzzing::share),
    ("archive", fuzzing::archive),
    ("body", fuzzing::body),
    ("invitation", fuzzing::invitation),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir` (not hidden, not folders), sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("listing a fuzz folder").path())
        .filter(|p| p.is_file())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

#[test]
fn every_committed_seed_and_crash_file_replays() {
    let root = fuzz_dir();
    let mut failures = Vec::new();
    let (mut seeds_total, mut crashes_total) = (0, 0);
    for (name, target) in TARGETS {
        assert!(
            root.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{name}.rs is missing"
        );
        let seeds = files_in(&root.join("seeds").join(name));
        let crashes = files_in(&root.join("artifacts").join(name));
        for file in seeds.iter().chain(&crashes) {
            let data = fs::read(file).expect("reading a fuzz input");
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                failures.push(file.display().to_string());
            }
        }
        println!(
            "fuzz corpus: {name:<13} {:>3} seeds, {:>3} crash files",
            seeds.len(),
            crashes.len()
        );
        assert!(!seeds.is_empty(), "no seed committed for target {name}");
        seeds_total += seeds.len();
        crashes_total += crashes.len();
    }
    println!("fuzz corpus: {seeds_total} seeds and {crashes_total} crash files replayed");
    assert!(
        failures.is_empty(),
        "these fuzz inputs panic (a bug in sealroom, or in crates/sealroom-engine/src/fuzzing.rs):\n  {}",
        failures.join("\n  ")
    );
}

/// The seeds are worth fuzzing from only while they are valid inputs that reach past
/// the first check: each kind must still parse and verify with today's code. When a
/// format changes on purpose, regenerate them (see `regenerate_seeds`).
#[test]
fn committed_seeds_are_valid_inputs() {
    use sealroom_engine::archive::destroy::Certificate;
    use sealroom_engine::archive::release::Release;
    use sealroom_engine::internal::crypto::body::{self, Encoding};
    use sealroom_engine::internal::crypto::escrow::{self, ShareRecord};
    use sealroom_engine::internal::crypto::wrap::DocumentKey;
    use sealroom_engine::internal::log::checkpoint::LogVerifier;
    use sealroom_engine::internal::log::statement::SignedStatement;
    use sealroom_engine::receipt::Receipt;
    use sealroom_engine::{Card, Identity};

    let seeds = fuzz_dir().join("seeds");
    let read = |target: &str, file: &str| {
        let path = seeds.join(target).join(file);
        fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let text = |target: &str, file: &str| String::from_utf8(read(target, file)).unwrap();
    let all = |target: &str| files_in(&seeds.join(target));
    let passphrase = || {
        Ok(age::secrecy::SecretString::from(
            fuzzing::IDENTITY_PASSPHRASE.to_owned(),
        ))
    };

    for file in all("identity_file") {
        let bytes = fs::read(&file).unwrap();
        let id = Identity::from_file_bytes(&bytes, passphrase);
        if file
            .file_name()
            .is_some_and(|n| n == "greedy-work-factor.age")
        {
            // The hostile seed: refused from its header, before any scrypt work.
            let err = id.err().expect("a 2^23 work factor was accepted");
            assert!(
                err.message().contains("work factor 23"),
                "{}",
                err.message()
            );
            continue;
        }
        assert!(id.is_ok(), "{} does not open", file.display());
    }
    // Invitations: a signed one, one altered after signing, and a checkpoint in an
    // e-mail with CRLF line ends.
    let invitation =
        sealroom_engine::vault::Invitation::parse(&text("invitation", "claimant.invite")).unwrap();
    invitation
        .signer()
        .expect("the invitation seed is signed by its registrar");
    let altered =
        sealroom_engine::vault::Invitation::parse(&text("invitation", "altered.invite")).unwrap();
    assert!(
        altered.signer().is_err(),
        "the altered invitation seed verifies"
    );
    let mail = text("invitation", "mail-with-checkpoint.txt").replace("\r\n", "\n");
    let start = mail
        .find("sealroom/fuzz/")
        .expect("no checkpoint in the mail seed");
    let end = mail.find("\n\nBest").unwrap() + 1;
    fuzzing::log_verifier()
        .verify(&mail[start..end])
        .expect("the mail seed's checkpoint verifies");

    for file in all("card") {
        Card::parse(&fs::read_to_string(&file).unwrap()).unwrap();
    }
    let mut heads = 0;
    for file in all("statement") {
        let bytes = fs::read(&file).unwrap();
        if file.extension().is_some_and(|e| e == "entry") {
            let s = SignedStatement::from_entry(&bytes)
                .and_then(|s| s.statement())
                .unwrap_or_else(|e| panic!("{}: {}", file.display(), e.message()));
            heads += usize::from(s.head.is_some());
        }
    }
    assert!(
        heads >= 3,
        "no statement seed of format version 2 (with its head)"
    );
    let v2 =
        sealroom_engine::internal::format::decode_entries(&read("statement", "v2-log.entries"))
            .unwrap();
    let v2: Vec<SignedStatement> = v2
        .iter()
        .map(|e| SignedStatement::from_entry(e).unwrap())
        .collect();
    sealroom_engine::internal::log::replay::replay("FUZZ-2026-001", &v2)
        .expect("the version 2 log seed replays, heads and all");
    for file in ["fixed-key.note", "cosigned.note"] {
        fuzzing::log_verifier()
            .verify(&text("checkpoint", file))
            .unwrap();
    }
    for file in ["vault-key-and-note.txt", "sum-golang-org.txt"] {
        let t = text("checkpoint", file);
        let (key, note) = t.split_once('\n').unwrap();
        LogVerifier::parse(key).unwrap().verify(note).unwrap();
    }
    for file in all("receipt") {
        Receipt::parse(&fs::read_to_string(&file).unwrap())
            .and_then(|r| r.verify())
            .unwrap_or_else(|e| panic!("{}: {}", file.display(), e.message()));
    }
    let one = ShareRecord::parse(&text("share", "custodian-1.share")).unwrap();
    let shares: Vec<ShareRecord> = text("share", "two-of-three.shares")
        .split("\n\n")
        .map(|c| ShareRecord::parse(&format!("{}\n", c.trim_end_matches('\n'))).unwrap())
        .collect();
    let escrow_key: age::x25519::Recipient = one.escrow.parse().unwrap();
    let shares: Vec<escrow::Share> = shares.into_iter().map(|r| r.share).collect();
    escrow::combine(&shares, &escrow_key).unwrap();
    let release = Release::parse(&text("share", "custodian-2.release")).unwrap();
    release.release.custodian.card().unwrap();
    let cert = Certificate::parse(&text("share", "destruction.cert")).unwrap();
    cert.verify(&cert.body.archivist.card().unwrap()).unwrap();
    for file in all("archive") {
        let bytes = fs::read(&file).unwrap();
        sealroom_engine::archive::verify::verify_archive(&bytes[..], None)
            .unwrap_or_else(|e| panic!("{}: {}", file.display(), e.message()));
    }
    let key = fuzzing::document_key();
    for (file, encoding) in [("zstd.age", Encoding::Zstd), ("none.age", Encoding::None)] {
        body::open(&read("body", file)[..], key, encoding, std::io::sink()).unwrap();
    }
    assert!(DocumentKey::unwrap_with(&read("body", "wrap.age"), key)
        .unwrap()
        .is_some());
    let wrap_plain = read("body", "wrap-plaintext.txt");
    let plain = wrap_plain
        .strip_prefix(fuzzing::BODY_WRAP_PLAINTEXT)
        .expect("the wrap seed starts with its mode");
    let wrap = body::seal_small(plain, &key.to_public()).unwrap();
    let unwrapped = DocumentKey::unwrap_all(&wrap, key).unwrap().unwrap();
    assert!(
        unwrapped.metadata.is_some(),
        "the wrap seed has no metadata line"
    );
}

/// Rebuilds the seed corpus from the library, into `$SEALROOM_FUZZ_SEEDS_OUT/<target>/`
/// (which must not exist yet); copy the result over `fuzz/seeds/` to refresh it. Every
/// seed is made by sealroom's own code, except the sum.golang.org checkpoint vector.
///
/// `SEALROOM_FUZZ_SEEDS_OUT=/tmp/seeds cargo test --test fuzz_corpus -- --ignored`
#[test]
#[ignore = "writes a fresh seed corpus; run by hand to refresh fuzz/seeds/"]
fn regenerate_seeds() {
    let out = PathBuf::from(
        std::env::var_os("SEALROOM_FUZZ_SEEDS_OUT")
            .expect("set SEALROOM_FUZZ_SEEDS_OUT to a folder that does not exist yet"),
    );
    assert!(!out.exists(), "{} already exists", out.display());
    seeds::generate(&out).expect("generating the seeds");
    for (name, _) in TARGETS {
        let n = files_in(&out.join(name)).len();
        println!("{name}: {n} seeds");
        assert!(n > 0, "no seed made for {name}");
    }
}

mod seeds {
    use std::fs;
    use std::io::Write as _;
    use std::path::Path;

    use age::secrecy::SecretString;
    use sealroom_engine::archive::{destroy, format, release};
    use sealroom_engine::fuzzing;
    use sealroom_engine::internal::crypto::body;
    use sealroom_engine::internal::crypto::wrap::DocumentKey;
    use sealroom_engine::internal::log::checkpoint::{Checkpoint, LogKey};
    use sealroom_engine::internal::log::merkle;
    use sealroom_engine::policy::{Category, Policy};
    use sealroom_engine::vault::{CaseSpec, DepositSpec};
    use sealroom_engine::{Identity, Result, Vault};

    const CASE: &str = "FUZZ-2026-001";

    fn write(out: &Path, target: &str, file: &str, bytes: &[u8]) {
        let dir = out.join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(file), bytes).unwrap();
    }

    fn spec(category: Category, title: &str, file_name: &str) -> DepositSpec {
        DepositSpec::new(file_name).category(category).title(title)
    }

    /// An identity file under `passphrase` with scrypt work factor `log_n`.
    fn identity_with_work_factor(id: &Identity, passphrase: &str, log_n: u8) -> Vec<u8> {
        let plain = id.to_file_bytes(None).unwrap();
        let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
        recipient.set_work_factor(log_n);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let mut out = Vec::new();
        let mut w = encryptor.wrap_output(&mut out).unwrap();
        w.write_all(&plain).unwrap();
        w.finish().unwrap();
        out
    }

    pub fn generate(out: &Path) -> Result<()> {
        let work = tempfile::tempdir().unwrap();
        let [registrar, mediator, claimant, respondent, archivist, c1, c2, c3] = [
            "Registrar",
            "Mediator",
            "Claimant",
            "Respondent",
            "Archivist",
            "Custodian 1",
            "Custodian 2",
            "Custodian 3",
        ]
        .map(|n| Identity::generate(n).unwrap());

        // Identity files and cards.
        write(
            out,
            "identity_file",
            "plain.id",
            &claimant.to_file_bytes(None)?,
        );
        let pass = || Some(SecretString::from(fuzzing::IDENTITY_PASSPHRASE.to_owned()));
        write(
            out,
            "identity_file",
            "passphrase.id",
            &mediator.to_file_bytes(pass())?,
        );
        write(
            out,
            "identity_file",
            "passphrase-work-factor-2.id",
            &identity_with_work_factor(&respondent, fuzzing::IDENTITY_PASSPHRASE, 2),
        );
        write(
            out,
            "card",
            "claimant.card",
            claimant.card().to_text().as_bytes(),
        );
        let unicode = Identity::generate("Amélie Đặng 田中").unwrap();
        write(
            out,
            "card",
            "unicode.card",
            unicode.card().to_text().as_bytes(),
        );

        // A small case: every act once, then closed, sealed, released and destroyed.
        let mut vault = Vault::init(&work.path().join("vault"))?;
        vault.open_case(
            &registrar,
            CaseSpec::new(CASE, archivist.card())
                .title("Fuzz seeds")
                .policy(Policy::Consent)
                .threshold(2)
                .mediator(mediator.card())
                .party("claimant", claimant.card())
                .party("respondent", respondent.card())
                .custodians([c1.card(), c2.card(), c3.card()]),
        )?;
        let caucus = vault.deposit(
            &claimant,
            CASE,
            spec(Category::Caucus, "Range", "range.txt"),
            &b"we would settle at 4m"[..],
        )?;
        vault.read(&mediator, CASE, caucus.num, &mut Vec::new())?;
        vault.consent(&claimant, CASE, caucus.num, "respondent")?;
        vault.disclose(&mediator, CASE, caucus.num, "respondent")?;
        vault.revoke(&claimant, CASE, caucus.num, "respondent", true)?;
        vault.export(
            &claimant,
            CASE,
            caucus.num,
            &fuzzing::document_key().to_public().into(),
            &mut Vec::new(),
        )?;
        vault.deposit(
            &mediator,
            CASE,
            spec(Category::Procedural, "Order 1", "order.txt"),
            &b"session on 3 March"[..],
        )?;
        vault.deposit(
            &mediator,
            CASE,
            spec(Category::MediatorNote, "Note", "note.txt"),
            &b"both sides near"[..],
        )?;
        vault.close_case(&mediator, CASE)?;
        let archive_path = work.path().join("case.sealed");
        let sealed = vault.seal(&archivist, CASE, "2036-12-31", &archive_path)?;
        let archive = fs::read(&archive_path).unwrap();
        write(out, "archive", "sealed.tar", &archive);

        // Log entries and receipts.
        let statements = vault.statements(CASE)?;
        for (seq, s) in statements.iter().enumerate() {
            let act = s.statement()?.act.name();
            write(
                out,
                "statement",
                &format!("{seq:02}-{act}.entry"),
                &s.entry(),
            );
        }
        let first: Vec<Vec<u8>> = statements[..3].iter().map(|s| s.entry()).collect();
        write(
            out,
            "statement",
            "log-prefix.entries",
            &format::encode_entries(&first),
        );
        let seal_seq = sealed.statement;
        for name in ["deposit", "disclose", "seal"] {
            let seq = statements
                .iter()
                .position(|s| s.statement().unwrap().act.name() == name)
                .unwrap();
            let r = vault.receipt(CASE, seq as u64)?;
            write(
                out,
                "receipt",
                &format!("{seq:02}-{name}.json"),
                r.to_text().as_bytes(),
            );
        }

        // Checkpoints: the vault's own (with its key on the first line), the same tree
        // signed by the fixed fuzzing key, cosigned, and a public interop vector.
        let last = vault.receipt(CASE, seal_seq)?;
        write(
            out,
            "checkpoint",
            "vault-key-and-note.txt",
            format!("{}\n{}", last.log_key, last.checkpoint).as_bytes(),
        );
        let entries: Vec<Vec<u8>> = statements.iter().map(|s| s.entry()).collect();
        let leaves: Vec<merkle::Hash> = entries.iter().map(|e| merkle::leaf_hash(e)).collect();
        let cp = Checkpoint::new(
            format!("sealroom/fuzz/{CASE}"),
            leaves.len() as u64,
            merkle::root(&leaves),
        )
        .unwrap();
        let signed = fuzzing::log_key().sign(&cp).unwrap();
        write(out, "checkpoint", "fixed-key.note", signed.text.as_bytes());
        let (witness, _) = LogKey::generate("witness.example").unwrap();
        let witnessed = witness.sign(&cp).unwrap().text;
        let cosigned = format!(
            "{}{}",
            signed.text,
            witnessed.rsplit_once("\n\n").unwrap().1
        );
        write(out, "checkpoint", "cosigned.note", cosigned.as_bytes());
        write(
            out,
            "checkpoint",
            "sum-golang-org.txt",
            "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8\n\
             go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n\
             \u{2014} sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n"
                .as_bytes(),
        );

        // Shares (decrypted from the archive by their custodians), a release and a
        // destruction certificate.
        let contents = format::read_contents(&archive[..])?;
        let share_text = |c: &Identity| {
            let wrapped = &contents.small[&format::share_path(&c.fingerprint().to_hex())];
            let text = body::open_small(wrapped, c.decryption_key())
                .unwrap()
                .unwrap();
            String::from_utf8(text.to_vec()).unwrap()
        };
        let (s1, s3) = (share_text(&c1), share_text(&c3));
        write(out, "share", "custodian-1.share", s1.as_bytes());
        write(
            out,
            "share",
            "two-of-three.shares",
            format!("{s1}\n{s3}").as_bytes(),
        );
        let rel = release::release(&archive[..], &c2, &registrar.card())?;
        write(
            out,
            "share",
            "custodian-2.release",
            rel.to_text().as_bytes(),
        );
        let certificate = destroy::destroy_on(
            &archive_path,
            &archivist,
            &work.path().join("case.cert"),
            "2037-01-01",
        )?;
        write(
            out,
            "share",
            "destruction.cert",
            certificate.to_text().as_bytes(),
        );
        vault.record_destruction(&archivist, &certificate)?;
        let destroy = vault.statements(CASE)?.pop().unwrap();
        write(
            out,
            "statement",
            &format!("{:02}-destroy.entry", statements.len()),
            &destroy.entry(),
        );

        // Bodies to the fixed document key: both encodings, a wrap, and the two modes.
        let recipient = fuzzing::document_key().to_public();
        let text = "the respondent's position on clause 14 ".repeat(40);
        let mut zstd_body = Vec::new();
        let s = body::seal(text.as_bytes(), &recipient, &mut zstd_body)?;
        assert_eq!(s.encoding, body::Encoding::Zstd);
        write(out, "body", "zstd.age", &zstd_body);
        let mut none_body = Vec::new();
        let s = body::seal(&b"short, not compressed"[..], &recipient, &mut none_body)?;
        assert_eq!(s.encoding, body::Encoding::None);
        write(out, "body", "none.age", &none_body);
        write(
            out,
            "body",
            "wrap.age",
            &DocumentKey::generate().wrap_to(&recipient)?,
        );
        let mut round = fuzzing::BODY_ROUND_TRIP.to_vec();
        round.extend_from_slice(text.as_bytes());
        write(out, "body", "round-trip.txt", &round);
        for (file, pattern) in [
            (
                "large-zstd.txt",
                &b"\x00\x01 clause 14 of the draft agreement"[..],
            ),
            ("large-none.txt", &b"\x40\x1f\x01 scrambled"[..]),
        ] {
            let mut large = fuzzing::BODY_ROUND_TRIP_LARGE.to_vec();
            large.extend_from_slice(pattern);
            write(out, "body", file, &large);
        }
        let mut frame = fuzzing::BODY_ZSTD_PLAINTEXT.to_vec();
        frame.extend_from_slice(&zstd::bulk::compress(text.as_bytes(), 3).unwrap());
        write(out, "body", "zstd-frame.bin", &frame);
        let mut wrap_plain = fuzzing::BODY_WRAP_PLAINTEXT.to_vec();
        wrap_plain.extend_from_slice(
            body::open_small(
                &DocumentKey::generate().wrap_with_metadata(&recipient, br#"{"title":"x"}"#)?,
                fuzzing::document_key(),
            )?
            .expect("addressed to the document key")
            .as_slice(),
        );
        write(out, "body", "wrap-plaintext.txt", &wrap_plain);
        super::write_bombs(out, &zstd_body);
        invitations(out)?;
        Ok(())
    }

    /// A case with two parties in a new vault in `work`, and its registrar, mediator
    /// and claimant.
    fn small_case(work: &Path) -> Result<(Vault, [Identity; 3])> {
        let [registrar, mediator, claimant, respondent, archivist] = [
            "Registrar",
            "Mediator",
            "Claimant",
            "Respondent",
            "Archivist",
        ]
        .map(|n| Identity::generate(n).unwrap());
        let mut vault = Vault::init(&work.join("vault"))?;
        vault.open_case(
            &registrar,
            CaseSpec::new(CASE, archivist.card())
                .mediator(mediator.card())
                .party("claimant", claimant.card())
                .party("respondent", respondent.card()),
        )?;
        Ok((vault, [registrar, mediator, claimant]))
    }

    /// The first statements of a small case, as written today (version 2).
    pub fn statements_v2(out: &Path) -> Result<()> {
        let work = tempfile::tempdir().unwrap();
        let (mut vault, [_, mediator, claimant]) = small_case(work.path())?;
        let brief = vault.deposit(
            &claimant,
            CASE,
            spec(Category::Brief, "Brief", "brief.txt"),
            &b"our brief"[..],
        )?;
        vault.read(&mediator, CASE, brief.num, &mut Vec::new())?;
        let statements = vault.statements(CASE)?;
        for (seq, s) in statements.iter().enumerate() {
            let act = s.statement()?.act.name();
            write(
                out,
                "statement",
                &format!("v2-{seq:02}-{act}.entry"),
                &s.entry(),
            );
        }
        let entries: Vec<Vec<u8>> = statements.iter().map(|s| s.entry()).collect();
        write(
            out,
            "statement",
            "v2-log.entries",
            &format::encode_entries(&entries),
        );
        Ok(())
    }

    /// A registrar's invitation (as written, and with one field changed after signing)
    /// and an e-mail holding a checkpoint of the fixed log key, with CRLF line ends.
    pub fn invitations(out: &Path) -> Result<()> {
        let work = tempfile::tempdir().unwrap();
        let (vault, [registrar, _, claimant]) = small_case(work.path())?;
        let invitation = vault.invite(&registrar, CASE, &claimant.card(), "/srv/sealroom")?;
        let text = invitation.to_text();
        write(out, "invitation", "claimant.invite", text.as_bytes());
        let altered = text.replacen("/srv/sealroom", "/srv/elsewhere", 1);
        write(out, "invitation", "altered.invite", altered.as_bytes());
        let cp = Checkpoint::new(format!("sealroom/fuzz/{CASE}"), 1, merkle::root(&[])).unwrap();
        let note = fuzzing::log_key().sign(&cp).unwrap().text;
        let mail = format!("Dear colleagues,\n\nmy checkpoint:\n\n{note}\nBest,\nAna\n")
            .replace('\n', "\r\n");
        write(
            out,
            "invitation",
            "mail-with-checkpoint.txt",
            mail.as_bytes(),
        );
        Ok(())
    }
}

/// The hostile bodies of issue 14, as seeds: a stanza bomb (a real body with 2,000
/// extra X25519 stanzas, which need no key to make) and a decompression bomb (64 MiB of
/// zeros, zstd-compressed, under the fixed document key).
fn write_bombs(out: &Path, real_body: &[u8]) {
    let version = b"age-encryption.org/v1\n".len();
    let stanza = "-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    let mut bomb = real_body[..version].to_vec();
    bomb.extend(stanza.repeat(2000).bytes());
    bomb.extend_from_slice(&real_body[version..]);
    fs::write(out.join("body").join("stanza-bomb.age"), bomb).unwrap();
    let zeros = zstd::bulk::compress(&vec![0u8; 64 << 20], 1).unwrap();
    let sealed = sealroom_engine::internal::crypto::body::seal_small(
        &zeros,
        &fuzzing::document_key().to_public(),
    )
    .unwrap();
    fs::write(out.join("body").join("decompression-bomb.age"), sealed).unwrap();
    // An identity file asking for 2^23 scrypt rounds (8 GiB): refused from its header.
    fs::create_dir_all(out.join("identity_file")).unwrap();
    fs::write(
        out.join("identity_file").join("greedy-work-factor.age"),
        b"age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 23\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nxxxxxxxxxxxxxxxx",
    )
    .unwrap();
}

/// Add statements of format version 2 (with their log head) to `fuzz/seeds/statement`,
/// beside the version 1 ones written before heads (a full `regenerate_seeds` writes
/// version 2 throughout).
#[test]
#[ignore = "writes into fuzz/seeds; run by hand"]
fn write_statement_v2_seeds() {
    seeds::statements_v2(&fuzz_dir().join("seeds")).unwrap();
}

/// Write only the invitation seeds into `fuzz/seeds/invitation`.
#[test]
#[ignore = "writes into fuzz/seeds; run by hand"]
fn write_invitation_seeds() {
    seeds::invitations(&fuzz_dir().join("seeds")).unwrap();
}

/// Write only the bomb seeds into `fuzz/seeds/body` (they need no case).
#[test]
#[ignore = "writes into fuzz/seeds; run by hand"]
fn write_bomb_seeds() {
    let seeds = fuzz_dir().join("seeds");
    let real = fs::read(seeds.join("body").join("zstd.age")).unwrap();
    write_bombs(&seeds, &real);
}
