//! The PostgreSQL store against a real server, when `QUIETLIST_TEST_POSTGRES_URL` names
//! one (a role that may create databases); skipped with a notice otherwise. Each test
//! gets a database of its own. Two stores on one database stand for two nodes: each has
//! its own pool, so their transactions meet only in PostgreSQL.

use std::time::Duration;

use std::sync::Arc;

use super::{PostgresOptions, PostgresStore};
use crate::domain::{Status, TokenPurpose};
use crate::store::{
    AccessRequest, ConfirmOutcome, Confirmation, ConsentContext, DAY, ImportBatch, ImportRow,
    InviteRequest, InviteResponse, LoginAttempt, MailAttempt, MailClaim, MailKind, NewSignup,
    NewToken, SignupOutcome, Store,
};

const LIST: &str = "pilot-course";
const NOW: i64 = 1_700_000_000_000;

async fn fresh_database() -> Option<String> {
    let Ok(admin) = std::env::var("QUIETLIST_TEST_POSTGRES_URL") else {
        eprintln!("skipped: set QUIETLIST_TEST_POSTGRES_URL to test the PostgreSQL store");
        return None;
    };
    Some(super::testing::fresh_database(&admin).await.unwrap())
}

/// `nodes` stores on one new database.
async fn nodes(n: usize) -> Option<Vec<Arc<PostgresStore>>> {
    let url = fresh_database().await?;
    let mut stores = Vec::new();
    // These tests are about who wins a race, not how fast: on a test machine running
    // many suites at once, twenty turns on one lock can pass the production limits.
    let roomy = PostgresOptions {
        wait_timeout: Duration::from_secs(20),
        statement_timeout: Duration::from_secs(20),
        lock_timeout: Duration::from_secs(20),
        operation_timeout: Duration::from_secs(30),
        ..PostgresOptions::default()
    };
    for _ in 0..n {
        stores.push(PostgresStore::connect(&url, &roomy).await.unwrap());
    }
    Some(stores)
}

fn index(n: u8) -> [u8; 32] {
    [n; 32]
}

fn signup(n: u8, now: i64) -> NewSignup {
    NewSignup {
        language: "en".into(),
        list: LIST.into(),
        email_index: index(n),
        email_sealed: vec![n, 1],
        name_sealed: None,
        fields_sealed: None,
        all_lists: vec![LIST.into(), "other".into()],
        confirm_token: NewToken {
            seed: [n; 16],
            expires_at: now + DAY,
        },
        consent: ConsentContext {
            form: "report:x".into(),
            text_hash: "h".into(),
            text: "we will never spam you".into(),
            client_ip: None,
            submitted_at: now,
        },
        referred_by: None,
        referral_index: index(n),
        now,
        confirmation_interval: DAY,
    }
}

fn confirmation(subscriber_id: i64, now: i64) -> Confirmation {
    Confirmation {
        subscriber_id,
        now,
        manage_token: NewToken {
            seed: [9; 16],
            expires_at: now + 30 * DAY,
        },
        referral_boost: 1,
    }
}

fn claim(now: i64) -> MailClaim {
    MailClaim {
        now,
        limit: 100,
        lease_ms: 60_000,
        cap: 4,
        cap_window: 30 * DAY,
        all_lists: vec![LIST.into(), "other".into()],
        confirmation_interval: DAY,
    }
}

fn sent(mail_id: i64, at: i64) -> MailAttempt {
    MailAttempt {
        mail_id,
        at,
        error: None,
        retry_at: None,
        address_refused: None,
    }
}

fn id_of(outcome: SignupOutcome) -> i64 {
    match outcome {
        SignupOutcome::ConfirmationQueued { subscriber_id }
        | SignupOutcome::Throttled { subscriber_id }
        | SignupOutcome::AlreadyConsented { subscriber_id } => subscriber_id,
    }
}

/// Signs up and confirms person `n`; their id.
async fn confirmed(store: &PostgresStore, n: u8, now: i64) -> i64 {
    let id = id_of(store.record_signup(signup(n, now)).await.unwrap());
    let outcome = store.confirm(confirmation(id, now + 1)).await.unwrap();
    assert!(
        matches!(outcome, ConfirmOutcome::Confirmed { .. }),
        "{outcome:?}"
    );
    id
}

