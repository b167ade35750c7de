//! Document records as stored: the row, its wraps, its encrypted metadata and the
//! depositor's commitment to it, and the views of a document shown to people.

use serde::{Deserialize, Serialize};

use super::CaseContext;
use crate::case::policy::Owner;
use crate::crypto::body;
use crate::crypto::digest::{hex, sha256};
use crate::crypto::wrap::{DocumentKey, Unwrapped};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::store::records::{CaseKey, Records, RecordsTx};
pub(crate) use crate::store::records::{DocumentRow, WrapRow};

/// The wrap reader name of the case escrow key.
pub(crate) const ESCROW_READER: &str = "escrow";
const COMMITMENT_DOMAIN: &[u8] = b"sealroom content commitment v1\0";

/// The confidential metadata of a document, stored age-encrypted to the document key.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Metadata {
    /// Random, so the signed commitment to the metadata reveals nothing about it.
    pub salt: String,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    /// SHA-256 of the original bytes (hex).
    pub sha256: String,
    pub encoding: String,
    /// Spaces that bring the record to its size class (see [`padded_metadata`]), so
    /// that its length does not reveal the title's or the file name's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pad: String,
}

/// The metadata plaintext, padded to a size class: at least 1 KiB, else its Padmé
/// length (`crate::crypto::body::padme`).
pub(crate) fn padded_metadata(mut meta: Metadata) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let encode = |m: &Metadata| {
        serde_json::to_vec(m).map_err(|e| Error::io(format!("encoding metadata failed: {e}")))
    };
    meta.pad.clear();
    let base = zeroize::Zeroizing::new(encode(&meta)?).len() as u64;
    // `,"pad":""` adds 9 bytes, then one per space.
    let target = body::padme(base + 9).max(1024);
    meta.pad = " ".repeat((target - base - 9) as usize);
    let out = zeroize::Zeroizing::new(encode(&meta)?);
    debug_assert_eq!(out.len() as u64, target);
    Ok(out)
}

/// The depositor's commitment to a document's contents: SHA-256 over a domain and the
/// metadata plaintext, which holds a random salt, the title and the SHA-256 of the
/// original bytes. Unlike ciphertext hashes it survives re-encryption (rekey).
pub(crate) fn commitment(metadata_plaintext: &[u8]) -> String {
    let mut input = zeroize::Zeroizing::new(Vec::with_capacity(
        COMMITMENT_DOMAIN.len() + metadata_plaintext.len(),
    ));
    input.extend_from_slice(COMMITMENT_DOMAIN);
    input.extend_from_slice(metadata_plaintext);
    hex(&sha256(&input))
}

/// The SHA-256 (hex) of each reader's wrap, in `readers` order, and of the escrow wrap:
/// what grant statements sign so a damaged or swapped wrap is found without any key.
pub(crate) fn wrap_digests(
    wraps: &[(String, Vec<u8>)],
    readers: &[String],
) -> (Vec<String>, Option<String>) {
    let digest = |who: &str| {
        wraps
            .iter()
            .find(|(r, _)| r == who)
            .map(|(_, w)| hex(&sha256(w)))
    };
    (
        readers
            .iter()
            .map(|r| digest(r).unwrap_or_default())
            .collect(),
        digest(ESCROW_READER),
    )
}

/// Where a document's body is: the values of its row's `body_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyState {
    /// In the vault, readable by its readers.
    Live,
    /// Sealed away into the case's archive.
    Archived,
    /// Destroyed at the seal (mediators' notes): only its hash remains.
    Destroyed,
}

impl BodyState {
    /// The stored word.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BodyState::Live => "live",
            BodyState::Archived => "archived",
            BodyState::Destroyed => "destroyed",
        }
    }

    /// The state a stored word names, if any.
    pub(crate) fn parse(word: &str) -> Option<BodyState> {
        [BodyState::Live, BodyState::Archived, BodyState::Destroyed]
            .into_iter()
            .find(|s| s.as_str() == word)
    }

    /// The state of a row already checked by [`load_row`] or [`load_rows`].
    pub(crate) fn of(row: &DocumentRow) -> BodyState {
        BodyState::parse(&row.body_state).unwrap_or(BodyState::Destroyed)
    }
}

/// A row as read, refused if its body state is none sealroom writes (the schema's
/// CHECK is not applied to a page damaged on disk): a damaged state would otherwise
/// hide a document from `list` without a word.
fn checked_row(row: DocumentRow) -> Result<DocumentRow> {
    if BodyState::parse(&row.body_state).is_some() {
        Ok(row)
    } else {
        Err(Error::integrity(format!(
            "document #{}'s row is damaged (unknown body state)",
            row.num
        ))
        .with_hint(crate::error::Hint::CheckVault))
    }
}

/// One readable document, for display.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct DocumentView {
    /// Case number.
    pub num: u64,
    /// Owner label.
    pub owner: String,
    /// Category.
    pub category: String,
    /// Deposited as confidential.
    pub confidential: bool,
    /// Title (decrypted).
    pub title: String,
    /// Original file name (decrypted).
    pub file_name: String,
    /// Media type (decrypted).
    pub media_type: String,
    /// Size in bytes (decrypted).
    pub size: u64,
    /// Who deposited it.
    pub depositor: String,
    /// When.
    pub deposited_at: String,
    /// Who can read it now, as groups ("the claimant party, the mediators").
    pub readers: super::Readers,
}

