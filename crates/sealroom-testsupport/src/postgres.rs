//! A real PostgreSQL server for tests: Debian's `initdb` makes a cluster in a temp
//! folder and `pg_ctl` starts it on a free loopback port, trusting every local user
//! (it listens on 127.0.0.1 only and lives as long as the test). Dropping the
//! [`Cluster`] stops the server and removes the folder.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then the cluster belongs to
//! the `postgres` user the Debian package makes (or `nobody`), and its programs run
//! through `runuser`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};

/// A PostgreSQL server of its own, in a temp folder, on a loopback port.
pub struct Cluster {
    /// The folder of the server's programs (`initdb`, `pg_ctl`, `createdb`).
    bin: PathBuf,
    /// The temp folder: `data/` (the cluster), `server.log`, and the server's socket.
    dir: tempfile::TempDir,
    port: u16,
    /// The unprivileged user the server runs as, when the tests run as root.
    run_as: Option<String>,
}

/// Whether a server that cannot start fails the test rather than skipping it: under CI,
/// which installs PostgreSQL.
pub fn required() -> bool {
    std::env::var_os("CI").is_some()
}

/// How many times `start` tries another free port when the server fails to start.
const START_ATTEMPTS: usize = 5;

impl Cluster {
    /// Make a cluster in a new temp folder and start its server on a free loopback
    /// port. An error is one sentence (with the end of the server's log, if any).
    pub fn start() -> Result<Cluster, String> {
        let bin = find_bin()?;
        let run_as = if running_as_root() {
            Some(unprivileged_user()?)
        } else {
            None
        };
        // Under /tmp (world-traversable) when the server runs as another user; the
        // folder itself is handed to that user.
        let mut builder = tempfile::Builder::new();
        builder.prefix("sealroom-pg-");
        let dir = if run_as.is_some() {
            builder.tempdir_in("/tmp")
        } else {
            builder.tempdir()
        }
        .map_err(|e| format!("could not make a temp folder for PostgreSQL: {e}"))?;
        if let Some(user) = &run_as {
            set_mode(dir.path(), 0o755)?;
            run(Command::new("chown").arg(user).arg(dir.path()))
                .map_err(|e| format!("could not hand the temp folder to {user}: {e}"))?;
        }
        let mut cluster = Cluster {
            bin,
            dir,
            port: 0,
            run_as,
        };
        let data = cluster.data();
        let initdb = cluster
            .as_server(&cluster.bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .output();
        check("initdb", initdb)?;
        let mut last = String::new();
        for _ in 0..START_ATTEMPTS {
            cluster.port = free_port()?;
            match cluster.pg_ctl_start("start") {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// [`Cluster::start`], or `None` when PostgreSQL cannot start and the tests are not
    /// under CI (the reason is said on stderr, and the test skips). Under CI it panics.
    pub fn start_or_skip() -> Option<Cluster> {
        match Cluster::start() {
            Ok(cluster) => Some(cluster),
            Err(e) if required() => panic!("{e}"),
            Err(e) => {
                eprintln!("skipped: {e}");
                None
            }
        }
    }

    /// One cluster shared by the tests of a test binary that run at the same time (it
    /// stops when the last of them drops it), or `None` to skip as
    /// [`Cluster::start_or_skip`]. Tests that stop or restart the server should start
    /// their own instead.
    pub fn shared_or_skip() -> Option<Arc<Cluster>> {
        static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cluster) = shared.upgrade() {
            return Some(cluster);
        }
        let cluster = Arc::new(Cluster::start_or_skip()?);
        *shared = Arc::downgrade(&cluster);
        Some(cluster)
    }

    /// The port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` on this server (user `postgres`, no password).
    pub fn url_of(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Create an empty database called `name`; its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(name)
            .env_remove("PGPASSWORD")
            .output();
        check(&format!("createdb {name}"), out)?;
        Ok(self.url_of(name))
    }

    /// Stop the server and start it again (fast shutdown: connections are cut).
    pub fn restart(&self) -> Result<(), String> {
        self.pg_ctl_start("restart")
    }

    /// Stop the server (fast shutdown: connections are cut), until
    /// [`Cluster::start_again`].
    pub fn stop(&self) -> Result<(), String> {
        let out = self.pg_ctl().args(["stop", "-m", "fast", "-w"]).output();
        check("pg_ctl stop", out).map_err(|e| self.with_log(e))
    }

    /// Start the server again after [`Cluster::stop`], on the same port.
    pub fn start_again(&self) -> Result<(), String> {
        self.pg_ctl_start("start")
    }

    /// The cluster's folder.
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// `pg_ctl start` or `restart` on this cluster's port, waiting until it accepts
    /// connections.
    fn pg_ctl_start(&self, action: &str) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=on",
            self.port,
            self.dir.path().display()
        );
        let mut command = self.pg_ctl();
        command.args([action, "-w", "-t", "60", "-o", &options, "-l"]);
        command.arg(self.log());
        if action == "restart" {
            command.args(["-m", "fast"]);
        }
        check(&format!("pg_ctl {action}"), command.output()).map_err(|e| self.with_log(e))
    }

    fn pg_ctl(&self) -> Command {
        let mut command = self.as_server(&self.bin.join("pg_ctl"));
        command.arg("-D").arg(self.data());
        command
    }

    /// A command that runs `program` as the server's user, in the temp folder (the
    /// server's user may not be able to enter the tests' own folder).
    fn as_server(&self, program: &Path) -> Command {
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        };
        command.current_dir(self.dir.path());
        command
    }

