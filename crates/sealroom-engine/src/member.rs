//! A member's own state, kept on their machine apart from any vault: the cases they
//! joined (pins) and what they already verified of each case's log.
//!
//! Authority in sealroom comes only from signed statements, but signatures alone do
//! not stop whoever runs a vault from rewriting a case from its first entry (a new
//! charter, signed by a look-alike registrar). A pin fixes what the member agreed to
//! join: the vault, its log key, the charter's fingerprint (read out by the registrar)
//! and the last checkpoint the member verified. Before each act the member's client
//! checks that the vault's log still extends that checkpoint, so a rewrite or a
//! truncation since then fails closed.
//!
//! The folder is `$XDG_STATE_HOME/sealroom` (default `~/.local/state/sealroom`); the
//! command line chooses it, the engine only reads and writes what it is given.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crypto::digest::hex;
use crate::error::{io_error, Error, Result};
use crate::log::merkle::Hash;
use crate::log::replay::Snapshot;

/// Where pins live inside the state folder.
const CASES_DIR: &str = "cases";
/// Where receipts live inside the state folder.
pub const RECEIPTS_DIR: &str = "receipts";

/// The folder of the member state holding the key pin of each vault service.
pub const SERVERS_DIR: &str = "servers";
/// Write the replay snapshot again once this many statements were verified since.
pub(crate) const SNAPSHOT_EVERY: u64 = 64;

/// What a member pinned of one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The vault's identifier.
    pub vault_id: String,
    /// The vault's log verifier (signed-note verifier string).
    pub log_verifier: String,
    /// The case reference.
    pub case: String,
    /// SHA-256 of the charter statement's leaf, hex.
    pub charter_fingerprint: String,
    /// The size of the last checkpoint this member verified.
    pub size: u64,
    /// Its root, hex.
    pub root: String,
}

/// The replayed state a member verified up to some size (a cache: if it is lost or
/// damaged, the client verifies the whole log again), with the root of the log at that
/// size, so it is used only on the history it was made from.
#[derive(Serialize, Deserialize)]
pub(crate) struct Verified {
    pub root: String,
    pub replay: Snapshot,
}

/// A member's state folder.
#[derive(Clone, Debug)]
pub struct MemberState {
    dir: PathBuf,
}

