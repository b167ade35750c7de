//! `doctor`: an integrity check of a whole vault. SQLite's own checks, every live blob
//! against its hash, references both ways (rows to blobs, blobs to rows), and every
//! case log in full. `--repair` removes only blobs and temp files that nothing
//! references (left behind by interrupted commands) and that are older than a grace
//! period, and says which.
//!
//! The grace period is what makes repair safe on a vault in use: an act puts its body
//! in the blob store before the records that name it commit, so for a moment (for a
//! large upload across the network, minutes) a body nothing refers to yet is an act
//! under way, not a leftover. Several `serve` processes on one database and bucket
//! make that moment ordinary, so repair never touches what is younger than the grace.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::Vault;
use crate::crypto::digest::parse_hex32;
use crate::error::{Error, Result};
use crate::store::blobs::ListedKind;

/// One problem `doctor` found.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// `database`, `log-key`, `missing-blob`, `damaged-blob`, `log`, `refusals`,
    /// `unreferenced`, `temp-file` or (a caution) `blob-store`.
    pub kind: String,
    /// What and where, for people.
    pub detail: String,
}

/// What `doctor` found (and, with repair, removed).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct DoctorReport {
    /// Cases whose logs were verified.
    pub cases: usize,
    /// Blobs hashed.
    pub blobs_checked: usize,
    /// Problems that mean damage or tampering.
    pub problems: Vec<Finding>,
    /// Leftovers of interrupted commands (harmless; `--repair` removes them).
    pub leftovers: Vec<Finding>,
    /// Files removed by `--repair`.
    pub removed: Vec<String>,
    /// Leftovers `--repair` kept because they are younger than its grace period (an
    /// act may still be under way).
    pub kept: Vec<String>,
    /// How the stores keep data that the operator should know (not damage): for
    /// instance a bucket whose versioning keeps removed bodies.
    pub cautions: Vec<Finding>,
}

/// The grace period `doctor --repair` gives leftovers unless told otherwise: a day,
/// far longer than any act's upload, and leftovers are harmless meanwhile.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(24 * 60 * 60);

impl DoctorReport {
    /// Whether the vault is consistent (leftovers allowed).
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Vault {
    /// Check the whole vault. With `repair` (a grace period), remove the unreferenced
    /// blobs and temp files older than the grace period; younger ones are kept and
    /// named in [`DoctorReport::kept`].
    pub fn doctor(&self, repair: Option<Duration>) -> Result<DoctorReport> {
        let mut problems = Vec::new();
        let mut leftovers = Vec::new();
        // One line per finding, whatever SQLite's messages hold (they can span lines).
        let finding = |kind: &str, detail: String| Finding {
            kind: kind.to_owned(),
            detail: detail
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        };

        // The log key must be the one recorded at init: a replaced key would sign
        // checkpoints that no member's pin accepts (or, with the record replaced too,
        // a history no earlier receipt agrees with).
        if let Err(e) = self.log_signer() {
            problems.push(finding("log-key", format!("log.key: {}", e.message())));
        }

        // The records backend's own view of its pages and references.
        for problem in self.records.self_check()? {
            problems.push(finding("database", problem));
        }

        // Rows to blobs: every live body exists and matches its name.
        let mut referenced = BTreeSet::new();
        let rows: Vec<_> = self
            .now()
            .bodies()?
            .into_iter()
            .filter(|b| b.body_state == super::records::BodyState::Live.as_str())
            .map(|b| (b.reference, b.num, b.blob, b.blob_size))
            .collect();
        let mut blobs_checked = 0;
        for (case, num, blob, size) in &rows {
            referenced.insert(blob.clone());
            if parse_hex32(blob).is_none() {
                problems.push(finding(
                    "database",
                    format!("#{num} of case {case} names no valid blob"),
                ));
                continue;
            }
            let Some((hash, read)) = self.blobs.measure(blob)? else {
                problems.push(finding(
                    "missing-blob",
                    format!("#{num} of case {case}: its body {} is missing", &blob[..16]),
                ));
                continue;
            };
            blobs_checked += 1;
            if hash != *blob || read != *size {
                problems.push(finding(
                    "damaged-blob",
                    format!("#{num} of case {case}: its body {} is damaged", &blob[..16]),
                ));
            }
        }

        // Blobs to rows: anything else in the blob store is a leftover. The listing is
        // taken after the rows were read, so a body whose act committed meanwhile
        // looks unreferenced: the grace period is what keeps repair off it.
        let listed = self.blobs.list()?;
        let mut removable = Vec::new();
        for entry in &listed {
            let name = &entry.name;
            if referenced.contains(name) {
                continue;
            }
            match entry.kind {
                ListedKind::Unfinished => {
                    leftovers.push(finding(
                        "temp-file",
                        format!("{name}: a body being written when a command was interrupted"),
                    ));
                    removable.push(entry);
                }
                ListedKind::Blob => {
                    leftovers.push(finding(
                        "unreferenced",
                        format!(
                            "{}: a body no document refers to (left by an interrupted command)",
                            &name[..16]
                        ),
                    ));
                    removable.push(entry);
                }
                ListedKind::Foreign => problems.push(finding(
                    "database",
                    format!("{} is not a sealroom file", entry.location),
                )),
            }
        }

        // Every case log, in full.
        let refs = self.now().case_references()?;
        for reference in &refs {
            if let Err(e) = self.verify_log(reference) {
                problems.push(finding("log", e.message().to_owned()));
            }
            // The vault's own records of refused attempts: signed and chained too.
            if let Err(e) = self.refusals(reference, &super::Filter::default()) {
                problems.push(finding("refusals", e.message().to_owned()));
            }
        }

        let cautions = self
            .blobs
            .cautions()?
            .into_iter()
            .map(|c| finding("blob-store", c))
            .collect();

        let mut removed = Vec::new();
        let mut kept = Vec::new();
        if let Some(grace) = repair {
            let now = SystemTime::now();
            // An entry whose age is unknown, or which is dated in the future (clocks
            // differ between machines), counts as young.
            // A grace of zero is the operator saying nothing is under way.
            let (old, young): (Vec<&_>, Vec<&_>) = removable.into_iter().partition(|e| {
                grace.is_zero()
                    || e.modified
                        .and_then(|m| now.duration_since(m).ok())
                        .is_some_and(|age| age >= grace)
            });
            self.blobs.remove_listed(&old)?;
            removed.extend(old.iter().map(|e| e.location.clone()));
            kept.extend(young.iter().map(|e| e.location.clone()));
        }
        Ok(DoctorReport {
            cases: refs.len(),
            blobs_checked,
            problems,
            leftovers,
            removed,
            kept,
            cautions,
        })
    }
}

/// The error `doctor` ends in when it found damage.
pub fn unhealthy(report: &DoctorReport) -> Error {
    Error::integrity(format!(
        "the vault has {} problem(s); the first: {}",
        report.problems.len(),
        report
            .problems
            .first()
            .map(|f| f.detail.as_str())
            .unwrap_or("")
    ))
}
