//! Regression tests for the holes an outsider could use (issue 9). Each was seen to fail
//! on the code before its fix; the commit that fixed it says how.

use crate::helpers::*;
use crate::promise::confirmed_person;

#[tokio::test]
async fn an_erased_persons_old_unsubscribe_link_never_acts_on_whoever_signs_up_next() {
    let app = spawn_app().await;
    let (old_unsubscribe, old_manage) = confirmed_person(&app, "first@example.com").await;
    erase_through(&app, &old_manage).await;
    let (_, manage) = confirmed_person(&app, "second@example.com").await;

    let response = app
        .client
        .post(&old_unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error() || response.status().is_success());
    assert_eq!(
        app.status_of("second@example.com").as_deref(),
        Some("confirmed"),
        "the erased person's link unsubscribed the next person"
    );
    // The erased person's consent record is not shown as the next person's.
    let download = app
        .client
        .post(format!("{manage}/download"))
        .send()
        .await
        .unwrap();
    let data: serde_json::Value = download.json().await.unwrap();
    assert_eq!(
        data["person"]["consents"].as_array().map(Vec::len),
        Some(1),
        "one consent record, their own: {data}"
    );
}

async fn wait_for_subject(app: &TestApp, email: &str, subject: &str) -> bool {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while tokio::time::Instant::now() < deadline {
        if app
            .mails_to(email)
            .iter()
            .any(|m| header(m, "Subject").is_some_and(|s| s.contains(subject)))
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn no_visitor_can_spend_a_persons_mails_and_their_invitation_always_arrives() {
    let app = spawn_app().await;
    let email = "owed@example.org";
    confirmed_person(&app, email).await;
    // An outsider asks for manage links for this address, again and again, in parallel.
    let requests = (0..20).map(|_| {
        app.client
            .post(app.url("/manage"))
            .form(&[("email", email)])
            .send()
    });
    for response in futures_util::future::join_all(requests).await {
        let status = response.unwrap().status().as_u16();
        assert!(status == 200 || status == 429, "answered {status}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let access = app
        .mails_to(email)
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("manage your data")))
        .count();
    assert!(
        access <= 1,
        "{access} manage-link mails from one day's requests"
    );

    invite_next(&app, "1", "4");
    assert!(
        wait_for_subject(&app, email, "A seat is open for you").await,
        "the invitation never arrived; mails: {}",
        app.mails_to(email).len()
    );
    assert_eq!(app.status_of(email).as_deref(), Some("invited"));
}

#[tokio::test]
async fn a_person_at_the_cap_is_not_invited_and_the_owner_is_told_why() {
    // A cap of 2 is reached by the confirmation and the welcome.
    let app = spawn_app_with(|c| c.mail_cap = 2).await;
    confirmed_person(&app, "full@example.org").await;
    let out = invite_next(&app, "1", "2");
    assert!(out.contains("invited 0 of 1"), "{out}");
    assert!(out.contains("1 next in line not invited"), "{out}");
    assert_eq!(
        app.status_of("full@example.org").as_deref(),
        Some("confirmed"),
        "they keep their place instead of an invitation that cannot be sent"
    );
    let audit = quietlist_command_on(&app.data_dir)
        .args(["audit"])
        .output()
        .unwrap();
    let audit = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert!(audit.contains("passed over at the mail cap"), "{audit}");
}

/// A browser from `source` (loopback is 127/8: each /24 is another network).
fn browser_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    use crate::owner::{add_owner, login_with};
    let app = spawn_app().await;
    add_owner(&app);
    let attacker = browser_from("127.0.0.1");
    let guesses = (0..60).map(|i| {
        let (app, attacker) = (&app, attacker.clone());
        async move {
            login_with(app, &attacker, &format!("guess number {i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|s| **s == 401).count();
    let refused = answers.iter().filter(|s| **s == 429).count();
    eprintln!("60 parallel wrong passwords: {checked} checked (401), {refused} refused (429)");
    assert_eq!(checked + refused, 60, "{answers:?}");
    assert!(
        checked <= 10,
        "{checked} passwords were checked; the limit is 10"
    );
}

#[tokio::test]
async fn the_owner_signs_in_from_another_network_during_a_flood() {
    use crate::owner::{PASSWORD, add_owner, login_with};
    let app = spawn_app().await;
    add_owner(&app);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = {
        let (stop, url) = (stop.clone(), app.address.clone());
        tokio::spawn(async move {
            let attacker = browser_from("127.0.0.1");
            let mut sent = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && sent < 2_000 {
                let guesses = (0..8).map(|i| {
                    attacker
                        .post(format!("{url}/admin/login"))
                        .form(&[
                            ("email", crate::owner::OWNER),
                            ("password", &format!("guess {i}")),
                            ("csrf", "stale"),
                        ])
                        .send()
                });
                futures_util::future::join_all(guesses).await;
                sent += 8;
            }
            sent
        })
    };
    // The same flood with valid forms, so its guesses reach the password check.
    let real_guesses = {
        let attacker = browser_from("127.0.0.1");
        let app = &app;
        futures_util::future::join_all((0..30).map(|i| {
            let attacker = attacker.clone();
            async move {
                login_with(app, &attacker, &format!("flood {i}"))
                    .await
                    .status()
                    .as_u16()
            }
        }))
        .await
    };
    let owner = browser_from("127.0.1.1");
    let started = std::time::Instant::now();
    let response = login_with(&app, &owner, PASSWORD).await;
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let flood_sent = flood.await.unwrap();
    eprintln!(
        "owner signed in from 127.0.1.1 in {took:?} while the flood sent {flood_sent} + {} sign-ins",
        real_guesses.len()
    );
    assert_eq!(response.status().as_u16(), 303, "the owner was locked out");
    assert_eq!(response.headers()["location"], "/admin");
}

#[tokio::test]
async fn a_repeated_signup_cannot_change_what_a_pending_person_will_confirm() {
    let app = spawn_app().await;
    let email = "pending-victim@example.org";
    let first = [
        ("email", email),
        ("name", "Real Name"),
        ("form", "report:ketamine-rapid-antidepressant"),
    ];
    let again = [
        ("email", email),
        ("name", "Someone Else"),
        ("form", "course:essential-business-foundations"),
    ];
    let answer = app.post_signup_form(LIST, &first).await;
    assert_eq!(answer.status().as_u16(), 303);
    let confirmation = app.mail_to(email).await;
    // Someone else, knowing the address, signs it up again with their own data.
    let answer = app.post_signup_form(LIST, &again).await;
    assert_eq!(answer.status().as_u16(), 303);
    let link = link_in(&confirmation, "/confirm/");
    let page = app.client.post(&link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let welcome =
        loop {
            if let Some(m) = app.mails_to(email).into_iter().find(|m| {
                header(m, "Subject").is_some_and(|s| s.contains("You are on the waitlist"))
            }) {
                break m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
    let manage = link_in(&welcome, "/manage/");
    let data: serde_json::Value = app
        .client
        .post(format!("{manage}/download"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data["person"]["name"], "Real Name", "{data}");
    assert_eq!(
        data["person"]["consents"][0]["form"], "report:ketamine-rapid-antidepressant",
        "{data}"
    );
}

#[tokio::test]
async fn manage_requests_leave_no_rows_behind_once_their_links_expire() {
    if skip_on_postgres("counts rows in the SQLite file (retention: tests/contract)") {
        return;
    }
    let app = spawn_app_with(|c| {
        c.manage_link_ttl = 1;
        c.retention.expired_links = 0;
        c.retention.every = std::time::Duration::from_millis(100);
    })
    .await;
    confirmed_person(&app, "rows@example.org").await;
    // Unknown addresses and a known one, many times: at most one link a day is written.
    for i in 0..30 {
        let email = if i % 2 == 0 {
            "rows@example.org".to_owned()
        } else {
            format!("stranger{i}@example.org")
        };
        let answer = app
            .client
            .post(app.url("/manage"))
            .form(&[("email", email.as_str())])
            .send()
            .await
            .unwrap();
        assert!([200, 429].contains(&answer.status().as_u16()));
    }
    let count = |sql: &str| -> i64 {
        let conn = rusqlite::Connection::open(app.data_dir.join("quietlist.sqlite3")).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    while count("SELECT COUNT(*) FROM tokens") > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        count("SELECT COUNT(*) FROM tokens"),
        0,
        "expired links are deleted"
    );
    assert!(
        count("SELECT COUNT(*) FROM outbox WHERE kind = 'access'") <= 1,
        "one manage-link mail a day for the person, none for strangers"
    );
}

async fn one_click_unsubscribe(app: &TestApp, link: &str) {
    let response = app
        .client
        .post(link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn an_old_confirmation_link_does_not_sign_up_again_someone_who_unsubscribed() {
    let app = spawn_app().await;
    let email = "left@example.org";
    let (unsubscribe, _) = confirmed_person(&app, email).await;
    let confirmation = app
        .mails_to(email)
        .into_iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("Confirm")))
        .unwrap();
    one_click_unsubscribe(&app, &unsubscribe).await;
    let again = app
        .client
        .post(link_in(&confirmation, "/confirm/"))
        .send()
        .await
        .unwrap();
    assert!(again.status().as_u16() < 500);
    assert_eq!(
        app.status_of(email).as_deref(),
        Some("unsubscribed"),
        "the old confirmation link subscribed them again"
    );
}

#[tokio::test]
async fn an_old_accept_link_does_not_bring_back_someone_who_unsubscribed() {
    let app = spawn_app().await;
    let email = "left-invited@example.org";
    let (unsubscribe, _) = confirmed_person(&app, email).await;
    invite_next(&app, "1", "4");
    assert!(wait_for_subject(&app, email, "A seat is open for you").await);
    let invitation = app
        .mails_to(email)
        .into_iter()
        .find(|m| header(m, "Subject").is_some_and(|s| s.contains("A seat is open")))
        .unwrap();
    one_click_unsubscribe(&app, &unsubscribe).await;
    let accept = app
        .client
        .post(link_in(&invitation, "/accept/"))
        .send()
        .await
        .unwrap();
    assert!(accept.status().as_u16() < 500);
    assert_eq!(
        app.status_of(email).as_deref(),
        Some("unsubscribed"),
        "the old accept link took a seat for someone who left"
    );
}
