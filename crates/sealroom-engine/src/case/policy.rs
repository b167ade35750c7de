//! Who may do what: pure functions over roles, categories and case state, with no I/O,
//! so every rule can be read in one place and tested cell by cell.
//!
//! The category table (DESIGN.md, "Documents and categories"):
//!
//! | category | readable on deposit by |
//! |---|---|
//! | `caucus` | own party + mediators |
//! | `brief`, `evidence` | own party + mediators (all parties with `--share-with-all`) |
//! | `settlement` | all parties + mediators + archivist |
//! | `procedural` | everyone in the case (parties, mediators, archivist, registrar) |
//! | `mediator-note` | mediators only |
//!
//! Every category but `mediator-note` is also wrapped to the case escrow key.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A role a member holds in a case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Opened the case and signed its charter.
    Registrar,
    /// Conducts the mediation.
    Mediator,
    /// A member of the party with this label.
    Party(String),
    /// Seals the closed case.
    Archivist,
    /// Holds one share of the escrow key.
    Custodian,
}

impl Role {
    /// Name of the role as written in charters and output.
    pub fn kind(&self) -> &'static str {
        match self {
            Role::Registrar => "registrar",
            Role::Mediator => "mediator",
            Role::Party(_) => "party",
            Role::Archivist => "archivist",
            Role::Custodian => "custodian",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Party(label) => write!(f, "party {label}"),
            other => f.write_str(other.kind()),
        }
    }
}

/// Document categories (DESIGN.md; a *must*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Category {
    /// What a party says to the mediator in private session.
    Caucus,
    /// A party's written submission.
    Brief,
    /// Exhibits and supporting material.
    Evidence,
    /// The settlement agreement.
    Settlement,
    /// Procedural orders, schedules, the agreement to mediate.
    Procedural,
    /// The mediator's own notes.
    MediatorNote,
}

impl Category {
    /// Every category, in table order.
    pub const ALL: [Category; 6] = [
        Category::Caucus,
        Category::Brief,
        Category::Evidence,
        Category::Settlement,
        Category::Procedural,
        Category::MediatorNote,
    ];

    /// The name as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Caucus => "caucus",
            Category::Brief => "brief",
            Category::Evidence => "evidence",
            Category::Settlement => "settlement",
            Category::Procedural => "procedural",
            Category::MediatorNote => "mediator-note",
        }
    }

    /// Parse a category name.
    pub fn parse(s: &str) -> Result<Self> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                Error::usage(format!(
                    "`{s}` is not a category; use one of: caucus, brief, evidence, settlement, procedural, mediator-note"
                ))
            })
    }

    /// Whether the body is wrapped to the case escrow key (all but mediator notes).
    pub fn escrowed(self) -> bool {
        self != Category::MediatorNote
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The case's disclosure policy, fixed in the charter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Policy {
    /// ICSID Mediation Rules r.17(4): disclosure needs the owner party's signed consent.
    Consent,
    /// UNCITRAL Model Law art. 8: the mediator may disclose, except confidential deposits.
    Discretion,
}

impl Policy {
    /// The name as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Consent => "consent",
            Policy::Discretion => "discretion",
        }
    }
}

/// The lifecycle state of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaseState {
    /// Deposits, consents and disclosures are possible.
    Open,
    /// No new deposits; reading still works.
    Closed,
    /// Archive written; live access shredded.
    Sealed,
    /// Retention ended; archive key material destroyed.
    Destroyed,
}

impl CaseState {
    /// Name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Closed => "closed",
            CaseState::Sealed => "sealed",
            CaseState::Destroyed => "destroyed",
        }
    }

    /// Parse a stored state.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(CaseState::Open),
            "closed" => Ok(CaseState::Closed),
            "sealed" => Ok(CaseState::Sealed),
            "destroyed" => Ok(CaseState::Destroyed),
            _ => Err(Error::integrity(format!("unknown case state `{s}`"))),
        }
    }
}

/// Who owns a deposited document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Owner {
    /// A party, by label.
    Party(String),
    /// The mediators (mediator notes and the mediator's procedural documents).
    Mediators,
    /// The registrar (procedural documents of the institution).
    Registrar,
}

