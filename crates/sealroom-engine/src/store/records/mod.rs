//! The records half of the storage interface: cases, statements, checkpoints, documents,
//! wraps, consents, escrow shares and refusal records, as rows, behind three traits the
//! engine uses and every backend implements ([`sqlite`] is the embedded one, [`postgres`]
//! the one `sealroom serve` processes share).
//!
//! # The contract
//!
//! Every backend keeps these promises; [`conformance`] checks them and the engine
//! relies on nothing else.
//!
//! - **Authority is not here.** The rows are caches of what the signed log says, and
//!   the engine checks every row it uses against its replay of the log. A backend
//!   stores and returns bytes exactly as given (statement bodies, signatures, wraps,
//!   notes); it never interprets them.
//! - **One writer per case.** [`RecordStore::write`] returns a transaction that holds
//!   the case's exclusive lock from the moment it is returned until it commits or is
//!   dropped: no other `write` of the same case reference (opened or being opened)
//!   proceeds meanwhile, and everything the transaction reads reflects every
//!   transaction of that case committed before it began. Writers of other cases may
//!   run in parallel (the embedded backend takes one lock for the whole vault, which
//!   is allowed: the lock may be wider, never narrower).
//! - **All or nothing.** Nothing a transaction wrote is visible to anyone before
//!   [`RecordsTx::commit`] returns; a transaction dropped without committing, or a
//!   process killed at any point before its commit returned, leaves no trace.
//! - **Durable when acknowledged.** When `commit` returns `Ok`, the transaction
//!   survives a crash or power loss. (Blobs a transaction names are written and
//!   durable in the blob store before it commits: see [`crate::store::blobs`].)
//! - **Keys are unique.** Inserting a row whose key exists (a case reference; a
//!   statement or checkpoint of a case at a taken position; a document number; a wrap
//!   per document and reader; a consent per document and label; a share per custodian;
//!   a refusal position; a member per role, label and fingerprint) fails, and the
//!   transaction can then only be dropped.
//! - **Order.** Lists come in the order each method names; members in the order they
//!   were inserted within each `added_seq`.
//! - **Views.** [`RecordStore::now`] answers each call from the latest committed state
//!   (two calls may see different states); [`RecordStore::snapshot`] answers every call
//!   from one state.
//!
//! Case keys ([`CaseKey`]) are the backend's own; they are never signed, shown or
//! exported (the case reference names a case everywhere else).

pub mod conformance;
pub mod postgres;
pub mod sqlite;

use crate::error::Result;

/// A backend's key for a case (its row id); stable for the life of the case.
pub type CaseKey = i64;

/// A case as stored (a cache of its charter and of its log's state).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseRow {
    /// The case reference.
    pub reference: String,
    /// The title, if any (as in the charter).
    pub title: Option<String>,
    /// `consent` or `discretion`.
    pub policy: String,
    /// `open`, `closed`, `sealed` or `destroyed`.
    pub state: String,
    /// Custodians needed to open the escrow key.
    pub threshold: i64,
    /// The case's escrow key (an age recipient).
    pub escrow_recipient: String,
    /// When the case was opened (RFC 3339).
    pub opened_at: String,
}

/// A member as stored (a cache of the charter and the add-member statements).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemberRow {
    /// `registrar`, `mediator`, `party`, `archivist` or `custodian`.
    pub role: String,
    /// The party label; empty for other roles.
    pub label: String,
    /// The member's fingerprint (hex).
    pub fingerprint: String,
    /// The name on the card.
    pub name: String,
    /// The card's age recipient.
    pub recipient: String,
    /// The card's Ed25519 key (base64).
    pub verifying_key: String,
    /// The statement that added the member (0 for the charter).
    pub added_seq: u64,
}

/// One statement of a case's log: the signed bytes and columns copied from them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatementRow {
    /// Position in the case's log, from 0.
    pub seq: u64,
    /// The act's name (copied from the body).
    pub act: String,
    /// The actor's fingerprint (copied from the body).
    pub actor: String,
    /// When (copied from the body).
    pub at: String,
    /// The signed statement, exactly as signed.
    pub body: Vec<u8>,
    /// Its signature.
    pub signature: Vec<u8>,
    /// Its Merkle leaf hash (32 bytes).
    pub leaf_hash: Vec<u8>,
}

/// A signed checkpoint of a case's log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckpointRow {
    /// The log size it commits to.
    pub size: u64,
    /// The Merkle root at that size (32 bytes).
    pub root: Vec<u8>,
    /// The signed note, exactly as signed.
    pub note: String,
}

