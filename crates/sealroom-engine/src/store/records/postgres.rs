//! The scale-out records backend: one PostgreSQL database, shared by every `sealroom
//! serve` process of a vault, so that they keep the records contract between them
//! (one writer per case across processes, all or nothing, durable when acknowledged).
//!
//! The schema mirrors the embedded one ([`super::sqlite`]) and is kept by versioned
//! migrations applied when a handle starts, under a database-wide advisory lock so that
//! processes starting together apply each migration once. A case's writers serialize on
//! a transaction-scoped advisory lock keyed by the case reference, taken before the
//! transaction reads anything; snapshots are `REPEATABLE READ READ ONLY` transactions.
//!
//! The client is the blocking one (the engine is synchronous): it runs its own small
//! runtime, so it must be called from plain threads (or `spawn_blocking`), never from an
//! async task. Nothing confidential is stored in the clear here either: titles and
//! other metadata are age-encrypted, keys exist only as wraps.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use postgres::config::Host;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row, Statement};

use super::sqlite::FORMAT_VERSION;
use super::{
    BodyRow, BodyUse, CaseKey, CaseRow, CheckpointRow, ConsentRow, DocumentRow, Lease, MemberRow,
    RecordStore, Records, RecordsTx, RefusalRow, ShareRow, StatementRow, WrapRow,
};
use crate::error::{Error, Hint, Result};

/// The schema migrations, in order: migration `i` brings the schema to version `i + 1`.
/// A migration is never edited once released (databases recorded it as applied); a
/// change is a new one at the end.
const MIGRATIONS: &[&str] = &[
    // 1: the tables of the embedded schema (refusals included), with text keys in the
    // "C" collation so that lists come in the same (byte) order as SQLite's.
    r#"
CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE cases (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference        text COLLATE "C" NOT NULL UNIQUE,
    title            text,
    policy           text NOT NULL CHECK (policy IN ('consent', 'discretion')),
    state            text NOT NULL CHECK (state IN ('open', 'closed', 'sealed', 'destroyed')),
    threshold        bigint NOT NULL,
    escrow_recipient text NOT NULL,
    opened_at        text NOT NULL
);
CREATE TABLE members (
    case_id       bigint NOT NULL REFERENCES cases(id),
    role          text COLLATE "C" NOT NULL,
    label         text COLLATE "C" NOT NULL DEFAULT '',
    fingerprint   text COLLATE "C" NOT NULL,
    name          text NOT NULL,
    recipient     text NOT NULL,
    verifying_key text NOT NULL,
    added_seq     bigint NOT NULL,
    -- The order members were inserted in (SQLite's rowid).
    inserted      bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (case_id, role, label, fingerprint)
);
CREATE TABLE statements (
    case_id   bigint NOT NULL REFERENCES cases(id),
    seq       bigint NOT NULL,
    act       text NOT NULL,
    actor     text NOT NULL,
    at        text NOT NULL,
    body      bytea NOT NULL,
    signature bytea NOT NULL,
    leaf_hash bytea NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TABLE checkpoints (
    case_id bigint NOT NULL REFERENCES cases(id),
    size    bigint NOT NULL,
    root    bytea NOT NULL,
    note    text NOT NULL,
    PRIMARY KEY (case_id, size)
);
CREATE TABLE documents (
    case_id       bigint NOT NULL REFERENCES cases(id),
    num           bigint NOT NULL,
    owner         text NOT NULL,
    category      text NOT NULL,
    confidential  boolean NOT NULL,
    depositor     text NOT NULL,
    encoding      text NOT NULL,
    blob          text NOT NULL,
    blob_size     bigint NOT NULL,
    meta          bytea NOT NULL,
    deposited_at  text NOT NULL,
    statement_seq bigint NOT NULL,
    body_seq      bigint NOT NULL,
    body_state    text NOT NULL DEFAULT 'live' CHECK (body_state IN ('live', 'archived', 'destroyed')),
    PRIMARY KEY (case_id, num),
    FOREIGN KEY (case_id, statement_seq) REFERENCES statements(case_id, seq),
    FOREIGN KEY (case_id, body_seq) REFERENCES statements(case_id, seq)
);
CREATE TABLE wraps (
    case_id   bigint NOT NULL,
    num       bigint NOT NULL,
    reader    text COLLATE "C" NOT NULL,
    wrap      bytea NOT NULL,
    grant_seq bigint NOT NULL,
    PRIMARY KEY (case_id, num, reader),
    FOREIGN KEY (case_id, num) REFERENCES documents(case_id, num),
    FOREIGN KEY (case_id, grant_seq) REFERENCES statements(case_id, seq)
);
CREATE INDEX wraps_by_reader ON wraps (case_id, reader, num);
CREATE TABLE consents (
    case_id  bigint NOT NULL,
    num      bigint NOT NULL,
    to_label text COLLATE "C" NOT NULL,
    seq      bigint NOT NULL,
    PRIMARY KEY (case_id, num, to_label),
    FOREIGN KEY (case_id, num) REFERENCES documents(case_id, num),
    FOREIGN KEY (case_id, seq) REFERENCES statements(case_id, seq)
);
CREATE TABLE escrow_shares (
    case_id   bigint NOT NULL REFERENCES cases(id),
    custodian text COLLATE "C" NOT NULL,
    share     bytea NOT NULL,
    PRIMARY KEY (case_id, custodian)
);
CREATE TABLE refusals (
    case_id   bigint NOT NULL REFERENCES cases(id),
    seq       bigint NOT NULL,
    record    text NOT NULL,
    signature bytea NOT NULL,
    PRIMARY KEY (case_id, seq)
);
"#,
];

/// The schema version this build creates and reads (the number of migrations).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock (one 64-bit key) held by the transaction that applies migrations
/// and records a new vault: processes starting together take turns.
const MIGRATION_LOCK: i64 = 0x5EA1_5C4E_3A00_0001;

/// The first key of every per-case advisory lock (two 32-bit keys: this and the hash of
/// the case reference). Two-key locks never collide with one-key ones; a hash collision
/// only makes a lock wider, which the contract allows.
const CASE_LOCK: i32 = 0x5EA1_0CA5;

/// The first key of every case's writer lease (see [`PostgresStore`]'s `lease`): a
/// session-level lock, distinct from the case's transaction lock above, which the
/// holder's commit still takes.
const LEASE_LOCK: i32 = 0x5EA1_1EA5;

/// How long a writer waits for its case's lock before it says the case is busy (as the
/// embedded backend's busy timeout).
const LOCK_WAIT: &str = "60s";

/// How many statements a walk reads per query (a log may be long; the callback runs
/// between batches, holding no connection lock).
const STATEMENT_BATCH: i64 = 256;

/// How many idle connections a store keeps for later calls.
const MAX_IDLE: usize = 8;

/// How long connecting may take when the URL does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The columns of a document, in [`doc_row`]'s order (a macro, so that queries stay
/// `&'static str` and can be prepared once per connection).
macro_rules! doc_columns {
    () => {
        "num, owner, category, confidential, depositor, encoding, blob, blob_size, meta, deposited_at, statement_seq, body_seq, body_state"
    };
}

/// The columns of a wrap, in [`wrap_row`]'s order.
macro_rules! wrap_columns {
    () => {
        "num, reader, wrap, grant_seq"
    };
}

/// A failure inside a session: the database's (mapped to a sentence with the place it
/// happened) or the engine's own (a number out of range, a callback's error).
enum Fault {
    Db(postgres::Error),
    Engine(Error),
}

impl From<postgres::Error> for Fault {
    fn from(err: postgres::Error) -> Self {
        Fault::Db(err)
    }
}

impl From<Error> for Fault {
    fn from(err: Error) -> Self {
        Fault::Engine(err)
    }
}

type Step<T> = std::result::Result<T, Fault>;

/// A database failure as one sentence. `place` names the database without its
/// password; the driver's own text is kept only as the cause (shown with `-v`).
fn db_error(place: &str, err: postgres::Error) -> Error {
    let Some(code) = err.code() else {
        let reason = io_reason(&err);
        return Error::io(format!(
            "the PostgreSQL server of {place} could not be reached ({reason}); nothing was changed"
        ))
        .with_cause(err);
    };
    let is = |states: &[SqlState]| states.contains(code);
    let message = if is(&[SqlState::UNIQUE_VIOLATION]) {
        "the vault database already holds a row with that key, so the act could not be recorded; nothing was changed".to_owned()
    } else if is(&[
        SqlState::FOREIGN_KEY_VIOLATION,
        SqlState::CHECK_VIOLATION,
        SqlState::NOT_NULL_VIOLATION,
    ]) {
        "the vault database refused a row that breaks its rules, so the act could not be recorded; nothing was changed".to_owned()
    } else if is(&[
        SqlState::LOCK_NOT_AVAILABLE,
        SqlState::QUERY_CANCELED,
        SqlState::T_R_SERIALIZATION_FAILURE,
        SqlState::T_R_DEADLOCK_DETECTED,
    ]) {
        "the vault is busy with another command; try again in a moment".to_owned()
    } else if is(&[SqlState::DISK_FULL]) {
        "the database server's disk is full, so the act could not be recorded; nothing was changed"
            .to_owned()
    } else if is(&[SqlState::READ_ONLY_SQL_TRANSACTION]) {
        format!("{place} is read-only (a standby?), so the act could not be recorded; nothing was changed")
    } else if is(&[
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::TOO_MANY_CONNECTIONS,
    ]) {
        format!("the PostgreSQL server of {place} is not available (shutting down, starting, or out of connections); nothing was changed, try again in a moment")
    } else if is(&[
        SqlState::INVALID_PASSWORD,
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
    ]) {
        format!("the PostgreSQL server refused the user name or password given for {place}")
    } else if is(&[SqlState::INVALID_CATALOG_NAME]) {
        format!("{place} does not exist on its server; create it first")
    } else if is(&[SqlState::UNDEFINED_TABLE, SqlState::UNDEFINED_COLUMN]) {
        return Error::io(format!(
            "the tables of {place} are missing or altered; restore it from a backup"
        ))
        .with_hint(Hint::CheckVault)
        .with_cause(err);
    } else {
        "the vault database failed; nothing was changed".to_owned()
    };
    Error::io(message).with_cause(err)
}

/// Why a connection failed, in a few words (the operating system's reason if any).
fn io_reason(err: &postgres::Error) -> String {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return io.to_string();
        }
        source = cause.source();
    }
    if err.is_closed() {
        "the connection was closed".to_owned()
    } else {
        "the connection failed".to_owned()
    }
}

