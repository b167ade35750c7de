//! What the load benchmarks share: a case with one member per client, `sealroom serve`
//! started as an operator starts it (the binary, its own process, on 127.0.0.1), clients
//! connected through the library as the command line connects, and the two timed
//! phases (small deposits, then reads of them) with their latency percentiles.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sealroom_engine::member::MemberState;
use sealroom_engine::policy::{Category, Policy};
use sealroom_engine::store::remote::Location;
use sealroom_engine::vault::{CaseSpec, DepositSpec};
use sealroom_engine::{Identity, Vault};

/// The case every benchmark runs.
pub const CASE: &str = "LOAD-1";

/// The people of the case: the registrar, and one claimant member per client.
pub struct People {
    pub registrar: Identity,
    pub clients: Vec<Identity>,
    /// The charter fingerprint members join with.
    pub charter: String,
}

/// Open [`CASE`] on `vault` with `clients` claimant members.
pub fn open_case(vault: &mut Vault, clients: usize) -> Result<People, String> {
    let registrar = Identity::generate("Registrar").unwrap();
    let archivist = Identity::generate("Archivist").unwrap();
    let people: Vec<Identity> = (0..clients)
        .map(|i| Identity::generate(&format!("Party member {i}")).unwrap())
        .collect();
    let mut spec = CaseSpec::new(CASE, archivist.card())
        .policy(Policy::Consent)
        .party(
            "respondent",
            Identity::generate("Respondent").unwrap().card(),
        );
    for p in &people {
        spec = spec.party("claimant", p.card());
    }
    let opened = vault
        .open_case(
            &registrar,
            spec.mediator(Identity::generate("M").unwrap().card()),
        )
        .map_err(|e| e.message().to_owned())?;
    Ok(People {
        registrar,
        clients: people,
        charter: opened.charter_fingerprint,
    })
}

/// A running `sealroom serve`, killed when dropped.
pub struct Serve {
    pub child: Child,
    pub url: String,
    pub pin: Option<String>,
}

impl Serve {
    /// Serve the vault folder `vault` (registrar card `card`) with `extra` flags and
    /// `env` added to the environment; waits for its status line.
    pub fn start(
        vault: &Path,
        card: &Path,
        extra: &[&str],
        env: &[(String, String)],
    ) -> Result<Serve, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sealroom"))
            .args(["--json", "serve", "--listen", "127.0.0.1:0", "--vault"])
            .arg(vault)
            .arg("--registrar")
            .arg(card)
            .args(extra)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting sealroom serve: {e}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let status: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("sealroom serve did not start ({e}): {line}"))?;
        Ok(Serve {
            url: status["url"].as_str().unwrap().to_owned(),
            pin: status["pin"].as_str().map(str::to_owned),
            child,
        })
    }

    /// The process's peak resident memory, in kB.
    pub fn peak_rss_kb(&self) -> Option<u64> {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()?
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .trim_start_matches("VmHWM:")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy(id: &Identity) -> Identity {
    Identity::from_file_bytes(&id.to_file_bytes(None).unwrap(), || unreachable!()).unwrap()
}

/// Each client connected to `services[i % len]`, joined to the case, with a member
/// state folder of its own under `dir`.
pub fn connect(people: &People, services: &[Serve], dir: &Path) -> Vec<Vault> {
    people
        .clients
        .iter()
        .enumerate()
        .map(|(i, who)| {
            let service = &services[i % services.len()];
            let v = Vault::connect(
                Location::parse(&service.url).unwrap(),
                service.pin.as_deref(),
                Arc::new(copy(who)),
            )
            .unwrap()
            .with_member_state(MemberState::new(dir.join(format!("state-{i}"))));
            v.join_case(CASE, Some(&people.charter)).unwrap();
            v
        })
        .collect()
}

/// Rates and latency percentiles of the two phases.
pub struct Figures {
    pub deposits_per_s: f64,
    pub deposit_p50: Duration,
    pub deposit_p99: Duration,
    pub reads_per_s: f64,
    pub read_p50: Duration,
    pub read_p99: Duration,
}

/// Every client deposits `ops` 1 KiB documents at once, then reads `ops` of them
/// (others' as much as its own, all readable by the claimant party).
pub fn drive(members: &mut [Vault], people: &People, ops: usize) -> Figures {
    let clients = members.len();
    let body = vec![b'x'; 1024];
    let phase = |members: &mut [Vault], read: bool| -> (Duration, Vec<Duration>) {
        let start = Instant::now();
        let latencies = std::thread::scope(|scope| {
            let handles: Vec<_> = members
                .iter_mut()
                .zip(&people.clients)
                .enumerate()
                .map(|(i, (v, who))| {
                    let body = &body;
                    scope.spawn(move || {
                        let mut own = Vec::new();
                        for k in 0..ops {
                            let t = Instant::now();
                            if read {
                                let num = (i * ops + k) as u64 % (clients * ops) as u64 + 1;
                                v.read(who, CASE, num, std::io::sink()).unwrap();
                            } else {
                                let mut spec = DepositSpec::new(format!("d{i}-{k}.txt"));
                                spec.category = Category::Brief;
                                v.deposit(who, CASE, spec, &body[..]).unwrap();
                            }
                            own.push(t.elapsed());
                        }
                        own
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        });
        (start.elapsed(), latencies)
    };
    let (deposit_time, mut deposits) = phase(members, false);
    let (read_time, mut reads) = phase(members, true);
    let n = (clients * ops) as f64;
    Figures {
        deposits_per_s: n / deposit_time.as_secs_f64(),
        deposit_p50: pct(&mut deposits, 50),
        deposit_p99: pct(&mut deposits, 99),
        reads_per_s: n / read_time.as_secs_f64(),
        read_p50: pct(&mut reads, 50),
        read_p99: pct(&mut reads, 99),
    }
}

impl Figures {
    /// The table cells: deposits/s, their p50 and p99, reads/s, theirs.
    pub fn cells(&self) -> String {
        format!(
            "{:.0} | {} | {} | {:.0} | {} | {}",
            self.deposits_per_s,
            ms(self.deposit_p50),
            ms(self.deposit_p99),
            self.reads_per_s,
            ms(self.read_p50),
            ms(self.read_p99),
        )
    }
}

fn pct(v: &mut [Duration], p: usize) -> Duration {
    v.sort_unstable();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

/// Milliseconds, one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
