//! Webhooks: deliveries queued in the event's own transaction, claimed by one claimer at a
//! time, retried, replayed; the person's address only for a webhook that includes it,
//! and never once they are erased.

use std::collections::HashSet;
use std::sync::Arc;

use quietlist::domain::TokenPurpose;
use quietlist::store::{
    DAY, HOUR, InviteRequest, MailKind, MailToken, Millis, NewWebhook, RetentionPolicy, Store,
    WebhookAttempt, WebhookClaim, WebhookJob,
};

use crate::fixtures::*;

contract! {
    each_event_queues_one_delivery_per_webhook_that_asked_for_it,
    a_delivery_carries_the_address_only_for_a_webhook_that_includes_it_and_never_after_erasure,
    failed_attempts_go_again_when_due_and_give_up_when_told,
    two_claimers_never_take_the_same_delivery,
    a_replay_queues_a_delivery_again_and_removing_a_webhook_removes_its_log,
    retention_deletes_finished_deliveries_as_old_as_the_mail_history_and_keeps_waiting_ones,
}

async fn add(store: &Arc<dyn Store>, events: &str, include_email: bool) -> i64 {
    store
        .webhook_add(NewWebhook {
            url: "https://hooks.example/in".into(),
            events: events.into(),
            include_email,
            secret_sealed: b"sealed-secret".to_vec(),
            now: T0,
        })
        .await
        .unwrap()
}

fn claim_at(now: Millis, limit: u32) -> WebhookClaim {
    WebhookClaim {
        now,
        limit,
        lease_ms: LEASE,
    }
}

async fn claim_all(store: &Arc<dyn Store>, now: Millis) -> Vec<WebhookJob> {
    store
        .claim_webhook_deliveries(claim_at(now, 1000))
        .await
        .unwrap()
}

fn delivered(job: &WebhookJob, at: Millis) -> WebhookAttempt {
    WebhookAttempt {
        delivery_id: job.delivery_id,
        at,
        status: Some(200),
        error: None,
        retry_at: None,
    }
}

async fn each_event_queues_one_delivery_per_webhook_that_asked_for_it(store: Arc<dyn Store>) {
    let everything = add(
        &store,
        "subscriber.confirmed,subscriber.unsubscribed,subscriber.erased,invitation.accepted,invitation.declined",
        false,
    )
    .await;
    let confirmations = add(&store, "subscriber.confirmed", false).await;

    let one = confirmed(&store, LIST, 1, T0).await;
    let two = confirmed(&store, LIST, 2, T0 + 1).await;
    let three = confirmed(&store, LIST, 3, T0 + 2).await;
    // Confirming again, or unsubscribing someone not subscribed, is no event.
    confirm(&store, one, T0 + 3).await;
    store.unsubscribe(two, T0 + HOUR).await.unwrap();
    store.unsubscribe(two, T0 + HOUR + 1).await.unwrap();
    store
        .erase(three, "cli:test".into(), T0 + HOUR)
        .await
        .unwrap();

    store
        .ensure_cohort(LIST, "spring", 5, None, T0)
        .await
        .unwrap();
    let four = confirmed(&store, LIST, 4, T0 + 4).await;
    store
        .invite_next(InviteRequest {
            list: LIST.into(),
            cohort: "spring".into(),
            count: 5,
            overbook: false,
            now: T0 + DAY,
            expires_at: T0 + 8 * DAY,
            cap: 1000,
            cap_window: CAP_WINDOW,
            all_lists: all_lists(),
        })
        .await
        .unwrap();
    let invitations: Vec<(i64, i64)> = send_all_with(&store, claim_with(T0 + DAY, 1000, 10_000))
        .await
        .into_iter()
        .filter(|j| j.kind == MailKind::Invite)
        .map(|j| {
            let MailToken { purpose, id, .. } = j.token.expect("an invitation has a link");
            assert_eq!(purpose, TokenPurpose::Invite);
            (j.subscriber_id, id)
        })
        .collect();
    for (person, token) in &invitations {
        store
            .respond_to_invitation(*token, *person == one, T0 + DAY + 1)
            .await
            .unwrap();
    }
    assert!(invitations.iter().any(|(p, _)| *p == four));

    let jobs = claim_all(&store, T0 + 2 * DAY).await;
    let mut seen: Vec<(i64, String, i64)> = jobs
        .iter()
        .map(|j| (j.webhook_id, j.event.clone(), j.subscriber_id))
        .collect();
    seen.sort();
    let mut expected = vec![
        (everything, "subscriber.confirmed".to_owned(), one),
        (everything, "subscriber.confirmed".to_owned(), two),
        (everything, "subscriber.confirmed".to_owned(), three),
        (everything, "subscriber.confirmed".to_owned(), four),
        (everything, "subscriber.unsubscribed".to_owned(), two),
        (everything, "subscriber.erased".to_owned(), three),
        (everything, "invitation.accepted".to_owned(), one),
        (everything, "invitation.declined".to_owned(), four),
        (confirmations, "subscriber.confirmed".to_owned(), one),
        (confirmations, "subscriber.confirmed".to_owned(), two),
        (confirmations, "subscriber.confirmed".to_owned(), three),
        (confirmations, "subscriber.confirmed".to_owned(), four),
    ];
    expected.sort();
    assert_eq!(seen, expected);

    let accepted = jobs
        .iter()
        .find(|j| j.event == "invitation.accepted")
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(&accepted.data).unwrap();
    assert_eq!(
        data,
        serde_json::json!({"subscriber_id": one, "list": LIST, "cohort": "spring"})
    );
    assert!(jobs.iter().all(|j| j.email_sealed.is_none()));
    assert!(jobs.iter().all(|j| j.secret_sealed == b"sealed-secret"));
}