/// A row's column that the schema says is there; a mismatch means the tables are not
/// this build's.
fn col<'r, T: postgres::types::FromSql<'r>>(row: &'r Row, idx: usize) -> Step<T> {
    row.try_get(idx).map_err(|e| {
        Fault::Engine(
            Error::io("the vault database returned a row this sealroom cannot read (are its tables altered?)")
                .with_hint(Hint::CheckVault)
                .with_cause(e),
        )
    })
}

/// A `bigint` column as the unsigned number it stores.
fn col_u64(row: &Row, idx: usize) -> Step<u64> {
    let value: i64 = col(row, idx)?;
    u64::try_from(value).map_err(|_| {
        Fault::Engine(
            Error::integrity("the vault database holds a negative position or size")
                .with_hint(Hint::CheckVault),
        )
    })
}

/// An unsigned number as the `bigint` that stores it.
fn big(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| {
        Error::usage(format!(
            "{value} is too large for the vault database (at most {})",
            i64::MAX
        ))
    })
}

/// Names the database of a connection string without its password (for messages).
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_dbname() {
        Some(db) => format!("the database `{db}` at {host}:{port}"),
        None => format!("the default database at {host}:{port}"),
    }
}

/// One connection and the statements prepared on it.
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl Conn {
    fn prepare(&mut self, sql: &'static str) -> std::result::Result<Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> Step<Vec<Row>> {
        let statement = self.prepare(sql)?;
        Ok(self.client.query(&statement, params)?)
    }

    fn query_opt(&mut self, sql: &'static str, params: Params<'_>) -> Step<Option<Row>> {
        let statement = self.prepare(sql)?;
        Ok(self.client.query_opt(&statement, params)?)
    }

    fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Step<u64> {
        let statement = self.prepare(sql)?;
        Ok(self.client.execute(&statement, params)?)
    }

    /// Every row of `sql`, each mapped by `map`.
    fn all<T>(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
        map: impl Fn(&Row) -> Step<T>,
    ) -> Step<Vec<T>> {
        self.query(sql, params)?.iter().map(map).collect()
    }

    /// The one row of `sql` there may be, mapped by `map`.
    fn one<T>(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
        map: impl Fn(&Row) -> Step<T>,
    ) -> Step<Option<T>> {
        self.query_opt(sql, params)?.as_ref().map(map).transpose()
    }

    /// One batch of a case's statements from position `from` on.
    fn statement_batch(&mut self, case: CaseKey, from: i64) -> Step<Vec<StatementRow>> {
        self.all(
            "SELECT seq, act, actor, at, body, signature, leaf_hash FROM statements
             WHERE case_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
            &[&case, &from, &STATEMENT_BATCH],
            |r| {
                Ok(StatementRow {
                    seq: col_u64(r, 0)?,
                    act: col(r, 1)?,
                    actor: col(r, 2)?,
                    at: col(r, 3)?,
                    body: col(r, 4)?,
                    signature: col(r, 5)?,
                    leaf_hash: col(r, 6)?,
                })
            },
        )
    }
}

