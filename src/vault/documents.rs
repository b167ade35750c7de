//! Document operations: deposit, list and read.
//!
//! Deposit streams the body into a blob, encrypts the metadata, and wraps the fresh
//! document key for exactly the readers the category table gives (plus escrow), all
//! before one transaction records the signed deposit statement, the row and the wraps.
//! Read checks the depositor's signature before it starts, records the read, then
//! streams, checking the ciphertext and plaintext hashes against what was signed.

use std::io::{Read, Write};

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{append_statement, load_statement, CaseContext, Vault};
use crate::case::policy::{self, Category, Owner};
use crate::crypto::body::{self, Encoding};
use crate::crypto::digest::{hex, sha256};
use crate::crypto::wrap::DocumentKey;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::log::statement::{Act, Deposit};

/// Longest title accepted, in characters.
pub const MAX_TITLE_LEN: usize = 500;
/// The wrap reader name of the case escrow key.
pub const ESCROW_READER: &str = "escrow";

/// What a depositor says about a new document.
#[derive(Clone, Debug)]
pub struct DepositSpec {
    /// Category (default `brief`).
    pub category: Category,
    /// Title; defaults to the file name.
    pub title: Option<String>,
    /// The original file name.
    pub file_name: String,
    /// Deposited as confidential (disclosure always needs consent).
    pub confidential: bool,
    /// Briefs and evidence readable by all parties at once.
    pub share_with_all: bool,
    /// Which party deposits, for a person in several parties.
    pub as_party: Option<String>,
}

/// The confidential metadata of a document, stored age-encrypted to the document key.
#[derive(Clone, Serialize, Deserialize)]
struct Metadata {
    title: String,
    file_name: String,
    media_type: String,
    size: u64,
    sha256: String,
    encoding: String,
}

/// The outcome of a deposit.
#[derive(Clone, Debug, Serialize)]
pub struct Deposited {
    /// Case reference.
    pub case: String,
    /// The new case number.
    pub num: u64,
    /// Category.
    pub category: String,
    /// Owner label.
    pub owner: String,
    /// Plaintext size.
    pub size: u64,
    /// Ciphertext SHA-256 (hex).
    pub blob_sha256: String,
    /// Body encoding chosen.
    pub encoding: String,
    /// Who can read it now.
    pub readers: String,
    /// Log position of the deposit statement.
    pub statement: u64,
}

/// One readable document in a listing.
#[derive(Clone, Debug, Serialize)]
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
    /// Who can read it now.
    pub readers: String,
}

/// What `list` shows a caller.
#[derive(Clone, Debug, Serialize)]
pub struct Listing {
    /// Case reference.
    pub case: String,
    /// Documents the caller can read.
    pub readable: Vec<DocumentView>,
    /// How many other documents exist.
    pub unreadable: u64,
}

/// What a successful read delivered.
#[derive(Clone, Debug, Serialize)]
pub struct ReadOutcome {
    /// The document as listed.
    pub document: DocumentView,
}

struct DocumentRow {
    num: u64,
    owner: String,
    category: String,
    confidential: bool,
    depositor: String,
    encoding: String,
    blob: String,
    blob_size: u64,
    meta: Vec<u8>,
    deposited_at: String,
    statement_seq: u64,
}

const DOC_COLUMNS: &str = "num, owner, category, confidential, depositor, encoding, blob, blob_size, meta, deposited_at, statement_seq";

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
    })
}

/// Guess a media type from a file name; the guess is stored encrypted.
fn media_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" | "md" => "text/plain",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "rtf" => "application/rtf",
        "eml" => "message/rfc822",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "tif" | "tiff" => "image/tiff",
        "zip" => "application/zip",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

fn check_title(title: &str) -> Result<()> {
    if title.trim().is_empty() {
        return Err(Error::usage("a title must not be empty"));
    }
    if title.chars().any(char::is_control) {
        return Err(Error::usage(
            "a title must be one line without control characters",
        ));
    }
    if title.chars().count() > MAX_TITLE_LEN {
        return Err(Error::usage(format!(
            "a title must be at most {MAX_TITLE_LEN} characters (this one has {})",
            title.chars().count()
        )));
    }
    Ok(())
}

