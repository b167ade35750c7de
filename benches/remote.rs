//! Load on the vault service: a real `sealroom serve` (the binary, its own process) on
//! 127.0.0.1, and 1, 4 and 16 clients (threads, each a member connected with its own
//! signed requests over pinned TLS, through the library as the command line does it)
//! depositing and then reading small documents. Prints deposits/s and reads/s, p50 and
//! p99 latency, and the service's peak resident memory.
//!
//! ```sh
//! cargo bench --bench remote                 # 1, 4, 16 clients; 20 deposits and 20 reads each
//! cargo bench --bench remote -- 16 50        # CLIENTS OPS
//! ```
//!
//! Loopback only, bounded in count: the numbers are the service's and the protocol's
//! cost on this machine, without a network's latency.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sealroom_engine::member::MemberState;
use sealroom_engine::policy::{Category, Policy};
use sealroom_engine::store::remote::Location;
use sealroom_engine::vault::{CaseSpec, DepositSpec};
use sealroom_engine::{Identity, Vault};

const CASE: &str = "LOAD-1";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let plan: Vec<(usize, usize)> = match args.as_slice() {
        [c, n] => vec![(c.parse().unwrap_or(4), n.parse().unwrap_or(20))],
        _ => vec![(1, 20), (4, 20), (16, 20)],
    };
    println!("| clients | deposits/s | deposit p50 | deposit p99 | reads/s | read p50 | read p99 | service peak RSS |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (clients, ops) in plan {
        match run(clients, ops) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("remote bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn copy(id: &Identity) -> Identity {
    Identity::from_file_bytes(&id.to_file_bytes(None).unwrap(), || unreachable!()).unwrap()
}

fn run(clients: usize, ops: usize) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let vault_dir = dir.path().join("vault");
    let mut vault = Vault::init(&vault_dir).map_err(|e| e.message().to_owned())?;
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
    drop(vault);
    std::fs::write(
        dir.path().join("registrar.card"),
        registrar.card().to_text(),
    )
    .unwrap();

    // The service, as an operator runs it.
    let mut server = Command::new(env!("CARGO_BIN_EXE_sealroom"))
        .args(["--json", "serve", "--listen", "127.0.0.1:0", "--vault"])
        .arg(&vault_dir)
        .arg("--registrar")
        .arg(dir.path().join("registrar.card"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting sealroom serve: {e}"))?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let status: serde_json::Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
    let url = status["url"].as_str().unwrap().to_owned();
    let pin = status["pin"].as_str().unwrap().to_owned();

    let connect = |who: &Identity, state: usize| {
        let v = Vault::connect(
            Location::parse(&url).unwrap(),
            Some(&pin),
            Arc::new(copy(who)),
        )
        .unwrap()
        .with_member_state(MemberState::new(dir.path().join(format!("state-{state}"))));
        v.join_case(CASE, Some(&opened.charter_fingerprint))
            .unwrap();
        v
    };
    let mut members: Vec<Vault> = people
        .iter()
        .enumerate()
        .map(|(i, p)| connect(p, i))
        .collect();

    let body = vec![b'x'; 1024];
    let phase = |members: &mut Vec<Vault>, read: bool| -> (Duration, Vec<Duration>) {
        let start = Instant::now();
        let latencies = std::thread::scope(|scope| {
            let handles: Vec<_> = members
                .iter_mut()
                .zip(&people)
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
    let (deposit_time, mut deposits) = phase(&mut members, false);
    let (read_time, mut reads) = phase(&mut members, true);
    let rss = std::fs::read_to_string(format!("/proc/{}/status", server.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned());
    let _ = server.kill();
    let _ = server.wait();
    let n = (clients * ops) as f64;
    Ok(format!(
        "| {clients} | {:.0} | {} | {} | {:.0} | {} | {} | {rss} |",
        n / deposit_time.as_secs_f64(),
        ms(pct(&mut deposits, 50)),
        ms(pct(&mut deposits, 99)),
        n / read_time.as_secs_f64(),
        ms(pct(&mut reads, 50)),
        ms(pct(&mut reads, 99)),
    ))
}

fn pct(v: &mut [Duration], p: usize) -> Duration {
    v.sort_unstable();
    v[(v.len() * p / 100).min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
