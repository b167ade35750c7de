//! docs/recovery.md works: its commands, extracted from the page and run as written
//! with the stock `tar`, `age`, `zstd` and `python3`, recover every escrowed and
//! retained document of a sealed archive byte for byte, with two of three custodians'
//! keys and no sealroom at all.

mod fixture;

use std::path::Path;
use std::process::Command;

use fixture::{spec, World, CASE};
use sealroom_engine::policy::Category;

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// The page's walkthrough as one shell script: its `sh` blocks in order, and its Python
/// block saved as `combine-shares.py` where the page says to save it.
fn walkthrough() -> String {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/recovery.md"))
        .expect("docs/recovery.md exists");
    let start = page.find("## Walkthrough").expect("a Walkthrough section");
    let end = page[start..]
        .find("\n## ")
        .map(|e| start + e)
        .unwrap_or(page.len());
    let mut shell = String::from("set -euo pipefail\n");
    let mut lines = page[start..end].lines();
    while let Some(line) = lines.next() {
        let lang = match line.trim_end() {
            "```sh" => "sh",
            "```python" => "python",
            _ => continue,
        };
        let mut block = String::new();
        for l in lines.by_ref() {
            if l.trim_end() == "```" {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
        if lang == "sh" {
            shell.push_str(&block);
        } else {
            shell.push_str(&format!("cat > combine-shares.py <<'PY'\n{block}PY\n"));
        }
    }
    assert!(
        shell.contains("tar -xf"),
        "the walkthrough lost its tar step"
    );
    assert!(
        shell.contains("def mul"),
        "the walkthrough lost its combine script"
    );
    shell
}

#[test]
fn the_recovery_page_recovers_documents_with_stock_tools() {
    let shell = walkthrough();
    let tools = [
        ("tar", "--version"),
        ("age", "--version"),
        ("zstd", "--version"),
        ("python3", "--version"),
        ("age-keygen", "--version"),
    ];
    let missing: Vec<&str> = tools
        .iter()
        .filter(|(t, a)| !have(t, a))
        .map(|(t, _)| *t)
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {missing:?} (apt-get install -y age zstd)"
        );
        eprintln!("SKIPPED the_recovery_page_recovers_documents_with_stock_tools: {missing:?} not installed");
        return;
    }

    let mut w = World::new(3, 2);
    let text =
        "Article 9. All information relating to the mediation is confidential.\n".repeat(3000);
    let mut noise = vec![0u8; 300_000];
    getrandom::fill(&mut noise).unwrap();
    let docs: Vec<(u64, Vec<u8>)> = vec![
        (
            w.vault
                .deposit(
                    &w.claimant,
                    CASE,
                    spec(Category::Caucus, "Bottom line"),
                    text.as_bytes(),
                )
                .unwrap()
                .num,
            text.clone().into_bytes(),
        ),
        (
            w.vault
                .deposit(
                    &w.respondent,
                    CASE,
                    spec(Category::Evidence, "Photographs"),
                    &noise[..],
                )
                .unwrap()
                .num,
            noise.clone(),
        ),
        (
            w.vault
                .deposit(
                    &w.claimant,
                    CASE,
                    spec(Category::Settlement, "Settlement"),
                    &b"Agreed: 4.2m."[..],
                )
                .unwrap()
                .num,
            b"Agreed: 4.2m.".to_vec(),
        ),
    ];
    let note = w
        .vault
        .deposit(
            &w.mediator,
            CASE,
            spec(Category::MediatorNote, "Impressions"),
            &b"private"[..],
        )
        .unwrap()
        .num;
    w.vault.close_case(&w.mediator, CASE).unwrap();
    let work = w.dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let archive = work.join("case.sealed");
    w.vault
        .seal(&w.archivist, CASE, "2036-12-31", &archive)
        .unwrap();

    // Custodians 1 and 3 take their age keys from their identity files, as the page says.
    let mut keys = Vec::new();
    for (i, c) in [&w.custodians[0], &w.custodians[2]].into_iter().enumerate() {
        let id = work.join(format!("c{i}.id"));
        c.save(&id, None).unwrap();
        let key = work.join(format!("c{i}.key"));
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "grep '^age: ' '{}' | cut -d' ' -f2 > '{}'",
                id.display(),
                key.display()
            ))
            .status()
            .unwrap();
        assert!(status.success());
        keys.push(key);
    }
    std::fs::write(work.join("walkthrough.sh"), &shell).unwrap();
    let unpack = work.join("recovered/sealroom-archive");
    let out = Command::new("bash")
        .arg(work.join("walkthrough.sh"))
        .current_dir(&work)
        .env("ARCHIVE", &archive)
        .env("CUSTODIAN_KEY_1", &keys[0])
        .env("CUSTODIAN_KEY_2", &keys[1])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The rebuilt escrow key is the case's: age-keygen -y printed the charter's recipient.
    let escrow = sealroom_engine::internal::crypto::escrow::ShareRecord::parse(
        std::str::from_utf8(&std::fs::read(unpack.join("share-c0.key.txt")).unwrap()).unwrap(),
    )
    .unwrap()
    .escrow;
    assert!(
        stdout.contains(&escrow),
        "age-keygen -y did not print the escrow recipient"
    );
    for (num, original) in &docs {
        let got = std::fs::read(unpack.join(format!("document-{num}"))).unwrap();
        assert_eq!(&got, original, "#{num} did not come back byte for byte");
    }
    assert!(
        !Path::new(&unpack.join(format!("document-{note}"))).exists(),
        "a mediator note survived"
    );
}