/// The connections of a store: taken for a call, a snapshot or a transaction, and
/// given back after, so that no two of them share one connection's transaction state.
struct Pool {
    config: Config,
    /// The database, named without its password.
    place: String,
    idle: Mutex<Vec<Conn>>,
}

impl Pool {
    fn new(url: &str) -> Result<Pool> {
        let mut config = Config::from_str(url).map_err(|e| {
            Error::usage(
                "the PostgreSQL address is not a valid connection URL (postgres://user@host:port/database)",
            )
            .with_cause(e)
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("sealroom");
        }
        let place = describe(&config);
        Ok(Pool {
            config,
            place,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn fault(&self, fault: Fault) -> Error {
        match fault {
            Fault::Db(err) => db_error(&self.place, err),
            Fault::Engine(err) => err,
        }
    }

    /// A new connection. Commits are made durable on it even where the server's
    /// default says otherwise (the contract's "durable when acknowledged").
    fn connect(&self) -> Result<Conn> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|e| db_error(&self.place, e))?;
        let sync: String = client
            .query_one("SELECT current_setting('synchronous_commit')", &[])
            .and_then(|row| row.try_get(0))
            .map_err(|e| db_error(&self.place, e))?;
        if sync == "off" {
            client
                .batch_execute("SET synchronous_commit = on")
                .map_err(|e| db_error(&self.place, e))?;
        }
        Ok(Conn {
            client,
            prepared: HashMap::new(),
        })
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Conn>> {
        // A list of connections stays valid even if a holder panicked.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An idle connection (`true`: it may have gone stale) or a new one.
    fn checkout(&self) -> Result<(Conn, bool)> {
        while let Some(conn) = self.idle().pop() {
            if !conn.client.is_closed() {
                return Ok((conn, true));
            }
        }
        Ok((self.connect()?, false))
    }

    /// Give a connection back (one outside a transaction).
    fn checkin(&self, conn: Conn) {
        if conn.client.is_closed() {
            return;
        }
        let mut idle = self.idle();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    /// A connection with `begin` done on it. An idle connection found closed (the
    /// server restarted since) is replaced by a new one, since nothing was done yet.
    fn begin(&self, begin: &dyn Fn(&mut Conn) -> Step<()>) -> Result<Conn> {
        let (mut conn, reused) = self.checkout()?;
        match begin(&mut conn) {
            Ok(()) => Ok(conn),
            Err(Fault::Db(_)) if reused && conn.client.is_closed() => {
                self.idle().clear();
                let mut conn = self.connect()?;
                match begin(&mut conn) {
                    Ok(()) => Ok(conn),
                    Err(fault) => Err(self.abandon(conn, fault)),
                }
            }
            Err(fault) => Err(self.abandon(conn, fault)),
        }
    }

    /// End a failed transaction on `conn` and say why it failed.
    fn abandon(&self, mut conn: Conn, fault: Fault) -> Error {
        if conn.client.batch_execute("ROLLBACK").is_ok() {
            self.checkin(conn);
        }
        self.fault(fault)
    }

    /// A transaction (or snapshot) holding its own connection.
    fn hold(&self, begin: &dyn Fn(&mut Conn) -> Step<()>) -> Result<PgTx<'_>> {
        let conn = self.begin(begin)?;
        Ok(PgTx {
            pool: self,
            held: Mutex::new(Held {
                conn: Some(conn),
                failed: false,
            }),
        })
    }
}

/// Where the reads of [`Records`] run: a connection of their own for each call (the
/// latest state), or the one connection of a snapshot or transaction.
trait Session {
    /// Run `f` on the session's connection; its failure as one sentence.
    fn with<T>(&self, f: &mut dyn FnMut(&mut Conn) -> Step<T>) -> Result<T>;

    /// A case's statements from `from` on, in batches; `each` runs between them, so it
    /// may read through the same session.
    fn walk(
        &self,
        case: CaseKey,
        from: u64,
        each: &mut dyn FnMut(StatementRow) -> Result<()>,
    ) -> Result<()> {
        let mut next = big(from)?;
        loop {
            let batch = self.with(&mut |c| c.statement_batch(case, next))?;
            let full = batch.len() as i64 == STATEMENT_BATCH;
            for row in batch {
                next = big(row.seq)? + 1;
                each(row)?;
            }
            if !full {
                return Ok(());
            }
        }
    }
}

impl Session for Pool {
    /// Each call on its own connection, outside any transaction: the latest committed
    /// state. A call that finds its idle connection closed runs again on a new one
    /// (reads only, so running again is harmless).
    fn with<T>(&self, f: &mut dyn FnMut(&mut Conn) -> Step<T>) -> Result<T> {
        let (mut conn, reused) = self.checkout()?;
        let out = match f(&mut conn) {
            Err(Fault::Db(_)) if reused && conn.client.is_closed() => {
                self.idle().clear();
                conn = self.connect()?;
                f(&mut conn)
            }
            out => out,
        };
        self.checkin(conn);
        out.map_err(|fault| self.fault(fault))
    }

    /// One read-only repeatable-read transaction for the whole walk, so that a long log
    /// is read from one state; `each` may call the store meanwhile (other connections).
    fn walk(
        &self,
        case: CaseKey,
        from: u64,
        each: &mut dyn FnMut(StatementRow) -> Result<()>,
    ) -> Result<()> {
        let view = self.hold(&|c| {
            Ok(c.client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?)
        })?;
        view.walk(case, from, each)
        // Dropping the view ends its transaction and gives its connection back.
    }
}

/// The state of a held connection: `None` once the transaction ended; `failed` once a
/// statement failed (PostgreSQL then ignores everything until the end, and would turn
/// a `COMMIT` into a silent rollback, so commit refuses instead).
struct Held {
    conn: Option<Conn>,
    failed: bool,
}

/// A transaction (a case's writer) or a snapshot (read only), on a connection of its
/// own taken from the store's pool; given back when it ends.
struct PgTx<'s> {
    pool: &'s Pool,
    held: Mutex<Held>,
}

impl PgTx<'_> {
    fn held(&self) -> MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Run one statement that changes rows.
    fn change(&self, sql: &'static str, params: Params<'_>) -> Result<()> {
        self.with(&mut |c| c.execute(sql, params).map(|_| ()))
    }
}

impl Session for PgTx<'_> {
    fn with<T>(&self, f: &mut dyn FnMut(&mut Conn) -> Step<T>) -> Result<T> {
        let mut held = self.held();
        if held.failed {
            return Err(Error::io(
                "an earlier step of this act failed in the vault database; nothing was changed",
            ));
        }
        let Some(conn) = held.conn.as_mut() else {
            return Err(Error::io("the vault database transaction has ended"));
        };
        match f(conn) {
            Ok(value) => Ok(value),
            Err(fault) => {
                held.failed |= matches!(fault, Fault::Db(_));
                Err(self.pool.fault(fault))
            }
        }
    }
}

impl Drop for PgTx<'_> {
    /// A transaction dropped without commit rolls back; its connection goes back to the
    /// pool only if the rollback worked.
    fn drop(&mut self) {
        let conn = self.held().conn.take();
        if let Some(mut conn) = conn {
            if conn.client.batch_execute("ROLLBACK").is_ok() {
                self.pool.checkin(conn);
            }
        }
    }
}

