//! Abuse resistance, attacked as an outsider would: many requests at once, from many
//! loopback "networks" (127.0.0.0/8 is all loopback, so each 127.x.y.z source address
//! stands for a client; 127.a.b.* for one /24).

use std::net::IpAddr;
use std::time::Duration;

use quietlist::abuse::table::Rate;
use serde_json::json;

use crate::helpers::*;

/// A visitor whose connections come from `ip`.
fn client_from(ip: &str) -> reqwest::Client {
    let ip: IpAddr = ip.parse().unwrap();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip)
        .build()
        .unwrap()
}

/// POSTs JSON signups for `emails` all at once from `client`; the statuses.
async fn parallel_signups(app: &TestApp, client: &reqwest::Client, emails: &[String]) -> Vec<u16> {
    let url = app.url(&format!("/waitlists/{LIST}/signups"));
    let tasks: Vec<_> = emails
        .iter()
        .map(|email| {
            let (client, url, email) = (client.clone(), url.clone(), email.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&json!({ "email": email }))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Waits for `n` mails, then a little longer to see that no more come.
async fn mails_settled(app: &TestApp, n: usize) -> usize {
    app.smtp().wait_for(n, MAIL_WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.smtp().received()
}

const SLOW: f64 = 1.0 / 3600.0;

#[tokio::test]
async fn two_hundred_parallel_signups_from_one_client_get_its_burst_and_another_network_is_served()
{
    let app = spawn_app_with(|c| {
        c.limits.signup.network = Rate {
            burst: 30,
            per_second: SLOW,
        };
    })
    .await;
    let flooder = client_from("127.0.0.2");
    let emails: Vec<String> = (0..200).map(|i| format!("flood{i}@example.com")).collect();
    let statuses = parallel_signups(&app, &flooder, &emails).await;
    assert_eq!(count(&statuses, 202), 30, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 170, "{statuses:?}");
    assert_eq!(mails_settled(&app, 30).await, 30, "mails sent");

    // The flooder is still refused; someone on another network is not.
    let again = flooder
        .post(app.url(&format!("/waitlists/{LIST}/signups")))
        .json(&json!({ "email": "again@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 429);
    assert!(again.headers().contains_key("retry-after"));
    let body: serde_json::Value = again.json().await.unwrap();
    assert!(body["error"]["field"].is_null(), "{body}");
    let other = parallel_signups(
        &app,
        &client_from("127.0.1.2"),
        &["neighbour@example.com".to_owned()],
    )
    .await;
    assert_eq!(other, vec![202]);
}

#[tokio::test]
async fn a_client_hopping_addresses_inside_its_slash_24_meets_the_network_limit() {
    let app = spawn_app_with(|c| {
        c.limits.signup.network = Rate {
            burst: 3,
            per_second: SLOW,
        };
        c.limits.signup.wide = 4;
    })
    .await;
    // 20 addresses of 127.0.5.0/24, 3 signups each (each address within its own budget),
    // all at once: the /24 lets 4 x 3 = 12 through.
    let mut tasks = Vec::new();
    for host in 1..=20 {
        let client = client_from(&format!("127.0.5.{host}"));
        let emails: Vec<String> = (0..3)
            .map(|i| format!("hop{host}-{i}@example.com"))
            .collect();
        let app_url = app.url("");
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let requests = emails.iter().map(|email| {
                client
                    .post(format!("{app_url}/waitlists/{LIST}/signups"))
                    .json(&json!({ "email": email }))
                    .send()
            });
            for r in futures_util::future::join_all(requests).await {
                statuses.push(r.unwrap().status().as_u16());
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.extend(t.await.unwrap());
    }
    assert_eq!(count(&statuses, 202), 12, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 48);
    assert_eq!(mails_settled(&app, 12).await, 12);
}

#[tokio::test]
async fn the_global_ceiling_holds_against_two_hundred_networks() {
    let app = spawn_app_with(|c| {
        c.limits.signup.global = Rate {
            burst: 25,
            per_second: SLOW,
        };
    })
    .await;
    // 200 networks (each its own /24), one signup each, all at once.
    let mut tasks = Vec::new();
    for n in 0..200u32 {
        let client = client_from(&format!("127.1.{}.{}", n % 250, 1 + n / 250));
        let url = app.url(&format!("/waitlists/{LIST}/signups"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&json!({ "email": format!("botnet{n}@example.com") }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(count(&statuses, 202), 25, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 175);
    assert_eq!(mails_settled(&app, 25).await, 25, "mails sent");
}

#[tokio::test]
async fn manage_requests_are_limited_per_network_with_one_answer_for_any_address() {
    let app = spawn_app().await;
    app.sign_up_and_confirm("known@example.com").await;
    let client = client_from("127.0.7.1");
    // The default budget: 5 at once, then 10 an hour.
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = client
            .post(app.url("/manage"))
            .form(&[("email", format!("someone{i}@example.com"))])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(statuses.iter().all(|s| *s != 429), "{statuses:?}");
    let mut bodies = Vec::new();
    for email in ["known@example.com", "nobody@example.com"] {
        let r = client
            .post(app.url("/manage"))
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        let retry = r.headers()["retry-after"].to_str().unwrap().to_owned();
        bodies.push((retry, r.text().await.unwrap()));
    }
    assert_eq!(bodies[0], bodies[1], "a limited answer tells who is listed");
    assert!(bodies[0].1.contains("Too many attempts"));
}

#[tokio::test]
async fn link_posts_and_sign_ins_have_their_own_budgets() {
    let app = spawn_app_with(|c| {
        c.limits.link.network = Rate {
            burst: 4,
            per_second: SLOW,
        };
    })
    .await;
    let client = client_from("127.0.8.1");
    let mut links = Vec::new();
    for _ in 0..6 {
        let r = client
            .post(app.url("/confirm/not-a-real-token"))
            .send()
            .await
            .unwrap();
        links.push(r.status().as_u16());
    }
    assert_eq!(count(&links, 429), 2, "{links:?}");

    // Sign-ins: 10 at once, then 30 an hour, by default; other doors are untouched.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (client, url) = (client.clone(), app.url("/admin/login"));
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("email", "owner@example.com"),
                    ("password", &format!("guess{i}")),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut logins = Vec::new();
    for t in tasks {
        logins.push(t.await.unwrap());
    }
    assert!(
        logins.len() - count(&logins, 429) <= 10,
        "more than 10 guesses were checked: {logins:?}"
    );
    let elsewhere = client_from("127.0.9.1")
        .post(app.url("/admin/login"))
        .form(&[("email", "owner@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_ne!(elsewhere.status().as_u16(), 429);
    let signup = parallel_signups(&app, &client, &["still@example.com".to_owned()]).await;
    assert_eq!(signup, vec![202]);
}

/// The stamp in a served form.
fn stamp_in(html: &str) -> String {
    let at = html.find(r#"name="stamp" value=""#).expect("a stamp field");
    let rest = &html[at + r#"name="stamp" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn post_form(app: &TestApp, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_signup_form(LIST, fields).await;
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), location)
}

#[tokio::test]
async fn a_form_sent_too_soon_or_without_a_genuine_stamp_is_answered_as_usual_and_dropped() {
    let app = spawn_app_with(|c| c.abuse.form_min_seconds = 2).await;
    let page = app.get_text(&format!("/waitlists/{LIST}")).await;
    let stamp = stamp_in(&page);
    let forged = format!("0000000000001{}", &stamp[13..]);
    let (fast, missing, fake) = (
        post_form(&app, &[("email", "fast@example.com"), ("stamp", &stamp)]).await,
        post_form(&app, &[("email", "missing@example.com")]).await,
        post_form(&app, &[("email", "forged@example.com"), ("stamp", &forged)]).await,
    );
    let expected = (303, format!("/waitlists/{LIST}/check-your-inbox"));
    assert_eq!(fast, expected, "too soon");
    assert_eq!(missing, expected, "no stamp");
    assert_eq!(fake, expected, "forged stamp");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let person = post_form(&app, &[("email", "person@example.com"), ("stamp", &stamp)]).await;
    assert_eq!(person, expected);
    app.mail_to("person@example.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp().received(), 1, "only the person's mail was sent");
    assert_eq!(app.status_of("fast@example.com"), None);
    assert_eq!(app.status_of("forged@example.com"), None);
}

#[tokio::test]
async fn prerendered_forms_carry_a_fresh_stamp_and_their_gzip_decodes_with_gnu_gzip() {
    let app = spawn_app_with(|c| c.abuse.form_min_seconds = 2).await;
    let first = stamp_in(&app.get_text(REPORT).await);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = stamp_in(&app.get_text(REPORT).await);
    assert_ne!(first, second, "each request gets its own stamp");
    let r = app
        .client
        .get(app.url(REPORT))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["cache-control"], "private, max-age=300");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let gz = r.bytes().await.unwrap();
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "gzip -d refused the body");
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.ends_with("</html>\n") || html.trim_end().ends_with("</html>"));
    let stamp = stamp_in(&html);
    assert_eq!(stamp.len(), first.len());
    assert_ne!(stamp, quietlist::abuse::stamp::PLACEHOLDER);
    // Forms rendered per request carry a real stamp too: a share link's page, and the
    // form shown again with an error.
    let join = app
        .get_text(&format!("/waitlists/{LIST}/join/0000000000000"))
        .await;
    assert_ne!(stamp_in(&join), quietlist::abuse::stamp::PLACEHOLDER);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let again = app
        .post_signup_form(LIST, &[("email", "not-an-address"), ("stamp", &first)])
        .await;
    assert_eq!(again.status().as_u16(), 422);
    let again = again.text().await.unwrap();
    assert_ne!(stamp_in(&again), quietlist::abuse::stamp::PLACEHOLDER);
    assert_eq!(stamp_in(&again).len(), first.len());
    // The page itself has not changed: a browser's copy revalidates with a 304.
    let again = app
        .client
        .get(app.url(REPORT))
        .header("accept-encoding", "gzip")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}

#[tokio::test]
async fn a_throwaway_address_is_refused_naming_the_field_and_the_owner_can_override() {
    let app = spawn_app().await;
    let r = app
        .post_signup_json(LIST, &json!({ "email": "someone@mailinator.com" }))
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "email");
    assert_eq!(
        body["error"]["message"],
        "Addresses at mailinator.com are throwaway addresses; please use an address you will keep."
    );
    let form = app
        .post_signup_form(LIST, &[("email", "x@sub.yopmail.com")])
        .await;
    assert_eq!(form.status().as_u16(), 422);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("Addresses at yopmail.com are throwaway")
    );

    let owner = spawn_app_with(|c| {
        c.abuse.disposable_allow = vec!["mailinator.com".into()];
        c.abuse.disposable_block = vec!["example.net".into()];
    })
    .await;
    let allowed = owner
        .post_signup_json(LIST, &json!({ "email": "someone@mailinator.com" }))
        .await;
    assert_eq!(allowed.status().as_u16(), 202);
    let blocked = owner
        .post_signup_json(LIST, &json!({ "email": "a@example.net" }))
        .await;
    assert_eq!(blocked.status().as_u16(), 422);
}

/// Finds the number the way any ALTCHA client does, written here apart from the app's
/// own solver: SHA-256 over salt + decimal number, compared as lower-case hex.
fn solve_independently(challenge: &serde_json::Value) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    assert_eq!(challenge["algorithm"], "SHA-256");
    let salt = challenge["salt"].as_str().unwrap();
    let target = challenge["challenge"].as_str().unwrap();
    let max = challenge["maxnumber"].as_u64().unwrap();
    let number = (0..=max)
        .find(|n| hex::encode(Sha256::digest(format!("{salt}{n}").as_bytes())) == target)
        .expect("a number within maxnumber");
    let payload = json!({
        "algorithm": "SHA-256", "challenge": target, "number": number,
        "salt": salt, "signature": challenge["signature"],
    });
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
}

async fn challenge(app: &TestApp) -> serde_json::Value {
    let r = app.get(&format!("/waitlists/{LIST}/challenge")).await;
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn with_proof_of_work_on_a_signup_needs_a_fresh_solved_challenge_used_once() {
    let app = spawn_app_with(|c| {
        c.abuse.pow = true;
        c.abuse.pow_max_number = 20_000;
        c.abuse.pow_ttl_seconds = 1;
    })
    .await;
    let none = app
        .post_signup_json(LIST, &json!({ "email": "a@example.com" }))
        .await;
    assert_eq!(none.status().as_u16(), 403);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["error"]["field"], "altcha");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("proof-of-work")
    );

    let solved = solve_independently(&challenge(&app).await);
    let ok = app
        .post_signup_json(LIST, &json!({ "email": "a@example.com", "altcha": solved }))
        .await;
    assert_eq!(ok.status().as_u16(), 202);
    let replay = app
        .post_signup_json(LIST, &json!({ "email": "b@example.com", "altcha": solved }))
        .await;
    assert_eq!(replay.status().as_u16(), 403);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );

    let late = solve_independently(&challenge(&app).await);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = app
        .post_signup_json(LIST, &json!({ "email": "c@example.com", "altcha": late }))
        .await;
    assert_eq!(expired.status().as_u16(), 403);
    let body: serde_json::Value = expired.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // A form that sends a wrong solution is told what is going on.
    let form = app
        .post_signup_form(LIST, &[("email", "d@example.com"), ("altcha", "junk")])
        .await;
    assert_eq!(form.status().as_u16(), 403);
    assert!(form.text().await.unwrap().contains("Signups are paused"));
    app.mail_to("a@example.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp().received(), 1);
}

#[tokio::test]
async fn with_proof_of_work_on_a_form_without_javascript_still_works_once_per_stamp() {
    let app = spawn_app_with(|c| {
        c.abuse.pow = true;
        c.abuse.form_min_seconds = 1;
    })
    .await;
    let stamp = stamp_in(&app.get_text(&format!("/waitlists/{LIST}")).await);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expected = (303, format!("/waitlists/{LIST}/check-your-inbox"));
    let person = post_form(&app, &[("email", "human@example.com"), ("stamp", &stamp)]).await;
    assert_eq!(person, expected);
    let replay = post_form(&app, &[("email", "script@example.com"), ("stamp", &stamp)]).await;
    assert_eq!(replay, expected, "a replayed stamp gets the same answer");
    let bare = post_form(&app, &[("email", "bare@example.com")]).await;
    assert_eq!(bare, expected);
    app.mail_to("human@example.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp().received(), 1, "only the person's mail was sent");
    assert_eq!(app.status_of("script@example.com"), None);
}

/// Waits for the welcome mail to `email` (the second mail it gets).
async fn welcome_of(app: &TestApp, email: &str) -> ReceivedMail {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        let mails = app.mails_to(email);
        if mails.len() >= 2 {
            return mails[1].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no welcome to {email}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn place_of(app: &TestApp, email: &str) -> String {
    app.export_rows(LIST)
        .into_iter()
        .find(|r| r[0] == email)
        .map(|r| r[2].clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn one_inbox_cannot_refer_itself_or_count_twice_under_other_spellings() {
    let app = spawn_app_with(|c| c.referral_boost = 1).await;
    for i in 0..5 {
        app.sign_up_and_confirm(&format!("ahead{i}@example.com"))
            .await;
    }
    app.sign_up_and_confirm("them@gmail.com").await;
    assert_eq!(place_of(&app, "them@gmail.com"), "6");
    let welcome = welcome_of(&app, "them@gmail.com").await;
    let share = link_in(&welcome, "/join/");
    let code = share.rsplit('/').next().unwrap().to_owned();

    let own = [
        "them+1@gmail.com",
        "them+2@gmail.com",
        "t.h.e.m@gmail.com",
        "them@googlemail.com",
    ];
    let friend = [
        "friend+a@example.org",
        "friend+b@example.org",
        "friend@example.org",
    ];
    for email in own.iter().chain(friend.iter()) {
        let r = app
            .post_signup_form(LIST, &[("email", email), ("ref", &code)])
            .await;
        assert_eq!(r.status().as_u16(), 303, "{email}");
        let mail = app.mail_to(email).await;
        let confirm = link_in(&mail, "/confirm/");
        let page = app.client.post(&confirm).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{email} confirmed");
    }
    // Seven confirmed referrals, one inbox besides their own: one place up.
    assert_eq!(place_of(&app, "them@gmail.com"), "5");
}

/// Mann-Whitney AUC: the chance that a draw from `a` is slower than one from `b`.
fn auc(a: &[f64], b: &[f64]) -> f64 {
    let mut wins = 0.0;
    for x in a {
        for y in b {
            wins += if x > y {
                1.0
            } else if x == y {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (a.len() * b.len()) as f64
}

#[tokio::test]
async fn a_dropped_form_takes_as_long_to_answer_as_a_real_signup() {
    let app = spawn_app_with(|c| {
        c.abuse.form_min_seconds = 1;
        c.rate_limit = false;
    })
    .await;
    let stamp = stamp_in(&app.get_text(&format!("/waitlists/{LIST}")).await);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (mut real, mut dropped) = (Vec::new(), Vec::new());
    // Alternating pairs on one keep-alive client, as a script probing would send them.
    for i in 0..120 {
        let email = format!("timing{i}@example.com");
        let t = std::time::Instant::now();
        let a = post_form(&app, &[("email", &email), ("stamp", &stamp)]).await;
        real.push(t.elapsed().as_secs_f64());
        let t = std::time::Instant::now();
        let b = post_form(&app, &[("email", &format!("bot{i}@example.com"))]).await;
        dropped.push(t.elapsed().as_secs_f64());
        assert_eq!(a, b);
    }
    let (real, dropped) = (&real[20..], &dropped[20..]);
    let auc = auc(dropped, real);
    eprintln!("dropped-vs-real answer time AUC {auc:.3}");
    assert!(
        (0.3..=0.7).contains(&auc),
        "dropped forms answer at a different speed: AUC {auc:.3}"
    );
    assert_eq!(app.status_of("bot5@example.com"), None);
}
