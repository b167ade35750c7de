//! Releasing escrow shares to a requester, and opening an archive with them.
//!
//! A custodian *releases* their share: decrypts it from the archive with their own
//! identity, re-encrypts it to the requester's card, and signs the release, which names
//! the archive (its manifest hash) and the requester. The requester combines at least
//! `m` releases; the rebuilt escrow key is checked against the charter's escrow
//! recipient before it opens anything, and every document is written to a temp folder
//! that becomes the output only when everything checked out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::format;
use super::verify::{verify_full, VerifiedArchive};
use crate::case::charter::MemberRecord;
use crate::case::policy::Role;
use crate::crypto::body::{self, open_small, seal_small, Encoding};
use crate::crypto::digest::{hex, HashingWriter};
use crate::crypto::escrow::{self, ShareRecord};
use crate::crypto::wrap::DocumentKey;
use crate::error::{io_error, Error, Result};
use crate::identity::{Card, Identity};
use crate::log::statement::Act;

const DOMAIN: &[u8] = b"sealroom share release v1\0";
/// The release format tag.
pub const FORMAT: &str = "sealroom-release-v1";

/// What a custodian releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    /// Always [`FORMAT`].
    pub format: String,
    /// Case reference.
    pub case: String,
    /// SHA-256 (hex) of the archive's manifest.
    pub manifest_sha256: String,
    /// The custodian releasing.
    pub custodian: MemberRecord,
    /// The requester's card fingerprint (hex).
    pub requester: String,
    /// The requester's name, for people.
    pub requester_name: String,
    /// The share, age-encrypted to the requester (base64).
    pub share: String,
    /// When (RFC 3339).
    pub released_at: String,
}

/// A signed release.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// What is released.
    pub release: ReleaseBody,
    /// The custodian's Ed25519 signature over the domain and the body's compact JSON
    /// (see [`crate::signed`]).
    pub signature: String,
    /// The body's exact bytes as the file carried them.
    #[serde(skip)]
    kept: Option<Vec<u8>>,
}

/// Two releases are the same when they release the same with the same signature.
impl PartialEq for Release {
    fn eq(&self, other: &Self) -> bool {
        self.release == other.release && self.signature == other.signature
    }
}

impl Eq for Release {}

impl Release {
    /// Parse a release file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let not_one = || Error::usage("this is not a sealroom share release (expected its JSON)");
        let (bytes, signature) = crate::signed::file_parts(text, "release").ok_or_else(not_one)?;
        let release: ReleaseBody = serde_json::from_slice(bytes).map_err(|_| not_one())?;
        if release.format != FORMAT {
            return Err(Error::usage("this share release has an unknown format"));
        }
        Ok(Release {
            release,
            signature,
            kept: Some(bytes.to_vec()),
        })
    }

    /// The release file: the body exactly as signed, and the signature.
    pub fn to_text(&self) -> String {
        crate::signed::file_text("release", &self.release, &self.signature)
    }

    /// Whether the custodian the body names signed it.
    pub fn verify(&self, custodian: &Card) -> bool {
        let Ok(sig) = B64.decode(&self.signature) else {
            return false;
        };
        crate::signed::verify_document(DOMAIN, self.kept.as_deref(), &self.release, &sig, custodian)
    }
}

/// Who holds escrow shares of a case: its custodians, or the archivist when none.
pub(crate) fn share_holders(archive: &VerifiedArchive) -> Vec<Card> {
    let members = &archive.replay.members;
    let custodians: Vec<Card> = members
        .iter()
        .filter(|(r, _)| *r == Role::Custodian)
        .map(|(_, c)| c.clone())
        .collect();
    if custodians.is_empty() {
        members
            .iter()
            .filter(|(r, _)| *r == Role::Archivist)
            .map(|(_, c)| c.clone())
            .collect()
    } else {
        custodians
    }
}

