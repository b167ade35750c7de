//! Sealing a closed case: write the archive, verify it, and only then shred live access
//! in the vault, all under one write transaction.
//!
//! Order of events, and what a crash at each point leaves:
//! 1. the vault's write lock is taken and the archivist's seal statement prepared
//!    inside the transaction (nothing visible yet);
//! 2. the archive is written to a temp file beside the output, fsynced and verified,
//!    then renamed into place (a crash leaves the vault unsealed, and at most a stray
//!    temp file or an archive whose seal statement never committed);
//! 3. the transaction commits the seal statement, its checkpoint, and the shredding
//!    (wraps, shares, archived metadata) together: the case is sealed or it is not;
//! 4. blob files no row needs any more are deleted (a crash leaves orphans, which
//!    `doctor` removes).
//!
//! Across the network (a vault service) the service signs the seal's checkpoint when
//! the seal commits, so step 2 follows step 3: the archive is written from what was
//! gathered under the lock, with the checkpoint the service then serves (and the
//! archive's own verification checks that checkpoint against the log and the vault's
//! log key). Everything the archive needs but the bodies and that checkpoint (all of it
//! ciphertext or public) is kept in the archivist's state folder before the commit, so
//! if writing fails after it, the same command run again writes the archive (the
//! service keeps the bodies, and hands them to the archivist against the seal).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::format::{self, ArchiveWriter, DocumentEntry, Manifest, MemberEntry};
use super::verify::verify_archive;
use crate::case::charter::MemberRecord;
use crate::case::policy::{self, CaseState, Category, Role};
use crate::error::{io_error, Error, Result};
use crate::identity::Identity;
use crate::log::replay::retained_at_seal;
use crate::log::statement::{Act, Seal, SignedStatement};
use crate::vault::records::{load_rows, BodyState, ESCROW_READER};
use crate::vault::{signed_statements, Vault};

/// What sealing did.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Sealed {
    /// Case reference.
    pub case: String,
    /// Where the archive was written.
    pub archive: String,
    /// SHA-256 of the manifest (hex): the archive's identity.
    pub manifest_sha256: String,
    /// Last day of retention.
    pub retain_until: String,
    /// Documents kept live (settlement, procedural).
    pub retained: Vec<u64>,
    /// Documents now only in the archive, under escrow.
    pub escrowed: Vec<u64>,
    /// Mediator notes destroyed (only their hashes remain in the log).
    pub destroyed: Vec<u64>,
    /// The seal statement.
    pub statement: u64,
}

/// A seal across the network whose archive is not written yet, as the archivist's
/// state folder keeps it.
#[derive(Serialize, Deserialize)]
struct PendingSeal {
    archivist: String,
    plan: ArchivePlan,
    retained: Vec<u64>,
    escrowed: Vec<u64>,
    destroyed: Vec<u64>,
}

