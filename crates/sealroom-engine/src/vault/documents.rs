//! Document operations: deposit, list and read.
//!
//! Deposit streams the body into a blob, encrypts the metadata, and wraps the fresh
//! document key for exactly the readers the category table gives (plus escrow), all
//! before one transaction records the signed deposit statement, the row and the wraps.
//! The readers are decided from the verified log inside the act's transaction.
//! Read checks the row and the caller's wrap against the log, records the read, then
//! streams, checking the ciphertext and plaintext hashes against what was signed.

use std::io::{Read, Write};

use serde::Serialize;
use zeroize::Zeroizing;

use super::records::{
    checked_metadata, commitment, load_row, load_rows, open_metadata, unwrap_key, unwrap_wrap,
    BodyState, DocumentRow, DocumentView, Metadata, WrapRow, ESCROW_READER,
};
use super::{CaseContext, Joined, Vault};
use crate::case::policy::{self, Category};
use crate::crypto::body;
use crate::crypto::digest::{hex, sha256};
use crate::crypto::wrap::{DocumentKey, Unwrapped};
use crate::error::{Error, Result};
use crate::identity::{Card, Identity};
use crate::log::replay::ReplayDoc;
use crate::log::statement::{Act, Deposit};
use crate::store::blobs::BlobRead;
use crate::store::records::Records;

/// Longest title accepted, in characters.
pub(crate) const MAX_TITLE_LEN: usize = 500;

/// What a depositor says about a new document: made with [`DepositSpec::new`] and its
/// setters, so it can grow without breaking anyone.
#[derive(Clone, Debug)]
#[non_exhaustive]
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

impl DepositSpec {
    /// A brief from the file `file_name`, titled by its name, not confidential.
    pub fn new(file_name: impl Into<String>) -> Self {
        DepositSpec {
            category: Category::Brief,
            title: None,
            file_name: file_name.into(),
            confidential: false,
            share_with_all: false,
            as_party: None,
        }
    }

    /// The category.
    pub fn category(mut self, category: Category) -> Self {
        self.category = category;
        self
    }

    /// A title other than the file name.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Deposit as confidential (disclosure always needs the owner's consent).
    pub fn confidential(mut self, confidential: bool) -> Self {
        self.confidential = confidential;
        self
    }

    /// Let every party read it at once (briefs and evidence only).
    pub fn share_with_all(mut self, share: bool) -> Self {
        self.share_with_all = share;
        self
    }

    /// Deposit for party `label` (for a person in several parties).
    pub fn as_party(mut self, label: impl Into<String>) -> Self {
        self.as_party = Some(label.into());
        self
    }
}

/// The outcome of a deposit.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
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
    pub readers: super::Readers,
    /// Log position of the deposit statement.
    pub statement: u64,
}

/// What `list` shows a caller.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Listing {
    /// Case reference.
    pub case: String,
    /// Documents the caller can read.
    pub readable: Vec<DocumentView>,
    /// How many other documents exist that the caller cannot read.
    pub unreadable: u64,
    /// Documents the caller can read that the filter left out.
    pub filtered_out: u64,
}