/// Parse a document number written `4` or `#4`.
pub fn parse_num(s: &str) -> Result<u64> {
    s.strip_prefix('#')
        .unwrap_or(s)
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::usage(format!("`{s}` is not a document number (write 4 or #4)")))
}

impl Vault {
    /// Deposit the document read from `input` into case `reference`.
    pub fn deposit(
        &mut self,
        actor: &Identity,
        reference: &str,
        spec: DepositSpec,
        input: impl Read,
    ) -> Result<Deposited> {
        let ctx = Vault::case_context(&self.conn, reference)?;
        let roles = ctx.member_roles(actor)?;
        let owner = policy::deposit_owner(&roles, spec.category, spec.as_party.as_deref())?;
        policy::check_open_for_deposit(ctx.state)?;
        let title = spec.title.clone().unwrap_or_else(|| spec.file_name.clone());
        check_title(&title)?;
        if spec.share_with_all && !matches!(spec.category, Category::Brief | Category::Evidence) {
            return Err(Error::usage(
                "--share-with-all applies only to brief and evidence documents",
            ));
        }

        let audiences = policy::readers_on_deposit(
            spec.category,
            &owner,
            spec.share_with_all,
            &ctx.party_labels(),
        );
        let mut readers = Vec::new();
        for a in &audiences {
            for card in ctx.cards_in(a) {
                if !readers
                    .iter()
                    .any(|c: &crate::identity::Card| c.fingerprint() == card.fingerprint())
                {
                    readers.push(card);
                }
            }
        }

        let key = DocumentKey::generate();
        let recipient = key.recipient();
        let (blob, sealed) = self.blobs.write(|out| body::seal(input, &recipient, out))?;
        // From here on, a failure must remove the blob we just wrote.
        let result = (|| {
            let meta = Zeroizing::new(
                serde_json::to_vec(&Metadata {
                    title: title.clone(),
                    file_name: spec.file_name.clone(),
                    media_type: media_type(&spec.file_name).to_owned(),
                    size: sealed.plain_size,
                    sha256: hex(&sealed.plain_sha256),
                    encoding: sealed.encoding.as_str().to_owned(),
                })
                .map_err(|e| Error::io(format!("encoding metadata failed: {e}")))?,
            );
            let meta_ct = body::seal_small(&meta, &recipient)?;
            let mut wraps = Vec::new();
            for card in &readers {
                wraps.push((
                    card.fingerprint().to_hex(),
                    key.wrap_to(&card.age_recipient())?,
                ));
            }
            if spec.category.escrowed() {
                wraps.push((ESCROW_READER.to_owned(), key.wrap_to(&ctx_escrow(&ctx)?)?));
            }
            let tx = self.write_tx()?;
            let state: String =
                tx.query_row("SELECT state FROM cases WHERE id = ?1", [ctx.id], |r| {
                    r.get(0)
                })?;
            policy::check_open_for_deposit(policy::CaseState::parse(&state)?)?;
            let num: u64 = tx.query_row(
                "SELECT COALESCE(MAX(num) + 1, 1) FROM documents WHERE case_id = ?1",
                [ctx.id],
                |r| r.get(0),
            )?;
            let deposit = Deposit {
                num,
                owner: owner.label().to_owned(),
                category: spec.category,
                confidential: spec.confidential,
                share_with_all: spec.share_with_all,
                encoding: sealed.encoding.as_str().to_owned(),
                blob_sha256: blob.sha256.clone(),
                blob_size: blob.size,
                meta_sha256: hex(&sha256(&meta_ct)),
                readers: readers.iter().map(|c| c.fingerprint().to_hex()).collect(),
            };
            let (seq, signed) =
                append_statement(&tx, ctx.id, reference, actor, Act::Deposit(deposit))?;
            let at = signed.statement()?.at;
            tx.execute(
                &format!("INSERT INTO documents (case_id, {DOC_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
                params![
                    ctx.id,
                    num,
                    owner.label(),
                    spec.category.as_str(),
                    spec.confidential,
                    actor.fingerprint().to_hex(),
                    sealed.encoding.as_str(),
                    blob.sha256,
                    blob.size,
                    meta_ct,
                    at,
                    seq
                ],
            )?;
            let case_id = ctx.id;
            for (reader, wrap) in &wraps {
                tx.execute(
                    "INSERT INTO wraps (case_id, num, reader, wrap, grant_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![case_id, num, reader, wrap, seq],
                )?;
            }
            tx.commit()?;
            Ok((num, seq))
        })();
        let (num, seq) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = self.blobs.remove(&blob.sha256);
                return Err(e);
            }
        };
        let reader_fprs: Vec<String> = readers.iter().map(|c| c.fingerprint().to_hex()).collect();
        Ok(Deposited {
            case: reference.to_owned(),
            num,
            category: spec.category.as_str().to_owned(),
            owner: owner.label().to_owned(),
            size: sealed.plain_size,
            blob_sha256: blob.sha256,
            encoding: sealed.encoding.as_str().to_owned(),
            readers: ctx.describe_readers(&reader_fprs),
            statement: seq,
        })
    }

    fn wrap_readers(&self, case_id: i64, num: u64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT reader FROM wraps WHERE case_id = ?1 AND num = ?2 AND reader != ?3 ORDER BY reader",
        )?;
        let readers = stmt
            .query_map(params![case_id, num, ESCROW_READER], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(readers)
    }

    fn wrap_for(&self, case_id: i64, num: u64, reader: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT wrap FROM wraps WHERE case_id = ?1 AND num = ?2 AND reader = ?3",
            )?
            .query_row(params![case_id, num, reader], |r| r.get(0))
            .optional()?)
    }

    fn view(&self, ctx: &CaseContext, row: &DocumentRow, meta: &Metadata) -> Result<DocumentView> {
        let readers = self.wrap_readers(ctx.id, row.num)?;
        Ok(DocumentView {
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
            readers: ctx.describe_readers(&readers),
        })
    }

    /// The documents of a case that `actor` can read, titles decrypted, and a count of
    /// the others.
    pub fn list(&self, actor: &Identity, reference: &str) -> Result<Listing> {
        let ctx = Vault::case_context(&self.conn, reference)?;
        ctx.member_roles(actor)?;
        let me = actor.fingerprint().to_hex();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {DOC_COLUMNS} FROM documents WHERE case_id = ?1 ORDER BY num"
        ))?;
        let rows = stmt
            .query_map([ctx.id], doc_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut readable = Vec::new();
        let mut unreadable = 0;
        for row in &rows {
            match self.wrap_for(ctx.id, row.num, &me)? {
                Some(wrap) => {
                    let key = unwrap_key(&wrap, actor, row.num)?;
                    let meta = open_metadata(&row.meta, &key, row.num)?;
                    readable.push(self.view(&ctx, row, &meta)?);
                }
                None => unreadable += 1,
            }
        }
        Ok(Listing {
            case: ctx.reference,
            readable,
            unreadable,
        })
    }

    /// Read document `num` of case `reference` into `output`. The depositor's
    /// signature is checked before anything is written; the read is recorded in the
    /// case log before the document is released; the ciphertext and plaintext hashes
    /// are checked as it streams, and a mismatch ends in an integrity error.
    pub fn read(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        output: impl Write,
    ) -> Result<ReadOutcome> {
        let ctx = Vault::case_context(&self.conn, reference)?;
        ctx.member_roles(actor)?;
        let row = self
            .conn
            .query_row(
                &format!("SELECT {DOC_COLUMNS} FROM documents WHERE case_id = ?1 AND num = ?2"),
                params![ctx.id, num],
                doc_row,
            )
            .optional()?
            .ok_or_else(|| {
                Error::not_found(format!(
                    "case {reference} has no document #{num}; `sealroom list {reference}` shows the documents you can read"
                ))
            })?;
        let me = actor.fingerprint().to_hex();
        let Some(wrap) = self.wrap_for(ctx.id, num, &me)? else {
            let readers = self.wrap_readers(ctx.id, num)?;
            return Err(Error::refused(format!(
                "you cannot read #{num} of case {reference}: it is {} {} document, readable only by {}",
                owner_possessive(&row.owner),
                row.category,
                ctx.describe_readers(&readers)
            )));
        };
        let deposit = self.verified_deposit(&ctx, &row)?;
        let key = unwrap_key(&wrap, actor, num)?;
        let meta = open_metadata(&row.meta, &key, num)?;
        let encoding = Encoding::parse(&deposit.encoding)?;
        let view = self.view(&ctx, &row, &meta)?;

        // Fail closed: the read is on the record before a byte is released.
        let tx = self.write_tx()?;
        append_statement(&tx, ctx.id, reference, actor, Act::Read { num })?;
        tx.commit()?;

        let blob = self.blobs.open(&row.blob)?;
        let opened = body::open(
            std::io::BufReader::new(blob),
            key.identity(),
            encoding,
            output,
        )?;
        if hex(&opened.blob_sha256) != deposit.blob_sha256 {
            return Err(Error::integrity(format!(
                "#{num}'s ciphertext does not match what the depositor signed: the blob was altered"
            )));
        }
        if hex(&opened.plain_sha256) != meta.sha256 || opened.plain_size != meta.size {
            return Err(Error::integrity(format!(
                "#{num}'s contents do not match their recorded hash: the document is damaged"
            )));
        }
        Ok(ReadOutcome { document: view })
    }

    /// Check the deposit statement of `row`: signed by the depositor, a member of the
    /// case, and binding exactly this row's number, category, owner, blob and metadata.
    fn verified_deposit(&self, ctx: &CaseContext, row: &DocumentRow) -> Result<Deposit> {
        let bad = |what: &str| {
            Error::integrity(format!(
                "#{} of case {} fails its deposit check ({what}); do not trust it and run `sealroom doctor`",
                row.num, ctx.reference
            ))
        };
        let signed = load_statement(&self.conn, ctx.id, row.statement_seq)?;
        let statement = signed.statement()?;
        let card = ctx
            .card_of(&statement.actor)
            .ok_or_else(|| bad("the depositor is not a member"))?;
        if !signed.verified_by(card) {
            return Err(bad("the depositor's signature does not verify"));
        }
        let Act::Deposit(d) = statement.act else {
            return Err(bad("the statement is not a deposit"));
        };
        if statement.case != ctx.reference
            || statement.actor != row.depositor
            || d.num != row.num
            || d.owner != row.owner
            || d.category.as_str() != row.category
            || d.confidential != row.confidential
            || d.encoding != row.encoding
            || d.blob_sha256 != row.blob
            || d.blob_size != row.blob_size
            || d.meta_sha256 != hex(&sha256(&row.meta))
        {
            return Err(bad("the record differs from what the depositor signed"));
        }
        Ok(d)
    }
}