impl Vault {
    /// Seal closed case `reference` into a new archive at `out`, retained until
    /// `retain_until` (`YYYY-MM-DD`). Only the case's archivist may.
    pub fn seal(
        &mut self,
        archivist: &Identity,
        reference: &str,
        retain_until: &str,
        out: &Path,
    ) -> Result<Sealed> {
        let retain_until = policy::parse_date(retain_until)?;
        if crate::date::Day::parse(&retain_until)? < crate::date::Day::today() {
            return Err(Error::usage(format!(
                "the retention date {retain_until} has already passed"
            )));
        }
        if out.exists() {
            return Err(Error::refused(format!(
                "{} already exists; sealroom does not overwrite files (choose another name)",
                out.display()
            )));
        }
        if let Some(done) = self.finish_pending_seal(archivist, reference, &retain_until, out)? {
            return Ok(done);
        }
        // The whole seal holds the case's lock: nothing can be deposited, read or
        // revoked between the checks below and the seal statement.
        let sealed = self.record(reference, |rec| {
            let roles = rec.ctx.member_roles(archivist)?;
            policy::check_may_seal(&roles, rec.ctx.state)?;
            // The log must be sound before it is sealed for decades.
            let verified = self.verify_log_in(rec.tx, reference)?;
            let replayed =
                crate::log::replay::replay(reference, &signed_statements(rec.tx, rec.ctx.id)?)?;
            let vault_id = self.vault_id()?;
            let verifier = self.log_verifier()?.to_verifier_string();
            let rows = load_rows(rec.tx, rec.ctx.id)?;
            let mut wraps = BTreeMap::new();
            for row in &rows {
                wraps.insert(row.num, rec.tx.document_wraps(rec.ctx.id, row.num)?);
            }
            let shares: Vec<(String, Vec<u8>)> = rec
                .tx
                .escrow_shares(rec.ctx.id)?
                .into_iter()
                .map(|s| (s.custodian, s.share))
                .collect();
            let archivist_fpr = archivist.fingerprint().to_hex();

            // What goes in, apart from the log: the index, shares, metadata, wraps, bodies.
            let mut documents = Vec::new();
            let mut small: Vec<(String, Vec<u8>)> = Vec::new();
            let mut bodies: Vec<(String, String, u64)> = Vec::new(); // path, blob, size
            let (mut retained, mut escrowed, mut destroyed) = (Vec::new(), Vec::new(), Vec::new());
            for row in &rows {
                let doc = replayed.docs.get(&row.num).ok_or_else(|| {
                    Error::integrity(format!("#{} is not in the case log", row.num))
                })?;
                let category = doc.facts.category;
                let disposition = if category == Category::MediatorNote {
                    destroyed.push(row.num);
                    "destroyed"
                } else if retained_at_seal(category) {
                    retained.push(row.num);
                    "retained"
                } else {
                    escrowed.push(row.num);
                    "escrowed"
                };
                documents.push(DocumentEntry {
                    num: row.num,
                    owner: row.owner.clone(),
                    category: category.as_str().to_owned(),
                    confidential: row.confidential,
                    encoding: row.encoding.clone(),
                    disposition: disposition.to_owned(),
                    body_sha256: row.blob.clone(),
                });
                if category == Category::MediatorNote {
                    continue;
                }
                small.push((format::doc_path(row.num, "meta.age"), row.meta.clone()));
                for w in &wraps[&row.num] {
                    if w.reader == ESCROW_READER {
                        small.push((format::doc_path(row.num, "escrow.age"), w.wrap.clone()));
                    } else if w.reader == archivist_fpr && retained_at_seal(category) {
                        small.push((format::doc_path(row.num, "archivist.age"), w.wrap.clone()));
                    }
                }
                bodies.push((
                    format::doc_path(row.num, "body.age"),
                    row.blob.clone(),
                    row.blob_size,
                ));
            }
            for (holder, share) in &shares {
                small.push((format::share_path(holder), share.clone()));
            }
            small.push((
                format::README.to_owned(),
                format::readme(reference, &retain_until).into_bytes(),
            ));
            small.push((
                format::DOCUMENTS.to_owned(),
                serde_json::to_vec_pretty(&documents)
                    .map_err(|e| Error::io(format!("encoding the document index failed: {e}")))?,
            ));
            // The contents digest the seal statement binds, from known hashes.
            let mut expected: BTreeMap<String, MemberEntry> = BTreeMap::new();
            for (path, bytes) in &small {
                expected.insert(
                    path.clone(),
                    MemberEntry {
                        path: path.clone(),
                        sha256: crate::crypto::digest::hex(&crate::crypto::digest::sha256(bytes)),
                        size: bytes.len() as u64,
                    },
                );
            }
            for (path, blob, size) in &bodies {
                expected.insert(
                    path.clone(),
                    MemberEntry {
                        path: path.clone(),
                        sha256: blob.clone(),
                        size: *size,
                    },
                );
            }
            let contents_sha256 = format::contents_digest(&expected);

            let blobs = self.blobs.clone();
            if rec.ctx.replay.len != verified.statements {
                return Err(Error::integrity(
                    "the case's log changed under the seal's lock; nothing was sealed",
                ));
            }
            // The log as the archive holds it: every entry so far, then the seal.
            let mut entries: Vec<Vec<u8>> = signed_statements(rec.tx, rec.ctx.id)?
                .iter()
                .map(SignedStatement::entry)
                .collect();
            let (seq, seal_statement) = rec.append_signed(
                archivist,
                Act::Seal(Seal {
                    retain_until: retain_until.clone(),
                    contents_sha256,
                }),
            )?;
            entries.push(seal_statement.entry());
            let plan = ArchivePlan {
                reference: reference.to_owned(),
                vault_id,
                verifier,
                retain_until: retain_until.clone(),
                sealed_at: seal_statement.statement()?.at,
                seq,
                small,
                bodies,
                entries,
            };
            // On a folder the archive is written and verified before the seal commits.
            // Across the network the service signs the seal's checkpoint only at
            // commit, so the archive is written just after it (see the module notes).
            let report = if self.is_remote() {
                None
            } else {
                let checkpoint = rec
                    .tx
                    .checkpoint(rec.ctx.id, seq + 1)?
                    .map(|c| c.note)
                    .ok_or_else(|| {
                        Error::integrity(
                            "the seal's checkpoint was not recorded; nothing was sealed",
                        )
                    })?;
                Some(write_archive(&plan, &checkpoint, &*blobs, archivist, out)?)
            };

            // Shred live access, in the same transaction as the seal statement.
            let archivist_wraps = roles_fingerprints(rec.ctx, &Role::Archivist);
            let party_wraps: Vec<String> = rec
                .ctx
                .members
                .iter()
                .filter(|m| matches!(m.role, Role::Party(_)))
                .map(|m| m.card.fingerprint().to_hex())
                .collect();
            for row in &rows {
                let category = replayed.docs[&row.num].facts.category;
                if retained_at_seal(category) {
                    for w in &wraps[&row.num] {
                        let keep =
                            party_wraps.contains(&w.reader) || archivist_wraps.contains(&w.reader);
                        if !keep {
                            rec.tx.delete_wrap(rec.ctx.id, row.num, &w.reader)?;
                        }
                    }
                } else {
                    rec.tx.delete_document_wraps(rec.ctx.id, row.num)?;
                    rec.tx.retire_body(
                        rec.ctx.id,
                        row.num,
                        if category == Category::MediatorNote {
                            BodyState::Destroyed
                        } else {
                            BodyState::Archived
                        }
                        .as_str(),
                    )?;
                }
            }
            rec.tx.delete_consents(rec.ctx.id)?;
            rec.tx.delete_escrow_shares(rec.ctx.id)?;
            rec.tx
                .set_case_state(rec.ctx.id, CaseState::Sealed.as_str())?;
            // Bodies that now live only in the archive (or nowhere) leave the vault once
            // this commits.
            let leaving: Vec<String> = rows
                .iter()
                .filter(|row| !retained_at_seal(replayed.docs[&row.num].facts.category))
                .map(|row| row.blob.clone())
                .collect();
            if report.is_none() {
                self.keep_pending_seal(archivist, &plan, (&retained, &escrowed, &destroyed))?;
            }
            Ok((plan, report, (retained, escrowed, destroyed), leaving))
        })?;
        let (plan, report, (retained, escrowed, destroyed), leaving) = sealed;
        let report = match report {
            Some(r) => r,
            None => self.write_pending_archive(archivist, &plan, out)?,
        };
        let sealed = Sealed {
            case: reference.to_owned(),
            archive: out.display().to_string(),
            manifest_sha256: report.manifest_sha256,
            retain_until: plan.retain_until,
            retained,
            escrowed,
            destroyed,
            statement: plan.seq,
        };
        for blob in &leaving {
            let _ = self.blobs.remove(blob);
        }
        Ok(sealed)
    }
}