impl Owner {
    /// The owner as stored and shown: a party label, `mediators` or `registrar`.
    pub fn label(&self) -> &str {
        match self {
            Owner::Party(l) => l,
            Owner::Mediators => "mediators",
            Owner::Registrar => "registrar",
        }
    }

    /// Parse the stored form (party labels can never be the reserved words).
    pub fn parse(s: &str) -> Self {
        match s {
            "mediators" => Owner::Mediators,
            "registrar" => Owner::Registrar,
            label => Owner::Party(label.to_owned()),
        }
    }
}

/// A group of readers named by role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Audience {
    /// Every member of the party with this label.
    Party(String),
    /// Every mediator.
    Mediators,
    /// The archivist.
    Archivist,
    /// The registrar.
    Registrar,
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Audience::Party(l) => write!(f, "the {l} party"),
            Audience::Mediators => f.write_str("the mediators"),
            Audience::Archivist => f.write_str("the archivist"),
            Audience::Registrar => f.write_str("the registrar"),
        }
    }
}

/// Labels a party may not take, because they name other owners or reserved readers.
pub const RESERVED_LABELS: [&str; 6] = [
    "mediators",
    "registrar",
    "archivist",
    "escrow",
    "all",
    EXTERNAL,
];

/// What a consent names to let a document leave the case by `export` (never a party's
/// label).
pub const EXTERNAL: &str = "external";

/// Check a party label: short, lower-case letters, digits and `-`, not reserved.
pub fn check_label(label: &str) -> Result<()> {
    let ok = !label.is_empty()
        && label.len() <= 40
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !label.starts_with('-');
    if !ok {
        return Err(Error::usage(format!(
            "`{label}` is not a party label; use lower-case letters, digits and `-` (e.g. claimant, respondent)"
        )));
    }
    if RESERVED_LABELS.contains(&label) {
        return Err(Error::usage(format!(
            "`{label}` is reserved and cannot be a party label"
        )));
    }
    Ok(())
}

