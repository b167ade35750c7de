//! The archive ledger: what happened to a sealed archive after the vault let go of it.
//! Custodians' share releases, openings (by whom, with whose shares) and the
//! destruction are recorded as one signed line each in a file beside the archive
//! (`ARCHIVE.ledger`), each line signed by whoever acted and naming the hash of the line
//! before it, so the institution can answer "who opened it, when, with whose shares"
//! and see whether a line was removed or changed. `archive show --ledger` checks it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::verify::VerifiedArchive;
use crate::case::policy::Role;
use crate::crypto::digest::{hex, sha256};
use crate::error::{io_error, Error, Result};
use crate::identity::{Card, Identity};

const DOMAIN: &[u8] = b"sealroom archive ledger v1\0";
/// The record format tag.
pub const FORMAT: &str = "sealroom-ledger-v1";
/// A ledger line longer than this is not one sealroom wrote.
const MAX_LINE: usize = 64 * 1024;

/// The ledger of the archive at `archive` unless told otherwise: `ARCHIVE.ledger`.
pub fn default_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".ledger");
    PathBuf::from(name)
}

/// What a ledger line records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerRecord {
    /// Always [`FORMAT`].
    pub format: String,
    /// Case reference.
    pub case: String,
    /// SHA-256 (hex) of the archive's manifest.
    pub manifest_sha256: String,
    /// Position in the ledger, from 0.
    pub seq: u64,
    /// When (RFC 3339).
    pub at: String,
    /// `release`, `open` or `destroy`.
    pub act: String,
    /// Who acted (the signer): name, age recipient and Ed25519 key of their card.
    pub actor_name: String,
    /// The signer's age recipient.
    pub actor_age: String,
    /// The signer's Ed25519 public key (base64).
    pub actor_ed25519: String,
    /// `release`: to whom (name and fingerprint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `open`: whose shares were used (name and fingerprint of each custodian).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<String>,
    /// SHA-256 (hex) of the previous line; empty for the first.
    pub prev: String,
}

/// One line of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerLine {
    /// What is recorded.
    pub record: LedgerRecord,
    /// The actor's Ed25519 signature over the domain and the record's compact JSON.
    pub signature: String,
}

/// A person as a ledger names them: name and the start of their fingerprint.
pub fn who(card: &Card) -> String {
    format!("{} ({})", card.name(), &card.fingerprint().to_hex()[..16])
}

/// What an entry to append says.
pub struct Entry<'a> {
    /// `release`, `open` or `destroy`.
    pub act: &'a str,
    /// Case reference.
    pub case: &'a str,
    /// The archive's manifest hash.
    pub manifest_sha256: &'a str,
    /// `release`: the requester.
    pub to: Option<&'a Card>,
    /// `open`: the custodians whose shares were used.
    pub shares: Vec<Card>,
}

/// A ledger larger than this is not one sealroom wrote (a record is well under 2 KiB).
const MAX_LEDGER: u64 = 64 * 1024 * 1024;

fn read_lines(path: &Path) -> Result<Vec<String>> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_LEDGER) {
        return Err(Error::integrity(format!(
            "the ledger {} is larger than any ledger sealroom writes",
            path.display()
        )));
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(io_error(
                format!("reading the ledger {}", path.display()),
                e,
            ))
        }
    };
    let text = String::from_utf8(text).map_err(|_| {
        Error::integrity(format!(
            "the ledger {} is not text: it was damaged or is not a ledger",
            path.display()
        ))
    })?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// Append a record signed by `actor` to the ledger at `path` (made if missing), and