/// The store: a pool of connections to one database that holds a vault.
pub struct PostgresStore {
    /// Shared with the leases it hands out, which give their connection back.
    pool: Arc<Pool>,
    applied: usize,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The place, never the URL: it may hold a password.
        f.debug_struct("PostgresStore")
            .field("place", &self.pool.place)
            .finish_non_exhaustive()
    }
}

/// A case's writer lease: the session-level advisory lock held on a connection of its
/// own, until dropped.
struct PgLease {
    pool: Arc<Pool>,
    conn: Option<Conn>,
    reference: String,
}

impl Lease for PgLease {}

impl Drop for PgLease {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = conn.client.query_one(
                "SELECT pg_advisory_unlock($1, hashtext($2))",
                &[&LEASE_LOCK, &self.reference],
            );
            // A connection that could not unlock is closed instead, which ends its
            // session and so frees the lock.
            if unlocked.is_ok() {
                self.pool.checkin(conn);
            }
        }
    }
}

/// Whether `create` is recording a new vault (its id and log verifier) or `open` is
/// opening one.
enum Start<'a> {
    Create {
        vault_id: &'a str,
        log_verifier: &'a str,
    },
    Open,
}

impl PostgresStore {
    /// Record a new vault in the database at `url` (`postgres://user@host:port/db`):
    /// the schema, then the vault's facts, as [`super::sqlite::SqliteStore::create`]
    /// records them. Refused if the database already holds a vault.
    pub fn create(url: &str, vault_id: &str, log_verifier: &str) -> Result<PostgresStore> {
        Self::start(
            url,
            Start::Create {
                vault_id,
                log_verifier,
            },
        )
    }

    /// Open the vault in the database at `url`, bringing its schema up to date first.
    /// Refused if the database holds no sealroom vault, or one newer than this build.
    pub fn open(url: &str) -> Result<PostgresStore> {
        Self::start(url, Start::Open)
    }

    /// Whether the database at `url` holds a sealroom vault.
    pub fn holds_vault(url: &str) -> Result<bool> {
        let pool = Pool::new(url)?;
        let mut conn = pool.connect()?;
        let found = (|| -> Step<bool> {
            let row = conn.client.query_one(
                "SELECT to_regclass('sealroom_schema') IS NOT NULL AND to_regclass('meta') IS NOT NULL",
                &[],
            )?;
            if !col::<bool>(&row, 0)? {
                return Ok(false);
            }
            Ok(conn
                .client
                .query_opt("SELECT 1 FROM meta WHERE key = 'vault_id'", &[])?
                .is_some())
        })();
        found.map_err(|fault| pool.fault(fault))
    }

    /// How many migrations this handle applied when it started (0 when the database's
    /// schema was already current).
    pub fn migrations_applied(&self) -> usize {
        self.applied
    }

    /// The schema version the database records.
    pub fn schema_version(&self) -> Result<u32> {
        self.pool.with(&mut |c| {
            let row = c
                .client
                .query_one("SELECT coalesce(max(version), 0) FROM sealroom_schema", &[])?;
            let version: i32 = col(&row, 0)?;
            Ok(version as u32)
        })
    }

