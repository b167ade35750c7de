//! The vault: a directory holding `sealroom.db`, `blobs/` and the vault's log key, and
//! the operations people perform on it. Each operation checks the caller's role with
//! [`crate::case::policy`], does its cryptography before the database transaction, and
//! records the act as a signed statement in the same transaction that changes state,
//! so an act is either wholly recorded or did not happen.

mod cases;
mod disclosure;
mod doctor;
mod documents;
mod log;
pub(crate) mod records;
mod verify;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::case::policy::{Audience, CaseState, Policy, Role};
use crate::error::{io_error, Error, Result};
use crate::identity::{Card, Fingerprint, Identity};
use crate::log::checkpoint::{Checkpoint, LogKey, LogVerifier};
use crate::log::merkle::{self, RootBuilder};
use crate::log::receipt;
use crate::log::statement::{now, Act, SignedStatement, Statement, VERSION};
use crate::store::{blobs::BlobStore, db, fsutil};

pub use cases::{CaseSpec, CaseSummary, MemberView};
pub use disclosure::{Consented, Disclosed, Exported, Revoked};
pub use doctor::{unhealthy, DoctorReport, Finding};
pub use documents::{parse_num, DepositSpec, Deposited, Listing, ReadOutcome};
pub use log::{LogLine, LogReport, ReceiptReport};
pub use records::DocumentView;

/// The folder (inside the default data folder) where a person's receipts are kept.
pub const RECEIPTS_DIR: &str = "receipts";
/// File name of the database inside a vault.
pub const DB_FILE: &str = "sealroom.db";
/// Folder of ciphertext blobs inside a vault.
pub const BLOBS_DIR: &str = "blobs";
/// The vault's Ed25519 log key (PKCS#8), which signs checkpoints.
pub const LOG_KEY_FILE: &str = "log.key";

/// An open vault.
pub struct Vault {
    root: PathBuf,
    pub(crate) conn: Connection,
    pub(crate) blobs: BlobStore,
}

/// One member of a case, as loaded from the database.
#[derive(Clone, Debug)]
pub struct Member {
    /// Role held (a person may appear once per role).
    pub role: Role,
    /// Card.
    pub card: Card,
}

/// A case with its members, loaded for one operation.
#[derive(Clone, Debug)]
pub(crate) struct CaseContext {
    pub id: i64,
    pub reference: String,
    pub title: Option<String>,
    pub policy: Policy,
    pub state: CaseState,
    pub threshold: u32,
    pub escrow_recipient: String,
    pub opened_at: String,
    pub members: Vec<Member>,
}

impl CaseContext {
    /// The roles `who` holds in this case.
    pub fn roles_of(&self, who: &Fingerprint) -> Vec<Role> {
        self.members
            .iter()
            .filter(|m| m.card.fingerprint() == *who)
            .map(|m| m.role.clone())
            .collect()
    }

    /// The roles, or a refusal for non-members.
    pub fn member_roles(&self, who: &Identity) -> Result<Vec<Role>> {
        let roles = self.roles_of(&who.fingerprint());
        if roles.is_empty() {
            return Err(Error::refused(format!(
                "{} is not a member of case {}",
                who.name(),
                self.reference
            )));
        }
        Ok(roles)
    }

