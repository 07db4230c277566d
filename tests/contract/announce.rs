//! Announcements: who they are queued for, once per person whatever runs them again, the
//! cap's last place kept, and a dry run that counts what the real run does. Runs go out a
//! batch at a time, by subscriber id after their cursor, each mail at its slot of the
//! sending rate; paused and cancelled runs' mails stay out of the outbox's claims.

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{
    AnnouncementMail, AnnouncementReport, AnnouncementRun, BatchOutcome, DryRun, MailAttempt,
    MailKind, Millis, NewRun, NewsLookup, PublishChange, Refusal, RunAction, RunAudience, RunBatch,
    RunChange, RunChangeOutcome, RunMails, RunRules, RunStart, RunState, Store,
};

use crate::fixtures::*;

contract! {
    an_announcement_goes_to_confirmed_people_only,
    sending_it_again_adds_no_mail,
    a_dry_run_counts_what_the_real_run_does_and_changes_nothing,
    an_announcement_never_takes_the_last_place_under_the_cap,
    the_mail_carries_the_text_the_name_and_a_manage_link,
    an_address_refused_for_good_is_skipped,
    racing_dispatchers_queue_each_person_once,
    a_batch_follows_the_cursor_and_queues_only_up_to_the_horizon,
    each_mail_is_due_at_its_slot_of_the_rate,
    a_scheduled_run_starts_when_its_time_comes,
    a_paused_runs_mails_are_not_claimed_and_resuming_gives_them_new_slots,
    a_cancelled_run_skips_its_unsent_mails_and_stays_cancelled,
    progress_is_what_smtp_answered,
    a_finished_runs_figures_equal_the_dry_runs,
    transactional_mail_is_claimed_before_due_announcement_mails,
    a_published_announcement_is_on_the_site_from_its_runs_start,
    a_scheduled_published_announcement_waits_for_its_send_at,
    unpublished_it_is_withdrawn_and_publishing_again_brings_it_back,
    an_announcement_not_published_is_never_on_the_site,
    an_announcement_is_published_after_the_fact,
    the_site_lists_the_newest_published_first_and_no_more_than_asked,
}

const DAY_MS: Millis = quietlist::store::DAY;

fn mail(key: &str) -> AnnouncementMail {
    AnnouncementMail {
        key: key.into(),
        subject: "The dates are set".into(),
        markdown: "there\nHello {{ name }}.".into(),
    }
}

fn audience(statuses: &[Status]) -> RunAudience {
    RunAudience {
        statuses: statuses.to_vec(),
        ..RunAudience::default()
    }
}

fn rules(now: Millis) -> RunRules {
    RunRules {
        now,
        cap: CAP,
        cap_window: CAP_WINDOW,
        all_lists: all_lists(),
        filter: None,
    }
}

async fn start_at(
    store: &Arc<dyn Store>,
    key: &str,
    statuses: &[Status],
    send_at: Millis,
    now: Millis,
) -> RunStart {
    store
        .start_announcement(NewRun {
            list: LIST.into(),
            announcement: mail(key),
            audience: audience(statuses),
            sent_by: "cli:test".into(),
            send_at,
            now,
            publish: false,
        })
        .await
        .unwrap()
}

async fn start_published(
    store: &Arc<dyn Store>,
    key: &str,
    send_at: Millis,
    now: Millis,
) -> RunStart {
    store
        .start_announcement(NewRun {
            list: LIST.into(),
            announcement: mail(key),
            audience: audience(&[Status::Confirmed]),
            sent_by: "cli:test".into(),
            send_at,
            now,
            publish: true,
        })
        .await
        .unwrap()
}

async fn set_published(
    store: &Arc<dyn Store>,
    key: &str,
    publish: bool,
    now: Millis,
) -> AnnouncementRun {
    store
        .set_announcement_published(PublishChange {
            list: LIST.into(),
            key: key.into(),
            publish,
            now,
        })
        .await
        .unwrap()
        .expect("the run")
}

async fn on_site(store: &Arc<dyn Store>, now: Millis) -> Vec<i64> {
    store
        .published_announcements(now, 50)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect()
}

