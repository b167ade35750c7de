//! The fixture of the CLI scenario tests: a sandbox folder that nothing of the
//! developer's environment leaks into, a vault in it, and the people of one mediation
//! case (`C-1`, consent policy, escrow 2 of 3) with their identities and cards.
//!
//! Every command runs the real `sealroom` binary as a person would, with the
//! environment set explicitly: no `SEALROOM_*` variable is inherited, `HOME`,
//! `XDG_DATA_HOME` and `TMPDIR` point into the sandbox, and the working directory is
//! the sandbox itself.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

pub mod backends;
pub mod crash;
pub mod server;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sealroom");

/// The case every fixture opens.
pub const CASE: &str = "C-1";

/// A command may not hang a test run (e.g. waiting for a passphrase on a terminal).
const TIMEOUT: Duration = Duration::from_secs(120);

/// The people of the fixture's case: file stem and display name.
pub const PEOPLE: [(&str, &str); 10] = [
    ("registrar", "Rhea Okafor (registry)"),
    ("mediator", "Mona Lindqvist"),
    ("claimant", "Ana Ruiz"),
    ("cocounsel", "Ben Adeyemi"),
    ("respondent", "Rüdiger Østergaard 田中"),
    ("archivist", "Aiko Sato"),
    ("custodian1", "Cara One"),
    ("custodian2", "Cyril Two"),
    ("custodian3", "Chen Three"),
    ("outsider", "Olaf Outsider"),
];

/// A temporary folder with `home/`, `xdg/` and `tmp/` inside, in which commands run.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A fresh, empty sandbox.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("sealroom-cli-")
            .tempdir()
            .expect("make a temporary folder");
        for sub in ["home", "xdg", "tmp"] {
            std::fs::create_dir(dir.path().join(sub)).expect("make a sandbox folder");
        }
        Sandbox { dir }
    }

    /// The sandbox folder (also the working directory of every command).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `path()/rel`.
    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `path()/rel` as a string argument.
    pub fn arg(&self, rel: impl AsRef<Path>) -> String {
        path_arg(&self.join(rel))
    }

    /// The folder `TMPDIR` points at for every command.
    pub fn tmpdir(&self) -> PathBuf {
        self.join("tmp")
    }

    /// The member state folder the commands see (`$HOME/.local/state/sealroom`: pins
    /// and receipts; every person of a sandbox shares it, as people sharing one
    /// machine account would).
    pub fn state_dir(&self) -> PathBuf {
        self.join("home").join(".local/state/sealroom")
    }

    /// The default vault folder the commands see (`$XDG_DATA_HOME/sealroom`).
    pub fn default_vault(&self) -> PathBuf {
        self.join("xdg").join("sealroom")
    }

    /// A `sealroom` command with a clean, explicit environment and no arguments yet.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.std_cmd());
        cmd.timeout(TIMEOUT);
        cmd
    }

    /// [`Sandbox::cmd`] as a plain process, for a child a test kills.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(BIN);
        cmd.current_dir(self.path())
            .env_remove("SEALROOM_VAULT")
            .env_remove("SEALROOM_IDENTITY")
            .env_remove("SEALROOM_PASSPHRASE")
            .env_remove("SEALROOM_NEW_PASSPHRASE")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LOG")
            .env_remove("XDG_STATE_HOME")
            .env("HOME", self.join("home"))
            .env("XDG_DATA_HOME", self.join("xdg"))
            .env("TMPDIR", self.tmpdir())
            .env("LC_ALL", "C.UTF-8");
        cmd
    }

    /// Run `sealroom ARGS` and return what it did.
    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Output {
        let mut cmd = self.cmd();
        cmd.args(args.iter().map(|a| a.as_ref()));
        exec(&mut cmd)
    }

    /// Run `sealroom ARGS`, which must succeed; its standard output.
    pub fn ok<S: AsRef<str>>(&self, args: &[S]) -> String {
        expect_ok(&describe(args), &self.run(args))
    }

    /// Run `sealroom ARGS`, which must fail with exit `code` and a one-line error;
    /// its standard error.
    pub fn fails<S: AsRef<str>>(&self, args: &[S], code: i32) -> String {
        expect_failure(&describe(args), &self.run(args), code)
    }

    /// Make an identity without a passphrase at `rel` (and its card at `rel` with
    /// the extension `.card`); returns the card text keygen printed.
    pub fn keygen(&self, name: &str, rel: &str) -> String {
        let id = self.join(rel);
        let card = self.ok(&[
            "keygen",
            "--name",
            name,
            "-o",
            &path_arg(&id),
            "--no-passphrase",
        ]);
        std::fs::write(id.with_extension("card"), &card).expect("write the card");
        card
    }
}

