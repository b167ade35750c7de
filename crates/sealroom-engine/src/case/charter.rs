//! The charter: the signed founding statement of a case (reference, policy, members
//! with their cards, escrow recipient and threshold). Membership changes later only by
//! signed `add-member` statements.

use serde::{Deserialize, Serialize};

use super::policy::{check_label, Policy, Role};
use crate::error::{Error, Input, Result};
use crate::identity::{Card, Fingerprint};

/// Longest case reference accepted.
pub const MAX_REFERENCE_LEN: usize = 64;

/// One member as recorded in a charter or an add-member statement: a role and a card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    /// `registrar`, `mediator`, `party`, `archivist` or `custodian`.
    pub role: String,
    /// The party label, for party members only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Display name from the card.
    pub name: String,
    /// age recipient from the card.
    pub age: String,
    /// Ed25519 public key (base64) from the card.
    pub ed25519: String,
}

impl MemberRecord {
    /// Record `card` in `role`.
    pub fn new(role: &Role, card: &Card) -> Self {
        MemberRecord {
            role: role.kind().to_owned(),
            label: match role {
                Role::Party(l) => Some(l.clone()),
                _ => None,
            },
            name: card.name().to_owned(),
            age: card.recipient().to_owned(),
            ed25519: card.verifying_key_b64(),
        }
    }

    /// The role, checked.
    pub fn role(&self) -> Result<Role> {
        let role = match (self.role.as_str(), &self.label) {
            ("registrar", None) => Role::Registrar,
            ("mediator", None) => Role::Mediator,
            ("archivist", None) => Role::Archivist,
            ("custodian", None) => Role::Custodian,
            ("party", Some(label)) => {
                check_label(label)?;
                Role::Party(label.clone())
            }
            _ => return Err(Error::integrity("a member record names an unknown role")),
        };
        Ok(role)
    }

    /// The member's card, rebuilt and checked.
    pub fn card(&self) -> Result<Card> {
        Card::from_parts(&self.name, &self.age, &self.ed25519)
    }

    /// The member's fingerprint.
    pub fn fingerprint(&self) -> Result<Fingerprint> {
        Ok(self.card()?.fingerprint())
    }
}

/// The charter of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charter {
    /// The case reference people type (e.g. `IOMed-2026-014`).
    pub reference: String,
    /// An optional public title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Disclosure policy.
    pub policy: Policy,
    /// Custodian shares needed to open the escrow key.
    pub threshold: u32,
    /// The escrow key's public recipient.
    pub escrow_recipient: String,
    /// Everyone in the case, registrar first.
    pub members: Vec<MemberRecord>,
    /// The SHA-256 of each holder's encrypted escrow share, so a damaged or swapped
    /// share is found long before anyone needs it.
    pub escrow_shares: Vec<ShareDigest>,
}

/// Which encrypted escrow share a holder has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareDigest {
    /// The holder's card fingerprint (hex): a custodian, or the archivist when none.
    pub holder: String,
    /// SHA-256 (hex) of the age-encrypted share.
    pub sha256: String,
}

/// Check a case reference: printable, no spaces, at most 64 characters.
pub fn check_reference(reference: &str) -> Result<()> {
    let ok = !reference.is_empty()
        && reference.len() <= MAX_REFERENCE_LEN
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
        && !reference.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "`{reference}` is not a case reference; use letters, digits and - _ . / : (at most {MAX_REFERENCE_LEN})"
        )))
    }
}