/// A document as stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentRow {
    /// The document's number in its case.
    pub num: u64,
    /// Owner (`party:LABEL`, `mediators`, `registrar`).
    pub owner: String,
    /// Category.
    pub category: String,
    /// Deposited as confidential.
    pub confidential: bool,
    /// The depositor's fingerprint (hex).
    pub depositor: String,
    /// How the body is encoded (`raw`, `zstd`).
    pub encoding: String,
    /// The body's blob (SHA-256, hex).
    pub blob: String,
    /// The blob's size.
    pub blob_size: u64,
    /// The encrypted metadata (empty once the body left the vault).
    pub meta: Vec<u8>,
    /// When it was deposited.
    pub deposited_at: String,
    /// The deposit statement.
    pub statement_seq: u64,
    /// The statement that made the current body (the deposit, or the last rekey).
    pub body_seq: u64,
    /// `live`, `archived` (sealed away into the archive) or `destroyed`.
    pub body_state: String,
}

/// A new body of a document (after a rekey).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BodyRow {
    /// How it is encoded.
    pub encoding: String,
    /// Its blob.
    pub blob: String,
    /// The blob's size.
    pub blob_size: u64,
    /// The metadata, encrypted to the new key.
    pub meta: Vec<u8>,
    /// The statement that made it.
    pub body_seq: u64,
}

/// A document key wrapped for one reader (a fingerprint, or `escrow`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WrapRow {
    /// The document.
    pub num: u64,
    /// Who it is for.
    pub reader: String,
    /// The wrap (an age file).
    pub wrap: Vec<u8>,
    /// The statement that granted it.
    pub grant_seq: u64,
}

/// A consent in force.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsentRow {
    /// The document.
    pub num: u64,
    /// The party label it consents to.
    pub to_label: String,
    /// The consent statement.
    pub seq: u64,
}

/// An escrow share wrapped for its custodian.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareRow {
    /// The custodian's fingerprint (hex).
    pub custodian: String,
    /// The wrapped share (an age file).
    pub share: Vec<u8>,
}

/// A refused attempt, as the vault signed it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RefusalRow {
    /// Position among the case's refusals.
    pub seq: u64,
    /// The signed record (JSON), exactly as signed.
    pub record: String,
    /// The vault's signature.
    pub signature: Vec<u8>,
}

/// A document's body, where it is used (what `doctor` and backups walk).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BodyUse {
    /// The case reference.
    pub reference: String,
    /// The document.
    pub num: u64,
    /// The blob.
    pub blob: String,
    /// Its size.
    pub blob_size: u64,
    /// `live`, `archived` or `destroyed` (see [`DocumentRow::body_state`]).
    pub body_state: String,
}

/// What can be read: from the latest state, a snapshot, or inside a transaction (which
/// sees its own writes).
pub trait Records {
    /// A vault fact recorded at creation (`vault_id`, `log_verifier`, `format_version`,
    /// `created_at`).
    fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Every case reference, in the order the cases were opened.
    fn case_references(&self) -> Result<Vec<String>>;
    /// The case called `reference`.
    fn case(&self, reference: &str) -> Result<Option<(CaseKey, CaseRow)>>;
    /// A case's members, by `added_seq`, then in the order inserted.
    fn members(&self, case: CaseKey) -> Result<Vec<MemberRow>>;
    /// The position and leaf hash of every statement of a case, by position.
    fn leaf_hashes(&self, case: CaseKey) -> Result<Vec<(u64, Vec<u8>)>>;
    /// The statements of a case from position `from` on, by position, each handed to
    /// `each` as it is read (a log may be long); an error from `each` ends the walk.
    fn statements(
        &self,
        case: CaseKey,
        from: u64,
        each: &mut dyn FnMut(StatementRow) -> Result<()>,
    ) -> Result<()>;
    /// The checkpoint of a case at `size`.
    fn checkpoint(&self, case: CaseKey, size: u64) -> Result<Option<CheckpointRow>>;
    /// The checkpoint of a case with the largest size.
    fn latest_checkpoint(&self, case: CaseKey) -> Result<Option<CheckpointRow>>;
    /// Every checkpoint of a case, by size.
    fn checkpoints(&self, case: CaseKey) -> Result<Vec<CheckpointRow>>;
    /// Document `num` of a case.
    fn document(&self, case: CaseKey, num: u64) -> Result<Option<DocumentRow>>;
    /// Every document of a case, by number.
    fn documents(&self, case: CaseKey) -> Result<Vec<DocumentRow>>;
    /// Every wrap of a case, by document number, then reader.
    fn wraps(&self, case: CaseKey) -> Result<Vec<WrapRow>>;
    /// The wraps of one document, by reader.
    fn document_wraps(&self, case: CaseKey, num: u64) -> Result<Vec<WrapRow>>;
    /// The wrap of one document for one reader.
    fn wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<Option<WrapRow>>;
    /// Every wrap of a case for one reader, by document number.
    fn reader_wraps(&self, case: CaseKey, reader: &str) -> Result<Vec<WrapRow>>;
    /// Every consent of a case, by document number, then label.
    fn consents(&self, case: CaseKey) -> Result<Vec<ConsentRow>>;
    /// The consents given for one document, by label.
    fn document_consents(&self, case: CaseKey, num: u64) -> Result<Vec<ConsentRow>>;
    /// The escrow shares of a case, by custodian.
    fn escrow_shares(&self, case: CaseKey) -> Result<Vec<ShareRow>>;
    /// The escrow share of one custodian.
    fn escrow_share(&self, case: CaseKey, custodian: &str) -> Result<Option<ShareRow>>;
    /// The refusal records of a case, by position.
    fn refusals(&self, case: CaseKey) -> Result<Vec<RefusalRow>>;
    /// The refusal record of a case with the largest position.
    fn last_refusal(&self, case: CaseKey) -> Result<Option<RefusalRow>>;
    /// The body of every document of every case (live, or gone from the vault), by
    /// case reference, then number.
    fn bodies(&self) -> Result<Vec<BodyUse>>;
}

