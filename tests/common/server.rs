//! A real `sealroom serve` for the network tests: started on 127.0.0.1 port 0 from the
//! binary under test, its address and key pin read from its `--json` status line,
//! killed when dropped. And a recording proxy, which keeps every byte that passes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{path_arg, BIN};

/// A running vault service.
pub struct Server {
    child: Child,
    /// `https://127.0.0.1:PORT` (or `http://` with plain HTTP).
    pub url: String,
    /// Its key pin (`None` with plain HTTP).
    pub pin: Option<String>,
    /// The status line, parsed.
    pub status: serde_json::Value,
}

impl Server {
    /// Serve `vault` with `registrars` (card files) and `extra` flags, on a free port.
    pub fn start(vault: &Path, registrars: &[String], extra: &[&str]) -> Server {
        Server::start_on(vault, registrars, extra, "127.0.0.1:0")
    }

    /// [`Server::start`] on a given address.
    pub fn start_on(vault: &Path, registrars: &[String], extra: &[&str], listen: &str) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args([
            "--json",
            "serve",
            "--vault",
            &path_arg(vault),
            "--listen",
            listen,
        ]);
        for r in registrars {
            cmd.args(["--registrar", r]);
        }
        cmd.args(extra);
        for (k, _) in std::env::vars() {
            if k.starts_with("SEALROOM_") {
                cmd.env_remove(k);
            }
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sealroom serve");
        let stdout = child.stdout.take().expect("the server's stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) if !l.trim().is_empty() => l,
            _ => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("sealroom serve did not start: {err}");
            }
        };
        let status: serde_json::Value =
            serde_json::from_str(&line).expect("the status line is JSON");
        Server {
            url: status["url"].as_str().expect("url").to_owned(),
            pin: status["pin"].as_str().map(str::to_owned),
            status,
            child,
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kill it at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy on 127.0.0.1 that forwards to `target` and records every byte in each
/// direction.
pub struct Recorder {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Bytes clients sent (what the server received).
    pub to_server: Arc<Mutex<Vec<u8>>>,
    /// Bytes the server sent.
    pub to_clients: Arc<Mutex<Vec<u8>>>,
    /// While set, a request for a body (`GET /v1/blobs/…`) cuts its connection: a
    /// network that fails part-way through an act.
    pub cut_downloads: Arc<AtomicBool>,
}

impl Recorder {
    /// Start a proxy in front of `target` (`HOST:PORT`).
    pub fn start(target: String) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let to_server = Arc::new(Mutex::new(Vec::new()));
        let to_clients = Arc::new(Mutex::new(Vec::new()));
        let (up, down) = (to_server.clone(), to_clients.clone());
        let cut_downloads = Arc::new(AtomicBool::new(false));
        let cut = cut_downloads.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                pump(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    up.clone(),
                    Some(cut.clone()),
                );
                pump(server, client, down.clone(), None);
            }
        });
        Recorder {
            url,
            to_server,
            to_clients,
            cut_downloads,
        }
    }
}

fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    log: Arc<Mutex<Vec<u8>>>,
    cut: Option<Arc<AtomicBool>>,
) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let cutting = cut.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
                    if cutting && buf[..n].windows(14).any(|w| w == b"GET /v1/blobs/") {
                        let _ = from.shutdown(std::net::Shutdown::Both);
                        break;
                    }
                    log.lock().unwrap().extend_from_slice(&buf[..n]);
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}

/// Wait until `f` holds, up to `limit`.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The folder of a member's machine (its member state) in the sandbox.
pub fn machine(who: &str) -> String {
    format!("machines/{who}")
}

/// Where a path in the sandbox is, as the vault argument of a remote command.
pub fn url_path(url: &str) -> PathBuf {
    PathBuf::from(url)
}