/// Decide who owns a deposit by `roles` in `category`, or refuse.
///
/// Party members deposit anything but mediator notes, owned by their party
/// (`as_party` chooses when a person belongs to several). Mediators deposit only
/// `mediator-note`, `procedural` and `settlement` (tabling draft terms to every party);
/// the registrar only `procedural`.
pub fn deposit_owner(roles: &[Role], category: Category, as_party: Option<&str>) -> Result<Owner> {
    if roles.is_empty() {
        return Err(Error::refused(
            "you are not a member of this case, so you cannot deposit in it",
        ));
    }
    let parties: Vec<&str> = roles
        .iter()
        .filter_map(|r| match r {
            Role::Party(l) => Some(l.as_str()),
            _ => None,
        })
        .collect();
    let is_mediator = roles.contains(&Role::Mediator);
    let is_registrar = roles.contains(&Role::Registrar);

    if let Some(label) = as_party {
        if !parties.contains(&label) {
            return Err(Error::refused(format!(
                "you are not a member of the {label} party, so you cannot deposit for it"
            )));
        }
        if category == Category::MediatorNote {
            return Err(Error::refused(
                "only mediators may deposit a mediator-note, and never for a party",
            ));
        }
        return Ok(Owner::Party(label.to_owned()));
    }
    match category {
        Category::MediatorNote if is_mediator => Ok(Owner::Mediators),
        Category::MediatorNote => Err(Error::refused("only mediators may deposit a mediator-note")),
        _ if parties.len() == 1 => Ok(Owner::Party(parties[0].to_owned())),
        _ if parties.len() > 1 => Err(Error::usage(format!(
            "you are a member of several parties ({}); say which one you act for",
            parties.join(", ")
        ))
        .about(crate::error::Input::AsParty)),
        Category::Procedural | Category::Settlement if is_mediator => Ok(Owner::Mediators),
        Category::Procedural if is_registrar => Ok(Owner::Registrar),
        _ if is_mediator => Err(Error::refused(format!(
            "a mediator may deposit only mediator-note, procedural and settlement documents, not {category}"
        ))),
        _ if is_registrar => Err(Error::refused(format!(
            "the registrar may deposit only procedural documents, not {category}"
        ))),
        _ => Err(Error::refused(format!(
            "your role in this case ({}) may not deposit documents",
            roles
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Who can read a new deposit, by role (the category table).
pub fn readers_on_deposit(
    category: Category,
    owner: &Owner,
    share_with_all: bool,
    party_labels: &BTreeSet<String>,
) -> BTreeSet<Audience> {
    let all_parties = || party_labels.iter().cloned().map(Audience::Party);
    let own_party = || match owner {
        Owner::Party(l) => Some(Audience::Party(l.clone())),
        _ => None,
    };
    let mut out = BTreeSet::new();
    out.insert(Audience::Mediators);
    match category {
        Category::MediatorNote => {}
        Category::Caucus => out.extend(own_party()),
        Category::Brief | Category::Evidence => {
            if share_with_all {
                out.extend(all_parties());
            } else {
                out.extend(own_party());
            }
        }
        Category::Settlement => {
            out.extend(all_parties());
            out.insert(Audience::Archivist);
        }
        Category::Procedural => {
            out.extend(all_parties());
            out.insert(Audience::Archivist);
            out.insert(Audience::Registrar);
        }
    }
    out
}

/// Whether a member holding `roles` belongs to `audience`.
pub fn in_audience(roles: &[Role], audience: &Audience) -> bool {
    roles.iter().any(|r| match (r, audience) {
        (Role::Party(a), Audience::Party(b)) => a == b,
        (Role::Mediator, Audience::Mediators) => true,
        (Role::Archivist, Audience::Archivist) => true,
        (Role::Registrar, Audience::Registrar) => true,
        _ => false,
    })
}

/// Refuse deposits unless the case is open.
pub fn check_open_for_deposit(state: CaseState) -> Result<()> {
    match state {
        CaseState::Open => Ok(()),
        other => Err(Error::refused(format!(
            "the case is {}, so it takes no new deposits",
            other.as_str()
        ))),
    }
}

/// Who may close a case: a mediator or the registrar, while it is open.
pub fn check_may_close(roles: &[Role], state: CaseState) -> Result<()> {
    if !(roles.contains(&Role::Mediator) || roles.contains(&Role::Registrar)) {
        return Err(Error::refused(
            "only a mediator or the registrar may close a case",
        ));
    }
    if state != CaseState::Open {
        return Err(Error::refused(format!(
            "the case is already {}",
            state.as_str()
        )));
    }
    Ok(())
}

/// How a place in a case reads in a sentence: "a member of the claimant party", "a
/// mediator".
fn place(role: &Role) -> String {
    match role {
        Role::Party(l) => format!("a member of the {l} party"),
        Role::Registrar => "the registrar".to_owned(),
        Role::Archivist => "the archivist".to_owned(),
        other => format!("a {}", other.kind()),
    }
}

/// Whether `who` (a card fingerprint, hex) may take `role` next to the members the
/// case already has (`existing`: role, fingerprint, name): one identity belongs to at
/// most one party, and a mediator, the archivist or a custodian is never also a party
/// (they would read, or could pass on, what the other side must not see). The
/// registrar may hold any other role the institution allows. The refusal names both
/// places the card would appear.
pub fn check_new_member(
    existing: &[(Role, String, String)],
    role: &Role,
    who: &str,
    name: &str,
) -> Result<()> {
    let neutral = |r: &Role| matches!(r, Role::Mediator | Role::Archivist | Role::Custodian);
    for (held, fpr, _) in existing {
        if fpr != who || held == role {
            continue;
        }
        let clash = match (held, role) {
            (Role::Party(a), Role::Party(b)) => a != b,
            (Role::Party(_), r) | (r, Role::Party(_)) => neutral(r),
            _ => false,
        };
        if clash {
            let why = if matches!((held, role), (Role::Party(_), Role::Party(_))) {
                "one identity belongs to at most one party"
            } else {
                "a mediator, the archivist or a custodian cannot also be a party"
            };
            return Err(Error::refused(format!(
                "{name} ({}) cannot be both {} and {}: {why}",
                short_fingerprint(who),
                place(held),
                place(role)
            )));
        }
    }
    Ok(())
}

/// The first 20 hex digits of a fingerprint in groups of four, as cards show it.
fn short_fingerprint(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .take(5)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who may remove or replace members: the registrar, while the case is live (open or
/// closed: a lost or compromised identity must be replaceable until the seal).
pub fn check_may_change_members(roles: &[Role], state: CaseState) -> Result<()> {
    if !roles.contains(&Role::Registrar) {
        return Err(Error::refused(
            "only the case's registrar may remove or replace members",
        ));
    }
    check_live(state)
}

/// Who may add members: the registrar, while the case is open.
pub fn check_may_add_member(roles: &[Role], state: CaseState) -> Result<()> {
    if !roles.contains(&Role::Registrar) {
        return Err(Error::refused("only the case's registrar may add members"));
    }
    if state != CaseState::Open {
        return Err(Error::refused(format!(
            "the case is {}, so its membership is fixed",
            state.as_str()
        )));
    }
    Ok(())
}

/// The public facts about a document that the disclosure rules depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentFacts {
    /// Case reference (for messages that tell people what to run).
    pub case: String,
    /// Case number.
    pub num: u64,
    /// Owner.
    pub owner: Owner,
    /// Category.
    pub category: Category,
    /// Deposited with `--confidential`.
    pub confidential: bool,
}

impl DocumentFacts {
    fn owned_by(&self, roles: &[Role]) -> bool {
        match &self.owner {
            Owner::Party(l) => roles.contains(&Role::Party(l.clone())),
            Owner::Mediators => roles.contains(&Role::Mediator),
            Owner::Registrar => roles.contains(&Role::Registrar),
        }
    }

    /// Whether a mediator needs the owner's consent to disclose under `policy`.
    pub fn needs_consent(&self, policy: Policy) -> bool {
        match self.category {
            // Already shared with every party at deposit: nothing confidential to guard.
            Category::Settlement | Category::Procedural => false,
            Category::Caucus => true,
            _ => policy == Policy::Consent || self.confidential,
        }
    }
}

/// Why a disclosure is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisclosureBasis {
    /// A member of the owner party discloses its own document.
    Owner,
    /// A mediator, relying on the owner party's signed consent.
    Consent,
    /// A mediator, under the `discretion` policy (or an already-shared category).
    Discretion,
}

/// Refuse disclosure acts on sealed or destroyed cases.
pub fn check_live(state: CaseState) -> Result<()> {
    match state {
        CaseState::Open | CaseState::Closed => Ok(()),
        other => Err(Error::refused(format!(
            "the case is {}; its documents are reachable only through the sealed archive",
            other.as_str()
        ))),
    }
}

fn check_other_party(
    doc: &DocumentFacts,
    label: &str,
    party_labels: &BTreeSet<String>,
    what: &str,
) -> Result<()> {
    if !party_labels.contains(label) {
        return Err(Error::usage(format!(
            "there is no party `{label}` in this case (parties: {})",
            party_labels.iter().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    if doc.owner == Owner::Party(label.to_owned()) {
        return Err(Error::refused(format!(
            "#{} belongs to the {label} party; {what} concerns other parties",
            doc.num
        )));
    }
    Ok(())
}

/// Whether `to` can receive `doc` at all: a party of the case other than its owner.
pub fn check_disclosure_target(
    doc: &DocumentFacts,
    to: &str,
    party_labels: &BTreeSet<String>,
) -> Result<()> {
    check_other_party(doc, to, party_labels, "disclosure")
}

/// Who may consent to disclosing `doc` to party `to`: members of the owner party.
pub fn check_may_consent(
    roles: &[Role],
    doc: &DocumentFacts,
    to: &str,
    party_labels: &BTreeSet<String>,
) -> Result<()> {
    if to != EXTERNAL {
        check_other_party(doc, to, party_labels, "consent")?;
    }
    match &doc.owner {
        Owner::Party(owner) if roles.contains(&Role::Party(owner.clone())) => Ok(()),
        Owner::Party(owner) => Err(Error::refused(format!(
            "only a member of the {owner} party may consent to disclosing #{}",
            doc.num
        ))),
        _ => Err(Error::refused(format!(
            "#{} is not a party's document, so there is no consent to give",
            doc.num
        ))),
    }
}

/// Decide whether `roles` may disclose `doc` to party `to` under `policy`, given
/// whether the owner's consent for that party exists. The refusal says what is missing.
pub fn disclosure_basis(
    roles: &[Role],
    doc: &DocumentFacts,
    to: &str,
    policy: Policy,
    has_consent: bool,
    party_labels: &BTreeSet<String>,
) -> Result<DisclosureBasis> {
    check_other_party(doc, to, party_labels, "disclosure")?;
    if doc.category == Category::MediatorNote {
        return Err(Error::refused(format!(
            "#{} is a mediator-note, which is never disclosed to a party",
            doc.num
        )));
    }
    if doc.owned_by(roles) && matches!(doc.owner, Owner::Party(_)) {
        return Ok(DisclosureBasis::Owner);
    }
    if !roles.contains(&Role::Mediator) {
        return Err(Error::refused(format!(
            "only a member of the {} party or a mediator may disclose #{}",
            doc.owner.label(),
            doc.num
        )));
    }
    mediator_basis(
        doc,
        policy,
        has_consent,
        &format!("disclosing #{} to the {to} party", doc.num),
        to,
    )
}

/// A mediator passing `doc` on (to a party, or out of the case): at discretion where
/// the rules need no consent, else only with the owner's consent to `to`.
fn mediator_basis(
    doc: &DocumentFacts,
    policy: Policy,
    has_consent: bool,
    act: &str,
    to: &str,
) -> Result<DisclosureBasis> {
    if !doc.needs_consent(policy) {
        return Ok(DisclosureBasis::Discretion);
    }
    if has_consent {
        return Ok(DisclosureBasis::Consent);
    }
    Err(missing_consent(doc, policy, act, to))
}

/// The refusal for a mediator's act that needs the owner's consent to `to`: what is
/// missing, why the rules need it, and the command that gives it.
fn missing_consent(doc: &DocumentFacts, policy: Policy, act: &str, to: &str) -> Error {
    let owner = doc.owner.label();
    let why = match (doc.category, doc.confidential, policy) {
        (Category::Caucus, _, _) => "caucus documents always need it",
        (_, true, _) => "it was deposited as confidential",
        _ => "the case's policy is consent",
    };
    Error::refused(format!(
        "the {owner} party has not consented to {act} ({why})"
    ))
    .with_hint(crate::error::Hint::Consent {
        owner: owner.to_owned(),
        case: doc.case.clone(),
        num: doc.num,
        to: to.to_owned(),
    })
}

/// Decide whether `roles` may export `doc` out of the case (a standard age file to an
/// outside recipient). Export is disclosure to someone outside: the owner party's
/// members may; a mediator needs the owner's signed consent `--to external` exactly
/// where a disclosure to a party would need it (under `discretion`, the mediator
/// decides, except for caucus and confidential documents); a mediator-note leaves
/// the case only by the mediator who wrote it (`is_author`); nobody else exports.
pub fn export_basis(
    roles: &[Role],
    doc: &DocumentFacts,
    policy: Policy,
    has_consent: bool,
    is_author: bool,
) -> Result<DisclosureBasis> {
    if doc.category == Category::MediatorNote {
        return if is_author && roles.contains(&Role::Mediator) {
            Ok(DisclosureBasis::Owner)
        } else {
            Err(Error::refused(format!(
                "#{} is a mediator-note: only the mediator who wrote it may export it",
                doc.num
            )))
        };
    }
    if doc.owned_by(roles) {
        return Ok(DisclosureBasis::Owner);
    }
    if !roles.contains(&Role::Mediator) {
        return Err(Error::refused(format!(
            "exporting #{} takes it out of the case, which only a member of the {} party or a mediator may do",
            doc.num,
            doc.owner.label()
        )));
    }
    mediator_basis(
        doc,
        policy,
        has_consent,
        &format!("#{} leaving the case", doc.num),
        EXTERNAL,
    )
}

/// Who may revoke a party's access to `doc`: a member of the owner party or a mediator,
/// and never from the owner party itself. `from` may also be [`EXTERNAL`]: that
/// withdraws a consent to export.
pub fn check_may_revoke(
    roles: &[Role],
    doc: &DocumentFacts,
    from: &str,
    party_labels: &BTreeSet<String>,
) -> Result<()> {
    if from != EXTERNAL {
        check_other_party(doc, from, party_labels, "revocation")?;
    }
    let owner_member = matches!(doc.owner, Owner::Party(_)) && doc.owned_by(roles);
    if owner_member || roles.contains(&Role::Mediator) {
        Ok(())
    } else {
        Err(Error::refused(format!(
            "only a member of the {} party or a mediator may revoke access to #{}",
            doc.owner.label(),
            doc.num
        )))
    }
}

/// Who may seal: the archivist, once the case is closed.
pub fn check_may_seal(roles: &[Role], state: CaseState) -> Result<()> {
    if !roles.contains(&Role::Archivist) {
        return Err(Error::refused("only the case's archivist may seal it"));
    }
    match state {
        CaseState::Closed => Ok(()),
        CaseState::Open => Err(Error::refused(
            "the case is still open; a mediator or the registrar must close it before it is sealed",
        )),
        other => Err(Error::refused(format!(
            "the case is already {}",
            other.as_str()
        ))),
    }
}

/// Parse a calendar date `YYYY-MM-DD` (checked to exist), returned unchanged.
pub fn parse_date(s: &str) -> Result<String> {
    crate::date::Day::parse(s).map(|d| d.to_string())
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    crate::date::Day::today().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> BTreeSet<String> {
        ["claimant", "respondent"].map(String::from).into()
    }

    #[test]
    fn one_identity_belongs_to_at_most_one_party_and_neutrals_to_none() {
        let ana = "ab".repeat(32);
        let party = |l: &str| Role::Party(l.into());
        let has = |role: Role| vec![(role, ana.clone(), "Ana".to_owned())];
        // Every pair of roles for one card, and whether the rules allow it.
        let cases = [
            (party("claimant"), party("respondent"), false),
            (party("claimant"), party("claimant"), true),
            (Role::Mediator, party("claimant"), false),
            (party("claimant"), Role::Mediator, false),
            (Role::Archivist, party("respondent"), false),
            (Role::Custodian, party("respondent"), false),
            (party("respondent"), Role::Custodian, false),
            (Role::Registrar, party("claimant"), true),
            (party("claimant"), Role::Registrar, true),
            (Role::Archivist, Role::Custodian, true),
            (Role::Mediator, Role::Custodian, true),
            (Role::Registrar, Role::Mediator, true),
        ];
        for (held, new, allowed) in cases {
            let got = check_new_member(&has(held.clone()), &new, &ana, "Ana");
            assert_eq!(got.is_ok(), allowed, "{held} then {new}: {got:?}");
            if let Err(e) = got {
                assert_eq!(e.kind(), crate::ErrorKind::Refused);
                // Both places are named.
                assert!(e.message().contains(&place(&held)), "{}", e.message());
                assert!(e.message().contains(&place(&new)), "{}", e.message());
                assert!(e.message().contains("ABAB ABAB"), "{}", e.message());
            }
        }
        // Another card is never in the way.
        let other = "cd".repeat(32);
        assert!(check_new_member(
            &has(party("claimant")),
            &party("respondent"),
            &other,
            "Chen"
        )
        .is_ok());
    }

    #[test]
    fn mediator_notes_reach_only_mediators() {
        let r = readers_on_deposit(Category::MediatorNote, &Owner::Mediators, true, &labels());
        assert_eq!(r, [Audience::Mediators].into());
    }

    #[test]
    fn share_with_all_widens_only_briefs_and_evidence() {
        let owner = Owner::Party("claimant".into());
        for cat in [Category::Brief, Category::Evidence] {
            assert!(readers_on_deposit(cat, &owner, true, &labels())
                .contains(&Audience::Party("respondent".into())));
            assert!(!readers_on_deposit(cat, &owner, false, &labels())
                .contains(&Audience::Party("respondent".into())));
        }
        assert!(
            !readers_on_deposit(Category::Caucus, &owner, true, &labels())
                .contains(&Audience::Party("respondent".into()))
        );
    }

    #[test]
    fn deposit_rights_follow_roles() {
        let mediator = [Role::Mediator];
        assert_eq!(
            deposit_owner(&mediator, Category::MediatorNote, None).unwrap(),
            Owner::Mediators
        );
        assert!(deposit_owner(&mediator, Category::Brief, None).is_err());
        let party = [Role::Party("claimant".into())];
        assert!(deposit_owner(&party, Category::MediatorNote, None).is_err());
        assert_eq!(
            deposit_owner(&party, Category::Caucus, None).unwrap(),
            Owner::Party("claimant".into())
        );
        assert!(deposit_owner(&[], Category::Brief, None).is_err());
        assert!(deposit_owner(&[Role::Archivist], Category::Procedural, None).is_err());
        assert_eq!(
            deposit_owner(&[Role::Registrar], Category::Procedural, None).unwrap(),
            Owner::Registrar
        );
        let both = [Role::Party("a".into()), Role::Party("b".into())];
        assert!(deposit_owner(&both, Category::Brief, None).is_err());
        assert_eq!(
            deposit_owner(&both, Category::Brief, Some("b")).unwrap(),
            Owner::Party("b".into())
        );
        assert!(deposit_owner(&party, Category::Brief, Some("b")).is_err());
    }

    #[test]
    fn each_deposit_refusal_says_why() {
        let message = |roles: &[Role], cat| {
            let err = deposit_owner(roles, cat, None).unwrap_err();
            (err.kind(), err.message().to_owned())
        };
        let both = [Role::Party("a".into()), Role::Party("b".into())];
        let (kind, text) = message(&both, Category::Brief);
        assert_eq!(kind, crate::ErrorKind::Usage, "{text}");
        assert!(text.contains("several parties (a, b)"), "{text}");
        let (kind, text) = message(&[Role::Mediator], Category::Brief);
        assert_eq!(kind, crate::ErrorKind::Refused);
        assert!(text.contains("a mediator may deposit only"), "{text}");
        let (_, text) = message(&[Role::Registrar], Category::Brief);
        assert!(text.contains("the registrar may deposit only"), "{text}");
        let (_, text) = message(&[Role::Archivist], Category::Brief);
        assert!(text.contains("(archivist) may not deposit"), "{text}");
        assert_eq!(
            deposit_owner(&[Role::Mediator], Category::Settlement, None).unwrap(),
            Owner::Mediators
        );
        assert!(deposit_owner(&[Role::Registrar], Category::Settlement, None).is_err());
    }

    #[test]
    fn roles_categories_and_audiences_read_as_people_write_them() {
        assert_eq!(Role::Party("claimant".into()).to_string(), "party claimant");
        assert_eq!(Role::Mediator.to_string(), "mediator");
        assert_eq!(Category::MediatorNote.to_string(), "mediator-note");
        assert_eq!(Category::Brief.to_string(), "brief");
        assert_eq!(
            Audience::Party("respondent".into()).to_string(),
            "the respondent party"
        );
        assert_eq!(Audience::Mediators.to_string(), "the mediators");
        assert_eq!(
            place(&Role::Party("claimant".into())),
            "a member of the claimant party"
        );
        assert_eq!(place(&Role::Mediator), "a mediator");
        assert_eq!(place(&Role::Registrar), "the registrar");
        assert_eq!(place(&Role::Archivist), "the archivist");
    }

    #[test]
    fn every_category_but_mediator_notes_is_escrowed() {
        for category in Category::ALL {
            assert_eq!(
                category.escrowed(),
                category != Category::MediatorNote,
                "{category}"
            );
        }
    }

    #[test]
    fn case_states_parse_back_and_nothing_else_does() {
        for state in [
            CaseState::Open,
            CaseState::Closed,
            CaseState::Sealed,
            CaseState::Destroyed,
        ] {
            assert_eq!(CaseState::parse(state.as_str()).unwrap(), state);
        }
        for bad in ["", "Open", "archived"] {
            assert!(CaseState::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn what_each_case_state_allows() {
        use CaseState::*;
        let refused = |r: Result<()>| r.is_err_and(|e| e.kind() == crate::ErrorKind::Refused);
        assert!(check_open_for_deposit(Open).is_ok());
        assert!(check_live(Open).is_ok() && check_live(Closed).is_ok());
        for state in [Closed, Sealed, Destroyed] {
            assert!(
                refused(check_open_for_deposit(state)),
                "deposit when {state:?}"
            );
            assert!(
                refused(check_may_close(&[Role::Mediator], state)),
                "{state:?}"
            );
            assert!(refused(check_may_add_member(&[Role::Registrar], state)));
        }
        for state in [Sealed, Destroyed] {
            assert!(refused(check_live(state)), "{state:?}");
        }
        assert!(check_may_close(&[Role::Mediator], Open).is_ok());
        assert!(check_may_close(&[Role::Registrar], Open).is_ok());
        assert!(refused(check_may_close(
            &[Role::Party("claimant".into())],
            Open
        )));
        assert!(check_may_add_member(&[Role::Registrar], Open).is_ok());
        assert!(refused(check_may_add_member(&[Role::Mediator], Open)));
    }

    fn brief(category: Category, confidential: bool) -> DocumentFacts {
        DocumentFacts {
            case: "C-1".into(),
            num: 3,
            owner: Owner::Party("claimant".into()),
            category,
            confidential,
        }
    }

    #[test]
    fn a_missing_consent_says_which_rule_needs_it() {
        let why = |doc: &DocumentFacts, policy| {
            missing_consent(doc, policy, "disclosing #3", "respondent")
                .message()
                .to_owned()
        };
        let caucus = why(&brief(Category::Caucus, true), Policy::Discretion);
        assert!(
            caucus.contains("caucus documents always need it"),
            "{caucus}"
        );
        let confidential = why(&brief(Category::Brief, true), Policy::Consent);
        assert!(
            confidential.contains("deposited as confidential"),
            "{confidential}"
        );
        let plain = why(&brief(Category::Brief, false), Policy::Consent);
        assert!(plain.contains("the case's policy is consent"), "{plain}");
        assert!(
            plain.starts_with("the claimant party has not consented"),
            "{plain}"
        );
    }

    #[test]
    fn a_mediator_note_leaves_only_with_the_mediator_who_wrote_it() {
        let note = DocumentFacts {
            owner: Owner::Mediators,
            ..brief(Category::MediatorNote, false)
        };
        let export =
            |roles: &[Role], author| export_basis(roles, &note, Policy::Discretion, true, author);
        assert_eq!(
            export(&[Role::Mediator], true).unwrap(),
            DisclosureBasis::Owner
        );
        assert!(
            export(&[Role::Mediator], false).is_err(),
            "another mediator"
        );
        assert!(export(&[Role::Registrar], true).is_err(), "not a mediator");
    }

    #[test]
    fn only_the_archivist_seals_and_only_a_closed_case() {
        use CaseState::*;
        assert!(check_may_seal(&[Role::Archivist], Closed).is_ok());
        for state in [Open, Sealed, Destroyed] {
            assert!(
                check_may_seal(&[Role::Archivist], state).is_err(),
                "{state:?}"
            );
        }
        for role in [Role::Mediator, Role::Registrar, Role::Custodian] {
            assert!(check_may_seal(&[role], Closed).is_err());
        }
    }

    #[test]
    fn a_disclosure_goes_only_to_another_party_of_the_case() {
        let doc = DocumentFacts {
            case: "C-1".into(),
            num: 3,
            owner: Owner::Party("claimant".into()),
            category: Category::Brief,
            confidential: false,
        };
        assert!(check_disclosure_target(&doc, "respondent", &labels()).is_ok());
        let own = check_disclosure_target(&doc, "claimant", &labels()).unwrap_err();
        assert_eq!(own.kind(), crate::ErrorKind::Refused);
        let unknown = check_disclosure_target(&doc, "intervener", &labels()).unwrap_err();
        assert_eq!(unknown.kind(), crate::ErrorKind::Usage);
        assert!(unknown.message().contains("no party `intervener`"));
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("2036-12-31").unwrap(), "2036-12-31");
        for bad in [
            "2036-02-30",
            "2036-13-01",
            "36-12-31",
            "2036/12/31",
            "",
            "2036-12-31x",
        ] {
            assert!(parse_date(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn labels_are_checked() {
        assert!(check_label("claimant").is_ok());
        assert!(check_label("co-respondent-2").is_ok());
        for bad in ["", "Claimant", "a b", "mediators", "escrow", "-x", "é"] {
            assert!(check_label(bad).is_err(), "{bad} accepted");
        }
    }
}
