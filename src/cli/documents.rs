//! `sealroom deposit`, `list` and `read`.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::path::{Path, PathBuf};

use super::args::FilterArgs;
use super::Context;
use crate::error::{io_error, Error, ErrorKind, Result};
use crate::policy::Category;
use crate::vault::{parse_num, DepositSpec, Listing};

pub(super) struct DepositArgs {
    pub reference: String,
    pub file: PathBuf,
    pub category: String,
    pub title: Option<String>,
    pub confidential: bool,
    pub share_with_all: bool,
    pub as_party: Option<String>,
}

pub(super) fn deposit(ctx: &Context, args: DepositArgs) -> Result<()> {
    let category = Category::parse(&args.category)?;
    let from_stdin = args.file.as_os_str() == "-";
    // Check the input before asking for a passphrase or touching the vault.
    let mut size = None;
    let input: Box<dyn io::Read> = if from_stdin {
        Box::new(io::stdin().lock())
    } else {
        let meta = std::fs::metadata(&args.file)
            .map_err(|e| io_error(format!("reading {}", args.file.display()), e))?;
        if meta.is_dir() {
            return Err(Error::usage(format!(
                "{} is a folder; deposit one file at a time (or a zip of the folder)",
                args.file.display()
            )));
        }
        size = Some(meta.len());
        Box::new(
            File::open(&args.file)
                .map_err(|e| io_error(format!("reading {}", args.file.display()), e))?,
        )
    };
    let file_name = if from_stdin {
        "stdin".to_owned()
    } else {
        args.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "document".to_owned())
    };
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    let deposited = vault.deposit(
        &actor,
        &args.reference,
        {
            let mut spec = DepositSpec::new(file_name)
                .category(category)
                .confidential(args.confidential)
                .share_with_all(args.share_with_all);
            if let Some(title) = args.title {
                spec = spec.title(title);
            }
            if let Some(label) = args.as_party {
                spec = spec.as_party(label);
            }
            spec
        },
        io::BufReader::with_capacity(
            256 * 1024,
            super::progress::Reading {
                inner: input,
                bar: super::progress::bar("depositing", size, ctx.json),
            },
        ),
    )?;
    ctx.emit_act(
        &vault,
        &args.reference,
        Some(deposited.statement),
        &deposited,
        || {
            format!(
                "#{}\nDeposited #{} in {} ({}, owner {}, {}): readable by {}.\n",
                deposited.num,
                deposited.num,
                deposited.case,
                deposited.category,
                deposited.owner,
                human_size(deposited.size),
                deposited.readers
            )
        },
    )
}

pub(super) fn list(ctx: &Context, reference: &str, filter: &FilterArgs) -> Result<()> {
    let filter = filter.to_filter()?;
    let actor = ctx.identity()?;
    let vault = ctx.open_vault()?;
    let listing = vault.list_filtered(&actor, reference, &filter)?;
    ctx.emit(&listing, || list_text(&listing))
}

fn list_text(l: &Listing) -> String {
    let mut s = if l.filtered_out > 0 {
        format!(
            "Case {}: {} document(s) you can read match ({} others you can read do not).\n",
            l.case,
            l.readable.len(),
            l.filtered_out
        )
    } else {
        format!(
            "Case {}: {} document(s) you can read.\n",
            l.case,
            l.readable.len()
        )
    };
    for d in &l.readable {
        s.push_str(&format!(
            "  #{:<4} {:<13} {:<12} {:<9} {}{}\n         {} · {} · deposited {} by {} · readable by {}\n",
            d.num,
            d.category,
            d.owner,
            human_size(d.size),
            d.title,
            if d.confidential { "  [confidential]" } else { "" },
            d.file_name,
            d.media_type,
            d.deposited_at,
            d.depositor,
            d.readers
        ));
    }
    if l.unreadable > 0 {
        s.push_str(&format!(
            "{} other document(s) exist in this case that you cannot read.\n",
            l.unreadable
        ));
    }
    s
}

/// Refuse to overwrite: sealroom never replaces a file that exists.
pub(super) fn check_output_free(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::refused(format!(
            "{} already exists; sealroom does not overwrite files (choose another name)",
            path.display()
        )));
    }
    Ok(())
}

/// For a document output (`read -o`, `export -o`): an existing file is replaced only
/// with `--force`, and without it the refusal says so (exit 2).
pub(super) fn check_output_replaceable(path: &Path, force: bool) -> Result<()> {
    if path.is_dir() {
        return Err(Error::usage(format!(
            "{} exists and is a folder; give a file name",
            path.display()
        )));
    }
    if path.exists() && !force {
        return Err(Error::usage(format!(
            "{} already exists; add --force to replace it, or choose another name",
            path.display()
        )));
    }
    Ok(())
}

/// Tell the user about partial outputs of killed runs that were removed.
pub(super) fn report_removed(removed: Vec<PathBuf>) {
    for path in removed {
        super::say_on_stderr(&format!(
            "sealroom: removed {}, a partial output left by an interrupted run",
            path.display()
        ));
    }
}