/// A sandbox with a vault, the people of [`PEOPLE`], and case [`CASE`] opened by the
/// registrar with a mediator, the claimant party (two members: Ana and her co-counsel
/// Ben), the respondent party, an archivist and three custodians, threshold 2.
pub struct Fixture {
    pub sandbox: Sandbox,
    pub vault: PathBuf,
    /// The card each person's keygen printed, by file stem.
    pub cards: BTreeMap<&'static str, String>,
}

impl Fixture {
    /// Build the whole fixture.
    pub fn new() -> Self {
        let fx = Self::without_case();
        let out = fx.ok_as("registrar", &fx.case_open_args());
        assert!(
            out.contains(CASE),
            "case open did not name the case:\n{out}"
        );
        fx
    }

    /// The arguments of the `case open` that makes [`CASE`] (the registrar runs it).
    pub fn case_open_args(&self) -> Vec<String> {
        let mut args: Vec<String> = [
            "case",
            "open",
            CASE,
            "--title",
            "Harbour Works v. City of Lindau",
        ]
        .map(str::to_owned)
        .to_vec();
        let mut flag = |f: &str, v: String| {
            args.push(f.to_owned());
            args.push(v);
        };
        flag("--mediator", self.card("mediator"));
        flag("--party", format!("claimant={}", self.card("claimant")));
        flag("--party", format!("claimant={}", self.card("cocounsel")));
        flag("--party", format!("respondent={}", self.card("respondent")));
        flag("--archivist", self.card("archivist"));
        for c in ["custodian1", "custodian2", "custodian3"] {
            flag("--custodian", self.card(c));
        }
        flag("--threshold", "2".to_owned());
        args
    }

    /// The vault and the people, but no case yet.
    pub fn without_case() -> Self {
        let sandbox = Sandbox::new();
        let vault = sandbox.join("vault");
        std::fs::create_dir(sandbox.join("people")).expect("make people/");
        sandbox.ok(&["init", "--vault", &path_arg(&vault)]);
        let mut cards = BTreeMap::new();
        for (stem, name) in PEOPLE {
            let card = sandbox.keygen(name, &format!("people/{stem}.id"));
            cards.insert(stem, card);
        }
        Fixture {
            sandbox,
            vault,
            cards,
        }
    }

    /// The identity file of `who` (a stem of [`PEOPLE`] or one made later).
    pub fn id(&self, who: &str) -> String {
        let p = self.sandbox.join(format!("people/{who}.id"));
        assert!(p.is_file(), "no identity {}", p.display());
        path_arg(&p)
    }

    /// The card file of `who`.
    pub fn card(&self, who: &str) -> String {
        let p = self.sandbox.join(format!("people/{who}.card"));
        assert!(p.is_file(), "no card {}", p.display());
        path_arg(&p)
    }