async fn a_delivery_carries_the_address_only_for_a_webhook_that_includes_it_and_never_after_erasure(
    store: Arc<dyn Store>,
) {
    let with_email = add(&store, "subscriber.confirmed,subscriber.erased", true).await;
    let without = add(&store, "subscriber.confirmed", false).await;
    let one = confirmed(&store, LIST, 1, T0).await;
    let two = confirmed(&store, LIST, 2, T0).await;
    store.erase(two, "cli:test".into(), T0 + 1).await.unwrap();

    let jobs = claim_all(&store, T0 + 2).await;
    let email_of = |webhook: i64, person: i64, event: &str| {
        jobs.iter()
            .find(|j| j.webhook_id == webhook && j.subscriber_id == person && j.event == event)
            .map(|j| j.email_sealed.clone())
            .expect("a delivery")
    };
    assert_eq!(
        email_of(with_email, one, "subscriber.confirmed"),
        Some(sealed(1))
    );
    assert_eq!(email_of(without, one, "subscriber.confirmed"), None);
    // Queued before the erasure, sent after it: without the address.
    assert_eq!(email_of(with_email, two, "subscriber.confirmed"), None);
    assert_eq!(email_of(with_email, two, "subscriber.erased"), None);
    assert!(
        jobs.iter().all(|j| !j.data.contains("sealed-address")),
        "a queued payload never holds an address"
    );
}

async fn failed_attempts_go_again_when_due_and_give_up_when_told(store: Arc<dyn Store>) {
    let webhook = add(&store, "subscriber.confirmed", false).await;
    confirmed(&store, LIST, 1, T0).await;
    let job = claim_all(&store, T0).await.pop().unwrap();
    assert_eq!(job.attempts, 0);
    store
        .record_webhook_attempts(vec![WebhookAttempt {
            delivery_id: job.delivery_id,
            at: T0 + 1,
            status: Some(500),
            error: Some("HTTP 500".into()),
            retry_at: Some(T0 + 30_000),
        }])
        .await
        .unwrap();
    assert!(
        claim_all(&store, T0 + 29_999).await.is_empty(),
        "not yet due"
    );
    let again = claim_all(&store, T0 + 30_000).await.pop().unwrap();
    assert_eq!((again.delivery_id, again.attempts), (job.delivery_id, 1));
    store
        .record_webhook_attempts(vec![WebhookAttempt {
            delivery_id: job.delivery_id,
            at: T0 + 30_001,
            status: None,
            error: Some("connection refused".into()),
            retry_at: None,
        }])
        .await
        .unwrap();
    assert!(claim_all(&store, T0 + DAY).await.is_empty(), "given up");
    let log = store.webhook_deliveries(webhook, 50).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].state, "failed");
    assert_eq!(log[0].attempts, 2);
    assert_eq!(log[0].last_status, None);
    assert_eq!(log[0].last_error.as_deref(), Some("connection refused"));
    let row = store.webhooks().await.unwrap().pop().unwrap();
    assert_eq!((row.queued, row.delivered, row.failed), (0, 0, 1));
}

