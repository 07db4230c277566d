//! Unsubscribing, erasure, new manage links, the audit log, retention and counters.

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{
    AccessRequest, AuditEntry, ConfirmOutcome, DAY, HOUR, KeyCheck, MailToken, Millis,
    RetentionPolicy, RetentionReport, Store, UnsubscribeOutcome,
};

use crate::fixtures::*;

contract! {
    unsubscribing_is_at_once_and_idempotent,
    erasing_leaves_nothing_of_the_person_but_the_suppressed_hash,
    ids_are_never_reused_after_an_erasure,
    a_new_manage_link_goes_once_a_day_to_each_confirmed_person_with_the_address,
    the_audit_log_reads_back_in_the_order_it_was_written,
    retention_deletes_exactly_what_has_outlived_its_period,
}

async fn unsubscribing_is_at_once_and_idempotent(store: Arc<dyn Store>) {
    let id = confirmed(&store, LIST, 1, T0).await;
    let pending = sign_up(&store, LIST, 2, T0).await;
    assert_eq!(
        store.unsubscribe(id, T0 + HOUR).await.unwrap(),
        UnsubscribeOutcome::Unsubscribed { list: LIST.into() }
    );
    let person = store.subscriber(id).await.unwrap().unwrap();
    assert_eq!(person.status, Status::Unsubscribed);
    assert_eq!(person.unsubscribed_at, Some(T0 + HOUR));
    assert_eq!(
        store.unsubscribe(id, T0 + 2 * HOUR).await.unwrap(),
        UnsubscribeOutcome::NothingToDo { list: LIST.into() }
    );
    assert_eq!(
        store.subscriber(id).await.unwrap().unwrap().unsubscribed_at,
        Some(T0 + HOUR),
        "the first unsubscribe is the one kept"
    );
    assert_eq!(
        store.unsubscribe(pending, T0 + HOUR).await.unwrap(),
        UnsubscribeOutcome::NothingToDo { list: LIST.into() }
    );
    assert_eq!(
        store.unsubscribe(id + 1000, T0).await.unwrap(),
        UnsubscribeOutcome::Unknown
    );
    assert_eq!(counter(&store, "unsubscribes").await, 1);
}

async fn erasing_leaves_nothing_of_the_person_but_the_suppressed_hash(store: Arc<dyn Store>) {
    assert_eq!(
        store.check_key("key-a".into(), T0).await.unwrap(),
        KeyCheck::Recorded
    );
    let id = sign_up(&store, LIST, 1, T0).await;
    let ConfirmOutcome::Confirmed {
        manage_token_id, ..
    } = confirm(&store, id, T0 + 1).await
    else {
        panic!("not confirmed");
    };
    send_all(&store, T0 + 2).await;

    assert_eq!(
        store.erase(id, "admin:1".into(), T0 + HOUR).await.unwrap(),
        Some(LIST.to_owned())
    );
    assert!(store.subscriber(id).await.unwrap().is_none());
    assert!(store.token(manage_token_id).await.unwrap().is_none());
    assert!(store.confirmation_token(id).await.unwrap().is_none());
    assert_eq!(store.find_person(LIST, index(1)).await.unwrap(), None);
    assert_eq!(store.place_in_line(id).await.unwrap(), None);
    assert!(
        store
            .people_page(LIST, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(export(&store, LIST).await.is_empty());
    assert!(store.count_by_status(LIST).await.unwrap().is_empty());
    assert!(store.claim_mail(claim(T0 + DAY)).await.unwrap().is_empty());

    // Erasing again is harmless.
    assert_eq!(
        store
            .erase(id, "admin:1".into(), T0 + 2 * HOUR)
            .await
            .unwrap(),
        None
    );
    let log = store.audit_log().await.unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].action, "erase");
    assert_eq!(log[0].actor, "admin:1");
    assert_eq!(log[0].subject, format!("subscriber:{id}"));
    assert_eq!(log[0].at, T0 + HOUR);
    assert_eq!(log[0].rows, 1);
    assert_eq!(counter(&store, "erasures").await, 1);
    // What stays is keyed with the secret key: another key may not take over.
    assert_eq!(
        store.check_key("key-b".into(), T0 + DAY).await.unwrap(),
        KeyCheck::Differs
    );
}

async fn ids_are_never_reused_after_an_erasure(store: Arc<dyn Store>) {
    sign_up(&store, LIST, 1, T0).await;
    sign_up(&store, LIST, 2, T0).await;
    let last = sign_up(&store, LIST, 3, T0).await;
    store.erase(last, "cli".into(), T0 + 1).await.unwrap();
    let next = sign_up(&store, LIST, 4, T0 + 2).await;
    assert!(
        next > last,
        "id {next} after erasing {last}: a link to {last} could open {next}"
    );
    store.erase(next, "cli".into(), T0 + 3).await.unwrap();
    let other_list = sign_up(&store, OTHER, 5, T0 + 4).await;
    assert!(other_list > next);
}