/// A transaction holding one case's exclusive lock (see the module's contract).
pub trait RecordsTx: Records {
    /// Insert a case (state `open`); its key.
    fn insert_case(&self, row: &CaseRow) -> Result<CaseKey>;
    /// Set a case's state.
    fn set_case_state(&self, case: CaseKey, state: &str) -> Result<()>;
    /// Insert a member.
    fn insert_member(&self, case: CaseKey, row: &MemberRow) -> Result<()>;
    /// Delete a member (role, label and fingerprint as stored).
    fn delete_member(
        &self,
        case: CaseKey,
        role: &str,
        label: &str,
        fingerprint: &str,
    ) -> Result<()>;
    /// Append a statement.
    fn insert_statement(&self, case: CaseKey, row: &StatementRow) -> Result<()>;
    /// Insert a checkpoint.
    fn insert_checkpoint(&self, case: CaseKey, row: &CheckpointRow) -> Result<()>;
    /// Insert a document (its `body_state` as given).
    fn insert_document(&self, case: CaseKey, row: &DocumentRow) -> Result<()>;
    /// Give a document a new body.
    fn replace_body(&self, case: CaseKey, num: u64, body: &BodyRow) -> Result<()>;
    /// Mark a document's body as gone from the vault (`archived` or `destroyed`) and
    /// drop its encrypted metadata.
    fn retire_body(&self, case: CaseKey, num: u64, body_state: &str) -> Result<()>;
    /// Insert a wrap.
    fn insert_wrap(&self, case: CaseKey, row: &WrapRow) -> Result<()>;
    /// Delete one reader's wrap of a document (nothing if there is none).
    fn delete_wrap(&self, case: CaseKey, num: u64, reader: &str) -> Result<()>;
    /// Delete every wrap of a document.
    fn delete_document_wraps(&self, case: CaseKey, num: u64) -> Result<()>;
    /// Insert a consent.
    fn insert_consent(&self, case: CaseKey, row: &ConsentRow) -> Result<()>;
    /// Delete a consent (nothing if there is none).
    fn delete_consent(&self, case: CaseKey, num: u64, to_label: &str) -> Result<()>;
    /// Delete every consent of a case.
    fn delete_consents(&self, case: CaseKey) -> Result<()>;
    /// Insert an escrow share.
    fn insert_escrow_share(&self, case: CaseKey, row: &ShareRow) -> Result<()>;
    /// Delete every escrow share of a case.
    fn delete_escrow_shares(&self, case: CaseKey) -> Result<()>;
    /// Append a refusal record.
    fn insert_refusal(&self, case: CaseKey, row: &RefusalRow) -> Result<()>;
    /// Make everything this transaction wrote durable and visible, and release the
    /// lock.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// A case's writer lease that lasts across requests; given back when dropped.
pub trait Lease: Send {}

/// A backend: where the engine gets its views and transactions.
pub trait RecordStore: Send {
    /// The latest committed state; each call is answered on its own.
    fn now(&self) -> &dyn Records;
    /// One consistent view for a command that only looks; dropped when done.
    fn snapshot(&self) -> Result<Box<dyn Records + '_>>;
    /// A transaction holding case `reference`'s exclusive lock (the case need not
    /// exist yet: opening it takes the same lock).
    fn write(&self, reference: &str) -> Result<Box<dyn RecordsTx + '_>>;
    /// The backend's own consistency check (its pages, its references); each problem
    /// found as one sentence.
    fn self_check(&self) -> Result<Vec<String>>;
    /// Wait (at most `wait`) for case `reference`'s writer lease, held by every process
    /// on these records in turn: the vault service holds one for a member across the
    /// requests of an act (its look at the case, then its commit), so that members'
    /// acts on one case take turns instead of colliding at the commit. A lease is not
    /// the case's write lock (a holder's commit still takes that) and grants nothing:
    /// a commit is checked as ever. `None` when the backend has no such lease (one
    /// process serves it, whose own lease is enough).
    fn lease(&self, reference: &str, wait: std::time::Duration) -> Result<Option<Box<dyn Lease>>> {
        let _ = (reference, wait);
        Ok(None)
    }
}