/// What a successful read delivered.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ReadOutcome {
    /// The document as listed.
    pub document: DocumentView,
    /// The read's statement in the case log.
    pub statement: u64,
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
        let title = spec.title.clone().unwrap_or_else(|| spec.file_name.clone());
        check_title(&title)?;
        if spec.share_with_all && !matches!(spec.category, Category::Brief | Category::Evidence) {
            return Err(Error::usage(
                "sharing with every party applies only to brief and evidence documents",
            )
            .about(crate::error::Input::ShareWithAll));
        }
        // A first look, so that a refused depositor is told before the body is
        // encrypted; everything is decided again under the lock below, from this
        // context plus whatever was logged in between.
        let first_look = {
            let tx = self.read_tx()?;
            let ctx = self.load(&*tx, reference, Joined::Required)?;
            let roles = ctx.member_roles(actor)?;
            policy::deposit_owner(&roles, spec.category, spec.as_party.as_deref())?;
            policy::check_open_for_deposit(ctx.state)?;
            ctx
        };

        let key = DocumentKey::generate();
        let recipient = key.recipient();
        let (blob, sealed) = self.blobs.write(|out| body::seal(input, &recipient, out))?;
        // From here on, a failure must remove the blob we just wrote.
        let result = (|| {
            let mut salt = [0u8; 32];
            getrandom::fill(&mut salt)
                .map_err(|_| Error::io("the system random number generator failed"))?;
            let meta = super::records::padded_metadata(Metadata {
                salt: hex(&salt),
                title: title.clone(),
                file_name: spec.file_name.clone(),
                media_type: media_type(&spec.file_name).to_owned(),
                size: sealed.plain_size,
                sha256: hex(&sealed.plain_sha256),
                encoding: sealed.encoding.as_str().to_owned(),
                pad: String::new(),
            })?;
            let meta_ct = body::seal_small(&meta, &recipient)?;
            self.record_from(reference, Some(first_look), |r| {
                let roles = r.ctx.member_roles(actor)?;
                let owner = policy::deposit_owner(&roles, spec.category, spec.as_party.as_deref())?;
                policy::check_open_for_deposit(r.ctx.state)?;
                // The readers are the members the log names now, under the lock.
                let audiences = policy::readers_on_deposit(
                    spec.category,
                    &owner,
                    spec.share_with_all,
                    &r.ctx.party_labels(),
                );
                let mut readers: Vec<Card> = Vec::new();
                for a in &audiences {
                    for card in r.ctx.cards_in(a) {
                        if !readers
                            .iter()
                            .any(|c| c.fingerprint() == card.fingerprint())
                        {
                            readers.push(card);
                        }
                    }
                }
                let mut wraps = Vec::new();
                for card in &readers {
                    wraps.push((
                        card.fingerprint().to_hex(),
                        key.wrap_with_metadata(&card.age_recipient(), &meta)?,
                    ));
                }
                if spec.category.escrowed() {
                    wraps.push((ESCROW_READER.to_owned(), key.wrap_to(&ctx_escrow(r.ctx)?)?));
                }
                let num = r.ctx.replay.docs.keys().next_back().map_or(1, |n| n + 1);
                let reader_fprs: Vec<String> =
                    readers.iter().map(|c| c.fingerprint().to_hex()).collect();
                let (wrap_hashes, escrow_wrap) = super::records::wrap_digests(&wraps, &reader_fprs);
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
                    commitment: commitment(&meta),
                    readers: reader_fprs.clone(),
                    wraps: wrap_hashes,
                    escrow_wrap,
                };
                let (seq, signed) = r.append_signed(actor, Act::Deposit(deposit))?;
                let at = signed.statement()?.at;
                r.tx.insert_document(
                    r.ctx.id,
                    &DocumentRow {
                        num,
                        owner: owner.label().to_owned(),
                        category: spec.category.as_str().to_owned(),
                        confidential: spec.confidential,
                        depositor: actor.fingerprint().to_hex(),
                        encoding: sealed.encoding.as_str().to_owned(),
                        blob: blob.sha256.clone(),
                        blob_size: blob.size,
                        meta: meta_ct.clone(),
                        deposited_at: at,
                        statement_seq: seq,
                        body_seq: seq,
                        body_state: BodyState::Live.as_str().to_owned(),
                    },
                )?;
                super::records::insert_wraps(r.tx, r.ctx.id, num, &wraps, seq)?;
                Ok((num, seq, owner, r.ctx.readers_of(&reader_fprs)))
            })
        })();
        let (num, seq, owner, readers) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = self.blobs.remove(&blob.sha256);
                return Err(e);
            }
        };
        Ok(Deposited {
            case: reference.to_owned(),
            num,
            category: spec.category.as_str().to_owned(),
            owner: owner.label().to_owned(),
            size: sealed.plain_size,
            blob_sha256: blob.sha256,
            encoding: sealed.encoding.as_str().to_owned(),
            readers,
            statement: seq,
        })
    }

    /// The documents of a case that `actor` can read, titles decrypted, and a count of
    /// the others. Who may read what comes from the verified log; each row and wrap
    /// is checked against it before its key is used.
    ///
    /// The decryptions (one X25519 operation per document) run on every core, since
    /// a case may hold thousands of documents.
    pub fn list(&self, actor: &Identity, reference: &str) -> Result<Listing> {
        self.list_filtered(actor, reference, &super::Filter::default())
    }

    /// [`Vault::list`], keeping only the documents `filter` matches (the others count
    /// as `filtered_out`; they are never decrypted).
    pub fn list_filtered(
        &self,
        actor: &Identity,
        reference: &str,
        filter: &super::Filter,
    ) -> Result<Listing> {
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::Required)?;
        ctx.member_roles(actor)?;
        let filter = filter.resolve(&ctx.replay, false)?;
        let me = actor.fingerprint().to_hex();
        let rows = load_rows(&*tx, ctx.id)?;
        let mine = super::records::wraps_of_reader(&*tx, ctx.id, &me)?;
        drop(tx);
        self.remember(&ctx);
        check_rows_match(&ctx, &rows)?;
        let mut todo: Vec<(&DocumentRow, &ReplayDoc, &WrapRow)> = Vec::new();
        let mut filtered_out = 0;
        for row in &rows {
            let doc = &ctx.replay.docs[&row.num];
            if !doc.readers.contains(&me) || !doc.live_in(ctx.state) {
                continue;
            }
            if !filter.keeps_document(doc) {
                filtered_out += 1;
                continue;
            }
            let wrap = mine
                .get(&row.num)
                .ok_or_else(|| missing_wrap(&ctx, row.num))?;
            todo.push((row, doc, wrap));
        }
        let unreadable = (rows.len() - todo.len()) as u64 - filtered_out;

        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let chunk = todo.len().div_ceil(workers).max(32);
        let opened: Vec<Result<Metadata>> = std::thread::scope(|scope| {
            let handles: Vec<_> = todo
                .chunks(chunk)
                .map(|part| {
                    let (ctx, me) = (&ctx, &me);
                    scope.spawn(move || {
                        part.iter()
                            .map(|(row, doc, wrap)| open_listed(ctx, actor, me, row, doc, wrap))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|_| vec![Err(Error::io("a listing worker failed"))])
                })
                .collect()
        });
        let mut readable = Vec::with_capacity(todo.len());
        for ((row, doc, _), meta) in todo.iter().zip(opened) {
            let meta = meta?;
            let who: Vec<String> = doc.readers.iter().cloned().collect();
            readable.push(super::records::view_with(&ctx, row, &meta, &who));
        }
        Ok(Listing {
            case: ctx.reference,
            readable,
            unreadable,
            filtered_out,
        })
    }

    /// What `actor` would read as document `num` (every check made, nothing logged or
    /// released): its title, type and size, e.g. to decide where to write it.
    pub fn describe(&self, actor: &Identity, reference: &str, num: u64) -> Result<DocumentView> {
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::Required)?;
        let view = self.open_document(&*tx, actor, &ctx, num)?.view;
        drop(tx);
        self.remember(&ctx);
        Ok(view)
    }

    /// Check everything about document `num` for `actor` and open its key. Whether
    /// the actor may read it, which body is current and which wrap is theirs all come
    /// from the verified log (`ctx.replay`); the row and the wrap are caches that must
    /// agree with it byte for byte, and the metadata must match the depositor's
    /// commitment.
    pub(crate) fn open_document(
        &self,
        conn: &dyn Records,
        actor: &Identity,
        ctx: &CaseContext,
        num: u64,
    ) -> Result<OpenDocument> {
        ctx.member_roles(actor)?;
        let row = load_row(conn, ctx, num)?;
        let doc = check_row(ctx, &row)?;
        let me = actor.fingerprint().to_hex();
        if !doc.live_in(ctx.state) {
            return Err(Error::refused(format!(
                "#{num} of case {} was {} when the case was sealed; {}",
                ctx.reference,
                row.body_state,
                if BodyState::of(&row) == BodyState::Archived {
                    "it can be opened only from the sealed archive, by a quorum of custodians"
                } else {
                    "only its hash remains, in the case log"
                }
            )));
        }
        let wrap = conn.wrap(ctx.id, num, &me)?;
        if !doc.readers.contains(&me) {
            if wrap.is_some() {
                // The log grants this reader nothing (or a revoke ended it): a wrap
                // row for them was added or put back. Nothing is opened.
                return Err(Error::integrity(format!(
                    "the wraps row for you of #{num} of case {} is not granted by the signed log (it was added or revived after a revoke); nothing was opened",
                    ctx.reference
                ))
        .with_hint(crate::error::Hint::CheckVault));
            }
            return Err(no_access(ctx, &row, doc));
        }
        let wrap = wrap.ok_or_else(|| missing_wrap(ctx, num))?;
        check_wrap(ctx, doc, &me, &wrap)?;
        let key = unwrap_key(&wrap.wrap, actor, num)?;
        let (meta, meta_plain) = open_metadata(&row.meta, &key, num, &doc.commitment)?;
        let readers: Vec<String> = doc.readers.iter().cloned().collect();
        let view = super::records::view_with(ctx, &row, &meta, &readers);
        Ok(OpenDocument {
            key,
            meta,
            meta_plain,
            encoding: body::Encoding::parse(&doc.body.encoding)?,
            blob_sha256: doc.body.blob_sha256.clone(),
            blob_size: doc.body.blob_size,
            facts: doc.facts.clone(),
            view,
            row,
        })
    }

    /// Stream the plaintext of an opened document into `output`, checking the
    /// ciphertext against the hash its depositor signed (which fixes the plaintext) and
    /// the plaintext's size against the metadata.
    pub(crate) fn stream_plaintext(
        &self,
        doc: &OpenDocument,
        blob: Box<dyn BlobRead>,
        output: impl Write,
    ) -> Result<()> {
        self.stream_plaintext_as(doc, blob, output, Release::AsItStreams)
    }

    /// [`Vault::stream_plaintext`], the whole ciphertext checked first only when
    /// `release` says the output is released as it is written.
    fn stream_plaintext_as(
        &self,
        doc: &OpenDocument,
        blob: Box<dyn BlobRead>,
        output: impl Write,
        release: Release,
    ) -> Result<()> {
        let num = doc.row.num;
        let blob = self.checked_blob_as(doc, blob, release)?;
        // Never more plaintext than the depositor signed (a decompression bomb under
        // the same key stops there).
        let opened = body::open_limited(
            std::io::BufReader::with_capacity(256 * 1024, blob),
            doc.key.identity(),
            doc.encoding,
            output,
            doc.meta.size,
        )?;
        if hex(&opened.blob_sha256) != doc.blob_sha256 {
            return Err(Error::integrity(format!(
                "#{num}'s ciphertext does not match its signed hash: the blob was altered"
            )));
        }
        if opened.plain_size != doc.meta.size {
            return Err(Error::integrity(format!(
                "#{num}'s contents are not the size their depositor signed: the document is damaged"
            )));
        }
        Ok(())
    }

    /// The blob of an opened document, checked before any decryption: its length is
    /// the signed one, its age header has the one stanza sealroom writes, within the
    /// header cap (a stanza bomb needs no key to make), and its SHA-256 is the signed
    /// one (so no unverified plaintext is ever released).
    pub(crate) fn checked_blob(
        &self,
        doc: &OpenDocument,
        blob: Box<dyn BlobRead>,
    ) -> Result<Box<dyn BlobRead>> {
        self.checked_blob_as(doc, blob, Release::AsItStreams)
    }

    /// [`Vault::checked_blob`]; for an output held back until the read succeeds
    /// ([`Release::Held`]) the hash is left to the stream, which checks it at the end.
    fn checked_blob_as(
        &self,
        doc: &OpenDocument,
        blob: Box<dyn BlobRead>,
        release: Release,
    ) -> Result<Box<dyn BlobRead>> {
        use std::io::{Seek, SeekFrom};
        let num = doc.row.num;
        let mut blob = blob;
        let len = blob.size()?;
        if len != doc.blob_size {
            return Err(Error::integrity(format!(
                "#{num}'s ciphertext is {len} bytes, not the {} its depositor signed: the blob was replaced or damaged; nothing was released",
                doc.blob_size
            )));
        }
        let mut prefix = vec![0u8; crate::crypto::header::MAX_HEADER_LEN.min(len as usize)];
        blob.read_exact(&mut prefix)
            .and_then(|_| blob.seek(SeekFrom::Start(0)).map(|_| ()))
            .map_err(|e| crate::error::io_error("reading the document's ciphertext", e))?;
        crate::crypto::header::check_own(&prefix, "X25519", &format!("#{num}'s ciphertext"))?;
        if release == Release::Held {
            return Ok(blob);
        }
        // The whole ciphertext against its signed hash before a byte of plaintext
        // leaves (stdout included): a valid age file under the same key, put in its
        // place, is refused here rather than after its text was printed. The stream
        // below hashes again and fails if the file changed in between.
        let mut hashing = crate::crypto::digest::HashingReader::new(&mut blob);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match hashing.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(crate::error::io_error(
                        "reading the document's ciphertext",
                        e,
                    ))
                }
            }
        }
        let (sha, _) = hashing.finish();
        if hex(&sha) != doc.blob_sha256 {
            return Err(Error::integrity(format!(
                "#{num}'s ciphertext does not match its signed hash: the blob was altered or replaced; nothing was released"
            )));
        }
        blob.seek(SeekFrom::Start(0))
            .map_err(|e| crate::error::io_error("reading the document's ciphertext", e))?;
        Ok(blob)
    }

    /// Read document `num` of case `reference` into `output`. Everything is checked
    /// against the verified log, and the read is recorded in it, inside one
    /// transaction before a byte is released; the hashes are checked as it streams,
    /// and a mismatch ends in an integrity error.
    pub fn read(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        output: impl Write,
    ) -> Result<ReadOutcome> {
        self.read_as(actor, reference, num, output, Release::AsItStreams)
    }

    /// [`Vault::read`] into an output the caller holds back until this returns `Ok`
    /// and throws away on any error (a temp file named only on success, as `read -o`
    /// writes): the ciphertext is checked against its signed hash once, as it
    /// streams, instead of also in a pass of its own before the first byte (which
    /// costs a large document's read about a sixth of its time). Plaintext written
    /// before an error must never be used.
    pub fn read_held(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        output: impl Write,
    ) -> Result<ReadOutcome> {
        self.read_as(actor, reference, num, output, Release::Held)
    }

    fn read_as(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        output: impl Write,
        release: Release,
    ) -> Result<ReadOutcome> {
        let (doc, statement, blob) = self.record(reference, |r| {
            let doc = self.open_document(r.tx, actor, r.ctx, num)?;
            // Fail closed: the read is on the record before a byte is released.
            let statement = r.append(actor, Act::Read { num })?;
            let blob = self.blob_under_lock(&doc)?;
            Ok((doc, statement, blob))
        })?;
        let blob = self.blob_after_record(&doc, blob)?;
        self.stream_plaintext_as(&doc, blob, output, release)?;
        Ok(ReadOutcome {
            document: doc.view,
            statement,
        })
    }
}