async fn start(store: &Arc<dyn Store>, key: &str, now: Millis) -> RunStart {
    start_at(store, key, &[Status::Confirmed], now, now).await
}

fn batch(run_id: i64, now: Millis, size: u32, interval: Millis, horizon: Millis) -> RunBatch {
    RunBatch {
        run_id,
        rules: rules(now),
        horizon,
        interval,
        size,
        manage_token: new_token(now + 30 * DAY_MS),
    }
}

async fn queue(store: &Arc<dyn Store>, b: RunBatch) -> BatchOutcome {
    store.queue_announcement_batch(b).await.unwrap()
}

async fn run_of(store: &Arc<dyn Store>, key: &str) -> AnnouncementRun {
    store
        .announcement_run(LIST, key)
        .await
        .unwrap()
        .expect("the run")
        .run
}

async fn mails_of(store: &Arc<dyn Store>, key: &str) -> RunMails {
    store
        .announcement_run(LIST, key)
        .await
        .unwrap()
        .expect("the run")
        .mails
}

/// Batches of `size` until the run is done (a day's horizon: every slot fits; the clock
/// moves on to the last slot, when the run ends); the run's figures.
async fn run_to_end(store: &Arc<dyn Store>, key: &str, now: Millis, size: u32) -> AnnouncementRun {
    let id = run_of(store, key).await.id;
    let mut at = now;
    for _ in 0..10_000 {
        let outcome = queue(store, batch(id, at, size, 1, DAY_MS)).await;
        if outcome.state != RunState::Sending {
            break;
        }
        if outcome.examined == 0 {
            at = at.max(run_of(store, key).await.next_slot);
        }
    }
    run_of(store, key).await
}

/// Starts the announcement now and runs it to its end; its figures.
pub(crate) async fn announce(store: &Arc<dyn Store>, key: &str, now: Millis) -> AnnouncementReport {
    start(store, key, now).await;
    let run = run_to_end(store, key, now, 2).await;
    assert_eq!(run.state, RunState::Done);
    run.report
}

pub(crate) async fn dry_run(
    store: &Arc<dyn Store>,
    key: &str,
    statuses: &[Status],
    now: Millis,
) -> AnnouncementReport {
    store
        .announcement_dry_run(DryRun {
            list: LIST.into(),
            key: key.into(),
            audience: audience(statuses),
            rules: rules(now),
        })
        .await
        .unwrap()
}

async fn change(
    store: &Arc<dyn Store>,
    key: &str,
    action: RunAction,
    now: Millis,
    interval: Millis,
) -> RunChangeOutcome {
    store
        .change_announcement(RunChange {
            list: LIST.into(),
            key: key.into(),
            action,
            now,
            interval,
        })
        .await
        .unwrap()
}

/// Announcement mails claimable at `now` (claimed and recorded as sent).
async fn announcements_sent_at(store: &Arc<dyn Store>, now: Millis) -> Vec<i64> {
    send_all(store, now)
        .await
        .into_iter()
        .filter(|j| j.kind == MailKind::Announcement)
        .map(|j| j.subscriber_id)
        .collect()
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
    start_at(
        &store,
        "id:other",
        &[Status::Pending, Status::Unsubscribed],
        T0 + 5,
        T0 + 5,
    )
    .await;
    let asked_for_all = run_to_end(&store, "id:other", T0 + 5, 10).await;
    assert_eq!(asked_for_all.state, RunState::Done);
    assert_eq!(asked_for_all.report.audience, 0);
    assert_eq!(asked_for_all.report.queued, 0);
}