async fn a_new_manage_link_goes_once_a_day_to_each_confirmed_person_with_the_address(
    store: Arc<dyn Store>,
) {
    let on_list = confirmed(&store, LIST, 1, T0).await;
    let on_other = confirmed(&store, OTHER, 1, T0 + DAY + 1).await;
    let pending = sign_up(&store, LIST, 2, T0).await;
    let ask = |who: u32, now: Millis| AccessRequest {
        email_index: index(who),
        all_lists: all_lists(),
        token: new_token(now + DAY),
        now,
        interval: DAY,
    };
    assert_eq!(store.request_access(ask(1, T0 + 2 * DAY)).await.unwrap(), 2);
    assert_eq!(
        store
            .request_access(ask(1, T0 + 3 * DAY - 1))
            .await
            .unwrap(),
        0,
        "a visitor cannot spend someone's mails"
    );
    assert_eq!(store.request_access(ask(2, T0 + 2 * DAY)).await.unwrap(), 0);
    assert_eq!(store.request_access(ask(3, T0 + 2 * DAY)).await.unwrap(), 0);
    assert_eq!(
        store
            .request_access(ask(1, T0 + 3 * DAY + 1))
            .await
            .unwrap(),
        2
    );
    for id in [on_list, on_other] {
        assert_eq!(
            mail_states(&store, id, "access").await,
            ["queued", "queued"]
        );
    }
    assert!(mail_states(&store, pending, "access").await.is_empty());
    // Each carries a manage link of its own person.
    let jobs = store
        .claim_mail(claim_with(T0 + 3 * DAY + 2, 10, 100))
        .await
        .unwrap();
    let access: Vec<_> = jobs
        .iter()
        .filter(|j| j.kind == quietlist::store::MailKind::Access)
        .collect();
    assert!(!access.is_empty());
    for job in access {
        let MailToken {
            purpose,
            id: token_id,
            ..
        } = job.token.clone().unwrap();
        assert_eq!(purpose, quietlist::domain::TokenPurpose::Manage);
        let token = store.token(token_id).await.unwrap().unwrap();
        assert_eq!(token.subscriber_id, job.subscriber_id);
    }
}

fn entry(at: Millis, action: &str, subject: &str) -> AuditEntry {
    AuditEntry {
        at,
        actor: "cli".into(),
        action: action.into(),
        subject: subject.into(),
        rows: 3,
        detail: format!("{action} {subject}"),
    }
}

async fn the_audit_log_reads_back_in_the_order_it_was_written(store: Arc<dyn Store>) {
    // Clocks of two nodes disagree: the order is the order of writing, not of `at`.
    store.audit(entry(T0 + 30, "export", LIST)).await.unwrap();
    store.audit(entry(T0 + 10, "import", OTHER)).await.unwrap();
    store
        .audit(entry(T0 + 20, "settings", "site"))
        .await
        .unwrap();
    store.audit(entry(T0 + 20, "export", OTHER)).await.unwrap();
    let log = store.audit_log().await.unwrap();
    let got: Vec<_> = log
        .iter()
        .map(|e| (e.at, e.action.as_str(), e.subject.as_str(), e.rows))
        .collect();
    assert_eq!(
        got,
        [
            (T0 + 30, "export", LIST, 3),
            (T0 + 10, "import", OTHER, 3),
            (T0 + 20, "settings", "site", 3),
            (T0 + 20, "export", OTHER, 3),
        ]
    );
    assert_eq!(log[1].detail, format!("import {OTHER}"));
    assert_eq!(log[1].actor, "cli");
    assert_eq!(counter(&store, "exports").await, 2);
    assert_eq!(counter(&store, "imports").await, 1);
}

async fn retention_deletes_exactly_what_has_outlived_its_period(store: Arc<dyn Store>) {
    let now = T0 + 100 * DAY;
    // Confirmed before its confirmation went (skipped), welcome sent: both 100 days old.
    let kept = sign_up(&store, LIST, 1, T0).await;
    let ConfirmOutcome::Confirmed {
        manage_token_id, ..
    } = confirm(&store, kept, T0 + 1).await
    else {
        panic!("not confirmed");
    };
    send_all(&store, T0 + 2).await;
    let erased = confirmed(&store, LIST, 2, T0 + 3).await;
    store.erase(erased, "cli".into(), T0 + 4).await.unwrap();
    let old_pending = sign_up(&store, LIST, 3, now - 8 * DAY).await;
    let new_pending = sign_up(&store, OTHER, 4, now - DAY).await;

    let policy = RetentionPolicy {
        now,
        pending: 7 * DAY,
        mail_history: 60 * DAY,
        consent_after_erasure: 30 * DAY,
        expired_links: 7 * DAY,
        lists: all_lists(),
    };
    let report = store.apply_retention(policy.clone()).await.unwrap();
    assert_eq!(
        report,
        RetentionReport {
            pending_deleted: 1,
            mails_deleted: 2,
            consents_deleted: 1,
            links_deleted: 1,
        }
    );
    assert!(store.subscriber(old_pending).await.unwrap().is_none());
    let young = store.subscriber(new_pending).await.unwrap().unwrap();
    assert_eq!(young.mails.len(), 1, "a queued mail is never deleted");
    let person = store.subscriber(kept).await.unwrap().unwrap();
    assert_eq!(person.status, Status::Confirmed);
    assert!(person.mails.is_empty());
    assert_eq!(person.consents.len(), 1, "a standing consent is kept");
    assert!(store.token(manage_token_id).await.unwrap().is_none());
    assert_eq!(
        store.apply_retention(policy).await.unwrap(),
        RetentionReport::default()
    );
}
