//! The `sealroom` binary: parse the command line, run it, and turn failures into one
//! sentence on stderr and an exit code (see `sealroom --help`).

#![forbid(unsafe_code)]

mod cli;
mod demo;

// The engine's public API under its own names (`crate::vault::Vault`,
// `crate::error::Result`, …): the command line uses nothing else of it.
pub(crate) use sealroom_engine::{
    archive, digest, error, member, policy, receipt, store, vault, Card, ExportRecipient, Identity,
};

use std::process::ExitCode;

use clap::error::ErrorKind as ClapKind;
use clap::FromArgMatches as _;

fn main() -> ExitCode {
    let parsed = cli::args::command()
        .try_get_matches()
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        // Help and version are what was asked for: print them as clap formats them.
        Err(e) if matches!(e.kind(), ClapKind::DisplayHelp | ClapKind::DisplayVersion) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ClapKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        // Every other usage error is one sentence, like every other failure.
        Err(e) => {
            cli::say_on_stderr(&format!("sealroom: {}", usage_sentence(&e)));
            return ExitCode::from(2);
        }
    };
    let verbose = cli.verbose;
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            cli::say_on_stderr(&format!("sealroom: {}", cli::error_text(&err)));
            if verbose {
                for cause in err.causes() {
                    cli::say_on_stderr(&format!("  caused by: {cause}"));
                }
            }
            ExitCode::from(err.kind().exit_code())
        }
    }
}

/// clap's error as one line: what is wrong, and where to read more.
fn usage_sentence(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let context = |kind| {
        e.get(kind).map(|v| match v {
            ContextValue::String(s) => s.clone(),
            ContextValue::Strings(v) => v.join(", "),
            other => other.to_string(),
        })
    };
    let first_line = || {
        let text = e.render().to_string();
        text.lines()
            .next()
            .unwrap_or("the command line is not valid")
            .trim_start_matches("error: ")
            .trim_end_matches(['.', ':'])
            .to_owned()
    };
    let what = match (e.kind(), context(ContextKind::InvalidArg)) {
        (ClapKind::MissingRequiredArgument, Some(args)) => format!("missing {args}"),
        // Say what would have been right.
        (ClapKind::InvalidValue, _) => match context(ContextKind::ValidValue) {
            Some(valid) if !valid.is_empty() => format!("{} (use one of: {valid})", first_line()),
            _ => first_line(),
        },
        _ => first_line(),
    };
    format!("{what}; see `sealroom --help` (or COMMAND --help) for how to use it")
}