fn invite_request(cohort: &str, count: u32, overbook: bool, now: i64) -> InviteRequest {
    InviteRequest {
        list: LIST.into(),
        cohort: cohort.into(),
        count,
        overbook,
        now,
        expires_at: now + 7 * DAY,
        cap: 4,
        cap_window: 30 * DAY,
        all_lists: vec![LIST.into()],
    }
}

#[tokio::test]
async fn a_person_goes_from_signup_to_erasure_and_every_step_is_kept() {
    let Some(stores) = nodes(1).await else { return };
    let store = &stores[0];
    store.ready().await.unwrap();

    let id = id_of(store.record_signup(signup(1, NOW)).await.unwrap());
    assert_eq!(
        store.record_signup(signup(1, NOW + 5)).await.unwrap(),
        SignupOutcome::Throttled { subscriber_id: id },
        "one confirmation mail a day, counted from the signup that queued it"
    );
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.status, Status::Pending);
    assert_eq!(link.seed, vec![1; 16]);

    let jobs = store.claim_mail(claim(NOW + 10)).await.unwrap();
    assert_eq!(jobs.len(), 1, "one confirmation mail");
    assert_eq!(jobs[0].kind, MailKind::Confirmation);
    assert!(
        store.claim_mail(claim(NOW + 11)).await.unwrap().is_empty(),
        "leased"
    );
    store
        .record_attempts(vec![sent(jobs[0].id, NOW + 12)])
        .await
        .unwrap();
    assert!(matches!(
        store.record_signup(signup(1, NOW + 20)).await.unwrap(),
        SignupOutcome::Throttled { .. }
    ));

    let ConfirmOutcome::Confirmed {
        manage_token_id, ..
    } = store.confirm(confirmation(id, NOW + 30)).await.unwrap()
    else {
        panic!("not confirmed");
    };
    assert!(matches!(
        store.confirm(confirmation(id, NOW + 31)).await.unwrap(),
        ConfirmOutcome::AlreadyConfirmed { .. }
    ));
    let manage = store.token(manage_token_id).await.unwrap().unwrap();
    assert_eq!(manage.purpose, TokenPurpose::Manage);
    assert_eq!(store.place_in_line(id).await.unwrap(), Some(1));
    let welcome = store.claim_mail(claim(NOW + 40)).await.unwrap();
    assert_eq!(welcome.len(), 1);
    assert_eq!(welcome[0].kind, MailKind::Welcome);
    assert_eq!(welcome[0].place_in_line, Some(1));
    store
        .record_attempts(vec![sent(welcome[0].id, NOW + 41)])
        .await
        .unwrap();

    store
        .ensure_cohort(LIST, "spring", 2, Some("2025-03-01".into()), NOW)
        .await
        .unwrap();
    let report = store
        .invite_next(invite_request("spring", 5, false, NOW + 50))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            report.invited,
            report.free_seats_before,
            report.waiting_before
        ),
        (1, 2, 1)
    );
    let invite = store.claim_mail(claim(NOW + 60)).await.unwrap();
    assert_eq!(invite[0].kind, MailKind::Invite);
    let invite_token = invite[0].token.clone().unwrap().id;
    assert_eq!(
        store.invitation(invite_token).await.unwrap().unwrap().state,
        "invited"
    );
    assert!(matches!(
        store
            .respond_to_invitation(invite_token, true, NOW + 70)
            .await
            .unwrap(),
        InviteResponse::Accepted { .. }
    ));
    assert!(matches!(
        store
            .respond_to_invitation(invite_token, false, NOW + 71)
            .await
            .unwrap(),
        InviteResponse::AlreadyAnswered { .. }
    ));
    let cohort = &store.cohorts(LIST).await.unwrap()[0];
    assert_eq!((cohort.accepted, cohort.open), (1, 0));
    let counts = store.count_by_status(LIST).await.unwrap();
    assert_eq!(counts, vec![("accepted".to_owned(), 1)]);

    // Another person, still pending, for the export's second half.
    let other = id_of(store.record_signup(signup(2, NOW + 80)).await.unwrap());
    let mut rows = store.export(LIST).await.unwrap();
    let mut exported = Vec::new();
    while let Some(row) = rows.recv().await {
        exported.push(row.unwrap());
    }
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0].subscriber_id, id);
    assert_eq!(exported[1].subscriber_id, other);

    let record = store.subscriber(id).await.unwrap().unwrap();
    assert_eq!(record.consents.len(), 1);
    assert_eq!(record.consents[0].text, "we will never spam you");
    assert_eq!(record.mails.len(), 3, "confirmation, welcome, invitation");

    assert_eq!(
        store.erase(id, "cli".into(), NOW + 90).await.unwrap(),
        Some(LIST.to_owned())
    );
    assert!(store.subscriber(id).await.unwrap().is_none());
    assert!(
        store
            .erase(id, "cli".into(), NOW + 91)
            .await
            .unwrap()
            .is_none()
    );
    // The erased address keeps its limits: no new confirmation mail within the day.
    assert!(matches!(
        store.record_signup(signup(1, NOW + 100)).await.unwrap(),
        SignupOutcome::Throttled { subscriber_id } if subscriber_id > other
    ));
    let log = store.audit_log().await.unwrap();
    assert_eq!(log.last().unwrap().action, "erase");
    let counters = store.counters().await.unwrap();
    assert!(counters.contains(&("erasures".to_owned(), 1)));
    assert!(counters.contains(&("mails.confirmation".to_owned(), 1)));
}

