//! An address its server refused for good at RCPT TO: the person is marked (with the
//! server's words, never an address), later announcements skip and count them, an
//! invitation still goes and is counted, and a later mail the server takes clears the mark.
//! A refusal of one mail (a 5xx to DATA) marks nothing.

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{DAY, InviteRequest, MailAttempt, MailKind, Millis, Store};

use crate::announce::{announce, dry_run};
use crate::fixtures::*;

contract! {
    a_refusal_at_rcpt_marks_the_person_with_the_servers_words_and_no_address,
    a_refusal_of_the_mail_at_data_marks_nothing,
    announcements_skip_a_marked_person_and_count_them,
    an_invitation_still_goes_to_a_marked_person_and_is_counted,
    a_later_mail_the_server_takes_clears_the_mark,
}

/// As a Postfix answers RCPT TO for a mailbox it does not have.
const USER_UNKNOWN: &str = "550 5.1.1 <ana.person@example.org>: Recipient address rejected: User unknown in local recipient table";

/// Claims the due mail of `kind` for `subscriber_id` and records the server's answer.
async fn answer(
    store: &Arc<dyn Store>,
    subscriber_id: i64,
    kind: MailKind,
    now: Millis,
    error: Option<&str>,
    address_refused: Option<&str>,
) {
    let jobs = store.claim_mail(claim(now)).await.unwrap();
    let attempts = jobs
        .iter()
        .map(|job| {
            if job.subscriber_id == subscriber_id && job.kind == kind {
                MailAttempt {
                    mail_id: job.id,
                    at: now,
                    error: error.map(str::to_owned),
                    retry_at: None,
                    address_refused: address_refused.map(str::to_owned),
                }
            } else {
                sent(job.id, now)
            }
        })
        .collect::<Vec<_>>();
    assert!(
        jobs.iter()
            .any(|j| j.subscriber_id == subscriber_id && j.kind == kind),
        "no {kind:?} mail was due for {subscriber_id}"
    );
    store.record_attempts(attempts).await.unwrap();
}

/// Person `who`, confirmed, welcome sent, then an announcement refused at RCPT TO at `at`.
async fn marked(store: &Arc<dyn Store>, who: u32, at: Millis) -> i64 {
    let id = confirmed(store, LIST, who, T0).await;
    send_all(store, T0).await;
    announce(store, &format!("id:first-{who}"), at).await;
    answer(
        store,
        id,
        MailKind::Announcement,
        at,
        Some(&format!("RCPT TO: {USER_UNKNOWN}")),
        Some(USER_UNKNOWN),
    )
    .await;
    id
}

async fn mark(store: &Arc<dyn Store>, id: i64) -> Option<(Millis, String)> {
    store
        .subscriber(id)
        .await
        .unwrap()
        .and_then(|s| s.undeliverable)
        .map(|u| (u.since, u.reason))
}

async fn a_refusal_at_rcpt_marks_the_person_with_the_servers_words_and_no_address(
    store: Arc<dyn Store>,
) {
    let id = marked(&store, 1, T0 + 10).await;
    let (since, reason) = mark(&store, id).await.expect("marked undeliverable");
    assert_eq!(since, T0 + 10);
    assert!(
        reason.starts_with("550 5.1.1") && reason.contains("User unknown"),
        "{reason}"
    );
    assert!(
        !reason.contains('@') && !reason.contains("ana.person"),
        "{reason}"
    );
    assert_eq!(
        mail_states(&store, id, "announcement").await,
        vec!["failed"]
    );
    // The owner's list of people and the export say so too.
    let page = store.people_page(LIST, None, None, 50).await.unwrap();
    assert_eq!(page[0].undeliverable_since, Some(T0 + 10));
    assert_eq!(
        export(&store, LIST).await[0].undeliverable_since,
        Some(T0 + 10)
    );
}

async fn a_refusal_of_the_mail_at_data_marks_nothing(store: Arc<dyn Store>) {
    let id = confirmed(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    announce(&store, "id:first", T0 + 10).await;
    answer(
        &store,
        id,
        MailKind::Announcement,
        T0 + 10,
        Some("DATA: 554 5.7.1 Message content rejected"),
        None,
    )
    .await;
    assert_eq!(
        mail_states(&store, id, "announcement").await,
        vec!["failed"]
    );
    assert_eq!(mark(&store, id).await, None);
    assert_eq!(export(&store, LIST).await[0].undeliverable_since, None);
    // The next announcement goes: the mailbox was never in question.
    let report = announce(&store, "id:second", T0 + 11).await;
    assert_eq!((report.queued, report.skipped_refused), (1, 0));
}

async fn announcements_skip_a_marked_person_and_count_them(store: Arc<dyn Store>) {
    let refused = marked(&store, 1, T0 + 10).await;
    let other = confirmed(&store, LIST, 2, T0 + 11).await;
    send_all(&store, T0 + 11).await;
    let dry = dry_run(&store, "id:second", &[Status::Confirmed], T0 + 12).await;
    let real = announce(&store, "id:second", T0 + 12).await;
    assert_eq!(dry, real);
    assert_eq!(
        (real.audience, real.queued, real.skipped_refused),
        (2, 1, 1),
        "{real:?}"
    );
    send_all(&store, T0 + 13).await;
    assert_eq!(
        mail_states(&store, refused, "announcement").await,
        vec!["failed"]
    );
    assert_eq!(
        mail_states(&store, other, "announcement").await,
        vec!["sent"]
    );
}

fn invite(now: Millis) -> InviteRequest {
    InviteRequest {
        list: LIST.into(),
        cohort: "spring".into(),
        count: 2,
        overbook: false,
        now,
        expires_at: now + 7 * DAY,
        cap: CAP,
        cap_window: CAP_WINDOW,
        all_lists: all_lists(),
    }
}

async fn an_invitation_still_goes_to_a_marked_person_and_is_counted(store: Arc<dyn Store>) {
    let refused = marked(&store, 1, T0 + 10).await;
    let other = confirmed(&store, LIST, 2, T0 + 11).await;
    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    let report = store
        .invite_next(invite(T0 + 12))
        .await
        .unwrap()
        .expect("the cohort");
    assert_eq!((report.invited, report.undeliverable), (2, 1), "{report:?}");
    assert_eq!(status(&store, refused).await, Some(Status::Invited));
    assert_eq!(status(&store, other).await, Some(Status::Invited));
    let jobs = send_all(&store, T0 + 13).await;
    assert!(
        jobs.iter()
            .any(|j| j.subscriber_id == refused && j.kind == MailKind::Invite),
        "the marked person's invitation was not handed over"
    );
}

async fn a_later_mail_the_server_takes_clears_the_mark(store: Arc<dyn Store>) {
    let earlier = marked(&store, 1, T0 + 10).await;
    // Refused after the hand-over below: that hand-over says nothing about the mailbox now.
    let later = marked(&store, 2, T0 + 20).await;
    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    store.invite_next(invite(T0 + 12)).await.unwrap();
    let jobs = send_all(&store, T0 + 15).await;
    assert_eq!(
        jobs.iter().filter(|j| j.kind == MailKind::Invite).count(),
        2
    );
    assert_eq!(mark(&store, earlier).await, None, "the mailbox is back");
    assert!(
        mark(&store, later).await.is_some(),
        "cleared by an older mail"
    );
    let page = store.people_page(LIST, None, None, 50).await.unwrap();
    let since = |id| {
        page.iter()
            .find(|p| p.id == id)
            .unwrap()
            .undeliverable_since
    };
    assert_eq!((since(earlier), since(later)), (None, Some(T0 + 20)));
}
