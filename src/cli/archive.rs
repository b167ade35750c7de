//! `sealroom seal` and `sealroom archive …`.

use std::path::{Path, PathBuf};

use super::args::ArchiveCommand;
use super::documents::check_output_free;
use super::{load_card, Context};
use crate::archive::destroy::Certificate;
use crate::archive::ledger::{self, LedgerRecord};
use crate::archive::release::Release;
use crate::error::{io_error, Error, ErrorKind, Result};

fn open_archive(path: &Path) -> Result<std::io::BufReader<std::fs::File>> {
    let f = std::fs::File::open(path)
        .map_err(|e| io_error(format!("reading {}", path.display()), e))?;
    Ok(std::io::BufReader::with_capacity(256 * 1024, f))
}

fn load_certificate(path: Option<&PathBuf>) -> Result<Option<Certificate>> {
    path.map(|p| {
        let text = super::read_small_text(p, "a destruction certificate")?;
        Certificate::parse(&text)
    })
    .transpose()
}

pub(super) fn seal(
    ctx: &Context,
    reference: &str,
    retain_until: &str,
    output: &Path,
) -> Result<()> {
    check_output_free(output)?;
    super::documents::report_removed(crate::store::fsutil::remove_abandoned_partials(&parent_of(
        output,
    )));
    let archivist = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let spinner = super::progress::working("sealing: writing and verifying the archive", ctx.json);
    let s = vault.seal(&archivist, reference, retain_until, output);
    spinner.finish_and_clear();
    let s = s?;
    ctx.emit_act(&vault, reference, Some(s.statement), &s, || {
        let list = |v: &[u64]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.iter().map(|n| format!("#{n}")).collect::<Vec<_>>().join(" ")
            }
        };
        format!(
            "Sealed case {} into {} (manifest {}), verified before anything changed.\nRetain until {}.\nStill readable in the vault (parties and archivist): {}\nIn the archive only, under escrow: {}\nMediator notes destroyed (hashes remain in the log): {}\nCopy the archive to the institution's records storage now.\n",
            s.case,
            s.archive,
            &s.manifest_sha256[..16],
            s.retain_until,
            list(&s.retained),
            list(&s.escrowed),
            list(&s.destroyed)
        )
    })
}

