//! The owner's side's rules as pure functions, called by every storage backend: the
//! sign-in back-off and a session's timeouts.

use crate::store::Millis;

/// A key with `attempts` sign-in attempts since `since` (the oldest at `oldest`) is held
/// back until the returned time when it has reached its limit; `None` lets it try.
pub fn login_throttled_until(
    attempts: i64,
    limit: u64,
    oldest: Option<Millis>,
    now: Millis,
    since: Millis,
) -> Option<Millis> {
    (u64::try_from(attempts).unwrap_or(0) >= limit).then(|| oldest.unwrap_or(now) + (now - since))
}

/// Whether a session is within its idle and absolute timeouts.
pub fn session_alive(
    now: Millis,
    created_at: Millis,
    last_seen_at: Millis,
    idle: Millis,
    absolute: Millis,
) -> bool {
    now - last_seen_at <= idle && now - created_at <= absolute
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_back_off_starts_at_the_limit_and_ends_when_the_oldest_leaves_the_window() {
        assert_eq!(login_throttled_until(9, 10, Some(500), 1000, 100), None);
        assert_eq!(
            login_throttled_until(10, 10, Some(500), 1000, 100),
            Some(1400)
        );
        assert_eq!(login_throttled_until(0, 0, None, 1000, 100), Some(1900));
    }

    #[test]
    fn a_session_ends_when_idle_or_old() {
        assert!(session_alive(100, 0, 90, 10, 100));
        assert!(!session_alive(100, 0, 89, 10, 100));
        assert!(!session_alive(101, 0, 100, 10, 100));
    }
}
