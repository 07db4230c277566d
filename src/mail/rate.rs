//! The sending rate of announcements (`QUIETLIST_SEND_RATE`): mails per second, so that a
//! provider's limits are respected and the outbox spreads a long list over time.

use crate::store::Millis;

/// Mails per second, above 0 and at most [`SendRate::MAX`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SendRate(f64);

impl SendRate {
    /// 10 a second: under the smallest limits of the common relays (Amazon SES starts
    /// accounts at 14 a second; small hosted relays and Gmail's SMTP allow a few a second
    /// sustained, with bursts), and still 100,000 people in under three hours.
    pub const DEFAULT: SendRate = SendRate(10.0);
    /// One mail a millisecond: a slot is a whole millisecond.
    pub const MAX: f64 = 1000.0;

    /// `10`, `2.5`, `0.2` (one mail every 5 seconds).
    pub fn parse(text: &str) -> Result<Self, String> {
        let rate: f64 = text.trim().parse().map_err(|_| {
            format!("QUIETLIST_SEND_RATE: {text:?} is not a number of mails per second (such as 10 or 0.5)")
        })?;
        if !rate.is_finite() || rate <= 0.0 || rate > Self::MAX {
            return Err(format!(
                "QUIETLIST_SEND_RATE: {text:?} must be above 0 and at most {} mails per second",
                Self::MAX
            ));
        }
        Ok(Self(rate))
    }

    pub fn per_second(self) -> f64 {
        self.0
    }

    /// Milliseconds between two announcement mails.
    pub fn interval(self) -> Millis {
        ((1000.0 / self.0).round() as Millis).max(1)
    }
}

impl Default for SendRate {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl std::fmt::Display for SendRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_a_positive_number_of_mails_per_second() {
        assert_eq!(SendRate::parse("10").unwrap().interval(), 100);
        assert_eq!(SendRate::parse(" 0.5 ").unwrap().interval(), 2_000);
        assert_eq!(SendRate::parse("1000").unwrap().interval(), 1);
        for bad in ["0", "-1", "fast", "", "NaN", "inf", "1001"] {
            let error = SendRate::parse(bad).unwrap_err();
            assert!(error.contains("QUIETLIST_SEND_RATE"), "{error}");
        }
    }
}