impl Vault {
    /// Across the network: keep what the archive needs in the archivist's state
    /// folder before the seal commits (replacing any earlier attempt's).
    fn keep_pending_seal(
        &self,
        archivist: &Identity,
        plan: &ArchivePlan,
        (retained, escrowed, destroyed): (&[u64], &[u64], &[u64]),
    ) -> Result<()> {
        let Some(member) = self.member.as_ref() else {
            return Ok(());
        };
        let pending = PendingSeal {
            archivist: archivist.fingerprint().to_hex(),
            plan: plan.clone(),
            retained: retained.to_vec(),
            escrowed: escrowed.to_vec(),
            destroyed: destroyed.to_vec(),
        };
        let bytes = serde_json::to_vec(&pending)
            .map_err(|e| Error::io(format!("recording the seal in progress failed: {e}")))?;
        member.save_pending_seal(&self.vault_id()?, &plan.reference, &bytes)
    }

    /// Across the network, after the seal committed: write its archive with the
    /// checkpoint the service signed, then forget the pending record.
    fn write_pending_archive(
        &self,
        archivist: &Identity,
        plan: &ArchivePlan,
        out: &Path,
    ) -> Result<super::verify::ArchiveReport> {
        let reference = &plan.reference;
        let written = (|| {
            let case = crate::vault::CaseId::find(self.now(), reference)?;
            let checkpoint = self
                .now()
                .checkpoint(case.id, plan.seq + 1)?
                .map(|c| c.note)
                .ok_or_else(|| {
                    Error::integrity("the service recorded no checkpoint for the seal")
                })?;
            write_archive(plan, &checkpoint, &*self.blobs, archivist, out)
        })();
        match written {
            Ok(report) => {
                if let Some(member) = self.member.as_ref() {
                    member.clear_pending_seal(&self.vault_id()?, reference);
                }
                Ok(report)
            }
            Err(e) => Err(e.reword(|m| {
                if self.member.is_some() {
                    format!(
                        "case {reference} is sealed, but its archive could not be written: {m}; run the same command again to write it (your state folder keeps what it needs)"
                    )
                } else {
                    format!("case {reference} is sealed, but its archive could not be written: {m}")
                }
            })),
        }
    }

