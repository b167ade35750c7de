//! Case operations: open (charter and escrow), show, list, add a member, close.

use serde::Serialize;

use super::{CaseContext, Joined, Vault};
use crate::case::charter::{Charter, MemberRecord};
use crate::case::policy::{self, CaseState, Policy, Role};
use crate::crypto::{body::seal_small, escrow};
use crate::error::{Error, Result};
use crate::identity::{Card, Identity};
use crate::log::statement::Act;
use crate::store::records::{CaseKey, CaseRow, MemberRow, RecordsTx, ShareRow};

/// What `case open` needs besides the registrar's identity: made with
/// [`CaseSpec::new`] and its setters, so it can grow without breaking anyone.
///
/// ```
/// # use sealroom_engine::{Identity, vault::CaseSpec, policy::Policy};
/// # let [m, c, r, a] = ["M", "C", "R", "A"].map(|n| Identity::generate(n).unwrap());
/// let spec = CaseSpec::new("IOMed-2026-001", a.card())
///     .mediator(m.card())
///     .party("claimant", c.card())
///     .party("respondent", r.card())
///     .policy(Policy::Discretion);
/// assert_eq!(spec.threshold, 1);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CaseSpec {
    /// Case reference.
    pub reference: String,
    /// Optional public title.
    pub title: Option<String>,
    /// Disclosure policy.
    pub policy: Policy,
    /// Shares needed to open the escrow key.
    pub threshold: u32,
    /// Mediators' cards.
    pub mediators: Vec<Card>,
    /// Party members: label and card (a label may repeat for co-counsel).
    pub parties: Vec<(String, Card)>,
    /// The archivist's card.
    pub archivist: Card,
    /// Custodians' cards (none: the archivist holds the escrow key alone).
    pub custodians: Vec<Card>,
}

impl CaseSpec {
    /// A case called `reference` with its archivist: consent policy, no title, no
    /// members yet, and a threshold of 1.
    pub fn new(reference: impl Into<String>, archivist: Card) -> Self {
        CaseSpec {
            reference: reference.into(),
            title: None,
            policy: Policy::Consent,
            threshold: 1,
            mediators: Vec::new(),
            parties: Vec::new(),
            archivist,
            custodians: Vec::new(),
        }
    }

    /// A public title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The disclosure policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// How many custodians it takes to open the escrow key.
    pub fn threshold(mut self, threshold: u32) -> Self {
        self.threshold = threshold;
        self
    }

    /// Add a mediator.
    pub fn mediator(mut self, card: Card) -> Self {
        self.mediators.push(card);
        self
    }

    /// Add a member of party `label` (a label may repeat, for co-counsel).
    pub fn party(mut self, label: impl Into<String>, card: Card) -> Self {
        self.parties.push((label.into(), card));
        self
    }

    /// Add a custodian of the escrow key.
    pub fn custodian(mut self, card: Card) -> Self {
        self.custodians.push(card);
        self
    }

    /// Add custodians of the escrow key.
    pub fn custodians(mut self, cards: impl IntoIterator<Item = Card>) -> Self {
        self.custodians.extend(cards);
        self
    }
}

/// One member, for display.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct MemberView {
    /// Role kind.
    pub role: String,
    /// Party label, for party members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Name from the card.
    pub name: String,
    /// Short fingerprint.
    pub fingerprint: String,
}

impl MemberView {
    /// The view of `card` in `role`.
    pub fn of(role: &Role, card: &Card) -> MemberView {
        MemberView {
            role: role.kind().to_owned(),
            label: match role {
                Role::Party(l) => Some(l.clone()),
                _ => None,
            },
            name: card.name().to_owned(),
            fingerprint: card.fingerprint().short(),
        }
    }
}

/// A case, for display.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct CaseSummary {
    /// Reference (`case` in JSON, like every other command's output).
    #[serde(rename = "case")]
    pub reference: String,
    /// Public title.
    pub title: Option<String>,
    /// `open`, `closed`, `sealed` or `destroyed`.
    pub state: String,
    /// Disclosure policy.
    pub policy: String,
    /// Escrow threshold `m`.
    pub threshold: u32,
    /// Number of escrow share holders `n`.
    pub custodians: usize,
    /// When the case was opened.
    pub opened_at: String,
    /// Number of documents deposited.
    pub documents: u64,
    /// The statement the command that returned this summary added to the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<u64>,
    /// Members.
    pub members: Vec<MemberView>,
    /// SHA-256 of the charter statement's log leaf, in groups of four hex digits: what
    /// the registrar reads out to members, and `case join --charter` takes.
    pub charter_fingerprint: String,
}

/// The outcome of joining a case.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct JoinedCase {
    /// The case as verified.
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// True when the fingerprint was not checked (`--trust-on-first-use`).
    pub trusted_on_first_use: bool,
    /// True when this member had joined the case before (the pin only advanced).
    pub already_joined: bool,
    /// How many log entries were verified.
    pub entries: u64,
}