/// Load one document row, or say it does not exist.
pub(crate) fn load_row(conn: &dyn Records, ctx: &CaseContext, num: u64) -> Result<DocumentRow> {
    conn.document(ctx.id, num)?
        .ok_or_else(|| {
            Error::not_found(format!("case {} has no document #{num}", ctx.reference)).with_hint(
                crate::error::Hint::ListDocuments {
                    case: ctx.reference.clone(),
                },
            )
        })
        .and_then(checked_row)
}

/// Every document row of a case, in number order.
pub(crate) fn load_rows(conn: &dyn Records, case_id: CaseKey) -> Result<Vec<DocumentRow>> {
    conn.documents(case_id)?
        .into_iter()
        .map(checked_row)
        .collect()
}

/// Open a wrap with the actor's identity.
pub(crate) fn unwrap_key(wrap: &[u8], actor: &Identity, num: u64) -> Result<DocumentKey> {
    Ok(unwrap_wrap(wrap, actor, num)?.key)
}

/// Open a wrap with the actor's identity, keeping the metadata copy it may hold.
pub(crate) fn unwrap_wrap(wrap: &[u8], actor: &Identity, num: u64) -> Result<Unwrapped> {
    crate::crypto::header::check_own(wrap, "X25519", &format!("your key wrap of #{num}"))?;
    DocumentKey::unwrap_all(wrap, actor.decryption_key())?.ok_or_else(|| {
        Error::wrong_key(format!(
            "your identity does not open the key of #{num}: the wrap was made for another key"
        ))
    })
}

/// Decrypt a document's metadata and check it against the depositor's commitment.
/// Returns the plaintext bytes too, for re-encryption under a new key.
pub(crate) fn open_metadata(
    meta: &[u8],
    key: &DocumentKey,
    num: u64,
    signed_commitment: &str,
) -> Result<(Metadata, zeroize::Zeroizing<Vec<u8>>)> {
    crate::crypto::header::check_own(meta, "X25519", &format!("#{num}'s metadata"))?;
    let plain = body::open_small(meta, key.identity())?.ok_or_else(|| {
        Error::integrity(format!("#{num}'s metadata is not encrypted to its key"))
    })?;
    let parsed = checked_metadata(&plain, num, signed_commitment)?;
    Ok((parsed, plain))
}

/// Parse a metadata plaintext (from the record, or the copy in a reader's wrap) after
/// checking it against the depositor's signed commitment.
pub(crate) fn checked_metadata(
    plain: &[u8],
    num: u64,
    signed_commitment: &str,
) -> Result<Metadata> {
    if commitment(plain) != signed_commitment {
        return Err(Error::integrity(format!(
            "#{num}'s metadata does not match what the depositor signed: it was altered"
        )));
    }
    serde_json::from_slice(plain)
        .map_err(|_| Error::integrity(format!("#{num}'s metadata is damaged")))
}

/// Store the wraps of document `num` granted by statement `seq`, as (reader, wrap).
pub(crate) fn insert_wraps(
    tx: &dyn RecordsTx,
    case_id: CaseKey,
    num: u64,
    wraps: &[(String, Vec<u8>)],
    seq: u64,
) -> Result<()> {
    for (reader, wrap) in wraps {
        tx.insert_wrap(
            case_id,
            &WrapRow {
                num,
                reader: reader.clone(),
                wrap: wrap.clone(),
                grant_seq: seq,
            },
        )?;
    }
    Ok(())
}

/// Every reader's wrap of `reader` in a case, by document number.
pub(crate) fn wraps_of_reader(
    conn: &dyn Records,
    case_id: CaseKey,
    reader: &str,
) -> Result<std::collections::HashMap<u64, WrapRow>> {
    Ok(conn
        .reader_wraps(case_id, reader)?
        .into_iter()
        .map(|w| (w.num, w))
        .collect())
}

/// The view of a document, from its row, its opened metadata and who can read it.
pub(crate) fn view_with(
    ctx: &CaseContext,
    row: &DocumentRow,
    meta: &Metadata,
    readers: &[String],
) -> DocumentView {
    DocumentView {
        num: row.num,
        owner: row.owner.clone(),
        category: row.category.clone(),
        confidential: row.confidential,
        title: meta.title.clone(),
        file_name: meta.file_name.clone(),
        media_type: meta.media_type.clone(),
        size: meta.size,
        depositor: ctx
            .card_of(&row.depositor)
            .map(|c| c.name().to_owned())
            .unwrap_or_else(|| "(unknown)".to_owned()),
        deposited_at: row.deposited_at.clone(),
        readers: ctx.readers_of(readers),
    }
}

/// "the claimant party's", "the mediators'", "the registrar's".
pub(crate) fn owner_possessive(owner: &str) -> String {
    match Owner::parse(owner) {
        Owner::Party(l) => format!("the {l} party's"),
        Owner::Mediators => "the mediators'".to_owned(),
        Owner::Registrar => "the registrar's".to_owned(),
    }
}
