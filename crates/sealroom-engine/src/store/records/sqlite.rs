//! The embedded records backend: one SQLite database in WAL mode with
//! `synchronous=FULL` (a committed transaction survives power loss) and foreign keys
//! on. Every SQL string of the engine is in this module.
//!
//! SQLite has one writer at a time, so the per-case lock of [`RecordStore::write`] is
//! the database's write lock (`BEGIN IMMEDIATE`), which is wider than the contract asks.
//! Nothing confidential is stored here in the clear: titles and other metadata are
//! age-encrypted, keys exist only as wraps.

use std::path::Path;
use std::time::Duration;

use rusqlite::{
    params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};

use super::{
    BodyRow, BodyUse, CaseKey, CaseRow, CheckpointRow, ConsentRow, DocumentRow, MemberRow,
    RecordStore, Records, RecordsTx, RefusalRow, ShareRow, StatementRow, WrapRow,
};
use crate::error::{Error, Hint, Result};

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

/// The refusals table, made on first use so vaults made before it need no migration.
const REFUSALS_TABLE: &str = "CREATE TABLE IF NOT EXISTS refusals (
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    seq       INTEGER NOT NULL,
    record    TEXT NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (case_id, seq)
)";

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        let message = match &err {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ReadOnly => {
                "the vault database is read-only, so the act could not be recorded; nothing was changed"
            }
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull => {
                "the disk is full, so the act could not be recorded; nothing was changed"
            }
            rusqlite::Error::SqliteFailure(e, _)
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    || e.code == rusqlite::ErrorCode::DatabaseLocked =>
            {
                "the vault is busy with another command; try again in a moment"
            }
            rusqlite::Error::SqliteFailure(e, _)
                if e.code == rusqlite::ErrorCode::DatabaseCorrupt
                    || e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Error::io("the vault database is damaged; restore it from a backup")
                    .with_hint(Hint::CheckVault)
                    .with_cause(err);
            }
            _ => "the vault database failed; nothing was changed",
        };
        Error::io(message).with_cause(err)
    }
}

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

/// The embedded records backend: one SQLite database file.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Create a new database at `path` with the current schema and the vault's facts.
    pub fn create(path: &Path, vault_id: &str, log_verifier: &str) -> Result<SqliteStore> {
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
        Ok(SqliteStore { conn })
    }

    /// Open an existing database, checking its format version.
    pub fn open(path: &Path) -> Result<SqliteStore> {
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
        Ok(SqliteStore { conn })
    }
}

/// Copy the database at `from` to a new file `to` with SQLite's online backup. The
/// caller keeps writers out (holds a write transaction); the backup reads through a
/// connection of its own, since it cannot read through the one holding the lock, and
/// WAL readers are not blocked by it.
pub fn copy_database(from: &Path, to: &Path) -> Result<()> {
    let source = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut copy = Connection::open(to)?;
    rusqlite::backup::Backup::new(&source, &mut copy)?.run_to_completion(
        1024,
        Duration::ZERO,
        None,
    )?;
    Ok(())
}

/// A transaction of the embedded backend.
struct SqliteTx<'c> {
    tx: Transaction<'c>,
}

impl RecordStore for SqliteStore {
    fn now(&self) -> &dyn Records {
        &self.conn
    }

    fn snapshot(&self) -> Result<Box<dyn Records + '_>> {
        Ok(Box::new(SqliteTx {
            tx: Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)?,
        }))
    }

    fn write(&self, reference: &str) -> Result<Box<dyn RecordsTx + '_>> {
        // One writer for the whole database: wider than one case, as the contract allows.
        let _ = reference;
        Ok(Box::new(SqliteTx {
            tx: Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?,
        }))
    }

    fn self_check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if integrity != ["ok"] {
            problems.push(format!("SQLite integrity check: {}", integrity.join("; ")));
        }
        let fk: Vec<String> = self
            .conn
            .prepare("PRAGMA foreign_key_check")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !fk.is_empty() {
            problems.push(format!(
                "{} row(s) break a reference (tables: {})",
                fk.len(),
                fk.join(", ")
            ));
        }
        Ok(problems)
    }
}

const DOC_COLUMNS: &str = "num, owner, category, confidential, depositor, encoding, blob, blob_size, meta, deposited_at, statement_seq, body_seq, body_state";

