//! No plaintext of a confidential document, title or file name reaches the vault's
//! disk: deposit documents carrying a marker in content, title and file name, read
//! and list them, then scan every file of the vault (database, WAL, shared memory,
//! blobs, anything else) for the marker.

mod fixture;

use fixture::{World, CASE};
use sealroom_engine::policy::Category;
use sealroom_engine::vault::DepositSpec;

const MARKER: &str = "ZQX-CONFIDENTIAL-MARKER-7731";

fn scan(dir: &std::path::Path, needles: &[Vec<u8>], found: &mut Vec<String>, files: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan(&path, needles, found, files);
            continue;
        }
        *files += 1;
        let bytes = std::fs::read(&path).unwrap();
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                found.push(format!(
                    "{} contains {:?}",
                    path.display(),
                    String::from_utf8_lossy(needle)
                ));
            }
        }
    }
}

#[test]
fn markers_never_reach_the_vault_files() {
    let mut w = World::new(3, 2);
    let mut nums = Vec::new();
    for (i, category) in [
        Category::Caucus,
        Category::Brief,
        Category::Settlement,
        Category::Procedural,
    ]
    .into_iter()
    .enumerate()
    {
        // Incompressible content, so the marker would survive in a plain blob.
        let mut content = format!("{MARKER} document {i} ").into_bytes();
        let mut noise = vec![0u8; 200_000];
        getrandom::fill(&mut noise).unwrap();
        content.extend_from_slice(&noise);
        content.extend_from_slice(MARKER.as_bytes());
        let d = w
            .vault
            .deposit(
                &w.claimant,
                CASE,
                DepositSpec::new(format!("{MARKER}-{i}.pdf"))
                    .category(category)
                    .title(format!("{MARKER} title {i}"))
                    .confidential(i == 0),
                &content[..],
            )
            .unwrap();
        nums.push(d.num);
    }
    let note = format!("{MARKER} the mediator's private impression");
    w.vault
        .deposit(
            &w.mediator,
            CASE,
            fixture::spec(Category::MediatorNote, &format!("{MARKER} note")),
            note.as_bytes(),
        )
        .unwrap();
    for num in &nums {
        w.vault
            .read(&w.mediator, CASE, *num, &mut Vec::new())
            .unwrap();
    }
    let listing = w.vault.list(&w.claimant, CASE).unwrap();
    assert!(listing.readable.iter().all(|d| d.title.contains(MARKER)));

    let needles = vec![
        MARKER.as_bytes().to_vec(),
        MARKER.to_lowercase().into_bytes(),
        // A UTF-16 copy would betray a title that went through some other encoding.
        MARKER
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect(),
    ];
    // Scan while the vault is open (WAL and shared memory present), then after closing.
    let dir = w.vault_dir();
    for phase in ["open", "closed"] {
        if phase == "closed" {
            drop(std::mem::replace(
                &mut w.vault,
                sealroom_engine::Vault::open(&dir).unwrap(),
            ));
        }
        let mut found = Vec::new();
        let mut files = 0;
        scan(&dir, &needles, &mut found, &mut files);
        assert!(files >= 7, "{phase}: scanned only {files} files");
        assert!(found.is_empty(), "{phase}: plaintext on disk: {found:#?}");
    }
}
