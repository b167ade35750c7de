//! Who is asking: each request's signature (see
//! `sealroom_engine::store::remote::signing`), its nonce never seen before within the
//! freshness window, and the asker's share of the service (a rate per identity).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sealroom_engine::store::remote::signing::{self, Received, Signer, MAX_SKEW_SECS};

/// The service's memory of recent requests.
pub struct Gate {
    /// Nonces seen, with when they may be forgotten (after the freshness window).
    nonces: Mutex<HashMap<String, Instant>>,
    /// Per identity: tokens left and when last refilled.
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    per_minute: f64,
}

/// Why a request was turned away.
pub enum Turned {
    /// Not signed, badly signed, stale or replayed.
    Unauthorized(String),
    /// Over the identity's rate.
    TooMany,
}

impl Gate {
    /// A gate allowing `per_minute` requests per identity.
    pub fn new(per_minute: u32) -> Gate {
        Gate {
            nonces: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            per_minute: f64::from(per_minute.max(1)),
        }
    }

    /// Check a request's signature, freshness and nonce, and charge its signer.
    pub fn admit(&self, r: &Received<'_>, with_digest: bool) -> Result<Signer, Turned> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let signer = signing::verify(r, with_digest, now).map_err(Turned::Unauthorized)?;
        {
            let mut nonces = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
            let instant = Instant::now();
            if nonces.len() > 100_000 {
                nonces.retain(|_, until| *until > instant);
            }
            let key = format!("{}:{}", signer.card.fingerprint().to_hex(), signer.nonce);
            if nonces.get(&key).is_some_and(|until| *until > instant) {
                return Err(Turned::Unauthorized(
                    "the request was replayed (its nonce was used before)".into(),
                ));
            }
            // Twice the window: a request is refused as stale before its nonce is
            // forgotten.
            nonces.insert(key, instant + Duration::from_secs(2 * MAX_SKEW_SECS + 5));
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (tokens, last) = buckets
            .entry(signer.card.fingerprint().to_hex())
            .or_insert((self.per_minute, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_minute / 60.0)
            .min(self.per_minute);
        *last = now;
        if *tokens < 1.0 {
            return Err(Turned::TooMany);
        }
        *tokens -= 1.0;
        Ok(signer)
    }
}