impl Vault {
    /// The body of an opened document, taken under the case's lock when the vault is a
    /// folder: a seal or rekey that commits next may delete the file, and the open
    /// handle keeps its bytes readable. A vault service hands a body out only against
    /// the requester's signed statement already in its log, so across the network it
    /// is taken after the commit ([`Vault::blob_after_record`]).
    pub(crate) fn blob_under_lock(&self, doc: &OpenDocument) -> Result<Option<Box<dyn BlobRead>>> {
        if self.is_remote() {
            Ok(None)
        } else {
            self.blobs.get(&doc.blob_sha256).map(Some)
        }
    }

    /// Across the network, record `actor`'s reads of `nums` before an act that opens
    /// their bodies without being a read (a re-keying decrypts each body to encrypt
    /// it again): the service hands a body out only against a statement already in
    /// its log. Each read is checked as `read` checks it. A no-op on a folder.
    pub(crate) fn record_reads_first(
        &self,
        actor: &Identity,
        reference: &str,
        nums: &[u64],
    ) -> Result<()> {
        if !self.is_remote() || nums.is_empty() {
            return Ok(());
        }
        self.record(reference, |r| {
            for &num in nums {
                self.open_document(r.tx, actor, r.ctx, num)?;
                r.append(actor, Act::Read { num })?;
            }
            Ok(())
        })
    }