    /// The labels of every party.
    pub fn party_labels(&self) -> std::collections::BTreeSet<String> {
        self.members
            .iter()
            .filter_map(|m| match &m.role {
                Role::Party(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    /// The distinct cards of everyone in `audience`.
    pub fn cards_in(&self, audience: &Audience) -> Vec<Card> {
        let mut out: Vec<Card> = Vec::new();
        for m in &self.members {
            if crate::case::policy::in_audience(std::slice::from_ref(&m.role), audience)
                && !out.iter().any(|c| c.fingerprint() == m.card.fingerprint())
            {
                out.push(m.card.clone());
            }
        }
        out
    }

    /// The card of the member with this fingerprint.
    pub fn card_of(&self, who: &str) -> Option<&Card> {
        self.members
            .iter()
            .find(|m| m.card.fingerprint().to_hex() == who)
            .map(|m| &m.card)
    }

    /// A person-readable description of who a set of readers is ("the claimant party,
    /// the mediators").
    pub fn describe_readers(&self, readers: &[String]) -> String {
        let mut groups = std::collections::BTreeSet::new();
        for r in readers {
            for m in &self.members {
                if m.card.fingerprint().to_hex() == *r {
                    groups.insert(match &m.role {
                        Role::Party(l) => format!("the {l} party"),
                        Role::Mediator => "the mediators".to_owned(),
                        other => format!("the {}", other.kind()),
                    });
                }
            }
        }
        if groups.is_empty() {
            "no current member".to_owned()
        } else {
            groups.into_iter().collect::<Vec<_>>().join(", ")
        }
    }
}

impl Vault {
    /// Make a new vault at `root`. Refuses to touch an existing vault or a non-empty
    /// directory.
    pub fn init(root: &Path) -> Result<Vault> {
        if root.join(DB_FILE).exists() {
            return Err(Error::refused(format!(
                "a vault already exists at {}; `sealroom init` never touches an existing vault",
                root.display()
            )));
        }
        if root.exists() && !root.is_dir() {
            return Err(Error::refused(format!(
                "{} exists and is not a folder; choose a new or empty folder for the vault",
                root.display()
            )));
        }
        if root.exists() {
            let entries = std::fs::read_dir(root)
                .map_err(|e| io_error(format!("reading {}", root.display()), e))?;
            // The default vault folder may already hold the user's own receipts.
            let mut others = entries.filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name() != RECEIPTS_DIR)
                    .unwrap_or(true)
            });
            if others.next().is_some() {
                return Err(Error::refused(format!(
                    "{} is not empty; choose an empty or new folder for the vault",
                    root.display()
                )));
            }
        } else {
            if let Some(parent) = root.parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| io_error(format!("creating {}", parent.display()), e))?;
                }
            }
            fsutil::create_private_dir(root)
                .map_err(|e| io_error(format!("creating the vault {}", root.display()), e))?;
        }
        fsutil::create_private_dir(&root.join(BLOBS_DIR))
            .map_err(|e| io_error("creating the blobs folder", e))?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id)
            .map_err(|_| Error::io("the system random number generator failed"))?;
        let vault_id = crate::crypto::digest::hex(&id);
        let (key, pkcs8) = LogKey::generate(&receipt::key_name(&vault_id))
            .map_err(|e| Error::io(format!("making the vault's log key failed: {e}")))?;
        let pkcs8 = zeroize::Zeroizing::new(pkcs8);
        fsutil::write_new_private(&root.join(LOG_KEY_FILE), &pkcs8)
            .map_err(|e| io_error("writing the vault's log key", e))?;
        let verifier = key.public().to_verifier_string();
        let conn = db::create(&root.join(DB_FILE), &vault_id, &verifier)?;
        fsutil::sync_dir(root).map_err(|e| io_error("flushing the vault folder", e))?;
        Ok(Vault {
            root: root.to_owned(),
            conn,
            blobs: BlobStore::new(root.join(BLOBS_DIR)),
        })
    }

    /// Open the vault at `root`.
    pub fn open(root: &Path) -> Result<Vault> {
        let db_path = root.join(DB_FILE);
        if !db_path.is_file() {
            return Err(Error::not_found(format!(
                "there is no vault at {}; create one with `sealroom init --vault {}` or point --vault (or SEALROOM_VAULT) at an existing vault",
                root.display(),
                root.display()
            )));
        }
        let conn = db::open(&db_path)?;
        Ok(Vault {
            root: root.to_owned(),
            conn,
            blobs: BlobStore::new(root.join(BLOBS_DIR)),
        })
    }

    /// The vault's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn meta(&self, key: &str) -> Result<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::integrity(format!("the vault has no `{key}`; it is damaged")))
    }

    /// The vault's identifier (random, made at `init`; names its log key and origins).
    pub fn vault_id(&self) -> Result<String> {
        self.meta("vault_id")
    }

    /// The vault's log public key, as a signed-note verifier string.
    pub fn log_verifier(&self) -> Result<LogVerifier> {
        LogVerifier::parse(&self.meta("log_verifier")?)
            .map_err(|e| Error::integrity(format!("the vault's log key record is damaged: {e}")))
    }

    /// The log key that signs checkpoints, loaded for one append. If it cannot be
    /// loaded, the act fails: nothing happens unlogged.
    pub(crate) fn log_signer(&self) -> Result<LogSigner> {
        let vault_id = self.vault_id()?;
        let path = self.root.join(LOG_KEY_FILE);
        let pkcs8 = zeroize::Zeroizing::new(std::fs::read(&path).map_err(|e| {
            Error::io(format!(
                "the vault's log key {} cannot be read ({}), so the act cannot be logged and was not done; restore log.key from the vault's backup",
                path.display(),
                if e.kind() == std::io::ErrorKind::NotFound { "it is missing".to_owned() } else { e.to_string() }
            ))
        })?);
        let key = LogKey::from_pkcs8(&receipt::key_name(&vault_id), &pkcs8)
            .map_err(|_| Error::integrity("the vault's log key is damaged; nothing was done"))?;
        if key.public().to_verifier_string() != self.log_verifier()?.to_verifier_string() {
            return Err(Error::integrity(
                "the vault's log key does not match the key recorded at init; nothing was done",
            ));
        }
        Ok(LogSigner { key, vault_id })
    }

    /// Begin a write transaction that takes the write lock at once, so two commands
    /// never interleave their reads of "the next number" and their writes.
    pub(crate) fn write_tx(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Load a case and its members.
    pub(crate) fn case_context(conn: &Connection, reference: &str) -> Result<CaseContext> {
        let row = conn
            .query_row(
                "SELECT id, reference, title, policy, state, threshold, escrow_recipient
                 FROM cases WHERE reference = ?1",
                [reference],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, u32>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| {
                Error::not_found(format!(
                    "there is no case `{reference}` in this vault; `sealroom case list` shows the cases"
                ))
            })?;
        let policy = match row.3.as_str() {
            "consent" => Policy::Consent,
            "discretion" => Policy::Discretion,
            other => return Err(Error::integrity(format!("unknown policy `{other}`"))),
        };
        let (charter, signed, opened_at) = signed_members(conn, row.0, &row.1)?;
        // The cases and members tables are caches of the signed charter and add-member
        // statements: a row that disagrees was altered, and is never believed.
        let stored = stored_members(conn, row.0)?;
        let altered = || {
            Error::integrity(format!(
                "the records of case {} were altered (they differ from its signed charter); run `sealroom doctor`",
                row.1
            ))
        };
        if charter.policy.as_str() != row.3
            || charter.threshold != row.5
            || charter.escrow_recipient != row.6
            || charter.title != row.2
            || stored != signed.iter().map(member_key).collect::<Vec<_>>()
        {
            return Err(altered());
        }
        Ok(CaseContext {
            id: row.0,
            reference: row.1,
            title: row.2,
            policy,
            state: CaseState::parse(&row.4)?,
            threshold: row.5,
            escrow_recipient: row.6,
            // The signed charter's time, not the row's copy (written a moment apart).
            opened_at,
            members: signed,
        })
    }
}

