//! A mail outage loses no one: people who sign up, confirm or are invited while the SMTP
//! server is down, refusing (421) or deferring (451), get each of their mails exactly once
//! when it recovers. Regression tests for issue 9: before the fix, the failed attempt was
//! counted as a sent confirmation and every retried confirmation was skipped.

use std::time::Duration;

use crate::helpers::*;

/// Retries come quickly in these tests; the real first wait is 30 s.
const RETRY_MS: i64 = 300;
const PEOPLE: [&str; 3] = [
    "outage-ana@example.org",
    "outage-ben@example.org",
    "outage-cy@example.org",
];

async fn app_with_fast_retries(smtp: SmtpSink) -> TestApp {
    let url = smtp.url();
    spawn_app_with_sink(smtp, move |c| {
        c.smtp_url = Some(secrecy::SecretString::from(url));
        c.mail_retry_base = RETRY_MS;
    })
    .await
}

/// Each address in `PEOPLE` has exactly `n` mails whose Subject contains `subject`, and
/// no more arrive for a while (a duplicate would come with the next retry round).
async fn each_gets_exactly(app: &TestApp, n: usize, subject: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let all_there = PEOPLE
            .iter()
            .all(|p| count_with_subject(app, p, subject) >= n);
        if all_there {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every person got {n} mail(s) with {subject:?}: {:?}",
            PEOPLE
                .iter()
                .map(|p| count_with_subject(app, p, subject))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(RETRY_MS as u64 * 4)).await;
    for person in PEOPLE {
        assert_eq!(
            count_with_subject(app, person, subject),
            n,
            "{person} got a {subject:?} mail more than once"
        );
    }
}

fn count_with_subject(app: &TestApp, email: &str, subject: &str) -> usize {
    app.mails_to(email)
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains(subject)))
        .count()
}

async fn confirm_everyone(app: &TestApp) {
    for person in PEOPLE {
        let mail = app.mail_to(person).await;
        let link = link_in(&mail, "/confirm/");
        let page = app.client.post(&link).send().await.expect("confirm POST");
        assert_eq!(page.status().as_u16(), 200, "{person} confirms");
    }
}

#[tokio::test]
async fn signups_while_the_smtp_server_refuses_connections_all_get_their_confirmation() {
    // A port with nothing behind it: connections are refused until the server starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let mut app = spawn_app_with(|c| {
        c.smtp_url = Some(secrecy::SecretString::from(format!("smtp://{port}")));
        c.mail_retry_base = RETRY_MS;
    })
    .await;
    for person in PEOPLE {
        app.sign_up(person).await;
    }
    // Let the first attempts fail against the closed port.
    tokio::time::sleep(Duration::from_millis(RETRY_MS as u64 * 2)).await;
    app.smtp = Some(SmtpSink::start_on(&port.to_string()).await);
    each_gets_exactly(&app, 1, "Confirm").await;
    confirm_everyone(&app).await;
    each_gets_exactly(&app, 1, "You are on the waitlist").await;
}

#[tokio::test]
async fn a_relay_that_answers_421_at_connect_loses_no_mail() {
    let smtp = SmtpSink::start().await;
    let app = app_with_fast_retries(smtp.clone()).await;
    smtp.refuse_next_connections(6);
    for person in PEOPLE {
        app.sign_up(person).await;
    }
    each_gets_exactly(&app, 1, "Confirm").await;
    smtp.refuse_next_connections(6);
    confirm_everyone(&app).await;
    each_gets_exactly(&app, 1, "You are on the waitlist").await;
}

#[tokio::test]
async fn a_relay_that_defers_with_451_loses_no_confirmation_welcome_or_invitation() {
    let smtp = SmtpSink::start().await;
    let app = app_with_fast_retries(smtp.clone()).await;
    smtp.fail_next_transient(3);
    for person in PEOPLE {
        app.sign_up(person).await;
    }
    each_gets_exactly(&app, 1, "Confirm").await;
    smtp.fail_next_transient(3);
    confirm_everyone(&app).await;
    each_gets_exactly(&app, 1, "You are on the waitlist").await;

    smtp.fail_next_transient(3);
    invite_next(&app, "3", "4");
    // The running app's worker sends what the CLI queued (it polls the outbox).
    each_gets_exactly(&app, 1, "A seat is open for you").await;
    for person in PEOPLE {
        assert_eq!(app.status_of(person).as_deref(), Some("invited"));
    }
}

/// The database out of reach just as a mail is handed over (a node cut off from
/// PostgreSQL, a lock held too long on SQLite): the worker keeps the attempt and records
/// it once the database is back, so the mail is not sent a second time when its lease
/// runs out. Before the fix the attempt was dropped and the person got the mail twice.
#[tokio::test]
async fn a_mail_handed_over_while_the_database_is_locked_is_recorded_later_and_not_sent_twice() {
    if skip_on_postgres("another process locking the SQLite file") {
        return;
    }
    const LEASE_MS: i64 = 3_000;
    let smtp = SmtpSink::start().await;
    smtp.hold_acceptances(true);
    let url = smtp.url();
    let app = spawn_app_with_sink(smtp.clone(), move |c| {
        c.smtp_url = Some(secrecy::SecretString::from(url));
        c.database.sqlite.busy_timeout = Duration::from_millis(200);
        c.mail_lease = LEASE_MS;
    })
    .await;
    app.sign_up("held-over@example.org").await;
    // The mail is in the sink; its 250 waits.
    assert_eq!(smtp.wait_for(1, Duration::from_secs(10)).await.len(), 1);
    let lock = rusqlite::Connection::open(app.data_dir.join("quietlist.sqlite3")).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    smtp.hold_acceptances(false);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    lock.execute_batch("ROLLBACK").unwrap();
    // Past the lease: a dropped record would have the mail claimed and sent again.
    tokio::time::sleep(Duration::from_millis(LEASE_MS as u64 + 3_000)).await;
    let got = smtp
        .mails()
        .iter()
        .filter(|m| {
            m.rcpt_to
                .iter()
                .any(|r| r.contains("held-over@example.org"))
        })
        .count();
    assert_eq!(got, 1, "the confirmation went {got} times");
}
