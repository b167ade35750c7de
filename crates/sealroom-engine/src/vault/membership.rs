//! Membership that changes during a case: a registrar removes or replaces a member;
//! a current reader grants a document to a member entitled to it (co-counsel added
//! later, a replacement identity) or re-keys documents away from former members.
//!
//! Only readers can pass a document key on, so the registrar (who rarely reads) does
//! what it can itself and reports the rest: which documents still need a grant or a
//! rekey, and who can do it. Every grant and rekey is its own signed statement.

use serde::Serialize;

use super::cases::insert_member;
use super::{CaseContext, Joined, MemberView, Vault};
use crate::case::charter::MemberRecord;
use crate::case::policy::{self, Role};
use crate::crypto::digest::{hex, sha256};
use crate::error::{Error, Input, Result};
use crate::identity::{Card, Identity};
use crate::log::statement::{Act, Grant, Rekeying};

/// The outcome of removing or replacing a member.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct MemberChange {
    /// Case reference.
    pub case: String,
    /// The member removed.
    pub removed: MemberView,
    /// The member added in their place (replace only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<MemberView>,
    /// The removal or replacement statement.
    pub statement: u64,
    /// Live documents the removed member could read (they still hold those keys).
    pub could_read: Vec<u64>,
    /// Of those, the documents re-keyed away from them by this command.
    pub rekeyed: Vec<u64>,
    /// Of those, the documents granted to the new member by this command.
    pub granted: Vec<u64>,
    /// Documents this command could not re-key or grant (its actor cannot read them):
    /// a current reader must.
    pub pending: Vec<u64>,
}

/// The outcome of `grant`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Granted {
    /// Case reference.
    pub case: String,
    /// The member given access.
    pub to: MemberView,
    /// Documents granted, with the statement of each.
    pub granted: Vec<(u64, u64)>,
}

/// The outcome of `rekey`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Rekeyed {
    /// Case reference.
    pub case: String,
    /// Documents re-keyed, with the statement of each.
    pub rekeyed: Vec<(u64, u64)>,
    /// Names of the former members whose keys open nothing current now.
    pub dropped: Vec<String>,
}

fn view(role: &Role, card: &Card) -> MemberView {
    MemberView::of(role, card)
}

/// The live documents `who` can read now.
fn readable_by(ctx: &CaseContext, who: &str) -> Vec<u64> {
    ctx.replay
        .docs
        .iter()
        .filter(|(_, d)| d.readers.contains(who) && d.live_in(ctx.state))
        .map(|(n, _)| *n)
        .collect()
}

fn delete_member(
    tx: &dyn crate::store::records::RecordsTx,
    case_id: crate::store::records::CaseKey,
    role: &Role,
    card: &Card,
) -> Result<()> {
    tx.delete_member(
        case_id,
        role.kind(),
        match role {
            Role::Party(l) => l.as_str(),
            _ => "",
        },
        &card.fingerprint().to_hex(),
    )?;
    Ok(())
}

impl Vault {
    /// Remove `card` from `role` in case `reference` (a registrar). From the removal
    /// on the member gets no new wraps or grants and may not act. With `rekey`, the
    /// documents they could read that `actor` can read are re-encrypted away from
    /// them; the rest are reported as pending for a current reader's `rekey`.
    pub fn remove_member(
        &mut self,
        actor: &Identity,
        reference: &str,
        role: Role,
        card: &Card,
        rekey: bool,
    ) -> Result<MemberChange> {
        let (seq, could_read) = self.record(reference, |r| {
            let roles = r.ctx.member_roles(actor)?;
            policy::check_may_change_members(&roles, r.ctx.state)?;
            let fpr = card.fingerprint().to_hex();
            if !r.ctx.replay.roles_of(&fpr).contains(&role) {
                return Err(Error::refused(format!(
                    "{} is not {role} in case {reference}",
                    card.name()
                )));
            }
            if r.ctx.members.iter().filter(|m| m.role == role).count() < 2 {
                return Err(Error::refused(format!(
                    "{} is the last {} of case {reference}",
                    card.name(),
                    match &role {
                        Role::Party(l) => format!("member of the {l} party"),
                        other => other.kind().to_owned(),
                    }
                ))
                .with_hint(crate::error::Hint::ReplaceMember));
            }
            let could_read = readable_by(r.ctx, &fpr);
            let (seq, _) = r.append_signed(
                actor,
                Act::RemoveMember {
                    member: MemberRecord::new(&role, card),
                },
            )?;
            delete_member(r.tx, r.ctx.id, &role, card)?;
            Ok((seq, could_read))
        })?;
        let (rekeyed, pending) = if rekey {
            self.rekey_what_i_can(actor, reference, &could_read)?
        } else {
            (Vec::new(), could_read.clone())
        };
        Ok(MemberChange {
            case: reference.to_owned(),
            removed: view(&role, card),
            added: None,
            statement: seq,
            could_read,
            rekeyed,
            granted: Vec::new(),
            pending,
        })
    }

