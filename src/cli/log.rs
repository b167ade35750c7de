//! `sealroom log` and `sealroom receipt`.

use super::args::{FilterArgs, ReceiptCommand};
use super::Context;
use crate::error::{io_error, Error, Result};
use crate::receipt::Receipt;
use crate::vault::{Filter, Vault};

pub(super) fn log(
    ctx: &Context,
    reference: &str,
    verify: bool,
    refusals: bool,
    filter: &FilterArgs,
) -> Result<()> {
    let filter = filter.to_filter()?;
    if verify && !filter.is_empty() {
        return Err(Error::usage(
            "--verify checks the whole log; it takes no --party, --category, --actor, --since or --until",
        ));
    }
    let vault = ctx.open_vault()?;
    if refusals {
        return show_refusals(ctx, &vault, reference, &filter);
    }
    if verify {
        let report = vault.verify_log(reference)?;
        return ctx.emit(&report, || {
            let heads = match report.heads {
                0 => String::new(),
                n if n == report.statements => ", each extending the log head it names".to_owned(),
                n => format!(", {n} of them extending the log head they name (older ones name none)"),
            };
            format!(
                "OK: case {} — {} statements signed by members and allowed by the rules when made{heads}, {} key wraps all authorised by the log, Merkle root {} matches the vault's signed checkpoint of {} entries.\n",
                report.case, report.statements, report.wraps, report.root, report.checkpoint_size
            )
        });
    }
    let lines = vault.history_filtered(reference, &filter)?;
    ctx.emit(&lines, || {
        let mut s = if !filter.is_empty() {
            format!(
                "History of case {reference}, the {} matching entries:\n",
                lines.len()
            )
        } else {
            format!("History of case {reference} ({} entries):\n", lines.len())
        };
        for l in &lines {
            let line = format!(
                "{:>5}  {}  {:<28} {:<10} {:<5} {}",
                l.seq,
                l.at,
                l.actor,
                l.act,
                l.num.map(|n| format!("#{n}")).unwrap_or_default(),
                l.detail
            );
            s.push_str(line.trim_end());
            s.push('\n');
        }
        s
    })
}

/// `log --refusals`: the attempts the vault refused, checked, then filtered.
fn show_refusals(ctx: &Context, vault: &Vault, reference: &str, filter: &Filter) -> Result<()> {
    let kept = vault.refusals(reference, filter)?;
    ctx.emit(&kept, || {
        let mut s =
            format!(
            "Refused attempts in case {reference}{} ({}), as the vault recorded and signed them:\n",
            if !filter.is_empty() { " matching the filter" } else { "" },
            kept.len()
        );
        for r in &kept {
            let line = format!(
                "{:>5}  {}  {:<28} {:<10} {:<5} {}",
                r.seq,
                r.at,
                format!("{} ({})", r.actor_name, &r.actor[..16.min(r.actor.len())]),
                r.act,
                r.num.map(|n| format!("#{n}")).unwrap_or_default(),
                r.reason
            );
            s.push_str(line.trim_end());
            s.push('\n');
        }
        s
    })
}

pub(super) fn receipt(ctx: &Context, cmd: ReceiptCommand) -> Result<()> {
    match cmd {
        ReceiptCommand::Verify {
            file: receipt,
            offline,
        } => {
            let receipt = find_receipt(receipt);
            let text = super::read_small_text(&receipt, "a receipt")?;
            let r = Receipt::parse(&text)?;
            if offline {
                let v = r.verify()?;
                let out = serde_json::json!({
                    "case": r.case, "index": r.index, "act": v.statement.act.name(),
                    "at": v.statement.at, "receipt_size": v.checkpoint.size, "offline": true,
                });
                return ctx.emit(&out, || {
                    format!(
                        "The receipt is sound: entry {} ({}, {}) of case {} is in the log of {} entries the vault signed. Check it against the vault (without --offline) to prove the log was not rewritten since.\n",
                        r.index, v.statement.act.name(), v.statement.at, r.case, v.checkpoint.size
                    )
                });
            }
            let vault = ctx.open_vault()?;
            let report = vault.check_receipt(&r)?;
            ctx.emit(&report, || {
                format!(
                    "OK: entry {} ({}, {}) of case {} is in the vault's log, and the log of {} entries the receipt saw is unchanged inside today's {} entries.\n",
                    report.index, report.act, report.at, report.case, report.receipt_size, report.current_size
                )
            })
        }
        ReceiptCommand::Get {
            reference,
            index,
            output,
        } => {
            let vault = ctx.open_vault()?;
            let r = vault.receipt(&reference, index)?;
            match output {
                Some(path) => {
                    super::documents::check_output_free(&path)?;
                    crate::store::fsutil::write_new_private(&path, r.to_text().as_bytes())
                        .map_err(|e| io_error(format!("writing {}", path.display()), e))?;
                    let out = serde_json::json!({ "path": path, "receipt": r });
                    ctx.emit(&out, || {
                        format!(
                            "Wrote the receipt of entry {index} to {}.\n",
                            path.display()
                        )
                    })
                }
                None => ctx.emit(&r, || r.to_text()),
            }
        }
    }
}

/// `checkpoint show` and `checkpoint check`.
pub(super) fn checkpoint(ctx: &Context, cmd: super::args::CheckpointCommand) -> Result<()> {
    use super::args::CheckpointCommand;
    match cmd {
        CheckpointCommand::Show { reference } => {
            let vault = ctx.open_vault()?;
            let cp = vault.checkpoint(&reference)?;
            ctx.emit(&cp, || {
                format!(
                    "Checkpoint of case {} at {} entries, as your machine verified it (root {}).\n\
                     Send the lines below to the other members; each checks them with\n\
                     `sealroom checkpoint check {} FILE`.\n\n{}",
                    cp.case,
                    cp.size,
                    &cp.root[..16],
                    cp.case,
                    cp.note
                )
            })
        }
        CheckpointCommand::Check { reference, file } => {
            let text = super::read_small_text(&file, "a checkpoint")?;
            let vault = ctx.open_vault()?;
            let c = vault.compare_checkpoint(&reference, &text)?;
            ctx.emit(&c, || {
                format!(
                    "Consistent: the checkpoint you were given ({} entries) is a prefix of the log of case {} the vault shows you ({} entries).\n",
                    c.theirs, c.case, c.yours
                )
            })
        }
    }
}

/// A receipt given by its bare file name is looked for in the receipts folder
/// (`$XDG_STATE_HOME/sealroom/receipts`), then where receipts were kept before that
/// (`$XDG_DATA_HOME/sealroom/receipts`), when no such file is in the current folder.
fn find_receipt(given: std::path::PathBuf) -> std::path::PathBuf {
    let bare = given.components().count() == 1;
    if given.exists() || !bare {
        return given;
    }
    let folders = [
        super::default_state_dir().map(|d| d.join(crate::member::RECEIPTS_DIR)),
        super::default_vault_dir().map(|d| d.join(crate::vault::RECEIPTS_DIR)),
    ];
    folders
        .into_iter()
        .flatten()
        .map(|dir| dir.join(&given))
        .find(|p| p.is_file())
        .unwrap_or(given)
}
