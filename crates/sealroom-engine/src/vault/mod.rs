//! The vault: its records and blobs (in the embedded default, one folder: see
//! [`crate::store::folder`]) and the operations people perform on it. Each operation
//! checks the caller's role with [`crate::case::policy`], does its cryptography before
//! the records transaction, and records the act as a signed statement in the same
//! transaction that changes state, so an act is either wholly recorded or did not
//! happen.

mod authority;
mod backup;
mod cases;
pub(crate) mod checkpoints;
mod copy;
mod disclosure;
mod doctor;
mod documents;
mod filter;
pub(crate) mod invitation;
mod log;
mod membership;
mod record;
pub(crate) mod records;
mod refusals;
mod serving;

use std::path::{Path, PathBuf};

use crate::case::policy::{Audience, CaseState, Policy, Role};
use crate::error::{io_error, Error, Result};
use crate::identity::{Card, Fingerprint, Identity};
use crate::log::checkpoint::{LogKey, LogVerifier};
use crate::log::receipt;
use crate::log::statement::SignedStatement;
use crate::member::MemberState;
use crate::store::blobs::BlobStore;
use crate::store::records::{CaseKey, RecordStore, Records, RecordsTx};
use crate::store::scaleout::{self, Backends};
use crate::store::{folder, fsutil};

pub(crate) use authority::{Joined, VaultFacts};
pub use backup::{restore, CopyReport};
pub use cases::{CaseSpec, CaseSummary, JoinedCase, MemberView};
pub use checkpoints::{CheckpointComparison, SharedCheckpoint};
pub use copy::copy_vault;
pub use disclosure::{Consented, Disclosed, Exported, Revoked};
pub use doctor::{unhealthy, DoctorReport, Finding, DEFAULT_GRACE};
pub use documents::{parse_num, DepositSpec, Deposited, Listing, ReadOutcome};
pub use filter::Filter;
pub use invitation::{Invitation, InvitationBody};
pub use log::{LogLine, LogReport, ReceiptReport};

/// The size of the writes in which a read hands out plaintext: a front end buffering
/// the output should buffer no more (a larger write costs more on some machines; see
/// `crypto::body::WRITE_LEN`).
pub const PLAINTEXT_WRITE_LEN: usize = crate::crypto::body::WRITE_LEN;
pub use membership::{Granted, MemberChange, Rekeyed};
pub use records::DocumentView;
pub use refusals::{Attempt, Refusal};
pub use serving::ServiceCache;

/// The folder inside the default data folder where receipts were kept before they
/// moved to the member state folder; `init` still leaves such a folder alone.
pub const RECEIPTS_DIR: &str = "receipts";

/// An open vault.
pub struct Vault {
    root: PathBuf,
    pub(crate) records: Box<dyn RecordStore>,
    pub(crate) blobs: std::sync::Arc<dyn BlobStore>,
    /// The acting member's own state (pins), if the caller keeps one.
    pub(crate) member: Option<MemberState>,
    /// [`Vault::facts`], once read.
    facts: std::sync::OnceLock<VaultFacts>,
    /// The vault service, when the vault is across the network.
    remote: Option<std::sync::Arc<crate::store::remote::Connection>>,
}

/// Who can read a document now: in JSON, one object per member and role
/// (`{role, label, name, fingerprint}`, as `case show` lists members); for people, a
/// sentence ("the claimant party, the mediators").
#[derive(Clone, Debug)]
pub struct Readers {
    /// The members.
    pub members: Vec<MemberView>,
    /// The sentence.
    pub text: String,
}

impl serde::Serialize for Readers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.members.serialize(s)
    }
}