    /// Replace `old` by `new` in the same role (a registrar): for a lost or
    /// compromised identity. The new member is granted what the old could read where
    /// `actor` can read it; the documents left are reported as pending (a member of the
    /// same party, or a mediator, grants them with `grant --all`, and a reader re-keys
    /// them away from the old key with `rekey --all`).
    pub fn replace_member(
        &mut self,
        actor: &Identity,
        reference: &str,
        old: &Card,
        new: &Card,
    ) -> Result<MemberChange> {
        let (seq, could_read, can, role) = self.record(reference, |r| {
            let roles = r.ctx.member_roles(actor)?;
            policy::check_may_change_members(&roles, r.ctx.state)?;
            let old_fpr = old.fingerprint().to_hex();
            let changeable: Vec<Role> = r
                .ctx
                .replay
                .roles_of(&old_fpr)
                .into_iter()
                .filter(|r| matches!(r, Role::Party(_) | Role::Mediator))
                .collect();
            let role = match changeable.as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(Error::refused(format!(
                        "{} is not a party member or mediator of case {reference}",
                        old.name()
                    )))
                }
                _ => {
                    return Err(Error::refused(format!(
                    "{} holds several roles in case {reference}; remove and add them role by role",
                    old.name()
                )))
                }
            };
            if old.fingerprint() == new.fingerprint() {
                return Err(
                    Error::usage("the old and the new card are the same").about(Input::Cards)
                );
            }
            let placed: Vec<_> = r
                .ctx
                .replay
                .placed()
                .into_iter()
                .filter(|(r, f, _)| !(*r == role && *f == old_fpr))
                .collect();
            policy::check_new_member(&placed, &role, &new.fingerprint().to_hex(), new.name())?;
            let could_read = readable_by(r.ctx, &old_fpr);
            let new_record = MemberRecord::new(&role, new);
            let (seq, _) = r.append_signed(
                actor,
                Act::ReplaceMember {
                    old: MemberRecord::new(&role, old),
                    new: new_record.clone(),
                },
            )?;
            delete_member(r.tx, r.ctx.id, &role, old)?;
            insert_member(r.tx, r.ctx.id, &new_record, seq)?;
            // What the registrar can pass on itself.
            let mine = actor.fingerprint().to_hex();
            let can: Vec<u64> = could_read
                .iter()
                .copied()
                .filter(|n| r.ctx.replay.docs[n].readers.contains(&mine))
                .collect();
            Ok((seq, could_read, can, role))
        })?;
        let granted = if can.is_empty() {
            Vec::new()
        } else {
            self.grant(actor, reference, Some(&can), new)?
                .granted
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        let pending = could_read
            .iter()
            .copied()
            .filter(|n| !granted.contains(n))
            .collect();
        Ok(MemberChange {
            case: reference.to_owned(),
            removed: view(&role, old),
            added: Some(view(&role, new)),
            statement: seq,
            could_read,
            rekeyed: Vec::new(),
            granted,
            pending,
        })
    }

    /// Give member `to` a wrap of each document in `nums` (or, with `None`, of every
    /// live document `actor` can read that `to` is entitled to and cannot read yet):
    /// their own party's documents, documents disclosed to their party, and what their
    /// role reads by the category table. One signed statement per document, all in one
    /// transaction.
    pub fn grant(
        &mut self,
        actor: &Identity,
        reference: &str,
        nums: Option<&[u64]>,
        to: &Card,
    ) -> Result<Granted> {
        let (granted, to_roles) = self.record(reference, |r| {
        r.ctx.member_roles(actor)?;
        policy::check_live(r.ctx.state)?;
        let to_fpr = to.fingerprint().to_hex();
        let to_roles = r.ctx.replay.roles_of(&to_fpr);
        if to_roles.is_empty() {
            return Err(Error::refused(format!(
                "{} is not a member of case {reference}; the registrar adds members first",
                to.name()
            )));
        }
        let mine = actor.fingerprint().to_hex();
        let todo: Vec<u64> = match nums {
            Some(n) => n.to_vec(),
            None => r.ctx
                .replay
                .docs
                .iter()
                .filter(|(n, d)| {
                    d.live_in(r.ctx.state)
                        && d.readers.contains(&mine)
                        && !d.readers.contains(&to_fpr)
                        && r.ctx
                            .replay
                            .entitled(**n, &to_roles, &to_fpr)
                            .unwrap_or(false)
                })
                .map(|(n, _)| *n)
                .collect(),
        };
        let mut granted = Vec::new();
        for num in todo {
            let doc = self.open_document(r.tx, actor, r.ctx, num)?;
            let replayed = &r.ctx.replay.docs[&num];
            if replayed.readers.contains(&to_fpr) {
                return Err(Error::refused(format!(
                    "{} can already read #{num}",
                    to.name()
                )));
            }
            if !r.ctx.replay.entitled(num, &to_roles, &to_fpr)? {
                return Err(Error::refused(format!(
                    "{} is not entitled to #{num}: it is not their party's, not disclosed to their party, and their role does not read it (a disclosure or consent decides that)",
                    to.name()
                )));
            }
            let wrap = doc
                .key
                .wrap_with_metadata(&to.age_recipient(), &doc.meta_plain)?;
            let (seq, _) = r.append_signed(actor,
                Act::Grant(Grant {
                    num,
                    to: to_fpr.clone(),
                    wrap: hex(&sha256(&wrap)),
                }),
            )?;
            super::records::insert_wraps(r.tx, r.ctx.id, num, &[(to_fpr.clone(), wrap)], seq)?;
            granted.push((num, seq));
        }
            Ok((granted, to_roles))
        })?;
        Ok(Granted {
            case: reference.to_owned(),
            to: view(&to_roles[0], to),
            granted,
        })
    }

    /// Re-encrypt each document in `nums` (or, with `None`, every live document
    /// `actor` can read that a former member could read) under a new key for its
    /// readers who are still members, so the keys former members kept open nothing
    /// current. One signed statement per document, all in one transaction.
    pub fn rekey(
        &mut self,
        actor: &Identity,
        reference: &str,
        nums: Option<&[u64]>,
    ) -> Result<Rekeyed> {
        // Across the network the reads go on the record first (see
        // `record_reads_first`), so the documents are chosen once, up front.
        let chosen;
        let nums = if self.is_remote() {
            let db = self.read_tx()?;
            let ctx = self.load(&*db, reference, Joined::Required)?;
            drop(db);
            chosen = rekey_todo(&ctx, actor, nums);
            self.record_reads_first(actor, reference, &chosen)?;
            Some(chosen.as_slice())
        } else {
            nums
        };
        let mut written: Vec<String> = Vec::new();
        let recorded = self.record(reference, |r| {
            r.ctx.member_roles(actor)?;
            policy::check_live(r.ctx.state)?;
            let former = |d: &crate::log::replay::ReplayDoc, ctx: &CaseContext| -> Vec<String> {
                d.readers
                    .iter()
                    .filter(|f| ctx.card_of(f).is_none())
                    .cloned()
                    .collect()
            };
            let todo = rekey_todo(r.ctx, actor, nums);
            let mut old_blobs = Vec::new();
            let mut rekeyed = Vec::new();
            let mut dropped_all = std::collections::BTreeSet::new();
            for num in todo {
                let doc = &r.ctx.replay.docs[&num];
                let dropped = former(doc, r.ctx);
                let kept: Vec<String> = doc
                    .readers
                    .iter()
                    .filter(|f| !dropped.contains(f))
                    .cloned()
                    .collect();
                let old_blob = doc.body.blob_sha256.clone();
                let body = self.rekey_body(r.tx, actor, r.ctx, num, &kept)?;
                written.push(body.statement.blob_sha256.clone());
                let (seq, _) = r.append_signed(
                    actor,
                    Act::Rekey(Rekeying {
                        num,
                        dropped: dropped.clone(),
                        rekey: body.statement.clone(),
                    }),
                )?;
                super::disclosure::store_new_body(r.tx, r.ctx.id, num, &body, seq)?;
                old_blobs.push(old_blob);
                dropped_all.extend(dropped);
                rekeyed.push((num, seq));
            }
            Ok((old_blobs, rekeyed, dropped_all))
        });
        let (old_blobs, rekeyed, dropped_all) = match recorded {
            Ok(done) => done,
            Err(e) => {
                // New bodies written for re-keyings that were not recorded.
                for blob in &written {
                    let _ = self.blobs.remove(blob);
                }
                return Err(e);
            }
        };
        // Unreferenced now; a crash here leaves them for `doctor`.
        for blob in &old_blobs {
            let _ = self.blobs.remove(blob);
        }
        Ok(Rekeyed {
            case: reference.to_owned(),
            rekeyed,
            dropped: dropped_all
                .iter()
                .map(|f| format!("a former member ({})", &f[..16]))
                .collect(),
        })
    }

    /// Re-key what `actor` can read among `nums`; the rest is pending.
    fn rekey_what_i_can(
        &mut self,
        actor: &Identity,
        reference: &str,
        nums: &[u64],
    ) -> Result<(Vec<u64>, Vec<u64>)> {
        let mine = actor.fingerprint().to_hex();
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::Required)?;
        drop(tx);
        let (can, cannot): (Vec<u64>, Vec<u64>) = nums
            .iter()
            .partition(|n| ctx.replay.docs[n].readers.contains(&mine));
        if can.is_empty() {
            return Ok((Vec::new(), cannot));
        }
        let done = self.rekey(actor, reference, Some(&can))?;
        Ok((done.rekeyed.into_iter().map(|(n, _)| n).collect(), cannot))
    }
}

/// The documents a re-keying by `actor` covers: those named, or else every live one
/// `actor` reads that a former member could still open.
fn rekey_todo(ctx: &CaseContext, actor: &Identity, nums: Option<&[u64]>) -> Vec<u64> {
    let mine = actor.fingerprint().to_hex();
    match nums {
        Some(n) => n.to_vec(),
        None => ctx
            .replay
            .docs
            .iter()
            .filter(|(_, d)| {
                d.live_in(ctx.state)
                    && d.readers.contains(&mine)
                    && d.readers.iter().any(|f| ctx.card_of(f).is_none())
            })
            .map(|(n, _)| *n)
            .collect(),
    }
}
