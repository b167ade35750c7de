//! Outside recipients of an export: every recipient type the age crate encrypts to
//! (X25519 `age1…`, `ssh-ed25519` and `ssh-rsa` public keys), parsed with a sentence
//! that says what was wrong and what to pass instead.

use std::str::FromStr as _;

use crate::error::{Error, Result};

/// An export's recipient.
pub enum ExportRecipient {
    /// A native age X25519 recipient (`age1…`).
    X25519(age::x25519::Recipient),
    /// An SSH public key (`ssh-ed25519 …` or `ssh-rsa …`, as in `~/.ssh/id_*.pub`).
    Ssh(age::ssh::Recipient),
}

impl std::fmt::Debug for ExportRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExportRecipient({self})")
    }
}

impl std::fmt::Display for ExportRecipient {
    /// The recipient as recorded in the case log (an SSH key without its comment).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportRecipient::X25519(r) => write!(f, "{r}"),
            ExportRecipient::Ssh(r) => write!(f, "{r}"),
        }
    }
}

impl From<age::x25519::Recipient> for ExportRecipient {
    fn from(r: age::x25519::Recipient) -> Self {
        ExportRecipient::X25519(r)
    }
}

impl ExportRecipient {
    /// Parse a recipient as `age -r` takes it (an SSH key line may keep its comment).
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.starts_with("age1") {
            return age::x25519::Recipient::from_str(text)
                .map(ExportRecipient::X25519)
                .map_err(|_| {
                    Error::usage(format!(
                        "`{text}` starts like an age recipient but is not one ({} characters where age1… recipients have 62, or a typo): copy it again from `age-keygen -y KEYFILE`",
                        text.chars().count()
                    ))
                });
        }
        if text.starts_with("ssh-") || text.starts_with("ecdsa-") || text.starts_with("sk-") {
            use age::ssh::ParseRecipientKeyError as E;
            return age::ssh::Recipient::from_str(text)
                .map(ExportRecipient::Ssh)
                .map_err(|e| {
                    Error::usage(match e {
                        E::RsaModulusTooSmall => "that ssh-rsa key is shorter than 2048 bits, too weak to encrypt to: ask for an ssh-ed25519 key or an age1… recipient".to_owned(),
                        E::RsaModulusTooLarge => "that ssh-rsa key is longer than age supports (16384 bits): ask for an ssh-ed25519 key or an age1… recipient".to_owned(),
                        E::Unsupported(kind) => format!(
                            "{kind} keys cannot be encrypted to (age takes ssh-ed25519 and ssh-rsa): ask for one of those, or an age1… recipient"
                        ),
                        _ => "that SSH public key is malformed: give the whole line of the .pub file (`ssh-ed25519 AAAA… comment`)".to_owned(),
                    })
                    .about(crate::error::Input::Recipient)
                });
        }
        Err(Error::usage(if text.starts_with("AGE-SECRET-KEY-") {
            "that is an age secret key, not a recipient: never share it; give the recipient (`age-keygen -y KEYFILE`)".to_owned()
        } else if text.starts_with("-----BEGIN") {
            "that is a private key file's contents, not a recipient: never share it; give the public key (the .pub file's line, or `age-keygen -y KEYFILE`)".to_owned()
        } else {
            let shown: String = text.chars().take(24).collect();
            format!(
                "`{shown}` is not a recipient: pass an age recipient (age1…, as `age-keygen -y` prints) or an SSH public key line (ssh-ed25519 … or ssh-rsa …)"
            )
        }))
    }

    /// The recipient as age uses it.
    pub fn as_age(&self) -> &dyn age::Recipient {
        match self {
            ExportRecipient::X25519(r) => r,
            ExportRecipient::Ssh(r) => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN alice@rust";

    #[test]
    fn each_kind_parses_and_prints_as_recorded() {
        let x = age::x25519::Identity::generate().to_public().to_string();
        let r = ExportRecipient::parse(&x).unwrap();
        assert_eq!(r.to_string(), x);
        let r = ExportRecipient::parse(ED25519).unwrap();
        assert!(matches!(r, ExportRecipient::Ssh(_)));
        // The comment is not part of the recipient the log records.
        assert_eq!(
            r.to_string(),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN"
        );
    }

    #[test]
    fn each_mistake_gets_its_own_sentence() {
        for (given, says) in [
            ("age1xyz", "starts like an age recipient"),
            ("AGE-SECRET-KEY-1QQQQ", "secret key"),
            ("-----BEGIN OPENSSH PRIVATE KEY-----", "private key"),
            ("ssh-ed25519 AAAA", "malformed"),
            ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "malformed"),
            ("bob@example.org", "is not a recipient"),
        ] {
            let e = ExportRecipient::parse(given).unwrap_err();
            assert_eq!(e.kind(), crate::error::ErrorKind::Usage);
            assert!(e.message().contains(says), "{given}: {}", e.message());
        }
    }
}
