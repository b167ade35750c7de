//! The vault: a directory holding `sealroom.db`, `blobs/` and the vault's log key, and
//! the operations people perform on it. Each operation checks the caller's role with
//! [`crate::case::policy`], does its cryptography before the database transaction, and
//! records the act as a signed statement in the same transaction that changes state,
//! so an act is either wholly recorded or did not happen.

mod cases;
mod disclosure;
mod documents;
mod records;
mod verify;

use std::path::{Path, PathBuf};

use ring::signature::{Ed25519KeyPair, KeyPair as _};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::case::charter::MemberRecord;
use crate::case::policy::{Audience, CaseState, Policy, Role};
use crate::error::{io_error, Error, Result};
use crate::identity::{Card, Fingerprint, Identity};
use crate::log::statement::{now, Act, SignedStatement, Statement, VERSION};
use crate::store::{blobs::BlobStore, db, fsutil};

pub use cases::{CaseSpec, CaseSummary, MemberView};
pub use disclosure::{Consented, Disclosed, Exported, Revoked};
pub use documents::{parse_num, DepositSpec, Deposited, Listing, ReadOutcome};
pub use records::DocumentView;

/// File name of the database inside a vault.
pub const DB_FILE: &str = "sealroom.db";
/// Folder of ciphertext blobs inside a vault.
pub const BLOBS_DIR: &str = "blobs";
/// The vault's Ed25519 log key (PKCS#8), which signs checkpoints.
pub const LOG_KEY_FILE: &str = "log.key";

/// An open vault.
pub struct Vault {
    root: PathBuf,
    conn: Connection,
    blobs: BlobStore,
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
            let mut entries = std::fs::read_dir(root)
                .map_err(|e| io_error(format!("reading {}", root.display()), e))?;
            if entries.next().is_some() {
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
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = zeroize::Zeroizing::new(
            Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(|_| Error::io("the system random number generator failed"))?
                .as_ref()
                .to_vec(),
        );
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| Error::io("a freshly generated log key was rejected"))?;
        fsutil::write_new_private(&root.join(LOG_KEY_FILE), &pkcs8)
            .map_err(|e| io_error("writing the vault's log key", e))?;
        use base64::Engine as _;
        let public = base64::engine::general_purpose::STANDARD.encode(key.public_key().as_ref());
        let conn = db::create(&root.join(DB_FILE), &public)?;
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

    /// The vault's log public key (base64).
    pub fn log_public_key(&self) -> Result<String> {
        Ok(self.conn.query_row(
            "SELECT value FROM meta WHERE key = 'log_public_key'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Begin a write transaction that takes the write lock at once, so two commands
    /// never interleave their reads of "the next number" and their writes.
    fn write_tx(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Load a case and its members.
    pub(crate) fn case_context(conn: &Connection, reference: &str) -> Result<CaseContext> {
        let row = conn
            .query_row(
                "SELECT id, reference, title, policy, state, threshold, escrow_recipient, opened_at
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
                        r.get::<_, String>(7)?,
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
        let mut stmt = conn.prepare(
            "SELECT role, label, name, recipient, verifying_key FROM members
             WHERE case_id = ?1 ORDER BY added_seq, rowid",
        )?;
        let members = stmt
            .query_map([row.0], |r| {
                let label: String = r.get(1)?;
                Ok(MemberRecord {
                    role: r.get(0)?,
                    label: if label.is_empty() { None } else { Some(label) },
                    name: r.get(2)?,
                    age: r.get(3)?,
                    ed25519: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|m| {
                Ok(Member {
                    role: m.role()?,
                    card: m.card()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CaseContext {
            id: row.0,
            reference: row.1,
            title: row.2,
            policy,
            state: CaseState::parse(&row.4)?,
            threshold: row.5,
            escrow_recipient: row.6,
            opened_at: row.7,
            members,
        })
    }
}

/// Append a signed statement for `act` by `actor` to the case's log, inside `tx`.
/// Returns the new statement's sequence number.
pub(crate) fn append_statement(
    tx: &Transaction<'_>,
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
    tx.execute(
        "INSERT INTO statements (case_id, seq, act, actor, at, body, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            case_id,
            seq,
            statement.act.name(),
            statement.actor,
            statement.at,
            signed.body,
            signed.signature
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

    /// Check every statement of a case: in sequence, for this case, and signed by
    /// someone who was a member when it was made (the registrar for the charter).
    /// Returns the number of statements checked.
    pub fn verify_statements(&self, reference: &str) -> Result<usize> {
        let statements = self.statements(reference)?;
        let mut members: Vec<Card> = Vec::new();
        for (i, signed) in statements.iter().enumerate() {
            let bad = |why: &str| {
                Error::integrity(format!("statement {i} of case {reference} is bad: {why}"))
            };
            let s = signed.statement().map_err(|_| bad("malformed"))?;
            if s.seq != i as u64 || s.case != reference {
                return Err(bad("out of place (wrong sequence number or case)"));
            }
            match (&s.act, i) {
                (Act::Open { charter }, 0) => {
                    charter
                        .validate()
                        .map_err(|_| bad("the charter is invalid"))?;
                    let registrar = charter.registrar()?.card()?;
                    if registrar.fingerprint().to_hex() != s.actor
                        || !signed.verified_by(&registrar)
                    {
                        return Err(bad("the charter is not signed by its registrar"));
                    }
                    for m in &charter.members {
                        members.push(m.card()?);
                    }
                    continue;
                }
                (_, 0) | (Act::Open { .. }, _) => {
                    return Err(bad("the log does not start with the charter"))
                }
                _ => {}
            }
            let card = members
                .iter()
                .find(|c| c.fingerprint().to_hex() == s.actor)
                .ok_or_else(|| bad("its signer is not a member of the case"))?;
            if !signed.verified_by(card) {
                return Err(bad("the signature does not verify"));
            }
            if let Act::AddMember { member } = &s.act {
                members.push(member.card()?);
            }
        }
        Ok(statements.len())
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
