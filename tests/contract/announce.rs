//! Announcements: who they are queued for, once per person whatever runs them again, the
//! cap's last place kept, and a dry run that counts what the real run does.

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRequest, MailAttempt, MailKind, Store,
};

use crate::fixtures::*;

contract! {
    an_announcement_goes_to_confirmed_people_only,
    sending_it_again_adds_no_mail,
    a_dry_run_counts_what_the_real_run_does_and_changes_nothing,
    an_announcement_never_takes_the_last_place_under_the_cap,
    the_mail_carries_the_text_the_name_and_a_manage_link,
    an_address_refused_for_good_is_skipped,
    parallel_runs_queue_each_person_once,
}

fn request(key: &str, statuses: &[Status], now: i64, dry_run: bool) -> AnnouncementRequest {
    AnnouncementRequest {
        list: LIST.into(),
        announcement: AnnouncementMail {
            key: key.into(),
            subject: "The dates are set".into(),
            markdown: "there\nHello {{ name }}.".into(),
        },
        statuses: statuses.to_vec(),
        sent_by: "cli:test".into(),
        manage_token: new_token(now + 30 * quietlist::store::DAY),
        now,
        cap: CAP,
        cap_window: CAP_WINDOW,
        all_lists: all_lists(),
        dry_run,
    }
}

async fn announce(store: &Arc<dyn Store>, key: &str, now: i64) -> AnnouncementReport {
    store
        .announce(request(key, &[Status::Confirmed], now, false))
        .await
        .unwrap()
}

/// Person 1 confirmed (their confirmation and welcome sent: 2 of 4 mails), 2 pending,
/// 3 unsubscribed, 4 erased.
async fn a_list_of_four(store: &Arc<dyn Store>) -> i64 {
    let confirmed_id = sign_up(store, LIST, 1, T0).await;
    sign_up(store, LIST, 2, T0).await;
    let leaving = sign_up(store, LIST, 3, T0).await;
    let erased = sign_up(store, LIST, 4, T0).await;
    send_all(store, T0).await;
    for id in [confirmed_id, leaving, erased] {
        confirm(store, id, T0 + 1).await;
    }
    send_all(store, T0 + 1).await;
    store.unsubscribe(leaving, T0 + 2).await.unwrap();
    store.erase(erased, "cli".into(), T0 + 2).await.unwrap();
    confirmed_id
}

async fn an_announcement_goes_to_confirmed_people_only(store: Arc<dyn Store>) {
    let confirmed_id = a_list_of_four(&store).await;
    let report = announce(&store, "id:dates", T0 + 3).await;
    assert_eq!(
        report,
        AnnouncementReport {
            audience: 1,
            queued: 1,
            skipped_unsubscribed: 1,
            ..AnnouncementReport::default()
        }
    );
    let jobs = send_all(&store, T0 + 4).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, MailKind::Announcement);
    assert_eq!(jobs[0].subscriber_id, confirmed_id);
    // Pending and unsubscribed are never chosen, even when asked for.
    let asked_for_all = store
        .announce(request(
            "id:other",
            &[Status::Pending, Status::Unsubscribed],
            T0 + 5,
            false,
        ))
        .await
        .unwrap();
    assert_eq!(asked_for_all.audience, 0);
    assert_eq!(asked_for_all.queued, 0);
}

async fn sending_it_again_adds_no_mail(store: Arc<dyn Store>) {
    let id = confirmed(&store, LIST, 1, T0).await;
    assert_eq!(announce(&store, "id:dates", T0 + 1).await.queued, 1);
    // Again before the outbox ran, and again after it sent the first.
    let again = announce(&store, "id:dates", T0 + 2).await;
    assert_eq!((again.queued, again.already_sent), (0, 1));
    send_all(&store, T0 + 3).await;
    let later = announce(&store, "id:dates", T0 + 4).await;
    assert_eq!((later.queued, later.already_sent), (0, 1));
    assert_eq!(mail_states(&store, id, "announcement").await, vec!["sent"]);
    // Another announcement is another mail.
    assert_eq!(announce(&store, "id:cohort-two", T0 + 5).await.queued, 1);
}