/// flush it to disk before returning: an act that must be on record is not done
/// until it is.
pub fn append(path: &Path, actor: &Identity, entry: Entry<'_>) -> Result<LedgerLine> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)
        .map_err(|e| io_error(format!("opening the ledger {}", path.display()), e))?;
    // One writer at a time, so two custodians releasing at once cannot share a number.
    #[cfg(target_os = "linux")]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| io_error("locking the ledger", std::io::Error::from(e)))?;
    let lines = read_lines(path)?;
    let card = actor.card();
    let record = LedgerRecord {
        format: FORMAT.to_owned(),
        case: entry.case.to_owned(),
        manifest_sha256: entry.manifest_sha256.to_owned(),
        seq: lines.len() as u64,
        at: crate::log::statement::now(),
        act: entry.act.to_owned(),
        actor_name: card.name().to_owned(),
        actor_age: card.recipient().to_owned(),
        actor_ed25519: card.verifying_key_b64(),
        to: entry.to.map(who),
        shares: entry.shares.iter().map(who).collect(),
        prev: lines
            .last()
            .map(|l| hex(&sha256(l.as_bytes())))
            .unwrap_or_default(),
    };
    // The record's exact signed bytes go into the line as they are.
    let signed = crate::signed::Signed::sign(DOMAIN, record, actor)?;
    let line = LedgerLine {
        signature: B64.encode(signed.signature()),
        record: signed.value().clone(),
    };
    let text = format!(
        "{{\"record\":{},\"signature\":\"{}\"}}\n",
        signed.text(),
        line.signature
    );
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(format!("writing the ledger {}", path.display()), e))?;
    if lines.is_empty() {
        crate::store::fsutil::sync_parent(path)
            .map_err(|e| io_error("flushing the ledger's folder", e))?;
    }
    Ok(line)
}

/// Read and check the ledger at `path` against the verified archive: every line signed
/// by its actor, numbered in order, naming the line before it, about this archive; a
/// release by one of its share holders, a destruction by its archivist.
pub(crate) fn check(path: &Path, archive: &VerifiedArchive) -> Result<Vec<LedgerLine>> {
    let lines = read_lines(path)?;
    let holders: Vec<String> = super::release::share_holders(archive)
        .iter()
        .map(|c| c.fingerprint().to_hex())
        .collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut prev = String::new();
    for (i, text) in lines.iter().enumerate() {
        let bad = |why: &str| {
            Error::integrity(format!(
                "line {} of the ledger {} {why}",
                i + 1,
                path.display()
            ))
        };
        if text.len() > MAX_LINE {
            return Err(bad("is too long to be a ledger record"));
        }
        let (bytes, signature) = crate::signed::file_parts(text, "record")
            .ok_or_else(|| bad("is not a ledger record"))?;
        let line = LedgerLine {
            record: serde_json::from_slice(bytes).map_err(|_| bad("is not a ledger record"))?,
            signature,
        };
        let r = &line.record;
        let signer = Card::from_parts(&r.actor_name, &r.actor_age, &r.actor_ed25519)
            .map_err(|_| bad("names a malformed card"))?;
        let sig = B64
            .decode(&line.signature)
            .map_err(|_| bad("has a malformed signature"))?;
        if !crate::signed::verify(DOMAIN, bytes, &sig, &signer) {
            return Err(bad("is not signed by the person it names (it was altered)"));
        }
        if r.format != FORMAT || r.seq != i as u64 || r.prev != prev {
            return Err(bad(
                "is out of place: a line before it was removed, added or changed",
            ));
        }
        if r.manifest_sha256 != archive.report.manifest_sha256 || r.case != archive.manifest.case {
            return Err(bad("is about another archive"));
        }
        let fpr = signer.fingerprint().to_hex();
        let allowed = match r.act.as_str() {
            "release" => holders.contains(&fpr),
            "destroy" => archive.replay.roles_of(&fpr).contains(&Role::Archivist),
            "open" => true,
            _ => false,
        };
        if !allowed {
            return Err(bad(&format!(
                "records a {} by {}, who may not do that",
                r.act,
                who(&signer)
            )));
        }
        prev = hex(&sha256(text.as_bytes()));
        out.push(line);
    }
    Ok(out)
}