pub(super) fn run(ctx: &Context, cmd: ArchiveCommand) -> Result<()> {
    match cmd {
        ArchiveCommand::Verify {
            archive,
            certificate,
        } => {
            let cert = load_certificate(certificate.as_ref())?;
            let report =
                crate::archive::verify::verify_archive(open_archive(&archive)?, cert.as_ref())?;
            if let (Some(when), false) = (&report.destroyed_at, report.certificate_checked) {
                return Err(Error::new(
                    ErrorKind::Destroyed,
                    format!(
                        "the archive of case {} was destroyed on {}: its key material is gone and the rest is intact; the destruction certificate is needed to verify the destruction (sealroom archive verify {} --certificate CERTIFICATE)",
                        report.case,
                        crate::archive::destroy::date_of(when),
                        archive.display()
                    ),
                ));
            }
            ctx.emit(&report, || {
                format!(
                    "OK: the archive of case {} is intact — its {} files match the archivist's signed manifest, {} log entries replay under the case's rules and match the final checkpoint.{}\n",
                    report.case,
                    report.files,
                    report.entries,
                    match &report.destroyed_at {
                        Some(when) => format!(" Its key material was destroyed on {}, as the certificate says.", crate::archive::destroy::date_of(when)),
                        None => String::new(),
                    }
                )
            })
        }
        ArchiveCommand::Show {
            archive,
            certificate,
            ledger,
        } => {
            let cert = load_certificate(certificate.as_ref())?;
            let (s, lines) = match ledger {
                Some(path) => {
                    let path = ledger_path(&archive, Some(PathBuf::from(path)));
                    let (s, lines) = crate::archive::show_with_ledger(
                        open_archive(&archive)?,
                        cert.as_ref(),
                        &path,
                    )?;
                    (s, Some((path, lines)))
                }
                None => (
                    crate::archive::show(open_archive(&archive)?, cert.as_ref())?,
                    None,
                ),
            };
            #[derive(serde::Serialize)]
            struct Shown<'a> {
                #[serde(flatten)]
                summary: &'a crate::archive::ArchiveSummary,
                #[serde(skip_serializing_if = "Option::is_none")]
                ledger: Option<Vec<&'a LedgerRecord>>,
            }
            let shown = Shown {
                summary: &s,
                ledger: lines
                    .as_ref()
                    .map(|(_, l)| l.iter().map(|l| &l.record).collect()),
            };
            ctx.emit(&shown, || {
                let mut t = format!(
                    "Archive of case {}{}\n  policy:       {}\n  opened:       {}\n  closed:       {}\n  sealed:       {}\n  retain until: {}\n  manifest:     {}\n  parties:\n",
                    s.case,
                    s.title.as_ref().map(|t| format!(" — {t}")).unwrap_or_default(),
                    s.policy,
                    s.opened_at,
                    s.closed_at.as_deref().unwrap_or("-"),
                    s.sealed_at,
                    s.retain_until,
                    s.manifest_sha256
                );
                for p in &s.parties {
                    t.push_str(&format!("    {}: {}\n", p.label, p.members.join(", ")));
                }
                let escrow = if s.custodians.is_empty() {
                    "1 of 1 (the archivist alone)".to_owned()
                } else {
                    format!("{} of {} ({})", s.threshold, s.custodians.len(), s.custodians.join(", "))
                };
                t.push_str(&format!(
                    "  mediators:    {}\n  archivist:    {}\n  escrow:       {escrow}\n  documents:\n",
                    s.mediators.join(", "),
                    s.archivist,
                ));
                for d in &s.documents {
                    t.push_str(&format!("    #{:<4} {:<13} {:<12} {}\n", d.num, d.category, d.owner, d.disposition));
                }
                if let Some((path, lines)) = &lines {
                    t.push_str(&ledger_text(path, lines));
                }
                t
            })
        }
        ArchiveCommand::Release {
            archive,
            to,
            output,
            ledger,
        } => {
            check_output_free(&output)?;
            let requester = load_card(&to)?;
            let custodian = ctx.identity()?;
            let release =
                crate::archive::release::release(open_archive(&archive)?, &custodian, &requester)?;
            // On record before the share leaves.
            let ledger = ledger_path(&archive, ledger);
            ledger::append(
                &ledger,
                &custodian,
                ledger::Entry {
                    act: "release",
                    case: &release.release.case,
                    manifest_sha256: &release.release.manifest_sha256,
                    to: Some(&requester),
                    shares: Vec::new(),
                },
            )?;
            crate::store::fsutil::write_new_private(&output, release.to_text().as_bytes())
                .map_err(|e| io_error(format!("writing {}", output.display()), e))?;
            let out = serde_json::json!({ "path": output, "release": release.release, "signature": release.signature });
            ctx.emit(&out, || {
                format!(
                    "Released your share of case {} to {} ({}) in {}. Only they can use it, and only with this archive.\nRecorded in the ledger {}.\n",
                    release.release.case,
                    requester.name(),
                    requester.fingerprint(),
                    output.display(),
                    ledger.display()
                )
            })
        }
        ArchiveCommand::Open {
            archive,
            shares,
            output,
            ledger,
        } => {
            if output.exists() {
                check_output_free(&output)?;
            }
            let releases = shares
                .iter()
                .map(|p| {
                    let text = super::read_small_text(p, "a share release")?;
                    Release::parse(&text)
                })
                .collect::<Result<Vec<_>>>()?;
            super::documents::report_removed(crate::store::fsutil::remove_abandoned_partials(
                &parent_of(&output),
            ));
            let requester = ctx.identity()?;
            let spinner = super::progress::working("verifying and opening the archive", ctx.json);
            let opened = crate::archive::release::open(&archive, &releases, &requester, &output);
            spinner.finish_and_clear();
            let opened = opened?;
            // Nothing stays opened unrecorded: if the ledger cannot take the line, the
            // folder goes again.
            let ledger = ledger_path(&archive, ledger);
            let custodians = releases
                .iter()
                .map(|r| r.release.custodian.card())
                .collect::<Result<Vec<_>>>()?;
            let manifest_sha256 = releases
                .first()
                .map(|r| r.release.manifest_sha256.clone())
                .unwrap_or_default();
            if let Err(e) = ledger::append(
                &ledger,
                &requester,
                ledger::Entry {
                    act: "open",
                    case: &opened.case,
                    manifest_sha256: &manifest_sha256,
                    to: None,
                    shares: custodians,
                },
            ) {
                let _ = std::fs::remove_dir_all(&output);
                return Err(e.reword(|m| {
                    format!(
                        "{m}; the opened folder was removed again, since an opening must be on record (give a writable --ledger FILE)"
                    )
                }));
            }
            ctx.emit(&opened, || {
                let mut t = format!(
                    "Opened the archive of case {} with the shares of {} into {}:\n",
                    opened.case,
                    opened.custodians.join(", "),
                    opened.folder
                );
                for d in &opened.documents {
                    t.push_str(&format!("  #{:<4} {:<12} {}\n", d.num, d.category, d.file));
                }
                t.push_str("Every document's signature and hash were checked; see INDEX.txt.\n");
                t
            })
        }
        ArchiveCommand::Destroy {
            archive,
            output,
            ledger,
        } => {
            check_output_free(&output)?;
            let archivist = ctx.identity()?;
            let cert = crate::archive::destroy::destroy(&archive, &archivist, &output)?;
            // The certificate is the record that counts; the ledger line is a courtesy.
            let ledger = ledger_path(&archive, ledger);
            if let Err(e) = ledger::append(
                &ledger,
                &archivist,
                ledger::Entry {
                    act: "destroy",
                    case: &cert.body.case,
                    manifest_sha256: &cert.body.manifest_sha256,
                    to: None,
                    shares: Vec::new(),
                },
            ) {
                super::say_on_stderr(&format!(
                    "sealroom: warning: the destruction is not in the ledger: {}",
                    e.message()
                ));
            }
            // Record it in the vault when the case is there too.
            let mut entry = None;
            let mut receipt = None;
            let note = match ctx.open_vault() {
                Ok(mut vault) => match vault.record_destruction(&archivist, &cert) {
                    Ok(seq) => {
                        entry = Some(seq);
                        receipt = ctx.issue_receipt(&vault, &cert.body.case, seq);
                        format!("The vault records the destruction (entry {seq} of the case log).")
                    }
                    Err(e) => format!("The vault did not record it: {}", e.message()),
                },
                Err(_) => "No vault was at hand, so the certificate is the only record.".to_owned(),
            };
            #[derive(serde::Serialize)]
            struct Destroyed<'a> {
                certificate: &'a Certificate,
                path: String,
                vault_entry: Option<u64>,
                note: &'a str,
                receipt: Option<&'a super::IssuedReceipt>,
            }
            let out = Destroyed {
                certificate: &cert,
                path: output.display().to_string(),
                vault_entry: entry,
                note: &note,
                receipt: receipt.as_ref(),
            };
            ctx.emit(&out, || {
                format!(
                    "Destroyed the key material of the archive of case {} (retention ended {}): {} files removed, certificate in {}.\n{note}\n{}Dispose of every other copy of the archive as the institution's records policy says.\n",
                    cert.body.case,
                    cert.body.retain_until,
                    cert.body.removed.len(),
                    output.display(),
                    receipt
                        .as_ref()
                        .map(|r| format!("Receipt: {}\n", r.path_display()))
                        .unwrap_or_default()
                )
            })
        }
    }
}

/// The ledger file: `--ledger FILE`, or ARCHIVE.ledger (also for a bare `--ledger`).
fn ledger_path(archive: &Path, given: Option<PathBuf>) -> PathBuf {
    match given {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => ledger::default_path(archive),
    }
}

/// The ledger as text for `archive show --ledger`.
fn ledger_text(path: &Path, lines: &[ledger::LedgerLine]) -> String {
    let mut t = format!(
        "  ledger:       {} ({} records, every signature and link checked)\n",
        path.display(),
        lines.len()
    );
    for l in lines {
        let r = &l.record;
        let what = match r.act.as_str() {
            "release" => format!("released a share to {}", r.to.as_deref().unwrap_or("?")),
            "open" => format!("opened it with the shares of {}", r.shares.join(", ")),
            "destroy" => "destroyed its key material".to_owned(),
            other => other.to_owned(),
        };
        t.push_str(&format!(
            "    {:>3}  {}  {}: {what}\n",
            r.seq, r.at, r.actor_name
        ));
    }
    t
}

/// The folder an output is written in.
fn parent_of(output: &Path) -> std::path::PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    }
}
