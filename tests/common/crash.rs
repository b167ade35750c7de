//! The crash-test harness shared by `crash_acts.rs` and `crash_seal.rs`: a copy of a
//! prepared vault (and of its members' state, since copies share a vault id and log) in
//! a folder of its own, where an act runs as a child process that can be killed, and
//! the commands that check what the kill left.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use super::{exec, expect_failure, expect_ok, path_arg, Fixture};

/// Prefix of the blob store's temp files (a write the kill interrupted).
pub const BLOB_TEMP_PREFIX: &str = ".tmp-";

/// Milliseconds, for the reports.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Copy a folder tree (files with their permissions), as a backup tool would.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap_or_else(|e| panic!("make {}: {e}", to.display()));
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        }
    }
}

/// One copy of a prepared vault in `runs/NAME`, with its own member state and data
/// folder (copies share the vault id, so their pins and receipts must not meet).
pub struct CrashRun<'a> {
    pub fx: &'a Fixture,
    pub dir: PathBuf,
    pub vault: PathBuf,
}

impl<'a> CrashRun<'a> {
    pub fn new(fx: &'a Fixture, name: &str) -> Self {
        let dir = fx.sandbox.join("runs").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let vault = dir.join("vault");
        copy_tree(&fx.vault, &vault);
        std::fs::create_dir_all(dir.join("state-home")).unwrap();
        copy_tree(&fx.sandbox.state_dir(), &dir.join("state-home/sealroom"));
        std::fs::create_dir(dir.join("xdg")).unwrap();
        CrashRun { fx, dir, vault }
    }

    pub fn name(&self) -> String {
        self.dir.file_name().unwrap().to_string_lossy().into_owned()
    }

    /// `--vault VAULT [-i WHO.id] ARGS`.
    pub fn args(&self, who: Option<&str>, args: &[&str]) -> Vec<String> {
        let mut all = vec!["--vault".to_owned(), path_arg(&self.vault)];
        if let Some(who) = who {
            all.push("-i".to_owned());
            all.push(self.fx.id(who));
        }
        all.extend(args.iter().map(|a| (*a).to_owned()));
        all
    }

    /// `sealroom --vault VAULT [-i WHO.id] ARGS` in the fixture's clean environment.
    pub fn run(&self, who: Option<&str>, args: &[&str]) -> (String, Output) {
        let all = self.args(who, args);
        let what = format!("[{}] sealroom {}", self.name(), all.join(" "));
        let mut cmd = self.fx.sandbox.cmd();
        cmd.env("XDG_DATA_HOME", self.dir.join("xdg"))
            .env("XDG_STATE_HOME", self.dir.join("state-home"))
            .args(&all);
        (what, exec(&mut cmd))
    }

    pub fn ok(&self, who: Option<&str>, args: &[&str]) -> String {
        let (what, out) = self.run(who, args);
        expect_ok(&what, &out)
    }

    pub fn fails(&self, who: Option<&str>, args: &[&str], code: i32) -> String {
        let (what, out) = self.run(who, args);
        expect_failure(&what, &out, code)
    }

    /// The act `sealroom --vault VAULT -i WHO.id ARGS` as a child process that can be
    /// killed (standard error kept, to report what a surviving run said).
    pub fn spawn(&self, who: &str, args: &[&str]) -> Child {
        self.fx
            .sandbox
            .std_cmd()
            .env("XDG_DATA_HOME", self.dir.join("xdg"))
            .env("XDG_STATE_HOME", self.dir.join("state-home"))
            .args(self.args(Some(who), args))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sealroom")
    }
}
