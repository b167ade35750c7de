//! An S3-compatible object server for tests: moto's server mode (PyPI's
//! `moto[server]`), started on a free loopback port, its output kept in a temp file for
//! the message of a failed start, and stopped when dropped.
//!
//! moto does not check signatures by default, so buckets are made here with plain HTTP
//! over a `TcpStream` (no HTTP client in this crate), while the code under test signs
//! its requests as it would for AWS.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sentence for a machine without the server.
const NOT_INSTALLED: &str = "the S3-compatible test server is not installed (PyPI package `moto[server]`: pip install 'moto[server]')";
/// How long the server may take to start (it imports much of moto first).
const START_WITHIN: Duration = Duration::from_secs(30);
/// Times a start is tried (another process may take the free port found first).
const START_TRIES: u32 = 3;
/// The region tests sign for.
pub const REGION: &str = "us-east-1";
/// The keys tests sign with (moto takes any).
pub const ACCESS_KEY: &str = "testing";
/// The secret tests sign with.
pub const SECRET_KEY: &str = "testing";

/// A running moto server; killed when dropped.
pub struct Moto {
    child: Child,
    port: u16,
    /// The server's output, for the message of a failure.
    log: tempfile::NamedTempFile,
}

impl Moto {
    /// Start a server on a free loopback port and wait until it answers.
    pub fn start() -> Result<Moto, String> {
        let program = find_on_path("moto_server").ok_or_else(|| NOT_INSTALLED.to_owned())?;
        let mut last = String::new();
        for _ in 0..START_TRIES {
            match Self::start_once(&program) {
                Ok(moto) => return Ok(moto),
                Err(e) if e == NOT_INSTALLED => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn start_once(program: &PathBuf) -> Result<Moto, String> {
        let port = free_port()?;
        let log = tempfile::NamedTempFile::new()
            .map_err(|e| format!("cannot make a temp file for moto's output: {e}"))?;
        let out = log
            .reopen()
            .map_err(|e| format!("cannot open moto's output file: {e}"))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot open moto's output file: {e}"))?;
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        // Dropped (and so killed) if it never answers.
        let mut moto = Moto { child, port, log };
        let deadline = Instant::now() + START_WITHIN;
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                // pyenv's shim, when the active Python lacks the package.
                if status.code() == Some(127) {
                    return Err(NOT_INSTALLED.to_owned());
                }
                return Err(format!(
                    "the S3 test server (moto_server) exited at its start ({status}): {}",
                    moto.output()
                ));
            }
            // Answering HTTP, not just accepting: the port is bound before moto is ready.
            if moto.request("GET", "/", &[]).is_ok() {
                return Ok(moto);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the S3 test server (moto_server) did not answer on port {port} within {} s: {}",
                    START_WITHIN.as_secs(),
                    moto.output()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A server, or `None` with the reason printed when moto is missing and this is
    /// not CI; under CI (`CI` set) a missing server fails the test.
    pub fn start_or_skip() -> Option<Moto> {
        match Moto::start() {
            Ok(m) => Some(m),
            Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
            Err(e) => {
                eprintln!("skipped: {e}");
                None
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Make a bucket.
    pub fn create_bucket(&self, name: &str) -> Result<(), String> {
        self.expect_ok("create bucket", "PUT", &format!("/{name}"), &[])
    }

    /// Turn on a bucket's versioning.
    pub fn enable_versioning(&self, bucket: &str) -> Result<(), String> {
        let body = br#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#;
        self.expect_ok(
            "enable versioning of",
            "PUT",
            &format!("/{bucket}?versioning"),
            body,
        )
    }

    /// The variables that point a child process (the `sealroom` binary) at this
    /// server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// What the server printed so far (its end).
    pub fn output(&self) -> String {
        let text = std::fs::read_to_string(self.log.path()).unwrap_or_default();
        let tail: String = text
            .chars()
            .rev()
            .take(4000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if tail.trim().is_empty() {
            "(it printed nothing)".to_owned()
        } else {
            tail
        }
    }

    fn expect_ok(&self, what: &str, method: &str, path: &str, body: &[u8]) -> Result<(), String> {
        let (status, answer) = self.request(method, path, body)?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!(
                "the S3 test server could not {what} {path}: HTTP {status}: {answer}"
            ))
        }
    }

    /// One plain HTTP/1.1 request (the connection closed after it): the status and
    /// the body as text.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> Result<(u16, String), String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| format!("cannot connect to the S3 test server: {e}"))?;
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .map_err(|e| format!("cannot send to the S3 test server: {e}"))?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .map_err(|e| format!("cannot read the S3 test server's answer: {e}"))?;
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| {
                format!("the S3 test server answered something else than HTTP: {answer:.200}")
            })?;
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `name` in a folder of `PATH`, if it is there and executable.
fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// A loopback port nobody listens on (the OS's choice, released for the server).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}