/// Refuse an archive whose key material was destroyed: nothing in it opens.
fn not_destroyed(verified: VerifiedArchive) -> Result<VerifiedArchive> {
    match &verified.report.destroyed_at {
        Some(when) => Err(Error::refused(format!(
            "the key material of the archive of case {} was destroyed on {}: nothing in it can be released or opened",
            verified.manifest.case,
            super::destroy::date_of(when)
        ))),
        None => Ok(verified),
    }
}

/// A custodian releases their share of the archive read from `archive` to `requester`.
pub fn release(
    archive: impl std::io::Read,
    custodian: &Identity,
    requester: &Card,
) -> Result<Release> {
    let verified = not_destroyed(verify_full(archive, None)?)?;
    let me = custodian.fingerprint();
    if !share_holders(&verified)
        .iter()
        .any(|c| c.fingerprint() == me)
    {
        return Err(Error::refused(format!(
            "{} holds no escrow share of case {}",
            custodian.name(),
            verified.manifest.case
        )));
    }
    let wrapped = verified
        .small
        .get(&format::share_path(&me.to_hex()))
        .ok_or_else(|| {
            Error::not_found("this archive no longer holds your share (it was destroyed?)")
        })?;
    crate::crypto::header::check_own(wrapped, "X25519", "your stored share")?;
    let text = open_small(wrapped, custodian.decryption_key())?
        .ok_or_else(|| Error::wrong_key("your identity does not open the share stored for you"))?;
    let text =
        std::str::from_utf8(&text).map_err(|_| Error::integrity("your stored share is damaged"))?;
    let record = ShareRecord::parse(text)?;
    if record.case != verified.manifest.case
        || record.escrow != verified.replay.charter.escrow_recipient
    {
        return Err(Error::integrity(
            "your stored share belongs to another case",
        ));
    }
    let body = ReleaseBody {
        format: FORMAT.to_owned(),
        case: verified.manifest.case.clone(),
        manifest_sha256: verified.report.manifest_sha256.clone(),
        custodian: MemberRecord::new(&Role::Custodian, &custodian.card()),
        requester: requester.fingerprint().to_hex(),
        requester_name: requester.name().to_owned(),
        share: B64.encode(seal_small(text.as_bytes(), &requester.age_recipient())?),
        released_at: crate::log::statement::now(),
    };
    let signed = crate::signed::Signed::sign(DOMAIN, body, custodian)?;
    Ok(Release {
        signature: B64.encode(signed.signature()),
        kept: Some(signed.bytes().to_vec()),
        release: signed.value().clone(),
    })
}

/// One document written by [`open`].
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct OpenedDocument {
    /// Case number.
    pub num: u64,
    /// Category.
    pub category: String,
    /// Owner label.
    pub owner: String,
    /// Title (decrypted).
    pub title: String,
    /// Original file name (decrypted).
    pub original_name: String,
    /// Where it was written, relative to the output folder.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the contents (hex), checked against the depositor's signed record.
    pub sha256: String,
}

/// What opening wrote.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Opened {
    /// Case reference.
    pub case: String,
    /// The output folder.
    pub folder: String,
    /// The custodians whose shares were used.
    pub custodians: Vec<String>,
    /// Every document written.
    pub documents: Vec<OpenedDocument>,
}

#[derive(Deserialize)]
struct Metadata {
    title: String,
    file_name: String,
    size: u64,
    sha256: String,
}

/// A file name from a title: letters, digits and a few safe marks, never a path.
fn safe_name(num: u64, title: &str, original: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.,()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let stem = stem.trim().trim_matches('.');
    let ext = original
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let stem = if stem.is_empty() { "document" } else { stem };
    if stem.to_lowercase().ends_with(&ext.to_lowercase()) && !ext.is_empty() {
        format!("{num:03} {stem}")
    } else {
        format!("{num:03} {stem}{ext}")
    }
}