#[tokio::test]
async fn the_same_address_signing_up_on_two_nodes_at_once_gets_one_confirmation() {
    let Some(stores) = nodes(2).await else { return };
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = stores[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            store.record_signup(signup(7, NOW + i as i64)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let jobs = stores[0].claim_mail(claim(NOW + 100)).await.unwrap();
    assert_eq!(jobs.len(), 1, "one confirmation mail goes");
    stores[0]
        .record_attempts(vec![sent(jobs[0].id, NOW + 101)])
        .await
        .unwrap();
    // After it went, no node queues another within the interval.
    let again = stores[1].record_signup(signup(7, NOW + 200)).await.unwrap();
    assert!(
        matches!(again, SignupOutcome::Throttled { .. }),
        "{again:?}"
    );
}

#[tokio::test]
async fn confirmations_on_two_nodes_at_once_get_distinct_places() {
    let Some(stores) = nodes(2).await else { return };
    let mut ids = Vec::new();
    for n in 0..16u8 {
        ids.push(id_of(
            stores[0].record_signup(signup(n, NOW)).await.unwrap(),
        ));
    }
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().copied().enumerate() {
        let store = stores[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            store.confirm(confirmation(id, NOW + 10)).await
        }));
    }
    for t in tasks {
        assert!(matches!(
            t.await.unwrap().unwrap(),
            ConfirmOutcome::Confirmed { .. }
        ));
    }
    let mut places = Vec::new();
    for id in ids {
        places.push(stores[1].place_in_line(id).await.unwrap().unwrap());
    }
    places.sort_unstable();
    assert_eq!(places, (1..=16).collect::<Vec<u64>>());
}