impl Vault {
    /// Open a case with `registrar` as its registrar. The escrow key is made, split,
    /// each share wrapped to its custodian, and the whole secret dropped (zeroized).
    pub fn open_case(&mut self, registrar: &Identity, spec: CaseSpec) -> Result<CaseSummary> {
        let mut members = vec![MemberRecord::new(&Role::Registrar, &registrar.card())];
        for m in &spec.mediators {
            members.push(MemberRecord::new(&Role::Mediator, m));
        }
        for (label, card) in &spec.parties {
            policy::check_label(label)?;
            members.push(MemberRecord::new(&Role::Party(label.clone()), card));
        }
        members.push(MemberRecord::new(&Role::Archivist, &spec.archivist));
        for c in &spec.custodians {
            members.push(MemberRecord::new(&Role::Custodian, c));
        }
        // Validate before making any key material.
        let mut charter = Charter {
            reference: spec.reference.clone(),
            title: spec.title.clone(),
            policy: spec.policy,
            threshold: spec.threshold,
            escrow_recipient: age::x25519::Identity::generate().to_public().to_string(),
            members,
            escrow_shares: Vec::new(),
        };
        charter.validate()?;
        if self.now().case(&spec.reference)?.is_some() {
            return Err(Error::refused(format!(
                "a case `{}` already exists in this vault",
                spec.reference
            )));
        }

        let (escrow_recipient, shares) =
            escrow::make(spec.threshold as usize, spec.custodians.len())?;
        charter.escrow_recipient = escrow_recipient.to_string();
        let holders: Vec<&Card> = if spec.custodians.is_empty() {
            vec![&spec.archivist]
        } else {
            spec.custodians.iter().collect()
        };
        let mut wrapped = Vec::with_capacity(holders.len());
        for (holder, share) in holders.iter().zip(&shares) {
            let record = escrow::ShareRecord {
                case: spec.reference.clone(),
                escrow: charter.escrow_recipient.clone(),
                threshold: spec.threshold,
                share: escrow::Share {
                    index: share.index,
                    bytes: share.bytes.clone(),
                },
            };
            let text = record.to_text();
            wrapped.push((
                holder.fingerprint().to_hex(),
                seal_small(text.as_bytes(), &holder.age_recipient())?,
            ));
        }
        drop(shares);
        charter.escrow_shares = wrapped
            .iter()
            .map(|(holder, share)| crate::case::charter::ShareDigest {
                holder: holder.clone(),
                sha256: crate::crypto::digest::hex(&crate::crypto::digest::sha256(share)),
            })
            .collect();
        charter.validate_signed()?;

        let signer = self.log_signer()?;

        let tx = self.write_tx(&charter.reference)?;
        let case_id = tx.insert_case(&CaseRow {
            reference: charter.reference.clone(),
            title: charter.title.clone(),
            policy: charter.policy.as_str().to_owned(),
            state: CaseState::Open.as_str().to_owned(),
            threshold: i64::from(charter.threshold),
            escrow_recipient: charter.escrow_recipient.clone(),
            opened_at: crate::log::statement::now(),
        })?;
        let statement = crate::log::statement::Statement {
            v: crate::log::statement::VERSION,
            case: charter.reference.clone(),
            seq: 0,
            at: crate::log::statement::now(),
            actor: registrar.fingerprint().to_hex(),
            head: Some(crate::crypto::digest::hex(&crate::log::merkle::empty_root())),
            act: Act::Open {
                charter: charter.clone(),
            },
        };
        let signed = crate::log::statement::SignedStatement::sign(&statement, registrar)?;
        let mut ctx = CaseContext::opening(case_id, &charter.reference, &signed)?;
        super::authority::record_first(&*tx, &signer, &mut ctx, &signed)?;
        for m in &charter.members {
            insert_member(&*tx, case_id, m, 0)?;
        }
        for (custodian, share) in &wrapped {
            tx.insert_escrow_share(
                case_id,
                &ShareRow {
                    custodian: custodian.clone(),
                    share: share.clone(),
                },
            )?;
        }
        tx.commit()?;
        // The registrar's own machine pins the case it opened.
        if let Some(m) = &self.member {
            super::authority::pin_now(m, &self.facts()?, &ctx)?;
        }
        let mut summary = self.summarize(&ctx);
        summary.statement = Some(0);
        Ok(summary)
    }

