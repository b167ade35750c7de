//! Controlled disclosure: consent, disclose, revoke (optionally re-keying the body) and
//! export to a standard age file. The rules are [`crate::case::policy`]'s; this module
//! checks them, does the cryptography, and records each act as a signed statement in
//! the same transaction as its effect.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::documents::check_row;
use super::records::{insert_wraps, load_row, ESCROW_READER};
use super::{CaseContext, Vault};
use crate::case::policy::{self, Audience, DisclosureBasis, Owner, Role};
use crate::crypto::body;
use crate::crypto::digest::{hex, sha256};
use crate::crypto::wrap::DocumentKey;
use crate::error::{Error, Result};
use crate::identity::{Card, Identity};
use crate::log::statement::{Act, Disclosure, Rekey, Revocation};
use crate::store::records::{BodyRow, CaseKey, ConsentRow, Records, RecordsTx};

/// The outcome of a consent.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Consented {
    /// Case number.
    pub num: u64,
    /// The party the document may go to.
    pub to: String,
    /// The consent statement (new, or the one already given).
    pub statement: u64,
    /// False when the same consent had already been given.
    pub new: bool,
}

/// The outcome of a disclosure.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Disclosed {
    /// Case number.
    pub num: u64,
    /// Receiving party.
    pub to: String,
    /// Names of the people newly given access.
    pub new_readers: Vec<String>,
    /// `owner`, `consent` or `discretion`.
    pub basis: String,
    /// The disclosure statement, if anything was granted.
    pub statement: Option<u64>,
    /// Who can read it now.
    pub readers: super::Readers,
}

/// The outcome of a revocation.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Revoked {
    /// Case number.
    pub num: u64,
    /// The party whose access was removed.
    pub from: String,
    /// Names of the people whose wraps were removed.
    pub removed: Vec<String>,
    /// Whether the body was re-encrypted under a new document key.
    pub rekeyed: bool,
    /// Whether a consent for that party was withdrawn with it.
    pub consent_withdrawn: bool,
    /// The revocation statement.
    pub statement: u64,
    /// Who can read it now.
    pub readers: super::Readers,
}

/// The outcome of an export.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Exported {
    /// Case number.
    pub num: u64,
    /// The age recipient it was encrypted to.
    pub recipient: String,
    /// Original size.
    pub size: u64,
    /// The export statement.
    pub statement: u64,
}

fn names(ctx: &CaseContext, fingerprints: &[String]) -> Vec<String> {
    fingerprints
        .iter()
        .map(|f| {
            ctx.card_of(f)
                .map(|c| c.name().to_owned())
                .unwrap_or_else(|| f[..16].to_owned())
        })
        .collect()
}

/// What a disclosure act is about: the live case, the actor's roles, the document.
struct Subject {
    roles: Vec<Role>,
    row: super::records::DocumentRow,
    facts: policy::DocumentFacts,
    /// Readers now, from the log.
    readers: Vec<String>,
}

/// The consents in force for `num`, from the log; the `consents` rows are a cache
/// that must say the same.
fn consents_in_force(
    conn: &dyn Records,
    ctx: &CaseContext,
    num: u64,
) -> Result<BTreeMap<String, u64>> {
    let signed: BTreeMap<String, u64> = ctx
        .replay
        .consents
        .iter()
        .filter(|((n, _), _)| *n == num)
        .map(|((_, to), seq)| (to.clone(), *seq))
        .collect();
    let stored: BTreeMap<String, u64> = conn
        .document_consents(ctx.id, num)?
        .into_iter()
        .map(|c| (c.to_label, c.seq))
        .collect();
    if stored != signed {
        let row = stored
            .iter()
            .find(|(to, seq)| signed.get(*to) != Some(seq))
            .map(|(to, _)| format!("the consents row for #{num} to {to}"))
            .unwrap_or_else(|| format!("a consents row for #{num}"));
        return Err(Error::integrity(format!(
            "{row} of case {} differs from the signed log (a consent was added, revived or deleted); nothing was done",
            ctx.reference
        ))
        .with_hint(crate::error::Hint::CheckVault));
    }
    Ok(signed)
}

impl Vault {
    /// The actor's roles in the (live, not sealed) case and document `num`, checked
    /// against the log: what every disclosure act starts from. Called inside the
    /// act's transaction.
    fn subject(
        &self,
        conn: &dyn Records,
        ctx: &CaseContext,
        actor: &Identity,
        num: u64,
    ) -> Result<Subject> {
        let roles = ctx.member_roles(actor)?;
        policy::check_live(ctx.state)?;
        let row = load_row(conn, ctx, num)?;
        let doc = check_row(ctx, &row)?;
        Ok(Subject {
            roles,
            facts: doc.facts.clone(),
            readers: doc.readers.iter().cloned().collect(),
            row,
        })
    }

