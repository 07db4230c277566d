//! The owner's side: accounts, sign-in, CSRF, back-off, sessions, the dashboard, people,
//! CSV out and in, cohorts, invitations and referrals.

use std::io::Write;
use std::time::Duration;

use crate::helpers::*;

pub const OWNER: &str = "owner@example.org";
pub const PASSWORD: &str = "a long owner passphrase";

pub fn cli(app: &TestApp, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut command = quietlist_command_on(&app.data_dir);
    command
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn add_owner(app: &TestApp) {
    let (ok, out, err) = cli(
        app,
        &["admin", "add", OWNER, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(ok, "{out}{err}");
}

/// A browser that keeps cookies and follows no redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no hidden {name} in:\n{html}"))
        .to_owned()
}

pub async fn login_with(
    app: &TestApp,
    client: &reqwest::Client,
    password: &str,
) -> reqwest::Response {
    let form = client
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&form, "csrf");
    client
        .post(app.url("/admin/login"))
        .form(&[("email", OWNER), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap()
}

/// Signs the owner in; returns their browser and a CSRF token from the dashboard.
pub async fn signed_in(app: &TestApp) -> (reqwest::Client, String) {
    let client = browser();
    let response = login_with(app, &client, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303, "sign-in");
    let dashboard = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(dashboard.status().as_u16(), 200);
    let csrf = hidden(&dashboard.text().await.unwrap(), "csrf");
    (client, csrf)
}

#[tokio::test]
async fn the_admin_area_is_closed_until_an_owner_exists() {
    let app = spawn_app().await;
    let admin = app.get("/admin").await;
    assert_eq!(admin.status().as_u16(), 303);
    assert_eq!(admin.headers()["location"], "/admin/login");
    let page = app.get_text("/admin/login").await;
    assert!(page.contains("quietlist admin add"), "{page}");
    assert!(!page.contains("name=\"password\""));
    let response = browser()
        .post(app.url("/admin/login"))
        .form(&[("email", OWNER), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn owners_are_managed_from_the_command_line() {
    let app = spawn_app().await;
    let (ok, _, err) = cli(
        &app,
        &["admin", "add", OWNER, "--password-stdin"],
        Some("short\n"),
    );
    assert!(!ok && err.contains("12 characters"), "{err}");
    add_owner(&app);
    let (ok, out, _) = cli(&app, &["admin", "list"], None);
    assert!(ok && out.contains(OWNER), "{out}");
    let (client, _) = signed_in(&app).await;
    let (ok, _, _) = cli(
        &app,
        &["admin", "passwd", OWNER, "--password-stdin"],
        Some("another long passphrase\n"),
    );
    assert!(ok);
    // A new password ends the sessions.
    assert_eq!(
        client
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        login_with(&app, &browser(), PASSWORD)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        login_with(&app, &browser(), "another long passphrase")
            .await
            .status()
            .as_u16(),
        303
    );
    let (ok, _, _) = cli(&app, &["admin", "remove", OWNER], None);
    assert!(ok);
    let (ok, out, _) = cli(&app, &["admin", "list"], None);
    assert!(ok && !out.contains(OWNER));
    let (ok, _, err) = cli(&app, &["admin", "remove", "nobody@example.org"], None);
    assert!(!ok && err.contains("no owner"), "{err}");
    // Owner addresses are personal data too (the SQLite file, searched in clear).
    if !skip_on_postgres("the clear-text search of the SQLite file") {
        let db = std::fs::read(app.data_dir.join("quietlist.sqlite3")).unwrap();
        assert!(!db.windows(OWNER.len()).any(|w| w == OWNER.as_bytes()));
    }
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_a_new_session_each_time() {
    let app = spawn_app().await;
    add_owner(&app);
    let first = login_with(&app, &browser(), PASSWORD).await;
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("quietlist_session="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let second = login_with(&app, &browser(), PASSWORD).await;
    assert_ne!(second.headers()["set-cookie"].to_str().unwrap(), cookie);

    let https = spawn_app_with(|c| c.base_url = Some("https://waitlist.example.org".into())).await;
    add_owner(&https);
    let form = https.get_text("/admin/login").await;
    let response = https
        .client
        .post(https.url("/admin/login"))
        .form(&[
            ("email", OWNER),
            ("password", PASSWORD),
            ("csrf", &hidden(&form, "csrf")),
        ])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("__Host-quietlist=") && cookie.contains("Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn posts_without_the_csrf_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    add_owner(&app);
    // The login form itself.
    let no_token = browser()
        .post(app.url("/admin/login"))
        .form(&[("email", OWNER), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 403);
    let (client, csrf) = signed_in(&app).await;
    app.sign_up_and_confirm("someone@example.com").await;
    for token in ["", "00", &"ab".repeat(32)] {
        let r = client
            .post(app.url("/admin/lists/pilot-course/invite"))
            .form(&[("count", "1"), ("csrf", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "token {token:?}");
    }
    let cross = client
        .post(app.url("/admin/lists/pilot-course/invite"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("count", "1"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status().as_u16(), 403);
    assert_eq!(
        app.status_of("someone@example.com").as_deref(),
        Some("confirmed"),
        "nothing happened"
    );
    let ok = client
        .post(app.url("/admin/lists/pilot-course/invite"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("count", "1"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(
        app.status_of("someone@example.com").as_deref(),
        Some("invited")
    );
}

#[tokio::test]
async fn repeated_failed_sign_ins_get_429_with_a_back_off() {
    let app = spawn_app().await;
    add_owner(&app);
    for _ in 0..10 {
        assert_eq!(
            login_with(&app, &browser(), "wrong password here")
                .await
                .status()
                .as_u16(),
            401
        );
    }
    // Now even the right password waits: no guessing through the back-off.
    let refused = login_with(&app, &browser(), PASSWORD).await;
    assert_eq!(refused.status().as_u16(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=900).contains(&retry),
        "a back-off, not a lock-out: {retry}"
    );
    // An unknown account answers like a known one (and is throttled the same way).
    let unknown = browser();
    let form = unknown
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = unknown
        .post(app.url("/admin/login"))
        .form(&[
            ("email", "nobody@example.org"),
            ("password", "whatever it is"),
            ("csrf", &hidden(&form, "csrf")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429, "the network is throttled too");
}

#[tokio::test]
async fn sessions_end_when_idle_and_on_sign_out() {
    let app = spawn_app_with(|c| c.session_idle = 400).await;
    add_owner(&app);
    let (client, _) = signed_in(&app).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        client
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303,
        "idle session ended"
    );

    let (client, csrf) = signed_in(&app).await;
    let out = client
        .post(app.url("/admin/logout"))
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 303);
    assert_eq!(
        client
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );

    let short = spawn_app_with(|c| c.session_absolute = 400).await;
    add_owner(&short);
    let (client, _) = signed_in(&short).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = client.get(short.url("/admin")).send().await.unwrap();
    }
    assert_eq!(
        client
            .get(short.url("/admin"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303,
        "absolute timeout"
    );
}

#[tokio::test]
async fn the_dashboard_shows_people_by_status_a_chart_and_the_funnel() {
    let app = spawn_app().await;
    add_owner(&app);
    app.sign_up_and_confirm("first@example.com").await;
    app.sign_up("second@example.com").await;
    let (client, _) = signed_in(&app).await;
    let html = client
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"count-confirmed\">1<"),
        "{html}"
    );
    assert!(html.contains("data-testid=\"count-pending\">1<"));
    assert!(html.contains("<svg class=\"chart\""));
    assert!(html.contains("Form submissions</th><td>2<"), "{html}");
    assert!(html.contains("Confirmations</th><td>1<"));
    assert!(
        html.contains("50.0%"),
        "the conversion from submissions to confirmations"
    );
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn the_owner_finds_a_person_sees_their_consent_and_each_look_is_audited() {
    let app = spawn_app().await;
    add_owner(&app);
    for i in 0..3 {
        app.sign_up_and_confirm(&format!("p{i}@example.com")).await;
    }
    let (client, csrf) = signed_in(&app).await;
    let list = client
        .get(app.url("/admin/lists/pilot-course?status=confirmed"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(list.matches("/admin/people/").count(), 3, "{list}");
    let found = client
        .get(app.url("/admin/lists/pilot-course?find=p1%40example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status().as_u16(), 303);
    let person_url = app.url(found.headers()["location"].to_str().unwrap());
    let person = client
        .get(&person_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        person.contains("p1@example.com") && person.contains("127.0.0.0/24"),
        "{person}"
    );
    let audit = cli(&app, &["audit", "--json"], None).1;
    assert!(audit.contains("\"action\":\"view\""), "{audit}");

    let erased = client
        .post(format!("{person_url}/erase"))
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status().as_u16(), 303);
    assert!(app.status_of("p1@example.com").is_none());
    let audit = cli(&app, &["audit", "--json"], None).1;
    assert!(
        audit.contains("\"action\":\"erase\"") && audit.contains("admin:"),
        "{audit}"
    );
}

#[tokio::test]
async fn the_web_export_is_the_same_csv_streamed_with_formulas_neutralised_and_audited() {
    let app = spawn_app().await;
    add_owner(&app);
    app.post_signup_form(
        LIST,
        &[
            ("email", "formula@example.com"),
            ("name", "=HYPERLINK(\"http://x\")"),
        ],
    )
    .await;
    app.post_signup_form(LIST, &[("email", "plus@example.com"), ("name", "+1 555")])
        .await;
    let (client, _) = signed_in(&app).await;
    let response = client
        .get(app.url("/admin/lists/pilot-course/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let web = response.text().await.unwrap();
    assert!(web.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{web}");
    assert!(web.contains("'+1 555"));
    assert_eq!(
        web,
        app.export_csv(LIST),
        "the web and the command line share one writer"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let audit = cli(&app, &["audit", "--json"], None).1;
    let web_export = audit
        .lines()
        .find(|l| l.contains("web export"))
        .unwrap_or_else(|| panic!("{audit}"));
    assert!(web_export.contains("\"rows\":2"), "{web_export}");
}

#[tokio::test]
async fn an_import_reports_bad_rows_by_line_merges_duplicates_and_keeps_people_pending() {
    let app = spawn_app().await;
    let file = app.data_dir.join("people.csv");
    std::fs::write(
        &file,
        "email,name,role\n\
         good@example.com,Good,therapist\n\
         not-an-address,Bad,therapist\n\
         good@example.com,Twice,therapist\n\
         other@example.com,,astronaut\n\
         third@example.com,Third,\n",
    )
    .unwrap();
    let (ok, out, err) = cli(&app, &["import", LIST, file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(out.contains("line 3: email"), "{out}");
    assert!(out.contains("line 5: role"), "{out}");
    assert!(
        out.contains("2 added") && out.contains("1 duplicates"),
        "{out}"
    );
    assert_eq!(
        app.status_of("good@example.com").as_deref(),
        Some("pending")
    );
    assert_eq!(
        app.status_of("third@example.com").as_deref(),
        Some("pending")
    );
    // Imported people get the one confirmation mail, nothing more.
    let mails = app.smtp().wait_for(2, MAIL_WAIT).await;
    assert_eq!(mails.len(), 2);
    assert!(text_body(&mails[0]).contains("/confirm/"));

    let consent = app.data_dir.join("consented.csv");
    std::fs::write(
        &consent,
        "email,name,consent_at,consent_source\nproof@example.com,Proof,2026-01-05T10:00:00Z,old-tool signup form\nnoproof@example.com,No Proof,,old-tool\n",
    )
    .unwrap();
    let (ok, _, err) = cli(&app, &["import", LIST, consent.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert_eq!(
        app.status_of("proof@example.com").as_deref(),
        Some("pending"),
        "without the flag, consent columns are not enough"
    );
    std::fs::write(
        &consent,
        "email,name,consent_at,consent_source\nproof2@example.com,Proof,2026-01-05T10:00:00Z,old-tool signup form\nnoproof2@example.com,No Proof,,old-tool\n",
    )
    .unwrap();
    let (ok, out, err) = cli(
        &app,
        &["import", LIST, consent.to_str().unwrap(), "--with-consent"],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("line 3: consent_at"), "{out}");
    assert_eq!(
        app.status_of("proof2@example.com").as_deref(),
        Some("confirmed")
    );
    assert!(app.status_of("noproof2@example.com").is_none());
    let audit = cli(&app, &["audit", "--json"], None).1;
    assert_eq!(audit.matches("\"action\":\"import\"").count(), 3, "{audit}");
}

#[tokio::test]
async fn the_web_import_reports_the_same() {
    let app = spawn_app().await;
    add_owner(&app);
    let (client, csrf) = signed_in(&app).await;
    let csv = "email,name\nweb@example.com,Web\nbroken,Broken\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("web.csv"),
        );
    let response = client
        .post(app.url("/admin/lists/pilot-course/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"added\">1<") && html.contains("data-testid=\"rejected\">1<"),
        "{html}"
    );
    assert!(html.contains("<td>3</td>"), "the bad row's line number");
    let no_csrf = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("web.csv"),
    );
    let refused = client
        .post(app.url("/admin/lists/pilot-course/import"))
        .multipart(no_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
}

/// Confirms `n` people and returns their addresses in line order.
async fn line_of(app: &TestApp, n: usize, prefix: &str) -> Vec<String> {
    let mut people = Vec::new();
    for i in 0..n {
        let email = format!("{prefix}{i}@example.com");
        app.sign_up_and_confirm(&email).await;
        people.push(email);
    }
    people
}

async fn invitation_links(app: &TestApp, email: &str) -> (String, String) {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        if let Some(invite) = app
            .mails_to(email)
            .into_iter()
            .find(|m| header(m, "Subject").is_some_and(|s| s.contains("seat is open")))
        {
            assert!(header(&invite, "List-Unsubscribe").is_some());
            return (link_in(&invite, "/accept/"), link_in(&invite, "/decline/"));
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no invitation to {email}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn create_cohort(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    name: &str,
    capacity: &str,
) {
    let r = client
        .post(app.url("/admin/lists/pilot-course/cohorts"))
        .form(&[("csrf", csrf), ("name", name), ("capacity", capacity)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn two_people_accepting_the_last_seat_at_once_get_one_seat_between_them() {
    let app = spawn_app().await;
    add_owner(&app);
    let people = line_of(&app, 3, "seat").await;
    let (client, csrf) = signed_in(&app).await;
    create_cohort(&app, &client, &csrf, "tiny", "1").await;
    let invite = client
        .post(app.url("/admin/lists/pilot-course/invite"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("count", "2"),
            ("cohort", "tiny"),
            ("overbook", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status().as_u16(), 303);
    assert_eq!(app.status_of(&people[0]).as_deref(), Some("invited"));
    assert_eq!(app.status_of(&people[1]).as_deref(), Some("invited"));
    assert_eq!(
        app.status_of(&people[2]).as_deref(),
        Some("confirmed"),
        "the third waits in line"
    );
    let (accept_a, _) = invitation_links(&app, &people[0]).await;
    let (accept_b, _) = invitation_links(&app, &people[1]).await;
    // GET shows one button and changes nothing.
    let page = app
        .client
        .get(&accept_a)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<button").count(), 1);
    assert_eq!(app.status_of(&people[0]).as_deref(), Some("invited"));

    let (a, b) = tokio::join!(
        app.client.post(&accept_a).send(),
        app.client.post(&accept_b).send()
    );
    let texts = [
        a.unwrap().text().await.unwrap(),
        b.unwrap().text().await.unwrap(),
    ];
    let seated = texts
        .iter()
        .filter(|t| t.contains("Your seat is yours"))
        .count();
    let too_late = texts
        .iter()
        .filter(|t| t.contains("The last seat was just taken"))
        .count();
    assert_eq!((seated, too_late), (1, 1), "{texts:?}");
    let statuses: Vec<_> = people[..2]
        .iter()
        .map(|p| app.status_of(p).unwrap())
        .collect();
    assert!(
        statuses.contains(&"accepted".to_owned()) && statuses.contains(&"confirmed".to_owned()),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_declined_invitation_frees_the_seat_for_the_next_in_line() {
    let app = spawn_app().await;
    let people = line_of(&app, 2, "dec").await;
    add_owner(&app);
    let (client, csrf) = signed_in(&app).await;
    create_cohort(&app, &client, &csrf, "one", "1").await;
    let (ok, out, err) = cli(
        &app,
        &["invite", LIST, "--next", "2", "--cohort", "one"],
        None,
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("invited 1 of 2"),
        "capacity caps invitations: {out}"
    );
    let (_, decline) = invitation_links(&app, &people[0]).await;
    let declined = app.client.post(&decline).send().await.unwrap();
    assert_eq!(declined.status().as_u16(), 200);
    assert_eq!(app.status_of(&people[0]).as_deref(), Some("declined"));
    let (ok, out, _) = cli(
        &app,
        &["invite", LIST, "--next", "1", "--cohort", "one"],
        None,
    );
    assert!(ok && out.contains("invited 1 of 1"), "{out}");
    let (accept, _) = invitation_links(&app, &people[1]).await;
    assert!(
        app.client
            .post(&accept)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Your seat is yours")
    );
    assert_eq!(app.status_of(&people[1]).as_deref(), Some("accepted"));
    let again = app
        .client
        .post(&accept)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("You have answered this invitation"));
}

#[tokio::test]
async fn an_unanswered_invitation_expires() {
    let app = spawn_app_with(|c| c.invite_ttl = 1).await;
    let people = line_of(&app, 1, "late").await;
    add_owner(&app);
    let (client, csrf) = signed_in(&app).await;
    let r = client
        .post(app.url("/admin/lists/pilot-course/invite"))
        .form(&[("csrf", csrf.as_str()), ("count", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (accept, _) = invitation_links(&app, &people[0]).await;
    let response = app.client.post(&accept).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 410);
    assert_eq!(app.status_of(&people[0]).as_deref(), Some("expired"));
}

#[tokio::test]
async fn confirmed_referrals_move_the_referrer_up_once_each() {
    let app = spawn_app_with(|c| c.referral_boost = 2).await;
    let ahead = line_of(&app, 2, "ahead").await;
    app.sign_up_and_confirm("sharer@example.com").await;
    let welcome = wait_welcome(&app, "sharer@example.com").await;
    let share = link_in(&welcome, "/join/");
    let join_page = app
        .client
        .get(&share)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = hidden(&join_page, "ref");
    let place = |email: &'static str| {
        let app = &app;
        async move {
            let rows = app.export_rows(LIST);
            rows.iter()
                .find(|r| r[0] == email)
                .map(|r| r[2].clone())
                .unwrap()
        }
    };
    assert_eq!(place("sharer@example.com").await, "3");
    // Someone signs up through the link but does not confirm: nothing yet.
    app.post_signup_form(LIST, &[("email", "lazy@example.com"), ("ref", &code)])
        .await;
    assert_eq!(place("sharer@example.com").await, "3");
    // Someone confirms: the sharer moves up two places; confirming again changes nothing.
    app.post_signup_form(LIST, &[("email", "friend@example.com"), ("ref", &code)])
        .await;
    let link = link_in(&app.mail_to("friend@example.com").await, "/confirm/");
    app.client.post(&link).send().await.unwrap();
    app.client.post(&link).send().await.unwrap();
    assert_eq!(place("sharer@example.com").await, "1");
    assert_eq!(place("ahead0@example.com").await, "2");
    assert!(ahead.len() == 2);
    // A code that names nobody counts for nothing and breaks nothing.
    let r = app
        .post_signup_form(
            LIST,
            &[("email", "x@example.com"), ("ref", "zzzzzzzzzzzzz")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
}

async fn wait_welcome(app: &TestApp, email: &str) -> ReceivedMail {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        if let Some(m) = app
            .mails_to(email)
            .into_iter()
            .find(|m| header(m, "Subject").is_some_and(|s| s.contains("You are on the waitlist")))
        {
            return m;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no welcome to {email}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_web_import_that_outlives_its_request_still_finishes_and_is_audited() {
    // A short request timeout stands in for a file that takes longer than 30 s.
    let app = spawn_app_with(|c| c.request_timeout = std::time::Duration::from_millis(1500)).await;
    add_owner(&app);
    let (client, csrf) = signed_in(&app).await;
    let rows = 20_000;
    let mut csv = String::from("email,consent_at,consent_source\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "bulk{i}@example.com,2026-11-01T00:00:00Z,the old list\n"
        ));
    }
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("with_consent", "on")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("big.csv"),
        );
    let response = client
        .post(app.url("/admin/lists/pilot-course/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(
        status, 503,
        "the import must outlast the request for this test to mean anything: {body}"
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (_, audit, _) = cli(&app, &["audit", "--json"], None);
        if audit.contains("\"action\":\"import\"") {
            assert!(audit.contains(&format!("\"rows\":{rows}")), "{audit}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the import's audit entry never came: {audit}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(
        app.export_rows(LIST).len(),
        rows + 1,
        "every row was imported"
    );
}

#[tokio::test]
async fn the_welcome_mail_promises_referral_moves_only_when_referrals_are_on() {
    let off = spawn_app_with(|c| c.referral_boost = 0).await;
    off.sign_up_and_confirm("off@example.com").await;
    let welcome = wait_welcome(&off, "off@example.com").await;
    for (part, body) in [("text", text_body(&welcome)), ("html", html_body(&welcome))] {
        assert!(
            !body.contains("/join/") && !body.contains("moves you up"),
            "referrals are off, yet the {part} welcome promises a move:\n{body}"
        );
    }

    let on = spawn_app_with(|c| c.referral_boost = 3).await;
    on.sign_up_and_confirm("on@example.com").await;
    let welcome = wait_welcome(&on, "on@example.com").await;
    for (part, body) in [("text", text_body(&welcome)), ("html", html_body(&welcome))] {
        assert!(
            body.contains("/join/"),
            "no share link in the {part} welcome"
        );
        assert!(
            body.contains("moves you up 3 places"),
            "the {part} welcome does not say how far a referral moves you:\n{body}"
        );
    }
}

#[tokio::test]
async fn every_owner_form_needs_its_token_and_each_person_action_is_audited() {
    let app = spawn_app().await;
    add_owner(&app);
    app.sign_up("waiting@example.com").await;
    app.sign_up_and_confirm("confirmed@example.com").await;
    let (client, csrf) = signed_in(&app).await;
    let page_of = |email: &'static str| {
        let client = client.clone();
        let url = app.url(&format!(
            "/admin/lists/pilot-course?find={}",
            email.replace('@', "%40")
        ));
        async move {
            let found = client.get(url).send().await.unwrap();
            assert_eq!(found.status().as_u16(), 303, "{email}");
            found.headers()["location"].to_str().unwrap().to_owned()
        }
    };
    let person = page_of("waiting@example.com").await;
    let confirmed = page_of("confirmed@example.com").await;
    let post = |path: String, token: &str| {
        client
            .post(app.url(&path))
            .form(&[
                ("csrf", token),
                ("count", "1"),
                ("name", "later"),
                ("capacity", "3"),
            ])
            .send()
    };
    for path in [
        format!("{person}/resend"),
        format!("{person}/unsubscribe"),
        format!("{person}/erase"),
        "/admin/lists/pilot-course/cohorts".to_owned(),
        "/admin/lists/pilot-course/invite".to_owned(),
        "/admin/logout".to_owned(),
    ] {
        let refused = post(path.clone(), "00").await.unwrap();
        assert_eq!(refused.status().as_u16(), 403, "{path}");
    }
    assert_eq!(
        app.status_of("waiting@example.com").as_deref(),
        Some("pending")
    );

    let unknown = post(format!("{person}/frobnicate"), &csrf).await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404, "not a person action");
    let resent = post(format!("{person}/resend"), &csrf).await.unwrap();
    assert_eq!(resent.status().as_u16(), 303);
    assert!(
        resent.headers()["location"]
            .to_str()
            .unwrap()
            .contains("?resend="),
        "{:?}",
        resent.headers()
    );
    let unsubscribed = post(format!("{confirmed}/unsubscribe"), &csrf)
        .await
        .unwrap();
    assert_eq!(unsubscribed.status().as_u16(), 303);
    assert_eq!(
        app.status_of("confirmed@example.com").as_deref(),
        Some("unsubscribed")
    );
    let saved = post("/admin/lists/pilot-course/cohorts".to_owned(), &csrf)
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 303);

    let audit = cli(&app, &["audit", "--json"], None).1;
    let entries: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {audit}"))
    };
    for action in ["resend", "unsubscribe", "settings"] {
        assert!(
            by(action)["actor"].as_str().unwrap().starts_with("admin:"),
            "{audit}"
        );
    }
    assert!(
        by("settings")["detail"]
            .as_str()
            .unwrap()
            .contains("cohort later saved with 3 seats")
    );
    assert!(
        by("account")["actor"].as_str().unwrap().starts_with("cli:"),
        "creating the owner is audited too: {audit}"
    );
}
