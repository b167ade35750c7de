//! Sealed archives: one tar file per closed case that anyone can verify without a key
//! and only a quorum of custodians can open; retention ends in destruction.
//!
//! - [`format`]: the members, the signed manifest, the document index.
//! - [`seal`]: writing an archive from a vault and shredding live access.
//! - [`verify`]: checking an archive with no vault and no key.
//! - [`release`]: custodians' share releases, and opening with them.
//! - [`destroy`]: the destruction certificate and the removal of key material.

pub mod destroy;
#[doc(hidden)]
pub mod format;
pub mod ledger;
pub mod release;
mod seal;
pub mod verify;

pub use seal::Sealed;

use std::io::Read;

use serde::Serialize;

use crate::case::policy::Role;
use crate::error::Result;
use crate::log::statement::Act;

/// A public description of an archive (no confidential metadata).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ArchiveSummary {
    /// Case reference.
    pub case: String,
    /// Public case title.
    pub title: Option<String>,
    /// Disclosure policy of the case.
    pub policy: String,
    /// Parties, each with its members' names.
    pub parties: Vec<PartyMembers>,
    /// Mediators' names.
    pub mediators: Vec<String>,
    /// The archivist's name.
    pub archivist: String,
    /// Custodians needed to open / custodians.
    pub threshold: u32,
    /// Custodians' names.
    pub custodians: Vec<String>,
    /// When the case was opened.
    pub opened_at: String,
    /// When it was closed.
    pub closed_at: Option<String>,
    /// When it was sealed.
    pub sealed_at: String,
    /// Last day of retention.
    pub retain_until: String,
    /// Documents: number, category, owner, disposition.
    pub documents: Vec<ArchivedDocument>,
    /// The archive's identity.
    pub manifest_sha256: String,
}

/// A party and its members, in `archive show`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct PartyMembers {
    /// The party's label.
    pub label: String,
    /// Its members' names.
    pub members: Vec<String>,
}

/// One document in `archive show`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ArchivedDocument {
    /// Case number.
    pub num: u64,
    /// Category.
    pub category: String,
    /// Owner label.
    pub owner: String,
    /// `retained`, `escrowed` or `destroyed`.
    pub disposition: String,
}

/// Verify an archive and describe it.
pub fn show(
    input: impl Read,
    certificate: Option<&destroy::Certificate>,
) -> Result<ArchiveSummary> {
    let v = verify::verify_full(input, certificate)?;
    Ok(summary(&v))
}

/// Verify an archive, describe it, and check its ledger (see [`ledger`]).
pub fn show_with_ledger(
    input: impl Read,
    certificate: Option<&destroy::Certificate>,
    ledger_path: &std::path::Path,
) -> Result<(ArchiveSummary, Vec<ledger::LedgerLine>)> {
    let v = verify::verify_full(input, certificate)?;
    let lines = ledger::check(ledger_path, &v)?;
    Ok((summary(&v), lines))
}

fn summary(v: &verify::VerifiedArchive) -> ArchiveSummary {
    let members = &v.replay.members;
    let names = |role: &Role| -> Vec<String> {
        members
            .iter()
            .filter(|(r, _)| r == role)
            .map(|(_, c)| c.name().to_owned())
            .collect()
    };
    let mut parties: Vec<PartyMembers> = Vec::new();
    for (r, c) in members {
        if let Role::Party(l) = r {
            match parties.iter_mut().find(|p| &p.label == l) {
                Some(p) => p.members.push(c.name().to_owned()),
                None => parties.push(PartyMembers {
                    label: l.clone(),
                    members: vec![c.name().to_owned()],
                }),
            }
        }
    }
    let closed_at = v
        .replay
        .statements
        .iter()
        .find(|s| matches!(s.act, Act::Close {}))
        .map(|s| s.at.clone());
    ArchiveSummary {
        case: v.manifest.case.clone(),
        title: v.replay.charter.title.clone(),
        policy: v.replay.charter.policy.as_str().to_owned(),
        parties,
        mediators: names(&Role::Mediator),
        archivist: v.manifest.archivist.name.clone(),
        threshold: v.replay.charter.threshold,
        custodians: names(&Role::Custodian),
        opened_at: v.replay.statements[0].at.clone(),
        closed_at,
        sealed_at: v.manifest.sealed_at.clone(),
        retain_until: v.manifest.retain_until.clone(),
        documents: v
            .documents
            .iter()
            .map(|d| ArchivedDocument {
                num: d.num,
                category: d.category.clone(),
                owner: d.owner.clone(),
                disposition: d.disposition.clone(),
            })
            .collect(),
        manifest_sha256: v.report.manifest_sha256.clone(),
    }
}