async fn sending_it_again_adds_no_mail(store: Arc<dyn Store>) {
    let id = confirmed(&store, LIST, 1, T0).await;
    assert!(start(&store, "id:dates", T0 + 1).await.started);
    // Again while it is going: the same run, unchanged.
    let again = start(&store, "id:dates", T0 + 1).await;
    assert!(!again.started);
    assert_eq!(again.run.state, RunState::Sending);
    assert_eq!(
        run_to_end(&store, "id:dates", T0 + 1, 10)
            .await
            .report
            .queued,
        1
    );
    // Again after it finished, before the outbox ran, and again after it sent the first.
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
    let dry = dry_run(&store, "id:dates", &[Status::Confirmed], T0 + 4).await;
    let dry_again = dry_run(&store, "id:dates", &[Status::Confirmed], T0 + 4).await;
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

async fn refuse_welcome(store: &Arc<dyn Store>, who: u32) -> i64 {
    let id = sign_up(store, LIST, who, T0).await;
    send_all(store, T0).await;
    confirm(store, id, T0 + 1).await;
    let welcome = store.claim_mail(claim(T0 + 2)).await.unwrap();
    store
        .record_attempts(
            welcome
                .iter()
                .map(|mail| MailAttempt {
                    mail_id: mail.id,
                    at: T0 + 2,
                    error: Some("RCPT TO: 550 5.1.1 no such mailbox".into()),
                    retry_at: None,
                    address_refused: Some("550 5.1.1 no such mailbox".into()),
                })
                .collect(),
        )
        .await
        .unwrap();
    id
}

async fn an_address_refused_for_good_is_skipped(store: Arc<dyn Store>) {
    refuse_welcome(&store, 1).await;
    let report = announce(&store, "id:dates", T0 + 3).await;
    assert_eq!((report.queued, report.skipped_refused), (0, 1));
}

/// Several nodes' dispatchers on one run, in small batches at once: each person is
/// queued once, and the run's figures count each once.
async fn racing_dispatchers_queue_each_person_once(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for who in 1..=12 {
        ids.push(confirmed(&store, LIST, who, T0).await);
    }
    let run_id = start(&store, "id:dates", T0 + 1).await.run.id;
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut queued = 0;
                loop {
                    let outcome = queue(&store, batch(run_id, T0 + 1, 2, 1, DAY_MS)).await;
                    queued += outcome.queued;
                    if outcome.state != RunState::Sending || outcome.examined == 0 {
                        return queued;
                    }
                }
            })
        })
        .collect();
    let mut queued = 0;
    for racer in racers {
        queued += racer.await.unwrap();
    }
    assert_eq!(queued, 12, "each person queued by exactly one batch");
    let run = run_of(&store, "id:dates").await;
    assert_eq!(
        (run.report.queued, run.examined, run.report.already_sent),
        (12, 12, 0)
    );
    let mut sent = announcements_sent_at(&store, T0 + DAY_MS).await;
    sent.sort_unstable();
    assert_eq!(sent, ids);
}

async fn a_batch_follows_the_cursor_and_queues_only_up_to_the_horizon(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for who in 1..=10 {
        ids.push(confirmed(&store, LIST, who, T0).await);
    }
    let now = T0 + 1;
    let run_id = start(&store, "id:dates", now).await.run.id;
    // One a second, 5 s ahead: at most 5 mails queued, in batches of 3 people.
    let first = queue(&store, batch(run_id, now, 3, 1_000, 5_000)).await;
    assert_eq!((first.examined, first.queued), (3, 3));
    assert_eq!(run_of(&store, "id:dates").await.cursor, ids[2]);
    let second = queue(&store, batch(run_id, now, 3, 1_000, 5_000)).await;
    assert_eq!(
        (second.examined, second.queued),
        (2, 2),
        "the horizon is full"
    );
    let third = queue(&store, batch(run_id, now, 3, 1_000, 5_000)).await;
    assert_eq!(
        (third.examined, third.queued, third.state),
        (0, 0, RunState::Sending)
    );
    let run = run_of(&store, "id:dates").await;
    assert_eq!((run.cursor, run.examined, run.total), (ids[4], 5, 10));
    assert_eq!(run.next_slot, now + 5_000);
    // Later, the next people after the cursor, and the run ends with its audience.
    let later = now + 60_000;
    let rest = queue(&store, batch(run_id, later, 10, 1_000, 5_000)).await;
    assert_eq!(
        (rest.examined, rest.queued, rest.state),
        (5, 5, RunState::Sending)
    );
    // Every person examined; the run ends when its last mail's slot comes, and until
    // then its mails can still be paused or cancelled.
    let before_last_slot = queue(&store, batch(run_id, later + 4_999, 10, 1_000, 5_000)).await;
    assert_eq!(before_last_slot.state, RunState::Sending);
    let at_last_slot = queue(&store, batch(run_id, later + 5_000, 10, 1_000, 5_000)).await;
    assert_eq!(at_last_slot.state, RunState::Done);

    let mut sent = announcements_sent_at(&store, later + DAY_MS).await;
    sent.sort_unstable();
    assert_eq!(sent, ids, "everyone once, no one twice");
}

