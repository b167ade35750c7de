//! Passphrases: `SEALROOM_PASSPHRASE` when it is set (so a script in a terminal
//! multiplexer never hangs on a prompt), else a no-echo prompt on a terminal; never argv.

use std::io::IsTerminal as _;
use std::path::Path;

use age::secrecy::{ExposeSecret as _, SecretString};

use crate::error::{Error, Result};

/// The environment variable that, when set, is used instead of a prompt.
pub const ENV: &str = "SEALROOM_PASSPHRASE";

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn from_env() -> Option<SecretString> {
    std::env::var(ENV).ok().map(SecretString::from)
}

/// The passphrase of an existing identity file.
pub fn for_identity(path: &Path) -> Result<SecretString> {
    if let Some(pass) = from_env() {
        return Ok(pass);
    }
    if interactive() {
        let p = rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))
            .map_err(|e| crate::error::io_error("reading the passphrase", e))?;
        return Ok(SecretString::from(p));
    }
    Err(Error::usage(format!(
        "{} is passphrase-protected; type the passphrase at a terminal or set {ENV}",
        path.display()
    )))
}

/// A passphrase for a new identity: asked twice on a terminal.
pub fn for_new_identity() -> Result<SecretString> {
    let pass = if let Some(pass) = from_env() {
        pass
    } else if interactive() {
        let first = rpassword::prompt_password("New passphrase for the identity: ")
            .map_err(|e| crate::error::io_error("reading the passphrase", e))?;
        let second = rpassword::prompt_password("Repeat it: ")
            .map_err(|e| crate::error::io_error("reading the passphrase", e))?;
        if first != second {
            return Err(Error::usage(
                "the two passphrases differ; nothing was written",
            ));
        }
        SecretString::from(first)
    } else {
        return Err(Error::usage(format!(
            "a passphrase is needed: run at a terminal, set {ENV}, or use --no-passphrase"
        )));
    };
    if pass.expose_secret().is_empty() {
        return Err(Error::usage(
            "the passphrase is empty; choose one, or use --no-passphrase deliberately",
        ));
    }
    Ok(pass)
}