fn doc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok(DocumentRow {
        num: r.get(0)?,
        owner: r.get(1)?,
        category: r.get(2)?,
        confidential: r.get(3)?,
        depositor: r.get(4)?,
        encoding: r.get(5)?,
        blob: r.get(6)?,
        blob_size: r.get(7)?,
        meta: r.get(8)?,
        deposited_at: r.get(9)?,
        statement_seq: r.get(10)?,
        body_seq: r.get(11)?,
        body_state: r.get(12)?,
    })
}

fn wrap_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WrapRow> {
    Ok(WrapRow {
        num: r.get(0)?,
        reader: r.get(1)?,
        wrap: r.get(2)?,
        grant_seq: r.get(3)?,
    })
}

fn checkpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckpointRow> {
    Ok(CheckpointRow {
        size: r.get(0)?,
        root: r.get(1)?,
        note: r.get(2)?,
    })
}

fn consent_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConsentRow> {
    Ok(ConsentRow {
        num: r.get(0)?,
        to_label: r.get(1)?,
        seq: r.get(2)?,
    })
}

fn share_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShareRow> {
    Ok(ShareRow {
        custodian: r.get(0)?,
        share: r.get(1)?,
    })
}

fn refusal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RefusalRow> {
    Ok(RefusalRow {
        seq: r.get(0)?,
        record: r.get(1)?,
        signature: r.get(2)?,
    })
}

const WRAP_COLUMNS: &str = "num, reader, wrap, grant_seq";

/// Run `sql` with `params`, collecting every row with `map`.
fn all<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params, map)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Run `sql` with `params`, mapping the one row there may be.
fn one<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params, map)
        .optional()?)
}

fn refusals_table_exists(conn: &Connection) -> Result<bool> {
    Ok(one(
        conn,
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refusals'",
        [],
        |_| Ok(()),
    )?
    .is_some())
}

impl Records for Connection {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        one(self, "SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
    }

    fn case_references(&self) -> Result<Vec<String>> {
        all(self, "SELECT reference FROM cases ORDER BY id", [], |r| {
            r.get(0)
        })
    }

    fn case(&self, reference: &str) -> Result<Option<(CaseKey, CaseRow)>> {
        one(
            self,
            "SELECT id, reference, title, policy, state, threshold, escrow_recipient, opened_at FROM cases WHERE reference = ?1",
            [reference],
            |r| {
                Ok((
                    r.get(0)?,
                    CaseRow {
                        reference: r.get(1)?,
                        title: r.get(2)?,
                        policy: r.get(3)?,
                        state: r.get(4)?,
                        threshold: r.get(5)?,
                        escrow_recipient: r.get(6)?,
                        opened_at: r.get(7)?,
                    },
                ))
            },
        )
    }

    fn members(&self, case: CaseKey) -> Result<Vec<MemberRow>> {
        all(
            self,
            "SELECT role, label, fingerprint, name, recipient, verifying_key, added_seq FROM members
             WHERE case_id = ?1 ORDER BY added_seq, rowid",
            [case],
            |r| {
                Ok(MemberRow {
                    role: r.get(0)?,
                    label: r.get(1)?,
                    fingerprint: r.get(2)?,
                    name: r.get(3)?,
                    recipient: r.get(4)?,
                    verifying_key: r.get(5)?,
                    added_seq: r.get(6)?,
                })
            },
        )
    }

