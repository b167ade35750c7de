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

mod common;

use std::process::ExitCode;

use common::Serve;
use sealroom_engine::Vault;

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

fn run(clients: usize, ops: usize) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let vault_dir = dir.path().join("vault");
    let mut vault = Vault::init(&vault_dir).map_err(|e| e.message().to_owned())?;
    let people = common::open_case(&mut vault, clients)?;
    drop(vault);
    let card = dir.path().join("registrar.card");
    std::fs::write(&card, people.registrar.card().to_text()).map_err(|e| e.to_string())?;

    // The service, as an operator runs it.
    let server = Serve::start(&vault_dir, &card, &[], &[])?;
    let mut members = common::connect(&people, std::slice::from_ref(&server), dir.path());
    let f = common::drive(&mut members, &people, ops);
    let rss = server
        .peak_rss_kb()
        .map_or_else(|| "?".to_owned(), |kb| format!("{kb} kB"));
    Ok(format!("| {clients} | {} | {rss} |", f.cells()))
}