async fn two_claimers_never_take_the_same_delivery(store: Arc<dyn Store>) {
    add(&store, "subscriber.confirmed", false).await;
    add(&store, "subscriber.confirmed", true).await;
    for who in 1..=40 {
        confirmed(&store, LIST, who, T0).await;
    }
    let claimers: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let jobs = store
                        .claim_webhook_deliveries(claim_at(T0 + 1, 7))
                        .await
                        .unwrap();
                    if jobs.is_empty() {
                        break;
                    }
                    mine.extend(jobs.into_iter().map(|j| j.delivery_id));
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 80, "every delivery claimed");
    assert_eq!(distinct.len(), 80, "no delivery claimed twice");
    // Past the lease, an unrecorded claim is taken over.
    assert_eq!(claim_all(&store, T0 + 1 + LEASE).await.len(), 80);
}

async fn a_replay_queues_a_delivery_again_and_removing_a_webhook_removes_its_log(
    store: Arc<dyn Store>,
) {
    let webhook = add(&store, "subscriber.confirmed", false).await;
    let other = add(&store, "subscriber.confirmed", false).await;
    confirmed(&store, LIST, 1, T0).await;
    let jobs = claim_all(&store, T0).await;
    store
        .record_webhook_attempts(jobs.iter().map(|j| delivered(j, T0 + 1)).collect())
        .await
        .unwrap();
    let log = store.webhook_deliveries(webhook, 50).await.unwrap();
    assert_eq!(log[0].state, "delivered");
    assert_eq!(log[0].delivered_at, Some(T0 + 1));
    let delivery = log[0].id;
    assert!(claim_all(&store, T0 + DAY).await.is_empty());

    assert!(
        !store
            .webhook_replay(other, delivery, T0 + DAY)
            .await
            .unwrap(),
        "a delivery is replayed only through its own webhook"
    );
    assert!(
        store
            .webhook_replay(webhook, delivery, T0 + DAY)
            .await
            .unwrap()
    );
    let again = claim_all(&store, T0 + DAY).await;
    assert_eq!(
        again.iter().map(|j| j.delivery_id).collect::<Vec<_>>(),
        vec![delivery]
    );
    assert!(
        !store
            .webhook_replay(webhook, delivery, T0 + DAY)
            .await
            .unwrap(),
        "not while it is in flight"
    );

    assert!(store.webhook_remove(webhook).await.unwrap());
    assert!(!store.webhook_remove(webhook).await.unwrap());
    assert!(
        store
            .webhook_deliveries(webhook, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .webhooks()
            .await
            .unwrap()
            .iter()
            .map(|w| w.id)
            .collect::<Vec<_>>(),
        vec![other]
    );
}

async fn retention_deletes_finished_deliveries_as_old_as_the_mail_history_and_keeps_waiting_ones(
    store: Arc<dyn Store>,
) {
    let webhook = add(&store, "subscriber.confirmed", false).await;
    confirmed(&store, LIST, 1, T0).await;
    confirmed(&store, LIST, 2, T0).await;
    let jobs = claim_all(&store, T0).await;
    // One delivered, one still waiting for its next attempt.
    store
        .record_webhook_attempts(vec![
            delivered(&jobs[0], T0 + 1),
            WebhookAttempt {
                delivery_id: jobs[1].delivery_id,
                at: T0 + 1,
                status: Some(500),
                error: Some("HTTP 500".into()),
                retry_at: Some(T0 + 90 * DAY),
            },
        ])
        .await
        .unwrap();
    let policy = |now| RetentionPolicy {
        now,
        pending: 7 * DAY,
        mail_history: 60 * DAY,
        consent_after_erasure: 30 * DAY,
        expired_links: 7 * DAY,
        lists: all_lists(),
    };
    store.apply_retention(policy(T0 + 60 * DAY)).await.unwrap();
    assert_eq!(
        store.webhook_deliveries(webhook, 50).await.unwrap().len(),
        2
    );
    store
        .apply_retention(policy(T0 + 60 * DAY + 1))
        .await
        .unwrap();
    let left = store.webhook_deliveries(webhook, 50).await.unwrap();
    assert_eq!(
        left.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![jobs[1].delivery_id],
        "the waiting one stays"
    );
}
