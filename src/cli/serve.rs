//! `sealroom serve`: the vault service, configured from its file and flags; it prints
//! where it listens and its key pin (one JSON line with --json) once it is ready.

use std::io::Write as _;
use std::path::PathBuf;

use super::Context;
use crate::error::{Error, Result};

/// What `serve` was given on the command line.
pub struct ServeArgs {
    pub listen: Option<String>,
    pub config: Option<PathBuf>,
    pub registrars: Vec<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub plain_http: bool,
    pub database: Option<String>,
    pub blobs: Option<String>,
}

/// Run the service until it is stopped.
pub fn serve(ctx: &Context, args: ServeArgs) -> Result<()> {
    let file = match &args.config {
        Some(path) => sealroom_server::config::File::read(path).map_err(Error::usage)?,
        None => sealroom_server::config::File::default(),
    };
    let vault = match (&ctx.vault, file.vault) {
        (Some(_), _) | (None, None) => ctx.vault_dir()?,
        (None, Some(v)) => v,
    };
    let mut cards = file.registrars;
    cards.extend(args.registrars);
    let registrars = sealroom_server::config::registrars(&cards).map_err(Error::usage)?;
    let tls = match (
        args.tls_cert.or(file.tls_cert),
        args.tls_key.or(file.tls_key),
    ) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => {
            return Err(Error::usage(
                "give both a TLS certificate and its key (tls_cert and tls_key), or neither",
            ))
        }
    };
    // A scale-out vault: flags, else the configuration file, else the vault folder's
    // own backends.toml (which `Vault::open` reads).
    let backends = match (args.database.or(file.database), args.blobs.or(file.blobs)) {
        (Some(database), Some(blobs)) => {
            let b = sealroom_engine::store::scaleout::Backends { database, blobs };
            b.check_form()?;
            Some(b)
        }
        (None, None) => None,
        _ => {
            return Err(Error::usage(
                "give both the database and the blobs of a scale-out vault, or neither",
            ))
        }
    };
    let config = sealroom_server::Config {
        listen: args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8443".to_owned()),
        vault,
        registrars,
        tls,
        plain_http: args.plain_http,
        limits: file.limits,
        backends,
    };
    if config.registrars.is_empty() {
        super::say_on_stderr(
            "sealroom: warning: no registrar is configured (--registrar CARD), so nobody can open a case on this service",
        );
    }
    let json = ctx.json;
    sealroom_server::run(config, |started| {
        let mut out = std::io::stdout().lock();
        let _ = if json {
            writeln!(out, "{}", serde_json::to_string(started).unwrap_or_default())
        } else {
            writeln!(
                out,
                "Serving the vault {} at {}.\n{}Members use --vault {} with every command.\nStop with Ctrl-C (or SIGTERM).",
                started.vault.display(),
                started.url,
                match &started.pin {
                    Some(pin) => format!("Server key pin (give it to members, or put it in invitations): {pin}\n"),
                    None => "Plain HTTP on loopback: put a TLS-terminating proxy in front.\n".to_owned(),
                },
                started.url,
            )
        };
        let _ = out.flush();
    })
    .map_err(|why| Error::io(format!("the vault service stopped: {why}")))
}
