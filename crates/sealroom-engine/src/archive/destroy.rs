//! Destruction at the end of retention: the archivist signs a certificate naming the
//! archive (by its manifest hash and its file hash) and the key material removed, then
//! the archive is rewritten without the custodians' shares and the document-key wraps,
//! so its ciphertexts can never be opened again.

use std::io::Read;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::format::{self, ArchiveWriter};
use super::verify::verify_full;
use crate::case::charter::MemberRecord;
use crate::case::policy::{self, Role};
use crate::crypto::digest::{hex, HashingReader};
use crate::error::{io_error, Error, Result};
use crate::identity::{Card, Identity};

const DOMAIN: &[u8] = b"sealroom destruction certificate v1\0";
/// The certificate format tag.
pub const FORMAT: &str = "sealroom-destruction-v1";

/// What the archivist certifies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateBody {
    /// Always [`FORMAT`].
    pub format: String,
    /// Case reference.
    pub case: String,
    /// The vault the case was kept in.
    pub vault: String,
    /// SHA-256 (hex) of the archive's manifest.
    pub manifest_sha256: String,
    /// SHA-256 (hex) of the whole archive file before destruction.
    pub archive_sha256: String,
    /// The retention date that had passed.
    pub retain_until: String,
    /// When (RFC 3339).
    pub destroyed_at: String,
    /// The key-material members removed from the archive.
    pub removed: Vec<String>,
    /// The archivist.
    pub archivist: MemberRecord,
}

/// A signed destruction certificate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// What is certified.
    pub body: CertificateBody,
    /// The archivist's Ed25519 signature over the domain and the body's compact JSON
    /// (see [`crate::signed`]).
    pub signature: String,
    /// The body's exact bytes as the file carried them.
    #[serde(skip)]
    kept: Option<Vec<u8>>,
}

/// Two certificates are the same when they certify the same with the same signature
/// (however their files were laid out).
impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.body == other.body && self.signature == other.signature
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Parse a certificate file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let not_one =
            || Error::usage("this is not a sealroom destruction certificate (expected its JSON)");
        let (bytes, signature) = crate::signed::file_parts(text, "body").ok_or_else(not_one)?;
        let body: CertificateBody = serde_json::from_slice(bytes).map_err(|_| not_one())?;
        if body.format != FORMAT {
            return Err(Error::usage(
                "this destruction certificate has an unknown format",
            ));
        }
        Ok(Certificate {
            body,
            signature,
            kept: Some(bytes.to_vec()),
        })
    }

    /// The certificate file: the body exactly as signed, and the signature.
    pub fn to_text(&self) -> String {
        crate::signed::file_text("body", &self.body, &self.signature)
    }

    /// Check the signature, by the archive's archivist.
    pub fn verify(&self, archivist: &Card) -> Result<()> {
        let signer = self.body.archivist.card()?;
        let sig = B64.decode(&self.signature).map_err(|_| {
            Error::integrity("the destruction certificate's signature is malformed")
        })?;
        if signer.fingerprint() != archivist.fingerprint()
            || !crate::signed::verify_document(
                DOMAIN,
                self.kept.as_deref(),
                &self.body,
                &sig,
                &signer,
            )
        {
            return Err(Error::integrity(
                "the destruction certificate is not signed by the archive's archivist",
            ));
        }
        Ok(())
    }
}

/// Destroy the key material of the archive at `path`, writing the certificate to
/// `certificate_out`. Refused before the retention date has passed.
pub fn destroy(path: &Path, archivist: &Identity, certificate_out: &Path) -> Result<Certificate> {
    destroy_on(path, archivist, certificate_out, &policy::today())
}

