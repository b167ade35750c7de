//! `sealroom unlock` and `lock`: keep a passphrase-protected identity open for a while
//! in the kernel's user keyring (Linux), as `ssh-add` keeps a key in an agent, so that
//! the passphrase's scrypt work (about a second and 256 MiB) is paid once, not on every
//! command.
//!
//! The opened identity lives only in kernel memory, readable by processes of the same
//! user, never on disk; it expires by itself after the time given to `unlock`, and
//! `lock` removes it at once. An identity file is found in the keyring by the SHA-256 of
//! its encrypted bytes, so changing or replacing the file ends its use.

use std::path::Path;

use zeroize::Zeroizing;

use crate::digest::{hex, sha256};
use crate::error::{io_error, Error, Result};
use crate::Identity;

/// The keyring entry of an identity file's bytes.
fn description(file_bytes: &[u8]) -> String {
    format!("sealroom:identity:{}", hex(&sha256(file_bytes)))
}

#[cfg(target_os = "linux")]
fn keyring() -> Result<linux_keyutils::KeyRing> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(|e| {
        Error::io(format!(
            "the kernel keyring is not available here ({e:?}), so identities cannot be kept unlocked; the passphrase is asked for on each command"
        ))
    })
}

/// The identity `file_bytes` opened earlier by `unlock`, if it is still there.
pub(crate) fn cached(file_bytes: &[u8]) -> Option<Identity> {
    #[cfg(target_os = "linux")]
    {
        let key = keyring().ok()?.search(&description(file_bytes)).ok()?;
        let text = Zeroizing::new(key.read_to_vec().ok()?);
        let text = std::str::from_utf8(&text).ok()?;
        Identity::from_file_bytes(text.as_bytes(), || {
            Err(Error::usage(
                "an unlocked identity is stored without passphrase",
            ))
        })
        .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file_bytes;
        None
    }
}

/// Open the identity at `path` (asking for its passphrase) and keep it open for
/// `seconds`.
pub(crate) fn unlock(path: &Path, seconds: u64) -> Result<Identity> {
    let bytes = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| io_error(format!("reading identity {}", path.display()), e))?,
    );
    if !bytes.starts_with(b"age-encryption.org/v1") {
        return Err(Error::usage(format!(
            "{} has no passphrase, so there is nothing to unlock",
            path.display()
        )));
    }
    let identity = super::load_identity(path)?;
    #[cfg(target_os = "linux")]
    {
        let ring = keyring()?;
        let text = identity.to_file_bytes(None)?;
        let key = ring.add_key(&description(&bytes), &text[..]).map_err(|e| {
            Error::io(format!(
                "keeping the identity in the kernel keyring failed ({e:?})"
            ))
        })?;
        let seconds = usize::try_from(seconds).unwrap_or(usize::MAX);
        if let Err(e) = key.set_timeout(seconds) {
            let _ = key.invalidate();
            return Err(Error::io(format!(
                "setting the unlocked identity's expiry failed ({e:?}); it was not kept"
            )));
        }
        Ok(identity)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = seconds;
        Err(Error::io(
            "keeping identities unlocked needs the Linux kernel keyring",
        ))
    }
}

/// Forget the unlocked identity at `path`; whether it was unlocked.
pub(crate) fn lock(path: &Path) -> Result<bool> {
    let bytes = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| io_error(format!("reading identity {}", path.display()), e))?,
    );
    #[cfg(target_os = "linux")]
    {
        let Ok(key) = keyring()?.search(&description(&bytes)) else {
            return Ok(false);
        };
        key.invalidate()
            .map_err(|e| Error::io(format!("removing the unlocked identity failed ({e:?})")))?;
        Ok(true)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = bytes;
        Ok(false)
    }
}
