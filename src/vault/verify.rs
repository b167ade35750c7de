//! Checks made before a document key is used: the depositor's signed deposit, the
//! signed statement that binds the current body (the deposit, or a later rekey), and the
//! signed grant (with consent where the rules need it) behind the caller's wrap.
//!
//! These checks need only the case's statements and members, so a vault operator who
//! edits rows, swaps blobs or adds wraps is caught before any plaintext is released.

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::Connection;

use super::records::{DocumentRow, ESCROW_READER};
use super::{load_statement, CaseContext};
use crate::case::policy::{self, DocumentFacts, Owner, Role};
use crate::crypto::body::Encoding;
use crate::crypto::digest::{hex, sha256};
use crate::error::{Error, Result};
use crate::identity::Card;
use crate::log::statement::{Act, Deposit, SignedStatement, Statement};

/// What the current body of a document must be, as signed.
#[derive(Clone, Debug)]
pub(crate) struct BodyBinding {
    pub encoding: Encoding,
    pub blob_sha256: String,
}

/// A document whose deposit and current body have been checked.
#[derive(Clone, Debug)]
pub(crate) struct VerifiedDocument {
    pub deposit: Deposit,
    pub body: BodyBinding,
}

fn bad(ctx: &CaseContext, num: u64, what: &str) -> Error {
    Error::integrity(format!(
        "#{num} of case {} fails its checks ({what}); do not trust it and run `sealroom doctor`",
        ctx.reference
    ))
}

/// Where a checker finds statements: the database, or statements loaded beforehand
/// (so that many documents can be checked on several threads at once).
pub(crate) enum Source<'a> {
    /// Query the vault's database.
    Db(&'a Connection),
    /// A case's statements, by sequence number.
    Loaded(&'a HashMap<u64, SignedStatement>),
}

/// Checks statements once each: a statement that is both a deposit and a grant (the
/// usual case) has its signature verified once.
pub(crate) struct Checker<'a> {
    source: Source<'a>,
    verified: RefCell<HashMap<u64, (Statement, Card)>>,
}

impl<'a> Checker<'a> {
    /// A checker reading from `source`.
    pub(crate) fn new(source: Source<'a>) -> Self {
        Checker {
            source,
            verified: RefCell::new(HashMap::new()),
        }
    }

    /// Load statement `seq`, check it is for this case and signed by a member; return
    /// the statement and the signer's card.
    fn signed_by_member(&self, ctx: &CaseContext, seq: u64, num: u64) -> Result<(Statement, Card)> {
        if let Some(found) = self.verified.borrow().get(&seq) {
            return Ok(found.clone());
        }
        let signed: SignedStatement = match &self.source {
            Source::Db(conn) => load_statement(conn, ctx.id, seq)?,
            Source::Loaded(map) => map.get(&seq).cloned().ok_or_else(|| {
                Error::integrity(format!("statement {seq} is missing from the case log"))
            })?,
        };
        let statement = signed
            .statement()
            .map_err(|_| bad(ctx, num, "a statement about it is malformed"))?;
        if statement.case != ctx.reference || statement.seq != seq {
            return Err(bad(ctx, num, "a statement about it is out of place"));
        }
        let card = ctx
            .card_of(&statement.actor)
            .ok_or_else(|| bad(ctx, num, "a statement about it is by a non-member"))?;
        if !signed.verified_by(card) {
            return Err(bad(ctx, num, "a signature does not verify"));
        }
        let found = (statement, card.clone());
        self.verified.borrow_mut().insert(seq, found.clone());
        Ok(found)
    }

