//! What client and server say to each other: the records calls, the case view, the
//! commit of an act, and the refusal body. JSON over HTTPS; every byte string is
//! ciphertext, a signature or a signed statement, never a plaintext.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::store::records::{
    BodyRow, CaseKey, CaseRow, CheckpointRow, ConsentRow, DocumentRow, MemberRow, RefusalRow,
    ShareRow, StatementRow, WrapRow,
};

/// The protocol's paths (all under one version prefix).
pub mod path {
    /// `GET`: the vault's identifier and log verifier (public).
    pub const VAULT: &str = "/v1/vault";
    /// `POST` [`super::ReadCall`]: one records read.
    pub const READ: &str = "/v1/read";
    /// `POST` [`super::Commit`]: the writes of one act.
    pub const COMMIT: &str = "/v1/commit";
    /// `POST` [`super::LockRequest`]: wait for a case's writer lease.
    pub const LOCK: &str = "/v1/lock";
    /// `POST` [`super::Lease`]: give a lease back unused.
    pub const UNLOCK: &str = "/v1/unlock";
    /// `PUT` (streamed body): a new blob; `GET /v1/blobs/SHA256`: one blob.
    pub const BLOBS: &str = "/v1/blobs";
}

/// The header carrying the requester's card (base64 of its text), signed with the
/// request: the server learns the public key from it and checks the fingerprint.
pub const CARD_HEADER: &str = "sealroom-card";

/// What `GET /v1/vault` answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VaultFacts {
    /// The vault's identifier.
    pub vault_id: String,
    /// The vault's log verifier (signed-note form).
    pub log_verifier: String,
}

/// One read of the records, answered from the latest committed state. Reads that
/// must agree with each other go through [`ReadCall::CaseView`], which answers from
/// one state.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum ReadCall {
    /// [`crate::store::records::Records::case_references`]: only the requester's cases.
    CaseReferences,
    /// A case's key and row (a non-member is answered as if it did not exist).
    Case {
        /// The reference.
        reference: String,
    },
    /// Everything about a case but its log and wraps, from one state.
    CaseView {
        /// The case.
        case: CaseKey,
    },
    /// Statements `from..upto` (a log only grows, so a range is the same at any time).
    Statements {
        /// The case.
        case: CaseKey,
        /// First position.
        from: u64,
        /// One past the last position.
        upto: u64,
    },
    /// Leaf hashes `0..upto`.
    LeafHashes {
        /// The case.
        case: CaseKey,
        /// One past the last position.
        upto: u64,
    },
    /// The checkpoint at `size` (never changes once written).
    Checkpoint {
        /// The case.
        case: CaseKey,
        /// Its size.
        size: u64,
    },
    /// Every checkpoint up to `upto`.
    Checkpoints {
        /// The case.
        case: CaseKey,
        /// The largest size.
        upto: u64,
    },
    /// A document's wrap for one reader.
    Wrap {
        /// The case.
        case: CaseKey,
        /// The document.
        num: u64,
        /// The reader's fingerprint.
        reader: String,
    },
    /// One reader's wraps.
    ReaderWraps {
        /// The case.
        case: CaseKey,
        /// The reader's fingerprint.
        reader: String,
    },
    /// A document's wraps.
    DocumentWraps {
        /// The case.
        case: CaseKey,
        /// The document.
        num: u64,
    },
    /// Every wrap of the case.
    Wraps {
        /// The case.
        case: CaseKey,
    },
    /// Every escrow share (each wrapped to its custodian).
    EscrowShares {
        /// The case.
        case: CaseKey,
    },
}

/// A case as one state of the records holds it, without its log, wraps and shares
/// (wraps and shares are age files, each readable only by its holder).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CaseView {
    /// How many statements the log held.
    pub log_size: u64,
    /// Its latest checkpoint.
    pub latest_checkpoint: Option<CheckpointRow>,
    /// Members.
    pub members: Vec<MemberRow>,
    /// Documents.
    pub documents: Vec<DocumentRow>,
    /// Consents.
    pub consents: Vec<ConsentRow>,
    /// Refusal records.
    pub refusals: Vec<RefusalRow>,
}

