//! `sealroom consent`, `disclose`, `revoke` and `export`.

use std::path::Path;

use super::documents::{human_size, write_output_file};
use super::Context;
use crate::error::Result;
use crate::vault::parse_num;

pub(super) fn consent(ctx: &Context, reference: &str, num: &str, to: &str) -> Result<()> {
    let num = parse_num(num)?;
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let c = vault.consent(&actor, reference, num, to)?;
    let seq = c.new.then_some(c.statement);
    let external = to == crate::policy::EXTERNAL;
    ctx.emit_act(&vault, reference, seq, &c, || match (c.new, external) {
        (true, false) => format!(
            "Consented to disclosing #{num} of {reference} to the {to} party (statement {}).\nA mediator may now disclose it to them; `sealroom revoke {reference} {num} --from {to}` withdraws it.\n",
            c.statement
        ),
        (true, true) => format!(
            "Consented to #{num} of {reference} leaving the case by export (statement {}).\nA mediator may now export it; `sealroom revoke {reference} {num} --from external` withdraws it.\n",
            c.statement
        ),
        (false, false) => format!(
            "#{num} of {reference} already has your party's consent to go to the {to} party (statement {}); nothing changed.\n",
            c.statement
        ),
        (false, true) => format!(
            "#{num} of {reference} already has your party's consent to leave the case by export (statement {}); nothing changed.\n",
            c.statement
        ),
    })
}

pub(super) fn disclose(ctx: &Context, reference: &str, num: &str, to: &str) -> Result<()> {
    let num = parse_num(num)?;
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let d = vault.disclose(&actor, reference, num, to)?;
    ctx.emit_act(&vault, reference, d.statement, &d, || match d.statement {
        Some(seq) => format!(
            "Disclosed #{num} of {reference} to the {to} party ({}; basis: {}; statement {seq}).\nReadable now by {}.\n",
            d.new_readers.join(", "),
            d.basis,
            d.readers
        ),
        None => format!(
            "Every member of the {to} party can already read #{num}; nothing changed.\nReadable now by {}.\n",
            d.readers
        ),
    })
}

pub(super) fn revoke(
    ctx: &Context,
    reference: &str,
    num: &str,
    from: &str,
    rekey: bool,
) -> Result<()> {
    let num = parse_num(num)?;
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let r = vault.revoke(&actor, reference, num, from, rekey)?;
    let external = from == crate::policy::EXTERNAL;
    ctx.emit_act(&vault, reference, Some(r.statement), &r, || {
        let mut s = String::new();
        if !r.removed.is_empty() {
            s.push_str(&format!(
                "Removed the {from} party's access to #{num} of {reference} ({}).\n",
                r.removed.join(", ")
            ));
        } else if !external {
            s.push_str(&format!(
                "No member of the {from} party held access to #{num} of {reference}.\n"
            ));
        }
        if r.consent_withdrawn && external {
            s.push_str(&format!(
                "Withdrew the consent for #{num} to leave the case by export.\n"
            ));
        } else if r.consent_withdrawn {
            s.push_str(&format!(
                "Withdrew the consent for #{num} to be disclosed to the {from} party.\n"
            ));
        }
        if r.rekeyed {
            s.push_str("Re-encrypted the document under a new key: copies of old key wraps no longer open it.\n");
        } else {
            s.push_str("The document key is unchanged: anyone who kept a copy of their key wrap could still open the current file (use --rekey to prevent that).\n");
        }
        s.push_str(&format!(
            "What was already read cannot be unread. Readable now by {} (statement {}).\n",
            r.readers, r.statement
        ));
        s
    })
}

pub(super) fn export(
    ctx: &Context,
    reference: &str,
    num: &str,
    recipient: &str,
    output: &Path,
    force: bool,
    sync: bool,
) -> Result<()> {
    let num = parse_num(num)?;
    super::documents::check_output_replaceable(output, force)?;
    let recipient = crate::ExportRecipient::parse(recipient)?;
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let exported = write_output_file(output, force, sync, |w| {
        let bar = super::progress::bar("exporting", None, ctx.json);
        let res = vault.export(
            &actor,
            reference,
            num,
            &recipient,
            super::progress::Writing {
                inner: w,
                bar: bar.clone(),
            },
        );
        bar.finish_and_clear();
        res
    })?;
    ctx.emit_act(&vault, reference, Some(exported.statement), &exported, || {
        format!(
            "Exported #{num} of {reference} ({}) to {} as a standard age file for {}.\nThe export is recorded in the case log (statement {}). Decrypt with: age -d -i KEY {}\n",
            human_size(exported.size),
            output.display(),
            exported.recipient,
            exported.statement,
            output.display()
        )
    })
}