    /// The display name of one of [`PEOPLE`].
    pub fn name(&self, who: &str) -> &'static str {
        PEOPLE
            .iter()
            .find(|(stem, _)| *stem == who)
            .map(|(_, name)| *name)
            .unwrap_or_else(|| panic!("{who} is not one of the fixture's people"))
    }

    /// Make one more person (no passphrase) in `people/`; returns the card text.
    pub fn add_person(&self, who: &str, name: &str) -> String {
        self.sandbox.keygen(name, &format!("people/{who}.id"))
    }

    /// `path()/rel` of the sandbox as a string argument.
    pub fn arg(&self, rel: impl AsRef<Path>) -> String {
        self.sandbox.arg(rel)
    }

    /// Write `bytes` to `rel` in the sandbox; returns its path as an argument.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> String {
        let p = self.sandbox.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("make the file's folder");
        }
        std::fs::write(&p, bytes).expect("write a test file");
        path_arg(&p)
    }

    fn vault_args<S: AsRef<str>>(&self, who: Option<&str>, args: &[S]) -> Vec<String> {
        let mut all = vec!["--vault".to_owned(), path_arg(&self.vault)];
        if let Some(who) = who {
            all.push("-i".to_owned());
            all.push(self.id(who));
        }
        all.extend(args.iter().map(|a| a.as_ref().to_owned()));
        all
    }

    /// Run `sealroom --vault VAULT ARGS`.
    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Output {
        self.sandbox.run(&self.vault_args(None, args))
    }

    /// `run`, which must succeed; standard output.
    pub fn ok<S: AsRef<str>>(&self, args: &[S]) -> String {
        self.sandbox.ok(&self.vault_args(None, args))
    }

    /// `run`, which must fail with `code` and a one-line error; standard error.
    pub fn fails<S: AsRef<str>>(&self, args: &[S], code: i32) -> String {
        self.sandbox.fails(&self.vault_args(None, args), code)
    }

    /// Run `sealroom --vault VAULT -i WHO.id ARGS`.
    pub fn run_as<S: AsRef<str>>(&self, who: &str, args: &[S]) -> Output {
        self.sandbox.run(&self.vault_args(Some(who), args))
    }

    /// `run_as`, which must succeed; standard output.
    pub fn ok_as<S: AsRef<str>>(&self, who: &str, args: &[S]) -> String {
        self.sandbox.ok(&self.vault_args(Some(who), args))
    }

    /// `run_as`, which must fail with `code` and a one-line error; standard error.
    pub fn fails_as<S: AsRef<str>>(&self, who: &str, args: &[S], code: i32) -> String {
        self.sandbox.fails(&self.vault_args(Some(who), args), code)
    }

    /// `sealroom [--vault VAULT] [-i WHO.id] ARGS` from another machine: with the member
    /// state (pins, receipts) in the sandbox folder `state` instead of the default one.
    pub fn run_on(
        &self,
        state: &str,
        vault: Option<&Path>,
        who: Option<&str>,
        args: &[&str],
    ) -> Output {
        let mut cmd = self.sandbox.cmd();
        cmd.env("XDG_STATE_HOME", self.sandbox.join(state));
        if let Some(vault) = vault {
            cmd.args(["--vault", &path_arg(vault)]);
        }
        if let Some(who) = who {
            cmd.args(["-i", &self.id(who)]);
        }
        cmd.args(args);
        exec(&mut cmd)
    }

    /// The pins the member state in the sandbox folder `state` holds.
    pub fn pins_on(&self, state: &str) -> Vec<PathBuf> {
        let dir = self.sandbox.join(state).join("sealroom/cases");
        let mut out = Vec::new();
        for vault in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            for f in std::fs::read_dir(vault.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.path().extension().is_some_and(|e| e == "pin") {
                    out.push(f.path());
                }
            }
        }
        out
    }

    /// A command for `who` against the vault, for stdin or extra environment.
    pub fn cmd_as(&self, who: &str) -> assert_cmd::Command {
        let mut cmd = self.sandbox.cmd();
        cmd.args(self.vault_args::<&str>(Some(who), &[]));
        cmd
    }

    /// `who` deposits `file` in [`CASE`] with `extra` flags; returns the new number,
    /// read from the `#N` first line of the output.
    pub fn deposit(&self, who: &str, file: &str, extra: &[&str]) -> u64 {
        let mut args = vec!["deposit", CASE, file];
        args.extend_from_slice(extra);
        let out = self.ok_as(who, &args);
        first_line_num(&out)
    }

    /// `who` deposits `bytes` (written to a fresh file named `name`) with `extra` flags.
    pub fn deposit_bytes(&self, who: &str, name: &str, bytes: &[u8], extra: &[&str]) -> u64 {
        let rel = format!("in/{who}/{name}");
        let path = self.write(&rel, bytes);
        self.deposit(who, &path, extra)
    }

    /// `deposit --json` by `who`; the parsed JSON.
    pub fn deposit_json(&self, who: &str, file: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["--json", "deposit", CASE, file];
        args.extend_from_slice(extra);
        parse_json(&self.ok_as(who, &args))
    }

    /// `who` reads document `num` of [`CASE`] to standard output; the bytes.
    pub fn read_stdout(&self, who: &str, num: u64) -> Vec<u8> {
        let args = ["read".to_owned(), CASE.to_owned(), num.to_string()];
        let out = self.run_as(who, &args);
        assert!(
            out.status.success(),
            "{who} could not read #{num}: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `list C-1 --json` as `who`, parsed.
    pub fn listing(&self, who: &str) -> serde_json::Value {
        parse_json(&self.ok_as(who, &["--json", "list", CASE]))
    }

    /// The names of every entry of the vault's `blobs/` folder (temp files included).
    pub fn blob_names(&self) -> BTreeSet<String> {
        std::fs::read_dir(self.vault.join("blobs"))
            .expect("read blobs/")
            .map(|e| {
                e.expect("a blobs/ entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// The path of the blob with this hash.
    pub fn blob(&self, sha256: &str) -> PathBuf {
        let p = self.vault.join("blobs").join(sha256);
        assert!(p.is_file(), "no blob {}", p.display());
        p
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// A path as a command-line argument (the sandbox paths are always UTF-8).
pub fn path_arg(p: &Path) -> String {
    p.to_str()
        .unwrap_or_else(|| panic!("{} is not UTF-8", p.display()))
        .to_owned()
}

/// Run a prepared command; a failure to start it fails the test.
pub fn exec(cmd: &mut assert_cmd::Command) -> Output {
    cmd.output().expect("run the sealroom binary")
}

fn describe<S: AsRef<str>>(args: &[S]) -> String {
    let mut s = "sealroom".to_owned();
    for a in args {
        let _ = write!(s, " {}", a.as_ref());
    }
    s
}

fn report(what: &str, out: &Output) -> String {
    format!(
        "{what}\n  exit: {:?}\n  stdout: {}\n  stderr: {}",
        out.status.code(),
        truncate_for_report(&out.stdout),
        truncate_for_report(&out.stderr)
    )
}

fn truncate_for_report(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4000)]).into_owned();
    if bytes.len() > 4000 {
        format!("{text}… ({} bytes in all)", bytes.len())
    } else {
        text
    }
}

/// `out` must be a success; its standard output as text.
pub fn expect_ok(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        report(&format!("expected success: {what}"), out)
    );
    String::from_utf8(out.stdout.clone()).expect("standard output is UTF-8")
}

/// `out` must be a failure with exit `code` and exactly one line on standard error,
/// starting `sealroom: `; returns that line (without the newline).
pub fn expect_failure(what: &str, out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        report(&format!("expected exit {code}: {what}"), out)
    );
    let stderr = String::from_utf8(out.stderr.clone()).expect("standard error is UTF-8");
    assert!(
        stderr.starts_with("sealroom: ") && stderr.ends_with('\n') && stderr.lines().count() == 1,
        "{}",
        report(
            &format!("expected one line `sealroom: …` on stderr: {what}"),
            out
        )
    );
    stderr.trim_end().to_owned()
}

/// A command-line usage error caught by clap itself: exit 2 and a message on stderr
/// (clap's own, several lines), nothing on standard output.
pub fn expect_clap_usage(what: &str, out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", report(what, out));
    assert!(out.stdout.is_empty(), "{}", report(what, out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.trim().is_empty(), "{}", report(what, out));
    stderr
}

/// The `#N` on the first line of a deposit's output.
pub fn first_line_num(out: &str) -> u64 {
    let first = out.lines().next().unwrap_or("");
    first
        .strip_prefix('#')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the first line of deposit's output is not #N:\n{out}"))
}

/// Parse one JSON document (the whole of standard output).
pub fn parse_json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{out}"))
}

/// Compare two byte strings without printing megabytes when they differ.
pub fn assert_same_bytes(what: &str, got: &[u8], want: &[u8]) {
    if got == want {
        return;
    }
    let first = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    panic!(
        "{what}: got {} bytes, want {}; first difference at byte {first}",
        got.len(),
        want.len()
    );
}

/// Deterministic pseudo-random bytes (splitmix64): incompressible, reproducible.
pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Every file and folder under `root`, relative, with the SHA-256 of each file's
/// contents (folders map to `dir`): a snapshot to compare before and after a command.
pub fn tree_digest(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("a folder entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let rel = path.strip_prefix(root).expect("under root").to_owned();
            if path.is_dir() {
                out.insert(rel, "dir".to_owned());
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).expect("read a file");
                out.insert(rel, sha256_hex(&bytes));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// SHA-256, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Names in a folder (dot files included).
pub fn names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Whether an external tool (the stock `age`, `ssh-keygen`, …) can be run here.
pub fn tool_installed(tool: &str) -> bool {
    match std::process::Command::new(tool).arg("--version").output() {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => panic!("could not run {tool}: {e}"),
    }
}