    /// A seal of `reference` by `archivist` that committed on the vault service but
    /// whose archive was not written: write it now. A pending record of a seal that
    /// never committed is dropped (`None`: seal as usual).
    fn finish_pending_seal(
        &self,
        archivist: &Identity,
        reference: &str,
        retain_until: &str,
        out: &Path,
    ) -> Result<Option<Sealed>> {
        let (Some(member), true) = (self.member.as_ref(), self.is_remote()) else {
            return Ok(None);
        };
        let vault_id = self.vault_id()?;
        let Some((path, bytes)) = member.pending_seal(&vault_id, reference)? else {
            return Ok(None);
        };
        let pending: PendingSeal = serde_json::from_slice(&bytes).map_err(|_| {
            Error::integrity(format!(
                "your record of an unfinished seal of case {reference} ({}) is damaged",
                path.display()
            ))
        })?;
        let plan = &pending.plan;
        let db = self.read_tx()?;
        let ctx = self.load(&*db, reference, crate::vault::Joined::Required)?;
        drop(db);
        let seal_leaf = plan
            .entries
            .last()
            .map(|e| crate::log::merkle::leaf_hash(e));
        let committed = plan.reference == reference
            && ctx.state == CaseState::Sealed
            && seal_leaf.is_some()
            && ctx.leaves.get(plan.seq as usize) == seal_leaf.as_ref();
        if !committed {
            member.clear_pending_seal(&vault_id, reference);
            return Ok(None);
        }
        if pending.archivist != archivist.fingerprint().to_hex() {
            return Err(Error::refused(format!(
                "case {reference} was sealed by another archivist's key; only they can write its archive"
            )));
        }
        if plan.retain_until != retain_until {
            return Err(Error::usage(format!(
                "case {reference} was sealed to be retained until {}; run the command again with --retain-until {} to write its archive",
                plan.retain_until, plan.retain_until
            )));
        }
        let report = self.write_pending_archive(archivist, plan, out)?;
        Ok(Some(Sealed {
            case: reference.to_owned(),
            archive: out.display().to_string(),
            manifest_sha256: report.manifest_sha256,
            retain_until: plan.retain_until.clone(),
            retained: pending.retained,
            escrowed: pending.escrowed,
            destroyed: pending.destroyed,
            statement: plan.seq,
        }))
    }
}