/// One write of an act, as [`crate::store::records::RecordsTx`] names it, all on the
/// commit's one case.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WriteOp {
    /// Open the case.
    InsertCase(CaseRow),
    /// Its state.
    SetCaseState {
        /// `open`, `closed`, …
        state: String,
    },
    /// A member row.
    InsertMember(MemberRow),
    /// A member row removed.
    DeleteMember {
        /// Role.
        role: String,
        /// Party label.
        label: String,
        /// Fingerprint.
        fingerprint: String,
    },
    /// A statement (the server takes only its body and signature, and makes the
    /// checkpoint after it itself).
    InsertStatement(StatementRow),
    /// A document.
    InsertDocument(DocumentRow),
    /// A new body.
    ReplaceBody {
        /// The document.
        num: u64,
        /// The body.
        body: BodyRow,
    },
    /// A body sealed away or destroyed.
    RetireBody {
        /// The document.
        num: u64,
        /// `archived` or `destroyed`.
        body_state: String,
    },
    /// A wrap.
    InsertWrap(WrapRow),
    /// A wrap removed.
    DeleteWrap {
        /// The document.
        num: u64,
        /// Whose.
        reader: String,
    },
    /// Every wrap of a document removed.
    DeleteDocumentWraps {
        /// The document.
        num: u64,
    },
    /// A consent.
    InsertConsent(ConsentRow),
    /// A consent removed.
    DeleteConsent {
        /// The document.
        num: u64,
        /// The party.
        to_label: String,
    },
    /// Every consent removed.
    DeleteConsents,
    /// An escrow share.
    InsertEscrowShare(ShareRow),
    /// Every escrow share removed.
    DeleteEscrowShares,
    /// A refusal record.
    InsertRefusal(RefusalRow),
}

/// A request for the writer lease of a case: writers of one case queue for it in
/// turn, so that an act prepared under it is not overtaken (the commit's own checks
/// stay the guarantee; the lease only makes turns fair).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LockRequest {
    /// The case (it may not exist yet: a case being opened).
    pub reference: String,
}

/// A writer lease: held until the commit that names it, its return, or its expiry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lease {
    /// Its identifier.
    pub lease: String,
}

/// How long a lease lasts if its holder neither commits nor returns it (a client that
/// died), in seconds.
pub const LEASE_SECS: u64 = 30;

/// The writes of one act on one case, in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Commit {
    /// The case.
    pub reference: String,
    /// The writer lease the act was prepared under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<String>,
    /// The writes.
    pub ops: Vec<WriteOp>,
}

/// What a commit answers: the checkpoint the server signed after each new statement.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Committed {
    /// The checkpoints, by size.
    pub checkpoints: Vec<CheckpointRow>,
}

/// What a new blob's upload answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlobPut {
    /// Its SHA-256 (hex), as the server computed it.
    pub sha256: String,
    /// Its size.
    pub size: u64,
}

/// A refusal or failure, as the server reports it: the same kind and sentence the
/// engine would give on a folder.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Problem {
    /// `refused`, `usage`, `integrity`, `not-found`, `wrong-key`, `io`, `destroyed`,
    /// or `conflict` (the case moved on: the client acts again on the new state).
    pub kind: String,
    /// One sentence.
    pub message: String,
}

/// The kind a [`Problem`] names when the log grew between a client's look and its
/// commit.
pub const CONFLICT: &str = "conflict";

impl Problem {
    /// The problem an engine error is.
    pub fn of(e: &Error) -> Problem {
        let conflict = matches!(e.hint(), Some(crate::error::Hint::Conflict));
        Problem {
            kind: if conflict {
                CONFLICT
            } else {
                kind_name(e.kind())
            }
            .to_owned(),
            message: e.message().to_owned(),
        }
    }

    /// The HTTP status for a kind.
    pub fn status(&self) -> u16 {
        match self.kind.as_str() {
            "refused" => 403,
            "usage" => 400,
            "integrity" => 422,
            "not-found" => 404,
            "wrong-key" => 403,
            "destroyed" => 410,
            CONFLICT => 409,
            "unauthorized" => 401,
            "too-many" => 429,
            "too-large" => 413,
            _ => 500,
        }
    }

    /// The engine error this problem is, on the client.
    pub fn into_error(self) -> Error {
        let kind = match self.kind.as_str() {
            "refused" | "unauthorized" => ErrorKind::Refused,
            "usage" | "too-large" => ErrorKind::Usage,
            "integrity" => ErrorKind::Integrity,
            "not-found" => ErrorKind::NotFound,
            "wrong-key" => ErrorKind::WrongKey,
            "destroyed" => ErrorKind::Destroyed,
            _ => ErrorKind::Io,
        };
        // The sentence is the engine's own (the server runs the same checks).
        let error = Error::new(kind, self.message);
        if self.kind == CONFLICT {
            error.with_hint(crate::error::Hint::Conflict)
        } else {
            error
        }
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Refused => "refused",
        ErrorKind::Usage => "usage",
        ErrorKind::Integrity => "integrity",
        ErrorKind::NotFound => "not-found",
        ErrorKind::WrongKey => "wrong-key",
        ErrorKind::Io => "io",
        ErrorKind::Destroyed => "destroyed",
    }
}

/// Decode a JSON answer, as an integrity failure when it is not what was asked.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::integrity(format!(
            "the vault service's answer to {what} is malformed ({e})"
        ))
    })
}

/// Encode a request or answer.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Plain data with string keys: serialization cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}
