//! The manual page and shell completions in the repository are exactly what the
//! command line's own definition generates today, so they never drift from it; a change
//! to any command shows up here as a reviewed diff.

use std::path::Path;

use assert_cmd::Command;

fn generated(args: &[&str]) -> String {
    let out = Command::cargo_bin("sealroom")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "sealroom {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

fn committed(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|_| panic!("{path} is missing; run `cargo run -- man > docs/man/sealroom.1` and `cargo run -- completions SHELL > completions/sealroom.SHELL`"))
}

#[test]
fn committed_man_page_and_completions_match_the_command_line() {
    let cases = [
        (vec!["man"], "docs/man/sealroom.1"),
        (vec!["completions", "bash"], "completions/sealroom.bash"),
        (vec!["completions", "zsh"], "completions/sealroom.zsh"),
        (vec!["completions", "fish"], "completions/sealroom.fish"),
    ];
    for (args, path) in cases {
        assert!(
            generated(&args) == committed(path),
            "{path} is out of date: regenerate it with `cargo run -- {} > {path}` and review the diff",
            args.join(" ")
        );
    }
}

#[test]
fn every_command_is_in_the_man_page_and_the_completions() {
    let man = generated(&["man"]);
    let bash = generated(&["completions", "bash"]);
    for command in [
        "init",
        "keygen",
        "card",
        "case",
        "deposit",
        "list",
        "read",
        "consent",
        "disclose",
        "revoke",
        "export",
        "seal",
        "archive",
        "log",
        "receipt",
        "doctor",
        "completions",
        "man",
        "demo",
    ] {
        assert!(
            man.contains(&format!("SEALROOM {}", command.to_uppercase())),
            "man page lacks {command}"
        );
        assert!(bash.contains(command), "bash completion lacks {command}");
    }
    for sub in [
        "case open",
        "case close",
        "archive verify",
        "archive open",
        "receipt verify",
    ] {
        assert!(
            man.contains(&format!("SEALROOM {}", sub.to_uppercase())),
            "man page lacks {sub}"
        );
    }
}
