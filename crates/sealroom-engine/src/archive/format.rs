//! The sealed archive's file format: a tar whose members live under `sealroom-archive/`,
//! the manifest that lists each member's SHA-256 and is signed by the archivist, and
//! the public document index. Reading is strict: only regular files under the root,
//! no duplicates, no paths that climb out.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::case::charter::MemberRecord;
use crate::crypto::digest::{hex, sha256, HashingReader};
use crate::error::{Error, Result};
use crate::identity::{Card, Identity};

/// Every member's path starts with this folder.
pub const ROOT: &str = "sealroom-archive/";
/// The manifest's path.
pub const MANIFEST: &str = "sealroom-archive/manifest.json";
/// The archivist's signature over the manifest.
pub const MANIFEST_SIG: &str = "sealroom-archive/manifest.sig";
/// The log entries, one base64 entry per line.
pub const LOG_ENTRIES: &str = "sealroom-archive/log/entries";
/// The final signed checkpoint.
pub const LOG_CHECKPOINT: &str = "sealroom-archive/log/checkpoint";
/// The vault's log verifier key.
pub const LOG_VERIFIER: &str = "sealroom-archive/log/verifier";
/// The archivist's destruction certificate, added when the key material is destroyed
/// (not in the manifest, which it names by hash): a destroyed archive says when.
pub const DESTRUCTION: &str = "sealroom-archive/destruction.json";
/// The public document index.
pub const DOCUMENTS: &str = "sealroom-archive/documents.json";
/// Plain-text recovery notes.
pub const README: &str = "sealroom-archive/README.txt";
/// The manifest format tag.
pub const FORMAT: &str = "sealroom-archive-v1";
const MANIFEST_DOMAIN: &[u8] = b"sealroom archive manifest v1\0";
/// Members other than bodies are read into memory; this bounds them.
pub const MAX_SMALL_MEMBER: u64 = 256 * 1024 * 1024;

/// The path of a custodian's (or the archivist's) encrypted escrow share.
pub fn share_path(fingerprint: &str) -> String {
    format!("{ROOT}shares/{fingerprint}.age")
}

/// The path of a document's file `name` (`body.age`, `meta.age`, `escrow.age`,
/// `archivist.age`).
pub fn doc_path(num: u64, name: &str) -> String {
    format!("{ROOT}docs/{num}/{name}")
}

/// Whether `path` is key material (removed by destruction).
pub fn is_key_material(path: &str) -> bool {
    path.starts_with(&format!("{ROOT}shares/"))
        || path.ends_with("/escrow.age")
        || path.ends_with("/archivist.age")
}

/// One member as listed in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    /// Path in the tar.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The manifest: what the archive holds, signed by the archivist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Case reference.
    pub case: String,
    /// The vault the case was kept in.
    pub vault: String,
    /// When it was sealed (RFC 3339).
    pub sealed_at: String,
    /// Last day of retention.
    pub retain_until: String,
    /// Position of the seal statement in the log (the last entry).
    pub seal_entry: u64,
    /// The archivist who sealed and signs.
    pub archivist: MemberRecord,
    /// Every member but the manifest and its signature, sorted by path.
    pub members: Vec<MemberEntry>,
}

impl Manifest {
    /// The exact bytes that are signed and stored.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut v = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::io(format!("encoding the manifest failed: {e}")))?;
        v.push(b'\n');
        Ok(v)
    }

    /// Parse manifest bytes strictly.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let m: Manifest = serde_json::from_slice(bytes)
            .map_err(|_| Error::integrity("the archive's manifest is malformed"))?;
        if m.format != FORMAT {
            return Err(Error::usage(format!(
                "this archive has format `{}`, which this sealroom does not read",
                m.format
            )));
        }
        if m.to_bytes()? != bytes {
            return Err(Error::integrity(
                "the archive's manifest is not in canonical form",
            ));
        }
        Ok(m)
    }

    /// The archivist's signature over the manifest, base64 with a newline.
    pub fn sign(bytes: &[u8], archivist: &Identity) -> String {
        format!(
            "{}\n",
            B64.encode(crate::signed::signature(MANIFEST_DOMAIN, bytes, archivist))
        )
    }

    /// Check the manifest signature against its archivist's card.
    pub fn verify_signature(bytes: &[u8], signature_text: &[u8], card: &Card) -> bool {
        let Ok(text) = std::str::from_utf8(signature_text) else {
            return false;
        };
        let Ok(sig) = B64.decode(text.trim_end_matches('\n')) else {
            return false;
        };
        crate::signed::verify(MANIFEST_DOMAIN, bytes, &sig, card)
    }
}

