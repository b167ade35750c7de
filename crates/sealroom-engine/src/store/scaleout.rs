//! The scale-out vault, for `sealroom serve` when one machine is not enough: records in
//! PostgreSQL ([`super::records::postgres`]), blobs in an S3-compatible object store
//! ([`super::s3`]), and a small local folder that every service process reads: the
//! vault's log key (`log.key`, as in a vault folder) and `backends.toml`, which names
//! the database and the bucket.
//!
//! The folder is what `--vault DIR` names, so every operator command (`serve`,
//! `doctor`, `vault copy`) takes a scale-out vault exactly as it takes a folder. The
//! database URL may carry a password and the folder holds the log key, so both files
//! are private (0600); the object store's credentials come from the usual `AWS_*`
//! variables, never from the file.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::folder::{Stores, LOG_KEY_FILE};
use super::fsutil;
use super::records::postgres::PostgresStore;
use super::s3::{S3Blobs, S3Location};
use crate::error::{io_error, Error, Result};

/// The file in a scale-out vault's folder that names its backends.
pub const BACKENDS_FILE: &str = "backends.toml";

/// Where a scale-out vault keeps its records and blobs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backends {
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
    pub database: String,
    /// `s3://BUCKET[/PREFIX]` (endpoint, region and credentials from `AWS_*`).
    pub blobs: String,
}

impl Backends {
    /// The backends named in the folder `root`, if it is a scale-out vault's.
    pub fn read(root: &Path) -> Result<Option<Backends>> {
        let path = root.join(BACKENDS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(format!("reading {}", path.display()), e)),
        };
        toml::from_str(&text).map(Some).map_err(|e| {
            Error::usage(format!(
                "{} is not a valid backends file ({}); it names `database` and `blobs`",
                path.display(),
                e.message()
            ))
        })
    }

    /// Check both addresses' form (nothing is contacted).
    pub fn check_form(&self) -> Result<()> {
        if !(self.database.starts_with("postgres://") || self.database.starts_with("postgresql://"))
        {
            return Err(Error::usage(
                "the database must be given as postgres://USER@HOST[:PORT]/DATABASE",
            ));
        }
        S3Location::parse(&self.blobs).map(|_| ())
    }

    fn write_new(&self, root: &Path) -> Result<()> {
        let text = toml::to_string(self)
            .map_err(|e| Error::io(format!("writing the backends file failed: {e}")))?;
        let text = format!(
            "# The backends of this scale-out sealroom vault (see docs/deploy.md).\n\
             # Credentials for the object store come from AWS_* variables.\n{text}"
        );
        fsutil::write_new_private(&root.join(BACKENDS_FILE), text.as_bytes())
            .map_err(|e| io_error("writing the vault's backends file", e))
    }
}

/// Whether the folder `root` is a scale-out vault's.
pub fn is_scaleout(root: &Path) -> bool {
    root.join(BACKENDS_FILE).is_file()
}

/// Make a new scale-out vault: its log key and backends file in the existing, empty,
/// private folder `root`, then the records (the facts recorded at init) in an empty
/// database, its blobs in a bucket that must exist.
pub fn create(
    root: &Path,
    backends: &Backends,
    log_key: &[u8],
    vault_id: &str,
    log_verifier: &str,
) -> Result<Stores> {
    backends.check_form()?;
    let blobs = S3Blobs::new(S3Location::parse(&backends.blobs)?)?;
    blobs.check()?;
    fsutil::write_new_private(&root.join(LOG_KEY_FILE), log_key)
        .map_err(|e| io_error("writing the vault's log key", e))?;
    backends.write_new(root)?;
    let records = match PostgresStore::create(&backends.database, vault_id, log_verifier) {
        Ok(r) => r,
        Err(e) => {
            // Nothing was made in the database: the folder goes back to empty.
            let _ = std::fs::remove_file(root.join(LOG_KEY_FILE));
            let _ = std::fs::remove_file(root.join(BACKENDS_FILE));
            return Err(e);
        }
    };
    fsutil::sync_dir(root).map_err(|e| io_error("flushing the vault folder", e))?;
    Ok(Stores {
        records: Box::new(records),
        blobs: Arc::new(blobs),
    })
}

/// Open the stores of a scale-out vault (the database's schema is brought up to date
/// first).
pub fn open(backends: &Backends) -> Result<Stores> {
    backends.check_form()?;
    let records = PostgresStore::open(&backends.database)?;
    let blobs = S3Blobs::new(S3Location::parse(&backends.blobs)?)?;
    Ok(Stores {
        records: Box::new(records),
        blobs: Arc::new(blobs),
    })
}
