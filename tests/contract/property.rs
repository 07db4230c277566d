//! A property test over random sequences of signup, confirm, unsubscribe, erase, a new
//! manage link, time passing and the outbox sending, on a real store of each backend
//! (a fresh database per case) with a clock the test controls: every mail goes to
//! someone who may get it, and no address gets more than the cap in any 30 days.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use proptest::prelude::*;
use quietlist::domain::EmailAddress;
use quietlist::privacy::{MasterKey, Vault};
use quietlist::publish::{PublishOptions, Published, Site, SiteFiles};
use quietlist::store::{
    AccessRequest, ConfirmOutcome, Confirmation, DAY, HOUR, MailAttempt, MailClaim, MailKind,
    Millis, NewToken, SignupOutcome, Store, UnsubscribeOutcome,
};
use quietlist::waitlist::{IpRecording, RawSignup, WaitlistPolicy, Waitlists};

use crate::backends::{self, Backend};

const ADDRESSES: [&str; 3] = ["a@example.com", "b@example.com", "c@example.com"];
const CAP: u32 = 4;

#[derive(Debug, Clone)]
enum Op {
    SignUp(usize),
    Confirm(usize),
    Unsubscribe(usize),
    Erase(usize),
    AskForLink(usize),
    Wait(u32),
    Send,
    /// The relay defers every mail of this round (451): nothing counts as sent.
    SendDeferred,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..ADDRESSES.len()).prop_map(Op::SignUp),
        3 => (0..ADDRESSES.len()).prop_map(Op::Confirm),
        1 => (0..ADDRESSES.len()).prop_map(Op::Unsubscribe),
        1 => (0..ADDRESSES.len()).prop_map(Op::Erase),
        2 => (0..ADDRESSES.len()).prop_map(Op::AskForLink),
        2 => (1u32..=200).prop_map(Op::Wait),
        4 => Just(Op::Send),
        1 => Just(Op::SendDeferred),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consent {
    /// Signed up, not (or no longer) confirmed: may get a confirmation mail only.
    Awaiting,
    Confirmed,
    Unsubscribed,
}

#[derive(Default)]
struct Person {
    /// The current subscriber row and what the model knows of it.
    row: Option<(i64, Consent)>,
    /// When mail was handed to SMTP for this address, ever.
    sent: Vec<Millis>,
    confirmations: Vec<Millis>,
}

/// What a run checked, printed at its end.
#[derive(Default)]
struct Figures {
    cases: AtomicU64,
    mails: AtomicU64,
}

/// Where a case runs: a fresh store of a backend, or (PostgreSQL) one database shared by
/// the cases of a run, emptied before each with a new store on it. A fresh database per
/// case costs 0.8 s here (CREATE DATABASE and the migrations): 3.5 minutes for 256
/// cases, against 16 s emptied.
#[derive(Clone)]
enum Target {
    Fresh(Backend),
    Emptied(String),
}

async fn run(
    ops: Vec<Op>,
    site: Arc<Published>,
    target: &Target,
    figures: &Figures,
) -> Result<(), TestCaseError> {
    match target {
        Target::Fresh(backend) => {
            let Some((store, guard)) = backends::open(*backend).await else {
                return Ok(());
            };
            let result = check(ops, site, store, figures).await;
            backends::close(guard).await;
            result
        }
        Target::Emptied(url) => {
            crate::pg::empty_database(url).await;
            let store = backends::open_postgres_url(url).await.unwrap();
            check(ops, site, store, figures).await
        }
    }
}

/// The target for a whole run, and what to drop at its end.
fn target(
    backend: Backend,
    runtime: &tokio::runtime::Runtime,
) -> Option<(Target, Option<(String, String)>)> {
    match backend {
        Backend::Sqlite => Some((Target::Fresh(backend), None)),
        Backend::Postgres => {
            let admin_url = backends::postgres_admin_url()?;
            let (url, name) = runtime.block_on(async {
                let (url, name) = crate::pg::create_database(&admin_url).await;
                crate::pg::answer_before_flush(&admin_url, &name).await;
                (url, name)
            });
            Some((Target::Emptied(url), Some((admin_url, name))))
        }
    }
}

fn finish(runtime: &tokio::runtime::Runtime, database: Option<(String, String)>) {
    if let Some((admin_url, name)) = database {
        runtime.block_on(crate::pg::drop_database(&admin_url, &name));
    }
}

