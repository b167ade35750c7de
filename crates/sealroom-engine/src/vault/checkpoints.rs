//! Checkpoints that members exchange to catch a vault that shows them different
//! histories: `checkpoint show` prints the case's checkpoint as this member verified
//! it (signed by the vault's log key, nothing confidential in it), and `checkpoint
//! check` compares one received from another member with the log this member is shown.
//!
//! A vault that forks a case (one history for some members, another for the rest) can
//! keep each member's own view consistent, so no member notices alone; but it signed a
//! checkpoint of each history, and two signed checkpoints of which neither is a prefix
//! of the other are the proof. A vault that withholds entries from one member is caught
//! the same way: the checkpoint it gave another member is longer than the log it shows.

use serde::Serialize;

use super::{Joined, Vault};
use crate::crypto::digest::hex;
use crate::error::{Error, Result};
use crate::log::checkpoint::LogVerifier;
use crate::log::merkle;
use crate::log::receipt;

/// A case's checkpoint as this member verified it.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SharedCheckpoint {
    /// Case reference.
    pub case: String,
    /// Entries in the log it commits to.
    pub size: u64,
    /// The log's Merkle root (hex).
    pub root: String,
    /// The vault's signed note (C2SP `tlog-checkpoint`), to send as it is.
    pub note: String,
}

/// Another member's checkpoint found consistent with the log this member is shown.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct CheckpointComparison {
    /// Case reference.
    pub case: String,
    /// Entries in the checkpoint received.
    pub theirs: u64,
    /// Its root (hex).
    pub their_root: String,
    /// Entries in the log this member verified now.
    pub yours: u64,
    /// Its root (hex).
    pub your_root: String,
}

impl Vault {
    /// The checkpoint of case `reference` at the log this member verifies now (the
    /// whole log is checked against the member's pin first, and the pin advanced).
    pub fn checkpoint(&self, reference: &str) -> Result<SharedCheckpoint> {
        let db = self.read_tx()?;
        let ctx = self.load(&*db, reference, Joined::IfPinned)?;
        let size = ctx.tree.size();
        let note = db
            .checkpoint(ctx.id, size)?
            .map(|c| c.note)
            .ok_or_else(|| {
                Error::integrity(format!(
                    "the vault holds no checkpoint of case {reference} at its {size} entries"
                ))
                .with_hint(crate::error::Hint::CheckVault)
            })?;
        drop(db);
        self.remember(&ctx);
        Ok(SharedCheckpoint {
            case: reference.to_owned(),
            size,
            root: hex(&ctx.tree.root()),
            note,
        })
    }

    /// Check a checkpoint of case `reference` that another member sent (`text` holds
    /// its signed note, anywhere in it) against the log this vault shows this member:
    /// it must be signed by the vault's log key (the one pinned) and be a prefix of
    /// that log. An integrity failure names a fork or withheld entries.
    pub fn compare_checkpoint(&self, reference: &str, text: &str) -> Result<CheckpointComparison> {
        let facts = self.facts()?;
        let origin = receipt::origin(&facts.vault_id, reference);
        // Mail programs may have turned the line ends into CRLF.
        let note = find_note(&text.replace("\r\n", "\n"), &origin).ok_or_else(|| {
            Error::usage(format!(
                "there is no checkpoint of case {reference} of this vault in it (its first line would be `{origin}`)"
            ))
        })?;
        let (verifier, pinned) = self.pinned_verifier(reference)?;
        let theirs = verifier.verify(&note).map_err(|_| {
            Error::integrity(format!(
                "the checkpoint of case {reference} you were given is not signed by the vault's log key{}: it was altered or made elsewhere",
                if pinned { " you pinned" } else { "" }
            ))
        })?;
        let db = self.read_tx()?;
        let ctx = self.load(&*db, reference, Joined::IfPinned)?;
        drop(db);
        self.remember(&ctx);
        let yours = ctx.tree.size();
        if theirs.size > yours {
            return Err(Error::integrity(format!(
                "the vault signed a log of case {reference} of {} entries for another member, but shows you only {yours}: it is withholding entries from you or showing members different histories; do not act in this case, keep the checkpoint as evidence and tell the registrar",
                theirs.size
            )));
        }
        let root_then = merkle::root(&ctx.leaves[..theirs.size as usize]);
        if root_then != theirs.root {
            return Err(Error::integrity(format!(
                "the vault forked case {reference}: the checkpoint you were given ({} entries) is not a prefix of the log the vault shows you ({yours} entries), so it has shown members different histories; do not act in this case, keep both checkpoints (`sealroom checkpoint show {reference}`) as evidence and tell the registrar",
                theirs.size
            )));
        }
        Ok(CheckpointComparison {
            case: reference.to_owned(),
            theirs: theirs.size,
            their_root: hex(&theirs.root),
            yours,
            your_root: hex(&ctx.tree.root()),
        })
    }

    /// The log key this member pinned for the case (and `true`), or the vault's own
    /// when the case was not joined here.
    fn pinned_verifier(&self, reference: &str) -> Result<(LogVerifier, bool)> {
        let facts = self.facts()?;
        match self
            .member
            .as_ref()
            .map(|m| m.pin(&facts.vault_id, reference))
            .transpose()?
            .flatten()
        {
            Some(pin) => LogVerifier::parse(&pin.log_verifier)
                .map(|v| (v, true))
                .map_err(|e| {
                    Error::integrity(format!("your pin of case {reference} is damaged: {e}"))
                }),
            None => Ok((facts.log_verifier, false)),
        }
    }
}

/// The signed note for `origin` inside `text` (an e-mail, a file): from its origin line
/// through the signature lines after the blank line, ending in a newline.
pub(crate) fn find_note(text: &str, origin: &str) -> Option<String> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        if start.is_none() && line.trim_end_matches('\n') == origin {
            start = Some(offset);
        }
        offset += line.len();
        if start.is_some() {
            break;
        }
    }
    let start = start?;
    let rest = &text[start..];
    // Body lines, one blank line, then signature lines ("— name signature").
    let blank = rest.find("\n\n")? + 2;
    let mut end = blank;
    for line in rest[blank..].split_inclusive('\n') {
        if !line.starts_with("\u{2014} ") {
            break;
        }
        end += line.len();
    }
    let mut note = rest[..end].to_owned();
    if !note.ends_with('\n') {
        note.push('\n');
    }
    (end > blank).then_some(note)
}

#[cfg(test)]
mod tests {
    use super::find_note;

    #[test]
    fn a_note_is_found_in_the_text_around_it() {
        let note = "sealroom/v/C-1\n3\nAAAA\n\n\u{2014} key sig\n";
        let mail = format!("Hello,\n\nhere is mine:\n\n{note}\nRegards\n");
        assert_eq!(find_note(&mail, "sealroom/v/C-1").as_deref(), Some(note));
        assert_eq!(find_note(note, "sealroom/v/C-1").as_deref(), Some(note));
        // Pasted without its last line end.
        assert_eq!(
            find_note(note.trim_end(), "sealroom/v/C-1").as_deref(),
            Some(note)
        );
        assert_eq!(find_note(&mail, "sealroom/v/C-2"), None);
        assert_eq!(
            find_note(
                "sealroom/v/C-1\n3\nAAAA\n\nno signature\n",
                "sealroom/v/C-1"
            ),
            None
        );
    }
}