async fn each_mail_is_due_at_its_slot_of_the_rate(store: Arc<dyn Store>) {
    for who in 1..=4 {
        confirmed(&store, LIST, who, T0).await;
    }
    send_all(&store, T0).await; // the welcomes
    let now = T0 + 10;
    let run_id = start(&store, "id:dates", now).await.run.id;
    // Four a second: a slot every 250 ms.
    queue(&store, batch(run_id, now, 10, 250, DAY_MS)).await;
    assert_eq!(announcements_sent_at(&store, now).await.len(), 1);
    assert_eq!(announcements_sent_at(&store, now + 249).await.len(), 0);
    assert_eq!(announcements_sent_at(&store, now + 250).await.len(), 1);
    assert_eq!(announcements_sent_at(&store, now + 700).await.len(), 1);
    assert_eq!(announcements_sent_at(&store, now + 750).await.len(), 1);
    assert_eq!(announcements_sent_at(&store, now + 10_000).await.len(), 0);
}

async fn a_scheduled_run_starts_when_its_time_comes(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    let send_at = T0 + 60_000;
    let start = start_at(&store, "id:dates", &[Status::Confirmed], send_at, T0 + 1).await;
    assert_eq!(start.run.state, RunState::Scheduled);
    assert!(
        store
            .due_announcements(T0 + 1, 30_000)
            .await
            .unwrap()
            .is_empty()
    );
    let early = queue(&store, batch(start.run.id, T0 + 1, 10, 100, 30_000)).await;
    assert_eq!((early.state, early.queued), (RunState::Scheduled, 0));
    let due = store.due_announcements(send_at, 30_000).await.unwrap();
    assert_eq!(
        due.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![start.run.id]
    );
    let on_time = queue(&store, batch(start.run.id, send_at, 10, 100, 30_000)).await;
    assert_eq!((on_time.state, on_time.queued), (RunState::Sending, 1));
    let done = queue(&store, batch(start.run.id, send_at + 100, 10, 100, 30_000)).await;
    assert_eq!(done.state, RunState::Done);
    let run = run_of(&store, "id:dates").await;
    assert_eq!((run.started_at, run.total), (Some(send_at), 1));
    assert_eq!(announcements_sent_at(&store, send_at).await.len(), 1);
}

async fn a_paused_runs_mails_are_not_claimed_and_resuming_gives_them_new_slots(
    store: Arc<dyn Store>,
) {
    for who in 1..=3 {
        confirmed(&store, LIST, who, T0).await;
    }
    send_all(&store, T0).await;
    let now = T0 + 10;
    let run_id = start(&store, "id:dates", now).await.run.id;
    queue(&store, batch(run_id, now, 2, 1_000, DAY_MS)).await;
    let paused = change(&store, "id:dates", RunAction::Pause, now, 1_000).await;
    assert!(matches!(paused, RunChangeOutcome::Changed(ref run) if run.state == RunState::Paused));
    // Nothing of it leaves, however late, while other mail still does.
    sign_up(&store, LIST, 9, now).await;
    let jobs = send_all(&store, now + DAY_MS).await;
    assert_eq!(
        jobs.iter().map(|j| j.kind).collect::<Vec<_>>(),
        vec![MailKind::Confirmation]
    );
    let idle = queue(&store, batch(run_id, now + DAY_MS, 2, 1_000, DAY_MS)).await;
    assert_eq!((idle.state, idle.examined), (RunState::Paused, 0));
    assert_eq!(
        change(&store, "id:dates", RunAction::Pause, now, 1_000).await,
        RunChangeOutcome::WrongState(RunState::Paused)
    );
    // Resumed: one a second from then.
    let resumed_at = now + 2 * DAY_MS;
    let resumed = change(&store, "id:dates", RunAction::Resume, resumed_at, 1_000).await;
    let RunChangeOutcome::Changed(run) = resumed else {
        panic!("{resumed:?}")
    };
    assert_eq!(
        (run.state, run.next_slot),
        (RunState::Sending, resumed_at + 2_000)
    );
    assert_eq!(announcements_sent_at(&store, resumed_at).await.len(), 1);
    assert_eq!(
        announcements_sent_at(&store, resumed_at + 999).await.len(),
        0
    );
    assert_eq!(
        announcements_sent_at(&store, resumed_at + 1_000)
            .await
            .len(),
        1
    );
    let run = run_to_end(&store, "id:dates", resumed_at + 2_000, 10).await;
    assert_eq!((run.state, run.report.queued), (RunState::Done, 3));
    assert_eq!(
        change(&store, "id:dates", RunAction::Resume, resumed_at, 1_000).await,
        RunChangeOutcome::WrongState(RunState::Done)
    );
}