/// One document in the public index (no confidential metadata).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentEntry {
    /// Case number.
    pub num: u64,
    /// Owner label.
    pub owner: String,
    /// Category.
    pub category: String,
    /// Deposited as confidential.
    pub confidential: bool,
    /// `zstd` or `none`: how to decode the body after `age -d`.
    pub encoding: String,
    /// `retained` (settlement, procedural), `escrowed`, or `destroyed` (mediator notes:
    /// only their hashes remain, in the log).
    pub disposition: String,
    /// SHA-256 of the body ciphertext (hex).
    pub body_sha256: String,
}

/// The SHA-256 over a set of members as the seal statement binds it: sorted
/// `path NUL sha256 LF` lines.
pub fn contents_digest(members: &BTreeMap<String, MemberEntry>) -> String {
    let mut input = Vec::new();
    for (path, m) in members {
        input.extend_from_slice(path.as_bytes());
        input.push(0);
        input.extend_from_slice(m.sha256.as_bytes());
        input.push(b'\n');
    }
    hex(&sha256(&input))
}

/// Whether a member is covered by the seal statement's contents digest (everything but
/// the log, which contains the seal statement, and the manifest, which covers it).
pub fn in_contents_digest(path: &str) -> bool {
    !path.starts_with(&format!("{ROOT}log/")) && path != MANIFEST && path != MANIFEST_SIG
}

/// Writes archive members into a tar, recording each member's hash and size.
pub struct ArchiveWriter<W: Write> {
    builder: tar::Builder<W>,
    mtime: u64,
    /// Members written so far.
    pub members: BTreeMap<String, MemberEntry>,
}

impl<W: Write> ArchiveWriter<W> {
    /// Start an archive; every member gets modification time `mtime` (seconds).
    pub fn new(out: W, mtime: u64) -> Self {
        let mut builder = tar::Builder::new(out);
        builder.mode(tar::HeaderMode::Deterministic);
        ArchiveWriter {
            builder,
            mtime,
            members: BTreeMap::new(),
        }
    }

    /// Add a member from a reader of known size.
    pub fn add(&mut self, path: &str, size: u64, data: impl Read) -> Result<MemberEntry> {
        let header = canonical_header(path, size, self.mtime)?;
        let mut hashed = HashingReader::new(data);
        self.builder
            .append(&header, &mut hashed)
            .map_err(|e| crate::error::io_error(format!("writing {path} into the archive"), e))?;
        let (hash, read) = hashed.finish();
        if read != size {
            return Err(Error::io(format!(
                "{path} changed size while it was archived"
            )));
        }
        let entry = MemberEntry {
            path: path.to_owned(),
            sha256: hex(&hash),
            size,
        };
        self.members.insert(path.to_owned(), entry.clone());
        Ok(entry)
    }

    /// Add a member from bytes.
    pub fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> Result<MemberEntry> {
        self.add(path, bytes.len() as u64, bytes)
    }

    /// Finish the tar and return the writer.
    pub fn finish(self) -> Result<W> {
        self.builder
            .into_inner()
            .map_err(|e| crate::error::io_error("finishing the archive", e))
    }
}

/// The one header sealroom writes for a member: GNU format, regular file, mode 0600,
/// owner 0, the seal's modification time. `archive verify` accepts no other, so not a
/// byte of an archive goes unchecked.
pub fn canonical_header(path: &str, size: u64, mtime: u64) -> Result<tar::Header> {
    let mut header = tar::Header::new_gnu();
    header
        .set_path(path)
        .map_err(|_| Error::integrity(format!("`{path}` cannot be an archive member's name")))?;
    header.set_size(size);
    header.set_mode(0o600);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    Ok(header)
}

