//! A signed timestamp in the signup form: when the form was served. A form posted sooner
//! than the minimum after that (people read and type; scripts do not), or with a stamp
//! that is missing, forged or too old, is answered like any signup and dropped.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The stamp's form name in the signup form.
pub const FIELD: &str = "stamp";

/// `{millis:013}.{mac:32 hex}`: fixed length, so a prerendered page can hold a
/// placeholder of the same size that is replaced per request.
pub const LEN: usize = 13 + 1 + 32;

/// What stands in a prerendered page until a request fills it in.
pub const PLACEHOLDER: &str = "0000000000000.qlstampqlstampqlstampqlstampqlst";

/// A form older than this is refused too, so one harvested stamp is not reusable forever.
pub const MAX_AGE_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampCheck {
    Fresh,
    Missing,
    Forged,
    TooSoon,
    TooOld,
}

pub struct Stamps {
    key: HmacSha256,
    min_ms: i64,
}

impl Stamps {
    pub fn new(key: [u8; 32], min_seconds: u32) -> anyhow::Result<Self> {
        Ok(Self {
            key: HmacSha256::new_from_slice(&key)
                .map_err(|_| anyhow::anyhow!("form stamp key setup failed"))?,
            min_ms: i64::from(min_seconds) * 1000,
        })
    }

    /// The stamp for a form served at `now_ms`.
    pub fn issue(&self, now_ms: i64) -> String {
        let time = format!("{:013}", now_ms.clamp(0, 9_999_999_999_999));
        format!("{time}.{}", self.mac(&time))
    }

    pub fn check(&self, stamp: Option<&str>, now_ms: i64) -> StampCheck {
        let Some(stamp) = stamp.map(str::trim).filter(|s| !s.is_empty()) else {
            return StampCheck::Missing;
        };
        let Some((time, mac)) = stamp.split_once('.') else {
            return StampCheck::Forged;
        };
        let Ok(issued) = time.parse::<i64>() else {
            return StampCheck::Forged;
        };
        let mut check = self.key.clone();
        check.update(time.as_bytes());
        let Ok(given) = hex::decode(mac) else {
            return StampCheck::Forged;
        };
        // The first 16 bytes of the MAC, compared in constant time.
        if check.verify_truncated_left(&given).is_err() || given.len() != 16 {
            return StampCheck::Forged;
        }
        let age = now_ms - issued;
        if age < self.min_ms {
            StampCheck::TooSoon
        } else if age > MAX_AGE_MS {
            StampCheck::TooOld
        } else {
            StampCheck::Fresh
        }
    }

    /// When a stamp says it was issued (unix milliseconds); only meaningful after
    /// [`Stamps::check`] found it genuine.
    pub fn issued_at(stamp: &str) -> Option<i64> {
        stamp.trim().split_once('.')?.0.parse().ok()
    }

    fn mac(&self, time: &str) -> String {
        let mut mac = self.key.clone();
        mac.update(time.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_have_a_fixed_length_and_are_checked() {
        let stamps = Stamps::new([7; 32], 2).unwrap();
        let stamp = stamps.issue(1_700_000_000_000);
        assert_eq!(stamp.len(), LEN);
        assert_eq!(PLACEHOLDER.len(), LEN);
        let t = 1_700_000_000_000;
        assert_eq!(stamps.check(Some(&stamp), t + 500), StampCheck::TooSoon);
        assert_eq!(stamps.check(Some(&stamp), t + 2_000), StampCheck::Fresh);
        assert_eq!(
            stamps.check(Some(&stamp), t + MAX_AGE_MS + 1),
            StampCheck::TooOld
        );
        assert_eq!(stamps.check(None, t), StampCheck::Missing);
        let forged = format!("1600000000000{}", &stamp[13..]);
        assert_eq!(stamps.check(Some(&forged), t), StampCheck::Forged);
        assert_eq!(stamps.check(Some(PLACEHOLDER), t), StampCheck::Forged);
        let other_key = Stamps::new([8; 32], 2).unwrap().issue(t);
        assert_eq!(
            stamps.check(Some(&other_key), t + 5_000),
            StampCheck::Forged
        );
    }
}
