//! What a person at a terminal sees: a document that is not text is not poured onto the
//! terminal unless asked (`--force`), and large transfers draw a progress bar on stderr
//! only when stderr is a terminal. The terminal is a real pseudo-terminal made by
//! util-linux `script`.

mod common;

use std::process::{Command, Output};

use common::{Fixture, BIN, CASE};

/// Run `sealroom ARGS` as `who` inside a pseudo-terminal; the typescript is stdout.
fn at_terminal(fx: &Fixture, who: &str, args: &[&str]) -> Option<Output> {
    let quoted: Vec<String> = [
        BIN,
        "-i",
        &fx.id(who),
        "--vault",
        &common::path_arg(&fx.vault),
    ]
    .iter()
    .chain(args)
    .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
    .collect();
    let out = Command::new("script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .current_dir(fx.sandbox.path())
        .env("HOME", fx.sandbox.join("home"))
        .env("XDG_DATA_HOME", fx.sandbox.join("xdg"))
        .env_remove("SEALROOM_VAULT")
        .env_remove("SEALROOM_IDENTITY")
        .output()
        .ok()?;
    Some(out)
}

fn have_script() -> bool {
    let ok = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs util-linux `script`"
        );
        eprintln!("SKIPPED: util-linux `script` is not available here");
    }
    ok
}

#[test]
fn binary_documents_stay_off_the_terminal_unless_forced() {
    if !have_script() {
        return;
    }
    let fx = Fixture::new();
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let bin = fx.deposit_bytes("claimant", "scan.pdf", &binary, &[]);
    let text = fx.deposit_bytes("claimant", "note.txt", b"terms agreed in principle\n", &[]);

    let out = at_terminal(&fx, "claimant", &["read", CASE, &bin.to_string()]).unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{screen}");
    assert!(
        screen.contains("application/pdf") && screen.contains("--force"),
        "{screen}"
    );

    let out = at_terminal(
        &fx,
        "claimant",
        &["read", CASE, &bin.to_string(), "--force"],
    )
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.len() >= binary.len(),
        "--force did not write the document"
    );

    let out = at_terminal(&fx, "claimant", &["read", CASE, &text.to_string()]).unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("terms agreed in principle"), "{screen}");

    // Off a terminal (a pipe), binary output is what was asked for.
    assert_eq!(fx.read_stdout("claimant", bin), binary);
}

#[test]
fn progress_is_drawn_only_on_a_terminal() {
    if !have_script() {
        return;
    }
    let fx = Fixture::new();
    let big = common::pseudo_random(12 * 1024 * 1024, 7);
    let file = fx.write("big.bin", &big);
    let out = at_terminal(&fx, "claimant", &["deposit", CASE, &file]).unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(
        screen.contains("depositing"),
        "no progress bar on a terminal:\n{screen}"
    );

    let piped = fx.run_as("claimant", &["deposit", CASE, &file]);
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !stderr.contains("depositing"),
        "a progress bar was drawn off a terminal: {stderr}"
    );
}

#[test]
fn sealroom_passphrase_is_used_even_at_a_terminal() {
    if !have_script() {
        return;
    }
    let fx = Fixture::new();
    let id = fx.sandbox.arg("people/locked.id");
    let out = fx
        .sandbox
        .cmd()
        .env("SEALROOM_PASSPHRASE", "tessellate quorum lantern")
        .args(["keygen", "--name", "Lena Locked", "-o", &id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // At a terminal, with the variable set: no prompt (which would hang `script`, as
    // it hung a session in a terminal multiplexer), the card is printed.
    let quoted = format!("SEALROOM_PASSPHRASE='tessellate quorum lantern' '{BIN}' -i '{id}' card");
    let out = Command::new("timeout")
        .args(["30", "script", "-qec", &quoted, "/dev/null"])
        .current_dir(fx.sandbox.path())
        .env("HOME", fx.sandbox.join("home"))
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("name: Lena Locked"), "{screen}");
    assert!(
        !screen.contains("Passphrase for"),
        "prompted although the variable was set: {screen}"
    );
}

#[test]
fn a_document_read_to_the_terminal_shares_no_line_with_a_progress_bar() {
    if !have_script() {
        return;
    }
    let fx = Fixture::new();
    let text = "lorem ipsum dolor sit amet\n".repeat(40_000);
    let num = fx.deposit_bytes("claimant", "notes.txt", text.as_bytes(), &[]);
    let out = at_terminal(&fx, "claimant", &["read", CASE, &num.to_string()]).unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(screen.contains("lorem ipsum dolor sit amet"));
    assert!(
        !screen.contains("reading"),
        "a progress bar was drawn beside the document on the terminal"
    );
}
