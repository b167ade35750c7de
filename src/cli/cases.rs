//! `sealroom case …`: open, show, list, add-member, close.

use std::path::PathBuf;

use super::args::{CaseCommand, PolicyArg};
use super::{load_card, Context};
use crate::error::{Error, Result};
use crate::policy::{Policy, Role};
use crate::vault::{CaseSpec, CaseSummary};
use crate::Card;

fn party_arg(arg: &str) -> Result<(String, Card)> {
    let (label, path) = arg.split_once('=').ok_or_else(|| {
        Error::usage(format!(
            "`{arg}` is not LABEL=CARD (e.g. --party claimant=ana.card)"
        ))
    })?;
    crate::policy::check_label(label)?;
    Ok((label.to_owned(), load_card(&PathBuf::from(path))?))
}

/// The member named by `--party LABEL=CARD` or `--mediator CARD` (exactly one).
fn member_arg(party: Option<&str>, mediator: Option<&std::path::Path>) -> Result<(Role, Card)> {
    match (party, mediator) {
        (Some(p), None) => {
            let (label, card) = party_arg(p)?;
            Ok((Role::Party(label), card))
        }
        (None, Some(m)) => Ok((Role::Mediator, load_card(m)?)),
        _ => Err(Error::usage(
            "give exactly one of --party LABEL=CARD or --mediator CARD",
        )),
    }
}