    fn leaf_hashes(&self, case: CaseKey) -> Result<Vec<(u64, Vec<u8>)>> {
        all(
            self,
            "SELECT seq, leaf_hash FROM statements WHERE case_id = ?1 ORDER BY seq",
            [case],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn statements(
        &self,
        case: CaseKey,
        from: u64,
        each: &mut dyn FnMut(StatementRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.prepare_cached(
            "SELECT seq, act, actor, at, body, signature, leaf_hash FROM statements
             WHERE case_id = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![case, from], |r| {
            Ok(StatementRow {
                seq: r.get(0)?,
                act: r.get(1)?,
                actor: r.get(2)?,
                at: r.get(3)?,
                body: r.get(4)?,
                signature: r.get(5)?,
                leaf_hash: r.get(6)?,
            })
        })?;
        for row in rows {
            each(row?)?;
        }
        Ok(())
    }

    fn checkpoint(&self, case: CaseKey, size: u64) -> Result<Option<CheckpointRow>> {
        one(
            self,
            "SELECT size, root, note FROM checkpoints WHERE case_id = ?1 AND size = ?2",
            params![case, size],
            checkpoint_row,
        )
    }

    fn latest_checkpoint(&self, case: CaseKey) -> Result<Option<CheckpointRow>> {
        one(
            self,
            "SELECT size, root, note FROM checkpoints WHERE case_id = ?1 ORDER BY size DESC LIMIT 1",
            [case],
            checkpoint_row,
        )
    }

    fn checkpoints(&self, case: CaseKey) -> Result<Vec<CheckpointRow>> {
        all(
            self,
            "SELECT size, root, note FROM checkpoints WHERE case_id = ?1 ORDER BY size",
            [case],
            checkpoint_row,
        )
    }

    fn document(&self, case: CaseKey, num: u64) -> Result<Option<DocumentRow>> {
        one(
            self,
            &format!("SELECT {DOC_COLUMNS} FROM documents WHERE case_id = ?1 AND num = ?2"),
            params![case, num],
            doc_row,
        )
    }

    fn documents(&self, case: CaseKey) -> Result<Vec<DocumentRow>> {
        all(
            self,
            &format!("SELECT {DOC_COLUMNS} FROM documents WHERE case_id = ?1 ORDER BY num"),
            [case],
            doc_row,
        )
    }

    fn wraps(&self, case: CaseKey) -> Result<Vec<WrapRow>> {
        all(
            self,
            &format!("SELECT {WRAP_COLUMNS} FROM wraps WHERE case_id = ?1 ORDER BY num, reader"),
            [case],
            wrap_row,
        )
    }

    fn document_wraps(&self, case: CaseKey, num: u64) -> Result<Vec<WrapRow>> {
        all(
            self,
            &format!(
                "SELECT {WRAP_COLUMNS} FROM wraps WHERE case_id = ?1 AND num = ?2 ORDER BY reader"
            ),
            params![case, num],
            wrap_row,
        )
    }

    fn wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<Option<WrapRow>> {
        one(
            self,
            &format!(
                "SELECT {WRAP_COLUMNS} FROM wraps WHERE case_id = ?1 AND num = ?2 AND reader = ?3"
            ),
            params![case, num, reader],
            wrap_row,
        )
    }

    fn reader_wraps(&self, case: CaseKey, reader: &str) -> Result<Vec<WrapRow>> {
        all(
            self,
            &format!(
                "SELECT {WRAP_COLUMNS} FROM wraps WHERE case_id = ?1 AND reader = ?2 ORDER BY num"
            ),
            params![case, reader],
            wrap_row,
        )
    }

    fn consents(&self, case: CaseKey) -> Result<Vec<ConsentRow>> {
        all(
            self,
            "SELECT num, to_label, seq FROM consents WHERE case_id = ?1 ORDER BY num, to_label",
            [case],
            consent_row,
        )
    }

    fn document_consents(&self, case: CaseKey, num: u64) -> Result<Vec<ConsentRow>> {
        all(
            self,
            "SELECT num, to_label, seq FROM consents WHERE case_id = ?1 AND num = ?2 ORDER BY to_label",
            params![case, num],
            consent_row,
        )
    }

    fn escrow_shares(&self, case: CaseKey) -> Result<Vec<ShareRow>> {
        all(
            self,
            "SELECT custodian, share FROM escrow_shares WHERE case_id = ?1 ORDER BY custodian",
            [case],
            share_row,
        )
    }

    fn escrow_share(&self, case: CaseKey, custodian: &str) -> Result<Option<ShareRow>> {
        one(
            self,
            "SELECT custodian, share FROM escrow_shares WHERE case_id = ?1 AND custodian = ?2",
            params![case, custodian],
            share_row,
        )
    }

    fn refusals(&self, case: CaseKey) -> Result<Vec<RefusalRow>> {
        if !refusals_table_exists(self)? {
            return Ok(Vec::new());
        }
        all(
            self,
            "SELECT seq, record, signature FROM refusals WHERE case_id = ?1 ORDER BY seq",
            [case],
            refusal_row,
        )
    }

    fn last_refusal(&self, case: CaseKey) -> Result<Option<RefusalRow>> {
        if !refusals_table_exists(self)? {
            return Ok(None);
        }
        one(
            self,
            "SELECT seq, record, signature FROM refusals WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1",
            [case],
            refusal_row,
        )
    }

    fn bodies(&self) -> Result<Vec<BodyUse>> {
        all(
            self,
            "SELECT c.reference, d.num, d.blob, d.blob_size, d.body_state FROM documents d
             JOIN cases c ON c.id = d.case_id ORDER BY c.reference, d.num",
            [],
            |r| {
                Ok(BodyUse {
                    reference: r.get(0)?,
                    num: r.get(1)?,
                    blob: r.get(2)?,
                    blob_size: r.get(3)?,
                    body_state: r.get(4)?,
                })
            },
        )
    }
}

/// The reads of a transaction are the connection's (it sees its own writes).
macro_rules! reads_through_connection {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        impl Records for SqliteTx<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $out {
                let conn: &Connection = &self.tx;
                conn.$name($($arg),*)
            })*
        }
    };
}