/// [`destroy`] as if today were `today` (`YYYY-MM-DD`); tests use it to step past a
/// retention date without a clock that lies to the whole program.
pub fn destroy_on(
    path: &Path,
    archivist: &Identity,
    certificate_out: &Path,
    today: &str,
) -> Result<Certificate> {
    if certificate_out.exists() {
        return Err(Error::refused(format!(
            "{} already exists; sealroom does not overwrite files",
            certificate_out.display()
        )));
    }
    let open = || {
        std::fs::File::open(path).map_err(|e| io_error(format!("reading {}", path.display()), e))
    };
    let verified = verify_full(std::io::BufReader::new(open()?), None).map_err(|e| {
        Error::new(
            e.kind(),
            format!(
                "{} (an archive already destroyed verifies only with its certificate)",
                e.message()
            ),
        )
    })?;
    if let Some(when) = &verified.report.destroyed_at {
        return Err(Error::refused(format!(
            "the key material of this archive was already destroyed on {}",
            date_of(when)
        )));
    }
    let manifest = &verified.manifest;
    if manifest.archivist.card()?.fingerprint() != archivist.fingerprint()
        || !verified
            .replay
            .roles_of(&archivist.fingerprint().to_hex())
            .contains(&Role::Archivist)
    {
        return Err(Error::refused(
            "only the archivist who sealed the archive may destroy it",
        ));
    }
    let retained_until = crate::date::Day::parse(&manifest.retain_until).map_err(|_| {
        Error::integrity("the archive's retention date is not a date; it was altered")
    })?;
    if crate::date::Day::parse(today)? <= retained_until {
        return Err(Error::refused(format!(
            "the archive must be kept until {} (today is {today}); destruction is refused before then",
            manifest.retain_until
        )));
    }
    let mut hasher = HashingReader::new(open()?);
    std::io::copy(&mut hasher, &mut std::io::sink())
        .map_err(|e| io_error("hashing the archive", e))?;
    let (archive_hash, _) = hasher.finish();
    let removed: Vec<String> = manifest
        .members
        .iter()
        .map(|m| m.path.clone())
        .filter(|p| format::is_key_material(p))
        .collect();
    let body = CertificateBody {
        format: FORMAT.to_owned(),
        case: manifest.case.clone(),
        vault: manifest.vault.clone(),
        manifest_sha256: verified.report.manifest_sha256.clone(),
        archive_sha256: hex(&archive_hash),
        retain_until: manifest.retain_until.clone(),
        destroyed_at: crate::log::statement::now(),
        removed: removed.clone(),
        archivist: MemberRecord::new(&Role::Archivist, &archivist.card()),
    };
    let signed = crate::signed::Signed::sign(DOMAIN, body, archivist)?;
    let certificate = Certificate {
        signature: B64.encode(signed.signature()),
        kept: Some(signed.bytes().to_vec()),
        body: signed.value().clone(),
    };
    // The certificate is durable before anything is removed.
    crate::store::fsutil::write_new_private(certificate_out, certificate.to_text().as_bytes())
        .map_err(|e| io_error(format!("writing {}", certificate_out.display()), e))?;

    // Rewrite the archive without its key material, then replace it atomically.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".sealroom-destroy-")
        .tempfile_in(&dir)
        .map_err(|e| io_error(format!("creating a file in {}", dir.display()), e))?;
    let mtime = humantime::parse_rfc3339(&manifest.sealed_at)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut writer = ArchiveWriter::new(
        std::io::BufWriter::new(
            temp.reopen()
                .map_err(|e| io_error("writing the archive", e))?,
        ),
        mtime,
    );
    let mut archive = tar::Archive::new(std::io::BufReader::new(open()?));
    for entry in archive
        .entries()
        .map_err(|_| Error::integrity("the archive is damaged"))?
    {
        let mut entry = entry.map_err(|_| Error::integrity("the archive is damaged"))?;
        let name = entry
            .path()
            .map_err(|_| Error::integrity("the archive is damaged"))?
            .to_string_lossy()
            .into_owned();
        if removed.contains(&name) {
            continue;
        }
        let size = entry.size();
        writer.add(&name, size, &mut entry as &mut dyn Read)?;
    }
    // The certificate travels in the archive too, so a destroyed archive says when.
    let text = certificate.to_text();
    writer.add(
        format::DESTRUCTION,
        text.len() as u64,
        &mut text.as_bytes() as &mut dyn Read,
    )?;
    let file = writer
        .finish()?
        .into_inner()
        .map_err(|e| io_error("writing the archive", e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_error("flushing the archive", e))?;
    drop(file);
    super::verify::verify_archive(
        std::fs::File::open(temp.path()).map_err(|e| io_error("re-reading the archive", e))?,
        Some(&certificate),
    )?;
    temp.persist(path)
        .map_err(|e| io_error(format!("replacing {}", path.display()), e.error))?;
    crate::store::fsutil::sync_parent(path)
        .map_err(|e| io_error("flushing the archive's folder", e))?;
    Ok(certificate)
}

/// The day (`YYYY-MM-DD`, UTC) of an RFC 3339 time, or the text itself if it is not one.
pub fn date_of(rfc3339: &str) -> String {
    crate::date::Day::of_time(rfc3339)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

impl crate::vault::Vault {
    /// Record in the vault that a sealed case's archive was destroyed: the archivist's
    /// signed destroy statement, and the case marked destroyed.
    pub fn record_destruction(
        &mut self,
        archivist: &Identity,
        certificate: &Certificate,
    ) -> Result<u64> {
        let reference = &certificate.body.case;
        self.record(reference, |r| {
            let roles = r.ctx.member_roles(archivist)?;
            if !roles.contains(&Role::Archivist) {
                return Err(Error::refused(
                    "only the case's archivist may record its destruction",
                ));
            }
            if r.ctx.state != policy::CaseState::Sealed {
                return Err(Error::refused(format!(
                    "case {reference} is {}, not sealed",
                    r.ctx.state.as_str()
                )));
            }
            let seq = r.append(
                archivist,
                crate::log::statement::Act::Destroy(crate::log::statement::Destroy {
                    manifest_sha256: certificate.body.manifest_sha256.clone(),
                    retain_until: certificate.body.retain_until.clone(),
                }),
            )?;
            r.tx.set_case_state(r.ctx.id, policy::CaseState::Destroyed.as_str())?;
            Ok(seq)
        })
    }
}