/// Open the archive at `path` with `releases` made out to `requester`, writing every
/// escrowed and retained document (named by its title) and an index into the new
/// folder `out`. With too few valid shares, or any share for someone else, from a
/// non-custodian, or damaged: an error, and nothing is written.
pub fn open(path: &Path, releases: &[Release], requester: &Identity, out: &Path) -> Result<Opened> {
    if out.exists() {
        return Err(Error::refused(format!(
            "{} already exists; choose a new folder to open the archive into",
            out.display()
        )));
    }
    let file = || {
        std::fs::File::open(path).map_err(|e| io_error(format!("reading {}", path.display()), e))
    };
    let verified = not_destroyed(verify_full(std::io::BufReader::new(file()?), None)?)?;
    let case = verified.manifest.case.clone();
    let holders = share_holders(&verified);
    let threshold = verified.replay.charter.threshold as usize;
    let expected: age::x25519::Recipient = verified.replay.charter.escrow()?;
    let me = requester.fingerprint().to_hex();

    let mut seen = BTreeSet::new();
    let mut shares = Vec::new();
    let mut names = Vec::new();
    for r in releases {
        let b = &r.release;
        let custodian = b.custodian.card()?;
        if !holders
            .iter()
            .any(|h| h.fingerprint() == custodian.fingerprint())
        {
            return Err(Error::refused(format!(
                "a share comes from {}, who is not a custodian of case {case}",
                custodian.name()
            )));
        }
        if !r.verify(&custodian) {
            return Err(Error::integrity(format!(
                "the share released by {} is not signed by them (altered?)",
                custodian.name()
            )));
        }
        if b.case != case || b.manifest_sha256 != verified.report.manifest_sha256 {
            return Err(Error::refused(format!(
                "the share released by {} is for another archive",
                custodian.name()
            )));
        }
        if b.requester != me {
            return Err(Error::refused(format!(
                "the share released by {} is made out to {}, not to you",
                custodian.name(),
                b.requester_name
            )));
        }
        if !seen.insert(custodian.fingerprint()) {
            return Err(Error::usage(format!(
                "two shares come from {}; each custodian counts once",
                custodian.name()
            )));
        }
        let sealed = B64.decode(&b.share).map_err(|_| {
            Error::integrity(format!(
                "the share released by {} is damaged",
                custodian.name()
            ))
        })?;
        crate::crypto::header::check_own(
            &sealed,
            "X25519",
            &format!("the share released by {}", custodian.name()),
        )?;
        let text = open_small(&sealed, requester.decryption_key())?.ok_or_else(|| {
            Error::wrong_key("your identity does not open a share made out to you")
        })?;
        let text = std::str::from_utf8(&text).map_err(|_| {
            Error::integrity(format!(
                "the share released by {} is damaged",
                custodian.name()
            ))
        })?;
        let record = ShareRecord::parse(text)?;
        if record.case != case || record.escrow != verified.replay.charter.escrow_recipient {
            return Err(Error::integrity(format!(
                "the share released by {} belongs to another case",
                custodian.name()
            )));
        }
        shares.push(record.share);
        names.push(custodian.name().to_owned());
    }
    if shares.len() < threshold {
        return Err(Error::refused(format!(
            "{} share(s) given, but case {case} needs {threshold} custodians to open its archive",
            shares.len()
        )));
    }
    let escrow_key = escrow::combine(&shares, &expected)?;
    drop(shares);

    // Keys and titles first (small members), then bodies in one pass.
    let mut keys: BTreeMap<u64, (DocumentKey, Metadata, Encoding, String)> = BTreeMap::new();
    for d in &verified.documents {
        if d.disposition == "destroyed" {
            continue;
        }
        let get = |name: &str| {
            verified
                .small
                .get(&format::doc_path(d.num, name))
                .ok_or_else(|| {
                    Error::integrity(format!("#{} lacks its {name} in the archive", d.num))
                })
        };
        let key = DocumentKey::unwrap_with(get("escrow.age")?, &escrow_key)?.ok_or_else(|| {
            Error::integrity(format!(
                "#{}'s escrow wrap is not for this case's key",
                d.num
            ))
        })?;
        let meta_plain = open_small(get("meta.age")?, key.identity())?
            .ok_or_else(|| Error::integrity(format!("#{}'s metadata does not open", d.num)))?;
        let commitment = deposit_commitment(&verified, d.num)?;
        if crate::vault::records::commitment(&meta_plain) != commitment {
            return Err(Error::integrity(format!(
                "#{}'s metadata does not match what its depositor signed",
                d.num
            )));
        }
        let meta: Metadata = serde_json::from_slice(&meta_plain)
            .map_err(|_| Error::integrity(format!("#{}'s metadata is damaged", d.num)))?;
        keys.insert(
            d.num,
            (key, meta, Encoding::parse(&d.encoding)?, d.owner.clone()),
        );
    }

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    // Private from the start (0700, files 0600): it fills with plaintext. Locked while
    // this run writes it, so a later run removes it only if this one was killed.
    let temp = tempfile::Builder::new()
        .prefix(".sealroom-open-")
        .permissions(private_dir_permissions())
        .tempdir_in(&parent)
        .map_err(|e| io_error(format!("creating a folder in {}", parent.display()), e))?;
    let lock = std::fs::File::open(temp.path())
        .and_then(|h| crate::store::fsutil::lock_partial(&h).map(|_| h))
        .map_err(|e| io_error(format!("locking {}", temp.path().display()), e))?;
    let mut written = Vec::new();
    let mut used_names = BTreeSet::new();
    format::for_each_body(std::io::BufReader::new(file()?), |num, reader| {
        let Some((key, meta, encoding, owner)) = keys.get(&num) else {
            return Ok(());
        };
        let mut name = safe_name(num, &meta.title, &meta.file_name);
        while !used_names.insert(name.clone()) {
            name = format!("_{name}");
        }
        let target = temp.path().join(&name);
        let out_file =
            create_private(&target).map_err(|e| io_error(format!("writing {name}"), e))?;
        let mut w = HashingWriter::new(std::io::BufWriter::new(out_file));
        body::open(reader, key.identity(), *encoding, &mut w)?;
        let (buffered, plain_sha256, plain_size) = w.finish();
        buffered
            .into_inner()
            .map_err(|e| io_error(format!("writing {name}"), e.into_error()))?
            .sync_all()
            .map_err(|e| io_error(format!("writing {name}"), e))?;
        if hex(&plain_sha256) != meta.sha256 || plain_size != meta.size {
            return Err(Error::integrity(format!(
                "#{num}'s contents do not match their signed hash"
            )));
        }
        let category = verified
            .documents
            .iter()
            .find(|d| d.num == num)
            .map(|d| d.category.clone())
            .unwrap_or_default();
        written.push(OpenedDocument {
            num,
            category,
            owner: owner.clone(),
            title: meta.title.clone(),
            original_name: meta.file_name.clone(),
            file: name,
            size: meta.size,
            sha256: meta.sha256.clone(),
        });
        Ok(())
    })?;
    if written.len() != keys.len() {
        return Err(Error::integrity(
            "some documents' bodies are missing from the archive",
        ));
    }
    written.sort_by_key(|d| d.num);
    let opened = Opened {
        case: case.clone(),
        folder: out.display().to_string(),
        custodians: names,
        documents: written,
    };
    let mut index = format!("Documents of case {case}, opened from its sealed archive.\n\n");
    for d in &opened.documents {
        index.push_str(&format!(
            "#{:<4} {:<12} {:<12} {:>10} B  {}  sha256 {}\n",
            d.num, d.category, d.owner, d.size, d.file, d.sha256
        ));
    }
    for (name, bytes) in [
        ("INDEX.txt", index.into_bytes()),
        (
            "INDEX.json",
            serde_json::to_vec_pretty(&opened)
                .map_err(|e| Error::io(format!("encoding the index failed: {e}")))?,
        ),
    ] {
        let mut f = create_private(&temp.path().join(name))
            .map_err(|e| io_error("writing the index", e))?;
        f.write_all(&bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| io_error("writing the index", e))?;
    }
    let temp_path = temp.keep();
    std::fs::rename(&temp_path, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&temp_path);
        io_error(format!("creating {}", out.display()), e)
    })?;
    drop(lock);
    crate::store::fsutil::sync_parent(out)
        .map_err(|e| io_error("flushing the output folder", e))?;
    Ok(opened)
}