reads_through_connection! {
    meta(key: &str) -> Result<Option<String>>;
    case_references() -> Result<Vec<String>>;
    case(reference: &str) -> Result<Option<(CaseKey, CaseRow)>>;
    members(case: CaseKey) -> Result<Vec<MemberRow>>;
    leaf_hashes(case: CaseKey) -> Result<Vec<(u64, Vec<u8>)>>;
    statements(case: CaseKey, from: u64, each: &mut dyn FnMut(StatementRow) -> Result<()>) -> Result<()>;
    checkpoint(case: CaseKey, size: u64) -> Result<Option<CheckpointRow>>;
    latest_checkpoint(case: CaseKey) -> Result<Option<CheckpointRow>>;
    checkpoints(case: CaseKey) -> Result<Vec<CheckpointRow>>;
    document(case: CaseKey, num: u64) -> Result<Option<DocumentRow>>;
    documents(case: CaseKey) -> Result<Vec<DocumentRow>>;
    wraps(case: CaseKey) -> Result<Vec<WrapRow>>;
    document_wraps(case: CaseKey, num: u64) -> Result<Vec<WrapRow>>;
    wrap(case: CaseKey, num: u64, reader: &str) -> Result<Option<WrapRow>>;
    reader_wraps(case: CaseKey, reader: &str) -> Result<Vec<WrapRow>>;
    consents(case: CaseKey) -> Result<Vec<ConsentRow>>;
    document_consents(case: CaseKey, num: u64) -> Result<Vec<ConsentRow>>;
    escrow_shares(case: CaseKey) -> Result<Vec<ShareRow>>;
    escrow_share(case: CaseKey, custodian: &str) -> Result<Option<ShareRow>>;
    refusals(case: CaseKey) -> Result<Vec<RefusalRow>>;
    last_refusal(case: CaseKey) -> Result<Option<RefusalRow>>;
    bodies() -> Result<Vec<BodyUse>>;
}

impl SqliteTx<'_> {
    /// Run one statement that changes rows.
    fn change<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<()> {
        self.tx.prepare_cached(sql)?.execute(params)?;
        Ok(())
    }
}

