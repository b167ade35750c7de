//! `sealroom keygen` and `sealroom passwd`: making an identity file and changing the
//! passphrase that protects it.

use std::io::Write as _;
use std::path::Path;

use age::secrecy::{ExposeSecret as _, SecretString};
use zeroize::Zeroizing;

use super::{card_json, passphrase, say_on_stderr, Context};
use crate::error::{io_error, Error, Result};
use crate::Identity;

/// Words an attacker would try first against a passphrase for `name`'s identity.
fn hints(name: &str) -> Vec<&str> {
    let mut words: Vec<&str> = name.split_whitespace().collect();
    words.push(name);
    words.push("sealroom");
    words
}

pub(super) fn keygen(
    ctx: &Context,
    name: &str,
    output: &Path,
    no_passphrase: bool,
    allow_weak: bool,
) -> Result<()> {
    if output.exists() {
        return Err(Error::refused(format!(
            "{} already exists; sealroom never overwrites an identity (choose another file)",
            output.display()
        )));
    }
    let id = Identity::generate(name)?;
    let pass = if no_passphrase {
        None
    } else {
        Some(passphrase::for_new_identity(
            passphrase::ENV,
            &hints(name),
            allow_weak,
        )?)
    };
    id.save(output, pass)?;
    let card = id.card();
    if !ctx.json {
        say_on_stderr(&format!(
            "Wrote the identity to {} ({}). Keep it secret; the card below is public.",
            output.display(),
            if no_passphrase {
                "NOT passphrase-protected"
            } else {
                "passphrase-protected"
            }
        ));
    }
    ctx.emit(&card_json(&card), || card.to_text())
}

/// Whether an identity file's bytes are passphrase-protected (an age file).
fn is_protected(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/v1")
}

pub(super) fn passwd(ctx: &Context, no_passphrase: bool, allow_weak: bool) -> Result<()> {
    let path = ctx.identity_path()?;
    let old = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| io_error(format!("reading identity {}", path.display()), e))?,
    );
    let was_protected = is_protected(&old);
    if no_passphrase && !was_protected {
        return Err(Error::usage(format!(
            "{} has no passphrase already; nothing changed",
            path.display()
        )));
    }
    // The old passphrase, always: an identity kept open by `unlock` is not enough.
    let id = Identity::load(path, || passphrase::for_identity(path))?;
    let new: Option<Zeroizing<String>> = if no_passphrase {
        None
    } else {
        let pass =
            passphrase::for_new_identity(passphrase::NEW_ENV, &hints(id.name()), allow_weak)?;
        Some(Zeroizing::new(pass.expose_secret().to_owned()))
    };
    let secret =
        |p: &Option<Zeroizing<String>>| p.as_ref().map(|p| SecretString::from(p.to_string()));
    let bytes = id.to_file_bytes(secret(&new))?;

    // The new file is written beside the old one, read back and opened with the new
    // passphrase; only then does it replace the old file, in one rename.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".sealroom-passwd-")
        .tempfile_in(&dir)
        .map_err(|e| io_error(format!("creating a file in {}", dir.display()), e))?;
    temp.write_all(&bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io_error("writing the new identity file", e))?;
    let back = Zeroizing::new(
        std::fs::read(temp.path()).map_err(|e| io_error("re-reading the new identity file", e))?,
    );
    let reopened = Identity::from_file_bytes(&back, || {
        secret(&new).ok_or_else(|| Error::io("no passphrase to check with"))
    })?;
    if reopened.fingerprint() != id.fingerprint() {
        return Err(Error::integrity(format!(
            "the rewritten identity does not open to the same identity; {} is unchanged",
            path.display()
        )));
    }
    // An unlocked copy of the old file would outlive the change: forget it.
    let _ = super::unlock::lock(path);
    temp.persist(path)
        .map_err(|e| io_error(format!("replacing {}", path.display()), e.error))?;
    crate::store::fsutil::sync_parent(path)
        .map_err(|e| io_error("flushing the identity's folder", e))?;

    let protected = new.is_some();
    ctx.emit(
        &serde_json::json!({
            "path": path,
            "name": id.name(),
            "fingerprint": id.fingerprint().to_string(),
            "passphrase_protected": protected,
            "was_passphrase_protected": was_protected,
        }),
        || {
            format!(
                "{} the passphrase of {} ({}). Copies of the old file (backups) still open with the old passphrase: replace or destroy them.\n",
                match (was_protected, protected) {
                    (true, true) => "Changed",
                    (false, true) => "Added",
                    _ => "Removed",
                },
                path.display(),
                id.name()
            )
        },
    )
}