async fn a_cancelled_run_skips_its_unsent_mails_and_stays_cancelled(store: Arc<dyn Store>) {
    for who in 1..=5 {
        confirmed(&store, LIST, who, T0).await;
    }
    send_all(&store, T0).await;
    let now = T0 + 10;
    let run_id = start(&store, "id:dates", now).await.run.id;
    queue(&store, batch(run_id, now, 10, 1_000, 3_000)).await; // 3 queued
    assert_eq!(announcements_sent_at(&store, now).await.len(), 1);
    let cancelled = change(&store, "id:dates", RunAction::Cancel, now + 1, 1_000).await;
    assert!(
        matches!(cancelled, RunChangeOutcome::Changed(ref run) if run.state == RunState::Cancelled)
    );
    assert!(announcements_sent_at(&store, now + DAY_MS).await.is_empty());
    let idle = queue(&store, batch(run_id, now + DAY_MS, 10, 1_000, 3_000)).await;
    assert_eq!((idle.state, idle.queued), (RunState::Cancelled, 0));
    let mails = mails_of(&store, "id:dates").await;
    assert_eq!((mails.sent, mails.cancelled, mails.waiting), (1, 2, 0));
    for action in [RunAction::Resume, RunAction::Pause, RunAction::Cancel] {
        assert_eq!(
            change(&store, "id:dates", action, now + 2, 1_000).await,
            RunChangeOutcome::WrongState(RunState::Cancelled)
        );
    }
    let again = start(&store, "id:dates", now + 3).await;
    assert!(!again.started);
    assert_eq!(again.run.state, RunState::Cancelled);
    assert_eq!(
        change(&store, "id:nothing", RunAction::Pause, now, 1_000).await,
        RunChangeOutcome::NoSuchRun
    );
}

async fn progress_is_what_smtp_answered(store: Arc<dyn Store>) {
    for who in 1..=4 {
        confirmed(&store, LIST, who, T0).await;
    }
    send_all(&store, T0).await;
    let now = T0 + 10;
    let run_id = start(&store, "id:dates", now).await.run.id;
    queue(&store, batch(run_id, now, 10, 1, DAY_MS)).await;
    let jobs = store.claim_mail(claim(now + 10)).await.unwrap();
    assert_eq!(jobs.len(), 4);
    let outcome = |i: usize, error: Option<&str>, retry_at: Option<Millis>| MailAttempt {
        mail_id: jobs[i].id,
        at: now + 20,
        error: error.map(str::to_owned),
        retry_at,
        address_refused: None,
    };
    store
        .record_attempts(vec![
            outcome(0, None, None),
            outcome(1, Some("550 no such mailbox"), None),
            outcome(2, Some("451 try later"), Some(now + 60_000)),
        ])
        .await
        .unwrap();
    let mails = mails_of(&store, "id:dates").await;
    assert_eq!(
        mails,
        RunMails {
            sent: 1,
            refused: 1,
            deferred: 1,
            in_flight: 1,
            ..RunMails::default()
        }
    );
    let runs = store.announcement_runs(LIST).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].run.examined, runs[0].run.total), (4, 4));
    // Refusals by the server's words; a deferral is not a refusal.
    assert_eq!(
        runs[0].refusals,
        vec![Refusal {
            reason: "550 no such mailbox".into(),
            mails: 1
        }]
    );
    assert!(
        store
            .announcement_run(LIST, "id:other")
            .await
            .unwrap()
            .is_none()
    );
}