impl std::fmt::Display for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
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
    pub id: CaseKey,
    pub reference: String,
    pub title: Option<String>,
    pub policy: Policy,
    pub state: CaseState,
    pub threshold: u32,
    pub escrow_recipient: String,
    pub opened_at: String,
    pub members: Vec<Member>,
    /// Whether the member acting has pinned this case.
    pub pinned: bool,
    /// How many statements the member's verified snapshot held when loaded.
    pub snapshot_len: u64,
    /// The leaf hash of every statement, verified.
    pub leaves: Vec<crate::log::merkle::Hash>,
    /// The Merkle tree over `leaves`, for the root after each append.
    pub tree: crate::log::merkle::RootBuilder,
    /// The case as its verified statements make it: the source of every decision.
    pub replay: crate::log::replay::Replay,
}

impl CaseContext {
    /// The roles `who` holds in this case.
    pub(crate) fn roles_of(&self, who: &Fingerprint) -> Vec<Role> {
        self.members
            .iter()
            .filter(|m| m.card.fingerprint() == *who)
            .map(|m| m.role.clone())
            .collect()
    }

    /// The roles, or a refusal for non-members.
    pub(crate) fn member_roles(&self, who: &Identity) -> Result<Vec<Role>> {
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
    pub(crate) fn party_labels(&self) -> std::collections::BTreeSet<String> {
        self.members
            .iter()
            .filter_map(|m| match &m.role {
                Role::Party(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    /// The distinct cards of everyone in `audience`.
    pub(crate) fn cards_in(&self, audience: &Audience) -> Vec<Card> {
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
    pub(crate) fn card_of(&self, who: &str) -> Option<&Card> {
        self.members
            .iter()
            .find(|m| m.card.fingerprint().to_hex() == who)
            .map(|m| &m.card)
    }

    /// Who a set of readers (fingerprints) is: each member holding a wrap, and the same
    /// as a sentence for people.
    pub(crate) fn readers_of(&self, readers: &[String]) -> Readers {
        let members = self
            .members
            .iter()
            .filter(|m| readers.contains(&m.card.fingerprint().to_hex()))
            .map(|m| MemberView::of(&m.role, &m.card))
            .collect();
        Readers {
            members,
            text: self.describe_readers(readers),
        }
    }

    /// A person-readable description of who a set of readers is ("the claimant party,
    /// the mediators").
    pub(crate) fn describe_readers(&self, readers: &[String]) -> String {
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
        Vault::init_in(root, None)
    }

    /// Make a new scale-out vault whose folder `root` keeps its log key and names its
    /// `backends` (an empty PostgreSQL database, an existing bucket): see
    /// [`crate::store::scaleout`].
    pub fn init_scaleout(root: &Path, backends: &Backends) -> Result<Vault> {
        Vault::init_in(root, Some(backends))
    }

    fn init_in(root: &Path, backends: Option<&Backends>) -> Result<Vault> {
        if folder::has_database(root) || scaleout::is_scaleout(root) {
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
        let mut id = [0u8; 8];
        getrandom::fill(&mut id)
            .map_err(|_| Error::io("the system random number generator failed"))?;
        let vault_id = crate::crypto::digest::hex(&id);
        let (key, pkcs8) = LogKey::generate(&receipt::key_name(&vault_id))
            .map_err(|e| Error::io(format!("making the vault's log key failed: {e}")))?;
        let pkcs8 = zeroize::Zeroizing::new(pkcs8);
        let verifier = key.public().to_verifier_string();
        let stores = match backends {
            None => folder::create(root, &pkcs8, &vault_id, &verifier)?,
            Some(b) => scaleout::create(root, b, &pkcs8, &vault_id, &verifier)?,
        };
        Ok(Vault::on(root, stores))
    }

    /// The vault in folder `root`, on its stores.
    fn on(root: &Path, stores: folder::Stores) -> Vault {
        Vault {
            root: root.to_owned(),
            records: stores.records,
            blobs: stores.blobs,
            member: None,
            facts: std::sync::OnceLock::new(),
            remote: None,
        }
    }

    /// The vault served at `location` (its TLS key pinned to `pin`), acting as
    /// `identity`: every request is signed by it, and everything the engine decides
    /// is decided here, on the client, from the verified log.
    pub fn connect(
        location: crate::store::remote::Location,
        pin: Option<&str>,
        identity: std::sync::Arc<Identity>,
    ) -> Result<Vault> {
        use crate::store::remote::{Connection, RemoteBlobs, RemoteRecords};
        let url = location.url.clone();
        let conn = std::sync::Arc::new(Connection::new(location, pin, identity)?);
        Ok(Vault {
            root: PathBuf::from(url),
            records: Box::new(RemoteRecords::new(conn.clone())),
            blobs: std::sync::Arc::new(RemoteBlobs::new(conn.clone())),
            member: None,
            facts: std::sync::OnceLock::new(),
            remote: Some(conn),
        })
    }

    /// Whether the vault is across the network.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Open the vault at `root`.
    pub fn open(root: &Path) -> Result<Vault> {
        if let Some(backends) = Backends::read(root)? {
            return Vault::open_scaleout(root, &backends);
        }
        if !folder::is_vault(root) {
            return Err(
                Error::not_found(format!("there is no vault at {}", root.display())).with_hint(
                    crate::error::Hint::MakeVault {
                        folder: root.to_owned(),
                    },
                ),
            );
        }
        Ok(Vault::on(root, folder::open(root)?))
    }

    /// The scale-out vault whose folder `root` keeps its log key, on `backends` (those
    /// its `backends.toml` names, or others the operator gives: a moved database).
    pub fn open_scaleout(root: &Path, backends: &Backends) -> Result<Vault> {
        Ok(Vault::on(root, scaleout::open(backends)?))
    }

    /// The vault's folder (for a vault across the network, its address).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn meta(&self, key: &str) -> Result<String> {
        self.records
            .now()
            .meta(key)?
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
        if self.remote.is_some() {
            return Ok(LogSigner {
                key: None,
                vault_id,
            });
        }
        let pkcs8 = folder::read_log_key(&self.root)?;
        let key = LogKey::from_pkcs8(&receipt::key_name(&vault_id), &pkcs8)
            .map_err(|_| Error::integrity("the vault's log key is damaged; nothing was done"))?;
        if key.public().to_verifier_string() != self.log_verifier()?.to_verifier_string() {
            return Err(Error::integrity(
                "the vault's log key does not match the key recorded at init; nothing was done",
            ));
        }
        Ok(LogSigner {
            key: Some(key),
            vault_id,
        })
    }

    /// Begin a write transaction that takes case `reference`'s lock at once: an act
    /// loads its case and checks everything inside it, so nothing checked can change
    /// before the act commits (one lock per act).
    pub(crate) fn write_tx(&self, reference: &str) -> Result<Box<dyn RecordsTx + '_>> {
        self.records.write(reference)
    }

    /// Begin a read transaction: one consistent view of the records for a command that
    /// only looks.
    pub(crate) fn read_tx(&self) -> Result<Box<dyn Records + '_>> {
        self.records.snapshot()
    }

    /// The records as last committed (each call answered on its own).
    pub(crate) fn now(&self) -> &dyn Records {
        self.records.now()
    }

    /// Act as a member who keeps their own state (pins) in `state`: every act then
    /// requires the case to have been joined, and checks the vault's log against the
    /// pin before anything else. Without it (the library's default), every act
    /// verifies the whole log from its charter but nothing ties the charter to what
    /// the member agreed to.
    pub fn with_member_state(mut self, state: MemberState) -> Vault {
        // Read the vault's facts now, outside any transaction (see `facts`).
        let _ = self.facts();
        self.member = Some(state);
        self
    }

    /// The member state in use, if any.
    pub fn member_state(&self) -> Option<&MemberState> {
        self.member.as_ref()
    }

    /// The vault's identity and log key as recorded at `init`. Read outside any
    /// transaction: [`Vault::load`] must read the member's pin before its transaction
    /// takes its view of the database, so that the view is never older than the pin
    /// (another command may commit and advance the pin in between).
    pub(crate) fn facts(&self) -> Result<VaultFacts> {
        if let Some(f) = self.facts.get() {
            return Ok(f.clone());
        }
        let f = VaultFacts {
            vault_id: self.vault_id()?,
            log_verifier: self.log_verifier()?,
        };
        let _ = self.facts.set(f.clone());
        Ok(f)
    }

    /// Load case `reference` from `conn` (the act's transaction) for one act: see
    /// [`authority::load_case`].
    pub(crate) fn load(
        &self,
        conn: &dyn Records,
        reference: &str,
        joined: Joined,
    ) -> Result<CaseContext> {
        self.load_from(conn, reference, joined, None)
    }

    /// [`Vault::load`], resuming from a context this command loaded a moment ago when
    /// there is one (see [`authority::load_case_from`]).
    pub(crate) fn load_from(
        &self,
        conn: &dyn Records,
        reference: &str,
        joined: Joined,
        prior: Option<CaseContext>,
    ) -> Result<CaseContext> {
        authority::load_case_from(
            conn,
            self.member.as_ref(),
            &self.facts()?,
            reference,
            joined,
            prior,
        )
    }

    /// Advance the member's pin to what `ctx` verified (after a commit).
    pub(crate) fn remember(&self, ctx: &CaseContext) {
        if let Ok(facts) = self.facts() {
            authority::remember(self.member.as_ref(), &facts, ctx);
        }
    }
}

/// Every statement of a case, in log order, as `db` holds them.
pub(crate) fn signed_statements(db: &dyn Records, case: CaseKey) -> Result<Vec<SignedStatement>> {
    let mut out = Vec::new();
    db.statements(case, 0, &mut |row| {
        out.push(SignedStatement {
            body: row.body,
            signature: row.signature,
        });
        Ok(())
    })?;
    Ok(out)
}

/// The vault's log key with what names it, loaded for one append.
pub(crate) struct LogSigner {
    /// `None` on a vault across the network: the service signs the checkpoints (and
    /// refusal records) at commit.
    pub(crate) key: Option<LogKey>,
    pub(crate) vault_id: String,
}

/// A case's row id, for commands that check nothing else themselves.
pub(crate) struct CaseId {
    pub id: CaseKey,
}

impl CaseId {
    /// The case called `reference`, or "no such case".
    pub(crate) fn find(conn: &dyn Records, reference: &str) -> Result<CaseId> {
        conn.case(reference)?
            .map(|(id, _)| CaseId { id })
            .ok_or_else(|| {
                Error::not_found(format!("there is no case `{reference}` in this vault"))
                    .with_hint(crate::error::Hint::ListCases)
            })
    }
}

impl Vault {
    /// Every statement of a case, in log order.
    pub fn statements(&self, reference: &str) -> Result<Vec<SignedStatement>> {
        let db = self.read_tx()?;
        let ctx = CaseId::find(&*db, reference)?;
        signed_statements(&*db, ctx.id)
    }

    /// Who holds an escrow share of a case, and the wrapped share (for custodians).
    pub fn escrow_share(&self, reference: &str, holder: &Identity) -> Result<Vec<u8>> {
        let ctx = CaseId::find(self.now(), reference)?;
        self.now()
            .escrow_share(ctx.id, &holder.fingerprint().to_hex())?
            .map(|s| s.share)
            .ok_or_else(|| {
                Error::refused(format!(
                    "{} holds no escrow share of case {reference}",
                    holder.name()
                ))
            })
    }

    /// The escrow wrap of a document (what an opened escrow key unlocks).
    pub fn escrow_wrap(&self, reference: &str, num: u64) -> Result<Vec<u8>> {
        let ctx = CaseId::find(self.now(), reference)?;
        self.now()
            .wrap(ctx.id, num, records::ESCROW_READER)?
            .map(|w| w.wrap)
            .ok_or_else(|| {
                Error::not_found(format!("#{num} of case {reference} has no escrow wrap"))
            })
    }
}