    /// Connect, apply the migrations the database lacks and check (or record) the
    /// vault, all in one transaction under the migration lock: several processes
    /// starting at once take turns, and a refusal leaves the database as it was.
    fn start(url: &str, start: Start<'_>) -> Result<PostgresStore> {
        let pool = Pool::new(url)?;
        let mut conn = pool.connect()?;
        let place = pool.place.clone();
        let applied = (|| -> Step<usize> {
            let client = &mut conn.client;
            client.batch_execute("BEGIN")?;
            client.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let row = client.query_one("SELECT to_regclass('sealroom_schema') IS NOT NULL", &[])?;
            let versioned: bool = col(&row, 0)?;
            if !versioned && matches!(start, Start::Open) {
                return Err(no_vault(&place).into());
            }
            client.batch_execute(
                "CREATE TABLE IF NOT EXISTS sealroom_schema (
                     version    integer PRIMARY KEY,
                     applied_at timestamptz NOT NULL DEFAULT now()
                 )",
            )?;
            let row =
                client.query_one("SELECT coalesce(max(version), 0) FROM sealroom_schema", &[])?;
            let current: i32 = col(&row, 0)?;
            let current = current.max(0) as usize;
            if current > MIGRATIONS.len() {
                return Err(Error::usage(format!(
                    "{place} has schema version {current}, newer than this sealroom understands ({SCHEMA_VERSION}); upgrade sealroom"
                ))
                .into());
            }
            for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
                client.batch_execute(sql)?;
                let version = index as i32 + 1;
                client.execute(
                    "INSERT INTO sealroom_schema (version) VALUES ($1)",
                    &[&version],
                )?;
            }
            let existing =
                client.query_opt("SELECT value FROM meta WHERE key = 'vault_id'", &[])?;
            match start {
                Start::Create {
                    vault_id,
                    log_verifier,
                } => {
                    if let Some(row) = existing {
                        let id: String = col(&row, 0)?;
                        return Err(Error::refused(format!(
                            "{place} already holds a sealroom vault (vault {id}); sealroom never overwrites one"
                        ))
                        .into());
                    }
                    client.execute(
                        "INSERT INTO meta (key, value) VALUES ('format_version', $1), ('vault_id', $2), ('log_verifier', $3), ('created_at', $4)",
                        &[
                            &FORMAT_VERSION.to_string(),
                            &vault_id,
                            &log_verifier,
                            &crate::log::statement::now(),
                        ],
                    )?;
                }
                Start::Open => {
                    if existing.is_none() {
                        return Err(no_vault(&place).into());
                    }
                    let row = client
                        .query_opt("SELECT value FROM meta WHERE key = 'format_version'", &[])?;
                    let version = match row {
                        Some(row) => col::<String>(&row, 0)?.parse::<u32>().ok(),
                        None => None,
                    };
                    let Some(version) = version else {
                        return Err(Error::integrity(format!(
                            "the vault's format version in {place} is unreadable"
                        ))
                        .into());
                    };
                    if version > FORMAT_VERSION {
                        return Err(Error::usage(format!(
                            "this vault has format version {version}, newer than this sealroom understands ({FORMAT_VERSION}); upgrade sealroom"
                        ))
                        .into());
                    }
                }
            }
            client.batch_execute("COMMIT")?;
            Ok(MIGRATIONS.len() - current)
        })();
        // On failure the connection is dropped, and the server rolls its transaction back.
        let applied = applied.map_err(|fault| pool.fault(fault))?;
        pool.checkin(conn);
        Ok(PostgresStore {
            pool: Arc::new(pool),
            applied,
        })
    }
}

fn no_vault(place: &str) -> Error {
    Error::not_found(format!(
        "{place} holds no sealroom vault; create one there first"
    ))
}

impl RecordStore for PostgresStore {
    fn now(&self) -> &dyn Records {
        &*self.pool
    }

    fn snapshot(&self) -> Result<Box<dyn Records + '_>> {
        // The `SELECT` takes the snapshot now: PostgreSQL takes it at the first query.
        Ok(Box::new(self.pool.hold(&|c| {
            Ok(c.client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1")?)
        })?))
    }

    fn write(&self, reference: &str) -> Result<Box<dyn RecordsTx + '_>> {
        // The case's lock before anything is read: each statement after it (READ
        // COMMITTED) sees every commit of the case made before the lock was granted.
        Ok(Box::new(self.pool.hold(&|c| {
            c.client.batch_execute(&format!(
                "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '{LOCK_WAIT}'"
            ))?;
            c.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&CASE_LOCK, &reference],
            )?;
            Ok(())
        })?))
    }

    fn lease(&self, reference: &str, wait: Duration) -> Result<Option<Box<dyn Lease>>> {
        // A session-level advisory lock, taken in a transaction only so that the wait
        // has its own time limit; it outlives the transaction, on a connection the
        // lease keeps until it is given back.
        let conn = self
            .pool
            .begin(&|c| {
                c.client.batch_execute(&format!(
                    "BEGIN; SET LOCAL lock_timeout = '{}ms'",
                    wait.as_millis().max(1)
                ))?;
                c.execute(
                    "SELECT pg_advisory_lock($1, hashtext($2))",
                    &[&LEASE_LOCK, &reference],
                )?;
                c.client.batch_execute("COMMIT")?;
                Ok(())
            })
            .map_err(|e| {
                e.reword(|m| format!("case {reference} could not be leased to a writer: {m}"))
            })?;
        Ok(Some(Box::new(PgLease {
            pool: self.pool.clone(),
            conn: Some(conn),
            reference: reference.to_owned(),
        })))
    }

    fn self_check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let version = self.schema_version()?;
        if version != SCHEMA_VERSION {
            problems.push(format!(
                "the database's schema is at version {version}, not {SCHEMA_VERSION}"
            ));
        }
        let settings = self.pool.with(&mut |c| {
            let row = c.client.query_one(
                "SELECT current_setting('fsync'), current_setting('full_page_writes'), current_setting('server_encoding')",
                &[],
            )?;
            Ok((
                col::<String>(&row, 0)?,
                col::<String>(&row, 1)?,
                col::<String>(&row, 2)?,
            ))
        })?;
        if settings.0 != "on" {
            problems.push(
                "the PostgreSQL server runs with fsync off, so a crash can lose acknowledged acts"
                    .to_owned(),
            );
        }
        if settings.1 != "on" {
            problems.push(
                "the PostgreSQL server runs with full_page_writes off, so a crash can damage the database"
                    .to_owned(),
            );
        }
        if settings.2 != "UTF8" {
            problems.push(format!(
                "the database's encoding is {}, not UTF8",
                settings.2
            ));
        }
        Ok(problems)
    }
}

