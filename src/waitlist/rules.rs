//! The waitlist's rules as pure functions, called by every storage backend inside its
//! transaction: the confirmation throttle, what a confirmation link may still do, the
//! line's order and referral moves, and the seats of a cohort.

use crate::domain::Status;
use crate::store::Millis;

/// At most one confirmation mail per address within `interval`: may one go now, given
/// when the last one went (on any list, or before an erasure)?
pub fn may_send_confirmation(last: Option<Millis>, now: Millis, interval: Millis) -> bool {
    last.is_none_or(|at| at <= now - interval)
}

/// Whether someone in this status waits for a confirmation (new, or back after an
/// unsubscribe); anyone else has consented already.
pub fn awaits_confirmation(status: Option<Status>) -> bool {
    matches!(status, Some(Status::Pending | Status::Unsubscribed))
}

/// What following a confirmation link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmVerdict {
    Confirm,
    AlreadyConfirmed,
    Expired,
}

/// `link_sent_at` is when the latest confirmation mail was sent for the person.
pub fn confirm_verdict(
    status: Status,
    expires_at: Option<Millis>,
    link_sent_at: Option<Millis>,
    unsubscribed_at: Option<Millis>,
    now: Millis,
) -> ConfirmVerdict {
    // A link from before the person unsubscribed does not sign them up again: only a
    // new signup's confirmation mail does.
    if let (Some(sent), Some(left)) = (link_sent_at, unsubscribed_at)
        && status == Status::Unsubscribed
        && sent <= left
    {
        return ConfirmVerdict::Expired;
    }
    if status.has_standing_consent() {
        return ConfirmVerdict::AlreadyConfirmed;
    }
    if now > expires_at.unwrap_or(0) {
        return ConfirmVerdict::Expired;
    }
    ConfirmVerdict::Confirm
}

/// The line is ordered by a key: the confirmation's number times this, less this (and
/// one more, to pass the person ahead) for each place a referral moves them up.
pub const LINE_STEP: i64 = 1000;

/// The line key of the `seq`-th confirmation of a list.
pub fn line_key(seq: i64) -> i64 {
    seq * LINE_STEP
}

/// Whether a confirmed referral may earn its referrer anything at all (before asking
/// whether the inbox already earned them a place): not when referrals are off, and never
/// for referring oneself.
pub fn referral_may_count(boost: i64, referrer: i64, referred: i64) -> bool {
    boost > 0 && referrer != referred
}

/// How much a referrer's line key goes down for one credited referral.
pub fn referral_move(boost: i64) -> i64 {
    boost * LINE_STEP + 1
}

/// How many people one invitation round invites: the count asked for, within the free
/// seats unless the owner overbooks.
pub fn invite_count(requested: u32, free_seats: i64, overbook: bool) -> i64 {
    if overbook {
        i64::from(requested)
    } else {
        i64::from(requested).min(free_seats)
    }
}

/// Whether an acceptance still finds a seat.
pub fn seat_left(capacity: i64, accepted: i64) -> bool {
    accepted < capacity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_confirmation_mail_per_interval() {
        assert!(may_send_confirmation(None, 100, 50));
        assert!(may_send_confirmation(Some(50), 100, 50));
        assert!(!may_send_confirmation(Some(51), 100, 50));
    }

    #[test]
    fn only_the_unconfirmed_await_a_confirmation() {
        assert!(awaits_confirmation(Some(Status::Pending)));
        assert!(awaits_confirmation(Some(Status::Unsubscribed)));
        assert!(!awaits_confirmation(Some(Status::Confirmed)));
        assert!(!awaits_confirmation(None));
    }

    #[test]
    fn a_link_confirms_once_before_it_expires_and_never_undoes_an_unsubscribe() {
        use ConfirmVerdict::*;
        assert_eq!(
            confirm_verdict(Status::Pending, Some(10), Some(1), None, 5),
            Confirm
        );
        assert_eq!(
            confirm_verdict(Status::Pending, Some(10), Some(1), None, 11),
            Expired
        );
        assert_eq!(
            confirm_verdict(Status::Pending, None, None, None, 0),
            Confirm
        );
        assert_eq!(
            confirm_verdict(Status::Confirmed, Some(10), Some(1), None, 11),
            AlreadyConfirmed
        );
        // Sent before the unsubscribe: dead. Sent after (a new signup): confirms.
        assert_eq!(
            confirm_verdict(Status::Unsubscribed, Some(99), Some(3), Some(4), 5),
            Expired
        );
        assert_eq!(
            confirm_verdict(Status::Unsubscribed, Some(99), Some(5), Some(4), 6),
            Confirm
        );
    }

    #[test]
    fn a_referral_moves_the_referrer_past_boost_people() {
        // Three confirmed people; the third referred someone with a boost of 1.
        let third = line_key(3) - referral_move(1);
        assert!(third < line_key(2) && third > line_key(1));
        assert!(!referral_may_count(0, 1, 2));
        assert!(!referral_may_count(1, 2, 2));
        assert!(referral_may_count(1, 1, 2));
    }

    #[test]
    fn invitations_fit_the_free_seats_unless_overbooked() {
        assert_eq!(invite_count(5, 3, false), 3);
        assert_eq!(invite_count(5, 3, true), 5);
        assert_eq!(invite_count(2, 3, false), 2);
        assert!(seat_left(2, 1));
        assert!(!seat_left(2, 2));
    }
}