async fn a_dry_run_counts_what_the_real_run_does_and_changes_nothing(store: Arc<dyn Store>) {
    a_list_of_four(&store).await;
    confirmed(&store, LIST, 5, T0).await;
    announce(&store, "id:earlier", T0 + 3).await;
    let dry = store
        .announce(request("id:dates", &[Status::Confirmed], T0 + 4, true))
        .await
        .unwrap();
    let dry_again = store
        .announce(request("id:dates", &[Status::Confirmed], T0 + 4, true))
        .await
        .unwrap();
    assert_eq!(dry, dry_again, "a dry run changes nothing");
    let real = announce(&store, "id:dates", T0 + 4).await;
    assert_eq!(dry, real);
    assert_eq!(real.queued, 2);
}

/// Signed up, confirmation sent, confirmed, welcome sent: 2 mails of the cap's 4.
async fn confirmed_with_two_mails(store: &Arc<dyn Store>, who: u32) -> i64 {
    let id = sign_up(store, LIST, who, T0).await;
    send_all(store, T0).await;
    confirm(store, id, T0 + 1).await;
    send_all(store, T0 + 1).await;
    id
}

async fn an_announcement_never_takes_the_last_place_under_the_cap(store: Arc<dyn Store>) {
    let id = confirmed_with_two_mails(&store, 1).await;
    assert_eq!(announce(&store, "id:one", T0 + 1).await.queued, 1);
    send_all(&store, T0 + 1).await; // 3 of 4
    let report = announce(&store, "id:two", T0 + 2).await;
    assert_eq!((report.queued, report.skipped_cap), (0, 1));
    assert_eq!(mail_states(&store, id, "announcement").await, vec!["sent"]);
    // Queued in the same round as another, the hand-off holds the cap on its own.
    let id2 = confirmed_with_two_mails(&store, 2).await;
    assert_eq!(announce(&store, "id:three", T0 + 3).await.queued, 1);
    assert_eq!(announce(&store, "id:four", T0 + 3).await.queued, 1);
    send_all(&store, T0 + 4).await;
    let states = mail_states(&store, id2, "announcement").await;
    assert_eq!(
        states.iter().filter(|s| *s == "sent").count(),
        1,
        "{states:?}"
    );
    assert!(states.contains(&"skipped".to_owned()), "{states:?}");
}

async fn the_mail_carries_the_text_the_name_and_a_manage_link(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    announce(&store, "id:dates", T0 + 1).await;
    let jobs = send_all(&store, T0 + 2).await;
    let job = &jobs[0];
    let announcement = job.announcement.as_ref().expect("the announcement");
    assert_eq!(announcement.key, "id:dates");
    assert_eq!(announcement.subject, "The dates are set");
    assert_eq!(announcement.markdown, "there\nHello {{ name }}.");
    assert_eq!(
        job.token.as_ref().map(|t| t.purpose),
        Some(quietlist::domain::TokenPurpose::Manage)
    );
    assert_eq!(who(&job.email_sealed), 1);
}

async fn an_address_refused_for_good_is_skipped(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    confirm(&store, id, T0 + 1).await;
    let welcome = store.claim_mail(claim(T0 + 2)).await.unwrap();
    store
        .record_attempts(vec![MailAttempt {
            mail_id: welcome[0].id,
            at: T0 + 2,
            error: Some("RCPT TO: 550 5.1.1 no such mailbox".into()),
            retry_at: None,
            address_refused: Some("550 5.1.1 no such mailbox".into()),
        }])
        .await
        .unwrap();
    let report = announce(&store, "id:dates", T0 + 3).await;
    assert_eq!((report.queued, report.skipped_refused), (0, 1));
}

async fn parallel_runs_queue_each_person_once(store: Arc<dyn Store>) {
    for who in 1..=6 {
        confirmed(&store, LIST, who, T0).await;
    }
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { announce(&store, "id:dates", T0 + 1).await })
        })
        .collect();
    let mut queued = 0;
    for run in runs {
        queued += run.await.unwrap().queued;
    }
    // A run that counted someone another run queued first adds nothing for them.
    assert!(queued >= 6, "{queued}");
    let jobs = send_all(&store, T0 + 2).await;
    let announcements = jobs
        .iter()
        .filter(|j| j.kind == MailKind::Announcement)
        .count();
    assert_eq!(announcements, 6);
}
