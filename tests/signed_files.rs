//! Signed files made by an earlier sealroom keep verifying. `tests/fixture/signed/` holds
//! a sealed archive (manifest, signature, every signed statement), a custodian's share
//! release and a destruction certificate, all written by the sealroom of 2026-11-30
//! (before the signed envelope was one type), with the test identities that made them.
//! `make_fixtures` (ignored) wrote them; it is kept to show how, not to be run again.

use std::path::{Path, PathBuf};

use sealroom_engine::archive::destroy::{destroy_on, Certificate};
use sealroom_engine::archive::release::{open, release, Release};
use sealroom_engine::archive::verify::verify_archive;
use sealroom_engine::policy::{Category, Policy};
use sealroom_engine::vault::{CaseSpec, DepositSpec};
use sealroom_engine::{Identity, Vault};

const CASE: &str = "FIX-2026-001";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/signed")
}

fn identity(name: &str) -> Identity {
    Identity::load(&dir().join(format!("{name}.id")), || {
        Err(sealroom_engine::Error::usage(
            "the fixture identities have no passphrase",
        ))
    })
    .expect("a fixture identity")
}

#[test]
#[ignore = "writes the fixtures; run once, with the sealroom whose files they keep"]
fn make_fixtures() {
    let out = dir();
    std::fs::create_dir_all(&out).unwrap();
    let names = [
        "registrar",
        "mediator",
        "claimant",
        "respondent",
        "archivist",
        "custodian",
        "clerk",
    ];
    let people: Vec<Identity> = names
        .iter()
        .map(|n| Identity::generate(&format!("Fixture {n}")).unwrap())
        .collect();
    for (n, id) in names.iter().zip(&people) {
        id.save(&out.join(format!("{n}.id")), None).unwrap();
    }
    let [registrar, mediator, claimant, respondent, archivist, custodian, clerk] =
        [0, 1, 2, 3, 4, 5, 6].map(|i| &people[i]);
    let work = tempfile::tempdir().unwrap();
    let mut vault = Vault::init(&work.path().join("vault")).unwrap();
    vault
        .open_case(
            registrar,
            CaseSpec::new(CASE, archivist.card())
                .title("Signed files of 2026-11-30")
                .policy(Policy::Consent)
                .threshold(1)
                .mediator(mediator.card())
                .party("claimant", claimant.card())
                .party("respondent", respondent.card())
                .custodian(custodian.card()),
        )
        .unwrap();
    let spec = |category, title: &str| DepositSpec::new("doc.txt").category(category).title(title);
    vault
        .deposit(
            claimant,
            CASE,
            spec(Category::Caucus, "Range"),
            &b"our range"[..],
        )
        .unwrap();
    vault
        .deposit(
            claimant,
            CASE,
            spec(Category::Settlement, "Terms"),
            &b"the agreed terms"[..],
        )
        .unwrap();
    vault.close_case(mediator, CASE).unwrap();
    let archive = out.join("case.sealed");
    vault.seal(archivist, CASE, "2026-12-31", &archive).unwrap();
    let r = release(
        std::fs::File::open(&archive).unwrap(),
        custodian,
        &clerk.card(),
    )
    .unwrap();
    std::fs::write(out.join("custodian.release"), r.to_text()).unwrap();
    let destroyed = out.join("destroyed.sealed");
    std::fs::copy(&archive, &destroyed).unwrap();
    destroy_on(
        &destroyed,
        archivist,
        &out.join("destroyed.cert"),
        "2027-01-01",
    )
    .unwrap();
}

#[test]
fn an_archive_release_and_certificate_of_2026_11_30_still_verify() {
    let d = dir();
    // The archive: the manifest's signature and every statement's.
    let report = verify_archive(std::fs::File::open(d.join("case.sealed")).unwrap(), None)
        .expect("the 2026-11-30 archive verifies");
    assert_eq!(report.case, CASE);
    assert!(!report.destroyed);

    // The release: parsed, its signature checked, and it opens the archive.
    let text = std::fs::read_to_string(d.join("custodian.release")).unwrap();
    let r = Release::parse(&text).expect("the 2026-11-30 release parses");
    let out = tempfile::tempdir().unwrap();
    let opened = open(
        &d.join("case.sealed"),
        std::slice::from_ref(&r),
        &identity("clerk"),
        &out.path().join("opened"),
    )
    .expect("the 2026-11-30 release opens the archive");
    assert_eq!(opened.documents.len(), 2);
    // A release whose body was changed after signing does not.
    let mut forged = r;
    forged.release.requester_name = "Someone Else".into();
    assert!(open(
        &d.join("case.sealed"),
        &[forged],
        &identity("clerk"),
        &out.path().join("forged"),
    )
    .is_err());

    // The certificate: it verifies the destroyed archive, which also carries it.
    let cert_text = std::fs::read_to_string(d.join("destroyed.cert")).unwrap();
    let cert = Certificate::parse(&cert_text).expect("the 2026-11-30 certificate parses");
    cert.verify(&identity("archivist").card())
        .expect("the 2026-11-30 certificate is the archivist's");
    let report = verify_archive(
        std::fs::File::open(d.join("destroyed.sealed")).unwrap(),
        Some(&cert),
    )
    .expect("the destroyed archive verifies with its certificate");
    assert!(report.destroyed && report.certificate_checked);
    let mut edited = cert;
    edited.body.removed.pop();
    assert!(edited.verify(&identity("archivist").card()).is_err());
}
