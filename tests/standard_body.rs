//! A document body is a standard age v1 file: given the document key, the `age` crate
//! and `zstd` alone (and, where installed, the stock `age` and `zstd` tools) give the
//! original bytes back. The document key is recovered here the way an archive would
//! be opened: from the escrow share and the escrow wrap.

mod fixture;

use std::io::Read as _;
use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;
use fixture::{spec, World, CASE};
use sealroom_engine::internal::crypto::{body::open_small, escrow, wrap::DocumentKey};
use sealroom_engine::policy::Category;

/// The document key of `num`, rebuilt from the archivist's 1-of-1 escrow share.
fn document_key(w: &World, num: u64) -> age::x25519::Identity {
    let wrapped = w.vault.escrow_share(CASE, &w.archivist).unwrap();
    let text = open_small(&wrapped, w.archivist.decryption_key())
        .unwrap()
        .unwrap();
    let record = escrow::ShareRecord::parse(std::str::from_utf8(&text).unwrap()).unwrap();
    let expected = age::x25519::Recipient::from_str(&record.escrow).unwrap();
    let escrow_key = escrow::combine(&[record.share], &expected).unwrap();
    let wrap = w.vault.escrow_wrap(CASE, num).unwrap();
    let key = DocumentKey::unwrap_with(&wrap, &escrow_key)
        .unwrap()
        .unwrap();
    // Round-trip through the key's text form, as a person would hold it.
    age::x25519::Identity::from_str(key.identity().to_string().expose_secret()).unwrap()
}

