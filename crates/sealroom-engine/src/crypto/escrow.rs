//! The case escrow key: an X25519 key made at case open whose secret is split `m` of
//! `n` among the custodians with Shamir sharing over GF(256) (vsss-rs), then wiped.
//!
//! Shamir combination cannot tell a wrong or short set of shares from a right one (it
//! simply yields another secret), so [`combine`] checks the rebuilt key against the
//! escrow recipient recorded in the charter before anything may use it.

use std::str::FromStr as _;

use zeroize::Zeroizing;

use super::body::secret_string;
use crate::error::{Error, Result};

/// One custodian's share: the participant index (1-based) and the share bytes. When
/// the threshold is 1 the share is the whole secret and the index is 0.
pub struct Share {
    /// Participant index, 0 for a whole-secret share.
    pub index: u8,
    /// vsss-rs share bytes (identifier first) or the whole secret.
    pub bytes: Zeroizing<Vec<u8>>,
}

/// A share as wrapped to its custodian: which case and escrow key it belongs to, the
/// threshold, and the share itself. Text form (secret; only ever stored age-encrypted):
///
/// ```text
/// sealroom share v1
/// case: IOMed-2026-014
/// escrow: age1…
/// threshold: 2
/// index: 3
/// share: <base64>
/// ```
pub struct ShareRecord {
    /// Case reference.
    pub case: String,
    /// The escrow recipient the share rebuilds.
    pub escrow: String,
    /// Shares needed.
    pub threshold: u32,
    /// The share.
    pub share: Share,
}

impl ShareRecord {
    /// The text form, wiped on drop.
    pub fn to_text(&self) -> Zeroizing<String> {
        use base64::Engine as _;
        let b64 =
            Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*self.share.bytes));
        Zeroizing::new(format!(
            "sealroom share v1\ncase: {}\nescrow: {}\nthreshold: {}\nindex: {}\nshare: {}\n",
            self.case, self.escrow, self.threshold, self.share.index, &*b64
        ))
    }

    /// Parse the text form strictly.
    pub fn parse(text: &str) -> Result<Self> {
        use base64::Engine as _;
        let bad = || Error::integrity("this is not a sealroom escrow share, or it is damaged");
        let body = text.strip_suffix('\n').ok_or_else(bad)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let keys = ["case", "escrow", "threshold", "index", "share"];
        if lines.len() != keys.len() + 1 || lines[0] != "sealroom share v1" {
            return Err(bad());
        }
        let mut values = Vec::with_capacity(keys.len());
        for (line, key) in lines[1..].iter().zip(keys) {
            let value = line
                .strip_prefix(key)
                .and_then(|l| l.strip_prefix(": "))
                .filter(|v| !v.is_empty())
                .ok_or_else(bad)?;
            values.push(value);
        }
        let threshold = values[2].parse().map_err(|_| bad())?;
        let index: u8 = values[3].parse().map_err(|_| bad())?;
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(values[4])
                .map_err(|_| bad())?,
        );
        if bytes.is_empty() || (index != 0 && bytes[0] != index) {
            return Err(bad());
        }
        Ok(ShareRecord {
            case: values[0].to_owned(),
            escrow: values[1].to_owned(),
            threshold,
            share: Share { index, bytes },
        })
    }
}

/// A new escrow key split for `count` custodians with `threshold` needed. With
/// `count == 0` the archivist holds the whole key (1 of 1).
pub fn make(threshold: usize, count: usize) -> Result<(age::x25519::Recipient, Vec<Share>)> {
    let holders = count.max(1);
    if threshold == 0 || threshold > holders {
        return Err(Error::usage(format!(
            "the threshold must be between 1 and the number of custodians ({holders})"
        ))
        .about(crate::error::Input::Threshold));
    }
    if holders > 255 {
        return Err(Error::usage("at most 255 custodians can hold shares"));
    }
    let key = age::x25519::Identity::generate();
    let recipient = key.to_public();
    let secret = secret_string(&key);
    drop(key);
    let shares = if threshold == 1 {
        (0..holders)
            .map(|_| Share {
                index: 0,
                bytes: Zeroizing::new(secret.as_bytes().to_vec()),
            })
            .collect()
    } else {
        let rng = rand_core::UnwrapErr(getrandom::SysRng);
        let raw = vsss_rs::Gf256::split_bytes(threshold, holders, secret.as_bytes(), rng)
            .map_err(|e| Error::io(format!("splitting the escrow key failed: {e:?}")))?;
        raw.into_iter()
            .map(|s| Share {
                index: s[0],
                bytes: Zeroizing::new(s),
            })
            .collect()
    };
    Ok((recipient, shares))
}