/// Someone at the cap, someone unsubscribed, someone refused, someone who got it: a
/// finished run, in batches, ends with the dry run's figures.
async fn a_finished_runs_figures_equal_the_dry_runs(store: Arc<dyn Store>) {
    let got_it = confirmed_with_two_mails(&store, 1).await;
    announce(&store, "id:dates", T0 + 2).await;
    send_all(&store, T0 + 2).await;
    let at_cap = confirmed_with_two_mails(&store, 2).await;
    announce(&store, "id:earlier", T0 + 3).await;
    send_all(&store, T0 + 3).await; // person 2: 3 of 4
    let leaving = confirmed(&store, LIST, 3, T0).await;
    store.unsubscribe(leaving, T0 + 4).await.unwrap();
    refuse_welcome(&store, 4).await;
    for who in 5..=9 {
        confirmed(&store, LIST, who, T0).await;
    }
    let now = T0 + 5;
    let dry = dry_run(&store, "id:dates", &[Status::Confirmed], now).await;
    assert_eq!(
        dry,
        AnnouncementReport {
            audience: 8,
            queued: 5,
            already_sent: 1,
            skipped_cap: 1,
            skipped_refused: 1,
            skipped_unsubscribed: 1,
        },
        "persons {got_it} and {at_cap}"
    );
    assert!(start(&store, "id:dates", now).await.started);
    let run = run_to_end(&store, "id:dates", now, 3).await;
    assert_eq!(run.report, dry);
    assert_eq!((run.examined, run.total), (8, 8));
}

/// An announcement's due mails are claimed after the confirmation that came later: a
/// person signing up mid-run does not wait behind the list.
async fn transactional_mail_is_claimed_before_due_announcement_mails(store: Arc<dyn Store>) {
    for who in 1..=5 {
        confirmed(&store, LIST, who, T0).await;
    }
    send_all(&store, T0).await;
    let run_id = start(&store, "id:dates", T0 + 1).await.run.id;
    queue(&store, batch(run_id, T0 + 1, 10, 1, DAY_MS)).await;
    sign_up(&store, LIST, 9, T0 + 100).await;
    let jobs = store
        .claim_mail(claim_with(T0 + 100, CAP, 1))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, MailKind::Confirmation);
}

async fn a_published_announcement_is_on_the_site_from_its_runs_start(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    let now = T0 + 10;
    let start = start_published(&store, "id:dates", now, now).await;
    let id = start.run.id;
    assert!(start.run.publication.publish);
    assert_eq!(start.run.publication.published_at, Some(now));
    assert_eq!(on_site(&store, now).await, vec![id]);
    let NewsLookup::Published(page) = store.published_announcement(id, now).await.unwrap() else {
        panic!("not on the site");
    };
    assert_eq!(
        (
            page.subject.as_str(),
            page.markdown.as_str(),
            page.published_at
        ),
        ("The dates are set", "there\nHello {{ name }}.", now)
    );
    // Running it changes nothing about the page.
    run_to_end(&store, "id:dates", now, 2).await;
    assert_eq!(on_site(&store, now + 1).await, vec![id]);
    assert_eq!(
        store.published_announcement(id + 1_000, now).await.unwrap(),
        NewsLookup::Missing
    );
}

