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

/// A prerequisite of a test is missing here: a failure under CI (the `CI` variable is
/// set), said plainly on standard error otherwise (`SKIPPED: ...`).
pub fn missing_prerequisite(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} (CI is set, so this is a failure)"
    );
    eprintln!("SKIPPED: {what}");
}

/// Bytes process `pid` has read and written so far (`rchar + wchar` of
/// `/proc/PID/io`, Linux), also once it has exited and until it is reaped: how far an
/// act has got, in its own work rather than by the clock. `None` where not available.
pub fn io_so_far(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let field = |name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))?
            .trim()
            .parse()
            .ok()
    };
    Some(field("rchar")? + field("wchar")?)
}

/// Whether process `pid` has exited and waits to be reaped (`/proc/PID/stat`, Linux);
/// `None` where that cannot be seen.
pub fn exited_unreaped(pid: u32) -> Option<bool> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `PID (COMM) STATE ...`, and COMM may hold anything, parentheses included.
    let state = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .next()?;
    Some(matches!(state, "Z" | "X"))
}

/// The transactions committed in an SQLite database's write-ahead log, as recovery
/// after a crash would find them: the log's generation (its salt) and the number of
/// commit frames in its valid prefix. A transaction is committed against a killed
/// process once its commit frame is whole in the `-wal` file (the file system keeps
/// what was written; the fsync matters only to a power loss), so this shows an act's
/// commit from outside the moment it happens, before the process can go on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalCommits {
    pub salt: Option<(u32, u32)>,
    pub commits: usize,
}

impl WalCommits {
    /// The log next to the database file `db` (none: no commits).
    pub fn of(db: &Path) -> Self {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::read(PathBuf::from(wal)).map_or_else(|_| Self::default(), |b| Self::parse(&b))
    }

    /// Transactions committed since `before` was seen.
    pub fn since(&self, before: &WalCommits) -> usize {
        if self.salt == before.salt {
            self.commits.saturating_sub(before.commits)
        } else {
            self.commits
        }
    }

    /// The rules of <https://www.sqlite.org/fileformat.html#the_write_ahead_log>: a
    /// 32-byte header (magic, format 3007000, page size, salts, checksum), then frames
    /// of a 24-byte header (page number, database size for a commit frame, the salts,
    /// the running checksum) and a page; recovery stops at the first frame that is
    /// incomplete, of another generation or of a wrong checksum.
    fn parse(b: &[u8]) -> Self {
        let none = Self::default();
        let be = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap());
        if b.len() < 32 || be(0) & !1 != 0x377f_0682 || be(4) != 3_007_000 {
            return none;
        }
        let big_endian = be(0) & 1 == 1;
        let page = be(8) as usize;
        if !(512..=65536).contains(&page) || !page.is_power_of_two() {
            return none;
        }
        let word = |i: usize| {
            let w: [u8; 4] = b[i..i + 4].try_into().unwrap();
            if big_endian {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let checksum = |mut s: (u32, u32), from: usize, to: usize| {
            for i in (from..to).step_by(8) {
                s.0 = s.0.wrapping_add(word(i)).wrapping_add(s.1);
                s.1 = s.1.wrapping_add(word(i + 4)).wrapping_add(s.0);
            }
            s
        };
        let mut sum = checksum((0, 0), 0, 24);
        if sum != (be(24), be(28)) {
            return none;
        }
        let salt = (be(16), be(20));
        let mut commits = 0;
        let mut at = 32;
        while at + 24 + page <= b.len() {
            if be(at) == 0 || (be(at + 8), be(at + 12)) != salt {
                break;
            }
            sum = checksum(sum, at, at + 8);
            sum = checksum(sum, at + 24, at + 24 + page);
            if sum != (be(at + 16), be(at + 20)) {
                break;
            }
            if be(at + 4) != 0 {
                commits += 1;
            }
            at += 24 + page;
        }
        WalCommits {
            salt: Some(salt),
            commits,
        }
    }
}
