//! A list as a whole: importing, the kept counts by status, and the streamed export.

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{
    ConsentContext, DAY, HOUR, ImportBatch, ImportReport, ImportRow, InviteRequest, MailKind,
    Millis, Store,
};

use crate::fixtures::*;

contract! {
    an_import_adds_new_people_and_leaves_known_and_erased_addresses_alone,
    count_by_status_equals_a_real_count_of_the_list,
    the_export_streams_the_line_in_order_then_everyone_else_by_signup,
    a_long_export_streams_every_row_and_a_dropped_one_frees_the_store,
}

fn import_row(who: u32, consented_at: Option<Millis>) -> ImportRow {
    ImportRow {
        line: u64::from(who),
        email_index: index(who),
        email_sealed: sealed(who),
        name_sealed: None,
        fields_sealed: Some(format!("fields-{who}").into_bytes()),
        consent: consented_at.map(|at| ConsentContext {
            form: "import:old-tool".into(),
            text_hash: "beef".into(),
            text: "Yes, tell me when the course opens.".into(),
            client_ip: None,
            submitted_at: at,
        }),
        confirm_seed: [who as u8; 16],
    }
}

fn batch(rows: Vec<ImportRow>, now: Millis) -> ImportBatch {
    ImportBatch {
        list: LIST.into(),
        rows,
        now,
        confirm_link_ttl: 7 * DAY,
        list_consent: (
            "c0ffee".into(),
            "I agree to get mail about the course.".into(),
        ),
    }
}

async fn an_import_adds_new_people_and_leaves_known_and_erased_addresses_alone(
    store: Arc<dyn Store>,
) {
    let known = sign_up(&store, LIST, 1, T0).await;
    let erased = sign_up(&store, LIST, 2, T0).await;
    store.erase(erased, "cli".into(), T0 + 1).await.unwrap();
    let ahead = confirmed(&store, LIST, 6, T0 + 2).await;
    let now = T0 + HOUR;
    let report = store
        .import_batch(batch(
            vec![
                import_row(1, None),
                import_row(2, Some(T0 - DAY)),
                import_row(3, None),
                import_row(4, Some(T0 - 2 * DAY)),
                import_row(5, Some(T0 - DAY)),
            ],
            now,
        ))
        .await
        .unwrap();
    assert_eq!(
        report,
        ImportReport {
            added: 3,
            confirmed: 2,
            already_there: 1,
            suppressed: 1,
            confirmations_queued: 1,
        }
    );
    assert_eq!(status(&store, known).await, Some(Status::Pending));
    assert_eq!(store.find_person(LIST, index(2)).await.unwrap(), None);

    let pending = store.find_person(LIST, index(3)).await.unwrap().unwrap();
    let person = store.subscriber(pending).await.unwrap().unwrap();
    assert_eq!(person.status, Status::Pending);
    assert_eq!(person.fields_sealed, Some(b"fields-3".to_vec()));
    assert_eq!(
        mail_states(&store, pending, "confirmation").await,
        ["queued"]
    );
    let link = store.confirmation_token(pending).await.unwrap().unwrap();
    assert_eq!((link.seed, link.expires_at), (vec![3; 16], now + 7 * DAY));

    let with_consent = store.find_person(LIST, index(4)).await.unwrap().unwrap();
    let person = store.subscriber(with_consent).await.unwrap().unwrap();
    assert_eq!(person.status, Status::Confirmed);
    assert_eq!(person.signed_up_at, T0 - 2 * DAY);
    assert_eq!(person.confirmed_at, Some(now));
    assert!(
        person.mails.is_empty(),
        "no mail to someone imported as confirmed"
    );
    assert_eq!(person.consents.len(), 1);
    assert_eq!(person.consents[0].form, "import:old-tool");
    assert_eq!(
        person.consents[0].text,
        "Yes, tell me when the course opens."
    );
    assert_eq!(person.consents[0].submitted_at, T0 - 2 * DAY);
    // Imported people join the end of the line, in file order.
    assert_eq!(store.place_in_line(ahead).await.unwrap(), Some(1));
    assert_eq!(person.place_in_line, Some(2));
    let last = store.find_person(LIST, index(5)).await.unwrap().unwrap();
    assert_eq!(store.place_in_line(last).await.unwrap(), Some(3));

    let imported = store
        .daily_stats("2027-01-15".into())
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.metric == "imported")
        .map(|s| (s.scope, s.value));
    assert_eq!(imported, Some((LIST.into(), 3)));
}

fn sorted(mut counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    counts.sort();
    counts
}

