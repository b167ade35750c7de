//! Snapshots of what users see, run with trycmd: any change to a help text or to the
//! main outputs of a scripted case shows up as a reviewed diff of `tests/cmd/`.
//!
//! - `tests/cmd/help/*.toml`: the exact `--help` of `sealroom` and of every command and
//!   subcommand (`.stdout` next to each case).
//! - `tests/cmd/case/*.md`: a whole mediation case, command by command, in a sandbox
//!   copied from `*.in/` (fixture identities made once with `keygen --no-passphrase`:
//!   test-only keys). Timestamps, vault ids, hashes and receipt file names are elided
//!   with `[..]`; everything else is pinned.
//!
//! After a deliberate change, regenerate with
//! `TRYCMD=overwrite cargo test --test snapshots` and review the diff.

use std::path::Path;

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_sealroom");

/// A fixed terminal width: clap wraps help to `COLUMNS` when there is no terminal.
const COLUMNS: &str = "100";

#[test]
fn help() {
    trycmd::TestCases::new()
        .register_bin("sealroom", Path::new(BIN))
        .env("COLUMNS", COLUMNS)
        .case("tests/cmd/help/*.toml");
}

#[test]
fn scripted_case() {
    // Every path is relative to the sandbox, the working directory of each command:
    // the vault, the receipts ($XDG_DATA_HOME/sealroom/receipts) and HOME all stay in it.
    trycmd::TestCases::new()
        .register_bin("sealroom", Path::new(BIN))
        .env("SEALROOM_VAULT", "vault")
        .env("XDG_DATA_HOME", "xdg")
        .env("HOME", "home")
        .env("TMPDIR", "tmp")
        .env("COLUMNS", COLUMNS)
        .env("LC_ALL", "C.UTF-8")
        .case("tests/cmd/case/*.md");
}
