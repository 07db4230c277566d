//! Building state through the trait: people identified by a small number, whose keyed
//! address hash and sealed address are made from it (a store never opens either).

use std::sync::Arc;

use quietlist::domain::Status;
use quietlist::store::{
    ConfirmOutcome, Confirmation, ConsentContext, DAY, ExportRow, HOUR, MailAttempt, MailClaim,
    MailJob, Millis, NewSignup, NewToken, SignupOutcome, Store,
};

pub const LIST: &str = "pilot-course";
pub const OTHER: &str = "other-list";
pub const THIRD: &str = "third-list";
pub const FOURTH: &str = "fourth-list";
pub const LISTS: [&str; 4] = [LIST, OTHER, THIRD, FOURTH];
/// A moment in 2027, far from the epoch, so that "a window ago" is never negative.
pub const T0: Millis = 1_800_000_000_000;
pub const CONFIRM_TTL: Millis = 48 * HOUR;
pub const CAP: u32 = 4;
pub const CAP_WINDOW: Millis = 30 * DAY;
pub const LEASE: Millis = 60_000;

/// The keyed hash of person `who`'s address.
pub fn index(who: u32) -> [u8; 32] {
    let mut index = [0x51; 32];
    index[..4].copy_from_slice(&who.to_be_bytes());
    index
}

/// Person `who`'s address, "sealed" (opaque bytes to the store).
pub fn sealed(who: u32) -> Vec<u8> {
    format!("sealed-address-{who}").into_bytes()
}

/// Which person a sealed address belongs to.
pub fn who(sealed: &[u8]) -> u32 {
    String::from_utf8_lossy(sealed)
        .trim_start_matches("sealed-address-")
        .parse()
        .expect("a test address")
}

pub fn all_lists() -> Vec<String> {
    LISTS.iter().map(|l| (*l).to_owned()).collect()
}

pub fn new_token(expires_at: Millis) -> NewToken {
    NewToken {
        seed: rand::random(),
        expires_at,
    }
}

/// A signup of `who` on `list` at `now`, one confirmation a day.
pub fn signup(list: &str, who: u32, now: Millis) -> NewSignup {
    NewSignup {
        language: "en".into(),
        list: list.to_owned(),
        email_index: index(who),
        email_sealed: sealed(who),
        name_sealed: Some(format!("name-{who}").into_bytes()),
        fields_sealed: None,
        all_lists: all_lists(),
        confirm_token: new_token(now + CONFIRM_TTL),
        consent: ConsentContext {
            form: "report:contract".into(),
            text_hash: "c0ffee".into(),
            text: "I agree to get mail about the course.".into(),
            client_ip: Some("192.0.2.0/24".into()),
            submitted_at: now,
        },
        referred_by: None,
        referral_index: index(who),
        now,
        confirmation_interval: DAY,
    }
}

pub fn subscriber_id(outcome: SignupOutcome) -> i64 {
    match outcome {
        SignupOutcome::ConfirmationQueued { subscriber_id }
        | SignupOutcome::Throttled { subscriber_id }
        | SignupOutcome::AlreadyConsented { subscriber_id } => subscriber_id,
    }
}

/// Signs `who` up on `list`; their id.
pub async fn sign_up(store: &Arc<dyn Store>, list: &str, who: u32, now: Millis) -> i64 {
    subscriber_id(store.record_signup(signup(list, who, now)).await.unwrap())
}

pub fn confirmation(subscriber_id: i64, now: Millis) -> Confirmation {
    Confirmation {
        subscriber_id,
        now,
        manage_token: new_token(now + 30 * DAY),
        referral_boost: 2,
    }
}

pub async fn confirm(store: &Arc<dyn Store>, subscriber_id: i64, now: Millis) -> ConfirmOutcome {
    store
        .confirm(confirmation(subscriber_id, now))
        .await
        .unwrap()
}

/// Signs up and confirms `who` on `list` at `now`; their id.
pub async fn confirmed(store: &Arc<dyn Store>, list: &str, who: u32, now: Millis) -> i64 {
    let id = sign_up(store, list, who, now).await;
    let outcome = confirm(store, id, now).await;
    assert!(
        matches!(outcome, ConfirmOutcome::Confirmed { .. }),
        "{outcome:?}"
    );
    id
}

pub fn claim_with(now: Millis, cap: u32, limit: usize) -> MailClaim {
    MailClaim {
        now,
        limit,
        lease_ms: LEASE,
        cap,
        cap_window: CAP_WINDOW,
        all_lists: all_lists(),
        confirmation_interval: DAY,
    }
}

pub fn claim(now: Millis) -> MailClaim {
    claim_with(now, CAP, 100)
}

pub fn sent(mail_id: i64, at: Millis) -> MailAttempt {
    MailAttempt {
        mail_id,
        at,
        error: None,
        retry_at: None,
        address_refused: None,
    }
}

/// One round of the outbox in which SMTP accepts everything; the mails that went.
pub async fn send_all(store: &Arc<dyn Store>, now: Millis) -> Vec<MailJob> {
    send_all_with(store, claim(now)).await
}

pub async fn send_all_with(store: &Arc<dyn Store>, claim: MailClaim) -> Vec<MailJob> {
    let now = claim.now;
    let jobs = store.claim_mail(claim).await.unwrap();
    store
        .record_attempts(jobs.iter().map(|j| sent(j.id, now)).collect())
        .await
        .unwrap();
    jobs
}

/// The states of a person's mails of one kind, oldest first.
pub async fn mail_states(store: &Arc<dyn Store>, subscriber_id: i64, kind: &str) -> Vec<String> {
    store
        .subscriber(subscriber_id)
        .await
        .unwrap()
        .map(|s| {
            s.mails
                .into_iter()
                .filter(|m| m.kind == kind)
                .map(|m| m.state)
                .collect()
        })
        .unwrap_or_default()
}

pub async fn status(store: &Arc<dyn Store>, subscriber_id: i64) -> Option<Status> {
    store
        .subscriber(subscriber_id)
        .await
        .unwrap()
        .map(|s| s.status)
}

/// The whole export of a list, in the order it streamed.
pub async fn export(store: &Arc<dyn Store>, list: &str) -> Vec<ExportRow> {
    let mut rx = store.export(list).await.unwrap();
    let mut rows = Vec::new();
    while let Some(row) = rx.recv().await {
        rows.push(row.unwrap());
    }
    rows
}

/// A counter's value (0 when never counted).
pub async fn counter(store: &Arc<dyn Store>, name: &str) -> i64 {
    store
        .counters()
        .await
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == name)
        .map_or(0, |(_, v)| v)
}
