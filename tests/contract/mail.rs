//! The outbox: leases, attempts, and the rules checked where mail leaves (the cap, the
//! confirmation interval, consent).

use std::collections::HashSet;
use std::sync::Arc;

use quietlist::domain::TokenPurpose;
use quietlist::store::{
    AccessRequest, DAY, InviteRequest, MailAttempt, MailKind, MailToken, Store,
};

use crate::fixtures::*;

contract! {
    a_claimed_mail_is_not_claimed_again_until_its_lease_expires,
    a_late_failure_from_a_lapsed_claim_never_reopens_a_sent_mail,
    parallel_claims_never_hand_out_one_mail_twice,
    a_job_carries_its_address_list_and_link,
    a_successful_attempt_marks_the_mail_sent_and_counts_it_once,
    a_transient_failure_requeues_the_mail_for_its_retry_time,
    a_permanent_failure_gives_up_for_good,
    mail_in_flight_counts_against_the_cap_across_lists,
    parallel_claims_never_take_one_person_past_the_cap,
    the_cap_frees_up_once_its_window_has_passed,
    a_manage_link_never_takes_the_last_place_under_the_cap,
    one_confirmation_per_interval_goes_however_many_were_queued,
    a_confirmation_is_not_sent_to_someone_already_confirmed,
    nothing_after_the_confirmation_goes_to_someone_who_unsubscribed,
}

async fn a_claimed_mail_is_not_claimed_again_until_its_lease_expires(store: Arc<dyn Store>) {
    sign_up(&store, LIST, 1, T0).await;
    let first = store.claim_mail(claim(T0)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 0);
    assert!(store.claim_mail(claim(T0 + 1)).await.unwrap().is_empty());
    assert!(
        store
            .claim_mail(claim(T0 + LEASE - 1))
            .await
            .unwrap()
            .is_empty()
    );
    // The node that held it died: once the lease is over, another takes it.
    let again = store.claim_mail(claim(T0 + LEASE + 1)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first[0].id);
    assert_eq!(again[0].attempts, 1, "the first try is counted");
}

/// Node A claims a mail and fails to hand it over, but cannot record that (cut off from
/// the database); its lease runs out, node B sends the mail and records it. A's failure
/// arriving afterwards must not put the mail back in the queue: it would go again, and
/// stop counting against the person's cap (found in review).
async fn a_late_failure_from_a_lapsed_claim_never_reopens_a_sent_mail(store: Arc<dyn Store>) {
    sign_up(&store, LIST, 1, T0).await;
    let by_a = store.claim_mail(claim(T0)).await.unwrap();
    assert_eq!(by_a.len(), 1);
    let by_b = store.claim_mail(claim(T0 + LEASE + 1)).await.unwrap();
    assert_eq!(by_b.len(), 1);
    store
        .record_attempts(vec![sent(by_b[0].id, T0 + LEASE + 2)])
        .await
        .unwrap();
    for retry_at in [Some(T0 + LEASE + 3), None] {
        store
            .record_attempts(vec![MailAttempt {
                mail_id: by_a[0].id,
                at: T0 + LEASE + 3,
                error: Some("451 4.3.0 try again later".into()),
                retry_at,
                address_refused: None,
            }])
            .await
            .unwrap();
        assert!(
            store
                .claim_mail(claim(T0 + 2 * LEASE))
                .await
                .unwrap()
                .is_empty(),
            "the sent mail was put back in the queue"
        );
    }
    assert_eq!(counter(&store, "mails.confirmation").await, 1);
}

async fn parallel_claims_never_hand_out_one_mail_twice(store: Arc<dyn Store>) {
    for who in 1..=12 {
        sign_up(&store, LIST, who, T0).await;
    }
    let claims: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_mail(claim_with(T0 + 1, CAP, 3)).await })
        })
        .collect();
    let mut seen = HashSet::new();
    for claim in claims {
        for job in claim.await.unwrap().unwrap() {
            assert!(seen.insert(job.id), "mail {} handed out twice", job.id);
        }
    }
    for job in store.claim_mail(claim(T0 + 2)).await.unwrap() {
        assert!(seen.insert(job.id), "mail {} handed out twice", job.id);
    }
    assert_eq!(seen.len(), 12);
}

async fn a_job_carries_its_address_list_and_link(store: Arc<dyn Store>) {
    let s = signup(OTHER, 7, T0);
    let seed = s.confirm_token.seed;
    let id = subscriber_id(store.record_signup(s).await.unwrap());
    let jobs = store.claim_mail(claim(T0)).await.unwrap();
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.kind, MailKind::Confirmation);
    assert_eq!(job.subscriber_id, id);
    assert_eq!(job.list, OTHER);
    assert_eq!(job.email_sealed, sealed(7));
    assert_eq!(
        job.token,
        Some(MailToken {
            purpose: TokenPurpose::Confirm,
            id,
            seed: seed.to_vec(),
        })
    );
    assert_eq!(job.place_in_line, None);
    assert!(job.invitation.is_none());
}

