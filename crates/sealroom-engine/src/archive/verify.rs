//! Verifying a sealed archive with no vault and no key: every member's hash against the
//! archivist-signed manifest, the manifest's signature by the charter's archivist,
//! every statement of the log (replayed under the case's rules), the log's root against
//! its final checkpoint, and the document index against the log.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Serialize;

use super::destroy::Certificate;
use super::format::{self, DocumentEntry, Manifest, MemberEntry};
use crate::case::policy::{CaseState, Category};
use crate::crypto::digest::{hex, sha256};
use crate::error::{Error, Result};
use crate::log::checkpoint::LogVerifier;
use crate::log::merkle::{self, RootBuilder};
use crate::log::receipt;
use crate::log::replay::{self, retained_at_seal, Replay};
use crate::log::statement::{Act, SignedStatement};

/// What a verified archive is.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ArchiveReport {
    /// Case reference.
    pub case: String,
    /// SHA-256 of the manifest (hex): the archive's identity.
    pub manifest_sha256: String,
    /// Files of the archive checked against the manifest.
    pub files: usize,
    /// Log entries replayed.
    pub entries: u64,
    /// Last day of retention.
    pub retain_until: String,
    /// Whether the archive's key material was destroyed (as its certificate says).
    pub destroyed: bool,
    /// When it was destroyed (RFC 3339), from the archivist's signed certificate.
    pub destroyed_at: Option<String>,
    /// Whether a destruction certificate was given (`--certificate`) and matched.
    pub certificate_checked: bool,
}

/// Everything a verified archive holds that opening and showing need.
pub(crate) struct VerifiedArchive {
    pub report: ArchiveReport,
    pub manifest: Manifest,
    pub replay: Replay,
    pub documents: Vec<DocumentEntry>,
    pub small: BTreeMap<String, Vec<u8>>,
}

/// Verify an archive read from `input`; with a destruction certificate, its key
/// material may be absent.
pub fn verify_archive(
    input: impl Read,
    certificate: Option<&Certificate>,
) -> Result<ArchiveReport> {
    verify_full(input, certificate).map(|v| v.report)
}