    /// `message`, with the last lines of the server's log.
    fn with_log(&self, message: String) -> String {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        if tail.is_empty() {
            message
        } else {
            format!("{message}; the server's log ends:\n{tail}")
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Immediate: the folder is removed next, so nothing needs to be flushed.
        let _ = self
            .pg_ctl()
            .args(["stop", "-m", "immediate", "-w"])
            .output();
    }
}

/// The folder of the PostgreSQL programs: Debian's newest version, else `PATH`.
fn find_bin() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
        .ok_or_else(|| {
            "PostgreSQL is not installed (Debian package `postgresql`): no initdb under /usr/lib/postgresql/*/bin or on PATH".to_owned()
        })
}

/// Whether this process's effective user is root (from /proc, else `id -u`).
fn running_as_root() -> bool {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("Uid:")) {
            // Real, effective, saved, filesystem.
            return line.split_whitespace().nth(2) == Some("0");
        }
    }
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The user to run the server as when the tests run as root.
fn unprivileged_user() -> Result<String, String> {
    for user in ["postgres", "nobody"] {
        let known = Command::new("id")
            .arg("-u")
            .arg(user)
            .output()
            .is_ok_and(|out| out.status.success());
        if known {
            return Ok(user.to_owned());
        }
    }
    Err("PostgreSQL refuses to run as root, and there is no `postgres` or `nobody` user to run it as".to_owned())
}

/// A loopback port nobody listens on now (the server may still lose it to another
/// program before it binds; `start` then tries another).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("could not find a free loopback port: {e}"))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("could not set the mode of {}: {e}", path.display()))
}

/// Run `command`, its failure as one sentence with what it printed.
fn run(command: &mut Command) -> Result<(), String> {
    check(&format!("{command:?}"), command.output())
}

/// `what`'s outcome: `Ok` if it ran and succeeded, else a sentence with its output.
fn check(what: &str, output: std::io::Result<Output>) -> Result<(), String> {
    let out = output.map_err(|e| format!("{what} could not run: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    Err(format!(
        "{what} failed ({}): {}{}",
        out.status,
        stderr.trim(),
        if stdout.trim().is_empty() {
            String::new()
        } else {
            format!("\n{}", stdout.trim())
        }
    ))
}