fn doc_row(r: &Row) -> Step<DocumentRow> {
    Ok(DocumentRow {
        num: col_u64(r, 0)?,
        owner: col(r, 1)?,
        category: col(r, 2)?,
        confidential: col(r, 3)?,
        depositor: col(r, 4)?,
        encoding: col(r, 5)?,
        blob: col(r, 6)?,
        blob_size: col_u64(r, 7)?,
        meta: col(r, 8)?,
        deposited_at: col(r, 9)?,
        statement_seq: col_u64(r, 10)?,
        body_seq: col_u64(r, 11)?,
        body_state: col(r, 12)?,
    })
}

fn wrap_row(r: &Row) -> Step<WrapRow> {
    Ok(WrapRow {
        num: col_u64(r, 0)?,
        reader: col(r, 1)?,
        wrap: col(r, 2)?,
        grant_seq: col_u64(r, 3)?,
    })
}

fn checkpoint_row(r: &Row) -> Step<CheckpointRow> {
    Ok(CheckpointRow {
        size: col_u64(r, 0)?,
        root: col(r, 1)?,
        note: col(r, 2)?,
    })
}

fn consent_row(r: &Row) -> Step<ConsentRow> {
    Ok(ConsentRow {
        num: col_u64(r, 0)?,
        to_label: col(r, 1)?,
        seq: col_u64(r, 2)?,
    })
}

fn share_row(r: &Row) -> Step<ShareRow> {
    Ok(ShareRow {
        custodian: col(r, 0)?,
        share: col(r, 1)?,
    })
}

fn refusal_row(r: &Row) -> Step<RefusalRow> {
    Ok(RefusalRow {
        seq: col_u64(r, 0)?,
        record: col(r, 1)?,
        signature: col(r, 2)?,
    })
}

