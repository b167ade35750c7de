//! Passphrase-protected identities at a cost people tolerate: age's standard work
//! factor, `unlock` keeping an opened identity in the kernel keyring for a while (and
//! `lock` ending it), and a memory limit too small for the work refused with exit 6 and
//! one sentence instead of an allocation abort.

mod common;

use common::*;

const PASS: &str = "correct horse battery staple";

/// An identity with a passphrase in a fresh sandbox; its path as an argument.
fn protected(sb: &Sandbox) -> String {
    let id = sb.arg("ana.id");
    let out = sb
        .cmd()
        .env("SEALROOM_PASSPHRASE", PASS)
        .args(["keygen", "--name", "Ana Ruiz", "-o", &id])
        .output()
        .unwrap();
    expect_ok("keygen with a passphrase", &out);
    id
}

/// `sealroom -i ID card` with no passphrase available (no terminal, no variable).
fn card_without_passphrase(sb: &Sandbox, id: &str) -> std::process::Output {
    sb.cmd().args(["-i", id, "card"]).output().unwrap()
}

#[test]
fn unlock_keeps_an_identity_open_until_lock() {
    let sb = Sandbox::new();
    let id = protected(&sb);
    let out = card_without_passphrase(&sb, &id);
    assert!(
        !out.status.success(),
        "a protected identity opened without its passphrase"
    );

    let out = sb
        .cmd()
        .env("SEALROOM_PASSPHRASE", PASS)
        .args(["-i", &id, "unlock", "--for", "2m"])
        .output()
        .unwrap();
    let said = expect_ok("unlock", &out);
    assert!(
        said.contains("Unlocked Ana Ruiz") && said.contains("2m"),
        "{said}"
    );

    // No passphrase now: the opened identity comes from the keyring.
    let card = expect_ok("card while unlocked", &card_without_passphrase(&sb, &id));
    assert!(card.contains("name: Ana Ruiz"), "{card}");

    let said = sb.ok(&["-i", &id, "lock"]);
    assert!(said.contains("Locked"), "{said}");
    let out = card_without_passphrase(&sb, &id);
    assert!(!out.status.success(), "still open after lock");
    let said = sb.ok(&["-i", &id, "lock"]);
    assert!(said.contains("was not unlocked"), "{said}");
}

#[test]
fn unlock_refuses_what_it_cannot_do() {
    let sb = Sandbox::new();
    let id = protected(&sb);
    for bad in ["0s", "25h", "soon"] {
        let out = sb
            .cmd()
            .env("SEALROOM_PASSPHRASE", PASS)
            .args(["-i", &id, "unlock", "--for", bad])
            .output()
            .unwrap();
        let err = expect_failure(&format!("unlock --for {bad}"), &out, 2);
        assert!(err.contains("duration"), "{err}");
    }
    // A wrong passphrase unlocks nothing.
    let out = sb
        .cmd()
        .env("SEALROOM_PASSPHRASE", "wrong")
        .args(["-i", &id, "unlock"])
        .output()
        .unwrap();
    expect_failure("unlock with a wrong passphrase", &out, 5);
    assert!(!card_without_passphrase(&sb, &id).status.success());
    // An identity without a passphrase has nothing to unlock.
    sb.keygen("Ben", "ben.id");
    let err = sb.fails(&["-i", &sb.arg("ben.id"), "unlock"], 2);
    assert!(err.contains("no passphrase"), "{err}");
}

#[test]
fn too_little_memory_for_the_passphrase_work_is_exit_6_not_an_abort() {
    let sb = Sandbox::new();
    let id = protected(&sb);
    // 2^18 needs 256 MiB; allow the process 200 MB of address space.
    let script =
        format!("ulimit -v 200000; SEALROOM_PASSPHRASE='{PASS}' '{BIN}' -i '{id}' card; exit $?");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("HOME", sb.join("home"))
        .output()
        .unwrap();
    let err = expect_failure("card under ulimit -v", &out, 6);
    assert!(err.contains("256 MiB") && err.contains("ulimit"), "{err}");
}