    /// The body [`Vault::blob_under_lock`] did not take yet. (If a re-keying committed
    /// in between, the service no longer has it, and the act says so.)
    pub(crate) fn blob_after_record(
        &self,
        doc: &OpenDocument,
        taken: Option<Box<dyn BlobRead>>,
    ) -> Result<Box<dyn BlobRead>> {
        match taken {
            Some(blob) => Ok(blob),
            None => self.blobs.get(&doc.blob_sha256).map_err(|e| {
                e.reword(|m| {
                    format!(
                        "#{} is on the record, but its body could not be fetched from the vault service: {m}",
                        doc.row.num
                    )
                })
            }),
        }
    }
}

/// When the plaintext of a read reaches its reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Release {
    /// As it is written (standard output, a pipe): nothing may be written before the
    /// whole ciphertext has been checked against its signed hash.
    AsItStreams,
    /// Only once the read has succeeded: the caller discards the output on an error.
    Held,
}

/// The refusal for a member the log gives no access, naming who can read it.
pub(crate) fn no_access(ctx: &CaseContext, row: &DocumentRow, doc: &ReplayDoc) -> Error {
    let readers: Vec<String> = doc.readers.iter().cloned().collect();
    Error::refused(format!(
        "you cannot read #{} of case {}: it is {} {} document, readable only by {}",
        row.num,
        ctx.reference,
        super::records::owner_possessive(&row.owner),
        row.category,
        ctx.describe_readers(&readers)
    ))
}

fn missing_wrap(ctx: &CaseContext, num: u64) -> Error {
    Error::integrity(format!(
        "your key wrap of #{num} of case {} is missing from the vault although the log grants it: it was deleted",
        ctx.reference
    ))
        .with_hint(crate::error::Hint::CheckVault)
}

/// A stored wrap must be the one the log's latest grant to `reader` signs.
pub(crate) fn check_wrap(
    ctx: &CaseContext,
    doc: &ReplayDoc,
    reader: &str,
    wrap: &WrapRow,
) -> Result<()> {
    if doc.wraps.get(reader).map(String::as_str) != Some(hex(&sha256(&wrap.wrap)).as_str()) {
        return Err(Error::integrity(format!(
            "the key wrap of #{} of case {} is damaged or was replaced (it is not the one its grant signs)",
            doc.facts.num, ctx.reference
        ))
        .with_hint(crate::error::Hint::CheckVault));
    }
    Ok(())
}

/// A document row is a cache of what the log signs about it: every column must agree
/// with the replay. Returns the replayed document.
pub(crate) fn check_row<'c>(ctx: &'c CaseContext, row: &DocumentRow) -> Result<&'c ReplayDoc> {
    let num = row.num;
    let doc = ctx.replay.docs.get(&num).ok_or_else(|| {
        Error::integrity(format!(
            "the documents row #{num} of case {} is not in the signed log: it was inserted",
            ctx.reference
        ))
    })?;
    let live = BodyState::of(row) == BodyState::Live;
    let meta_ok = if live {
        hex(&sha256(&row.meta)) == doc.body.meta_sha256
    } else {
        row.meta.is_empty()
    };
    if row.owner != doc.facts.owner.label()
        || row.category != doc.facts.category.as_str()
        || row.confidential != doc.facts.confidential
        || row.depositor != doc.depositor
        || row.statement_seq != doc.deposit_seq
        || row.deposited_at != doc.deposited_at
        || row.body_seq != doc.body_seq
        || row.blob != doc.body.blob_sha256
        || row.blob_size != doc.body.blob_size
        || row.encoding != doc.body.encoding
        || live != doc.live_in(ctx.state)
        || !meta_ok
    {
        return Err(Error::integrity(format!(
            "#{num} of case {} fails its checks (the documents row differs from what its statements sign: it was altered); do not trust it",
            ctx.reference
        ))
        .with_hint(crate::error::Hint::CheckVault));
    }
    Ok(doc)
}