    /// Check the deposit statement and the statement binding the current body.
    pub(crate) fn verified_document(
        &self,
        ctx: &CaseContext,
        row: &DocumentRow,
    ) -> Result<VerifiedDocument> {
        let num = row.num;
        let (statement, _) = self.signed_by_member(ctx, row.statement_seq, num)?;
        let Act::Deposit(deposit) = statement.act else {
            return Err(bad(ctx, num, "its deposit statement is not a deposit"));
        };
        if statement.actor != row.depositor
            || statement.at != row.deposited_at
            || deposit.num != num
            || deposit.owner != row.owner
            || deposit.category.as_str() != row.category
            || deposit.confidential != row.confidential
        {
            return Err(bad(
                ctx,
                num,
                "the record differs from what the depositor signed",
            ));
        }
        let depositor_roles =
            ctx.roles_of(&crate::identity::Fingerprint::from_hex(&statement.actor)?);
        if policy::deposit_owner(
            &depositor_roles,
            deposit.category,
            match Owner::parse(&deposit.owner) {
                Owner::Party(ref l) => Some(l.as_str()),
                _ => None,
            },
        )
        .map(|o| o.label() != deposit.owner)
        .unwrap_or(true)
        {
            return Err(bad(
                ctx,
                num,
                "its depositor could not deposit it for that owner",
            ));
        }

        let (encoding, blob_sha256, blob_size, meta_sha256) = if row.body_seq == row.statement_seq {
            (
                deposit.encoding.clone(),
                deposit.blob_sha256.clone(),
                deposit.blob_size,
                deposit.meta_sha256.clone(),
            )
        } else {
            let (statement, card) = self.signed_by_member(ctx, row.body_seq, num)?;
            let Act::Revoke(revocation) = statement.act else {
                return Err(bad(
                    ctx,
                    num,
                    "its body is bound by a statement that is not a rekey",
                ));
            };
            let Some(rekey) = revocation.rekey else {
                return Err(bad(
                    ctx,
                    num,
                    "its body is bound by a revocation without a rekey",
                ));
            };
            let roles = ctx.roles_of(&card.fingerprint());
            policy::check_may_revoke(
                &roles,
                &row.facts(ctx)?,
                &revocation.from,
                &ctx.party_labels(),
            )
            .map_err(|_| bad(ctx, num, "it was re-keyed by someone without the right"))?;
            if revocation.num != num {
                return Err(bad(ctx, num, "its rekey statement is for another document"));
            }
            (
                rekey.encoding,
                rekey.blob_sha256,
                rekey.blob_size,
                rekey.meta_sha256,
            )
        };
        if blob_sha256 != row.blob
            || blob_size != row.blob_size
            || encoding != row.encoding
            || meta_sha256 != hex(&sha256(&row.meta))
        {
            return Err(bad(ctx, num, "its stored body differs from the signed one"));
        }
        Ok(VerifiedDocument {
            body: BodyBinding {
                encoding: Encoding::parse(&encoding)?,
                blob_sha256,
            },
            deposit,
        })
    }

    /// Check the grant behind `reader`'s wrap (made by statement `grant_seq`): a
    /// deposit or rekey naming the reader, or a disclosure the rules allowed, with the
    /// owner party's consent where it was needed.
    pub(crate) fn verified_grant(
        &self,
        ctx: &CaseContext,
        facts: &DocumentFacts,
        reader: &str,
        grant_seq: u64,
        wrap: &[u8],
    ) -> Result<()> {
        let num = facts.num;
        let unauthorised = |why: &str| {
            Error::integrity(format!(
                "the access to #{num} of case {} is unauthorised ({why}); run `sealroom doctor`",
                ctx.reference
            ))
        };
        let (statement, card) = self.signed_by_member(ctx, grant_seq, num)?;
        if statement.act.granted_wrap(num, reader) != Some(hex(&sha256(wrap)).as_str()) {
            return Err(Error::integrity(format!(
                "the key wrap of #{num} of case {} is damaged or was replaced (it is not the one its grant signs); run `sealroom doctor`",
                ctx.reference
            )));
        }
        let named =
            |readers: &[String]| reader == ESCROW_READER || readers.iter().any(|r| r == reader);
        match statement.act {
            Act::Deposit(d) if d.num == num && named(&d.readers) => Ok(()),
            Act::Revoke(r)
                if r.num == num && r.rekey.as_ref().is_some_and(|k| named(&k.readers)) =>
            {
                let roles = ctx.roles_of(&card.fingerprint());
                policy::check_may_revoke(&roles, facts, &r.from, &ctx.party_labels())
                    .map_err(|_| unauthorised("re-keyed by someone without the right"))
            }
            Act::Disclose(d) if d.num == num && reader != ESCROW_READER && named(&d.readers) => {
                let reader_fpr = crate::identity::Fingerprint::from_hex(reader)?;
                if !ctx
                    .roles_of(&reader_fpr)
                    .contains(&Role::Party(d.to.clone()))
                {
                    return Err(unauthorised(
                        "the reader is not in the party it was disclosed to",
                    ));
                }
                let has_consent = match d.consent {
                    None => false,
                    Some(seq) => {
                        self.verified_consent(ctx, facts, &d.to, seq)?;
                        true
                    }
                };
                let roles = ctx.roles_of(&card.fingerprint());
                policy::disclosure_basis(
                    &roles,
                    facts,
                    &d.to,
                    ctx.policy,
                    has_consent,
                    &ctx.party_labels(),
                )
                .map(|_| ())
                .map_err(|e| unauthorised(e.message()))
            }
            _ => Err(unauthorised("no statement grants it")),
        }
    }

    /// Check that statement `seq` is a consent to disclose `facts.num` to `to`, signed
    /// by a member of the owner party.
    pub(crate) fn verified_consent(
        &self,
        ctx: &CaseContext,
        facts: &DocumentFacts,
        to: &str,
        seq: u64,
    ) -> Result<()> {
        let (statement, card) = self.signed_by_member(ctx, seq, facts.num)?;
        let roles = ctx.roles_of(&card.fingerprint());
        match statement.act {
            Act::Consent { num, to: ref t } if num == facts.num && t == to => {
                policy::check_may_consent(&roles, facts, to, &ctx.party_labels()).map_err(|_| {
                    bad(
                        ctx,
                        facts.num,
                        "its consent was signed by someone who may not consent",
                    )
                })
            }
            _ => Err(bad(
                ctx,
                facts.num,
                "the consent it relies on is not a consent for it",
            )),
        }
    }
}
