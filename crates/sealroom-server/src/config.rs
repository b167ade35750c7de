//! The service's configuration: where it listens, which vault it serves, the
//! institution's registrars (the only people who may open cases), its TLS key, and its
//! limits. Read from a TOML file (`sealroom serve --config FILE`); flags override it.

use std::path::{Path, PathBuf};

use sealroom_engine::{Card, Fingerprint};
use serde::Deserialize;

/// The configuration file, as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// `HOST:PORT` to listen on.
    pub listen: Option<String>,
    /// The vault folder.
    pub vault: Option<PathBuf>,
    /// Card files of the institution's registrars.
    #[serde(default)]
    pub registrars: Vec<PathBuf>,
    /// PEM certificate chain and key; without them the service makes and keeps a
    /// self-signed certificate in the vault's `service/` folder.
    pub tls_cert: Option<PathBuf>,
    /// The key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// A scale-out vault's PostgreSQL database (in place of what the vault folder's
    /// `backends.toml` names).
    pub database: Option<String>,
    /// A scale-out vault's bucket, `s3://BUCKET[/PREFIX]`.
    pub blobs: Option<String>,
    /// Limits.
    #[serde(default)]
    pub limits: Limits,
}

/// What one client may ask of the service.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest records request (a commit with its wraps), bytes.
    pub max_request_bytes: usize,
    /// Largest blob (a document's ciphertext), bytes.
    pub max_blob_bytes: u64,
    /// Requests per identity per minute (a burst of this many, refilled evenly).
    pub requests_per_minute: u32,
    /// Seconds a client may take to send a request's headers, or to send the next
    /// piece of a body, before the connection is closed.
    pub idle_timeout_secs: u64,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 16 * 1024 * 1024,
            max_blob_bytes: 4 * 1024 * 1024 * 1024,
            requests_per_minute: 6000,
            idle_timeout_secs: 30,
            max_connections: 256,
        }
    }
}

/// The configuration in force.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen.
    pub listen: String,
    /// The vault folder.
    pub vault: PathBuf,
    /// The registrars' fingerprints.
    pub registrars: Vec<Fingerprint>,
    /// Certificate and key, if given.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Serve plain HTTP (only on a loopback address: behind a TLS-terminating proxy
    /// on the same machine, or in a test).
    pub plain_http: bool,
    /// Limits.
    pub limits: Limits,
    /// A scale-out vault's backends given here rather than by the vault folder.
    pub backends: Option<sealroom_engine::store::scaleout::Backends>,
}

/// A configuration problem, as one sentence.
pub type Problem = String;

impl File {
    /// Read a configuration file.
    pub fn read(path: &Path) -> Result<File, Problem> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            format!(
                "the configuration {} is not valid: {}",
                path.display(),
                e.message()
            )
        })
    }
}

/// Load registrar cards.
pub fn registrars(cards: &[PathBuf]) -> Result<Vec<Fingerprint>, Problem> {
    cards
        .iter()
        .map(|p| {
            Card::load(p)
                .map(|c| c.fingerprint())
                .map_err(|e| format!("registrar card {}: {}", p.display(), e.message()))
        })
        .collect()
}