/// The members of a case as its signed statements name them: the charter (signed by
/// its registrar) and each add-member statement (signed by a registrar), in order.
/// Also returns when the charter was signed: the time the case was opened.
fn signed_members(
    conn: &Connection,
    case_id: i64,
    reference: &str,
) -> Result<(crate::case::charter::Charter, Vec<Member>, String)> {
    let bad = |why: &str| {
        Error::integrity(format!(
            "the membership of case {reference} does not verify ({why}); run `sealroom log {reference} --verify`"
        ))
    };
    let mut stmt = conn.prepare_cached(
        "SELECT body, signature FROM statements WHERE case_id = ?1 AND act IN ('open', 'add-member') ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([case_id], |r| {
            Ok(SignedStatement {
                body: r.get(0)?,
                signature: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut rows = rows.into_iter();
    let first = rows.next().ok_or_else(|| bad("no charter"))?;
    let s = first
        .statement()
        .map_err(|_| bad("the charter is malformed"))?;
    let opened_at = s.at.clone();
    let Act::Open { charter } = s.act else {
        return Err(bad("the first statement is not the charter"));
    };
    let registrar = charter.registrar()?.card()?;
    if s.seq != 0
        || s.case != reference
        || registrar.fingerprint().to_hex() != s.actor
        || !first.verified_by(&registrar)
    {
        return Err(bad("the charter is not signed by its registrar"));
    }
    let mut members = Vec::new();
    for m in &charter.members {
        members.push(Member {
            role: m.role()?,
            card: m.card()?,
        });
    }
    for signed in rows {
        let s = signed
            .statement()
            .map_err(|_| bad("an add-member statement is malformed"))?;
        let Act::AddMember { member } = s.act else {
            return Err(bad("a statement is filed under the wrong act"));
        };
        let by_registrar = members
            .iter()
            .find(|m| m.role == Role::Registrar && m.card.fingerprint().to_hex() == s.actor)
            .map(|m| m.card.clone());
        match by_registrar {
            Some(card) if signed.verified_by(&card) && s.case == reference => {}
            _ => return Err(bad("an added member is not signed in by the registrar")),
        }
        members.push(Member {
            role: member.role()?,
            card: member.card()?,
        });
    }
    Ok((charter, members, opened_at))
}

type MemberKey = (String, String, String, String, String, String);

fn member_key(m: &Member) -> MemberKey {
    (
        m.role.kind().to_owned(),
        match &m.role {
            Role::Party(l) => l.clone(),
            _ => String::new(),
        },
        m.card.fingerprint().to_hex(),
        m.card.name().to_owned(),
        m.card.recipient().to_owned(),
        m.card.verifying_key_b64(),
    )
}

/// The members table's rows, in the order they were added.
fn stored_members(conn: &Connection, case_id: i64) -> Result<Vec<MemberKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT role, label, fingerprint, name, recipient, verifying_key FROM members
         WHERE case_id = ?1 ORDER BY added_seq, rowid",
    )?;
    let rows = stmt
        .query_map([case_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The vault's log key with what names it, loaded for one append.
pub(crate) struct LogSigner {
    key: LogKey,
    vault_id: String,
}

/// Append a signed statement for `act` by `actor` to the case's log, inside `tx`, and
/// sign the new checkpoint. Returns the new statement's sequence number.
pub(crate) fn append_statement(
    tx: &Transaction<'_>,
    signer: &LogSigner,
    case_id: i64,
    reference: &str,
    actor: &Identity,
    act: Act,
) -> Result<(u64, SignedStatement)> {
    let seq: u64 = tx.query_row(
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM statements WHERE case_id = ?1",
        [case_id],
        |r| r.get(0),
    )?;
    let statement = Statement {
        v: VERSION,
        case: reference.to_owned(),
        seq,
        at: now(),
        actor: actor.fingerprint().to_hex(),
        act,
    };
    let signed = SignedStatement::sign(&statement, actor)?;
    let leaf = merkle::leaf_hash(&signed.entry());
    let unlogged = |e: rusqlite::Error| {
        let reason = Error::from(e);
        Error::io(format!(
            "the case log could not be written, so the act was not done ({})",
            reason.message()
        ))
    };
    tx.execute(
        "INSERT INTO statements (case_id, seq, act, actor, at, body, signature, leaf_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            case_id,
            seq,
            statement.act.name(),
            statement.actor,
            statement.at,
            signed.body,
            signed.signature,
            leaf.to_vec()
        ],
    )
    .map_err(unlogged)?;
    let mut tree = RootBuilder::new();
    {
        let mut stmt =
            tx.prepare_cached("SELECT leaf_hash FROM statements WHERE case_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([case_id])?;
        while let Some(row) = rows.next()? {
            let bytes: Vec<u8> = row.get(0)?;
            let hash = <[u8; 32]>::try_from(bytes.as_slice())
                .map_err(|_| Error::integrity("a stored leaf hash is damaged"))?;
            tree.push(hash);
        }
    }
    if tree.size() != seq + 1 {
        return Err(Error::integrity(
            "the case log has gaps; run `sealroom log --verify`",
        ));
    }
    let checkpoint = Checkpoint::new(
        receipt::origin(&signer.vault_id, reference),
        tree.size(),
        tree.root(),
    )
    .map_err(|e| Error::usage(format!("the case reference cannot name a log: {e}")))?;
    let note = signer
        .key
        .sign(&checkpoint)
        .map_err(|e| Error::io(format!("signing the checkpoint failed: {e}")))?;
    tx.execute(
        "INSERT INTO checkpoints (case_id, size, root, note) VALUES (?1, ?2, ?3, ?4)",
        params![
            case_id,
            checkpoint.size,
            checkpoint.root.to_vec(),
            note.text
        ],
    )?;
    Ok((seq, signed))
}

/// Load one statement of a case.
pub(crate) fn load_statement(conn: &Connection, case_id: i64, seq: u64) -> Result<SignedStatement> {
    conn.query_row(
        "SELECT body, signature FROM statements WHERE case_id = ?1 AND seq = ?2",
        params![case_id, seq],
        |r| {
            Ok(SignedStatement {
                body: r.get(0)?,
                signature: r.get(1)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::integrity(format!("statement {seq} is missing from the case log")))
}

impl Vault {
    /// Every statement of a case, in log order.
    pub fn statements(&self, reference: &str) -> Result<Vec<SignedStatement>> {
        let ctx = Vault::case_context(&self.conn, reference)?;
        let mut stmt = self
            .conn
            .prepare("SELECT body, signature FROM statements WHERE case_id = ?1 ORDER BY seq")?;
        let rows = stmt
            .query_map([ctx.id], |r| {
                Ok(SignedStatement {
                    body: r.get(0)?,
                    signature: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Who holds an escrow share of a case, and the wrapped share (for custodians).
    pub fn escrow_share(&self, reference: &str, holder: &Identity) -> Result<Vec<u8>> {
        let ctx = Vault::case_context(&self.conn, reference)?;
        self.conn
            .query_row(
                "SELECT share FROM escrow_shares WHERE case_id = ?1 AND custodian = ?2",
                params![ctx.id, holder.fingerprint().to_hex()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                Error::refused(format!(
                    "{} holds no escrow share of case {reference}",
                    holder.name()
                ))
            })
    }

    /// The escrow wrap of a document (what an opened escrow key unlocks).
    pub fn escrow_wrap(&self, reference: &str, num: u64) -> Result<Vec<u8>> {
        let ctx = Vault::case_context(&self.conn, reference)?;
        self.conn
            .query_row(
                "SELECT wrap FROM wraps WHERE case_id = ?1 AND num = ?2 AND reader = 'escrow'",
                params![ctx.id, num],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                Error::not_found(format!("#{num} of case {reference} has no escrow wrap"))
            })
    }
}