/// The documents rows must be exactly the documents the log deposited.
fn check_rows_match(ctx: &CaseContext, rows: &[DocumentRow]) -> Result<()> {
    if rows.len() != ctx.replay.docs.len() {
        return Err(Error::integrity(format!(
            "case {} holds {} document row(s) but its log deposited {}: rows were added or deleted",
            ctx.reference,
            rows.len(),
            ctx.replay.docs.len()
        ))
        .with_hint(crate::error::Hint::CheckVault));
    }
    for row in rows {
        check_row(ctx, row)?;
    }
    Ok(())
}

/// Check one listed document's wrap and open its metadata (runs on a listing worker).
fn open_listed(
    ctx: &CaseContext,
    actor: &Identity,
    me: &str,
    row: &DocumentRow,
    doc: &ReplayDoc,
    wrap: &WrapRow,
) -> Result<Metadata> {
    check_wrap(ctx, doc, me, wrap)?;
    let unwrapped = unwrap_wrap(&wrap.wrap, actor, row.num)?;
    listed_metadata(&unwrapped, &row.meta, row.num, &doc.commitment)
}

/// The metadata `list` shows: the copy in the reader's wrap, which saves decrypting
/// the record (one X25519 operation instead of two), or the record itself for a wrap
/// without a copy; either way checked against the depositor's signed commitment.
fn listed_metadata(
    unwrapped: &Unwrapped,
    record: &[u8],
    num: u64,
    commitment: &str,
) -> Result<Metadata> {
    match &unwrapped.metadata {
        Some(copy) => checked_metadata(copy, num, commitment),
        None => Ok(open_metadata(record, &unwrapped.key, num, commitment)?.0),
    }
}

/// A document whose checks passed and whose key is open.
pub(crate) struct OpenDocument {
    pub row: super::records::DocumentRow,
    /// The document's facts, from the log.
    pub facts: policy::DocumentFacts,
    pub key: DocumentKey,
    pub meta: Metadata,
    /// The exact metadata plaintext (what the commitment covers), wiped on drop.
    pub meta_plain: Zeroizing<Vec<u8>>,
    pub encoding: body::Encoding,
    pub blob_sha256: String,
    /// The signed size of the ciphertext.
    pub blob_size: u64,
    pub view: DocumentView,
}

