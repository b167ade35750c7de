//! `vault copy`: move a vault between backends (the embedded folder, PostgreSQL + an
//! object store) with every statement, checkpoint, refusal record and body carried
//! over byte for byte, then the full check on the copy.
//!
//! The copy goes through the storage interface, row by row and blob by blob, so it
//! works between any two backends. Each case is copied under its own write lock on the
//! source (its acts wait; other cases go on), its bodies put in the target's blob store
//! before the target's transaction that names them commits, exactly as an act does.
//! The same log key goes with it (the copy is the same vault: members' pins and
//! receipts stay good). The new folder is built under a hidden name beside its
//! destination and named only after the copy passed `doctor`'s check and every case's
//! log in it was found to be the source's, leaf for leaf and checkpoint for checkpoint.
//!
//! To move a vault in service, stop the service first: a case acted on after it was
//! copied would differ between the two, and a member who acted on the old vault after
//! the copy would find the new one behind their pin.

use std::path::Path;

use super::backup::{check_destination, work_folder_beside};
use super::{CopyReport, Vault};
use crate::error::{io_error, Error, Result};
use crate::store::folder;
use crate::store::fsutil;
use crate::store::records::CheckpointRow;
use crate::store::scaleout::{self, Backends};

/// What one case's copy carried: what the target must show again.
struct CopiedCase {
    reference: String,
    leaves: Vec<(u64, Vec<u8>)>,
    checkpoints: Vec<CheckpointRow>,
}

/// Copy the vault in folder `from` (embedded or scale-out) to a new vault folder `to`:
/// an embedded vault, or with `backends` a scale-out one on that (empty) database and
/// bucket. See the module documentation.
pub fn copy_vault(from: &Path, to: &Path, backends: Option<&Backends>) -> Result<CopyReport> {
    check_destination(to)?;
    if let Some(b) = backends {
        b.check_form()?;
    }
    let source = Vault::open(from)?;
    // The log key must be the one the source's records name: a copy signed by another
    // key would be refused by every member's pin.
    source.log_signer()?;
    let log_key = folder::read_log_key(from)?;
    let vault_id = source.vault_id()?;
    let verifier = source.log_verifier()?.to_verifier_string();

    let work = work_folder_beside(to)?;
    let stores = match backends {
        None => folder::create(work.path(), &log_key, &vault_id, &verifier)?,
        Some(b) => scaleout::create(work.path(), b, &log_key, &vault_id, &verifier)?,
    };
    let target = Vault::on(work.path(), stores);
    let incomplete = |e: Error| {
        match backends {
        // The folder goes with the work folder; the database and bucket keep what was
        // written, and a later copy refuses a database that holds a vault.
        Some(b) => e.reword(|m| {
            format!(
                "{m}; the database {} and the bucket {} now hold an incomplete copy: empty both before copying again",
                redact_password(&b.database),
                b.blobs
            )
        }),
        None => e,
    }
    };

    let mut copied = Vec::new();
    let (mut blobs, mut blob_bytes) = (0, 0);
    for reference in source.now().case_references()? {
        let case = copy_case(&source, &target, &reference, &mut blobs, &mut blob_bytes)
            .map_err(incomplete)?;
        copied.push(case);
    }

    // The full check, on the copy as the target stores it, then the logs compared.
    let report = target.doctor(None).map_err(incomplete)?;
    if !report.problems.is_empty() {
        return Err(incomplete(Error::integrity(format!(
            "the copy failed its check, so its folder was removed: {}",
            super::unhealthy(&report).message()
        ))));
    }
    for case in &copied {
        same_log(&target, case).map_err(incomplete)?;
    }
    drop(target);

    let made = work.keep();
    name_folder(&made, to)?;
    Ok(CopyReport {
        path: to.to_owned(),
        cases: copied.len(),
        blobs,
        blob_bytes,
    })
}

/// Copy one case under its write lock on both sides; what the target must show.
fn copy_case(
    source: &Vault,
    target: &Vault,
    reference: &str,
    blobs: &mut usize,
    blob_bytes: &mut u64,
) -> Result<CopiedCase> {
    let from = source.write_tx(reference)?;
    let Some((key, case)) = from.case(reference)? else {
        return Err(Error::integrity(format!(
            "case {reference} is listed but cannot be read; run `sealroom doctor` on the source"
        )));
    };
    let to = target.write_tx(reference)?;
    let to_key = to.insert_case(&case)?;
    if case.state != "open" {
        to.set_case_state(to_key, &case.state)?;
    }
    for member in from.members(key)? {
        to.insert_member(to_key, &member)?;
    }
    // Streamed: a log may be long.
    from.statements(key, 0, &mut |row| to.insert_statement(to_key, &row))?;
    let checkpoints = from.checkpoints(key)?;
    for c in &checkpoints {
        to.insert_checkpoint(to_key, c)?;
    }
    for doc in from.documents(key)? {
        if doc.body_state == super::records::BodyState::Live.as_str() {
            // Hashed again as it is written, and refused if it is not its name.
            *blob_bytes += (*source.blobs).copy_to(&doc.blob, &*target.blobs)?;
            *blobs += 1;
        }
        to.insert_document(to_key, &doc)?;
    }
    for wrap in from.wraps(key)? {
        to.insert_wrap(to_key, &wrap)?;
    }
    for consent in from.consents(key)? {
        to.insert_consent(to_key, &consent)?;
    }
    for share in from.escrow_shares(key)? {
        to.insert_escrow_share(to_key, &share)?;
    }
    for refusal in from.refusals(key)? {
        to.insert_refusal(to_key, &refusal)?;
    }
    let leaves = from.leaf_hashes(key)?;
    to.commit()?;
    drop(from);
    Ok(CopiedCase {
        reference: reference.to_owned(),
        leaves,
        checkpoints,
    })
}

/// The target's log of a copied case is the source's: the same leaves (so the same
/// signed statements) and the same signed checkpoints.
fn same_log(target: &Vault, case: &CopiedCase) -> Result<()> {
    let records = target.now();
    let differs = || {
        Error::integrity(format!(
            "case {} reads back from the copy differently from the source, so the copy was removed",
            case.reference
        ))
    };
    let (key, _) = records.case(&case.reference)?.ok_or_else(differs)?;
    if records.leaf_hashes(key)? != case.leaves || records.checkpoints(key)? != case.checkpoints {
        return Err(differs());
    }
    Ok(())
}

/// Give the finished copy its name (an empty folder given as the destination is
/// replaced).
fn name_folder(made: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        std::fs::remove_dir(to)
            .map_err(|e| io_error(format!("replacing the empty {}", to.display()), e))?;
    }
    std::fs::rename(made, to).map_err(|e| {
        let _ = std::fs::remove_dir_all(made);
        io_error(format!("naming the copy {}", to.display()), e)
    })?;
    fsutil::sync_parent(to).map_err(|e| io_error("flushing the copy's folder", e))
}

/// A database URL without its password, for messages.
fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = &url[scheme + 3..at];
            match user_info.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn a_database_password_never_reaches_a_message() {
        assert_eq!(
            redact_password("postgres://vault:s3cret@db.example:5432/sealroom"),
            "postgres://vault:***@db.example:5432/sealroom"
        );
        assert_eq!(
            redact_password("postgres://vault@db/sealroom"),
            "postgres://vault@db/sealroom"
        );
    }
}
