//! The owner's side: accounts, sessions, sign-in back-off, the people list, resending a
//! confirmation, the key check and the dashboard's daily figures.

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{DAY, DailyStat, HOUR, KeyCheck, LoginAttempt, Millis, Store};

use crate::fixtures::*;

contract! {
    owner_accounts_are_created_updated_and_removed,
    a_new_password_or_a_removed_account_ends_its_sessions,
    a_session_ends_after_its_idle_timeout_unless_used,
    a_session_ends_at_its_absolute_timeout_however_busy,
    parallel_sign_in_attempts_never_get_past_the_limit,
    a_forgiven_or_old_attempt_no_longer_counts,
    people_pages_walk_a_list_newest_first_without_gaps,
    a_confirmation_is_resent_only_to_someone_waiting_and_once_per_interval,
    the_key_check_records_keeps_refuses_and_replaces,
    daily_figures_add_up_per_day_scope_and_metric,
}

const MINUTE: Millis = 60_000;
const IDLE: Millis = 30 * MINUTE;
const ABSOLUTE: Millis = 12 * HOUR;

async fn owner_accounts_are_created_updated_and_removed(store: Arc<dyn Store>) {
    assert!(
        store
            .admin_upsert(index(1), sealed(1), "h1".into(), T0)
            .await
            .unwrap()
    );
    let (id, hash) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    assert_eq!(hash, "h1");
    assert!(
        !store
            .admin_upsert(index(1), sealed(1), "h2".into(), T0 + 1)
            .await
            .unwrap()
    );
    assert_eq!(
        store.admin_credentials(index(1)).await.unwrap(),
        Some((id, "h2".to_owned()))
    );
    assert!(
        store
            .admin_upsert(index(2), sealed(2), "h".into(), T0 + 2)
            .await
            .unwrap()
    );
    let admins = store.admins().await.unwrap();
    assert_eq!(admins.len(), 2);
    assert_eq!(admins[0].id, id);
    assert_eq!(admins[0].email_sealed, sealed(1));
    assert_eq!(
        admins[0].created_at, T0,
        "a new password is not a new account"
    );
    assert!(
        store
            .admin_set_password(index(1), "h3".into(), T0 + 3)
            .await
            .unwrap()
    );
    assert_eq!(
        store.admin_credentials(index(1)).await.unwrap(),
        Some((id, "h3".to_owned()))
    );
    assert!(
        !store
            .admin_set_password(index(9), "h".into(), T0 + 3)
            .await
            .unwrap()
    );
    assert!(store.admin_remove(index(1)).await.unwrap());
    assert!(!store.admin_remove(index(1)).await.unwrap());
    assert_eq!(store.admin_credentials(index(1)).await.unwrap(), None);
    assert_eq!(store.admins().await.unwrap().len(), 1);
}

