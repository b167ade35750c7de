//! The `sealroom` binary: parse the command line, run it, and turn failures into one
//! sentence on stderr and an exit code (see `sealroom --help`).

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = sealroom::cli::Cli::parse();
    let verbose = cli.verbose;
    match sealroom::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sealroom: {}", err.message());
            if verbose {
                for cause in err.causes() {
                    eprintln!("  caused by: {cause}");
                }
            }
            ExitCode::from(err.kind().exit_code())
        }
    }
}