async fn check(
    ops: Vec<Op>,
    site: Arc<Published>,
    store: Arc<dyn Store>,
    figures: &Figures,
) -> Result<(), TestCaseError> {
    let vault = Arc::new(Vault::new(&MasterKey::generate()).unwrap());
    let lists: Vec<String> = site.site.waitlists.keys().cloned().collect();
    let waitlists = Waitlists {
        store: store.clone(),
        vault: vault.clone(),
        site: Arc::new(ArcSwap::new(site)),
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        readiness: Default::default(),
        policy: WaitlistPolicy {
            confirmation_interval: DAY,
            confirm_link_ttl: 48 * HOUR,
            manage_link_ttl: 30 * DAY,
            referral_boost: 5,
            invite_ttl: 7 * DAY,
            mail_cap: CAP,
            mail_cap_window: 30 * DAY,
            ip_recording: IpRecording::Truncated,
            unsafe_ack_before_commit: false,
        },
    };
    let mut now: Millis = 1_800_000_000_000;
    let mut people: HashMap<usize, Person> = HashMap::new();
    let token = |now: Millis| NewToken {
        seed: rand::random(),
        expires_at: now + 30 * DAY,
    };

    for op in ops {
        now += 1;
        match op {
            Op::SignUp(i) => {
                let raw = RawSignup {
                    fields: vec![("email".into(), ADDRESSES[i].into())],
                    client_ip: None,
                };
                let signup = waitlists
                    .prepare_signup("pilot-course", &raw, now)
                    .unwrap()
                    .unwrap();
                let outcome = store.record_signup(signup).await.unwrap();
                let p = people.entry(i).or_default();
                let id = match outcome {
                    SignupOutcome::ConfirmationQueued { subscriber_id }
                    | SignupOutcome::Throttled { subscriber_id }
                    | SignupOutcome::AlreadyConsented { subscriber_id } => subscriber_id,
                };
                let consent = match p.row {
                    Some((_, Consent::Confirmed)) => Consent::Confirmed,
                    Some((_, Consent::Unsubscribed)) => Consent::Unsubscribed,
                    _ => Consent::Awaiting,
                };
                p.row = Some((id, consent));
            }
            Op::Confirm(i) => {
                let Some((id, _)) = people.get(&i).and_then(|p| p.row) else {
                    continue;
                };
                let outcome = store
                    .confirm(Confirmation {
                        subscriber_id: id,
                        now,
                        manage_token: token(now),
                        referral_boost: 5,
                    })
                    .await
                    .unwrap();
                if matches!(
                    outcome,
                    ConfirmOutcome::Confirmed { .. } | ConfirmOutcome::AlreadyConfirmed { .. }
                ) && let Some(p) = people.get_mut(&i)
                {
                    p.row = Some((id, Consent::Confirmed));
                }
            }
            Op::Unsubscribe(i) => {
                let Some((id, _)) = people.get(&i).and_then(|p| p.row) else {
                    continue;
                };
                if let UnsubscribeOutcome::Unsubscribed { .. } =
                    store.unsubscribe(id, now).await.unwrap()
                    && let Some(p) = people.get_mut(&i)
                {
                    p.row = Some((id, Consent::Unsubscribed));
                }
            }
            Op::Erase(i) => {
                let Some((id, _)) = people.get(&i).and_then(|p| p.row) else {
                    continue;
                };
                store.erase(id, "test".into(), now).await.unwrap();
                if let Some(p) = people.get_mut(&i) {
                    p.row = None;
                }
            }
            Op::AskForLink(i) => {
                let email = EmailAddress::parse(ADDRESSES[i]).unwrap();
                store
                    .request_access(AccessRequest {
                        email_index: vault.email_index(&email),
                        all_lists: lists.clone(),
                        token: token(now),
                        now,
                        interval: DAY,
                    })
                    .await
                    .unwrap();
            }
            Op::Wait(hours) => now += i64::from(hours) * HOUR,
            Op::SendDeferred => {
                let jobs = store.claim_mail(claim(now, &lists)).await.unwrap();
                let attempts = jobs
                    .into_iter()
                    .map(|job| MailAttempt {
                        mail_id: job.id,
                        at: now,
                        error: Some("451 4.3.0 try again later".into()),
                        retry_at: Some(now),
                        address_refused: None,
                    })
                    .collect();
                store.record_attempts(attempts).await.unwrap();
            }
            Op::Send => {
                let jobs = store.claim_mail(claim(now, &lists)).await.unwrap();
                let mut attempts = Vec::new();
                for job in jobs {
                    let email = vault.open_email(&job.email_sealed).unwrap();
                    let i = ADDRESSES.iter().position(|a| *a == email.as_str()).unwrap();
                    let p = people.get_mut(&i).unwrap();
                    let consent = p
                        .row
                        .filter(|(id, _)| *id == job.subscriber_id)
                        .map(|(_, c)| c);
                    match job.kind {
                        MailKind::Confirmation => {
                            prop_assert!(
                                matches!(consent, Some(Consent::Awaiting | Consent::Unsubscribed)),
                                "a confirmation mail to {email:?} in state {consent:?}"
                            );
                            p.confirmations.push(now);
                            let day = p.confirmations.iter().filter(|t| **t > now - DAY).count();
                            prop_assert!(
                                day <= 1,
                                "{day} confirmation mails to one address in 24 hours"
                            );
                        }
                        kind => prop_assert_eq!(
                            consent,
                            Some(Consent::Confirmed),
                            "a {:?} mail to someone who is not confirmed",
                            kind
                        ),
                    }
                    p.sent.push(now);
                    let window = p.sent.iter().filter(|t| **t > now - 30 * DAY).count();
                    prop_assert!(
                        window <= CAP as usize,
                        "{window} mails to one address in 30 days"
                    );
                    figures.mails.fetch_add(1, Ordering::Relaxed);
                    attempts.push(MailAttempt {
                        mail_id: job.id,
                        at: now,
                        error: None,
                        retry_at: None,
                        address_refused: None,
                    });
                }
                store.record_attempts(attempts).await.unwrap();
            }
        }
    }
    // The counts the dashboard shows are kept apart from the rows (triggers in SQLite);
    // they must equal a real count of the list, here the export's rows.
    let mut kept = store.count_by_status("pilot-course").await.unwrap();
    kept.sort();
    let mut counted: Vec<(String, u64)> = Vec::new();
    for row in crate::fixtures::export(&store, "pilot-course").await {
        match counted.iter_mut().find(|(s, _)| s == row.status.as_str()) {
            Some((_, n)) => *n += 1,
            None => counted.push((row.status.as_str().to_owned(), 1)),
        }
    }
    counted.sort();
    prop_assert_eq!(kept, counted, "kept counts differ from a real count");
    figures.cases.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn claim(now: Millis, lists: &[String]) -> MailClaim {
    MailClaim {
        now,
        limit: 100,
        lease_ms: 60_000,
        cap: CAP,
        cap_window: 30 * DAY,
        all_lists: lists.to_vec(),
        confirmation_interval: DAY,
    }
}

fn every_mail_goes_to_someone_who_may_get_it_and_never_beyond_the_cap(backend: Backend) {
    let setup = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let Some((target, database)) = target(backend, &setup) else {
        return;
    };
    let figures = Figures::default();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    });
    let site = Arc::new(
        Published::build(
            Site::load(&SiteFiles::demo()).unwrap(),
            &PublishOptions {
                base_url: "https://example.org".into(),
            },
        )
        .unwrap(),
    );
    let result = runner.run(&prop::collection::vec(op(), 1..60), |ops| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run(ops, site.clone(), &target, &figures))
    });
    finish(&setup, database);
    eprintln!(
        "property test ({backend:?}): {} cases, {} mails checked, result {:?}",
        figures.cases.load(Ordering::Relaxed),
        figures.mails.load(Ordering::Relaxed),
        result.as_ref().map(|_| "no violation")
    );
    result.unwrap();
}