/// A reader that knows its position and checks that the bytes in a given range (the
/// zero padding between tar members, and the end of the archive) are all zero: the
/// tar crate skips padding without looking at it.
struct Tap<R> {
    inner: R,
    state: std::rc::Rc<std::cell::RefCell<TapState>>,
}

#[derive(Default)]
struct TapState {
    pos: u64,
    zero_from: u64,
    zero_to: u64,
    first_block: Vec<u8>,
    /// What the zero range follows (a member's path, or the archive's end).
    zero_after: String,
    altered: Option<(u64, String)>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut st = self.state.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            let at = st.pos + i as u64;
            if at < 512 {
                st.first_block.push(*b);
            }
            if *b != 0 && at >= st.zero_from && at < st.zero_to && st.altered.is_none() {
                st.altered = Some((at, st.zero_after.clone()));
            }
        }
        st.pos += n as u64;
        Ok(n)
    }
}

fn round_up(n: u64) -> u64 {
    n.div_ceil(512) * 512
}

/// What a first pass over an archive finds: every member's hash and size, and the
/// bytes of the small members (everything but document bodies).
pub struct ArchiveContents {
    /// Every member, by path.
    pub members: BTreeMap<String, MemberEntry>,
    /// Bytes of the members that are not bodies.
    pub small: BTreeMap<String, Vec<u8>>,
}

fn check_path(path: &str) -> Result<()> {
    let ok = path.starts_with(ROOT)
        && !path.contains("/../")
        && !path.contains("/./")
        && !path.ends_with('/')
        && !path.contains('\\')
        && !path.contains("//")
        && path.chars().all(|c| !c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::integrity(format!(
            "the archive holds a member outside {ROOT}: `{}`",
            path.escape_debug()
        )))
    }
}

/// Read an archive once: hash every member, keep the small ones.
pub fn read_contents(input: impl Read) -> Result<ArchiveContents> {
    let state = std::rc::Rc::new(std::cell::RefCell::new(TapState::default()));
    let mut archive = tar::Archive::new(Tap {
        inner: input,
        state: state.clone(),
    });
    let mut members = BTreeMap::new();
    let mut small = BTreeMap::new();
    let mut mtime = None;
    let mut end = 0u64;
    let mut last_path = String::new();
    let damaged = || Error::integrity("the archive is damaged or truncated");
    {
        let mut entries = archive
            .entries()
            .map_err(|_| Error::integrity("this is not a sealroom archive (not a tar file)"))?;
        loop {
            // The bytes between the last member's end and the next header are padding.
            {
                let mut st = state.borrow_mut();
                st.zero_from = end;
                st.zero_to = round_up(end);
                st.zero_after = last_path.clone();
            }
            let Some(entry) = entries.next() else { break };
            // A file whose very first header is not a sealroom member was never an archive.
            let mut entry = entry.map_err(|_| {
                let looks_ours = state.borrow().first_block.starts_with(ROOT.as_bytes());
                if members.is_empty() && !looks_ours {
                    // One bad byte in the first member's name looks the same as a
                    // file that was never an archive: say both.
                    Error::integrity(
                        "this is not a sealroom archive, or its first header is damaged",
                    )
                } else {
                    damaged()
                }
            })?;
            let path = entry
                .path()
                .map_err(|_| {
                    Error::integrity("the archive holds a member with an unreadable name")
                })?
                .to_str()
                .ok_or_else(|| {
                    Error::integrity("the archive holds a member whose name is not UTF-8")
                })?
                .to_owned();
            if entry.header().entry_type() != tar::EntryType::Regular {
                return Err(Error::integrity(format!(
                    "the archive member `{path}` is not a regular file"
                )));
            }
            check_path(&path)?;
            let size = entry.size();
            let when = *mtime.get_or_insert(entry.header().mtime().map_err(|_| damaged())?);
            if entry.header().as_bytes()[..] != canonical_header(&path, size, when)?.as_bytes()[..]
            {
                return Err(Error::integrity(format!(
                    "the tar header of `{path}` was altered (it is not the one sealroom writes)"
                )));
            }
            end = entry.raw_file_position() + size;
            last_path = path.clone();
            let keep = !path.ends_with("/body.age");
            if keep && size > MAX_SMALL_MEMBER {
                return Err(Error::integrity(format!(
                    "the archive member `{path}` is too large"
                )));
            }
            let mut hashed = HashingReader::new(&mut entry);
            let mut bytes = Vec::new();
            if keep {
                hashed.read_to_end(&mut bytes).map_err(|_| damaged())?;
            } else {
                std::io::copy(&mut hashed, &mut std::io::sink()).map_err(|_| damaged())?;
            }
            let (hash, read) = hashed.finish();
            if read != size {
                return Err(damaged());
            }
            let m = MemberEntry {
                path: path.clone(),
                sha256: hex(&hash),
                size,
            };
            if members.insert(path.clone(), m).is_some() {
                return Err(Error::integrity(format!(
                    "the archive holds the member `{path}` twice"
                )));
            }
            if keep {
                small.insert(path, bytes);
            }
        }
    }
    if members.is_empty() {
        return Err(Error::integrity(
            "this is not a sealroom archive (it is empty)",
        ));
    }
    // After the last member: its padding, then exactly two zero blocks, then nothing.
    let mut rest = archive.into_inner();
    {
        let mut st = rest.state.borrow_mut();
        st.zero_from = end;
        st.zero_to = u64::MAX;
        st.zero_after = format!("{last_path} (the archive's end)");
    }
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(|_| damaged())?;
    let st = state.borrow();
    if let Some((at, after)) = &st.altered {
        return Err(Error::integrity(format!(
            "the tar padding after {after} was altered (the byte at offset {at} must be zero)"
        )));
    }
    if st.pos != round_up(end) + 1024 {
        return Err(Error::integrity(
            "the archive's end was altered: it must end with exactly two empty tar blocks",
        ));
    }
    Ok(ArchiveContents { members, small })
}