async fn a_new_password_or_a_removed_account_ends_its_sessions(store: Arc<dyn Store>) {
    store
        .admin_upsert(index(1), sealed(1), "h1".into(), T0)
        .await
        .unwrap();
    let (id, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    let check = |session: [u8; 32], now| store.session_check(session, now, IDLE, ABSOLUTE);

    store.session_create([1; 32], id, T0).await.unwrap();
    assert_eq!(check([1; 32], T0 + 1).await.unwrap(), Some(id));
    store
        .admin_set_password(index(1), "h2".into(), T0 + 2)
        .await
        .unwrap();
    assert_eq!(check([1; 32], T0 + 3).await.unwrap(), None);

    store.session_create([2; 32], id, T0 + 4).await.unwrap();
    store
        .admin_upsert(index(1), sealed(1), "h3".into(), T0 + 5)
        .await
        .unwrap();
    assert_eq!(check([2; 32], T0 + 6).await.unwrap(), None);

    store.session_create([3; 32], id, T0 + 7).await.unwrap();
    store.session_create([4; 32], id, T0 + 7).await.unwrap();
    store.session_delete([3; 32]).await.unwrap();
    assert_eq!(check([3; 32], T0 + 8).await.unwrap(), None, "signed out");
    assert_eq!(check([4; 32], T0 + 8).await.unwrap(), Some(id));
    store.admin_remove(index(1)).await.unwrap();
    assert_eq!(check([4; 32], T0 + 9).await.unwrap(), None);
    assert_eq!(check([5; 32], T0 + 9).await.unwrap(), None, "never created");
}

async fn a_session_ends_after_its_idle_timeout_unless_used(store: Arc<dyn Store>) {
    store
        .admin_upsert(index(1), sealed(1), "h".into(), T0)
        .await
        .unwrap();
    let (id, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    store.session_create([1; 32], id, T0).await.unwrap();
    let check = |now| store.session_check([1; 32], now, IDLE, ABSOLUTE);
    assert_eq!(check(T0 + 29 * MINUTE).await.unwrap(), Some(id));
    // Used at minute 29, so alive at minute 58 although older than the idle timeout.
    assert_eq!(check(T0 + 58 * MINUTE).await.unwrap(), Some(id));
    assert_eq!(
        check(T0 + 89 * MINUTE).await.unwrap(),
        None,
        "31 idle minutes"
    );
}

async fn a_session_ends_at_its_absolute_timeout_however_busy(store: Arc<dyn Store>) {
    store
        .admin_upsert(index(1), sealed(1), "h".into(), T0)
        .await
        .unwrap();
    let (id, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    store.session_create([1; 32], id, T0).await.unwrap();
    let mut now = T0;
    while now + 20 * MINUTE < T0 + ABSOLUTE {
        now += 20 * MINUTE;
        assert_eq!(
            store
                .session_check([1; 32], now, IDLE, ABSOLUTE)
                .await
                .unwrap(),
            Some(id)
        );
    }
    assert_eq!(
        store
            .session_check([1; 32], T0 + ABSOLUTE + 1, IDLE, ABSOLUTE)
            .await
            .unwrap(),
        None
    );
}

fn keys() -> Vec<(String, u64)> {
    vec![("ip:192.0.2.1".into(), 5), ("owner:someone".into(), 20)]
}

async fn parallel_sign_in_attempts_never_get_past_the_limit(store: Arc<dyn Store>) {
    let since = T0 - 15 * MINUTE;
    let attempts: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.begin_login_attempt(keys(), T0, since).await })
        })
        .collect();
    let mut admitted = 0;
    for attempt in attempts {
        match attempt.await.unwrap().unwrap() {
            LoginAttempt::Admitted { attempt_ids } => {
                assert_eq!(attempt_ids.len(), 2, "one row per key");
                admitted += 1;
            }
            LoginAttempt::Throttled { until } => assert_eq!(until, T0 + 15 * MINUTE),
        }
    }
    assert_eq!(admitted, 5, "limit 5 on the network's key");
}

async fn a_forgiven_or_old_attempt_no_longer_counts(store: Arc<dyn Store>) {
    // As the caller does: the window ends now and began 15 minutes ago.
    let attempt = |now: Millis| store.begin_login_attempt(keys(), now, now - 15 * MINUTE);
    let mut last = Vec::new();
    for i in 0..5 {
        match attempt(T0 + i).await.unwrap() {
            LoginAttempt::Admitted { attempt_ids } => last = attempt_ids,
            other => panic!("attempt {i}: {other:?}"),
        }
    }
    assert_eq!(
        attempt(T0 + 5).await.unwrap(),
        LoginAttempt::Throttled {
            until: T0 + 15 * MINUTE
        },
        "until the oldest attempt is 15 minutes old"
    );
    // The last one's password was right: it counts against no one.
    store.forgive_login_attempt(last).await.unwrap();
    assert!(matches!(
        attempt(T0 + 6).await.unwrap(),
        LoginAttempt::Admitted { .. }
    ));
    assert!(matches!(
        attempt(T0 + 7).await.unwrap(),
        LoginAttempt::Throttled { .. }
    ));
    // A quarter of an hour after the first, it no longer counts: one more may try.
    assert!(matches!(
        attempt(T0 + 15 * MINUTE + 1).await.unwrap(),
        LoginAttempt::Admitted { .. }
    ));
    // A minute later all the early ones are forgotten: four more, then the limit.
    for i in 0..4 {
        let now = T0 + 16 * MINUTE + i;
        assert!(
            matches!(attempt(now).await.unwrap(), LoginAttempt::Admitted { .. }),
            "attempt {i} after the window"
        );
    }
    assert!(matches!(
        attempt(T0 + 16 * MINUTE + 4).await.unwrap(),
        LoginAttempt::Throttled { .. }
    ));
}