impl Charter {
    /// Check the charter's internal consistency.
    pub fn validate(&self) -> Result<()> {
        check_reference(&self.reference)?;
        if let Some(t) = &self.title {
            if t.chars().any(char::is_control) || t.chars().count() > 200 {
                return Err(Error::usage(
                    "a case title must be one line of at most 200 characters",
                ));
            }
        }
        let mut roles = Vec::new();
        for m in &self.members {
            roles.push((m.role()?, m.fingerprint()?));
        }
        let count = |f: &dyn Fn(&Role) -> bool| roles.iter().filter(|(r, _)| f(r)).count();
        if count(&|r| *r == Role::Registrar) != 1 {
            return Err(Error::usage("a charter names exactly one registrar"));
        }
        if count(&|r| *r == Role::Mediator) == 0 {
            return Err(Error::usage("a case needs at least one mediator").about(Input::Mediators));
        }
        let labels: std::collections::BTreeSet<_> = roles
            .iter()
            .filter_map(|(r, _)| match r {
                Role::Party(l) => Some(l.clone()),
                _ => None,
            })
            .collect();
        if labels.len() < 2 {
            return Err(Error::usage(
                "a mediation needs at least two parties, each with a label of its own",
            )
            .about(Input::Parties));
        }
        if count(&|r| *r == Role::Archivist) != 1 {
            return Err(Error::usage("a case needs exactly one archivist").about(Input::Archivist));
        }
        let custodians = count(&|r| *r == Role::Custodian);
        let holders = custodians.max(1) as u32;
        if self.threshold == 0 || self.threshold > holders {
            return Err(Error::usage(format!(
                "the threshold must be between 1 and the number of custodians ({holders})"
            ))
            .about(Input::Threshold));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (role, fpr) in &roles {
            if !seen.insert((role.clone(), *fpr)) {
                return Err(Error::usage(format!(
                    "the same card is named twice as {role}"
                )));
            }
        }
        let mut placed: Vec<(Role, String, String)> = Vec::new();
        for (m, (role, fpr)) in self.members.iter().zip(&roles) {
            crate::case::policy::check_new_member(&placed, role, &fpr.to_hex(), &m.name)?;
            placed.push((role.clone(), fpr.to_hex(), m.name.clone()));
        }
        age_recipient(&self.escrow_recipient)?;
        let holders: std::collections::BTreeSet<String> = roles
            .iter()
            .filter(|(r, _)| {
                *r == if custodians == 0 {
                    Role::Archivist
                } else {
                    Role::Custodian
                }
            })
            .map(|(_, f)| f.to_hex())
            .collect();
        let named: std::collections::BTreeSet<String> = self
            .escrow_shares
            .iter()
            .map(|s| s.holder.clone())
            .collect();
        if !self.escrow_shares.is_empty()
            && (named != holders || named.len() != self.escrow_shares.len())
        {
            return Err(Error::usage(
                "the charter's escrow shares do not match its custodians",
            ));
        }
        Ok(())
    }

    /// Check the charter as it must be once signed: every share holder's digest present.
    pub fn validate_signed(&self) -> Result<()> {
        self.validate()?;
        if self.escrow_shares.is_empty() {
            return Err(Error::integrity("the charter records no escrow shares"));
        }
        Ok(())
    }

    /// The escrow recipient, parsed.
    pub fn escrow(&self) -> Result<age::x25519::Recipient> {
        age_recipient(&self.escrow_recipient)
    }

    /// The registrar's record.
    pub fn registrar(&self) -> Result<&MemberRecord> {
        self.members
            .iter()
            .find(|m| m.role == "registrar")
            .ok_or_else(|| Error::integrity("the charter names no registrar"))
    }
}

fn age_recipient(s: &str) -> Result<age::x25519::Recipient> {
    s.parse()
        .map_err(|_| Error::integrity("the charter's escrow recipient is not an age recipient"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;

    fn member(role: Role) -> MemberRecord {
        MemberRecord::new(&role, &Identity::generate("M").unwrap().card())
    }

    fn charter() -> Charter {
        Charter {
            reference: "IOMed-2026-001".into(),
            title: None,
            policy: Policy::Consent,
            threshold: 1,
            escrow_recipient: age::x25519::Identity::generate().to_public().to_string(),
            members: vec![
                member(Role::Registrar),
                member(Role::Mediator),
                member(Role::Party("claimant".into())),
                member(Role::Party("respondent".into())),
                member(Role::Archivist),
            ],
            escrow_shares: vec![],
        }
    }

    #[test]
    fn a_complete_charter_validates() {
        charter().validate().unwrap();
    }

    #[test]
    fn missing_roles_are_refused() {
        let mut c = charter();
        c.members.retain(|m| m.role != "mediator");
        assert!(c.validate().is_err());
        let mut c = charter();
        c.members
            .retain(|m| m.label.as_deref() != Some("respondent"));
        assert!(c.validate().is_err());
        let mut c = charter();
        c.threshold = 2;
        assert!(c.validate().is_err());
    }

    #[test]
    fn references_are_checked() {
        assert!(check_reference("IOMed-2026/014").is_ok());
        assert!(check_reference("").is_err());
        assert!(check_reference("a b").is_err());
        assert!(check_reference(&"x".repeat(65)).is_err());
    }
}