    /// Add a party member or a mediator to an open case (registrar only).
    pub fn add_member(
        &mut self,
        actor: &Identity,
        reference: &str,
        role: Role,
        card: &Card,
    ) -> Result<CaseSummary> {
        self.record(reference, |r| {
            let roles = r.ctx.member_roles(actor)?;
            policy::check_may_add_member(&roles, r.ctx.state)?;
            match &role {
                Role::Party(label) => policy::check_label(label)?,
                Role::Mediator => {}
                other => {
                    return Err(Error::usage(format!(
                        "only party members and mediators can be added after opening, not a {}",
                        other.kind()
                    )))
                }
            }
            if r.ctx.roles_of(&card.fingerprint()).contains(&role) {
                return Err(Error::refused(format!(
                    "{} is already {} in case {reference}",
                    card.name(),
                    role
                )));
            }
            policy::check_new_member(
                &r.ctx.replay.placed(),
                &role,
                &card.fingerprint().to_hex(),
                card.name(),
            )?;
            let record = MemberRecord::new(&role, card);
            let seq = r.append(
                actor,
                Act::AddMember {
                    member: record.clone(),
                },
            )?;
            insert_member(r.tx, r.ctx.id, &record, seq)?;
            let mut summary = self.summarize(r.ctx);
            summary.statement = Some(seq);
            Ok(summary)
        })
    }

    /// Close an open case (a mediator or the registrar): no new deposits.
    pub fn close_case(&mut self, actor: &Identity, reference: &str) -> Result<CaseSummary> {
        self.record(reference, |r| {
            let roles = r.ctx.member_roles(actor)?;
            policy::check_may_close(&roles, r.ctx.state)?;
            let seq = r.append(actor, Act::Close {})?;
            r.tx.set_case_state(r.ctx.id, CaseState::Closed.as_str())?;
            let mut summary = self.summarize(r.ctx);
            summary.statement = Some(seq);
            Ok(summary)
        })
    }

    /// A case's public facts and members.
    pub fn case_summary(&self, reference: &str) -> Result<CaseSummary> {
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::IfPinned)?;
        let summary = self.summarize(&ctx);
        drop(tx);
        self.remember(&ctx);
        Ok(summary)
    }

    /// Pin case `reference` in this member's state: with `expected` (the charter
    /// fingerprint the registrar gave), only if the vault's charter is that one;
    /// without it, trusting whatever the vault shows now. The whole log is verified
    /// either way.
    pub fn join_case(&self, reference: &str, expected: Option<&str>) -> Result<JoinedCase> {
        let member = self.member.as_ref().ok_or_else(|| {
            Error::usage("joining a case needs a place for your own state (a home folder)")
        })?;
        let expected = match expected {
            Some(text) => Some(crate::member::parse_fingerprint(text).ok_or_else(|| {
                Error::usage(format!(
                    "`{text}` is not a charter fingerprint: it has 64 hex digits, as `case open` and `case show` print it"
                ))
            })?),
            None => None,
        };
        let facts = self.facts()?;
        let already = member.pin(&facts.vault_id, reference)?;
        let tx = self.read_tx()?;
        let ctx = self.load(&*tx, reference, Joined::IfPinned)?;
        let summary = self.summarize(&ctx);
        drop(tx);
        let actual = crate::crypto::digest::hex(&ctx.leaves[0]);
        if let Some(fp) = &expected {
            if *fp != actual {
                return Err(Error::integrity(format!(
                    "the charter of case {reference} in this vault has fingerprint {}, not the one you were given: this is not the case you were invited to (or the vault rewrote it); nothing was pinned",
                    ctx.charter_fingerprint()
                )));
            }
        }
        super::authority::pin_now(member, &facts, &ctx)?;
        Ok(JoinedCase {
            summary,
            trusted_on_first_use: expected.is_none(),
            already_joined: already.is_some(),
            entries: ctx.replay.len,
        })
    }

    fn summarize(&self, ctx: &CaseContext) -> CaseSummary {
        let documents = ctx.replay.docs.len() as u64;
        let custodians = ctx.replay.charter.escrow_shares.len();
        CaseSummary {
            reference: ctx.reference.clone(),
            title: ctx.title.clone(),
            state: ctx.state.as_str().to_owned(),
            policy: ctx.policy.as_str().to_owned(),
            threshold: ctx.threshold,
            custodians,
            opened_at: ctx.opened_at.clone(),
            documents,
            statement: None,
            members: ctx
                .members
                .iter()
                .map(|m| MemberView::of(&m.role, &m.card))
                .collect(),
            charter_fingerprint: ctx.charter_fingerprint(),
        }
    }

    /// Every case in the vault.
    pub fn list_cases(&self) -> Result<Vec<CaseSummary>> {
        let refs = self.now().case_references()?;
        refs.iter().map(|r| self.case_summary(r)).collect()
    }
}

pub(super) fn insert_member(
    tx: &dyn RecordsTx,
    case_id: CaseKey,
    m: &MemberRecord,
    seq: u64,
) -> Result<()> {
    tx.insert_member(
        case_id,
        &MemberRow {
            role: m.role.clone(),
            label: m.label.clone().unwrap_or_default(),
            fingerprint: m.fingerprint()?.to_hex(),
            name: m.name.clone(),
            recipient: m.age.clone(),
            verifying_key: m.ed25519.clone(),
            added_seq: seq,
        },
    )
}