/// Everything an archive holds but its checkpoint, gathered under the case's lock.
#[derive(Clone, Serialize, Deserialize)]
struct ArchivePlan {
    reference: String,
    vault_id: String,
    verifier: String,
    retain_until: String,
    sealed_at: String,
    seq: u64,
    /// Small members (index, shares, metadata, wraps, readme).
    small: Vec<(String, Vec<u8>)>,
    /// Bodies: path, blob, size.
    bodies: Vec<(String, String, u64)>,
    /// The log's entries, the seal's last.
    entries: Vec<Vec<u8>>,
}

/// Write the archive of `plan` with the seal's `checkpoint` to a temp file beside
/// `out`, sync and verify it, then move it into place.
fn write_archive(
    plan: &ArchivePlan,
    checkpoint: &str,
    blobs: &dyn crate::store::blobs::BlobStore,
    archivist: &Identity,
    out: &Path,
) -> Result<super::verify::ArchiveReport> {
    let ArchivePlan {
        reference,
        vault_id,
        verifier,
        retain_until,
        sealed_at,
        seq,
        small,
        bodies,
        entries,
    } = plan;
    // Write, sync, verify, then move into place.
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".sealroom-seal-")
        .tempfile_in(&dir)
        .map_err(|e| io_error(format!("creating the archive in {}", dir.display()), e))?;
    // Locked while written: a later run removes it only if this one was killed
    // (it holds escrow shares and wraps).
    crate::store::fsutil::lock_partial(temp.as_file())
        .map_err(|e| io_error(format!("locking {}", temp.path().display()), e))?;
    let mtime = humantime::parse_rfc3339(sealed_at)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut writer = ArchiveWriter::new(
        std::io::BufWriter::with_capacity(
            256 * 1024,
            temp.reopen()
                .map_err(|e| io_error("opening the archive", e))?,
        ),
        mtime,
    );
    for (path, bytes) in small {
        writer.add_bytes(path, bytes)?;
    }
    writer.add_bytes(format::LOG_ENTRIES, &format::encode_entries(entries))?;
    writer.add_bytes(format::LOG_CHECKPOINT, checkpoint.as_bytes())?;
    writer.add_bytes(format::LOG_VERIFIER, format!("{verifier}\n").as_bytes())?;
    for (path, blob, size) in bodies {
        let file = blobs.get(blob)?;
        let entry = writer.add(
            path,
            *size,
            std::io::BufReader::with_capacity(256 * 1024, file),
        )?;
        if &entry.sha256 != blob {
            return Err(Error::integrity(format!(
                "the blob of {path} does not match its hash; nothing was sealed"
            ))
            .with_hint(crate::error::Hint::CheckVault));
        }
    }
    let members: Vec<MemberEntry> = writer.members.values().cloned().collect();
    let manifest = Manifest {
        format: format::FORMAT.to_owned(),
        case: reference.to_owned(),
        vault: vault_id.clone(),
        sealed_at: sealed_at.clone(),
        retain_until: retain_until.clone(),
        seal_entry: *seq,
        archivist: MemberRecord::new(&Role::Archivist, &archivist.card()),
        members,
    };
    let manifest_bytes = manifest.to_bytes()?;
    writer.add_bytes(format::MANIFEST, &manifest_bytes)?;
    writer.add_bytes(
        format::MANIFEST_SIG,
        Manifest::sign(&manifest_bytes, archivist).as_bytes(),
    )?;
    let buffered = writer.finish()?;
    let file = buffered
        .into_inner()
        .map_err(|e| io_error("writing the archive", e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_error("flushing the archive to disk", e))?;
    drop(file);
    let report = verify_archive(
        std::fs::File::open(temp.path()).map_err(|e| io_error("re-reading the archive", e))?,
        None,
    )
    .map_err(|e| {
        Error::integrity(format!(
            "the archive failed its own verification, so nothing was sealed: {}",
            e.message()
        ))
    })?;
    temp.persist_noclobber(out)
        .map_err(|e| io_error(format!("writing {}", out.display()), e.error))?;
    crate::store::fsutil::sync_parent(out)
        .map_err(|e| io_error("flushing the archive's folder", e))?;
    Ok(report)
}

fn roles_fingerprints(ctx: &crate::vault::CaseContext, role: &Role) -> Vec<String> {
    ctx.members
        .iter()
        .filter(|m| &m.role == role)
        .map(|m| m.card.fingerprint().to_hex())
        .collect()
}