async fn people_pages_walk_a_list_newest_first_without_gaps(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for who in 1..=7u32 {
        let id = if who % 2 == 1 {
            confirmed(&store, LIST, who, T0 + i64::from(who)).await
        } else {
            sign_up(&store, LIST, who, T0 + i64::from(who)).await
        };
        ids.push(id);
    }
    sign_up(&store, OTHER, 8, T0).await;
    sign_up(&store, OTHER, 9, T0).await;

    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = Vec::new();
    loop {
        let page = store.people_page(LIST, None, after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        pages.push(page.len());
        after = page.last().map(|p| p.id);
        seen.extend(page);
    }
    assert_eq!(pages, [3, 3, 1]);
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen.iter().map(|p| p.id).collect::<Vec<_>>(), newest_first);
    let third = seen.iter().find(|p| p.id == ids[2]).unwrap();
    assert_eq!(third.email_sealed, sealed(3));
    assert_eq!(third.status, Status::Confirmed);
    assert_eq!(third.signed_up_at, T0 + 3);
    assert_eq!(third.confirmed_at, Some(T0 + 3));
    assert_eq!(third.referral_credits, 0);

    let confirmed_only: Vec<i64> = store
        .people_page(LIST, Some(Status::Confirmed), None, 2)
        .await
        .unwrap()
        .into_iter()
        .chain(
            store
                .people_page(LIST, Some(Status::Confirmed), Some(ids[4]), 10)
                .await
                .unwrap(),
        )
        .map(|p| p.id)
        .collect();
    assert_eq!(confirmed_only, [ids[6], ids[4], ids[2], ids[0]]);
    let pending = store
        .people_page(LIST, Some(Status::Pending), None, 10)
        .await
        .unwrap();
    assert!(pending.iter().all(|p| p.status == Status::Pending));
    assert_eq!(pending.len(), 3);
    assert!(
        store
            .people_page(LIST, Some(Status::Invited), None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store.find_person(LIST, index(3)).await.unwrap(),
        Some(ids[2])
    );
    assert_eq!(store.find_person(OTHER, index(3)).await.unwrap(), None);
    assert_eq!(store.find_person(LIST, index(42)).await.unwrap(), None);
}

async fn a_confirmation_is_resent_only_to_someone_waiting_and_once_per_interval(
    store: Arc<dyn Store>,
) {
    let id = sign_up(&store, LIST, 1, T0).await;
    let within = new_token(T0 + HOUR + CONFIRM_TTL);
    assert!(
        !store
            .resend_confirmation(id, within, T0 + HOUR, DAY)
            .await
            .unwrap()
    );
    let token = new_token(T0 + DAY + 1 + CONFIRM_TTL);
    let seed = token.seed;
    assert!(
        store
            .resend_confirmation(id, token, T0 + DAY + 1, DAY)
            .await
            .unwrap()
    );
    let link = store.confirmation_token(id).await.unwrap().unwrap();
    assert_eq!(link.seed, seed.to_vec());
    assert_eq!(link.expires_at, T0 + DAY + 1 + CONFIRM_TTL);
    assert_eq!(mail_states(&store, id, "confirmation").await.len(), 2);
    let again = new_token(T0 + DAY + 2);
    assert!(
        !store
            .resend_confirmation(id, again, T0 + DAY + 2, DAY)
            .await
            .unwrap()
    );

    let done = confirmed(&store, LIST, 2, T0).await;
    let token = new_token(T0 + 3 * DAY);
    assert!(
        !store
            .resend_confirmation(done, token, T0 + 2 * DAY, DAY)
            .await
            .unwrap()
    );
    let token = new_token(T0 + 3 * DAY);
    assert!(
        !store
            .resend_confirmation(id + 1000, token, T0 + 2 * DAY, DAY)
            .await
            .unwrap()
    );
}

async fn the_key_check_records_keeps_refuses_and_replaces(store: Arc<dyn Store>) {
    assert_eq!(
        store.check_key("aa".into(), T0).await.unwrap(),
        KeyCheck::Recorded
    );
    assert_eq!(
        store.check_key("aa".into(), T0 + 1).await.unwrap(),
        KeyCheck::Matches
    );
    // Nothing written with "aa" yet: another key may take its place.
    assert_eq!(
        store.check_key("bb".into(), T0 + 2).await.unwrap(),
        KeyCheck::Replaced
    );
    assert_eq!(
        store.check_key("bb".into(), T0 + 3).await.unwrap(),
        KeyCheck::Matches
    );
    sign_up(&store, LIST, 1, T0).await;
    assert_eq!(
        store.check_key("cc".into(), T0 + 4).await.unwrap(),
        KeyCheck::Differs
    );
    // Refusing changed nothing.
    assert_eq!(
        store.check_key("bb".into(), T0 + 5).await.unwrap(),
        KeyCheck::Matches
    );
}

fn stat(day: &str, scope: &str, metric: &str, value: i64) -> DailyStat {
    DailyStat {
        day: day.into(),
        scope: scope.into(),
        metric: metric.into(),
        value,
    }
}

fn plain(stats: Vec<DailyStat>) -> Vec<(String, String, String, i64)> {
    let mut rows: Vec<_> = stats
        .into_iter()
        .map(|s| (s.day, s.scope, s.metric, s.value))
        .collect();
    rows.sort();
    rows
}

async fn daily_figures_add_up_per_day_scope_and_metric(store: Arc<dyn Store>) {
    store
        .add_daily(vec![
            stat("2026-12-02", LIST, "visits", 3),
            stat("2026-12-01", LIST, "visits", 1),
            stat("2026-12-02", LIST, "visits", 2),
            stat("2026-12-02", OTHER, "visits", 7),
        ])
        .await
        .unwrap();
    let all = store.daily_stats("2026-12-01".into()).await.unwrap();
    let days: Vec<&str> = all.iter().map(|s| s.day.as_str()).collect();
    let mut sorted = days.clone();
    sorted.sort();
    assert_eq!(days, sorted, "oldest day first");
    assert_eq!(
        plain(store.daily_stats("2026-12-02".into()).await.unwrap()),
        [
            ("2026-12-02".into(), OTHER.into(), "visits".into(), 7),
            ("2026-12-02".into(), LIST.into(), "visits".into(), 5),
        ]
    );
    // Signups and confirmations count on the UTC day they happen (T0 is 2027-01-15).
    let id = sign_up(&store, LIST, 1, T0).await;
    sign_up(&store, LIST, 1, T0 + 1).await;
    confirm(&store, id, T0 + 2).await;
    assert_eq!(
        plain(store.daily_stats("2027-01-15".into()).await.unwrap()),
        [
            ("2027-01-15".into(), LIST.into(), "confirmations".into(), 1),
            ("2027-01-15".into(), LIST.into(), "submissions".into(), 2),
        ]
    );
}
