//! The promise's rules for one mail at hand-off, as a pure function that every storage
//! backend calls where mail leaves for SMTP: whatever queued the mail, the person must still
//! want it, the confirmation interval and the cap must hold, and mail a visitor can ask
//! for must leave room for the invitation the person is owed.

use crate::domain::Status;
use crate::store::{MailKind, Millis, RecentMails};

/// Why a mail may not go now; `None` when it may.
pub fn refusal(
    kind: MailKind,
    status: Status,
    recent: &RecentMails,
    cap: u32,
) -> Option<&'static str> {
    let places = cap;
    let cap = i64::from(cap);
    match kind {
        MailKind::Confirmation if status.has_standing_consent() => Some("already confirmed"),
        _ if kind != MailKind::Confirmation && !status.has_standing_consent() => {
            Some("no standing consent")
        }
        MailKind::Confirmation if recent.confirmations > 0 => {
            Some("a confirmation mail went to this address within the interval")
        }
        _ if recent.all >= cap => Some("the cap on mails per person was reached"),
        // Anyone who knows an address can ask for a manage link: such mail never takes
        // the last place under the cap, which is kept for the owner's invitation.
        MailKind::Access if recent.all + RESERVED_FOR_INVITATION >= cap => {
            Some("the last mail under the cap is kept for the person's invitation")
        }
        // Nor does an announcement: the owner's news never costs anyone their invitation.
        MailKind::Announcement if !announcement_fits(recent, places) => {
            Some("the last mail under the cap is kept for the person's invitation")
        }
        _ => None,
    }
}

/// Places under the cap that mail a visitor can trigger never uses.
pub const RESERVED_FOR_INVITATION: i64 = 1;

/// Whether an announcement may go to an address: it takes neither the cap's last place
/// (kept for an invitation) nor any place over it. Checked when it is queued (to count
/// who is skipped) and again at hand-off.
pub fn announcement_fits(recent: &RecentMails, cap: u32) -> bool {
    recent.all + RESERVED_FOR_INVITATION < i64::from(cap)
}

/// Whether an address has had as many mails as the cap allows (an invitation round
/// passes over such a person: their invitation could not be sent).
pub fn at_cap(recent: &RecentMails, cap: u32) -> bool {
    recent.all >= i64::from(cap)
}

/// Adds to an address's recent mails what it got before it was erased: the times kept
/// in the suppression list, and the confirmation mail noted there.
pub fn with_erased_mails(
    recent: RecentMails,
    erased_mail_times: &[Millis],
    erased_last_confirmation: Option<Millis>,
    cap_since: Millis,
    confirmation_since: Millis,
) -> RecentMails {
    RecentMails {
        all: recent.all + erased_mail_times.iter().filter(|t| **t > cap_since).count() as i64,
        confirmations: recent.confirmations
            + i64::from(erased_last_confirmation.is_some_and(|at| at > confirmation_since)),
    }
}

/// What an erasure keeps of an address's mail times: those the cap still counts (within
/// its window of `now`), from the mails sent and from an earlier erasure.
pub fn kept_at_erasure(sent: &[Millis], erased_before: &[Millis], now: Millis) -> Vec<Millis> {
    let since = now - CAP_WINDOW;
    sent.iter()
        .chain(erased_before)
        .copied()
        .filter(|t| *t > since)
        .collect()
}

/// The cap's window: what an erased address's recent mails are kept for.
pub const CAP_WINDOW: Millis = 30 * crate::store::DAY;

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(all: i64, confirmations: i64) -> RecentMails {
        RecentMails { all, confirmations }
    }

    #[test]
    fn a_confirmation_goes_once_per_interval_and_only_before_consent() {
        let pending = Status::Pending;
        assert_eq!(
            refusal(MailKind::Confirmation, pending, &recent(0, 0), 4),
            None
        );
        assert!(refusal(MailKind::Confirmation, pending, &recent(1, 1), 4).is_some());
        assert!(refusal(MailKind::Confirmation, Status::Confirmed, &recent(0, 0), 4).is_some());
    }

    #[test]
    fn nothing_after_the_confirmation_goes_without_consent() {
        for kind in [MailKind::Welcome, MailKind::Invite, MailKind::Access] {
            for status in [Status::Pending, Status::Unsubscribed] {
                assert!(refusal(kind, status, &recent(0, 0), 4).is_some());
            }
        }
    }

    #[test]
    fn the_cap_holds_and_a_manage_link_never_takes_the_invitations_place() {
        let confirmed = Status::Confirmed;
        assert_eq!(refusal(MailKind::Access, confirmed, &recent(2, 1), 4), None);
        assert!(refusal(MailKind::Access, confirmed, &recent(3, 1), 4).is_some());
        assert_eq!(refusal(MailKind::Invite, confirmed, &recent(3, 1), 4), None);
        assert!(refusal(MailKind::Invite, confirmed, &recent(4, 1), 4).is_some());
        assert!(refusal(MailKind::Welcome, confirmed, &recent(4, 1), 4).is_some());
        assert!(at_cap(&recent(4, 0), 4));
        assert!(!at_cap(&recent(3, 0), 4));
    }

    #[test]
    fn an_announcement_never_takes_the_last_place_under_the_cap() {
        let confirmed = Status::Confirmed;
        let kind = MailKind::Announcement;
        assert_eq!(refusal(kind, confirmed, &recent(2, 1), 4), None);
        assert!(refusal(kind, confirmed, &recent(3, 1), 4).is_some());
        assert!(refusal(kind, confirmed, &recent(0, 0), 1).is_some());
        assert!(refusal(kind, Status::Pending, &recent(0, 0), 4).is_some());
        assert!(refusal(kind, Status::Unsubscribed, &recent(0, 0), 4).is_some());
        assert!(announcement_fits(&recent(2, 0), 4));
        assert!(!announcement_fits(&recent(3, 0), 4));
    }

    #[test]
    fn an_erasure_keeps_what_the_cap_and_the_interval_still_count() {
        let now = CAP_WINDOW + 1_000;
        assert_eq!(
            kept_at_erasure(&[999, 1_001], &[1_500, 10], now),
            vec![1_001, 1_500]
        );
        let r = with_erased_mails(recent(1, 0), &[5, 50], Some(40), 10, 30);
        assert_eq!(r, recent(2, 1));
        assert_eq!(
            with_erased_mails(recent(0, 0), &[], Some(30), 10, 30),
            recent(0, 0)
        );
    }
}