/// The charter fingerprint as people read it aloud: 64 hex digits in groups of four.
pub fn format_fingerprint(leaf: &Hash) -> String {
    let h = hex(leaf);
    h.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fingerprint as a person typed it (spaces, colons or dashes anywhere, any case),
/// normalised to 64 lowercase hex digits; `None` if it is not one.
pub fn parse_fingerprint(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '-' | '\t'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (digits.len() == 64 && digits.chars().all(|c| c.is_ascii_hexdigit())).then_some(digits)
}

impl MemberState {
    /// The state kept in `dir` (made when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        MemberState { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where receipts are kept.
    pub fn receipts_dir(&self) -> PathBuf {
        self.dir.join(RECEIPTS_DIR)
    }

    fn case_file(&self, vault_id: &str, reference: &str, ext: &str) -> PathBuf {
        // The reference may hold any character a charter allows: hex keeps the file
        // name portable and unambiguous.
        self.dir
            .join(CASES_DIR)
            .join(vault_id)
            .join(format!("{}.{ext}", hex(reference.as_bytes())))
    }

    /// The pin of a case, if this member joined it.
    pub fn pin(&self, vault_id: &str, reference: &str) -> Result<Option<Pin>> {
        let path = self.case_file(vault_id, reference, "pin");
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(format!("reading your pin {}", path.display()), e)),
        };
        let pin: Pin = serde_json::from_slice(&bytes).map_err(|_| {
            Error::integrity(format!(
                "your pin of case {reference} ({}) is damaged; restore it from your backup, or remove it and join the case again with the fingerprint from the registrar",
                path.display()
            ))
        })?;
        if pin.vault_id != vault_id || pin.case != reference {
            return Err(Error::integrity(format!(
                "your pin file {} names another case or vault; it was altered",
                path.display()
            )));
        }
        Ok(Some(pin))
    }

    /// This member's record of a seal whose statement may have committed on a vault
    /// service while its archive is not written yet (see [`crate::archive`]'s seal):
    /// kept until the archive is. Its contents are ciphertext and public facts only.
    pub(crate) fn pending_seal(
        &self,
        vault_id: &str,
        reference: &str,
    ) -> Result<Option<(PathBuf, Vec<u8>)>> {
        let path = self.case_file(vault_id, reference, "seal");
        match std::fs::read(&path) {
            Ok(b) => Ok(Some((path, b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(format!("reading {}", path.display()), e)),
        }
    }

    /// Keep (or replace) the record of a seal in progress, durably.
    pub(crate) fn save_pending_seal(
        &self,
        vault_id: &str,
        reference: &str,
        bytes: &[u8],
    ) -> Result<()> {
        self.replace(&self.case_file(vault_id, reference, "seal"), bytes)
    }

    /// Forget the record of a seal in progress (its archive is written, or the seal
    /// never committed).
    pub(crate) fn clear_pending_seal(&self, vault_id: &str, reference: &str) {
        let _ = std::fs::remove_file(self.case_file(vault_id, reference, "seal"));
    }

    /// The key pin this member holds for the vault service at `url` (see
    /// [`crate::store::remote::tls`]), if any.
    pub fn server_pin(&self, url: &str) -> Result<Option<String>> {
        let path = self.server_file(url);
        match std::fs::read_to_string(&path) {
            Ok(text) => crate::store::remote::tls::parse_pin(&text).map(Some).map_err(|_| {
                Error::integrity(format!(
                    "your key pin for {url} ({}) is damaged; remove it and join from the invitation again",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(format!("reading {}", path.display()), e)),
        }
    }

    /// Keep the key pin of the vault service at `url`. A different pin already kept
    /// is not replaced: a server whose key changed must be vouched for again (remove
    /// the old pin file by hand, after checking the new pin with the operator).
    pub fn save_server_pin(&self, url: &str, pin: &str) -> Result<()> {
        match self.server_pin(url)? {
            Some(old) if old == pin => Ok(()),
            Some(old) => Err(Error::integrity(format!(
                "the vault service at {url} is pinned to key {old}, not {pin}; if the operator changed its key, check the new pin with them and remove {}",
                self.server_file(url).display()
            ))),
            None => self.replace(&self.server_file(url), pin.as_bytes()),
        }
    }

    fn server_file(&self, url: &str) -> PathBuf {
        self.dir
            .join(SERVERS_DIR)
            .join(format!("{}.pin", hex(url.as_bytes())))
    }

    /// Record a pin (atomically: a crash leaves the old pin or the new one).
    pub fn save_pin(&self, pin: &Pin) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(pin)
            .map_err(|e| Error::io(format!("encoding a pin failed: {e}")))?;
        self.replace(&self.case_file(&pin.vault_id, &pin.case, "pin"), &bytes)
    }

    /// The leaf hash of every entry this member verified of a case, in order (none if
    /// the file is missing; a damaged file is an error: it is how a rewrite is named).
    pub(crate) fn leaves(&self, vault_id: &str, reference: &str) -> Result<Vec<Hash>> {
        let path = self.case_file(vault_id, reference, "leaves");
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(format!("reading {}", path.display()), e)),
        };
        if bytes.len() % 32 != 0 {
            return Err(Error::integrity(format!(
                "your record of case {reference}'s log ({}) is damaged; remove it to verify the log again from your pin",
                path.display()
            )));
        }
        Ok(bytes
            .chunks_exact(32)
            .map(|c| <Hash>::try_from(c).unwrap_or_default())
            .collect())
    }

    /// Record the leaf hashes verified (written with every pin).
    pub(crate) fn save_leaves(
        &self,
        vault_id: &str,
        reference: &str,
        leaves: &[Hash],
    ) -> Result<()> {
        self.replace(
            &self.case_file(vault_id, reference, "leaves"),
            &leaves.concat(),
        )
    }

    /// The replayed state this member wrote down before, if it is still readable:
    /// the root of the log it was made from, and the state.
    pub(crate) fn verified(&self, vault_id: &str, reference: &str) -> Option<(Hash, Snapshot)> {
        let bytes = std::fs::read(self.case_file(vault_id, reference, "verified")).ok()?;
        let v: Verified = postcard::from_bytes(&bytes).ok()?;
        Some((crate::crypto::digest::parse_hex32(&v.root)?, v.replay))
    }

    /// Record a replayed state (a cache; see [`Verified`]).
    pub(crate) fn save_verified(
        &self,
        vault_id: &str,
        reference: &str,
        root: &Hash,
        replay: Snapshot,
    ) -> Result<()> {
        let v = Verified {
            root: hex(root),
            replay,
        };
        let bytes = postcard::to_stdvec(&v)
            .map_err(|e| Error::io(format!("encoding state failed: {e}")))?;
        self.replace(&self.case_file(vault_id, reference, "verified"), &bytes)
    }

    /// Write `bytes` to `path` through a private temporary file and a rename.
    fn replace(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| {
            io_error(
                format!("creating your state folder {}", parent.display()),
                e,
            )
        })?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".sealroom-state-")
            .tempfile_in(parent)
            .map_err(|e| io_error(format!("writing in {}", parent.display()), e))?;
        use std::io::Write;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| io_error(format!("writing {}", path.display()), e))?;
        tmp.persist(path)
            .map_err(|e| io_error(format!("writing {}", path.display()), e.error))?;
        let _ = crate::store::fsutil::sync_dir(parent);
        Ok(())
    }
}

/// The member state folder a person's own tools use: `$XDG_STATE_HOME/sealroom`, or
/// `~/.local/state/sealroom`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("sealroom"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".local/state/sealroom"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_aloud_parse_back() {
        let leaf = [0xab; 32];
        let shown = format_fingerprint(&leaf);
        assert_eq!(shown.split(' ').count(), 16);
        assert_eq!(parse_fingerprint(&shown), Some(hex(&leaf)));
        assert_eq!(
            parse_fingerprint(&shown.to_uppercase().replace(' ', ":")),
            Some(hex(&leaf))
        );
        assert_eq!(parse_fingerprint("abcd"), None);
        assert_eq!(parse_fingerprint(&"g".repeat(64)), None);
    }

    #[test]
    fn a_pin_round_trips_and_a_pin_for_another_case_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let state = MemberState::new(dir.path());
        assert_eq!(state.pin("v1", "C-1").unwrap(), None);
        let pin = Pin {
            vault_id: "v1".into(),
            log_verifier: "x+1+y".into(),
            case: "C-1".into(),
            charter_fingerprint: hex(&[1; 32]),
            size: 3,
            root: hex(&[2; 32]),
        };
        state.save_pin(&pin).unwrap();
        assert_eq!(state.pin("v1", "C-1").unwrap(), Some(pin.clone()));
        // A pin file moved under another case's name is not believed.
        let other = state.case_file("v1", "C-2", "pin");
        std::fs::copy(state.case_file("v1", "C-1", "pin"), &other).unwrap();
        let err = state.pin("v1", "C-2").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Integrity);
    }
}