/// Write `path` through a temp file in the same folder that becomes `path` only when
/// `fill` succeeded; on any failure nothing is left behind. With `sync`, the file is
/// flushed to the disk before it is named. Without, a power cut soon after may lose
/// it (or, on some file systems, leave it empty): the person's copy, which the vault
/// still holds; the stock `age -d > FILE` does not flush either, and flushing costs a
/// large document's read about half its time.
pub(super) fn write_output_file<T>(
    path: &Path,
    replace: bool,
    sync: bool,
    fill: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    check_output_replaceable(path, replace)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    report_removed(crate::store::fsutil::remove_abandoned_partials(&dir));
    // The temp file is deleted on drop, so any failure below leaves nothing; a kill
    // leaves it locked by no one, and the next run in this folder removes it.
    let temp = tempfile::Builder::new()
        .prefix(crate::store::fsutil::PARTIAL_PREFIX)
        .tempfile_in(&dir)
        .map_err(|e| io_error(format!("creating a file in {}", dir.display()), e))?;
    crate::store::fsutil::lock_partial(temp.as_file())
        .map_err(|e| io_error(format!("locking {}", temp.path().display()), e))?;
    // No larger than the pipeline's writes, which it then passes straight through.
    let mut writer = BufWriter::with_capacity(crate::vault::PLAINTEXT_WRITE_LEN, temp);
    let value = fill(&mut writer)?;
    let temp = writer
        .into_inner()
        .map_err(|e| io_error(format!("writing {}", path.display()), e.into_error()))?;
    if sync {
        temp.as_file()
            .sync_all()
            .map_err(|e| io_error(format!("writing {}", path.display()), e))?;
    }
    if replace {
        temp.persist(path).map(drop)
    } else {
        temp.persist_noclobber(path).map(drop)
    }
    .map_err(|e| io_error(format!("writing {}", path.display()), e.error))?;
    Ok(value)
}

pub(super) fn read(
    ctx: &Context,
    reference: &str,
    num: &str,
    output: Option<&Path>,
    force: bool,
    sync: bool,
) -> Result<()> {
    let num = parse_num(num)?;
    if let Some(path) = output {
        check_output_replaceable(path, force)?;
    } else if ctx.json {
        return Err(Error::usage(
            "with --json the document cannot also go to standard output; write it to a file with -o FILE",
        ));
    }
    let actor = ctx.identity()?;
    let mut vault = ctx.open_vault()?;
    match output {
        Some(path) => {
            let outcome = write_output_file(path, force, sync, |w| {
                let bar = super::progress::bar("reading", None, ctx.json);
                let res = vault.read_held(
                    &actor,
                    reference,
                    num,
                    super::progress::Writing {
                        inner: w,
                        bar: bar.clone(),
                    },
                );
                bar.finish_and_clear();
                res
            })?;
            ctx.emit_act(&vault, reference, Some(outcome.statement), &outcome, || {
                format!(
                    "Wrote #{num} \"{}\" ({}) to {}; signature and hashes verified.\n",
                    outcome.document.title,
                    human_size(outcome.document.size),
                    path.display()
                )
            })
        }
        None => {
            // A document lands on a terminal only when it is text, or when asked.
            if io::stdout().is_terminal() && !force {
                let doc = vault.describe(&actor, reference, num)?;
                let texty =
                    doc.media_type.starts_with("text/") || doc.media_type == "application/json";
                if !texty {
                    return Err(Error::usage(format!(
                        "#{num} is {} ({}), which would garble your terminal; write it to a file with -o FILE, or add --force",
                        doc.media_type,
                        human_size(doc.size)
                    )));
                }
            }
            let stdout = io::stdout();
            // No bar when the document itself goes to the terminal: the two would share
            // a line (the bar is for `read … > file` and pipes).
            let to_terminal = stdout.is_terminal();
            let mut writer =
                BufWriter::with_capacity(crate::vault::PLAINTEXT_WRITE_LEN, stdout.lock());
            let bar = super::progress::bar("reading", None, ctx.json || to_terminal);
            let res = vault.read(
                &actor,
                reference,
                num,
                super::progress::Writing {
                    inner: &mut writer,
                    bar: bar.clone(),
                },
            );
            bar.finish_and_clear();
            match res {
                Ok(outcome) => {
                    writer
                        .flush()
                        .map_err(|e| io_error("writing to standard output", e))?;
                    // Standard output carries the document; the receipt is noted on stderr.
                    if let Some(r) = ctx.issue_receipt(&vault, reference, outcome.statement) {
                        super::say_on_stderr(&format!("Receipt: {}", r.path_display()));
                    }
                    Ok(())
                }
                // A reader that went away (e.g. `| head`) is not a failure of the vault.
                Err(e) if e.kind() == ErrorKind::Io && is_broken_pipe(&e) => Ok(()),
                Err(e) => Err(e),
            }
        }
    }
}

fn is_broken_pipe(e: &Error) -> bool {
    e.causes().iter().any(|c| c.contains("Broken pipe"))
}

/// A size for people: bytes, KiB, MiB or GiB.
pub(crate) fn human_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}