/// The reads, once for every [`Session`]: the latest state (the pool) and a held
/// connection (a snapshot or a transaction, which sees its own writes).
macro_rules! records_through_session {
    ($($ty:ty),*) => {$(
        impl Records for $ty {
            fn meta(&self, key: &str) -> Result<Option<String>> {
                self.with(&mut |c| {
                    c.one("SELECT value FROM meta WHERE key = $1", &[&key], |r| col(r, 0))
                })
            }

            fn case_references(&self) -> Result<Vec<String>> {
                self.with(&mut |c| {
                    c.all("SELECT reference FROM cases ORDER BY id", &[], |r| col(r, 0))
                })
            }

            fn case(&self, reference: &str) -> Result<Option<(CaseKey, CaseRow)>> {
                self.with(&mut |c| {
                    c.one(
                        "SELECT id, reference, title, policy, state, threshold, escrow_recipient, opened_at
                         FROM cases WHERE reference = $1",
                        &[&reference],
                        |r| {
                            Ok((
                                col(r, 0)?,
                                CaseRow {
                                    reference: col(r, 1)?,
                                    title: col(r, 2)?,
                                    policy: col(r, 3)?,
                                    state: col(r, 4)?,
                                    threshold: col(r, 5)?,
                                    escrow_recipient: col(r, 6)?,
                                    opened_at: col(r, 7)?,
                                },
                            ))
                        },
                    )
                })
            }

            fn members(&self, case: CaseKey) -> Result<Vec<MemberRow>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT role, label, fingerprint, name, recipient, verifying_key, added_seq
                         FROM members WHERE case_id = $1 ORDER BY added_seq, inserted",
                        &[&case],
                        |r| {
                            Ok(MemberRow {
                                role: col(r, 0)?,
                                label: col(r, 1)?,
                                fingerprint: col(r, 2)?,
                                name: col(r, 3)?,
                                recipient: col(r, 4)?,
                                verifying_key: col(r, 5)?,
                                added_seq: col_u64(r, 6)?,
                            })
                        },
                    )
                })
            }

            fn leaf_hashes(&self, case: CaseKey) -> Result<Vec<(u64, Vec<u8>)>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT seq, leaf_hash FROM statements WHERE case_id = $1 ORDER BY seq",
                        &[&case],
                        |r| Ok((col_u64(r, 0)?, col(r, 1)?)),
                    )
                })
            }

            fn statements(
                &self,
                case: CaseKey,
                from: u64,
                each: &mut dyn FnMut(StatementRow) -> Result<()>,
            ) -> Result<()> {
                self.walk(case, from, each)
            }

            fn checkpoint(&self, case: CaseKey, size: u64) -> Result<Option<CheckpointRow>> {
                let size = big(size)?;
                self.with(&mut |c| {
                    c.one(
                        "SELECT size, root, note FROM checkpoints WHERE case_id = $1 AND size = $2",
                        &[&case, &size],
                        checkpoint_row,
                    )
                })
            }

            fn latest_checkpoint(&self, case: CaseKey) -> Result<Option<CheckpointRow>> {
                self.with(&mut |c| {
                    c.one(
                        "SELECT size, root, note FROM checkpoints WHERE case_id = $1
                         ORDER BY size DESC LIMIT 1",
                        &[&case],
                        checkpoint_row,
                    )
                })
            }

            fn checkpoints(&self, case: CaseKey) -> Result<Vec<CheckpointRow>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT size, root, note FROM checkpoints WHERE case_id = $1 ORDER BY size",
                        &[&case],
                        checkpoint_row,
                    )
                })
            }

            fn document(&self, case: CaseKey, num: u64) -> Result<Option<DocumentRow>> {
                let num = big(num)?;
                self.with(&mut |c| {
                    c.one(
                        concat!(
                            "SELECT ",
                            doc_columns!(),
                            " FROM documents WHERE case_id = $1 AND num = $2"
                        ),
                        &[&case, &num],
                        doc_row,
                    )
                })
            }

            fn documents(&self, case: CaseKey) -> Result<Vec<DocumentRow>> {
                self.with(&mut |c| {
                    c.all(
                        concat!(
                            "SELECT ",
                            doc_columns!(),
                            " FROM documents WHERE case_id = $1 ORDER BY num"
                        ),
                        &[&case],
                        doc_row,
                    )
                })
            }

            fn wraps(&self, case: CaseKey) -> Result<Vec<WrapRow>> {
                self.with(&mut |c| {
                    c.all(
                        concat!(
                            "SELECT ",
                            wrap_columns!(),
                            " FROM wraps WHERE case_id = $1 ORDER BY num, reader"
                        ),
                        &[&case],
                        wrap_row,
                    )
                })
            }

            fn document_wraps(&self, case: CaseKey, num: u64) -> Result<Vec<WrapRow>> {
                let num = big(num)?;
                self.with(&mut |c| {
                    c.all(
                        concat!(
                            "SELECT ",
                            wrap_columns!(),
                            " FROM wraps WHERE case_id = $1 AND num = $2 ORDER BY reader"
                        ),
                        &[&case, &num],
                        wrap_row,
                    )
                })
            }

            fn wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<Option<WrapRow>> {
                let num = big(num)?;
                self.with(&mut |c| {
                    c.one(
                        concat!(
                            "SELECT ",
                            wrap_columns!(),
                            " FROM wraps WHERE case_id = $1 AND num = $2 AND reader = $3"
                        ),
                        &[&case, &num, &reader],
                        wrap_row,
                    )
                })
            }

            fn reader_wraps(&self, case: CaseKey, reader: &str) -> Result<Vec<WrapRow>> {
                self.with(&mut |c| {
                    c.all(
                        concat!(
                            "SELECT ",
                            wrap_columns!(),
                            " FROM wraps WHERE case_id = $1 AND reader = $2 ORDER BY num"
                        ),
                        &[&case, &reader],
                        wrap_row,
                    )
                })
            }

            fn consents(&self, case: CaseKey) -> Result<Vec<ConsentRow>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT num, to_label, seq FROM consents WHERE case_id = $1
                         ORDER BY num, to_label",
                        &[&case],
                        consent_row,
                    )
                })
            }

            fn document_consents(&self, case: CaseKey, num: u64) -> Result<Vec<ConsentRow>> {
                let num = big(num)?;
                self.with(&mut |c| {
                    c.all(
                        "SELECT num, to_label, seq FROM consents WHERE case_id = $1 AND num = $2
                         ORDER BY to_label",
                        &[&case, &num],
                        consent_row,
                    )
                })
            }

            fn escrow_shares(&self, case: CaseKey) -> Result<Vec<ShareRow>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT custodian, share FROM escrow_shares WHERE case_id = $1
                         ORDER BY custodian",
                        &[&case],
                        share_row,
                    )
                })
            }

            fn escrow_share(&self, case: CaseKey, custodian: &str) -> Result<Option<ShareRow>> {
                self.with(&mut |c| {
                    c.one(
                        "SELECT custodian, share FROM escrow_shares
                         WHERE case_id = $1 AND custodian = $2",
                        &[&case, &custodian],
                        share_row,
                    )
                })
            }

            fn refusals(&self, case: CaseKey) -> Result<Vec<RefusalRow>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT seq, record, signature FROM refusals WHERE case_id = $1 ORDER BY seq",
                        &[&case],
                        refusal_row,
                    )
                })
            }

            fn last_refusal(&self, case: CaseKey) -> Result<Option<RefusalRow>> {
                self.with(&mut |c| {
                    c.one(
                        "SELECT seq, record, signature FROM refusals WHERE case_id = $1
                         ORDER BY seq DESC LIMIT 1",
                        &[&case],
                        refusal_row,
                    )
                })
            }

            fn bodies(&self) -> Result<Vec<BodyUse>> {
                self.with(&mut |c| {
                    c.all(
                        "SELECT c.reference, d.num, d.blob, d.blob_size, d.body_state FROM documents d
                         JOIN cases c ON c.id = d.case_id ORDER BY c.reference, d.num",
                        &[],
                        |r| {
                            Ok(BodyUse {
                                reference: col(r, 0)?,
                                num: col_u64(r, 1)?,
                                blob: col(r, 2)?,
                                blob_size: col_u64(r, 3)?,
                                body_state: col(r, 4)?,
                            })
                        },
                    )
                })
            }
        }
    )*};
}