    /// A member of the owner party consents to disclosing `num` to party `to`.
    pub fn consent(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        to: &str,
    ) -> Result<Consented> {
        self.record(reference, |r| {
            let Subject { roles, facts, .. } = self.subject(r.tx, r.ctx, actor, num)?;
            policy::check_may_consent(&roles, &facts, to, &r.ctx.party_labels())?;
            if let Some(seq) = consents_in_force(r.tx, r.ctx, num)?.get(to) {
                return Ok(Consented {
                    num,
                    to: to.to_owned(),
                    statement: *seq,
                    new: false,
                });
            }
            let (seq, _) = r.append_signed(
                actor,
                Act::Consent {
                    num,
                    to: to.to_owned(),
                },
            )?;
            r.tx.insert_consent(
                r.ctx.id,
                &ConsentRow {
                    num,
                    to_label: to.to_owned(),
                    seq,
                },
            )?;
            Ok(Consented {
                num,
                to: to.to_owned(),
                statement: seq,
                new: true,
            })
        })
    }

    /// Wrap the key of `num` for every member of party `to`, as the rules allow.
    pub fn disclose(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        to: &str,
    ) -> Result<Disclosed> {
        self.record(reference, |r| {
            let Subject {
                roles,
                facts,
                readers: current,
                ..
            } = self.subject(r.tx, r.ctx, actor, num)?;
            policy::check_disclosure_target(&facts, to, &r.ctx.party_labels())?;
            let consent = consents_in_force(r.tx, r.ctx, num)?.get(to).copied();
            let basis = policy::disclosure_basis(
                &roles,
                &facts,
                to,
                r.ctx.policy,
                consent.is_some(),
                &r.ctx.party_labels(),
            );
            let new_readers: Vec<Card> = r
                .ctx
                .cards_in(&Audience::Party(to.to_owned()))
                .into_iter()
                .filter(|c| !current.contains(&c.fingerprint().to_hex()))
                .collect();
            let basis_name = |b: &DisclosureBasis| match b {
                DisclosureBasis::Owner => "owner",
                DisclosureBasis::Consent => "consent",
                DisclosureBasis::Discretion => "discretion",
            };
            if new_readers.is_empty() {
                // Nothing to grant: say so, whether or not this actor could have granted it
                // (a refusal about consent would contradict what the owner is told).
                let basis = match &basis {
                    Ok(b) => basis_name(b),
                    Err(e) if e.kind() == crate::ErrorKind::Refused => "none",
                    Err(_) => return Err(basis.unwrap_err()),
                };
                self.open_document(r.tx, actor, r.ctx, num)?;
                return Ok(Disclosed {
                    num,
                    to: to.to_owned(),
                    new_readers: vec![],
                    basis: basis.to_owned(),
                    statement: None,
                    readers: r.ctx.readers_of(&current),
                });
            }
            let basis = basis?;
            let basis_name = basis_name(&basis);
            let doc = self.open_document(r.tx, actor, r.ctx, num)?;
            let mut wraps = Vec::with_capacity(new_readers.len());
            for card in &new_readers {
                wraps.push((
                    card.fingerprint().to_hex(),
                    doc.key
                        .wrap_with_metadata(&card.age_recipient(), &doc.meta_plain)?,
                ));
            }
            let fingerprints: Vec<String> = wraps.iter().map(|(f, _)| f.clone()).collect();
            let (seq, _) = r.append_signed(
                actor,
                Act::Disclose(Disclosure {
                    num,
                    to: to.to_owned(),
                    readers: fingerprints.clone(),
                    wraps: super::records::wrap_digests(&wraps, &fingerprints).0,
                    consent: if basis == DisclosureBasis::Consent {
                        consent
                    } else {
                        None
                    },
                }),
            )?;
            insert_wraps(r.tx, r.ctx.id, num, &wraps, seq)?;
            let now: Vec<String> = r.ctx.replay.docs[&num].readers.iter().cloned().collect();
            Ok(Disclosed {
                num,
                to: to.to_owned(),
                new_readers: names(r.ctx, &fingerprints),
                basis: basis_name.to_owned(),
                statement: Some(seq),
                readers: r.ctx.readers_of(&now),
            })
        })
    }

