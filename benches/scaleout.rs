//! The scale-out vault under load: 16 clients (threads, each a member with its own
//! signed requests over pinned TLS) depositing and then reading small documents
//! through 1 and through 3 `sealroom serve` processes that share one PostgreSQL
//! database and one S3-compatible bucket, beside the same load on the embedded vault
//! (SQLite and a folder) through one process. Prints deposits/s and reads/s, p50 and
//! p99 latency, and the largest service process's peak resident memory.
//!
//! ```sh
//! cargo bench --bench scaleout               # 16 clients, 20 deposits and 20 reads each
//! cargo bench --bench scaleout -- 16 50      # CLIENTS OPS
//! ```
//!
//! PostgreSQL (Debian's package) and the S3 server (moto, from PyPI) are started here,
//! on loopback, as the tests start them. moto is a Python test server, far slower than
//! a production object store; the figures show sealroom's own costs on this machine and
//! how they spread over processes, not an object store's throughput.

mod common;

use std::path::Path;
use std::process::ExitCode;

use common::{Figures, Serve};
use sealroom_engine::store::scaleout::Backends;
use sealroom_engine::Vault;
use sealroom_testsupport::{postgres::Cluster, s3::Moto};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (clients, ops) = match args.as_slice() {
        [c, n] => (c.parse().unwrap_or(16), n.parse().unwrap_or(20)),
        _ => (16, 20),
    };
    match run(clients, ops) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scaleout bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(clients: usize, ops: usize) -> Result<(), String> {
    let pg = Cluster::start()?;
    let moto = Moto::start()?;
    let env = moto.env();
    // This process makes the vault and opens the case; the services get the same
    // variables on their command line.
    for (k, v) in &env {
        std::env::set_var(k, v);
    }
    println!("{clients} clients, {ops} deposits then {ops} reads each (1 KiB documents)\n");
    println!("| storage | serve processes | deposits/s | deposit p50 | deposit p99 | reads/s | read p50 | read p99 | largest service peak RSS |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let f = embedded(clients, ops)?;
    println!("{}", row("embedded (SQLite + folder)", 1, &f));
    for (i, processes) in [1usize, 3].into_iter().enumerate() {
        let name = format!("load{i}");
        let backends = Backends {
            database: pg.create_database(&name)?,
            blobs: format!("s3://{name}/vault"),
        };
        moto.create_bucket(&name)?;
        let f = scaleout(&backends, &env, processes, clients, ops)?;
        println!("{}", row("PostgreSQL + S3 (moto)", processes, &f));
    }
    Ok(())
}

fn row(storage: &str, processes: usize, (f, rss): &(Figures, u64)) -> String {
    format!(
        "| {storage} | {processes} | {} | {:.1} MiB |",
        f.cells(),
        *rss as f64 / 1024.0
    )
}

fn embedded(clients: usize, ops: usize) -> Result<(Figures, u64), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let folder = dir.path().join("vault");
    let mut vault = Vault::init(&folder).map_err(|e| e.message().to_owned())?;
    let people = common::open_case(&mut vault, clients)?;
    drop(vault);
    let card = registrar_card(dir.path(), &people)?;
    let services = vec![Serve::start(&folder, &card, &[], &[])?];
    measure(&people, &services, dir.path(), ops)
}

fn scaleout(
    backends: &Backends,
    env: &[(String, String)],
    processes: usize,
    clients: usize,
    ops: usize,
) -> Result<(Figures, u64), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let first = dir.path().join("vault-0");
    let mut vault = Vault::init_scaleout(&first, backends).map_err(|e| e.message().to_owned())?;
    let people = common::open_case(&mut vault, clients)?;
    drop(vault);
    let card = registrar_card(dir.path(), &people)?;
    // One folder per process, as on separate machines: the log key and backends.toml
    // copied, each with its own TLS key and pin.
    let mut services = Vec::new();
    for p in 0..processes {
        let folder = dir.path().join(format!("vault-{p}"));
        if p > 0 {
            std::fs::create_dir(&folder).map_err(|e| e.to_string())?;
            for file in ["log.key", "backends.toml"] {
                std::fs::copy(first.join(file), folder.join(file)).map_err(|e| e.to_string())?;
            }
        }
        services.push(Serve::start(&folder, &card, &[], env)?);
    }
    measure(&people, &services, dir.path(), ops)
}

fn registrar_card(dir: &Path, people: &common::People) -> Result<std::path::PathBuf, String> {
    let card = dir.join("registrar.card");
    std::fs::write(&card, people.registrar.card().to_text()).map_err(|e| e.to_string())?;
    Ok(card)
}

fn measure(
    people: &common::People,
    services: &[Serve],
    dir: &Path,
    ops: usize,
) -> Result<(Figures, u64), String> {
    let mut members = common::connect(people, services, dir);
    let figures = common::drive(&mut members, people, ops);
    let rss = services
        .iter()
        .filter_map(Serve::peak_rss_kb)
        .max()
        .unwrap_or(0);
    Ok((figures, rss))
}