async fn a_scheduled_published_announcement_waits_for_its_send_at(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    let send_at = T0 + 60_000;
    let start = start_published(&store, "id:dates", send_at, T0 + 1).await;
    let id = start.run.id;
    assert_eq!(start.run.publication.published_at, None);
    assert!(on_site(&store, T0 + 1).await.is_empty());
    assert!(
        on_site(&store, send_at + 1).await.is_empty(),
        "not before its run starts"
    );
    assert_eq!(
        store.published_announcement(id, T0 + 1).await.unwrap(),
        NewsLookup::Missing
    );
    queue(&store, batch(id, T0 + 1, 10, 100, 30_000)).await;
    assert!(
        on_site(&store, T0 + 2).await.is_empty(),
        "too early to start"
    );
    queue(&store, batch(id, send_at, 10, 100, 30_000)).await;
    assert_eq!(on_site(&store, send_at).await, vec![id]);
    assert_eq!(
        run_of(&store, "id:dates").await.publication.published_at,
        Some(send_at)
    );
}

async fn unpublished_it_is_withdrawn_and_publishing_again_brings_it_back(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    let now = T0 + 10;
    let id = start_published(&store, "id:dates", now, now).await.run.id;
    let down = set_published(&store, "id:dates", false, now + 5).await;
    assert_eq!(down.publication.unpublished_at, Some(now + 5));
    assert!(!down.publication.publish);
    assert!(on_site(&store, now + 6).await.is_empty());
    assert_eq!(
        store.published_announcement(id, now + 6).await.unwrap(),
        NewsLookup::Withdrawn
    );
    // Sending it again without asking to publish leaves it down.
    run_to_end(&store, "id:dates", now, 2).await;
    start(&store, "id:dates", now + 7).await;
    assert!(on_site(&store, now + 8).await.is_empty());
    let up = set_published(&store, "id:dates", true, now + 9).await;
    assert_eq!(
        (up.publication.published_at, up.publication.unpublished_at),
        (Some(now), None),
        "back, with the date it first went up"
    );
    assert_eq!(on_site(&store, now + 9).await, vec![id]);
}

async fn an_announcement_not_published_is_never_on_the_site(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    let now = T0 + 10;
    let id = start(&store, "id:dates", now).await.run.id;
    run_to_end(&store, "id:dates", now, 2).await;
    assert!(on_site(&store, now + DAY_MS).await.is_empty());
    assert_eq!(
        store
            .published_announcement(id, now + DAY_MS)
            .await
            .unwrap(),
        NewsLookup::Missing
    );
    // Taken down before it ever went up: still never published (404, not 410).
    set_published(&store, "id:dates", false, now + 1).await;
    assert_eq!(
        store.published_announcement(id, now + 2).await.unwrap(),
        NewsLookup::Missing
    );
    assert!(
        store
            .set_announcement_published(PublishChange {
                list: LIST.into(),
                key: "id:nothing".into(),
                publish: true,
                now,
            })
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_announcement_is_published_after_the_fact(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    let now = T0 + 10;
    let id = start(&store, "id:dates", now).await.run.id;
    run_to_end(&store, "id:dates", now, 2).await;
    let up = set_published(&store, "id:dates", true, now + 500).await;
    assert_eq!(up.publication.published_at, Some(now + 500));
    assert_eq!(on_site(&store, now + 500).await, vec![id]);
    // A scheduled one published ahead of its time goes up when its run starts.
    let later = start_at(&store, "id:later", &[Status::Confirmed], now + 60_000, now).await;
    set_published(&store, "id:later", true, now + 600).await;
    assert_eq!(on_site(&store, now + 700).await, vec![id]);
    queue(&store, batch(later.run.id, now + 60_000, 10, 100, 30_000)).await;
    assert_eq!(on_site(&store, now + 60_000).await, vec![later.run.id, id]);
}

async fn the_site_lists_the_newest_published_first_and_no_more_than_asked(store: Arc<dyn Store>) {
    confirmed(&store, LIST, 1, T0).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let key = format!("id:n{n}");
        ids.push(start_published(&store, &key, T0 + n, T0 + n).await.run.id);
    }
    start(&store, "id:quiet", T0 + 9).await;
    ids.reverse();
    assert_eq!(on_site(&store, T0 + 10).await, ids);
    let two: Vec<i64> = store
        .published_announcements(T0 + 10, 2)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(two, ids[..2]);
    // Not yet due at an earlier moment (another node's clock).
    assert_eq!(on_site(&store, T0 + 1).await, ids[2..]);
}