    /// Remove party `from`'s access to `num`; with `rekey`, re-encrypt the body under a
    /// new document key for those who keep access, so copies of old wraps open nothing
    /// current. Any consent for that party is withdrawn with it. Everything happens
    /// under the case's lock, the re-encryption included, so no grant can slip in
    /// between the decision and the record.
    pub fn revoke(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        from: &str,
        rekey: bool,
    ) -> Result<Revoked> {
        if rekey {
            self.record_reads_first(actor, reference, &[num])?;
        }
        let mut made: Option<String> = None;
        let recorded = self.record(reference, |r| {
        let Subject {
            roles,
            row,
            facts,
            readers: current,
        } = self.subject(r.tx, r.ctx, actor, num)?;
        policy::check_may_revoke(&roles, &facts, from, &r.ctx.party_labels())?;

        // People keep access through any other role: mediators, and the owner party.
        let entitled_otherwise = |card: &Card| {
            let r = r.ctx.roles_of(&card.fingerprint());
            r.contains(&Role::Mediator)
                || matches!(&facts.owner, Owner::Party(l) if r.contains(&Role::Party(l.clone())))
        };
        let losing: Vec<String> = r.ctx
            .cards_in(&Audience::Party(from.to_owned()))
            .into_iter()
            .filter(|c| !entitled_otherwise(c))
            .map(|c| c.fingerprint().to_hex())
            .collect();
        let removed: Vec<String> = current
            .iter()
            .filter(|r| losing.contains(r))
            .cloned()
            .collect();
        let consent = consents_in_force(r.tx, r.ctx, num)?.get(from).copied();
        if removed.is_empty() && !rekey && consent.is_none() {
            return Err(Error::refused(format!(
                "the {from} party cannot read #{num}, so there is nothing to revoke"
            ))
            .with_hint(crate::error::Hint::RekeyAnyway));
        }
        // Readers who are no longer members (removed from the case) lose their wrap
        // with any re-keying too.
        let kept: Vec<String> = current
            .iter()
            .filter(|f| !removed.contains(f) && r.ctx.card_of(f).is_some())
            .cloned()
            .collect();

        let new_body = if rekey {
            let body = self.rekey_body(r.tx, actor, r.ctx, num, &kept)?;
            made = Some(body.statement.blob_sha256.clone());
            Some(body)
        } else {
            None
        };
            let (seq, _) = r.append_signed(actor,
                Act::Revoke(Revocation {
                    num,
                    from: from.to_owned(),
                    removed: removed.clone(),
                    rekey: new_body.as_ref().map(|b| b.statement.clone()),
                }),
            )?;
            r.tx.delete_consent(r.ctx.id, num, from)?;
            match &new_body {
                None => {
                    for reader in &removed {
                        r.tx.delete_wrap(r.ctx.id, num, reader)?;
                    }
                }
                Some(body) => store_new_body(r.tx, r.ctx.id, num, body, seq)?,
            }
            let now: Vec<String> = r.ctx.replay.docs[&num].readers.iter().cloned().collect();
            let revoked = Revoked {
                num,
                from: from.to_owned(),
                removed: names(r.ctx, &removed),
                rekeyed: rekey,
                consent_withdrawn: consent.is_some(),
                statement: seq,
                readers: r.ctx.readers_of(&now),
            };
            Ok((revoked, new_body.is_some().then_some(row.blob)))
        });
        let (revoked, old_blob) = match recorded {
            Ok(done) => done,
            Err(e) => {
                // A new body written for an act that was not recorded is unreferenced.
                if let Some(blob) = made {
                    let _ = self.blobs.remove(&blob);
                }
                return Err(e);
            }
        };
        if let Some(blob) = old_blob {
            // The old body is unreferenced now; a crash here leaves it for `doctor`.
            let _ = self.blobs.remove(&blob);
        }
        Ok(revoked)
    }