/// Stream every body member of an archive to `each(num, reader)`, in archive order.
pub fn for_each_body(
    input: impl Read,
    mut each: impl FnMut(u64, &mut dyn Read) -> Result<()>,
) -> Result<()> {
    let mut archive = tar::Archive::new(input);
    let entries = archive
        .entries()
        .map_err(|_| Error::integrity("this is not a sealroom archive (not a tar file)"))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|_| Error::integrity("the archive is damaged or truncated"))?;
        let path = entry
            .path()
            .map_err(|_| Error::integrity("the archive is damaged"))?
            .to_string_lossy()
            .into_owned();
        let Some(num) = path
            .strip_prefix(&format!("{ROOT}docs/"))
            .and_then(|rest| rest.strip_suffix("/body.age"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        each(num, &mut entry)?;
    }
    Ok(())
}

/// The log entries member: one base64 entry per line.
pub fn encode_entries(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(B64.encode(e).as_bytes());
        out.push(b'\n');
    }
    out
}

/// Parse the log entries member.
pub fn decode_entries(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::integrity("the archive's log is malformed"))?;
    let body = text
        .strip_suffix('\n')
        .ok_or_else(|| Error::integrity("the archive's log is malformed"))?;
    body.split('\n')
        .map(|line| {
            B64.decode(line)
                .map_err(|_| Error::integrity("the archive's log is malformed"))
        })
        .collect()
}

/// The README placed in every archive.
pub fn readme(case: &str, retain_until: &str) -> String {
    format!(
        "This is the sealed archive of mediation case {case}, made by sealroom.\n\
Keep it until {retain_until}; then the archivist destroys its key material.\n\n\
Check it (no key needed):   sealroom archive verify ARCHIVE\n\
List it:                    sealroom archive show ARCHIVE\n\
Open it (m custodians):     sealroom archive release / sealroom archive open\n\n\
Without sealroom, with tar, age and zstd and the case escrow key (escrow.key):\n\
  tar -xf ARCHIVE\n\
  cd sealroom-archive\n\
  age -d -i escrow.key docs/N/escrow.age > doc.key        # the document key of #N\n\
  age -d -i doc.key docs/N/meta.age                        # its title, file name, SHA-256\n\
  age -d -i doc.key docs/N/body.age | zstd -d > document   # encoding zstd (documents.json)\n\
  age -d -i doc.key docs/N/body.age > document             # encoding none\n\
Everything else is in docs/recovery.md of sealroom's source.\n"
    )
}
