//! Hostile bytes in place of what sealroom wrote, driven as an attacker who can write
//! the vault folder (and, for some, who can read the document, so knows its key):
//! a stanza bomb, a decompression bomb of the signed size, an identity file asking
//! for too much passphrase work. Each is refused before the work it would cause, and
//! the bounds are asserted by construction (bytes processed), not by a timer.

mod common;

use std::io::Write;

use common::*;

/// The blob file of document `num` (from the vault's own record of it).
fn blob_of(fx: &Fixture, num: u64) -> std::path::PathBuf {
    let db = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
    let sha: String = db
        .query_row("SELECT blob FROM documents WHERE num = ?1", [num], |r| {
            r.get(0)
        })
        .unwrap();
    fx.vault.join("blobs").join(sha)
}

/// The document key of `num`, as a reader (the claimant) can take it from their wrap.
fn document_key(fx: &Fixture, num: u64) -> age::x25519::Identity {
    let db = rusqlite::Connection::open(fx.vault.join("sealroom.db")).unwrap();
    let card = sealroom_engine::Card::parse(&std::fs::read_to_string(fx.card("claimant")).unwrap())
        .unwrap();
    let wrap: Vec<u8> = db
        .query_row(
            "SELECT wrap FROM wraps WHERE num = ?1 AND reader = ?2",
            rusqlite::params![num, card.fingerprint().to_hex()],
            |r| r.get(0),
        )
        .unwrap();
    let me = sealroom_engine::Identity::load(std::path::Path::new(&fx.id("claimant")), || {
        unreachable!("no passphrase")
    })
    .unwrap();
    let unwrapped = sealroom_engine::internal::crypto::wrap::DocumentKey::unwrap_all(
        &wrap,
        me.decryption_key(),
    )
    .unwrap()
    .unwrap();
    unwrapped.key.identity().clone()
}

/// Text that compresses well, `len` bytes.
fn text(len: usize) -> Vec<u8> {
    let line = b"The respondent's position on the delay damages is set out below. ";
    line.iter().copied().cycle().take(len).collect()
}

/// `len` bytes of hex digits of pseudo-random bytes: text that compresses about two
/// to one.
fn hex_text(len: usize, seed: u64) -> Vec<u8> {
    pseudo_random(len / 2, seed)
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect()
}

/// Splice `extra` recipient stanzas into an age file right after its version line.
fn with_stanzas(file: &[u8], extra: usize) -> Vec<u8> {
    let version = b"age-encryption.org/v1\n".len();
    let stanza = "-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    let mut out = file[..version].to_vec();
    out.extend(stanza.repeat(extra).bytes());
    out.extend_from_slice(&file[version..]);
    out
}