    /// Re-encrypt document `num` under a fresh key, wrapped for `kept` and escrow.
    /// The new blob is durable when this returns; the caller commits or removes it.
    pub(super) fn rekey_body(
        &self,
        conn: &dyn Records,
        actor: &Identity,
        ctx: &CaseContext,
        num: u64,
        kept: &[String],
    ) -> Result<NewBody> {
        let doc = self.open_document(conn, actor, ctx, num)?;
        let key = DocumentKey::generate();
        let recipient = key.recipient();
        let old_blob = self.checked_blob(&doc, self.blobs.get(&doc.blob_sha256)?)?;
        let plaintext = body::decrypting_reader(
            std::io::BufReader::with_capacity(256 * 1024, old_blob),
            doc.key.identity(),
            doc.encoding,
        )?;
        // One byte past the signed size is enough to refuse a body that grew.
        let plaintext = std::io::Read::take(plaintext, doc.meta.size.saturating_add(1));
        let (blob, sealed) = self
            .blobs
            .write(|out| body::seal(plaintext, &recipient, out))?;
        let result = (|| {
            if hex(&sealed.plain_sha256) != doc.meta.sha256 || sealed.plain_size != doc.meta.size {
                return Err(Error::integrity(format!(
                    "#{num}'s contents do not match their signed hash; nothing was changed"
                )));
            }
            // The same metadata bytes, so the depositor's commitment still holds.
            let meta = body::seal_small(&doc.meta_plain, &recipient)?;
            let mut wraps = Vec::with_capacity(kept.len() + 1);
            for reader in kept {
                let card = ctx.card_of(reader).ok_or_else(|| {
                    Error::integrity(format!("#{num} has a wrap for someone who is not a member"))
                })?;
                let wrap = key.wrap_with_metadata(&card.age_recipient(), &doc.meta_plain)?;
                wraps.push((reader.clone(), wrap));
            }
            if doc.facts.category.escrowed() {
                let escrow: age::x25519::Recipient = ctx
                    .escrow_recipient
                    .parse()
                    .map_err(|_| Error::integrity("the case's escrow recipient is damaged"))?;
                wraps.push((ESCROW_READER.to_owned(), key.wrap_to(&escrow)?));
            }
            let (wrap_hashes, escrow_wrap) = super::records::wrap_digests(&wraps, kept);
            Ok(NewBody {
                statement: Rekey {
                    encoding: sealed.encoding.as_str().to_owned(),
                    blob_sha256: blob.sha256.clone(),
                    blob_size: blob.size,
                    meta_sha256: hex(&sha256(&meta)),
                    readers: kept.to_vec(),
                    wraps: wrap_hashes,
                    escrow_wrap,
                },
                meta,
                wraps,
            })
        })();
        if result.is_err() {
            let _ = self.blobs.remove(&blob.sha256);
        }
        result
    }

    /// Export `num` as a standard age file (the original bytes, uncompressed) to an
    /// outside age recipient, as [`policy::export_basis`] allows (the owner party, or a
    /// mediator with the owner's consent `--to external` where a disclosure would need
    /// it); the export is recorded first.
    pub fn export(
        &mut self,
        actor: &Identity,
        reference: &str,
        num: u64,
        recipient: &crate::crypto::recipient::ExportRecipient,
        output: impl Write,
    ) -> Result<Exported> {
        let (doc, seq, blob) = self.record(reference, |r| {
            let roles = r.ctx.member_roles(actor)?;
            policy::check_live(r.ctx.state)?;
            let doc = self.open_document(r.tx, actor, r.ctx, num)?;
            // Export is disclosure to someone outside the case.
            let consent = consents_in_force(r.tx, r.ctx, num)?
                .get(policy::EXTERNAL)
                .copied();
            let depositor = &r.ctx.replay.docs[&num].depositor;
            policy::export_basis(
                &roles,
                &doc.facts,
                r.ctx.policy,
                consent.is_some(),
                *depositor == actor.fingerprint().to_hex(),
            )?;
            let (seq, _) = r.append_signed(
                actor,
                Act::Export {
                    num,
                    recipient: recipient.to_string(),
                },
            )?;
            let blob = self.blob_under_lock(&doc)?;
            Ok((doc, seq, blob))
        })?;
        let blob = self.blob_after_record(&doc, blob)?;
        let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient.as_age()))
            .map_err(|_| Error::usage("that recipient cannot be encrypted to"))?;
        let mut age_out = encryptor
            .wrap_output(output)
            .map_err(|e| crate::error::io_error("writing the export", e))?;
        self.stream_plaintext(&doc, blob, &mut age_out)?;
        age_out
            .finish()
            .and_then(|mut w| w.flush())
            .map_err(|e| crate::error::io_error("writing the export", e))?;
        Ok(Exported {
            num,
            recipient: recipient.to_string(),
            size: doc.meta.size,
            statement: seq,
        })
    }
}

/// A re-encrypted body waiting for its transaction.
/// Record a re-encrypted body (written by statement `seq`) in the caches: the document
/// row's body columns, and its wraps replaced by the new ones.
pub(super) fn store_new_body(
    tx: &dyn RecordsTx,
    case_id: CaseKey,
    num: u64,
    body: &NewBody,
    seq: u64,
) -> Result<()> {
    tx.replace_body(
        case_id,
        num,
        &BodyRow {
            encoding: body.statement.encoding.clone(),
            blob: body.statement.blob_sha256.clone(),
            blob_size: body.statement.blob_size,
            meta: body.meta.clone(),
            body_seq: seq,
        },
    )?;
    tx.delete_document_wraps(case_id, num)?;
    insert_wraps(tx, case_id, num, &body.wraps, seq)
}

pub(super) struct NewBody {
    pub(super) statement: Rekey,
    pub(super) meta: Vec<u8>,
    pub(super) wraps: Vec<(String, Vec<u8>)>,
}
