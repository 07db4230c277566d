//! An optional proof-of-work challenge in ALTCHA's format (v1): the server picks a salt
//! and a secret number, sends `challenge = hex(SHA-256(salt + number))` with
//! `signature = hex(HMAC-SHA-256(key, challenge))`; the client finds the number by trying
//! 0..=maxnumber and sends back base64(JSON {algorithm, challenge, number, salt,
//! signature}). Self-hosted: the key never leaves the server. Each solution is accepted
//! once (used challenges are kept until they expire) and only before its expiry, which
//! is carried in the salt (`?expires=UNIX_SECONDS&`) as ALTCHA does.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The form or JSON field that carries a solution (ALTCHA's widget uses this name).
pub const FIELD: &str = "altcha";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Challenge {
    pub algorithm: String,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Solution {
    pub algorithm: String,
    pub challenge: String,
    pub number: u64,
    pub salt: String,
    pub signature: String,
}

/// Why a solution was refused, in words a client can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PowError {
    #[error(
        "This request needs a solved proof-of-work challenge (GET the list's /challenge, solve it, send it as \"altcha\")."
    )]
    Missing,
    #[error("The proof-of-work solution could not be read or is wrong.")]
    Invalid,
    #[error("The proof-of-work challenge has expired; get a new one.")]
    Expired,
    #[error("This proof-of-work solution was already used; get a new challenge.")]
    Replayed,
    #[error("Too many challenges are being solved right now; try again in a minute.")]
    Busy,
}

pub struct ProofOfWork {
    key: HmacSha256,
    pub max_number: u64,
    pub ttl_seconds: u64,
    /// Challenges already accepted, with their expiry (unix seconds).
    used: Mutex<Used>,
    capacity: usize,
}

#[derive(Default)]
struct Used {
    expiries: HashMap<String, u64>,
    next_sweep: u64,
}

impl ProofOfWork {
    pub fn new(key: [u8; 32], max_number: u64, ttl_seconds: u64) -> anyhow::Result<Self> {
        Ok(Self {
            key: HmacSha256::new_from_slice(&key)
                .map_err(|_| anyhow::anyhow!("proof-of-work key setup failed"))?,
            max_number: max_number.max(1),
            ttl_seconds: ttl_seconds.max(1),
            used: Mutex::new(Used::default()),
            capacity: 200_000,
        })
    }

    /// A new challenge, valid for `ttl_seconds` from `now` (unix seconds).
    pub fn challenge(&self, now: u64) -> Challenge {
        let salt_bytes: [u8; 12] = rand::random();
        let salt = format!(
            "{}?expires={}&",
            hex::encode(salt_bytes),
            now + self.ttl_seconds
        );
        let number = rand::random_range(0..=self.max_number);
        let challenge = hex::encode(Sha256::digest(format!("{salt}{number}").as_bytes()));
        Challenge {
            algorithm: "SHA-256".into(),
            signature: self.sign(&challenge),
            challenge,
            maxnumber: self.max_number,
            salt,
        }
    }

    /// Checks a solution (the base64 JSON payload, or the JSON itself) and marks it used.
    pub fn verify(&self, payload: Option<&str>, now: u64) -> Result<(), PowError> {
        let payload = payload
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .ok_or(PowError::Missing)?;
        let json = if payload.starts_with('{') {
            payload.as_bytes().to_vec()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(payload)
                .map_err(|_| PowError::Invalid)?
        };
        let solution: Solution = serde_json::from_slice(&json).map_err(|_| PowError::Invalid)?;
        if solution.algorithm != "SHA-256" {
            return Err(PowError::Invalid);
        }
        let mut mac = self.key.clone();
        mac.update(solution.challenge.as_bytes());
        let signature = hex::decode(&solution.signature).map_err(|_| PowError::Invalid)?;
        mac.verify_slice(&signature)
            .map_err(|_| PowError::Invalid)?;
        let hash = hex::encode(Sha256::digest(
            format!("{}{}", solution.salt, solution.number).as_bytes(),
        ));
        if hash != solution.challenge {
            return Err(PowError::Invalid);
        }
        let expires = expires_of(&solution.salt).ok_or(PowError::Invalid)?;
        if now > expires {
            return Err(PowError::Expired);
        }
        self.mark_used(solution.challenge, expires, now)
    }

    /// Marks `key` used until `expires` (unix seconds); `Err(Replayed)` if it already was.
    /// Also used for the single-use form stamps of the no-JavaScript fallback.
    pub fn mark_used(&self, challenge: String, expires: u64, now: u64) -> Result<(), PowError> {
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if used.expiries.contains_key(&challenge) {
            return Err(PowError::Replayed);
        }
        if used.expiries.len() >= self.capacity && now >= used.next_sweep {
            // At most one sweep a second, so a full table cannot make every request scan.
            used.expiries.retain(|_, at| *at >= now);
            used.next_sweep = now + 1;
        }
        if used.expiries.len() >= self.capacity {
            return Err(PowError::Busy);
        }
        used.expiries.insert(challenge, expires);
        Ok(())
    }

    fn sign(&self, challenge: &str) -> String {
        let mut mac = self.key.clone();
        mac.update(challenge.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The `expires` parameter ALTCHA puts in the salt after a `?`.
fn expires_of(salt: &str) -> Option<u64> {
    let (_, params) = salt.split_once('?')?;
    form_urlencoded::parse(params.as_bytes())
        .find(|(k, _)| k == "expires")
        .and_then(|(_, v)| v.parse().ok())
}

/// Finds the number for a challenge, as a client would (tests and the CLI-less JSON
/// client docs): tries 0..=maxnumber.
pub fn solve(challenge: &Challenge) -> Option<u64> {
    (0..=challenge.maxnumber).find(|n| {
        hex::encode(Sha256::digest(
            format!("{}{}", challenge.salt, n).as_bytes(),
        )) == challenge.challenge
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(c: &Challenge, number: u64) -> String {
        let json = serde_json::json!({
            "algorithm": c.algorithm, "challenge": c.challenge, "number": number,
            "salt": c.salt, "signature": c.signature,
        });
        base64::engine::general_purpose::STANDARD.encode(json.to_string())
    }

    #[test]
    fn a_solution_passes_once_and_not_after_expiry() {
        let pow = ProofOfWork::new([1; 32], 2_000, 60).unwrap();
        let c = pow.challenge(1_000);
        let n = solve(&c).unwrap();
        assert_eq!(pow.verify(None, 1_000), Err(PowError::Missing));
        assert_eq!(
            pow.verify(Some(&payload(&c, n + 1)), 1_000),
            Err(PowError::Invalid)
        );
        assert_eq!(pow.verify(Some(&payload(&c, n)), 1_000), Ok(()));
        assert_eq!(
            pow.verify(Some(&payload(&c, n)), 1_000),
            Err(PowError::Replayed)
        );
        let late = pow.challenge(1_000);
        let m = solve(&late).unwrap();
        assert_eq!(
            pow.verify(Some(&payload(&late, m)), 1_061),
            Err(PowError::Expired)
        );
        // Signed by another server: refused.
        let other = ProofOfWork::new([2; 32], 2_000, 60)
            .unwrap()
            .challenge(1_000);
        let k = solve(&other).unwrap();
        assert_eq!(
            pow.verify(Some(&payload(&other, k)), 1_000),
            Err(PowError::Invalid)
        );
    }
}