/// Rebuild the escrow key from shares and check it against `expected`.
pub fn combine(
    shares: &[Share],
    expected: &age::x25519::Recipient,
) -> Result<age::x25519::Identity> {
    let wrong = || {
        Error::integrity(
            "the shares do not rebuild this case's escrow key: too few, corrupted, or from another case",
        )
    };
    let secret: Zeroizing<Vec<u8>> = match shares {
        [] => return Err(wrong()),
        [one, ..] if one.index == 0 => one.bytes.clone(),
        _ => {
            let raw: Vec<Vec<u8>> = shares.iter().map(|s| s.bytes.to_vec()).collect();
            let out = vsss_rs::Gf256::combine_bytes(&raw).map_err(|_| wrong());
            for mut r in raw {
                zeroize::Zeroize::zeroize(&mut r);
            }
            Zeroizing::new(out?)
        }
    };
    let text = std::str::from_utf8(&secret).map_err(|_| wrong())?;
    let key = age::x25519::Identity::from_str(text).map_err(|_| wrong())?;
    if key.to_public().to_string() != expected.to_string() {
        return Err(wrong());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
        (0u32..(1 << n))
            .filter(|m| m.count_ones() as usize == k)
            .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
            .collect()
    }

    fn pick(shares: &[Share], idx: &[usize]) -> Vec<Share> {
        idx.iter()
            .map(|&i| Share {
                index: shares[i].index,
                bytes: shares[i].bytes.clone(),
            })
            .collect()
    }

    #[test]
    fn every_m_subset_opens_and_no_smaller_one_does() {
        for (m, n) in [(2, 3), (3, 5)] {
            let (recipient, shares) = make(m, n).unwrap();
            for set in subsets(n, m) {
                let key = combine(&pick(&shares, &set), &recipient).unwrap();
                assert_eq!(key.to_public().to_string(), recipient.to_string());
            }
            for set in subsets(n, m - 1) {
                assert!(combine(&pick(&shares, &set), &recipient).is_err());
            }
        }
    }

    #[test]
    fn a_flipped_share_bit_is_detected() {
        let (recipient, shares) = make(2, 3).unwrap();
        let mut bad = pick(&shares, &[0, 1]);
        bad[1].bytes[5] ^= 0x01;
        assert!(combine(&bad, &recipient).is_err());
    }

    #[test]
    fn one_of_one_is_the_whole_key() {
        let (recipient, shares) = make(1, 0).unwrap();
        assert_eq!(shares.len(), 1);
        assert!(combine(&shares, &recipient).is_ok());
        let (other, _) = make(1, 0).unwrap();
        assert!(combine(&shares, &other).is_err());
    }

    #[test]
    fn share_records_round_trip_and_reject_damage() {
        let (recipient, shares) = make(2, 3).unwrap();
        let share = &shares[1];
        let record = ShareRecord {
            case: "C-1".into(),
            escrow: recipient.to_string(),
            threshold: 2,
            share: Share {
                index: share.index,
                bytes: share.bytes.clone(),
            },
        };
        let text = record.to_text();
        let back = ShareRecord::parse(&text).unwrap();
        assert_eq!(
            (back.case.as_str(), back.threshold, back.share.index),
            ("C-1", 2, share.index)
        );
        assert_eq!(*back.share.bytes, *share.bytes);
        assert!(ShareRecord::parse(&text[..text.len() - 5]).is_err());
        assert!(ShareRecord::parse(&text.replace("v1", "v2")).is_err());
        assert!(ShareRecord::parse("").is_err());
        // The index line must name the share it carries (its first byte): a share
        // relabelled as another custodian's would combine into a wrong key.
        let other = if share.index == 3 { 2 } else { 3 };
        let relabelled = text.replace(
            &format!("index: {}\n", share.index),
            &format!("index: {other}\n"),
        );
        assert_ne!(relabelled, *text);
        assert!(ShareRecord::parse(&relabelled).is_err());
        // An empty share is no share.
        let empty = text.replace(
            &format!(
                "share: {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &*share.bytes)
            ),
            "share: ",
        );
        assert!(ShareRecord::parse(&empty).is_err());
    }

    #[test]
    fn impossible_thresholds_are_refused() {
        // Refused up front as the person's mistake, naming the limit (not by the
        // sharing library failing later).
        for (threshold, count) in [(0, 3), (4, 3), (2, 0)] {
            let err = make(threshold, count).err().expect("refused");
            assert_eq!(err.kind(), crate::ErrorKind::Usage, "{err:?}");
            assert!(err.message().contains("threshold"), "{}", err.message());
        }
        // 255 custodians is the most a share's one-byte index allows.
        assert_eq!(make(2, 255).unwrap().1.len(), 255);
        let err = make(2, 256).err().expect("refused");
        assert_eq!(err.kind(), crate::ErrorKind::Usage, "{err:?}");
        assert!(err.message().contains("255"), "{}", err.message());
    }
}
