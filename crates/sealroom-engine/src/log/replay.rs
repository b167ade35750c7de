//! Replay: rebuild a case's state from its signed statements alone and check that every
//! act was signed by a member and allowed by the rules when it was made.
//!
//! Used by `log --verify` (against the vault's database) and by `archive verify` (with
//! no vault at all), so both apply exactly the same rules.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::statement::{Act, SignedStatement, Statement};
use crate::case::charter::{Charter, MemberRecord};
use crate::case::policy::{self, Audience, CaseState, Category, DocumentFacts, Owner, Role};
use crate::error::{Error, Result};
use crate::identity::Card;
use crate::log::merkle::{self, RootBuilder};

/// The signed binding of a document's current body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyBinding {
    /// `zstd` or `none`.
    pub encoding: String,
    /// SHA-256 of the ciphertext, hex.
    pub blob_sha256: String,
    /// Size of the ciphertext.
    pub blob_size: u64,
    /// SHA-256 of the encrypted metadata, hex.
    pub meta_sha256: String,
}

/// A document as the log describes it.
#[derive(Clone, Debug)]
pub struct ReplayDoc {
    /// Public facts.
    pub facts: DocumentFacts,
    /// Deposited with `--share-with-all` (readable by every party).
    pub share_with_all: bool,
    /// Fingerprints (hex) entitled to a wrap now.
    pub readers: BTreeSet<String>,
    /// The signed binding of the current body.
    pub body: BodyBinding,
    /// The statement binding the current body.
    pub body_seq: u64,
    /// SHA-256 (hex) of each current wrap, by reader fingerprint (and `escrow`).
    pub wraps: BTreeMap<String, String>,
    /// The wraps as they were when the case was sealed (what the archive holds).
    pub sealed_wraps: BTreeMap<String, String>,
    /// The depositor's fingerprint (hex).
    pub depositor: String,
    /// The depositor's commitment to the metadata (see the deposit statement).
    pub commitment: String,
    /// The deposit statement.
    pub deposit_seq: u64,
    /// When it was deposited (the deposit statement's time).
    pub deposited_at: String,
}

/// A case rebuilt from its log.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The case reference.
    pub reference: String,
    /// How many statements have been replayed (the log size this state is after).
    pub len: u64,
    /// When the case was opened (the charter statement's time).
    pub opened_at: String,
    /// The charter (statement 0).
    pub charter: Charter,
    /// Members with their roles, in the order they joined.
    pub members: Vec<(Role, Card)>,
    /// The statement that added each member (0 for the charter), as `members`.
    pub member_seqs: Vec<u64>,
    /// Lifecycle state after the last statement.
    pub state: CaseState,
    /// Documents by number.
    pub docs: BTreeMap<u64, ReplayDoc>,
    /// Consents in force: (document, receiving party) → statement.
    pub consents: BTreeMap<(u64, String), u64>,
    /// The parsed statements, in order, since the replay began: all of them for
    /// [`replay`] and [`Replay::begin`], only the later ones for a replay resumed
    /// from a [`Snapshot`].
    pub statements: Vec<Statement>,
    /// The Merkle tree of the statements replayed, whose root is the head the next
    /// statement must name.
    pub tree: RootBuilder,
}

impl Replay {
    /// The card of the member with this fingerprint (hex).
    pub fn card_of(&self, fingerprint: &str) -> Option<&Card> {
        self.members
            .iter()
            .find(|(_, c)| c.fingerprint().to_hex() == fingerprint)
            .map(|(_, c)| c)
    }