records_through_session!(Pool, PgTx<'_>);

impl RecordsTx for PgTx<'_> {
    fn insert_case(&self, row: &CaseRow) -> Result<CaseKey> {
        self.with(&mut |c| {
            let key = c.one(
                "INSERT INTO cases (reference, title, policy, state, threshold, escrow_recipient, opened_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &row.reference,
                    &row.title,
                    &row.policy,
                    &row.state,
                    &row.threshold,
                    &row.escrow_recipient,
                    &row.opened_at,
                ],
                |r| col(r, 0),
            )?;
            key.ok_or_else(|| Fault::Engine(Error::io("the vault database gave the new case no key")))
        })
    }

    fn set_case_state(&self, case: CaseKey, state: &str) -> Result<()> {
        self.change(
            "UPDATE cases SET state = $2 WHERE id = $1",
            &[&case, &state],
        )
    }

    fn insert_member(&self, case: CaseKey, m: &MemberRow) -> Result<()> {
        let added_seq = big(m.added_seq)?;
        self.change(
            "INSERT INTO members (case_id, role, label, fingerprint, name, recipient, verifying_key, added_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &case,
                &m.role,
                &m.label,
                &m.fingerprint,
                &m.name,
                &m.recipient,
                &m.verifying_key,
                &added_seq,
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
            "DELETE FROM members WHERE case_id = $1 AND role = $2 AND label = $3 AND fingerprint = $4",
            &[&case, &role, &label, &fingerprint],
        )
    }

    fn insert_statement(&self, case: CaseKey, s: &StatementRow) -> Result<()> {
        let seq = big(s.seq)?;
        self.change(
            "INSERT INTO statements (case_id, seq, act, actor, at, body, signature, leaf_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &case,
                &seq,
                &s.act,
                &s.actor,
                &s.at,
                &s.body,
                &s.signature,
                &s.leaf_hash,
            ],
        )
    }

    fn insert_checkpoint(&self, case: CaseKey, cp: &CheckpointRow) -> Result<()> {
        let size = big(cp.size)?;
        self.change(
            "INSERT INTO checkpoints (case_id, size, root, note) VALUES ($1, $2, $3, $4)",
            &[&case, &size, &cp.root, &cp.note],
        )
    }

    fn insert_document(&self, case: CaseKey, d: &DocumentRow) -> Result<()> {
        let (num, blob_size) = (big(d.num)?, big(d.blob_size)?);
        let (statement_seq, body_seq) = (big(d.statement_seq)?, big(d.body_seq)?);
        self.change(
            concat!(
                "INSERT INTO documents (case_id, ",
                doc_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ),
            &[
                &case,
                &num,
                &d.owner,
                &d.category,
                &d.confidential,
                &d.depositor,
                &d.encoding,
                &d.blob,
                &blob_size,
                &d.meta,
                &d.deposited_at,
                &statement_seq,
                &body_seq,
                &d.body_state,
            ],
        )
    }

    fn replace_body(&self, case: CaseKey, num: u64, b: &BodyRow) -> Result<()> {
        let (num, blob_size, body_seq) = (big(num)?, big(b.blob_size)?, big(b.body_seq)?);
        self.change(
            "UPDATE documents SET encoding = $3, blob = $4, blob_size = $5, meta = $6, body_seq = $7
             WHERE case_id = $1 AND num = $2",
            &[&case, &num, &b.encoding, &b.blob, &blob_size, &b.meta, &body_seq],
        )
    }

    fn retire_body(&self, case: CaseKey, num: u64, body_state: &str) -> Result<()> {
        let num = big(num)?;
        self.change(
            "UPDATE documents SET meta = ''::bytea, body_state = $3 WHERE case_id = $1 AND num = $2",
            &[&case, &num, &body_state],
        )
    }

    fn insert_wrap(&self, case: CaseKey, w: &WrapRow) -> Result<()> {
        let (num, grant_seq) = (big(w.num)?, big(w.grant_seq)?);
        self.change(
            "INSERT INTO wraps (case_id, num, reader, wrap, grant_seq) VALUES ($1, $2, $3, $4, $5)",
            &[&case, &num, &w.reader, &w.wrap, &grant_seq],
        )
    }

    fn delete_wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<()> {
        let num = big(num)?;
        self.change(
            "DELETE FROM wraps WHERE case_id = $1 AND num = $2 AND reader = $3",
            &[&case, &num, &reader],
        )
    }

    fn delete_document_wraps(&self, case: CaseKey, num: u64) -> Result<()> {
        let num = big(num)?;
        self.change(
            "DELETE FROM wraps WHERE case_id = $1 AND num = $2",
            &[&case, &num],
        )
    }

    fn insert_consent(&self, case: CaseKey, row: &ConsentRow) -> Result<()> {
        let (num, seq) = (big(row.num)?, big(row.seq)?);
        self.change(
            "INSERT INTO consents (case_id, num, to_label, seq) VALUES ($1, $2, $3, $4)",
            &[&case, &num, &row.to_label, &seq],
        )
    }

    fn delete_consent(&self, case: CaseKey, num: u64, to_label: &str) -> Result<()> {
        let num = big(num)?;
        self.change(
            "DELETE FROM consents WHERE case_id = $1 AND num = $2 AND to_label = $3",
            &[&case, &num, &to_label],
        )
    }

    fn delete_consents(&self, case: CaseKey) -> Result<()> {
        self.change("DELETE FROM consents WHERE case_id = $1", &[&case])
    }

    fn insert_escrow_share(&self, case: CaseKey, s: &ShareRow) -> Result<()> {
        self.change(
            "INSERT INTO escrow_shares (case_id, custodian, share) VALUES ($1, $2, $3)",
            &[&case, &s.custodian, &s.share],
        )
    }

    fn delete_escrow_shares(&self, case: CaseKey) -> Result<()> {
        self.change("DELETE FROM escrow_shares WHERE case_id = $1", &[&case])
    }

    fn insert_refusal(&self, case: CaseKey, r: &RefusalRow) -> Result<()> {
        let seq = big(r.seq)?;
        self.change(
            "INSERT INTO refusals (case_id, seq, record, signature) VALUES ($1, $2, $3, $4)",
            &[&case, &seq, &r.record, &r.signature],
        )
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let mut held = self.held();
        let Some(mut conn) = held.conn.take() else {
            return Err(Error::io("the vault database transaction has ended"));
        };
        if held.failed {
            // PostgreSQL would answer COMMIT with a rollback; say so instead.
            drop(held);
            if conn.client.batch_execute("ROLLBACK").is_ok() {
                self.pool.checkin(conn);
            }
            return Err(Error::io(
                "an earlier step of this act failed in the vault database; nothing was changed",
            ));
        }
        drop(held);
        match conn.client.batch_execute("COMMIT") {
            Ok(()) => {
                self.pool.checkin(conn);
                Ok(())
            }
            // The connection is dropped: its state is unknown. If the server never
            // answered, the commit may or may not have been made.
            Err(err) if err.code().is_none() => Err(Error::io(format!(
                "the PostgreSQL server of {} did not confirm the commit ({}); the act may or may not be recorded, so look before repeating it",
                self.pool.place,
                io_reason(&err)
            ))
            .with_cause(err)),
            Err(err) => Err(db_error(&self.pool.place, err)),
        }
    }
}