pub(super) fn run(ctx: &Context, cmd: CaseCommand) -> Result<()> {
    match cmd {
        CaseCommand::Open {
            reference,
            mediator,
            party,
            archivist,
            custodian,
            threshold,
            policy,
            title,
        } => {
            let registrar = ctx.identity()?;
            let mut vault = ctx.open_vault()?;
            let threshold = match (threshold, custodian.len()) {
                (Some(t), _) => t,
                (None, 0) => 1,
                (None, n) => {
                    return Err(Error::usage(format!(
                        "say how many of the {n} custodians must join to open the archive: --threshold M"
                    )))
                }
            };
            let mut spec = CaseSpec::new(reference, load_card(&archivist)?)
                .policy(match policy {
                    PolicyArg::Consent => Policy::Consent,
                    PolicyArg::Discretion => Policy::Discretion,
                })
                .threshold(threshold)
                .custodians(
                    custodian
                        .iter()
                        .map(|p| load_card(p))
                        .collect::<Result<Vec<_>>>()?,
                );
            if let Some(title) = title {
                spec = spec.title(title);
            }
            for card in mediator.iter().map(|p| load_card(p)) {
                spec = spec.mediator(card?);
            }
            for member in party.iter().map(|p| party_arg(p)) {
                let (label, card) = member?;
                spec = spec.party(label, card);
            }
            let summary = vault.open_case(&registrar, spec)?;
            ctx.emit_act(&vault, &summary.reference, summary.statement, &summary, || {
                let escrow = if summary.members.iter().any(|m| m.role == "custodian") {
                    format!(
                        "Escrow: {} of {} custodians together can open the sealed archive; the whole key was wiped.",
                        summary.threshold, summary.custodians
                    )
                } else {
                    "Escrow: no custodians were named, so the archivist alone holds the escrow key.".to_owned()
                };
                format!(
                    "Opened case {} under the {} policy; you are its registrar.\n{escrow}\nCharter fingerprint: {}\nGive it to every member with the invitation (by phone or a signed letter, not through the vault):\nthey join with `sealroom case join {} --charter '{}'`.\n\n{}",
                    summary.reference,
                    summary.policy,
                    summary.charter_fingerprint,
                    summary.reference,
                    summary.charter_fingerprint,
                    show_text(&summary)
                )
            })
        }
        CaseCommand::Show { reference } => {
            let vault = ctx.open_vault()?;
            let summary = vault.case_summary(&reference)?;
            ctx.emit(&summary, || show_text(&summary))
        }
        CaseCommand::Join {
            reference,
            charter,
            registrar,
            trust_on_first_use,
        } => {
            if std::path::Path::new(&reference).is_file() {
                if charter.is_some() || trust_on_first_use {
                    return Err(Error::usage(
                        "an invitation carries the charter fingerprint: give it alone, or with --registrar CARD",
                    ));
                }
                return join_invited(ctx, std::path::Path::new(&reference), registrar);
            }
            if registrar.is_some() {
                return Err(Error::usage(format!(
                    "--registrar goes with an invitation file, and there is no file `{reference}`"
                )));
            }
            if charter.is_none() && !trust_on_first_use {
                return Err(Error::usage(
                    "say how to check the case's charter: --charter FP as the registrar gave it, an invitation file instead of REF, or --trust-on-first-use",
                ));
            }
            let vault = ctx.open_vault()?;
            if trust_on_first_use {
                super::say_on_stderr(&format!(
                    "sealroom: warning: joining case {reference} without checking its charter fingerprint: if the vault's operator replaced the case, you are now pinned to the replacement. Compare the fingerprint below with the registrar's as soon as you can."
                ));
            }
            let joined = vault.join_case(&reference, charter.as_deref())?;
            let how = if joined.trusted_on_first_use {
                "pinned as the vault shows it (unchecked)"
            } else {
                "its charter matches the fingerprint you were given"
            };
            ctx.emit(&joined, || joined_text(&joined, how))
        }
        CaseCommand::Invite {
            reference,
            to,
            output,
            location,
        } => {
            super::documents::check_output_free(&output)?;
            let vault = ctx.open_vault()?;
            let registrar = ctx.identity()?;
            let card = load_card(&to)?;
            let location = match location {
                Some(l) => l,
                // A vault service is named by its address (the invitation then carries
                // its key pin too).
                None if vault.is_remote() => vault.root().display().to_string(),
                None => std::path::absolute(ctx.vault_dir()?)
                    .map_err(|e| crate::error::io_error("finding the vault's folder", e))?
                    .display()
                    .to_string(),
            };
            let invitation = vault.invite(&registrar, &reference, &card, &location)?;
            crate::store::fsutil::write_new_private(&output, invitation.to_text().as_bytes())
                .map_err(|e| crate::error::io_error(format!("writing {}", output.display()), e))?;
            // The invitation as its file holds it (`invitation`, `signature`), and where.
            let mut out = serde_json::to_value(&invitation)
                .map_err(|e| Error::io(format!("encoding the invitation failed: {e}")))?;
            out["path"] = serde_json::json!(output);
            ctx.emit(&out, || {
                format!(
                    "Wrote an invitation to case {reference} for {} to {}.\nSend it to them; they join with `sealroom case join {} --registrar YOUR.card` (your card, as they know it).\n",
                    card.name(),
                    output.display(),
                    output.display()
                )
            })
        }
        CaseCommand::List => {
            let vault = ctx.open_vault()?;
            let cases = vault.list_cases()?;
            ctx.emit(&cases, || {
                if cases.is_empty() {
                    return "No cases yet; open one with `sealroom case open`.\n".to_owned();
                }
                let mut s = String::new();
                for c in &cases {
                    let line = format!(
                        "{:<24} {:<8} {:<10} {:>4} document(s)  {}",
                        c.reference,
                        c.state,
                        c.policy,
                        c.documents,
                        c.title.as_deref().unwrap_or("")
                    );
                    s.push_str(line.trim_end());
                    s.push('\n');
                }
                s
            })
        }
        CaseCommand::AddMember(args) => {
            let (role, card) = member_arg(args.party.as_deref(), args.mediator.as_deref())?;
            let actor = ctx.identity()?;
            let mut vault = ctx.open_vault()?;
            let summary = vault.add_member(&actor, &args.reference, role.clone(), &card)?;
            ctx.emit_act(&vault, &summary.reference, summary.statement, &summary, || {
                format!(
                    "Added {} ({}) to case {} as {role}.\nThey can read documents deposited from now on; earlier ones reach them only by disclosure.\n",
                    card.name(),
                    card.fingerprint(),
                    summary.reference
                )
            })
        }
        CaseCommand::RemoveMember(args) => {
            let (role, card) = member_arg(args.party.as_deref(), args.mediator.as_deref())?;
            let actor = ctx.identity()?;
            let mut vault = ctx.open_vault()?;
            let change =
                vault.remove_member(&actor, &args.reference, role.clone(), &card, args.rekey)?;
            ctx.emit_act(&vault, &args.reference, Some(change.statement), &change, || {
                let mut s = format!(
                    "Removed {} ({}) from case {} as {role}: from now on they get no new documents and may not act.\n",
                    card.name(),
                    card.fingerprint(),
                    args.reference
                );
                s.push_str(&member_change_text(&change, &args.reference));
                s
            })
        }
        CaseCommand::ReplaceMember {
            reference,
            old,
            new,
        } => {
            let (old, new) = (load_card(&old)?, load_card(&new)?);
            let actor = ctx.identity()?;
            let mut vault = ctx.open_vault()?;
            let change = vault.replace_member(&actor, &reference, &old, &new)?;
            ctx.emit_act(&vault, &reference, Some(change.statement), &change, || {
                let mut s = format!(
                    "Replaced {} by {} ({}) in case {reference}, in the same role.\n",
                    old.name(),
                    new.name(),
                    new.fingerprint()
                );
                if !change.granted.is_empty() {
                    s.push_str(&format!(
                        "Granted {} to {} (documents you can read).\n",
                        nums_text(&change.granted),
                        new.name()
                    ));
                }
                s.push_str(&member_change_text(&change, &reference));
                if !change.pending.is_empty() {
                    s.push_str(&format!(
                        "A member of the same party or a mediator grants the rest: `sealroom grant {reference} --all --to-member NEW.card`.\n"
                    ));
                }
                s
            })
        }
        CaseCommand::Close { reference } => {
            let actor = ctx.identity()?;
            let mut vault = ctx.open_vault()?;
            let summary = vault.close_case(&actor, &reference)?;
            ctx.emit_act(&vault, &reference, summary.statement, &summary, || {
                format!(
                    "Closed case {}: no new deposits; reading still works.\n",
                    summary.reference
                )
            })
        }
    }
}