    /// The roles of the member with this fingerprint (hex).
    pub fn roles_of(&self, fingerprint: &str) -> Vec<Role> {
        self.members
            .iter()
            .filter(|(_, c)| c.fingerprint().to_hex() == fingerprint)
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// Every member as (role, fingerprint, name), for [`policy::check_new_member`].
    pub fn placed(&self) -> Vec<(Role, String, String)> {
        self.members
            .iter()
            .map(|(r, c)| (r.clone(), c.fingerprint().to_hex(), c.name().to_owned()))
            .collect()
    }

    /// The position of `record` among the members, if it is one a registrar may remove
    /// or replace: a party member or a mediator.
    fn member_to_change(&self, record: &MemberRecord) -> Result<usize> {
        let (role, card) = (record.role()?, record.card()?);
        let pos = self
            .members
            .iter()
            .position(|(r, c)| *r == role && *c == card)
            .ok_or_else(|| {
                Error::integrity("it concerns someone who is not a member in that role")
            })?;
        if !matches!(role, Role::Party(_) | Role::Mediator) {
            return Err(Error::integrity(
                "it changes a role that only the charter names",
            ));
        }
        Ok(pos)
    }

    /// Whether a member holding `roles` (fingerprint `who`) is entitled to document
    /// `num` now: by the category table for their role (their own party's documents,
    /// what every party or their role reads), or because the document was disclosed
    /// to their party (another member of it reads it).
    pub fn entitled(&self, num: u64, roles: &[Role], who: &str) -> Result<bool> {
        let doc = self
            .docs
            .get(&num)
            .ok_or_else(|| Error::integrity("it concerns a document never deposited"))?;
        let by_table = policy::readers_on_deposit(
            doc.facts.category,
            &doc.facts.owner,
            doc.share_with_all,
            &self.labels(),
        )
        .iter()
        .any(|a| policy::in_audience(roles, a));
        let by_disclosure = roles.iter().any(|role| {
            matches!(role, Role::Party(_))
                && doc
                    .readers
                    .iter()
                    .any(|f| f != who && self.roles_of(f).contains(role))
        });
        Ok(by_table || by_disclosure)
    }

    /// The fingerprints of everyone in `audience`.
    pub fn fingerprints_in(&self, audience: &Audience) -> BTreeSet<String> {
        self.members
            .iter()
            .filter(|(r, _)| policy::in_audience(std::slice::from_ref(r), audience))
            .map(|(_, c)| c.fingerprint().to_hex())
            .collect()
    }

    fn labels(&self) -> BTreeSet<String> {
        self.members
            .iter()
            .filter_map(|(r, _)| match r {
                Role::Party(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The reader name of the case escrow key in wrap maps.
pub const ESCROW: &str = "escrow";

impl ReplayDoc {
    /// Whether the body is still in the vault (not sealed away into the archive).
    pub fn live_in(&self, state: CaseState) -> bool {
        !matches!(state, CaseState::Sealed | CaseState::Destroyed)
            || retained_at_seal(self.facts.category)
    }
}

/// Whether a category survives sealing as a live, retained document (readable by the
/// parties and the archivist) rather than going into escrow or being destroyed.
pub fn retained_at_seal(category: Category) -> bool {
    matches!(category, Category::Settlement | Category::Procedural)
}

/// Replay the statements of case `reference`. Fails on the first bad entry, naming it.
pub fn replay(reference: &str, statements: &[SignedStatement]) -> Result<Replay> {
    let mut iter = statements.iter();
    let first = iter
        .next()
        .ok_or_else(|| Error::integrity(format!("case {reference} has an empty log")))?;
    let mut r = Replay::begin(reference, first)?;
    for signed in iter {
        r.push(signed)?;
    }
    Ok(r)
}

impl Replay {
    /// Start a replay from the case's first statement, which must be its charter,
    /// signed by the registrar it names.
    pub fn begin(reference: &str, first: &SignedStatement) -> Result<Replay> {
        let bad =
            |why: &str| Error::integrity(format!("entry 0 of case {reference} is bad: {why}"));
        let s: Statement = first.statement().map_err(|_| bad("it is malformed"))?;
        if s.seq != 0 || s.case != reference {
            return Err(bad(
                "it is out of place (wrong position or case): an entry was deleted, reordered or inserted",
            ));
        }
        let Act::Open { charter } = &s.act else {
            return Err(bad("the log does not start with the case's charter"));
        };
        charter
            .validate_signed()
            .map_err(|e| bad(&format!("its charter is invalid ({e})")))?;
        let registrar = charter.registrar()?.card()?;
        if registrar.fingerprint().to_hex() != s.actor || !first.verified_by(&registrar) {
            return Err(bad("the charter is not signed by its registrar"));
        }
        let mut members = Vec::new();
        for m in &charter.members {
            members.push((m.role()?, m.card()?));
        }
        let member_seqs = vec![0; members.len()];
        let mut tree = RootBuilder::new();
        check_head(&s, &tree).map_err(|why| bad(&why))?;
        tree.push(merkle::leaf_hash(&first.entry()));
        Ok(Replay {
            reference: reference.to_owned(),
            len: 1,
            opened_at: s.at.clone(),
            charter: charter.clone(),
            members,
            member_seqs,
            state: CaseState::Open,
            docs: BTreeMap::new(),
            consents: BTreeMap::new(),
            statements: vec![s],
            tree,
        })
    }

    /// Check the next statement of the log (signed by a member, allowed by the rules
    /// in the state replayed so far) and apply it. On failure the error names the
    /// entry, and the replay must be thrown away: it may be half-applied.
    pub fn push(&mut self, signed: &SignedStatement) -> Result<()> {
        self.push_leaf(signed, merkle::leaf_hash(&signed.entry()))
    }

    /// [`Replay::push`] for a statement whose Merkle leaf hash the caller has computed
    /// already (`leaf` must be the leaf hash of `signed`'s entry).
    pub fn push_leaf(&mut self, signed: &SignedStatement, leaf: merkle::Hash) -> Result<()> {
        let i = self.len;
        let reference = self.reference.clone();
        let bad =
            |why: &str| Error::integrity(format!("entry {i} of case {reference} is bad: {why}"));
        let s: Statement = signed.statement().map_err(|_| bad("it is malformed"))?;
        if s.seq != i || s.case != reference {
            return Err(bad(
                "it is out of place (wrong position or case): an entry was deleted, reordered or inserted",
            ));
        }
        let actor = self
            .card_of(&s.actor)
            .cloned()
            .ok_or_else(|| bad("its signer is not a member of the case"))?;
        if !signed.verified_by(&actor) {
            return Err(bad("its signature does not verify"));
        }
        apply(self, &s, i).map_err(|e| bad(e.message()))?;
        check_head(&s, &self.tree).map_err(|why| bad(&why))?;
        self.tree.push(leaf);
        self.statements.push(s);
        self.len += 1;
        Ok(())
    }
}

/// A statement that names a log head (version 2) must name the log before it: the
/// root of `tree`. Version 1 statements name none.
fn check_head(s: &Statement, tree: &RootBuilder) -> std::result::Result<(), String> {
    match &s.head {
        Some(head) if *head != crate::crypto::digest::hex(&tree.root()) => Err(
            "it names a log head that is not the log before it: it was made on another history (the log was forked or rewritten)"
                .to_owned(),
        ),
        _ => Ok(()),
    }
}

/// Apply one verified statement to the replayed state, checking its authority.
fn apply(r: &mut Replay, s: &Statement, seq: u64) -> Result<()> {
    let roles = r.roles_of(&s.actor);
    let labels = r.labels();
    let not_allowed = |e: Error| Error::integrity(format!("it was not allowed: {}", e.message()));
    let unknown = || Error::integrity("it concerns a document never deposited");
    match &s.act {
        Act::Open { .. } => return Err(Error::integrity("a second charter")),
        Act::AddMember { member } => {
            policy::check_may_add_member(&roles, r.state).map_err(not_allowed)?;
            let role = member.role()?;
            if !matches!(role, Role::Party(_) | Role::Mediator) {
                return Err(Error::integrity(
                    "it adds a role that can only be named in the charter",
                ));
            }
            let card = member.card()?;
            policy::check_new_member(
                &r.placed(),
                &role,
                &card.fingerprint().to_hex(),
                card.name(),
            )
            .map_err(not_allowed)?;
            r.members.push((role, card));
            r.member_seqs.push(seq);
        }
        Act::RemoveMember { member } => {
            policy::check_may_change_members(&roles, r.state).map_err(not_allowed)?;
            let pos = r.member_to_change(member)?;
            let role = &r.members[pos].0;
            if r.members.iter().filter(|(held, _)| held == role).count() < 2 {
                return Err(Error::integrity(
                    "it removes the last member of a party or the last mediator (replace them instead)",
                ));
            }
            r.members.remove(pos);
            r.member_seqs.remove(pos);
        }
        Act::ReplaceMember { old, new } => {
            policy::check_may_change_members(&roles, r.state).map_err(not_allowed)?;
            let pos = r.member_to_change(old)?;
            let (role, card) = (new.role()?, new.card()?);
            if role != r.members[pos].0 {
                return Err(Error::integrity(
                    "it replaces a member by someone in another role",
                ));
            }
            let (gone_role, gone_card) = r.members.remove(pos);
            r.member_seqs.remove(pos);
            let fpr = card.fingerprint().to_hex();
            if r.roles_of(&fpr).contains(&role) || card == gone_card {
                return Err(Error::integrity(
                    "it replaces a member by someone already in that role",
                ));
            }
            policy::check_new_member(&r.placed(), &gone_role, &fpr, card.name())
                .map_err(not_allowed)?;
            r.members.push((role, card));
            r.member_seqs.push(seq);
        }
        Act::Grant(g) => {
            policy::check_live(r.state).map_err(not_allowed)?;
            let grantee_roles = r.roles_of(&g.to);
            let entitled = r.entitled(g.num, &grantee_roles, &g.to)?;
            let doc = r.docs.get_mut(&g.num).ok_or_else(unknown)?;
            if !doc.readers.contains(&s.actor) {
                return Err(Error::integrity(
                    "its actor could not read the document to pass it on",
                ));
            }
            if grantee_roles.is_empty() {
                return Err(Error::integrity(
                    "it gives access to someone who is not a member",
                ));
            }
            if doc.readers.contains(&g.to) {
                return Err(Error::integrity("it gives access to someone who had it"));
            }
            if !entitled {
                return Err(Error::integrity(
                    "it gives access to a member the rules do not entitle to the document",
                ));
            }
            doc.readers.insert(g.to.clone());
            doc.wraps.insert(g.to.clone(), g.wrap.clone());
        }
        Act::Rekey(k) => {
            policy::check_live(r.state).map_err(not_allowed)?;
            let members: BTreeSet<String> = r
                .members
                .iter()
                .map(|(_, c)| c.fingerprint().to_hex())
                .collect();
            let doc = r.docs.get_mut(&k.num).ok_or_else(unknown)?;
            if !doc.readers.contains(&s.actor) {
                return Err(Error::integrity(
                    "it re-keys a document its actor could not read",
                ));
            }
            let dropped: BTreeSet<String> = doc.readers.difference(&members).cloned().collect();
            let named: BTreeSet<String> = k.dropped.iter().cloned().collect();
            let kept: BTreeSet<String> = doc.readers.intersection(&members).cloned().collect();
            let rewrapped: BTreeSet<String> = k.rekey.readers.iter().cloned().collect();
            if named != dropped || rewrapped != kept {
                return Err(Error::integrity(
                    "its readers are not the document's readers who are still members",
                ));
            }
            if k.rekey.wraps.len() != k.rekey.readers.len()
                || k.rekey.escrow_wrap.is_some() != doc.facts.category.escrowed()
            {
                return Err(Error::integrity("its wraps do not match its readers"));
            }
            doc.readers = kept;
            doc.wraps = k
                .rekey
                .readers
                .iter()
                .cloned()
                .zip(k.rekey.wraps.iter().cloned())
                .collect();
            if let Some(e) = &k.rekey.escrow_wrap {
                doc.wraps.insert(ESCROW.to_owned(), e.clone());
            }
            doc.body = BodyBinding {
                encoding: k.rekey.encoding.clone(),
                blob_sha256: k.rekey.blob_sha256.clone(),
                blob_size: k.rekey.blob_size,
                meta_sha256: k.rekey.meta_sha256.clone(),
            };
            doc.body_seq = seq;
        }
        Act::Close {} => {
            policy::check_may_close(&roles, r.state).map_err(not_allowed)?;
            r.state = CaseState::Closed;
        }
        Act::Deposit(d) => {
            policy::check_open_for_deposit(r.state).map_err(not_allowed)?;
            let expected_num = r.docs.keys().next_back().map(|n| n + 1).unwrap_or(1);
            if d.num != expected_num {
                return Err(Error::integrity("its document number is out of sequence"));
            }
            let owner = Owner::parse(&d.owner);
            let as_party = match &owner {
                Owner::Party(l) => Some(l.as_str()),
                _ => None,
            };
            let decided =
                policy::deposit_owner(&roles, d.category, as_party).map_err(not_allowed)?;
            if decided != owner {
                return Err(Error::integrity(
                    "its depositor could not deposit for that owner",
                ));
            }
            let mut expected = BTreeSet::new();
            for a in policy::readers_on_deposit(d.category, &owner, d.share_with_all, &labels) {
                expected.extend(r.fingerprints_in(&a));
            }
            let named: BTreeSet<String> = d.readers.iter().cloned().collect();
            if named != expected {
                return Err(Error::integrity(
                    "it gives access to other readers than the category allows",
                ));
            }
            if d.wraps.len() != d.readers.len() || d.escrow_wrap.is_some() != d.category.escrowed()
            {
                return Err(Error::integrity("its wraps do not match its readers"));
            }
            let mut wraps: BTreeMap<String, String> = d
                .readers
                .iter()
                .cloned()
                .zip(d.wraps.iter().cloned())
                .collect();
            if let Some(e) = &d.escrow_wrap {
                wraps.insert(ESCROW.to_owned(), e.clone());
            }
            r.docs.insert(
                d.num,
                ReplayDoc {
                    facts: DocumentFacts {
                        case: s.case.clone(),
                        num: d.num,
                        owner,
                        category: d.category,
                        confidential: d.confidential,
                    },
                    share_with_all: d.share_with_all,
                    readers: named,
                    body: BodyBinding {
                        encoding: d.encoding.clone(),
                        blob_sha256: d.blob_sha256.clone(),
                        blob_size: d.blob_size,
                        meta_sha256: d.meta_sha256.clone(),
                    },
                    body_seq: seq,
                    wraps,
                    sealed_wraps: BTreeMap::new(),
                    depositor: s.actor.clone(),
                    commitment: d.commitment.clone(),
                    deposit_seq: seq,
                    deposited_at: s.at.clone(),
                },
            );
        }
        Act::Read { num } | Act::Export { num, .. } => {
            let doc = r.docs.get(num).ok_or_else(unknown)?;
            if !doc.readers.contains(&s.actor) {
                return Err(Error::integrity(
                    "its actor had no access to the document then",
                ));
            }
            if matches!(s.act, Act::Export { .. }) {
                policy::check_live(r.state).map_err(not_allowed)?;
                let has_consent = r
                    .consents
                    .contains_key(&(*num, policy::EXTERNAL.to_owned()));
                policy::export_basis(
                    &roles,
                    &doc.facts,
                    r.charter.policy,
                    has_consent,
                    doc.depositor == s.actor,
                )
                .map_err(not_allowed)?;
            }
        }
        Act::Consent { num, to } => {
            policy::check_live(r.state).map_err(not_allowed)?;
            let doc = r.docs.get(num).ok_or_else(unknown)?;
            policy::check_may_consent(&roles, &doc.facts, to, &labels).map_err(not_allowed)?;
            r.consents.entry((*num, to.clone())).or_insert(seq);
        }
        Act::Disclose(d) => {
            policy::check_live(r.state).map_err(not_allowed)?;
            let has_consent = match d.consent {
                None => false,
                Some(c) if r.consents.get(&(d.num, d.to.clone())) == Some(&c) => true,
                Some(_) => {
                    return Err(Error::integrity(
                        "it relies on a consent that is not in force",
                    ))
                }
            };
            let party = r.fingerprints_in(&Audience::Party(d.to.clone()));
            let policy_in_force = r.charter.policy;
            let doc = r.docs.get_mut(&d.num).ok_or_else(unknown)?;
            policy::disclosure_basis(
                &roles,
                &doc.facts,
                &d.to,
                policy_in_force,
                has_consent,
                &labels,
            )
            .map_err(not_allowed)?;
            if !doc.readers.contains(&s.actor) {
                return Err(Error::integrity(
                    "its actor could not read the document to pass it on",
                ));
            }
            if d.readers.iter().any(|x| !party.contains(x)) {
                return Err(Error::integrity(
                    "it gives access to someone outside the receiving party",
                ));
            }
            if d.wraps.len() != d.readers.len() {
                return Err(Error::integrity("its wraps do not match its readers"));
            }
            doc.readers.extend(d.readers.iter().cloned());
            doc.wraps
                .extend(d.readers.iter().cloned().zip(d.wraps.iter().cloned()));
        }
        Act::Revoke(v) => {
            policy::check_live(r.state).map_err(not_allowed)?;
            let doc = r.docs.get_mut(&v.num).ok_or_else(unknown)?;
            policy::check_may_revoke(&roles, &doc.facts, &v.from, &labels).map_err(not_allowed)?;
            let could_read = doc.readers.contains(&s.actor);
            for reader in &v.removed {
                doc.readers.remove(reader);
                doc.wraps.remove(reader);
            }
            r.consents.remove(&(v.num, v.from.clone()));
            if let Some(k) = &v.rekey {
                if !could_read {
                    return Err(Error::integrity(
                        "it re-keys a document its actor could not read",
                    ));
                }
                let kept: BTreeSet<String> = k.readers.iter().cloned().collect();
                if !kept.is_subset(&doc.readers) {
                    return Err(Error::integrity(
                        "its rekey gives access to someone who had none",
                    ));
                }
                if k.wraps.len() != k.readers.len()
                    || k.escrow_wrap.is_some() != doc.facts.category.escrowed()
                {
                    return Err(Error::integrity("its wraps do not match its readers"));
                }
                doc.readers = kept;
                doc.wraps = k
                    .readers
                    .iter()
                    .cloned()
                    .zip(k.wraps.iter().cloned())
                    .collect();
                if let Some(e) = &k.escrow_wrap {
                    doc.wraps.insert(ESCROW.to_owned(), e.clone());
                }
                doc.body = BodyBinding {
                    encoding: k.encoding.clone(),
                    blob_sha256: k.blob_sha256.clone(),
                    blob_size: k.blob_size,
                    meta_sha256: k.meta_sha256.clone(),
                };
                doc.body_seq = seq;
            }
        }
        Act::Seal(seal) => {
            policy::check_may_seal(&roles, r.state).map_err(not_allowed)?;
            crate::case::policy::parse_date(&seal.retain_until)?;
            // Live access ends: retained documents stay with the parties and the
            // archivist; everything else is reachable only through escrow.
            let parties: BTreeSet<String> = labels
                .iter()
                .flat_map(|l| r.fingerprints_in(&Audience::Party(l.clone())))
                .collect();
            let archivist = r.fingerprints_in(&Audience::Archivist);
            for doc in r.docs.values_mut() {
                doc.sealed_wraps = doc.wraps.clone();
                if retained_at_seal(doc.facts.category) {
                    doc.readers = doc
                        .readers
                        .iter()
                        .filter(|f| parties.contains(*f) || archivist.contains(*f))
                        .cloned()
                        .collect();
                } else {
                    doc.readers.clear();
                }
                let readers = doc.readers.clone();
                doc.wraps.retain(|reader, _| readers.contains(reader));
            }
            r.consents.clear();
            r.state = CaseState::Sealed;
        }
        Act::Destroy(_) => {
            if !roles.contains(&Role::Archivist) {
                return Err(not_allowed(Error::refused(
                    "only the archivist may destroy",
                )));
            }
            if r.state != CaseState::Sealed {
                return Err(not_allowed(Error::refused(
                    "only a sealed case can be destroyed",
                )));
            }
            r.state = CaseState::Destroyed;
        }
    }
    Ok(())
}

/// A replayed state written down, so that a member who verified a case's log up to
/// some size can resume from there instead of checking every statement again. It is
/// the member's own record (kept in their state folder, never in a vault): whoever
/// can write it could make the member believe anything, exactly as with their pins.
///
/// Its encoding is not self-describing (postcard, see `src/member.rs`), so the parts
/// whose serde form skips fields (the charter and member records) are kept as JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SnapshotHead`] as JSON.
    head: String,
    len: u64,
    docs: Vec<SnapshotDoc>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SnapshotHead {
    reference: String,
    opened_at: String,
    charter: Charter,
    members: Vec<(MemberRecord, u64)>,
    state: String,
    consents: Vec<(u64, String, u64)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SnapshotDoc {
    num: u64,
    share_with_all: bool,
    owner: String,
    category: Category,
    confidential: bool,
    readers: BTreeSet<String>,
    body: BodyBinding,
    body_seq: u64,
    wraps: BTreeMap<String, String>,
    sealed_wraps: BTreeMap<String, String>,
    depositor: String,
    commitment: String,
    deposit_seq: u64,
    deposited_at: String,
}

impl Snapshot {
    /// How many statements the snapshot's state is after.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the snapshot holds no statement at all (never: a case starts with its
    /// charter).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Replay {
    /// The state to write down (without the statements themselves).
    pub fn snapshot(&self) -> Snapshot {
        let head = SnapshotHead {
            reference: self.reference.clone(),
            opened_at: self.opened_at.clone(),
            charter: self.charter.clone(),
            members: self
                .members
                .iter()
                .zip(&self.member_seqs)
                .map(|((role, card), seq)| (MemberRecord::new(role, card), *seq))
                .collect(),
            state: self.state.as_str().to_owned(),
            consents: self
                .consents
                .iter()
                .map(|((num, to), seq)| (*num, to.clone(), *seq))
                .collect(),
        };
        Snapshot {
            head: serde_json::to_string(&head).unwrap_or_default(),
            len: self.len,
            docs: self
                .docs
                .values()
                .map(|d| SnapshotDoc {
                    num: d.facts.num,
                    share_with_all: d.share_with_all,
                    owner: d.facts.owner.label().to_owned(),
                    category: d.facts.category,
                    confidential: d.facts.confidential,
                    readers: d.readers.clone(),
                    body: d.body.clone(),
                    body_seq: d.body_seq,
                    wraps: d.wraps.clone(),
                    sealed_wraps: d.sealed_wraps.clone(),
                    depositor: d.depositor.clone(),
                    commitment: d.commitment.clone(),
                    deposit_seq: d.deposit_seq,
                    deposited_at: d.deposited_at.clone(),
                })
                .collect(),
        }
    }

    /// Resume from a snapshot; [`Replay::push`] then continues with statement
    /// `snapshot.len()`. `tree` is the Merkle tree of the log the snapshot was made
    /// from (of its size), whose root the next statement's head must be.
    pub fn resume(snapshot: Snapshot, tree: RootBuilder) -> Result<Replay> {
        if tree.size() != snapshot.len {
            return Err(Error::integrity(
                "a written-down case state does not match the log it is resumed on",
            ));
        }
        let head: SnapshotHead = serde_json::from_str(&snapshot.head)
            .map_err(|_| Error::integrity("a written-down case state is damaged"))?;
        let mut members = Vec::with_capacity(head.members.len());
        let mut member_seqs = Vec::with_capacity(head.members.len());
        for (record, seq) in &head.members {
            members.push((record.role()?, record.card()?));
            member_seqs.push(*seq);
        }
        let docs = snapshot
            .docs
            .into_iter()
            .map(|d| {
                (
                    d.num,
                    ReplayDoc {
                        facts: DocumentFacts {
                            case: head.reference.clone(),
                            num: d.num,
                            owner: Owner::parse(&d.owner),
                            category: d.category,
                            confidential: d.confidential,
                        },
                        share_with_all: d.share_with_all,
                        readers: d.readers,
                        body: d.body,
                        body_seq: d.body_seq,
                        wraps: d.wraps,
                        sealed_wraps: d.sealed_wraps,
                        depositor: d.depositor,
                        commitment: d.commitment,
                        deposit_seq: d.deposit_seq,
                        deposited_at: d.deposited_at,
                    },
                )
            })
            .collect();
        Ok(Replay {
            reference: head.reference,
            len: snapshot.len,
            opened_at: head.opened_at,
            charter: head.charter,
            members,
            member_seqs,
            state: CaseState::parse(&head.state)?,
            docs,
            consents: head
                .consents
                .into_iter()
                .map(|(num, to, seq)| ((num, to), seq))
                .collect(),
            statements: Vec::new(),
            tree,
        })
    }
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
