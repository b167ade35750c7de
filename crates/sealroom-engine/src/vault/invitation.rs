//! Case invitations: one file a registrar signs for a member, carrying everything the
//! member's machine pins when joining (the vault's identity and log key, the charter
//! fingerprint), so that joining needs no 64 hex digits read over the phone, only the
//! registrar's card, which the institution publishes.
//!
//! The invitation proves nothing by itself about the vault: a vault operator could
//! make a look-alike case with a registrar key of their own and sign an invitation to
//! it. What ties it to the institution is the registrar's card: `case join FILE
//! --registrar CARD` checks the signer against the card the member trusts, and without
//! it the registrar's fingerprint is shown to be compared.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{Joined, JoinedCase, Vault};
use crate::case::charter::MemberRecord;
use crate::case::policy::Role;
use crate::crypto::digest::hex;
use crate::error::{Error, Result};
use crate::identity::{Card, Identity};
use crate::signed::{self, Signed};

/// Signature domain of invitations.
const DOMAIN: &[u8] = b"sealroom invitation v1\0";
/// The invitation format tag.
pub(crate) const FORMAT: &str = "sealroom-invitation-v1";

/// What a registrar invites a member to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct InvitationBody {
    /// Always `sealroom-invitation-v1`.
    pub format: String,
    /// Case reference.
    pub case: String,
    /// Where the vault is, as the registrar names it (a folder, or later a server).
    pub vault: String,
    /// The pin of the vault service's TLS key (`sha256//…`), when `vault` is a
    /// server's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_pin: Option<String>,
    /// The vault's identifier.
    pub vault_id: String,
    /// The vault's log key (signed-note verifier), which every checkpoint must verify
    /// under.
    pub log_verifier: String,
    /// The case's charter fingerprint (hex).
    pub charter_fingerprint: String,
    /// The member invited: their card's fingerprint (hex).
    pub to: String,
    /// Their name, for people.
    pub to_name: String,
    /// The registrar who signs it.
    pub registrar: MemberRecord,
    /// When (RFC 3339).
    pub issued_at: String,
}

/// A signed invitation.
#[derive(Clone, Debug)]
pub struct Invitation {
    signed: Signed<InvitationBody>,
}

impl Invitation {
    /// What it invites to.
    pub fn body(&self) -> &InvitationBody {
        self.signed.value()
    }

    /// Parse an invitation file's text (the signature is not checked here).
    pub fn parse(text: &str) -> Result<Self> {
        let not_one = || Error::usage("this is not a sealroom case invitation (expected its JSON)");
        let (bytes, signature) = signed::file_parts(text, "invitation").ok_or_else(not_one)?;
        let signature = B64.decode(signature).unwrap_or_default();
        let signed: Signed<InvitationBody> =
            Signed::from_parts(bytes.to_vec(), signature).ok_or_else(not_one)?;
        if signed.value().format != FORMAT {
            return Err(Error::usage("this case invitation has an unknown format"));
        }
        Ok(Invitation { signed })
    }

    /// The invitation file: the body exactly as signed, and the signature.
    pub fn to_text(&self) -> String {
        signed::file_text_of(
            "invitation",
            self.signed.text(),
            &B64.encode(self.signed.signature()),
        )
    }

    /// The registrar's card it names, if its signature is that registrar's.
    pub fn signer(&self) -> Result<Card> {
        let bad = || {
            Error::integrity(
                "the case invitation is not signed by the registrar it names: it was altered or forged",
            )
        };
        let card = self.body().registrar.card().map_err(|_| bad())?;
        if self.body().registrar.role != Role::Registrar.kind()
            || !self.signed.verify(DOMAIN, &card)
        {
            return Err(bad());
        }
        Ok(card)
    }
}

impl Serialize for Invitation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut out = s.serialize_struct("Invitation", 2)?;
        out.serialize_field("invitation", self.body())?;
        out.serialize_field("signature", &B64.encode(self.signed.signature()))?;
        out.end()
    }
}

impl Vault {
    /// Invite member `to` to case `reference` (its registrar only): a signed file
    /// naming this vault (`location`, as the member will reach it), its log key and
    /// the case's charter fingerprint.
    pub fn invite(
        &self,
        registrar: &Identity,
        reference: &str,
        to: &Card,
        location: &str,
    ) -> Result<Invitation> {
        let db = self.read_tx()?;
        let ctx = self.load(&*db, reference, Joined::Required)?;
        drop(db);
        if !ctx.member_roles(registrar)?.contains(&Role::Registrar) {
            return Err(Error::refused(format!(
                "only the registrar of case {reference} may invite to it"
            )));
        }
        if ctx.roles_of(&to.fingerprint()).is_empty() {
            return Err(Error::refused(format!(
                "{} is not a member of case {reference}: add them first (as a party member or a mediator), then invite them",
                to.name()
            )));
        }
        let facts = self.facts()?;
        let body = InvitationBody {
            format: FORMAT.to_owned(),
            case: reference.to_owned(),
            vault: location.to_owned(),
            tls_pin: match &self.remote {
                Some(conn) if conn.location().url == location => conn.pin().map(str::to_owned),
                _ => None,
            },
            vault_id: facts.vault_id.clone(),
            log_verifier: facts.log_verifier.to_verifier_string(),
            charter_fingerprint: hex(&ctx.leaves[0]),
            to: to.fingerprint().to_hex(),
            to_name: to.name().to_owned(),
            registrar: MemberRecord::new(&Role::Registrar, &registrar.card()),
            issued_at: crate::log::statement::now(),
        };
        Ok(Invitation {
            signed: Signed::sign(DOMAIN, body, registrar)?,
        })
    }

    /// Join the case an invitation names: its signature must be its registrar's (and
    /// that registrar `expected`, when the member gives the card they trust), the vault
    /// must be the one it names with the log key it names, and the vault's charter must
    /// be the one it names and be signed by that same registrar.
    pub fn join_invited(
        &self,
        invitation: &Invitation,
        expected: Option<&Card>,
    ) -> Result<JoinedCase> {
        let body = invitation.body();
        let signer = invitation.signer()?;
        if let Some(card) = expected {
            if card.fingerprint() != signer.fingerprint() {
                return Err(Error::integrity(format!(
                    "the invitation is signed by {} (card {}), not by the registrar card you gave: do not join; ask the institution",
                    signer.name(),
                    signer.fingerprint().short()
                )));
            }
        }
        let facts = self.facts()?;
        if facts.vault_id != body.vault_id
            || facts.log_verifier.to_verifier_string() != body.log_verifier
        {
            return Err(Error::integrity(format!(
                "this vault is not the one the invitation names (vault {}): its identity or log key differs; nothing was pinned",
                body.vault_id
            )));
        }
        // The charter, checked against the fingerprint and so against its registrar.
        let (charter_registrar, charter_leaf) = {
            let db = self.read_tx()?;
            let ctx = self.load(&*db, &body.case, Joined::IfPinned)?;
            (
                ctx.replay.charter.registrar()?.fingerprint()?,
                ctx.leaves[0],
            )
        };
        if hex(&charter_leaf) != body.charter_fingerprint {
            return Err(Error::integrity(format!(
                "the charter of case {} in this vault is not the one the invitation names: this is not the case you were invited to (or the vault rewrote it); nothing was pinned",
                body.case
            )));
        }
        if charter_registrar != signer.fingerprint() {
            return Err(Error::integrity(format!(
                "the invitation to case {} is signed by {}, who is not the registrar its charter names; nothing was pinned",
                body.case,
                signer.name()
            )));
        }
        self.join_case(&body.case, Some(&body.charter_fingerprint))
    }
}