/// "the claimant party's", "the mediators'", "the registrar's".
fn owner_possessive(owner: &str) -> String {
    match Owner::parse(owner) {
        Owner::Party(l) => format!("the {l} party's"),
        Owner::Mediators => "the mediators'".to_owned(),
        Owner::Registrar => "the registrar's".to_owned(),
    }
}

fn ctx_escrow(ctx: &CaseContext) -> Result<age::x25519::Recipient> {
    ctx.escrow_recipient
        .parse()
        .map_err(|_| Error::integrity("the case's escrow recipient is damaged"))
}

fn unwrap_key(wrap: &[u8], actor: &Identity, num: u64) -> Result<DocumentKey> {
    DocumentKey::unwrap_with(wrap, actor.decryption_key())?.ok_or_else(|| {
        Error::wrong_key(format!(
            "your identity does not open the key of #{num}: the wrap was made for another key"
        ))
    })
}

fn open_metadata(meta: &[u8], key: &DocumentKey, num: u64) -> Result<Metadata> {
    let plain = body::open_small(meta, key.identity())?.ok_or_else(|| {
        Error::integrity(format!("#{num}'s metadata is not encrypted to its key"))
    })?;
    serde_json::from_slice(&plain)
        .map_err(|_| Error::integrity(format!("#{num}'s metadata is damaged")))
}