#[tokio::test]
async fn the_last_seat_goes_to_one_of_two_people_accepting_on_two_nodes() {
    let Some(stores) = nodes(2).await else { return };
    for n in 1..=6u8 {
        confirmed(&stores[0], n, NOW).await;
    }
    stores[0]
        .ensure_cohort(LIST, "tiny", 1, None, NOW)
        .await
        .unwrap();
    let report = stores[0]
        .invite_next(invite_request("tiny", 6, true, NOW + 10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.invited, 6);
    let mut tokens = Vec::new();
    for job in stores[0].claim_mail(claim(NOW + 20)).await.unwrap() {
        if job.kind == MailKind::Invite {
            tokens.push(job.token.unwrap().id);
        }
    }
    assert_eq!(tokens.len(), 6);
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let store = stores[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            store.respond_to_invitation(token, true, NOW + 30).await
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            InviteResponse::Accepted { .. } => accepted += 1,
            InviteResponse::Full { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(stores[1].cohorts(LIST).await.unwrap()[0].accepted, 1);
}

#[tokio::test]
async fn parallel_sign_in_attempts_on_two_nodes_cannot_pass_the_limit() {
    let Some(stores) = nodes(2).await else { return };
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = stores[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            store
                .begin_login_attempt(
                    vec![("account:x".into(), 5), ("net:10.0.0".into(), 10)],
                    NOW,
                    NOW - 15 * 60_000,
                )
                .await
        }));
    }
    let mut admitted = 0;
    for t in tasks {
        if matches!(t.await.unwrap().unwrap(), LoginAttempt::Admitted { .. }) {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5);
}

#[tokio::test]
async fn each_mail_is_claimed_by_one_node_and_an_expired_lease_by_another() {
    let Some(stores) = nodes(2).await else { return };
    for n in 0..40u8 {
        stores[0].record_signup(signup(n, NOW)).await.unwrap();
    }
    let small = |now| MailClaim {
        limit: 7,
        ..claim(now)
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    loop {
        let (x, y) = tokio::join!(
            stores[0].claim_mail(small(NOW + 1)),
            stores[1].claim_mail(small(NOW + 1))
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        if x.is_empty() && y.is_empty() {
            break;
        }
        a.extend(x.into_iter().map(|j| j.id));
        b.extend(y.into_iter().map(|j| j.id));
    }
    let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), a.len() + b.len(), "no mail claimed twice");
    assert_eq!(all.len(), 40);
    // The lease (60 s) runs out: another node takes the mail over, once.
    let again = stores[1].claim_mail(claim(NOW + 61_002)).await.unwrap();
    assert_eq!(again.len(), 40);
    assert!(again.iter().all(|j| j.attempts == 1));
    assert!(
        stores[0]
            .claim_mail(claim(NOW + 61_003))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn one_manage_link_a_day_whoever_asks_on_whichever_node() {
    let Some(stores) = nodes(2).await else { return };
    confirmed(&stores[0], 3, NOW).await;
    let ask = |now| AccessRequest {
        email_index: index(3),
        all_lists: vec![LIST.into(), "other".into()],
        token: NewToken {
            seed: [4; 16],
            expires_at: now + DAY,
        },
        now,
        interval: DAY,
    };
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = stores[i % 2].clone();
        let request = ask(NOW + 10 + i as i64);
        tasks.push(tokio::spawn(
            async move { store.request_access(request).await },
        ));
    }
    let mut queued = 0;
    for t in tasks {
        queued += t.await.unwrap().unwrap();
    }
    assert_eq!(queued, 1);
}

#[tokio::test]
async fn an_import_keeps_erased_addresses_out_and_numbers_the_line() {
    let Some(stores) = nodes(1).await else { return };
    let store = &stores[0];
    let erased = confirmed(store, 1, NOW).await;
    store.erase(erased, "cli".into(), NOW + 5).await.unwrap();
    let row = |n: u8, consent: bool| ImportRow {
        line: u64::from(n),
        email_index: index(n),
        email_sealed: vec![n],
        name_sealed: None,
        fields_sealed: None,
        consent: consent.then(|| ConsentContext {
            form: "import".into(),
            text_hash: "t".into(),
            text: "text".into(),
            client_ip: None,
            submitted_at: NOW - DAY,
        }),
        confirm_seed: [n; 16],
    };
    let report = store
        .import_batch(ImportBatch {
            list: LIST.into(),
            rows: vec![row(1, true), row(2, true), row(3, false), row(2, true)],
            now: NOW + 10,
            confirm_link_ttl: DAY,
            list_consent: ("t".into(), "text".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        (
            report.added,
            report.confirmed,
            report.suppressed,
            report.already_there
        ),
        (2, 1, 1, 1)
    );
    let two = store.find_person(LIST, index(2)).await.unwrap().unwrap();
    assert_eq!(store.place_in_line(two).await.unwrap(), Some(1));
    let page = store.people_page(LIST, None, None, 10).await.unwrap();
    assert_eq!(page.len(), 2);
    let pending = store
        .people_page(LIST, Some(Status::Pending), None, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
}

#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            PostgresStore::connect(&url, &PostgresOptions::default()).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap().ready().await.unwrap();
    }
}

#[tokio::test]
async fn a_database_that_is_not_there_answers_unavailable_quickly() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let store = PostgresStore::connect(&url, &PostgresOptions::default())
        .await
        .unwrap();
    let mut dead = url::Url::parse(&url).unwrap();
    // A port nothing listens on, with the same pool settings.
    dead.set_port(Some(1)).unwrap();
    let parsed = super::connection::parse_url(dead.as_str(), &PostgresOptions::default()).unwrap();
    let cut_off = PostgresStore {
        pool: super::connection::pool(parsed, &PostgresOptions::default()).unwrap(),
        options: PostgresOptions::default(),
        known_consent_texts: Default::default(),
    };
    let started = std::time::Instant::now();
    let err = cut_off.token(1).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(9));
    drop(store);
}