fn decrypt_with_age_crate(blob: &[u8], key: &age::x25519::Identity) -> Vec<u8> {
    let decryptor = age::Decryptor::new(blob).expect("a standard age v1 header");
    let mut reader = decryptor
        .decrypt(std::iter::once(key as &dyn age::Identity))
        .expect("the document key opens the body");
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn compressible_body_is_age_then_zstd() {
    let mut w = World::new(0, 1);
    let text = "Article 14. The parties shall meet in good faith.\n".repeat(5000);
    let d = w
        .vault
        .deposit(
            &w.claimant,
            CASE,
            spec(Category::Brief, "brief"),
            text.as_bytes(),
        )
        .unwrap();
    assert_eq!(d.encoding, "zstd");
    let blob = std::fs::read(w.vault_dir().join("blobs").join(&d.blob_sha256)).unwrap();
    assert!(blob.starts_with(b"age-encryption.org/v1\n"));
    let key = document_key(&w, d.num);
    let compressed = decrypt_with_age_crate(&blob, &key);
    assert_eq!(&compressed[..4], &[0x28, 0xb5, 0x2f, 0xfd], "a zstd frame");
    assert_eq!(zstd::decode_all(&compressed[..]).unwrap(), text.as_bytes());
}

#[test]
fn incompressible_body_is_stored_in_a_padded_zstd_stream() {
    let mut w = World::new(0, 1);
    let mut data = vec![0u8; 1 << 20];
    getrandom::fill(&mut data).unwrap();
    let d = w
        .vault
        .deposit(
            &w.claimant,
            CASE,
            spec(Category::Evidence, "photos"),
            &data[..],
        )
        .unwrap();
    // Every new body is a zstd stream, so `encoding` says nothing about the document.
    assert_eq!(d.encoding, "zstd");
    let blob = std::fs::read(w.vault_dir().join("blobs").join(&d.blob_sha256)).unwrap();
    let stream = decrypt_with_age_crate(&blob, &document_key(&w, d.num));
    assert_eq!(&stream[..4], &[0x28, 0xb5, 0x2f, 0xfd], "a zstd frame");
    // zstd skips the padding frame: the stock decoder gives the original back.
    assert_eq!(zstd::decode_all(&stream[..]).unwrap(), data);
    // Stored, not compressed (fast mode), then padded to the size class.
    assert_eq!(
        stream.len() as u64,
        sealroom_engine::internal::crypto::body::padme(stream.len() as u64)
    );
    assert!(stream.len() < data.len() * 113 / 100);
}

fn tool(name: &str) -> bool {
    std::process::Command::new(name)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn stock_age_and_zstd_tools_open_a_body() {
    if !(tool("age") && tool("zstd")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the stock age and zstd tools (apt-get install -y age zstd)"
        );
        eprintln!(
            "SKIPPED stock_age_and_zstd_tools_open_a_body: `age` or `zstd` is not installed here"
        );
        return;
    }
    let mut w = World::new(0, 1);
    let text = "Without prejudice. ".repeat(10_000);
    let d = w
        .vault
        .deposit(
            &w.claimant,
            CASE,
            spec(Category::Caucus, "offer"),
            text.as_bytes(),
        )
        .unwrap();
    let key = document_key(&w, d.num);
    let key_file = w.dir.path().join("doc.key");
    std::fs::write(&key_file, format!("{}\n", key.to_string().expose_secret())).unwrap();
    let blob = w.vault_dir().join("blobs").join(&d.blob_sha256);
    let script = format!(
        "age -d -i '{}' '{}' | zstd -d -c",
        key_file.display(),
        blob.display()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, text.as_bytes());
}

#[test]
fn metadata_records_hide_the_length_of_titles_and_file_names() {
    let mut w = World::new(0, 1);
    let mut lengths = Vec::new();
    for title in ["x", &"A long title about the harbour works ".repeat(10)] {
        let d = w
            .vault
            .deposit(
                &w.claimant,
                CASE,
                spec(Category::Brief, title),
                &b"body"[..],
            )
            .unwrap();
        let db = rusqlite::Connection::open(w.vault_dir().join("sealroom.db")).unwrap();
        let meta: Vec<u8> = db
            .query_row("SELECT meta FROM documents WHERE num = ?1", [d.num], |r| {
                r.get(0)
            })
            .unwrap();
        lengths.push(decrypt_with_age_crate(&meta, &document_key(&w, d.num)).len());
    }
    // Both titles fit the smallest class: the records are the same length.
    assert_eq!(lengths, vec![1024, 1024]);
}

/// sealroom's age payload (`crypto::stream`, ring's ChaCha20-Poly1305 over batches of
/// chunks) and the stock `age` binary open each other's files, at every chunk and
/// batch edge, on one lane and on three.
#[test]
fn the_stream_module_and_stock_age_open_each_others_files() {
    use sealroom_engine::internal::crypto::stream;
    use std::io::Write as _;
    if !tool("age") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the stock age tool (apt-get install -y age)"
        );
        eprintln!("SKIPPED the_stream_module_and_stock_age_open_each_others_files: no `age`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = age::x25519::Identity::generate();
    let key_file = dir.path().join("stock.key");
    std::fs::write(&key_file, format!("{}\n", key.to_string().expose_secret())).unwrap();
    const CHUNK: usize = 64 * 1024;
    const BATCH: usize = 16 * CHUNK;
    for len in [0, 1, CHUNK, CHUNK + 1, BATCH, BATCH + 1, 3 * BATCH + 12_345] {
        let plain: Vec<u8> = (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
            .collect();
        let input = dir.path().join("plain");
        std::fs::write(&input, &plain).unwrap();

        // Stock age writes; sealroom reads.
        let stock_file = dir.path().join("stock.age");
        let status = std::process::Command::new("age")
            .arg("-r")
            .arg(key.to_public().to_string())
            .arg("-o")
            .arg(&stock_file)
            .arg(&input)
            .status()
            .unwrap();
        assert!(status.success(), "age -r failed for {len} bytes");
        let stock = std::fs::read(&stock_file).unwrap();
        for lanes in [1, 3] {
            let mut opened = Vec::new();
            stream::Header::read(&stock[..])
                .unwrap()
                .decrypt(&key, lanes)
                .unwrap()
                .read_to_end(&mut opened)
                .unwrap_or_else(|e| panic!("{len} bytes from stock age, {lanes} lanes: {e}"));
            assert!(opened == plain, "{len} bytes from stock age, {lanes} lanes");
        }

        // sealroom writes; stock age reads.
        let mut writer = stream::encrypt(&key.to_public(), Vec::new(), 3).unwrap();
        writer.write_all(&plain).unwrap();
        let ours = writer.finish().unwrap();
        let ours_file = dir.path().join("ours.age");
        std::fs::write(&ours_file, &ours).unwrap();
        let out = std::process::Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&key_file)
            .arg(&ours_file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "stock age refused sealroom's {len}-byte file: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == plain,
            "stock age opened {len} bytes to other bytes"
        );
    }
}