async fn a_successful_attempt_marks_the_mail_sent_and_counts_it_once(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let jobs = store.claim_mail(claim(T0)).await.unwrap();
    store
        .record_attempts(vec![sent(jobs[0].id, T0 + 5)])
        .await
        .unwrap();
    // A node that records the same success again (a retry of its write) counts nothing more.
    store
        .record_attempts(vec![sent(jobs[0].id, T0 + 6)])
        .await
        .unwrap();
    let mails = store.subscriber(id).await.unwrap().unwrap().mails;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].state, "sent");
    assert_eq!(mails[0].sent_at, Some(T0 + 5));
    assert_eq!(counter(&store, "mails.confirmation").await, 1);
    assert!(
        store
            .claim_mail(claim(T0 + 2 * LEASE))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_transient_failure_requeues_the_mail_for_its_retry_time(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let jobs = store.claim_mail(claim(T0)).await.unwrap();
    let retry_at = T0 + 10 * 60_000;
    store
        .record_attempts(vec![MailAttempt {
            mail_id: jobs[0].id,
            at: T0 + 1,
            error: Some("451 4.3.0 try again later".into()),
            retry_at: Some(retry_at),
            address_refused: None,
        }])
        .await
        .unwrap();
    assert_eq!(mail_states(&store, id, "confirmation").await, ["queued"]);
    assert_eq!(counter(&store, "mails.confirmation").await, 0);
    assert!(
        store
            .claim_mail(claim(retry_at - 1))
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_mail(claim(retry_at)).await.unwrap();
    assert_eq!(
        again.len(),
        1,
        "a deferred mail does not count against the interval"
    );
    assert_eq!(again[0].attempts, 1);
}

async fn a_permanent_failure_gives_up_for_good(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let jobs = store.claim_mail(claim(T0)).await.unwrap();
    store
        .record_attempts(vec![MailAttempt {
            mail_id: jobs[0].id,
            at: T0 + 1,
            error: Some("550 5.1.1 no such user".into()),
            retry_at: None,
            address_refused: None,
        }])
        .await
        .unwrap();
    assert_eq!(mail_states(&store, id, "confirmation").await, ["failed"]);
    assert!(
        store
            .claim_mail(claim(T0 + 40 * DAY))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Person `who` signed up on every list with no confirmation interval: four
/// confirmation mails queued for one address.
async fn four_confirmations_for_one_address(store: &Arc<dyn Store>, who: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, list) in LISTS.iter().enumerate() {
        let mut s = signup(list, who, T0 + i as i64);
        s.confirmation_interval = 0;
        ids.push(subscriber_id(store.record_signup(s).await.unwrap()));
    }
    ids
}

fn no_interval(mut claim: quietlist::store::MailClaim) -> quietlist::store::MailClaim {
    claim.confirmation_interval = 0;
    claim
}

async fn mails_in_state(store: &Arc<dyn Store>, ids: &[i64], state: &str) -> usize {
    let mut n = 0;
    for id in ids {
        n += mail_states(store, *id, "confirmation")
            .await
            .iter()
            .filter(|s| *s == state)
            .count();
    }
    n
}

async fn mail_in_flight_counts_against_the_cap_across_lists(store: Arc<dyn Store>) {
    let ids = four_confirmations_for_one_address(&store, 1).await;
    // Nothing has been sent yet: only the mails leased in this round count.
    let jobs = store
        .claim_mail(no_interval(claim_with(T0 + 10, 2, 100)))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2, "cap 2");
    assert_eq!(mails_in_state(&store, &ids, "skipped").await, 2);
    // Leased mails are not handed out again; another address is not held back.
    sign_up(&store, OTHER, 2, T0 + 11).await;
    let next = store
        .claim_mail(no_interval(claim_with(T0 + 12, 2, 100)))
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(who(&next[0].email_sealed), 2);
}

async fn parallel_claims_never_take_one_person_past_the_cap(store: Arc<dyn Store>) {
    for round in 0..5u32 {
        let who = 10 + round;
        let ids = four_confirmations_for_one_address(&store, who).await;
        let now = T0 + 100 + i64::from(round) * 10 * LEASE;
        let claims: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .claim_mail(no_interval(claim_with(now, 2, 1)))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut jobs = Vec::new();
        for claim in claims {
            jobs.extend(claim.await.unwrap());
        }
        // Whatever the others did not take is refused by a later round.
        jobs.extend(
            store
                .claim_mail(no_interval(claim_with(now + 1, 2, 100)))
                .await
                .unwrap(),
        );
        let handed_out = jobs.len();
        store
            .record_attempts(jobs.iter().map(|j| sent(j.id, now + 2)).collect())
            .await
            .unwrap();
        assert_eq!(
            handed_out, 2,
            "round {round}: cap 2, {handed_out} mails leased"
        );
        assert_eq!(mails_in_state(&store, &ids, "skipped").await, 2);
    }
}

async fn the_cap_frees_up_once_its_window_has_passed(store: Arc<dyn Store>) {
    let ids = four_confirmations_for_one_address(&store, 1).await;
    let jobs = send_all_with(&store, no_interval(claim_with(T0 + 10, 2, 100))).await;
    assert_eq!(jobs.len(), 2);
    // Within the window, a new confirmation on a list whose mail was refused is refused too.
    let refused = ids
        .iter()
        .find(|id| jobs.iter().all(|j| j.subscriber_id != **id))
        .copied()
        .unwrap();
    let list = store.subscriber(refused).await.unwrap().unwrap().list;
    let mut s = signup(&list, 1, T0 + CAP_WINDOW - DAY);
    s.confirmation_interval = 0;
    store.record_signup(s).await.unwrap();
    assert!(
        send_all_with(
            &store,
            no_interval(claim_with(T0 + CAP_WINDOW - DAY, 2, 100))
        )
        .await
        .is_empty()
    );
    let mut s = signup(&list, 1, T0 + CAP_WINDOW + 11);
    s.confirmation_interval = 0;
    store.record_signup(s).await.unwrap();
    let later = send_all_with(
        &store,
        no_interval(claim_with(T0 + CAP_WINDOW + 11, 2, 100)),
    )
    .await;
    assert_eq!(
        later.len(),
        1,
        "30 days after the mails went, one may go again"
    );
}

async fn a_manage_link_never_takes_the_last_place_under_the_cap(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    confirm(&store, id, T0 + 1).await;
    send_all(&store, T0 + 1).await; // confirmation and welcome: 2 of 4
    let ask = |now| AccessRequest {
        email_index: index(1),
        all_lists: all_lists(),
        token: new_token(now + DAY),
        now,
        interval: DAY,
    };
    store.request_access(ask(T0 + 2)).await.unwrap();
    assert_eq!(send_all(&store, T0 + 2).await.len(), 1); // 3 of 4
    store.request_access(ask(T0 + DAY + 3)).await.unwrap();
    assert!(
        send_all(&store, T0 + DAY + 3).await.is_empty(),
        "the 4th is the invitation's"
    );
    store
        .ensure_cohort(LIST, "spring", 10, None, T0)
        .await
        .unwrap();
    let report = store
        .invite_next(InviteRequest {
            list: LIST.into(),
            cohort: "spring".into(),
            count: 1,
            overbook: false,
            now: T0 + DAY + 4,
            expires_at: T0 + 8 * DAY,
            cap: CAP,
            cap_window: CAP_WINDOW,
            all_lists: all_lists(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.invited, 1);
    let jobs = send_all(&store, T0 + DAY + 4).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, MailKind::Invite);
    store.request_access(ask(T0 + 2 * DAY + 5)).await.unwrap();
    assert!(
        send_all(&store, T0 + 2 * DAY + 5).await.is_empty(),
        "at the cap"
    );
    assert_eq!(
        mail_states(&store, id, "access").await,
        ["sent", "skipped", "skipped"]
    );
    assert_eq!(counter(&store, "mails.access").await, 1);
}

async fn one_confirmation_per_interval_goes_however_many_were_queued(store: Arc<dyn Store>) {
    let ids = four_confirmations_for_one_address(&store, 1).await;
    // Queued without the interval (an import, an older node): checked again at hand-off.
    let jobs = send_all(&store, T0 + 10).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(mails_in_state(&store, &ids, "skipped").await, 3);
}

async fn a_confirmation_is_not_sent_to_someone_already_confirmed(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    confirm(&store, id, T0 + 1).await;
    let jobs = send_all(&store, T0 + 2).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, MailKind::Welcome);
    assert_eq!(mail_states(&store, id, "confirmation").await, ["skipped"]);
    assert_eq!(mail_states(&store, id, "welcome").await, ["sent"]);
}

async fn nothing_after_the_confirmation_goes_to_someone_who_unsubscribed(store: Arc<dyn Store>) {
    let id = sign_up(&store, LIST, 1, T0).await;
    send_all(&store, T0).await;
    confirm(&store, id, T0 + 1).await;
    store.unsubscribe(id, T0 + 2).await.unwrap();
    store
        .request_access(AccessRequest {
            email_index: index(1),
            all_lists: all_lists(),
            token: new_token(T0 + DAY),
            now: T0 + 3,
            interval: DAY,
        })
        .await
        .unwrap();
    assert!(send_all(&store, T0 + 4).await.is_empty());
    assert_eq!(mail_states(&store, id, "welcome").await, ["skipped"]);
    assert!(mail_states(&store, id, "access").await.is_empty());
}