fn ctx_escrow(ctx: &CaseContext) -> Result<age::x25519::Recipient> {
    ctx.escrow_recipient
        .parse()
        .map_err(|_| Error::integrity("the case's escrow recipient is damaged"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document's key, its metadata plaintext, the record and the signed commitment.
    fn document(title: &str) -> (DocumentKey, Vec<u8>, Vec<u8>, String) {
        let key = DocumentKey::generate();
        let plain = serde_json::to_vec(&Metadata {
            salt: hex(&[7; 32]),
            title: title.to_owned(),
            file_name: "brief.pdf".to_owned(),
            media_type: "application/pdf".to_owned(),
            size: 3,
            sha256: hex(&sha256(b"abc")),
            encoding: "none".to_owned(),
            pad: String::new(),
        })
        .unwrap();
        let record = body::seal_small(&plain, &key.recipient()).unwrap();
        let signed = commitment(&plain);
        (key, plain, record, signed)
    }

    fn unwrap(wrap: &[u8], reader: &age::x25519::Identity) -> Unwrapped {
        DocumentKey::unwrap_all(wrap, reader).unwrap().unwrap()
    }

    #[test]
    fn the_media_type_is_guessed_from_the_extension_in_any_case() {
        let table = [
            ("a.pdf", "application/pdf"),
            ("a.txt", "text/plain"),
            ("a.md", "text/plain"),
            ("a.html", "text/html"),
            ("a.htm", "text/html"),
            ("a.csv", "text/csv"),
            ("a.json", "application/json"),
            ("a.doc", "application/msword"),
            (
                "a.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                "a.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                "a.pptx",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
            ("a.odt", "application/vnd.oasis.opendocument.text"),
            ("a.rtf", "application/rtf"),
            ("a.eml", "message/rfc822"),
            ("a.png", "image/png"),
            ("a.jpg", "image/jpeg"),
            ("a.jpeg", "image/jpeg"),
            ("a.tif", "image/tiff"),
            ("a.tiff", "image/tiff"),
            ("a.zip", "application/zip"),
            ("a.mp3", "audio/mpeg"),
            ("a.mp4", "video/mp4"),
            ("Brief.Final.PDF", "application/pdf"),
            ("a.exe", "application/octet-stream"),
            ("no-extension", "application/octet-stream"),
        ];
        for (name, want) in table {
            assert_eq!(media_type(name), want, "{name}");
        }
    }

    #[test]
    fn titles_are_one_printable_line_of_bounded_length() {
        check_title("Claimant's brief (v2)").unwrap();
        check_title(&"é".repeat(MAX_TITLE_LEN)).unwrap();
        for (bad, says) in [
            ("", "must not be empty"),
            ("   ", "must not be empty"),
            ("two\nlines", "one line without control characters"),
            ("tab\there", "one line without control characters"),
        ] {
            let err = check_title(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Usage, "{bad:?}");
            assert!(err.message().contains(says), "{bad:?}: {}", err.message());
        }
        let long = "x".repeat(MAX_TITLE_LEN + 1);
        let err = check_title(&long).unwrap_err();
        assert!(
            err.message()
                .contains(&format!("(this one has {})", MAX_TITLE_LEN + 1)),
            "{}",
            err.message()
        );
    }

    #[test]
    fn document_numbers_are_written_4_or_hash_4_and_start_at_1() {
        assert_eq!(parse_num("4").unwrap(), 4);
        assert_eq!(parse_num("#12").unwrap(), 12);
        for bad in ["0", "#0", "-1", "four", "##4", "", "#"] {
            let err = parse_num(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Usage, "{bad}");
            assert!(err
                .message()
                .contains(&format!("`{bad}` is not a document number")));
        }
    }

    #[test]
    fn list_takes_the_title_from_the_wraps_copy_without_the_record() {
        let reader = age::x25519::Identity::generate();
        let (key, plain, _, signed) = document("Caucus statement");
        let wrap = key.wrap_with_metadata(&reader.to_public(), &plain).unwrap();
        // A record that would not even open: the copy alone must serve.
        let meta = listed_metadata(&unwrap(&wrap, &reader), b"not age", 4, &signed).unwrap();
        assert_eq!(meta.title, "Caucus statement");
    }

    #[test]
    fn a_wrap_without_a_copy_falls_back_to_the_record() {
        let reader = age::x25519::Identity::generate();
        let (key, _, record, signed) = document("Brief written before copies");
        let wrap = key.wrap_to(&reader.to_public()).unwrap();
        let meta = listed_metadata(&unwrap(&wrap, &reader), &record, 4, &signed).unwrap();
        assert_eq!(meta.title, "Brief written before copies");
    }

    #[test]
    fn a_copy_that_is_not_what_the_depositor_signed_is_refused() {
        let reader = age::x25519::Identity::generate();
        let (key, _, record, signed) = document("Settlement offer");
        // A granter who put other metadata into the wrap (the record is genuine).
        let (_, other, _, _) = document("Harmless title");
        let wrap = key.wrap_with_metadata(&reader.to_public(), &other).unwrap();
        let Err(err) = listed_metadata(&unwrap(&wrap, &reader), &record, 4, &signed) else {
            panic!("metadata the depositor did not sign was listed");
        };
        assert_eq!(err.kind(), crate::ErrorKind::Integrity);
        assert!(err.message().contains("#4"), "{}", err.message());
    }

    /// A vault with case C-1 whose claimant deposited `brief` as #1; the claimant.
    fn vault_with_brief(dir: &std::path::Path, brief: &[u8]) -> (Vault, Identity) {
        let mut vault = Vault::init(&dir.join("v")).unwrap();
        let [registrar, mediator, claimant, respondent, archivist] =
            ["R", "M", "C", "D", "A"].map(|n| Identity::generate(n).unwrap());
        let mut spec = crate::vault::CaseSpec::new("C-1", archivist.card());
        spec.threshold = 1;
        spec.mediators = vec![mediator.card()];
        spec.parties = vec![
            ("claimant".into(), claimant.card()),
            ("respondent".into(), respondent.card()),
        ];
        vault.open_case(&registrar, spec).unwrap();
        let mut d = crate::vault::DepositSpec::new("brief.txt");
        d.category = Category::Brief;
        vault.deposit(&claimant, "C-1", d, brief).unwrap();
        (vault, claimant)
    }

    #[test]
    fn a_documents_row_differing_from_the_log_in_any_column_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, claimant) = vault_with_brief(dir.path(), b"the claimant's brief");
        let db = rusqlite::Connection::open(vault.root().join("sealroom.db")).unwrap();
        let row = "case_id = (SELECT id FROM cases WHERE reference = 'C-1') AND num = 1";
        // Each change alone, as an operator editing the cache would make it.
        let changes = [
            ("owner", "'respondent'"),
            ("category", "'caucus'"),
            ("confidential", "1 - confidential"),
            ("depositor", "'ab' || substr(depositor, 3)"),
            ("statement_seq", "0"),
            ("deposited_at", "'2020-01-01T00:00:00Z'"),
            ("body_seq", "0"),
            ("blob", "'ff' || substr(blob, 3)"),
            ("blob_size", "blob_size + 1"),
            (
                "encoding",
                "CASE encoding WHEN 'zstd' THEN 'none' ELSE 'zstd' END",
            ),
            ("body_state", "'archived'"),
            ("meta", "CAST(meta || x'00' AS BLOB)"),
        ];
        for (column, value) in changes {
            let saved: rusqlite::types::Value = db
                .query_row(
                    &format!("SELECT {column} FROM documents WHERE {row}"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let sql = format!("UPDATE documents SET {column} = {value} WHERE {row}");
            assert_eq!(db.execute(&sql, []).unwrap(), 1, "{column}");
            let err = vault.list(&claimant, "C-1").unwrap_err();
            assert_eq!(
                err.kind(),
                crate::ErrorKind::Integrity,
                "{column}: {}",
                err.message()
            );
            assert!(
                err.message().contains("#1 of case C-1 fails its checks"),
                "{column}: {}",
                err.message()
            );
            let mut out = Vec::new();
            let err = vault.read(&claimant, "C-1", 1, &mut out).unwrap_err();
            assert_eq!(
                err.kind(),
                crate::ErrorKind::Integrity,
                "{column}: {}",
                err.message()
            );
            assert!(out.is_empty(), "{column}: plaintext released");
            let sql = format!("UPDATE documents SET {column} = ?1 WHERE {row}");
            db.execute(&sql, [saved]).unwrap();
            vault.list(&claimant, "C-1").unwrap();
        }
        let mut out = Vec::new();
        vault.read(&claimant, "C-1", 1, &mut out).unwrap();
        assert_eq!(out, b"the claimant's brief");
    }

    /// A vault with case C-1: registrar, mediator, claimant, respondent, archivist.
    fn vault_with_people(dir: &std::path::Path) -> (Vault, [Identity; 5]) {
        let mut vault = Vault::init(&dir.join("v")).unwrap();
        let people = ["R", "M", "C", "D", "A"].map(|n| Identity::generate(n).unwrap());
        let [registrar, mediator, claimant, respondent, archivist] = &people;
        let mut spec = crate::vault::CaseSpec::new("C-1", archivist.card());
        spec.threshold = 1;
        spec.mediators = vec![mediator.card()];
        spec.parties = vec![
            ("claimant".into(), claimant.card()),
            ("respondent".into(), respondent.card()),
        ];
        vault.open_case(registrar, spec).unwrap();
        (vault, people)
    }

    #[test]
    fn sharing_with_every_party_is_for_briefs_and_evidence_only() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, [_, _, claimant, respondent, _]) = vault_with_people(dir.path());
        let before = vault.statements("C-1").unwrap().len();
        for category in [Category::Caucus, Category::Settlement, Category::Procedural] {
            let spec = DepositSpec::new("x.txt")
                .category(category)
                .share_with_all(true);
            let err = vault
                .deposit(&claimant, "C-1", spec, &b"x"[..])
                .unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Usage, "{category}");
            assert!(err.message().contains("applies only to brief and evidence"));
        }
        assert_eq!(
            vault.statements("C-1").unwrap().len(),
            before,
            "nothing recorded"
        );
        for (i, category) in [Category::Brief, Category::Evidence]
            .into_iter()
            .enumerate()
        {
            let spec = DepositSpec::new("x.txt")
                .category(category)
                .share_with_all(true);
            let num = vault
                .deposit(&claimant, "C-1", spec, &b"shared"[..])
                .unwrap()
                .num;
            assert_eq!(num, i as u64 + 1);
            let mut out = Vec::new();
            vault.read(&respondent, "C-1", num, &mut out).unwrap();
            assert_eq!(out, b"shared");
        }
    }

    #[test]
    fn a_listing_counts_what_the_reader_cannot_read_and_what_the_filter_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, [_, mediator, claimant, respondent, archivist]) =
            vault_with_people(dir.path());
        let deposit = |v: &mut Vault, who: &Identity, category, title: &str| {
            let spec = DepositSpec::new("d.txt").category(category).title(title);
            v.deposit(who, "C-1", spec, title.as_bytes()).unwrap().num
        };
        deposit(&mut vault, &claimant, Category::Brief, "claimant brief");
        deposit(
            &mut vault,
            &respondent,
            Category::Caucus,
            "respondent caucus",
        );
        deposit(
            &mut vault,
            &claimant,
            Category::Evidence,
            "claimant evidence",
        );
        deposit(&mut vault, &claimant, Category::Settlement, "settlement");
        let titles = |l: &Listing| {
            l.readable
                .iter()
                .map(|d| d.title.clone())
                .collect::<Vec<_>>()
        };
        let all = vault.list(&claimant, "C-1").unwrap();
        assert_eq!(
            titles(&all),
            ["claimant brief", "claimant evidence", "settlement"]
        );
        assert_eq!((all.unreadable, all.filtered_out), (1, 0));
        let filter = crate::vault::Filter {
            category: Some(Category::Evidence),
            ..Default::default()
        };
        let some = vault.list_filtered(&claimant, "C-1", &filter).unwrap();
        assert_eq!(titles(&some), ["claimant evidence"]);
        assert_eq!((some.unreadable, some.filtered_out), (1, 2));
        let theirs = vault.list(&respondent, "C-1").unwrap();
        assert_eq!(titles(&theirs), ["respondent caucus", "settlement"]);
        assert_eq!((theirs.unreadable, theirs.filtered_out), (2, 0));
        // Sealed: only the retained settlement is still live for the parties.
        vault.close_case(&mediator, "C-1").unwrap();
        vault
            .seal(
                &archivist,
                "C-1",
                "2030-01-01",
                &dir.path().join("C-1.sealed"),
            )
            .unwrap();
        let sealed = vault.list(&claimant, "C-1").unwrap();
        assert_eq!(titles(&sealed), ["settlement"]);
        assert_eq!((sealed.unreadable, sealed.filtered_out), (3, 0));
    }

    /// #1 opened for `reader`, as a read opens it.
    fn opened(vault: &Vault, reader: &Identity) -> OpenDocument {
        let db = vault.read_tx().unwrap();
        let ctx = vault.load(&*db, "C-1", Joined::IfPinned).unwrap();
        vault.open_document(&*db, reader, &ctx, 1).unwrap()
    }

    /// A valid body for the document's own key: what someone who holds the key (an
    /// operator who once saw it, a former reader) can make without any other secret.
    fn same_key_body(key: &DocumentKey, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        body::seal(plain, &key.recipient(), &mut out).unwrap();
        out
    }

    /// [`same_key_body`] of exactly `len` bytes: small bodies share a padded size, and
    /// age's header varies with its random grease stanza, so some attempt matches.
    fn same_key_body_of_len(key: &DocumentKey, plain: &[u8], len: u64) -> Vec<u8> {
        (0..5000)
            .map(|_| same_key_body(key, plain))
            .find(|b| b.len() as u64 == len)
            .expect("a same-key body of the original's size")
    }

    #[test]
    fn a_body_under_the_same_key_put_in_the_blobs_place_releases_nothing() {
        let original = b"the claimant's brief: we ask for 4.2 million";
        // Small bodies are padded to one size class, so the first forgery has the
        // original's exact size (only its hash differs); the second does not.
        let forgeries: [&[u8]; 2] = [b"FORGED-MARKER: we ask for 1", &[b'F'; 40_000]];
        for (i, forged_plain) in forgeries.into_iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let (mut vault, claimant) = vault_with_brief(dir.path(), original);
            let doc = opened(&vault, &claimant);
            let forged = if i == 0 {
                same_key_body_of_len(&doc.key, forged_plain, doc.blob_size)
            } else {
                same_key_body(&doc.key, forged_plain)
            };
            assert_eq!(forged.len() as u64 == doc.blob_size, i == 0);
            let path = dir.path().join("v/blobs").join(&doc.blob_sha256);
            std::fs::write(&path, &forged).unwrap();

            let mut out = Vec::new();
            let err = vault.read(&claimant, "C-1", 1, &mut out).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{err:?}");
            assert!(
                err.message().contains("signed hash") || err.message().contains("bytes, not"),
                "{}",
                err.message()
            );
            assert!(out.is_empty(), "a forged body released {} bytes", out.len());
            // Into an output held back until success (`read -o`), the hash is checked
            // as it streams: the same refusal, and the caller throws the output away.
            let err = vault
                .read_held(&claimant, "C-1", 1, std::io::sink())
                .unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{err:?}");
            assert!(
                err.message().contains("signed hash") || err.message().contains("bytes, not"),
                "{}",
                err.message()
            );
        }
    }

    #[test]
    fn a_held_read_gives_the_document_and_checks_the_hash_only_as_it_streams() {
        let dir = tempfile::tempdir().unwrap();
        let brief = b"the claimant's brief, read into a file";
        let (mut vault, claimant) = vault_with_brief(dir.path(), brief);
        let mut out = Vec::new();
        vault.read_held(&claimant, "C-1", 1, &mut out).unwrap();
        assert_eq!(out, brief);
        // The blob swapped between the (skipped) check and the stream is still caught.
        let doc = opened(&vault, &claimant);
        let genuine = std::fs::read(dir.path().join("v/blobs").join(&doc.blob_sha256)).unwrap();
        let forged = same_key_body_of_len(&doc.key, b"FORGED-MARKER", genuine.len() as u64);
        let err = vault
            .stream_plaintext_as(
                &doc,
                Box::new(Swapping {
                    first: std::io::Cursor::new(forged.clone()),
                    second: std::io::Cursor::new(forged),
                    first_read: false,
                    swapped: false,
                }),
                std::io::sink(),
                Release::Held,
            )
            .unwrap_err();
        assert!(err.message().contains("signed hash"), "{}", err.message());
    }

    /// Serves `first` until it has been read to its end and sought back to its start,
    /// then `second`: a blob replaced between its check and its stream.
    struct Swapping {
        first: std::io::Cursor<Vec<u8>>,
        second: std::io::Cursor<Vec<u8>>,
        first_read: bool,
        swapped: bool,
    }

    impl Read for Swapping {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.swapped {
                return self.second.read(buf);
            }
            let n = self.first.read(buf)?;
            if n == 0 && !buf.is_empty() {
                self.first_read = true;
            }
            Ok(n)
        }
    }

    impl std::io::Seek for Swapping {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            if self.first_read && to == std::io::SeekFrom::Start(0) {
                self.swapped = true;
            }
            if self.swapped {
                self.second.seek(to)
            } else {
                self.first.seek(to)
            }
        }
    }

    impl BlobRead for Swapping {
        fn size(&self) -> Result<u64> {
            Ok(self.first.get_ref().len() as u64)
        }
    }

    #[test]
    fn a_blob_replaced_between_its_check_and_its_stream_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, claimant) = vault_with_brief(dir.path(), b"the claimant's brief");
        let doc = opened(&vault, &claimant);
        let genuine = std::fs::read(dir.path().join("v/blobs").join(&doc.blob_sha256)).unwrap();
        let forged = same_key_body_of_len(&doc.key, b"FORGED-MARKER", genuine.len() as u64);
        let blob = Swapping {
            first: std::io::Cursor::new(genuine),
            second: std::io::Cursor::new(forged),
            first_read: false,
            swapped: false,
        };
        let mut out = Vec::new();
        let err = vault
            .stream_plaintext(&doc, Box::new(blob), &mut out)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{err:?}");
        assert!(err.message().contains("signed hash"), "{}", err.message());
    }

    /// The blob's bytes, failing one read with `kind` at byte `at` of the second pass
    /// (the hash check; the first reads the header).
    struct FailingOnce {
        inner: std::io::Cursor<Vec<u8>>,
        at: u64,
        kind: std::io::ErrorKind,
        armed: bool,
        failed: bool,
    }

    impl Read for FailingOnce {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if !self.armed {
                return self.inner.read(buf);
            }
            if !self.failed && self.inner.position() >= self.at {
                self.failed = true;
                return Err(std::io::Error::new(self.kind, "injected"));
            }
            let room = (self.at.saturating_sub(self.inner.position()) as usize).max(1);
            let n = if self.failed {
                buf.len()
            } else {
                buf.len().min(room)
            };
            self.inner.read(&mut buf[..n])
        }
    }

    impl std::io::Seek for FailingOnce {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            self.armed = true;
            self.inner.seek(to)
        }
    }

    impl BlobRead for FailingOnce {
        fn size(&self) -> Result<u64> {
            Ok(self.inner.get_ref().len() as u64)
        }
    }

    #[test]
    fn an_interrupted_read_of_the_blob_is_retried_and_any_other_error_ends_it() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, claimant) = vault_with_brief(dir.path(), b"the claimant's brief");
        let doc = opened(&vault, &claimant);
        let genuine = std::fs::read(dir.path().join("v/blobs").join(&doc.blob_sha256)).unwrap();
        let blob = |kind| FailingOnce {
            at: genuine.len() as u64 / 2,
            inner: std::io::Cursor::new(genuine.clone()),
            kind,
            armed: false,
            failed: false,
        };
        let mut out = Vec::new();
        vault
            .stream_plaintext(
                &doc,
                Box::new(blob(std::io::ErrorKind::Interrupted)),
                &mut out,
            )
            .unwrap();
        assert_eq!(out, b"the claimant's brief");
        let mut out = Vec::new();
        let err = vault
            .stream_plaintext(&doc, Box::new(blob(std::io::ErrorKind::Other)), &mut out)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Io, "{}", err.message());
        assert!(out.is_empty(), "plaintext released after a failed check");
    }

    #[test]
    fn a_wrap_row_replaced_by_another_of_the_readers_wraps_is_named_as_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, claimant) = vault_with_brief(dir.path(), b"the claimant's brief");
        let mut d = crate::vault::DepositSpec::new("second.txt");
        d.category = Category::Brief;
        vault
            .deposit(&claimant, "C-1", d, &b"a second brief"[..])
            .unwrap();
        // The claimant's own wrap of #2 (a valid wrap to them, of another key) put in
        // place of their wrap of #1.
        let db = rusqlite::Connection::open(vault.root().join("sealroom.db")).unwrap();
        let me = claimant.fingerprint().to_hex();
        let changed = db
            .execute(
                "UPDATE wraps SET wrap = (SELECT wrap FROM wraps WHERE num = 2 AND reader = ?1) \
                 WHERE num = 1 AND reader = ?1",
                [&me],
            )
            .unwrap();
        assert_eq!(changed, 1);
        let mut out = Vec::new();
        let err = vault.read(&claimant, "C-1", 1, &mut out).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{}", err.message());
        assert!(
            err.message()
                .contains("the key wrap of #1 of case C-1 is damaged or was replaced"),
            "{}",
            err.message()
        );
        assert!(out.is_empty());
    }

    #[test]
    fn on_a_folder_vault_reads_are_not_recorded_ahead_of_a_rekey() {
        // Only a vault service needs a read on record before it hands out a body; on a
        // folder the rekey's own statement is the record.
        let dir = tempfile::tempdir().unwrap();
        let (vault, claimant) = vault_with_brief(dir.path(), b"the claimant's brief");
        let before = vault.statements("C-1").unwrap().len();
        vault.record_reads_first(&claimant, "C-1", &[1]).unwrap();
        vault.record_reads_first(&claimant, "C-1", &[]).unwrap();
        assert_eq!(vault.statements("C-1").unwrap().len(), before);
    }
}
