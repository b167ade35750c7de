//! The vault database: schema, pragmas and format version.
//!
//! SQLite in WAL mode with `synchronous=FULL` (a committed transaction survives power
//! loss) and foreign keys on. Nothing confidential is ever stored here in the clear:
//! titles and other metadata are age-encrypted, keys exist only as wraps.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// The vault format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

const SCHEMA: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    reference        TEXT NOT NULL UNIQUE,
    title            TEXT,
    policy           TEXT NOT NULL CHECK (policy IN ('consent', 'discretion')),
    state            TEXT NOT NULL CHECK (state IN ('open', 'closed', 'sealed', 'destroyed')),
    threshold        INTEGER NOT NULL,
    escrow_recipient TEXT NOT NULL,
    opened_at        TEXT NOT NULL
);
CREATE TABLE members (
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    role          TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    fingerprint   TEXT NOT NULL,
    name          TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    verifying_key TEXT NOT NULL,
    added_seq     INTEGER NOT NULL,
    PRIMARY KEY (case_id, role, label, fingerprint)
);
CREATE TABLE statements (
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    seq       INTEGER NOT NULL,
    act       TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    body      BLOB NOT NULL,
    signature BLOB NOT NULL,
    leaf_hash BLOB NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE checkpoints (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    size    INTEGER NOT NULL,
    root    BLOB NOT NULL,
    note    TEXT NOT NULL,
    PRIMARY KEY (case_id, size)
);
CREATE TABLE documents (
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    num           INTEGER NOT NULL,
    owner         TEXT NOT NULL,
    category      TEXT NOT NULL,
    confidential  INTEGER NOT NULL,
    depositor     TEXT NOT NULL,
    encoding      TEXT NOT NULL,
    blob          TEXT NOT NULL,
    blob_size     INTEGER NOT NULL,
    meta          BLOB NOT NULL,
    deposited_at  TEXT NOT NULL,
    statement_seq INTEGER NOT NULL,
    body_seq      INTEGER NOT NULL,
    body_state    TEXT NOT NULL DEFAULT 'live' CHECK (body_state IN ('live', 'archived', 'destroyed')),
    PRIMARY KEY (case_id, num),
    FOREIGN KEY (case_id, statement_seq) REFERENCES statements(case_id, seq),
    FOREIGN KEY (case_id, body_seq) REFERENCES statements(case_id, seq)
);
CREATE TABLE wraps (
    case_id   INTEGER NOT NULL,
    num       INTEGER NOT NULL,
    reader    TEXT NOT NULL,
    wrap      BLOB NOT NULL,
    grant_seq INTEGER NOT NULL,
    PRIMARY KEY (case_id, num, reader),
    FOREIGN KEY (case_id, num) REFERENCES documents(case_id, num),
    FOREIGN KEY (case_id, grant_seq) REFERENCES statements(case_id, seq)
);
CREATE TABLE consents (
    case_id INTEGER NOT NULL,
    num     INTEGER NOT NULL,
    to_label TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (case_id, num, to_label),
    FOREIGN KEY (case_id, num) REFERENCES documents(case_id, num),
    FOREIGN KEY (case_id, seq) REFERENCES statements(case_id, seq)
);
CREATE TABLE escrow_shares (
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    custodian TEXT NOT NULL,
    share     BLOB NOT NULL,
    PRIMARY KEY (case_id, custodian)
);
"#;

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(60))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::io(format!(
            "the vault database could not switch to WAL mode (it is in {mode} mode)"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
    )?;
    Ok(())
}

/// Create a new database at `path` with the current schema.
pub fn create(path: &Path, vault_id: &str, log_verifier: &str) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('format_version', ?1), ('vault_id', ?2), ('log_verifier', ?3), ('created_at', ?4)",
        (FORMAT_VERSION.to_string(), vault_id, log_verifier, crate::log::statement::now()),
    )?;
    tx.commit()?;
    Ok(conn)
}

/// Open an existing database, checking its format version.
pub fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'format_version'",
            [],
            |r| r.get(0),
        )
        .map_err(|_| {
            Error::integrity("this is not a sealroom vault database (no format version)")
        })?;
    let version: u32 = version
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Error::integrity("the vault's format version is unreadable"))?;
    if version > FORMAT_VERSION {
        return Err(Error::usage(format!(
            "this vault has format version {version}, newer than this sealroom understands ({FORMAT_VERSION}); upgrade sealroom"
        )));
    }
    Ok(conn)
}