fn show_text(c: &CaseSummary) -> String {
    let mut s = format!(
        "Case {}{}\n  state:     {}\n  policy:    {}\n  opened:    {}\n  escrow:    {} of {}\n  documents: {}\n",
        c.reference,
        c.title.as_ref().map(|t| format!(" — {t}")).unwrap_or_default(),
        c.state,
        c.policy,
        c.opened_at,
        c.threshold,
        c.custodians,
        c.documents
    );
    s.push_str(&format!(
        "  charter:   {}\n  members:\n",
        c.charter_fingerprint
    ));
    for m in &c.members {
        let role = match &m.label {
            Some(l) => format!("party {l}"),
            None => m.role.clone(),
        };
        s.push_str(&format!(
            "    {:<20} {:<28} {}\n",
            role, m.name, m.fingerprint
        ));
    }
    s
}

fn nums_text(nums: &[u64]) -> String {
    nums.iter()
        .map(|n| format!("#{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a removal or replacement leaves to do, said once.
fn member_change_text(c: &crate::vault::MemberChange, reference: &str) -> String {
    let mut s = String::new();
    if c.could_read.is_empty() {
        s.push_str("They could read no live document.\n");
        return s;
    }
    s.push_str(&format!(
        "They still hold the keys of {}, which they could read.\n",
        nums_text(&c.could_read)
    ));
    if !c.rekeyed.is_empty() {
        s.push_str(&format!(
            "Re-encrypted {} under new keys: their old keys open nothing current.\n",
            nums_text(&c.rekeyed)
        ));
    }
    let unkeyed: Vec<u64> = c
        .could_read
        .iter()
        .copied()
        .filter(|n| !c.rekeyed.contains(n))
        .collect();
    if !unkeyed.is_empty() {
        s.push_str(&format!(
            "Not yet re-keyed: {}; a current reader runs `sealroom rekey {reference} --all`. What was already read cannot be unread.\n",
            nums_text(&unkeyed)
        ));
    }
    s
}

fn parse_nums(nums: &[String]) -> Result<Vec<u64>> {
    nums.iter().map(|n| crate::vault::parse_num(n)).collect()
}

pub(super) fn grant(
    ctx: &Context,
    reference: &str,
    nums: &[String],
    all: bool,
    to: &std::path::Path,
) -> Result<()> {
    let nums = parse_nums(nums)?;
    let to = load_card(to)?;
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let g = vault.grant(&actor, reference, (!all).then_some(nums.as_slice()), &to)?;
    let last = g.granted.last().map(|(_, seq)| *seq);
    ctx.emit_act(&vault, reference, last, &g, || {
        if g.granted.is_empty() {
            return format!(
                "{} can already read every document you can read that they are entitled to; nothing changed.\n",
                to.name()
            );
        }
        let nums: Vec<u64> = g.granted.iter().map(|(n, _)| *n).collect();
        format!(
            "Granted {} of {reference} to {} ({} statement(s) in the log).\n",
            nums_text(&nums),
            to.name(),
            g.granted.len()
        )
    })
}

pub(super) fn rekey(ctx: &Context, reference: &str, nums: &[String], all: bool) -> Result<()> {
    let nums = parse_nums(nums)?;
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let r = vault.rekey(&actor, reference, (!all).then_some(nums.as_slice()))?;
    let last = r.rekeyed.last().map(|(_, seq)| *seq);
    ctx.emit_act(&vault, reference, last, &r, || {
        if r.rekeyed.is_empty() {
            return "No document you can read was readable by a removed member; nothing changed.\n".to_owned();
        }
        let nums: Vec<u64> = r.rekeyed.iter().map(|(n, _)| *n).collect();
        format!(
            "Re-encrypted {} of {reference} under new keys{}.\nWhat was already read cannot be unread.\n",
            nums_text(&nums),
            if r.dropped.is_empty() {
                String::new()
            } else {
                format!(": {} removed member(s) can no longer open them", r.dropped.len())
            }
        )
    })
}

/// What `case join` says once joined.
fn joined_text(joined: &crate::vault::JoinedCase, how: &str) -> String {
    format!(
        "{} case {}: {how}.\nCharter fingerprint: {}\nThe log was verified ({} entries); every later act checks the vault against this pin.\n\n{}",
        if joined.already_joined { "Already joined" } else { "Joined" },
        joined.summary.reference,
        joined.summary.charter_fingerprint,
        joined.entries,
        show_text(&joined.summary)
    )
}

/// `case join INVITATION [--registrar CARD]`: the vault is `--vault` when given, else
/// the folder the invitation names.
fn join_invited(ctx: &Context, path: &std::path::Path, registrar: Option<PathBuf>) -> Result<()> {
    let text = super::read_small_text(path, "an invitation")?;
    let invitation = crate::vault::Invitation::parse(&text)?;
    let expected = registrar.as_deref().map(load_card).transpose()?;
    let vault = match &ctx.vault {
        Some(_) => ctx.open_vault()?,
        None => {
            let location = &invitation.body().vault;
            if crate::store::remote::Location::is_remote(location) {
                // The invitation's signature is checked before anything is pinned
                // (`join_invited`); the connection only fetches what it checks.
                invitation.signer()?;
                ctx.connect(location, invitation.body().tls_pin.as_deref())?
            } else {
                ctx.open_vault_at(std::path::Path::new(location))?
            }
        }
    };
    let signer = invitation.signer()?;
    if expected.is_none() {
        super::say_on_stderr(&format!(
            "sealroom: warning: the invitation is signed by {} with card {}; compare that fingerprint with the registrar card your institution publishes (or give the card with --registrar CARD)",
            signer.name(),
            signer.fingerprint()
        ));
    }
    let joined = vault.join_invited(&invitation, expected.as_ref())?;
    // Joined: the server's key pin the registrar vouched for is now the member's.
    if let (Some(pin), Some(state), true) = (
        &invitation.body().tls_pin,
        vault.member_state(),
        vault.is_remote(),
    ) {
        state.save_server_pin(&vault.root().display().to_string(), pin)?;
    }
    let how = format!(
        "its charter is the one {} invited you to{}",
        signer.name(),
        if expected.is_some() {
            ", signed with the registrar card you gave"
        } else {
            ""
        }
    );
    ctx.emit(&joined, || joined_text(&joined, &how))
}
