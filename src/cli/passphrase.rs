//! Passphrases: `SEALROOM_PASSPHRASE` when it is set (so a script in a terminal
//! multiplexer never hangs on a prompt), else a no-echo prompt on a terminal; never argv.

use std::io::IsTerminal as _;
use std::path::Path;

use age::secrecy::SecretString;

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

/// The environment variable `passwd` takes the new passphrase from (the old one comes
/// from [`ENV`]).
pub const NEW_ENV: &str = "SEALROOM_NEW_PASSPHRASE";

/// The least zxcvbn score a new passphrase needs without `--allow-weak-passphrase`:
/// about 10^10 guesses, which at age's scrypt cost per guess is out of reach.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// How many weak or mismatched passphrases a terminal user may type before giving up.
const TRIES: usize = 5;

/// Why `pass` is too weak (zxcvbn's warning and suggestions), or `None` if it is not.
/// `hints` are words an attacker would try first (the identity's name, the file).
pub fn weakness(pass: &str, hints: &[&str]) -> Option<String> {
    if pass.is_empty() {
        return Some("it is empty".to_owned());
    }
    let entropy = zxcvbn::zxcvbn(pass, hints);
    if entropy.score() >= MIN_SCORE {
        return None;
    }
    let mut why = format!(
        "it could be guessed in about 10^{:.0} tries",
        entropy.guesses_log10()
    );
    if let Some(feedback) = entropy.feedback() {
        if let Some(w) = feedback.warning() {
            why.push_str(&format!(" ({w})"));
        }
        let tips: Vec<String> = feedback
            .suggestions()
            .iter()
            .map(|s| s.to_string())
            .collect();
        if !tips.is_empty() {
            why.push_str(&format!(". {}", tips.join(" ")));
        }
    }
    Some(why)
}

/// A passphrase for a new identity file (`keygen`, `passwd`): `env` when it is set,
/// else asked twice on a terminal. A weak one is refused (and asked again on a
/// terminal) unless `allow_weak`.
pub fn for_new_identity(env: &str, hints: &[&str], allow_weak: bool) -> Result<SecretString> {
    if let Ok(pass) = std::env::var(env) {
        if pass.is_empty() {
            return Err(Error::usage(format!(
                "{env} is empty; choose a passphrase, or use --no-passphrase deliberately"
            )));
        }
        if !allow_weak {
            if let Some(why) = weakness(&pass, hints) {
                return Err(Error::usage(format!(
                    "the passphrase in {env} is weak: {why}; choose a stronger one (four or more random words), or add --allow-weak-passphrase if you must"
                )));
            }
        }
        return Ok(SecretString::from(pass));
    }
    if !interactive() {
        return Err(Error::usage(format!(
            "a passphrase is needed: run at a terminal, set {env}, or use --no-passphrase"
        )));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map_err(|e| crate::error::io_error("reading the passphrase", e))
    };
    for _ in 0..TRIES {
        let first = zeroize::Zeroizing::new(ask("New passphrase for the identity: ")?);
        if first.is_empty() {
            eprintln!("The passphrase is empty; choose one (or use --no-passphrase deliberately).");
            continue;
        }
        if !allow_weak {
            if let Some(why) = weakness(&first, hints) {
                eprintln!(
                    "That passphrase is weak: {why}\nChoose a stronger one (four or more random words), or rerun with --allow-weak-passphrase."
                );
                continue;
            }
        }
        let second = zeroize::Zeroizing::new(ask("Repeat it: ")?);
        if *first != *second {
            eprintln!("The two passphrases differ; try again.");
            continue;
        }
        return Ok(SecretString::from(first.to_string()));
    }
    Err(Error::usage(format!(
        "no acceptable passphrase after {TRIES} tries; nothing was written"
    )))
}