pub(crate) fn verify_full(
    input: impl Read,
    certificate: Option<&Certificate>,
) -> Result<VerifiedArchive> {
    let contents = format::read_contents(input)?;
    let manifest_bytes = contents.small.get(format::MANIFEST).ok_or_else(|| {
        Error::integrity("the archive has no manifest (sealroom-archive/manifest.json is missing)")
    })?;
    let manifest = Manifest::parse(manifest_bytes)?;
    let manifest_sha256 = hex(&sha256(manifest_bytes));
    let archivist = manifest.archivist.card()?;
    let sig = contents.small.get(format::MANIFEST_SIG).ok_or_else(|| {
        Error::integrity("the archive's manifest is not signed (manifest.sig is missing)")
    })?;
    if !Manifest::verify_signature(manifest_bytes, sig, &archivist) {
        return Err(Error::integrity(
            "the manifest's signature does not verify: the manifest was altered or not signed by its archivist",
        ));
    }

    // Certificate first: it decides which members may be missing. A destroyed archive
    // carries the archivist's certificate; one given on the command line must be it.
    let embedded = contents
        .small
        .get(format::DESTRUCTION)
        .map(|bytes| {
            std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| Certificate::parse(text).ok())
                .ok_or_else(|| Error::integrity(format!("{} is malformed", format::DESTRUCTION)))
        })
        .transpose()?;
    for cert in certificate.into_iter().chain(embedded.as_ref()) {
        cert.verify(&archivist)?;
        if cert.body.manifest_sha256 != manifest_sha256 {
            return Err(Error::integrity(
                "the destruction certificate is for another archive",
            ));
        }
    }
    if let (Some(given), Some(kept)) = (certificate, embedded.as_ref()) {
        if given != kept {
            return Err(Error::integrity(
                "the destruction certificate given is not the one recorded in the archive",
            ));
        }
    }
    let effective = certificate.or(embedded.as_ref());
    let removed: Vec<String> = effective
        .map(|c| c.body.removed.clone())
        .unwrap_or_default();

    // Members: changed, missing, added, renamed, each named.
    let listed: BTreeMap<String, MemberEntry> = manifest
        .members
        .iter()
        .map(|m| (m.path.clone(), m.clone()))
        .collect();
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for (path, m) in &listed {
        match contents.members.get(path) {
            Some(found) if found.sha256 == m.sha256 && found.size == m.size => {}
            Some(_) => problems.push(format!("{path} was changed")),
            None if removed.contains(path) && format::is_key_material(path) => {}
            None => missing.push(m.clone()),
        }
    }
    for (path, found) in &contents.members {
        if path == format::MANIFEST
            || path == format::MANIFEST_SIG
            || path == format::DESTRUCTION
            || listed.contains_key(path)
        {
            continue;
        }
        if let Some(pos) = missing.iter().position(|m| m.sha256 == found.sha256) {
            let from = missing.remove(pos);
            problems.push(format!("{} was renamed to {path}", from.path));
        } else {
            problems.push(format!("{path} was added"));
        }
    }
    if problems.is_empty()
        && !missing.is_empty()
        && effective.is_none()
        && missing.iter().all(|m| format::is_key_material(&m.path))
    {
        let named: Vec<String> = missing
            .iter()
            .take(3)
            .map(|m| format!("{} is missing", m.path))
            .collect();
        return Err(Error::integrity(format!(
            "the archive's key material is gone ({}{})",
            named.join("; "),
            if missing.len() > 3 {
                format!("; and {} more", missing.len() - 3)
            } else {
                String::new()
            }
        ))
        .with_hint(crate::error::Hint::GiveCertificate));
    }
    for m in &missing {
        problems.push(format!("{} is missing", m.path));
    }
    if let Some(cert) = effective {
        for path in &cert.body.removed {
            if contents.members.contains_key(path) {
                problems.push(format!(
                    "{path} should have been destroyed but is still there"
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::integrity(format!(
            "the archive does not match its signed manifest: {}",
            problems.join("; ")
        )));
    }

    // The log: replayed in full, its root against the final checkpoint.
    let small = contents.small;
    let get = |path: &str| {
        small
            .get(path)
            .ok_or_else(|| Error::integrity(format!("the archive lacks {path}")))
    };
    let entries = format::decode_entries(get(format::LOG_ENTRIES)?)?;
    let statements = entries
        .iter()
        .map(|e| SignedStatement::from_entry(e))
        .collect::<Result<Vec<_>>>()?;
    let replayed = replay::replay(&manifest.case, &statements)?;
    let mut tree = RootBuilder::new();
    for e in &entries {
        tree.push(merkle::leaf_hash(e));
    }
    let verifier_text = std::str::from_utf8(get(format::LOG_VERIFIER)?)
        .map_err(|_| Error::integrity("the archive's log key is malformed"))?;
    let verifier = LogVerifier::parse(verifier_text.trim_end_matches('\n'))
        .map_err(|e| Error::integrity(format!("the archive's log key is malformed ({e})")))?;
    let note = std::str::from_utf8(get(format::LOG_CHECKPOINT)?)
        .map_err(|_| Error::integrity("the archive's checkpoint is malformed"))?;
    let checkpoint = verifier.verify(note).map_err(|e| {
        Error::integrity(format!(
            "the archive's final checkpoint does not verify ({e})"
        ))
    })?;
    if checkpoint.origin != receipt::origin(&manifest.vault, &manifest.case)
        || verifier.name() != receipt::key_name(&manifest.vault)
    {
        return Err(Error::integrity(
            "the archive's checkpoint names another vault or case",
        ));
    }
    if checkpoint.size != tree.size() || checkpoint.root != tree.root() {
        return Err(Error::integrity(
            "the archive's log does not match its final checkpoint: entries were changed, added or removed",
        ));
    }

    // The seal: the last entry, by the charter's archivist, binding these contents.
    let seal_index = replayed.statements.len() as u64 - 1;
    let last = replayed
        .statements
        .last()
        .ok_or_else(|| Error::integrity("the archive's log is empty"))?;
    let Act::Seal(seal) = &last.act else {
        return Err(Error::integrity(
            "the archive's log does not end with its seal",
        ));
    };
    if replayed.state != CaseState::Sealed
        || manifest.seal_entry != seal_index
        || seal.retain_until != manifest.retain_until
        || last.actor != archivist.fingerprint().to_hex()
        || last.at != manifest.sealed_at
    {
        return Err(Error::integrity(
            "the manifest does not agree with the seal statement in the log",
        ));
    }
    let covered: BTreeMap<String, MemberEntry> = listed
        .iter()
        .filter(|(p, _)| format::in_contents_digest(p))
        .map(|(p, m)| (p.clone(), m.clone()))
        .collect();
    if format::contents_digest(&covered) != seal.contents_sha256 {
        return Err(Error::integrity(
            "the archive's contents differ from what the archivist's seal statement binds",
        ));
    }

    // The index against the log: every surviving body is the one its statements sign.
    let documents: Vec<DocumentEntry> = serde_json::from_slice(get(format::DOCUMENTS)?)
        .map_err(|_| Error::integrity("the archive's document index is malformed"))?;
    if documents.len() != replayed.docs.len() {
        return Err(Error::integrity(
            "the archive's document index does not list every document",
        ));
    }
    for d in &documents {
        let doc = replayed.docs.get(&d.num).ok_or_else(|| {
            Error::integrity(format!(
                "the index lists #{} which the log never deposited",
                d.num
            ))
        })?;
        let disposition = match doc.facts.category {
            Category::MediatorNote => "destroyed",
            c if retained_at_seal(c) => "retained",
            _ => "escrowed",
        };
        let body = format::doc_path(d.num, "body.age");
        let body_ok = match listed.get(&body) {
            Some(m) => disposition != "destroyed" && m.sha256 == doc.body.blob_sha256,
            None => disposition == "destroyed",
        };
        let meta_ok = match listed.get(&format::doc_path(d.num, "meta.age")) {
            Some(m) => m.sha256 == doc.body.meta_sha256,
            None => disposition == "destroyed",
        };
        if d.disposition != disposition
            || d.category != doc.facts.category.as_str()
            || d.owner != doc.facts.owner.label()
            || d.encoding != doc.body.encoding
            || d.body_sha256 != doc.body.blob_sha256
            || !body_ok
            || !meta_ok
        {
            return Err(Error::integrity(format!(
                "#{} in the archive differs from what the case log signs",
                d.num
            )));
        }
    }
    // Key material: each share and wrap is the one the charter and the log sign.
    let archivist_fpr = archivist.fingerprint().to_hex();
    for share in &replayed.charter.escrow_shares {
        let path = format::share_path(&share.holder);
        match listed.get(&path) {
            Some(m) if m.sha256 == share.sha256 => {}
            Some(_) => {
                return Err(Error::integrity(format!(
                    "{path} is not the escrow share the charter names (damaged or replaced)"
                )))
            }
            None => {
                return Err(Error::integrity(format!(
                    "the archive lacks the escrow share {path}"
                )))
            }
        }
    }
    for d in &documents {
        let Some(doc) = replayed.docs.get(&d.num) else {
            continue;
        };
        let mut expect = vec![("escrow.age", doc.sealed_wraps.get(replay::ESCROW))];
        if d.disposition == "retained" {
            expect.push(("archivist.age", doc.sealed_wraps.get(&archivist_fpr)));
        }
        for (name, signed) in expect {
            let path = format::doc_path(d.num, name);
            let found = listed.get(&path).map(|m| m.sha256.as_str());
            if d.disposition != "destroyed"
                && found.is_some()
                && found != signed.map(String::as_str)
            {
                return Err(Error::integrity(format!(
                    "{path} is not the key wrap the case log signs (damaged or replaced)"
                )));
            }
        }
    }
    Ok(VerifiedArchive {
        report: ArchiveReport {
            case: manifest.case.clone(),
            manifest_sha256,
            files: listed.len(),
            entries: tree.size(),
            retain_until: manifest.retain_until.clone(),
            destroyed: effective.is_some(),
            destroyed_at: effective.map(|c| c.body.destroyed_at.clone()),
            certificate_checked: certificate.is_some(),
        },
        manifest,
        replay: replayed,
        documents,
        small,
    })
}
