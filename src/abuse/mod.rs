//! Abuse resistance: per-network limits, form stamps, proof of work, throwaway domains
//! and the address normalisation used to count referrals. Pure logic; the HTTP wiring
//! is in `http::rate_limit` and `http::signup`.

pub mod disposable;
pub mod limits;
pub mod pow;
pub mod referral;
pub mod stamp;
pub mod table;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use disposable::DisposableDomains;
use pow::ProofOfWork;
use stamp::Stamps;

/// The owner's settings for the signup checks.
#[derive(Debug, Clone)]
pub struct AbuseSettings {
    /// A form posted sooner than this after it was served is dropped (0 turns the
    /// stamp check off).
    pub form_min_seconds: u32,
    /// Ask for a proof of work on every signup (during an attack).
    pub pow: bool,
    /// The largest secret number (the client tries half of them on average).
    pub pow_max_number: u64,
    pub pow_ttl_seconds: u64,
    /// Replaces the bundled throwaway-domain list.
    pub disposable_file: Option<PathBuf>,
    pub disposable_block: Vec<String>,
    pub disposable_allow: Vec<String>,
}

impl Default for AbuseSettings {
    fn default() -> Self {
        Self {
            form_min_seconds: 2,
            pow: false,
            pow_max_number: 100_000,
            pow_ttl_seconds: 600,
            disposable_file: None,
            disposable_block: Vec::new(),
            disposable_allow: Vec::new(),
        }
    }
}

/// Signups that were answered as usual but dropped, by reason (no addresses: counts).
#[derive(Debug, Default)]
pub struct Dropped {
    pub too_soon: AtomicU64,
    pub bad_stamp: AtomicU64,
}

/// How long recent real signups took to answer, so that a dropped one can take as long:
/// an answer that came back at once would tell a script its form was dropped.
#[derive(Debug, Default)]
pub struct RecentLatencies {
    ring: std::sync::Mutex<(Vec<Duration>, usize)>,
}

const LATENCY_SAMPLES: usize = 128;

impl RecentLatencies {
    pub fn record(&self, took: Duration) {
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        let (samples, next) = &mut *ring;
        if samples.len() < LATENCY_SAMPLES {
            samples.push(took);
        } else if let Some(slot) = samples.get_mut(*next % LATENCY_SAMPLES) {
            *slot = took;
        }
        *next = (*next + 1) % LATENCY_SAMPLES;
    }

    /// One of the recent durations, at random (a few milliseconds before any).
    pub fn pick(&self) -> Duration {
        let ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        let samples = &ring.0;
        if samples.is_empty() {
            return Duration::from_millis(3);
        }
        samples
            .get(rand::random_range(0..samples.len()))
            .copied()
            .unwrap_or(Duration::from_millis(3))
    }
}

/// What the signup handler checks before the use case runs.
pub struct SignupGuard {
    pub domains: DisposableDomains,
    pub stamps: Option<Stamps>,
    pub pow: Option<ProofOfWork>,
    pub dropped: Dropped,
    pub latencies: RecentLatencies,
}

impl SignupGuard {
    /// `keys` are two 32-byte keys derived from the master key (stamps, challenges).
    pub fn new(settings: &AbuseSettings, keys: [[u8; 32]; 2]) -> anyhow::Result<Self> {
        let [stamp_key, pow_key] = keys;
        Ok(Self {
            domains: DisposableDomains::load(
                settings.disposable_file.as_deref(),
                &settings.disposable_block,
                &settings.disposable_allow,
            )?,
            stamps: (settings.form_min_seconds > 0)
                .then(|| Stamps::new(stamp_key, settings.form_min_seconds))
                .transpose()?,
            pow: settings
                .pow
                .then(|| {
                    ProofOfWork::new(pow_key, settings.pow_max_number, settings.pow_ttl_seconds)
                })
                .transpose()?,
            dropped: Dropped::default(),
            latencies: RecentLatencies::default(),
        })
    }

    /// The stamp a form served now carries (or the placeholder's stand-in when stamps
    /// are off, which nothing checks).
    pub fn stamp_now(&self) -> String {
        match &self.stamps {
            Some(stamps) => stamps.issue(crate::store::now_millis()),
            None => stamp::PLACEHOLDER.to_owned(),
        }
    }

    /// While the proof of work is on, what lets a form without JavaScript through
    /// instead: a genuine stamp, old enough, no older than a challenge may be, and used
    /// once. A script must then fetch a page and wait for every signup, on top of the
    /// per-network limits.
    pub fn form_stamp_single_use(&self, stamp: Option<&str>) -> bool {
        let (Some(pow), Some(stamps), Some(stamp)) = (&self.pow, &self.stamps, stamp) else {
            return false;
        };
        let now_ms = crate::store::now_millis();
        if stamps.check(Some(stamp), now_ms) != stamp::StampCheck::Fresh {
            return false;
        }
        let Some(issued) = Stamps::issued_at(stamp) else {
            return false;
        };
        let expires = u64::try_from(issued / 1000).unwrap_or(0) + pow.ttl_seconds;
        let now = u64::try_from(now_ms / 1000).unwrap_or(0);
        now <= expires
            && pow
                .mark_used(format!("stamp:{stamp}"), expires, now)
                .is_ok()
    }

    /// Whether a form POST may go on to the use case; counts and logs the ones dropped.
    pub fn form_stamp_ok(&self, stamp: Option<&str>) -> bool {
        let Some(stamps) = &self.stamps else {
            return true;
        };
        match stamps.check(stamp, crate::store::now_millis()) {
            stamp::StampCheck::Fresh => true,
            stamp::StampCheck::TooSoon => {
                self.dropped.too_soon.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    reason = "too-soon",
                    "signup form dropped: posted too soon after it was served"
                );
                false
            }
            other => {
                self.dropped.bad_stamp.fetch_add(1, Ordering::Relaxed);
                tracing::info!(reason = ?other, "signup form dropped: missing, forged or stale stamp");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_signup_waits_as_long_as_a_recent_real_one() {
        let recent = RecentLatencies::default();
        assert_eq!(recent.pick(), Duration::from_millis(3));
        for ms in [4, 5, 6] {
            recent.record(Duration::from_millis(ms));
        }
        for _ in 0..50 {
            assert!(
                [4, 5, 6]
                    .map(Duration::from_millis)
                    .contains(&recent.pick())
            );
        }
        for _ in 0..1000 {
            recent.record(Duration::from_millis(9));
        }
        assert_eq!(recent.pick(), Duration::from_millis(9));
    }
}