async fn count_by_status_equals_a_real_count_of_the_list(store: Arc<dyn Store>) {
    let ids = line_of(&store, 7).await;
    store
        .ensure_cohort(LIST, "spring", 10, None, T0)
        .await
        .unwrap();
    let now = T0 + DAY;
    let invite = |count, expires_at| InviteRequest {
        list: LIST.into(),
        cohort: "spring".into(),
        count,
        overbook: false,
        now,
        expires_at,
        cap: 100,
        cap_window: CAP_WINDOW,
        all_lists: all_lists(),
    };
    store.invite_next(invite(3, now + 7 * DAY)).await.unwrap();
    store.invite_next(invite(1, now + 1)).await.unwrap();
    let tokens: Vec<(i64, i64)> = send_all_with(&store, claim_with(now, 100, 1000))
        .await
        .into_iter()
        .filter(|j| j.kind == MailKind::Invite)
        .filter_map(|j| j.token.map(|t| (j.subscriber_id, t.id)))
        .collect();
    let token_of = |id: i64| {
        tokens
            .iter()
            .rev()
            .find(|(p, _)| *p == id)
            .map(|(_, t)| *t)
            .unwrap()
    };
    store
        .respond_to_invitation(token_of(ids[0]), true, now + 2)
        .await
        .unwrap();
    store
        .respond_to_invitation(token_of(ids[1]), false, now + 2)
        .await
        .unwrap();
    assert_eq!(store.expire_invitations(now + 3).await.unwrap(), 1);
    store.unsubscribe(ids[6], now + 4).await.unwrap();
    let gone = confirmed(&store, LIST, 8, now).await;
    store.erase(gone, "cli".into(), now + 5).await.unwrap();
    sign_up(&store, LIST, 9, now).await;
    sign_up(&store, LIST, 10, now).await;
    sign_up(&store, OTHER, 11, now).await;

    let kept = store.count_by_status(LIST).await.unwrap();
    let mut counted: Vec<(String, u64)> = Vec::new();
    for row in export(&store, LIST).await {
        match counted.iter_mut().find(|(s, _)| s == row.status.as_str()) {
            Some((_, n)) => *n += 1,
            None => counted.push((row.status.as_str().to_owned(), 1)),
        }
    }
    assert_eq!(
        sorted(kept.clone()),
        sorted(counted),
        "kept counts differ from a real count"
    );
    let expected: Vec<(String, u64)> = [
        ("accepted", 1),
        ("confirmed", 2),
        ("declined", 1),
        ("expired", 1),
        ("invited", 1),
        ("pending", 2),
        ("unsubscribed", 1),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_owned(), n))
    .collect();
    assert_eq!(sorted(kept), expected);
    assert_eq!(
        store.count_by_status(OTHER).await.unwrap(),
        [("pending".to_owned(), 1)]
    );
}

/// `n` people confirmed on LIST in order (who = 1..=n); their ids.
async fn line_of(store: &Arc<dyn Store>, n: u32) -> Vec<i64> {
    let mut ids = Vec::new();
    for who in 1..=n {
        ids.push(confirmed(store, LIST, who, T0 + i64::from(who)).await);
    }
    ids
}

async fn the_export_streams_the_line_in_order_then_everyone_else_by_signup(store: Arc<dyn Store>) {
    let ids = line_of(&store, 3).await;
    let pending = sign_up(&store, LIST, 4, T0 + 4).await;
    let fifth = confirmed(&store, LIST, 5, T0 + 5).await;
    // Person 3 brings person 6: moved up two places, to the front.
    let mut referred = signup(LIST, 6, T0 + 6);
    referred.referred_by = Some(ids[2]);
    let sixth = subscriber_id(store.record_signup(referred).await.unwrap());
    confirm(&store, sixth, T0 + 7).await;
    let left = confirmed(&store, LIST, 7, T0 + 8).await;
    store.unsubscribe(left, T0 + 9).await.unwrap();
    confirmed(&store, OTHER, 8, T0).await;

    let rows = export(&store, LIST).await;
    let got: Vec<(i64, Status, Option<u64>)> = rows
        .iter()
        .map(|r| (r.subscriber_id, r.status, r.position))
        .collect();
    assert_eq!(
        got,
        [
            (ids[2], Status::Confirmed, Some(1)),
            (ids[0], Status::Confirmed, Some(2)),
            (ids[1], Status::Confirmed, Some(3)),
            (fifth, Status::Confirmed, Some(4)),
            (sixth, Status::Confirmed, Some(5)),
            (pending, Status::Pending, None),
            (left, Status::Unsubscribed, None),
        ]
    );
    let first = &rows[0];
    assert_eq!(first.email_sealed, sealed(3));
    assert_eq!(first.name_sealed, Some(b"name-3".to_vec()));
    assert_eq!(
        (first.signed_up_at, first.confirmed_at),
        (T0 + 3, Some(T0 + 3))
    );
    assert_eq!(rows[5].confirmed_at, None);
    assert!(export(&store, THIRD).await.is_empty());
}

async fn a_long_export_streams_every_row_and_a_dropped_one_frees_the_store(store: Arc<dyn Store>) {
    // More rows than any reasonable channel or page holds at once.
    let rows = (1..=1200).map(|who| import_row(who, Some(T0))).collect();
    let report = store.import_batch(batch(rows, T0 + 1)).await.unwrap();
    assert_eq!(report.confirmed, 1200);
    let all = export(&store, LIST).await;
    assert_eq!(all.len(), 1200);
    for (i, row) in all.iter().enumerate() {
        assert_eq!(row.position, Some(i as u64 + 1));
        assert_eq!(
            who(&row.email_sealed),
            i as u32 + 1,
            "file order is line order"
        );
    }
    // A reader that goes away half-way (a closed download) leaves the store usable,
    // however many times it happens.
    for _ in 0..20 {
        let mut rx = store.export(LIST).await.unwrap();
        for _ in 0..10 {
            rx.recv().await.unwrap().unwrap();
        }
    }
    store.ready().await.unwrap();
    assert_eq!(export(&store, LIST).await.len(), 1200);
    sign_up(&store, LIST, 5000, T0 + 2).await;
    assert_eq!(
        store.count_by_status(LIST).await.unwrap(),
        [("confirmed".to_owned(), 1200), ("pending".to_owned(), 1)]
    );
}