impl RecordsTx for SqliteTx<'_> {
    fn insert_case(&self, row: &CaseRow) -> Result<CaseKey> {
        self.change(
            "INSERT INTO cases (reference, title, policy, state, threshold, escrow_recipient, opened_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                row.reference,
                row.title,
                row.policy,
                row.state,
                row.threshold,
                row.escrow_recipient,
                row.opened_at
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    fn set_case_state(&self, case: CaseKey, state: &str) -> Result<()> {
        self.change(
            "UPDATE cases SET state = ?2 WHERE id = ?1",
            params![case, state],
        )
    }

    fn insert_member(&self, case: CaseKey, m: &MemberRow) -> Result<()> {
        self.change(
            "INSERT INTO members (case_id, role, label, fingerprint, name, recipient, verifying_key, added_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                case,
                m.role,
                m.label,
                m.fingerprint,
                m.name,
                m.recipient,
                m.verifying_key,
                m.added_seq
            ],
        )
    }

    fn delete_member(
        &self,
        case: CaseKey,
        role: &str,
        label: &str,
        fingerprint: &str,
    ) -> Result<()> {
        self.change(
            "DELETE FROM members WHERE case_id = ?1 AND role = ?2 AND label = ?3 AND fingerprint = ?4",
            params![case, role, label, fingerprint],
        )
    }

    fn insert_statement(&self, case: CaseKey, s: &StatementRow) -> Result<()> {
        self.change(
            "INSERT INTO statements (case_id, seq, act, actor, at, body, signature, leaf_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                case,
                s.seq,
                s.act,
                s.actor,
                s.at,
                s.body,
                s.signature,
                s.leaf_hash
            ],
        )
    }

    fn insert_checkpoint(&self, case: CaseKey, c: &CheckpointRow) -> Result<()> {
        self.change(
            "INSERT INTO checkpoints (case_id, size, root, note) VALUES (?1, ?2, ?3, ?4)",
            params![case, c.size, c.root, c.note],
        )
    }

    fn insert_document(&self, case: CaseKey, d: &DocumentRow) -> Result<()> {
        self.change(
            &format!(
                "INSERT INTO documents (case_id, {DOC_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
            ),
            params![
                case,
                d.num,
                d.owner,
                d.category,
                d.confidential,
                d.depositor,
                d.encoding,
                d.blob,
                d.blob_size,
                d.meta,
                d.deposited_at,
                d.statement_seq,
                d.body_seq,
                d.body_state
            ],
        )
    }

    fn replace_body(&self, case: CaseKey, num: u64, b: &BodyRow) -> Result<()> {
        self.change(
            "UPDATE documents SET encoding = ?3, blob = ?4, blob_size = ?5, meta = ?6, body_seq = ?7
             WHERE case_id = ?1 AND num = ?2",
            params![case, num, b.encoding, b.blob, b.blob_size, b.meta, b.body_seq],
        )
    }

    fn retire_body(&self, case: CaseKey, num: u64, body_state: &str) -> Result<()> {
        self.change(
            "UPDATE documents SET meta = X'', body_state = ?3 WHERE case_id = ?1 AND num = ?2",
            params![case, num, body_state],
        )
    }

    fn insert_wrap(&self, case: CaseKey, w: &WrapRow) -> Result<()> {
        self.change(
            "INSERT INTO wraps (case_id, num, reader, wrap, grant_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![case, w.num, w.reader, w.wrap, w.grant_seq],
        )
    }

    fn delete_wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<()> {
        self.change(
            "DELETE FROM wraps WHERE case_id = ?1 AND num = ?2 AND reader = ?3",
            params![case, num, reader],
        )
    }

    fn delete_document_wraps(&self, case: CaseKey, num: u64) -> Result<()> {
        self.change(
            "DELETE FROM wraps WHERE case_id = ?1 AND num = ?2",
            params![case, num],
        )
    }

    fn insert_consent(&self, case: CaseKey, c: &ConsentRow) -> Result<()> {
        self.change(
            "INSERT INTO consents (case_id, num, to_label, seq) VALUES (?1, ?2, ?3, ?4)",
            params![case, c.num, c.to_label, c.seq],
        )
    }

    fn delete_consent(&self, case: CaseKey, num: u64, to_label: &str) -> Result<()> {
        self.change(
            "DELETE FROM consents WHERE case_id = ?1 AND num = ?2 AND to_label = ?3",
            params![case, num, to_label],
        )
    }

    fn delete_consents(&self, case: CaseKey) -> Result<()> {
        self.change("DELETE FROM consents WHERE case_id = ?1", [case])
    }

    fn insert_escrow_share(&self, case: CaseKey, s: &ShareRow) -> Result<()> {
        self.change(
            "INSERT INTO escrow_shares (case_id, custodian, share) VALUES (?1, ?2, ?3)",
            params![case, s.custodian, s.share],
        )
    }

    fn delete_escrow_shares(&self, case: CaseKey) -> Result<()> {
        self.change("DELETE FROM escrow_shares WHERE case_id = ?1", [case])
    }

    fn insert_refusal(&self, case: CaseKey, r: &RefusalRow) -> Result<()> {
        self.tx.execute_batch(REFUSALS_TABLE)?;
        self.change(
            "INSERT INTO refusals (case_id, seq, record, signature) VALUES (?1, ?2, ?3, ?4)",
            params![case, r.seq, r.record, r.signature],
        )
    }

    fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_store_keeps_the_records_contract() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.db");
        SqliteStore::create(&path, "0123456789abcdef", "verifier").unwrap();
        let open = || Ok(Box::new(SqliteStore::open(&path)?) as Box<dyn RecordStore>);
        super::super::conformance::run(&open).unwrap();
    }

    #[test]
    fn the_facts_recorded_at_creation_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.db");
        SqliteStore::create(&path, "0123456789abcdef", "verifier").unwrap();
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.now().meta("vault_id").unwrap().as_deref(),
            Some("0123456789abcdef")
        );
        assert_eq!(
            store.now().meta("format_version").unwrap(),
            Some(FORMAT_VERSION.to_string())
        );
        assert!(store.self_check().unwrap().is_empty());
    }
}