#[test]
fn a_stanza_bomb_of_the_signed_size_is_refused_before_age_parses_it() {
    let fx = Fixture::new();
    // Hex digits: the ciphertext stays large (about half the text), room for the bomb.
    let original = hex_text(2 << 20, 3);
    let num = fx.deposit_bytes("claimant", "big.txt", &original, &[]);
    let blob = blob_of(&fx, num);
    let signed_len = std::fs::metadata(&blob).unwrap().len() as usize;
    assert!(signed_len > 600_000, "{signed_len}");
    // 5,000 stanzas (half a megabyte of header), cut back to the signed length so the
    // size check alone cannot catch it.
    let mut bomb = with_stanzas(&std::fs::read(&blob).unwrap(), 5000);
    assert!(bomb.len() > signed_len);
    bomb.truncate(signed_len);
    std::fs::write(&blob, &bomb).unwrap();
    let out = fx.run_as("claimant", &["read", CASE, &num.to_string()]);
    let err = expect_failure("read of a stanza bomb", &out, 3);
    assert!(
        err.contains("recipient stanzas") || err.contains("header"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "plaintext released");
    // Bounded by construction: the check looks at no more than this many bytes.
    assert_eq!(
        sealroom_engine::internal::crypto::header::MAX_HEADER_LEN,
        1024
    );
    let target = fx.sandbox.join("out.txt");
    fx.fails_as(
        "claimant",
        &["read", CASE, &num.to_string(), "-o", &path_arg(&target)],
        3,
    );
    assert!(!target.exists());
}

#[test]
fn a_blob_of_another_length_is_refused_before_decrypting() {
    let fx = Fixture::new();
    let num = fx.deposit_bytes("claimant", "b.txt", &text(300_000), &[]);
    let blob = blob_of(&fx, num);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes.extend_from_slice(b"trailing");
    std::fs::write(&blob, &bytes).unwrap();
    let err = fx.fails_as("claimant", &["read", CASE, &num.to_string()], 3);
    assert!(err.contains("not the") && err.contains("signed"), "{err}");
}

/// An age file under `key` of a zstd stream that decompresses to `zeros` zero bytes,
/// padded with a zstd skippable frame so that the age file is exactly `len` bytes.
fn bomb_of_length(key: &age::x25519::Identity, zeros: usize, len: usize) -> Vec<u8> {
    let mut z = zstd::stream::Encoder::new(Vec::new(), 1).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..zeros / chunk.len() {
        z.write_all(&chunk).unwrap();
    }
    padded_to(key, z.finish().unwrap(), len)
}

/// An age file under `key` of `text`, zstd-compressed and padded to exactly `len` bytes.
fn forged_of_length(key: &age::x25519::Identity, text: &[u8], len: usize) -> Vec<u8> {
    padded_to(key, zstd::bulk::compress(text, 3).unwrap(), len)
}

/// `compressed` (a zstd stream) with a skippable frame, age-encrypted to `key`, so that
/// the file is exactly `len` bytes.
fn padded_to(key: &age::x25519::Identity, compressed: Vec<u8>, len: usize) -> Vec<u8> {
    let seal = |payload: &[u8]| {
        sealroom_engine::internal::crypto::body::seal_small(payload, &key.to_public()).unwrap()
    };
    // age adds a tag per 64 KiB chunk and a random grease stanza to the header: adjust
    // the padding until the file has exactly the signed length.
    let mut room = len.saturating_sub(compressed.len() + 8 + 200) as i64;
    for _ in 0..2000 {
        let mut payload = compressed.clone();
        // A skippable frame: magic 0x184D2A50 (little-endian), u32 size, then data.
        payload.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
        payload.extend_from_slice(&(room as u32).to_le_bytes());
        payload.extend(std::iter::repeat_n(0u8, room as usize));
        let file = seal(&payload);
        if file.len() == len {
            return file;
        }
        room = (room + len as i64 - file.len() as i64).max(0);
    }
    panic!("could not build a bomb of exactly {len} bytes");
}

#[test]
fn a_decompression_bomb_under_the_document_key_writes_no_more_than_the_signed_size() {
    let fx = Fixture::new();
    // Text that compresses about two to one (hex digits), so the signed ciphertext is
    // larger than a compressed bomb.
    let original = hex_text(3 << 20, 7);
    let num = fx.deposit_bytes("claimant", "big.txt", &original, &[]);
    let blob = blob_of(&fx, num);
    let signed_len = std::fs::metadata(&blob).unwrap().len() as usize;
    // 256 MiB of zeros, compressed, padded to the signed ciphertext length, encrypted
    // under the real document key (a reader of the document could make it).
    let key = document_key(&fx, num);
    let bomb = bomb_of_length(&key, 256 << 20, signed_len);
    std::fs::write(&blob, &bomb).unwrap();
    let out = fx.run_as("claimant", &["read", CASE, &num.to_string()]);
    let err = expect_failure("read of a decompression bomb", &out, 3);
    // Refused from its hash before a byte is decompressed; were the hash to match,
    // `body::open_limited` would stop at the signed size (its unit test).
    assert!(err.contains("does not match its signed hash"), "{err}");
    assert!(out.stdout.is_empty(), "{} bytes released", out.stdout.len());
    let target = fx.sandbox.join("bomb.out");
    fx.fails_as(
        "claimant",
        &["read", CASE, &num.to_string(), "-o", &path_arg(&target)],
        3,
    );
    assert!(!target.exists());
}

#[test]
fn a_forged_body_under_the_same_key_releases_nothing_even_to_stdout() {
    let fx = Fixture::new();
    let original = hex_text(1 << 20, 5);
    let num = fx.deposit_bytes("claimant", "brief.txt", &original, &[]);
    let blob = blob_of(&fx, num);
    let signed_len = std::fs::metadata(&blob).unwrap().len() as usize;
    // A reader knows the document key: a different text under it, of the signed length.
    let key = document_key(&fx, num);
    let forged = forged_of_length(&key, b"FORGED: the claimant accepts 1m.", signed_len);
    std::fs::write(&blob, &forged).unwrap();
    let out = fx.run_as("mediator", &["read", CASE, &num.to_string()]);
    let err = expect_failure("read of a forged body", &out, 3);
    assert!(err.contains("does not match its signed hash"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "unverified plaintext released: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn an_identity_asking_for_too_much_passphrase_work_is_refused_before_any() {
    let fx = Fixture::new();
    // A scrypt header asking for 2^23 (8 GiB): refused from the header alone.
    let file = b"age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 23\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nxxxx";
    let id = fx.write("greedy.id", file);
    let out = fx
        .sandbox
        .cmd()
        .env("SEALROOM_PASSPHRASE", "whatever")
        .args(["-i", &id, "card"])
        .output()
        .unwrap();
    let err = expect_failure("card of a greedy identity", &out, 2);
    assert!(
        err.contains("work factor 23") && err.contains("at most 20"),
        "{err}"
    );
}

#[test]
fn new_passphrase_identities_use_the_standard_work_factor() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .env("SEALROOM_PASSPHRASE", "correct horse battery staple")
        .args(["keygen", "--name", "Ana", "-o", &sb.arg("ana.id")])
        .output()
        .unwrap();
    expect_ok("keygen with a passphrase", &out);
    let bytes = std::fs::read(sb.join("ana.id")).unwrap();
    assert_eq!(
        sealroom_engine::internal::crypto::header::scrypt_work_factor(&bytes).unwrap(),
        18
    );
}

#[test]
fn a_title_with_bidi_or_control_characters_is_escaped_on_the_terminal_and_exact_in_json() {
    let fx = Fixture::new();
    // "invoice" U+202E "fdp.exe" shows as "invoiceexe.pdf" on a terminal that obeys it.
    let title = "invoice\u{202e}fdp.exe";
    let num = fx.deposit_bytes("claimant", "i.txt", b"x", &["--title", title]);
    let text = fx.ok_as("claimant", &["list", CASE]);
    assert!(
        !text.contains('\u{202e}'),
        "a raw bidi override reached the terminal:\n{text}"
    );
    assert!(text.contains("invoice\\u{202e}fdp.exe"), "{text}");
    let json = parse_json(&fx.ok_as("claimant", &["--json", "list", CASE]));
    let listed = json["readable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["num"] == num)
        .unwrap();
    assert_eq!(listed["title"], title, "JSON keeps the exact string");
}

#[test]
fn closed_stdout_and_stderr_pipes_end_the_command_without_a_panic() {
    let fx = Fixture::new();
    // A small document is written whole before `head` goes; the receipt line that
    // follows on stderr then meets the closed pipe (exit 101 before the fix). A large
    // one meets it on stdout.
    let small = fx.deposit_bytes("claimant", "small.txt", b"a short caucus note\n", &[]);
    let large = fx.deposit_bytes("claimant", "big.txt", &hex_text(4 << 20, 11), &[]);
    for num in [small, small, large] {
        // As `sealroom read … 2>&1 | head -c5` would: both streams into a pipe that closes
        // after five bytes.
        let script = format!(
        "'{BIN}' --vault '{}' -i '{}' read {CASE} {num} 2>&1 | head -c5 >/dev/null; exit ${{PIPESTATUS[0]}}",
        path_arg(&fx.vault),
        fx.id("claimant"),
    );
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .env("HOME", fx.sandbox.join("home"))
            .env("XDG_DATA_HOME", fx.sandbox.join("xdg"))
            .env_remove("XDG_STATE_HOME")
            .output()
            .unwrap();
        let code = out.status.code().expect("bash exits");
        assert_ne!(
            code,
            101,
            "sealroom panicked: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(code == 0 || code == 6, "exit {code}");
    }
}

#[test]
fn partial_outputs_of_killed_runs_are_removed_by_the_next_run_and_outputs_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let num = fx.deposit_bytes(
        "claimant",
        "c.txt",
        b"caucus text",
        &["--category", "caucus"],
    );
    // What a `read -o` killed mid-way leaves: a hidden partial file, locked by no one.
    let out_dir = fx.sandbox.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let partial = out_dir.join(".sealroom-Xk3r9q");
    std::fs::write(&partial, b"caucus te").unwrap();
    let target = out_dir.join("c.txt");
    let out = fx.run_as(
        "claimant",
        &["read", CASE, &num.to_string(), "-o", &path_arg(&target)],
    );
    expect_ok("read -o beside a partial output", &out);
    assert!(
        !partial.exists(),
        "the killed run's partial plaintext is still there"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("partial output left by an interrupted run"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // `archive open` makes a private folder of private files.
    fx.ok_as("mediator", &["case", "close", CASE]);
    let archive = fx.arg("c1.sealed");
    fx.ok_as(
        "archivist",
        &["seal", CASE, "--retain-until", "2036-12-31", "-o", &archive],
    );
    fx.add_person("clerk", "Court clerk");
    let mut shares = Vec::new();
    for c in ["custodian1", "custodian2"] {
        let share = fx.arg(format!("{c}.release"));
        fx.sandbox.ok(&[
            "archive",
            "release",
            &archive,
            "--to",
            &fx.card("clerk"),
            "-o",
            &share,
            "-i",
            &fx.id(c),
        ]);
        shares.push(share);
    }
    let opened = fx.sandbox.join("opened");
    let mut args = vec!["archive".to_owned(), "open".to_owned(), archive.clone()];
    for s in &shares {
        args.push("--share".to_owned());
        args.push(s.clone());
    }
    args.extend([
        "-o".to_owned(),
        path_arg(&opened),
        "-i".to_owned(),
        fx.id("clerk"),
    ]);
    fx.sandbox.ok(&args);
    assert_eq!(
        std::fs::metadata(&opened).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&opened).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", entry.path().display());
    }
}