/// 0700: an opened archive's folder is its opener's alone.
fn private_dir_permissions() -> std::fs::Permissions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(0o700)
    }
    #[cfg(not(unix))]
    {
        std::env::temp_dir()
            .metadata()
            .map(|m| m.permissions())
            .unwrap_or_else(|_| unreachable!("the temporary folder has metadata"))
    }
}

/// Create a new file readable only by its owner (0600).
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// The depositor's commitment of document `num`, from the archive's log.
fn deposit_commitment(archive: &VerifiedArchive, num: u64) -> Result<String> {
    archive
        .replay
        .statements
        .iter()
        .find_map(|s| match &s.act {
            Act::Deposit(d) if d.num == num => Some(d.commitment.clone()),
            _ => None,
        })
        .ok_or_else(|| Error::integrity(format!("#{num} has no deposit statement in the archive")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_comes_from_the_title_and_keeps_a_plain_extension() {
        let long = "x".repeat(100);
        let cases = [
            (
                1,
                "Claimant's brief",
                "brief.pdf",
                "001 Claimant_s brief.pdf",
            ),
            (
                1,
                "Statement of claim",
                "soc.PDF",
                "001 Statement of claim.PDF",
            ),
            (12, "../../etc/passwd", "x.txt", "012 _.._etc_passwd.txt"),
            (3, "Exhibit 4.pdf", "exhibit.pdf", "003 Exhibit 4.pdf"),
            (3, "Exhibit 4.PDF", "exhibit.pdf", "003 Exhibit 4.PDF"),
            (4, "...", "a.txt", "004 document.txt"),
            (4, "", "a.txt", "004 document.txt"),
            (5, "Title", "archive.tar.gz", "005 Title.gz"),
            (6, "Title", "file.verylongx", "006 Title"),
            (6, "Title", "file.12345678", "006 Title.12345678"),
            (7, "Title", "file.p-f", "007 Title"),
            (8, "Title", "README", "008 Title"),
            (1234, "T", "a.md", "1234 T.md"),
            (9, "tab\there", "a.md", "009 tab_here.md"),
            (
                9,
                "  Mémoire (final), v2  ",
                "m.odt",
                "009 Mémoire (final), v2.odt",
            ),
        ];
        for (num, title, original, want) in cases {
            assert_eq!(
                safe_name(num, title, original),
                want,
                "{title:?} / {original}"
            );
        }
        assert_eq!(
            safe_name(2, &long, "a.txt"),
            format!("002 {}.txt", "x".repeat(80))
        );
    }

    fn release(share: &str, signature: &str) -> Release {
        Release {
            release: ReleaseBody {
                format: FORMAT.to_owned(),
                case: "C-1".into(),
                manifest_sha256: "ab".repeat(32),
                custodian: MemberRecord::new(
                    &Role::Custodian,
                    &Identity::generate("K").unwrap().card(),
                ),
                requester: "cd".repeat(32),
                requester_name: "R".into(),
                share: share.into(),
                released_at: "2026-12-01T10:00:00Z".into(),
            },
            signature: signature.into(),
            kept: None,
        }
    }

    #[test]
    fn releases_are_the_same_when_their_body_and_signature_are() {
        let a = release("share", "sig");
        let mut b = a.clone();
        b.kept = Some(b"other bytes".to_vec());
        assert_eq!(a, b, "the kept bytes are not part of what is released");
        let mut c = a.clone();
        c.release.share = "another share".into();
        assert_ne!(a, c);
        let mut d = a.clone();
        d.signature = "another signature".into();
        assert_ne!(a, d);
    }
}