/// The sequences this property test found broken once, kept as fixed cases.
fn sequences_that_once_broke_the_promise(backend: Backend) {
    use Op::*;
    let figures = Figures::default();
    let site = Arc::new(
        Published::build(
            Site::load(&SiteFiles::demo()).unwrap(),
            &PublishOptions {
                base_url: "https://example.org".into(),
            },
        )
        .unwrap(),
    );
    let cases = [
        // Two confirmation mails queued a day apart were sent together.
        vec![SignUp(0), Wait(24), SignUp(0), Send],
        // The limit counted from queueing, not from the mail leaving, across an erasure.
        vec![SignUp(0), Wait(24), Send, Erase(0), SignUp(0), Send],
        // Deferred attempts around a confirmation (issue 9's outage): the rules still hold.
        vec![
            SignUp(0),
            SendDeferred,
            Send,
            SendDeferred,
            Send,
            Confirm(0),
            Send,
        ],
        // Confirming after an erasure dropped the erased address's recent mails from the cap.
        vec![
            SignUp(1),
            Send,
            Confirm(1),
            Send,
            Erase(1),
            Wait(24),
            SignUp(1),
            Send,
            Wait(24),
            SignUp(1),
            Send,
            Confirm(1),
            Send,
        ],
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A fresh database for each of these few cases, as every contract test has.
    let target = Target::Fresh(backend);
    for ops in cases {
        runtime
            .block_on(run(ops.clone(), site.clone(), &target, &figures))
            .unwrap_or_else(|e| panic!("{ops:?}: {e}"));
    }
}

mod sqlite {
    use super::*;

    #[test]
    fn every_mail_goes_to_someone_who_may_get_it_and_never_beyond_the_cap() {
        super::every_mail_goes_to_someone_who_may_get_it_and_never_beyond_the_cap(Backend::Sqlite);
    }

    #[test]
    fn sequences_that_once_broke_the_promise() {
        super::sequences_that_once_broke_the_promise(Backend::Sqlite);
    }
}

mod postgres {
    use super::*;

    #[test]
    fn every_mail_goes_to_someone_who_may_get_it_and_never_beyond_the_cap() {
        super::every_mail_goes_to_someone_who_may_get_it_and_never_beyond_the_cap(
            Backend::Postgres,
        );
    }

    #[test]
    fn sequences_that_once_broke_the_promise() {
        super::sequences_that_once_broke_the_promise(Backend::Postgres);
    }
}
