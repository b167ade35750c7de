//! Bounds on an age header, checked before the age crate parses it.
//!
//! Every age file sealroom writes for itself (bodies, metadata, wraps, escrow shares,
//! passphrase-protected identities) has exactly one recipient stanza of a known type,
//! at most one "grease" stanza (which the age crate adds to keep parsers honest), and a
//! header of a few hundred bytes. A hostile file can carry thousands of stanzas that
//! need no key to make, and the age crate re-parses the whole header for each line, so
//! sealroom refuses any other shape before any work is done. Files from outside
//! (`body::open` of arbitrary age files, the C2SP test vectors) are not held to this.

use crate::error::{Error, Result};

/// The longest header sealroom writes, with room to spare: one X25519 or scrypt stanza
/// (about 110 bytes), one grease stanza (at most about 210), the version and MAC lines.
pub const MAX_HEADER_LEN: usize = 1024;

/// The largest scrypt work factor (log2 of N) accepted for an identity file: 2^20 needs
/// 1 GiB of memory. sealroom writes 18 (age's standard, 256 MiB).
pub const MAX_SCRYPT_WORK_FACTOR: u8 = 20;

const VERSION_LINE: &[u8] = b"age-encryption.org/v1\n";

/// The recipient stanzas found in a header (their first lines, without `-> `), after
/// checking its size and that it ends where the MAC line begins.
fn stanza_lines(file: &[u8], what: &str) -> Result<Vec<String>> {
    let bad = |why: &str| Error::integrity(format!("{what} is not one sealroom wrote ({why})"));
    if !file.starts_with(VERSION_LINE) {
        return Err(bad("it is not an age v1 file"));
    }
    let window = &file[..file.len().min(MAX_HEADER_LEN)];
    let end = window
        .windows(5)
        .position(|w| w == b"\n--- ")
        .ok_or_else(|| bad("its header is too long or cut short"))?;
    let header = std::str::from_utf8(&window[VERSION_LINE.len()..end + 1])
        .map_err(|_| bad("its header is not text"))?;
    Ok(header
        .lines()
        .filter_map(|l| l.strip_prefix("-> "))
        .map(str::to_owned)
        .collect())
}

/// Check that `file` (its first bytes suffice, at least [`MAX_HEADER_LEN`] of them or
/// the whole file) starts with a header of at most [`MAX_HEADER_LEN`] bytes holding
/// exactly one recipient stanza of type `kind` (`X25519`, `scrypt`) and at most one
/// grease stanza. Returns that stanza's arguments.
pub fn check_own(file: &[u8], kind: &str, what: &str) -> Result<Vec<String>> {
    let stanzas = stanza_lines(file, what)?;
    let mut found = None;
    let mut grease = 0;
    for line in &stanzas {
        let mut parts = line.split(' ');
        let tag = parts.next().unwrap_or_default();
        if tag == kind && found.is_none() {
            found = Some(parts.map(str::to_owned).collect::<Vec<_>>());
        } else if tag.ends_with("-grease") && grease == 0 && kind != "scrypt" {
            grease += 1;
        } else {
            return Err(Error::integrity(format!(
                "{what} is not one sealroom wrote (its header has {} recipient stanzas; sealroom writes one {kind} stanza)",
                stanzas.len()
            )));
        }
    }
    found.ok_or_else(|| {
        Error::integrity(format!(
            "{what} is not one sealroom wrote (its header has no {kind} stanza)"
        ))
    })
}

/// The scrypt work factor an identity file asks for, refused above
/// [`MAX_SCRYPT_WORK_FACTOR`] before any work is done.
pub fn scrypt_work_factor(file: &[u8]) -> Result<u8> {
    let args = check_own(file, "scrypt", "the identity file")
        .map_err(|e| Error::usage(e.message().to_owned()))?;
    let factor: u8 = args
        .get(1)
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| Error::usage("the identity file's passphrase stanza is damaged"))?;
    if factor > MAX_SCRYPT_WORK_FACTOR {
        return Err(Error::usage(format!(
            "the identity file asks for passphrase work factor {factor} (2^{factor} rounds, {} MiB of memory); sealroom accepts at most {MAX_SCRYPT_WORK_FACTOR} — re-encrypt it with `sealroom keygen` or stock `age -p`",
            (1u64 << factor) / 1024
        )));
    }
    Ok(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(n: usize) -> Vec<u8> {
        let key = age::x25519::Identity::generate();
        let mut out = crate::crypto::body::seal_small(b"x", &key.to_public()).unwrap();
        if n > 1 {
            // Extra X25519 stanzas, as an attacker would add them (no key needed).
            let extra = "-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                .repeat(n - 1);
            let at = VERSION_LINE.len();
            out.splice(at..at, extra.bytes());
        }
        out
    }

    #[test]
    fn what_sealroom_writes_passes() {
        for _ in 0..50 {
            // The grease stanza is random: try it many times.
            let file = sealed(1);
            assert_eq!(check_own(&file, "X25519", "a wrap").unwrap().len(), 1);
        }
    }

    #[test]
    fn a_second_recipient_or_a_stanza_bomb_is_refused_without_parsing() {
        for n in [2, 5, 5000] {
            let file = sealed(n);
            let err = check_own(&file, "X25519", "a wrap").unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Integrity, "{n}");
        }
        // The work done is bounded by the header cap, whatever the file's size.
        let big = sealed(200_000);
        assert!(big.len() > 100 * MAX_HEADER_LEN);
        assert!(check_own(&big, "X25519", "a body").is_err());
    }

    #[test]
    fn other_shapes_are_refused() {
        assert!(check_own(b"not age at all", "X25519", "x").is_err());
        let file = sealed(1);
        assert!(check_own(&file, "scrypt", "x").is_err());
        // Cut inside the header.
        assert!(check_own(&file[..40], "X25519", "x").is_err());
    }

    #[test]
    fn the_scrypt_work_factor_is_read_and_capped() {
        let file = |f: u8| {
            format!("age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA {f}\nAAAA\n--- AAAA\n")
                .into_bytes()
        };
        assert_eq!(scrypt_work_factor(&file(18)).unwrap(), 18);
        assert_eq!(scrypt_work_factor(&file(20)).unwrap(), 20);
        let err = scrypt_work_factor(&file(23)).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Usage);
        assert!(
            err.message().contains("work factor 23"),
            "{}",
            err.message()
        );
    }
}
